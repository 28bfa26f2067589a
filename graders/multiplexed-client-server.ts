/**
 * Grader of the `multiplexed-client-server` lab: the epoll chat (spec
 * section 2).
 *
 * The student's server is driven by harness clients (cheap TCP peers, so a
 * hundred of them cost nothing) and by the reference clients; the student's
 * client by a harness server and by the reference servers. Three rules keep
 * the checks deterministic:
 *
 * - A client counts as joined once the server has `accept()`ed it (seen in
 *   `/proc/net/tcp`): a single-threaded server registers a client right
 *   after accepting it, so a message sent from then on must reach it.
 * - The byte stream has no message boundaries: what each peer received is
 *   searched for the unique texts of the messages, in order, whatever prefix
 *   the server adds and however the reads were split.
 * - "Never sent back to its sender" and "exactly once" are proven by order,
 *   not by waiting: a single-threaded server finishes one broadcast before
 *   it reads the next message, so an echo or a duplicate reaches a client
 *   before the next message does.
 *
 * Nothing runs under a tracer: the two structure checks (worth little) look
 * in `/proc` for where the idle program is blocked (`observe.ts`).
 *
 * @module
 */

import {
  check,
  CheckFailure,
  DeadlineError,
  defineGrader,
  formatMs,
  type LabProcess,
  type Language,
  memoryChecks,
  pollUntil,
  type TcpPeer,
  waitChannel,
  z,
} from "../harness/mod.ts";
import {
  chatRoom,
  clientName,
  HINT,
  join,
  longMessage,
  message,
  openDescriptors,
  requireNotEchoed,
  say,
  serverDied,
  whileServerRuns,
} from "./multiplexed-client-server/chat.ts";
import { clientChecks } from "./multiplexed-client-server/client_checks.ts";
import { loadChecks } from "./multiplexed-client-server/load_checks.ts";
import { rejoinDeliversExactlyOnce } from "./multiplexed-client-server/membership.ts";
import { requireWaitsInEpoll } from "./multiplexed-client-server/observe.ts";

