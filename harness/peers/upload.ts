/**
 * Bulk transfers of the harness: sending an upload of any size as fast as
 * the peer takes it, and receiving one while checking every byte, both with
 * a deadline and in constant memory.
 *
 * @module
 */

import { BLOCK, UploadPattern } from "./pattern.ts";
import { DeadlineError, holdingStalls, withDeadline } from "../observe/wait.ts";

/** How a transfer went. */
export interface TransferResult {
  /** Bytes moved before it ended. */
  bytes: number;
  /** Milliseconds from the first byte to the end. */
  ms: number;
  /**
   * Why it ended early: `deadline` (the whole transfer's), `stalled` (no
   * byte moved for `stallMs`), or the error of the connection.
   */
  stopped?: string;
  /** For a received upload: the stream offset of the first wrong byte. */
  mismatchAt?: number;
}

/** Bytes per second as people read it: `812 MB/s`. */
export function formatRate(bytes: number, ms: number): string {
  const perSecond = ms > 0 ? (bytes * 1000) / ms : 0;
  return perSecond >= 1e9
    ? `${(perSecond / 1e9).toFixed(2)} GB/s`
    : perSecond >= 1e6
    ? `${(perSecond / 1e6).toFixed(1)} MB/s`
    : `${(perSecond / 1e3).toFixed(1)} kB/s`;
}

/** Sizes as people read them: `1 GiB`, `16 MiB`, `300 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes >= 1 << 30 && bytes % (1 << 30) === 0) return `${bytes / (1 << 30)} GiB`;
  if (bytes >= 1 << 20) return `${+(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${+(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** When a transfer gives up: a deadline for the whole, for each read or write, or both. */
export interface TransferLimits {
  /** Give up on the whole transfer after this many milliseconds. */
  timeoutMs?: number;
  /**
   * Give up once a single read or write (at most a block) has waited this
   * long: the peer stopped moving bytes. Unlike a deadline on the whole,
   * this passes a slow peer that keeps going, however large the transfer.
   */
  stallMs?: number;
  /**
   * Asked each `stallMs` that a read or write waits: whether the peer still
   * moves bytes all the same (a slow reader draining the socket buffers
   * before the writer is woken). The transfer is stalled only when not.
   */
  progressing?: () => boolean;
}

/** Why a transfer that threw ended: which of its limits passed, or the connection's error. */
function stopReason(error: unknown, stalled: { value: boolean }): string {
  if (!(error instanceof DeadlineError)) return (error as Error).message;
  return stalled.value ? "stalled" : "deadline";
}

/** `step` under the stall limit, if there is one; `stalled.value` says whether it was what passed. */
async function unlessStalled<T>(step: Promise<T>, limits: TransferLimits, stalled: { value: boolean }) {
  if (limits.stallMs === undefined) return await step;
  for (;;) {
    try {
      return await withDeadline(step, limits.stallMs, "the peer to move a byte");
    } catch (error) {
      if (!(error instanceof DeadlineError)) throw error;
      if (limits.progressing?.()) continue;
      stalled.value = true;
      throw error;
    }
  }
}

/** `work` under the whole transfer's deadline, if there is one. */
function withinTimeout<T>(work: Promise<T>, limits: TransferLimits): Promise<T> {
  return limits.timeoutMs === undefined ? work : withDeadline(work, limits.timeoutMs, "the upload");
}

/**
 * Sends `size` bytes of `pattern` on `conn`, a block per write. Stops at
 * `timeoutMs`, at a write that waits `stallMs`, or at the first write error.
 *
 * @example
 * ```ts ignore
 * import { sendUpload } from "./upload.ts";
 * const result = await sendUpload(conn, 1 << 30, new UploadPattern(1), { timeoutMs: 20_000 });
 * ```
 */
export async function sendUpload(
  conn: Deno.Conn,
  size: number,
  pattern: UploadPattern,
  options: TransferLimits & { from?: number; onProgress?: (sent: number) => void },
): Promise<TransferResult> {
  const started = performance.now();
  const state = { sent: options.from ?? 0, abandoned: false };
  const stalled = { value: false };
  const nextReportAt = () => state.sent + Math.max(BLOCK, Math.floor(size / 16));
  const sending = (async () => {
    let report = nextReportAt();
    while (state.sent < size && !state.abandoned) {
      const within = state.sent % BLOCK;
      const block = pattern.block(Math.floor(state.sent / BLOCK));
      const piece = block.subarray(within, Math.min(BLOCK, within + size - state.sent));
      state.sent += await unlessStalled(conn.write(piece), options, stalled);
      if (state.sent >= report) {
        options.onProgress?.(state.sent);
        report = nextReportAt();
      }
    }
  })();
  try {
    await withinTimeout(holdingStalls(sending), options);
    return { bytes: state.sent, ms: performance.now() - started };
  } catch (error) {
    state.abandoned = true;
    sending.catch(() => {});
    return { bytes: state.sent, ms: performance.now() - started, stopped: stopReason(error, stalled) };
  }
}

/**
 * Receives an upload of `pattern` on `conn` until the peer closes, checking
 * each byte against the content at its offset. Stops at `timeoutMs`, at a
 * read that waits `stallMs`, at a connection error, or once more than
 * `size` bytes arrived.
 *
 * @example
 * ```ts ignore
 * import { receiveUpload } from "./upload.ts";
 * const result = await receiveUpload(conn, size, pattern, { timeoutMs: 20_000 });
 * ```
 */
export async function receiveUpload(
  conn: Deno.Conn,
  size: number,
  pattern: UploadPattern,
  options: TransferLimits & {
    /** Stop once `size` bytes arrived, without waiting for the end of the stream. */
    stopAtSize?: boolean;
    onProgress?: (received: number) => void;
  },
): Promise<TransferResult & { closed: boolean }> {
  const buffer = new Uint8Array(BLOCK);
  let started: number | undefined;
  const state = { received: 0, closed: false, mismatchAt: undefined as number | undefined, abandoned: false };
  const stalled = { value: false };
  const receiving = (async () => {
    let report = Math.max(BLOCK, Math.floor(size / 16));
    while (!state.abandoned) {
      const n = await unlessStalled(conn.read(buffer), options, stalled);
      if (n === null) {
        state.closed = true;
        return;
      }
      started ??= performance.now();
      if (state.mismatchAt === undefined) {
        state.mismatchAt = pattern.firstMismatch(buffer.subarray(0, n), state.received);
      }
      state.received += n;
      if (state.received >= report) {
        options.onProgress?.(state.received);
        report += Math.max(BLOCK, Math.floor(size / 16));
      }
      if (state.received > size || (options.stopAtSize && state.received === size)) return;
    }
  })();
  let stopped: string | undefined;
  try {
    await withinTimeout(holdingStalls(receiving), options);
  } catch (error) {
    state.abandoned = true;
    receiving.catch(() => {});
    stopped = stopReason(error, stalled);
  }
  return {
    bytes: state.received,
    ms: started === undefined ? 0 : performance.now() - started,
    stopped,
    mismatchAt: state.mismatchAt,
    closed: state.closed,
  };
}
