/**
 * `--format junit`: JUnit XML, the test report CI systems read (GitLab,
 * Jenkins, test-reporter actions): one `<testsuite>` per lab, one
 * `<testcase>` per check; a failed check carries `<failure>` with its
 * rationale, hint and transcript, a skipped one `<skipped>`, and one that
 * could not be run `<error>`.
 *
 * Student output can hold anything, so every text is escaped, and the
 * characters XML 1.0 cannot carry at all (control characters, lone
 * surrogates) are written as `\xNN` / `\uNNNN` text.
 *
 * @module
 */

import type { CheckReport, GradeReport } from "../report/model.ts";
import { checkMessage, clip, formatPoints, reportList } from "./common.ts";
import type { Reports } from "../report/model.ts";

/** A failure body is shown in CI test views; past this it is cut. */
const MAX_BODY = 20_000;

/**
 * The JUnit XML document of a run.
 *
 * @example
 * ```ts ignore
 * import { renderJunit } from "./junit.ts";
 * await Deno.writeTextFile("junit.xml", renderJunit(report));
 * ```
 */
export function renderJunit(input: Reports): string {
  const reports = reportList(input);
  const totals = countAll(reports.flatMap((report) => report.checks));
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="socklab"${countAttributes(totals)} time="${
      seconds(reports.reduce((sum, r) => sum + r.duration_ms, 0))
    }">`,
  ];
  for (const report of reports) lines.push(...suite(report));
  lines.push(`</testsuites>`);
  return lines.join("\n");
}

/**
 * Escapes text for an XML element's content.
 *
 * @example
 * ```ts
 * import { escapeXmlText } from "./junit.ts";
 * escapeXmlText("a < b && c\x07"); // "a &lt; b &amp;&amp; c\\x07"
 * ```
 */
export function escapeXmlText(text: string): string {
  return representable(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Escapes text for a double-quoted XML attribute, keeping line breaks and
 * tabs (a parser would otherwise turn them into spaces).
 *
 * @example
 * ```ts
 * import { escapeXmlAttribute } from "./junit.ts";
 * escapeXmlAttribute('say "hi"\n'); // "say &quot;hi&quot;&#10;"
 * ```
 */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

// XML 1.0 allows tab, newline, carriage return, and U+0020 up, less the
// surrogates (alone) and U+FFFE/U+FFFF. The `u` flag makes a lone surrogate
// one code point, so it matches here; a proper pair does not.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function representable(text: string): string {
  return text.replace(NOT_XML_CHAR, (char) => {
    const code = char.codePointAt(0)!;
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function countAll(checks: CheckReport[]): Counts {
  return {
    tests: checks.length,
    failures: checks.filter((c) => c.status === "fail").length,
    errors: checks.filter((c) => c.status === "error").length,
    skipped: checks.filter((c) => c.status === "skip" || c.status === "advice").length,
  };
}

function countAttributes(counts: Counts): string {
  return ` tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}"`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function suite(report: GradeReport): string[] {
  const attr = escapeXmlAttribute;
  const lines = [
    `  <testsuite name="${attr(report.lab)}"${countAttributes(countAll(report.checks))} time="${
      seconds(report.duration_ms)
    }">`,
    `    <properties>`,
  ];
  const properties: [string, string][] = [
    ["submission", report.submission],
    ["language", report.language ?? "unknown"],
    ["score", formatPoints(report.score)],
    ["max_score", formatPoints(report.max_score)],
    ["isolation", report.isolation],
  ];
  for (const [name, value] of properties) {
    lines.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
  }
  lines.push(`    </properties>`);
  for (const check of report.checks) lines.push(...testcase(report, check));
  if (report.warnings.length > 0) {
    lines.push(
      `    <system-err>${escapeXmlText(report.warnings.map((w) => `warning: ${w}`).join("\n"))}</system-err>`,
    );
  }
  lines.push(`  </testsuite>`);
  return lines;
}

function testcase(report: GradeReport, check: CheckReport): string[] {
  const attr = escapeXmlAttribute;
  const open = `    <testcase classname="${attr(`socklab.${report.lab}`)}" name="${
    attr(`${check.id}: ${check.title}`)
  }" time="${seconds(check.duration_ms)}">`;
  const out = [`points: ${formatPoints(check.points)}/${formatPoints(check.max_points)}`, ...check.notes]
    .join("\n");
  const lines = [open];
  const summary = check.rationale.split("\n")[0] || check.status;
  if (check.status === "fail" || check.status === "error") {
    const element = check.status === "fail" ? "failure" : "error";
    lines.push(
      `      <${element} message="${attr(clip(summary, 500))}" type="${check.status}">${
        escapeXmlText(clip(failureBody(report, check), MAX_BODY))
      }</${element}>`,
    );
  } else if (check.status === "skip") {
    lines.push(`      <skipped message="${attr(clip(summary, 500))}"/>`);
  } else if (check.status === "advice") {
    // Worth no points and no failure: a test view shows it apart, as skipped, with the advice.
    lines.push(`      <skipped message="${attr(clip(`advice: ${checkMessage(check)}`, 500))}"/>`);
  }
  lines.push(`      <system-out>${escapeXmlText(out)}</system-out>`);
  lines.push(`    </testcase>`);
  return lines;
}

function failureBody(report: GradeReport, check: CheckReport): string {
  const parts = [check.rationale];
  if (check.hint) parts.push(`hint: ${check.hint}`);
  if (check.id === "build" && report.build_output.trim()) {
    parts.push(`compiler output:\n${clip(report.build_output.trimEnd(), 8000)}`);
  }
  if (check.transcript) parts.push(`transcript:\n${check.transcript}`);
  return parts.join("\n\n");
}
