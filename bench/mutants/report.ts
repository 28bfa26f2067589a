/**
 * The outcome of a mutation run: counts, the mutation score, and each
 * survivor as a unified diff, as text for people and as JSON.
 *
 * Mutation score = (killed + timed out) / (killed + timed out + survived −
 * equivalent survivors). A mutant that times out is detected: the checks
 * stopped it. Mutants not built are left out.
 *
 * @module
 */

import { join } from "node:path";
import type { Mutant } from "./mutation.ts";
import type { MutantStatus, MutantVerdict } from "./run.ts";
import type { SourceLanguage } from "./parse.ts";

/** A graded mutant, as the report lists it. */
export interface MutantResult extends MutantVerdict {
  id: string;
  file: string;
  line: number;
  operator: string;
  description: string;
  /** The reason it is listed as equivalent, if it is. */
  equivalent?: string;
  /** The id of the mutant making the same program, whose grading this one shares. */
  sameProgramAs?: string;
  /** `diff -u` of the file, for survivors. */
  diff?: string;
}

/** The counts and score of one lab and language. */
export interface Summary {
  lab: string;
  language: SourceLanguage;
  /** Mutants the operators made, and how many of them were graded (`--sample`). */
  generated: number;
  graded: number;
  killed: number;
  survived: number;
  notBuilt: number;
  timedOut: number;
  /** Survivors listed as equivalent. */
  equivalent: number;
  /** Killed mutants listed as equivalent all the same (the list is out of date). */
  staleEquivalent: string[];
  /** Mutation score in [0, 1], or `null` when no mutant counts. */
  score: number | null;
}

/**
 * Counts the results.
 *
 * @example
 * ```ts
 * import { summarize } from "./report.ts";
 * const r = (status: string, equivalent?: string) => ({ status, equivalent }) as never;
 * const s = summarize("fork-server", "c", 5, [r("killed"), r("survived"), r("survived", "any value"), r("not-built")]);
 * console.log(s.score); // 0.5
 * ```
 */
export function summarize(
  lab: string,
  language: SourceLanguage,
  generated: number,
  results: MutantResult[],
): Summary {
  const count = (status: MutantStatus) => results.filter((r) => r.status === status).length;
  const equivalent = results.filter((r) => r.status === "survived" && r.equivalent).length;
  const detected = count("killed") + count("timed-out");
  const counted = detected + count("survived") - equivalent;
  return {
    lab,
    language,
    generated,
    graded: results.length,
    killed: count("killed"),
    survived: count("survived"),
    notBuilt: count("not-built"),
    timedOut: count("timed-out"),
    equivalent,
    staleEquivalent: results.filter((r) => r.equivalent && r.status !== "survived").map((r) => r.id),
    score: counted > 0 ? detected / counted : null,
  };
}

/**
 * A score as a percentage with one decimal, or `n/a`.
 *
 * @example
 * ```ts
 * import { percent } from "./report.ts";
 * console.log(percent(0.8125), percent(null)); // "81.3%" "n/a"
 * ```
 */
export const percent = (score: number | null): string =>
  score === null ? "n/a" : `${(score * 100).toFixed(1)}%`;

/**
 * `diff -u` of a file before and after a mutation.
 *
 * @example
 * ```ts ignore
 * import { unifiedDiff } from "./report.ts";
 * console.log(await unifiedDiff("server.c", "a\n", "b\n"));
 * ```
 */
export async function unifiedDiff(file: string, before: string, after: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "socklab-mutant-diff-" });
  try {
    await Deno.writeTextFile(join(dir, "a"), before);
    await Deno.writeTextFile(join(dir, "b"), after);
    const result = await new Deno.Command("diff", {
      args: ["-u", "--label", `a/${file}`, "--label", `b/${file}`, join(dir, "a"), join(dir, "b")],
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(result.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The text report of one lab and language: the counts, then each survivor
 * (equivalent ones last) with its operator, place and diff.
 *
 * @example
 * ```ts ignore
 * import { textReport } from "./report.ts";
 * console.log(textReport(summary, results));
 * ```
 */
export function textReport(summary: Summary, results: MutantResult[]): string {
  const lines = [
    `${summary.lab} (${summary.language}): ${summary.graded} of ${summary.generated} mutants graded: ` +
    `${summary.killed} killed, ${summary.timedOut} timed out, ${summary.survived} survived ` +
    `(${summary.equivalent} equivalent), ${summary.notBuilt} not built; mutation score ${
      percent(summary.score)
    }`,
  ];
  for (const id of summary.staleEquivalent) {
    lines.push(`  stale: ${id} is listed as equivalent but did not survive`);
  }
  const survivors = results.filter((r) => r.status === "survived")
    .sort((a, b) => Number(Boolean(a.equivalent)) - Number(Boolean(b.equivalent)));
  for (const survivor of survivors) {
    lines.push(
      "",
      `survived: ${survivor.id} (${survivor.operator}, ${survivor.file}:${survivor.line}) ${survivor.description}`,
    );
    if (survivor.equivalent) lines.push(`  equivalent: ${survivor.equivalent}`);
    for (const note of survivor.notes) lines.push(`  ${note}`);
    if (survivor.diff) lines.push(survivor.diff.trimEnd());
  }
  return lines.join("\n");
}

/**
 * The fields of a mutant a result repeats, with its verdict.
 *
 * @example
 * ```ts ignore
 * import { resultOf } from "./report.ts";
 * const result = resultOf(mutant, { status: "killed", lost: ["answers: fail"], notes: [], durationMs: 900 });
 * ```
 */
export function resultOf(mutant: Mutant, verdict: MutantVerdict): MutantResult {
  return {
    id: mutant.id,
    file: mutant.file,
    line: mutant.line,
    operator: mutant.operator,
    description: mutant.description,
    ...verdict,
  };
}
