/**
 * Deadlines for every wait the harness does.
 *
 * A grader never sleeps to synchronise: it waits for an event (a line
 * printed, a byte received, a process state) and gives up at a deadline,
 * or as soon as nothing can bring the event any more: every program of the
 * check has exited or waits, without a timeout, for something only the
 * harness could give it (see {@link watchStalls}). These helpers are the
 * only places that own a timer. A wait's deadline counts the time the
 * awaited programs could run: it is extended by their run-queue delay
 * (see `run_queue.ts`), so that load never turns into a failure.
 *
 * @module
 */

import { StepDeadline } from "./run_queue.ts";
import type { RunQueueSource } from "./run_queue.ts";

/** Raised when an awaited event did not happen before its deadline. */
export class DeadlineError extends Error {
  /**
   * @param what what was awaited, phrased to follow "waited for"
   * @param ms the deadline that passed, in milliseconds
   */
  constructor(readonly what: string, readonly ms: number) {
    super(`waited ${formatMs(ms)} for ${what}`);
    this.name = "DeadlineError";
  }
}

/**
 * Raised instead of a plain {@link DeadlineError} when a wait ended early
 * because nothing could bring what it awaited any more.
 */
export class StalledError extends DeadlineError {
  /**
   * @param what what was awaited
   * @param ms the deadline the wait had
   * @param why what the programs were doing instead, for people
   */
  constructor(what: string, ms: number, readonly why: string) {
    super(what, ms);
    this.message = `gave up waiting for ${what}: ${why}`;
    this.name = "StalledError";
  }
}

/**
 * Tells whether the programs a check drives can still do anything on their
 * own. The check's {@link CheckContext} installs one (see `stall.ts`).
 */
export interface StallProbe {
  /**
   * A fingerprint of the current state when, as far as a cheap look tells,
   * nothing can happen without the harness (every program gone or blocked
   * without a timeout); `undefined` while something still can. `confirm`
   * makes the costlier checks (nothing in flight), `why` explains the state
   * for people.
   */
  still(): { key: string; confirm: () => boolean; why: () => string } | undefined;
  /** The run-queue waits of the check's programs and of the harness (extends step deadlines). */
  runQueue?: RunQueueSource;
}

/** Milliseconds between two looks of the stall watch. */
export const STALL_PROBE_MS = 10;
/** Identical still states seen in a row before a wait is given up: two full turns of the event loop. */
const STALL_CONFIRMATIONS = 3;

let stallProbe: StallProbe | undefined;
/** The harness work holding the watch (a new set for each check: work a finished check left never releases). */
let stallHolds = new Set<object>();
const stallListeners = new Set<(why: string) => void>();
let stallTimer: ReturnType<typeof setTimeout> | undefined;
let stillKey: string | undefined;
let stillCount = 0;

/**
 * Installs (or, with `undefined`, removes) what decides that waits may end
 * early, forgetting everything of the check before: one check runs at a
 * time in a runner, so one probe at a time.
 *
 * @example
 * ```ts
 * import { watchStalls } from "./wait.ts";
 * watchStalls({ still: () => undefined }); // nothing ever stalls
 * watchStalls(undefined);
 * ```
 */
export function watchStalls(probe: StallProbe | undefined): void {
  stallProbe = probe;
  stallHolds = new Set();
  stallListeners.clear();
  clearTimeout(stallTimer);
  stallTimer = undefined;
  stillKey = undefined;
  stillCount = 0;
}

/**
 * Runs harness work that feeds the programs over many steps (an upload):
 * while it runs, no wait is given up for a stall, because the harness itself
 * is about to act.
 *
 * @example
 * ```ts
 * import { holdingStalls } from "./wait.ts";
 * const bytes = await holdingStalls(Promise.resolve(1024));
 * ```
 */
export async function holdingStalls<T>(work: Promise<T>): Promise<T> {
  const hold = {};
  const holds = stallHolds;
  holds.add(hold);
  try {
    return await work;
  } finally {
    holds.delete(hold);
  }
}

/** Where the check's run-queue waits are read, if its probe can tell. */
function runQueueSource(): RunQueueSource | undefined {
  const probe = stallProbe;
  return probe?.runQueue && (() => probe.runQueue!());
}

/** Calls `onStall` once, when nothing can happen any more; returns how to stop listening. */
function onStall(onStall: (why: string) => void): () => void {
  if (!stallProbe) return () => {};
  stallListeners.add(onStall);
  // A new wait starts after the harness acted: the state seen before counts no more.
  stillKey = undefined;
  stillCount = 0;
  stallTimer ??= setTimeout(lookForStall, STALL_PROBE_MS);
  return () => stallListeners.delete(onStall);
}

