/**
 * The limits a student's program runs under (`harness/native/jail.c`): a
 * read-only filesystem but for its scratch directory, an unprivileged uid
 * when the grader runs as root, and resource limits from `task.yaml`.
 *
 * @module
 */

import { join } from "node:path";
import type { Limits } from "./task_config.ts";

/** How student programs are confined in one grading. */
export interface JailSpec {
  /** Directory of the compiled helpers. */
  nativeDir: string;
  /**
   * Unprivileged uid for student code, used where the grader is real root;
   * `undefined` to keep the grader's own (the work directory is out of its reach).
   */
  uid?: number;
  /** Whether a private read-only view of the filesystem can be made (namespaces). */
  readOnlyFilesystem: boolean;
  limits: Pick<Limits, "cpu_seconds" | "memory_mb" | "processes" | "open_files" | "file_size_mb">;
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
 * directories it may write.
 *
 * @example
 * ```ts ignore
 * import { jailCommand } from "./jail.ts";
 * const argv = [...jailCommand(spec, ["/tmp/check"]), "./server"];
 * ```
 */
export function jailCommand(spec: JailSpec, writable: string[]): string[] {
  const mib = 1024 * 1024;
  const argv = [join(spec.nativeDir, "jail")];
  if (spec.readOnlyFilesystem) {
    for (const dir of writable) argv.push("--rw", dir);
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
 * Whether another uid can reach `dir`: every directory above it must be
 * searchable by others (a private `TMPDIR` is not).
 *
 * @example
 * ```ts
 * import { reachableByOthers } from "./jail.ts";
 * reachableByOthers("/tmp"); // true on most systems
 * ```
 */
export function reachableByOthers(dir: string): boolean {
  const parts = dir.split("/").filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const path = `/${parts.slice(0, i).join("/")}`;
    const mode = Deno.statSync(path).mode ?? 0;
    if ((mode & 0o001) === 0) return false;
  }
  return true;
}
