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
 * - "Never sent back to its sender" is proven by order, not by waiting: a
 *   single-threaded server finishes one broadcast before it reads the next
 *   message, so an echo would reach the sender before the next message does.
 *
 * Behaviour checks run untraced; only the two structure checks (worth little)
 * run the program under `strace` to see whether it waits in `epoll_wait`.
 *
 * @module
 */

import { CheckFailure, defineGrader } from "../harness/check.ts";
import type { CheckContext, Language } from "../harness/check.ts";
import type { TcpListenerPeer, TcpPeer } from "../harness/peer.ts";
import { describeExit, stderrExcerpt } from "../harness/process.ts";
import type { LabProcess } from "../harness/process.ts";
import { acceptQueueLength, openFdCount, readStat, waitChannel } from "../harness/procfs.ts";
import { readSyscalls, seenAny } from "../harness/strace.ts";
import type { SyscallCounts } from "../harness/strace.ts";
import { DeadlineError, formatMs, pollUntil } from "../harness/wait.ts";

/** The syscalls an epoll program waits in (glibc uses either, by architecture). */
const EPOLL_WAITS = ["epoll_wait", "epoll_pwait", "epoll_pwait2"];
/** The other ways to wait for several descriptors at once. */
const OTHER_WAITS = ["poll", "ppoll", "select", "pselect6"];

const HINT = {
  broadcast: "for each message, send() it to every connected client except the one it came from",
  register: "after accept(), add the new socket to the epoll set (EPOLL_CTL_ADD) and to your list of clients",
  noEcho: "when broadcasting, skip the socket the message was received from",
  leftovers: "send exactly the bytes recv() returned (its return value), not strlen() of an old buffer",
  order: "forward each message as soon as it is received, in the order recv() returns the bytes",
  stream:
    "one recv() may return several messages, or part of one: forward all the bytes it returned (newlines included), not just the first line",
  leave:
    "when recv() returns 0 or -1, remove that client (EPOLL_CTL_DEL, close(), out of your list) and keep serving the others",
  sigpipe:
    "a send() to a client that has gone raises SIGPIPE: ignore it (signal(SIGPIPE, SIG_IGN) or MSG_NOSIGNAL) and drop the client when send() fails",
  scale:
    "keep the accepted sockets in a list (or array) that grows with the clients; do not scan a fixed range of descriptor numbers",
  idle:
    "block in epoll_wait() with a timeout of -1; a timeout of 0, non-blocking sockets polled in a loop, or a departed client left in the epoll set (its end of file is readable forever) make the server spin",
  closeOnLeave:
    "close() the socket of a client that leaves, whether recv() returned 0 (closed) or -1 (reset)",
  clientWaits:
    "wait for the standard input and the socket at once (epoll_wait on both); a client blocked in fgets() sees nothing until a line is typed",
  clientSends: "when epoll reports the standard input readable, read the line and send() it to the server",
  clientExit: 'compare each typed line with "exit" (without its newline), then close the socket and return 0',
  clientEof:
    "read() returning 0 (or fgets() returning NULL) on the standard input means its end: close and return 0",
  serverGone:
    "recv() returning 0 means the server closed the connection: print a notice, close the socket and return 0",
};

/** A unique message text; `tag` tells who sent it in transcripts. */
function message(tag: string, body = "the quick brown fox"): string {
  return `${tag}: ${body}`;
}

/** A 255-byte message (the protocol's maximum) of letters that do not repeat in a pattern. */
function longMessage(tag: string): string {
  let text = `${tag}-255:`;
  // A small linear congruential sequence (period 65536): no stretch of it recurs within 255 letters.
  for (let x = 7; text.length < 254;) {
    x = (x * 75 + 74) % 65537;
    text += String.fromCharCode(97 + (x % 26));
  }
  return text + "!";
}

/** Client labels: client A, B, C, … then numbers. */
function clientName(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : String(index + 1);
}

/** Describes a server that is gone, with the hint its way of ending calls for. */
function serverDied(server: LabProcess, during: string): CheckFailure {
  const status = server.status!;
  return new CheckFailure(
    `the server ${describeExit(status)} ${during}${stderrExcerpt(server)}`,
    status.signal === "SIGPIPE" ? HINT.sigpipe : HINT.leave,
  );
}

