/**
 * Uploads for the `async-server` grader that judge correctness, never speed.
 *
 * A correct server may be slow on purpose: the lab's provided receive loop
 * reads 10 bytes per `recv()`. So no upload here has a deadline on the
 * whole: a transfer fails only when the server stops moving bytes for a
 * whole step ({@link sendSteadily}, {@link whileServerReads}). Speed only
 * decides how much to send within the grading's time
 * ({@link uploadWithinBudget}, {@link chooseUploadSize}), and is measured for
 * the throughput advice ({@link measureUploadRate}).
 *
 * @module
 */

import {
  BLOCK,
  bytesQueuedBetween,
  CheckFailure,
  formatMs,
  formatRate,
  formatSize,
  sendUpload,
  type TcpPeer,
  type UploadPattern,
} from "../../harness/mod.ts";
import type { AsyncServerContext } from "./settings.ts";

/** Bytes in a mebibyte. */
export const MiB = 1 << 20;

/**
 * Sent before a rate is measured: the server has accepted, forked and
 * started reading by the time it has taken a megabyte.
 */
export const WARM_UP_BYTES = MiB;

/** A measuring write round that took less than this is doubled, up to {@link MAX_MEASURE_ROUND}. */
const MEASURE_ROUND_MS = 50;
const MAX_MEASURE_ROUND = 16 * MiB;

/**
 * Sends bytes `from` to `to` of `pattern` on `peer`, failing the check if
 * the server reads nothing for a whole step, closes or resets. A slow
 * server that keeps reading is never failed here, however long it takes.
 *
 * @example
 * ```ts ignore
 * await sendSteadily(t, peer, new UploadPattern(1), 0, 16 * MiB);
 * ```
 */
export async function sendSteadily(
  t: AsyncServerContext,
  peer: TcpPeer,
  pattern: UploadPattern,
  from: number,
  to: number,
  options: { label?: string; total?: number; stalled?: (sent: number) => CheckFailure } = {},
): Promise<void> {
  if (to <= from) return;
  const total = options.total ?? to;
  let inFlight = bytesInFlight(t, peer);
  const result = await sendUpload(peer.conn, to, pattern, {
    from,
    stallMs: t.step,
    // A write that waits while the server reads on: socket buffers that drain slowly.
    progressing: () => {
      const now = bytesInFlight(t, peer);
      const drained = now < inFlight;
      inFlight = now;
      return drained;
    },
    onProgress: options.label ? (sent) => t.progress(options.label!, sent, total) : undefined,
  });
  if (result.stopped === "stalled") {
    throw options.stalled?.(result.bytes) ?? new CheckFailure(
      `the server stopped reading: after ${formatSize(result.bytes)} of the ${
        formatSize(total)
      } upload, nothing more went through for ${formatMs(t.step)}`,
      "read the client's upload until recv() returns 0; do not block on anything else in the process that reads it",
    );
  }
  if (result.stopped) {
    throw new CheckFailure(
      `the server ${peer.wasReset ? "reset" : "closed"} the connection after ${
        formatSize(result.bytes)
      } of the ${formatSize(total)} upload (${result.stopped})`,
      "read until recv() returns 0 (the client's end of file) before closing the connection",
    );
  }
}

/** A measured upload rate and how it was measured. */
export interface UploadRate {
  /** Bytes sent in all, warm-up included. */
  sent: number;
  /** Bytes per second the server read in the measured part, or `undefined` if it read nothing then. */
  bytesPerSecond?: number;
  /** Bytes the server read, and milliseconds, of the measured part. */
  measuredBytes: number;
  measuredMs: number;
  /** Nanoseconds of CPU that `cpuNs` counted over the measured part, if given. */
  measuredCpuNs?: number;
}

/**
 * Uploads on `peer` up to `size` bytes and measures the server's pace on
 * the way: after a warm-up of {@link WARM_UP_BYTES}, it sends whole blocks
 * until `windowMs` passed or `maxBytes` went, and counts what the server
 * read meanwhile (sent minus still in the socket buffers, which hold
 * megabytes it has not read), and the CPU time `cpuNs` counts meanwhile,
 * if given. The bytes sent stay part of the upload: a caller goes on from
 * `sent`.
 *
 * @example
 * ```ts ignore
 * const rate = await measureUploadRate(t, peer, pattern, 1 << 30, { windowMs: 1000, maxBytes: 64 * MiB });
 * ```
 */
