/**
 * A lab as the harness grades it: its `task.yaml` (what an instructor tunes)
 * joined with its grader's declarations (what each check is). Loading
 * refuses anything that does not fit, each problem with the place it comes
 * from: a check of `task.yaml` the grader does not declare, a declared check
 * `task.yaml` gives no points, a dependency on no check or a cycle of them,
 * an unknown setting or a value of the wrong type (in `task.yaml` or given
 * with `--set`).
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { BUILD_CHECK, BUILD_TITLE, settingsSchema } from "../check/grader.ts";
import type { Grader } from "../check/grader.ts";
import { labPaths } from "../config/labs.ts";
import { loadTaskFile, TaskConfigError } from "../config/task_file.ts";
import type { Limits, TaskFile } from "../config/task_file.ts";

export { TaskConfigError } from "../config/task_file.ts";
export type { Limits } from "../config/task_file.ts";

/** One check, as declared by its grader and tuned by `task.yaml`. */
export interface CheckConfig {
  id: string;
  title: string;
  points: number;
  /** The checks that must pass first: the build, then those the grader names. */
  needs: string[];
  /** Behaviour beyond the lab text: reported, not scored, while worth 0 points. */
  advice: boolean;
  /** Runs the submission's instrumented build (sanitizers, Python's development mode). */
  instrumented?: boolean;
  hint?: string;
  timeout_ms?: number;
  visibility?: "visible" | "hidden" | "after_due_date" | "after_published";
}

/** A lab ready to grade. */
export interface TaskConfig {
  lab: string;
  title: string;
  port: number;
  limits: Limits;
  /** The lab's settings, validated against its grader's schema, defaults filled in. */
  settings: Record<string, unknown>;
  /** In the order of `task.yaml` (the order of the report). */
  checks: CheckConfig[];
}

/** A lab whose `task.yaml`, grader and `--set` do not fit together; each problem says where. */
export class LabConfigError extends TaskConfigError {
  constructor(problems: string[]) {
    super("", problems);
    this.message = problems.join("\n");
    this.name = "LabConfigError";
  }
}

/** Options of {@link loadTaskConfig}. */
export interface LoadTaskOptions {
  /** The grader module; `graders/<lab>.ts` of the `lab` the file names by default. */
  graderModule?: string;
  /** Setting values given on the command line (`--set`), over those of the file. */
  settings?: Record<string, unknown>;
}

/**
 * Reads a `task.yaml` and joins it with its lab's grader.
 *
 * @example
 * ```ts ignore
 * import { loadTaskConfig } from "./task_config.ts";
 * const task = await loadTaskConfig("tasks/client-server/task.yaml");
 * task.checks[1].title; // "Your server talks with the C reference client and ends on \"exit\""
 * ```
 */
export async function loadTaskConfig(file: string, options: LoadTaskOptions = {}): Promise<TaskConfig> {
  const task = await loadTaskFile(file);
  const graderModule = options.graderModule ?? labPaths(task.lab).graderModule;
  const grader = (await import(pathToFileURL(graderModule).href)).default as Grader;
  return joinTask(task, file, grader, graderModule, options.settings ?? {});
}

/**
 * Joins a parsed `task.yaml` with its grader, or throws a
 * {@link LabConfigError} listing every problem.
 *
 * @example
 * ```ts
 * import { check, defineGrader } from "../check/grader.ts";
 * import { joinTask } from "./task_config.ts";
 * import { parseTaskFile } from "../config/task_file.ts";
 * const grader = defineGrader({
 *   lab: "demo",
 *   checks: { talks: check({ title: "Talks", run: async () => {} }) },
 * });
 * const file = parseTaskFile("lab: demo\ntitle: D\nchecks: [{id: talks, points: 2}]\n", "task.yaml");
 * joinTask(file, "task.yaml", grader, "demo.ts", {}).checks[0].needs; // ["build"]
 * ```
 */
