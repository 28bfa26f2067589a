/**
 * Grader of the `async-server` lab: uploads of a gigabyte to an epoll
 * server that serves each client in a child process (spec section 3).
 *
 * Concurrency is proven with a stalled client, never a stopwatch: while a
 * first client is connected and silent in the middle of its upload, a
 * second client's whole upload must go through. The only time limit is the
 * slowest acceptable upload rate (`min_upload_mb_s`), far below what any
 * sound server reaches, and a server that misses it is told its rate.
 *
 * @module
 */

import { join } from "node:path";
import { CheckFailure, defineGrader, require } from "../harness/check.ts";
import type { CheckContext } from "../harness/check.ts";
import type { TcpPeer } from "../harness/peer.ts";
import type { LabProcess } from "../harness/process.ts";
import { placeUploadFile, UploadPattern } from "../harness/pattern.ts";
import { openFdCount, zombieChildren } from "../harness/procfs.ts";
import { PROCESS_CREATION_SYSCALLS, readProcessCreations, readSyscalls, seenAny } from "../harness/strace.ts";
import { formatRate, formatSize, receiveUpload, sendUpload } from "../harness/upload.ts";
import type { TransferResult } from "../harness/upload.ts";
import { formatMs, settle } from "../harness/wait.ts";

const EPOLL_WAITS = ["epoll_wait", "epoll_pwait", "epoll_pwait2"];
const SMALL_UPLOAD = 1 << 20;
/** Under strace every call of a traced process is slow: the structure checks send little. */
const TRACED_UPLOAD = 64 << 10;

/** A numeric setting of `task.yaml`. */
function setting(t: CheckContext, name: string): number {
  const value = Number(t.settings[name]);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`task.yaml settings.${name} must be a positive number`);
  }
  return value;
}

/** How long `bytes` take at the slowest acceptable rate, `min_upload_mb_s`. */
function atMinimumRateMs(t: CheckContext, bytes: number): number {
  return bytes / (setting(t, "min_upload_mb_s") * 1000);
}

/** The longest to wait for an upload of `bytes`: at the slowest acceptable rate, plus one step to start. */
function uploadLimitMs(t: CheckContext, bytes: number): number {
  return Math.round(atMinimumRateMs(t, bytes) + t.step);
}

/**
 * What a whole upload may take beyond `bytes` at the slowest acceptable
 * rate: connecting, a fork, a scheduler hiccup under load. Small against
 * the seconds a gigabyte takes at that rate, so the rate is what is judged.
 */
const RATE_ALLOWANCE_MS = 500;

/** What a slow transfer says of the side that moved the bytes, and what that side should do. */
const SLOW = {
  server: {
    did: "the server took in",
    hint:
      "recv() into a large buffer (64 KiB or more) in a loop; a few bytes per recv() makes a gigabyte take minutes",
  },
  client: {
    did: "the client sent",
    hint:
      "read and send the file in large chunks (64 KiB or more); a few bytes per send() makes a gigabyte take minutes",
  },
};

function tooSlow(
  t: CheckContext,
  side: keyof typeof SLOW,
  result: TransferResult,
  size: number,
): CheckFailure {
  const rate = formatRate(result.bytes, result.ms);
  const perSecond = (result.bytes * 1000) / Math.max(1, result.ms);
  const whole = setting(t, "upload_bytes");
  const wouldTake = perSecond > 0
    ? ` (at that rate ${formatSize(whole)} would take ${formatMs((whole * 1000) / perSecond)})`
    : "";
  const part = result.bytes < size
    ? `only ${formatSize(result.bytes)} of ${formatSize(size)}`
    : formatSize(size);
  return new CheckFailure(
    `${SLOW[side].did} ${part} in ${formatMs(result.ms)}: ${rate}${wouldTake}, below the ${
      setting(t, "min_upload_mb_s")
    } MB/s an upload must reach`,
    SLOW[side].hint,
  );
}

/**
 * Fails the check when a finished transfer of `size` bytes was slower than
 * `min_upload_mb_s`, beyond {@link RATE_ALLOWANCE_MS}: a deadline alone
 * would pass a slow server on a fast machine, as the deadline's slack grows
 * with the step, not with the machine.
 */
