/**
 * The submission's build directory, capped at `limits.build_mb`: each build
 * command starts from a fresh copy of the sources, runs as student code (the
 * jail), and leaves what it built in the build directory, owned by the
 * grader and read-only for student code.
 *
 * - With namespaces the build runs on a tmpfs of that size, mounted in its
 *   sandbox only: a build cannot write more (ENOSPC), and none of it reaches
 *   the host's disk. Once every process of the sandbox is killed, what it
 *   built (at most the cap) is copied out to the host for the checks, which
 *   run in other sandboxes and see it read-only.
 * - On the host (no mount without CAP_SYS_ADMIN) the build writes the host's
 *   disk directly: each file is limited to the cap (RLIMIT_FSIZE), and the
 *   directory's size is measured after each write the build makes (inotify;
 *   at least every {@link WATCH_INTERVAL_MS} ms) while it runs; past the cap
 *   every process of the build is killed. The disk can hold more than the
 *   cap only by what the build writes before the grader, woken by a write,
 *   has measured (tens of MiB on a loaded machine: a test allows twice the
 *   cap).
 *
 * @module
 */

import { cp } from "node:fs/promises";
import { basename, join } from "node:path";
import { handOver, jailCommand, killEveryProcessOf, programEnvironment, takeBack } from "../sandbox/jail.ts";
import { sweepIpcObjects } from "../sandbox/ipc.ts";
import type { JailSpec } from "../sandbox/jail.ts";
import { runSandboxed } from "../sandbox/sandbox.ts";
import type { Isolation, SandboxRun } from "../sandbox/sandbox.ts";

/** How often the host-mode watcher measures the build directory. */
export const WATCH_INTERVAL_MS = 20;

/** A build that ends with less than this free on its tmpfs filled it (and failed because of it). */
const FULL_MARGIN_BYTES = 256 * 1024;

/** One build command's outcome. */
export interface CappedRun extends SandboxRun {
  /** The build wrote more than the cap (and was stopped, or failed for it). */
  overCap: boolean;
}

/** Where a capped build reads its sources and leaves its result. */
export interface CappedBuild {
  /** A copy of the submission, never written by student code. */
  sources: string;
  /** Where the built programs are after each run (empty after a failed one with namespaces). */
  dir: string;
  jail: JailSpec;
  isolation: Isolation;
  /** Characters of stdout and of stderr kept. */
  outputCap: number;
}

/**
 * Runs one build command (`make`, `py_compile`) from a fresh copy of the
 * sources in `build.dir`, capped as the module says.
 *
 * @example
 * ```ts ignore
 * import { runCappedBuild } from "./build_dir.ts";
 * const run = await runCappedBuild(build, ["make"], 60_000);
 * if (run.overCap) console.log("the build wrote more than the cap");
 * ```
 */
export async function runCappedBuild(
  build: CappedBuild,
  command: string[],
  timeoutMs: number,
): Promise<CappedRun> {
  return build.isolation.mode === "namespaces"
    ? await runOnTmpfs(build, command, timeoutMs)
    : await runWatched(build, command, timeoutMs);
}

function capBytes(jail: JailSpec): number {
  return jail.limits.build_mb * 1024 * 1024;
}

/** The jail of a build: no file larger than the whole build may be. */
function buildJail(build: CappedBuild): JailSpec {
  const limits = {
    ...build.jail.limits,
    file_size_mb: Math.min(build.jail.limits.file_size_mb, build.jail.limits.build_mb),
  };
  return { ...build.jail, limits, readable: [...build.jail.readable ?? [], build.sources] };
}

/**
 * In the sandbox: a tmpfs on `dir`; student code copies the sources in and
 * builds; then the sandbox's root kills whatever the build left running
 * (kill -1 reaches every process of the sandbox but PID 1) and, if it
 * succeeded, copies the result out, with no student process left to change
 * it under the copy.
 */
