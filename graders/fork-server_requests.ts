/**
 * The fork-server lab's conversation: one request on a fresh connection,
 * one reply, then the server closes (spec section 4). The checks of
 * `fork-server.ts` ask their questions through these helpers.
 *
 * @module
 */

import {
  type CheckContext,
  CheckFailure,
  describeExit,
  formatMs,
  type LabProcess,
  type TcpPeer,
} from "../harness/mod.ts";

/** The reply to a number above 34 or a request that is not a number. */
export const OUT_OF_RANGE = "out of range";

/** The largest `n` the server computes. */
const MAX_N = 34;

/**
 * fib(0) = fib(1) = 1, fib(n) = fib(n-1) + fib(n-2).
 *
 * @example
 * ```ts
 * import { fib } from "./fork-server_requests.ts";
 * fib(30); // 1346269
 * ```
 */
export function fib(n: number): number {
  let [previous, current] = [1, 1];
  for (let i = 1; i < n; i++) [previous, current] = [current, previous + current];
  return current;
}

/**
 * The answer a reply carries: "out of range", or its last whole number
 * (so `function(30): 1346269` and `1346269\n` both carry 1346269).
 *
 * Tolerance: text around the answer and the case of "out of range" are
 * formatting ("graders are strict about behaviour and tolerant about
 * formatting", spec; the client "prints a line containing the reply",
 * handout).
 *
 * @example
 * ```ts
 * import { answerIn } from "./fork-server_requests.ts";
 * answerIn("fib(10) = 89\n"); // "89"
 * ```
 */
export function answerIn(reply: string): string | undefined {
  if (reply.toLowerCase().includes(OUT_OF_RANGE)) return OUT_OF_RANGE;
  return reply.match(/\d+/g)?.at(-1);
}

/**
 * What a request must be answered with; one trailing newline is part of no
 * request (`echo 30 | nc` sends `30\n`).
 *
 * @example
 * ```ts
 * import { expectedAnswer } from "./fork-server_requests.ts";
 * expectedAnswer("30\n"); // "1346269"
 * expectedAnswer("35"); // "out of range"
 * ```
 */
export function expectedAnswer(request: string): string {
  const number = request.replace(/\r?\n$/, "");
  return /^\d+$/.test(number) && Number(number) <= MAX_N ? String(fib(Number(number))) : OUT_OF_RANGE;
}

/**
 * Starts the student's server on the lab port and waits until it listens.
 *
 * @example
 * ```ts ignore
 * const server = await startServer(t);
 * ```
 */
export function startServer(t: CheckContext): Promise<LabProcess> {
  return t.startServer(t.submission, { args: [String(t.port)] });
}

/**
 * Opens a connection without sending anything yet.
 *
 * @example
 * ```ts ignore
 * const stalled = await connectClient(t, "stalled client");
 * ```
 */
export function connectClient(t: CheckContext, label: string): Promise<TcpPeer> {
  return t.connect({ label });
}

/** Options of {@link requireAnswer}, {@link requireReply} and {@link ask}. */
export interface RequestOptions {
  timeoutMs?: number;
  hint?: string;
}

const FORK_HINT = "serve every connection in a child process of its own: fork() right after accept()";

/** How a request is named in rationales. */
function shown(request: string): string {
  return request === "" ? "an empty request" : `the request ${JSON.stringify(request)}`;
}

/**
 * The checks that found the server answering only once the client shut down
 * its sending side: their later requests half-close right after sending.
 */
const answersOnlyAtEndOfInput = new WeakSet<CheckContext>();

/**
 * Sends `request` the way the handout's `client.py` does: the number, then a
 * wait for the reply with the sending side still open (it never calls
 * `shutdown()`). Waits until `arrived(text)` holds or the server closes.
 *
 * Tolerance: when nothing at all arrives, the request is given a second
 * chance with the sending side shut down, and so are the check's later
 * requests. A server that reads to end of input deadlocks with `client.py`
 * ("The server replies as soon as the request has arrived", spec section 4),
 * but that fault is judged once, by `replies-before-end-of-input`; here the
 * half-close lets each check judge its own concern.
 *
 * @returns whether the sending side was shut down
 */
