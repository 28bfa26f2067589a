/**
 * The results of a batch on disk (`<out>/reports/<student>/<lab>.json`) and
 * the gradebook built from them. Building from the files alone is what lets
 * sharded runs be merged into exactly the gradebook of one big run.
 *
 * @module
 */

import { join } from "node:path";
import { formatPoints } from "../formats/common.ts";
import { BUILD_CHECK } from "../check/grader.ts";
import type { GradeReport } from "../report/model.ts";

/** A stored result: a grade report, or why there is none. */
export type StoredResult = GradeReport & {
  /** The student handed nothing in for this lab. */
  missing?: boolean;
  /** The grader could not produce a report (it crashed or hung). */
  grader_error?: string;
  /** Fingerprint of the submission and of its grader when it was graded. */
  submission_key?: string;
};

/** Every stored result of an output directory. */
export interface ClassResults {
  /** student → lab → result */
  results: Map<string, Map<string, StoredResult>>;
  labs: string[];
}

/**
 * The path of a student's result for a lab.
 *
 * @example
 * ```ts
 * import { resultPath } from "./gradebook.ts";
 * resultPath("out", "ada", "client-server"); // "out/reports/ada/client-server.json"
 * ```
 */
export function resultPath(outDir: string, student: string, lab: string): string {
  return join(outDir, "reports", student, `${lab}.json`);
}

/**
 * Reads every result stored under `outDirs` (later directories win).
 *
 * @example
 * ```ts ignore
 * import { readResults } from "./gradebook.ts";
 * const { results, labs } = await readResults(["out-1", "out-2"]);
 * ```
 */
export async function readResults(outDirs: string[]): Promise<ClassResults> {
  const results = new Map<string, Map<string, StoredResult>>();
  const labs = new Set<string>();
  for (const outDir of outDirs) {
    const reports = join(outDir, "reports");
    let students: Deno.DirEntry[];
    try {
      students = [...Deno.readDirSync(reports)];
    } catch {
      continue;
    }
    for (const student of students) {
      if (!student.isDirectory) continue;
      for (const file of Deno.readDirSync(join(reports, student.name))) {
        if (!file.name.endsWith(".json")) continue;
        const result = JSON.parse(
          await Deno.readTextFile(join(reports, student.name, file.name)),
        ) as StoredResult;
        const byLab = results.get(student.name) ?? new Map<string, StoredResult>();
        byLab.set(result.lab, result);
        results.set(student.name, byLab);
        labs.add(result.lab);
      }
    }
  }
  return { results, labs: [...labs].sort() };
}

/** What became of a student's lab, as the gradebook's status column says it. */
export type LabStatus = "graded" | "build failed" | "missing" | "not gradable";

/**
 * The status of a stored result: handed nothing in, could not be graded (the
 * grader failed on it), did not build, or graded.
 *
 * @example
 * ```ts ignore
 * import { labStatus } from "./gradebook.ts";
 * labStatus(result); // "build failed"
 * ```
 */
export function labStatus(result: StoredResult): LabStatus {
  if (result.missing) return "missing";
  if (result.grader_error || result.not_graded) return "not gradable";
  const build = result.checks.find((check) => check.id === BUILD_CHECK);
  return build && build.status !== "pass" ? "build failed" : "graded";
}

/**
 * Whether a check counts in the points: an advice check worth nothing (the
 * default) is reported, never scored, and stays out of the gradebook.
 *
 * @example
 * ```ts
 * import { isScored } from "./gradebook.ts";
 * isScored({ advice: true, max_points: 0 }); // false
 * isScored({ advice: true, max_points: 2 }); // true: the instructor gave it points
 * ```
 */
export function isScored(check: { advice?: boolean; max_points: number }): boolean {
  return !(check.advice && check.max_points === 0);
}