/** Runs `step`; if it fails because the server died, says that instead. */
async function whileServerRuns<T>(server: LabProcess, during: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    // The kernel closes a dead server's sockets before the parent reaps it.
    await server.waitExit(100);
    if (!server.running) throw serverDied(server, during);
    throw error;
  }
}

/** Connects a harness client to the student's server and waits until it is accepted. */
function join(t: CheckContext, server: LabProcess, label: string): Promise<TcpPeer> {
  return whileServerRuns(server, `before ${label} could join`, () => t.connectAccepted({ label, server }));
}

/** Starts the student's server and connects `count` harness clients, each accepted before the next. */
async function chatRoom(t: CheckContext, count: number): Promise<{ server: LabProcess; clients: TcpPeer[] }> {
  const server = await t.startServer(t.submission);
  const clients = await whileServerRuns(
    server,
    "while its first clients were joining",
    () => t.connectMany(count, { label: (i) => `client ${clientName(i)}`, server }),
  );
  return { server, clients };
}

/**
 * The server's open descriptors, or `undefined` once it has exited (a
 * zombie's descriptor table is empty, which must not read as "all closed").
 */
function openDescriptors(server: LabProcess, pid: number): number | undefined {
  const state = readStat(pid)?.state;
  if (!server.running || state === undefined || state === "Z" || state === "X") return undefined;
  return openFdCount(pid);
}

/** `sender` sends `text`; every one of `receivers` must receive it (after their previous match). */
async function say(
  t: CheckContext,
  server: LabProcess,
  sender: TcpPeer,
  text: string,
  receivers: TcpPeer[],
  hint = HINT.broadcast,
): Promise<void> {
  await whileServerRuns(
    server,
    `after ${sender.label} sent ${JSON.stringify(text.slice(0, 40))}`,
    async () => {
      await sender.send(text);
      await Promise.all(receivers.map((receiver) =>
        receiver.expectReceived(text, {
          timeoutMs: t.step,
          because: `the message ${sender.label} sent`,
          hint,
        })
      ));
    },
  );
}

/**
 * Fails if `sender` received `own` before `next`: the server sent the
 * message back to its sender (it would have done so before reading `next`).
 */
function requireNotEchoed(sender: TcpPeer, own: string, next: string): void {
  const text = sender.received.text;
  const upTo = text.indexOf(next);
  if (text.slice(0, upTo < 0 ? undefined : upTo).includes(own)) {
    throw new CheckFailure(
      `${sender.label} received its own message ${
        JSON.stringify(own)
      } back: a message must go to every other client, not to its sender`,
      HINT.noEcho,
    );
  }
}

/** Accepts the student's client on the harness server, or says why it never came. */
async function acceptStudentClient(
  t: CheckContext,
  listener: TcpListenerPeer,
  client: LabProcess,
): Promise<TcpPeer> {
  const accepting = listener.accept({ timeoutMs: 2 * t.step, label: "harness server" });
  accepting.catch(() => {}); // settled below, or abandoned if the client died
  const first = await Promise.race([accepting, client.exited.then(() => undefined)]);
  if (first) return first;
  if ((acceptQueueLength(t.port) ?? 0) > 0) return await accepting; // it connected, then died
  throw new CheckFailure(
    `the client ${describeExit(client.status!)} without connecting to 127.0.0.1:${t.port}${
      stderrExcerpt(client)
    }`,
    "connect to 127.0.0.1:5000 first thing, then wait for input",
  );
}

/** The student's client connected to a harness server (nothing typed yet). */
async function clientWithHarnessServer(
  t: CheckContext,
  options: { traceSyscalls?: string[] } = {},
): Promise<{ client: LabProcess & { traceFile?: string }; server: TcpPeer }> {
  const listener = t.listen();
  const client = t.start(t.submission, "client", options);
  const server = await acceptStudentClient(t, listener, client);
  return { client, server };
}

/**
 * Types `line` on the student's client; `server` must receive it. Returns
 * once the client waits again, so what the server sends next reaches a
 * waiting client, never one still busy after its send (where even a client
 * that only looks at the socket after each line would see it).
 */
async function typeAndSend(
  t: CheckContext,
  client: LabProcess,
  server: TcpPeer,
  line: string,
): Promise<void> {
  await client.writeLine(line);
  try {
    await server.expectReceived(line, {
      timeoutMs: t.step,
      because: "the line typed on the client's input",
      hint: HINT.clientSends,
    });
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    await client.waitExit(100);
    if (client.running) throw error;
    throw new CheckFailure(
      `the client ${describeExit(client.status!)} instead of sending the line ${
        JSON.stringify(line.slice(0, 40))
      } typed on its input${stderrExcerpt(client)}`,
      HINT.clientSends,
    );
  }
  await client.waitBlocked(t.step);
}

