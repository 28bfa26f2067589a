/**
 * What a lab's grader writes: a set of named checks, each an async function
 * that drives programs and peers through a {@link CheckContext} and fails by
 * throwing {@link CheckFailure}. A grader reads like the lab's spec; every
 * mechanism (processes, sockets, deadlines, cleanup) lives here.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { pythonInterpreter } from "../programs/python.ts";
import { FINDINGS_PREFIX, instrumentedLaunch } from "../programs/instrumented.ts";
import type { Language, Program, Role } from "../programs/build.ts";
import { waitAccepted } from "./accept.ts";
import { CheckFailure } from "../observe/failure.ts";
import { TcpListenerPeer, TcpPeer } from "../peers/peer.ts";
import { jailCommand, programEnvironment } from "../sandbox/jail.ts";
import type { JailSpec } from "../sandbox/jail.ts";
import { treeCpuTicks } from "../observe/processes.ts";
import { isListening, serverSideInode, socketHolders, TCP_ESTABLISHED } from "../observe/sockets.ts";
import type { TcpSocketInfo } from "../observe/sockets.ts";
import { describeExit, LabProcess, stderrExcerpt } from "../programs/process.ts";
import { Transcript } from "../observe/transcript.ts";
import { ProgramStallProbe } from "./stall.ts";
import { DeadlineError, formatMs, pollUntil, settle, StalledError, watchStalls } from "../observe/wait.ts";

export { CheckFailure, require } from "../observe/failure.ts";
export type { Language, Program, Role } from "../programs/build.ts";

/** Marks a progress line on the check runner's stdout. */
export const PROGRESS_MARK = "\x1esocklab-progress ";

/** The progress of a long step of a check. */
export interface ProgressEvent {
  label: string;
  done: number;
  total: number;
  /** The check runner's clock, in milliseconds. */
  atMs: number;
}

/** What the harness hands a check: everything it may touch. */
export interface CheckEnvironment {
  lab: string;
  checkId: string;
  port: number;
  stepTimeoutMs: number;
  outputCapChars: number;
  settings: Record<string, unknown>;
  submission: Program;
  references: Partial<Record<Language, Program>>;
  /** Scratch directory of this check. */
  scratchDir: string;
  /** Compiled helpers (`cpu_spin`). */
  nativeDir: string;
  /** How the submission's programs are confined. */
  jail: JailSpec;
}

/** Options of {@link CheckContext.start}. */
export interface StartProgramOptions {
  args?: string[];
  /**
   * Working directory. By default the check's scratch directory for the
   * submission (the only place it may write), the program's own directory
   * for references.
   */
  cwd?: string;
  /** Name in reports; `server`, `client`, `reference server`, … by default. */
  label?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/**
 * The check's handle on the world.
 *
 * @example
 * ```ts ignore
 * // Inside a check: student server, reference client, one exchange.
 * const server = await t.startServer(t.submission);
 * const client = t.start(t.reference("c"), "client");
 * await client.writeLine("hello");
 * await server.expectOutput("hello", { timeoutMs: t.step });
 * ```
 */
export class CheckContext<Settings = Record<string, unknown>> {
  readonly transcript = new Transcript();
  readonly notes: string[] = [];
  readonly #processes: LabProcess[] = [];
  readonly #peers: (TcpPeer | TcpListenerPeer)[] = [];
  /** Every instrumented program this check started, stopped or not. */
  readonly #instrumented: LabProcess[] = [];

