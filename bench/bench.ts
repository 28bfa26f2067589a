/**
 * `deno task bench`: how fast the grader is.
 *
 * - for every lab, the wall time of grading its C reference and its starter
 *   code (medians of `--runs`, run alternately), the starter's time as a
 *   multiple of the reference's, and the largest resident size any grader
 *   process reached;
 * - the per-check fixed cost: the median time of a check that exchanges one
 *   message (`client-server`'s `server-exits-when-client-leaves` on the C
 *   reference: start the server, one message each way, its exit);
 * - the harness's 1 GiB upload (the code the async-server checks use)
 *   against a C-to-C transfer on loopback in the same run, as a ratio.
 *
 *   deno task bench [--runs 5] [--lab L,L] [--bytes 1073741824 (0: no upload)]
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { knownLabs, REPO_ROOT } from "../harness/config/labs.ts";
import { UploadPattern } from "../harness/peers/pattern.ts";
import { descendants } from "../harness/observe/processes.ts";
import { gradeCommand } from "../harness/config/self.ts";
import { sendUpload } from "../harness/peers/upload.ts";
import { median } from "./median.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "5" },
    lab: { type: "string" },
    bytes: { type: "string", default: String(1 << 30) },
  },
});
const runs = Number(values.runs);
const bytes = Number(values.bytes);
const labs = values.lab ? values.lab.split(",") : knownLabs();

const spread = (xs: number[]) => `min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)}`;

/**
 * Memory of a process tree, sampled every 20 ms while it runs: the peak
 * resident size of its largest process (VmHWM), and the most the whole tree
 * held at once (sum of VmRSS), in MiB.
 */
function watchMemory(pid: number): () => { largest: number; together: number } {
  let largest = 0, together = 0;
  const field = (status: string, name: string) =>
    Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  const sample = () => {
    let sum = 0;
    for (const p of [{ pid }, ...descendants(pid)]) {
      try {
        const status = Deno.readTextFileSync(`/proc/${p.pid}/status`);
        largest = Math.max(largest, field(status, "VmHWM"));
        sum += field(status, "VmRSS");
      } catch {
        // Gone.
      }
    }
    together = Math.max(together, sum);
  };
  const timer = setInterval(sample, 20);
  return () => {
    clearInterval(timer);
    return { largest, together };
  };
}

/** The check whose time is the per-check fixed cost: one message each way, nothing else. */
const ONE_MESSAGE_CHECK = { lab: "client-server", id: "server-exits-when-client-leaves" };

interface Timing {
  seconds: number;
  memory: { largest: number; together: number };
  score: string;
  checks: { id: string; duration_ms: number }[];
}