async function sendLikeHandoutClient(
  t: CheckContext,
  peer: TcpPeer,
  request: string,
  arrived: (text: string) => boolean,
  timeoutMs: number,
): Promise<boolean> {
  if (request) await peer.send(request);
  const done = (s: { ended: boolean; text: string }) => s.ended || arrived(s.text);
  if (!answersOnlyAtEndOfInput.has(t)) {
    if (await peer.received.waitUntil(done, timeoutMs) || peer.received.text !== "") return false;
  }
  await peer.closeWrite();
  await peer.received.waitUntil(done, timeoutMs);
  if (request && !answersOnlyAtEndOfInput.has(t) && peer.received.text !== "") {
    answersOnlyAtEndOfInput.add(t);
    t.note(
      "the server replied only once the client shut down its sending side, which the handout's client.py never does " +
        "(replies-before-end-of-input judges that); this check's later requests shut it down right after sending",
    );
  }
  return true;
}

/**
 * Sends "10" as the handout's `client.py` does (`send(str(num))`, then
 * `recv(256)`, never `shutdown()`) and fails if the reply comes only once
 * the sending side is shut down: "The server replies as soon as the request
 * has arrived" (spec section 4). A server that replies to neither is judged
 * by the checks of answers, not here.
 *
 * @example
 * ```ts ignore
 * await requireReplyBeforeEndOfInput(t);
 * ```
 */
export async function requireReplyBeforeEndOfInput(t: CheckContext): Promise<void> {
  const peer = await connectClient(t, "client that sends 10 and waits, its side open");
  await peer.send("10");
  const expected = expectedAnswer("10");
  const done = (s: { ended: boolean; text: string }) => s.ended || answerIn(s.text) === expected;
  if (await peer.received.waitUntil(done, t.step)) return;
  const waitedFor = peer.received.giveUpReason(t.step);
  await peer.closeWrite();
  await peer.received.waitUntil(done, t.step);
  const late = peer.received.text;
  if (late === "") return t.note("no reply came, with the client's side open or shut: answers judges that");
  throw new CheckFailure(
    `the request "10" got no reply while the client kept its sending side open ${waitedFor}; the reply ${
      JSON.stringify(late)
    } came only once the client shut that side down: the server reads until end of input, and the handout's client.py, which sends the number and waits for the reply without ever closing its side, waits forever with it`,
    "the request is a few bytes that one recv() returns as soon as they arrive: parse them and reply at once, without waiting for recv() to return 0",
  );
}

/**
 * Sends `request` on `peer` as the handout's client does, waits for the
 * right answer (or the server's close), then shuts down the sending side, as
 * `client.py` closes its socket once its reply is in, and waits for the
 * server to close.
 *
 * @returns whether the server closed the connection in time
 *
 * @example
 * ```ts ignore
 * const closed = await exchange(t, await connectClient(t, "client"), "30\n", 5 * t.step);
 * ```
 */
export async function exchange(
  t: CheckContext,
  peer: TcpPeer,
  request: string,
  timeoutMs: number,
): Promise<boolean> {
  const expected = expectedAnswer(request);
  const shutDown = await sendLikeHandoutClient(
    t,
    peer,
    request,
    (text) => answerIn(text) === expected,
    timeoutMs,
  );
  if (peer.received.ended) return true;
  if (!shutDown) await peer.closeWrite();
  return await peer.waitClosedByPeer(timeoutMs);
}

/**
 * Sends `request` on `peer` as the handout's client does and requires the
 * right answer, then the server's close (the reference client and `nc` read
 * the reply to its end).
 *
 * @example
 * ```ts ignore
 * await requireAnswer(t, await connectClient(t, "client"), "30\n");
 * ```
 */
