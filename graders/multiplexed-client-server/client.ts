/**
 * The student's chat client as the harness drives it: connected to a
 * harness server or to a reference server, lines typed on its input.
 *
 * @module
 */

import {
  acceptQueueLength,
  type CheckContext,
  CheckFailure,
  describeExit,
  type LabProcess,
  type Language,
  stderrExcerpt,
  type TcpListenerPeer,
  type TcpPeer,
  unreadBytes,
} from "../../harness/mod.ts";
import { HINT, message } from "./chat.ts";

/** Accepts the student's client on the harness server, or says why it never came.
 *
 * @example
 * ```ts ignore
 * const server = await acceptStudentClient(t, t.listen(), t.start(t.submission, "client"));
 * ```
 */
export async function acceptStudentClient(
  t: CheckContext,
  listener: TcpListenerPeer,
  client: LabProcess,
): Promise<TcpPeer> {
  const accepting = listener.accept({ timeoutMs: 2 * t.step, label: "harness server" });
  accepting.catch(() => {}); // settled below, or abandoned if the client died
  const first = await Promise.race([accepting, client.exited.then(() => undefined)]);
  if (first) return first;
  if ((acceptQueueLength(t.port) ?? 0) > 0) return await accepting; // it connected, then died
  throw new CheckFailure(
    `the client ${describeExit(client.status!)} without connecting to 127.0.0.1:${t.port}${
      stderrExcerpt(client)
    }`,
    "connect to 127.0.0.1:5000 first thing, then wait for input",
  );
}

/** The student's client connected to a harness server (nothing typed yet).
 *
 * @example
 * ```ts ignore
 * const { client, server } = await clientWithHarnessServer(t);
 * ```
 */
export async function clientWithHarnessServer(
  t: CheckContext,
): Promise<{ client: LabProcess; server: TcpPeer }> {
  const listener = t.listen();
  const client = t.start(t.submission, "client");
  const server = await acceptStudentClient(t, listener, client);
  return { client, server };
}

/**
 * Types `line` on the student's client; `server` must receive it. Returns
 * once the client waits again, so what the server sends next reaches a
 * waiting client, never one still busy after its send (where even a client
 * that only looks at the socket after each line would see it).
 *
 * @example
 * ```ts ignore
 * await typeAndSend(t, client, server, message("first line", "hello"));
 * ```
 */
export async function typeAndSend(
  t: CheckContext,
  client: LabProcess,
  server: TcpPeer,
  line: string,
  options: { exact?: boolean } = {},
): Promise<void> {
  const before = server.received.text.length;
  await client.writeLine(line);
  await requireSent(t, client, server, line, before, options.exact ?? false);
}

/**
 * Types `line` on the student's client in two writes, the first ending after
 * its first `firstBytes` bytes, the second only once the client waits again:
 * `server` must receive nothing of it until its newline comes, then all of
 * it, as one line (a terminal or a pipe may deliver a line in pieces). With
 * `lineBefore`, the first write starts with that whole line and its newline,
 * which must be sent at once: the piece then waits in the client's buffer
 * behind a line it has sent, where a buffer not shifted after each line loses it.
 *
 * @example
 * ```ts ignore
 * await typeInPiecesAndSend(t, client, server, "pieces of one line", 1);
 * await typeInPiecesAndSend(t, client, server, "another one", 3, { lineBefore: "a whole line" });
 * ```
 */
export async function typeInPiecesAndSend(
  t: CheckContext,
  client: LabProcess,
  server: TcpPeer,
  line: string,
  firstBytes: number,
  options: { lineBefore?: string } = {},
): Promise<void> {
  let before = server.received.text.length;
  const piece = line.slice(0, firstBytes);
  if (options.lineBefore === undefined) {
    await client.write(piece);
    await client.waitBlocked(t.step);
  } else {
    await client.write(`${options.lineBefore}\n${piece}`);
    await requireSent(t, client, server, options.lineBefore, before, true);
    before = server.received.text.length;
  }
  // It waits for the rest: nothing of the line may have gone out yet, neither read by the harness
  // nor still in the socket's queue (read from /proc, so no byte on its way is missed).
  const early = server.received.text.length - before + (unreadBytes(t.port, server.remotePort) ?? 0);
  if (early > 0) {
    throw new CheckFailure(
      `the client sent ${early} byte(s) of the line ${
        JSON.stringify(line.slice(0, 40))
      } as soon as its first ${firstBytes} byte(s) were typed, before the newline: a piece of a line went out as a message of its own`,
      "a line may reach the input in pieces: keep what read() returned until its newline comes, then send the whole line",
    );
  }
  await client.writeLine(line.slice(firstBytes));
  await requireSent(t, client, server, line, before, true);
}

/**
 * A line as a client may send it: its text, then its newline, or the NUL
 * that ends it in C (`send(strlen + 1)`), or nothing. Handout: "each stdin
 * line is sent"; how it is delimited is not fixed, what it holds is.
 */
const LINE_ENDING = /^(\r?\n|\0)?$/;

/**
 * Waits for `line` at `server` (typed on the client after `before` bytes had
 * arrived), then for the client to wait again; `exact` also requires that the
 * client sent that line and nothing else.
 */
