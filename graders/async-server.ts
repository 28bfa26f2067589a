/**
 * Grader of the `async-server` lab: uploads of a gigabyte to an epoll
 * server that serves each client in a child process (spec section 3).
 *
 * Correctness is never judged by a stopwatch: the lab's own receive loop
 * reads 10 bytes at a time on purpose. An upload fails only when the server
 * stops reading for a whole step; concurrency is proven with a stalled
 * client (a second upload must go through while a first one is connected
 * and silent). Speed is measured, and it chooses how much of a gigabyte to
 * verify within `upload_budget_ms` (a slow server is verified on less, and
 * told so); whether it is fast enough is the throughput advice's to say.
 *
 * The structure checks only look at the running server in `/proc` (where it
 * waits, which processes hold its connections): a tracer would deliver the
 * SIGCHLD that the lab's servers ignore and make their epoll_wait fail.
 *
 * @module
 */

import {
  check,
  CheckFailure,
  defineGrader,
  formatRate,
  formatSize,
  type LabProcess,
  memoryChecks,
  require,
  settle,
  type TcpPeer,
  UploadPattern,
} from "../harness/mod.ts";
import { ASYNC_SERVER_SETTINGS } from "./async-server/settings.ts";
import type { AsyncServerContext } from "./async-server/settings.ts";
import { clientChecks } from "./async-server/client_checks.ts";
import { throughputChecks } from "./async-server/throughput.ts";
import { requireEpollWaits, requireForkPerClient } from "./async-server/structure.ts";
import {
  endUploadsTogether,
  requireChildrenReaped,
  requireOneProcessAgain,
  requireParentIdles,
  requireParentSleepsAfterChildEnds,
  requireRunning,
} from "./async-server/lifecycle.ts";
import {
  bytesInFlight,
  scaledDownNote,
  sendSteadily,
  uploadWithinBudget,
  whileServerReads,
} from "./async-server/transfers.ts";

/** The uploads of the checks that look at the server between uploads: an odd size, a multiple of no buffer. */
const SMALL_UPLOAD = (256 << 10) - 12345;
/** The first upload of `concurrent-uploads`, stalled halfway while a second one goes through. */
const FIRST_UPLOAD = 2 << 20;
/** How much a stalled client sends before going silent: enough for any server to see it readable. */
const STALLED_AFTER = 64 << 10;

const RECEIVED_HINT = 'print a line containing "Received" once a client\'s upload is complete';
const FORK_HINT =
  "serve each client in a child process (fork() after accept()) so that one slow client cannot hold up the others";

/** Half-closes `peer` and requires the server to close its side once it has read everything, cleanly. */
async function requireServerCloses(t: AsyncServerContext, peer: TcpPeer, after: string): Promise<void> {
  await peer.closeWrite();
  if (!await whileServerReads(t, peer, (ms) => peer.waitClosedByPeer(ms))) {
    const unread = bytesInFlight(t, peer);
    throw new CheckFailure(
      `after ${after} and the client's end of file, the server did not close the connection: nothing happened on it for ${t.step} ms${
        unread > 0 ? `, with ${formatSize(unread)} of the upload still unread` : ""
      }`,
      "when recv() returns 0 the upload is complete: print the Received line and close the connection",
    );
  }
  require(
    !peer.wasReset,
    `after ${after}, the server reset the connection instead of closing it`,
    "close the connection only after reading everything, up to recv() returning 0",
  );
}

/** How many lines containing "Received" the server has printed. */
function receivedLines(server: LabProcess): number {
  return server.stdout.text.split("Received").length - 1;
}

/** Half-closes `peer` and waits, while the server keeps reading it, until it has printed `count` Received lines. */
async function waitReceivedLines(t: AsyncServerContext, server: LabProcess, peer: TcpPeer, count: number) {
  await peer.closeWrite();
  return await whileServerReads(
    t,
    peer,
    (ms) => server.stdout.waitUntil(() => receivedLines(server) >= count, ms),
  );
}

