/**
 * Student and reference programs, run as child processes a check can drive
 * step by step: stdin written line by line, stdout and stderr read as they
 * are printed, exit status or terminating signal, a deadline on every wait,
 * and the whole process tree killed at the end.
 *
 * @module
 */

import { describeExit, describeLingering, exitHint, quoteExcerpt, stderrExcerpt } from "./exit_status.ts";
import type { ExitStatus } from "./exit_status.ts";
import { CheckFailure } from "../observe/failure.ts";
import {
  allProcesses,
  descendants,
  openFdCount,
  readStat,
  sameProgram,
  SPIN_CPU_TICKS,
  treeBlocked,
  treeCpuTicks,
  zombieChildren,
} from "../observe/processes.ts";
import { threadWaits } from "../observe/syscalls.ts";
import type { ThreadWait } from "../observe/syscalls.ts";
import { ExpectError, TextStream } from "./stream.ts";
import type { Transcript } from "../observe/transcript.ts";
import {
  awaitEvent,
  DeadlineError,
  formatMs,
  pollUntil,
  StalledError,
  withDeadline,
} from "../observe/wait.ts";

export { describeExit, quoteExcerpt, stderrExcerpt } from "./exit_status.ts";
export type { ExitStatus } from "./exit_status.ts";

/** Options of {@link LabProcess.start}. */
export interface StartOptions {
  /** argv, program first. */
  command: string[];
  /** Working directory. */
  cwd: string;
  /** Who this is in reports: `server`, `client`, `reference server`. */
  label: string;
  /** Where stdin, stdout and stderr are recorded. */
  transcript: Transcript;
  /** Keep at most this many characters of stdout and of stderr each. */
  outputCapChars?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** `env` is the whole environment: nothing of the grader's is inherited. */
  clearEnv?: boolean;
}

/**
 * A running program.
 *
 * @example
 * ```ts
 * import { LabProcess } from "./process.ts";
 * import { Transcript } from "../observe/transcript.ts";
 * const cat = LabProcess.start({
 *   command: ["cat"],
 *   cwd: "/tmp",
 *   label: "cat",
 *   transcript: new Transcript(),
 * });
 * await cat.writeLine("hello");
 * await cat.expectOutput("hello", { timeoutMs: 2000 });
 * await cat.closeStdin();
 * await cat.expectExit({ code: 0, timeoutMs: 2000 });
 * ```
 */
export class LabProcess {
  readonly stdout: TextStream;
  readonly stderr: TextStream;
  readonly pid: number;
  /** When the program was started (`performance.now()`). */
  readonly startedAt = performance.now();
  readonly exited: Promise<ExitStatus>;
  #status?: ExitStatus;
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinClosed = false;
  readonly #transcript: Transcript;
  readonly #pumps: Promise<void>[];
  readonly #capNoted = new Set<TextStream>();
  /** Why the last {@link waitExit} gave up early, if it did. */
  #lastStall?: string;

