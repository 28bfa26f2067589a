/**
 * How the `async-server` grader follows the server's children over its
 * life, from `/proc` only: which are zombies after each upload (by PID, so
 * that one not yet reaped is told from one never reaped), whether every
 * child exits once its upload is done, and whether the parent sleeps while
 * a child uploads. Nothing here traces the server (see structure.ts).
 *
 * @module
 */

import {
  allProcesses,
  CheckFailure,
  DeadlineError,
  descendants,
  describeExit,
  type LabProcess,
  pollUntil,
  readStat,
  settle,
  stderrExcerpt,
  type TcpPeer,
  treeBlocked,
} from "../../harness/mod.ts";
import type { AsyncServerContext } from "./settings.ts";
import { bytesInFlight } from "./transfers.ts";

/**
 * Fails the check, saying how, if the server has exited.
 *
 * @example
 * ```ts ignore
 * requireRunning(server, "after 3 uploads were complete");
 * ```
 */
export function requireRunning(server: LabProcess, when: string): void {
  if (server.running) return;
  throw new CheckFailure(`${when}, the server ${describeExit(server.status!)}${stderrExcerpt(server)}`);
}

/** The server's children as seen at one look: the unreaped ones, and every live process below it. */
interface ChildrenLook {
  zombies: number[];
  live: number[];
}

function lookAtChildren(pid: number): ChildrenLook & { waiting: boolean } {
  const all = allProcesses();
  return {
    zombies: all.filter((p) => p.ppid === pid && p.state === "Z").map((p) => p.pid),
    live: descendants(pid, all).filter((p) => p.state !== "Z").map((p) => p.pid),
    waiting: treeBlocked(pid, all),
  };
}

/**
 * The server's children once the last upload is over as far as it goes:
 * no child left running and the whole server waiting again, or, for a
 * server whose children never end, when the stall watch sees that nothing
 * can change any more (or two steps have passed).
 */
async function childrenOnceSettled(t: AsyncServerContext, server: LabProcess): Promise<ChildrenLook> {
  const pid = server.programPid()!;
  const seen = await settle(
    () => lookAtChildren(pid),
    (look) => !server.running || (look.live.length === 0 && look.waiting),
    2 * t.step,
  );
  return seen.value;
}

const REAP_HINT =
  "reap every child: install a SIGCHLD handler calling waitpid(-1, NULL, WNOHANG) in a loop before the first fork() " +
  "(epoll_wait then fails with EINTR: retry it); SIGCHLD set to SIG_IGN only after a child has exited does not reap that child";

/**
 * Runs `uploads` uploads one after the other and, after each, looks at
 * the server's zombie children by PID. A zombie seen at one look and
 * still there at the next, after another client's whole upload, is a
 * child that is never reaped: the check fails, naming it.
 *
 * The tolerance, from the lab text (spec section 3: "every child is
 * reaped, the first as well as the last (a zombie that stays across later
 * uploads is a fault; one not yet reaped at the moment of looking is
 * not)"): a zombie seen once is not a fault, whatever their number; a
 * server may reap a child on its next wake-up (the next client's accept).
 *
 * @example
 * ```ts ignore
 * await requireChildrenReaped(t, server, 3, (n) => smallUpload(t, server, `client ${n}`));
 * ```
 */
export async function requireChildrenReaped(
  t: AsyncServerContext,
  server: LabProcess,
  uploads: number,
  upload: (n: number) => Promise<void>,
): Promise<void> {
  const firstSeen = new Map<number, number>();
  let previous: number[] = [];
  for (let n = 1; n <= uploads; n++) {
    await upload(n);
    const { zombies } = await childrenOnceSettled(t, server);
    requireRunning(server, `after ${n} uploads were complete`);
    const stayed = zombies.filter((pid) => previous.includes(pid));
    if (stayed.length > 0) {
      const which = stayed.map((pid) => `process ${pid} (a zombie since upload ${firstSeen.get(pid)})`);
      throw new CheckFailure(
        `after upload ${n}, the server still had children that had exited before that upload and were never reaped: ${
          which.join(", ")
        }. It served a whole new client without reaping them: they stay zombies for good`,
        REAP_HINT,
      );
    }
    for (const pid of zombies) if (!firstSeen.has(pid)) firstSeen.set(pid, n);
    t.transcript.note(
      `after upload ${n}, the server has ${zombies.length} unreaped ${
        zombies.length === 1 ? "child" : "children"
      }${zombies.length ? ` (${zombies.join(", ")})` : ""}`,
    );
    previous = zombies;
  }
}

