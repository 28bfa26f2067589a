/**
 * `--format text` (the default): the report for people, per lab, and in a
 * multi-lab run a closing line with the points of every lab summed; also
 * the line a terminal shows as each check finishes.
 *
 * @module
 */

import { hiddenFromStudents } from "../report/model.ts";
import type { CheckReport, CheckStatus, GradeReport } from "../report/model.ts";
import { formatPoints, isMultiLab, pointsColumn, reportList, runScore, visibleText } from "./common.ts";
import type { FormatOptions } from "./common.ts";
import type { Reports } from "../report/model.ts";

const SYMBOL: Record<CheckStatus, string> = { pass: "✓", fail: "✗", skip: "–", error: "!", advice: "i" };
const COLOR: Record<CheckStatus, string> = { pass: "32", fail: "31", skip: "90", error: "35", advice: "33" };
const GREEN = "32", BOLD = "1", YELLOW = "33", GREY = "90";

/**
 * The text report of a run.
 *
 * @example
 * ```ts ignore
 * import { renderTextReports } from "./text.ts";
 * console.log(renderTextReports([reportA, reportB], { color: false }));
 * ```
 */
export function renderTextReports(input: Reports, options: FormatOptions = {}): string {
  const reports = reportList(input);
  if (!isMultiLab(input)) return renderText(reports[0], options);
  const rule = "─".repeat(60);
  return [...reports.map((report) => renderText(report, options)), rule, finalScoreLine(input, options)]
    .join("\n\n");
}

/**
 * The final score line (all `--quiet` prints): the lab's score line, or in
 * a multi-lab run the total with each lab's points.
 *
 * @example
 * ```ts ignore
 * import { finalScoreLine } from "./text.ts";
 * finalScoreLine([reportA, reportB]); // "Total: 40/50 (client-server 22/22, fork-server 18/28)"
 * ```
 */
export function finalScoreLine(input: Reports, options: FormatOptions = {}): string {
  const reports = reportList(input);
  if (!isMultiLab(input)) return scoreLine(reports[0], options);
  const { score, max_score } = runScore(input);
  const labs = reports.map((r) => `${r.lab} ${formatPoints(r.score)}/${formatPoints(r.max_score)}`).join(
    ", ",
  );
  return paintIf(
    options.color,
    score === max_score ? GREEN : BOLD,
    `Total: ${formatPoints(score)}/${formatPoints(max_score)} (${labs})`,
  );
}

/**
 * Renders one lab's report for people: a line per check, and under each
 * failed check its rationale, hint and the end of its transcript.
 *
 * @example
 * ```ts ignore
 * import { renderText } from "./text.ts";
 * console.log(renderText(report, { verbose: false, color: false }));
 * ```
 */
export function renderText(report: GradeReport, options: FormatOptions = {}): string {
  const paint = (code: string, text: string) => paintIf(options.color, code, text);
  const lines: string[] = [];
  lines.push(
    `${report.lab}: ${visibleText(report.submission)}${
      report.language ? ` (${report.language === "c" ? "C" : "Python"})` : ""
    }`,
  );
  lines.push(`isolation: ${report.isolation}`);
  for (const warning of report.warnings) lines.push(paint(YELLOW, `warning: ${visibleText(warning)}`));
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
    lines.push(...checkDetails(report, check, options));
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

/** The lines under a check: its notes, and unless it passed (or `verbose`) why, a hint and the transcript. */
function checkDetails(report: GradeReport, check: CheckReport, options: FormatOptions): string[] {
  const indent = "      ";
  const lines = check.notes.map((note) => `${indent}${visibleText(note)}`);
  if (check.status === "pass" && !options.verbose) return lines;
  if (check.rationale) lines.push(...wrap(visibleText(check.rationale), indent));
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
  return lines;
}

/**
 * What students are told of the checks kept from them: how many, and the
 * points they gave (the total shows those anyway); empty when there are none.
 *
 * @example
 * ```ts ignore
 * import { hiddenChecksLine } from "./text.ts";
 * hiddenChecksLine(report); // "2 hidden checks: 3/4 points (your instructor sees their results)"
 * ```
 */
export function hiddenChecksLine(report: GradeReport): string {
  const hidden = report.checks.filter(hiddenFromStudents);
  if (hidden.length === 0) return "";
  const points = hidden.reduce((sum, check) => sum + check.points, 0);
  const max = hidden.reduce((sum, check) => sum + check.max_points, 0);
  return `${hidden.length} hidden check${hidden.length === 1 ? "" : "s"}: ${formatPoints(points)}/${
    formatPoints(max)
  } points (your instructor sees their results)`;
}

/**
 * The last line of a lab's text report: points, checks passed and time
 * (what `--quiet` prints).
 *
 * @example
 * ```ts ignore
 * import { scoreLine } from "./text.ts";
 * scoreLine(report); // "Score: 20/22 (11/12 checks passed) in 3.1 s"
 * ```
 */
export function scoreLine(report: GradeReport, options: FormatOptions = {}): string {
  const scored = report.checks.filter((c) => !c.advice);
  const passed = scored.filter((c) => c.status === "pass").length;
  const advised = report.checks.filter((c) => c.status === "advice").length;
  return paintIf(
    options.color,
    report.score === report.max_score ? GREEN : BOLD,
    `Score: ${formatPoints(report.score)}/${
      formatPoints(report.max_score)
    } (${passed}/${scored.length} checks passed${advised > 0 ? `, ${advised} advice` : ""}) in ${
      seconds(report.duration_ms)
    }`,
  );
}

/**
 * One line for a check that just finished (live progress on a terminal).
 *
 * @example
 * ```ts ignore
 * import { progressLine } from "./text.ts";
 * progressLine(check, { lab: "client-server" }); // "✓ client-server build  1/1  0.4 s"
 * ```
 */
export function progressLine(check: CheckReport, options: FormatOptions & { lab?: string } = {}): string {
  return `${paintIf(options.color, COLOR[check.status], SYMBOL[check.status])} ${
    options.lab ? `${options.lab} ` : ""
  }${check.id}  ${pointsColumn(check)}  ${paintIf(options.color, GREY, seconds(check.duration_ms))}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function paintIf(color: boolean | undefined, code: string, text: string): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
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
