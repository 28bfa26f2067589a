/**
 * `socklab grade <lab>|<lab,lab>|all [options]` (`deno task grade` in a checkout): grades a submission and
 * prints a report (text, JSON, or for GitHub Classroom, Gradescope or JUnit
 * consumers).
 *
 * Exit status: 0 every check passed; 1 some check did not; 2 usage or setup
 * error; 3 internal error of the grader. With several labs: the worst of the
 * labs' statuses.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Reports } from "../report/model.ts";
import { colorWanted, planDelivery, progressWanted } from "../formats/deliver.ts";
import type { DeliveryRequest, OutputEnv } from "../formats/deliver.ts";
import { FORMAT_NAMES, isFormatName } from "../formats/mod.ts";
import type { FormatName } from "../formats/mod.ts";
import { progressLine } from "../formats/text.ts";
import { safeForWorkflowLog } from "../formats/workflow_log.ts";
import { EXIT, gradeLabs, labSelection } from "../engine/grade_labs.ts";
import type { LabSelection, LabsRequest } from "../engine/grade_labs.ts";
import { knownLabs, labPaths } from "../config/labs.ts";
import { join } from "node:path";
import { TransferDisplay } from "./progress_display.ts";
import { hiddenFromStudents } from "../report/model.ts";
import type { CheckReport } from "../report/model.ts";

export { EXIT } from "../engine/grade_labs.ts";

const USAGE =
  `Usage: socklab grade <lab> [options]          (in a checkout: npx socklab grade, or deno task grade)
       socklab grade <lab>,<lab>,... [options]
       socklab grade all [options]

Builds a submission, runs it against reference and adversarial peers, and
reports a grade with a rationale, hint and wire transcript for each check.
Several labs (a comma-separated list, or 'all' for every lab of tasks/) are
graded one after the other, each reported on its own, their points summed.

Options:
  --submission DIR   the submission to grade (default: the grader's tasks/<lab>/, the starter code);
                     with several labs, a directory with one subdirectory per lab (DIR/<lab>/)
  --reference LANG   grade the reference solution the grader ships, c or python (instead of
                     --submission; works from an installed package too)
  --only ID,ID       run only these checks (with several labs: in every lab that has them)
  --task FILE        use this task.yaml instead of tasks/<lab>/task.yaml (try new points or limits;
                     one lab only)
  --format FORMAT    text (default), json, classroom (GitHub Classroom reporter payload),
                     gradescope (results.json) or junit (JUnit XML)
  --output FILE      write the report to FILE instead of standard output (standard output
                     then shows the text report, or its score line with --format text)
  --jobs N           checks run at once (default: number of cores)
  --set KEY=VALUE    override a setting of task.yaml (repeatable), e.g. --set upload_bytes=1048576
  --verbose          show transcripts and compiler output of passing checks too
  -q, --quiet        print only the final score line (a machine-readable report asked for on
                     standard output is still printed whole)
  -h, --help         this help

On a terminal, each check is listed as it finishes and results are in colour
(NO_COLOR=1 turns colour off). Under GitHub Actions (GITHUB_ACTIONS=true) each
failed check is also an ::error annotation (after the text report on standard
output, or on standard error when standard output carries a machine-readable
report) and a table of the checks is appended to the job summary
(GITHUB_STEP_SUMMARY); with --format classroom the payload is written to
GITHUB_OUTPUT as 'result', for the Classroom reporter. SOCKLAB_GITHUB=off turns
all of this off. Under GitHub Actions no student text is ever printed as a
workflow command: it is escaped, and text for people is fenced with
::stop-commands::.

Examples:
  socklab grade client-server
  socklab grade client-server --submission .        # the lab in the current directory
  socklab grade client-server --reference c         # the shipped C reference: full marks
  socklab grade client-server --only build,server-with-c-client --verbose
  socklab grade client-server --format json --output report.json
  socklab grade client-server --quiet
  socklab grade all
  socklab grade all --submission ~/labs             # ~/labs/client-server/, ~/labs/fork-server/, ...
  socklab grade client-server,fork-server --format junit --output junit.xml
  socklab grade client-server --format classroom    # in a Classroom workflow step
  socklab grade client-server --format gradescope --output /autograder/results/results.json

Exit status: 0 all checks passed, 1 some failed, 2 usage or setup error, 3 internal error
(a submission that cannot be graded still gets the report asked for: every check an error, 0 points);
with several labs, the worst of the labs'.`;

/**
 * Runs the command line; returns the exit status.
 *
 * @example
 * ```ts ignore
 * import { main } from "./grade.ts";
 * Deno.exit(await main(["client-server", "--format", "json"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const command = parseCommandLine(args);
  if (typeof command === "number") return command;
  const { selection, output } = command;
  if (output) {
    try {
      await Deno.writeTextFile(output, "");
    } catch (error) {
      return usageError(`cannot write the report to ${output}: ${(error as Error).message}`);
    }
  }

  const env: OutputEnv = Deno.env.toObject();
  const stdoutIsTerminal = Deno.stdout.isTerminal();
  const request: DeliveryRequest = {
    format: command.format,
    output,
    quiet: command.quiet,
    verbose: command.verbose,
    color: colorWanted(stdoutIsTerminal, env),
  };
  const showProgress = progressWanted(request, stdoutIsTerminal, env);
  // Long transfers: live on a terminal; plain lines on stderr elsewhere (stdout keeps the report).
  const transfers = new TransferDisplay(
    showProgress ? "live" : command.quiet ? "off" : "lines",
    (text) => writeAll(showProgress ? Deno.stdout : Deno.stderr, safeForWorkflowLog(text, env)),
  );
  transferDisplay = transfers;
  const run = await gradeLabs(selection, {
    ...command.labs,
    onProgress: (progress) => transfers.update(progress),
    onCheck: showProgress
      ? (check, lab) => printProgress(check, selection.multiLab ? lab : undefined, request.color)
      : undefined,
    onProblem: (message) => printError(`grade: ${message}`),
  });
  return Math.max(
    run.status,
    await deliver(run.reports, { ...request, nothingGraded: run.nothingGraded }, env),
  );
}

/** What the command line asks for. */
interface GradeCommand {
  selection: LabSelection;
  labs: LabsRequest;
  format: FormatName;
  output?: string;
  quiet: boolean;
  verbose: boolean;
}

