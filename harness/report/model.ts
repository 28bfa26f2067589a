/**
 * The report model: what a grading found, and the one way to make each kind
 * of report, so a check report or a lab's report has the same shape (and its
 * score the same sum) wherever it is made: the grading, a submission that
 * cannot be graded, a batch. The JSON shape is part of the tool's interface
 * (documented in the README); the renderings live in `formats/`.
 *
 * @module
 */

import { labPaths, REPO_ROOT } from "../config/labs.ts";

/**
 * The outcome of one check. `advice`: an advice check (behaviour beyond the
 * lab text, worth no points) found something worth telling; never a failure.
 */
export type CheckStatus = "pass" | "fail" | "skip" | "error" | "advice";

/**
 * When a student sees a check's result (Gradescope's words); `task.yaml`
 * sets it per check, and a report carries it only when it is not `visible`.
 */
export type CheckVisibility = "visible" | "hidden" | "after_due_date" | "after_published";

/**
 * Whether the formats students read (text, Classroom, GitHub annotations and
 * summary) leave the check out, counting it among "N hidden checks".
 *
 * @example
 * ```ts
 * import { hiddenFromStudents } from "./model.ts";
 * hiddenFromStudents({ visibility: "after_due_date" }); // true
 * hiddenFromStudents({}); // false
 * ```
 */
export function hiddenFromStudents(check: { visibility?: CheckVisibility }): boolean {
  return check.visibility !== undefined && check.visibility !== "visible";
}

/** One check in a report. */
export interface CheckReport {
  id: string;
  title: string;
  status: CheckStatus;
  /** Reported, not scored: behaviour beyond the lab text, worth no points (see `advice` in task.yaml). */
  advice?: boolean;
  points: number;
  max_points: number;
  /** What was expected and what happened (empty on a pass). */
  rationale: string;
  /** What to look at in the code (empty when there is nothing to say). */
  hint: string;
  /** The wire transcript (on a failure; on every check with --verbose). */
  transcript: string;
  duration_ms: number;
  /** Measurements worth showing either way (throughput, CPU share). */
  notes: string[];
  /** Set when `task.yaml` keeps the check from students for now. */
  visibility?: CheckVisibility;
  /** On a skipped check: the id of the check it needed that did not pass (`build` when nothing was built). */
  skipped_because?: string;
}

/** The report of one lab's grading. */
export interface GradeReport {
  lab: string;
  submission: string;
  language: "c" | "python" | null;
  score: number;
  max_score: number;
  checks: CheckReport[];
  /** Compiler output of the submission's build. */
  build_output: string;
  /**
   * `namespaces`, or `host` when checks could not be isolated, then in
   * brackets the uid student code ran as: `host (student code as uid 201234)`.
   */
  isolation: string;
  /** Things the user should know that are not check results. */
  warnings: string[];
  duration_ms: number;
  /**
   * Set when the submission could not be graded at all (a setup or internal
   * error): why. Every check is then an `error` worth 0.
   */
  not_graded?: string;
}

/**
 * Whether a check counts against the submission: it did not pass and is
 * scored (a reported advice is not a failure).
 *
 * @example
 * ```ts
 * import { countsAsFailure } from "./model.ts";
 * countsAsFailure({ status: "advice", advice: true }); // false
 * countsAsFailure({ status: "fail", advice: false }); // true
 * ```
 */
export function countsAsFailure(check: Pick<CheckReport, "status" | "advice">): boolean {
  return check.status !== "pass" && check.status !== "advice";
}

/**
 * What a check's report takes from its entry in `task.yaml` (a `CheckConfig`
 * fits).
 */
export interface CheckEntry {
  id: string;
  title: string;
  points: number;
  advice?: boolean;
  visibility?: CheckVisibility;
  /** Shown when the check did not pass and found no hint of its own. */
  hint?: string;
}

/** What a check that ran found (a runner's `CheckOutcome` fits). */
export interface CheckFinding {
  status: "pass" | "fail" | "error";
  rationale?: string;
  hint?: string;
  transcript: string;
  notes: string[];
}

/**
 * The report of a check that ran: its points if it passed, else 0 and a
 * hint (its own, or the task's). An advice check, one reported and not
 * scored, that finds something says `advice`, not `fail`.
 *
 * @example
 * ```ts
 * import { gradedCheck } from "./model.ts";
 * const entry = { id: "build", title: "Builds", points: 1, hint: "run make" };
 * gradedCheck(entry, { status: "fail", rationale: "make failed", transcript: "", notes: [] }, 420).hint;
 * // "run make"
 * ```
 */
export function gradedCheck(entry: CheckEntry, finding: CheckFinding, durationMs: number): CheckReport {
  const passed = finding.status === "pass";
  const advice = reportedOnly(entry);
  return withVisibility(entry, {
    id: entry.id,
    title: entry.title,
    status: advice && finding.status === "fail" ? "advice" : finding.status,
    advice,
    points: passed ? entry.points : 0,
    max_points: entry.points,
    rationale: finding.rationale ?? "",
    hint: passed ? "" : finding.hint ?? entry.hint ?? "",
    transcript: finding.transcript,
    duration_ms: durationMs,
    notes: finding.notes,
  });
}

/**
 * The report of a check that was not run because of another's result
 * (`skip`, worth 0); `cause` is the id of that other check.
 *
 * @example
 * ```ts
 * import { skippedCheck } from "./model.ts";
 * skippedCheck({ id: "echo", title: "Echoes", points: 2 }, "skipped: the submission did not build").status;
 * // "skip"
 * ```
 */
