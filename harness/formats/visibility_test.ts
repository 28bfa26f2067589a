/**
 * Checks kept from students (`visibility` in task.yaml) and the cap on
 * GitHub annotations, across the formats.
 */

import assert from "node:assert/strict";
import { gradeReport, notGradedReport } from "../report/model.ts";
import type { GradeReport } from "../report/model.ts";
import type { TaskConfig } from "../engine/task_config.ts";
import { parseTaskFile } from "../config/task_file.ts";
import { classroomResult } from "./classroom.ts";
import { githubAnnotations, githubStepSummary, MAX_ERROR_ANNOTATIONS } from "./github.ts";
import { gradescopeResults } from "./gradescope.ts";
import { renderJsonReports } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { sampleCheck } from "./sample.ts";
import { renderText } from "./text.ts";

function reportWith(checks: GradeReport["checks"]): GradeReport {
  return gradeReport({
    lab: "client-server",
    submission: "sub",
    language: "c",
    checks,
    build_output: "",
    isolation: "namespaces",
    warnings: [],
    duration_ms: 1000,
  });
}

const WITH_HIDDEN = reportWith([
  sampleCheck("build", "pass", 1),
  sampleCheck("shown-fail", "fail", 2),
  sampleCheck("secret-pass", "pass", 3, { visibility: "hidden", title: "Secret one" }),
  sampleCheck("secret-fail", "fail", 4, { visibility: "after_due_date", title: "Secret two" }),
]);

Deno.test("task.yaml: a check's visibility takes Gradescope's four words, and nothing else", () => {
  const yaml = (visibility: string) =>
    `lab: demo\ntitle: Demo\nchecks:\n  - {id: build, points: 1, visibility: ${visibility}}\n`;
  assert.equal(parseTaskFile(yaml("after_published"), "t.yaml").checks[0].visibility, "after_published");
  assert.equal(
    parseTaskFile("lab: d\ntitle: D\nchecks: [{id: b, points: 1}]\n", "t").checks[0]
      .visibility,
    undefined,
  );
  assert.throws(() => parseTaskFile(yaml("secret"), "t.yaml"), /t\.yaml:4:\d+: checks\.0\.visibility/);
});

Deno.test("gradescope: each test carries its check's visibility", () => {
  const tests = gradescopeResults(WITH_HIDDEN).tests;
  assert.deepEqual(tests.map((t) => t.visibility), ["visible", "visible", "hidden", "after_due_date"]);
  assert.equal(tests[3].output.includes("secret-fail did not do"), true, "Gradescope shows it when due");
});

Deno.test("instructor formats (JSON, JUnit) show hidden checks whole", () => {
  const json = JSON.parse(renderJsonReports(WITH_HIDDEN));
  assert.deepEqual(json.checks.map((c: { id: string }) => c.id), [
    "build",
    "shown-fail",
    "secret-pass",
    "secret-fail",
  ]);
  assert.equal(json.checks[2].visibility, "hidden");
  assert.match(renderJunit(WITH_HIDDEN), /secret-fail: Secret two/);
});

Deno.test("student formats: hidden checks are 'N hidden checks', their points still count", () => {
  const text = renderText(WITH_HIDDEN);
  assert.ok(!text.includes("secret"), text);
  assert.ok(!text.includes("Secret"), text);
  assert.match(text, /^2 hidden checks: 3\/7 points \(your instructor sees their results\)$/m);
  assert.match(text, /Score: 4\/10/);

  const payload = classroomResult(WITH_HIDDEN);
  assert.deepEqual(payload.tests.map((t) => [t.name, t.status, t.score]), [
    ["Check build", "pass", 1],
    ["Check shown-fail", "fail", 0],
    ["2 hidden checks", "fail", 3],
  ]);
  assert.equal(payload.max_score, 10);
  assert.ok(!JSON.stringify(payload).includes("ecret"));

  const annotations = githubAnnotations(WITH_HIDDEN);
  assert.equal(annotations.split("\n").filter(Boolean).length, 1, annotations);
  assert.ok(!annotations.includes("ecret"));
  const summary = githubStepSummary(WITH_HIDDEN);
  assert.ok(!summary.includes("ecret"), summary);
  assert.match(summary, /\| 🔒 \| 2 hidden checks \| 3\/7 \|/);
});

Deno.test("github: at most 10 ::error lines, the costliest checks, then a notice with the rest", () => {
  // 12 failures, as client-server's 12 checks can give; the 1-point ones lose least.
  const points = [1, 3, 2, 3, 2, 2, 1, 2, 2, 2, 1, 1];
  const report = reportWith(points.map((p, i) => sampleCheck(`check-${i}`, i === 0 ? "error" : "fail", p)));
  const lines = githubAnnotations(report).split("\n").filter(Boolean);
  const errors = lines.filter((line) => line.startsWith("::error "));
  assert.equal(errors.length, MAX_ERROR_ANNOTATIONS);
  const titles = errors.map((line) => /title=Check ([\w-]+)::/.exec(line)![1]);
  // Two of the four 1-point checks are left out: the last ones in report order.
  assert.deepEqual(
    titles,
    points.map((_, i) => `check-${i}`).filter((id) => !["check-10", "check-11"].includes(id)),
  );
  assert.equal(lines.length, MAX_ERROR_ANNOTATIONS + 1);
  assert.match(
    lines.at(-1)!,
    /^::notice title=socklab%3A more checks did not pass::2 more checks did not pass\./,
  );
});

Deno.test("github: a lab that could not be graded is one annotation, not one per check", () => {
  const { limits } = parseTaskFile("lab: demo\ntitle: Demo\nchecks: [{id: build, points: 1}]\n", "t");
  const task: TaskConfig = {
    lab: "demo",
    title: "Demo",
    port: 5000,
    limits,
    settings: {},
    checks: [
      { id: "build", title: "B", points: 1, needs: [], advice: false },
      { id: "run", title: "R", points: 2, needs: ["build"], advice: false },
    ],
  };
  const report = notGradedReport(
    { lab: "demo", submission: "sub", checks: task.checks },
    "the submission directory sub is empty",
  );
  assert.deepEqual(report.checks.map((c) => [c.status, c.points, c.max_points]), [["error", 0, 1], [
    "error",
    0,
    2,
  ]]);
  assert.equal(
    githubAnnotations(report),
    "::error title=socklab demo::the submission directory sub is empty\n",
  );
});
