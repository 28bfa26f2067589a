/**
 * The two checks every lab gets for memory and resources, declared from the
 * lab's own scenarios: `memory-safety` (memory errors and undefined
 * behaviour; in Python, exceptions lost in threads or destructors) and
 * `no-leaks` (memory never freed when a program ends; in Python, sockets
 * and files left for the garbage collector). Both run the submission's
 * instrumented build through the scenarios given, one after another, and
 * read what the sanitizers or the wrapper reported. The scenarios' own
 * verdicts do not count here: their checks grade the behaviour.
 *
 * Advice by default: `task.yaml` gives them points, or disables them.
 *
 * @module
 */

import { check } from "./grader.ts";
import type { DeclaredCheck } from "./grader.ts";
import type { CheckContext } from "./context.ts";
import { CheckFailure } from "../observe/failure.ts";
import { parseFindings, readFindings } from "../programs/instrumented.ts";
import type { Finding, FindingCategory } from "../programs/instrumented.ts";

/** The scenarios each memory check drives: checks of the lab, run again with the instrumented build. */
export interface MemoryScenarios<Settings> {
  /** Scenarios that exercise memory: long messages, resets, joins and leaves, many clients. */
  errors: DeclaredCheck<Settings>[];
  /** Scenarios in which programs end on their own (leaks show at a clean exit). */
  leaks: DeclaredCheck<Settings>[];
}

const HINT_ERRORS =
  "Read the report's first frame in your file: a buffer written or read past its end (a message as long as the buffer, with or without its newline), memory used after free(), or arithmetic that overflows. Terminate what recv() gave before using it as a string; size buffers with sizeof.";
const HINT_LEAKS =
  "Free what you malloc() once it is no longer needed (a client that left, a message sent); close() every socket and file you open, in Python too (a with block, or close() when the peer leaves).";

/**
 * Declares `memory-safety` and `no-leaks` for a lab.
 *
 * @example
 * ```ts ignore
 * import { defineGrader, memoryChecks } from "../harness/mod.ts";
 * export default defineGrader({
 *   lab: "echo",
 *   checks: { echoes, "long-lines": longLines, ...memoryChecks({ errors: [longLines], leaks: [echoes] }) },
 * });
 * ```
 */
export function memoryChecks<Settings>(
  scenarios: MemoryScenarios<Settings>,
): { "memory-safety": DeclaredCheck<Settings>; "no-leaks": DeclaredCheck<Settings> } {
  return {
    "memory-safety": check<Settings>({
      title:
        "No memory error or undefined behaviour while the checks run (C: AddressSanitizer and UBSan; Python: no exception lost in a thread or a destructor)",
      advice: true,
      instrumented: true,
      run: (t) => underInstrumentation(t, scenarios.errors, "error", HINT_ERRORS),
    }),
    "no-leaks": check<Settings>({
      title:
        "Nothing leaked (C: LeakSanitizer when a program ends; Python: no socket or file left unclosed while running)",
      advice: true,
      instrumented: true,
      run: (t) => underInstrumentation(t, scenarios.leaks, "leak", HINT_LEAKS),
    }),
  };
}

async function underInstrumentation<Settings>(
  t: CheckContext<Settings>,
  scenarios: DeclaredCheck<Settings>[],
  category: FindingCategory,
  hint: string,
): Promise<void> {
  let completed = 0;
  for (const scenario of scenarios) {
    try {
      await scenario(t);
      completed++;
    } catch (error) {
      // The behaviour is graded by the scenario's own check; here only the reports count. An
      // instrumented program can end in ways the scenario never meets otherwise (a sanitizer's abort).
      const why = error instanceof CheckFailure ? error.message : String(error);
      t.note(`instrumented, "${scenario.title}" did not go through: ${why.split("\n")[0]}`);
    }
    await t.settleInstrumented(t.step);
    await t.stopAll();
  }
  const reported = [
    ...await readFindings(t.env.scratchDir, t.submission.dir),
    ...t.instrumentedStderr().flatMap((text) => parseFindings(text, t.submission.dir)),
  ];
  const found = reported.filter((f) => f.category === category);

  if (found.length === 0) {
    t.note(`${completed} of ${scenarios.length} scenarios went through instrumented: nothing reported`);
    return;
  }
  const firsts = firstOfEachKind(found);
  for (const finding of firsts) t.note(`${describe(finding)}\n    ${finding.stack.join("\n    ")}`);
  throw new CheckFailure(firsts.map(describe).join("; "), hint);
}

/**
 * The first finding of each kind, in the order they were reported; one that
 * names the student's line first (a program killed while it wrote its
 * report leaves one without its stack).
 */
function firstOfEachKind(findings: Finding[]): Finding[] {
  const ordered = [...findings.filter((f) => f.where), ...findings.filter((f) => !f.where)];
  const seen = new Set<string>();
  return ordered.filter((finding) => !seen.has(finding.kind) && seen.add(finding.kind));
}

function describe(finding: Finding): string {
  return `${finding.summary}${finding.where ? ` at ${finding.where}` : ""}`;
}
