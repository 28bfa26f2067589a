/**
 * The `async-server` checks of the student's client: it sends
 * `test-file.txt` to a harness server byte for byte, continuing short
 * sends, prints its progress, closes and exits 0. As on the server side, a
 * slow client is not wrong: correctness checks fail only a client that
 * stops sending for a whole step, and its pace is the throughput advice's.
 *
 * @module
 */

import { join } from "node:path";
import {
  bytesQueuedBetween,
  check,
  CheckFailure,
  type DeclaredCheck,
  formatRate,
  formatSize,
  placeUploadFile,
  receiveUpload,
  require,
  type TcpListenerPeer,
  type UploadPattern,
} from "../../harness/mod.ts";
import type { AsyncServerContext, AsyncServerSettings } from "./settings.ts";
import { chooseUploadSize, MiB, scaledDownNote } from "./transfers.ts";

/**
 * Taken off a power-of-two size to make it a multiple of no buffer size:
 * a client that pads its last chunk to a whole buffer then sends more than
 * the file (spec section 3: "exactly its bytes whatever its size"). One
 * less than 64 KiB, so that a multiple of 64 KiB becomes one byte past a
 * multiple of every power of two up to 64 KiB: with sends cut to 64 KiB,
 * a client's last send is then a single byte, and a send loop that stops
 * with one byte left (`while (len > 1)`) loses it.
 */
const UNALIGNED_BY = (64 << 10) - 1;

/**
 * `size` made odd, a multiple of no buffer size, by taking
 * {@link UNALIGNED_BY} off (a size already odd is kept).
 *
 * @example
 * ```ts
 * import { unaligned } from "./client_checks.ts";
 * unaligned(16 << 20); // 16711681
 * ```
 */
export function unaligned(size: number): number {
  if (size % 2 === 1) return size;
  return size > 2 * UNALIGNED_BY ? size - UNALIGNED_BY : size - 1;
}

/** The first file the client sends in `client-sends-file`, whose pace sizes the second. */
const CLIENT_PROBE_BYTES = 16 * MiB;
/**
 * The file of `client-progress`: room for the lab's client to print several times (it does every
 * 10 MB), and more than {@link PROGRESS_PAUSE_BYTES} plus all that socket buffers can hold (loopback
 * receive buffers grow to 32 MiB here, of which about half holds data; a send buffer 4 MiB), so that
 * the client is still sending when the harness pauses.
 */
const PROGRESS_FILE_BYTES = unaligned(64 * MiB);
/**
 * Where `client-progress` stops reading until the client has printed a progress line: more than the
 * lab's 10 MB step, and far from the end of the file.
 */
const PROGRESS_PAUSE_BYTES = 12 * MiB;
/**
 * More lines than a client's progress can take on the file of `client-progress` (one per 32 KiB of it):
 * a client that printed more while it stopped sending is caught in a loop that prints for ever.
 */
const RUNAWAY_LINES = 2000;

/**
 * The largest `test-file.txt` made dense, pseudo-random throughout: the probe of `client-sends-file`
 * and the file of `client-closes`, each read to its end, so a client sending bytes from the wrong place
 * in its buffer is caught on every byte. Larger files (the handout's gigabyte, the progress and pace
 * files) are sparse: a page of content every 256 KiB, holes between (harness/peers/pattern.ts), so
 * that they cost no time on a first grading and little disk in the cache, while a lost, repeated or
 * shifted piece still shows within 256 KiB and a wrong length at the end.
 */
const DENSE_FILE_BYTES = 16 * MiB;

/**
 * Puts `test-file.txt` of `size` bytes where the student's client will look for it.
 *
 * @example
 * ```ts ignore
 * const pattern = await prepareTestFile(t, 16 * MiB);
 * ```
 */
export async function prepareTestFile(t: AsyncServerContext, size: number): Promise<UploadPattern> {
  const path = join(t.env.scratchDir, "test-file.txt");
  await Deno.remove(path).catch(() => {});
  return placeUploadFile(path, size, 7, { sparse: size > DENSE_FILE_BYTES });
}

/**
 * Starts the student's client with sends cut short (see harness/sandbox/native/short_send.c).
 *
 * @example
 * ```ts ignore
 * const client = await startClient(t);
 * ```
 */
export async function startClient(t: AsyncServerContext) {
  // A copy in the scratch directory, which the student's uid can always read.
  const shim = join(t.env.scratchDir, "short_send.so");
  await Deno.copyFile(join(t.env.nativeDir, "short_send.so"), shim).catch((error) => {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  });
  return t.start(t.submission, "client", { env: { LD_PRELOAD: shim } });
}

