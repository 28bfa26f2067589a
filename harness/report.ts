/**
 * A grading's result and its renderings. The JSON shape is part of the
 * tool's interface (documented in the README).
 *
 * @module
 */

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
 * import { hiddenFromStudents } from "./report.ts";
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
  /** `namespaces`, or `host` when checks could not be isolated. */
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

/** Output options shared by the renderers. */
export interface RenderOptions {
  verbose?: boolean;
  color?: boolean;
}

const SYMBOL: Record<CheckStatus, string> = { pass: "✓", fail: "✗", skip: "–", error: "!", advice: "i" };
const COLOR: Record<CheckStatus, string> = { pass: "32", fail: "31", skip: "90", error: "35", advice: "33" };

/** The points column of a check: `advice` for one that is reported, not scored. */
export function pointsColumn(check: CheckReport): string {
  return check.advice ? "advice" : `${fmtPoints(check.points)}/${fmtPoints(check.max_points)}`;
}

/**
 * Whether a check counts against the submission: it did not pass and is
 * scored (a reported advice is not a failure).
 *
 * @example
 * ```ts
 * import { countsAsFailure } from "./report.ts";
 * countsAsFailure({ status: "advice", advice: true }); // false
 * countsAsFailure({ status: "fail", advice: false }); // true
 * ```
 */
export function countsAsFailure(check: Pick<CheckReport, "status" | "advice">): boolean {
  return check.status !== "pass" && check.status !== "advice";
}

/**
 * Renders a report for people: a line per check, and under each failed
 * check its rationale, hint and the end of its transcript.
 *
 * @example
 * ```ts ignore
 * import { renderText } from "./report.ts";
 * console.log(renderText(report, { verbose: false, color: false }));
 * ```
 */
export function renderText(report: GradeReport, options: RenderOptions = {}): string {
  const paint = (code: string, text: string) => paintIf(options.color, code, text);
  const lines: string[] = [];
  lines.push(
    `${report.lab}: ${visibleText(report.submission)}${
      report.language ? ` (${report.language === "c" ? "C" : "Python"})` : ""
    }`,
  );
  for (const warning of report.warnings) lines.push(paint("33", `warning: ${visibleText(warning)}`));
  lines.push("");
  const shown = report.checks.filter((check) => !hiddenFromStudents(check));
  const idWidth = Math.max(0, ...shown.map((c) => c.id.length));
  for (const check of shown) {
    const points = pointsColumn(check);
    lines.push(
      `${paint(COLOR[check.status], SYMBOL[check.status])} ${check.id.padEnd(idWidth)}  ${
        points.padStart(7)
      }  ${check.title}`,
    );
    const indent = "      ";
    for (const note of check.notes) lines.push(`${indent}${visibleText(note)}`);
    if (check.status === "pass" && !options.verbose) continue;
    if (check.rationale) lines.push(...wrap(visibleText(check.rationale), `${indent}`));
    if (check.hint) lines.push(...wrap(`hint: ${visibleText(check.hint)}`, indent));
    if (check.id === "build" && report.build_output.trim() && (check.status !== "pass" || options.verbose)) {
      lines.push(`${indent}compiler output:`);
      lines.push(
        ...visibleText(report.build_output.trimEnd()).split("\n").slice(0, 30).map((l) => `${indent}  ${l}`),
      );
    }
    if (check.transcript && (check.status === "fail" || check.status === "error" || options.verbose)) {
      lines.push(`${indent}transcript:`);
      lines.push(...visibleText(check.transcript).split("\n").map((l) => `${indent}  ${l}`));
    }
  }
  if (report.checks.find((c) => c.id === "build")?.status === "pass" && report.build_output.trim()) {
    const warnings = report.build_output.split("\n").filter((l) => /warning:/.test(l)).length;
    if (warnings > 0 && !options.verbose) {
      lines.push(
        "",
        `The build printed ${warnings} warning${warnings === 1 ? "" : "s"} (--verbose shows them).`,
      );
    }
  }
  const hidden = hiddenChecksLine(report);
  if (hidden) lines.push("", hidden);
  lines.push("");
  lines.push(scoreLine(report, options));
  return lines.join("\n");
}

