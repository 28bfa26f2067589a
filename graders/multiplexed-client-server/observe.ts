/**
 * Looking at the chat programs from outside, through `/proc` only: where
 * they wait, which epoll instances they hold, which descriptor number the
 * server gave a connection. Nothing here traces or signals the program, so
 * it behaves exactly as it would unobserved (a traced program gets SIGCHLD
 * as a stop, and its `epoll_wait` fails with EINTR where it never would).
 *
 * @module
 */

import {
  allProcesses,
  type CheckContext,
  CheckFailure,
  descendants,
  describeExit,
  EPOLL_WAIT_SYSCALLS,
  type LabProcess,
  serverSideInode,
  socketDescriptor,
  stderrExcerpt,
  type TcpPeer,
} from "../../harness/mod.ts";

/** An epoll instance a process holds: its descriptor and the descriptors it watches. */
export interface EpollInstance {
  pid: number;
  fd: number;
  watched: number[];
}

/**
 * The epoll instances held by `pid` and its descendants, read from
 * `/proc/PID/fd` (links to `anon_inode:[eventpoll]`) and
 * `/proc/PID/fdinfo/N` (one `tfd:` line per watched descriptor).
 *
 * @example
 * ```ts
 * import { epollInstances } from "./observe.ts";
 * epollInstances(Deno.pid); // Deno's own event loop: [{ pid, fd, watched: [...] }, ...]
 * ```
 */
export function epollInstances(pid: number): EpollInstance[] {
  const all = allProcesses();
  const tree = [pid, ...descendants(pid, all).map((p) => p.pid)];
  const instances: EpollInstance[] = [];
  for (const owner of tree) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`/proc/${owner}/fd`)];
    } catch {
      continue;
    }
    for (const entry of entries) {
      try {
        if (Deno.readLinkSync(`/proc/${owner}/fd/${entry.name}`) !== "anon_inode:[eventpoll]") continue;
        const info = Deno.readTextFileSync(`/proc/${owner}/fdinfo/${entry.name}`);
        const watched = [...info.matchAll(/^tfd:\s*(\d+)/gm)].map((m) => Number(m[1]));
        instances.push({ pid: owner, fd: Number(entry.name), watched });
      } catch {
        // Closed since the listing.
      }
    }
  }
  return instances;
}

/**
 * The descriptor number under which process `pid` holds the server's end
 * of `peer`'s connection to `port`, with that socket's inode; `undefined`
 * if it does not hold it (not accepted yet, or closed).
 *
 * @example
 * ```ts ignore
 * const where = serverDescriptor(server.programPid()!, clientA, t.port); // { fd: 5, inode: "123456" }
 * ```
 */
export function serverDescriptor(
  pid: number,
  peer: TcpPeer,
  port: number,
): { fd: number; inode: string } | undefined {
  const inode = serverSideInode(port, peer.localPort);
  if (inode === undefined) return undefined;
  const fd = socketDescriptor(pid, inode);
  return fd === undefined ? undefined : { fd, inode };
}

/** What each role is told to do when it does not wait in epoll. */
const EPOLL_HINT = {
  server:
    "create an epoll instance (epoll_create1), add the listening socket and every client to it, and loop on epoll_wait()",
  client:
    "add the standard input (descriptor 0) and the socket to an epoll instance and loop on epoll_wait()",
};

/** The calls that wait on several descriptors at once, but not with epoll. */
const OTHER_MULTIPLEXERS = ["poll", "ppoll", "select", "pselect6"];

/**
 * The structure check: once `program` is idle (every thread blocked), some
 * thread must be blocked in `epoll_wait`. A program that never blocks
 * (it spins, which other checks judge) passes if it holds an epoll
 * instance watching descriptors, the only sign of epoll left to see
 * without a tracer. Otherwise the failure says where it waits instead.
 *
 * @example
 * ```ts ignore
 * await say(t, server, a, "hello", [b]);
 * await requireWaitsInEpoll(t, "server", server);
 * ```
 */
export async function requireWaitsInEpoll(
  t: CheckContext,
  who: "server" | "client",
  program: LabProcess,
): Promise<void> {
  const { outcome, waits } = await program.waitingIn(t.step);
  if (outcome === "gone") {
    throw new CheckFailure(
      `the ${who} ${describeExit(program.status!)} before it was idle${stderrExcerpt(program)}`,
      EPOLL_HINT[who],
    );
  }
  const inEpoll = waits.filter((w) => EPOLL_WAIT_SYSCALLS.includes(w.syscall));
  const pid = program.programPid() ?? program.pid;
  const instances = epollInstances(pid).filter((i) => i.watched.length > 0);
  const watching = instances.length > 0
    ? ` (its epoll instance watches descriptors ${instances[0].watched.join(", ")})`
    : "";
  if (outcome === "blocked" && inEpoll.length > 0) {
    t.note(`idle, the ${who} is blocked in ${inEpoll[0].syscall}${watching}`);
    return;
  }
  if (outcome !== "blocked") {
    // Never idle: no thread stays blocked long enough to be seen waiting.
    if (instances.length > 0) {
      t.note(`the ${who} never became idle (it kept running), but it holds an epoll instance${watching}`);
      return;
    }
    throw new CheckFailure(
      `the ${who} never became idle (it kept running) and holds no epoll instance: it does not use epoll`,
      EPOLL_HINT[who],
    );
  }
  const names = [...new Set(waits.map((w) => w.syscall))];
  const multiplexers = names.filter((n) => OTHER_MULTIPLEXERS.includes(n));
  throw new CheckFailure(
    multiplexers.length > 0
      ? `idle, the ${who} is blocked in ${
        multiplexers.join(" and ")
      }, not in epoll_wait: it works, but the lab asks for epoll`
      : `idle, the ${who} is blocked in ${
        names.join(" and ")
      }, not in epoll_wait: it waits in one call (accept, recv, read or fgets) at a time instead of waiting for whichever descriptor is ready`,
    EPOLL_HINT[who],
  );
}
