/**
 * How the `async-server` grader sees the shape of a server without
 * changing what it does: where its threads wait, which processes hold its
 * connections, all read from `/proc` (its children over time are
 * lifecycle.ts's). Nothing here traces the server: under `ptrace` the
 * SIGCHLD that the lab's servers ignore would stop them, and their
 * `epoll_wait` would fail with EINTR where it never does unobserved.
 *
 * @module
 */

import {
  acceptQueueLength,
  CheckFailure,
  DeadlineError,
  EPOLL_WAIT_SYSCALLS,
  type LabProcess,
  pollUntil,
  require,
  type TcpPeer,
  treeBlocked,
} from "../../harness/mod.ts";
import type { AsyncServerContext } from "./settings.ts";
import { requireRunning } from "./lifecycle.ts";

/**
 * Requires the server, once it is back to waiting, to wait in `epoll_wait`
 * (or `epoll_pwait`) in its own process; otherwise says what it waited in
 * (`poll`, `select`, `accept`, …), or that it never waited at all.
 *
 * @example
 * ```ts ignore
 * await requireEpollWaits(t, server, "before any client connected");
 * ```
 */
export async function requireEpollWaits(
  t: AsyncServerContext,
  server: LabProcess,
  when: string,
): Promise<void> {
  const { outcome, waits } = await server.waitingIn(t.step);
  requireRunning(server, when);
  const own = waits.filter((w) => w.pid === server.programPid());
  if (own.some((w) => EPOLL_WAIT_SYSCALLS.includes(w.syscall))) {
    t.transcript.note(`${when}, the server waits in epoll_wait`);
    return;
  }
  const hint =
    "wait for connections with epoll: epoll_create1, epoll_ctl(EPOLL_CTL_ADD) on the listening socket, then epoll_wait";
  require(
    outcome !== "spinning",
    `${when}, the server never waited for anything: it kept using the CPU (a busy loop), never blocking in epoll_wait`,
    hint,
  );
  const where = [...new Set(own.map((w) => w.syscall))].join(", ");
  throw new CheckFailure(
    outcome === "blocked"
      ? `${when}, the server waited in ${where}, not in epoll_wait`
      : `${when}, the server did not settle to wait within ${t.step} ms (its threads: ${where})`,
    hint,
  );
}

/** How many threads process `pid` runs. */
function threadCount(pid: number): number {
  try {
    return [...Deno.readDirSync(`/proc/${pid}/task`)].length;
  } catch {
    return 0;
  }
}

/** Two processes other than the server, one holding each of two connections, if there are such. */
function servingApart(holders: number[][], serverPid: number | undefined): [number, number] | undefined {
  const [first, second] = holders.map((pids) => pids.filter((pid) => pid !== serverPid));
  return first.flatMap((a) => second.filter((b) => b !== a).map((b): [number, number] => [a, b]))[0];
}

/**
 * Waits until the server has taken up freshly connected, silent clients as
 * far as it will: each connection accepted (or one left in the accept
 * queue) and the whole server waiting again. Returns who then holds each
 * connection, or `undefined` if the server never settled within a step.
 */
async function holdersOnceSettled(t: AsyncServerContext, server: LabProcess, clients: TcpPeer[]) {
  const pid = server.programPid();
  const holders = () => clients.map((client) => t.connectionHolders(client));
  const settled = await pollUntil(() => {
    if (!server.running || pid === undefined) return false;
    if (!treeBlocked(pid)) return undefined;
    const accepted = holders().every((pids) => pids.length > 0);
    return accepted || (acceptQueueLength(t.port) ?? 0) > 0 ? true : undefined;
  }, { timeoutMs: t.step, what: "the server to take up its clients" }).catch((error) => {
    if (error instanceof DeadlineError) return false;
    throw error;
  });
  return settled ? { pid, holders: holders() } : undefined;
}

/**
 * Requires each of two clients to be served by a child process of its own:
 * its connection held by a process other than the server, a different one
 * for each client. A server that serves them itself, in one loop or in
 * threads, never hands a connection off. The clients are looked at twice:
 * connected and silent (a server that forks at accept() has handed them
 * off, before any byte could let its child finish and close), then after
 * `startUploads` sent a little on each (the lab's solution forks when a
 * client's first bytes arrive).
 *
 * @example
 * ```ts ignore
 * const clients: [TcpPeer, TcpPeer] = [await t.connect(), await t.connect()];
 * await requireForkPerClient(t, server, clients, () => sendALittleOnEach(clients));
 * ```
 */
export async function requireForkPerClient(
  t: AsyncServerContext,
  server: LabProcess,
  clients: [TcpPeer, TcpPeer],
  startUploads: () => Promise<void>,
): Promise<void> {
  const hint =
    "part 2 of the lab: after accept(), fork() and let the child serve the client (threads do not count)";
  const noteServed = ([first, second]: [number, number]) =>
    t.note(
      `the ${clients[0].label} is served by process ${first}, the ${clients[1].label} by process ${second}`,
    );
  const early = await holdersOnceSettled(t, server, clients);
  const apartEarly = early && servingApart(early.holders, early.pid);
  if (apartEarly) return noteServed(apartEarly);

  await startUploads();
  const { handedOff, holders, serverPid } = await t.waitServedByChildren(server, clients);
  const when = "with 2 clients connected and silent in the middle of their uploads";
  requireRunning(server, when);
  const apart = servingApart(holders, serverPid);
  if (handedOff && apart) return noteServed(apart);
  const others = holders.map((pids) => pids.filter((pid) => pid !== serverPid));
  require(
    !handedOff,
    `${when}, both connections were held by the same process (${
      others[0].join(", ")
    }), not one child per client`,
    hint,
  );
  const threads = serverPid === undefined ? 0 : threadCount(serverPid);
  const what = clients.map((client, i) =>
    client.received.ended
      ? `the server closed the ${client.label}'s connection`
      : holders[i].length === 0
      ? `the ${client.label}'s connection was not accepted`
      : others[i].length === 0
      ? `the ${client.label}'s connection was held only by the server process itself`
      : `the ${client.label} was served by process ${others[i].join(", ")}`
  );
  throw new CheckFailure(
    `${when}, ${what.join("; ")}${
      threads > 1 ? ` (the server runs ${threads} threads: threads share its process)` : ""
    }: no child process of its own serves each client`,
    hint,
  );
}