async function requireSent(
  t: CheckContext,
  client: LabProcess,
  server: TcpPeer,
  line: string,
  before: number,
  exact: boolean,
): Promise<void> {
  try {
    await server.expectReceived(line, {
      timeoutMs: t.step,
      because: "the line typed on the client's input",
      hint: HINT.clientSends,
    });
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    await client.waitExit(100);
    if (client.running) throw error;
    throw new CheckFailure(
      `the client ${describeExit(client.status!)} instead of sending the line ${
        JSON.stringify(line.slice(0, 40))
      } typed on its input${stderrExcerpt(client)}`,
      HINT.clientSends,
    );
  }
  await client.waitBlocked(t.step);
  if (!exact) return;
  const sent = server.received.text.slice(before);
  if (!sent.startsWith(line) || !LINE_ENDING.test(sent.slice(line.length))) {
    throw new CheckFailure(
      `for the line ${JSON.stringify(line.slice(0, 40))} typed on its input, the client sent ${
        JSON.stringify(sent.slice(0, 80))
      }${sent.length > 80 ? ` (${sent.length} characters)` : ""}: more than the line and its end`,
      "send the bytes of the line (with its newline, or without) and nothing else: no bytes of the buffer past its end, none left from an earlier line",
    );
  }
}

/**
 * The student's client chats through a reference server with two harness
 * clients: what it types reaches both, what one of them says is printed.
 *
 * @example
 * ```ts ignore
 * "client-with-c-server": (t) => clientThroughReferenceServer(t, "c"),
 * ```
 */
export async function clientThroughReferenceServer(t: CheckContext, language: Language): Promise<void> {
  const server = await t.startServer(t.reference(language));
  const a = await t.connectAccepted({ label: "harness client A", server });
  const client = t.start(t.submission, "client");
  const joined = await Promise.race([
    t.waitAccepted(2, { server }).then(() => true),
    client.exited.then(() => false),
  ]);
  if (!joined) {
    throw new CheckFailure(
      `the client ${describeExit(client.status!)} without joining the chat${stderrExcerpt(client)}`,
      "connect to 127.0.0.1:5000 first thing, then wait for input",
    );
  }
  const b = await t.connectAccepted({ label: "harness client B", server });
  const typed = message("typed on your client", "hello everyone, how is it going?");
  await client.writeLine(typed);
  for (const peer of [a, b]) {
    await peer.expectReceived(typed, {
      timeoutMs: t.step,
      because: "the line typed on the client, passed on by the reference server",
      hint: HINT.clientSends,
    });
  }
  await client.waitBlocked(t.step);
  const reply = message("harness client A", "fine, thanks for asking");
  await a.send(reply);
  await client.expectOutput(reply, {
    timeoutMs: t.step,
    because: "the message client A sent through the reference server",
    hint: HINT.clientWaits,
  });
}

/** CPU time (in clock ticks) a client that never idles gets to send the rest of a paste: 1 s. */
const PASTE_CPU_TICKS = 100;

/**
 * The paste check: after one line typed on its own, three lines arrive in
 * one write. Each must reach the server. A client that reads its input
 * through a buffer (`fgets()`, `input()`) gets all three from its first
 * read, returns the first, and keeps the others in that buffer while epoll,
 * which sees only the descriptor, reports nothing more to read.
 *
 * @example
 * ```ts ignore
 * "client-sends-pasted-lines": (t) => pastedLinesAllSent(t),
 * ```
 */
export async function pastedLinesAllSent(t: CheckContext): Promise<void> {
  const { client, server } = await clientWithHarnessServer(t);
  await typeAndSend(t, client, server, message("typed alone", "a line before the paste"));
  const pasted = [1, 2, 3].map((k) => message(`pasted ${k} of 3`, `line number ${k} of a paste`));
  const allSent = (seen: { text: string }) => pasted.every((m) => seen.text.includes(m));
  await client.write(pasted.map((line) => `${line}\n`).join(""));
  // Its first line arriving shows the client has taken up the burst.
  await server.expectReceived(pasted[0], {
    timeoutMs: t.step,
    because: "the first of three lines written to the client's input at once",
    hint: HINT.clientSends,
  });
  // Judged once the client is idle again, not at a wall-clock deadline: a
  // slow but correct client is still sending, a buffering one is back in
  // epoll_wait with lines unsent. A client that never idles is given a
  // fixed amount of CPU time, which load does not stretch.
  const cpuBefore = client.cpuTicks();
  let outcome: Awaited<ReturnType<LabProcess["waitBlocked"]>>;
  do {
    outcome = await client.waitBlocked(t.step);
    if (allSent(server.received)) return;
  } while (
    (outcome === "spinning" || outcome === "deadline") && client.cpuTicks() - cpuBefore < PASTE_CPU_TICKS
  );
  // Idle (or gone, or out of CPU time): what it did send is on its way.
  if (await server.received.waitUntil(allSent, t.step)) return;
  const got = pasted.filter((m) => server.received.text.includes(m));
  const missing = pasted.filter((m) => !got.includes(m));
  const status = !client.running
    ? `; the client ${describeExit(client.status!)}${stderrExcerpt(client)}`
    : outcome === "blocked"
    ? ", and the client went back to waiting with them unsent"
    : ", while the client kept running";
  throw new CheckFailure(
    `three lines written to the client's input at once (a paste, or input from a file): the server received ${
      got.map((m) => JSON.stringify(m)).join(" and ")
    }, not ${missing.map((m) => JSON.stringify(m)).join(" and ")}${status}`,
    HINT.clientPaste,
  );
}

/**
 * Requires the client to exit with status 0; a crash or another status is
 * told with the end of what the client printed (a traceback's last line
 * names its exception).
 *
 * @example
 * ```ts ignore
 * await client.writeLine("exit");
 * await expectClientExit(client, { timeoutMs: t.step, because: "after exit was typed", hint: HINT.clientExit });
 * ```
 */
export async function expectClientExit(
  client: LabProcess,
  options: { timeoutMs: number; because: string; hint: string },
): Promise<void> {
  try {
    await client.expectExit(options);
  } catch (error) {
    if (!(error instanceof CheckFailure) || client.running) throw error;
    throw new CheckFailure(`${error.rationale}${stderrExcerpt(client)}`, error.hint);
  }
}
