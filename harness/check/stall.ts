/**
 * When a check's programs can do nothing more on their own: every one has
 * exited or waits in the kernel, without a timeout, for something only the
 * harness could bring (input, a byte, a connection), and no byte is on its
 * way between them. A wait of the harness then ends at once instead of at
 * its deadline: what it waits for can no longer happen.
 *
 * The look is read from `/proc`: each thread's state and the system call it
 * sleeps in (`/proc/PID/task/TID/syscall`, whose arguments tell a timed
 * `epoll_wait` from one without a timeout), the time each thread has run
 * (`schedstat`, which changes if anything ran between two looks), and the
 * send queues of every TCP socket. {@link ../wait.ts} asks for several
 * identical looks in a row before it gives a wait up.
 *
 * The harness's own side is counted too, byte for byte: Deno may have read
 * a program's output or a peer's bytes from the kernel and not yet handed
 * them to the check (under load, for a quarter of a second). So every byte
 * a program wrote (`wchar` of `/proc/PID/io`, which also counts what it sent
 * on sockets: the harness's connections to a port it listens on are counted
 * back, any other socket write keeps the deadline) must have reached its
 * output streams, every byte the kernel received on a harness connection
 * (`TCP_INFO`) its `received` stream, and every connection the kernel handed
 * a harness listener its `accepted` list.
 *
 * @module
 */

import { describeExit } from "../programs/process.ts";
import type { LabProcess } from "../programs/process.ts";
import type { TcpListenerPeer, TcpPeer } from "../peers/peer.ts";
import { allProcesses, descendants } from "../observe/processes.ts";
import { tcpSockets } from "../observe/sockets.ts";
import { BLOCKING_SYSCALLS } from "../observe/syscalls.ts";
import type { ProcStat } from "../observe/processes.ts";
import type { TcpSocketInfo } from "../observe/sockets.ts";

const TCP_LISTEN = "0A";
import type { StallProbe } from "../observe/wait.ts";

/**
 * The call `syscallLine` (a line of `/proc/PID/task/TID/syscall`) sleeps in
 * if it waits without a timeout, else `undefined`.
 *
 * @example
 * ```ts
 * import { untimedWait } from "./stall.ts";
 * untimedWait("232 0x3 0x55 0x3ff 0xffffffff 0x0 0x0 0x7ffd 0x7f0b", "x86_64"); // "epoll_wait"
 * untimedWait("232 0x3 0x55 0x3ff 0x3e8 0x0 0x0 0x7ffd 0x7f0b", "x86_64"); // undefined: 1 s timeout
 * ```
 */
export function untimedWait(syscallLine: string, arch: string = Deno.build.arch): string | undefined {
  const [number, ...args] = syscallLine.trim().split(" ");
  const call = BLOCKING_SYSCALLS[arch]?.[Number(number)];
  if (!call || call.timed || args.length < 6) return undefined;
  if (!call.timeout) return call.name;
  const value = BigInt(args[call.timeout.arg]);
  if (call.timeout.kind === "pointer") return value === 0n ? call.name : undefined;
  return BigInt.asIntN(32, value) < 0n ? call.name : undefined;
}

/** What one thread was doing at one look. */
interface ThreadLook {
  tid: string;
  call: string;
  ranNs: string;
}

/**
 * Looks at every thread of `pids`: `undefined` as soon as one runs, may
 * wake up by itself, or cannot be read; otherwise what each sleeps in.
 */
function lookAtThreads(pids: number[]): ThreadLook[] | undefined {
  const looks: ThreadLook[] = [];
  for (const pid of pids) {
    let threads: Deno.DirEntry[];
    try {
      threads = [...Deno.readDirSync(`/proc/${pid}/task`)];
    } catch {
      continue; // Gone since the listing.
    }
    for (const thread of threads) {
      const dir = `/proc/${pid}/task/${thread.name}`;
      let stat: string, syscall: string, schedstat: string;
      try {
        stat = Deno.readTextFileSync(`${dir}/stat`);
        if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") continue;
        syscall = Deno.readTextFileSync(`${dir}/syscall`);
        schedstat = Deno.readTextFileSync(`${dir}/schedstat`);
      } catch {
        return undefined;
      }
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      const call = state === "S" ? untimedWait(syscall) : undefined;
      if (!call) return undefined;
      looks.push({ tid: thread.name, call, ranNs: schedstat.split(" ")[0] });
    }
  }
  return looks;
}

