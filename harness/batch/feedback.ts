/**
 * Per-student feedback to hand back: one Markdown file per student
 * (`<out>/feedback/<student>.md`) with, per lab, the score, what did not pass
 * and why (rationale, hint, transcript), the advice, and what passed. Checks
 * that `task.yaml` keeps from students are only counted, as in every format
 * students read.
 *
 * @module
 */

import { hiddenFromStudents } from "../report/model.ts";
import type { CheckReport } from "../report/model.ts";
import { formatPoints, visibleText } from "../formats/common.ts";
import { isScored, labStatus } from "./gradebook.ts";
import type { StoredResult } from "./gradebook.ts";

/** Characters of a transcript kept in a feedback file; the rest is in the JSON report. */
const TRANSCRIPT_CHARS = 4000;

/**
 * The feedback file of one student.
 *
 * @example
 * ```ts ignore
 * import { feedbackMarkdown } from "./feedback.ts";
 * await Deno.writeTextFile("feedback/ada.md", feedbackMarkdown("ada", results.get("ada")!));
 * ```
 */
export function feedbackMarkdown(student: string, byLab: Map<string, StoredResult>): string {
  const labs = [...byLab.keys()].sort();
  const total = labs.reduce((sum, lab) => sum + byLab.get(lab)!.score, 0);
  const max = labs.reduce((sum, lab) => sum + byLab.get(lab)!.max_score, 0);
  const parts = [
    `# Feedback for ${markdownText(student)}`,
    "",
    `Total: **${formatPoints(total)}/${formatPoints(max)}**`,
  ];
  for (const lab of labs) parts.push("", ...labSection(lab, byLab.get(lab)!));
  return parts.join("\n") + "\n";
}

function labSection(lab: string, result: StoredResult): string[] {
  const status = labStatus(result);
  const lines = [`## ${lab}: ${formatPoints(result.score)}/${formatPoints(result.max_score)}`, ""];
  if (status === "missing") return [...lines, "Nothing was handed in for this lab."];
  if (status === "not gradable") {
    return [
      ...lines,
      "This submission could not be graded:",
      "",
      fenced(result.not_graded ?? result.grader_error ?? ""),
    ];
  }
  const shown = result.checks.filter((check) => !hiddenFromStudents(check));
  const hidden = result.checks.length - shown.length;
  const scored = shown.filter(isScored);
  const notPassed = scored.filter((check) => check.status !== "pass" && check.status !== "skip");
  const skipped = scored.filter((check) => check.status === "skip");
  const advice = shown.filter((check) => !isScored(check) && check.status === "advice");
  const passed = scored.filter((check) => check.status === "pass");
  if (status === "build failed") {
    lines.push("The submission did not build, so no other check could run.", "");
  }
  for (const check of notPassed) lines.push(...checkEntry(check), "");
  if (skipped.length > 0) {
    lines.push(
      `Not run, because a check they need did not pass: ${
        skipped.map((check) => `${markdownText(check.title)} (needs \`${check.skipped_because ?? "build"}\`)`)
          .join("; ")
      }.`,
      "",
    );
  }
  if (advice.length > 0) {
    lines.push("### Advice (worth no points)", "");
    for (const check of advice) {
      lines.push(`- **${markdownText(check.title)}**: ${markdownText(check.rationale)}`);
    }
    lines.push("");
  }
  if (passed.length > 0) {
    lines.push(`Passed: ${passed.map((check) => markdownText(check.title)).join("; ")}.`);
  }
  if (hidden > 0) lines.push("", `${hidden} hidden check${hidden === 1 ? "" : "s"} not shown yet.`);
  return lines;
}

function checkEntry(check: CheckReport): string[] {
  const lines = [
    `### ${check.status === "error" ? "Error" : "Failed"}: ${markdownText(check.title)} (${
      formatPoints(check.points)
    }/${formatPoints(check.max_points)})`,
    "",
  ];
  if (check.rationale) lines.push(markdownText(check.rationale), "");
  if (check.hint) lines.push(`Hint: ${markdownText(check.hint)}`, "");
  if (check.transcript) {
    const transcript = check.transcript.length > TRANSCRIPT_CHARS
      ? `${check.transcript.slice(0, TRANSCRIPT_CHARS)}\n… (the rest is in the JSON report)`
      : check.transcript;
    lines.push("<details><summary>Transcript</summary>", "", fenced(transcript), "", "</details>");
  }
  return lines;
}

/**
 * Text a program may have printed, as Markdown that shows it as it is:
 * markup characters escaped, control characters made visible.
 *
 * @example
 * ```ts
 * import { markdownText } from "./feedback.ts";
 * markdownText("<b>*hi*</b>"); // "\\<b\\>\\*hi\\*\\</b\\>"
 * ```
 */
export function markdownText(text: string): string {
  return visibleText(text).replace(/[\\`*_{}\[\]()<>#+!|~&]/g, (char) => `\\${char}`);
}

/** A fenced block longer than any run of backticks inside it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...visibleText(text).matchAll(/`+/g)].map((run) => run[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${visibleText(text)}\n${fence}`;
}
