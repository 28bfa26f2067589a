/**
 * Waiting until a server has `accept()`ed connections, read from
 * `/proc/net/tcp` (its end of each connection, its listener's accept queue),
 * so that no connection is spent on probing.
 *
 * @module
 */

import { CheckFailure } from "../observe/failure.ts";
import { acceptQueueLength, tcpSockets } from "../observe/sockets.ts";
import type { TcpSocketInfo } from "../observe/sockets.ts";
import { describeExit, stderrExcerpt } from "../programs/process.ts";
import type { LabProcess } from "../programs/process.ts";
import { DeadlineError, formatMs, pollUntil, StalledError } from "../observe/wait.ts";

/** Whether the wait is over, given the TCP sockets and the connections waiting in the accept queue. */
export type AcceptedTest = (sockets: TcpSocketInfo[], waiting: number) => boolean;

/**
 * Polls `/proc/net/tcp` until `accepted` holds, failing the check when
 * `timeoutMs` passes (or nothing can change any more) or `server` exits.
 * `who` names what is accepted, for the rationale.
 *
 * @example
 * ```ts ignore
 * import { waitAccepted } from "./accept.ts";
 * await waitAccepted(3000, 5000, (_sockets, waiting) => waiting === 0, "the harness client", server);
 * ```
 */
export async function waitAccepted(
  timeoutMs: number,
  port: number,
  accepted: AcceptedTest,
  who: string,
  server?: LabProcess,
): Promise<void> {
  let waiting = 0;
  const done = await pollUntil(() => {
    // The lab's servers listen on IPv4: read IPv6 only if the listener is not there.
    let sockets = tcpSockets(["ipv4"]);
    if (acceptQueueLength(port, sockets) === undefined) sockets = tcpSockets();
    waiting = acceptQueueLength(port, sockets) ?? 0;
    if (accepted(sockets, waiting)) return true;
    if (server && !server.running) return false;
    return undefined;
  }, { timeoutMs, intervalMs: 2, what: `the server to accept ${who}` }).catch((error) => {
    if (!(error instanceof DeadlineError)) throw error;
    throw new CheckFailure(
      `the ${server?.label ?? "server"} did not accept() ${who} ${
        error instanceof StalledError
          ? `and nothing could make it any more (${error.why})`
          : `within ${formatMs(timeoutMs)}`
      }${
        waiting > 0
          ? ` (${waiting} connection${waiting === 1 ? " was" : "s were"} waiting to be accepted)`
          : ""
      }`,
      // Every lab that waits on accepts is an epoll lab; a hint of its own would change their reports.
      "keep the listening socket in the epoll set and accept() a new client each time it is readable",
    );
  });
  if (!done) {
    throw new CheckFailure(
      `the ${server!.label} ${describeExit(server!.status!)} before it accepted ${who}${
        stderrExcerpt(server!)
      }`,
    );
  }
}
