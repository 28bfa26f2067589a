/**
 * The checks of the `multiplexed-client-server` lab's client: driven by a
 * harness server (which sees each line it sends) and by the reference
 * servers, and seen in `/proc` where it waits when idle.
 *
 * @module
 */

import { check, CheckFailure, type DeclaredCheck } from "../../harness/mod.ts";
import { HINT, longMessage, message } from "./chat.ts";
import {
  clientThroughReferenceServer,
  clientWithHarnessServer,
  expectClientExit,
  pastedLinesAllSent,
  typeAndSend,
  typeInPiecesAndSend,
} from "./client.ts";
import { requireWaitsInEpoll } from "./observe.ts";

/**
 * The client checks, by id.
 *
 * @example
 * ```ts ignore
 * export default defineGrader({ lab: "multiplexed-client-server", checks: { ...clientChecks } });
 * ```
 */
export const clientChecks: Record<string, DeclaredCheck> = {
  "client-sends-typed-lines": check({
    title: "Your client sends each line typed on its input",
    run: async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      // Each line exactly, with its newline or without: no byte of the buffer past it.
      const exact = { exact: true };
      await typeAndSend(t, client, server, message("first line", "hello there"), exact);
      await typeAndSend(t, client, server, message("second line", "and another one"), exact);
      await typeAndSend(t, client, server, longMessage("third line"), exact);
      // One character is a line too (not an empty one).
      await typeAndSend(t, client, server, "k", exact);
      // A line may reach the input in pieces (a pipe, a slow terminal): it is still one line, sent
      // whole once its newline comes. The first piece is one byte, which is not the end of input.
      await typeInPiecesAndSend(t, client, server, message("pieces", "of one line"), 1);
      await typeInPiecesAndSend(t, client, server, message("halves", "of another line"), 9);
      // A line and the start of the next in one write (the handout's fgets() keeps the start in its
      // buffer): the start waits behind the line sent, and is sent with the rest of its line.
      await typeInPiecesAndSend(t, client, server, message("behind it", "the next"), 5, {
        lineBefore: message("whole", "a line"),
      });
    },
  }),

  "client-sends-pasted-lines": check({
    title: "Your client sends every line of several that arrive at once (a paste, or input from a file)",
    advice: true,
    run: (t) => pastedLinesAllSent(t),
  }),

  "client-prints-while-idle": check({
    title: "Your client prints messages from the server while nothing is typed",
    run: async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      const print = (text: string, because: string) =>
        client.expectOutput(text, { timeoutMs: t.step, because, hint: HINT.clientWaits });
      const first = message("[Client 7]", "anyone there?");
      await server.send(first);
      await print(first, "a message from the server, while nothing was typed");
      // Two messages back to back may arrive in one recv(): both must show.
      const second = message("[Client 8]", "yes, me");
      const third = message("[Client 7]", "good");
      await server.send(second);
      await server.send(third);
      await print(second, "the second of two messages sent back to back");
      await print(third, "the third message");
      // One byte is a message too: a receive of one byte is not the server closing.
      await server.send("^");
      await print("^", "a message of one byte");
      await typeAndSend(t, client, server, message("typed afterwards", "I am here too"));
    },
  }),

  "client-exit-command": check({
    title: "Typing exit closes your client's connection and exits 0",
    run: async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      await typeAndSend(t, client, server, message("a line", "before leaving"));
      await client.writeLine("exit");
      await expectClientExit(client, {
        timeoutMs: t.step,
        because: "after exit was typed",
        hint: HINT.clientExit,
      });
    },
  }),

  "client-end-of-input": check({
    title: "The end of input closes your client's connection and exits 0",
    run: async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      await typeAndSend(t, client, server, message("a line", "before the end of input"));
      await client.closeStdin();
      await expectClientExit(client, {
        timeoutMs: t.step,
        because: "once its input ended",
        hint: HINT.clientEof,
      });
    },
  }),

  "client-exits-when-server-leaves": check({
    title: "Your client exits 0 when the server closes the connection",
    run: async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      await typeAndSend(t, client, server, message("a line", "is the server still there?"));
      const printedBefore = client.stdout.totalBytes + client.stderr.totalBytes;
      await server.close();
      await expectClientExit(client, {
        timeoutMs: t.step,
        because: "after the server closed the connection, with nothing typed",
        hint: HINT.serverGone,
      });
      // Handout: "if the server closes, it prints a notice and exits 0"; any words, on either stream.
      if (client.stdout.totalBytes + client.stderr.totalBytes === printedBefore) {
        throw new CheckFailure(
          "the client exited 0 when the server closed the connection, but printed no notice of it",
          HINT.serverGone,
        );
      }
    },
  }),

  "client-with-c-server": check({
    title: "Your client chats through the C reference server",
    run: (t) => clientThroughReferenceServer(t, "c"),
  }),

  "client-with-python-server": check({
    title: "Your client chats through the Python reference server",
    run: (t) => clientThroughReferenceServer(t, "python"),
  }),

  "client-waits-in-epoll": check({
    title: "Your client waits for its input and the socket in epoll_wait",
    run: async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      await typeAndSend(t, client, server, message("a line", "then nothing"));
      await requireWaitsInEpoll(t, "client", client);
    },
  }),
};
