/**
 * What the kernel tells about processes through `/proc`: their state, CPU
 * time, children, zombies, open descriptors and command lines.
 *
 * Inside a check's sandbox `/proc` is the sandbox's own (PID namespace,
 * remounted), so every process seen here was started by the check.
 *
 * @module
 */

/** The fields of `/proc/PID/stat` the graders use. */
export interface ProcStat {
  pid: number;
  /** Executable name, as the kernel truncates it (15 characters). */
  comm: string;
  /** R running, S sleeping, D disk sleep, Z zombie, T stopped, … */
  state: string;
  ppid: number;
  /** User plus system CPU time, in clock ticks (1/100 s on Linux). */
  cpuTicks: number;
}

/** Clock ticks per second of `/proc/PID/stat` times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/**
 * Reads `/proc/PID/stat`, or `undefined` if the process is gone.
 *
 * @example
 * ```ts
 * import { readStat } from "./processes.ts";
 * const me = readStat(Deno.pid);
 * ```
 */
export function readStat(pid: number): ProcStat | undefined {
  return readStatFile(`/proc/${pid}/stat`, pid);
}

function readStatFile(path: string, pid: number): ProcStat | undefined {
  let raw: string;
  try {
    raw = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  // comm is in parentheses and may itself contain spaces and parentheses.
  const open = raw.indexOf("(");
  const close = raw.lastIndexOf(")");
  const rest = raw.slice(close + 2).split(" ");
  return {
    pid,
    comm: raw.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
  };
}

/**
 * Every process visible in `/proc`.
 *
 * @example
 * ```ts
 * import { allProcesses } from "./processes.ts";
 * const count = allProcesses().length;
 * ```
 */
export function allProcesses(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = readStat(Number(entry.name));
    if (stat) stats.push(stat);
  }
  return stats;
}

/**
 * The descendants of `pid` (children, grandchildren, …), not `pid` itself.
 * Processes that were re-parented away (daemons) are not descendants.
 *
 * @example
 * ```ts
 * import { descendants } from "./processes.ts";
 * const tree = descendants(Deno.pid);
 * ```
 */
export function descendants(pid: number, all = allProcesses()): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const stat of all) {
    const siblings = byParent.get(stat.ppid) ?? [];
    siblings.push(stat);
    byParent.set(stat.ppid, siblings);
  }
  const found: ProcStat[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/**
 * CPU time, in clock ticks, after which `LabProcess.waitBlocked` takes a
 * program that has not blocked for one that spins: 100 ms of work,
 * far more than any program needs between receiving something and waiting
 * again.
 */
export const SPIN_CPU_TICKS = 10;

/**
 * CPU ticks used by `pid` and its live descendants.
 *
 * @example
 * ```ts
 * import { treeCpuTicks } from "./processes.ts";
 * const ticks = treeCpuTicks(Deno.pid);
 * ```
 */
export function treeCpuTicks(pid: number, all = allProcesses()): number {
  const root = all.find((s) => s.pid === pid);
  return [root, ...descendants(pid, all)]
    .reduce((sum, s) => sum + (s?.cpuTicks ?? 0), 0);
}

/**
 * Whether `pid` and its descendants are all blocked: every thread waits in
 * the kernel (state `S`, or a zombie that no longer runs), none runnable,
 * stopped or in disk sleep. `false` once `pid` is gone.
 *
 * @example
 * ```ts
 * import { treeBlocked } from "./processes.ts";
 * const child = new Deno.Command("cat", { stdin: "piped" }).spawn();
 * // Soon after it started, cat waits in the kernel for its input:
 * console.log(treeBlocked(child.pid));
 * await child.stdin.close();
 * await child.status;
 * ```
 */
export function treeBlocked(pid: number, all = allProcesses()): boolean {
  const root = all.find((s) => s.pid === pid);
  if (!root) return false;
  for (const process of [root, ...descendants(pid, all)]) {
    let threads: Deno.DirEntry[];
    try {
      threads = [...Deno.readDirSync(`/proc/${process.pid}/task`)];
    } catch {
      continue; // Gone since the listing: it runs no more.
    }
    for (const thread of threads) {
      const state = readStatFile(`/proc/${process.pid}/task/${thread.name}/stat`, Number(thread.name))?.state;
      if (state !== undefined && state !== "S" && state !== "Z") return false;
    }
  }
  return true;
}

/**
 * Number of open file descriptors of `pid`, or `undefined` if it is gone.
 *
 * @example
 * ```ts
 * import { openFdCount } from "./processes.ts";
 * const n = openFdCount(Deno.pid);
 * ```
 */
export function openFdCount(pid: number): number | undefined {
  try {
    return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
  } catch {
    return undefined;
  }
}

/**
 * The direct children of `pid` that are zombies (exited, not yet reaped).
 *
 * @example
 * ```ts
 * import { zombieChildren } from "./processes.ts";
 * const unreaped = zombieChildren(Deno.pid).length;
 * ```
 */
export function zombieChildren(pid: number, all = allProcesses()): ProcStat[] {
  return all.filter((p) => p.ppid === pid && p.state === "Z");
}

/**
 * Live processes running the same program as `pid` (same command line):
 * `pid` itself, its forked children, and any it daemonised, which are no
 * longer its descendants. Zombies have no command line and are not counted.
 *
 * @example
 * ```ts
 * import { sameProgram } from "./processes.ts";
 * const copies = sameProgram(Deno.pid).length; // 1
 * ```
 */
export function sameProgram(pid: number): number[] {
  const own = commandLine(pid);
  return own ? withCommandLine(own) : [];
}

/**
 * The command line of `pid` as `/proc` holds it (arguments each ended by
 * NUL), or `""` for a zombie or a process that is gone.
 *
 * @example
 * ```ts
 * import { commandLine } from "./processes.ts";
 * const args = commandLine(Deno.pid).split("\0").slice(0, -1);
 * ```
 */
export function commandLine(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`);
  } catch {
    return "";
  }
}

/**
 * Live processes whose command line is exactly `line` (see {@link commandLine}).
 *
 * @example
 * ```ts
 * import { withCommandLine } from "./processes.ts";
 * const sleepers = withCommandLine("sleep\x0030\x00");
 * ```
 */
export function withCommandLine(line: string): number[] {
  return allProcesses().filter((p) => p.state !== "Z" && commandLine(p.pid) === line).map((p) => p.pid);
}
