/**
 * Grader of the `client-server` lab: the ordered protocol (spec section 1).
 *
 * The client speaks first and turns alternate strictly: the harness types the
 * next line only after the previous message was seen on the other side, so a
 * program that reads stdin and the socket in the wrong order is caught.
 *
 * @module
 */

import { CheckFailure, defineGrader } from "../harness/check.ts";
import type { CheckContext, Language } from "../harness/check.ts";
import type { LabProcess } from "../harness/process.ts";

/** A conversation: each client message and the server's reply. */
const ROUNDS: [message: string, reply: string][] = [
  ["The quick brown fox jumps over the lazy dog", "Hello, client number one"],
  ["Hi", "ok"],
  ["third message: still there?", "still here, third reply"],
];

/** Messages at the protocol's maximum length, 255 bytes. */
const LONG_MESSAGE = longText("client", 255);
const LONG_REPLY = longText("server", 255);

const HINT_RECV_ZERO =
  "recv() returns 0 when the peer closed the connection: close the socket and return 0 then";

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
 */
async function converse(
  t: CheckContext,
  student: "server" | "client",
  server: LabProcess,
  client: LabProcess,
  rounds: [string, string][],
): Promise<void> {
  const hints = CONVERSATION_HINTS[student];
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
 * The student's server against a reference client. The conversation ends
 * with `exit` typed on the client (it sends "exit", then closes) or with the
 * client's stdin ending (it closes without a word).
 */
async function studentServerWithReferenceClient(
  t: CheckContext,
  language: Language,
  ending: "exit" | "eof",
): Promise<void> {
  const server = await t.startServer(t.submission);
  const client = t.start(t.reference(language), "client");
  await converse(t, "server", server, client, ROUNDS);
  requireNoLeftovers(server, ROUNDS.map(([message]) => message));
  if (ending === "exit") await client.writeLine("exit");
  else await client.closeStdin();
  await client.expectExit({
    timeoutMs: t.step,
    because: "(the reference client, at the end of the conversation)",
  });
  await server.expectExit({
    timeoutMs: t.step,
    because: ending === "exit"
      ? 'once the client had sent "exit" and closed the connection'
      : "once the client had closed the connection",
    hint: ending === "exit" ? 'a message "exit" from the client ends the conversation' : HINT_RECV_ZERO,
  });
}

async function studentClientWithReferenceServer(
  t: CheckContext,
  language: Language,
  ending: "exit" | "eof",
): Promise<void> {
  const server = await t.startServer(t.reference(language));
  const client = t.start(t.submission, "client");
  await converse(t, "client", server, client, ROUNDS);
  requireNoLeftovers(client, ROUNDS.map(([, reply]) => reply));
  if (ending === "exit") await client.writeLine("exit");
  else await client.closeStdin();
  await client.expectExit({
    timeoutMs: t.step,
    because: ending === "exit" ? "after reading exit from its stdin" : "once its stdin ended",
    hint: ending === "exit"
      ? 'compare each stdin line with "exit" (without its newline) and close the socket then'
      : "fgets() returns NULL at the end of stdin: close the socket and return 0",
  });
  await server.expectExit({ timeoutMs: t.step, because: "(reference server, once the client closed)" });
}

/** Connects a harness client to the student's server and plays one round. */
async function harnessClientRound(t: CheckContext) {
  const server = await t.startServer(t.submission);
  const peer = await t.connect();
  const [message, reply] = ROUNDS[0];
  await peer.send(message);
  await server.expectOutput(message, { timeoutMs: t.step, because: "the message the harness sent" });
  await server.writeLine(reply);
  await peer.expectReceived(reply, { timeoutMs: t.step, because: "the line typed on the server's stdin" });
  return { server, peer };
}

/** Starts the student's client against a harness server and plays one round. */
async function harnessServerRound(t: CheckContext) {
  const listener = t.listen();
  const client = t.start(t.submission, "client");
  const [message, reply] = ROUNDS[0];
  // Typed before the connection is accepted: a client may connect only once it has a line.
  await client.writeLine(message);
  const peer = await listener.accept({ timeoutMs: 2 * t.step });
  await peer.expectReceived(message, { timeoutMs: t.step, because: "the line typed on the client's stdin" });
  await peer.send(reply);
  await client.expectOutput(reply, { timeoutMs: t.step, because: "the reply the harness sent" });
  return { client, peer };
}

function longText(who: string, length: number): string {
  const base = `${who}-255:`;
  let text = base;
  for (let i = 0; text.length < length; i++) text += String.fromCharCode(97 + (i * 7 + who.length) % 26);
  return text.slice(0, length - 1) + "!";
}

export default defineGrader({
  lab: "client-server",
  checks: {
    "server-with-c-client": (t) => studentServerWithReferenceClient(t, "c", "exit"),
    "server-with-python-client": (t) => studentServerWithReferenceClient(t, "python", "eof"),
    "client-with-c-server": (t) => studentClientWithReferenceServer(t, "c", "exit"),
    "client-with-python-server": (t) => studentClientWithReferenceServer(t, "python", "eof"),

    "server-exits-when-client-leaves": async (t) => {
      const { server, peer } = await harnessClientRound(t);
      await peer.close();
      await server.expectExit({
        timeoutMs: t.step,
        because: "after its client closed the connection",
        hint: HINT_RECV_ZERO,
      });
    },

    "server-ends-on-exit-message": async (t) => {
      const { server, peer } = await harnessClientRound(t);
      await peer.send("exit");
      await server.expectExit({
        timeoutMs: t.step,
        because: 'after the client sent "exit"',
        hint:
          'compare each received message with "exit" (a trailing newline may follow it) before printing it',
      });
      if (!await peer.waitClosedByPeer(t.step)) {
        throw new CheckFailure("the server exited but the harness client's connection stayed open");
      }
    },

    "server-ends-conversation": async (t) => {
      const { server, peer } = await harnessClientRound(t);
      await peer.send(ROUNDS[1][0]);
      await server.expectOutput(ROUNDS[1][0], { timeoutMs: t.step, because: "the second message" });
      await server.writeLine("exit");
      if (!await peer.waitClosedByPeer(t.step)) {
        throw new CheckFailure(
          "after exit was typed on the server's stdin, the server did not close the connection",
          'compare each stdin line with "exit" (without its newline) and close the client socket then',
        );
      }
      await server.expectExit({ timeoutMs: t.step, because: "after exit was typed on its stdin" });
    },

    "client-ends-conversation": async (t) => {
      const { client, peer } = await harnessServerRound(t);
      await client.writeLine("exit");
      await client.expectExit({
        timeoutMs: t.step,
        because: "after reading exit from its stdin",
        hint: 'compare each stdin line with "exit" (without its newline), then close the socket and return 0',
      });
      if (!await peer.waitClosedByPeer(t.step)) {
        throw new CheckFailure("the client exited but its connection to the server was not closed");
      }
    },

    "client-exits-when-server-leaves": async (t) => {
      const { client, peer } = await harnessServerRound(t);
      await client.writeLine(ROUNDS[1][0]);
      await peer.expectReceived(ROUNDS[1][0], { timeoutMs: t.step, because: "the second line typed" });
      await peer.close();
      await client.expectExit({
        timeoutMs: t.step,
        because: "after the server closed the connection",
        hint: HINT_RECV_ZERO,
      });
    },

    "server-long-messages": async (t) => {
      const server = await t.startServer(t.submission);
      const client = t.start(t.reference("c"), "client");
      await converse(t, "server", server, client, [[LONG_MESSAGE, LONG_REPLY]]);
    },

    "client-long-messages": async (t) => {
      const server = await t.startServer(t.reference("c"));
      const client = t.start(t.submission, "client");
      await converse(t, "client", server, client, [[LONG_MESSAGE, LONG_REPLY]]);
    },
  },
});
