/**
 * The student × check grid of the class report: one row per student (score,
 * status, a cell per scored check), each opening to that student's checks
 * with rationale, hint and transcript; advice apart from the scored checks.
 * Sorting and filtering ("who failed X", "build failed", "missing") are done
 * by the small script of {@link GRID_SCRIPT}, inline in the page.
 *
 * @module
 * @internal
 */

import type { CheckReport } from "../report/model.ts";
import { formatPoints, visibleText } from "../formats/common.ts";
import { isScored, labStatus } from "./gradebook.ts";
import type { ClassResults, LabStatus, StoredResult } from "./gradebook.ts";

/** What a grid cell shows of a check's outcome. */
export type CellStatus = "pass" | "fail" | "error" | "skip" | "advice" | "not-graded";

const CELL_SYMBOL: Record<CellStatus, string> = {
  pass: "✓",
  fail: "✗",
  error: "!",
  skip: "–",
  advice: "i",
  "not-graded": "·",
};

/**
 * The status a cell shows: a report that could not be graded, or a student
 * who handed nothing in, shows "not graded" in every cell.
 *
 * @example
 * ```ts ignore
 * import { cellStatus } from "./class_grid.ts";
 * cellStatus(result, check); // "skip"
 * ```
 */
export function cellStatus(result: StoredResult, check: CheckReport): CellStatus {
  const status = labStatus(result);
  if (status === "missing" || status === "not gradable") return "not-graded";
  return check.status;
}

/**
 * The grid of one lab, with each student's details.
 *
 * @example
 * ```ts ignore
 * import { gridSection } from "./class_grid.ts";
 * const html = gridSection(results, "client-server", [{ id: "build", title: "It builds", max: 1 }]);
 * ```
 */
export function gridSection(
  results: ClassResults,
  lab: string,
  checks: { id: string; title: string; max: number }[],
  identifiers?: Map<string, string>,
): string {
  const students = [...results.results.keys()].sort().filter((student) =>
    results.results.get(student)!.has(lab)
  );
  const head = checks.map((check) =>
    `<th class="check" title="${escapeHtml(check.title)}"><code>${escapeHtml(check.id)}</code></th>`
  ).join("");
  const options = checks.map((check) =>
    `<option value="${escapeHtml(check.id)}">failed ${escapeHtml(check.id)}</option>`
  ).join("");
  const rows = students.map((student) =>
    studentRows(student, results.results.get(student)!.get(lab)!, checks, checks.length + 3, identifiers)
  ).join("\n");
  return `<div class="grid-tools">
<label>Show <select class="filter-status">
<option value="">every student</option><option value="below">below full marks</option>
<option value="full">full marks</option><option value="build failed">build failed</option>
<option value="missing">missing</option><option value="not gradable">not gradable</option>
</select></label>
<label>who <select class="filter-check"><option value="">(any check)</option>${options}</select></label>
<span class="shown"></span>
</div>
<table class="grid">
<thead><tr><th class="sortable" data-sort="student">Student</th><th class="sortable" data-sort="score">Score</th><th>Status</th>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function studentRows(
  student: string,
  result: StoredResult,
  checks: { id: string }[],
  width: number,
  identifiers?: Map<string, string>,
): string {
  const status: LabStatus = labStatus(result);
  const failed = result.checks.filter((check) =>
    isScored(check) && (check.status === "fail" || check.status === "error")
  )
    .map((check) => check.id);
  const cells = checks.map(({ id }) => {
    const check = result.checks.find((c) => c.id === id);
    if (!check) return `<td class="cell"></td>`;
    const cell = cellStatus(result, check);
    const why = cell === "skip" ? `skipped: ${check.skipped_because ?? "build"} did not pass` : cell;
    return `<td class="cell ${cell}" data-check="${escapeHtml(id)}" title="${escapeHtml(why)}">${
      CELL_SYMBOL[cell]
    }</td>`;
  }).join("");
  const identifier = identifiers?.get(student);
  const name = `${escapeHtml(student)}${
    identifier ? ` <span class="identifier">${escapeHtml(identifier)}</span>` : ""
  }`;
  return `<tr class="student" data-student="${
    escapeHtml(student)
  }" data-status="${status}" data-score="${result.score}" data-full="${
    result.score >= result.max_score
  }" data-failed="${escapeHtml(failed.join(" "))}">` +
    `<td><button type="button" class="open" aria-expanded="false">${name}</button></td>` +
    `<td class="num">${formatPoints(result.score)}/${formatPoints(result.max_score)}</td>` +
    `<td class="status">${status}</td>${cells}</tr>\n` +
    `<tr class="details" hidden><td colspan="${width}">${studentDetails(result)}</td></tr>`;
}

