/**
 * Step deadlines that count the time the awaited programs could run.
 *
 * A wall-clock deadline turns another program's CPU use into this check's
 * failure: on a loaded machine a correct server that needs 2 ms of CPU to
 * print its line may wait seconds on a run queue first. The kernel counts
 * that wait per thread: the second field of `/proc/PID/task/TID/schedstat`
 * is the time the thread spent runnable but not running, in nanoseconds.
 * A {@link StepDeadline} is extended by that delay, as it grows, up to
 * {@link MAX_DEADLINE_STRETCH} times the deadline (so that a program which
 * starves itself, with a hundred spinning children, still fails in bounded
 * time; the check's own budget is the hard stop above it).
 *
 * The delay is measured in groups whose run-queue waits add up because one
 * follows the other: the programs the check started (whichever of their
 * threads waited longest: threads that wait side by side do not add up; not
 * their children, which compete with the program itself) and the harness
 * (which must run to see what the programs did).
 *
 * @module
 */

/** One thread's cumulative run-queue wait, as read from its `schedstat`. */
export interface RunQueueReading {
  /** The threads whose waits add up with another group's: "programs", "harness". */
  group: string;
  /** Thread id (unique within the group). */
  tid: string;
  /** Nanoseconds spent runnable but not running since the thread started. */
  waitedNs: number;
}

/** Reads the run-queue waits of every thread a check awaits, now. */
export type RunQueueSource = () => RunQueueReading[];

/** How many times its own length a step deadline may be extended by run-queue delay. */
export const MAX_DEADLINE_STRETCH = 4;

/**
 * The run-queue delay between two readings, in milliseconds: per group, the
 * longest wait any one thread added (a thread born after `before` counts
 * all of its wait), summed over groups. Threads gone by `after` are not
 * counted: a deadline is never extended by more than was seen.
 *
 * @example
 * ```ts
 * import { runQueueDelayMs } from "./run_queue.ts";
 * const before = [{ group: "programs", tid: "7", waitedNs: 1e6 }];
 * const after = [
 *   { group: "programs", tid: "7", waitedNs: 401e6 },
 *   { group: "harness", tid: "3", waitedNs: 50e6 },
 * ];
 * runQueueDelayMs(before, after); // 450: 400 ms of the program's and 50 ms of the harness's
 * ```
 */
export function runQueueDelayMs(before: RunQueueReading[], after: RunQueueReading[]): number {
  const start = new Map(before.map((r) => [`${r.group}:${r.tid}`, r.waitedNs]));
  const longest = new Map<string, number>();
  for (const reading of after) {
    const added = reading.waitedNs - (start.get(`${reading.group}:${reading.tid}`) ?? 0);
    longest.set(reading.group, Math.max(longest.get(reading.group) ?? 0, added));
  }
  let total = 0;
  for (const ns of longest.values()) total += ns;
  return total / 1e6;
}

/**
 * The run-queue wait of one thread, from the text of its `schedstat`
 * (`run-ns wait-ns timeslices`); `undefined` if it does not parse.
 *
 * @example
 * ```ts
 * import { schedstatWaitNs } from "./run_queue.ts";
 * schedstatWaitNs("5300120 1250000 17\n"); // 1250000
 * ```
 */
export function schedstatWaitNs(text: string): number | undefined {
  const field = text.trim().split(/\s+/)[1];
  const ns = Number(field);
  return field !== undefined && Number.isFinite(ns) ? ns : undefined;
}

/**
 * Reads the run-queue waits of every thread of `pids` into `group`
 * (processes and threads gone meanwhile are left out).
 *
 * @example
 * ```ts
 * import { readRunQueue } from "./run_queue.ts";
 * const mine = readRunQueue("harness", [Deno.pid]); // one reading per thread of this process
 * ```
 */
export function readRunQueue(group: string, pids: number[]): RunQueueReading[] {
  const readings: RunQueueReading[] = [];
  for (const pid of pids) {
    let threads: Deno.DirEntry[];
    try {
      threads = [...Deno.readDirSync(`/proc/${pid}/task`)];
    } catch {
      continue;
    }
    for (const thread of threads) {
      try {
        const waitedNs = schedstatWaitNs(Deno.readTextFileSync(`/proc/${pid}/task/${thread.name}/schedstat`));
        if (waitedNs !== undefined) readings.push({ group, tid: thread.name, waitedNs });
      } catch {
        // Gone since the listing.
      }
    }
  }
  return readings;
}

/**
 * One step's deadline: `ms` of wall time, plus the time the awaited
 * programs and the harness spent waiting for a CPU meanwhile (at most
 * {@link MAX_DEADLINE_STRETCH} × `ms` more). Readings are taken only when
 * the wall-clock deadline has passed, so an unloaded machine pays nothing.
 *
 * @example
 * ```ts
 * import { StepDeadline } from "./run_queue.ts";
 * let now = 0, waited = 0;
 * const source = () => [{ group: "programs", tid: "7", waitedNs: waited * 1e6 }];
 * const deadline = new StepDeadline(3000, source, () => now);
 * now = 3000, waited = 1000; // a second of the three spent on a run queue
 * deadline.remainingMs(); // 1000
 * now = 4000;
 * deadline.remainingMs(); // 0: passed
 * ```
 */
export class StepDeadline {
  readonly #start: number;
  readonly #before: RunQueueReading[];
  /** The run-queue delay found at the last look, in milliseconds. */
  delayMs = 0;

  constructor(
    readonly ms: number,
    readonly source: RunQueueSource | undefined,
    readonly now: () => number = () => performance.now(),
  ) {
    this.#start = now();
    this.#before = source?.() ?? [];
  }

  /** Milliseconds left (0 once passed); reads the run queue only past the wall-clock deadline. */
  remainingMs(): number {
    const elapsed = this.now() - this.#start;
    if (elapsed < this.ms + this.delayMs) return this.ms + this.delayMs - elapsed;
    if (!this.source) return 0;
    const delay = Math.min(runQueueDelayMs(this.#before, this.source()), MAX_DEADLINE_STRETCH * this.ms);
    // The delay only grows: a thread that exited takes its wait with it, and must not shorten the deadline.
    this.delayMs = Math.max(this.delayMs, delay);
    return Math.max(0, this.ms + this.delayMs - elapsed);
  }
}
