/**
 * A member whose connection fails in the middle of a broadcast: the send
 * to it fails, and the members after it must get the message all the same.
 *
 * The failure is provoked, not waited for. Each round, member X joins just
 * before members Y and Z (so X comes before them by join order and by
 * descriptor number), then vanishes without a word, as a peer whose host
 * crashed: no FIN, no RST (`TcpPeer.vanish`). The server still lists X.
 * Then S writes a burst of several buffers' worth at once. The server's
 * send of the first piece to X is answered by a RST, so its send of the
 * next piece fails, while X's own event (the reset) waits behind S's in
 * epoll's ready list: a broadcast that gives up at the first failed send
 * leaves Y and Z without that piece. This does not hang on timing; rounds
 * are repeated only in case the kernel defers the RST (its softirq work
 * handed to `ksoftirqd` on a busy machine).
 *
 * Where the kernel refuses a silent vanish (`TCP_REPAIR` needs
 * `CAP_NET_ADMIN`, which the check's network namespace gives), X resets
 * instead just after S sends: a race, made likely and tried more often.
 *
 * @module
 */

import { type CheckContext, CheckFailure, formatSize, type TcpPeer } from "../../harness/mod.ts";
import { BURST_BYTES, burstLines, decoration, inOrder, undecorated } from "./burst.ts";
import { chatRoom, HINT, message, openDescriptors, say, serverDied, whileServerRuns } from "./chat.ts";
import { descriptorsUntil } from "./churn.ts";

/**
 * Rounds before the check concludes the server copes: with a silent vanish,
 * each round shows the fault unless the kernel deferred the RST; with a
 * reset, a race, so more rounds. Tolerance, from the spec: "A member whose
 * connection failed does not stop the message from reaching the members
 * after it" (and "never dies of SIGPIPE or a failed send").
 */
export const ROUNDS = { vanish: 8, reset: 30 };

/**
 * Members ahead of X in the broadcast, S among them. Tolerance: few, so
 * that descriptors stay low (a hundred clients at once is another check's).
 */
const AHEAD = 4;

/**
 * The check: rounds of the scene above, until Y or Z misses part of what
 * S sent, or the rounds are over.
 *
 * @example
 * ```ts ignore
 * "failed-member-mid-broadcast": check({ title: "…", run: (t) => failedMemberMidBroadcast(t) }),
 * ```
 */
export async function failedMemberMidBroadcast(t: CheckContext): Promise<void> {
  const { server, clients } = await chatRoom(t, AHEAD);
  const [speaker, ...ahead] = clients;
  speaker.prepareImmediate();
  await say(t, server, speaker, message("S0", "more are coming"), ahead);
  const base = openDescriptors(server);
  if (base === undefined) throw serverDied(server, "after the first message");
  let silent = true;
  let rounds = ROUNDS.vanish;
  for (let round = 1; round <= rounds; round++) {
    const [x, y, z] = await whileServerRuns(
      server,
      `when the members of round ${round} joined`,
      () => t.connectMany(3, { server, label: (i) => `client ${"XYZ"[i]}${round}` }),
    );
    const first = message(`S${round}a`, "X, Y and Z are here");
    const second = message(`S${round}b`, "something long comes next");
    await say(t, server, speaker, first, [...ahead, x, y, z]);
    await say(t, server, speaker, second, [...ahead, x, y, z]);
    let lines: string[];
    if (silent && await x.vanish()) {
      lines = burstLines(`r${round}x`, BURST_BYTES);
      await whileServerRuns(
        server,
        `when client S sent a burst after X${round} vanished`,
        () => speaker.send(lines.map((line) => `${line}\n`).join("")),
      );
    } else {
      if (silent) {
        silent = false;
        rounds = ROUNDS.reset;
        t.note("this kernel refused a silent vanish (TCP_REPAIR): each round resets X instead, a race");
      }
      x.prepareImmediate();
      lines = [message(`S${round}`, `said as X${round} vanished`)];
      // Within microseconds: the message is in the server's socket before the reset.
      speaker.sendNow(lines[0]);
      await x.reset();
    }
    const after = [y, z];
    const got = await Promise.all(after.map(async (m) => {
      const around = decoration(m.received.text, first, second);
      const count = () => inOrder(undecorated(m.received.text, around), lines);
      await m.received.waitUntil(() => count() === lines.length, t.step);
      return count();
    }));
    if (got.some((count) => count < lines.length)) {
      await server.waitExit(100);
      if (!server.running) throw serverDied(server, `when client X${round} had vanished`);
      throw missed(t, { round, silent, lines, after, got });
    }
    await Promise.all(after.map((m) => m.close()));
    // X (once the server has seen its reset), Y and Z gone: the next three take their descriptors, X the lowest.
    const settled = await descriptorsUntil(t, server, (n) => n <= base);
    if (settled.count === undefined) throw serverDied(server, `when the members of round ${round} left`);
    if (!settled.ok) {
      throw new CheckFailure(
        `after round ${round}, with X${round} reset and Y${round} and Z${round} gone, the server still held ${settled.count} descriptors (${base} before they joined)`,
        HINT.closeOnLeave,
      );
    }
  }
  t.note(
    silent
      ? `${rounds} times a member vanished (its host gone) just before a burst was broadcast, so sending to it failed mid-broadcast; the members after it received every line each time`
      : `${rounds} times a member vanished with a reset just as a message was broadcast; the members after it received it every time`,
  );
}

/** What a round saw when a member after X missed something. */
interface Miss {
  round: number;
  silent: boolean;
  lines: string[];
  after: TcpPeer[];
  got: number[];
}

/** The failure of a round: what X did, what S sent, what Y and Z received of it. */
function missed(t: CheckContext, miss: Miss): CheckFailure {
  const { round, lines, after, got } = miss;
  const short = after.filter((_, i) => got[i] < lines.length);
  const story = miss.silent
    ? `client X${round} vanished without a word (like a crashed host: no FIN, no RST), so the server's first send to it was answered by a RST and its next send failed; meanwhile client S had sent ${lines.length} lines (${
      formatSize(lines.reduce((n, line) => n + line.length + 1, 0))
    }) in one write`
    : `client X${round} vanished with a reset (RST) just as client S sent ${JSON.stringify(lines[0])}`;
  const received = short.map((m) =>
    `${m.label} received only the first ${got[after.indexOf(m)]} of the ${lines.length}`
  ).join(
    ", ",
  );
  return new CheckFailure(
    `in round ${round}, ${story}: ${received} ${
      short[0].received.giveUpReason(t.step)
    } (Y and Z joined after X). When the send to X fails, the broadcast stops there`,
    HINT.failedSend,
  );
}