function studentDetails(result: StoredResult): string {
  const status = labStatus(result);
  if (status === "missing") return `<p class="why">Nothing handed in.</p>`;
  if (status === "not gradable") {
    return `<p class="why">Could not be graded: ${
      escapeHtml(result.not_graded ?? result.grader_error ?? "")
    }</p>`;
  }
  const scored = result.checks.filter(isScored);
  const advice = result.checks.filter((check) => !isScored(check));
  const warnings = result.warnings.map((warning) => `<p class="warning">${escapeHtml(warning)}</p>`).join("");
  return `${warnings}<div class="checks-of-student">${scored.map(checkDetails).join("")}</div>` +
    (advice.length
      ? `<h4>Advice (not scored)</h4><div class="advice-of-student">${
        advice.map(checkDetails).join("")
      }</div>`
      : "");
}

function checkDetails(check: CheckReport): string {
  const lost = check.status === "fail" || check.status === "error";
  const points = check.advice && check.max_points === 0
    ? "advice"
    : `${formatPoints(check.points)}/${formatPoints(check.max_points)}`;
  const skipped = check.status === "skip"
    ? `<p class="why">Not run: <code>${escapeHtml(check.skipped_because ?? "build")}</code> did not pass.</p>`
    : "";
  const body = [
    check.rationale ? `<p class="rationale">${escapeHtml(check.rationale)}</p>` : "",
    check.hint ? `<p class="hint">Hint: ${escapeHtml(check.hint)}</p>` : "",
    check.notes.length ? `<p class="notes">${check.notes.map(escapeHtml).join("<br>")}</p>` : "",
    check.transcript
      ? `<details class="transcript"><summary>Transcript</summary><pre>${
        escapeHtml(check.transcript)
      }</pre></details>`
      : "",
  ].join("");
  return `<details class="check ${check.status}" data-check="${escapeHtml(check.id)}"${
    lost ? " open" : ""
  }>` +
    `<summary><span class="mark">${CELL_SYMBOL[check.status]}</span> ${
      escapeHtml(check.title)
    } <span class="pts">${points}</span></summary>` +
    `${skipped}${body}</details>`;
}

/**
 * Text made safe inside HTML (element content and quoted attributes), with a
 * program's control characters made visible.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./class_grid.ts";
 * escapeHtml('<a href="x">'); // "&lt;a href=&quot;x&quot;&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return visibleText(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/**
 * The page's only script: opening a student, filtering rows by status or by
 * a failed check, sorting by name or score. It reads the rows' `data-`
 * attributes and loads nothing.
 */
export const GRID_SCRIPT = `
for (const section of document.querySelectorAll("section.lab")) {
  const table = section.querySelector("table.grid");
  if (!table) continue;
  const body = table.tBodies[0];
  const byStatus = section.querySelector(".filter-status");
  const byCheck = section.querySelector(".filter-check");
  const shown = section.querySelector(".shown");
  const students = () => [...body.querySelectorAll("tr.student")];
  const apply = () => {
    let count = 0;
    for (const row of students()) {
      const status = byStatus.value;
      const okStatus = !status ||
        (status === "below" ? row.dataset.full === "false" : status === "full" ? row.dataset.full === "true" : row.dataset.status === status);
      const okCheck = !byCheck.value || row.dataset.failed.split(" ").includes(byCheck.value);
      row.hidden = !(okStatus && okCheck);
      if (row.hidden) row.nextElementSibling.hidden = true;
      if (!row.hidden) count++;
    }
    shown.textContent = count + " of " + students().length + " shown";
  };
  byStatus.addEventListener("change", apply);
  byCheck.addEventListener("change", apply);
  body.addEventListener("click", (event) => {
    const button = event.target.closest("button.open");
    if (!button) return;
    const details = button.closest("tr").nextElementSibling;
    details.hidden = !details.hidden;
    button.setAttribute("aria-expanded", String(!details.hidden));
  });
  for (const header of table.querySelectorAll("th.sortable")) {
    header.addEventListener("click", () => {
      const key = header.dataset.sort;
      const descending = header.dataset.order !== "desc";
      header.dataset.order = descending ? "desc" : "asc";
      const pairs = students().map((row) => [row, row.nextElementSibling]);
      pairs.sort(([a], [b]) => {
        const order = key === "score"
          ? Number(a.dataset.score) - Number(b.dataset.score)
          : a.dataset.student.localeCompare(b.dataset.student);
        return descending ? -order : order;
      });
      for (const pair of pairs) body.append(...pair);
    });
  }
  apply();
}
`;
