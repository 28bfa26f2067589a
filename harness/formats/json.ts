/**
 * `--format json`: one lab's report is the documented {@link GradeReport}
 * object, unchanged; a multi-lab run is `{ "score", "max_score", "labs": [
 * report, … ] }`.
 *
 * @module
 */

import type { GradeReport } from "../report/model.ts";
import { isMultiLab, reportList, runScore } from "./common.ts";
import type { Reports } from "../report/model.ts";

/** The JSON of a multi-lab run. */
export interface MultiLabJson {
  score: number;
  max_score: number;
  labs: GradeReport[];
}

/**
 * The JSON report of a run.
 *
 * @example
 * ```ts ignore
 * import { renderJsonReports } from "./json.ts";
 * JSON.parse(renderJsonReports([reportA, reportB])).labs.length; // 2
 * ```
 */
export function renderJsonReports(input: Reports): string {
  const run: GradeReport | MultiLabJson = isMultiLab(input)
    ? { ...runScore(input), labs: reportList(input) }
    : reportList(input)[0];
  return JSON.stringify(run, null, 2);
}
