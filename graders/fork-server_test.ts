import assert from "node:assert/strict";
import { defineLabTests, gradingUid, processesLeftBehind, runGradeCli } from "../harness/testing.ts";

defineLabTests("fork-server");

Deno.test("fork-server: a double-forking server scores full marks and leaves no process behind", async () => {
  const tempDir = await Deno.makeTempDir({ prefix: "double-fork-" });
  await Deno.chmod(tempDir, 0o755);
  try {
    const run = await runGradeCli(
      ["fork-server", "--submission", "fixtures/fork-server/double-fork-daemon"],
      { TMPDIR: tempDir },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(await processesLeftBehind(gradingUid(run.pid), tempDir), []);
    assert.deepEqual([...Deno.readDirSync(tempDir)], []);
  } finally {
    await Deno.remove(tempDir, { recursive: true });
  }
});
