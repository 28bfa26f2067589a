/**
 * Grades the labs a command line names, one lab or several, the same way:
 * the names and tasks are checked first (nothing is graded when one is
 * wrong), then each lab is graded in turn; a lab that cannot be graded still
 * gets a report, every check an error worth 0, so a gradebook's maximum
 * never shrinks. Exit statuses are decided here; printing is the caller's.
 *
 * @module
 */

import { join } from "node:path";
import type { Reports } from "../report/model.ts";
import { grade, SetupError } from "./grade.ts";
import type { GradeOptions } from "./grade.ts";
import { knownLabs, labPaths } from "../config/labs.ts";
import { countsAsFailure, notGradedReport } from "../report/model.ts";
import type { CheckReport, GradeReport } from "../report/model.ts";
import { loadTaskConfig, TaskConfigError } from "./task_config.ts";
import type { TaskConfig } from "./task_config.ts";

/** Exit statuses of the grader. */
export const EXIT = { passed: 0, failed: 1, usage: 2, internal: 3 } as const;

/** The labs a run grades. */
export interface LabSelection {
  labs: string[];
  /**
   * Named as a list or `all` (even of one lab): each report then carries its
   * lab, `--submission` holds a folder per lab, `--only` picks per lab.
   */
  multiLab: boolean;
}

/**
 * The labs `target` names: one lab, a comma-separated list, or `all`.
 *
 * @example
 * ```ts ignore
 * import { labSelection } from "./grade_labs.ts";
 * labSelection("client-server,fork-server,client-server");
 * // { labs: ["client-server", "fork-server"], multiLab: true }
 * ```
 */
export function labSelection(target: string): LabSelection {
  if (target === "all") return { labs: knownLabs(), multiLab: true };
  if (!target.includes(",")) return { labs: [target], multiLab: false };
  return { labs: [...new Set(target.split(",").map((s) => s.trim()).filter(Boolean))], multiLab: true };
}

/** What to grade the labs with. */
export interface LabsRequest extends Pick<GradeOptions, "jobs" | "settings" | "taskFile" | "onProgress"> {
  /** The submission; with several labs, a folder with a subfolder per lab. */
  submission?: string;
  /** `--only`: with several labs, each lab runs those it has. */
  only?: string[];
  /** Called as each check finishes. */
  onCheck?: (check: CheckReport, lab: string) => void;
  /** Told, as it happens, why a lab (or the run) cannot be graded. */
  onProblem?: (message: string) => void;
}

/** What grading the labs gave. */
export interface LabsGraded {
  /** The lab's report, or with several labs the list of them. */
  reports: Reports;
  /** The exit status: the worst of the labs'. */
  status: number;
  /**
   * Nothing was graded: the run stopped before grading (a lab, task or check
   * that does not exist), or its one lab could not be graded.
   */
  nothingGraded: boolean;
}

/**
 * Grades the selected labs.
 *
 * @example
 * ```ts ignore
 * import { gradeLabs, labSelection } from "./grade_labs.ts";
 * const run = await gradeLabs(labSelection("all"), { submission: "~/labs", onProblem: console.error });
 * ```
 */
export async function gradeLabs(selection: LabSelection, request: LabsRequest): Promise<LabsGraded> {
  const { multiLab } = selection;
  const submissionOf = (lab: string) =>
    multiLab && request.submission ? join(request.submission, lab) : request.submission;
  const listed = (reports: GradeReport[]) => multiLab ? reports : reports[0];

  const plan = await planLabs(selection, request);
  if ("refusal" in plan) {
    request.onProblem?.(plan.refusal);
    const reports = await Promise.all(selection.labs.map(async (lab) =>
      notGradedReport(
        {
          lab,
          submission: submissionOf(lab),
          checks: (await taskIfReadable(lab, request.taskFile))?.checks,
          only: request.only,
        },
        plan.refusal,
      )
    ));
    return { reports: listed(reports), status: EXIT.usage, nothingGraded: true };
  }

  const reports: GradeReport[] = [];
  let status: number = EXIT.passed;
  let nothingGraded = false;
  for (const { lab, task, only } of plan.labs) {
    const submission = submissionOf(lab);
    try {
      const report = await grade({
        lab,
        submission,
        only,
        jobs: request.jobs,
        settings: multiLab ? settingsOf(task, request.settings) : request.settings,
        taskFile: request.taskFile,
        onProgress: request.onProgress,
        onCheck: request.onCheck && ((check) => request.onCheck!(check, lab)),
      });
      reports.push(report);
      status = Math.max(status, reportStatus(report));
    } catch (error) {
      const setup = error instanceof SetupError || error instanceof TaskConfigError;
      const message = String((error as Error)?.message ?? error);
      const reason = setup ? message : `internal error: ${message}`;
      const trace = (error as Error)?.stack ?? error;
      request.onProblem?.(
        multiLab ? `${lab}: ${setup ? message : trace}` : setup ? reason : `internal error: ${trace}`,
      );
      reports.push(notGradedReport({ lab, submission, checks: task?.checks, only }, reason));
      status = Math.max(status, setup ? EXIT.usage : EXIT.internal);
      nothingGraded = !multiLab;
    }
  }
  return { reports: listed(reports), status, nothingGraded };
}

