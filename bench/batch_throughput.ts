/**
 * Batch throughput: grades a class of 40 client-server submissions with
 * `grade-all --jobs 1` and `--jobs 2`, a few times each, and prints the
 * medians and their ratio, beside two bounds of this machine: two CPU-bound
 * processes at once against one after the other, and the cores divided by
 * the cores one grading at a time keeps busy (its CPU seconds over its wall
 * seconds).
 *
 *   deno task bench-batch [--runs N] [--size 40]
 *
 * @module
 */

import { cp } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../harness/config/labs.ts";
import { gradeCommand } from "../harness/config/self.ts";
import { median } from "./median.ts";

const SOURCES = [
  "reference/client-server/c",
  "reference/client-server/python",
  "fixtures/client-server/correct-unusual-style",
  "fixtures/client-server/server-wrong-exit-status",
  "fixtures/client-server/client-ignores-exit",
];

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "3" }, size: { type: "string", default: "40" } },
});
const runs = Number(values.runs);
const size = Number(values.size);

const classDir = await Deno.makeTempDir({ prefix: "bench-class-" });
for (let i = 0; i < size; i++) {
  const student = `student-${String(i).padStart(2, "0")}`;
  await cp(join(REPO_ROOT, SOURCES[i % SOURCES.length]), join(classDir, student, "client-server"), {
    recursive: true,
  });
}
const [deno, ...gradeArgs] = await gradeCommand();
const batchCli = join(REPO_ROOT, "harness/cli/batch.ts");

/**
 * CPU seconds used by the children this process has waited for, theirs
 * included (the kernel adds a reaped child's own children to it).
 */
async function childrenCpuSeconds(): Promise<number> {
  // Deno reads /proc/self only with --allow-all: cat reads it for us, by pid.
  const stat = new TextDecoder().decode(
    (await new Deno.Command("cat", { args: [`/proc/${Deno.pid}/stat`] }).output()).stdout,
  );
  const [cutime, cstime] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").slice(13, 15).map(Number);
  return (cutime + cstime) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ, which Linux fixes at 100 for every architecture's /proc. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Cores busy on average during each timed batch: CPU seconds over wall seconds. */
const coresBusy: Record<number, number[]> = { 1: [], 2: [] };

async function timeBatch(jobs: number): Promise<number> {
  const out = await Deno.makeTempDir({ prefix: "bench-grades-" });
  const cpuBefore = await childrenCpuSeconds();
  const started = performance.now();
  const result = await new Deno.Command(deno, {
    args: [
      ...gradeArgs.slice(0, -1),
      batchCli,
      "grade-all",
      classDir,
      "--lab",
      "client-server",
      "--jobs",
      String(jobs),
      "--out",
      out,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  coresBusy[jobs].push((await childrenCpuSeconds() - cpuBefore) / seconds);
  await Deno.remove(out, { recursive: true });
  if (!result.success) throw new Error(new TextDecoder().decode(result.stderr));
  return seconds;
}

/** A fixed amount of CPU work (about a second here), the same each time. */
const SPIN = ["python3", "-c", "x = 0\nfor i in range(10_000_000): x += i"];

/** Seconds `count` copies of {@link SPIN} take when started together. */
async function timeSpins(count: number): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, () => new Deno.Command(SPIN[0], { args: SPIN.slice(1) }).output()),
  );
  return (performance.now() - started) / 1000;
}

const times: Record<number, number[]> = { 1: [], 2: [] };
// The machine's own ceiling for --jobs 2: two CPU-bound processes at once
// against one after the other. Two virtual cores that share a physical one
// (or a busy host) give well under 2x, and a batch cannot do better.
const ceilings: number[] = [];
for (let run = 0; run < runs; run++) {
  for (const jobs of [1, 2]) times[jobs].push(await timeBatch(jobs));
  const alone = (await timeSpins(1)) + (await timeSpins(1));
  ceilings.push(alone / await timeSpins(2));
}
await Deno.remove(classDir, { recursive: true });
console.log(
  `grade-all of ${size} client-server submissions on ${navigator.hardwareConcurrency} cores, ${runs} runs each`,
);
console.log(
  `--jobs 1: median ${median(times[1]).toFixed(1)} s  (${times[1].map((t) => t.toFixed(1)).join(", ")})`,
);
console.log(
  `--jobs 2: median ${median(times[2]).toFixed(1)} s  (${times[2].map((t) => t.toFixed(1)).join(", ")})`,
);
const speedUp = median(times[1]) / median(times[2]);
console.log(`speed-up: ${speedUp.toFixed(2)}x`);
console.log(
  `two CPU-bound processes at once: ${median(ceilings).toFixed(2)}x (${
    ceilings.map((c) => c.toFixed(2)).join(", ")
  }), the machine's ceiling; the batch reaches ${Math.round((100 * speedUp) / median(ceilings))}% of it`,
);
// One grading alone already keeps more than one core busy (its checks' peers,
// runner and grader overlap): on n cores, --jobs 2 cannot beat n over that.
const bound = navigator.hardwareConcurrency / median(coresBusy[1]);
console.log(
  `cores busy: ${median(coresBusy[1]).toFixed(2)} at --jobs 1, ${
    median(coresBusy[2]).toFixed(2)
  } at --jobs 2; so --jobs 2 can be at most ${bound.toFixed(2)}x faster here, and reaches ${
    Math.round((100 * speedUp) / Math.min(2, bound))
  }% of that`,
);
