/**
 * GitHub Actions integration, whatever `--format` is: an `::error`
 * workflow command per failed check (an annotation on the run, titled with
 * the check's title, saying what happened and what to look at) and a
 * Markdown table per lab for the job summary (`$GITHUB_STEP_SUMMARY`).
 *
 * Workflow commands are read from every line a `run:` step prints, on
 * standard output and standard error alike (the runner parses both
 * streams), so the CLI prints them on standard error, and standard output
 * keeps exactly the report that was asked for (JSON stays parseable).
 *
 * @module
 */

import { hiddenFromStudents } from "../report/model.ts";
import type { CheckReport, CheckStatus, GradeReport } from "../report/model.ts";
import {
  checkMessage,
  checkName,
  clip,
  formatPoints,
  isMultiLab,
  pointsColumn,
  reportList,
  runScore,
  sumInOrder,
  visibleText,
} from "./common.ts";
import type { Reports } from "../report/model.ts";
import { neutraliseWorkflowCommands } from "./workflow_log.ts";

/** GitHub shows the first annotations of a step; a message past this is cut. */
const MAX_ANNOTATION_MESSAGE = 4000;
/** GitHub keeps at most this many `::error` annotations of one step. */
export const MAX_ERROR_ANNOTATIONS = 10;
/** A summary cell says what happened in short; the log and annotations have the rest. */
const MAX_SUMMARY_CELL = 300;

/**
 * Whether to talk to GitHub Actions: `GITHUB_ACTIONS=true`, unless
 * `SOCKLAB_GITHUB=off` (a grading run inside another tool's step, such as
 * `grade-all`, must not annotate or fill the summary once per student).
 *
 * @example
 * ```ts
 * import { onGithubActions } from "./github.ts";
 * onGithubActions({ GITHUB_ACTIONS: "true" }); // true
 * onGithubActions({ GITHUB_ACTIONS: "true", SOCKLAB_GITHUB: "off" }); // false
 * ```
 */
export function onGithubActions(env: Record<string, string | undefined>): boolean {
  return env.GITHUB_ACTIONS === "true" && env.SOCKLAB_GITHUB !== "off";
}

/**
 * Escapes a workflow command's message (`%`, CR, LF), as GitHub's toolkit does.
 *
 * @example
 * ```ts
 * import { escapeCommandData } from "./github.ts";
 * escapeCommandData("100%\nok"); // "100%25%0Aok"
 * ```
 */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * Escapes a workflow command's property value: as the message, and `:` and `,`.
 *
 * @example
 * ```ts
 * import { escapeCommandProperty } from "./github.ts";
 * escapeCommandProperty("a: b, c"); // "a%3A b%2C c"
 * ```
 */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * One `::error title=…::…` line per check that failed or could not be run
 * (a skipped check is not annotated: the check it needs already is; nor is
 * one kept from students), each ending in a newline; empty when all passed.
 * A lab that could not be graded gets one line saying why. At most
 * {@link MAX_ERROR_ANNOTATIONS} lines, the costliest checks, in report
 * order; then one `::notice` for the rest.
 *
 * @example
 * ```ts ignore
 * import { githubAnnotations } from "./github.ts";
 * Deno.stderr.writeSync(new TextEncoder().encode(githubAnnotations(report)));
 * ```
 */
export function githubAnnotations(input: Reports): string {
  const multiLab = isMultiLab(input);
  const annotations: { lost: number; line: string }[] = [];
  // Advice is worth no points: a notice each, after the errors, within GitHub's ten per kind.
  const advice: string[] = [];
  for (const report of reportList(input)) {
    if (report.not_graded !== undefined) {
      // One problem, one annotation (not one per check it kept from running).
      annotations.push({
        lost: report.max_score,
        line: githubSetupAnnotation(report.lab, report.not_graded),
      });
      continue;
    }
    for (const check of report.checks) {
      if (check.status !== "fail" && check.status !== "error" && check.status !== "advice") continue;
      if (hiddenFromStudents(check)) continue;
      const title = annotationText(checkName(report, check, multiLab));
      const message = clip(
        annotationText(
          check.status === "error"
            ? `This check could not be run to the end: ${checkMessage(check)}`
            : checkMessage(check),
        ),
        MAX_ANNOTATION_MESSAGE,
      );
      if (check.status === "advice") {
        advice.push(`::notice title=${escapeCommandProperty(title)}::${escapeCommandData(message)}\n`);
        continue;
      }
      annotations.push({
        lost: check.max_points - check.points,
        line: `::error title=${escapeCommandProperty(title)}::${escapeCommandData(message)}\n`,
      });
    }
  }
  // GitHub keeps the first 10 error annotations of a step and drops the rest
  // without a word: the checks that cost the most points go first, and a
  // notice says how many more there are and where to read them.
  const shown = annotations
    .map((annotation, order) => ({ ...annotation, order }))
    .sort((a, b) => b.lost - a.lost || a.order - b.order)
    .slice(0, MAX_ERROR_ANNOTATIONS)
    .sort((a, b) => a.order - b.order);
  let out = shown.map((annotation) => annotation.line).join("");
  const more = annotations.length - shown.length;
  if (more > 0) {
    out += `::notice title=${escapeCommandProperty("socklab: more checks did not pass")}::${
      escapeCommandData(
        `${more} more check${
          more === 1 ? "" : "s"
        } did not pass. GitHub shows at most ${MAX_ERROR_ANNOTATIONS} ` +
          "annotations per step: the log of the grading step explains every check, and the job summary lists them all.",
      )
    }\n`;
  }
  return out + advice.slice(0, MAX_ERROR_ANNOTATIONS - 1).join("");
}

