/**
 * The limits a student's program runs under (`harness/sandbox/native/jail.c`): a
 * filesystem view of its own (system directories read-only, its scratch
 * directory writable, a private `/tmp`, nothing else of the host), an
 * unprivileged uid when the grader runs as root, resource limits from
 * `task.yaml`, and a fixed environment ({@link programEnvironment}).
 *
 * @module
 */

import { join } from "node:path";
import { jailCgroupArgs } from "./cgroups.ts";

/** How student programs are confined in one grading. */
export interface JailSpec {
  /** Directory of the compiled helpers. */
  nativeDir: string;
  /**
   * Unprivileged uid for student code, set only where the grader is real
   * root (with namespaces or on the host); `undefined` to keep the grader's
   * own (in a user namespace only that one is mapped).
   */
  uid?: number;
  /**
   * Whether student code gets a filesystem view of its own (namespaces):
   * the system directories read-only, the writable directories, `readable`,
   * a private `/tmp`, and nothing else.
   */
  readOnlyFilesystem: boolean;
  /** Shown read-only in the view besides the system directories: the built submission, an interpreter. */
  readable?: string[];
  /**
   * The `cgroup.procs` files of the group the program joins before it runs
   * (its check's or the build's: a memory and a process cap for all of them
   * together, see `cgroups.ts`); none where cgroups cannot be had.
   */
  cgroupProcs?: string[];
  /** The resource limits of each student process (`task.yaml` `limits` fits). */
  limits: JailLimits;
}

/** What bounds each student process, and the size of its scratch. */
export interface JailLimits {
  cpu_seconds: number;
  memory_mb: number;
  processes: number;
  open_files: number;
  file_size_mb: number;
  scratch_mb: number;
  /** Size of the build directory (see `harness/programs/build_dir.ts`). */
  build_mb: number;
}

/**
 * The whole environment of student programs, their build and the
 * reference peers: nothing is inherited from the grader, whose environment
 * may hold tokens. Checks add to it (`LD_PRELOAD`).
 *
 * @example
 * ```ts
 * import { programEnvironment } from "./jail.ts";
 * const env = programEnvironment("/tmp/socklab-x/check-1/scratch");
 * env.HOME; // "/tmp/socklab-x/check-1/scratch"
 * ```
 */
export function programEnvironment(home: string): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TERM: "dumb",
    // Python's output reaches the harness as printed, and nothing is written beside the sources.
    PYTHONUNBUFFERED: "1",
    PYTHONDONTWRITEBYTECODE: "1",
  };
}

/**
 * The uid student code of a grading runs as, when the grader is root: one
 * per grading, so that the process limit of one grading does not count
 * another's processes, and killing every process of the uid (on the host,
 * at the end of each check) reaches no other grading's. A process's first
 * grading (the CLI grades one) takes `200000 + pid % 100000`; the next
 * ones in the same process (a test suite grading fixtures side by side)
 * take uids of another range.
 *
 * @example
 * ```ts
 * import { gradingUid } from "./jail.ts";
 * gradingUid(1234); // 201234
 * gradingUid(1234, 1); // 323401
 * ```
 */
export function gradingUid(pid = Deno.pid, index = 0): number {
  return index === 0 ? 200000 + (pid % 100000) : 300000 + ((pid % 1000) * 100 + (index % 100));
}

/**
 * The argv prefix that runs a command in the jail, with `writable` the only
 * directories it may write (and, in a view, the only ones of the host it
 * sees besides the system's and `spec.readable`). Without `addressSpace`
 * the address space is not capped (AddressSanitizer reserves terabytes);
 * with `leakCheck` the program may trace its own threads (LeakSanitizer).
 *
 * @example
 * ```ts ignore
 * import { jailCommand } from "./jail.ts";
 * const argv = [...jailCommand(spec, ["/tmp/check"]), "./server"];
 * ```
 */
export function jailCommand(
  spec: JailSpec,
  writable: string[],
  options: { addressSpace?: boolean; leakCheck?: boolean } = {},
): string[] {
  const mib = 1024 * 1024;
  const argv = [join(spec.nativeDir, "jail"), ...jailCgroupArgs(spec.cgroupProcs)];
  if (spec.readOnlyFilesystem) {
    argv.push("--view", "--tmp-size", String(spec.limits.scratch_mb * mib));
    for (const dir of writable) argv.push("--rw", dir);
    for (const path of spec.readable ?? []) argv.push("--ro", path);
  }
  // On the host too: the uid is what keeps student code off the grader's files.
  if (spec.uid !== undefined) argv.push("--uid", String(spec.uid));
  if (options.leakCheck) argv.push("--leak-check");
  argv.push("--cpu", String(spec.limits.cpu_seconds));
  if (options.addressSpace ?? true) argv.push("--as", String(spec.limits.memory_mb * mib));
  argv.push(
    "--nproc",
    String(spec.limits.processes),
    "--nofile",
    String(spec.limits.open_files),
    "--fsize",
    String(spec.limits.file_size_mb * mib),
    "--",
  );
  return argv;
}

