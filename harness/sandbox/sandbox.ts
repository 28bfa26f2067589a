/**
 * Runs a command in a sandbox of its own: new network namespace (its own
 * loopback, so the labs' hard-coded 127.0.0.1:5000 never collides with
 * another check or grading, and TIME_WAIT dies with the namespace), new PID
 * namespace (every process the check starts, daemons included, dies with
 * it), a private `/proc`, and IPC and UTS namespaces of its own
 * ({@link PRIVATE_NAMESPACES}).
 *
 * Where namespaces cannot be made (some kernels forbid unprivileged user
 * namespaces), the fallback runs on the host loopback, one check at a time,
 * and says so in the report.
 *
 * @module
 */

import { join } from "node:path";
import { DeadlineError, withDeadline } from "../observe/wait.ts";
import { userNamespaceRefusal } from "./userns_refusal.ts";

/**
 * The namespaces each sandbox (a check runner's, a build's) has of its own:
 * network, PID and mount (with them every process and socket of a check),
 * System V IPC and POSIX message queues (a segment or queue made in a check
 * is removed by PID 1 before the next check and goes with the sandbox, never
 * seen by the host or another grading), and UTS (a host name). Not a cgroup
 * namespace (a view of cgroup paths, no state a check can leave) nor a time
 * namespace (its clock offsets are fixed before its first process; student
 * code cannot make one).
 *
 * @example
 * ```ts
 * import { PRIVATE_NAMESPACES } from "./sandbox.ts";
 * PRIVATE_NAMESPACES.includes("--ipc"); // true
 * ```
 */
export const PRIVATE_NAMESPACES = ["--net", "--pid", "--mount", "--ipc", "--uts"] as const;

/** How checks are isolated on this machine. */
export type Isolation =
  | { mode: "namespaces"; prefix: string[] }
  | { mode: "host"; reason: string };

/** Set to `host` to force the fallback (for tests, or a machine that misbehaves). */
export const ISOLATION_ENV = "SOCKLAB_ISOLATION";

/**
 * Finds out which isolation works here, trying namespaces as root, then in
 * a user namespace.
 *
 * @example
 * ```ts ignore
 * import { probeIsolation } from "./sandbox.ts";
 * const isolation = await probeIsolation("/tmp/work/native");
 * ```
 */