/** The command line's request, or the exit status when there is nothing to grade (help, a usage error). */
function parseCommandLine(args: string[]): GradeCommand | number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        submission: { type: "string" },
        reference: { type: "string" },
        task: { type: "string" },
        only: { type: "string" },
        format: { type: "string", default: "text" },
        output: { type: "string" },
        jobs: { type: "string" },
        set: { type: "string", multiple: true, default: [] },
        verbose: { type: "boolean", default: false },
        quiet: { type: "boolean", short: "q", default: false },
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
        ? `which lab? The labs are: ${knownLabs().join(", ")} (or 'all')`
        : "name several labs as one comma-separated list (lab,lab) or 'all'",
    );
  }
  const format = values.format!;
  if (!isFormatName(format)) {
    return usageError(`unknown format '${format}'; the formats are: ${FORMAT_NAMES.join(", ")}`);
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
  const target = positionals[0];
  const selection = labSelection(target);
  if (selection.multiLab && values.task) {
    return usageError("--task replaces the task.yaml of one lab: grade one lab with it");
  }
  if (selection.labs.length === 0) return usageError(`no lab named in '${target}'`);
  let submission = values.submission;
  if (values.reference !== undefined) {
    const reference = referenceSubmission(selection, values.reference, submission);
    if (typeof reference === "number") return reference;
    submission = reference;
  }
  return {
    selection,
    labs: {
      submission,
      only: values.only?.split(",").map((s) => s.trim()).filter(Boolean),
      jobs,
      settings,
      taskFile: values.task,
    },
    format,
    output: values.output,
    quiet: values.quiet!,
    verbose: values.verbose!,
  };
}

/** The directory of the shipped reference `language` of the one lab selected, or a usage error's status. */
function referenceSubmission(
  selection: LabSelection,
  language: string,
  submission?: string,
): string | number {
  if (submission !== undefined) {
    return usageError("--reference and --submission each name what to grade: give one");
  }
  if (selection.multiLab) return usageError("--reference grades the reference of one lab: name one lab");
  const { referenceDir } = labPaths(selection.labs[0]);
  let languages: string[];
  try {
    languages = [...Deno.readDirSync(referenceDir)].filter((entry) => entry.isDirectory).map((entry) =>
      entry.name
    )
      .sort();
  } catch {
    languages = [];
  }
  if (!languages.includes(language)) {
    return usageError(
      `--reference takes the language of a shipped reference of ${selection.labs[0]}: ${
        languages.join(" or ")
      }`,
    );
  }
  return join(referenceDir, language);
}

/** Prints and writes a run's output; returns 0, or 2 when a file could not be written. */
async function deliver(input: Reports, request: DeliveryRequest, env: OutputEnv): Promise<number> {
  const plan = planDelivery(input, request, env);
  let status: number = EXIT.passed;
  for (const write of plan.writes) {
    try {
      await Deno.writeTextFile(write.path, write.text, { append: write.append });
    } catch (error) {
      printError(`grade: cannot write ${write.path}: ${(error as Error).message}`);
      status = EXIT.usage;
    }
  }
  if (plan.stderr) writeAll(Deno.stderr, plan.stderr);
  // A blank line parts the live progress from the report.
  writeAll(Deno.stdout, progressPrinted ? `\n${plan.stdout}` : plan.stdout);
  return status;
}

let progressPrinted = false;

let transferDisplay: TransferDisplay | undefined;

function printProgress(check: CheckReport, lab: string | undefined, color: boolean | undefined): void {
  if (hiddenFromStudents(check)) return;
  transferDisplay?.clear();
  progressPrinted = true;
  writeAll(Deno.stdout, safeForWorkflowLog(`${progressLine(check, { lab, color })}\n`, Deno.env.toObject()));
}

/** A line on standard error: never a workflow command under GitHub Actions (names and paths are the student's). */
function printError(line: string): void {
  writeAll(Deno.stderr, safeForWorkflowLog(`${line}\n`, Deno.env.toObject()));
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

function usageError(message: string, showUsage = true): number {
  printError(`grade: ${message}`);
  if (showUsage) printError("Run 'socklab grade --help' for usage.");
  return EXIT.usage;
}

if (import.meta.main) {
  let status: number;
  try {
    status = await main(Deno.args);
  } catch (error) {
    // Not Deno's own print of it: a message may quote the student's files.
    printError(`grade: internal error: ${(error as Error)?.stack ?? error}`);
    status = EXIT.internal;
  }
  Deno.exit(status);
}