async function timeGrading(lab: string, submission: string): Promise<Timing> {
  const [deno, ...args] = await gradeCommand();
  const started = performance.now();
  const child = new Deno.Command(deno, {
    args: [...args, lab, "--submission", submission, "--format", "json"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const stop = watchMemory(child.pid);
  const output = await child.output();
  const memory = stop();
  const report = JSON.parse(new TextDecoder().decode(output.stdout));
  return {
    seconds: (performance.now() - started) / 1000,
    memory,
    score: `${report.score}/${report.max_score}`,
    checks: report.checks,
  };
}

console.log(
  `Grading the C reference and the starter code of each lab, ${runs} runs each, alternately (after one warm-up), on ${navigator.hardwareConcurrency} cores`,
);
const referenceMedians: number[] = [];
const oneMessageMs: number[] = [];
const everyCheckMs: number[] = [];
for (const lab of labs) {
  const reference = join(REPO_ROOT, "reference", lab, "c");
  const starter = join(REPO_ROOT, "tasks", lab);
  await timeGrading(lab, reference);
  await timeGrading(lab, starter);
  const results: Timing[] = [];
  const starters: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    results.push(await timeGrading(lab, reference));
    starters.push(await timeGrading(lab, starter));
  }
  const seconds = results.map((r) => r.seconds);
  const starterSeconds = starters.map((r) => r.seconds);
  referenceMedians.push(median(seconds));
  for (const result of results) {
    for (const check of result.checks) {
      if (check.id === "build") continue;
      everyCheckMs.push(check.duration_ms);
      if (lab === ONE_MESSAGE_CHECK.lab && check.id === ONE_MESSAGE_CHECK.id) {
        oneMessageMs.push(check.duration_ms);
      }
    }
  }
  console.log(
    `  ${lab.padEnd(28)} reference median ${median(seconds).toFixed(2)} s (${spread(seconds)}), score ${
      results[0].score
    }, memory: ${Math.round(Math.max(...results.map((r) => r.memory.largest)))} MiB in the largest process, ${
      Math.round(Math.max(...results.map((r) => r.memory.together)))
    } MiB all together`,
  );
  console.log(
    `  ${"".padEnd(28)} starter   median ${median(starterSeconds).toFixed(2)} s (${
      spread(starterSeconds)
    }), score ${starters[0].score}: ${
      (median(starterSeconds) / median(seconds)).toFixed(2)
    }x the reference's time`,
  );
}
console.log(
  `  the ${labs.length} C references together: ${
    referenceMedians.reduce((a, b) => a + b, 0).toFixed(2)
  } s (sum of medians)`,
);
if (oneMessageMs.length > 0) {
  console.log(
    `  per-check fixed cost: median ${
      median(oneMessageMs)
    } ms for ${ONE_MESSAGE_CHECK.lab}/${ONE_MESSAGE_CHECK.id} (one message each way); median of every check of the references: ${
      median(everyCheckMs)
    } ms`,
  );
}

if (bytes === 0) Deno.exit(0); // --bytes 0: gradings only

// The upload: the harness's sender against a C sender, into the same C sink.
const work = await Deno.makeTempDir({ prefix: "socklab-bench-" });
const c2c = join(work, "c2c");
const built = await new Deno.Command("cc", { args: ["-O2", "-o", c2c, join(REPO_ROOT, "bench/c2c.c")] })
  .output();
if (!built.success) throw new Error("cannot build bench/c2c.c");

async function withSink<T>(port: number, transfer: () => Promise<T>): Promise<T> {
  const sink = new Deno.Command(c2c, { args: ["sink", String(port)], stdout: "piped" }).spawn();
  const reader = sink.stdout.getReader();
  await reader.read(); // "listening"
  try {
    return await transfer();
  } finally {
    reader.releaseLock();
    await sink.status;
  }
}

const pattern = new UploadPattern(1);
const harnessSeconds: number[] = [];
const cSeconds: number[] = [];
let port = 47000;
for (let i = 0; i < runs + 1; i++) {
  const c = await withSink(++port, async () => {
    const out = await new Deno.Command(c2c, { args: ["send", String(port), String(bytes)], stdout: "piped" })
      .output();
    return Number(new TextDecoder().decode(out.stdout));
  });
  const h = await withSink(++port, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const started = performance.now();
    const sent = await sendUpload(conn, bytes, pattern, { timeoutMs: 120_000 });
    if (sent.stopped) throw new Error(`the harness upload stopped: ${sent.stopped}`);
    await conn.closeWrite();
    while ((await conn.read(new Uint8Array(16))) !== null) {
      // until the sink closes
    }
    conn.close();
    return (performance.now() - started) / 1000;
  });
  if (i === 0) continue; // warm-up
  cSeconds.push(c);
  harnessSeconds.push(h);
}
await Deno.remove(work, { recursive: true });
const ratios = harnessSeconds.map((h, i) => h / cSeconds[i]);
console.log(`Uploading ${bytes} bytes on loopback, ${runs} runs each (alternating, after one warm-up)`);
console.log(`  C to C           median ${median(cSeconds).toFixed(3)} s (${spread(cSeconds)})`);
console.log(`  harness (Deno)   median ${median(harnessSeconds).toFixed(3)} s (${spread(harnessSeconds)})`);
console.log(
  `  harness / C      median ${median(ratios).toFixed(2)}x (pair by pair: ${
    ratios.map((r) => r.toFixed(2)).join(", ")
  })`,
);