function requireRate(t: CheckContext, side: keyof typeof SLOW, result: TransferResult, size: number): void {
  if (result.ms > atMinimumRateMs(t, size) + RATE_ALLOWANCE_MS) throw tooSlow(t, side, result, size);
}

/**
 * Uploads `size` bytes on `peer` and half-closes, failing the check if the
 * server stops reading, closes or resets before the end.
 */
async function upload(
  t: CheckContext,
  peer: TcpPeer,
  size: number,
  options: { label?: string; from?: number } = {},
) {
  const limitMs = uploadLimitMs(t, size - (options.from ?? 0));
  const result = await sendUpload(peer.conn, size, new UploadPattern(1), {
    timeoutMs: limitMs,
    from: options.from,
    onProgress: options.label ? (sent) => t.progress(options.label!, sent, size) : undefined,
  });
  if (result.stopped === "deadline") throw tooSlow(t, "server", result, size);
  if (result.stopped) {
    throw new CheckFailure(
      `the server ${peer.wasReset ? "reset" : "closed"} the connection after ${
        formatSize(result.bytes)
      } of the ${formatSize(size)} upload (${result.stopped})`,
      "read until recv() returns 0 (the client's end of file) before closing the connection",
    );
  }
  return result;
}

/** Half-closes `peer` and requires the server to close its side in time, cleanly. */
async function requireServerCloses(t: CheckContext, peer: TcpPeer, after: string): Promise<void> {
  await peer.closeWrite();
  const closed = await peer.waitClosedByPeer(uploadLimitMs(t, SMALL_UPLOAD));
  if (!closed) {
    throw new CheckFailure(
      `after ${after} and the client's end of file, the server did not close the connection ${
        peer.received.giveUpReason(uploadLimitMs(t, SMALL_UPLOAD))
      }`,
      "when recv() returns 0 the upload is complete: print the Received line and close the connection",
    );
  }
  require(
    !peer.wasReset,
    `after ${after}, the server reset the connection instead of closing it`,
    "close the connection only after reading everything, up to recv() returning 0",
  );
}

/** How many lines containing "Received" the server has printed. */
function receivedLines(server: LabProcess): number {
  return server.stdout.text.split("Received").length - 1;
}

/**
 * One small upload for the checks that look at the server between uploads:
 * done when the server prints one more "Received" line. Whether it closes
 * the connection, and how fast, is for the upload checks to judge.
 */
async function smallUpload(
  t: CheckContext,
  server: LabProcess,
  label: string,
  size = SMALL_UPLOAD,
): Promise<void> {
  const before = receivedLines(server);
  const peer = await t.connect({ label });
  await sendUpload(peer.conn, size, new UploadPattern(3), { timeoutMs: uploadLimitMs(t, size) });
  await peer.closeWrite();
  const received = await server.stdout.waitUntil(
    () => receivedLines(server) > before,
    uploadLimitMs(t, size),
  );
  require(
    received,
    `after a ${
      formatSize(size)
    } upload and the client's end of file, the server printed no line containing "Received"`,
    'print a line containing "Received" once a client\'s upload is complete',
  );
  await peer.close();
}

/** Puts `test-file.txt` of `size` bytes where the student's client will look for it. */
function prepareTestFile(t: CheckContext, size: number): Promise<UploadPattern> {
  return placeUploadFile(join(t.env.scratchDir, "test-file.txt"), size, 7);
}

/** Starts the student's client with sends cut short (see harness/native/short_send.c). */
async function startClient(t: CheckContext) {
  // A copy in the scratch directory, which the student's uid can always read.
  const shim = join(t.env.scratchDir, "short_send.so");
  await Deno.copyFile(join(t.env.nativeDir, "short_send.so"), shim);
  return t.start(t.submission, "client", { env: { LD_PRELOAD: shim } });
}

