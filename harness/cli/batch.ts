/**
 * `socklab grade-all DIR …` grades a whole class; `socklab merge-grades
 * OUT… --out DIR` joins the outputs of sharded runs.
 *
 * @module
 */

import { cp } from "node:fs/promises";
import { parseArgs } from "node:util";
import { knownLabs } from "../config/labs.ts";
import { findSubmissions, labsPresent, parseRoster, parseShard } from "../batch/roster.ts";
import type { Shard } from "../batch/roster.ts";
import { gradeAll, writeClassFiles } from "../batch/run.ts";
import type { BatchProgress, ClassFileOptions } from "../batch/run.ts";
import { visibleText } from "../formats/common.ts";
import { safeForWorkflowLog, stopCommandsToken, underGithubRunner } from "../formats/workflow_log.ts";

const GRADE_ALL_USAGE = `Usage: socklab grade-all <DIR> [options]

Grades every student of a class. Each subdirectory of DIR is one student's
submission: one folder per lab inside it (alice/client-server/), or, when a
single lab is graded (--lab), the lab's files directly (alice/Makefile).

Options:
  --lab L,L        labs to grade (default: every lab some student has a folder for)
  --jobs N         gradings at once (default: number of cores)
  --shard I/N      grade only the I-th of N stable parts of the class (for a CI matrix)
  --out DIR        where reports, gradebook.csv, class-report.html and feedback/ go (default: grades/)
  --force          grade again what is already graded and unchanged
  --roster FILE    GitHub Classroom's roster export (identifier, github_username): the
                   gradebook gets the institution's identifier beside each folder name
  --known DIR      known solutions to compare every submission with (one subfolder each)
  --similarity X   flag pairs at least X alike (0 to 1, default 0.7), or 'off'
  -h, --help       this help

Examples:
  socklab grade-all submissions/ --lab client-server --out grades/
  socklab grade-all submissions/ --shard 1/4 --out grades-1/

A rerun skips every submission whose files, and whose grader, are unchanged.`;

const MERGE_USAGE = `Usage: socklab merge-grades <OUT>... --out DIR

Joins the outputs of sharded grade-all runs into one gradebook.csv,
class-report.html and feedback/ (and one reports/ tree) in DIR. Takes
--roster, --known and --similarity as grade-all does.

Example:
  socklab merge-grades grades-1/ grades-2/ grades-3/ grades-4/ --out grades/`;

/**
 * Runs `grade-all` or `merge-grades`; returns the exit status (0 done, 2 usage).
 *
 * @example
 * ```ts ignore
 * import { main } from "./batch.ts";
 * await main(["grade-all", "class/", "--lab", "client-server", "--out", "out/"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === "grade-all") return await gradeAllCommand(rest);
    if (command === "merge-grades") return await mergeCommand(rest);
  } catch (error) {
    printError(`${command}: ${(error as Error).message}`);
    return 2;
  }
  console.error("usage: batch_cli.ts grade-all|merge-grades …");
  return 2;
}

async function gradeAllCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      lab: { type: "string" },
      jobs: { type: "string" },
      shard: { type: "string" },
      out: { type: "string", default: "grades" },
      force: { type: "boolean", default: false },
      ...CLASS_FILE_OPTIONS,
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(GRADE_ALL_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new Error("give one class directory; --help for usage");
  const classDir = positionals[0];
  if (!Deno.statSync(classDir).isDirectory) throw new Error(`${classDir} is not a directory`);
  const known = knownLabs();
  const labs = values.lab ? values.lab.split(",").map((l) => l.trim()) : labsPresent(classDir, known);
  const unknown = labs.filter((lab) => !known.includes(lab));
  if (unknown.length > 0) {
    throw new Error(`unknown lab ${unknown.join(", ")}; the labs are: ${known.join(", ")}`);
  }
  if (labs.length === 0) {
    throw new Error(`no student of ${classDir} has a lab folder; name the lab with --lab`);
  }
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0)) {
    throw new Error("--jobs takes a positive whole number");
  }
  const shard: Shard | undefined = values.shard ? parseShard(values.shard) : undefined;
  const submissions = findSubmissions(classDir, labs, shard);
  const live = Deno.stdout.isTerminal();
  // Students' names and what their gradings said, for the whole batch: fenced under GitHub Actions.
  const fence = openFence();
  try {
    const summary = await gradeAll({
      submissions,
      outDir: values.out,
      jobs,
      force: values.force,
      classFiles: await classFileOptions(values),
      onProgress: (progress) => showProgress(progress, live),
    });
    if (live) print("\n");
    print(
      `${submissions.length} submissions: ${summary.graded} graded, ${summary.reused} unchanged, ${summary.missing} missing, ${summary.errors} could not be graded\n`,
    );
    print(
      `gradebook: ${values.out}/gradebook.csv  class report: ${values.out}/class-report.html  feedback: ${values.out}/feedback/\n`,
    );
  } finally {
    fence.close();
  }
  return 0;
}

/**
 * Under GitHub Actions, `::stop-commands::<random token>` on standard output
 * until `close` (grade-all makes no annotation of its own, so nothing of the
 * grader's is swallowed); elsewhere nothing.
 */
