/**
 * Many joins over one server's life: visitors come in small groups, are
 * heard and hear, and leave, over and over, while two members stay all
 * along. A server whose table of clients hands out each slot once (and
 * never again after its client left) runs out after as many joins as it has
 * slots, however few clients are connected at once.
 *
 * Joins are paced by the server's open descriptors (`/proc/PID/fd`, cheap),
 * not by `/proc/net/tcp` (several milliseconds a read): visitors count as
 * accepted once the server holds that many more descriptors, and no more
 * than two wait in its accept queue at a time (what a listen backlog of 1
 * holds).
 *
 * @module
 */

import {
  type CheckContext,
  CheckFailure,
  DeadlineError,
  type LabProcess,
  pollUntil,
  StalledError,
  type TcpPeer,
} from "../../harness/mod.ts";
import { chatRoom, HINT, message, openDescriptors, say, serverDied } from "./chat.ts";

/**
 * Clients that join over the server's life, the two that stay included.
 * Tolerance, from the spec: "every message reaches every current member
 * exactly once, however many clients have joined and left over the
 * server's life (a table whose slots are never reused is a fault)". More
 * than 1024, the descriptor limit a submission runs under (`open_files`)
 * and glibc's `FD_SETSIZE`, the largest table a student plausibly sizes.
 */
export const LIFETIME_CLIENTS = 1100;

/**
 * Visitors connected at once. Tolerance: small, so that a server within the
 * other checks' limits (a hundred clients at once, descriptors below 32 for
 * a server scanning a range) is not failed here for that.
 */
const GROUP = 16;

/** What a failure says about how far the server got, and where to look. */
function afterJoins(joined: number, rationale: string): CheckFailure {
  return new CheckFailure(
    `after ${joined} clients had joined over the server's life (never more than ${
      GROUP + 2
    } at once, the others gone): ${rationale}`,
    HINT.slots,
  );
}

/**
 * Waits until the number of descriptors the server holds satisfies
 * `wanted`; `ok` false if the step passes first (or nothing can change any
 * more), `count` the last number seen, `undefined` once the server exited.
 *
 * @example
 * ```ts ignore
 * const back = await descriptorsUntil(t, server, (n) => n <= base);
 * ```
 */
export async function descriptorsUntil(
  t: CheckContext,
  server: LabProcess,
  wanted: (count: number) => boolean,
): Promise<{ ok: boolean; count: number | undefined }> {
  let count: number | undefined;
  const ok = await pollUntil(() => {
    count = openDescriptors(server);
    if (count === undefined) return false;
    return wanted(count) ? true : undefined;
  }, { timeoutMs: t.step, intervalMs: 1, what: "the server's open descriptors" }).catch((error) => {
    if (error instanceof DeadlineError || error instanceof StalledError) return false;
    throw error;
  });
  return { ok, count };
}

/**
 * Connects `size` visitors, at most `room` at a time waiting in the accept
 * queue, each accepted once the server holds that many more descriptors
 * than `base`.
 */
async function admit(
  t: CheckContext,
  server: LabProcess,
  { base, size, joined, room }: { base: number; size: number; joined: number; room: number },
): Promise<TcpPeer[]> {
  const group: TcpPeer[] = [];
  for (let i = 0; i < size; i++) {
    group.push(await t.connect({ label: `visitor ${joined + i + 1}` }));
    if ((i + 1) % room !== 0 && i !== size - 1) continue;
    const seen = await descriptorsUntil(t, server, (n) => n >= base + group.length);
    if (seen.ok) continue;
    if (seen.count === undefined) throw serverDied(server, `when visitor ${joined + group.length} joined`);
    const kept = seen.count - base;
    const away = group.slice(kept);
    const closed = away.some((visitor) => visitor.received.ended)
      ? " (the server closed its connection)"
      : "";
    throw afterJoins(
      joined + kept,
      `${away[0].label} was not kept${closed}: the server held ${seen.count} descriptors, not the ${
        base + group.length
      } it would with ${away.length === 1 ? "that client" : `visitors up to ${away.at(-1)!.label}`} as well`,
    );
  }
  return group;
}

/**
 * The check: clients A and B stay; visitors join {@link GROUP} at a time
 * until {@link LIFETIME_CLIENTS} have joined, each group hears A and is
 * heard by A and B, then leaves.
 *
 * @example
 * ```ts ignore
 * "many-joins-over-life": check({ title: "…", run: (t) => manyJoinsOverLife(t) }),
 * ```
 */
export async function manyJoinsOverLife(t: CheckContext): Promise<void> {
  const { server, clients: [a, b] } = await chatRoom(t, 2);
  await say(t, server, a, message("A0", "visitors are coming"), [b]);
  const base = openDescriptors(server);
  if (base === undefined) throw serverDied(server, "after the first message");
  // Linux queues backlog + 1 connections for a listener: two fit even the handout's listen(fd, 1).
  const room = 2;
  let joined = 2;
  for (let round = 1; joined < LIFETIME_CLIENTS; round++) {
    const size = Math.min(GROUP, LIFETIME_CLIENTS - joined);
    const group = await admit(t, server, { base, size, joined, room });
    joined += group.length;
    try {
      await say(t, server, a, message(`A-${round}`, `welcome, group ${round}`), group, HINT.slots);
      await say(t, server, group[0], message(`V-${round}`, "hello and goodbye"), [a, b], HINT.slots);
    } catch (error) {
      if (!(error instanceof CheckFailure) || !server.running) throw error;
      throw afterJoins(joined, error.rationale);
    }
    for (const visitor of group) await visitor.close();
    const back = await descriptorsUntil(t, server, (n) => n <= base);
    if (back.count === undefined) throw serverDied(server, `when the visitors of group ${round} left`);
    if (!back.ok) {
      throw new CheckFailure(
        `when ${group.length} visitors left, the server still held ${back.count} descriptors (${base} before they joined)`,
        HINT.closeOnLeave,
      );
    }
  }
  await say(t, server, b, message("B1", "all gone again"), [a]);
  t.note(
    `${joined} clients joined over the server's life, at most ${
      GROUP + 2
    } at once; each group of visitors heard and was heard`,
  );
}
