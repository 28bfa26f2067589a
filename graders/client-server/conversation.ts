/**
 * The conversations of the `client-server` lab's checks: rounds typed on
 * one side and awaited on the other, turn by turn, and the ways a
 * conversation ends (exit typed on either side).
 *
 * @module
 */

import { CheckFailure, unreadBytes } from "../../harness/mod.ts";
import type { CheckContext, LabProcess, Language } from "../../harness/mod.ts";

/**
 * A conversation: each client message and the server's reply.
 *
 * @example
 * ```ts ignore
 * await converse(t, "server", server, client, ROUNDS);
 * ```
 */
export const ROUNDS: [message: string, reply: string][] = [
  ["The quick brown fox jumps over the lazy dog", "Hello, client number one"],
  ["Hi", "ok"],
  ["third message: still there?", "still here, third reply"],
  // One byte each way: a one-byte receive is a message, not the end of the connection. Letters that no
  // prefix the lab's peers print contains, so the line that holds them is theirs.
  ["Q", "Z"],
  // Words next to "exit" in byte order (strcmp gives -1 or 1 for them): only the whole line exit ends a peer.
  ["fine", "done"],
  ["done", "fine"],
];

/**
 * A message at the protocol's maximum length, 255 bytes.
 *
 * @example
 * ```ts ignore
 * await converse(t, "server", server, client, [[LONG_MESSAGE, LONG_REPLY]]);
 * ```
 */
export const LONG_MESSAGE = longText("client", 255);
/** A reply at the protocol's maximum length, 255 bytes (see {@link LONG_MESSAGE}). */
export const LONG_REPLY = longText("server", 255);

/**
 * The hint when a program does not end once its peer closed.
 *
 * @example
 * ```ts ignore
 * await client.expectExit({ timeoutMs: t.step, hint: HINT_RECV_ZERO });
 * ```
 */
export const HINT_RECV_ZERO =
  "recv() returns 0 when the peer closed the connection: close the socket and return 0 then";

/**
 * The hint when a program does not end once exit was typed on it.
 *
 * @example
 * ```ts ignore
 * await server.expectExit({ timeoutMs: t.step, hint: HINT_TYPED_EXIT });
 * ```
 */
export const HINT_TYPED_EXIT =
  'compare each stdin line with "exit" (without its newline), then close the socket and return 0';

/**
 * End of input is advice, not the lab's protocol: the handout's
 * get_user_input() ignores it, so the hint says what the user sees.
 *
 * @example
 * ```ts ignore
 * await program.expectExit({ timeoutMs: t.step, hint: HINT_END_OF_INPUT });
 * ```
 */
export const HINT_END_OF_INPUT =
  "when stdin ends (fgets() returns NULL; input() raises EOFError) nothing more can be typed: " +
  "close the socket and exit 0 instead of sending an empty message, waiting, or crashing";

/**
 * The hint when a server mishandles "exit" arriving on the wire.
 *
 * @example
 * ```ts ignore
 * throw new CheckFailure("the server neither printed nor ended", HINT_EXIT_MESSAGE);
 * ```
 */
export const HINT_EXIT_MESSAGE = 'a received "exit" may end the server (close the connection, exit 0) ' +
  "or be printed like any message, the reply then read from stdin as usual";

/** What to look at when a step fails, by whose code is under test. */
const CONVERSATION_HINTS = {
  server: {
    message: "print each message as soon as recv() returns it, then read the reply from stdin",
    reply: "send the line read from stdin to the client (without waiting for anything else)",
  },
  client: {
    message: "read a line from stdin, then send it to the server before waiting for anything",
    reply: "after sending a line, wait for the server's reply with recv() and print it",
  },
};

/**
 * Plays `rounds` through a server and a client, typing each line only
 * after the previous step was seen. `student` says whose code is graded.
 *
 * @example
 * ```ts ignore
 * await converse(t, "client", server, client, ROUNDS);
 * ```
 */
