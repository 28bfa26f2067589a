/**
 * `--format gradescope`: `results.json` as Gradescope's autograder
 * specification describes it. A Gradescope `run_autograder` script writes it
 * to `/autograder/results/results.json` (`--output`).
 *
 * Each check is one test: `score` (its points when passed, else 0),
 * `max_score`, `status` (`passed` or `failed`), `name`, `number`, `output`
 * (rationale, hint, measurements and transcript), `tags` and `visibility`
 * (the check's own from `task.yaml`: Gradescope hides a `hidden` test from
 * students, and shows an `after_due_date` or `after_published` one then).
 * The top level has the run's `score` (which Gradescope uses in place of the
 * sum of the tests; it is that sum), `execution_time` in seconds, and an
 * `output` summary. Every text is plain (`"text"` format): compiler output
 * such as `#include <stdio.h>` must not be read as HTML.
 *
 * @module
 */

import type { CheckReport, GradeReport } from "../report/model.ts";
import { checkMessage, checkName, clip, formatPoints, isMultiLab, reportList, runScore } from "./common.ts";
import type { Reports } from "../report/model.ts";

/** When a student sees a test (Gradescope's four words). */
export type GradescopeVisibility = "hidden" | "after_due_date" | "after_published" | "visible";

/** One check as a Gradescope test case. */
export interface GradescopeTest {
  name: string;
  /** `1`, `2`, … or `<lab>.<check>` in a multi-lab run. */
  number: string;
  score: number;
  max_score: number;
  status: "passed" | "failed";
  output: string;
  output_format: "text";
  tags: string[];
  visibility: GradescopeVisibility;
}

/** The whole `results.json`. */
export interface GradescopeResults {
  score: number;
  /** Seconds. */
  execution_time: number;
  output: string;
  output_format: "text";
  test_output_format: "text";
  test_name_format: "text";
  visibility: GradescopeVisibility;
  tests: GradescopeTest[];
  extra_data: { labs: { lab: string; submission: string; language: string | null; isolation: string }[] };
}

/** A test's output is shown in a collapsed box; past this it is cut. */
const MAX_TEST_OUTPUT = 20_000;

/**
 * The `results.json` object of a run.
 *
 * @example
 * ```ts ignore
 * import { gradescopeResults } from "./gradescope.ts";
 * gradescopeResults(report).tests.length === report.checks.length; // true
 * ```
 */
export function gradescopeResults(input: Reports): GradescopeResults {
  const reports = reportList(input);
  const multiLab = isMultiLab(input);
  const tests = reports.flatMap((report, labIndex) =>
    report.checks.map((check, checkIndex): GradescopeTest => ({
      name: checkName(report, check, multiLab),
      number: multiLab ? `${labIndex + 1}.${checkIndex + 1}` : String(checkIndex + 1),
      score: check.points,
      max_score: check.max_points,
      status: check.status === "pass" || check.status === "advice" ? "passed" : "failed",
      output: clip(testOutput(report, check), MAX_TEST_OUTPUT),
      output_format: "text",
      tags: check.advice ? [report.lab, check.id, "advice"] : [report.lab, check.id],
      visibility: check.visibility ?? "visible",
    }))
  );
  return {
    score: runScore(input).score,
    execution_time: Math.ceil(reports.reduce((sum, report) => sum + report.duration_ms, 0) / 1000),
    output: reports.map(summary).join("\n\n"),
    output_format: "text",
    test_output_format: "text",
    test_name_format: "text",
    visibility: "visible",
    tests,
    extra_data: {
      labs: reports.map((report) => ({
        lab: report.lab,
        submission: report.submission,
        language: report.language,
        isolation: report.isolation,
      })),
    },
  };
}

/**
 * `results.json` as text.
 *
 * @example
 * ```ts ignore
 * import { renderGradescope } from "./gradescope.ts";
 * await Deno.writeTextFile("/autograder/results/results.json", renderGradescope(report));
 * ```
 */
export function renderGradescope(input: Reports): string {
  return JSON.stringify(gradescopeResults(input), null, 2);
}

function summary(report: GradeReport): string {
  const scored = report.checks.filter((check) => !check.advice);
  const passed = scored.filter((check) => check.status === "pass").length;
  const advised = report.checks.filter((check) => check.status === "advice").length;
  const lines = [
    `${report.lab}: ${formatPoints(report.score)}/${
      formatPoints(report.max_score)
    } points, ${passed} of ${scored.length} checks passed${
      advised > 0 ? `; ${advised} piece${advised === 1 ? "" : "s"} of advice (no points)` : ""
    }.`,
  ];
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`);
  return lines.join("\n");
}

function testOutput(report: GradeReport, check: CheckReport): string {
  const parts: string[] = [];
  if (check.status === "error") parts.push("This check could not be run to the end.");
  if (check.status === "advice") parts.push("Advice (worth no points): behaviour beyond what the lab asks.");
  const message = checkMessage(check);
  if (message) parts.push(message);
  if (check.notes.length > 0) parts.push(check.notes.join("\n"));
  if (check.id === "build" && check.status !== "pass" && report.build_output.trim()) {
    parts.push(`Compiler output:\n${clip(report.build_output.trimEnd(), 8000)}`);
  }
  if (check.transcript && check.status !== "pass" && check.status !== "advice") {
    parts.push(`Transcript:\n${check.transcript}`);
  }
  if (parts.length === 0) parts.push("Passed.");
  return parts.join("\n\n");
}