function openFence(): { close(): void } {
  if (!underGithubRunner(Deno.env.toObject())) return { close() {} };
  const token = stopCommandsToken();
  Deno.stdout.writeSync(new TextEncoder().encode(`::stop-commands::${token}\n`));
  return { close: () => Deno.stdout.writeSync(new TextEncoder().encode(`::${token}::\n`)) };
}

/** Text on standard output, escaped under GitHub Actions (it holds students' names). */
function print(text: string): void {
  let bytes = new TextEncoder().encode(safeForWorkflowLog(text, Deno.env.toObject()));
  while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
}

function printError(line: string): void {
  let bytes = new TextEncoder().encode(safeForWorkflowLog(`${line}\n`, Deno.env.toObject()));
  while (bytes.length > 0) bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
}

async function mergeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      ...CLASS_FILE_OPTIONS,
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(MERGE_USAGE);
    return 0;
  }
  if (!values.out || positionals.length === 0) {
    throw new Error("give the shard outputs and --out DIR; --help for usage");
  }
  for (const source of positionals) {
    await copyReports(source, values.out);
  }
  await writeClassFiles(values.out, [values.out], await classFileOptions(values));
  print(
    `merged ${positionals.length} outputs into ${values.out}/gradebook.csv and ${values.out}/class-report.html\n`,
  );
  return 0;
}

const CLASS_FILE_OPTIONS = {
  roster: { type: "string" },
  known: { type: "string" },
  similarity: { type: "string" },
} as const;

async function classFileOptions(
  values: { roster?: string; known?: string; similarity?: string },
): Promise<ClassFileOptions> {
  let similarityThreshold: number | false | undefined;
  if (values.similarity === "off") similarityThreshold = false;
  else if (values.similarity !== undefined) {
    similarityThreshold = Number(values.similarity);
    if (!(similarityThreshold > 0 && similarityThreshold <= 1)) {
      throw new Error(
        `--similarity takes a number above 0 and at most 1, or 'off', not '${values.similarity}'`,
      );
    }
  }
  if (values.known && !Deno.statSync(values.known).isDirectory) {
    throw new Error(`${values.known} is not a directory`);
  }
  return {
    identifiers: values.roster ? parseRoster(await Deno.readTextFile(values.roster)) : undefined,
    knownDir: values.known,
    similarityThreshold,
  };
}

async function copyReports(source: string, outDir: string): Promise<void> {
  // The kept sources, so that the similarity pass compares students of every shard.
  await cp(`${source}/sources`, `${outDir}/sources`, { recursive: true }).catch((error) => {
    if (error.code !== "ENOENT") throw error;
  });
  const from = `${source}/reports`;
  for await (const student of Deno.readDir(from)) {
    if (!student.isDirectory) continue;
    await Deno.mkdir(`${outDir}/reports/${student.name}`, { recursive: true });
    for await (const file of Deno.readDir(`${from}/${student.name}`)) {
      if (file.name.endsWith(".json")) {
        await Deno.copyFile(
          `${from}/${student.name}/${file.name}`,
          `${outDir}/reports/${student.name}/${file.name}`,
        );
      }
    }
  }
}

function showProgress(progress: BatchProgress, live: boolean): void {
  const eta = progress.done < progress.total ? ` · about ${Math.ceil(progress.etaMs / 1000)} s left` : "";
  // A student's name and a grader's error are shown, never obeyed by the terminal.
  const line = visibleText(
    `[${progress.done}/${progress.total}] ${progress.failing} below full marks${eta} · ${progress.last.student} ${progress.last.lab}: ${progress.last.outcome}`,
  ).replaceAll("\n", " ");
  if (live) {
    const columns = Deno.consoleSize().columns;
    print(`\r\x1b[2K${line.slice(0, columns - 1)}`);
  } else {
    print(`${line}\n`);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