export default defineGrader({
  lab: "async-server",
  checks: {
    "single-upload": async (t) => {
      const server = await t.startServer(t.submission);
      const size = setting(t, "upload_bytes");
      const peer = await t.connect({ label: "uploader" });
      const sent = await upload(t, peer, size, { label: "upload" });
      requireRate(t, "server", sent, size);
      await requireServerCloses(t, peer, `the ${formatSize(size)} upload`);
      await server.expectOutput("Received", {
        timeoutMs: t.step,
        because: "a line saying the upload was received",
        hint: 'print a line containing "Received" once a client\'s upload is complete',
      });
      t.note(`the server took in ${formatSize(size)} in ${formatMs(sent.ms)}: ${formatRate(size, sent.ms)}`);
    },

    "concurrent-uploads": async (t) => {
      const server = await t.startServer(t.submission);
      const size = setting(t, "concurrent_upload_bytes");
      const first = await t.connect({ label: "first client" });
      await upload(t, first, size / 2);
      t.transcript.note("the first client has sent half of its upload and waits, its connection open");
      const second = await t.connect({ label: "second client" });
      const limitMs = uploadLimitMs(t, size);
      const result = await sendUpload(second.conn, size, new UploadPattern(2), { timeoutMs: limitMs });
      if (result.stopped === "deadline") {
        throw new CheckFailure(
          `while a first client was connected and silent in the middle of its upload, a second client could send only ${
            formatSize(result.bytes)
          } of ${formatSize(size)} in ${formatMs(limitMs)}: the server is not reading it`,
          "serve each client in a child process (fork() after accept()) so that one slow client cannot hold up the others",
        );
      }
      require(
        !result.stopped,
        `the server closed the second client's connection mid-upload (${result.stopped})`,
      );
      await second.closeWrite();
      const secondDone = await server.stdout.waitUntil(
        () => receivedLines(server) >= 1,
        uploadLimitMs(t, SMALL_UPLOAD),
      );
      require(
        secondDone,
        `the second client sent its whole upload and its end of file while the first client was connected, but the server printed no "Received" line for it`,
        "serve each client in a child process (fork() after accept()) so that one slow client cannot hold up the others",
      );
      require(
        !first.received.ended,
        "the server closed the first client's connection while it was still uploading",
        "close a client's connection only after its upload is complete",
      );
      await upload(t, first, size, { from: size / 2 });
      await first.closeWrite();
      const both = await server.stdout.waitUntil(
        () => receivedLines(server) >= 2,
        uploadLimitMs(t, SMALL_UPLOAD),
      );
      require(both, 'after both uploads the server printed fewer than two lines containing "Received"');
    },

    "no-zombies": async (t) => {
      const server = await t.startServer(t.submission);
      for (let i = 1; i <= 3; i++) await smallUpload(t, server, `client ${i}`);
      const pid = server.programPid()!;
      // A server that reaps when epoll_wait next returns may keep the last child unreaped.
      const zombies = await settle(() => zombieChildren(pid).length, (n) => n <= 1, 2 * t.step);
      require(
        zombies.ok,
        `after 3 uploads were complete, the server had ${zombies.value} zombie children (exited, never reaped)`,
        "reap children: a SIGCHLD handler calling waitpid(-1, NULL, WNOHANG) in a loop (epoll_wait then fails with EINTR: retry it)",
      );
    },

    "descriptors-return": async (t) => {
      const server = await t.startServer(t.submission);
      await smallUpload(t, server, "first client");
      const pid = server.programPid()!;
      const before = openFdCount(pid)!;
      for (let i = 2; i <= 6; i++) await smallUpload(t, server, `client ${i}`);
      const after = await settle(() => openFdCount(pid) ?? 0, (n) => n <= before, 2 * t.step);
      require(
        after.ok,
        `the server had ${before} open file descriptors, and ${after.value} after 5 more uploads`,
        "the parent must close() its copy of each accepted connection right after fork() (and remove it from epoll if it added it)",
      );
    },

    "uses-epoll": async (t) => {
      const server = await t.startServer(t.submission, { traceSyscalls: EPOLL_WAITS });
      await smallUpload(t, server, "client 1", TRACED_UPLOAD);
      await smallUpload(t, server, "client 2", TRACED_UPLOAD);
      await server.kill();
      const seen = seenAny(await readSyscalls(server.traceFile!), EPOLL_WAITS);
      require(
        seen.length > 0,
        "the server never called epoll_wait (or epoll_pwait) while serving two uploads",
        "wait for connections with epoll: epoll_create1, epoll_ctl(EPOLL_CTL_ADD) on the listening socket, then epoll_wait",
      );
    },

    "forks-per-client": async (t) => {
      const server = await t.startServer(t.submission, { traceSyscalls: PROCESS_CREATION_SYSCALLS });
      await smallUpload(t, server, "client 1", TRACED_UPLOAD);
      await smallUpload(t, server, "client 2", TRACED_UPLOAD);
      await server.kill();
      const forks = await readProcessCreations(server.traceFile!);
      require(
        forks >= 2,
        `serving 2 uploads, the server created ${forks} process${
          forks === 1 ? "" : "es"
        } (fork, or clone without CLONE_THREAD)`,
        "part 2 of the lab: serve each client in a child process made with fork()",
      );
    },

    "client-sends-file": async (t) => {
      const size = setting(t, "upload_bytes");
      const pattern = await prepareTestFile(t, size);
      const listener = t.listen();
      const client = await startClient(t);
      const peer = await listener.accept({ timeoutMs: 2 * t.step, raw: true });
      const got = await receiveUpload(peer.conn, size, pattern, {
        timeoutMs: uploadLimitMs(t, size),
        stopAtSize: true,
        onProgress: (received) => t.progress("client upload", received, size),
      }).catch((error) => ({
        bytes: 0,
        ms: 0,
        stopped: String(error),
        closed: false,
        mismatchAt: undefined,
      }));
      if (got.mismatchAt !== undefined) {
        throw new CheckFailure(
          `the bytes received differ from test-file.txt from byte ${got.mismatchAt} on (${
            formatSize(got.bytes)
          } received): part of the file was lost or sent twice`,
          "send() may send fewer bytes than asked (its return value says how many): loop until every byte of each chunk is sent",
        );
      }
      require(
        got.bytes <= size,
        `the client sent ${got.bytes} bytes, more than the ${size} of test-file.txt`,
        "send exactly the bytes read() returned, not the whole buffer",
      );
      if (got.stopped === "deadline") throw tooSlow(t, "client", got, size);
      if (got.bytes < size) {
        throw new CheckFailure(
          `the client sent only ${got.bytes} of the ${size} bytes of test-file.txt ${
            got.closed ? "before it closed the connection" : `(${got.stopped})`
          }${client.running ? "" : `; the client exited with status ${client.status?.code}`}`,
          "read the file to its end and send every chunk in full, continuing short sends",
        );
      }
      requireRate(t, "client", got, size);
      t.note(`the client sent ${formatSize(size)} in ${formatMs(got.ms)}: ${formatRate(size, got.ms)}`);
    },

    "client-closes": async (t) => {
      const size = setting(t, "concurrent_upload_bytes");
      const pattern = await prepareTestFile(t, size);
      const listener = t.listen();
      const client = await startClient(t);
      const peer = await listener.accept({ timeoutMs: 2 * t.step, raw: true });
      const limitMs = uploadLimitMs(t, size);
      const got = await receiveUpload(peer.conn, size, pattern, { timeoutMs: limitMs });
      require(
        got.closed,
        `the client sent ${got.bytes} of ${size} bytes but did not close the connection within ${
          formatMs(limitMs)
        }`,
        "close() the socket once the whole file is sent: the server waits for the end of the upload",
      );
      await client.expectExit({
        timeoutMs: t.step,
        because: "after sending the file and closing the connection",
      });
    },

    "client-progress": async (t) => {
      const size = setting(t, "concurrent_upload_bytes");
      const pattern = await prepareTestFile(t, size);
      const listener = t.listen();
      const client = await startClient(t);
      const peer = await listener.accept({ timeoutMs: 2 * t.step, raw: true });
      await receiveUpload(peer.conn, size, pattern, { timeoutMs: uploadLimitMs(t, size) });
      await client.waitExit(t.step);
      const progress = client.stdout.lines().filter((line) => /\d/.test(line));
      require(
        progress.length > 0,
        `uploading ${
          formatSize(size)
        }, the client printed no progress (no line with a number of bytes or megabytes)${
          client.stdout.text.trim()
            ? `; it printed ${JSON.stringify(client.stdout.text.trim().slice(0, 200))}`
            : ""
        }`,
        'print a line as the upload goes, e.g. "Sent 10 MB" every 10 MB',
      );
    },
  },
});