/**
 * Gives the jail's uid a directory tree to write, where the grader is root
 * (elsewhere the student's code runs as the grader's own user already).
 *
 * @example
 * ```ts ignore
 * import { handOver } from "./jail.ts";
 * await handOver(spec, "/tmp/socklab-x/check-1");
 * ```
 */
export async function handOver(spec: JailSpec, dir: string): Promise<void> {
  const uid = spec.uid;
  if (uid === undefined || Deno.uid() !== 0) return;
  await walkTree(dir, (path) => Deno.chown(path, uid, uid));
}

/**
 * Takes back a tree the jail's uid wrote (a build), once none of its
 * processes is left (else a link could replace a file between its look and
 * its chown): owned by the grader, nothing set-uid, readable and
 * traversable by all and writable by nobody else, so that every check sees
 * the same build and none can change it for the next. Hard links are
 * removed.
 *
 * @example
 * ```ts ignore
 * import { takeBack } from "./jail.ts";
 * await takeBack("/tmp/socklab-x/submission");
 * ```
 */
export async function takeBack(dir: string): Promise<void> {
  const root = Deno.uid() === 0;
  await walkTree(dir, async (path, info) => {
    // A second name of a file elsewhere (a hard link made on the host): its
    // modes are that file's, which must not change. A build needs none.
    if (!info.isDirectory && (info.nlink ?? 1) > 1) return await Deno.remove(path);
    if (root) await Deno.chown(path, 0, 0);
    const executable = info.isDirectory || ((info.mode ?? 0) & 0o111) !== 0;
    await Deno.chmod(path, executable ? 0o755 : 0o644);
  });
}

/** Calls `visit` on every file and directory of the tree, never through a link (chown and chmod follow them). */
async function walkTree(
  dir: string,
  visit: (path: string, info: Deno.FileInfo) => Promise<void>,
): Promise<void> {
  const walk = async (path: string) => {
    const info = await Deno.lstat(path);
    if (info.isSymlink) return;
    await visit(path, info);
    if (!info.isDirectory) return;
    for await (const entry of Deno.readDir(path)) await walk(join(path, entry.name));
  };
  await walk(dir);
}

/**
 * Kills every process of `uid` (a helper that becomes that uid and calls
 * kill(-1) until none is left): nothing student code started, a `setsid`
 * daemon included, outlives the call. Returns false if the helper could not
 * become the uid (the grader is not root, or lacks CAP_SETUID) or some
 * process survived.
 *
 * @example
 * ```ts ignore
 * import { killEveryProcessOf } from "./jail.ts";
 * await killEveryProcessOf(nativeDir, 201234); // true
 * ```
 */
export function killEveryProcessOf(nativeDir: string, uid: number): Promise<boolean> {
  if (Deno.uid() !== 0 || uid === 0) return Promise.resolve(false);
  // The helper is a process of the uid itself: two at once would kill each
  // other (each kill(-1) reaches the other), and both would say they failed.
  const previous = killingsUnderWay.get(uid) ?? Promise.resolve(true);
  const killing = previous.catch(() => false).then(async () => {
    const result = await new Deno.Command(join(nativeDir, "jail"), {
      args: ["--kill-uid", String(uid)],
      stdout: "null",
      stderr: "null",
      clearEnv: true,
    }).output();
    return result.success;
  });
  killingsUnderWay.set(uid, killing);
  killing.finally(() => {
    if (killingsUnderWay.get(uid) === killing) killingsUnderWay.delete(uid);
  }).catch(() => {});
  return killing;
}

/** The last kill of each uid under way, which the next one waits for. */
const killingsUnderWay = new Map<number, Promise<boolean>>();

/**
 * The uid that owns a check's scratch directory (a tmpfs mounted by the
 * sandbox): the jail's, where the grader is root; else the sandbox's root,
 * which is the grader's own user.
 *
 * @example
 * ```ts ignore
 * import { scratchOwner } from "./jail.ts";
 * const uid = scratchOwner(spec); // 201234 as root
 * ```
 */
export function scratchOwner(spec: JailSpec): number {
  return spec.uid !== undefined && Deno.uid() === 0 ? spec.uid : 0;
}

/**
 * Removes what `uid` left in the directories every user may write (on the
 * host student code can reach them: /tmp, /var/tmp, /dev/shm and the
 * grader's TMPDIR), once none of its processes is left. Returns the paths
 * removed.
 *
 * @example
 * ```ts ignore
 * import { removeLeftovers } from "./jail.ts";
 * await removeLeftovers(201234); // ["/tmp/results.json.new"]
 * ```
 */
export async function removeLeftovers(uid: number): Promise<string[]> {
  const dirs = new Set(["/tmp", "/var/tmp", "/dev/shm", Deno.env.get("TMPDIR") ?? "/tmp"]);
  const removed: string[] = [];
  for (const dir of dirs) {
    try {
      for await (const entry of Deno.readDir(dir)) {
        const path = join(dir, entry.name);
        const info = await Deno.lstat(path).catch(() => undefined);
        if (info?.uid !== uid) continue;
        await Deno.remove(path, { recursive: true }).then(() => removed.push(path), () => {});
      }
    } catch {
      // No such directory here.
    }
  }
  return removed;
}