/**
 * Runs the client on a `test-file.txt` of `size` bytes and requires every
 * byte to arrive, in order, none twice, and nothing after the last: the
 * connection is read on to the client's end of file (or until it has sent
 * nothing for a step: whether it closes is `client-closes`' to judge), so
 * a client that pads its last chunk sends more than the file. With
 * `withinMs`, stops checking there (the budget of the grading, not a
 * verdict: a client whose pace fell is not failed for it). Returns the
 * bytes checked and the client's pace in bytes per second.
 */
async function requireWholeFile(
  t: AsyncServerContext,
  listener: TcpListenerPeer,
  size: number,
  withinMs?: number,
): Promise<{ checked: number; bytesPerSecond: number }> {
  const pattern = await prepareTestFile(t, size);
  const client = await startClient(t);
  const peer = await listener.accept({ timeoutMs: 2 * t.step, raw: true });
  const got = await receiveUpload(peer.conn, size, pattern, {
    timeoutMs: withinMs,
    stallMs: t.step,
    onProgress: (received) => t.progress("client upload", received, size),
  }).catch((error) => ({ bytes: 0, ms: 0, stopped: String(error), closed: false, mismatchAt: undefined }));
  // Bytes after the file's end are reported as such, whatever they hold (a padded chunk's stale bytes).
  require(
    got.bytes <= size,
    `the client sent more than the ${size} bytes of test-file.txt: ${
      got.mismatchAt !== undefined && got.mismatchAt < size
        ? "part of the file was lost or sent twice, and "
        : ""
    }${got.bytes - size} bytes or more came after the file's last byte`,
    "send exactly the bytes read() returned: the file's last chunk is shorter than the buffer, so send n bytes, not sizeof buffer",
  );
  if (got.mismatchAt !== undefined) {
    throw new CheckFailure(
      `the bytes received differ from test-file.txt from byte ${got.mismatchAt} on (${
        formatSize(got.bytes)
      } received): part of the file was lost or sent twice`,
      "send() may send fewer bytes than asked (its return value says how many): loop until every byte of each chunk is sent",
    );
  }
  if (got.bytes < size && got.stopped !== "deadline") {
    const why = got.closed
      ? "before it closed the connection"
      : got.stopped === "stalled"
      ? `, then nothing for ${t.step} ms`
      : `(${got.stopped})`;
    throw new CheckFailure(
      `the client sent only ${got.bytes} of the ${size} bytes of test-file.txt ${why}${
        client.running ? "" : `; the client exited with status ${client.status?.code}`
      }`,
      "read the file to its end and send every chunk in full, continuing short sends",
    );
  }
  await peer.close();
  await client.kill();
  return { checked: got.bytes, bytesPerSecond: (got.bytes * 1000) / Math.max(got.ms, 0.001) };
}

/** Runs the client on `size` bytes until it closes, failing the check if it stops sending for a step. */
async function uploadToTheEnd(t: AsyncServerContext, size: number) {
  const pattern = await prepareTestFile(t, size);
  const listener = t.listen();
  const client = await startClient(t);
  const peer = await listener.accept({ timeoutMs: 2 * t.step, raw: true });
  const got = await receiveUpload(peer.conn, size, pattern, { stallMs: t.step });
  return { client, got };
}

