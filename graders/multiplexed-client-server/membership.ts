/**
 * Membership changes with exact delivery counts: clients leave (cleanly and
 * by reset), newcomers join, typically on the very descriptor number a
 * departed client had, and then every message must reach every current
 * member exactly once and never its sender.
 *
 * Counting is exact without waiting for "nothing more to come": a
 * single-threaded server sends all copies of one message before it reads
 * the next, and TCP keeps each connection in order. So once a member has
 * received a later message, every copy of the earlier ones it was ever
 * going to get is already in its stream.
 *
 * @module
 */

import {
  type CheckContext,
  CheckFailure,
  type LabProcess,
  socketDescriptor,
  type TcpPeer,
} from "../../harness/mod.ts";
import { chatRoom, HINT, join, message, say } from "./chat.ts";
import { serverDescriptor } from "./observe.ts";

/**
 * How many times `needle` occurs in `haystack`, overlaps not counted.
 *
 * @example
 * ```ts
 * import { occurrences } from "./membership.ts";
 * occurrences("[1]: hi[2]: hi", "hi"); // 2
 * ```
 */
export function occurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** The short name of a harness client ("E" for "client E (joined after C left)"), for message tags. */
function tagOf(peer: TcpPeer): string {
  return /^client (\w+)/.exec(peer.label)?.[1] ?? peer.label;
}

/** One membership change: who leaves, how, and the label of who joins next. */
interface Change {
  leaver: TcpPeer;
  way: "close" | "reset";
  newcomer: string;
}

/**
 * The check: four clients; one leaves cleanly and a newcomer joins, then
 * one vanishes with a reset and another newcomer joins. After each change
 * every member speaks once, and each message must have reached every other
 * member exactly once.
 *
 * @example
 * ```ts ignore
 * "rejoin-delivers-exactly-once": (t) => rejoinDeliversExactlyOnce(t),
 * ```
 */
export async function rejoinDeliversExactlyOnce(t: CheckContext): Promise<void> {
  const { server, clients } = await chatRoom(t, 4);
  const [a, b, c, d] = clients;
  await say(t, server, a, message("A0", "everyone is here"), [b, c, d]);
  const members = [...clients];
  const changes: Change[] = [
    { leaver: c, way: "close", newcomer: "client E (joined after C left)" },
    { leaver: d, way: "reset", newcomer: "client F (joined after D vanished)" },
  ];
  for (const [round, change] of changes.entries()) {
    const newcomer = await replace(t, server, members, change);
    await everyoneSpeaksOnce(t, server, members, round + 1, newcomer);
  }
}

/**
 * `change.leaver` leaves; once the server has dealt with it, the newcomer
 * joins. Updates `members` and says (in a note, and in any later failure)
 * whether the newcomer took over the leaver's descriptor number.
 */
async function replace(
  t: CheckContext,
  server: LabProcess,
  members: TcpPeer[],
  change: Change,
): Promise<Newcomer> {
  const pid = server.programPid() ?? server.pid;
  const before = serverDescriptor(pid, change.leaver, t.port);
  await (change.way === "close" ? change.leaver.close() : change.leaver.reset());
  members.splice(members.indexOf(change.leaver), 1);
  const [first, ...rest] = members;
  await say(
    t,
    server,
    first,
    message(`${tagOf(first)}-after-${change.way}`, `${change.leaver.label} has gone`),
    rest,
    HINT.leave,
  );
  // Idle again: the departure, pending before that message, has been dealt
  // with, so a server that closes departed sockets has closed this one.
  await server.waitBlocked(t.step);
  const closed = before !== undefined && socketDescriptor(pid, before.inode) === undefined;
  const peer = await join(t, server, change.newcomer);
  const after = serverDescriptor(pid, peer, t.port);
  const left = change.way === "close" ? "left" : "vanished";
  const sameNumber = before !== undefined && after?.fd === before.fd;
  const story = sameNumber
    ? `${peer.label} got descriptor ${
      after!.fd
    } in the server, the one ${change.leaver.label} had before it ${left}`
    : `${change.leaver.label} had descriptor ${before?.fd ?? "?"} in the server${
      closed ? "" : " (not closed when it " + left + ")"
    }; ${peer.label} got descriptor ${after?.fd ?? "?"}`;
  t.note(story);
  members.push(peer);
  return { peer, story };
}

/** A client that joined after a departure, and how its descriptor relates to the departed one's. */
interface Newcomer {
  peer: TcpPeer;
  story: string;
}

/**
 * Every member sends one message in turn, then the first speaks again so
 * that the last speaker's stream is complete too; then each message must
 * appear exactly once in every other member's stream and not in its
 * sender's.
 */
async function everyoneSpeaksOnce(
  t: CheckContext,
  server: LabProcess,
  members: TcpPeer[],
  round: number,
  newcomer: Newcomer,
): Promise<void> {
  const spoken: { sender: TcpPeer; text: string }[] = [];
  for (const sender of members) {
    const text = message(`${tagOf(sender)}${round}`, `round ${round}, said once`);
    await say(t, server, sender, text, members.filter((m) => m !== sender), HINT.exactlyOnce);
    spoken.push({ sender, text });
  }
  const closing = message(`${tagOf(members[0])}${round}-end`, "that is all");
  await say(t, server, members[0], closing, members.slice(1), HINT.exactlyOnce);
  for (const { sender, text } of spoken) {
    for (const member of members) {
      const times = occurrences(member.received.text, text);
      const expected = member === sender ? 0 : 1;
      if (times === expected) continue;
      const whose = member === sender ? "its own message" : `the message ${sender.label} sent`;
      throw new CheckFailure(
        `${member.label} received ${whose} ${JSON.stringify(text)} ${
          times === 1 ? "once" : `${times} times`
        }, where it should have ${
          expected === 0 ? "never come back" : "arrived exactly once"
        } (${newcomer.story})`,
        HINT.exactlyOnce,
      );
    }
  }
}
