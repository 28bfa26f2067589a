/**
 * Grades mutants: each one is the reference directory with one file
 * mutated, copied to a temporary directory and graded by the lab's real
 * checks (the harness's `grade`, the same engine as `socklab grade`).
 *
 * A mutant is
 * - `not-built` when its build check fails (for Python, when the mutated
 *   file does not compile: `compile()`, which also refuses a `break` outside
 *   a loop). Excluded from the score;
 * - `timed-out` when every check it lost ran out of its time budget;
 * - `killed` when it lost a point or a scored check did not pass;
 * - `survived` at full marks with every scored check passing (an advice
 *   check, worth no points, does not kill; what it said is kept).
 *
 * @module
 */

import { join } from "node:path";
import { createHash } from "node:crypto";
import { grade } from "../../harness/engine/grade.ts";
import type { GradeReport } from "../../harness/report/model.ts";
import { applyEdit } from "./mutation.ts";
import type { Mutant } from "./mutation.ts";
import type { SourceLanguage } from "./parse.ts";

/** What became of a mutant. */
export type MutantStatus = "killed" | "survived" | "not-built" | "timed-out";

/** The verdict on one mutant. */
export interface MutantVerdict {
  status: MutantStatus;
  /** The scored checks that did not pass (`id: status`), skipped ones left out. */
  lost: string[];
  /** What advice checks said, and the build's complaint for a mutant not built. */
  notes: string[];
  durationMs: number;
}

const TIMED_OUT = /did not finish within|used up its time budget/;

/**
 * The verdict a grading report gives a mutant.
 *
 * @example
 * ```ts
 * import { classify } from "./run.ts";
 * const check = (id: string, status: string, rationale = "") =>
 *   ({ id, status, rationale, points: 0, max_points: 1, title: id, hint: "", transcript: "", duration_ms: 0, notes: [] });
 * const verdict = classify({ score: 1, max_score: 2, checks: [check("build", "pass"), check("x", "fail")] } as never, 5);
 * console.log(verdict.status, verdict.lost); // "killed" [ "x: fail" ]
 * ```
 */
export function classify(report: GradeReport, durationMs: number): MutantVerdict {
  const build = report.checks.find((c) => c.id === "build");
  if (build && build.status !== "pass") {
    return {
      status: "not-built",
      lost: [],
      notes: [report.build_output.trim().split("\n").slice(-3).join("\n")],
      durationMs,
    };
  }
  const scored = report.checks.filter((c) => !c.advice);
  const lost = scored.filter((c) => c.status !== "pass" && c.status !== "skip");
  const notes = report.checks.filter((c) => c.advice && c.status === "advice").map((c) =>
    `advice ${c.id}: ${c.rationale}`
  );
  const verdict = (status: MutantStatus): MutantVerdict => ({
    status,
    lost: lost.map((c) => `${c.id}: ${c.status}`),
    notes,
    durationMs,
  });
  if (lost.length === 0 && report.score >= report.max_score) return verdict("survived");
  if (lost.length > 0 && lost.every((c) => c.status === "error" && TIMED_OUT.test(c.rationale))) {
    return verdict("timed-out");
  }
  return verdict("killed");
}

/** What one grading needs. */
export interface MutantGrading {
  lab: string;
  language: SourceLanguage;
  /** The reference directory the mutant is a copy of. */
  referenceDir: string;
  /** The original text of each mutated file, by name. */
  sources: Map<string, string>;
  settings: Record<string, unknown>;
  /** Checks run at once inside one grading. */
  jobs: number;
}

/**
 * The mutated text of the mutant's file.
 *
 * @example
 * ```ts
 * import { mutatedText } from "./run.ts";
 * const sources = new Map([["a.c", "x < y"]]);
 * const mutant = { file: "a.c", start: 2, end: 3, replacement: "<=" } as never;
 * console.log(mutatedText({ sources }, mutant)); // "x <= y"
 * ```
 */
export function mutatedText(grading: Pick<MutantGrading, "sources">, mutant: Mutant): string {
  return applyEdit(grading.sources.get(mutant.file)!, mutant);
}

/**
 * A key equal for two mutants exactly when they make the same program, so a
 * program is graded once (two edits can make one text: `1 - 1` and `0 + 1`).
 *
 * @example
 * ```ts
 * import { programKey } from "./run.ts";
 * console.log(programKey("a.c", "x") === programKey("a.c", "x")); // true
 * ```
 */
export function programKey(file: string, text: string): string {
  return createHash("sha256").update(file).update("\0").update(text).digest("hex");
}

async function pythonCompiles(path: string): Promise<string | undefined> {
  const result = await new Deno.Command("python3", {
    args: ["-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", path],
    stdout: "null",
    stderr: "piped",
  }).output();
  return result.success ? undefined : new TextDecoder().decode(result.stderr).trim().split("\n").at(-1);
}

/** Copies the reference's own files (not its build products) to `dir`. */
async function copyReference(from: string, dir: string): Promise<void> {
  for await (const entry of Deno.readDir(from)) {
    if (
      !entry.isFile || /\.(o|pyc)$/.test(entry.name) || entry.name === "server" || entry.name === "client"
    ) {
      continue;
    }
    await Deno.copyFile(join(from, entry.name), join(dir, entry.name));
  }
}

/**
 * Grades one mutant in a temporary copy of the reference, removed after.
 *
 * @example
 * ```ts ignore
 * import { gradeMutant } from "./run.ts";
 * const verdict = await gradeMutant(grading, mutant);
 * ```
 */
export async function gradeMutant(grading: MutantGrading, mutant: Mutant): Promise<MutantVerdict> {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: `socklab-mutant-${grading.lab}-` });
  try {
    await copyReference(grading.referenceDir, dir);
    const path = join(dir, mutant.file);
    await Deno.writeTextFile(path, mutatedText(grading, mutant));
    if (grading.language === "python") {
      const error = await pythonCompiles(path);
      if (error) {
        return { status: "not-built", lost: [], notes: [error], durationMs: performance.now() - started };
      }
    }
    const report = await grade({
      lab: grading.lab,
      submission: dir,
      settings: grading.settings,
      jobs: grading.jobs,
    });
    return classify(report, Math.round(performance.now() - started));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