/** The client checks, by id. */
export const clientChecks: Record<string, DeclaredCheck<AsyncServerSettings>> = {
  "client-sends-file": check({
    title: "Your client sends test-file.txt byte for byte, continuing short sends",
    run: async (t) => {
      // Tolerances: a client too slow for upload_budget_ms is checked on a halving of upload_bytes (and
      // the larger file only as far as twice the budget goes), never failed for its pace; a client that
      // stops sending for a step is. Spec section 3: "a slower server may be verified on a smaller
      // upload"; the client sends "exactly its bytes whatever its size (a short send is continued, not
      // dropped; the last chunk is not padded)", hence the odd-sized probe read to its end.
      const total = t.settings.upload_bytes;
      const listener = t.listen();
      // Odd whatever upload_bytes is: the padding of a last chunk shows only on a size that is no multiple of it.
      const probe = unaligned(Math.min(total, CLIENT_PROBE_BYTES));
      const budgetMs = t.settings.upload_budget_ms;
      const { bytesPerSecond } = await requireWholeFile(t, listener, probe);
      const size = chooseUploadSize(total, bytesPerSecond, budgetMs, probe);
      if (size < total) t.note(scaledDownNote(total, size, bytesPerSecond));
      if (size === probe) return t.note(`the client sent ${formatSize(size)} byte for byte`);
      // A pace that falls later (a busy machine) must not stretch the grading: the budget bounds the run.
      const { checked, bytesPerSecond: later } = await requireWholeFile(t, listener, size, 2 * budgetMs);
      t.note(
        checked === size
          ? `the client sent ${formatSize(size)} byte for byte`
          : `the ${
            formatSize(size)
          } test-file.txt was checked byte for byte as far as the time budget went: ${
            formatSize(checked)
          }, at ${formatRate(later, 1000)} (the ${formatSize(probe)} one before it, to its end)`,
      );
    },
  }),

  "client-closes": check({
    title: "Your client closes the connection and exits 0 once the file is sent",
    run: async (t) => {
      // Tolerance: the client may take a step to exit once it has closed. Spec: "closes, and exits 0".
      const size = t.settings.concurrent_upload_bytes;
      const { client, got } = await uploadToTheEnd(t, size);
      require(
        got.closed,
        `the client sent ${got.bytes} of ${size} bytes but did not close the connection (nothing happened for ${t.step} ms)`,
        "close() the socket once the whole file is sent: the server waits for the end of the upload",
      );
      await client.expectExit({
        timeoutMs: t.step,
        because: "after sending the file and closing the connection",
      });
    },
  }),

  "client-progress": check({
    title: "Your client prints its progress as it goes",
    run: async (t) => {
      // Tolerances: any line holding a number counts as progress, whatever its words or unit, and a step
      // of up to 12 MiB: the handout says "Print progress lines as you go (e.g. `Sent 10 MB`)". "As you go"
      // is judged by an event, not a clock: the harness stops reading after 12 MiB and waits for a line
      // with a number while the client has not yet sent the whole file (had the socket buffers taken it
      // all, a total printed at the end could not be told from progress, and any line with a number
      // counts). Whether every byte comes and the client closes and exits is the other client checks' to
      // judge; this one fails a client whose progress loop never ends (more than RUNAWAY_LINES lines
      // while it sends nothing more).
      const size = PROGRESS_FILE_BYTES;
      const pattern = await prepareTestFile(t, size);
      const listener = t.listen();
      const client = await startClient(t);
      const peer = await listener.accept({ timeoutMs: 2 * t.step, raw: true });
      const progress = () => client.stdout.lines().filter((line) => /\d/.test(line));
      const requireProgress = (when: string) => {
        const printed = client.stdout.text.trim();
        require(
          progress().length > 0,
          `uploading a ${
            formatSize(size)
          } test-file.txt, ${when}, the client had printed no progress (no line with a number of bytes or megabytes)${
            printed ? `; it printed ${JSON.stringify(printed.slice(0, 200))}` : ""
          }`,
          'print a line as the upload goes, e.g. "Sent 10 MB" every 10 MB (a total printed only at the end is no progress)',
        );
      };
      const requireNoRunaway = (sent: number) => {
        const lines = client.stdout.lines().length;
        require(
          lines <= RUNAWAY_LINES,
          `the client stopped sending after ${sent} of the ${size} bytes of test-file.txt while it printed on (${lines} lines): the loop that prints its progress never ends`,
          "print each progress line once and move the next report on by the step: the loop that prints must end",
        );
      };
      const firstHalf = await receiveUpload(peer.conn, PROGRESS_PAUSE_BYTES, pattern, {
        stallMs: t.step,
        stopAtSize: true,
      });
      if (firstHalf.bytes < PROGRESS_PAUSE_BYTES) {
        // It stopped short of halfway by itself: what it printed until then is all there is to judge.
        if (!firstHalf.closed) requireNoRunaway(firstHalf.bytes);
        await client.waitExit(t.step);
        return requireProgress(`once it had sent ${formatSize(firstHalf.bytes)} and stopped`);
      }
      t.transcript.note(
        `the harness stops reading after ${formatSize(firstHalf.bytes)} until the client prints`,
      );
      await client.stdout.waitUntil(() => progress().length > 0, t.step);
      // Sent by the client and not read by the harness: in either end's queue.
      const unread = bytesQueuedBetween(t.port, peer.remotePort);
      if (firstHalf.bytes + unread < size) {
        requireProgress(`when it had sent ${formatSize(firstHalf.bytes + unread)}`);
      } else {
        t.note("the socket buffers took the whole file before the client could be seen printing on the way");
      }
      const rest = await receiveUpload(peer.conn, size - firstHalf.bytes, pattern, { stallMs: t.step });
      const sent = firstHalf.bytes + rest.bytes;
      if (sent < size && !rest.closed) requireNoRunaway(sent);
      requireProgress("by the end of the upload");
    },
  }),
};
