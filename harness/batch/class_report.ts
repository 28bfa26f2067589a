/**
 * `class-report.html`: one self-contained page (one inline script, nothing
 * loaded from anywhere) with, per lab, the histogram of scores, the pass rate
 * of each scored check (most failed first), the student × check grid that
 * opens to each student's checks, the advice apart, and the pairs of
 * submissions whose code is unusually similar.
 *
 * @module
 */

import { BUILD_CHECK } from "../check/grader.ts";
import { formatPoints } from "../formats/common.ts";
import { escapeHtml, GRID_SCRIPT, gridSection } from "./class_grid.ts";
import { similaritySection } from "./class_similarity.ts";
import { isScored, labStatus, scoredChecks } from "./gradebook.ts";
import type { ClassResults, StoredResult } from "./gradebook.ts";
import { DEFAULT_SIMILARITY_THRESHOLD } from "./similarity.ts";
import type { SimilarPair } from "./similarity.ts";

/** What the page shows besides the results. */
export interface ClassReportExtras {
  /** Page title. */
  title?: string;
  /** GitHub username → the institution's identifier (a roster). */
  identifiers?: Map<string, string>;
  /** Per lab, the similar pairs found (absent: similarity was not computed). */
  similar?: Map<string, SimilarPair[]>;
  /** The similarity at which pairs were flagged. */
  similarityThreshold?: number;
}

/** Per-lab figures the page shows. */
export interface LabSummary {
  lab: string;
  maxScore: number;
  graded: number;
  missing: number;
  errors: number;
  /** Graded submissions that did not build. */
  buildFailed: number;
  scores: number[];
  /**
   * Scored checks sorted by pass rate, lowest first. `graded` counts the
   * submissions where the check ran: one skipped because the build failed
   * is the build's failure, not this check's.
   */
  checks: { id: string; title: string; maxPoints: number; passed: number; graded: number; skipped: number }[];
  /** Advice checks (worth no points): how many submissions they had something to say to. */
  advice: { id: string; title: string; said: number; graded: number }[];
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
  const graded = all.filter((r) => labStatus(r) !== "missing" && labStatus(r) !== "not gradable");
  const checks = new Map<string, LabSummary["checks"][number]>();
  const advice = new Map<string, LabSummary["advice"][number]>();
  for (const result of graded) {
    for (const check of result.checks) {
      if (!isScored(check)) {
        const entry = advice.get(check.id) ?? { id: check.id, title: check.title, said: 0, graded: 0 };
        if (check.status !== "skip") entry.graded++;
        if (check.status === "advice") entry.said++;
        advice.set(check.id, entry);
        continue;
      }
      const entry = checks.get(check.id) ??
        { id: check.id, title: check.title, maxPoints: check.max_points, passed: 0, graded: 0, skipped: 0 };
      if (check.status === "skip") {
        if (check.skipped_because !== BUILD_CHECK) entry.skipped++;
      } else {
        entry.graded++;
        if (check.status === "pass") entry.passed++;
      }
      checks.set(check.id, entry);
    }
  }
  const rate = (c: { passed: number; graded: number }) => c.graded ? c.passed / c.graded : 1;
  return {
    lab,
    maxScore: Math.max(0, ...all.map((r) => r.max_score)),
    graded: graded.length,
    missing: all.filter((r) => labStatus(r) === "missing").length,
    errors: all.filter((r) => labStatus(r) === "not gradable").length,
    buildFailed: graded.filter((r) => labStatus(r) === "build failed").length,
    scores: graded.map((r) => r.score),
    checks: [...checks.values()].sort((a, b) => rate(a) - rate(b) || a.id.localeCompare(b.id)),
    advice: [...advice.values()],
  };
}

/**
 * Renders the class report page.
 *
 * @example
 * ```ts ignore
 * import { renderClassReport } from "./class_report.ts";
 * await Deno.writeTextFile("class-report.html", renderClassReport(results, { similar }));
 * ```
 */
