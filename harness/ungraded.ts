/**
 * The report of a grading that could not happen (a setup or internal
 * error): every check an `error` worth 0, the maximum kept, the reason in
 * each check's rationale (the `build` check's first). Consumers of a report
 * (the Classroom reporter, Gradescope, CI test views) then record a 0 with
 * the reason, where no report at all would record nothing or "the
 * autograder failed to execute".
 *
 * @module
 */

import { labPaths, REPO_ROOT } from "./labs.ts";
import type { CheckReport, GradeReport } from "./report.ts";
import { loadTaskConfig } from "./task_config.ts";
import type { CheckConfig, TaskConfig } from "./task_config.ts";

/** Where the report says the submission was. */
export interface UngradedWhere {
  lab: string;
  /** The submission as given (`--submission`), if any. */
  submission?: string;
  /** `--only`: the checks asked for (unknown ids are ignored). */
  only?: string[];
}

/**
 * The report of a lab that could not be graded. Without a task (an unknown
 * lab, a `task.yaml` that does not parse) it holds one `build` check worth 0.
 *
 * @example
 * ```ts
 * import { ungradedReport } from "./ungraded.ts";
 * const report = ungradedReport({ lab: "nope" }, undefined, "unknown lab 'nope'");
 * report.checks[0].status; // "error"
 * ```
 */
export function ungradedReport(
  where: UngradedWhere,
  task: TaskConfig | undefined,
  reason: string,
): GradeReport {
  const all: Pick<CheckConfig, "id" | "title" | "points" | "visibility" | "advice">[] = task?.checks ??
    [{ id: "build", title: "Builds with make (C) or compiles (Python)", points: 0, advice: false }];
  const asked = all.filter((check) => where.only?.includes(check.id));
  const checks: CheckReport[] = (asked.length > 0 ? asked : all).map((check) => ({
    id: check.id,
    title: check.title,
    status: "error",
    advice: check.advice && check.points === 0,
    points: 0,
    max_points: check.points,
    rationale: `not graded: ${reason}`,
    hint: "",
    transcript: "",
    duration_ms: 0,
    notes: [],
    ...(check.visibility && check.visibility !== "visible" ? { visibility: check.visibility } : {}),
  }));
  return {
    lab: where.lab,
    submission: where.submission ?? labPaths(where.lab).taskDir.replace(`${REPO_ROOT}/`, ""),
    language: null,
    score: 0,
    max_score: checks.reduce((sum, check) => sum + check.max_points, 0),
    checks,
    build_output: "",
    isolation: "none",
    warnings: [`not graded: ${reason}`],
    duration_ms: 0,
    not_graded: reason,
  };
}

/**
 * The task of `lab` if it can be read (from `taskFile` when given), else
 * `undefined`: the fallback report must come out whatever is broken.
 *
 * @example
 * ```ts ignore
 * import { taskIfReadable } from "./ungraded.ts";
 * const task = await taskIfReadable("client-server");
 * ```
 */
export async function taskIfReadable(lab: string, taskFile?: string): Promise<TaskConfig | undefined> {
  try {
    return await loadTaskConfig(taskFile ?? labPaths(lab).taskYaml);
  } catch {
    return undefined;
  }
}
