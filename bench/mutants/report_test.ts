import assert from "node:assert/strict";
import type { GradeReport } from "../../harness/report/model.ts";
import { classify } from "./run.ts";
import { summarize, textReport, unifiedDiff } from "./report.ts";
import type { MutantResult } from "./report.ts";
import { parseEquivalents } from "./equivalent.ts";
import { sample } from "../mutants.ts";
import { mutantsOf } from "./operators.ts";

function report(checks: [string, string, string?][], advice: string[] = []): GradeReport {
  const all = checks.map(([id, status, rationale]) => ({
    id,
    title: id,
    status,
    points: status === "pass" ? 1 : 0,
    max_points: advice.includes(id) ? 0 : 1,
    rationale: rationale ?? "",
    hint: "",
    transcript: "",
    duration_ms: 0,
    notes: [],
    ...(advice.includes(id) ? { advice: true } : {}),
  }));
  const score = all.reduce((sum, c) => sum + (c.advice ? 0 : c.points), 0);
  const max = all.reduce((sum, c) => sum + c.max_points, 0);
  return { score, max_score: max, checks: all, build_output: "cc: error: x" } as unknown as GradeReport;
}

Deno.test("classify: killed, survived, not built, timed out; advice alone kills nothing", () => {
  assert.equal(classify(report([["build", "pass"], ["a", "fail"], ["b", "skip"]]), 1).status, "killed");
  assert.deepEqual(classify(report([["build", "pass"], ["a", "fail"], ["b", "skip"]]), 1).lost, ["a: fail"]);
  assert.equal(classify(report([["build", "fail"], ["a", "skip"]]), 1).status, "not-built");
  const survivor = classify(
    report([["build", "pass"], ["a", "pass"], ["tip", "advice", "slow"]], ["tip"]),
    1,
  );
  assert.equal(survivor.status, "survived");
  assert.deepEqual(survivor.notes, ["advice tip: slow"]);
  const hung = report([["build", "pass"], [
    "a",
    "error",
    "the check did not finish within 20 s and was stopped",
  ]]);
  assert.equal(classify(hung, 1).status, "timed-out");
  const mixed = report([["build", "pass"], ["a", "error", "the check did not finish within 20 s"], [
    "b",
    "fail",
  ]]);
  assert.equal(classify(mixed, 1).status, "killed");
});

Deno.test("summarize: equivalent survivors leave the score, timeouts count as detected, stale entries show", () => {
  const result = (id: string, status: string, equivalent?: string) =>
    ({ id, status, equivalent }) as MutantResult;
  const summary = summarize("lab", "c", 9, [
    result("k", "killed"),
    result("t", "timed-out"),
    result("s", "survived"),
    result("e", "survived", "any value works"),
    result("n", "not-built"),
    result("x", "killed", "listed but killed"),
  ]);
  assert.equal(summary.score, 3 / 4);
  assert.deepEqual(summary.staleEquivalent, ["x"]);
  assert.match(
    textReport(summary, []),
    /6 of 9 mutants graded: 2 killed, 1 timed out, 2 survived \(1 equivalent\)/,
  );
});

Deno.test("equivalent lists: one per language, each entry with a reason", () => {
  const text = "c:\n  - id: a.c/constant/1\n    reason: any non-zero value\npython: []\n";
  assert.equal(parseEquivalents(text, "c", "f").size, 1);
  assert.equal(parseEquivalents(text, "python", "f").size, 0);
  assert.equal(parseEquivalents(undefined, "c", "f").size, 0);
  assert.throws(() => parseEquivalents("c:\n  - id: a.c/x/1\n", "c", "f"), /needs an id and a reason/);
});

Deno.test("sample: deterministic, and a mutant's place does not depend on the others", async () => {
  const source = "int f(int a) { return a < 1 && a > 2 || a == 3; }\n";
  const mutants = await mutantsOf("s.c", "c", source);
  const once = sample(mutants, 4, "seed").map((m) => m.id);
  assert.deepEqual(sample(mutants, 4, "seed").map((m) => m.id), once);
  assert.equal(once.length, 4);
  const fewer = sample(mutants.filter((m) => once.includes(m.id) || m.operator !== "constant"), 4, "seed");
  assert.deepEqual(fewer.map((m) => m.id), once);
});

Deno.test("unifiedDiff: the file's diff with its name", async () => {
  const diff = await unifiedDiff("server.c", "a\nb\n", "a\nc\n");
  assert.match(diff, /^--- a\/server\.c\n\+\+\+ b\/server\.c\n@@ -1,2 \+1,2 @@\n a\n-b\n\+c\n$/);
});
