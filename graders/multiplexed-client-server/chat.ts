/**
 * The chat as the harness drives it: unique message texts, harness clients
 * joining the student's server, broadcasts that every listener must receive,
 * and what to say when the server died on the way.
 *
 * @module
 */

import {
  type CheckContext,
  CheckFailure,
  describeExit,
  type LabProcess,
  readStat,
  stderrExcerpt,
  type TcpPeer,
} from "../../harness/mod.ts";

/** Why a client that means to leave may not: its way out ends only the inner loop. */
const LEAVE_BOTH_LOOPS =
  "; in C, a break inside the for loop over epoll's events leaves only that loop, not the while loop around it";

/**
 * What to do, per fault: the hint each failure carries.
 *
 * @example
 * ```ts ignore
 * throw new CheckFailure("client B received nothing", HINT.broadcast);
 * ```
 */
export const HINT = {
  broadcast: "for each message, send() it to every connected client except the one it came from",
  register: "after accept(), add the new socket to the epoll set (EPOLL_CTL_ADD) and to your list of clients",
  noEcho: "when broadcasting, skip the socket the message was received from",
  leftovers: "send exactly the bytes recv() returned (its return value), not strlen() of an old buffer",
  drain:
    "when epoll reports a socket readable, serve everything waiting there: with EPOLLET, recv() on the non-blocking socket until it fails with EAGAIN (level-triggered epoll reports the socket again by itself)",
  order: "forward each message as soon as it is received, in the order recv() returns the bytes",
  stream:
    "one recv() may return several messages, or part of one: forward all the bytes it returned (newlines included), not just the first line",
  leave:
    "when recv() returns 0 or -1, remove that client (EPOLL_CTL_DEL, close(), out of your list) and keep serving the others",
  sigpipe:
    "a send() to a client that has gone raises SIGPIPE: ignore it (signal(SIGPIPE, SIG_IGN) or MSG_NOSIGNAL) and drop the client when send() fails",
  failedSend:
    "when send() to one member fails (ECONNRESET, EPIPE), remember that member for removal and go on sending to the others: do not break out of, or return from, the broadcast loop",
  exactlyOnce:
    "when a client leaves, take it out of your list of clients as well as out of the epoll set; a newcomer often gets the same descriptor number, and a stale entry makes it receive every message twice",
  scale:
    "keep the accepted sockets in a list (or array) that grows with the clients; do not scan a fixed range of descriptor numbers",
  slots:
    "keep the clients in a structure whose room is used again: a list, or a table in which a newcomer takes the slot of a client that left; a table that only ever hands out the next slot runs out after as many joins as it has slots, however few clients are connected",
  idle:
    "block in epoll_wait() with a timeout of -1; a timeout of 0, non-blocking sockets polled in a loop, or a departed client left in the epoll set (its end of file is readable forever) make the server spin",
  closeOnLeave:
    "close() the socket of a client that leaves, whether recv() returned 0 (closed) or -1 (reset)",
  clientWaits:
    "wait for the standard input and the socket at once (epoll_wait on both); a client blocked in fgets() sees nothing until a line is typed",
  clientSends: "when epoll reports the standard input readable, read the line and send() it to the server",
  clientPaste:
    "read the standard input with read() (not fgets() or input(), whose buffer keeps the lines epoll no longer reports) and send every complete line the read returned",
  clientExit:
    `compare each typed line with "exit" (without its newline), then close the socket and return 0${LEAVE_BOTH_LOOPS}`,
  clientEof:
    `read() returning 0 (or fgets() returning NULL) on the standard input means its end: close and return 0${LEAVE_BOTH_LOOPS}`,
  serverGone:
    `recv() returning 0 means the server closed the connection: print a notice, close the socket and return 0${LEAVE_BOTH_LOOPS}`,
};

/** A unique message text; `tag` tells who sent it in transcripts.
 *
 * @example
 * ```ts ignore
 * message("A1"); // "A1: the quick brown fox"
 * ```
 */
export function message(tag: string, body = "the quick brown fox"): string {
  return `${tag}: ${body}`;
}

/** A 255-byte message (the protocol's maximum) of letters that do not repeat in a pattern.
 *
 * @example
 * ```ts ignore
 * longMessage("C1").length; // 255
 * ```
 */