/**
 * The student's client chats through a reference server with two harness
 * clients: what it types reaches both, what one of them says is printed.
 */
async function clientThroughReferenceServer(t: CheckContext, language: Language): Promise<void> {
  const server = await t.startServer(t.reference(language));
  const a = await t.connectAccepted({ label: "harness client A", server });
  const client = t.start(t.submission, "client");
  const joined = await Promise.race([
    t.waitAccepted(2, { server }).then(() => true),
    client.exited.then(() => false),
  ]);
  if (!joined) {
    throw new CheckFailure(
      `the client ${describeExit(client.status!)} without joining the chat${stderrExcerpt(client)}`,
      "connect to 127.0.0.1:5000 first thing, then wait for input",
    );
  }
  const b = await t.connectAccepted({ label: "harness client B", server });
  const typed = message("typed on your client", "hello everyone, how is it going?");
  await client.writeLine(typed);
  for (const peer of [a, b]) {
    await peer.expectReceived(typed, {
      timeoutMs: t.step,
      because: "the line typed on the client, passed on by the reference server",
      hint: HINT.clientSends,
    });
  }
  await client.waitBlocked(t.step);
  const reply = message("harness client A", "fine, thanks for asking");
  await a.send(reply);
  await client.expectOutput(reply, {
    timeoutMs: t.step,
    because: "the message client A sent through the reference server",
    hint: HINT.clientWaits,
  });
}

/** Waits for a trace to show a multiplexing wait; the counts read last either way. */
async function tracedWaits(t: CheckContext, traceFile: string): Promise<SyscallCounts> {
  let counts: SyscallCounts = new Map();
  try {
    await pollUntil(async () => {
      counts = await readSyscalls(traceFile);
      return seenAny(counts, [...EPOLL_WAITS, ...OTHER_WAITS]).length > 0 ? true : undefined;
    }, { timeoutMs: t.step, intervalMs: 20, what: "a wait in the syscall trace" });
  } catch (error) {
    if (!(error instanceof DeadlineError)) throw error;
  }
  return counts;
}

/** Passes if the trace shows `epoll_wait`; otherwise says what the program waited in. */
function requireEpollWait(t: CheckContext, who: "server" | "client", counts: SyscallCounts): void {
  const epoll = seenAny(counts, EPOLL_WAITS);
  const others = seenAny(counts, OTHER_WAITS);
  const tally = (names: string[]) => names.map((n) => `${n} ${counts.get(n)}×`).join(", ");
  if (epoll.length > 0) {
    t.note(`the ${who} waited in ${tally(epoll)}`);
    return;
  }
  throw new CheckFailure(
    others.length > 0
      ? `the ${who} waited in ${tally(others)}, not in epoll_wait: it works, but the lab asks for epoll`
      : `the trace of the ${who} shows no epoll_wait, poll or select at all: it blocks in one call (accept, recv, read or fgets) at a time instead of waiting for whichever descriptor is ready`,
    who === "server"
      ? "create an epoll instance (epoll_create1), add the listening socket and every client to it, and loop on epoll_wait()"
      : "add the standard input (descriptor 0) and the socket to an epoll instance and loop on epoll_wait()",
  );
}

