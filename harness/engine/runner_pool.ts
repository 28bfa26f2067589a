/**
 * Check runners, started ahead of their checks and reused. Starting one
 * costs a sandbox, a Deno process and the grader's modules: more than a
 * check that exchanges a few bytes. A pool starts them while the build
 * runs, one per slot, and hands each check a runner that has its grader
 * loaded. In namespaces a runner serves check after check: between two,
 * the sandbox's PID 1 makes the sandbox new again (every other process
 * killed, no socket left, an empty scratch tmpfs) or, if it cannot, ends it
 * and the pool starts another. On the host a runner serves one check.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../config/labs.ts";
import { RUNNER_READY, RUNNER_RESULT } from "./runner.ts";
import type { RunnerSpec } from "./runner.ts";
import { lineSplitter, sandboxArgv } from "../sandbox/sandbox.ts";
import type { Isolation } from "../sandbox/sandbox.ts";
import { joinPrefix } from "../sandbox/cgroups.ts";
import type { GradingCgroups, GroupCaps } from "../sandbox/cgroups.ts";
import { DeadlineError, withDeadline } from "../observe/wait.ts";

/** What a check gives the runner it takes. */
export interface RunnerJob {
  /** The check to run (the pool chooses where its result goes). */
  spec: Omit<RunnerSpec, "resultFile">;
  /** The sandbox is killed this long after the spec is handed over. */
  timeoutMs: number;
  /** Called with each line the runner prints (progress). */
  onStdoutLine?: (line: string) => void;
}

/** How a job ended. */
export interface RunnerRun {
  /** The outcome the runner wrote (JSON text), if it wrote one. */
  result?: string;
  /** The job's deadline passed and the sandbox was killed. */
  timedOut: boolean;
  /** The runner's exit status, if it ended without a result. */
  code?: number;
  /** The end of what the runner printed on stderr during the job. */
  stderr: string;
}

/** Where the pool's runners live and what their sandboxes get. */
export interface RunnerPoolOptions {
  /** Checks the pool will serve: no more runners than this are started ahead. */
  count: number;
  /** Runners kept started: the number of checks that run at once. */
  ahead: number;
  /** The grading's work directory: each runner makes its directory there. */
  workDir: string;
  /** The scratch tmpfs: its size and the uid that owns it. */
  scratchBytes: number;
  scratchOwner: number;
  /** The runner's whole environment (nothing else of the grader's is passed). */
  env: Record<string, string>;
  /**
   * The grading's cgroups, if it has them: runners join its `harness` group,
   * and the student programs of each runner's check a group of its own,
   * capped as `checkCaps` says.
   */
  cgroups?: { grading: GradingCgroups; checkCaps: GroupCaps };
}

/** Characters of a runner's stderr kept for a report. */
const STDERR_KEPT = 4000;

/**
 * A check runner in its sandbox.
 *
 * @example
 * ```ts ignore
 * const runner = await pool.take();
 * const run = await runner.run({ spec, timeoutMs: 65_000 });
 * pool.give(runner);
 * ```
 */
export class SandboxedRunner {
  /**
   * The runner's own directory (results, out of student code's reach), and
   * inside it `scratchDir`, the tmpfs of its sandbox that student code sees
   * and writes (a new one for every check).
   */
  readonly checkDir: string;
  readonly scratchDir: string;
  /** The `cgroup.procs` files of the group its checks' student programs join (none without cgroups). */
  readonly cgroupProcs: string[] = [];
  readonly #cgroupName?: string;
  readonly #cgroups?: GradingCgroups;
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #hostMode: boolean;
  /** READY lines seen: the runner reads one spec after each. */
  #readies = 0;
  #gone = false;
  #exitCode?: number;
  #stderr = "";
  #jobs = 0;
  #onLine: (line: string) => void = () => {};
  #waiters: (() => void)[] = [];
  #resultSeen = false;
  /** Resolves once the runner has exited and its check's cgroup is empty and gone. */
  readonly #ended: Promise<void>;