export async function converse(
  t: CheckContext,
  student: "server" | "client",
  server: LabProcess,
  client: LabProcess,
  rounds: [string, string][],
): Promise<void> {
  const hints = CONVERSATION_HINTS[student];
  // Tolerance: a printed line need only contain the message, whatever stands before it
  // ("[Client 127.0.0.1:41234]: ", "[Server]: "): "Output matching is tolerant" (spec, rules common to all four).
  for (const [message, reply] of rounds) {
    await client.writeLine(message);
    await server.expectOutput(message, {
      timeoutMs: t.step,
      because: "the message the client read from its stdin and sent",
      via: [client],
      hint: hints.message,
    });
    await server.writeLine(reply);
    await client.expectOutput(reply, {
      timeoutMs: t.step,
      because: "the reply the server read from its stdin and sent",
      via: [server],
      hint: hints.reply,
    });
  }
}

/**
 * Fails if a printed message carries leftovers of a longer earlier one, the
 * mark of a receive buffer printed without terminating it at the length
 * recv() returned.
 */
function requireNoLeftovers(printer: LabProcess, messages: string[]): void {
  const lines = printer.stdout.lines();
  for (let i = 1; i < messages.length; i++) {
    const previous = messages[i - 1];
    const current = messages[i];
    if (current.length >= previous.length) continue;
    const leftover = previous.slice(current.length);
    const line = lines.find((l) => l.includes(current) && l.includes(leftover));
    if (line !== undefined) {
      throw new CheckFailure(
        `the ${printer.label} printed ${JSON.stringify(line)} for the message ${
          JSON.stringify(current)
        }: the end of the earlier, longer message ${JSON.stringify(previous)} is still there`,
        "terminate the buffer at the length recv() returned (buf[n] = '\\0') before printing it",
      );
    }
  }
}

/**
 * How an interop conversation ends, the way the lab's own peers end it:
 * `exit` is typed on one side, which closes the connection without putting
 * `exit` on the wire; the other side sees the connection closed.
 */
type Ending = "exit-typed-on-client" | "exit-typed-on-server";

/** The message of the extra round that hands the server's operator the turn to type exit. */
const LAST_MESSAGE = "one last message before exit";

/**
 * Gives the server's operator the turn (a server reads its stdin only after
 * a message arrived), then types exit on the server.
 */
async function typeExitOnServer(
  t: CheckContext,
  student: "server" | "client",
  server: LabProcess,
  client: LabProcess,
): Promise<void> {
  await client.writeLine(LAST_MESSAGE);
  await server.expectOutput(LAST_MESSAGE, {
    timeoutMs: t.step,
    because: "the message the client read from its stdin and sent",
    via: [client],
    hint: CONVERSATION_HINTS[student].message,
  });
  await server.writeLine("exit");
}

/**
 * The student's server against a reference client, ended the way the lab's
 * peers end it: exit typed on the client (it closes) or on the server.
 *
 * @example
 * ```ts ignore
 * await studentServerWithReferenceClient(t, "c", "exit-typed-on-server");
 * ```
 */
export async function studentServerWithReferenceClient(
  t: CheckContext,
  language: Language,
  ending: Ending,
): Promise<void> {
  const server = await t.startServer(t.submission);
  const client = t.start(t.reference(language), "client");
  await converse(t, "server", server, client, ROUNDS);
  requireNoLeftovers(server, ROUNDS.map(([message]) => message));
  if (ending === "exit-typed-on-client") {
    await client.writeLine("exit");
    await client.expectExit({
      timeoutMs: t.step,
      because: "(the reference client, after exit was typed on it)",
    });
    await server.expectExit({
      timeoutMs: t.step,
      because: "once the client had closed the connection (exit was typed on the client)",
      hint: HINT_RECV_ZERO,
    });
    return;
  }
  await typeExitOnServer(t, "server", server, client);
  await server.expectExit({
    timeoutMs: t.step,
    because: "after exit was typed on its stdin",
    hint: HINT_TYPED_EXIT,
  });
  await client.expectExit({
    timeoutMs: t.step,
    because: "(the reference client, once the server had closed the connection)",
    hint: "after exit is typed, close the client's socket before returning",
  });
}

