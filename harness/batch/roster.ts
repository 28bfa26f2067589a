/**
 * A class on disk: one directory per student, holding either one folder per
 * lab (`alice/client-server/`) or, when a single lab is graded, the lab's
 * files directly (`alice/Makefile`).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { detectLanguage } from "../programs/build.ts";

/** One student's submission for one lab. */
export interface Submission {
  student: string;
  lab: string;
  /** The directory to grade; `undefined` when the student handed nothing in. */
  dir?: string;
}

/** `--shard I/N`: this run grades the I-th of N stable parts of the class. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `I/N` (1 ≤ I ≤ N).
 *
 * @example
 * ```ts
 * import { parseShard } from "./roster.ts";
 * parseShard("2/3"); // { index: 2, count: 3 }
 * ```
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const shard = match ? { index: Number(match[1]), count: Number(match[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw new Error(`--shard takes I/N with 1 <= I <= N, not '${text}'`);
  }
  return shard;
}

/**
 * Whether `student` belongs to `shard`: decided by a hash of the name alone,
 * so a student stays in the same shard whoever else is in the class.
 *
 * @example
 * ```ts
 * import { inShard } from "./roster.ts";
 * const mine = ["ada", "bob"].filter((s) => inShard(s, { index: 1, count: 2 }));
 * ```
 */
export function inShard(student: string, shard: Shard | undefined): boolean {
  if (!shard) return true;
  const digest = createHash("sha256").update(student).digest();
  return digest.readUInt32BE(0) % shard.count === shard.index - 1;
}

/**
 * Lists the submissions of a class directory for `labs`, sorted by student.
 *
 * @example
 * ```ts ignore
 * import { findSubmissions } from "./roster.ts";
 * const submissions = findSubmissions("class/", ["client-server"]);
 * ```
 */
export function findSubmissions(classDir: string, labs: string[], shard?: Shard): Submission[] {
  const students = [...Deno.readDirSync(classDir)]
    .filter((e) => e.isDirectory && !e.name.startsWith("."))
    .map((e) => e.name)
    .filter((student) => inShard(student, shard))
    .sort();
  const submissions: Submission[] = [];
  for (const student of students) {
    const home = join(classDir, student);
    for (const lab of labs) {
      const own = join(home, lab);
      let dir: string | undefined;
      if (isDirectory(own)) dir = own;
      else if (labs.length === 1 && detectLanguage(home)) dir = home;
      submissions.push({ student, lab, dir });
    }
  }
  return submissions;
}

/**
 * The labs that some student has a folder for.
 *
 * @example
 * ```ts ignore
 * import { labsPresent } from "./roster.ts";
 * labsPresent("class/", ["client-server", "fork-server"]); // ["client-server"]
 * ```
 */
export function labsPresent(classDir: string, known: string[]): string[] {
  const present = new Set<string>();
  for (const student of Deno.readDirSync(classDir)) {
    if (!student.isDirectory) continue;
    for (const lab of known) if (isDirectory(join(classDir, student.name, lab))) present.add(lab);
  }
  return known.filter((lab) => present.has(lab));
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Reads a GitHub Classroom roster export (a CSV with `identifier` and
 * `github_username` columns, among others) into a map from GitHub username
 * (the name of a student's folder) to the institution's identifier.
 * Students not linked to a GitHub account yet are left out.
 *
 * @example
 * ```ts
 * import { parseRoster } from "./roster.ts";
 * const csv = '"identifier","github_username","github_id","name"\n"s1234","octocat","583231",""\n';
 * parseRoster(csv).get("octocat"); // "s1234"
 * ```
 */
export function parseRoster(text: string): Map<string, string> {
  const records = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true }) as Record<
    string,
    string
  >[];
  const columns = Object.keys(records[0] ?? {});
  for (const column of ["identifier", "github_username"]) {
    if (records.length > 0 && !columns.includes(column)) {
      throw new Error(
        `the roster has no '${column}' column (it has: ${
          columns.join(", ")
        }); export it from GitHub Classroom's roster page`,
      );
    }
  }
  const identifiers = new Map<string, string>();
  for (const record of records) {
    if (record.github_username) identifiers.set(record.github_username, record.identifier);
  }
  return identifiers;
}
