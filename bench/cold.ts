/**
 * A first grading against a later one: each lab's C reference graded with
 * an empty build cache ("cold", as every Classroom push and Gradescope
 * submission starts unless the image was prepared) and with the cache that
 * grading left ("warm"), alternately, a few times each. Prints both medians,
 * their ratio and what the cache holds on disk.
 *
 *   deno task bench-cold [--runs 5] [--lab async-server]
 *
 * Exits 1 unless every lab's cold median is within {@link MAX_COLD_RATIO}
 * times its warm one and every cache within {@link MAX_CACHE_MIB} MiB.
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { knownLabs } from "../harness/config/labs.ts";
import { gradeCommand } from "../harness/config/self.ts";
import { median } from "./median.ts";

/** How much longer a first grading may take than a later one. */
const MAX_COLD_RATIO = 1.5;
/** The most the cache of one lab's grading may hold on disk. */
const MAX_CACHE_MIB = 100;

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "5" }, lab: { type: "string", multiple: true } },
});
const runs = Number(values.runs);
const labs = values.lab?.length ? values.lab : knownLabs();
const [deno, ...gradeArgs] = await gradeCommand();

/** Seconds one grading of `lab`'s C reference took with the cache at `cache`. */
async function gradeOnce(lab: string, cache: string): Promise<number> {
  const started = performance.now();
  const output = await new Deno.Command(deno, {
    args: [...gradeArgs, lab, "--reference", "c", "--format", "json"],
    env: { SOCKLAB_CACHE: cache },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const report = JSON.parse(new TextDecoder().decode(output.stdout));
  if (report.score !== report.max_score) {
    throw new Error(`${lab}: the reference scored ${report.score}/${report.max_score}, not a timing to keep`);
  }
  return seconds;
}

/** Bytes the files under `dir` take on disk (holes not counted), as `du` reports them. */
async function diskUse(dir: string): Promise<number> {
  const output = await new Deno.Command("du", { args: ["-s", "--block-size=1", dir], stdout: "piped" })
    .output();
  return Number(new TextDecoder().decode(output.stdout).split(/\s/)[0]);
}

const root = await Deno.makeTempDir({ prefix: "socklab-bench-cold-" });
let ok = true;
try {
  for (const lab of labs) {
    const warmCache = join(root, `${lab}-warm`);
    await gradeOnce(lab, warmCache); // fills the warm cache
    const cold: number[] = [];
    const warm: number[] = [];
    let cacheBytes = 0;
    for (let run = 0; run < runs; run++) {
      const coldCache = join(root, `${lab}-cold-${run}`);
      cold.push(await gradeOnce(lab, coldCache));
      cacheBytes = Math.max(cacheBytes, await diskUse(coldCache));
      await Deno.remove(coldCache, { recursive: true });
      warm.push(await gradeOnce(lab, warmCache));
    }
    const ratio = median(cold) / median(warm);
    const mib = cacheBytes / (1024 * 1024);
    const fine = ratio <= MAX_COLD_RATIO && mib <= MAX_CACHE_MIB;
    ok &&= fine;
    console.log(
      `${lab}: cold ${median(cold).toFixed(2)} s, warm ${median(warm).toFixed(2)} s (medians of ${runs}), ${
        ratio.toFixed(2)
      }x; cache ${mib.toFixed(1)} MiB on disk${fine ? "" : "  <- over the bound"}`,
    );
  }
} finally {
  await Deno.remove(root, { recursive: true });
}
Deno.exit(ok ? 0 : 1);
