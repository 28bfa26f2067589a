/**
 * Runs one check of one lab, inside the check's sandbox. The grading
 * process starts this module in a fresh sandbox ahead of time, with the
 * lab's grader module as its argument (loaded while it waits), hands it a
 * {@link RunnerSpec} on stdin, and reads the {@link CheckOutcome} it leaves
 * in `resultFile`. Given a spec file instead, it runs that at once.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { CheckContext, CheckFailure } from "./check.ts";
import type { CheckEnvironment, Grader } from "./check.ts";
import { DeadlineError, formatMs, withDeadline } from "./wait.ts";

/** What the grading process tells the runner. */
export interface RunnerSpec {
  /** Absolute path of `graders/<lab>.ts`. */
  graderModule: string;
  checkId: string;
  /** The whole check's budget; the sandbox is killed a little after it. */
  checkTimeoutMs: number;
  resultFile: string;
  env: CheckEnvironment;
}

/** What a check ended as. */
export interface CheckOutcome {
  status: "pass" | "fail" | "error";
  rationale?: string;
  hint?: string;
  /** The rendered transcript (kept whatever the status; reports pick). */
  transcript: string;
  notes: string[];
}

/**
 * Runs the check a spec names and returns its outcome. Never throws: a
 * grader bug becomes an `error` outcome.
 *
 * @example
 * ```ts ignore
 * import { runCheck } from "./runner.ts";
 * const outcome = await runCheck(spec);
 * ```
 */
export async function runCheck(spec: RunnerSpec): Promise<CheckOutcome> {
  const t = new CheckContext(spec.env);
  let outcome: Omit<CheckOutcome, "transcript" | "notes">;
  try {
    const grader = (await import(pathToFileURL(spec.graderModule).href)).default as Grader;
    const check = grader.checks[spec.checkId];
    if (!check) throw new Error(`${spec.graderModule} has no check '${spec.checkId}'`);
    await withDeadline(check(t), spec.checkTimeoutMs, `check '${spec.checkId}'`);
    outcome = { status: "pass" };
  } catch (error) {
    if (error instanceof CheckFailure) {
      outcome = { status: "fail", rationale: error.rationale, hint: error.hint };
    } else if (error instanceof DeadlineError) {
      outcome = {
        status: "error",
        rationale: `the check did not finish within its budget of ${formatMs(spec.checkTimeoutMs)}`,
      };
    } else {
      outcome = {
        status: "error",
        rationale: `internal error of the grader: ${(error as Error)?.stack ?? String(error)}`,
      };
    }
  }
  await withDeadline(t.cleanup(), 5000, "cleanup").catch(() => {});
  return { ...outcome, transcript: t.transcript.render(), notes: t.notes };
}

if (import.meta.main) {
  const [mode, path] = Deno.args;
  let spec: RunnerSpec;
  if (mode === "--warm") {
    // Load the grader while the grading process has no check for us yet.
    // A grader that does not load is reported by runCheck, which imports it again.
    await import(pathToFileURL(path).href).catch(() => {});
    spec = JSON.parse(await new Response(Deno.stdin.readable).text()) as RunnerSpec;
  } else {
    spec = JSON.parse(await Deno.readTextFile(mode)) as RunnerSpec;
  }
  const outcome = await runCheck(spec);
  await Deno.writeTextFile(spec.resultFile, JSON.stringify(outcome));
  Deno.exit(0);
}