export async function requireAnswer(
  t: CheckContext,
  peer: TcpPeer,
  request: string,
  options: RequestOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? t.step;
  const closed = await exchange(t, peer, request, timeoutMs);
  const reply = peer.received.text;
  const expected = expectedAnswer(request);
  if (!closed && answerIn(reply) !== expected) {
    throw new CheckFailure(
      `expected ${JSON.stringify(expected)} in reply to ${shown(request)}, but ${
        reply ? `only ${JSON.stringify(reply)} arrived` : "no reply came"
      } ${peer.received.giveUpReason(timeoutMs)}`,
      options.hint ?? FORK_HINT,
    );
  }
  if (!closed) {
    throw new CheckFailure(
      `the reply ${JSON.stringify(reply)} to ${shown(request)} arrived, but the connection was still open ${
        peer.received.lastStall === undefined
          ? `${formatMs(timeoutMs)} later`
          : `and nothing could close it any more (${peer.received.lastStall})`
      }: a client reading the reply to its end waits forever`,
      "the child closes the connection after replying, and the parent must close() its own copy right after fork()",
    );
  }
  if (reply === "") {
    // Nothing written, then an orderly close: whatever served the request
    // ended (or gave up) on this path without replying; a crash looks so.
    throw new CheckFailure(
      `expected ${JSON.stringify(expected)} in reply to ${
        shown(request)
      }, but the server closed the connection without any reply: the process serving it ended before replying (a crash or an exit on that path)`,
      expected === OUT_OF_RANGE
        ? 'the child must send "out of range" before it closes; if nothing arrives, it died on that path: ' +
          "mind the order of snprintf()'s arguments (destination, size, format, values)"
        : options.hint ?? "the child must send the answer before it closes the connection",
    );
  }
  if (answerIn(reply) !== expected) {
    throw new CheckFailure(
      `expected ${JSON.stringify(expected)} in reply to ${shown(request)}, but the server replied ${
        JSON.stringify(reply)
      }`,
      options.hint ??
        (expected === OUT_OF_RANGE
          ? 'reply "out of range" for n > 34, negative numbers, and requests that are not a number'
          : "fib(0) = fib(1) = 1 and fib(n) = fib(n-1) + fib(n-2): check the first values"),
    );
  }
}

/**
 * Sends `request` as the handout's client does and requires some reply,
 * right or wrong: the checks of concurrency and hygiene judge processes and
 * descriptors, not arithmetic.
 *
 * @example
 * ```ts ignore
 * await requireReply(t, stalled, "3");
 * ```
 */
export async function requireReply(
  t: CheckContext,
  peer: TcpPeer,
  request: string,
  options: RequestOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? t.step;
  await sendLikeHandoutClient(t, peer, request, (text) => text.length > 0, timeoutMs);
  if (peer.received.text === "") {
    throw new CheckFailure(
      `no reply to ${shown(request)} ${
        peer.received.ended
          ? "before the server closed the connection"
          : peer.received.giveUpReason(timeoutMs)
      }`,
      options.hint ?? FORK_HINT,
    );
  }
}

/**
 * Asks one question on a fresh connection; `exact` also judges the answer
 * and the closing.
 *
 * @example
 * ```ts ignore
 * await ask(t, "30", { exact: true, timeoutMs: 5 * t.step });
 * ```
 */
export async function ask(
  t: CheckContext,
  request: string,
  options: RequestOptions & { exact?: boolean } = {},
): Promise<void> {
  const peer = await connectClient(t, `client asking ${JSON.stringify(request)}`);
  if (options.exact) await requireAnswer(t, peer, request, options);
  else await requireReply(t, peer, request, options);
  await peer.close();
}

/**
 * Fails unless the server process is still there.
 *
 * @example
 * ```ts ignore
 * requireAlive(server, 'after the request "abc"');
 * ```
 */
export function requireAlive(server: LabProcess, after: string): void {
  if (!server.running) {
    throw new CheckFailure(
      `the server ${server.status ? describeExit(server.status) : "stopped"} ${after}`,
      "the parent must keep accepting whatever a client does; only the child serving it may end",
    );
  }
}