/**
 * What students are told of the checks kept from them: how many, and the
 * points they gave (the total shows those anyway); empty when there are none.
 *
 * @example
 * ```ts ignore
 * import { hiddenChecksLine } from "./report.ts";
 * hiddenChecksLine(report); // "2 hidden checks: 3/4 points (your instructor sees their results)"
 * ```
 */
export function hiddenChecksLine(report: GradeReport): string {
  const hidden = report.checks.filter(hiddenFromStudents);
  if (hidden.length === 0) return "";
  const points = hidden.reduce((sum, check) => sum + check.points, 0);
  const max = hidden.reduce((sum, check) => sum + check.max_points, 0);
  return `${hidden.length} hidden check${hidden.length === 1 ? "" : "s"}: ${fmtPoints(points)}/${
    fmtPoints(max)
  } points (your instructor sees their results)`;
}

/**
 * The last line of the text report: points, checks passed and time (what
 * `--quiet` prints).
 *
 * @example
 * ```ts ignore
 * import { scoreLine } from "./report.ts";
 * scoreLine(report); // "Score: 20/22 (11/12 checks passed) in 3.1 s"
 * ```
 */
export function scoreLine(report: GradeReport, options: RenderOptions = {}): string {
  const scored = report.checks.filter((c) => !c.advice);
  const passed = scored.filter((c) => c.status === "pass").length;
  const advised = report.checks.filter((c) => c.status === "advice").length;
  return paintIf(
    options.color,
    report.score === report.max_score ? "32" : "1",
    `Score: ${fmtPoints(report.score)}/${
      fmtPoints(report.max_score)
    } (${passed}/${scored.length} checks passed${advised > 0 ? `, ${advised} advice` : ""}) in ${
      (report.duration_ms / 1000).toFixed(1)
    } s`,
  );
}

/**
 * One line for a check that just finished (live progress on a terminal).
 *
 * @example
 * ```ts ignore
 * import { progressLine } from "./report.ts";
 * progressLine(check, { lab: "client-server" }); // "✓ client-server build  1/1  0.4 s"
 * ```
 */
export function progressLine(check: CheckReport, options: RenderOptions & { lab?: string } = {}): string {
  const points = pointsColumn(check);
  const seconds = `${(check.duration_ms / 1000).toFixed(1)} s`;
  return `${paintIf(options.color, COLOR[check.status], SYMBOL[check.status])} ${
    options.lab ? `${options.lab} ` : ""
  }${check.id}  ${points}  ${paintIf(options.color, "90", seconds)}`;
}

/**
 * Whether to colour what goes to a stream: only a terminal, and never when
 * `NO_COLOR` is set to anything but the empty string (no-color.org).
 *
 * @example
 * ```ts
 * import { colorWanted } from "./report.ts";
 * colorWanted(true, { NO_COLOR: "1" }); // false
 * ```
 */
export function colorWanted(isTerminal: boolean, env: Record<string, string | undefined>): boolean {
  return isTerminal && !env.NO_COLOR;
}

/**
 * Student output made safe to print: control characters other than tab and
 * newline (escape sequences, carriage returns, bells, C1 controls) become
 * `\xNN` text, so a student's program cannot colour, move or clear the
 * reader's terminal, and a report outside a terminal holds no colour codes.
 *
 * @example
 * ```ts
 * import { visibleText } from "./report.ts";
 * visibleText("\x1b[31mred\x1b[0m\n"); // "\\x1b[31mred\\x1b[0m\n"
 * ```
 */
export function visibleText(text: string): string {
  return text.replace(
    CONTROL_BUT_TAB_AND_NEWLINE,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

// deno-lint-ignore no-control-regex
const CONTROL_BUT_TAB_AND_NEWLINE = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

function paintIf(color: boolean | undefined, code: string, text: string): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/**
 * Renders the JSON report.
 *
 * @example
 * ```ts ignore
 * import { renderJson } from "./report.ts";
 * const parsed = JSON.parse(renderJson(report));
 * ```
 */
export function renderJson(report: GradeReport): string {
  return JSON.stringify(report, null, 2);
}

function fmtPoints(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(1);
}

function wrap(text: string, indent: string, width = 100): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      if (line && line.length + word.length + 1 > width - indent.length) {
        out.push(indent + line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(indent + line);
  }
  return out;
}
