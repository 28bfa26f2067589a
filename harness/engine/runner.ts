/**
 * Runs checks of one lab inside a check sandbox. The grading process starts
 * this module in a fresh sandbox ahead of time, with the lab's grader module
 * as its argument (loaded while it waits). It prints {@link RUNNER_READY},
 * reads a {@link RunnerSpec} (a line of JSON) on stdin, leaves the
 * {@link CheckOutcome} in `resultFile` and prints {@link RUNNER_RESULT}.
 *
 * With `--reuse`, it then asks the sandbox's PID 1 to make the sandbox new
 * again (every other process killed, no socket left, an empty scratch) and,
 * once it has, is ready for another check: a check costs no Deno start.
 * Without, or at the end of its input, it exits. Given a spec file instead,
 * it runs that one check at once.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { CheckContext, CheckFailure } from "../check/context.ts";
import type { CheckEnvironment } from "../check/context.ts";
import type { Grader } from "../check/grader.ts";
import { socketDescriptor, tcpSockets } from "../observe/sockets.ts";
import { lineSplitter } from "../sandbox/sandbox.ts";
import { DeadlineError, formatMs, withDeadline } from "../observe/wait.ts";

/** Printed (a line of stdout) when the runner waits for a spec. */
export const RUNNER_READY = "\x1esocklab-runner-ready";
/** Printed once the outcome of a check is in its result file. */
export const RUNNER_RESULT = "\x1esocklab-runner-result";

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

/** The lines of standard input, one at a time. */
async function* inputLines(): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const complete: string[] = [];
  const split = lineSplitter((line) => complete.push(line));
  for await (const chunk of Deno.stdin.readable) {
    split(decoder.decode(chunk, { stream: true }));
    yield* complete.splice(0);
  }
}

/**
 * Whether this process still holds a TCP socket: a check that kept one open
 * past its cleanup. The sandbox could not be made new (PID 1 kills every
 * process but this one), so the runner serves no more checks.
 */
function holdsTcpSocket(): boolean {
  return tcpSockets().some((socket) => socketDescriptor(Deno.pid, socket.inode) !== undefined);
}

/**
 * Asks the sandbox's PID 1 to make the sandbox new again and waits for its
 * answer. PID 1 exits instead if it cannot, which ends this process too.
 */
async function resetSandbox(): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const answered = () => resolve();
  Deno.addSignalListener("SIGUSR2", answered);
  try {
    Deno.kill(1, "SIGUSR1");
    await promise;
  } finally {
    Deno.removeSignalListener("SIGUSR2", answered);
  }
}

if (import.meta.main) {
  const [mode, path, ...flags] = Deno.args;
  if (mode === "--warm") {
    const reuse = flags.includes("--reuse");
    // A promise a finished check left behind may still reject: it must not
    // end the runner while it serves the next check.
    let leftover = false;
    globalThis.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      leftover = true;
    });
    // Load the grader while the grading process has no check for us yet.
    // A grader that does not load is reported by runCheck, which imports it again.
    await import(pathToFileURL(path).href).catch(() => {});
    console.log(RUNNER_READY);
    for await (const line of inputLines()) {
      const spec = JSON.parse(line) as RunnerSpec;
      const outcome = await runCheck(spec);
      await Deno.writeTextFile(spec.resultFile, JSON.stringify(outcome));
      console.log(RUNNER_RESULT);
      if (!reuse || leftover || holdsTcpSocket()) break;
      await resetSandbox();
      console.log(RUNNER_READY);
    }
  } else {
    const spec = JSON.parse(await Deno.readTextFile(mode)) as RunnerSpec;
    await Deno.writeTextFile(spec.resultFile, JSON.stringify(await runCheck(spec)));
  }
  Deno.exit(0);
}
