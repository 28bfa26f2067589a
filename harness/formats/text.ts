/**
 * `--format text` (the default): the report for people, per lab, and in a
 * multi-lab run a closing line with the points of every lab summed.
 *
 * @module
 */

import { renderText, scoreLine } from "../report.ts";
import type { RenderOptions } from "../report.ts";
import { formatPoints, isMultiLab, reportList, runScore } from "./common.ts";
import type { FormatOptions, Reports } from "./common.ts";

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
export function finalScoreLine(input: Reports, options: RenderOptions = {}): string {
  const reports = reportList(input);
  if (!isMultiLab(input)) return scoreLine(reports[0], options);
  const { score, max_score } = runScore(input);
  const labs = reports.map((r) => `${r.lab} ${formatPoints(r.score)}/${formatPoints(r.max_score)}`).join(
    ", ",
  );
  const line = `Total: ${formatPoints(score)}/${formatPoints(max_score)} (${labs})`;
  return options.color ? `\x1b[${score === max_score ? "32" : "1"}m${line}\x1b[0m` : line;
}
