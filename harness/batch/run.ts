/**
 * `grade-all`: grades every student of a class directory, several gradings
 * at once, each in a grader process of its own (so one student's hang or
 * crash never stops the batch), skipping what is already graded and
 * unchanged.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { labPaths } from "../config/labs.ts";
import { mapLimited } from "../engine/limit.ts";
import { gradeCommand } from "../config/self.ts";
import { notGradedReport } from "../report/model.ts";
import { loadTaskConfig } from "../engine/task_config.ts";
import type { TaskConfig } from "../engine/task_config.ts";
import { DeadlineError, withDeadline } from "../observe/wait.ts";
import { renderClassReport } from "./class_report.ts";
import { feedbackMarkdown } from "./feedback.ts";
import { findSubmissions } from "./roster.ts";
import { findSimilarPairs, readSources } from "./similarity.ts";
import type { SimilarPair, SourceSet } from "./similarity.ts";
import { fingerprint, graderFingerprint } from "../config/fingerprint.ts";
import { gradebookRows, readResults, resultPath, toCsv } from "./gradebook.ts";
import type { StoredResult } from "./gradebook.ts";
import type { Submission } from "./roster.ts";

/** Options of {@link gradeAll}. */
export interface BatchOptions {
  submissions: Submission[];
  outDir: string;
  /** Gradings at once; the number of cores by default. */
  jobs?: number;
  /** Grade again even what is unchanged. */
  force?: boolean;
  onProgress?: (progress: BatchProgress) => void;
  /** What the class files show besides the results. */
  classFiles?: ClassFileOptions;
}

/** Options of {@link writeClassFiles}. */
export interface ClassFileOptions {
  /** GitHub username → the institution's identifier (a column of the gradebook). */
  identifiers?: Map<string, string>;
  /**
   * A folder of known solutions (one subfolder each, holding a lab's files or
   * one folder per lab) every submission is compared with.
   */
  knownDir?: string;
  /** Flag pairs at or above this similarity; `false` computes no similarity. */
  similarityThreshold?: number | false;
}

/** Where a batch stands, after each submission. */
export interface BatchProgress {
  done: number;
  total: number;
  /** Gradings that lost points or could not be graded. */
  failing: number;
  /** Reused from an earlier run. */
  reused: number;
  /** Estimated milliseconds left. */
  etaMs: number;
  last: { student: string; lab: string; outcome: string };
}

/** What a batch did. */
export interface BatchSummary {
  graded: number;
  reused: number;
  missing: number;
  errors: number;
}

/**
 * Grades `submissions` into `outDir`, then writes `gradebook.csv` and
 * `class-report.html` there.
 *
 * @example
 * ```ts ignore
 * import { gradeAll } from "./run.ts";
 * import { findSubmissions } from "./roster.ts";
 * await gradeAll({ submissions: findSubmissions("class", ["client-server"]), outDir: "out", jobs: 2 });
 * ```
 */
export async function gradeAll(options: BatchOptions): Promise<BatchSummary> {
  const labs = [...new Set(options.submissions.map((s) => s.lab))];
  const graderKeys = new Map(
    await Promise.all(labs.map(async (lab) => [lab, await graderFingerprint(lab)] as const)),
  );
  const tasks = new Map(
    await Promise.all(labs.map(async (lab) => [lab, await loadTaskConfig(labPaths(lab).taskYaml)] as const)),
  );
  const summary: BatchSummary = { graded: 0, reused: 0, missing: 0, errors: 0 };
  const started = performance.now();
  let done = 0, failing = 0;
  const jobs = Math.max(1, options.jobs ?? navigator.hardwareConcurrency ?? 2);

  const gradeOne = async (submission: Submission) => {
    const task = tasks.get(submission.lab)!;
    const file = resultPath(options.outDir, submission.student, submission.lab);
    await Deno.mkdir(dirname(file), { recursive: true });
    let result: StoredResult;
    let outcome: string;
    if (!submission.dir) {
      result = missingResult(submission, task);
      summary.missing++;
      outcome = "missing";
    } else {
      await keepSources(options.outDir, submission);
      const key = `${await fingerprint([submission.dir])}:${graderKeys.get(submission.lab)}`;
      const reused = options.force ? undefined : await reusable(file, key);
      if (reused) {
        result = reused;
        summary.reused++;
        outcome = `${result.score}/${result.max_score} (unchanged)`;
      } else {
        result = await gradeInProcess(submission, task);
        result.submission_key = key;
        if (result.grader_error) summary.errors++;
        else summary.graded++;
        outcome = result.grader_error
          ? `not graded: ${result.grader_error.split("\n")[0]}`
          : `${result.score}/${result.max_score}`;
      }
    }
    await Deno.writeTextFile(file, JSON.stringify(result, null, 2));
    done++;
    if (result.grader_error || result.missing || result.score < result.max_score) failing++;
    const elapsed = performance.now() - started;
    options.onProgress?.({
      done,
      total: options.submissions.length,
      failing,
      reused: summary.reused,
      etaMs: (elapsed / done) * (options.submissions.length - done),
      last: { student: submission.student, lab: submission.lab, outcome },
    });
  };

  await mapLimited(options.submissions, jobs, gradeOne);
  await writeClassFiles(options.outDir, [options.outDir], options.classFiles);
  return summary;
}