export default defineGrader({
  lab: "multiplexed-client-server",
  checks: {
    "broadcast-reaches-others": async (t) => {
      const { server, clients: [a, b, c] } = await chatRoom(t, 3);
      await say(t, server, a, message("A1"), [b, c]);
      await say(t, server, b, message("B1", "jumps over the lazy dog"), [a, c]);
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

    "sender-not-echoed": async (t) => {
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

    "interleaved-senders-in-order": async (t) => {
      const { server, clients } = await chatRoom(t, 3);
      // Lines end in "\n", as a client reading its input with fgets() sends
      // them. Two rounds go one message per write, interleaved between the
      // senders; then each sender writes its last two messages at once, so
      // that one recv() on the server gets both: a server that assumes one
      // read is one message (and cuts it at the first newline) loses some.
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

    "late-joiner-receives": async (t) => {
      const { server, clients: [a, b] } = await chatRoom(t, 2);
      await say(t, server, a, message("A1"), [b]);
      const c = await join(t, server, "client C (joined later)");
      await say(t, server, a, message("A2"), [b, c], HINT.register);
      await say(t, server, c, message("C1", "hello, I just joined"), [a, b], HINT.register);
    },

    "clean-leave-keeps-serving": async (t) => {
      const { server, clients: [a, b, c] } = await chatRoom(t, 3);
      await say(t, server, a, message("A1"), [b, c]);
      await c.close();
      await say(t, server, a, message("A2", "C has left"), [b], HINT.leave);
      await say(t, server, b, message("B1", "so it seems"), [a], HINT.leave);
      const d = await join(t, server, "client D (joined after C left)");
      await say(t, server, d, message("D1", "hello"), [a, b], HINT.leave);
    },

    "reset-leave-keeps-serving": async (t) => {
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

    "hundred-clients": async (t) => {
      const count = Number(t.settings.crowd_size ?? 100);
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

    "idle-server-sleeps": async (t) => {
      const maxShare = Number(t.settings.max_idle_cpu_share ?? 0.2);
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
        const where = waitChannel(server.programPid() ?? server.pid);
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

    "departed-sockets-closed": async (t) => {
      const { server, clients: [a, b] } = await chatRoom(t, 2);
      await say(t, server, a, message("A1"), [b]);
      const pid = server.programPid() ?? server.pid;
      const before = openDescriptors(server, pid);
      if (before === undefined) throw serverDied(server, "after the first message");
      for (const way of ["close", "reset"] as const) {
        const visitors: TcpPeer[] = [];
        for (let i = 0; i < 3; i++) {
          visitors.push(await join(t, server, `visitor ${i + 1} (will ${way})`));
        }
        // Heard by the others: the server reads from the visitors, so they are in its epoll set.
        await say(t, server, visitors[0], message(`visitor-${way}`), [a, b]);
        const peak = openDescriptors(server, pid);
        for (const visitor of visitors) await (way === "close" ? visitor.close() : visitor.reset());
        let now = peak;
        const back = await pollUntil(() => {
          now = openDescriptors(server, pid);
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

    "server-with-reference-clients": async (t) => {
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

    "client-sends-typed-lines": async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      await typeAndSend(t, client, server, message("first line", "hello there"));
      await typeAndSend(t, client, server, message("second line", "and another one"));
      await typeAndSend(t, client, server, longMessage("third line"));
    },

    "client-prints-while-idle": async (t) => {
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
      await typeAndSend(t, client, server, message("typed afterwards", "I am here too"));
    },

    "client-exit-command": async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      await typeAndSend(t, client, server, message("a line", "before leaving"));
      await client.writeLine("exit");
      await client.expectExit({ timeoutMs: t.step, because: "after exit was typed", hint: HINT.clientExit });
    },

    "client-end-of-input": async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      await typeAndSend(t, client, server, message("a line", "before the end of input"));
      await client.closeStdin();
      await client.expectExit({ timeoutMs: t.step, because: "once its input ended", hint: HINT.clientEof });
    },

    "client-exits-when-server-leaves": async (t) => {
      const { client, server } = await clientWithHarnessServer(t);
      await typeAndSend(t, client, server, message("a line", "is the server still there?"));
      await server.close();
      await client.expectExit({
        timeoutMs: t.step,
        because: "after the server closed the connection, with nothing typed",
        hint: HINT.serverGone,
      });
    },

    "client-with-c-server": (t) => clientThroughReferenceServer(t, "c"),
    "client-with-python-server": (t) => clientThroughReferenceServer(t, "python"),

    "server-waits-in-epoll": async (t) => {
      const server = await t.startServer(t.submission, { traceSyscalls: [...EPOLL_WAITS, ...OTHER_WAITS] });
      const a = await join(t, server, "client A");
      const b = await join(t, server, "client B");
      await say(t, server, a, message("A1"), [b]);
      requireEpollWait(t, "server", await tracedWaits(t, server.traceFile!));
    },

    "client-waits-in-epoll": async (t) => {
      const { client, server } = await clientWithHarnessServer(t, {
        traceSyscalls: [...EPOLL_WAITS, ...OTHER_WAITS],
      });
      await typeAndSend(t, client, server, message("a line", "traced"));
      requireEpollWait(t, "client", await tracedWaits(t, client.traceFile!));
    },
  },
});