/** A lab to grade: its task when it could be read, the checks asked of it. */
interface LabPlan {
  lab: string;
  task?: TaskConfig;
  only?: string[];
}

/**
 * The labs to grade, or why none is: an unknown lab, a `task.yaml` that
 * does not parse, checks no lab has. A task that cannot be read for another
 * reason is left to the grading, which reports it as that lab's error.
 */
async function planLabs(
  { labs, multiLab }: LabSelection,
  request: LabsRequest,
): Promise<{ labs: LabPlan[] } | { refusal: string }> {
  const known = knownLabs();
  const unknown = labs.filter((lab) => !known.includes(lab));
  if (unknown.length > 0) {
    return {
      refusal: `unknown lab${unknown.length === 1 ? "" : "s"} ${
        unknown.map((l) => `'${l}'`).join(", ")
      }; the labs are: ${known.join(", ")}`,
    };
  }
  const plans: LabPlan[] = [];
  for (const lab of labs) {
    try {
      plans.push({ lab, task: await loadTaskConfig(request.taskFile ?? labPaths(lab).taskYaml) });
    } catch (error) {
      if (error instanceof TaskConfigError) return { refusal: error.message };
      plans.push({ lab });
    }
  }
  // With several labs a setting goes to the labs that have it; one that none has is misspelt.
  const settingNames = Object.keys(request.settings ?? {});
  const unclaimed = settingNames.filter((name) =>
    !plans.some((plan) => plan.task && name in plan.task.settings)
  );
  if (multiLab && unclaimed.length > 0) {
    return {
      refusal: `no lab graded here has the setting${unclaimed.length === 1 ? "" : "s"} ${
        unclaimed.join(", ")
      }`,
    };
  }
  const only = request.only;
  // One lab is graded with exactly the checks asked for; an unknown one is its setup error.
  if (!multiLab || !only || only.length === 0) return { labs: plans.map((plan) => ({ ...plan, only })) };
  const has = (plan: LabPlan, id: string) => plan.task?.checks.some((c) => c.id === id) ?? false;
  const nowhere = only.filter((id) => !plans.some((plan) => has(plan, id)));
  if (nowhere.length > 0) {
    return {
      refusal: `no lab graded here has the check${nowhere.length === 1 ? "" : "s"} ${nowhere.join(", ")}`,
    };
  }
  return {
    labs: plans
      .map((plan) => ({ ...plan, only: only.filter((id) => has(plan, id)) }))
      .filter((plan) => plan.only.length > 0),
  };
}

/** The `--set` values that `task`'s lab has a setting for. */
function settingsOf(task: TaskConfig | undefined, settings: Record<string, unknown> | undefined) {
  if (!settings) return undefined;
  return Object.fromEntries(Object.entries(settings).filter(([name]) => task && name in task.settings));
}

/** 0 when every check passed, else 1. */
function reportStatus(report: GradeReport): number {
  return report.score === report.max_score && !report.checks.some(countsAsFailure)
    ? EXIT.passed
    : EXIT.failed;
}

/** The task of `lab` if it can be read: the report of a run refused must come out whatever is broken. */
async function taskIfReadable(lab: string, taskFile?: string): Promise<TaskConfig | undefined> {
  try {
    return await loadTaskConfig(taskFile ?? labPaths(lab).taskYaml);
  } catch {
    return undefined;
  }
}
