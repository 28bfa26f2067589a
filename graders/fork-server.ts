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

import {
  check,
  type CheckContext,
  CheckFailure,
  defineGrader,
  formatMs,
  type LabProcess,
  memoryChecks,
  require,
  settle,
} from "../harness/mod.ts";
import { describeHolders, distinctServers, servedByGrandchild } from "./fork-server_processes.ts";
import {
  CHILDREN_EXITING_TOGETHER,
  childrenExitTogether,
  LATER_REQUESTS,
  stillUnreapedLater,
  zombieChildPids,
} from "./fork-server_zombies.ts";
import {
  answerIn,
  ask,
  connectClient,
  exchange,
  expectedAnswer,
  OUT_OF_RANGE,
  requireAlive,
  requireReply,
  requireReplyBeforeEndOfInput,
  startServer,
} from "./fork-server_requests.ts";

/**
 * Sends `request` on a fresh connection as the handout's client does and
 * returns what arrived by the time the server closed, the right answer was
 * in, or `timeoutMs` passed.
 */
async function replyTo(t: CheckContext, request: string, timeoutMs: number): Promise<string> {
  const peer = await connectClient(t, `client asking ${JSON.stringify(request)}`);
  await exchange(t, peer, request, timeoutMs);
  await peer.close();
  return peer.received.text;
}

/** A reply as rationales quote it. */
function describeReply(reply: string): string {
  return reply === "" ? "no reply" : JSON.stringify(reply);
}

/**
 * A connection closed without any request: closing it without a reply is
 * right, "out of range" is accepted too, anything else is a wrong reply. A
 * child that never closes it is judged by client-leaves-early (it is a
 * child that does not end), so here it only costs the wait.
 */
async function requireNothingForNothing(t: CheckContext, server: LabProcess): Promise<void> {
  const peer = await connectClient(t, "client that sends nothing and closes");
  await peer.closeWrite();
  const closed = await peer.waitClosedByPeer(2 * t.step);
  const reply = peer.received.text;
  if (!closed && reply === "") {
    t.note(
      "the server kept the connection open, without a reply, after the client closed it without a request",
    );
  }
  require(
    reply === "" || answerIn(reply) === OUT_OF_RANGE,
    `a connection closed without any request got the reply ${
      JSON.stringify(reply)
    }: nothing asked, nothing to answer (closing without a reply is right, "out of range" is accepted)`,
    'when the client closes without sending anything (recv() returns 0), close the connection without a reply (or reply "out of range")',
  );
  await peer.close();
  requireAlive(server, "after a connection closed without any request");
}

/** Runs the student's client against the running reference server and requires the answer to fib(n). */
async function requireClientPrints(t: CheckContext, host: string, n: string): Promise<void> {
  const client = t.start(t.submission, "client", { args: [host, String(t.port), n] });
  await client.expectExit({ timeoutMs: 5 * t.step, because: `after asking for fib(${n})` });
  require(
    answerIn(client.stdout.text) === expectedAnswer(n),
    `./client ${host} ${t.port} ${n} printed ${
      JSON.stringify(client.stdout.text.trim())
    }, not a line containing ${JSON.stringify(expectedAnswer(n))}`,
    'print the server\'s reply as it arrives, e.g. printf("%s\\n", reply)',
  );
}

