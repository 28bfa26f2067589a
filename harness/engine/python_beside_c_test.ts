/**
 * A Python solution written in a repository made by `socklab template`,
 * beside the C stubs it ships: graded as Python, to full marks, and the
 * build check says so.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { labPaths } from "../config/labs.ts";
import { grade } from "./grade.ts";

async function templateWithPython(lab: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "socklab-language-" });
  await Deno.chmod(dir, 0o755);
  for (const entry of Deno.readDirSync(labPaths(lab).taskDir)) {
    if (entry.isFile && entry.name !== "task.yaml") {
      await Deno.copyFile(join(labPaths(lab).taskDir, entry.name), join(dir, entry.name));
    }
  }
  for (const file of ["server.py", "client.py"]) {
    await Deno.copyFile(join(labPaths(lab).referenceDir, "python", file), join(dir, file));
  }
  return dir;
}

Deno.test("language: a Python solution beside a template's C stubs gets full marks, and the build check says Python", async () => {
  const lab = "client-server";
  const dir = await templateWithPython(lab);
  try {
    const report = await grade({ lab, submission: dir });
    assert.equal(report.language, "python");
    assert.equal(
      report.score,
      report.max_score,
      JSON.stringify(report.checks.filter((c) => c.status !== "pass")),
    );
    const build = report.checks.find((check) => check.id === "build")!;
    assert.ok(build.notes.some((note) => /graded as Python/.test(note)), build.notes.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
