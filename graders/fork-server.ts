/**
 * Grader of the `fork-server` lab: a concurrent fork-per-client request/reply
 * server computing Fibonacci numbers (spec section 4).
 *
 * Concurrency is proven with stalled peers and process states, never with a
 * stopwatch: a client that sends nothing must not hold up the others, and 8
 * clients must have 8 server processes at once. The speed-up of 8
 * simultaneous requests is measured and reported, not scored.
 *
 * @module
 */

import { CheckFailure, defineGrader, require } from "../harness/check.ts";
import type { CheckContext } from "../harness/check.ts";
import type { TcpPeer } from "../harness/peer.ts";
import { openFdCount, sameProgram, zombieChildren } from "../harness/procfs.ts";
import type { LabProcess } from "../harness/process.ts";
import { PROCESS_CREATION_SYSCALLS, readProcessCreations } from "../harness/strace.ts";
import { formatMs, settle } from "../harness/wait.ts";

const OUT_OF_RANGE = "out of range";

/** fib(0) = fib(1) = 1, fib(n) = fib(n-1) + fib(n-2). */
function fib(n: number): number {
  let [previous, current] = [1, 1];
  for (let i = 1; i < n; i++) [previous, current] = [current, previous + current];
  return current;
}

/** The answer a reply carries: its last whole number, or "out of range". */
function answerIn(reply: string): string | undefined {
  if (reply.toLowerCase().includes(OUT_OF_RANGE)) return OUT_OF_RANGE;
  return reply.match(/\d+/g)?.at(-1);
}

/** What a request must be answered with. */
function expectedAnswer(request: string): string {
  return /^\d+$/.test(request) && Number(request) <= 34 ? String(fib(Number(request))) : OUT_OF_RANGE;
}

/** Starts the student's server on the lab port and waits until it listens. */
function startServer(t: CheckContext, options: { traceSyscalls?: string[] } = {}) {
  return t.startServer(t.submission, { args: [String(t.port)], ...options });
}

/** Opens a connection without sending anything yet. */
function connectClient(t: CheckContext, label: string): Promise<TcpPeer> {
  return t.connect({ label });
}

/**
 * Sends `request` on `peer` (then half-closes, so a server reading to end of
 * input works too) and requires the right answer before the server closes.
 */
async function requireAnswer(
  t: CheckContext,
  peer: TcpPeer,
  request: string,
  options: { timeoutMs?: number; hint?: string } = {},
): Promise<void> {
  if (request) await peer.send(request);
  await peer.closeWrite();
  const timeoutMs = options.timeoutMs ?? t.step;
  const closed = await peer.waitClosedByPeer(timeoutMs);
  const reply = peer.received.text;
  const expected = expectedAnswer(request);
  const shown = request === "" ? "an empty request" : `the request ${JSON.stringify(request)}`;
  if (!closed && answerIn(reply) !== expected) {
    throw new CheckFailure(
      `expected ${JSON.stringify(expected)} in reply to ${shown}, but ${
        reply ? `only ${JSON.stringify(reply)} arrived` : "no reply came"
      } ${peer.received.giveUpReason(timeoutMs)}`,
      options.hint ?? "serve every connection in a child process of its own: fork() right after accept()",
    );
  }
  if (!closed) {
    throw new CheckFailure(
      `the reply ${JSON.stringify(reply)} to ${shown} arrived, but the connection was still open ${
        peer.received.lastStall === undefined
          ? `${formatMs(timeoutMs)} later`
          : `and nothing could close it any more (${peer.received.lastStall})`
      }: a client reading the reply to its end waits forever`,
      "the child closes the connection after replying, and the parent must close() its own copy right after fork()",
    );
  }
  if (answerIn(reply) !== expected) {
    throw new CheckFailure(
      `expected ${JSON.stringify(expected)} in reply to ${shown}, but the server replied ${
        JSON.stringify(reply)
      }`,
      options.hint ??
        (expected === OUT_OF_RANGE
          ? 'reply "out of range" for n > 34, negative numbers, and requests that are not a number'
          : "fib(0) = fib(1) = 1 and fib(n) = fib(n-1) + fib(n-2): check the first values"),
    );
  }
}