/**
 * An `::error` line for a grading that did not produce a report (a setup
 * problem), so it shows on the run's page too.
 *
 * @example
 * ```ts
 * import { githubSetupAnnotation } from "./github.ts";
 * githubSetupAnnotation("client-server", "the submission directory x does not exist");
 * // "::error title=socklab client-server::the submission directory x does not exist\n"
 * ```
 */
export function githubSetupAnnotation(lab: string, message: string): string {
  return `::error title=${escapeCommandProperty(`socklab ${lab}`)}::${
    escapeCommandData(annotationText(message))
  }\n`;
}

/**
 * An annotation's text: the grader's own command holds student text as its
 * data, which the runner does not parse again; still it shows no raw
 * control or separator character and no `##[`, as everywhere in the log.
 */
function annotationText(text: string): string {
  return neutraliseWorkflowCommands(text, "text");
}

const MARK: Record<CheckStatus, string> = { pass: "✅", fail: "❌", skip: "⏭️", error: "⚠️", advice: "💡" };

/**
 * The job-summary Markdown of a run: per lab a heading with its points and
 * a table with a row per check (result, check, points, what happened), plus
 * the total of a multi-lab run.
 *
 * @example
 * ```ts ignore
 * import { githubStepSummary } from "./github.ts";
 * await Deno.writeTextFile(Deno.env.get("GITHUB_STEP_SUMMARY")!, githubStepSummary(report), { append: true });
 * ```
 */
export function githubStepSummary(input: Reports): string {
  const reports = reportList(input);
  const lines: string[] = [];
  if (isMultiLab(input)) {
    const { score, max_score } = runScore(input);
    lines.push(
      `## socklab: ${formatPoints(score)}/${formatPoints(max_score)} points over ${reports.length} lab${
        reports.length === 1 ? "" : "s"
      }`,
      "",
    );
  }
  for (const report of reports) lines.push(...labSummary(report));
  return `${lines.join("\n")}\n`;
}

/**
 * Makes text safe inside a Markdown table cell: no column breaks, no HTML,
 * no emphasis or links by accident; line breaks become `<br>` and other
 * control characters `\xNN` text.
 *
 * @example
 * ```ts
 * import { markdownCell } from "./github.ts";
 * markdownCell("a | b\n<c>"); // "a \\| b<br>&lt;c&gt;"
 * ```
 */
export function markdownCell(text: string): string {
  const escaped = text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|~#])/g, "\\$1")
    .replace(/\r?\n/g, "<br>")
    .replace(/\t/g, " ");
  return visibleText(escaped);
}

function labSummary(report: GradeReport): string[] {
  const scored = report.checks.filter((check) => !check.advice);
  const passed = scored.filter((check) => check.status === "pass").length;
  const lines = [
    `### ${markdownCell(report.lab)}: ${formatPoints(report.score)}/${formatPoints(report.max_score)} points`,
    "",
    `${passed} of ${scored.length} checks passed (${markdownCell(report.submission)}).`,
    "",
  ];
  for (const warning of report.warnings) lines.push(`> Warning: ${markdownCell(warning)}`, "");
  lines.push("| | Check | Points | What happened |", "| :-: | --- | --: | --- |");
  for (const check of report.checks) {
    if (!hiddenFromStudents(check)) lines.push(row(check));
  }
  const hidden = report.checks.filter(hiddenFromStudents);
  if (hidden.length > 0) {
    const points = `${formatPoints(sumInOrder(hidden.map((c) => c.points)))}/${
      formatPoints(sumInOrder(hidden.map((c) => c.max_points)))
    }`;
    lines.push(
      `| 🔒 | ${hidden.length} hidden check${
        hidden.length === 1 ? "" : "s"
      } | ${points} | Your instructor sees their results. |`,
    );
  }
  lines.push("");
  return lines;
}

function row(check: CheckReport): string {
  const points = pointsColumn(check);
  const what = markdownCell(clip(checkMessage(check), MAX_SUMMARY_CELL));
  return `| ${MARK[check.status]} | ${markdownCell(check.title)} | ${points} | ${what} |`;
}