  constructor(readonly env: CheckEnvironment) {
    // Every wait of this check ends as soon as its programs can do nothing more.
    watchStalls(new ProgramStallProbe(() => this.#processes, () => this.#peers));
  }

  /** The student's programs. */
  get submission(): Program {
    return this.env.submission;
  }

  /** The lab's port (5000). */
  get port(): number {
    return this.env.port;
  }

  /** Deadline of one step (a line, a byte, an exit), in milliseconds. */
  get step(): number {
    return this.env.stepTimeoutMs;
  }

  /** The lab's settings (declared by its grader, valued in `task.yaml`), validated when the lab loaded. */
  get settings(): Settings {
    return this.env.settings as Settings;
  }

  /** The reference programs in `language` (peers of the student's). */
  reference(language: Language): Program {
    const program = this.env.references[language];
    if (!program) throw new Error(`no ${language} reference was built for ${this.env.lab}`);
    return program;
  }

  /** Adds a line to the check's report, shown whether it passes or fails. */
  note(text: string): void {
    this.notes.push(text);
    this.transcript.note(text);
  }

  /**
   * Starts `role` of `program`. C programs run under `stdbuf -o0` so that
   * their `printf` output reaches the harness as printed, without `fflush`;
   * Python ones with `-u`.
   */
  start(
    program: Program,
    role: Role,
    options: StartProgramOptions = {},
  ): LabProcess {
    const label = options.label ?? (program.origin === "reference" ? `reference ${role}` : role);
    const args = options.args ?? [];
    const instrumented = program.instrumented
      ? instrumentedLaunch(program.language, this.env.scratchDir)
      : undefined;
    const command = program.language === "c" ? ["stdbuf", "-o0", "-e0", join(program.dir, role), ...args] : [
      pythonInterpreter(),
      "-u",
      ...instrumented?.interpreterFlags ?? [],
      join(program.dir, `${role}.py`),
      ...args,
    ];
    const student = program.origin === "submission";
    const sanitized = instrumented !== undefined && program.language === "c";
    // AddressSanitizer reserves terabytes of address space: its programs are
    // capped by their check's cgroup, not by an address-space limit.
    const jail = student
      ? jailCommand(
        this.env.jail,
        [this.env.scratchDir],
        sanitized ? { addressSpace: false, leakCheck: true } : {},
      )
      : [];
    const process = LabProcess.start({
      command: [...jail, ...command],
      cwd: options.cwd ?? (student ? this.env.scratchDir : program.dir),
      label,
      transcript: this.transcript,
      outputCapChars: this.env.outputCapChars,
      // Students and references alike get a fixed environment, none of the grader's.
      env: { ...programEnvironment(this.env.scratchDir), ...instrumented?.env, ...options.env },
      clearEnv: true,
    });
    this.#processes.push(process);
    if (instrumented) this.#instrumented.push(process);
    return process;
  }

  /**
   * Starts a server and waits until it listens on `port` (read from
   * `/proc/net/tcp`, so no connection is spent on probing). Fails the check
   * if the server exits or does not listen in time.
   */
  async startServer(
    program: Program,
    options: StartProgramOptions & { port?: number } = {},
  ): Promise<LabProcess> {
    const server = this.start(program, "server", options);
    await this.waitListening(server, options.port ?? this.port);
    return server;
  }

  /** Waits until something listens on `port`, failing if `server` exits first. */
  async waitListening(server: LabProcess, port = this.port): Promise<void> {
    // Interpreters start slower than a C program: allow two steps.
    const timeoutMs = 2 * this.step;
    try {
      await pollUntil(() => {
        if (isListening(port)) return true;
        if (!server.running) return false;
        return undefined;
      }, { timeoutMs, what: `the ${server.label} to listen on port ${port}` }).then((listening) => {
        if (!listening) {
          throw new CheckFailure(
            `the ${server.label} ${
              server.status ? describeExit(server.status) : "stopped"
            } before listening on 127.0.0.1:${port}${stderrExcerpt(server)}`,
            `bind to 127.0.0.1:${port} and listen; check the return values of socket(), bind() and listen()`,
          );
        }
      });
    } catch (error) {
      if (!(error instanceof DeadlineError)) throw error;
      throw new CheckFailure(
        `the ${server.label} did not listen on 127.0.0.1:${port} ${
          error instanceof StalledError
            ? `and nothing could make it any more: ${error.why}`
            : `within ${formatMs(timeoutMs)}`
        }`,
        `bind to 127.0.0.1:${port} and call listen() before anything that blocks`,
      );
    }
  }

  /** Connects a harness client to `127.0.0.1:port`. */
  async connect(options: { port?: number; label?: string } = {}): Promise<TcpPeer> {
    const peer = await TcpPeer.connect(options.port ?? this.port, {
      label: options.label ?? "harness client",
      transcript: this.transcript,
      timeoutMs: this.step,
    });
    this.#peers.push(peer);
    return peer;
  }

  /**
   * Connects a harness client and waits until the server has `accept()`ed
   * it: its end of the connection exists and the listener's accept queue is
   * empty. A single-threaded server registers a client right after accepting
   * it, so a message sent from then on must reach this client. Connecting
   * one at a time also keeps within any listen backlog. Fails the check if
   * the server does not accept in time.
   */
  async connectAccepted(
    options: { port?: number; label?: string; server?: LabProcess } = {},
  ): Promise<TcpPeer> {
    const port = options.port ?? this.port;
    const peer = await this.connect(options);
    const mine = peer.localPort;
    await waitAccepted(
      this.step,
      port,
      (sockets, waiting) =>
        waiting === 0 && sockets.some((s) => s.localPort === port && s.remotePort === mine),
      `the ${peer.label}`,
      options.server,
    );
    return peer;
  }

  /**
   * Connects `count` harness clients, each accepted by the server, as
   * {@link connectAccepted} does, but pipelined: the next client connects
   * as soon as the previous one is accepted, while the latest may still
   * wait in the accept queue (at most one at a time: within any listen
   * backlog). Roughly one `/proc/net/tcp` read per client instead of two.
   */
  async connectMany(
    count: number,
    options: { port?: number; label?: (index: number) => string; server?: LabProcess } = {},
  ): Promise<TcpPeer[]> {
    const port = options.port ?? this.port;
    const peers: TcpPeer[] = [];
    const serverSide = (sockets: TcpSocketInfo[], peer: TcpPeer) =>
      sockets.some((s) => s.localPort === port && s.remotePort === peer.localPort);
    for (let i = 0; i < count; i++) {
      const peer = await this.connect({ port, label: options.label?.(i) ?? `harness client ${i + 1}` });
      peers.push(peer);
      const previous = peers.at(-2);
      if (!previous) continue;
      // The accept queue is first in, first out: with both connections made
      // and at most one waiting, the previous one has been accepted.
      await waitAccepted(
        this.step,
        port,
        (sockets, waiting) => waiting <= 1 && serverSide(sockets, previous) && serverSide(sockets, peer),
        `the ${previous.label}`,
        options.server,
      );
    }
    const last = peers.at(-1);
    if (last) {
      await waitAccepted(
        this.step,
        port,
        (sockets, waiting) => waiting === 0 && serverSide(sockets, last),
        `the ${last.label}`,
        options.server,
      );
    }
    return peers;
  }

  /**
   * Waits until at least `connections` connections to `port` are
   * established on the server's side and none waits in its accept queue,
   * for clients the harness does not own (reference programs).
   */
  async waitAccepted(
    connections: number,
    options: { port?: number; server?: LabProcess } = {},
  ): Promise<void> {
    const port = options.port ?? this.port;
    await waitAccepted(
      this.step,
      port,
      (sockets, waiting) =>
        waiting === 0 &&
        sockets.filter((s) => s.localPort === port && s.state === TCP_ESTABLISHED).length >= connections,
      `${connections} client${connections === 1 ? "" : "s"}`,
      options.server,
    );
  }

  /**
   * The processes holding the server's end of `peer`'s connection (read
   * from `/proc`), or `[]` while it is not accepted yet.
   */
  connectionHolders(peer: TcpPeer, port = this.port): number[] {
    const inode = serverSideInode(port, peer.localPort);
    return inode ? socketHolders(inode) : [];
  }

  /**
   * Waits until the server's end of every one of `peers`' connections is
   * held by a process other than the server, a different one for each (a
   * child forked for one client inherits those accepted before it). Threads
   * share their descriptors, so a thread-per-client server never gets there.
   * Ends at the step's deadline, or at once if the server exits; says who
   * held each connection then, and if each had a holder besides the server.
   *
   * @example
   * ```ts ignore
   * const clients = [await t.connect(), await t.connect()];
   * const { handedOff, holders } = await t.waitServedByChildren(server, clients);
   * ```
   */
  async waitServedByChildren(
    server: LabProcess,
    peers: TcpPeer[],
  ): Promise<{ handedOff: boolean; holders: number[][]; serverPid: number | undefined }> {
    const serverPid = server.programPid();
    let holders: number[][] = [];
    const children = () => holders.map((pids) => pids.filter((pid) => pid !== serverPid));
    await pollUntil(() => {
      holders = peers.map((peer) => this.connectionHolders(peer));
      if (oneEach(children())) return true;
      if (!server.running) return false;
      return undefined;
    }, { timeoutMs: this.step, intervalMs: 5, what: "the connections to be served by child processes" })
      .catch((error) => {
        if (!(error instanceof DeadlineError)) throw error;
      });
    return { handedOff: children().every((pids) => pids.length > 0), holders, serverPid };
  }

  /** Listens as a harness server on `127.0.0.1:port`. */
  listen(options: { port?: number } = {}): TcpListenerPeer {
    const listener = TcpListenerPeer.listen(options.port ?? this.port, { transcript: this.transcript });
    this.#peers.push(listener);
    return listener;
  }

  /**
   * Measures whether `process` sleeps: while a yardstick spinner burns
   * `yardstickMs` of CPU, the process (with its children) must use less
   * than `maxShare` of what the spinner got. Load slows both alike, so the
   * ratio, unlike a stopwatch, does not depend on the machine.
   *
   * @returns the process's CPU as a fraction of the yardstick's
   */
  async cpuShareWhileIdle(process: LabProcess, yardstickMs = 300): Promise<number> {
    const pid = process.programPid() ?? process.pid;
    const before = treeCpuTicks(pid);
    const spinner = new Deno.Command(join(this.env.nativeDir, "cpu_spin"), {
      args: [String(yardstickMs)],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const result = await spinner.output();
    if (!result.success) throw new Error("the CPU yardstick failed");
    const used = treeCpuTicks(pid) - before;
    return (used * 10) / yardstickMs;
  }

  /**
   * Reports the progress of a long step (an upload) to the grading process,
   * which shows it live on a terminal.
   */
  progress(label: string, done: number, total: number): void {
    const event: ProgressEvent = { label, done, total, atMs: Math.round(performance.now()) };
    console.log(`${PROGRESS_MARK}${JSON.stringify(event)}`);
  }

  /**
   * What the instrumented programs printed on stderr: UndefinedBehaviorSanitizer
   * writes its reports there when linked with AddressSanitizer (GCC 12 ignores
   * its log_path then).
   */
  instrumentedStderr(): string[] {
    return this.#instrumented.map((process) => process.stderr.text);
  }

  /**
   * Waits (at most `timeoutMs`) until no running instrumented program has a
   * forked copy left: a child that ends on its own writes its leak report
   * as it exits, which a kill would cut short.
   */
  async settleInstrumented(timeoutMs: number): Promise<void> {
    // A program that began a report is still writing it (symbolizing its stack) until it exits.
    const reporting = () =>
      [...Deno.readDirSync(this.env.scratchDir)]
        .map((entry) =>
          entry.name.startsWith(`${FINDINGS_PREFIX}.`) ? entry.name.slice(FINDINGS_PREFIX.length + 1) : ""
        )
        .filter((pid) => pid !== "" && existsSync(`/proc/${pid}`));
    // (Python's records are written whole, line by line, by a program that may well go on.)
    if (this.env.submission.language === "c") await settle(reporting, (pids) => pids.length === 0, timeoutMs);
    await Promise.all(
      this.#instrumented.filter((p) => p.running).map((p) =>
        settle(() => p.copies().length, (n) => n <= 1, timeoutMs)
      ),
    );
  }

  /** Kills every program and closes every peer this check started. */
  async cleanup(): Promise<void> {
    watchStalls(undefined);
    await this.stopAll();
  }

  /**
   * Kills every program and closes every peer started so far, and forgets
   * them: the check can start afresh (a scenario after another).
   */
  async stopAll(): Promise<void> {
    for (const peer of this.#peers) await Promise.resolve(peer.close()).catch(() => {});
    await Promise.all(this.#processes.map((p) => p.kill()));
    // The runner serves the next check in this sandbox: nothing of this one may stay open.
    for (const peer of this.#peers) await peer.discard().catch(() => {});
    this.#processes.length = 0;
    this.#peers.length = 0;
  }
}

/** Whether each list can give a process of its own: a different one for each (lists are short). */
function oneEach(candidates: number[][], taken: number[] = []): boolean {
  if (candidates.length === 0) return true;
  const [first, ...rest] = candidates;
  return first.some((pid) => !taken.includes(pid) && oneEach(rest, [...taken, pid]));
}