/**
 * Requires the server to be one process again once every upload is done:
 * each child has exited (a zombie counts as exited: reaping is
 * `no-zombies`' to judge). Waits for that event; a child that never exits
 * ends the wait when the stall watch sees nothing can change any more.
 *
 * No tolerance: the lab text says "Each child exits after its upload: once
 * every client is done, the server is one process again" (spec section 3).
 *
 * @example
 * ```ts ignore
 * await requireOneProcessAgain(t, server, "2 uploads");
 * ```
 */
export async function requireOneProcessAgain(
  t: AsyncServerContext,
  server: LabProcess,
  after: string,
): Promise<void> {
  const pid = server.programPid()!;
  let left = lookAtChildren(pid).live;
  await pollUntil(() => {
    left = lookAtChildren(pid).live;
    return left.length === 0 || !server.running ? true : undefined;
    // A child that never exits ends the wait through the stall watch; the deadline is a backstop.
  }, { timeoutMs: 4 * t.step, what: "the server's children to exit" }).catch((error) => {
    if (!(error instanceof DeadlineError)) throw error;
  });
  requireRunning(server, `after ${after} were complete`);
  if (left.length === 0) return t.transcript.note(`after ${after}, the server is one process again`);
  const { waits } = await server.waitingIn(t.step);
  const where = (child: number) => {
    const calls = [...new Set(waits.filter((w) => w.pid === child).map((w) => w.syscall))];
    return calls.length ? ` waiting in ${calls.join(", ")}` : "";
  };
  const looping = waits.some((w) => left.includes(w.pid) && /epoll|poll|select|accept/.test(w.syscall));
  throw new CheckFailure(
    `after ${after} were complete and every client had closed, the server was still ${
      left.length + 1
    } processes, not one: ${left.map((child) => `process ${child}${where(child)}`).join(", ")}${
      looping ? ": a child that served a client went on waiting for connections, as the parent does" : ""
    }`,
    "end the child with exit() (or _exit()) once its upload is received: a child that returns from the function " +
      "serving its client runs on in the parent's accept loop",
  );
}

/**
 * Wake-ups of every thread of `pid` so far: its context switches, each a
 * time one went to sleep (or was preempted) and ran again.
 *
 * @example
 * ```ts
 * import { wakeUps } from "./lifecycle.ts";
 * const before = wakeUps(Deno.pid);
 * ```
 */