/**
 * One small upload for the checks that look at the server between uploads:
 * done when the server prints one more "Received" line. Whether it closes
 * the connection is for the upload checks to judge.
 */
async function smallUpload(
  t: AsyncServerContext,
  server: LabProcess,
  label: string,
  failure?: { rationale: string; hint: string },
): Promise<void> {
  const before = receivedLines(server);
  const peer = await t.connect({ label });
  await sendSteadily(t, peer, new UploadPattern(3), 0, SMALL_UPLOAD);
  require(
    await waitReceivedLines(t, server, peer, before + 1),
    failure?.rationale ??
      `after a ${
        formatSize(SMALL_UPLOAD)
      } upload and the client's end of file, the server printed no line containing "Received"`,
    failure?.hint ?? RECEIVED_HINT,
  );
  await peer.close();
}

/**
 * `count` clients upload {@link SMALL_UPLOAD} bytes each and end together
 * (their children exit at once, see endUploadsTogether): done when the
 * server has printed a "Received" line for each.
 */
async function uploadsEndingTogether(
  t: AsyncServerContext,
  server: LabProcess,
  count: number,
): Promise<void> {
  const before = receivedLines(server);
  const peers: TcpPeer[] = [];
  for (let i = 1; i <= count; i++) {
    const peer = await t.connect({ label: `together ${i}` });
    await sendSteadily(t, peer, new UploadPattern(3), 0, SMALL_UPLOAD);
    peers.push(peer);
  }
  const merged = await endUploadsTogether(t, server, peers);
  t.transcript.note(
    merged
      ? `${merged} children ended while the parent was stopped`
      : `the ${count} clients ended their uploads one after the other (the server does not catch SIGCHLD)`,
  );
  for (const peer of peers) {
    require(
      await whileServerReads(
        t,
        peer,
        (ms) => server.stdout.waitUntil(() => receivedLines(server) >= before + count, ms),
      ),
      `after ${count} uploads of ${
        formatSize(SMALL_UPLOAD)
      } that ended together, the server printed fewer than ${count} lines containing "Received"`,
      RECEIVED_HINT,
    );
  }
  for (const peer of peers) await peer.close();
}

