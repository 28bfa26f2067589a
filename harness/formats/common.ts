/**
 * What every report format shares: a grading run is one lab's
 * {@link GradeReport}, or a list of them when several labs were graded in
 * one run; the helpers here name checks, add up points and shorten long
 * text the same way in every format.
 *
 * @module
 */

import type { CheckReport, GradeReport, Reports } from "../report/model.ts";

/** Options every renderer accepts (machine formats ignore what they do not use). */
export interface FormatOptions {
  /** Show transcripts and compiler output of passing checks too (text). */
  verbose?: boolean;
  /** ANSI colour (text on a terminal only). */
  color?: boolean;
}

/**
 * The reports of a run as a list.
 *
 * @example
 * ```ts ignore
 * import { reportList } from "./common.ts";
 * reportList(report).length; // 1
 * ```
 */
export function reportList(input: Reports): GradeReport[] {
  return Array.isArray(input) ? input : [input];
}

/**
 * Whether the run graded several labs (so names carry the lab).
 *
 * @example
 * ```ts ignore
 * import { isMultiLab } from "./common.ts";
 * isMultiLab([report]); // true: `grade all` with one lab is still a multi-lab run
 * ```
 */
export function isMultiLab(input: Reports): boolean {
  return Array.isArray(input);
}

/**
 * Adds numbers left to right, from 0: the order a consumer that sums the
 * per-check points itself (the Classroom reporter) uses, so fractional
 * points give the very same float.
 *
 * @example
 * ```ts
 * import { sumInOrder } from "./common.ts";
 * sumInOrder([0.1, 0.2, 1]); // 1.3000000000000003, as `reduce((a, b) => a + b, 0)` gives
 * ```
 */
export function sumInOrder(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0);
}

/**
 * The points of every check of the run, summed the way a consumer sums them.
 *
 * @example
 * ```ts ignore
 * import { runScore } from "./common.ts";
 * const { score, max_score } = runScore([reportA, reportB]);
 * ```
 */
export function runScore(input: Reports): { score: number; max_score: number } {
  const checks = reportList(input).flatMap((report) => report.checks);
  return {
    score: sumInOrder(checks.map((check) => check.points)),
    max_score: sumInOrder(checks.map((check) => check.max_points)),
  };
}

/**
 * A check's name for people: its title, after the lab in a multi-lab run.
 *
 * @example
 * ```ts ignore
 * import { checkName } from "./common.ts";
 * checkName(report, report.checks[0], true); // "client-server: Builds with make (C) or compiles (Python)"
 * ```
 */
export function checkName(report: GradeReport, check: CheckReport, multiLab: boolean): string {
  return multiLab ? `${report.lab}: ${check.title}` : check.title;
}

/**
 * Why a check did not pass, in one piece: the rationale, then the hint.
 * Empty for a pass.
 *
 * @example
 * ```ts ignore
 * import { checkMessage } from "./common.ts";
 * checkMessage(check); // "expected … but it exited with status 1\nHint: recv() returns 0 …"
 * ```
 */
export function checkMessage(check: CheckReport): string {
  if (check.status === "pass") return "";
  return [check.rationale, check.hint ? `Hint: ${check.hint}` : ""].filter(Boolean).join("\n");
}

/**
 * The command that runs one check again, with its transcript.
 *
 * @example
 * ```ts
 * import { rerunCommand } from "./common.ts";
 * rerunCommand("client-server", "build");
 * // "npx socklab grade client-server --submission . --only build --verbose"
 * ```
 */
export function rerunCommand(lab: string, checkId: string): string {
  return `npx socklab grade ${lab} --submission . --only ${checkId} --verbose`;
}

/**
 * `text` cut to at most `max` characters, saying how much was left out.
 *
 * @example
 * ```ts
 * import { clip } from "./common.ts";
 * clip("abcdefghij".repeat(10), 40); // "abcdefghij… (… more characters)" within 40 characters
 * ```
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = (left: number) => `… (${left} more characters)`;
  const keep = Math.max(0, max - note(text.length).length);
  return text.slice(0, keep) + note(text.length - keep);
}

/**
 * Points as people write them, the same in every format and line: whole
 * points without decimals, others to at most two decimals, trailing zeros
 * dropped (a sum such as 0.1 + 0.2 prints as 0.3).
 *
 * @example
 * ```ts
 * import { formatPoints } from "./common.ts";
 * formatPoints(3); // "3"
 * formatPoints(2.5); // "2.5"
 * formatPoints(10.05); // "10.05"
 * formatPoints(0.1 + 0.2); // "0.3"
 * ```
 */
export function formatPoints(points: number): string {
  return Number.isInteger(points) ? String(points) : String(Math.round(points * 100) / 100);
}

/**
 * A check's points as `points/max`, or `advice` for one that is reported,
 * not scored.
 *
 * @example
 * ```ts ignore
 * import { pointsColumn } from "./common.ts";
 * pointsColumn(check); // "0/2"
 * ```
 */
export function pointsColumn(check: CheckReport): string {
  return check.advice ? "advice" : `${formatPoints(check.points)}/${formatPoints(check.max_points)}`;
}

/**
 * Student output made safe to print: control characters other than tab and
 * newline (escape sequences, carriage returns, bells, C1 controls) become
 * `\xNN` text, so a student's program cannot colour, move or clear the
 * reader's terminal, and a report outside a terminal holds no colour codes.
 *
 * @example
 * ```ts
 * import { visibleText } from "./common.ts";
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
