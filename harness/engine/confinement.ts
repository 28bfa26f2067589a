/**
 * Who student code runs as in a grading, and how the report says it: the
 * grading's own unprivileged uid where the grader is root (with namespaces
 * or on the host), else the grader's own user.
 *
 * @module
 */

import { gradingUid, killEveryProcessOf } from "../sandbox/jail.ts";
import type { JailSpec } from "../sandbox/jail.ts";
import type { Isolation } from "../sandbox/sandbox.ts";

/**
 * The uid student code runs as: this grading's own where the grader is
 * root. On the host it must be one the grader can become (CAP_SETUID, which
 * Docker keeps): the helper that kills whatever a previous grading with the
 * same uid left proves it. Elsewhere, none: the grader's own user (in a
 * user namespace with namespaces).
 *
 * @example
 * ```ts ignore
 * import { studentUid } from "./confinement.ts";
 * const uid = await studentUid(isolation, nativeDir); // 201234 as root
 * ```
 */
export async function studentUid(isolation: Isolation, nativeDir: string): Promise<number | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const uid = gradingUid(Deno.pid, gradingsStarted++);
  if (isolation.mode === "namespaces") return uid;
  return await killEveryProcessOf(nativeDir, uid) ? uid : undefined;
}

/** Gradings this process has started: each gets a uid of its own. */
let gradingsStarted = 0;

/**
 * How student code was confined, for every report: the isolation and the
 * uid it ran as.
 *
 * @example
 * ```ts ignore
 * import { describeIsolation } from "./confinement.ts";
 * describeIsolation(isolation, jail); // "host (student code as uid 201234)"
 * ```
 */
export function describeIsolation(isolation: Isolation, jail: JailSpec): string {
  const who = jail.uid !== undefined && Deno.uid() === 0
    ? `student code as uid ${jail.uid}`
    : isolation.mode === "namespaces"
    ? "student code as the grader's user, in a user namespace"
    : "student code as the grader's own user";
  return `${isolation.mode} (${who})`;
}

/**
 * The warning every report carries on the host: what confines student code
 * there, and what does not.
 *
 * @example
 * ```ts ignore
 * import { isolationWarnings } from "./confinement.ts";
 * const warnings = isolationWarnings({ mode: "host", reason: "SOCKLAB_ISOLATION=host is set" }, jail);
 * ```
 */
export function isolationWarnings(isolation: Isolation, jail: JailSpec): string[] {
  if (isolation.mode === "namespaces") return [];
  const confined = jail.uid !== undefined
    ? `student code runs as uid ${jail.uid}: it cannot change the grader's files, but it sees the host's files and processes, and its build directory is capped by measuring it as it grows`
    : "student code runs as the grader's own user, since the grader cannot change uids (it is not root, or lacks CAP_SETUID): it can read and change every file the grader can, the results included, and see the grader's processes; grade untrusted submissions as root or where namespaces work";
  return [`checks run on the host's loopback, one at a time, because ${isolation.reason}; ${confined}`];
}