export function wakeUps(pid: number): number {
  let total = 0;
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const status = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/status`);
      for (const field of ["voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"]) {
        total += Number(status.match(new RegExp(`^${field}:\\s*(\\d+)`, "m"))?.[1] ?? 0);
      }
    }
  } catch {
    // Gone since the listing.
  }
  return total;
}

/**
 * Whether every thread of `pid` (not its children) sleeps in the kernel.
 *
 * @example
 * ```ts
 * import { asleep } from "./lifecycle.ts";
 * asleep(Deno.pid); // false: this thread is running
 * ```
 */
export function asleep(pid: number): boolean {
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "S") return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU ticks of `pid` alone, its children not counted.
 *
 * @example
 * ```ts
 * import { ownCpuTicks } from "./lifecycle.ts";
 * const ticks = ownCpuTicks(Deno.pid);
 * ```
 */
export function ownCpuTicks(pid: number): number {
  return readStat(pid)?.cpuTicks ?? 0;
}

/** Chunks of the upload sent one at a time, each once the last was read, while the parent is watched. */
const NUDGES = 20;
/** A chunk: one TCP segment, of an odd size. */
const NUDGE_BYTES = 1001;
/**
 * CPU of its own after which a parent that never went back to sleep is
 * taken for one that spins (100 ms: a count of its work, which load does
 * not stretch, unlike a stopwatch).
 */
const SPIN_TICKS = 10;

/** How a wait for the connection to go quiet ended. */
type Quiet = "quiet" | "spinning" | "gone" | "closed" | "undrained";

/**
 * Waits until the child has read all that was sent on `client` and the
 * parent sleeps; or the parent has used {@link SPIN_TICKS} of CPU without
 * sleeping once.
 */
async function untilQuiet(t: AsyncServerContext, server: LabProcess, client: TcpPeer, parent: number) {
  const cpuBefore = ownCpuTicks(parent);
  return await pollUntil((): Quiet | undefined => {
    if (!server.running) return "gone";
    if (client.received.ended || client.wasReset) return "closed";
    if (asleep(parent)) return bytesInFlight(t, client) === 0 ? "quiet" : undefined;
    return ownCpuTicks(parent) - cpuBefore >= SPIN_TICKS ? "spinning" : undefined;
    // The stall watch ends the wait as soon as nothing can change any more (a child that stopped
    // reading): the deadline is a backstop, long enough for a loaded machine not to decide.
  }, { timeoutMs: 4 * t.step, what: "the child to read the chunk and the parent to sleep" }).catch(
    (error): Quiet => {
      if (error instanceof DeadlineError) return "undrained";
      throw error;
    },
  );
}

/**
 * Requires the parent to sleep while a child serves `client`: the upload
 * goes on in {@link NUDGES} separate chunks, each sent once the child has
 * read the last and the parent sleeps again, and the parent's own
 * wake-ups (its context switches, `/proc/PID/task/TID/status`; its
 * children's are not counted) are counted meanwhile. A parent that still
 * has the client's connection in its epoll set wakes for every chunk,
 * even after closing its copy (the child's keeps the connection in the
 * set): that is at least one wake-up per chunk, and a busy loop where the
 * child reads slowly. A parent that never sleeps again fails at once.
 *
 * The tolerance, fewer wake-ups than half the chunks: nothing should wake
 * a correct parent at all, but a wake-up for something else (a signal from
 * outside, a runtime's own housekeeping) is not the fault the lab text
 * names: "removes it from epoll (it must not wake for a child's connection:
 * the parent idles while children upload)" (spec section 3).
 *
 * Whatever stops the upload (the server closes the connection, the child
 * stops reading) is the upload checks' to judge: this check then says so
 * in a note and passes.
 *
 * @example
 * ```ts ignore
 * await requireParentIdles(t, server, client, 64 << 10, (from, to) => sendSteadily(t, client, pattern, from, to));
 * ```
 */
export async function requireParentIdles(
  t: AsyncServerContext,
  server: LabProcess,
  client: TcpPeer,
  sentSoFar: number,
  send: (from: number, to: number) => Promise<void>,
): Promise<void> {
  const parent = server.programPid()!;
  const notJudged = (how: Quiet) => {
    requireRunning(server, "while a child served an upload");
    t.note(
      how === "closed"
        ? "the server closed the connection before the parent could be watched: the upload checks judge that"
        : "the child stopped reading the upload: the upload checks judge that",
    );
  };
  const spinning = () =>
    new CheckFailure(
      "while a child process served an upload, the parent never went back to sleep: it ran on, using the CPU (a busy loop), while the client's bytes kept arriving",
      PARENT_HINT,
    );
  let how = await untilQuiet(t, server, client, parent);
  if (how === "spinning") throw spinning();
  if (how !== "quiet") return notJudged(how);
  const wokeBefore = wakeUps(parent);
  const cpuBefore = ownCpuTicks(parent);
  let sent = sentSoFar;
  for (let nudge = 0; nudge < NUDGES; nudge++) {
    try {
      await send(sent, sent + NUDGE_BYTES);
    } catch (error) {
      if (client.received.ended || client.wasReset) return notJudged("closed");
      throw error;
    }
    sent += NUDGE_BYTES;
    how = await untilQuiet(t, server, client, parent);
    if (how === "spinning") throw spinning();
    if (how !== "quiet") return notJudged(how);
  }
  const woke = wakeUps(parent) - wokeBefore;
  const cpuMs = (ownCpuTicks(parent) - cpuBefore) * 10;
  const figures =
    `the parent woke up ${woke} times for ${NUDGES} chunks of the client's upload, sent one at a time`;
  if (woke < NUDGES / 2) return t.note(`while a child process served the upload, ${figures}`);
  throw new CheckFailure(
    `while a child process served the upload, ${figures} (using ${cpuMs} ms of CPU): the client's connection is still in the parent's epoll set, so the parent wakes for the child's client (closing the parent's copy does not remove it from epoll while the child's copy is open)`,
    PARENT_HINT,
  );
}