const grader = defineGrader({
  lab: "async-server",
  settings: ASYNC_SERVER_SETTINGS,
  checks: {
    "single-upload": check({
      title: 'The server takes in a whole upload (1 GiB if its pace allows), prints "Received" and closes',
      run: async (t) => {
        // Tolerances: an upload fails only after a whole step in which the server read nothing, and a
        // server too slow for upload_budget_ms is verified on a halving of the upload. Spec section 3:
        // "The upstream skeleton's provided receive loop reads 10 bytes at a time ... on purpose:
        // correctness checks must not fail it for slowness" and "a slower server may be verified on a
        // smaller upload, and the report says so".
        const server = await t.startServer(t.submission);
        const total = t.settings.upload_bytes;
        const peer = await t.connect({ label: "uploader" });
        const pattern = new UploadPattern(1);
        const started = performance.now();
        const budgetMs = t.settings.upload_budget_ms;
        const { sent: size, bytesPerSecond } = await uploadWithinBudget(
          t,
          peer,
          pattern,
          total,
          budgetMs,
          "upload",
        );
        if (size < total) t.note(scaledDownNote(total, size, bytesPerSecond!));
        await requireServerCloses(t, peer, `the ${formatSize(size)} upload`);
        const ms = performance.now() - started;
        await server.expectOutput("Received", {
          timeoutMs: t.step,
          because: "a line saying the upload was received",
          hint: RECEIVED_HINT,
        });
        t.note(
          `the server took in ${formatSize(size)} in ${(ms / 1000).toFixed(2)} s: ${formatRate(size, ms)}`,
        );
      },
    }),

    "concurrent-uploads": check({
      title: "A second and a third upload complete while a first client is stalled mid-upload",
      run: async (t) => {
        // Tolerance: the second upload may be slow (a step without progress fails it, not a deadline), as
        // in single-upload. Spec: "a second client's upload proceeds while the first one is still connected".
        const server = await t.startServer(t.submission);
        const size = t.settings.concurrent_upload_bytes;
        // The first upload need not be large: only the second must outgrow the socket buffers.
        const firstSize = Math.min(size, FIRST_UPLOAD);
        const first = await t.connect({ label: "first client" });
        await sendSteadily(t, first, new UploadPattern(1), 0, firstSize / 2, { total: firstSize });
        t.transcript.note("the first client has sent half of its upload and waits, its connection open");
        const second = await t.connect({ label: "second client" });
        await sendSteadily(t, second, new UploadPattern(2), 0, size, {
          stalled: (sent) =>
            new CheckFailure(
              `while a first client was connected and silent in the middle of its upload, a second client could send only ${
                formatSize(sent)
              } of ${formatSize(size)}, then nothing for ${t.step} ms: the server is not reading it`,
              FORK_HINT,
            ),
        });
        // Who serves the second client, to know when it has ended: any process but the server itself.
        const secondChildren = t.connectionHolders(second).filter((pid) => pid !== server.programPid());
        require(
          await waitReceivedLines(t, server, second, 1),
          `the second client sent its whole upload and its end of file while the first client was connected, but the server printed no "Received" line for it`,
          FORK_HINT,
        );
        require(
          !first.received.ended,
          "the server closed the first client's connection while it was still uploading",
          "close a client's connection only after its upload is complete",
        );
        // A child ended while another still serves: the parent must sleep again and keep accepting (spec
        // section 3: "the parent keeps accepting ... the parent idles while children upload"). A third
        // client's whole upload, the first still stalled, proves the accepting; no tolerance.
        await requireParentSleepsAfterChildEnds(t, server, secondChildren);
        await smallUpload(t, server, "third client", {
          rationale:
            `once the second client's child had ended, with the first client still connected and silent, a third client's ${
              formatSize(SMALL_UPLOAD)
            } upload got no "Received" line: the server no longer takes in new clients while a child still runs`,
          hint:
            "reap with waitpid(-1, NULL, WNOHANG) in a loop: without WNOHANG, waitpid() blocks the parent until every other child has ended",
        });
        require(
          !first.received.ended,
          "the server closed the first client's connection while it was still uploading",
          "close a client's connection only after its upload is complete",
        );
        await sendSteadily(t, first, new UploadPattern(1), firstSize / 2, firstSize);
        require(
          await waitReceivedLines(t, server, first, 3),
          'after the three uploads the server printed fewer than three lines containing "Received"',
          RECEIVED_HINT,
        );
      },
    }),

    "no-zombies": check({
      title: "Every finished child is reaped, the first as well as the last (no zombie stays)",
      run: async (t) => {
        const server = await t.startServer(t.submission);
        // Tolerance: a zombie seen after one upload is not a fault, one still there after the next is.
        // Spec section 3: "a zombie that stays across later uploads is a fault; one not yet reaped at
        // the moment of looking is not" (details: requireChildrenReaped).
        // The second "upload" is three clients whose children end together, their SIGCHLD signals merged
        // (details: endUploadsTogether): a handler reaping one child per signal keeps two zombies, and one of
        // them is still there after the next upload. Spec section 3: "reaps every child".
        await requireChildrenReaped(
          t,
          server,
          4,
          (n) => n === 2 ? uploadsEndingTogether(t, server, 3) : smallUpload(t, server, `client ${n}`),
        );
      },
    }),

    "children-exit": check({
      title: "Each child exits after its upload: the server is one process again once every client is done",
      run: async (t) => {
        // No tolerance: "Each child exits after its upload: once every client is done, the server is one
        // process again" (spec section 3). A zombie counts as exited: reaping is no-zombies'.
        const server = await t.startServer(t.submission);
        for (let i = 1; i <= 2; i++) await smallUpload(t, server, `client ${i}`);
        await requireOneProcessAgain(t, server, "2 uploads");
      },
    }),

    "parent-idles": check({
      title: "The parent sleeps while a child uploads (the client is out of the parent's epoll set)",
      run: async (t) => {
        const server = await t.startServer(t.submission);
        const client = await t.connect({ label: "uploader" });
        const pattern = new UploadPattern(6);
        await sendSteadily(t, client, pattern, 0, STALLED_AFTER);
        const { handedOff } = await t.waitServedByChildren(server, [client]);
        requireRunning(server, "once a client had sent the start of its upload");
        if (client.received.ended || client.wasReset) {
          return t.note(
            "the server closed the connection before the parent could be watched: the upload checks judge that",
          );
        }
        if (!handedOff) {
          return t.note(
            "no child process took the connection over, so there is no parent to watch beside one: forks-per-client judges that",
          );
        }
        // Tolerance: fewer wake-ups than half the chunks (none expected; a stray signal or runtime timer is
        // not the fault). Spec section 3: "removes it from epoll (it must not wake for a child's
        // connection: the parent idles while children upload)" (details: requireParentIdles).
        await requireParentIdles(
          t,
          server,
          client,
          STALLED_AFTER,
          (from, to) => sendSteadily(t, client, pattern, from, to),
        );
      },
    }),

    "descriptors-return": check({
      title: "The parent closes its copy of each connection (open files return to their count)",
      run: async (t) => {
        // Tolerance: the count may take up to two steps to return (a child's exit, a reap, a close run
        // after the Received line). Spec: "the parent ... closes its copy of each client socket".
        const server = await t.startServer(t.submission);
        await smallUpload(t, server, "first client");
        const before = server.openDescriptors()!;
        for (let i = 2; i <= 6; i++) await smallUpload(t, server, `client ${i}`);
        const after = await settle(() => server.openDescriptors() ?? 0, (n) => n <= before, 2 * t.step);
        require(
          after.ok,
          `the server had ${before} open file descriptors, and ${after.value} after 5 more uploads`,
          "the parent must close() its copy of each accepted connection right after fork() (and remove it from epoll if it added it)",
        );
      },
    }),

    "uses-epoll": check({
      title: "Structure: the server waits for clients in epoll_wait",
      run: async (t) => {
        // Tolerance: epoll_pwait and epoll_pwait2 count as epoll_wait; only the server's own process is
        // looked at (its children wait in recv). Spec: "waits for connections with epoll".
        const server = await t.startServer(t.submission);
        await requireEpollWaits(t, server, "before any client connected");
        await smallUpload(t, server, "client 1");
        await requireEpollWaits(t, server, "after a client's upload was complete");
      },
    }),

    "forks-per-client": check({
      title: "Structure: each client is served by a child process of its own",
      run: async (t) => {
        // Tolerance: the clients are looked at twice, silent and after their first bytes, because the lab's
        // solution forks when a client's first bytes arrive ("Where the lab text is ambiguous, the upstream
        // solutions' behaviour is correct"). Spec: "each client is served in its own child process (fork)".
        const server = await t.startServer(t.submission);
        const clients: [TcpPeer, TcpPeer] = [
          await t.connect({ label: "first client" }),
          await t.connect({ label: "second client" }),
        ];
        await requireForkPerClient(t, server, clients, async () => {
          for (const client of clients) await sendSteadily(t, client, new UploadPattern(4), 0, STALLED_AFTER);
          t.transcript.note(
            `both clients have sent ${
              formatSize(STALLED_AFTER)
            } of their uploads and wait, their connections open`,
          );
        });
      },
    }),

    ...clientChecks,
    ...throughputChecks,
  },
});

// Uploads again, instrumented (the client's memory while it sends; the forked children end on their own, so
// their leaks show).
Object.assign(
  grader.checks,
  memoryChecks({
    errors: [
      grader.checks["concurrent-uploads"],
      grader.checks["client-sends-file"],
    ],
    leaks: [
      grader.checks["single-upload"],
    ],
  }),
);

export default grader;
