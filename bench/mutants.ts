/**
 * `deno task mutants`: mutation testing of a lab's checks. Mutates the
 * lab's reference programs (`reference/<lab>/<c|python>/`, their own `.c`
 * and `.py` files only) with a small classic set of operators over their
 * syntax trees (`bench/mutants/operators.ts`), grades each mutant with the
 * lab's real checks, and reports what the checks kill and what survives.
 *
 *   deno task mutants <lab> [--lang c|python] [--sample N] [--seed S] [--parallel N]
 *                           [--only ID,ID] [--set KEY=VALUE] [--json FILE] [--list]
 *
 * - `--sample N` grades N mutants per language, chosen by a hash of the seed
 *   and each mutant's id (deterministic, and a mutant stays in or out of the
 *   sample when others are added);
 * - `--parallel N` gradings at once (default 2), each running 2 checks at once;
 * - `--only` grades the listed mutant ids; `--list` lists the mutants, grading none;
 * - `--set` overrides a lab setting. async-server is graded with the
 *   settings of its test file (8 MiB uploads), like the regression suite.
 *
 * Mutants that make the same program are graded once. Survivors listed in
 * `fixtures/<lab>/equivalent-mutants.yaml` (see `bench/mutants/equivalent.ts`)
 * do not count against the score. On SIGINT or SIGTERM, the gradings under
 * way finish and the report covers the mutants graded.
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { knownLabs, labPaths, REPO_ROOT } from "../harness/config/labs.ts";
import { mapLimited } from "../harness/engine/limit.ts";
import { mutantsOf } from "./mutants/operators.ts";
import type { Mutant } from "./mutants/mutation.ts";
import { languageOfFile } from "./mutants/parse.ts";
import type { SourceLanguage } from "./mutants/parse.ts";
import { loadEquivalents } from "./mutants/equivalent.ts";
import { gradeMutant, mutatedText, programKey } from "./mutants/run.ts";
import type { MutantGrading, MutantVerdict } from "./mutants/run.ts";
import { percent, resultOf, summarize, textReport, unifiedDiff } from "./mutants/report.ts";
import type { MutantResult, Summary } from "./mutants/report.ts";

/** Each lab's settings in its test file (`graders/<lab>_test.ts`): small uploads. */
const LAB_SETTINGS: Record<string, Record<string, unknown>> = {
  "async-server": { upload_bytes: 8 << 20, concurrent_upload_bytes: 8 << 20 },
};

const USAGE =
  "usage: deno task mutants <lab> [--lang c|python] [--sample N] [--seed S] [--parallel N] [--only ID,ID] [--set KEY=VALUE] [--json FILE] [--list]";

/**
 * The first `size` mutants in the order of a hash of the seed and their id,
 * kept in their own order.
 *
 * @example
 * ```ts ignore
 * import { sample } from "./mutants.ts";
 * const chosen = sample(mutants, 50, "socklab");
 * ```
 */
export function sample(mutants: Mutant[], size: number, seed: string): Mutant[] {
  const rank = (m: Mutant) => createHash("sha256").update(`${seed}\0${m.id}`).digest("hex");
  const chosen = new Set(
    [...mutants].sort((a, b) => rank(a).localeCompare(rank(b))).slice(0, size).map((m) => m.id),
  );
  return mutants.filter((m) => chosen.has(m.id));
}

async function referenceSources(dir: string): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && languageOfFile(entry.name)) {
      sources.set(entry.name, await Deno.readTextFile(join(dir, entry.name)));
    }
  }
  return new Map([...sources].sort(([a], [b]) => a.localeCompare(b)));
}

function settingValue(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  return text;
}

/**
 * Set on SIGINT or SIGTERM: no new mutant is graded, the ones under way end
 * (removing their temporary copies), and the report covers what was graded.
 */
let interrupted = false;

