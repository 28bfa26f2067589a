/**
 * Grader of the `client-server` lab: the ordered protocol (spec section 1).
 *
 * The client speaks first and turns alternate strictly: the harness types the
 * next line only after the previous message was seen on the other side, so a
 * program that reads stdin and the socket in the wrong order is caught.
 *
 * @module
 */

import {
  check,
  type CheckContext,
  CheckFailure,
  defineGrader,
  formatMs,
  type LabProcess,
  type Language,
} from "../harness/mod.ts";

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

const HINT_TYPED_EXIT =
  'compare each stdin line with "exit" (without its newline), then close the socket and return 0';

/**
 * End of input is advice, not the lab's protocol: the handout's
 * get_user_input() ignores it, so the hint says what the user sees.
 */
const HINT_END_OF_INPUT =
  "when stdin ends (fgets() returns NULL; input() raises EOFError) nothing more can be typed: " +
  "close the socket and exit 0 instead of sending an empty message, waiting, or crashing";

const HINT_EXIT_MESSAGE = 'a received "exit" may end the server (close the connection, exit 0) ' +
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
 */
async function studentServerWithReferenceClient(
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
 */
async function studentClientWithReferenceServer(
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

/**
 * A client puts "exit" on the wire (the lab's own clients never do; some
 * students' do). The server may end (exit 0, connection closed) or print it
 * and wait for its operator, as the lab's own server does; either way it
 * must not crash, fail, or stop working. Advice: beyond the lab text.
 */
async function serverHandlesExitMessage(t: CheckContext): Promise<void> {
  const { server, peer } = await harnessClientRound(t);
  await peer.send("exit");
  // Either reaction shows on stdout: "exit" printed, or the output ending with the process.
  const reacted = await server.stdout.waitUntil((out) => out.ended || out.hasAhead("exit"), t.step);
  if (!reacted) {
    throw new CheckFailure(
      `after the client sent "exit", the server neither printed it nor ended within ${
        formatMs(t.step)
      }: it is still running, but the conversation is stuck`,
      HINT_EXIT_MESSAGE,
    );
  }
  if (server.stdout.hasAhead("exit")) {
    // Shown to the operator: the reply typed now must reach the client, unless the server ends cleanly.
    const reply = ROUNDS[1][1];
    await server.writeLine(reply);
    await peer.received.waitUntil((received) => received.ended || received.hasAhead(reply), t.step);
    if (peer.received.hasAhead(reply)) return;
    if (!peer.received.ended) {
      throw new CheckFailure(
        `after printing the "exit" the client sent, the server neither sent the reply typed on its stdin (${
          JSON.stringify(reply)
        }) nor closed the connection within ${formatMs(t.step)}`,
        HINT_EXIT_MESSAGE,
      );
    }
  }
  await server.expectExit({
    timeoutMs: t.step,
    because:
      'after the client sent "exit" (ending there is fine; printing it and waiting for a reply is too)',
    hint: HINT_EXIT_MESSAGE,
  });
  if (!await peer.waitClosedByPeer(t.step)) {
    throw new CheckFailure("the server exited but the harness client's connection stayed open");
  }
}

/**
 * Requires `program`, whose stdin was just closed, to exit 0; a program that
 * failed instead shows the last line of its error output (a Python
 * traceback's is `EOFError: …`).
 */
async function expectEndAtEndOfInput(t: CheckContext, program: LabProcess, when: string): Promise<void> {
  try {
    await program.expectExit({
      timeoutMs: t.step,
      because: `at the end of its input (its stdin was closed ${when})`,
      hint: HINT_END_OF_INPUT,
    });
  } catch (error) {
    if (!(error instanceof CheckFailure) || program.running) throw error;
    const lastWords = program.stderr.lines().filter((line) => line.trim()).at(-1);
    throw new CheckFailure(
      lastWords
        ? `${error.rationale}; its last error output: ${JSON.stringify(lastWords.trim())}`
        : error.rationale,
      error.hint,
    );
  }
}

export default defineGrader({
  lab: "client-server",
  checks: {
    "server-with-c-client": check({
      title: "Your server talks with the C reference client and closes when exit is typed on it",
      run: (t) => studentServerWithReferenceClient(t, "c", "exit-typed-on-server"),
    }),
    "server-with-python-client": check({
      title: "Your server talks with the Python reference client and exits when the client closes",
      run: (t) => studentServerWithReferenceClient(t, "python", "exit-typed-on-client"),
    }),
    "client-with-c-server": check({
      title: "Your client talks with the C reference server and closes when exit is typed on it",
      run: (t) => studentClientWithReferenceServer(t, "c", "exit-typed-on-client"),
    }),
    "client-with-python-server": check({
      title: "Your client talks with the Python reference server and exits when the server closes",
      run: (t) => studentClientWithReferenceServer(t, "python", "exit-typed-on-server"),
    }),

    "server-exits-when-client-leaves": check({
      title: "Your server exits 0 (without spinning) when its client disconnects",
      run: async (t) => {
        const { server, peer } = await harnessClientRound(t);
        await peer.close();
        await server.expectExit({
          timeoutMs: t.step,
          because: "after its client closed the connection",
          hint: HINT_RECV_ZERO,
        });
      },
    }),

    "server-ends-on-exit-message": check({
      title: 'A client that sends "exit" gets a clean end or a reply from your server',
      needs: ["server-ends-conversation"],
      advice: true,
      run: serverHandlesExitMessage,
    }),

    "server-ends-conversation": check({
      title: "Typing exit on the server closes the connection and exits 0",
      run: async (t) => {
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
    }),

    "client-ends-conversation": check({
      title: "Typing exit on the client closes the connection and exits 0",
      run: async (t) => {
        const { client, peer } = await harnessServerRound(t);
        await client.writeLine("exit");
        await client.expectExit({
          timeoutMs: t.step,
          because: "after reading exit from its stdin",
          hint: HINT_TYPED_EXIT,
        });
        if (!await peer.waitClosedByPeer(t.step)) {
          throw new CheckFailure("the client exited but its connection to the server was not closed");
        }
      },
    }),

    "client-exits-when-server-leaves": check({
      title: "Your client exits 0 (without spinning) when the server disconnects",
      run: async (t) => {
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
    }),

    "server-long-messages": check({
      title: "Your server handles 255-byte messages intact",
      run: async (t) => {
        const server = await t.startServer(t.submission);
        const client = t.start(t.reference("c"), "client");
        await converse(t, "server", server, client, [[LONG_MESSAGE, LONG_REPLY]]);
      },
    }),

    "client-long-messages": check({
      title: "Your client handles 255-byte messages intact",
      run: async (t) => {
        const server = await t.startServer(t.reference("c"));
        const client = t.start(t.submission, "client");
        await converse(t, "client", server, client, [[LONG_MESSAGE, LONG_REPLY]]);
      },
    }),

    "client-ends-at-end-of-input": check({
      title: "Your client closes the connection and exits 0 at the end of its input",
      needs: ["client-ends-conversation"],
      advice: true,
      run: async (t) => {
        const { client, peer } = await harnessServerRound(t);
        await client.closeStdin();
        await expectEndAtEndOfInput(t, client, "after the first reply");
        if (!await peer.waitClosedByPeer(t.step)) {
          throw new CheckFailure("the client exited at the end of its input, but its connection stayed open");
        }
      },
    }),

    "server-ends-at-end-of-input": check({
      title: "Your server closes the connection and exits 0 at the end of its input",
      needs: ["server-ends-conversation"],
      advice: true,
      run: async (t) => {
        const { server, peer } = await harnessClientRound(t);
        await peer.send(ROUNDS[1][0]);
        await server.expectOutput(ROUNDS[1][0], { timeoutMs: t.step, because: "the second message" });
        // Its turn to read a reply: the operator has nothing more to say.
        await server.closeStdin();
        await expectEndAtEndOfInput(t, server, "when a reply was due");
        if (!await peer.waitClosedByPeer(t.step)) {
          throw new CheckFailure("the server exited at the end of its input, but the connection stayed open");
        }
      },
    }),
  },
});
