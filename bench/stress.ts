/**
 * `deno task stress <lab>`: grades a submission (the C reference by
 * default) back to back while two busy loops keep both cores loaded, and
 * says how many gradings gave the very same verdicts with full marks; a
 * fixture (a directory with an `expected.yaml`) is held instead to failing
 * exactly the checks it lists, in every grading, which is how a racy fault's
 * verdict is shown stable.
 *
 *   deno task stress fork-server [--runs 20] [--submission DIR] [--busy 2]
 *   deno task stress multiplexed-client-server --submission fixtures/multiplexed-client-server/broadcast-stops-at-failed-send
 *
 * Exits 1 unless every grading gave identical verdicts, each of them the
 * expected one (full marks, or the fixture's listed failures).
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { REPO_ROOT } from "../harness/config/labs.ts";
import { gradeCommand } from "../harness/config/self.ts";
import { fixtureMismatch } from "../harness/testing.ts";
import { median } from "./median.ts";

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
const listedFailures = await fixtureFailures(submission);

/** The checks a fixture must fail (sorted), or undefined for a submission that should get full marks. */
async function fixtureFailures(dir: string): Promise<string[] | undefined> {
  try {
    const expected = parse(await Deno.readTextFile(join(dir, "expected.yaml"))) as { fails?: string[] };
    return [...(expected.fails ?? [])].sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

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
let asExpected = 0;
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
    const failed = report.checks.filter((c: { status: string }) => c.status !== "pass");
    if (
      listedFailures
        ? fixtureMismatch(report, listedFailures) === undefined
        : report.score === report.max_score
    ) asExpected++;
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
console.log(
  `${lab}: ${identical}/${runs} gradings identical to the first, ${asExpected}/${runs} ${
    listedFailures ? `failing exactly ${listedFailures.join(", ")}` : "with full marks"
  }, under ${values.busy} busy loops; median ${median(seconds).toFixed(2)} s`,
);
Deno.exit(identical === runs && asExpected === runs ? 0 : 1);
