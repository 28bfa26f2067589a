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
    // A server that keeps departed sockets open runs out of descriptors long
    // before; one that delivers twice after a rejoin is failed there.
    needs: ["departed-sockets-closed", "rejoin-delivers-exactly-once"],
    run: (t) => manyJoinsOverLife(t),
  }),
  "failed-member-mid-broadcast": check({
    title:
      "A member whose connection fails during a broadcast does not keep the message from the members after it",
    // A server that dies of a reset (or of SIGPIPE), keeps departed sockets
    // (each round waits for them to close), or serves a burst only in part,
    // is failed there.
    needs: ["reset-leave-keeps-serving", "departed-sockets-closed", "burst-served-in-full"],
    run: (t) => failedMemberMidBroadcast(t),
  }),
};
