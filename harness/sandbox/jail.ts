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
   * Unprivileged uid for student code, used where the grader is real root;
   * `undefined` to keep the grader's own (the work directory is out of its reach).
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
 * The uid student code of this grading runs as, when the grader is root: one
 * per grading, so that the process limit of one grading does not count
 * another's processes.
 *
 * @example
 * ```ts
 * import { gradingUid } from "./jail.ts";
 * const uid = gradingUid(); // e.g. 201234
 * ```
 */
export function gradingUid(pid = Deno.pid): number {
  return 200000 + (pid % 100000);
}

/**
 * The argv prefix that runs a command in the jail, with `writable` the only
 * directories it may write (and, in a view, the only ones of the host it
 * sees besides the system's and `spec.readable`).
 *
 * @example
 * ```ts ignore
 * import { jailCommand } from "./jail.ts";
 * const argv = [...jailCommand(spec, ["/tmp/check"]), "./server"];
 * ```
 */
export function jailCommand(spec: JailSpec, writable: string[]): string[] {
  const mib = 1024 * 1024;
  const argv = [join(spec.nativeDir, "jail"), ...jailCgroupArgs(spec.cgroupProcs)];
  if (spec.readOnlyFilesystem) {
    argv.push("--view", "--tmp-size", String(spec.limits.scratch_mb * mib));
    for (const dir of writable) argv.push("--rw", dir);
    for (const path of spec.readable ?? []) argv.push("--ro", path);
    if (spec.uid !== undefined) argv.push("--uid", String(spec.uid));
  }
  argv.push(
    "--cpu",
    String(spec.limits.cpu_seconds),
    "--as",
    String(spec.limits.memory_mb * mib),
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
  if (!spec.readOnlyFilesystem || uid === undefined || Deno.uid() !== 0) return;
  const walk = async (path: string) => {
    const info = await Deno.lstat(path);
    // chown follows links: a link in a submission must not hand over its target.
    if (info.isSymlink) return;
    await Deno.chown(path, uid, uid);
    if (!info.isDirectory) return;
    for await (const entry of Deno.readDir(path)) await walk(join(path, entry.name));
  };
  await walk(dir);
}

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