export async function probeIsolation(nativeDir: string): Promise<Isolation> {
  if (Deno.env.get(ISOLATION_ENV) === "host") {
    return { mode: "host", reason: `${ISOLATION_ENV}=host is set` };
  }
  const base = ["unshare", ...PRIVATE_NAMESPACES, "--fork", "--mount-proc", "--kill-child"];
  const candidates = Deno.uid() === 0 ? [base] : [];
  candidates.push([base[0], "--user", "--map-root-user", ...base.slice(1)]);
  let lastError = "";
  for (const flags of candidates) {
    const prefix = [...flags, join(nativeDir, "sandbox_init")];
    try {
      const result = await new Deno.Command(prefix[0], {
        args: [...prefix.slice(1), "true"],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (result.success) return { mode: "namespaces", prefix };
      lastError = new TextDecoder().decode(result.stderr).trim();
    } catch (error) {
      lastError = (error as Error).message;
    }
  }
  // Not root: the user namespace was refused; say why and how to allow it where the kernel tells.
  const cause = Deno.uid() === 0 ? undefined : userNamespaceRefusal(lastError);
  return {
    mode: "host",
    reason: `network and PID namespaces are not available (${lastError || "unshare failed"})${
      cause ? `: ${cause}` : ""
    }`,
  };
}

/** The outcome of {@link runSandboxed}. */
export interface SandboxRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The hard deadline passed and everything was killed. */
  timedOut: boolean;
}

/** Options of {@link runSandboxed}. */
export interface SandboxOptions {
  timeoutMs: number;
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** `env` is the whole environment: nothing of the grader's is passed on. */
  clearEnv?: boolean;
  /**
   * A directory that becomes a tmpfs of `bytes`, owned by `owner`, for the
   * sandbox's lifetime (in namespaces only; on the host it stays as it is).
   */
  scratch?: { dir: string; bytes: number; owner: number };
  /** Characters of stdout and of stderr kept each. */
  outputCap?: number;
  /** Called with each line of stdout as it arrives. */
  onStdoutLine?: (line: string) => void;
  /** Ends the command and everything it started, as the deadline would (`timedOut` stays false). */
  signal?: AbortSignal;
}

/**
 * Runs `command` isolated as `isolation` says, killing everything it started
 * when `timeoutMs` passes.
 *
 * @example
 * ```ts ignore
 * import { probeIsolation, runSandboxed } from "./sandbox.ts";
 * const isolation = await probeIsolation(nativeDir);
 * const run = await runSandboxed(["make"], isolation, { timeoutMs: 60_000, cwd: dir });
 * ```
 */
export async function runSandboxed(
  command: string[],
  isolation: Isolation,
  options: SandboxOptions,
): Promise<SandboxRun> {
  const argv = sandboxArgv(command, isolation, options.scratch);
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = Promise.all([
    collect(child.stdout, options.outputCap, options.onStdoutLine),
    collect(child.stderr, options.outputCap),
  ]);
  let timedOut = false;
  let status: Deno.CommandStatus;
  const stop = () => {
    // In namespaces, killing `unshare` kills its PID 1 (--kill-child), which
    // takes the whole namespace down. On the host, kill the process group.
    const target = isolation.mode === "namespaces" ? child.pid : -child.pid;
    try {
      Deno.kill(target, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  options.signal?.addEventListener("abort", stop);
  try {
    status = await withDeadline(child.status, options.timeoutMs, "the sandboxed command");
  } catch (error) {
    if (!(error instanceof DeadlineError)) throw error;
    timedOut = true;
    stop();
    status = await child.status;
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
  if (isolation.mode === "host") {
    // Whatever the command left behind in its process group goes too.
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // Nothing left.
    }
  }
  const [stdout, stderr] = await withDeadline(output, 2000, "the sandbox's output")
    .catch(() => ["", ""]);
  return { code: status.code, stdout, stderr, timedOut };
}

/**
 * The command line that runs `command` isolated as `isolation` says, with
 * a scratch tmpfs if asked (in namespaces). Killing the process it starts
 * ends the whole sandbox in namespaces; on the host, kill its process group.
 *
 * @example
 * ```ts
 * import { sandboxArgv } from "./sandbox.ts";
 * sandboxArgv(["true"], { mode: "host", reason: "example" }); // ["setsid", "true"]
 * ```
 */
export function sandboxArgv(
  command: string[],
  isolation: Isolation,
  scratch?: SandboxOptions["scratch"],
): string[] {
  const mount = scratch ? ["--scratch", scratch.dir, String(scratch.bytes), String(scratch.owner), "--"] : [];
  // On the host, a new session makes the command a process-group leader, so
  // the group can be killed without touching anything the grader did not start.
  return isolation.mode === "namespaces"
    ? [...isolation.prefix, ...mount, ...command]
    : ["setsid", ...command];
}

/**
 * Cuts text that arrives in pieces into lines: each call takes the next
 * piece and hands `onLine` every line it completes (without its newline).
 *
 * @example
 * ```ts
 * import { lineSplitter } from "./sandbox.ts";
 * const lines: string[] = [];
 * const split = lineSplitter((line) => lines.push(line));
 * split("ready\nres");
 * split("ult\n"); // lines: ["ready", "result"]
 * ```
 */
export function lineSplitter(onLine: (line: string) => void): (piece: string) => void {
  let partial = "";
  return (piece) => {
    const lines = (partial + piece).split("\n");
    partial = lines.pop()!;
    for (const line of lines) onLine(line);
  };
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  cap = 64 * 1024,
  onLine?: (line: string) => void,
): Promise<string> {
  let text = "";
  const split = onLine && lineSplitter(onLine);
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const decoded = decoder.decode(chunk, { stream: true });
    if (text.length < cap) text += decoded;
    split?.(decoded);
  }
  return text;
}
