/**
 * Everything a lab's grader may use, and the only harness module a grader
 * imports (`graders/**` import nothing else from `harness/`; a test sees to
 * it). A grader declares its checks with {@link defineGrader} and
 * {@link check}; a check drives programs and peers through its
 * {@link CheckContext} `t`, and fails by throwing {@link CheckFailure} (or
 * through {@link require}) with a rationale and a hint.
 *
 * @example A whole grader
 * ```ts
 * // graders/echo.ts; tasks/echo/task.yaml gives each check its points:
 * //   checks:
 * //     - {id: build, points: 1}
 * //     - {id: echoes, points: 2}
 * //     - {id: many-clients, points: 1}
 * import { check, defineGrader, require, z } from "./mod.ts";
 *
 * export default defineGrader({
 *   lab: "echo",
 *   // Values come from task.yaml (or --set), validated before any check runs.
 *   settings: { clients: z.number().int().positive().default(10) },
 *   checks: {
 *     "echoes": check({
 *       title: "The server sends each line back",
 *       run: async (t) => {
 *         await t.startServer(t.submission);
 *         const peer = await t.connect();
 *         await peer.send("hello\n");
 *         await peer.expectReceived("hello", { timeoutMs: t.step, because: "the line the harness sent" });
 *       },
 *     }),
 *     "many-clients": check({
 *       title: "Ten clients at once are all accepted",
 *       needs: ["echoes"],
 *       run: async (t) => {
 *         const server = await t.startServer(t.submission);
 *         await t.connectMany(t.settings.clients, { server });
 *         require(server.running, "the server ended with clients connected", "keep serving");
 *       },
 *     }),
 *   },
 * });
 * ```
 *
 * @example Process probes: methods of the program handle
 * ```ts ignore
 * const server = await t.startServer(t.submission);
 * const before = server.openDescriptors();
 * const zombies = await settle(() => server.zombieChildren(), (n) => n === 0, 2 * t.step);
 * require(zombies.ok, `the server kept ${zombies.value} zombie children`, "reap your children");
 * ```
 *
 * @module
 */

// Declaring a grader and its checks.
export { check, defineGrader } from "./check/grader.ts";
export { memoryChecks } from "./check/memory.ts";
export type { MemoryScenarios } from "./check/memory.ts";
export type { CheckDeclaration, DeclaredCheck, Grader, SettingsOf, SettingsShape } from "./check/grader.ts";
/** zod, for a lab's settings schema. */
export { z } from "zod";

// What a check works with, and how it fails.
export { CheckContext, CheckFailure, require } from "./check/context.ts";
export type { Language, Program, Role, StartProgramOptions } from "./check/context.ts";
export type { LabProcess } from "./programs/process.ts";
export type { TcpListenerPeer, TcpPeer } from "./peers/peer.ts";
export { describeExit, quoteExcerpt, stderrExcerpt } from "./programs/exit_status.ts";
export type { ExitStatus } from "./programs/exit_status.ts";

// Waiting on events, never on a stopwatch.
export { DeadlineError, formatMs, pollUntil, settle, StalledError } from "./observe/wait.ts";
export type { Settled } from "./observe/wait.ts";

// Large transfers: a verifiable byte pattern, sending and receiving it.
export { BLOCK, placeUploadFile, UploadPattern } from "./peers/pattern.ts";
export { formatRate, formatSize, receiveUpload, sendUpload } from "./peers/upload.ts";
export type { TransferResult } from "./peers/upload.ts";

// What /proc tells about processes and sockets, beyond the program handle's probes.
export { allProcesses, descendants, readStat, treeBlocked } from "./observe/processes.ts";
export {
  acceptQueueLength,
  bytesQueuedBetween,
  serverSideInode,
  socketDescriptor,
  tcpSockets,
  unreadBytes,
} from "./observe/sockets.ts";
export { EPOLL_WAIT_SYSCALLS, waitChannel } from "./observe/syscalls.ts";
export type { ProcStat } from "./observe/processes.ts";
export type { TcpSocketInfo } from "./observe/sockets.ts";
export type { ThreadWait } from "./observe/syscalls.ts";
