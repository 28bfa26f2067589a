/**
 * Where labs live: `tasks/<lab>/task.yaml` (checks, points, limits),
 * `graders/<lab>.ts` (the checks), `reference/<lab>/{c,python}/`. A new lab
 * is these files; the harness needs no change.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the parent of `harness/`). */
export const REPO_ROOT: string = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/** The files of one lab. */
export interface LabPaths {
  lab: string;
  taskDir: string;
  taskYaml: string;
  graderModule: string;
  referenceDir: string;
}

/**
 * The paths of `lab` (whether or not they exist).
 *
 * @example
 * ```ts
 * import { labPaths } from "./labs.ts";
 * labPaths("client-server").taskYaml; // ".../tasks/client-server/task.yaml"
 * ```
 */
export function labPaths(lab: string, root = REPO_ROOT): LabPaths {
  return {
    lab,
    taskDir: join(root, "tasks", lab),
    taskYaml: join(root, "tasks", lab, "task.yaml"),
    graderModule: join(root, "graders", `${lab}.ts`),
    referenceDir: join(root, "reference", lab),
  };
}

/**
 * The labs that have both a `task.yaml` and a grader, sorted.
 *
 * @example
 * ```ts
 * import { knownLabs } from "./labs.ts";
 * knownLabs().includes("client-server"); // true
 * ```
 */
export function knownLabs(root = REPO_ROOT): string[] {
  const labs: string[] = [];
  for (const entry of Deno.readDirSync(join(root, "tasks"))) {
    if (!entry.isDirectory) continue;
    const paths = labPaths(entry.name, root);
    try {
      Deno.statSync(paths.taskYaml);
      Deno.statSync(paths.graderModule);
      labs.push(entry.name);
    } catch {
      // Not a lab (yet).
    }
  }
  return labs.sort();
}