/**
 * The student's client against a reference server, ended the way the lab's
 * peers end it: exit typed on the client or on the server (it closes).
 *
 * @example
 * ```ts ignore
 * await studentClientWithReferenceServer(t, "python", "exit-typed-on-client");
 * ```
 */
export async function studentClientWithReferenceServer(
  t: CheckContext,
  language: Language,
  ending: Ending,
): Promise<void> {
  const server = await t.startServer(t.reference(language));
  const client = t.start(t.submission, "client");
  await converse(t, "client", server, client, ROUNDS);
  requireNoLeftovers(client, ROUNDS.map(([, reply]) => reply));
  if (ending === "exit-typed-on-client") {
    await client.writeLine("exit");
    await client.expectExit({
      timeoutMs: t.step,
      because: "after exit was typed on it",
      hint: HINT_TYPED_EXIT,
    });
    await server.expectExit({
      timeoutMs: t.step,
      because: "(the reference server, once the client had closed the connection)",
      hint: "after exit is typed, close the socket before returning",
    });
    return;
  }
  await typeExitOnServer(t, "client", server, client);
  await server.expectExit({
    timeoutMs: t.step,
    because: "(the reference server, after exit was typed on it)",
  });
  await client.expectExit({
    timeoutMs: t.step,
    because: "once the server had closed the connection (exit was typed on the server)",
    hint: HINT_RECV_ZERO,
  });
}

/**
 * Connects a harness client to the student's server and plays one round.
 *
 * @example
 * ```ts ignore
 * const { server, peer } = await harnessClientRound(t);
 * ```
 */
export async function harnessClientRound(t: CheckContext) {
  const server = await t.startServer(t.submission);
  const peer = await t.connect();
  const [message, reply] = ROUNDS[0];
  await peer.send(message);
  await server.expectOutput(message, { timeoutMs: t.step, because: "the message the harness sent" });
  await server.writeLine(reply);
  await peer.expectReceived(reply, { timeoutMs: t.step, because: "the line typed on the server's stdin" });
  return { server, peer };
}

/**
 * Starts the student's client against a harness server and plays one round.
 *
 * @example
 * ```ts ignore
 * const { client, peer } = await harnessServerRound(t);
 * ```
 */
export async function harnessServerRound(t: CheckContext) {
  const listener = t.listen();
  const client = t.start(t.submission, "client");
  const [message, reply] = ROUNDS[0];
  // Typed before the connection is accepted. Tolerance: a client may connect only once it has a line, though
  // the spec has it connect first ("connects to 127.0.0.1:5000. Loop: read a line from stdin"): its user sees
  // no difference, and "the client always speaks first" holds either way.
  await client.writeLine(message);
  const peer = await listener.accept({ timeoutMs: 2 * t.step });
  await peer.expectReceived(message, { timeoutMs: t.step, because: "the line typed on the client's stdin" });
  await peer.send(reply);
  await client.expectOutput(reply, { timeoutMs: t.step, because: "the reply the harness sent" });
  return { client, peer };
}

/**
 * The hint when a long message or reply breaks the turns: the handout's
 * limit is 255 bytes of text, and a receiver tolerates a trailing newline.
 */
const HINT_LONG =
  "a message holds up to 255 bytes and may be followed by a newline: receive into a buffer of at least " +
  "256 bytes (plus one for the terminating '\\0') and ask recv() for 256; read a typed line with room for 255 " +
  "characters, its newline and the '\\0' (fgets needs 257)";