const PARENT_HINT =
  "after fork(), remove the client's socket from the parent's epoll set (epoll_ctl(EPOLL_CTL_DEL)) before closing the parent's copy, or do not add it there when the parent forks right after accept()";

/** SIGCHLD's bit in the signal masks of `/proc/PID/status` (signal 17, counted from bit 0 for signal 1). */
const SIGCHLD_BIT = 1n << 16n;

/**
 * Whether process `pid` runs a handler of its own on SIGCHLD (`SigCgt` of
 * `/proc/PID/status`): not when SIGCHLD is ignored or keeps its default.
 *
 * @example
 * ```ts
 * import { catchesSigchld } from "./lifecycle.ts";
 * catchesSigchld(Deno.pid); // false: Deno leaves SIGCHLD alone
 * ```
 */
export function catchesSigchld(pid: number): boolean {
  try {
    const mask = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^SigCgt:\s*([0-9a-f]+)/m)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & SIGCHLD_BIT) !== 0n;
  } catch {
    return false;
  }
}

/** Whether every process of `pids` has exited (a zombie, or reaped already). */
function allExited(pids: number[]): boolean {
  return pids.every((pid) => {
    const state = readStat(pid)?.state;
    return state === undefined || state === "Z" || state === "X";
  });
}

/** Sends `signal` to `pid`; a process already gone is not an error. */
function signalProcess(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // Gone already: nothing to stop or continue.
  }
}

/**
 * Ends the uploads of `peers` (connected, part-sent, each served by a
 * child) so that their children exit together, as children do whose
 * clients finish at the same moment: their SIGCHLD signals then merge into
 * one, and a handler that reaps one child per signal (`wait()` once, `if`
 * instead of `while`) leaves the others zombies. Made certain, not left to
 * luck: the parent is held stopped (SIGSTOP) while every child reads its
 * end of file and exits, then continued (SIGCONT), with one SIGCHLD pending.
 *
 * Only a parent that catches SIGCHLD is stopped: it already retries an
 * `epoll_wait` that a child's exit interrupts (EINTR), and a stop and a
 * continue interrupt it in the same way, no more. A server that ignores SIGCHLD (the
 * kernel reaps) or reaps in its loop has no signal to lose, and a stop could
 * make its `epoll_wait` fail where a real run never does; its uploads end
 * as they come. Returns how many children were seen to end while it was
 * stopped (0 if it was not).
 *
 * @example
 * ```ts ignore
 * await endUploadsTogether(t, server, clients);
 * ```
 */