const grader = defineGrader({
  lab: "multiplexed-client-server",
  settings: {
    /** Clients connected at once in the scale check (spec: "serves any number of clients at once (at least 100)"). */
    crowd_size: z.number().int().positive().default(100),
    /** The share of a busy loop's CPU an idle server may use (spec: "An idle server sleeps in `epoll_wait`"; the rest is margin). */
    max_idle_cpu_share: z.number().positive().max(1).default(0.2),
  },
  checks: {
    "broadcast-reaches-others": check({
      title: "A message from one client reaches every other client, text intact",
      run: async (t) => {
        const { server, clients: [a, b, c] } = await chatRoom(t, 3);
        await say(t, server, a, message("A1"), [b, c]);
        await say(t, server, b, message("B1", "jumps over the lazy dog"), [a, c]);
        // One byte is a message too: a receive of one byte is not the client leaving.
        await say(t, server, a, "~", [b, c]);
        const long = longMessage("C1");
        await say(t, server, c, long, [a, b]);
        // A shorter message after a longer one: a server that forwards its
        // buffer up to an old terminator sends the end of the long one along.
        const short = message("C2", "hi");
        await say(t, server, c, short, [a, b], HINT.leftovers);
        const marker = message("B2", "next");
        await say(t, server, b, marker, [a]);
        const text = a.received.text;
        const from = text.indexOf(short) + short.length;
        const between = text.slice(from, text.indexOf(marker, from));
        const leftover = long.slice(short.length, short.length + 12);
        if (between.includes(leftover)) {
          throw new CheckFailure(
            `after the message ${JSON.stringify(short)}, client A also received ${
              JSON.stringify(between.slice(0, 60))
            }: the end of the earlier, longer message is still there`,
            HINT.leftovers,
          );
        }
      },
    }),

    "sender-not-echoed": check({
      title: "A message is never sent back to its sender",
      run: async (t) => {
        const { server, clients: [a, b, c] } = await chatRoom(t, 3);
        const [m1, m2, m3, m4] = ["A1", "B1", "C1", "A2"].map((tag) => message(tag));
        await say(t, server, a, m1, [b, c]);
        await say(t, server, b, m2, [a, c]);
        requireNotEchoed(a, m1, m2);
        await say(t, server, c, m3, [a, b]);
        requireNotEchoed(b, m2, m3);
        await say(t, server, a, m4, [b, c]);
        requireNotEchoed(c, m3, m4);
      },
    }),

    "interleaved-senders-in-order": check({
      title: "Several clients sending at once; each sender's messages arrive in order",
      run: async (t) => {
        const { server, clients } = await chatRoom(t, 3);
        // Lines end in "\n", as a client reading its input with fgets() sends
        // them. Two rounds go one message per write, interleaved between the
        // senders; then each sender writes its last two messages at once, so
        // that one recv() on the server gets both: a server that assumes one
        // read is one message (and cuts it at the first newline) loses some.
        // Tolerance (spec: "as text that contains the message (usually
        // prefixed with a sender id"): a server prefixes each piece it
        // forwards, so the texts must not be cut by a read. Bursts larger
        // than a buffer are burst-served-in-full's, which takes prefixes out.
        // Each sender's messages together stay under 255 bytes, so however
        // the server's recv() groups them, none is cut by a prefix.
        const rounds = 4;
        const sent = clients.map((_, s) =>
          Array.from(
            { length: rounds },
            (_, k) => message(`${clientName(s)}-${k + 1}`, `part ${k + 1} of ${rounds}`),
          )
        );
        await whileServerRuns(server, "while three clients were sending at once", async () => {
          for (const k of [0, 1]) {
            for (let s = 0; s < clients.length; s++) await clients[s].send(`${sent[s][k]}\n`);
          }
          for (let s = 0; s < clients.length; s++) await clients[s].send(`${sent[s][2]}\n${sent[s][3]}\n`);
        });
        for (const [r, receiver] of clients.entries()) {
          const expected = sent.filter((_, s) => s !== r);
          const all = expected.flat();
          const complete = await receiver.received.waitUntil(
            (seen) => all.every((m) => seen.text.includes(m)),
            t.step,
          );
          if (!complete) {
            await server.waitExit(100);
            if (!server.running) throw serverDied(server, "while three clients were sending at once");
            const missing = all.filter((m) => !receiver.received.text.includes(m));
            throw new CheckFailure(
              `${receiver.label} did not receive ${missing.map((m) => JSON.stringify(m)).join(", ")} ${
                receiver.received.giveUpReason(t.step)
              } (the other two clients had sent ${rounds} messages each, interleaved, the last two in one write)`,
              HINT.stream,
            );
          }
          const text = receiver.received.text;
          for (const messages of expected) {
            for (let k = 1; k < messages.length; k++) {
              if (text.indexOf(messages[k]) < text.indexOf(messages[k - 1])) {
                throw new CheckFailure(
                  `${receiver.label} received ${JSON.stringify(messages[k])} before ${
                    JSON.stringify(messages[k - 1])
                  }, though they were sent in the other order by the same client`,
                  HINT.order,
                );
              }
            }
          }
        }
      },
    }),

    "late-joiner-receives": check({
      title: "A client that connects later receives later messages and is heard",
      run: async (t) => {
        const { server, clients: [a, b] } = await chatRoom(t, 2);
        await say(t, server, a, message("A1"), [b]);
        const c = await join(t, server, "client C (joined later)");
        await say(t, server, a, message("A2"), [b, c], HINT.register);
        await say(t, server, c, message("C1", "hello, I just joined"), [a, b], HINT.register);
      },
    }),

    "clean-leave-keeps-serving": check({
      title: "A client that disconnects does not stop the server or the others",
      run: async (t) => {
        const { server, clients: [a, b, c] } = await chatRoom(t, 3);
        await say(t, server, a, message("A1"), [b, c]);
        await c.close();
        await say(t, server, a, message("A2", "C has left"), [b], HINT.leave);
        await say(t, server, b, message("B1", "so it seems"), [a], HINT.leave);
        const d = await join(t, server, "client D (joined after C left)");
        await say(t, server, d, message("D1", "hello"), [a, b], HINT.leave);
      },
    }),

    "reset-leave-keeps-serving": check({
      title: "A client that vanishes with a reset (RST) does not stop the server or the others",
      run: async (t) => {
        const { server, clients: [a, b, c, x] } = await chatRoom(t, 4);
        await say(t, server, a, message("A1"), [b, c, x]);
        await x.reset();
        // Several broadcasts: a server still sending to the reset client gets
        // ECONNRESET, then EPIPE (and SIGPIPE) on the next send.
        await say(t, server, a, message("A2", "D vanished"), [b, c], HINT.leave);
        await say(t, server, b, message("B1", "so it seems"), [a, c], HINT.leave);
        await say(t, server, c, message("C1", "still here"), [a, b], HINT.leave);
        const e = await join(t, server, "client E (joined after D vanished)");
        await say(t, server, e, message("E1", "hello"), [a, b, c], HINT.leave);
      },
    }),

    "hundred-clients": check({
      title: "100 clients connected at once all receive a broadcast",
      run: async (t) => {
        const count = t.settings.crowd_size;
        const server = await t.startServer(t.submission);
        const clients = await whileServerRuns(
          server,
          `while ${count} clients were joining`,
          () => t.connectMany(count, { label: (i) => `client ${i + 1}`, server }),
        );
        t.note(`${count} clients connected and accepted`);
        for (
          const [from, text] of [[0, message("first", "hello crowd")], [
            count - 1,
            message("last", "hi all"),
          ]] as const
        ) {
          const sender = clients[from];
          const others = clients.filter((c) => c !== sender);
          await whileServerRuns(server, `with ${count} clients connected`, () => sender.send(text));
          const got = await Promise.all(
            others.map((c) => c.received.waitUntil((seen) => seen.text.includes(text), t.step)),
          );
          const missed = others.filter((_, i) => !got[i]);
          if (missed.length > 0) {
            await server.waitExit(100);
            if (!server.running) throw serverDied(server, `with ${count} clients connected`);
            throw new CheckFailure(
              `the message ${sender.label} sent reached ${
                others.length - missed.length
              } of the ${others.length} other clients ${
                missed[0].received.giveUpReason(t.step)
              }; ${missed.length} got nothing: ${missed.slice(0, 3).map((c) => c.label).join(", ")}${
                missed.length > 3 ? ` … ${missed.at(-1)!.label}` : ""
              } (clients are numbered in the order they connected)`,
              HINT.scale,
            );
          }
        }
      },
    }),

    "idle-server-sleeps": check({
      title: "With connected but silent clients, the server uses almost no CPU",
      run: async (t) => {
        const maxShare = t.settings.max_idle_cpu_share;
        const { server, clients: [a, b, c, d, e] } = await chatRoom(t, 5);
        await say(t, server, a, message("A1"), [b, c, d, e]);
        // One client leaves: its end of file must not keep the server busy.
        await e.close();
        await say(t, server, b, message("B1", "E has left"), [a, c, d]);
        const share = await t.cpuShareWhileIdle(server);
        const percent = (x: number) => `${Math.round(100 * x)}%`;
        t.note(
          `idle with 4 silent clients, the server used ${
            percent(share)
          } of the CPU a busy loop got meanwhile (at most ${percent(maxShare)} allowed)`,
        );
        if (!server.running) throw serverDied(server, "while its clients were silent");
        if (share > maxShare) {
          const where = waitChannel(server.pid);
          throw new CheckFailure(
            `with 4 connected clients and nothing to do, the server used ${
              percent(share)
            } of the CPU a busy loop got over the same time: it spins instead of sleeping${
              where ? ` (last seen in ${where})` : ""
            }`,
            HINT.idle,
          );
        }
      },
    }),

    "departed-sockets-closed": check({
      title: "The server closes the sockets of clients that leave (open descriptors come back down)",
      run: async (t) => {
        const { server, clients: [a, b] } = await chatRoom(t, 2);
        await say(t, server, a, message("A1"), [b]);
        const before = openDescriptors(server);
        if (before === undefined) throw serverDied(server, "after the first message");
        for (const way of ["close", "reset"] as const) {
          const visitors: TcpPeer[] = [];
          for (let i = 0; i < 3; i++) {
            visitors.push(await join(t, server, `visitor ${i + 1} (will ${way})`));
          }
          // Heard by the others: the server reads from the visitors, so they are in its epoll set.
          await say(t, server, visitors[0], message(`visitor-${way}`), [a, b]);
          const peak = openDescriptors(server);
          for (const visitor of visitors) await (way === "close" ? visitor.close() : visitor.reset());
          let now = peak;
          const back = await pollUntil(() => {
            now = openDescriptors(server);
            if (now === undefined) return false;
            return now <= before ? true : undefined;
          }, { timeoutMs: t.step, intervalMs: 10, what: "the descriptors to be closed" }).catch((error) => {
            if (error instanceof DeadlineError) return undefined;
            throw error;
          });
          if (back === false || !server.running) {
            await server.waitExit(100);
            throw serverDied(
              server,
              `when 3 clients ${way === "close" ? "disconnected" : "vanished with a reset"}`,
            );
          }
          if (!back) {
            throw new CheckFailure(
              `3 clients ${way === "close" ? "disconnected cleanly" : "vanished with a reset (RST)"}, but ${
                formatMs(t.step)
              } later the server still had ${now} open descriptors, ${
                now! - before
              } more than the ${before} it had before they joined: it does not close() the socket of a client ${
                way === "close" ? "whose recv() returned 0" : "whose recv() failed (ECONNRESET)"
              }`,
              HINT.closeOnLeave,
            );
          }
          t.note(
            `open descriptors: ${before}, then ${peak} with 3 more clients, back to ${before} once they ${
              way === "close" ? "disconnected" : "reset"
            }`,
          );
        }
        await say(t, server, a, message("A2", "just us again"), [b]);
      },
    }),

    "rejoin-delivers-exactly-once": check({
      title:
        "After clients leave and others join (on the same descriptor numbers), each message reaches every member exactly once",
      run: (t) => rejoinDeliversExactlyOnce(t),
    }),

    "server-with-reference-clients": check({
      title: "Your server carries a chat between the C and Python reference clients",
      run: async (t) => {
        const server = await t.startServer(t.submission);
        const joined: LabProcess[] = [];
        const join = async (language: Language, label: string) => {
          const client = t.start(t.reference(language), "client", { label });
          joined.push(client);
          await t.waitAccepted(joined.length, { server });
          return client;
        };
        const c1 = await join("c", "C reference client 1");
        const c2 = await join("c", "C reference client 2");
        const py = await join("python", "Python reference client");
        const hear = async (speaker: LabProcess, text: string, listeners: LabProcess[]) => {
          await speaker.writeLine(text);
          for (const listener of listeners) {
            await listener.expectOutput(text, {
              timeoutMs: t.step,
              because: `the line typed on the ${speaker.label}`,
              via: [server],
              hint: HINT.broadcast,
            });
          }
        };
        await hear(c1, message("typed on C client 1", "good morning"), [c2, py]);
        await hear(py, message("typed on the Python client", "morning!"), [c1, c2]);
        await c1.writeLine("exit");
        await c1.expectExit({ timeoutMs: t.step, because: "(the reference client, after exit)" });
        await whileServerRuns(
          server,
          "after a reference client left",
          () => hear(c2, message("typed on C client 2", "C1 left"), [py]),
        );
      },
    }),

    ...loadChecks,

    ...clientChecks,

    "server-waits-in-epoll": check({
      title: "Your server waits for events in epoll_wait",
      run: async (t) => {
        const { server, clients: [a, b] } = await chatRoom(t, 2);
        await say(t, server, a, message("A1"), [b]);
        await requireWaitsInEpoll(t, "server", server);
      },
    }),
  },
});

// Leaves (clean and reset), a burst and typed lines again, instrumented; the server never ends, so its leaks show
// only in Python (a socket left to the collector when a client leaves), the client's at its end of input.
Object.assign(
  grader.checks,
  memoryChecks({
    errors: [
      grader.checks["clean-leave-keeps-serving"],
      grader.checks["reset-leave-keeps-serving"],
      grader.checks["burst-served-in-full"],
      grader.checks["client-sends-typed-lines"],
    ],
    leaks: [
      grader.checks["clean-leave-keeps-serving"],
      grader.checks["client-end-of-input"],
    ],
  }),
);

export default grader;