function stopOnSignals(): void {
  const stop = () => {
    if (interrupted) Deno.exit(130);
    interrupted = true;
    console.error("interrupted: finishing the gradings under way (again to quit at once)");
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

interface Options {
  sample?: number;
  seed: string;
  parallel: number;
  only?: Set<string>;
  settings: Record<string, unknown>;
  list: boolean;
}

async function runLanguage(
  lab: string,
  language: SourceLanguage,
  options: Options,
): Promise<{ summary: Summary; results: MutantResult[] } | undefined> {
  const referenceDir = join(labPaths(lab).referenceDir, language);
  const sources = await referenceSources(referenceDir);
  const all: Mutant[] = [];
  for (const [file, text] of sources) all.push(...await mutantsOf(file, language, text));
  let chosen = options.only ? all.filter((m) => options.only!.has(m.id)) : all;
  if (options.sample !== undefined) chosen = sample(chosen, options.sample, options.seed);
  if (options.list) {
    for (const m of chosen) console.log(`${language} ${m.id}\t${m.file}:${m.line}\t${m.description}`);
    return undefined;
  }
  const equivalents = await loadEquivalents(REPO_ROOT, lab, language);
  const grading: MutantGrading = {
    lab,
    language,
    referenceDir,
    sources,
    settings: { ...LAB_SETTINGS[lab], ...options.settings },
    jobs: 2,
  };
  const programs = new Map<string, { id: string; verdict: Promise<MutantVerdict> }>();
  let done = 0;
  const graded = await mapLimited(chosen, options.parallel, async (mutant) => {
    if (interrupted) return undefined;
    const key = programKey(mutant.file, mutatedText(grading, mutant));
    const first = programs.get(key);
    const shared = first ?? { id: mutant.id, verdict: gradeMutant(grading, mutant) };
    programs.set(key, shared);
    const result = resultOf(mutant, await shared.verdict);
    if (first) result.sameProgramAs = first.id;
    const reason = equivalents.get(mutant.id)?.reason;
    if (reason) result.equivalent = reason;
    if (result.status === "survived") {
      result.diff = await unifiedDiff(mutant.file, sources.get(mutant.file)!, mutatedText(grading, mutant));
    }
    done++;
    console.error(
      `[${done}/${chosen.length}] ${lab} ${language} ${mutant.id} ${result.status} ` +
        `(${(result.durationMs / 1000).toFixed(1)} s)${
          result.lost.length ? `: ${result.lost.join(", ")}` : ""
        }`,
    );
    return result;
  });
  const results = graded.filter((result) => result !== undefined);
  return { summary: summarize(lab, language, all.length, results), results };
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      lang: { type: "string" },
      sample: { type: "string" },
      seed: { type: "string", default: "socklab" },
      parallel: { type: "string", default: "2" },
      only: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      json: { type: "string" },
      list: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [lab] = positionals;
  if (!lab || positionals.length > 1 || !knownLabs().includes(lab)) {
    console.error(`${USAGE}\nthe labs are: ${knownLabs().join(", ")}`);
    return 2;
  }
  if (values.lang && values.lang !== "c" && values.lang !== "python") {
    console.error(`--lang is c or python, not '${values.lang}'`);
    return 2;
  }
  const settings: Record<string, unknown> = {};
  for (const pair of values.set) {
    const at = pair.indexOf("=");
    if (at <= 0) {
      console.error(`--set takes KEY=VALUE, not '${pair}'`);
      return 2;
    }
    settings[pair.slice(0, at)] = settingValue(pair.slice(at + 1));
  }
  const options: Options = {
    sample: values.sample === undefined ? undefined : Number(values.sample),
    seed: values.seed,
    parallel: Math.max(1, Number(values.parallel)),
    only: values.only ? new Set(values.only.split(",")) : undefined,
    settings,
    list: values.list,
  };
  const languages: SourceLanguage[] = values.lang ? [values.lang as SourceLanguage] : ["c", "python"];
  stopOnSignals();
  const runs = [];
  for (const language of languages) {
    const run = await runLanguage(lab, language, options);
    if (run) runs.push(run);
  }
  for (const run of runs) console.log(`${textReport(run.summary, run.results)}\n`);
  for (const { summary } of runs) {
    console.log(`${summary.lab} ${summary.language}: mutation score ${percent(summary.score)}`);
  }
  if (values.json) {
    const document = {
      lab,
      settings: { ...LAB_SETTINGS[lab], ...settings },
      sample: options.sample ?? null,
      seed: options.seed,
      runs: runs.map(({ summary, results }) => ({ summary, mutants: results })),
    };
    await Deno.writeTextFile(values.json, JSON.stringify(document, null, 1) + "\n");
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
