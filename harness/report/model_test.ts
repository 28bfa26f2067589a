import assert from "node:assert/strict";
import {
  gradedCheck,
  gradeReport,
  notGradedReport,
  skippedCheck,
  submissionLabel,
  unrunCheck,
} from "./model.ts";
import type { CheckEntry } from "./model.ts";

const ECHO: CheckEntry = { id: "echo", title: "Echoes", points: 2, hint: "read until the newline" };
const KEYS = [
  "id",
  "title",
  "status",
  "advice",
  "points",
  "max_points",
  "rationale",
  "hint",
  "transcript",
  "duration_ms",
  "notes",
];

Deno.test("gradedCheck: the points on a pass; on a failure 0, and the check's hint when the finding has none", () => {
  const passed = gradedCheck(ECHO, { status: "pass", transcript: "t", notes: ["1 GB/s"] }, 12);
  assert.deepEqual(Object.keys(passed), KEYS, "the JSON report's field order");
  assert.deepEqual([passed.status, passed.points, passed.max_points, passed.hint], ["pass", 2, 2, ""]);
  const failed = gradedCheck(ECHO, { status: "fail", rationale: "no reply", transcript: "t", notes: [] }, 12);
  assert.deepEqual([failed.status, failed.points, failed.rationale, failed.hint], [
    "fail",
    0,
    "no reply",
    "read until the newline",
  ]);
  const own = gradedCheck(ECHO, { status: "fail", hint: "own", transcript: "", notes: [] }, 1);
  assert.equal(own.hint, "own");
});

Deno.test("gradedCheck: an advice check worth nothing that fails gives advice; one given points is scored", () => {
  const advice = { ...ECHO, points: 0, advice: true };
  const told = gradedCheck(advice, { status: "fail", transcript: "", notes: [] }, 1);
  assert.deepEqual([told.status, told.advice], ["advice", true]);
  const scored = gradedCheck({ ...advice, points: 1 }, { status: "fail", transcript: "", notes: [] }, 1);
  assert.deepEqual([scored.status, scored.advice], ["fail", false]);
});

Deno.test("skippedCheck and unrunCheck: worth 0 of the check's points; the visibility comes last when not visible", () => {
  const skipped = skippedCheck(ECHO, "skipped: the submission did not build");
  assert.deepEqual([skipped.status, skipped.points, skipped.max_points, skipped.hint], ["skip", 0, 2, ""]);
  const hidden = unrunCheck({ ...ECHO, visibility: "hidden" }, "not run: out of time");
  assert.deepEqual(Object.keys(hidden), [...KEYS, "visibility"]);
  assert.deepEqual([hidden.status, hidden.visibility], ["error", "hidden"]);
  assert.equal("visibility" in unrunCheck({ ...ECHO, visibility: "visible" }, ""), false);
});

Deno.test("gradeReport: score and maximum are the sums of the checks' points", () => {
  const report = gradeReport({
    lab: "demo",
    submission: "sub",
    language: "c",
    checks: [
      gradedCheck(ECHO, { status: "pass", transcript: "", notes: [] }, 1),
      skippedCheck({ id: "b", title: "B", points: 3 }, "skipped"),
    ],
    build_output: "",
    isolation: "namespaces",
    warnings: [],
    duration_ms: 5,
  });
  assert.deepEqual([report.score, report.max_score], [2, 5]);
  assert.equal("not_graded" in report, false);
});

Deno.test("notGradedReport: every check (or those asked for) an error worth 0, the maximum kept, the reason said", () => {
  const checks: CheckEntry[] = [{ id: "build", title: "Builds", points: 1 }, ECHO];
  const report = notGradedReport({ lab: "demo", submission: "sub", checks }, "the submission is empty");
  assert.deepEqual(report.checks.map((c) => [c.id, c.status, c.points, c.max_points]), [
    ["build", "error", 0, 1],
    ["echo", "error", 0, 2],
  ]);
  assert.deepEqual([report.score, report.max_score, report.not_graded], [0, 3, "the submission is empty"]);
  assert.equal(report.checks[0].rationale, "not graded: the submission is empty");
  assert.deepEqual(report.warnings, ["not graded: the submission is empty"]);
  const asked = notGradedReport({ lab: "demo", checks, only: ["echo", "nope"] }, "x");
  assert.deepEqual(asked.checks.map((c) => c.id), ["echo"]);
  assert.equal(asked.submission, "tasks/demo");
  const unknown = notGradedReport({ lab: "nope" }, "unknown lab 'nope'");
  assert.deepEqual(unknown.checks.map((c) => [c.id, c.max_points]), [["build", 0]]);
});

Deno.test("submissionLabel: as given, else the lab's starter code from the grader's root", () => {
  assert.equal(submissionLabel("client-server"), "tasks/client-server");
  assert.equal(submissionLabel("client-server", ""), "");
  assert.equal(submissionLabel("client-server", "~/work"), "~/work");
});
