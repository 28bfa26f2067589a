/**
 * `class-report.html`: one self-contained page (no script, no network) with,
 * per lab, the histogram of scores and the pass rate of each check, the
 * checks most students fail first.
 *
 * @module
 */

import { formatPoints } from "../formats/common.ts";
import type { ClassResults, StoredResult } from "./gradebook.ts";

/** Per-lab figures the page shows. */
export interface LabSummary {
  lab: string;
  maxScore: number;
  graded: number;
  missing: number;
  errors: number;
  scores: number[];
  /** Checks sorted by pass rate, lowest first. */
  checks: { id: string; title: string; maxPoints: number; passed: number; graded: number }[];
}

/**
 * Summarises the results of one lab.
 *
 * @example
 * ```ts ignore
 * import { summarizeLab } from "./class_report.ts";
 * const summary = summarizeLab(results, "client-server");
 * ```
 */
export function summarizeLab(results: ClassResults, lab: string): LabSummary {
  const all = [...results.results.values()].map((byLab) => byLab.get(lab)).filter((r): r is StoredResult =>
    !!r
  );
  const graded = all.filter((r) => !r.missing && !r.grader_error);
  const checks = new Map<string, LabSummary["checks"][number]>();
  for (const result of graded) {
    for (const check of result.checks) {
      const entry = checks.get(check.id) ??
        { id: check.id, title: check.title, maxPoints: check.max_points, passed: 0, graded: 0 };
      entry.graded++;
      if (check.status === "pass") entry.passed++;
      checks.set(check.id, entry);
    }
  }
  return {
    lab,
    maxScore: Math.max(0, ...all.map((r) => r.max_score)),
    graded: graded.length,
    missing: all.filter((r) => r.missing).length,
    errors: all.filter((r) => r.grader_error).length,
    scores: graded.map((r) => r.score),
    checks: [...checks.values()].sort((a, b) =>
      a.passed / a.graded - b.passed / b.graded || a.id.localeCompare(b.id)
    ),
  };
}

/**
 * Renders the class report page.
 *
 * @example
 * ```ts ignore
 * import { renderClassReport } from "./class_report.ts";
 * await Deno.writeTextFile("class-report.html", renderClassReport(results));
 * ```
 */
export function renderClassReport(results: ClassResults, title = "Class report"): string {
  const sections = results.labs.map((lab) => labSection(summarizeLab(results, lab))).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #d5d9e0; }
  .facts { color: #4a5263; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eceef2; vertical-align: middle; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .meter { background: #eceef2; height: .7rem; width: 10rem; border-radius: .35rem; overflow: hidden; }
  .meter span { display: block; height: 100%; background: #3b7ddd; }
  .low .meter span { background: #d9534f; }
  svg text { font: 11px system-ui, sans-serif; fill: #4a5263; }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p class="facts">${results.results.size} students, ${results.labs.length} lab${
    results.labs.length === 1 ? "" : "s"
  }.</p>
${sections}
</body>
</html>
`;
}

function labSection(summary: LabSummary): string {
  const sorted = [...summary.scores].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : 0;
  const facts = [
    `${summary.graded} graded`,
    summary.missing ? `${summary.missing} missing` : "",
    summary.errors ? `${summary.errors} could not be graded` : "",
    sorted.length ? `median ${formatPoints(median)}/${formatPoints(summary.maxScore)}` : "",
  ].filter(Boolean).join(" · ");
  const rows = summary.checks.map((check) => {
    const rate = check.graded ? check.passed / check.graded : 0;
    return `<tr class="${rate < 0.5 ? "low" : ""}"><td><code>${escape(check.id)}</code><br>${
      escape(check.title)
    }</td>` +
      `<td class="num">${
        formatPoints(check.maxPoints)
      }</td><td class="num">${check.passed}/${check.graded}</td>` +
      `<td><div class="meter" title="${Math.round(rate * 100)}%"><span style="width:${
        (rate * 100).toFixed(1)
      }%"></span></div></td>` +
      `<td class="num">${Math.round(rate * 100)}%</td></tr>`;
  }).join("\n");
  return `<section class="lab" data-lab="${escape(summary.lab)}">
<h2>${escape(summary.lab)}</h2>
<p class="facts">${escape(facts)}</p>
${histogram(summary)}
<table class="checks">
<thead><tr><th>Check (most failed first)</th><th>Points</th><th>Passed</th><th></th><th>Rate</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

/** Score histogram as inline SVG: one bar per score bin. */
function histogram(summary: LabSummary): string {
  const top = Math.max(0, Math.ceil(summary.maxScore));
  const binWidth = Math.ceil((top + 1) / 20);
  const binCount = Math.ceil((top + 1) / binWidth);
  const bins = new Array(binCount).fill(0);
  for (const score of summary.scores) bins[Math.min(binCount - 1, Math.floor(score / binWidth))]++;
  const tallest = Math.max(1, ...bins);
  const width = 600, height = 180, bottom = 24, barGap = 4;
  const barWidth = width / binCount - barGap;
  const bars = bins.map((count, i) => {
    const barHeight = ((height - bottom - 16) * count) / tallest;
    const x = i * (barWidth + barGap);
    const y = height - bottom - barHeight;
    const low = i * binWidth;
    const high = Math.min(top, low + binWidth - 1);
    const label = high === low ? `${low}` : `${low}–${high}`;
    return `<g><title>${count} with score ${label}</title>` +
      `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${
        barHeight.toFixed(1)
      }" fill="#3b7ddd"></rect>` +
      (count
        ? `<text x="${(x + barWidth / 2).toFixed(1)}" y="${
          (y - 3).toFixed(1)
        }" text-anchor="middle">${count}</text>`
        : "") +
      `<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle">${label}</text></g>`;
  }).join("");
  return `<svg class="histogram" role="img" aria-label="Score histogram of ${
    escape(summary.lab)
  }" viewBox="0 0 ${width} ${height}" width="100%">${bars}</svg>`;
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
}
