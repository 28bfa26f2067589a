/**
 * What the kernel tells about processes and sockets through `/proc`: CPU
 * time, open descriptors, children, zombies, listening ports.
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
 * import { readStat } from "./procfs.ts";
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
 * import { allProcesses } from "./procfs.ts";
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
 * import { descendants } from "./procfs.ts";
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
 * import { treeCpuTicks } from "./procfs.ts";
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
 * import { treeBlocked } from "./procfs.ts";
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
 * import { openFdCount } from "./procfs.ts";
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
 * Where `pid` sleeps in the kernel (`ep_poll`, `do_select`, …), if known.
 *
 * @example
 * ```ts
 * import { waitChannel } from "./procfs.ts";
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

/** TCP states as `/proc/net/tcp` numbers them. */
const TCP_LISTEN = "0A";

/**
 * Whether some socket in this network namespace listens on TCP `port`.
 *
 * @example
 * ```ts
 * import { isListening } from "./procfs.ts";
 * if (isListening(5000)) console.log("a server is up");
 * ```
 */
export function isListening(port: number): boolean {
  // The labs listen on IPv4: the IPv6 table is read only when that finds nothing.
  const listens = (family: "ipv4" | "ipv6") =>
    tcpSockets([family]).some((s) => s.localPort === port && s.state === TCP_LISTEN);
  return listens("ipv4") || listens("ipv6");
}

/**
 * The direct children of `pid` that are zombies (exited, not yet reaped).
 *
 * @example
 * ```ts
 * import { zombieChildren } from "./procfs.ts";
 * const unreaped = zombieChildren(Deno.pid).length;
 * ```
 */
export function zombieChildren(pid: number, all = allProcesses()): ProcStat[] {
  return all.filter((p) => p.ppid === pid && p.state === "Z");
}

/** One TCP socket of this network namespace, as `/proc/net/tcp` lists it. */
export interface TcpSocketInfo {
  localPort: number;
  remotePort: number;
  /** `/proc/net/tcp` state number in hex: `01` established, `0A` listen, `08` close-wait, … */
  state: string;
  /**
   * For a listening socket, connections waiting in its accept queue; for
   * others, bytes received and not yet read by the application.
   */
  rxQueue: number;
  /** Bytes sent and not yet acknowledged. */
  txQueue: number;
  /** Socket inode (as in `/proc/PID/fd/N -> socket:[inode]`). */
  inode: string;
}

/** `/proc/net/tcp` state of an established connection. */
export const TCP_ESTABLISHED = "01";

/**
 * Every TCP socket of this network namespace, IPv4 and IPv6 by default.
 *
 * Each table read walks the kernel's whole connection hash, every
 * namespace's (about 10 ms on a large machine, even for an empty
 * namespace): ask for `["ipv4"]` alone when that is enough.
 *
 * @example
 * ```ts
 * import { tcpSockets } from "./procfs.ts";
 * const listening = tcpSockets(["ipv4"]).filter((s) => s.state === "0A");
 * ```
 */
export function tcpSockets(families: ("ipv4" | "ipv6")[] = ["ipv4", "ipv6"]): TcpSocketInfo[] {
  const sockets: TcpSocketInfo[] = [];
  const port = (address: string) => parseInt(address.slice(address.lastIndexOf(":") + 1), 16);
  const tables = families.map((family) => family === "ipv4" ? "/proc/net/tcp" : "/proc/net/tcp6");
  for (const table of tables) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const [tx, rx] = fields[4].split(":");
      sockets.push({
        localPort: port(fields[1]),
        remotePort: port(fields[2]),
        state: fields[3],
        txQueue: parseInt(tx, 16),
        rxQueue: parseInt(rx, 16),
        inode: fields[9],
      });
    }
  }
  return sockets;
}

/**
 * How many connections wait in the accept queue of the socket listening on
 * `port` (completed handshakes the server has not `accept()`ed yet), or
 * `undefined` if nothing listens there.
 *
 * @example
 * ```ts
 * import { acceptQueueLength } from "./procfs.ts";
 * const waiting = acceptQueueLength(5000) ?? 0;
 * ```
 */
export function acceptQueueLength(port: number, sockets = tcpSockets()): number | undefined {
  const listeners = sockets.filter((s) => s.localPort === port && s.state === TCP_LISTEN);
  if (listeners.length === 0) return undefined;
  return listeners.reduce((sum, s) => sum + s.rxQueue, 0);
}

/**
 * Live processes running the same program as `pid` (same command line):
 * `pid` itself, its forked children, and any it daemonised, which are no
 * longer its descendants. Zombies have no command line and are not counted.
 *
 * @example
 * ```ts
 * import { sameProgram } from "./procfs.ts";
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
 * import { commandLine } from "./procfs.ts";
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
 * import { withCommandLine } from "./procfs.ts";
 * const sleepers = withCommandLine("sleep\x0030\x00");
 * ```
 */
export function withCommandLine(line: string): number[] {
  return allProcesses().filter((p) => p.state !== "Z" && commandLine(p.pid) === line).map((p) => p.pid);
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
 * import { threadWaits } from "./procfs.ts";
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

/**
 * The inode of the server's end of the connection from local port
 * `clientPort` to `port`, once the server has accepted it (a connection
 * still in the accept queue has no socket yet), else `undefined`.
 *
 * @example
 * ```ts ignore
 * import { serverSideInode } from "./procfs.ts";
 * const inode = serverSideInode(5000, peer.localPort);
 * ```
 */
export function serverSideInode(port: number, clientPort: number): string | undefined {
  return tcpSockets(["ipv4", "ipv6"]).find((s) =>
    s.localPort === port && s.remotePort === clientPort && s.inode !== "0"
  )?.inode;
}

/**
 * The descriptor number under which `pid` holds socket `inode`, if it does.
 *
 * @example
 * ```ts
 * import { socketDescriptor } from "./procfs.ts";
 * socketDescriptor(Deno.pid, "0"); // undefined: no socket has inode 0
 * ```
 */
export function socketDescriptor(pid: number, inode: string): number | undefined {
  const wanted = `socket:[${inode}]`;
  let fds: Deno.DirEntry[];
  try {
    fds = [...Deno.readDirSync(`/proc/${pid}/fd`)];
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      if (Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`) === wanted) return Number(fd.name);
    } catch {
      // Closed since the listing.
    }
  }
  return undefined;
}

/**
 * The processes that hold socket `inode` open (see {@link socketDescriptor}),
 * threads counted once, as their process.
 *
 * @example
 * ```ts ignore
 * import { serverSideInode, socketHolders } from "./procfs.ts";
 * const inode = serverSideInode(5000, 41234);
 * const pids = inode ? socketHolders(inode) : [];
 * ```
 */
export function socketHolders(inode: string): number[] {
  return [...Deno.readDirSync("/proc")]
    .filter((entry) => /^\d+$/.test(entry.name))
    .map((entry) => Number(entry.name))
    .filter((pid) => socketDescriptor(pid, inode) !== undefined);
}
