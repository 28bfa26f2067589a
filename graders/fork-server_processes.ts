/**
 * Which processes serve the fork-server's clients, read from `/proc`
 * without tracing anything: the holders of each connection's server end.
 *
 * @module
 */

import { type CheckContext, readStat, settle, type TcpPeer } from "../harness/mod.ts";

/**
 * Gives each client a serving process of its own, if possible: `holders[i]`
 * are the processes holding client i's connection, and the server itself
 * serves no one. A process can hold several connections without serving
 * them (a child forked while the parent still held earlier descriptors
 * inherits them), so this looks for a one-to-one assignment, not for
 * disjoint sets.
 *
 * @returns the serving process of each client, or `undefined` when fewer
 *   processes than clients share the work
 *
 * @example
 * ```ts
 * import { distinctServers } from "./fork-server_processes.ts";
 * distinctServers([[1, 10], [1, 10, 11]], 1); // [10, 11]
 * distinctServers([[10], [10]], 1); // undefined
 * ```
 */
export function distinctServers(holders: number[][], serverPid: number | undefined): number[] | undefined {
  const candidates = holders.map((pids) => [...new Set(pids)].filter((pid) => pid !== serverPid));
  const chosen: number[] = [];
  const assign = (client: number): boolean => {
    if (client === candidates.length) return true;
    for (const pid of candidates[client]) {
      if (chosen.includes(pid)) continue;
      chosen.push(pid);
      if (assign(client + 1)) return true;
      chosen.pop();
    }
    return false;
  };
  return assign(0) ? chosen : undefined;
}

/**
 * Says, for people, who held each client's connection when a wait for
 * child processes gave up, clients in the same plight together.
 *
 * @example
 * ```ts
 * import { describeHolders } from "./fork-server_processes.ts";
 * describeHolders([[7], [7], []], 7);
 * // "clients 1 and 2 were held by the server process itself (pid 7); client 3 was not accepted yet"
 * ```
 */
export function describeHolders(holders: number[][], serverPid: number | undefined): string {
  const plights = new Map<string, number[]>();
  holders.forEach((pids, i) => {
    const others = pids.filter((pid) => pid !== serverPid);
    const plight = pids.length === 0
      ? "not accepted yet"
      : others.length === 0
      ? `held by the server process itself (pid ${serverPid})`
      : `held by process${others.length === 1 ? "" : "es"} ${others.join(", ")}`;
    plights.set(plight, [...plights.get(plight) ?? [], i + 1]);
  });
  return [...plights].map(([plight, clients]) =>
    clients.length === 1
      ? `client ${clients[0]} was ${plight}`
      : `clients ${clients.slice(0, -1).join(", ")} and ${clients.at(-1)} were ${plight}`
  ).join("; ");
}

/**
 * Connects a silent client and waits (one step) until it is served by a
 * process that is not a child of the server: a grandchild that `daemon()`
 * or a double fork left, re-parented once its parent exited. Explains
 * zombies whose every child exits at once.
 *
 * @example
 * ```ts ignore
 * if (await servedByGrandchild(t, serverPid)) t.note("each client is served by a grandchild");
 * ```
 */
export async function servedByGrandchild(t: CheckContext, serverPid: number): Promise<boolean> {
  let probe: TcpPeer | undefined;
  try {
    probe = await t.connect({ label: "silent client (who serves it?)" });
    const peer = probe;
    const servedElsewhere = () => {
      const servers = t.connectionHolders(peer).filter((pid) => pid !== serverPid);
      return servers.length > 0 && servers.every((pid) => {
        const parent = readStat(pid)?.ppid;
        return parent !== undefined && parent !== serverPid;
      });
    };
    return (await settle(servedElsewhere, (yes) => yes, t.step)).ok;
  } finally {
    await probe?.close();
  }
}
