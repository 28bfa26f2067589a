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
  memoryChecks,
} from "../harness/mod.ts";
import {
  harnessClientRound,
  harnessServerRound,
  HINT_END_OF_INPUT,
  HINT_EXIT_MESSAGE,
  HINT_RECV_ZERO,
  HINT_TYPED_EXIT,
  longMessagesToServer,
  longRepliesToClient,
  ROUNDS,
  studentClientWithReferenceServer,
  studentServerWithReferenceClient,
} from "./client-server/conversation.ts";
import {
  clientTreatsExitPrefixAsMessage,
  serverTreatsExitPrefixAsMessage,
} from "./client-server/exit_prefix.ts";

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

/** The hint when a program goes on after a send that failed. */
const HINT_FAILED_SEND =
  "send() returns -1 once the peer has reset the connection: stop then (close and return), " +
  "instead of retrying or taking -1 as a count of bytes sent";

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

const checks = {
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
    title:
      "Your server handles a 255-byte message with its newline and a 255-byte reply, and the turns go on",
    run: longMessagesToServer,
  }),

  "client-long-messages": check({
    title:
      "Your client handles a 255-byte message and a 255-byte reply with its newline, and the turns go on",
    run: longRepliesToClient,
  }),

  "server-ends-after-client-reset": check({
    title:
      "Your server ends, instead of hanging or spinning, when its client vanished with a reset before the reply",
    run: async (t) => {
      const { server, peer } = await harnessClientRound(t);
      const [message, reply] = ROUNDS[1];
      await peer.send(message);
      await server.expectOutput(message, { timeoutMs: t.step, because: "the second message" });
      await peer.reset();
      await server.writeLine(reply);
      // Tolerance: any status. "A hang or a busy loop after the peer left" is the fault (spec, rules common to
      // all four); the upstream server's send() raises SIGPIPE here, and its DIE() exits 1.
      await server.expectExit({
        code: "any",
        timeoutMs: t.step,
        because: "after its send() of the typed reply failed (the client had reset the connection)",
        hint: HINT_FAILED_SEND,
      });
    },
  }),

  "client-ends-after-server-reset": check({
    title:
      "Your client ends, instead of hanging or spinning, when the server vanished with a reset before a line was typed",
    run: async (t) => {
      const { client, peer } = await harnessServerRound(t);
      await peer.reset();
      await client.writeLine(ROUNDS[1][0]);
      // Tolerance: any status, as for the server: the upstream client's DIE() exits 1 when send() fails.
      await client.expectExit({
        code: "any",
        timeoutMs: t.step,
        because: "after its send() of the typed line failed (the server had reset the connection)",
        hint: HINT_FAILED_SEND,
      });
    },
  }),

  "server-exit-prefix": check({
    title:
      'Your server prints the message "exits are on the left" and sends the typed reply "exit signs are lit"',
    // A server that holds no conversation with the reference client is judged there.
    needs: ["server-with-c-client"],
    run: serverTreatsExitPrefixAsMessage,
  }),

  "client-exit-prefix": check({
    title:
      'Your client sends the typed line "exits are on the left", prints the reply "exit signs are lit", and goes on',
    // A client that holds no conversation on one connection is judged there.
    needs: ["client-with-c-server"],
    run: clientTreatsExitPrefixAsMessage,
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
};

export default defineGrader({
  lab: "client-server",
  checks: {
    ...checks,
    // The long messages and a reset again, instrumented: each program's memory while it
    // talks, and what it leaves unfreed when it ends.
    ...memoryChecks({
      errors: [
        checks["server-long-messages"],
        checks["client-long-messages"],
        checks["server-ends-after-client-reset"],
      ],
      leaks: [
        checks["server-ends-conversation"],
        checks["client-ends-conversation"],
      ],
    }),
  },
});
