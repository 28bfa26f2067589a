/**
 * Syscall traces: which system calls a program (and its children) made,
 * read from an `strace -f -o FILE` log. Structure checks use it to see
 * `epoll_wait` or `fork` without caring how the source spells them.
 *
 * @module
 */

/** Counts of each syscall in a trace. */
export type SyscallCounts = Map<string, number>;

// "1234  epoll_wait(4, …" or "1234  <... epoll_wait resumed>…"
const CALL = /^\d+\s+(?:([a-z0-9_]+)\(|<\.\.\. ([a-z0-9_]+) resumed>)/;

/**
 * Counts syscalls in the text of an `strace -f` log (a resumed call counts
 * once, where it started).
 *
 * @example
 * ```ts
 * import { countSyscalls } from "./strace.ts";
 * const counts = countSyscalls("12 epoll_wait(3, [], 8, -1) = 0\n12 accept4(3, NULL, NULL, 0) = 5\n");
 * counts.get("epoll_wait"); // 1
 * ```
 */
export function countSyscalls(log: string): SyscallCounts {
  const counts: SyscallCounts = new Map();
  for (const line of log.split("\n")) {
    const match = CALL.exec(line);
    if (!match || match[2]) continue;
    counts.set(match[1], (counts.get(match[1]) ?? 0) + 1);
  }
  return counts;
}

/**
 * Reads and counts a trace file; an absent file counts nothing.
 *
 * @example
 * ```ts ignore
 * import { readSyscalls } from "./strace.ts";
 * const counts = await readSyscalls(server.traceFile!);
 * ```
 */
export async function readSyscalls(traceFile: string): Promise<SyscallCounts> {
  try {
    return countSyscalls(await Deno.readTextFile(traceFile));
  } catch {
    return new Map();
  }
}

/**
 * The names among `wanted` that appear in `counts` at least once.
 *
 * @example
 * ```ts
 * import { countSyscalls, seenAny } from "./strace.ts";
 * seenAny(countSyscalls("1 epoll_pwait(3, [], 8, -1, NULL, 8) = 0\n"), ["epoll_wait", "epoll_pwait"]);
 * // ["epoll_pwait"]
 * ```
 */
export function seenAny(counts: SyscallCounts, wanted: string[]): string[] {
  return wanted.filter((name) => (counts.get(name) ?? 0) > 0);
}

/** The syscalls that can create a process, to trace for {@link readProcessCreations}. */
export const PROCESS_CREATION_SYSCALLS = ["fork", "vfork", "clone", "clone3"];

// "1234  clone(child_stack=NULL, flags=…SIGCHLD…" — a fork, unless CLONE_THREAD.
const PROCESS_CREATION = new RegExp(`^\\d+\\s+(${PROCESS_CREATION_SYSCALLS.join("|")})\\(`);

/**
 * How many new processes (not threads) a trace shows being created: `fork`,
 * `vfork`, and `clone`/`clone3` without `CLONE_THREAD`. Needs the calls'
 * arguments, so the trace must not be abbreviated away.
 *
 * @example
 * ```ts
 * import { countProcessCreations } from "./strace.ts";
 * countProcessCreations(
 *   "7 clone(child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLD) = 8\n" +
 *     "7 clone3({flags=CLONE_VM|CLONE_THREAD|CLONE_SIGHAND, exit_signal=0}, 88) = 9\n",
 * ); // 1
 * ```
 */
export function countProcessCreations(log: string): number {
  return log.split("\n").filter((line) => PROCESS_CREATION.test(line) && !line.includes("CLONE_THREAD"))
    .length;
}

/**
 * How many processes a trace file shows being created (see
 * {@link countProcessCreations}); 0 for a missing file.
 *
 * @example
 * ```ts ignore
 * import { PROCESS_CREATION_SYSCALLS, readProcessCreations } from "./strace.ts";
 * const server = await t.startServer(t.submission, { traceSyscalls: PROCESS_CREATION_SYSCALLS });
 * // … serve some clients, then:
 * const forks = await readProcessCreations(server.traceFile!);
 * ```
 */
export async function readProcessCreations(traceFile: string): Promise<number> {
  return countProcessCreations(await Deno.readTextFile(traceFile).catch(() => ""));
}