  constructor(graderModule: string, isolation: Isolation, options: RunnerPoolOptions) {
    this.checkDir = Deno.makeTempDirSync({ dir: options.workDir, prefix: "check-" });
    this.scratchDir = join(this.checkDir, "scratch");
    Deno.mkdirSync(this.scratchDir);
    this.#hostMode = isolation.mode === "host";
    if (this.#hostMode && Deno.uid() === 0 && options.scratchOwner !== 0) {
      // On the host the scratch directory is a plain one, handed to student
      // code's uid; the runner's directory (results) lets it only pass through.
      Deno.chmodSync(this.checkDir, 0o711);
      Deno.chownSync(this.scratchDir, options.scratchOwner, options.scratchOwner);
      Deno.chmodSync(this.scratchDir, 0o700);
    }
    const runner = fileURLToPath(new URL("./runner.ts", import.meta.url));
    const command = [
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-prompt",
      `--config=${join(REPO_ROOT, "deno.json")}`,
      // Deno puts /proc, which the checks read for CPU time, descriptors and
      // sockets, behind --allow-all. The runner lives in the check's sandbox.
      "--allow-all",
      runner,
      "--warm",
      graderModule,
      ...(this.#hostMode ? [] : ["--reuse"]),
    ];
    const scratch = { dir: this.scratchDir, bytes: options.scratchBytes, owner: options.scratchOwner };
    let argv = sandboxArgv(command, isolation, scratch);
    if (options.cgroups) {
      const { grading, checkCaps } = options.cgroups;
      this.#cgroups = grading;
      this.#cgroupName = this.checkDir.slice(this.checkDir.lastIndexOf("/") + 1);
      this.cgroupProcs = grading.group(this.#cgroupName, checkCaps).procs;
      argv = [...joinPrefix(grading.group("harness").procs), ...argv];
    }
    this.#child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      env: options.env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#readLines(this.#child.stdout, (line) => {
      if (line === RUNNER_READY) this.#readies++;
      else if (line === RUNNER_RESULT) this.#resultSeen = true;
      else return this.#onLine(line);
      this.#changed();
    });
    this.#readLines(this.#child.stderr, (line) => {
      this.#stderr = `${this.#stderr}${line}\n`.slice(-STDERR_KEPT);
    });
    this.#ended = this.#child.status.then(async (status) => {
      this.#gone = true;
      this.#exitCode = status.code;
      // On the host, whatever the check left in the runner's process group goes too.
      if (this.#hostMode) this.#kill();
      this.#changed();
      // And whatever its student programs started, daemons included, wherever they went.
      if (this.#cgroupName) await this.#cgroups!.kill(this.#cgroupName).catch(() => {});
    });
  }

  /** Whether it waits for a check, or is still starting (it reads its check once started). */
  get available(): boolean {
    return !this.#gone && (this.#jobs === 0 || this.#readies > this.#jobs);
  }

  /** Whether it has ended (retired after a check, or killed). */
  get gone(): boolean {
    return this.#gone;
  }

  /** Resolves once it can take a check (true) or has ended (false). */
  async whenAvailable(): Promise<boolean> {
    while (!this.available && !this.#gone) await this.#nextChange();
    return this.available;
  }

  /** Runs one check: hands over its spec and waits for its outcome, its end, or its deadline. */
  async run(job: RunnerJob): Promise<RunnerRun> {
    this.#jobs++;
    this.#resultSeen = false;
    this.#stderr = "";
    this.#onLine = job.onStdoutLine ?? (() => {});
    const resultFile = join(this.checkDir, `result-${this.#jobs}.json`);
    const spec: RunnerSpec = { ...job.spec, resultFile };
    await this.#stdin.write(new TextEncoder().encode(`${JSON.stringify(spec)}\n`)).catch(() => {});
    const ended = (async () => {
      while (!this.#resultSeen && !this.#gone) await this.#nextChange();
    })();
    let timedOut = false;
    try {
      await withDeadline(ended, job.timeoutMs, "the check's runner");
    } catch (error) {
      if (!(error instanceof DeadlineError)) throw error;
      timedOut = true;
      this.#kill();
      await this.#child.status;
    }
    this.#onLine = () => {};
    let result: string | undefined;
    try {
      result = await Deno.readTextFile(resultFile);
      await Deno.remove(resultFile);
    } catch {
      // No outcome: the runner ended (or was killed) first.
    }
    return {
      result,
      timedOut,
      code: result === undefined ? this.#exitCode : undefined,
      stderr: this.#stderr,
    };
  }

  /** Ends it: no more checks (it exits at the end of its input). */
  async discard(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    try {
      await withDeadline(this.#child.status, 2000, "the runner's exit");
    } catch {
      this.#kill();
      await this.#child.status;
    }
    await this.#ended;
    // On the host its scratch is no tmpfs that vanishes: nothing of it is left for the next check.
    if (this.#hostMode) await Deno.remove(this.checkDir, { recursive: true }).catch(() => {});
  }

  #kill(): void {
    // In namespaces, killing `unshare` kills its PID 1 (--kill-child), which
    // takes the whole sandbox down. On the host, the runner's process group.
    try {
      Deno.kill(this.#hostMode ? -this.#child.pid : this.#child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }

  #nextChange(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #changed(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async #readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    const split = lineSplitter(onLine);
    try {
      for await (const chunk of stream) split(decoder.decode(chunk, { stream: true }));
    } catch {
      // The runner is gone.
    }
  }
}

/**
 * Starts runners and lends them to checks, one check at a time each.
 *
 * @example
 * ```ts ignore
 * import { RunnerPool } from "./runner_pool.ts";
 * const pool = new RunnerPool("/repo/graders/client-server.ts", isolation, {
 *   count: 11,
 *   ahead: 2,
 *   workDir: "/tmp/socklab-client-server-x",
 *   scratchBytes: 512 << 20,
 *   scratchOwner: 200_000,
 *   env: { PATH: "/usr/bin:/bin" },
 * });
 * const runner = await pool.take();
 * const run = await runner.run({ spec, timeoutMs: 65_000 });
 * pool.give(runner);
 * await pool.close();
 * ```
 */
export class RunnerPool {
  /** Runners not lent to a check: started, starting, or making their sandbox new. */
  #free: SandboxedRunner[] = [];
  #checksLeft: number;
  #closed = false;
  /** Runners being discarded: exiting, their check's cgroup emptied. */
  #retiring: Promise<void>[] = [];

  constructor(
    readonly graderModule: string,
    readonly isolation: Isolation,
    readonly options: RunnerPoolOptions,
  ) {
    this.#checksLeft = options.count;
    for (let i = 0; i < Math.min(options.ahead, options.count); i++) this.#free.push(this.#start());
  }

  /** A runner for one check: a free one that is ready (or starting), else a new one. */
  async take(): Promise<SandboxedRunner> {
    this.#checksLeft--;
    // On the host, the check before must be gone, everything it started with it, before the next begins.
    if (this.isolation.mode === "host") await Promise.all(this.#retiring.splice(0));
    for (;;) {
      this.#free = this.#free.filter((runner) => !runner.gone);
      const ready = this.#free.find((runner) => runner.available);
      if (ready) {
        this.#free.splice(this.#free.indexOf(ready), 1);
        return ready;
      }
      const busy = this.#free[0];
      if (!busy) return this.#start();
      // Making its sandbox new takes milliseconds; a new runner takes longer.
      await busy.whenAvailable();
    }
  }

  /** Takes back a runner after its check: it serves another if it can. */
  give(runner: SandboxedRunner): void {
    if (this.#closed || runner.gone || this.isolation.mode === "host") {
      this.#retiring.push(runner.discard());
      if (this.#checksLeft > this.#free.length && !this.#closed) this.#free.push(this.#start());
      return;
    }
    this.#free.push(runner);
  }

  /** Ends the runners no check holds. */
  async close(): Promise<void> {
    this.#closed = true;
    const free = this.#free.splice(0);
    await Promise.all([...free.map((runner) => runner.discard()), ...this.#retiring.splice(0)]);
  }

  #start(): SandboxedRunner {
    return new SandboxedRunner(this.graderModule, this.isolation, this.options);
  }
}