/**
 * A lab's scored checks, in task order, as the results show them, with their maxima.
 *
 * @example
 * ```ts ignore
 * import { readResults, scoredChecks } from "./gradebook.ts";
 * scoredChecks(await readResults(["out"]), "client-server"); // [{ id: "build", title: "…", max: 1 }, …]
 * ```
 */
export function scoredChecks(
  results: ClassResults,
  lab: string,
): { id: string; title: string; max: number }[] {
  const checks = new Map<string, { id: string; title: string; max: number }>();
  for (const byLab of results.results.values()) {
    for (const check of byLab.get(lab)?.checks ?? []) {
      if (isScored(check) && !checks.has(check.id)) {
        checks.set(check.id, { id: check.id, title: check.title, max: check.max_points });
      }
    }
  }
  return [...checks.values()];
}

/** The first cell of the row of maxima (the name spreadsheets and LMS imports know). */
export const MAXIMA_ROW = "Points Possible";

/**
 * The gradebook as rows: a header; a row of maxima ({@link MAXIMA_ROW});
 * then one row per student (sorted): student, the institution's identifier
 * when a roster maps it, per lab its total, its status ({@link LabStatus})
 * and each scored check's points, and the total.
 *
 * @example
 * ```ts ignore
 * import { gradebookRows, readResults } from "./gradebook.ts";
 * const rows = gradebookRows(await readResults(["out"]), new Map([["octocat", "s1234"]]));
 * ```
 */
export function gradebookRows(results: ClassResults, identifiers?: Map<string, string>): string[][] {
  const columns = results.labs.map((lab) => ({ lab, checks: scoredChecks(results, lab) }));
  const header = ["student"];
  const maxima = [MAXIMA_ROW];
  if (identifiers) {
    header.push("identifier");
    maxima.push("");
  }
  let maxTotal = 0;
  for (const { lab, checks } of columns) {
    header.push(lab, `${lab} status`, ...checks.map((check) => `${lab}/${check.id}`));
    const labMax = Math.max(
      0,
      ...[...results.results.values()].map((byLab) => byLab.get(lab)?.max_score ?? 0),
    );
    maxTotal += labMax;
    maxima.push(formatPoints(labMax), "", ...checks.map((check) => formatPoints(check.max)));
  }
  header.push("total");
  maxima.push(formatPoints(maxTotal));
  const rows = [header, maxima];
  for (const student of [...results.results.keys()].sort()) {
    const byLab = results.results.get(student)!;
    const row = [student];
    if (identifiers) row.push(identifiers.get(student) ?? "");
    let total = 0;
    for (const { lab, checks } of columns) {
      const result = byLab.get(lab);
      total += result?.score ?? 0;
      row.push(result ? formatPoints(result.score) : "", result ? labStatus(result) : "missing");
      for (const { id } of checks) {
        const check = result?.checks.find((c) => c.id === id);
        row.push(check ? formatPoints(check.points) : "");
      }
    }
    row.push(formatPoints(total));
    rows.push(row);
  }
  return rows;
}

/**
 * Renders rows as CSV (RFC 4180 quoting), safe to open in a spreadsheet: a
 * cell that starts with `=`, `+`, `-`, `@`, tab or CR (a student's folder
 * name may) would be run as a formula, so it gets a leading `'` and is
 * quoted (OWASP's CSV-injection rule); scores never start so.
 *
 * @example
 * ```ts
 * import { toCsv } from "./gradebook.ts";
 * toCsv([["student", "total"], ["o'neil, ada", "3"]]); // 'student,total\r\n"o\'neil, ada",3\r\n'
 * toCsv([["=1+1"]]); // `"'=1+1"\r\n`
 * ```
 */
export function toCsv(rows: string[][]): string {
  const cell = (value: string) => {
    const inert = FORMULA_START.test(value) ? `'${value}` : value;
    return inert !== value || /[",\r\n]/.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
  };
  return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** What a spreadsheet takes for the start of a formula (OWASP, CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