/** The descriptors of this process's sockets, by inode. */
function ownSockets(): Map<string, number> {
  const sockets = new Map<string, number>();
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      const target = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
      if (target.startsWith("socket:[")) sockets.set(target.slice(8, -1), Number(entry.name));
    } catch {
      // Closed since the listing.
    }
  }
  return sockets;
}

let libc:
  | Deno.DynamicLibrary<
    { getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"]; result: "i32" } }
  >
  | undefined;

/** Bytes the kernel has received on socket `fd` (`tcpi_bytes_received`), or `undefined`. */
function bytesReceived(fd: number): bigint | undefined {
  try {
    libc ??= Deno.dlopen(
      "libc.so.6",
      {
        getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
      } as const,
    );
  } catch {
    return undefined; // No FFI here: nothing is found stalled.
  }
  const info = new Uint8Array(256);
  const length = new Uint32Array([info.length]);
  const IPPROTO_TCP = 6, TCP_INFO = 11, BYTES_RECEIVED_OFFSET = 128;
  if (libc.symbols.getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, new Uint8Array(length.buffer)) !== 0) {
    return undefined;
  }
  if (length[0] < BYTES_RECEIVED_OFFSET + 8) return undefined;
  return new DataView(info.buffer).getBigUint64(BYTES_RECEIVED_OFFSET, true);
}

