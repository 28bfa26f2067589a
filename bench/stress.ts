/**
 * `deno task stress <lab>`: grades a submission (the C reference by
 * default) back to back while two busy loops keep both cores loaded, and
 * says how many gradings gave the very same verdicts with full marks.
 *
 *   deno task stress fork-server [--runs 20] [--submission DIR] [--busy 2]
 *
 * Exits 1 unless every grading gave identical full marks.
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../harness/config/labs.ts";
import { gradeCommand } from "../harness/config/self.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "20" },
    submission: { type: "string" },
    busy: { type: "string", default: "2" },
  },
});
const lab = positionals[0];
if (!lab) {
  console.error("usage: deno task stress <lab> [--runs 20] [--submission DIR] [--busy 2]");
  Deno.exit(2);
}
const submission = values.submission ?? join(REPO_ROOT, "reference", lab, "c");
const runs = Number(values.runs);

// The load: `yes > /dev/null`, one per core by default, ended whatever happens.
const loads = Array.from(
  { length: Number(values.busy) },
  () => new Deno.Command("yes", { stdout: "null", stderr: "null" }).spawn(),
);
const stopLoads = () => {
  for (const load of loads) {
    try {
      load.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
};
Deno.addSignalListener("SIGINT", () => {
  stopLoads();
  Deno.exit(130);
});

const [deno, ...gradeArgs] = await gradeCommand();
const verdicts: string[] = [];
const seconds: number[] = [];
let fullMarks = 0;
try {
  for (let run = 1; run <= runs; run++) {
    const started = performance.now();
    const output = await new Deno.Command(deno, {
      args: [...gradeArgs, lab, "--submission", submission, "--format", "json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    seconds.push((performance.now() - started) / 1000);
    const report = JSON.parse(new TextDecoder().decode(output.stdout));
    const verdict = report.checks.map((c: { id: string; status: string; points: number }) =>
      `${c.id}:${c.status}:${c.points}`
    ).join(" ");
    verdicts.push(verdict);
    if (report.score === report.max_score) fullMarks++;
    const failed = report.checks.filter((c: { status: string }) => c.status !== "pass");
    console.log(
      `run ${String(run).padStart(2)}: ${report.score}/${report.max_score} in ${
        seconds.at(-1)!.toFixed(2)
      } s${
        failed.length
          ? `  not passed: ${
            failed.map((c: { id: string; rationale: string }) => `${c.id} (${c.rationale})`).join("; ")
          }`
          : ""
      }`,
    );
  }
} finally {
  stopLoads();
  await Promise.all(loads.map((load) => load.status));
}
const identical = verdicts.filter((v) => v === verdicts[0]).length;
const sorted = [...seconds].sort((a, b) => a - b);
console.log(
  `${lab}: ${identical}/${runs} gradings identical to the first, ${fullMarks}/${runs} with full marks, under ${values.busy} busy loops; median ${
    sorted[Math.floor(runs / 2)].toFixed(2)
  } s`,
);
Deno.exit(identical === runs && fullMarks === runs ? 0 : 1);
