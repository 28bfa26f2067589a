/**
 * `deno task new-lab NAME`: scaffolds a lab whose regression tests run, and
 * pass, at once: the assignment and starter code, `task.yaml`, a grader with
 * one example check, its test, both reference pairs and two fixtures
 * (docs/writing-a-lab.md says what each is for). It writes only new files
 * and refuses a name any lab already uses.
 *
 * Exit status: 0 written; 2 usage error (a name that is not lowercase words
 * joined by '-', a lab that exists).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { basename, dirname, join } from "node:path";
import { REPO_ROOT } from "../config/labs.ts";
import { labFiles } from "./new_lab_files.ts";

const USAGE = `Usage: deno task new-lab NAME [--root DIR]

Scaffolds the lab NAME (lowercase words joined by '-', e.g. echo-server):
tasks/NAME/, graders/NAME.ts, graders/NAME_test.ts, reference/NAME/ and
fixtures/NAME/, whose tests pass as written. Refuses a name in use.

  --root DIR   the repository to write into (default: this one; the task may
               write only there, run harness/cli/new_lab.ts with
               --allow-read=DIR --allow-write=DIR for another)

Example:
  deno task new-lab echo-server`;

/** Lab names: lowercase words (letters, then letters or digits) joined by '-'. */
export const LAB_NAME: RegExp = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Words the command line reads as something other than a lab. */
const RESERVED = new Set(["all"]);

/** A name that cannot be a new lab. */
export class NewLabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NewLabError";
  }
}

/**
 * Why `name` cannot be a lab's name, or `undefined` if it can.
 *
 * @example
 * ```ts
 * import { labNameProblem } from "./new_lab.ts";
 * labNameProblem("echo-server"); // undefined
 * labNameProblem("Echo_Server"); // "'Echo_Server' is not lowercase words joined by '-' …"
 * ```
 */
export function labNameProblem(name: string): string | undefined {
  if (!LAB_NAME.test(name)) {
    return `'${name}' is not lowercase words joined by '-' (a letter first, then letters or digits), e.g. echo-server`;
  }
  if (RESERVED.has(name)) return `'${name}' means every lab to 'grade'; pick another name`;
  return undefined;
}

/**
 * The paths (from `root`) of any lab files named `lab` that exist already.
 *
 * @example
 * ```ts
 * import { existingLabPaths } from "./new_lab.ts";
 * existingLabPaths("client-server"); // ["tasks/client-server", "graders/client-server.ts", …]
 * ```
 */
export function existingLabPaths(lab: string, root = REPO_ROOT): string[] {
  return labRoots(lab).filter((path) => exists(join(root, path)));
}

/**
 * Writes the lab `lab` into the repository at `root` and returns its files
 * (paths from `root`). Throws {@link NewLabError}, writing nothing, for a
 * bad name or one in use; if writing fails halfway, removes what it wrote.
 *
 * @example
 * ```ts ignore
 * import { scaffoldLab } from "./new_lab.ts";
 * const written = await scaffoldLab("echo-server");
 * ```
 */
export async function scaffoldLab(lab: string, root = REPO_ROOT): Promise<string[]> {
  const problem = labNameProblem(lab);
  if (problem) throw new NewLabError(problem);
  const taken = existingLabPaths(lab, root);
  if (taken.length > 0) {
    throw new NewLabError(`the lab '${lab}' exists already (${taken.join(", ")}); pick another name`);
  }
  const files = labFiles(lab);
  try {
    for (const file of files) {
      const path = join(root, file.path);
      await Deno.mkdir(join(path, ".."), { recursive: true });
      // createNew: never overwrite, even a file that appeared since the check above.
      await Deno.writeTextFile(path, file.text, { createNew: true });
    }
  } catch (error) {
    for (const path of labRoots(lab)) {
      await Deno.remove(join(root, path), { recursive: true }).catch(() => {});
    }
    throw error;
  }
  return files.map((file) => file.path);
}

/**
 * Runs the command line; returns the exit status.
 *
 * @example
 * ```ts ignore
 * import { main } from "./new_lab.ts";
 * Deno.exit(await main(["echo-server"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { root: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usageError("give one lab name");
  const [lab] = positionals;
  try {
    await scaffoldLab(lab, values.root ?? REPO_ROOT);
  } catch (error) {
    if (error instanceof NewLabError) return usageError(error.message, false);
    throw error;
  }
  console.log(createdReport(lab));
  return 0;
}

/** What was written, a line per directory, and what to do next. */
function createdReport(lab: string): string {
  const folders = new Map<string, { names: string[]; purposes: string[] }>();
  for (const file of labFiles(lab)) {
    const folder = dirname(file.path);
    const entry = folders.get(folder) ?? { names: [], purposes: [] };
    entry.names.push(basename(file.path));
    if (file.purpose) entry.purposes.push(file.purpose);
    folders.set(folder, entry);
  }
  const lines = [...folders].map(([folder, { names, purposes }]) =>
    `  ${folder}/{${names.join(",")}}${purposes.length > 0 ? `\n      ${purposes.join("; ")}` : ""}`
  );
  return `Created the lab ${lab}:
${lines.join("\n")}

Next steps (docs/writing-a-lab.md):
  1. Run its tests (they pass as scaffolded):
       ./node_modules/deno/deno test --allow-all graders/${lab}_test.ts
  2. Grade by hand:
       deno task grade ${lab} --submission reference/${lab}/c
       deno task grade ${lab} --submission fixtures/${lab}/server-answers-once
  3. Write the assignment (tasks/${lab}/README.md) and the references, then the
     checks in graders/${lab}.ts, each with an entry in tasks/${lab}/task.yaml and
     a fixture in fixtures/${lab}/ that fails it; run the tests again.
  4. deno task check`;
}

/** The top-level paths a lab owns, from the repository root. */
function labRoots(lab: string): string[] {
  return [
    `tasks/${lab}`,
    `graders/${lab}.ts`,
    `graders/${lab}_test.ts`,
    `graders/${lab}`,
    `reference/${lab}`,
    `fixtures/${lab}`,
  ];
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function usageError(message: string, showUsage = true): number {
  console.error(`new-lab: ${message}`);
  if (showUsage) console.error(USAGE);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
