/**
 * How a program ended, told for people: the exit status or the signal (and
 * what it usually means), a hint on what to fix, and the end of what it
 * printed.
 *
 * @module
 */

import { SPIN_CPU_TICKS, TICKS_PER_SECOND, treeCpuTicks } from "../observe/processes.ts";
import { waitChannel } from "../observe/syscalls.ts";

/** How a process ended. */
export interface ExitStatus {
  /** Exit status, or `null` when a signal ended it. */
  code: number | null;
  /** Terminating signal name (`SIGSEGV`), or `null`. */
  signal: string | null;
}

const SIGNAL_MEANINGS: Record<string, string> = {
  SIGSEGV: "segmentation fault: an invalid memory access",
  SIGPIPE: "wrote to a connection the peer had closed",
  SIGABRT: "abort(), often a failed assert or a corrupted heap",
  SIGBUS: "bus error: an invalid memory access",
  SIGFPE: "arithmetic error, such as a division by zero",
  SIGKILL: "killed",
  SIGXCPU: "CPU time limit exceeded",
  SIGXFSZ: "file size limit exceeded",
};

/**
 * Describes an exit for people: `exited with status 1`,
 * `was killed by SIGSEGV (segmentation fault: …)`.
 *
 * @example
 * ```ts
 * import { describeExit } from "./exit_status.ts";
 * describeExit({ code: 0, signal: null }); // "exited with status 0"
 * ```
 */
export function describeExit(status: ExitStatus): string {
  if (status.signal) {
    const meaning = SIGNAL_MEANINGS[status.signal];
    return `was killed by ${status.signal}${meaning ? ` (${meaning})` : ""}`;
  }
  return `exited with status ${status.code}`;
}

/**
 * What to look at in the code after an exit that ended a conversation
 * badly, or `undefined`.
 *
 * @example
 * ```ts
 * import { exitHint } from "./exit_status.ts";
 * exitHint({ code: null, signal: "SIGSEGV" }); // "run it under valgrind or …"
 * ```
 */
export function exitHint(status: ExitStatus): string | undefined {
  if (status.signal === "SIGPIPE") {
    return "ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)) or send with MSG_NOSIGNAL, and handle the EPIPE error instead";
  }
  if (status.signal === "SIGSEGV") {
    return "run it under valgrind or build with -fsanitize=address -g to find the invalid access";
  }
  if (status.code !== null && status.code !== 0) {
    return "return 0 from main (or exit(0)) when the conversation ends normally";
  }
  return undefined;
}

/**
 * `; it printed "…"` with the end of a program's error output (or output), if any.
 *
 * @example
 * ```ts ignore
 * import { describeExit, stderrExcerpt } from "./exit_status.ts";
 * const why = `the server ${describeExit(server.status!)}${stderrExcerpt(server)}`;
 * ```
 */
export function stderrExcerpt(process: { stdout: { text: string }; stderr: { text: string } }): string {
  const text = (process.stderr.text || process.stdout.text).trim();
  return text ? `; it printed ${JSON.stringify(text.slice(-300))}` : "";
}

/**
 * Shows the start of `text`, quoted, at most `max` characters.
 *
 * @example
 * ```ts
 * import { quoteExcerpt } from "./exit_status.ts";
 * quoteExcerpt("hello", 3); // "\"hel\"…"
 * ```
 */
export function quoteExcerpt(text: string, max = 200): string {
  return text.length > max ? `${JSON.stringify(text.slice(0, max))}…` : JSON.stringify(text);
}

/**
 * What a program that did not exit was doing since `startedMs`
 * (`performance.now()`), given the CPU ticks its tree had used then:
 * spinning, or asleep and where.
 *
 * @example
 * ```ts ignore
 * import { describeLingering } from "./exit_status.ts";
 * describeLingering(pid, cpuBefore, started); // "it kept running, asleep in do_epoll_wait (0% CPU): …"
 * ```
 */
export function describeLingering(pid: number, cpuTicksBefore: number, startedMs: number): string {
  const wallS = (performance.now() - startedMs) / 1000;
  const ticks = treeCpuTicks(pid) - cpuTicksBefore;
  const share = Math.round((100 * ticks) / TICKS_PER_SECOND / wallS);
  const where = waitChannel(pid);
  // A busy machine gives a spinning program a small share of a CPU: what
  // tells it from a sleeping one is the CPU it used at all while it should
  // have exited, a count of its own work that load does not shrink much.
  const spinning = share >= 20 || ticks >= SPIN_CPU_TICKS;
  return spinning
    ? `it kept running, using ${share}% of a CPU: it seems to spin in a loop`
    : `it kept running, asleep${
      where ? ` in ${where}` : ""
    } (${share}% CPU): it waits for something that will not come`;
}