/** Bytes `pid` has written (`wchar`), or `undefined` if unreadable. */
function bytesWritten(pid: number): number | undefined {
  try {
    const match = /wchar:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/io`));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes the harness received on its connections to a port `program` listens
 * on (now, through any process of its `tree`), made since it started:
 * `wchar` counts what the program sent on them too, so without these a
 * server that ever replied would never be found stalled. Only bytes the
 * program surely sent are counted, so `wchar` minus them still bounds what
 * it wrote to its output. (A reply from a grandchild reaped by another
 * process than the program is not in the program's `wchar` but is counted
 * here: a daemonising server, which no-zombies fails anyway.)
 */
function repliesReceivedFrom(
  program: LabProcess,
  tree: number[],
  peers: (TcpPeer | TcpListenerPeer)[],
  sockets: TcpSocketInfo[],
): number {
  const listening = sockets.filter((s) => s.state === TCP_LISTEN);
  if (listening.length === 0) return 0;
  const held = new Set<string>();
  for (const pid of tree) {
    try {
      for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
        try {
          const target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
          if (target.startsWith("socket:[")) held.add(target.slice(8, -1));
        } catch {
          // Closed since the listing.
        }
      }
    } catch {
      // Gone since the listing.
    }
  }
  const ports = new Set(listening.filter((s) => held.has(s.inode)).map((s) => s.localPort));
  let bytes = 0;
  for (const peer of peers) {
    if ("listener" in peer || !peer.pumped) continue;
    if (ports.has(peer.remotePort) && peer.openedAt >= program.startedAt) bytes += peer.received.totalBytes;
  }
  return bytes;
}

/**
 * Whether the check has been handed everything the kernel gave the harness:
 * each program's output, each harness connection's bytes, each listener's
 * connections.
 */
function harnessCaughtUp(
  programs: LabProcess[],
  peers: (TcpPeer | TcpListenerPeer)[],
  sockets: TcpSocketInfo[],
  mine: Map<string, number>,
  all: ProcStat[],
): boolean {
  for (const program of programs) {
    if (!program.running) {
      // The end of the output comes after all of it.
      if (!program.stdout.ended || !program.stderr.ended) return false;
      continue;
    }
    const tree = [program.pid, ...descendants(program.pid, all).map((p) => p.pid)];
    let written = 0;
    for (const pid of tree) {
      const bytes = bytesWritten(pid);
      if (bytes === undefined) return false;
      written += bytes;
    }
    const output = program.stdout.totalBytes + program.stderr.totalBytes;
    if (written > output + repliesReceivedFrom(program, tree, peers, sockets)) return false;
  }
  const connections: TcpPeer[] = [];
  for (const peer of peers) {
    if ("listener" in peer) {
      const port = (peer.listener.addr as Deno.NetAddr).port;
      const handedOver = sockets.filter((s) =>
        s.localPort === port && s.state !== TCP_LISTEN && mine.has(s.inode)
      );
      if (handedOver.length > peer.accepted.length) return false;
      connections.push(...peer.accepted);
    } else {
      connections.push(peer);
    }
  }
  const held = new Set<string>();
  for (const peer of connections) {
    let local: number, remote: number;
    try {
      local = (peer.conn.localAddr as Deno.NetAddr).port;
      remote = (peer.conn.remoteAddr as Deno.NetAddr).port;
    } catch {
      continue; // Closed by the check.
    }
    const socket = sockets.find((s) => s.localPort === local && s.remotePort === remote && mine.has(s.inode));
    if (!socket) continue;
    held.add(socket.inode);
    if (!peer.pumped) return false;
    const received = bytesReceived(mine.get(socket.inode)!);
    if (received === undefined || received > BigInt(peer.received.totalBytes)) return false;
  }
  // A connection of the harness's the check does not hold yet: a connect()
  // the kernel has completed (the server may even have accepted it) and
  // Deno has not yet resolved, under load.
  return !sockets.some((s) => s.state !== TCP_LISTEN && mine.has(s.inode) && !held.has(s.inode));
}

/**
 * The stall probe of one check: the programs it started (and, inside a
 * check's sandbox, every process there but the harness and the sandbox's
 * init) must all be gone or asleep for good, with no TCP byte unacknowledged
 * and none unread by the harness.
 *
 * @example
 * ```ts ignore
 * import { ProgramStallProbe } from "./stall.ts";
 * import { watchStalls } from "../observe/wait.ts";
 * watchStalls(new ProgramStallProbe(() => processes));
 * ```
 */
export class ProgramStallProbe implements StallProbe {
  /** Whether this process is the runner inside a check's own PID namespace. */
  readonly #sandboxed: boolean;

  constructor(
    readonly programs: () => LabProcess[],
    readonly peers: () => (TcpPeer | TcpListenerPeer)[] = () => [],
  ) {
    let init = "";
    try {
      init = Deno.readTextFileSync("/proc/1/comm").trim();
    } catch {
      // No /proc: nothing will be found stalled.
    }
    this.#sandboxed = init === "sandbox_init";
  }

  still(): { key: string; confirm: () => boolean; why: () => string } | undefined {
    const programs = this.programs();
    if (programs.length === 0) return undefined;
    const all = allProcesses();
    const pids = this.#watchedPids(programs, all);
    // Cheap first: any process not asleep means something still happens.
    if (pids.some((pid) => !["S", "Z"].includes(all.find((p) => p.pid === pid)?.state ?? "Z"))) {
      return undefined;
    }
    const threads = lookAtThreads(pids);
    if (!threads) return undefined;
    const exited = programs.filter((p) => !p.running).map((p) => p.label);
    return {
      key: JSON.stringify([threads, exited]),
      confirm: () => {
        // Nothing sent and not yet acknowledged, nothing received and not yet read.
        const sockets = tcpSockets();
        if (sockets.some((s) => s.txQueue > 0)) return false;
        const mine = ownSockets();
        if (sockets.some((s) => s.rxQueue > 0 && mine.has(s.inode))) return false;
        return harnessCaughtUp(programs, this.peers(), sockets, mine, allProcesses());
      },
      why: () => this.#explain(programs, threads),
    };
  }

  #watchedPids(programs: LabProcess[], all: ProcStat[]): number[] {
    if (this.#sandboxed) return all.map((p) => p.pid).filter((pid) => pid !== 1 && pid !== Deno.pid);
    const pids = new Set<number>();
    for (const program of programs) {
      if (!program.running) continue;
      pids.add(program.pid);
      for (const child of descendants(program.pid, all)) pids.add(child.pid);
    }
    return [...pids];
  }

  #explain(programs: LabProcess[], threads: ThreadLook[]): string {
    const exited = programs.filter((p) => !p.running).map((program) => {
      const printed = (program.stderr.text || program.stdout.text).trim();
      return `the ${program.label} ${describeExit(program.status!)}${
        printed ? ` (it printed ${JSON.stringify(printed.slice(-200))})` : ""
      }`;
    });
    const waiting = programs.filter((p) => p.running).map((program) => {
      const call = threads.find((t) => t.tid === String(program.programPid() ?? program.pid))?.call;
      return `the ${program.label} waits in ${call ? `${call}()` : "the kernel"}`;
    });
    const parts = [...exited];
    if (waiting.length > 0) parts.push(`${waiting.join(", ")}, with nothing on its way`);
    return parts.join("; ");
  }
}