export function joinTask(
  task: TaskFile,
  file: string,
  grader: Grader,
  graderModule: string,
  overrides: Record<string, unknown>,
): TaskConfig {
  const problems: string[] = [];
  const inFile = (path: (string | number)[]) => `${file}:${task.locate(path)}`;
  const declared = Object.keys(grader.checks);
  const known = new Set([BUILD_CHECK, ...declared]);
  const declaredAt = (id: string) => grader.checks[id]?.where ?? grader.where ?? graderModule;

  task.checks.forEach((entry, index) => {
    if (!known.has(entry.id)) {
      problems.push(
        `${
          inFile(["checks", index, "id"])
        }: checks.${index}.id: '${entry.id}' is not a check of ${graderModule}; its checks are: ${
          declared.join(", ")
        }`,
      );
    }
  });
  const listed = new Set(task.checks.map((entry) => entry.id));
  for (const id of declared.filter((id) => !listed.has(id))) {
    problems.push(
      `${declaredAt(id)}: check '${id}' has no entry in ${inFile(["checks"])}; give it its points there`,
    );
  }
  for (const id of declared) {
    for (const need of grader.checks[id].needs) {
      if (!known.has(need)) {
        problems.push(`${declaredAt(id)}: check '${id}' needs '${need}', which is no check`);
      }
    }
  }
  const cycle = dependencyCycle(grader);
  if (cycle) {
    problems.push(`${declaredAt(cycle[0])}: checks that need each other can never run: ${cycle.join(" → ")}`);
  }
  task.checks.forEach((entry, index) => {
    if (entry.id === BUILD_CHECK && entry.enabled === false) {
      problems.push(
        `${inFile(["checks", index, "enabled"])}: the build cannot be disabled: every check needs it`,
      );
    }
  });
  const settings = validateSettings(task, grader, overrides, inFile, problems);
  if (problems.length > 0) throw new LabConfigError(problems);

  return {
    lab: task.lab,
    title: task.title,
    port: task.port,
    limits: task.limits,
    settings,
    // A disabled check is dropped here: what needs it runs as if it had been left out by --only.
    checks: task.checks.filter((entry) => entry.enabled !== false).map((entry) => {
      const declaration = grader.checks[entry.id];
      return {
        id: entry.id,
        title: declaration?.title ?? BUILD_TITLE,
        points: entry.points,
        needs: declaration ? [BUILD_CHECK, ...declaration.needs] : [],
        advice: declaration?.advice ?? false,
        ...(declaration?.instrumented ? { instrumented: true } : {}),
        ...(entry.hint === undefined ? {} : { hint: entry.hint }),
        ...(entry.timeout_ms === undefined ? {} : { timeout_ms: entry.timeout_ms }),
        ...(entry.visibility === undefined ? {} : { visibility: entry.visibility }),
      };
    }),
  };
}

/** The checks of a cycle of `needs` (the first repeated at the end), or `undefined`. */
function dependencyCycle(grader: Grader): string[] | undefined {
  const done = new Set<string>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (path.includes(id)) return [...path.slice(path.indexOf(id)), id];
    if (done.has(id) || !grader.checks[id]) return undefined;
    for (const need of grader.checks[id].needs) {
      const cycle = visit(need, [...path, id]);
      if (cycle) return cycle;
    }
    done.add(id);
    return undefined;
  };
  for (const id of Object.keys(grader.checks)) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The lab's settings, from the file and `--set`, checked against the grader's schema. */
function validateSettings(
  task: TaskFile,
  grader: Grader,
  overrides: Record<string, unknown>,
  inFile: (path: (string | number)[]) => string,
  problems: string[],
): Record<string, unknown> {
  const names = Object.keys(grader.settings);
  const source = (name: string) =>
    name in overrides
      ? `--set ${name}=${String(overrides[name])}`
      : `${inFile(["settings", name])}: settings.${name}`;
  const result = settingsSchema(grader.settings).safeParse({ ...task.settings, ...overrides });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const name of issue.keys) {
        problems.push(
          `${source(name)}: ${task.lab} has no setting '${name}'; ${
            names.length > 0 ? `its settings are: ${names.join(", ")}` : "it has no settings"
          }`,
        );
      }
    } else {
      const name = String(issue.path[0]);
      problems.push(`${issue.path.length > 0 ? source(name) : "settings"}: ${issue.message}`);
    }
  }
  return {};
}