/**
 * The student's server gets a 255-byte message with the newline a client
 * may send after it, in one write, answers with a typed 255-byte reply, then
 * holds one more exchange. A receive buffer one byte short leaves the
 * newline behind, read later as a message of its own; a reply buffer one
 * byte short splits the typed reply, and the turns slip.
 *
 * @example
 * ```ts ignore
 * await longMessagesToServer(t);
 * ```
 */
export async function longMessagesToServer(t: CheckContext): Promise<void> {
  const { server, peer } = await harnessClientRound(t);
  await peer.send(`${LONG_MESSAGE}\n`);
  await server.expectOutput(LONG_MESSAGE, {
    timeoutMs: t.step,
    because: "a 255-byte message and its newline, sent in one write",
    hint: HINT_LONG,
  });
  // It printed the message and waits for its operator's reply: whatever it has not read of the message
  // by now stays behind in its socket, to be taken later for the next message.
  requireAllRead("server", "message", unreadBytes(t.port, peer.localPort));
  await server.writeLine(LONG_REPLY);
  await peer.expectReceived(LONG_REPLY, {
    timeoutMs: t.step,
    because: "a 255-byte reply typed on the server",
  });
  const [message, reply] = ROUNDS[1];
  await peer.send(message);
  await server.expectOutput(message, { timeoutMs: t.step, because: "the message after the long one" });
  await server.writeLine(reply);
  await peer.expectReceived(reply, {
    timeoutMs: t.step,
    because: "the reply typed after the 255-byte one (the turns must not slip)",
    hint: HINT_LONG,
  });
}

/**
 * The student's client sends a typed 255-byte message, gets a 255-byte
 * reply with a newline after it in one write, then holds one more exchange:
 * a receive buffer one byte short leaves the newline to be taken for the
 * next reply.
 *
 * @example
 * ```ts ignore
 * await longRepliesToClient(t);
 * ```
 */
export async function longRepliesToClient(t: CheckContext): Promise<void> {
  const { client, peer } = await harnessServerRound(t);
  await client.writeLine(LONG_MESSAGE);
  await peer.expectReceived(LONG_MESSAGE, {
    timeoutMs: t.step,
    because: "a 255-byte line typed on the client",
    hint: HINT_LONG,
  });
  await peer.send(`${LONG_REPLY}\n`);
  await client.expectOutput(LONG_REPLY, {
    timeoutMs: t.step,
    because: "a 255-byte reply and its newline, sent in one write",
    hint: HINT_LONG,
  });
  // It printed the reply and waits for its next typed line: what it left of the reply stays in its socket
  // until then, to be taken for the next reply (or, if the next reply has come by then, joined to it).
  requireAllRead("client", "reply", unreadBytes(peer.remotePort, t.port));
  const [message, reply] = ROUNDS[1];
  await client.writeLine(message);
  await peer.expectReceived(message, { timeoutMs: t.step, because: "the line typed after the long reply" });
  await peer.send(reply);
  await client.expectOutput(reply, {
    timeoutMs: t.step,
    because: "the reply after the 255-byte one (the turns must not slip)",
    hint: HINT_LONG,
  });
}

/**
 * Fails unless the program took in every byte of a 255-byte text and its
 * newline (`unread` counts what its socket still holds; undefined when the
 * socket is gone, which other steps judge).
 */
function requireAllRead(who: string, text: string, unread: number | undefined): void {
  if (!unread) return;
  throw new CheckFailure(
    `the ${who} printed the 255-byte ${text} but left ${unread} of the ${
      LONG_MESSAGE.length + 1
    } bytes sent in one write (the ${text} and its newline) unread: it will take them for the next ${text}`,
    HINT_LONG,
  );
}

function longText(who: string, length: number): string {
  const base = `${who}-255:`;
  let text = base;
  for (let i = 0; text.length < length; i++) text += String.fromCharCode(97 + (i * 7 + who.length) % 26);
  return text.slice(0, length - 1) + "!";
}
