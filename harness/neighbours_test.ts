/**
 * Fair under a noisy neighbour: a submission that starts 120 spinning
 * processes and one whose processes hold 8 GiB together, graded by
 * `grade-all --jobs 2` beside four correct classmates, cost them no point,
 * and leave no cgroup behind. (How long the batch takes beside them is
 * `deno task bench-neighbours`'s question, not a test's.)
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import type { GradeReport } from "./report/model.ts";
import { gradeCommand } from "./config/self.ts";
import { REPO_ROOT } from "./config/labs.ts";
import { resultPath } from "./batch/gradebook.ts";

Deno.test("grade-all: 120 spinners and a memory hog beside four correct classmates cost them nothing", async () => {
  const classDir = await Deno.makeTempDir({ prefix: "class-" });
  const tempDir = await Deno.makeTempDir({ prefix: "hostile-neighbours-" });
  await Deno.chmod(classDir, 0o755);
  await Deno.chmod(tempDir, 0o755);
  const out = join(tempDir, "grades");
  const correct = ["ada", "bob", "cy", "dee"];
  const cgroupsBefore = await gradingCgroups();
  try {
    for (const student of correct) {
      await cp(join(REPO_ROOT, "reference/client-server/c"), join(classDir, student, "client-server"), {
        recursive: true,
      });
    }
    // The memory hog only where its 8 GiB are capped: cgroups as root.
    const hostile = Deno.uid() === 0 ? ["spinners-120", "memory-hog"] : ["spinners-120"];
    for (const name of hostile) {
      await cp(join(REPO_ROOT, "fixtures/hostile", name), join(classDir, name, "client-server"), {
        recursive: true,
      });
    }
    const [deno, ...gradeArgs] = await gradeCommand();
    const run = await new Deno.Command(deno, {
      args: [
        ...gradeArgs.slice(0, -1),
        join(REPO_ROOT, "harness/cli/batch.ts"),
        "grade-all",
        classDir,
        "--lab",
        "client-server",
        "--jobs",
        "2",
        "--out",
        out,
      ],
      env: { NO_COLOR: "1", TMPDIR: tempDir },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
    assert.ok(run.code === 0 || run.code === 1, said);
    const lost: string[] = [];
    for (const student of correct) {
      const report = JSON.parse(
        await Deno.readTextFile(resultPath(out, student, "client-server")),
      ) as GradeReport;
      if (report.score !== report.max_score) {
        lost.push(`${student}: ${report.checks.filter((c) => c.status !== "pass").map((c) => c.rationale)}`);
      }
    }
    assert.deepEqual(lost, []);
    const left = [...Deno.readDirSync(tempDir)].map((e) => e.name).filter((name) => name !== "grades");
    assert.deepEqual(left, [], "temporary files left behind");
    const madeByBatch = (await gradingCgroups()).filter((dir) => !cgroupsBefore.includes(dir));
    assert.deepEqual(madeByBatch, [], "cgroups left behind");
  } finally {
    await Deno.remove(classDir, { recursive: true });
    await Deno.remove(tempDir, { recursive: true });
  }
});

/** The cgroups of gradings on this machine (cgroup v1 or v2). */
async function gradingCgroups(): Promise<string[]> {
  const listing = await new Deno.Command("sh", {
    args: [
      "-c",
      "ls -d /sys/fs/cgroup/*/socklab-grading-* /sys/fs/cgroup/*/*/*/socklab-grading-* /sys/fs/cgroup/socklab-grading-* 2>/dev/null; true",
    ],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(listing.stdout).split("\n").filter(Boolean);
}