/**
 * Sends `request` and requires some reply, right or wrong: the checks of
 * concurrency and hygiene judge processes and descriptors, not arithmetic.
 */
async function requireReply(
  t: CheckContext,
  peer: TcpPeer,
  request: string,
  options: { timeoutMs?: number; hint?: string } = {},
): Promise<void> {
  if (request) await peer.send(request);
  await peer.closeWrite();
  const timeoutMs = options.timeoutMs ?? t.step;
  const replied = await peer.received.waitUntil((s) => s.text.length > 0 || s.ended, timeoutMs);
  if (!replied || peer.received.text === "") {
    throw new CheckFailure(
      `no reply to the request ${JSON.stringify(request)} ${
        replied ? "before the server closed the connection" : peer.received.giveUpReason(timeoutMs)
      }`,
      options.hint ?? "serve every connection in a child process of its own: fork() right after accept()",
    );
  }
}

/** Asks one question on a fresh connection; `exact` also judges the answer and the closing. */
async function ask(
  t: CheckContext,
  request: string,
  options: { timeoutMs?: number; hint?: string; exact?: boolean } = {},
) {
  const peer = await connectClient(t, `client asking ${JSON.stringify(request)}`);
  if (options.exact) await requireAnswer(t, peer, request, options);
  else await requireReply(t, peer, request, options);
  await peer.close();
}

/** Fails unless the server process is still there. */
function requireAlive(server: LabProcess, after: string): void {
  if (!server.running) {
    throw new CheckFailure(
      `the server ${
        server.status?.signal
          ? `was killed by ${server.status.signal}`
          : `exited with status ${server.status?.code}`
      } ${after}`,
      "the parent must keep accepting whatever a client does; only the child serving it may end",
    );
  }
}