const grader = defineGrader({
  lab: "fork-server",
  checks: {
    "answers": check({
      title: "fib(n) is right for n = 0, 1, 2, 10, 30, 34",
      run: async (t) => {
        await startServer(t);
        // Tolerance: a reply carries its answer anywhere in it (answerIn): the handout's client prints
        // "function(30): <reply>" and the lab asks for "a line containing the reply"; spec: "tolerant about formatting".
        for (const n of ["0", "1", "2", "10", "30", "34"]) {
          // fib(34) by plain recursion takes a while, in Python above all.
          await ask(t, n, { exact: true, timeoutMs: Number(n) >= 30 ? 5 * t.step : t.step });
        }
      },
    }),

    "replies-before-end-of-input": check({
      title: "The reply comes while the client keeps its side open, as the handout's client.py does",
      run: async (t) => {
        await startServer(t);
        await requireReplyBeforeEndOfInput(t);
      },
    }),

    "out-of-range": check({
      title:
        '35, 1000, -1, abc, 5x, x5 and 70 letters get "out of range", a connection closed without a request gets no reply (or "out of range"), and the server stays up',
      run: async (t) => {
        const server = await startServer(t);
        // "For n > 34, or a request that is not a number, the reply is out of range" (handout): a number
        // with a letter after or before it is not one (atoi and a check of the first character alone take
        // 5x for 5), nor is a request longer than any buffer sized for a number.
        for (const request of ["35", "1000", "-1", "abc", "5x", "x5", "q".repeat(70)]) {
          await ask(t, request, { exact: true, timeoutMs: 2 * t.step });
          requireAlive(server, `after the request ${JSON.stringify(request)}`);
        }
        // Tolerance: "A client that closes without sending anything gets no reply: just close the
        // connection (replying `out of range` is accepted too)" (handout).
        await requireNothingForNothing(t, server);
        await ask(t, "10");
      },
    }),

    "trailing-newline": check({
      title: 'A request ending in a newline ("30\\n", what echo 30 | nc sends) is answered 1346269',
      run: async (t) => {
        await startServer(t);
        // What `echo 30 | nc` sends; fib(30) takes a while in Python. "A trailing newline may follow
        // the number" (handout): the newline is the only addition tried, the handout names no other.
        const withNewline = await replyTo(t, "30\n", 5 * t.step);
        if (answerIn(withNewline) === expectedAnswer("30")) return;
        // Only the newline is judged here: a server that answers "30" just as
        // wrongly (or keeps the connection open) loses points elsewhere.
        const without = await replyTo(t, "30", 5 * t.step);
        if (answerIn(withNewline) === answerIn(without)) {
          t.note('"30\\n" was answered like "30": the newline changes nothing');
          return;
        }
        throw new CheckFailure(
          `the request "30\\n" (what echo 30 | nc sends) got ${describeReply(withNewline)}, but "30" got ${
            describeReply(without)
          }: the trailing newline changed the answer`,
          "a request may end with a newline: parse the number and ignore a trailing \\n (and \\r)",
        );
      },
    }),

    "stalled-client": check({
      title: "A client that sends nothing does not hold up the others",
      run: async (t) => {
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
    }),

    "client-leaves-early": check({
      title: "Clients that leave before their reply disturb no one",
      run: async (t) => {
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
        // Tolerance: two steps for them to end; the handout says they "must not hold up the other clients", not how fast they go.
        const copies = await settle(() => server.copies().length, (n) => n === 1, 2 * t.step);
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
    }),

    "parallel-requests": check({
      title: "Eight clients at once are served by eight processes (speed-up reported)",
      run: async (t) => {
        const server = await startServer(t);
        const started = performance.now();
        await ask(t, "32", { timeoutMs: 10 * t.step });
        const oneMs = performance.now() - started;

        const clients = await Promise.all(
          Array.from({ length: 8 }, (_, i) => connectClient(t, `client ${i + 1}`)),
        );
        // Eight clients connected and silent: a fork-per-client server now has
        // a process for each, whatever the machine's load. Tolerance: more than 9 is fine ("Daemonising or
        // double-forking children is fine", handout).
        const processes = await settle(() => server.copies().length, (n) => n >= 9, 2 * t.step);
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
    }),

    "no-zombies": check({
      title: "Finished children are reaped, also eight that exit at the same moment (no zombie stays)",
      run: async (t) => {
        const server = await startServer(t);
        for (let i = 0; i < 10; i++) await ask(t, String(i));
        // Tolerance (zombies tracked by pid): "It reaps its children, so none stays a zombie"
        // (handout) says none stays, not when each goes; reaping before the next accept() is fine.
        const sequential = await stillUnreapedLater(t, server, zombieChildPids(server.pid));
        if (sequential.length > 0) {
          // Zombies of children that exit at once are the middle of a double
          // fork (daemon() does one): the parent must reap them all the same.
          const daemonised = await servedByGrandchild(t, server.pid);
          throw new CheckFailure(
            `after 10 requests were answered one after the other, ${sequential.length} of the children that served them (pid${
              sequential.length === 1 ? "" : "s"
            } ${
              sequential.join(", ")
            }) had exited and were still not reaped ${LATER_REQUESTS} requests later${
              daemonised
                ? "; each client is served by a grandchild, so these are the children that daemon() or a double fork ends at once, and the parent never waits for them"
                : ""
            }`,
            "reap children: a SIGCHLD handler calling waitpid(-1, NULL, WNOHANG) in a loop, or signal(SIGCHLD, SIG_IGN)" +
              (daemonised
                ? "; a child that calls daemon() exits inside it, and that exit needs reaping too"
                : ""),
          );
        }
        // "reaps all its children, also when several exit at once (signals merge: reap in a loop)" (spec 4).
        const together = await childrenExitTogether(t, server);
        if (together === undefined) return;
        const stuck = await stillUnreapedLater(t, server, together);
        require(
          stuck.length === 0,
          `${together.length} children serving ${CHILDREN_EXITING_TOGETHER} clients exited at the same moment, while the server process was held still; resumed, it had one SIGCHLD pending for them all (signals of one kind merge), and ${stuck.length} of them (pid${
            stuck.length === 1 ? "" : "s"
          } ${
            stuck.join(", ")
          }) were still zombies ${LATER_REQUESTS} requests later: the server reaps one child per signal`,
          "one SIGCHLD may stand for several exited children: in the handler, call waitpid(-1, NULL, WNOHANG) in a loop until it returns 0 or -1 (or use signal(SIGCHLD, SIG_IGN))",
        );
      },
    }),

    "descriptors-stay-flat": check({
      title: "The parent closes its copy of each connection (open files stay flat over 200 requests)",
      run: async (t) => {
        const server = await startServer(t);
        await ask(t, "1");
        const before = server.openDescriptors()!;
        for (let i = 0; i < 200; i++) await ask(t, String(i % 20));
        // Tolerance: two steps for the count to come back; "The parent closes its copy of the connection
        // at once" (handout), but the last child may still be forked when the last reply arrives.
        const after = await settle(() => server.openDescriptors() ?? 0, (n) => n <= before, 2 * t.step);
        require(
          after.ok,
          `the server had ${before} open file descriptors, and ${after.value} after 200 more requests`,
          "the parent must close() its copy of each accepted connection right after fork()",
        );
      },
    }),

    "children-exit": check({
      title: "Each child exits after its reply (one server process remains)",
      run: async (t) => {
        const server = await startServer(t);
        for (let i = 0; i < 5; i++) await ask(t, String(i));
        // Tolerance: two steps for the last child to exit after its reply ("closes the connection and exits").
        const copies = await settle(() => server.copies().length, (n) => n === 1, 2 * t.step);
        require(
          copies.ok,
          `after 5 requests were answered, ${copies.value} server processes were still running instead of 1`,
          "a child must exit (_exit(0)) after replying, not return into the accept loop",
        );
      },
    }),

    "forks-per-client": check({
      title: "Structure: each of three silent clients is served by a process of its own (seen in /proc)",
      run: async (t) => {
        const server = await startServer(t);
        // Silent clients keep their servers busy, so each needs a process
        // then; whoever holds a connection's server end (seen in /proc)
        // serves it. Threads share the server's own descriptors.
        const clients = [];
        for (let i = 1; i <= 3; i++) clients.push(await connectClient(t, `silent client ${i}`));
        t.note("three clients are connected and send nothing");
        const { handedOff, holders, serverPid } = await t.waitServedByChildren(server, clients);
        requireAlive(server, "while three clients were connected");
        require(
          handedOff,
          `with 3 clients connected and silent, once nothing could change any more (or after ${
            formatMs(t.step)
          }), ${
            describeHolders(holders, serverPid)
          }, where each should be held by a child process serving it`,
          "fork() a child right after accept() to serve that client (threads are not processes)",
        );
        const servers = distinctServers(holders, serverPid);
        require(
          servers,
          `3 silent clients were served by fewer than 3 processes (${
            describeHolders(holders, serverPid)
          }): one child process per client is the lab`,
          "fork() once per accepted connection, and let that child serve only that client",
        );
        t.note(`clients served by processes ${servers.join(", ")}`);
      },
    }),

    "ends-on-sigterm": check({
      title: "The server ends on SIGTERM, sent while it waits for a client",
      run: async (t) => {
        const server = await startServer(t);
        await ask(t, "10");
        // Seen waiting first, so that the signal finds it in accept(): a handler installed with
        // SA_RESTART (glibc's signal() does so) only sets its flag there, and accept() waits on.
        await server.waitBlocked(t.step);
        const pid = server.programPid();
        if (pid !== undefined) Deno.kill(pid, "SIGTERM");
        // Tolerance: any way of ending, a status or the signal itself. Handout: "it runs until SIGINT
        // or SIGTERM".
        await server.expectExit({
          code: "any",
          timeoutMs: t.step,
          because: "after SIGTERM, sent while it waited for a client (it runs until SIGINT or SIGTERM)",
          hint:
            "let SIGTERM end the server: keep its default action, or install a handler with sigaction() and no SA_RESTART (signal() restarts accept(), so a flag set in the handler is seen only at the next client), and leave the accept loop when accept() fails with EINTR and the flag is set",
        });
      },
    }),

    "client-prints-answer": check({
      title: "Your client, given the host localhost or 127.0.0.1, prints the server's answer and exits 0",
      run: async (t) => {
        await t.startServer(t.reference("c"), { args: [String(t.port)] });
        // Host names as the handout uses them: its client_bench.sh runs "client.py localhost PORT 30".
        const asked: [host: string, n: string][] = [
          ["127.0.0.1", "10"],
          ["localhost", "0"],
          ["localhost", "30"],
          ["localhost", "35"],
        ];
        let numericWorked = false;
        for (const [host, n] of asked) {
          try {
            await requireClientPrints(t, host, n);
          } catch (error) {
            if (!(error instanceof CheckFailure) || !numericWorked || host === "127.0.0.1") throw error;
            throw new CheckFailure(
              `given the host name localhost, as the handout's client_bench.sh gives it, ${error.rationale}; given 127.0.0.1 it worked: the client does not resolve host names`,
              "resolve HOST with getaddrinfo() (or gethostbyname()): inet_addr() and inet_aton() take only dotted numbers",
            );
          }
          if (host === "127.0.0.1") numericWorked = true;
        }
      },
    }),
  },
});

// Wrong requests, a client that leaves early and the client again, instrumented; each child ends after its client, so its leaks show.
Object.assign(
  grader.checks,
  memoryChecks({
    errors: [
      grader.checks["out-of-range"],
      grader.checks["client-leaves-early"],
      grader.checks["client-prints-answer"],
    ],
    leaks: [
      grader.checks["out-of-range"],
      grader.checks["client-prints-answer"],
    ],
  }),
);

export default grader;
