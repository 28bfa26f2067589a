/**
 * Fair under a noisy neighbour: `grade-all --jobs 2` of four correct copies
 * of the client-server C reference, alone ("quiet") and beside a submission
 * that starts 120 spinning processes and one whose processes hold 8 GiB
 * together ("noisy"), alternately, a few times each. Prints how many times
 * every correct classmate kept full marks, both medians and their ratio.
 *
 *   deno task bench-neighbours [--runs 20] [--no-hog]
 *
 * Exits 1 unless the correct ones had full marks in every noisy run and the
 * noisy batch's median is within 3 times the quiet one's. The memory hog is
 * left out where the grader cannot make cgroups (it would hold 8 GiB of the
 * machine per check): the report says so.
 *
 * @module
 */

import { cp } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../harness/config/labs.ts";
import { gradeCommand } from "../harness/config/self.ts";
import { resultPath } from "../harness/batch/gradebook.ts";
import { GradingCgroups } from "../harness/sandbox/cgroups.ts";
import { median } from "./median.ts";

const LAB = "client-server";
const CORRECT = ["ada", "bob", "cy", "dee"];
/** How much slower the noisy batch may be than the quiet one. */
const MAX_SLOWDOWN = 3;

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "20" }, "no-hog": { type: "boolean", default: false } },
});
const runs = Number(values.runs);

const probe = await GradingCgroups.open();
const cgroupsHere = probe instanceof GradingCgroups;
if (probe instanceof GradingCgroups) await probe.close();
const hogs: Record<string, string> = { spinner: "fixtures/hostile/spinners-120" };
if (cgroupsHere && !values["no-hog"]) hogs.hog = "fixtures/hostile/memory-hog";
else if (!cgroupsHere) console.log(`memory hog left out: ${(probe as { reason: string }).reason}`);

async function makeClass(withHogs: boolean): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "bench-neighbours-" });
  // Student code runs as another uid where the grader is root: it must reach its files.
  await Deno.chmod(dir, 0o755);
  for (const student of CORRECT) {
    await cp(join(REPO_ROOT, "reference", LAB, "c"), join(dir, student, LAB), { recursive: true });
  }
  if (withHogs) {
    for (const [student, source] of Object.entries(hogs)) {
      await cp(join(REPO_ROOT, source), join(dir, student, LAB), { recursive: true });
    }
  }
  return dir;
}

const [deno, ...gradeArgs] = await gradeCommand();
const batchCli = join(REPO_ROOT, "harness/cli/batch.ts");

/** Grades the class; returns the time and the correct students that lost points (with why). */
async function gradeClass(classDir: string): Promise<{ seconds: number; lost: string[] }> {
  const out = await Deno.makeTempDir({ prefix: "bench-neighbours-grades-" });
  try {
    const started = performance.now();
    const result = await new Deno.Command(deno, {
      args: [
        ...gradeArgs.slice(0, -1),
        batchCli,
        "grade-all",
        classDir,
        "--lab",
        LAB,
        "--jobs",
        "2",
        "--out",
        out,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - started) / 1000;
    if (!result.success) throw new Error(new TextDecoder().decode(result.stderr));
    const lost: string[] = [];
    for (const student of CORRECT) {
      const report = JSON.parse(await Deno.readTextFile(resultPath(out, student, LAB)));
      if (report.score === report.max_score) continue;
      const failed = report.checks.filter((c: { status: string }) => c.status !== "pass")
        .map((c: { id: string; rationale: string }) => `${c.id} (${c.rationale})`);
      lost.push(`${student} ${report.score}/${report.max_score}: ${failed.join("; ")}`);
    }
    return { seconds, lost };
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

const quietClass = await makeClass(false);
const noisyClass = await makeClass(true);
const quiet: number[] = [], noisy: number[] = [];
let fullMarksRuns = 0;
const loadBefore = Deno.loadavg();
try {
  for (let run = 1; run <= runs; run++) {
    const alone = await gradeClass(quietClass);
    quiet.push(alone.seconds);
    const beside = await gradeClass(noisyClass);
    noisy.push(beside.seconds);
    if (beside.lost.length === 0) fullMarksRuns++;
    const lost = [...alone.lost.map((l) => `quiet: ${l}`), ...beside.lost.map((l) => `noisy: ${l}`)];
    console.log(
      `run ${String(run).padStart(2)}: quiet ${alone.seconds.toFixed(1)} s, noisy ${
        beside.seconds.toFixed(1)
      } s, load ${Deno.loadavg()[0].toFixed(1)}${lost.length ? `\n  ${lost.join("\n  ")}` : ""}`,
    );
  }
} finally {
  await Deno.remove(quietClass, { recursive: true });
  await Deno.remove(noisyClass, { recursive: true });
}

const ratio = median(noisy) / median(quiet);
console.log(
  `grade-all --jobs 2, ${CORRECT.length} correct copies of the ${LAB} C reference beside ${
    Object.keys(hogs).map((s) => `${s} (${hogs[s]})`).join(" and ")
  }, ${runs} runs on ${navigator.hardwareConcurrency} cores`,
);
console.log(`correct classmates with full marks in ${fullMarksRuns}/${runs} noisy runs`);
console.log(
  `quiet batch median ${median(quiet).toFixed(1)} s, noisy ${median(noisy).toFixed(1)} s: ${
    ratio.toFixed(2)
  }x (at most ${MAX_SLOWDOWN}x)`,
);
console.log(
  `load average (1 min) before ${loadBefore[0].toFixed(1)}, after ${Deno.loadavg()[0].toFixed(1)}; cgroups: ${
    cgroupsHere ? "yes" : "no"
  }`,
);
Deno.exit(fullMarksRuns === runs && ratio <= MAX_SLOWDOWN ? 0 : 1);