export function renderClassReport(results: ClassResults, extras: ClassReportExtras = {}): string {
  const title = extras.title ?? "Class report";
  const threshold = extras.similarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  const sections = results.labs.map((lab) =>
    labSection(summarizeLab(results, lab), results, extras, threshold)
  ).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #d5d9e0; }
  h3 { font-size: 1.05rem; margin-top: 1.6rem; }
  .facts { color: #4a5263; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eceef2; vertical-align: middle; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .meter { background: #eceef2; height: .7rem; width: 10rem; border-radius: .35rem; overflow: hidden; }
  .meter span { display: block; height: 100%; background: #3b7ddd; }
  .low .meter span { background: #d9534f; }
  svg text { font: 11px system-ui, sans-serif; fill: #4a5263; }
  svg.histogram { max-height: 12rem; }
  .grid-tools { display: flex; gap: 1rem; align-items: center; margin-top: 1rem; flex-wrap: wrap; }
  table.grid th.check { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; padding: .4rem .1rem; }
  table.grid th.sortable { cursor: pointer; text-decoration: underline dotted; }
  table.grid td.cell { text-align: center; padding: .2rem; width: 1.4rem; }
  td.cell.pass { background: #e3f4e6; color: #1e6b34; } td.cell.fail, td.cell.error { background: #fbe2e1; color: #a12622; }
  td.cell.skip { background: #f3f4f6; color: #6b7280; } td.cell.advice { background: #fff6dc; color: #7a5a00; }
  td.cell.not-graded { background: #eceef2; color: #6b7280; }
  button.open { font: inherit; background: none; border: none; color: #1f5fbf; cursor: pointer; padding: 0; text-align: left; }
  .identifier { color: #6b7280; font-size: .85em; }
  tr.details > td { background: #fafbfc; }
  details.check { margin: .3rem 0; } details.check > summary { cursor: pointer; }
  details.check.fail > summary, details.check.error > summary { color: #a12622; }
  .pts { color: #6b7280; } .hint { color: #4a5263; } .warning { color: #7a5a00; }
  pre { white-space: pre-wrap; word-break: break-word; background: #f3f4f6; padding: .5rem; font-size: 13px; }
  .fragment { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
  .fragment figure { margin: 0; } figcaption { color: #4a5263; font-size: .9em; }
  .known { background: #eceef2; border-radius: .3rem; padding: 0 .3rem; font-size: .85em; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="facts">${results.results.size} students, ${results.labs.length} lab${
    results.labs.length === 1 ? "" : "s"
  }.</p>
${sections}
<script>${GRID_SCRIPT}</script>
</body>
</html>
`;
}

function labSection(
  summary: LabSummary,
  results: ClassResults,
  extras: ClassReportExtras,
  threshold: number,
): string {
  const sorted = [...summary.scores].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : 0;
  const facts = [
    `${summary.graded} graded`,
    summary.buildFailed ? `${summary.buildFailed} did not build` : "",
    summary.missing ? `${summary.missing} missing` : "",
    summary.errors ? `${summary.errors} could not be graded` : "",
    sorted.length ? `median ${formatPoints(median)}/${formatPoints(summary.maxScore)}` : "",
  ].filter(Boolean).join(" · ");
  const rows = summary.checks.map((check) => {
    const rate = check.graded ? check.passed / check.graded : 0;
    const skipped = check.skipped ? ` <span class="pts">(${check.skipped} skipped)</span>` : "";
    return `<tr class="${rate < 0.5 ? "low" : ""}" data-check="${escapeHtml(check.id)}"><td><code>${
      escapeHtml(check.id)
    }</code><br>${escapeHtml(check.title)}</td>` +
      `<td class="num">${
        formatPoints(check.maxPoints)
      }</td><td class="num">${check.passed}/${check.graded}${skipped}</td>` +
      `<td><div class="meter" title="${Math.round(rate * 100)}%"><span style="width:${
        (rate * 100).toFixed(1)
      }%"></span></div></td>` +
      `<td class="num">${Math.round(rate * 100)}%</td></tr>`;
  }).join("\n");
  const advice = summary.advice.length
    ? `<h3>Advice (reported, not scored)</h3>
<table class="advice"><thead><tr><th>Advice check</th><th>Had something to say to</th></tr></thead><tbody>
${
      summary.advice.map((check) =>
        `<tr><td><code>${escapeHtml(check.id)}</code><br>${
          escapeHtml(check.title)
        }</td><td class="num">${check.said}/${check.graded}</td></tr>`
      ).join("\n")
    }
</tbody></table>`
    : "";
  return `<section class="lab" data-lab="${escapeHtml(summary.lab)}">
<h2>${escapeHtml(summary.lab)}</h2>
<p class="facts">${escapeHtml(facts)}</p>
${histogram(summary)}
<h3>Students</h3>
${gridSection(results, summary.lab, scoredChecks(results, summary.lab), extras.identifiers)}
<h3>Checks</h3>
<table class="checks">
<thead><tr><th>Scored check (most failed first)</th><th>Points</th><th>Passed</th><th></th><th>Rate</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${advice}
${similaritySection(extras.similar?.get(summary.lab), threshold)}
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
    escapeHtml(summary.lab)
  }" viewBox="0 0 ${width} ${height}" width="100%">${bars}</svg>`;
}