export async function measureUploadRate(
  t: AsyncServerContext,
  peer: TcpPeer,
  pattern: UploadPattern,
  size: number,
  options: { windowMs: number; maxBytes: number; label?: string; cpuNs?: () => number },
): Promise<UploadRate> {
  const warm = Math.min(size, WARM_UP_BYTES);
  const send = (from: number, to: number) =>
    sendSteadily(t, peer, pattern, from, to, { label: options.label, total: size });
  await send(0, warm);
  const cpuBefore = options.cpuNs?.();
  const started = performance.now();
  const readBefore = warm - bytesInFlight(t, peer);
  let sent = warm;
  // Each write round costs the harness a few milliseconds whatever its size: a
  // block per round would measure the harness, not the server. Rounds grow while
  // they are short, so a slow server still ends the window close to its end.
  let round = BLOCK;
  while (sent < size && sent - warm < options.maxBytes && performance.now() - started < options.windowMs) {
    const next = Math.min(size, sent + round, warm + options.maxBytes);
    const roundStarted = performance.now();
    await send(sent, next);
    sent = next;
    if (performance.now() - roundStarted < MEASURE_ROUND_MS) round = Math.min(2 * round, MAX_MEASURE_ROUND);
  }
  const measuredBytes = sent - bytesInFlight(t, peer) - readBefore;
  const measuredMs = Math.max(performance.now() - started, 0.001);
  const cpuAfter = options.cpuNs?.();
  return {
    sent,
    bytesPerSecond: measuredBytes > 0 ? (measuredBytes * 1000) / measuredMs : undefined,
    measuredBytes,
    measuredMs,
    measuredCpuNs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
  };
}

/**
 * The sizes at which an upload of `total` bytes may stop when its pace
 * does not let it go on within the budget: `total` halved down to 1 MiB,
 * smallest first.
 *
 * @example
 * ```ts
 * import { uploadCheckpoints } from "./transfers.ts";
 * uploadCheckpoints(8 << 20); // [1 MiB, 2 MiB, 4 MiB, 8 MiB]
 * ```
 */
export function uploadCheckpoints(total: number): number[] {
  const sizes = [total];
  while (sizes[0] / 2 >= MiB) sizes.unshift(Math.floor(sizes[0] / 2));
  return sizes;
}

/**
 * Milliseconds an upload will have taken once the server has read `target`
 * bytes, if it keeps the pace it had: `readBytes` in `elapsedMs`.
 *
 * @example
 * ```ts
 * import { projectedMs } from "./transfers.ts";
 * projectedMs(1000, 10e6, 30e6); // 3000
 * ```
 */
export function projectedMs(elapsedMs: number, readBytes: number, target: number): number {
  return readBytes > 0 ? (elapsedMs * target) / readBytes : Infinity;
}

/**
 * Uploads as much of `total` bytes on `peer` as the server's pace lets it
 * take in within `budgetMs`: it goes from checkpoint to checkpoint
 * ({@link uploadCheckpoints}) and, at each, goes on to the next only if
 * the pace so far (what the server has read, not what sits in the socket
 * buffers) brings it there within the budget. Every byte sent must go
 * through ({@link sendSteadily}); the pace only decides how many.
 *
 * @returns the bytes sent, and the pace in bytes per second where it stopped short of `total`
 *
 * @example
 * ```ts ignore
 * const { sent } = await uploadWithinBudget(t, peer, new UploadPattern(1), 1 << 30, 8000);
 * ```
 */
