/**
 * Which checks of a lab run, and when: those `--only` picks, each once the
 * checks it needs have passed (wherever `task.yaml` lists them), skipped
 * with the cause recorded when one did not. The build is the harness's own
 * check; what running any other check means is the caller's.
 *
 * @module
 */

import type { BuildResult } from "../programs/build.ts";
import { BUILD_CHECK } from "../check/grader.ts";
import { countsAsFailure, gradedCheck, skippedCheck } from "../report/model.ts";
import type { CheckReport } from "../report/model.ts";
import { SetupError } from "../config/setup_error.ts";
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
    if (blocker) {
      return skippedCheck(check, `skipped: it needs '${blocker.id}', which did not pass`, blocker.id);
    }
    if (check.id === BUILD_CHECK) return buildReport(check, built);
    if (!built.program) return skippedCheck(check, "skipped: the submission did not build", BUILD_CHECK);
    return await run(check);
  };
  for (const check of selected) {
    const { resolve, reject } = promised.get(check.id)!;
    one(check).then((report) => {
      onCheck?.(report);
      resolve(report);
    }, reject);
  }
  return await Promise.all(selected.map((c) => reportOf(c.id)!));
}

function buildReport(check: CheckConfig, built: BuildResult): CheckReport {
  const ok = built.program !== undefined;
  const finding = {
    status: ok ? "pass" as const : "fail" as const,
    rationale: ok ? "" : built.failure ?? "the build failed",
    transcript: "",
    notes: built.notes,
  };
  return gradedCheck(check, finding, built.durationMs);
}
