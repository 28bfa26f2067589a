/**
 * The fork-server's zombies, tracked by pid: a child that exited may stay a
 * zombie for a while (a server may reap on its next `accept()`), but one
 * still unreaped after later requests is never reaped. Children that exit
 * together are made to on purpose: their `SIGCHLD` signals then merge into
 * one, which a handler calling `wait()` once per signal does not survive.
 *
 * @module
 */

import {
  allProcesses,
  type CheckContext,
  type LabProcess,
  readStat,
  settle,
  type TcpPeer,
} from "../harness/mod.ts";
import { distinctServers } from "./fork-server_processes.ts";
import { ask, connectClient, requireReply } from "./fork-server_requests.ts";

/**
 * Requests asked after children exited, before their zombies must be gone.
 * Tolerance: the handout asks that the parent reap its children, not when;
 * a server that reaps before each `accept()` reaps at the next request.
 */
export const LATER_REQUESTS = 2;

/** How many children are made to exit at the same moment. */
export const CHILDREN_EXITING_TOGETHER = 8;

/**
 * The pids of `parent`'s children that exited and were not reaped.
 *
 * @example
 * ```ts ignore
 * const unreaped = zombieChildPids(server.pid);
 * ```
 */
export function zombieChildPids(parent: number): number[] {
  return allProcesses().filter((p) => p.ppid === parent && p.state === "Z").map((p) => p.pid);
}

/**
 * Asks {@link LATER_REQUESTS} more requests, then waits (two steps at most)
 * until none of `zombies` is an unreaped child of the server any more.
 *
 * @returns the pids still unreaped then
 *
 * @example
 * ```ts ignore
 * const stuck = await stillUnreapedLater(t, server, zombieChildPids(server.pid));
 * ```
 */
export async function stillUnreapedLater(
  t: CheckContext,
  server: LabProcess,
  zombies: number[],
): Promise<number[]> {
  for (let i = 0; i < LATER_REQUESTS; i++) await ask(t, String(20 + i));
  const unreaped = () => {
    const now = new Set(zombieChildPids(server.pid));
    return zombies.filter((pid) => now.has(pid));
  };
  return (await settle(unreaped, (pids) => pids.length === 0, 2 * t.step)).value;
}

/**
 * Makes {@link CHILDREN_EXITING_TOGETHER} children exit at the same moment,
 * for certain rather than by luck: that many silent clients are each served
 * by a child, the server process itself is stopped (`SIGSTOP`, as a server
 * busy elsewhere is descheduled), every client then gets its reply and its
 * child exits, and the server is resumed. It finds one `SIGCHLD` pending for
 * them all: signals of one kind do not queue.
 *
 * @returns the pids of the serving children that were zombies when the
 *   server was resumed (a grandchild that served is no child of the server), or `undefined` when the clients were not served by processes
 *   of their own (forks-per-client judges that)
 *
 * @example
 * ```ts ignore
 * const exitedTogether = await childrenExitTogether(t, server);
 * ```
 */
export async function childrenExitTogether(
  t: CheckContext,
  server: LabProcess,
): Promise<number[] | undefined> {
  const clients: TcpPeer[] = [];
  try {
    for (let i = 1; i <= CHILDREN_EXITING_TOGETHER; i++) {
      clients.push(await connectClient(t, `silent client ${i} (its child will exit with the others)`));
    }
    const { handedOff, holders, serverPid } = await t.waitServedByChildren(server, clients);
    const servers = handedOff ? distinctServers(holders, serverPid) : undefined;
    if (!servers || serverPid === undefined) {
      t.note(`${CHILDREN_EXITING_TOGETHER} silent clients were not each served by a process of its own`);
      return undefined;
    }
    t.transcript.note("the server process is stopped (SIGSTOP) while its children reply and exit");
    signal(serverPid, "SIGSTOP");
    try {
      // A client left without its reply is judged by the checks of replies, not here.
      await Promise.allSettled(clients.map((peer) => requireReply(t, peer, "1")));
      // Children that return to the accept loop never exit: children-exit judges them.
      const exitedOrGone = () => servers.every((pid) => (readStat(pid)?.state ?? "Z") === "Z");
      await settle(exitedOrGone, (all) => all, 2 * t.step);
      const zombies = new Set(zombieChildPids(serverPid));
      return servers.filter((pid) => zombies.has(pid));
    } finally {
      signal(serverPid, "SIGCONT");
      t.transcript.note("the server process is resumed (SIGCONT)");
    }
  } finally {
    await Promise.all(clients.map((peer) => peer.close()));
  }
}

/** Sends `sig` to `pid`; a process already gone is not an error here. */
function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // Gone: the checks that need the server say so.
  }
}