function lookForStall(): void {
  stallTimer = undefined;
  if (stallListeners.size === 0) return;
  const still = stallHolds.size === 0 ? stallProbe?.still() : undefined;
  if (still && still.key === stillKey) stillCount++;
  else [stillKey, stillCount] = [still?.key, still ? 1 : 0];
  if (still && stillCount >= STALL_CONFIRMATIONS && !still.confirm()) [stillKey, stillCount] = [undefined, 0];
  else if (still && stillCount >= STALL_CONFIRMATIONS) {
    const why = still.why();
    const listeners = [...stallListeners];
    stallListeners.clear();
    stillKey = undefined;
    stillCount = 0;
    for (const listener of listeners) listener(why);
    return;
  }
  stallTimer = setTimeout(lookForStall, STALL_PROBE_MS);
}

/**
 * Waits for something the check's programs cause: settles like `promise`,
 * rejects with {@link DeadlineError} after `ms`, or with
 * {@link StalledError} as soon as nothing can bring it any more.
 *
 * @example
 * ```ts
 * import { awaitEvent } from "./wait.ts";
 * const value = await awaitEvent(Promise.resolve(42), 1000, "the answer");
 * ```
 */
export function awaitEvent<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let stop = () => {};
  const stalled = new Promise<never>((_, reject) => {
    stop = onStall((why) => reject(new StalledError(what, ms, why)));
  });
  return withStepDeadline(Promise.race([promise, stalled]), ms, what).finally(stop);
}

/**
 * Like {@link withDeadline}, but the deadline is a {@link StepDeadline}:
 * extended by the time the check's programs and the harness waited for a
 * CPU meanwhile.
 */
function withStepDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const deadline = new StepDeadline(ms, runQueueSource());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    const look = () => {
      const left = deadline.remainingMs();
      if (left <= 0) reject(new DeadlineError(what, ms));
      else timer = setTimeout(look, left);
    };
    timer = setTimeout(look, ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Settles like `promise`, or rejects with {@link DeadlineError} after `ms`.
 * A stall does not end it: for deadlines on the harness's own work.
 *
 * @example
 * ```ts
 * import { withDeadline } from "./wait.ts";
 * const value = await withDeadline(Promise.resolve(42), 1000, "the answer");
 * ```
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Options of {@link pollUntil}. */
export interface PollOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** What is awaited, for the error message. */
  what: string;
  /** Milliseconds between probes; default 5. */
  intervalMs?: number;
}

/**
 * Probes a state the kernel exposes only by reading it (`/proc`) until the
 * probe returns a value other than `undefined`, which it then returns.
 * Gives up with {@link StalledError} once nothing can change the state any
 * more (after one last probe).
 *
 * @example
 * ```ts
 * import { pollUntil } from "./wait.ts";
 * let n = 0;
 * const three = await pollUntil(() => (++n >= 3 ? n : undefined), {
 *   timeoutMs: 1000,
 *   what: "the third probe",
 * });
 * ```
 */
export async function pollUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const interval = options.intervalMs ?? 5;
  const deadline = new StepDeadline(options.timeoutMs, runQueueSource());
  let stalledBecause: string | undefined;
  const stop = onStall((why) => stalledBecause = why);
  try {
    for (;;) {
      const stalled = stalledBecause;
      const value = await probe();
      if (value !== undefined) return value;
      if (stalled !== undefined) throw new StalledError(options.what, options.timeoutMs, stalled);
      if (deadline.remainingMs() <= 0) {
        throw new DeadlineError(options.what, options.timeoutMs);
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    stop();
  }
}

/**
 * Formats milliseconds for people: `850 ms`, `2.5 s`.
 *
 * @example
 * ```ts
 * import { formatMs } from "./wait.ts";
 * formatMs(2500); // "2.5 s"
 * ```
 */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${+(ms / 1000).toFixed(2)} s`;
}

/** What {@link settle} saw last, and whether it was what was wanted. */
export interface Settled<T> {
  value: T;
  ok: boolean;
}

/**
 * Reads a state (a zombie count, open descriptors, processes) until it is
 * what `ok` wants or `timeoutMs` passes; returns the last reading either
 * way, so a failure can say what the state was.
 *
 * @example
 * ```ts
 * import { settle } from "./wait.ts";
 * let left = 3;
 * const result = await settle(() => left--, (n) => n <= 1, 1000);
 * // result: { value: 1, ok: true }
 * ```
 */
export async function settle<T>(
  read: () => T,
  ok: (value: T) => boolean,
  timeoutMs: number,
): Promise<Settled<T>> {
  let last = read();
  try {
    await pollUntil(() => {
      if (ok(last)) return true;
      last = read();
      return ok(last) ? true : undefined;
    }, { timeoutMs, what: "a settled state", intervalMs: 10 });
    return { value: last, ok: true };
  } catch (error) {
    if (!(error instanceof DeadlineError)) throw error;
    return { value: last, ok: false };
  }
}
