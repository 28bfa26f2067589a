/**
 * Where the threads of a process wait, read from
 * `/proc/PID/task/TID/syscall` and `wchan`: which system call blocks them
 * and for how long it may. Looking sends no signal and stops nothing.
 *
 * @module
 */

import { allProcesses, descendants } from "./processes.ts";

/**
 * Where `pid` sleeps in the kernel (`ep_poll`, `do_select`, …), if known.
 *
 * @example
 * ```ts
 * import { waitChannel } from "./syscalls.ts";
 * const where = waitChannel(Deno.pid);
 * ```
 */
export function waitChannel(pid: number): string | undefined {
  try {
    const wchan = Deno.readTextFileSync(`/proc/${pid}/wchan`).trim();
    return wchan && wchan !== "0" ? wchan : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A system call a thread may be blocked in: its name, and which argument
 * (0-based) holds its timeout, as an `int` in milliseconds (negative: none)
 * or as a pointer (`NULL`: none). Calls without a timeout argument wait
 * until woken, unless `timed`: they sleep for a set time whatever comes.
 */
export interface BlockingSyscall {
  name: string;
  timeout?: { arg: number; kind: "int" | "pointer" };
  timed?: true;
}

const ms = (arg: number) => ({ arg, kind: "int" as const });
const pointer = (arg: number) => ({ arg, kind: "pointer" as const });

/**
 * The calls a blocked lab program may wait in, by number for each
 * architecture (`/proc/PID/task/TID/syscall` gives the number and the
 * arguments).
 */
export const BLOCKING_SYSCALLS: Record<string, Record<number, BlockingSyscall>> = {
  x86_64: {
    0: { name: "read" },
    1: { name: "write" },
    7: { name: "poll", timeout: ms(2) },
    19: { name: "readv" },
    20: { name: "writev" },
    23: { name: "select", timeout: pointer(4) },
    34: { name: "pause" },
    35: { name: "nanosleep", timed: true },
    42: { name: "connect" },
    43: { name: "accept" },
    44: { name: "sendto" },
    45: { name: "recvfrom" },
    46: { name: "sendmsg" },
    47: { name: "recvmsg" },
    61: { name: "wait4" },
    130: { name: "rt_sigsuspend" },
    202: { name: "futex", timeout: pointer(3) },
    230: { name: "clock_nanosleep", timed: true },
    232: { name: "epoll_wait", timeout: ms(3) },
    247: { name: "waitid" },
    270: { name: "pselect6", timeout: pointer(4) },
    271: { name: "ppoll", timeout: pointer(2) },
    281: { name: "epoll_pwait", timeout: ms(3) },
    288: { name: "accept4" },
    441: { name: "epoll_pwait2", timeout: pointer(3) },
  },
  aarch64: {
    22: { name: "epoll_pwait", timeout: ms(3) },
    63: { name: "read" },
    64: { name: "write" },
    65: { name: "readv" },
    66: { name: "writev" },
    72: { name: "pselect6", timeout: pointer(4) },
    73: { name: "ppoll", timeout: pointer(2) },
    95: { name: "waitid" },
    98: { name: "futex", timeout: pointer(3) },
    101: { name: "nanosleep", timed: true },
    115: { name: "clock_nanosleep", timed: true },
    133: { name: "rt_sigsuspend" },
    202: { name: "accept" },
    203: { name: "connect" },
    206: { name: "sendto" },
    207: { name: "recvfrom" },
    211: { name: "sendmsg" },
    212: { name: "recvmsg" },
    242: { name: "accept4" },
    260: { name: "wait4" },
    441: { name: "epoll_pwait2", timeout: pointer(3) },
  },
};

/** The epoll waits, by name. */
export const EPOLL_WAIT_SYSCALLS = ["epoll_wait", "epoll_pwait", "epoll_pwait2"];

/** Where one thread of a process waits. */
export interface ThreadWait {
  pid: number;
  tid: number;
  /** The system call it is blocked in (`epoll_wait`, `accept`, `syscall 17`), or `running`. */
  syscall: string;
}

/**
 * Where each thread of `pid` and of its descendants is blocked, read from
 * `/proc/PID/task/TID/syscall`. Reading it only looks: unlike a tracer, it
 * delivers no signal and stops nothing, so the program behaves as it would
 * unobserved. A thread that is not blocked reads as `running`.
 *
 * @example
 * ```ts
 * import { threadWaits } from "./syscalls.ts";
 * const child = new Deno.Command("sleep", { args: ["5"] }).spawn();
 * // Once it sleeps: [{ pid, tid, syscall: "clock_nanosleep" }]
 * const waits = threadWaits(child.pid);
 * child.kill();
 * await child.status;
 * ```
 */
export function threadWaits(pid: number, all = allProcesses()): ThreadWait[] {
  const calls = BLOCKING_SYSCALLS[Deno.build.arch] ?? {};
  const waits: ThreadWait[] = [];
  const root = all.find((s) => s.pid === pid);
  for (const process of root ? [root, ...descendants(pid, all)] : []) {
    let threads: Deno.DirEntry[];
    try {
      threads = [...Deno.readDirSync(`/proc/${process.pid}/task`)];
    } catch {
      continue;
    }
    for (const thread of threads) {
      let text: string;
      try {
        text = Deno.readTextFileSync(`/proc/${process.pid}/task/${thread.name}/syscall`).trim();
      } catch {
        continue;
      }
      const first = text.split(" ")[0];
      const number = Number(first);
      const syscall = !/^\d+$/.test(first) ? "running" : calls[number]?.name ?? `syscall ${number}`;
      waits.push({ pid: process.pid, tid: Number(thread.name), syscall });
    }
  }
  return waits;
}
