/**
 * What student code leaves in the kernel's IPC tables when it runs on the
 * host (no namespaces): System V shared memory, message queues, semaphore
 * sets and POSIX message queues survive their processes. In namespaces the
 * sandbox's IPC namespace takes them away (and its PID 1 sweeps it between
 * checks); on the host, the grader removes whatever the grading's uid owns
 * once the grading is over (`harness/sandbox/native/ipc_sweep.c`).
 *
 * @module
 */

import { join } from "node:path";

/**
 * Removes every IPC object `uid` owns or created in the grader's IPC
 * namespace; returns how many there were. Only for a uid of the grading's
 * own: the objects of the grader's user cannot be told from the student's.
 *
 * @example
 * ```ts ignore
 * import { sweepIpcObjects } from "./ipc.ts";
 * const removed = await sweepIpcObjects(nativeDir, 201234); // 0 after a well-behaved grading
 * ```
 */
export async function sweepIpcObjects(nativeDir: string, uid: number): Promise<number> {
  const result = await new Deno.Command(join(nativeDir, "ipc_sweep"), {
    args: [String(uid)],
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  if (!result.success) throw new Error(decode(result.stderr) || `ipc_sweep ended with status ${result.code}`);
  return Number(decode(result.stdout));
}
