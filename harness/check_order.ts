/**
 * Which checks of a lab run, and when: those `--only` picks, each once the
 * checks it needs have passed (wherever `task.yaml` lists them), skipped
 * with the cause recorded when one did not. The build is the harness's own
 * check; what running any other check means is the caller's.
 *
 * @module
 */

import type { BuildResult } from "./build.ts";
import { BUILD_CHECK } from "./grader.ts";
import { countsAsFailure } from "./report.ts";
import type { CheckReport } from "./report.ts";
import { SetupError } from "./setup_error.ts";
import type { CheckConfig, TaskConfig } from "./task_config.ts";

/**
 * The checks `only` asks for (all by default), in the order of `task.yaml`.
 *
 * @example
 * ```ts ignore
 * import { selectChecks } from "./check_order.ts";
 * selectChecks(task, ["build"]).map((c) => c.id); // ["build"]
 * ```
 */
export function selectChecks(task: TaskConfig, only: string[] | undefined): CheckConfig[] {
  if (!only || only.length === 0) return task.checks;
  const unknown = only.filter((id) => !task.checks.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new SetupError(
      `unknown check${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; the checks of ${task.lab} are: ${
        task.checks.map((c) => c.id).join(", ")
      }`,
    );
  }
  return task.checks.filter((c) => only.includes(c.id));
}

/**
 * Reports every selected check: the build from `built`, a check whose
 * needs did not all pass as skipped, any other through `run` (started at
 * once: `run` limits how many run together). A check needed but not
 * selected (`--only`) is not waited for. Loading refused cycles of needs,
 * so every check ends.
 *
 * @example
 * ```ts ignore
 * import { runInDependencyOrder } from "./check_order.ts";
 * const reports = await runInDependencyOrder(selected, built, (check) => runIt(check));
 * ```
 */
export async function runInDependencyOrder(
  selected: CheckConfig[],
  built: BuildResult,
  run: (check: CheckConfig) => Promise<CheckReport>,
  onCheck?: (check: CheckReport) => void,
): Promise<CheckReport[]> {
  // Every check's report is promised before any runs: a check may need one listed after it.
  const promised = new Map(selected.map((check) => [check.id, Promise.withResolvers<CheckReport>()]));
  const reportOf = (id: string) => promised.get(id)?.promise;
  const one = async (check: CheckConfig): Promise<CheckReport> => {
    const needed = await Promise.all(check.needs.flatMap((id) => reportOf(id) ?? []));
    const blocker = needed.find((r) => countsAsFailure(r));
    if (blocker) return skipped(check, `skipped: it needs '${blocker.id}', which did not pass`, blocker.id);
    if (check.id === BUILD_CHECK) return buildReport(check, built);
    if (!built.program) return skipped(check, "skipped: the submission did not build", BUILD_CHECK);
    return await run(check);
  };
  for (const check of selected) {
    const { resolve, reject } = promised.get(check.id)!;
    one(check).then((report) => {
      if (check.visibility && check.visibility !== "visible") report.visibility = check.visibility;
      onCheck?.(report);
      resolve(report);
    }, reject);
  }
  return await Promise.all(selected.map((c) => reportOf(c.id)!));
}

/**
 * Whether a check is reported, not scored: advice its task gives no points.
 *
 * @example
 * ```ts ignore
 * import { reportedOnly } from "./check_order.ts";
 * reportedOnly({ ...check, advice: true, points: 0 }); // true
 * ```
 */
export function reportedOnly(check: CheckConfig): boolean {
  return check.advice && check.points === 0;
}

/**
 * The report of a check that did not run: an `error` worth 0, with no rationale yet.
 *
 * @example
 * ```ts ignore
 * import { notRun } from "./check_order.ts";
 * const report = { ...notRun(check), rationale: "not run: out of time" };
 * ```
 */
export function notRun(check: CheckConfig): CheckReport {
  return {
    id: check.id,
    title: check.title,
    status: "error",
    advice: reportedOnly(check),
    points: 0,
    max_points: check.points,
    rationale: "",
    hint: "",
    transcript: "",
    duration_ms: 0,
    notes: [],
  };
}

function skipped(check: CheckConfig, rationale: string, cause: string): CheckReport {
  return { ...notRun(check), status: "skip", rationale, skipped_because: cause };
}

function buildReport(check: CheckConfig, built: BuildResult): CheckReport {
  const ok = built.program !== undefined;
  return {
    id: check.id,
    title: check.title,
    status: ok ? "pass" : "fail",
    advice: reportedOnly(check),
    points: ok ? check.points : 0,
    max_points: check.points,
    rationale: ok ? "" : built.failure ?? "the build failed",
    hint: ok ? "" : check.hint ?? "",
    transcript: "",
    duration_ms: built.durationMs,
    notes: built.notes,
  };
}