export function longMessage(tag: string): string {
  let text = `${tag}-255:`;
  // A small linear congruential sequence (period 65536): no stretch of it recurs within 255 letters.
  for (let x = 7; text.length < 254;) {
    x = (x * 75 + 74) % 65537;
    text += String.fromCharCode(97 + (x % 26));
  }
  return text + "!";
}

/** Client labels: client A, B, C, … then numbers.
 *
 * @example
 * ```ts ignore
 * clientName(2); // "C"
 * ```
 */
export function clientName(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : String(index + 1);
}

/** Describes a server that is gone, with the hint its way of ending calls for.
 *
 * @example
 * ```ts ignore
 * if (!server.running) throw serverDied(server, "after client A left");
 * ```
 */
export function serverDied(server: LabProcess, during: string): CheckFailure {
  const status = server.status!;
  return new CheckFailure(
    `the server ${describeExit(status)} ${during}${stderrExcerpt(server)}`,
    status.signal === "SIGPIPE" ? HINT.sigpipe : HINT.leave,
  );
}

/** Runs `step`; if it fails because the server died, says that instead.
 *
 * @example
 * ```ts ignore
 * await whileServerRuns(server, "while A was sending", () => a.send("hi"));
 * ```
 */
export async function whileServerRuns<T>(
  server: LabProcess,
  during: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    // The kernel closes a dead server's sockets before the parent reaps it.
    await server.waitExit(100);
    if (!server.running) throw serverDied(server, during);
    throw error;
  }
}

/** Connects a harness client to the student's server and waits until it is accepted.
 *
 * @example
 * ```ts ignore
 * const c = await join(t, server, "client C (joined later)");
 * ```
 */
export function join(t: CheckContext, server: LabProcess, label: string): Promise<TcpPeer> {
  return whileServerRuns(server, `before ${label} could join`, () => t.connectAccepted({ label, server }));
}

/** Starts the student's server and connects `count` harness clients, each accepted before the next.
 *
 * @example
 * ```ts ignore
 * const { server, clients: [a, b] } = await chatRoom(t, 2);
 * ```
 */
export async function chatRoom(
  t: CheckContext,
  count: number,
): Promise<{ server: LabProcess; clients: TcpPeer[] }> {
  const server = await t.startServer(t.submission);
  const clients = await whileServerRuns(
    server,
    "while its first clients were joining",
    () => t.connectMany(count, { label: (i) => `client ${clientName(i)}`, server }),
  );
  return { server, clients };
}

/**
 * The server's open descriptors, or `undefined` once it has exited (a
 * zombie's descriptor table is empty, which must not read as "all closed").
 *
 * @example
 * ```ts ignore
 * const before = openDescriptors(server);
 * ```
 */
export function openDescriptors(server: LabProcess): number | undefined {
  const state = readStat(server.pid)?.state;
  if (!server.running || state === undefined || state === "Z" || state === "X") return undefined;
  return server.openDescriptors();
}

/** `sender` sends `text`; every one of `receivers` must receive it (after their previous match).
 *
 * @example
 * ```ts ignore
 * await say(t, server, a, message("A1"), [b, c]);
 * ```
 */
export async function say(
  t: CheckContext,
  server: LabProcess,
  sender: TcpPeer,
  text: string,
  receivers: TcpPeer[],
  hint = HINT.broadcast,
): Promise<void> {
  await whileServerRuns(
    server,
    `after ${sender.label} sent ${JSON.stringify(text.slice(0, 40))}`,
    async () => {
      await sender.send(text);
      await Promise.all(receivers.map((receiver) =>
        receiver.expectReceived(text, {
          timeoutMs: t.step,
          because: `the message ${sender.label} sent`,
          hint,
        })
      ));
    },
  );
}

/**
 * Fails if `sender` received `own` before `next`: the server sent the
 * message back to its sender (it would have done so before reading `next`).
 *
 * @example
 * ```ts ignore
 * requireNotEchoed(a, message("A1"), message("B1"));
 * ```
 */
export function requireNotEchoed(sender: TcpPeer, own: string, next: string): void {
  const text = sender.received.text;
  const upTo = text.indexOf(next);
  if (text.slice(0, upTo < 0 ? undefined : upTo).includes(own)) {
    throw new CheckFailure(
      `${sender.label} received its own message ${
        JSON.stringify(own)
      } back: a message must go to every other client, not to its sender`,
      HINT.noEcho,
    );
  }
}