export async function uploadWithinBudget(
  t: AsyncServerContext,
  peer: TcpPeer,
  pattern: UploadPattern,
  total: number,
  budgetMs: number,
  label?: string,
): Promise<{ sent: number; bytesPerSecond?: number }> {
  const started = performance.now();
  let sent = 0;
  for (const target of uploadCheckpoints(total)) {
    const elapsedMs = performance.now() - started;
    const read = sent - bytesInFlight(t, peer);
    // Before the server has read anything there is no pace to go by: the smallest sizes are cheap.
    if (read > 0 && projectedMs(elapsedMs, read, target) > budgetMs) {
      return { sent, bytesPerSecond: (read * 1000) / elapsedMs };
    }
    await sendSteadily(t, peer, pattern, sent, target, { label, total });
    sent = target;
  }
  return { sent };
}

/**
 * How much of a `total`-byte upload to verify at `bytesPerSecond` within
 * `budgetMs`: the whole if it fits, else the largest of `total / 2`,
 * `total / 4`, … (down to 1 MiB) that fits, but never less than `atLeast`
 * (what was already sent). The rate only sets the size; no verdict rests on it.
 *
 * @example
 * ```ts
 * import { chooseUploadSize } from "./transfers.ts";
 * chooseUploadSize(1 << 30, 14e6, 8000, 20 << 20); // 64 MiB: 1 GiB would take 77 s
 * ```
 */
export function chooseUploadSize(
  total: number,
  bytesPerSecond: number,
  budgetMs: number,
  atLeast = 0,
): number {
  const fits = (size: number) => (size * 1000) / bytesPerSecond <= budgetMs;
  let size = total;
  while (!fits(size) && size / 2 >= MiB) size = Math.floor(size / 2);
  return Math.min(total, Math.max(size, atLeast));
}

/**
 * The report's note when an upload was verified on less than its full
 * size: `at 14 MB/s 1 GiB would take 77 s: verified on a 64 MiB upload instead`.
 *
 * @example
 * ```ts
 * import { scaledDownNote } from "./transfers.ts";
 * scaledDownNote(1 << 30, 64 << 20, 14e6);
 * ```
 */
export function scaledDownNote(total: number, verified: number, bytesPerSecond: number): string {
  const size = formatSize(verified);
  return `at ${formatRate(bytesPerSecond, 1000)} ${formatSize(total)} would take ${
    durationAt(total, bytesPerSecond)
  }: verified on ${/^(8|1[18](\D|$))/.test(size) ? "an" : "a"} ${size} upload instead`;
}

/**
 * How long `bytes` take at `bytesPerSecond`, for people: `77 s`.
 *
 * @example
 * ```ts
 * import { durationAt } from "./transfers.ts";
 * durationAt(1 << 30, 14e6); // "77 s"
 * ```
 */
export function durationAt(bytes: number, bytesPerSecond: number): string {
  if (!(bytesPerSecond > 0)) return "forever";
  const seconds = bytes / bytesPerSecond;
  if (seconds < 10) return formatMs(seconds * 1000);
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

/**
 * Bytes of `peer`'s connection still on their way to the server program:
 * unsent or unacknowledged on the harness's side, received and unread on
 * the server's (from `/proc/net/tcp`).
 *
 * @example
 * ```ts ignore
 * const unread = bytesInFlight(t, peer);
 * ```
 */
export function bytesInFlight(t: AsyncServerContext, peer: TcpPeer): number {
  return bytesQueuedBetween(t.port, peer.localPort);
}

/**
 * Waits, a step at a time, for `attempt` (a server's close, a printed line)
 * for as long as the server keeps reading `peer`'s upload: after the
 * client's end of file, a slow server may still have megabytes of socket
 * buffers to drain. Gives up (false) after a step in which it read nothing.
 *
 * @example
 * ```ts ignore
 * await peer.closeWrite();
 * const closed = await whileServerReads(t, peer, (ms) => peer.waitClosedByPeer(ms));
 * ```
 */
export async function whileServerReads(
  t: AsyncServerContext,
  peer: TcpPeer,
  attempt: (timeoutMs: number) => Promise<boolean>,
): Promise<boolean> {
  let inFlight = bytesInFlight(t, peer);
  for (;;) {
    if (await attempt(t.step)) return true;
    const now = bytesInFlight(t, peer);
    if (now >= inFlight) return false;
    inFlight = now;
  }
}