export default defineGrader({
  lab: "fork-server",
  checks: {
    "answers": async (t) => {
      await startServer(t);
      for (const n of ["0", "1", "2", "10", "30", "34"]) {
        // fib(34) by plain recursion takes a while, in Python above all.
        await ask(t, n, { exact: true, timeoutMs: Number(n) >= 30 ? 5 * t.step : t.step });
      }
    },

    "out-of-range": async (t) => {
      const server = await startServer(t);
      for (const request of ["35", "1000", "-1", "abc", ""]) {
        await ask(t, request, { exact: true, timeoutMs: 2 * t.step });
        requireAlive(server, `after the request ${JSON.stringify(request)}`);
      }
      await ask(t, "10");
    },

    "stalled-client": async (t) => {
      const server = await startServer(t);
      const stalled = await connectClient(t, "stalled client");
      t.transcript.note("the stalled client is connected and sends nothing");
      for (const n of ["5", "10", "20"]) {
        await ask(t, n, {
          hint:
            "a client that sends nothing must not hold up the others: accept, fork, and let the child wait for the request",
        });
      }
      await requireReply(t, stalled, "3");
      requireAlive(server, "after serving the stalled client");
    },

    "client-leaves-early": async (t) => {
      const server = await startServer(t);
      for (const request of ["34", "30"]) {
        const leaver = await connectClient(t, "client that leaves");
        await leaver.send(request);
        await leaver.close();
      }
      const silent = await connectClient(t, "client that leaves without a word");
      await silent.close();
      await ask(t, "10");
      await ask(t, "12");
      requireAlive(server, "after clients left before their reply");
      // The children of the clients that left must end too: one that waits or spins forever costs everyone.
      const pid = server.programPid()!;
      const copies = await settle(() => sameProgram(pid).length, (n) => n === 1, 2 * t.step);
      require(
        copies.ok,
        `after the clients that left were gone, ${copies.value - 1} child process${
          copies.value === 2 ? " was" : "es were"
        } still running (CPU use of the server and its children: ${
          Math.round(100 * await t.cpuShareWhileIdle(server))
        }% of a busy process)`,
        "recv() returns 0 when the client has left: the child must then reply or give up and exit, not try again",
      );
    },

    "parallel-requests": async (t) => {
      const server = await startServer(t);
      const serverPid = server.programPid()!;
      const started = performance.now();
      await ask(t, "32", { timeoutMs: 10 * t.step });
      const oneMs = performance.now() - started;

      const clients = await Promise.all(
        Array.from({ length: 8 }, (_, i) => connectClient(t, `client ${i + 1}`)),
      );
      // Eight clients connected and silent: a fork-per-client server now has
      // a process for each, whatever the machine's load.
      const processes = await settle(() => sameProgram(serverPid).length, (n) => n >= 9, 2 * t.step);
      require(
        processes.ok,
        `with 8 clients connected at once, the server ran ${processes.value} process${
          processes.value === 1 ? "" : "es"
        } instead of 9 (itself and a child per client)`,
        "fork a child for each connection as soon as accept() returns it",
      );
      const parallelStart = performance.now();
      await Promise.all(clients.map((peer) => requireReply(t, peer, "32", { timeoutMs: 10 * t.step })));
      const eightMs = performance.now() - parallelStart;
      const cores = navigator.hardwareConcurrency;
      t.note(
        `one fib(32) took ${formatMs(oneMs)}; eight at once took ${formatMs(eightMs)}: ${
          ((8 * oneMs) / eightMs).toFixed(1)
        }x the throughput of one at a time, on ${cores} core${cores === 1 ? "" : "s"}`,
      );
    },

    "no-zombies": async (t) => {
      const server = await startServer(t);
      for (let i = 0; i < 10; i++) await ask(t, String(i));
      const pid = server.programPid()!;
      // A server that reaps on its next accept() may keep the last child unreaped.
      const zombies = await settle(() => zombieChildren(pid).length, (n) => n <= 1, 2 * t.step);
      require(
        zombies.ok,
        `after 10 requests were answered, the server had ${zombies.value} zombie children (exited, never reaped)`,
        "reap children: a SIGCHLD handler calling waitpid(-1, NULL, WNOHANG) in a loop, or signal(SIGCHLD, SIG_IGN)",
      );
    },

    "descriptors-stay-flat": async (t) => {
      const server = await startServer(t);
      const pid = server.programPid()!;
      await ask(t, "1");
      const before = openFdCount(pid)!;
      for (let i = 0; i < 200; i++) await ask(t, String(i % 20));
      const after = await settle(() => openFdCount(pid) ?? 0, (n) => n <= before, 2 * t.step);
      require(
        after.ok,
        `the server had ${before} open file descriptors, and ${after.value} after 200 more requests`,
        "the parent must close() its copy of each accepted connection right after fork()",
      );
    },

    "children-exit": async (t) => {
      const server = await startServer(t);
      const pid = server.programPid()!;
      for (let i = 0; i < 5; i++) await ask(t, String(i));
      const copies = await settle(() => sameProgram(pid).length, (n) => n === 1, 2 * t.step);
      require(
        copies.ok,
        `after 5 requests were answered, ${copies.value} server processes were still running instead of 1`,
        "a child must exit (_exit(0)) after replying, not return into the accept loop",
      );
    },

    "forks-per-client": async (t) => {
      const server = await startServer(t, { traceSyscalls: PROCESS_CREATION_SYSCALLS });
      for (const n of ["1", "2", "3"]) await ask(t, n);
      await server.kill();
      const forks = await readProcessCreations(server.traceFile!);
      require(
        forks >= 3,
        `serving 3 clients, the server created ${forks} process${
          forks === 1 ? "" : "es"
        } (fork, or clone without CLONE_THREAD)`,
        "serve each client in a child process made with fork()",
      );
    },

    "client-prints-answer": async (t) => {
      await t.startServer(t.reference("c"), { args: [String(t.port)] });
      for (const n of ["0", "10", "30", "35"]) {
        const client = t.start(t.submission, "client", { args: ["127.0.0.1", String(t.port), n] });
        await client.expectExit({ timeoutMs: 5 * t.step, because: `after asking for fib(${n})` });
        const printed = answerIn(client.stdout.text);
        require(
          printed === expectedAnswer(n),
          `./client 127.0.0.1 ${t.port} ${n} printed ${
            JSON.stringify(client.stdout.text.trim())
          }, not a line containing ${JSON.stringify(expectedAnswer(n))}`,
          'print the server\'s reply as it arrives, e.g. printf("%s\\n", reply)',
        );
      }
    },
  },
});
