/**
 * The results of a batch on disk (`<out>/reports/<student>/<lab>.json`) and
 * the gradebook built from them. Building from the files alone is what lets
 * sharded runs be merged into exactly the gradebook of one big run.
 *
 * @module
 */

import { join } from "node:path";
import { formatPoints } from "../formats/common.ts";
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

/** The checks of a lab, in task order, as the results show them. */
function checksOf(results: ClassResults, lab: string): string[] {
  const ids: string[] = [];
  for (const byLab of results.results.values()) {
    for (const check of byLab.get(lab)?.checks ?? []) if (!ids.includes(check.id)) ids.push(check.id);
  }
  return ids;
}

/**
 * The gradebook as rows: a header, then one row per student (sorted):
 * student, per lab its total and each check's points, and the total.
 *
 * @example
 * ```ts ignore
 * import { gradebookRows, readResults } from "./gradebook.ts";
 * const rows = gradebookRows(await readResults(["out"]));
 * ```
 */
export function gradebookRows(results: ClassResults): string[][] {
  const columns = results.labs.map((lab) => ({ lab, checks: checksOf(results, lab) }));
  const header = ["student"];
  for (const { lab, checks } of columns) header.push(lab, ...checks.map((id) => `${lab}/${id}`));
  header.push("total");
  const rows = [header];
  for (const student of [...results.results.keys()].sort()) {
    const byLab = results.results.get(student)!;
    const row = [student];
    let total = 0;
    for (const { lab, checks } of columns) {
      const result = byLab.get(lab);
      total += result?.score ?? 0;
      row.push(result ? formatPoints(result.score) : "");
      for (const id of checks) {
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