export async function endUploadsTogether(
  t: AsyncServerContext,
  server: LabProcess,
  peers: TcpPeer[],
): Promise<number> {
  const { handedOff, holders, serverPid } = await t.waitServedByChildren(server, peers);
  const children = [...new Set(holders.flat().filter((pid) => pid !== serverPid))];
  const parent = server.programPid();
  const freeze = handedOff && parent !== undefined && catchesSigchld(parent);
  if (!freeze) {
    for (const peer of peers) await peer.closeWrite();
    return 0;
  }
  // Every accept and fork done, the children reading: nothing of the parent's is under way when it stops.
  await server.waitBlocked(t.step);
  signalProcess(parent, "SIGSTOP");
  try {
    // A parent not seen stopped within the step is continued at once, below, all the same.
    await pollUntil(() => readStat(parent)?.state === "T" || !server.running ? true : undefined, {
      timeoutMs: t.step,
      what: "the parent to stop",
    }).catch((error) => {
      if (!(error instanceof DeadlineError)) throw error;
    });
    t.transcript.note(
      `the parent is held stopped while the ${peers.length} clients end their uploads together, so that their children's SIGCHLD signals merge into one`,
    );
    for (const peer of peers) await peer.closeWrite();
    const ended = await pollUntil(() => allExited(children) ? true : undefined, {
      timeoutMs: 2 * t.step,
      what: "the children to end their uploads",
    }).catch((error) => {
      if (error instanceof DeadlineError) return false;
      throw error;
    });
    return ended ? children.length : 0;
  } finally {
    signalProcess(parent, "SIGCONT");
    t.transcript.note("the parent is continued, one SIGCHLD pending for all its children that ended");
  }
}

/**
 * Requires the parent to go back to sleep once a child has ended while
 * another child still serves a stalled client: its SIGCHLD handler must
 * return. A reaping loop that goes on while `waitpid(…, WNOHANG)` returns 0
 * (`>= 0` for `> 0`) spins for as long as any child runs, neither sleeping
 * nor accepting. `ended` are the processes that served the client that
 * finished; the wait for them ends when they have exited. Judged by the
 * parent's own CPU ({@link SPIN_TICKS} without sleeping once), never by
 * a stopwatch.
 *
 * No tolerance beyond that count: "the parent idles while children upload"
 * (spec section 3).
 *
 * @example
 * ```ts ignore
 * await requireParentSleepsAfterChildEnds(t, server, childPids);
 * ```
 */
export async function requireParentSleepsAfterChildEnds(
  t: AsyncServerContext,
  server: LabProcess,
  ended: number[],
): Promise<void> {
  const parent = server.programPid();
  if (parent === undefined) return requireRunning(server, "once the second client's upload was complete");
  const exited = await pollUntil(() => allExited(ended) || !server.running ? true : undefined, {
    timeoutMs: 2 * t.step,
    what: "the second client's child to exit",
  }).catch((error) => {
    if (error instanceof DeadlineError) return false;
    throw error;
  });
  requireRunning(server, "once the second client's upload was complete");
  if (!exited) return t.note("the second client's child did not exit: children-exit judges that");
  const cpuBefore = ownCpuTicks(parent);
  const how = await pollUntil((): "asleep" | "spinning" | "gone" | undefined => {
    if (!server.running) return "gone";
    if (asleep(parent)) return "asleep";
    return ownCpuTicks(parent) - cpuBefore >= SPIN_TICKS ? "spinning" : undefined;
  }, { timeoutMs: 4 * t.step, what: "the parent to go back to sleep" }).catch((error) => {
    if (error instanceof DeadlineError) return "undecided" as const;
    throw error;
  });
  requireRunning(server, "once the second client's child had ended");
  if (how === "spinning") {
    throw new CheckFailure(
      `once the second client's child had ended, while the first client's child was still serving it, the parent never went back to sleep: it used ${
        (ownCpuTicks(parent) - cpuBefore) * 10
      } ms of CPU in a loop (a reaping loop that goes on while waitpid(..., WNOHANG) returns 0, i.e. while another child still runs, never ends)`,
      "reap with while (waitpid(-1, NULL, WNOHANG) > 0): waitpid() returns 0 while the other children are still running, and the loop must stop there",
    );
  }
  t.transcript.note(
    how === "asleep"
      ? "once the second client's child had ended, the parent went back to sleep"
      : "the parent's sleep could not be told within the step: the check goes on",
  );
}
