/**
 * How to run the grader itself as a subprocess, with the same permission
 * flags as `deno task grade` (read from `deno.json`, their one home).
 *
 * @module
 */

import { join } from "node:path";
import { REPO_ROOT } from "./labs.ts";

/**
 * The argv of `deno task grade` without the task runner: the current Deno
 * binary, `run`, this repository's `deno.json`, the task's permission flags
 * and `harness/cli/grade.ts`.
 *
 * @example
 * ```ts ignore
 * import { gradeCommand } from "./self.ts";
 * const argv = [...await gradeCommand(), "client-server", "--format", "json"];
 * ```
 */
export async function gradeCommand(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
  const [, subcommand, ...args] = (config.tasks.grade as string).trim().split(/\s+/);
  return [
    Deno.execPath(),
    subcommand,
    // This grader's own configuration, whatever deno.json the directory it runs from has.
    `--config=${join(REPO_ROOT, "deno.json")}`,
    ...args.map((arg) => (arg.endsWith(".ts") ? join(REPO_ROOT, arg) : arg)),
  ];
}
