import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeHelpers } from "./native.ts";
import { sweepIpcObjects } from "./ipc.ts";

const PLANT = fileURLToPath(new URL("./testdata/ipc_plant.c", import.meta.url));
const STUDENT_UID = 4242;

Deno.test({
  name: "ipc_sweep removes the System V objects and POSIX queues of one uid, and nothing of another",
  // An IPC namespace of the test's own, and another uid to plant as: root only.
  ignore: Deno.uid() !== 0,
  async fn() {
    const nativeDir = await nativeHelpers();
    const dir = await Deno.makeTempDir({ prefix: "ipc-sweep-" });
    try {
      await Deno.chmod(dir, 0o755);
      const plant = join(dir, "plant");
      const compiled = await new Deno.Command("cc", { args: ["-O2", "-o", plant, PLANT, "-lrt"] }).output();
      assert.ok(compiled.success, new TextDecoder().decode(compiled.stderr));
      const sweep = join(nativeDir, "ipc_sweep");
      // Root plants, the student uid plants (through the jail), then the student's are swept twice and root's once.
      const script =
        `"$1"; "$2" --uid ${STUDENT_UID} -- "$1"; "$3" ${STUDENT_UID}; "$3" ${STUDENT_UID}; "$3" 0`;
      const run = await new Deno.Command("unshare", {
        args: ["--ipc", "sh", "-c", script, "sh", plant, join(nativeDir, "jail"), sweep],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const printed = new TextDecoder().decode(run.stdout).trim().split("\n");
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      // planted 4, planted 4, swept 4, then none left of the student, and root's 4 untouched until swept.
      assert.deepEqual(printed, ["4", "4", "4", "0", "4"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("sweepIpcObjects reports how many objects went, and fails loudly when the sweeper does", async () => {
  const nativeDir = await nativeHelpers();
  // No object on the host belongs to this uid (nothing runs as it).
  assert.equal(await sweepIpcObjects(nativeDir, 3_999_999_999), 0);
  await assert.rejects(() => sweepIpcObjects(nativeDir, -1), /usage: ipc_sweep UID/);
});
