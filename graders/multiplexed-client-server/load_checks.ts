/**
 * The server under load: a burst bigger than any buffer, many joins over
 * its life, a member that fails in the middle of a broadcast.
 *
 * @module
 */

import { check } from "../../harness/mod.ts";
import { burstServedInFull } from "./burst.ts";
import { LIFETIME_CLIENTS, manyJoinsOverLife } from "./churn.ts";
import { failedMemberMidBroadcast } from "./race.ts";

/**
 * The checks of this module, to spread into the grader's `checks`.
 *
 * @example
 * ```ts ignore
 * defineGrader({ lab, checks: { ...loadChecks } });
 * ```
 */
export const loadChecks = {
  "burst-served-in-full": check({
    title: "Many lines arriving at once (several buffers' worth) all reach the other clients, in order",
    needs: ["interleaved-senders-in-order"],
    run: (t) => burstServedInFull(t),
  }),
  "many-joins-over-life": check({
    title:
      `After ${LIFETIME_CLIENTS} clients have joined and left over the server's life, newcomers still hear and are heard`,
    // Failed there, and each would fail this one too: a server that keeps
    // departed sockets (it runs out of descriptors first), one that leaves
    // late joiners out or delivers twice after a rejoin, and one that spins
    // (1100 joins against a spinning server outlast the check's budget on a
    // loaded machine). The first of these that did not pass is named.
    needs: ["idle-server-sleeps", "departed-sockets-closed", "rejoin-delivers-exactly-once"],
    run: (t) => manyJoinsOverLife(t),
  }),
  "failed-member-mid-broadcast": check({
    title:
      "A member whose connection fails during a broadcast does not keep the message from the members after it",
    // Failed there, and each would fail this one for another reason: a
    // server that loses lines arriving together, leaves late joiners out,
    // dies of a reset (or of SIGPIPE), keeps departed sockets (each round
    // waits for them to close) or serves a burst only in part. Listed in
    // that order, so that the skip names the check the fault is about.
    needs: [
      "interleaved-senders-in-order",
      "late-joiner-receives",
      "reset-leave-keeps-serving",
      "departed-sockets-closed",
      "burst-served-in-full",
    ],
    run: (t) => failedMemberMidBroadcast(t),
  }),
};
