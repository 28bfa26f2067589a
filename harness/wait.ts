/**
 * Deadlines for every wait the harness does.
 *
 * A grader never sleeps to synchronise: it waits for an event (a line
 * printed, a byte received, a process state) and gives up at a deadline.
 * These two helpers are the only places that own a timer.
 *
 * @module
 */

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
 * Settles like `promise`, or rejects with {@link DeadlineError} after `ms`.
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
  const giveUpAt = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() >= giveUpAt) {
      throw new DeadlineError(options.what, options.timeoutMs);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
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