/**
 * Writes `gradebook.csv`, `class-report.html` and `feedback/<student>.md`
 * into `outDir` from the results (and the sources kept beside them) stored in
 * `sources` (one directory, or the shards to merge).
 *
 * @example
 * ```ts ignore
 * import { writeClassFiles } from "./run.ts";
 * await writeClassFiles("merged", ["shard-1", "shard-2"], { knownDir: "upstream-solutions" });
 * ```
 */
export async function writeClassFiles(
  outDir: string,
  sources: string[],
  options: ClassFileOptions = {},
): Promise<void> {
  const results = await readResults(sources);
  await Deno.mkdir(join(outDir, "feedback"), { recursive: true });
  await Deno.writeTextFile(join(outDir, "gradebook.csv"), toCsv(gradebookRows(results, options.identifiers)));
  const threshold = options.similarityThreshold;
  const similar = threshold === false ? undefined : await similarPairsByLab(results.labs, sources, options);
  await Deno.writeTextFile(
    join(outDir, "class-report.html"),
    renderClassReport(results, {
      identifiers: options.identifiers,
      similar,
      similarityThreshold: threshold === false ? undefined : threshold,
    }),
  );
  for (const [student, byLab] of results.results) {
    await Deno.writeTextFile(join(outDir, "feedback", `${student}.md`), feedbackMarkdown(student, byLab));
  }
}

/** Where a student's sources for a lab are kept in a batch's output, for the similarity pass. */
function sourcesPath(outDir: string, student: string, lab: string): string {
  return join(outDir, "sources", student, lab);
}

/** Keeps a copy of a submission's C and Python sources in the output (so merged shards compare everyone). */
async function keepSources(outDir: string, submission: Submission): Promise<void> {
  const target = sourcesPath(outDir, submission.student, submission.lab);
  await Deno.remove(target, { recursive: true }).catch(() => {});
  for (const file of await readSources(submission.dir!)) {
    await Deno.mkdir(dirname(join(target, file.path)), { recursive: true });
    await Deno.writeTextFile(join(target, file.path), file.text);
  }
}

async function similarPairsByLab(
  labs: string[],
  outDirs: string[],
  options: ClassFileOptions,
): Promise<Map<string, SimilarPair[]>> {
  const byLab = new Map<string, SimilarPair[]>();
  for (const lab of labs) {
    const sets = new Map<string, SourceSet>();
    for (const outDir of outDirs) {
      let students: Deno.DirEntry[];
      try {
        students = [...Deno.readDirSync(join(outDir, "sources"))];
      } catch {
        continue;
      }
      for (const student of students) {
        const dir = sourcesPath(outDir, student.name, lab);
        const files = await readSources(dir).catch(() => []);
        if (files.length) sets.set(student.name, { owner: student.name, kind: "student", files });
      }
    }
    if (options.knownDir) {
      for (const known of findSubmissions(options.knownDir, [lab])) {
        if (known.dir) {
          sets.set(`known:${known.student}`, {
            owner: known.student,
            kind: "known",
            files: await readSources(known.dir),
          });
        }
      }
    }
    const starter = await readSources(labPaths(lab).taskDir);
    byLab.set(
      lab,
      await findSimilarPairs([...sets.values()], starter, {
        threshold: options.similarityThreshold || undefined,
      }),
    );
  }
  return byLab;
}

async function reusable(file: string, key: string): Promise<StoredResult | undefined> {
  try {
    const stored = JSON.parse(await Deno.readTextFile(file)) as StoredResult;
    return stored.submission_key === key && !stored.grader_error ? stored : undefined;
  } catch {
    return undefined;
  }
}

/** A lab the student handed nothing in for: graded as nothing, every check worth 0. */
function missingResult(submission: Submission, task: TaskConfig): StoredResult {
  const reason = `${submission.student} handed nothing in for ${submission.lab}`;
  return {
    ...notGradedReport({ lab: submission.lab, submission: "", checks: task.checks }, reason),
    missing: true,
  };
}

/** Grades one submission in a grader process of its own; never throws. */
async function gradeInProcess(submission: Submission, task: TaskConfig): Promise<StoredResult> {
  const [deno, ...args] = await gradeCommand();
  const child = new Deno.Command(deno, {
    args: [...args, submission.lab, "--submission", submission.dir!, "--format", "json", "--jobs", "1"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // One grading among many: no GitHub annotations or job summary per student.
    env: { NO_COLOR: "1", SOCKLAB_GITHUB: "off" },
  }).spawn();
  const output = child.output();
  try {
    // The grader keeps its own deadline; this one only guards against the grader itself hanging.
    const result = await withDeadline(output, task.limits.grading_timeout_ms + 60_000, "the grader");
    const stdout = new TextDecoder().decode(result.stdout);
    if (result.code === 0 || result.code === 1) return JSON.parse(stdout) as StoredResult;
    return errorResult(
      submission,
      task,
      `the grader exited with status ${result.code}: ${
        new TextDecoder().decode(result.stderr).trim().slice(-1000)
      }`,
    );
  } catch (error) {
    if (error instanceof DeadlineError) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await output.catch(() => {});
      return errorResult(submission, task, "the grader did not finish in time and was stopped");
    }
    return errorResult(
      submission,
      task,
      `the grader's report could not be read: ${(error as Error).message}`,
    );
  }
}

/** A submission the grader could not report on (it crashed or hung): not graded, every check worth 0. */
function errorResult(submission: Submission, task: TaskConfig, message: string): StoredResult {
  const where = { lab: submission.lab, submission: submission.dir ?? "", checks: task.checks };
  return { ...notGradedReport(where, message), grader_error: message };
}