  private constructor(readonly label: string, options: StartOptions) {
    this.#transcript = options.transcript;
    const cap = options.outputCapChars ?? 1 << 20;
    this.stdout = new TextStream(`the ${label}'s output`, {
      capChars: cap,
      onChunk: (text) => this.#transcript.record(`${label} stdout`, text),
    });
    this.stderr = new TextStream(`the ${label}'s error output`, {
      capChars: cap,
      onChunk: (text) => this.#transcript.record(`${label} stderr`, text),
    });
    this.#child = new Deno.Command(options.command[0], {
      args: options.command.slice(1),
      cwd: options.cwd,
      env: options.env,
      clearEnv: options.clearEnv,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    this.#stdin = this.#child.stdin.getWriter();
    this.#pumps = [
      pump(this.#child.stdout, this.stdout),
      pump(this.#child.stderr, this.stderr),
    ];
    this.exited = this.#child.status.then((s) => {
      this.#status = { code: s.signal ? null : s.code, signal: s.signal };
      this.#transcript.note(`${label} ${describeExit(this.#status)}`);
      return this.#status;
    });
  }

  /** Starts a program; throws a setup error if it cannot be spawned. */
  static start(options: StartOptions): LabProcess {
    return new LabProcess(options.label, options);
  }

  /** The exit status, once the process has ended. */
  get status(): ExitStatus | undefined {
    return this.#status;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.#status === undefined;
  }

  /**
   * The pid of the program itself (the jail and `stdbuf` exec it in place),
   * or `undefined` once it is gone.
   */
  programPid(): number | undefined {
    return readStat(this.pid) ? this.pid : undefined;
  }

  /** Its open file descriptors (read from `/proc`), or `undefined` once it is gone. */
  openDescriptors(): number | undefined {
    return openFdCount(this.pid);
  }

  /** How many of its children exited and were never reaped (zombies). */
  zombieChildren(): number {
    return zombieChildren(this.pid).length;
  }

  /** The pids running its program: itself and the copies it forked (threads are not counted). */
  copies(): number[] {
    return sameProgram(this.pid);
  }

  /** CPU clock ticks it and its live descendants have used. */
  cpuTicks(): number {
    return treeCpuTicks(this.pid);
  }

  /** Writes `text` to stdin; a program that closed its stdin is not an error here. */
  async write(text: string): Promise<void> {
    this.#transcript.record(`${this.label} stdin`, text);
    try {
      await this.#stdin.write(new TextEncoder().encode(text));
    } catch {
      this.#transcript.note(`${this.label} no longer reads its stdin`);
    }
  }

  /** Writes `line` and a newline to stdin. */
  writeLine(line: string): Promise<void> {
    return this.write(`${line}\n`);
  }

  /** Closes stdin: the program sees end of file. */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    this.#transcript.record(`${this.label} stdin`, "<end of file>");
    await this.#stdin.close().catch(() => {});
  }

  /**
   * Waits until the program prints `text` (after its previous match). Fails
   * the check, saying what was printed instead, when it does not.
   *
   * @param options.because why the text is expected, e.g. `the message the client sent`
   */
  async expectOutput(
    text: string,
    options: {
      timeoutMs: number;
      because?: string;
      hint?: string;
      /** Programs the text comes through; if one has died, that is the reason given. */
      via?: LabProcess[];
    },
  ): Promise<void> {
    try {
      await this.stdout.expect(text, options.timeoutMs);
    } catch (error) {
      if (!(error instanceof ExpectError)) throw error;
      const why = options.because ? ` (${options.because})` : "";
      const deadPeer = options.via?.find((p) => !p.running);
      if (deadPeer && this.running) {
        throw new CheckFailure(
          `expected the ${this.label} to print ${quoteExcerpt(text, 80)}${why}, but the ${deadPeer.label} ${
            describeExit(deadPeer.status!)
          } before it got there${stderrExcerpt(deadPeer)}`,
          options.hint,
        );
      }
      const seen = error.seen.trim()
        ? `; after its last expected output it printed ${quoteExcerpt(error.seen)}`
        : "; it printed nothing more";
      const ending = this.running
        ? error.reason === "deadline"
          ? `, not within ${formatMs(options.timeoutMs)}`
          : error.reason === "stalled"
          ? `, and nothing could make it any more: ${error.why}`
          : ""
        : `: it ${describeExit(this.#status!)} first`;
      const crashed = this.status?.signal ? exitHint(this.status) : undefined;
      throw new CheckFailure(
        `expected the ${this.label} to print ${quoteExcerpt(text, 80)}${why}${ending}${seen}`,
        crashed ?? options.hint,
      );
    }
  }

  /**
   * Waits for the program to exit, up to `timeoutMs` or until it waits for
   * good for something that will not come; `undefined` if it is still
   * running then.
   */
  async waitExit(timeoutMs: number): Promise<ExitStatus | undefined> {
    this.#lastStall = undefined;
    try {
      return await awaitEvent(this.exited, timeoutMs, `${this.label} to exit`);
    } catch (error) {
      if (error instanceof StalledError) this.#lastStall = error.why;
      if (error instanceof DeadlineError) return this.#status;
      throw error;
    }
  }

  /**
   * Waits until the program is back to waiting: every thread of it and its
   * descendants blocked in the kernel ({@link treeBlocked}). Then whatever
   * arrives next finds it waiting, not between two steps of its own. A
   * program that spins never blocks: it is let go once it has used
   * {@link SPIN_CPU_TICKS} of CPU, a count of its own work that load does
   * not stretch. Resolves to how the wait ended.
   *
   * @example
   * ```ts ignore
   * await client.writeLine("hello");
   * await server.expectReceived("hello", { timeoutMs: t.step });
   * await client.waitBlocked(t.step); // past any read of the socket after its send
   * ```
   */
  async waitBlocked(timeoutMs: number): Promise<"blocked" | "spinning" | "gone" | "deadline"> {
    const pid = this.programPid() ?? this.pid;
    const cpuBefore = treeCpuTicks(pid);
    try {
      return await pollUntil(() => {
        if (!this.running) return "gone";
        const all = allProcesses();
        if (treeBlocked(pid, all)) return "blocked";
        return treeCpuTicks(pid, all) - cpuBefore >= SPIN_CPU_TICKS ? "spinning" : undefined;
      }, { timeoutMs, what: `the ${this.label} to wait` });
    } catch (error) {
      if (error instanceof DeadlineError) return "deadline";
      throw error;
    }
  }

  /**
   * Where the program waits once it is back to waiting ({@link waitBlocked}):
   * the system call each thread of it and of its children is blocked in,
   * read from `/proc` ({@link threadWaits}). Looking sends no signal and
   * stops nothing, so, unlike a tracer, it cannot change what the program does.
   *
   * @example
   * ```ts ignore
   * const { waits } = await server.waitingIn(t.step);
   * const usesEpoll = waits.some((w) => EPOLL_WAIT_SYSCALLS.includes(w.syscall));
   * ```
   */
  async waitingIn(
    timeoutMs: number,
  ): Promise<{ outcome: "blocked" | "spinning" | "gone" | "deadline"; waits: ThreadWait[] }> {
    const outcome = await this.waitBlocked(timeoutMs);
    const pid = this.programPid();
    return { outcome, waits: outcome === "gone" || pid === undefined ? [] : threadWaits(pid) };
  }

  /**
   * Requires the program to exit with status `code` within `timeoutMs`. If it
   * is still running, the failure says whether it spins (CPU used while
   * waiting) or sleeps, and where.
   */
  async expectExit(
    options: { code?: number | "any"; timeoutMs: number; because?: string; hint?: string },
  ): Promise<ExitStatus> {
    const code = options.code ?? 0;
    const why = options.because ? ` ${options.because}` : "";
    const expected = code === "any" ? "to end (with any status)" : `to exit with status ${code}`;
    const pid = this.programPid() ?? this.pid;
    const cpuBefore = treeCpuTicks(pid);
    const started = performance.now();
    const status = await this.waitExit(options.timeoutMs);
    if (status === undefined && this.#lastStall !== undefined) {
      throw new CheckFailure(
        `expected the ${this.label} ${expected}${why}, but it kept running, and nothing could end it any more: ${this.#lastStall}`,
        options.hint,
      );
    }
    if (status === undefined) {
      const activity = describeLingering(pid, cpuBefore, started);
      throw new CheckFailure(
        `expected the ${this.label} ${expected}${why}, but after ${formatMs(options.timeoutMs)} ${activity}`,
        options.hint,
      );
    }
    if (code !== "any" && status.code !== code) {
      throw new CheckFailure(
        `expected the ${this.label} ${expected}${why}, but it ${describeExit(status)}`,
        options.hint ?? exitHint(status),
      );
    }
    return status;
  }

  /**
   * Kills the program and all its descendants, then waits for it to be
   * reaped. The tree is stopped before it is killed: a stopped process
   * cannot fork (the kernel abandons a fork under way when a signal comes),
   * so listing again until no new process shows up catches a tree that
   * keeps forking, which one listing and a kill would not.
   */
  async kill(): Promise<void> {
    if (this.running) {
      const stopped = new Set<number>();
      for (;;) {
        const fresh = [this.pid, ...descendants(this.pid).map((p) => p.pid)].filter((pid) =>
          !stopped.has(pid)
        );
        if (fresh.length === 0) break;
        for (const pid of fresh) {
          signal(pid, "SIGSTOP");
          stopped.add(pid);
        }
      }
      for (const pid of stopped) signal(pid, "SIGKILL");
    }
    await this.exited;
    await this.closeStdin();
    // Daemonised grandchildren may hold stdout open; the sandbox kills them.
    await withDeadline(Promise.all(this.#pumps), 200, "output to drain").catch(() => {});
    for (const stream of [this.stdout, this.stderr]) {
      if (stream.droppedBytes > 0 && !this.#capNoted.has(stream)) {
        this.#capNoted.add(stream);
        this.#transcript.note(
          `${stream.name}: ${stream.totalBytes} bytes in all; only the first ${stream.text.length} characters were kept`,
        );
      }
    }
  }
}

async function pump(source: ReadableStream<Uint8Array>, sink: TextStream): Promise<void> {
  try {
    for await (const chunk of source) sink.push(chunk);
  } catch {
    // The process is gone; what was read is kept.
  } finally {
    sink.end();
  }
}

/** Sends `sig` to `pid`; a process already gone is not an error. */
function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
