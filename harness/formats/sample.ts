/**
 * Made-up reports for the format tests: every check status, fractional
 * points, and text that breaks naive escaping (markup, quotes, control
 * characters, a lone surrogate, workflow-command separators).
 *
 * @module
 */

import { gradeReport } from "../report/model.ts";
import type { CheckReport, CheckStatus, GradeReport } from "../report/model.ts";

/** Text no format may pass through unescaped. */
export const NASTY =
  `<b>"quoted" & 'apos'</b> ]]> 100% a|b: c, d\r\nline two \x00\x07\x1b[31mred\x1b[0m \uD800 é 🚀`;

/**
 * A check with sensible defaults.
 *
 * @example
 * ```ts ignore
 * import { sampleCheck } from "./sample.ts";
 * const check = sampleCheck("build", "fail", 1);
 * ```
 */
export function sampleCheck(
  id: string,
  status: CheckStatus,
  maxPoints: number,
  extra: Partial<CheckReport> = {},
): CheckReport {
  const passed = status === "pass";
  return {
    id,
    title: `Check ${id}`,
    status,
    points: passed ? maxPoints : 0,
    max_points: maxPoints,
    rationale: passed ? "" : `${id} did not do what it should`,
    hint: passed ? "" : `look at ${id}`,
    transcript: passed ? "" : `     0 ms  note  ${id} started\n     5 ms  note  ${id} ended`,
    duration_ms: 120,
    notes: [],
    ...extra,
  };
}

/**
 * A report with a check of each status, fractional points and nasty text.
 *
 * @example
 * ```ts ignore
 * import { sampleReport } from "./sample.ts";
 * sampleReport().checks.map((c) => c.status); // ["fail", "pass", "pass", "skip", "error", "pass", "fail"]
 * ```
 */
export function sampleReport(lab = "client-server"): GradeReport {
  const checks = [
    sampleCheck("build", "fail", 1, { rationale: "make failed (status 2)" }),
    sampleCheck("talks", "pass", 0.1, { notes: ["throughput: 1.2 GB/s"] }),
    sampleCheck("listens", "pass", 0.2),
    sampleCheck("ends", "skip", 2, {
      rationale: "skipped: it needs 'build', which did not pass",
      transcript: "",
    }),
    sampleCheck("times-out", "error", 1.5, {
      rationale: "the check did not finish within 20 s and was stopped",
    }),
    sampleCheck("nasty", "pass", 3, { title: `Title with: colons, commas | pipes & <tags> 100%` }),
    sampleCheck("weird", "fail", 2.25, {
      title: "Weird output",
      rationale: NASTY,
      hint: NASTY,
      transcript: NASTY,
    }),
  ];
  return gradeReport({
    lab,
    submission: `tasks/${lab}`,
    language: "c",
    checks,
    build_output: "server.c:1:10: fatal error: <stdio.hh>: No such file or directory\n",
    isolation: "namespaces",
    warnings: ["a warning with <markup> & 100%"],
    duration_ms: 3456,
  });
}

/**
 * A report where every check passed.
 *
 * @example
 * ```ts ignore
 * import { passingReport } from "./sample.ts";
 * passingReport().score === passingReport().max_score; // true
 * ```
 */
export function passingReport(lab = "fork-server"): GradeReport {
  const checks = [
    sampleCheck("build", "pass", 1),
    sampleCheck("serves", "pass", 4),
    sampleCheck("reaps", "pass", 2),
  ];
  return gradeReport({
    lab,
    submission: `tasks/${lab}`,
    language: "python",
    checks,
    build_output: "",
    isolation: "namespaces",
    warnings: [],
    duration_ms: 1000,
  });
}