export function skippedCheck(entry: CheckEntry, rationale: string, cause?: string): CheckReport {
  const report = withVisibility(entry, unscored(entry, "skip", rationale));
  return cause === undefined ? report : { ...report, skipped_because: cause };
}

/**
 * The report of a check that could not be run at all (`error`, worth 0):
 * the grading ran out of time before it, or the submission could not be
 * graded.
 *
 * @example
 * ```ts
 * import { unrunCheck } from "./model.ts";
 * unrunCheck({ id: "echo", title: "Echoes", points: 2 }, "not run: the grading used up its time budget").max_points;
 * // 2
 * ```
 */
export function unrunCheck(entry: CheckEntry, rationale: string): CheckReport {
  return withVisibility(entry, unscored(entry, "error", rationale));
}

/** A lab's report before its score is summed from its checks. */
export type GradeReportParts = Omit<GradeReport, "score" | "max_score">;

/**
 * A lab's report, its score and maximum the sums of its checks' points.
 *
 * @example
 * ```ts
 * import { gradeReport, skippedCheck } from "./model.ts";
 * const report = gradeReport({
 *   lab: "demo",
 *   submission: "tasks/demo",
 *   language: "c",
 *   checks: [skippedCheck({ id: "echo", title: "Echoes", points: 2 }, "skipped")],
 *   build_output: "",
 *   isolation: "namespaces",
 *   warnings: [],
 *   duration_ms: 10,
 * });
 * report.max_score; // 2
 * ```
 */
export function gradeReport(parts: GradeReportParts): GradeReport {
  const { lab, submission, language, checks, build_output, isolation, warnings, duration_ms, not_graded } =
    parts;
  return {
    lab,
    submission,
    language,
    score: checks.reduce((sum, check) => sum + check.points, 0),
    max_score: checks.reduce((sum, check) => sum + check.max_points, 0),
    checks,
    build_output,
    isolation,
    warnings,
    duration_ms,
    ...(not_graded === undefined ? {} : { not_graded }),
  };
}

/** What a report of a lab that could not be graded says of it. */
export interface NotGradedWhere {
  lab: string;
  /** The submission as given, if any (`tasks/<lab>` otherwise). */
  submission?: string;
  /** The lab's checks, when its task could be read. */
  checks?: CheckEntry[];
  /** `--only`: the checks asked for (unknown ids are ignored). */
  only?: string[];
}

/**
 * The report of a lab that could not be graded (a setup or internal error,
 * a submission missing from a batch): every check listed, an `error` worth
 * 0 with the reason, the maximum kept. Consumers (a gradebook, the Classroom
 * reporter, Gradescope, CI test views) then record a 0 per check with the
 * reason, where no checks would leave them blank or "failed to execute".
 * Without the lab's checks (an unknown lab, a `task.yaml` that does not
 * parse) it holds one `build` check worth 0.
 *
 * @example
 * ```ts
 * import { notGradedReport } from "./model.ts";
 * const report = notGradedReport({ lab: "nope" }, "unknown lab 'nope'");
 * report.checks[0].status; // "error"
 * report.not_graded; // "unknown lab 'nope'"
 * ```
 */
export function notGradedReport(where: NotGradedWhere, reason: string): GradeReport {
  const all = where.checks ?? [UNKNOWN_BUILD];
  const asked = all.filter((check) => where.only?.includes(check.id));
  return gradeReport({
    lab: where.lab,
    submission: submissionLabel(where.lab, where.submission),
    language: null,
    checks: (asked.length > 0 ? asked : all).map((check) => unrunCheck(check, `not graded: ${reason}`)),
    build_output: "",
    isolation: "none",
    warnings: [`not graded: ${reason}`],
    duration_ms: 0,
    not_graded: reason,
  });
}

/**
 * How a report names the submission: as given, or the lab's starter code
 * relative to the grader's root.
 *
 * @example
 * ```ts
 * import { submissionLabel } from "./model.ts";
 * submissionLabel("client-server"); // "tasks/client-server"
 * submissionLabel("client-server", "~/work"); // "~/work"
 * ```
 */
export function submissionLabel(lab: string, submission?: string): string {
  return submission ?? labPaths(lab).taskDir.replace(`${REPO_ROOT}/`, "");
}

/** The check every report has even when the lab's task is unknown. */
const UNKNOWN_BUILD: CheckEntry = {
  id: "build",
  title: "Builds with make (C) or compiles (Python)",
  points: 0,
};

/** Whether a check is reported, not scored: advice its task gives no points. */
/**
 * Whether a check is reported, not scored: advice its task gives no points.
 *
 * @example
 * ```ts
 * import { reportedOnly } from "./model.ts";
 * reportedOnly({ id: "paste", title: "Pasted lines", points: 0, advice: true }); // true
 * ```
 */
export function reportedOnly(entry: CheckEntry): boolean {
  return (entry.advice ?? false) && entry.points === 0;
}

function unscored(entry: CheckEntry, status: "skip" | "error", rationale: string): CheckReport {
  return {
    id: entry.id,
    title: entry.title,
    status,
    advice: reportedOnly(entry),
    points: 0,
    max_points: entry.points,
    rationale,
    hint: "",
    transcript: "",
    duration_ms: 0,
    notes: [],
  };
}

/** The check's visibility, last in the report, when `task.yaml` keeps it from students. */
function withVisibility(entry: CheckEntry, report: CheckReport): CheckReport {
  return entry.visibility && entry.visibility !== "visible"
    ? { ...report, visibility: entry.visibility }
    : report;
}

/**
 * What a renderer takes: one lab's report, or a list of reports when the
 * run graded several labs (`deno task grade all`). A list is a multi-lab
 * run even when it holds one report: names then carry the lab.
 */
export type Reports = GradeReport | GradeReport[];
