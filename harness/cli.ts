/**
 * `deno task grade <lab> [options]`: grades a submission and prints a report.
 *
 * Exit status: 0 every check passed; 1 some check did not; 2 usage or setup
 * error; 3 internal error of the grader.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { grade, SetupError } from "./grade.ts";
import { knownLabs } from "./labs.ts";
import { renderJson, renderText } from "./report.ts";
import type { GradeReport } from "./report.ts";
import { TaskConfigError } from "./task_config.ts";

/** Exit statuses of the grader. */
export const EXIT = { passed: 0, failed: 1, usage: 2, internal: 3 } as const;

const FORMATS = ["text", "json"] as const;
type Format = typeof FORMATS[number];

const USAGE = `Usage: deno task grade <lab> [options]

Builds a submission, runs it against reference and adversarial peers, and
reports a grade with a rationale, hint and wire transcript for each check.

Options:
  --submission DIR   the submission to grade (default: tasks/<lab>/, your working copy)
  --only ID,ID       run only these checks
  --task FILE        use this task.yaml instead of tasks/<lab>/task.yaml (try new points or limits)
  --format FORMAT    text (default) or json
  --output FILE      write the report to FILE instead of standard output
  --jobs N           checks run at once (default: number of cores)
  --set KEY=VALUE    override a setting of task.yaml (repeatable), e.g. --set upload_bytes=1048576
  --verbose          show transcripts and compiler output of passing checks too
  -h, --help         this help

Examples:
  deno task grade client-server
  deno task grade client-server --submission reference/client-server/c
  deno task grade client-server --only build,server-with-c-client --verbose
  deno task grade client-server --format json --output report.json

Exit status: 0 all checks passed, 1 some failed, 2 usage or setup error, 3 internal error.`;

/**
 * Runs the command line; returns the exit status.
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli.ts";
 * Deno.exit(await main(["client-server", "--format", "json"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        submission: { type: "string" },
        task: { type: "string" },
        only: { type: "string" },
        format: { type: "string", default: "text" },
        output: { type: "string" },
        jobs: { type: "string" },
        set: { type: "string", multiple: true, default: [] },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return EXIT.passed;
  }
  if (positionals.length !== 1) {
    return usageError(
      positionals.length === 0
        ? `which lab? The labs are: ${knownLabs().join(", ")}`
        : "grade one lab at a time",
    );
  }
  if (!FORMATS.includes(values.format as Format)) {
    return usageError(`unknown format '${values.format}'; the formats are: ${FORMATS.join(", ")}`);
  }
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0)) {
    return usageError(`--jobs takes a positive whole number, not '${values.jobs}'`);
  }
  const settings: Record<string, unknown> = {};
  for (const assignment of values.set ?? []) {
    const at = assignment.indexOf("=");
    if (at <= 0) return usageError(`--set takes KEY=VALUE, not '${assignment}'`);
    const raw = assignment.slice(at + 1);
    settings[assignment.slice(0, at)] = raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  if (values.output) {
    try {
      await Deno.writeTextFile(values.output, "");
    } catch (error) {
      return usageError(`cannot write the report to ${values.output}: ${(error as Error).message}`);
    }
  }
  let report: GradeReport;
  try {
    report = await grade({
      lab: positionals[0],
      submission: values.submission,
      taskFile: values.task,
      only: values.only?.split(",").map((s) => s.trim()).filter(Boolean),
      jobs,
      settings,
    });
  } catch (error) {
    if (error instanceof SetupError || error instanceof TaskConfigError) {
      return usageError(error.message, false);
    }
    console.error(`grade: internal error: ${(error as Error)?.stack ?? error}`);
    return EXIT.internal;
  }
  const rendered = values.format === "json" ? renderJson(report) : renderText(report, {
    verbose: values.verbose,
    color: !values.output && Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR"),
  });
  if (values.output) await Deno.writeTextFile(values.output, `${rendered}\n`);
  else console.log(rendered);
  return report.score === report.max_score && report.checks.every((c) => c.status === "pass")
    ? EXIT.passed
    : EXIT.failed;
}

function usageError(message: string, showUsage = true): number {
  console.error(`grade: ${message}`);
  if (showUsage) console.error("Run 'deno task grade --help' for usage.");
  return EXIT.usage;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
