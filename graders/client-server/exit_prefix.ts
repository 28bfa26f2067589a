/**
 * Lines that merely start with `exit`: "Only the whole line `exit` ends a
 * peer: a message that merely starts with `exit` (`exits are on the left`)
 * is sent and answered like any other" (spec section 1). The upstream peers
 * compare the whole line (`strcmp(buf, "exit") == 0`, `message == "exit"`);
 * a peer comparing a prefix ends in the middle of a conversation.
 *
 * @module
 */

import { type CheckContext, CheckFailure, type LabProcess, type TcpPeer } from "../../harness/mod.ts";
import { harnessClientRound, harnessServerRound, ROUNDS } from "./conversation.ts";

/**
 * A message starting with `exit` that is not `exit`.
 *
 * @example
 * ```ts ignore
 * await client.writeLine(EXIT_PREFIXED_MESSAGE);
 * ```
 */
export const EXIT_PREFIXED_MESSAGE = "exits are on the left";

/**
 * A reply starting with `exit` that is not `exit`.
 *
 * @example
 * ```ts ignore
 * await server.writeLine(EXIT_PREFIXED_REPLY);
 * ```
 */
export const EXIT_PREFIXED_REPLY = "exit signs are lit";

const HINT_WHOLE_LINE =
  'compare the whole line with "exit" (strcmp(line, "exit") == 0 once the newline is removed), not its first ' +
  'four characters (strncmp(line, "exit", 4)): a message that merely starts with exit is sent like any other';

/**
 * Waits until `text` arrives on `peer` or the connection ends; fails,
 * naming the prefix fault, if it ended first (or nothing came).
 */
async function requireOnWire(
  t: CheckContext,
  peer: TcpPeer,
  program: LabProcess,
  text: string,
  typedOn: string,
): Promise<void> {
  await peer.received.waitUntil((s) => s.ended || s.hasAhead(text), t.step);
  if (peer.received.hasAhead(text)) return;
  throw new CheckFailure(
    peer.received.ended
      ? `when ${JSON.stringify(text)} was typed on the ${typedOn}, it closed the connection${
        program.running ? "" : " and exited"
      } instead of sending it: it takes a line that merely starts with exit for exit`
      : `${JSON.stringify(text)}, typed on the ${typedOn}, was not sent ${
        peer.received.giveUpReason(t.step)
      }`,
    HINT_WHOLE_LINE,
  );
}

/**
 * Your client sends a typed line starting with `exit`, prints a reply
 * starting with `exit`, and goes on talking.
 *
 * @example
 * ```ts ignore
 * await clientTreatsExitPrefixAsMessage(t);
 * ```
 */
export async function clientTreatsExitPrefixAsMessage(t: CheckContext): Promise<void> {
  const { client, peer } = await harnessServerRound(t);
  await client.writeLine(EXIT_PREFIXED_MESSAGE);
  await requireOnWire(t, peer, client, EXIT_PREFIXED_MESSAGE, "client");
  await peer.send(EXIT_PREFIXED_REPLY);
  await client.expectOutput(EXIT_PREFIXED_REPLY, {
    timeoutMs: t.step,
    because: "the reply the harness sent, which merely starts with exit",
    hint: HINT_WHOLE_LINE,
  });
  const [message] = ROUNDS[2];
  await client.writeLine(message);
  await peer.received.waitUntil((s) => s.ended || s.hasAhead(message), t.step);
  if (!peer.received.hasAhead(message)) {
    throw new CheckFailure(
      `after printing the reply ${
        JSON.stringify(EXIT_PREFIXED_REPLY)
      }, the client did not send the next line typed (${JSON.stringify(message)}): ${
        peer.received.ended
          ? "it closed the connection"
          : `nothing came ${peer.received.giveUpReason(t.step)}`
      }; a reply that merely starts with exit does not end the conversation`,
      HINT_WHOLE_LINE,
    );
  }
}

/**
 * Your server prints a received message starting with `exit`, and sends a
 * typed reply starting with `exit`.
 *
 * @example
 * ```ts ignore
 * await serverTreatsExitPrefixAsMessage(t);
 * ```
 */
export async function serverTreatsExitPrefixAsMessage(t: CheckContext): Promise<void> {
  const { server, peer } = await harnessClientRound(t);
  await peer.send(EXIT_PREFIXED_MESSAGE);
  try {
    await server.expectOutput(EXIT_PREFIXED_MESSAGE, {
      timeoutMs: t.step,
      because: "the message the harness sent, which merely starts with exit",
      hint: 'print a received message like any other unless it is exactly "exit"',
    });
  } catch (error) {
    if (!(error instanceof CheckFailure) || (server.running && !peer.received.ended)) throw error;
    throw new CheckFailure(
      `when the client sent ${JSON.stringify(EXIT_PREFIXED_MESSAGE)}, the server ${
        server.running ? "closed the connection" : "exited"
      } instead of printing it: it takes a message that merely starts with exit for exit (${error.rationale})`,
      HINT_WHOLE_LINE,
    );
  }
  await server.writeLine(EXIT_PREFIXED_REPLY);
  await requireOnWire(t, peer, server, EXIT_PREFIXED_REPLY, "server");
}
