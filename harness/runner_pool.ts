/**
 * Check runners started ahead of their checks. Starting one costs a
 * sandbox, a Deno process and the grader's modules: tens of milliseconds of
 * a check that exchanges a few bytes. A pool starts them while the build
 * runs and keeps one ready per slot, so a check finds its runner loaded and
 * only hands it its spec. Each runner still serves exactly one check, in a
 * sandbox of its own.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "./labs.ts";
import type { RunnerSpec } from "./runner.ts";
import { runSandboxed } from "./sandbox.ts";
import type { Isolation, SandboxRun } from "./sandbox.ts";

/** What a check gives the runner it takes. */
export interface RunnerJob {
  spec: RunnerSpec;
  /** The sandbox is killed this long after the spec is handed over. */
  timeoutMs: number;
  /** Called with each line the runner prints (progress). */
  onStdoutLine?: (line: string) => void;
}

/** A runner started and waiting for its check. */
export interface WarmRunner {
  /**
   * The check's own directory (its spec and result), out of student code's
   * reach, and inside it `scratchDir`, the tmpfs of the runner's sandbox
   * that student code sees and writes.
   */
  checkDir: string;
  scratchDir: string;
  run(job: RunnerJob): Promise<SandboxRun>;
  discard(): Promise<void>;
}

/** Where the pool's runners live and what their sandboxes get. */
export interface RunnerPoolOptions {
  count: number;
  ahead: number;
  /** The grading's work directory: each runner makes its check directory there. */
  workDir: string;
  /** The scratch tmpfs: its size and the uid that owns it. */
  scratchBytes: number;
  scratchOwner: number;
  /** The runner's whole environment (nothing else of the grader's is passed). */
  env: Record<string, string>;
}

/**
 * Starts at most `count` runners, keeping `ahead` of them ready.
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
 * const run = await pool.take().run({ spec, timeoutMs: 65_000 });
 * await pool.close();
 * ```
 */
export class RunnerPool {
  readonly #ready: WarmRunner[] = [];
  #left: number;

  constructor(
    readonly graderModule: string,
    readonly isolation: Isolation,
    readonly options: RunnerPoolOptions,
  ) {
    this.#left = options.count;
    this.#fill();
  }

  /** A ready runner (or a fresh one if none is), and another started in its place. */
  take(): WarmRunner {
    const runner = this.#ready.shift() ?? this.#start();
    this.#fill();
    return runner;
  }

  /** Ends the runners no check took. */
  async close(): Promise<void> {
    this.#left = 0;
    const unused = this.#ready.splice(0);
    await Promise.all(unused.map((runner) => runner.discard()));
  }

  #fill(): void {
    while (this.#ready.length < this.options.ahead && this.#left > 0) this.#ready.push(this.#start());
  }

  #start(): WarmRunner {
    this.#left = Math.max(0, this.#left - 1);
    let give!: (job: { text: string; timeoutMs: number } | undefined) => void;
    const input = new Promise<{ text: string; timeoutMs: number } | undefined>((resolve) => give = resolve);
    let onLine: (line: string) => void = () => {};
    const runner = fileURLToPath(new URL("./runner.ts", import.meta.url));
    const checkDir = Deno.makeTempDirSync({ dir: this.options.workDir, prefix: "check-" });
    const scratchDir = join(checkDir, "scratch");
    Deno.mkdirSync(scratchDir);
    const done = runSandboxed(
      [
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
        this.graderModule,
      ],
      this.isolation,
      {
        timeoutMs: 0,
        input,
        onStdoutLine: (line) => onLine(line),
        env: this.options.env,
        clearEnv: true,
        scratch: { dir: scratchDir, bytes: this.options.scratchBytes, owner: this.options.scratchOwner },
      },
    );
    return {
      checkDir,
      scratchDir,
      run: (job) => {
        onLine = job.onStdoutLine ?? (() => {});
        give({ text: JSON.stringify(job.spec), timeoutMs: job.timeoutMs });
        return done;
      },
      discard: async () => {
        give(undefined);
        await done;
      },
    };
  }
}