async function runOnTmpfs(build: CappedBuild, command: string[], timeoutMs: number): Promise<CappedRun> {
  const out = `${build.dir}.out`;
  const usage = `${build.dir}.usage`;
  await Deno.remove(out, { recursive: true }).catch(() => {});
  await Deno.remove(build.dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(out);
  await Deno.mkdir(build.dir);
  const jailed = [
    ...jailCommand(buildJail(build), [build.dir]),
    "/bin/sh",
    "-c",
    'cp -R "$0"/. . && exec "$@"',
    build.sources,
    ...command,
  ];
  const script = [
    'dir=$1 out=$2 usage=$3; shift 3; cd "$dir" || exit 125',
    '"$@"; status=$?',
    "while kill -s KILL -1 2>/dev/null; do :; done",
    `stat -f -c '%a %S %d' "$dir" >"$usage"`,
    'if [ "$status" = 0 ]; then cp -R "$dir/." "$out/" || exit 125; fi',
    'exit "$status"',
  ].join("\n");
  const owner = build.jail.uid !== undefined && Deno.uid() === 0 ? build.jail.uid : 0;
  const run = await runSandboxed(
    ["/bin/sh", "-c", script, "sh", build.dir, out, usage, ...jailed],
    build.isolation,
    {
      timeoutMs,
      cwd: build.dir,
      outputCap: build.outputCap,
      env: programEnvironment(build.dir),
      clearEnv: true,
      scratch: { dir: build.dir, bytes: capBytes(build.jail), owner },
    },
  );
  let overCap = false;
  try {
    const [freeBlocks, blockSize, freeInodes] = (await Deno.readTextFile(usage)).trim().split(" ").map(
      Number,
    );
    overCap = run.code !== 0 && (freeBlocks * blockSize < FULL_MARGIN_BYTES || freeInodes === 0);
  } catch {
    // Stopped before it measured: the deadline says why.
  }
  await Deno.remove(usage).catch(() => {});
  await Deno.remove(build.dir, { recursive: true });
  if (run.code === 0 && !run.timedOut) {
    await takeBack(out);
    await Deno.rename(out, build.dir);
  } else {
    await Deno.remove(out, { recursive: true }).catch(() => {});
    await Deno.mkdir(build.dir);
  }
  return { ...run, overCap };
}

/** On the host: the build writes `dir` itself, as the jail's uid, and a watcher measures it. */
async function runWatched(build: CappedBuild, command: string[], timeoutMs: number): Promise<CappedRun> {
  await Deno.remove(build.dir, { recursive: true }).catch(() => {});
  await cp(build.sources, build.dir, { recursive: true });
  await handOver(build.jail, build.dir);
  const stop = new AbortController();
  let overCap = false;
  const cap = capBytes(build.jail);
  const watching = (async () => {
    // A build writes as fast as the page cache takes it (GB/s): a measure
    // waits for the next write (inotify), not for a timer, which only covers
    // what inotify misses (a directory made between two measures).
    let changes: Deno.FsWatcher | undefined;
    try {
      changes = Deno.watchFs(build.dir, { recursive: true });
    } catch {
      // No inotify instance or watch left for this user: the timer alone measures.
    }
    let changed = false;
    let wake = () => {};
    const listening = (async () => {
      for await (const _ of changes ?? []) {
        changed = true;
        wake();
      }
    })().catch(() => {
      // The directory went (a build may remove it): the timer measures on.
    });
    try {
      while (!stop.signal.aborted) {
        changed = false;
        if (await diskUse(build.dir) > cap) {
          overCap = true;
          stop.abort();
          break;
        }
        if (!changed) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, WATCH_INTERVAL_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      }
    } finally {
      try {
        changes?.close();
      } catch {
        // Closed already, when its stream ended.
      }
      await listening;
    }
  })();
  // Past the cap the build is stopped at once, every process of its uid with it.
  const killOverCap = () => {
    if (overCap && build.jail.uid !== undefined) killEveryProcessOf(build.jail.nativeDir, build.jail.uid);
  };
  stop.signal.addEventListener("abort", killOverCap);
  const run = await runSandboxed(
    [...jailCommand(buildJail(build), [build.dir]), ...command],
    build.isolation,
    {
      timeoutMs,
      cwd: build.dir,
      outputCap: build.outputCap,
      env: programEnvironment(build.dir),
      clearEnv: true,
      signal: stop.signal,
    },
  );
  const over = overCap;
  stop.abort();
  await watching;
  // A daemon of the build (setsid) is gone before the grader takes the directory back.
  if (build.jail.uid !== undefined && !await killEveryProcessOf(build.jail.nativeDir, build.jail.uid)) {
    throw new Error(`the build's processes (uid ${build.jail.uid}) could not all be killed`);
  }
  // Nor the IPC objects it made: the first check would find them.
  if (build.jail.uid !== undefined) await sweepIpcObjects(build.jail.nativeDir, build.jail.uid);
  if (over || await diskUse(build.dir) > cap) {
    await Deno.remove(build.dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(build.dir);
    return { ...run, overCap: true };
  }
  await takeBack(build.dir);
  return { ...run, overCap: false };
}

/**
 * Bytes a tree takes on disk (its blocks), links not followed; what
 * vanishes while it is walked counts nothing.
 *
 * @example
 * ```ts ignore
 * import { diskUse } from "./build_dir.ts";
 * const bytes = await diskUse("/tmp/socklab-x/submission");
 * ```
 */
export async function diskUse(dir: string): Promise<number> {
  let total = 0;
  const walk = async (path: string) => {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch {
      return;
    }
    total += (info.blocks ?? 0) * 512;
    if (!info.isDirectory) return;
    try {
      for await (const entry of Deno.readDir(path)) await walk(join(path, entry.name));
    } catch {
      // Removed while walked.
    }
  };
  await walk(dir);
  return total;
}

/**
 * The name of the copy of the sources beside the build directory.
 *
 * @example
 * ```ts
 * import { sourcesDir } from "./build_dir.ts";
 * sourcesDir("/tmp/w/submission"); // "/tmp/w/submission.src"
 * ```
 */
export function sourcesDir(dir: string): string {
  return join(dir, "..", `${basename(dir)}.src`);
}
