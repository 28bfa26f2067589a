/**
 * The `async-server` throughput checks: advice (0 points unless an
 * instructor gives some) on how fast the server takes in an upload and the
 * client sends its file, against `min_upload_mb_s`.
 *
 * Speed is judged per second of CPU the program itself uses, not per second
 * of the wall clock: on a busy grading machine a sound server may get a
 * tenth of a CPU and look slow by the clock, while a program reading 10
 * bytes per `recv()` spends a whole CPU on a few megabytes whatever the
 * load. Both figures are reported; the CPU one decides.
 *
 * @module
 */

import { join } from "node:path";
import {
  allProcesses,
  check,
  CheckFailure,
  type DeclaredCheck,
  descendants,
  formatMs,
  formatRate,
  formatSize,
  receiveUpload,
  UploadPattern,
} from "../../harness/mod.ts";
import type { AsyncServerContext, AsyncServerSettings } from "./settings.ts";
import { prepareTestFile, startClient } from "./client_checks.ts";
import { durationAt, measureUploadRate, MiB, WARM_UP_BYTES } from "./transfers.ts";

/** How the server's pace is measured: at most this long, or this much. */
const SERVER_WINDOW = { windowMs: 1500, maxBytes: 128 * MiB };
/** How the client's pace is measured; its file is larger, so it is still sending when the window ends. */
const CLIENT_WINDOW = { windowMs: 1500, maxBytes: 192 * MiB, fileBytes: 256 * MiB };

/**
 * Nanoseconds of CPU used so far by `pid` and its live descendants, every
 * thread counted (`/proc/PID/task/TID/schedstat`, finer than clock ticks).
 *
 * @example
 * ```ts ignore
 * const before = treeCpuNs(server.programPid()!);
 * ```
 */
export function treeCpuNs(pid: number): number {
  const all = allProcesses();
  const root = all.find((p) => p.pid === pid);
  let total = 0;
  for (const process of root ? [root, ...descendants(pid, all)] : []) {
    try {
      for (const task of Deno.readDirSync(`/proc/${process.pid}/task`)) {
        const text = Deno.readTextFileSync(join(`/proc/${process.pid}/task`, task.name, "schedstat"));
        total += Number(text.split(" ")[0]) || 0;
      }
    } catch {
      // Gone since the listing.
    }
  }
  return total;
}

/** A pace measured on a transfer: bytes moved in `ms` of wall clock, using `cpuNs` of the program's CPU. */
interface Pace {
  bytes: number;
  ms: number;
  cpuNs: number;
}

const ADVICE = {
  server: {
    did: "took in",
    what: "an upload",
    hint:
      "recv() into a large buffer (64 KiB or more): a few bytes per recv() costs a system call for every few bytes",
  },
  client: {
    did: "sent",
    what: "test-file.txt",
    hint:
      "read and send the file in large chunks (64 KiB or more): a few bytes per send() costs system calls for every few bytes",
  },
};

/** Passes, with a note of both figures, if `pace` per second of CPU reaches `min_upload_mb_s`. */
function judgePace(t: AsyncServerContext, side: keyof typeof ADVICE, pace: Pace): void {
  const floor = t.settings.min_upload_mb_s * 1e6;
  const cpuMs = pace.cpuNs / 1e6;
  const perCpuSecond = cpuMs > 0 ? (pace.bytes * 1000) / cpuMs : Infinity;
  const { did, what, hint } = ADVICE[side];
  const perCpu = cpuMs > 0
    ? `using ${formatMs(cpuMs)} of CPU: ${formatRate(pace.bytes, cpuMs).replace("/s", "")} per CPU second`
    : "using too little CPU to measure";
  const figures = `${formatSize(pace.bytes)} of ${what} in ${formatMs(pace.ms)} (${
    formatRate(pace.bytes, pace.ms)
  }), ${perCpu}`;
  if (perCpuSecond >= floor) {
    t.note(`the ${side} ${did} ${figures}`);
    return;
  }
  const whole = t.settings.upload_bytes;
  throw new CheckFailure(
    `the ${side} ${did} ${figures}, below the ${
      floor / 1e6
    } MB/s expected (counted per CPU second, so that a busy machine does not count against it): ${
      formatSize(whole)
    } would take it ${durationAt(whole, perCpuSecond)} even with a CPU of its own`,
    hint,
  );
}

/** The throughput checks, by id. */
export const throughputChecks: Record<string, DeclaredCheck<AsyncServerSettings>> = {
  "server-throughput": check({
    title: "Throughput: the server takes in an upload fast (min_upload_mb_s, 200 MB/s by default)",
    advice: true,
    run: async (t) => {
      const server = await t.startServer(t.submission);
      const peer = await t.connect({ label: "uploader" });
      const pid = server.programPid()!;
      const measured = await measureUploadRate(
        t,
        peer,
        new UploadPattern(5),
        WARM_UP_BYTES + SERVER_WINDOW.maxBytes,
        { ...SERVER_WINDOW, label: "measured upload", cpuNs: () => treeCpuNs(pid) },
      );
      judgePace(t, "server", {
        bytes: measured.measuredBytes,
        ms: measured.measuredMs,
        cpuNs: measured.measuredCpuNs!,
      });
    },
  }),

  "client-throughput": check({
    title: "Throughput: your client sends fast (min_upload_mb_s, 200 MB/s by default)",
    advice: true,
    run: async (t) => {
      const pattern = await prepareTestFile(t, CLIENT_WINDOW.fileBytes);
      const listener = t.listen();
      const client = await startClient(t);
      const peer = await listener.accept({ timeoutMs: 2 * t.step, raw: true });
      const cpuNs = () => treeCpuNs(client.programPid() ?? client.pid);
      // Measured from the first megabyte on: the client's start-up is not its pace.
      let start: { bytes: number; at: number; cpuNs: number } | undefined;
      const got = await receiveUpload(peer.conn, CLIENT_WINDOW.maxBytes, pattern, {
        timeoutMs: CLIENT_WINDOW.windowMs,
        stallMs: t.step,
        stopAtSize: true,
        onProgress: (received) => start ??= { bytes: received, at: performance.now(), cpuNs: cpuNs() },
      });
      const end = { at: performance.now(), cpuNs: cpuNs() };
      // A client that loses bytes moves fewer than it works for: its pace would say nothing.
      if (got.mismatchAt !== undefined) {
        throw new CheckFailure(
          `the bytes the client sent differ from test-file.txt from byte ${got.mismatchAt} on (see the checks of your client above): its pace is not measured`,
          "send every chunk in full first; then this check measures your client's pace",
        );
      }
      if (!start || got.bytes <= start.bytes) {
        throw new CheckFailure(
          `the client sent too little of test-file.txt to measure its pace (${
            formatSize(got.bytes)
          } received${got.stopped ? `, then ${got.stopped}` : ""})`,
          "send the whole file; see the checks of your client above",
        );
      }
      judgePace(t, "client", {
        bytes: got.bytes - start.bytes,
        ms: end.at - start.at,
        cpuNs: end.cpuNs - start.cpuNs,
      });
    },
  }),
};
