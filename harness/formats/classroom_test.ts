import assert from "node:assert/strict";
import { gradeReport } from "../report/model.ts";
import {
  classroomOutputLine,
  classroomResult,
  decodeBase64,
  encodeBase64,
  MAX_ENCODED_CHARS,
  renderClassroom,
} from "./classroom.ts";
import type { ClassroomResult } from "./classroom.ts";
import { NASTY, passingReport, sampleCheck, sampleReport } from "./sample.ts";

const REPORTER_STATUSES = ["pass", "fail", "error"];

/**
 * What the Classroom reporter does with a runner's payload: decode the
 * environment variable, parse it, and add up the tests' scores against
 * max_score (runners without a max_score are left out).
 */
function reporterTotals(encodedByRunner: Record<string, string>): { totalPoints: number; maxPoints: number } {
  let totalPoints = 0;
  let maxPoints = 0;
  for (const encoded of Object.values(encodedByRunner)) {
    const results = JSON.parse(decodeBase64(encoded)) as ClassroomResult;
    if (!results.max_score) continue;
    maxPoints += results.max_score;
    for (const { score } of results.tests) totalPoints += score;
  }
  return { totalPoints, maxPoints };
}

function assertReporterRules(payload: ClassroomResult, checks: number): void {
  assert.equal(payload.version, 1);
  assert.ok(REPORTER_STATUSES.includes(payload.status), `run status ${payload.status}`);
  assert.equal(payload.tests.length, checks, "one test per check");
  for (const test of payload.tests) {
    assert.ok(REPORTER_STATUSES.includes(test.status), `test status ${test.status}`);
    assert.equal(typeof test.name, "string");
    assert.equal(typeof test.score, "number");
    assert.equal(typeof test.message, "string");
    assert.equal(test.line_no, 0, "line_no 0: the reporter prints no line number");
    assert.equal(typeof test.execution_time, "number");
    assert.equal(typeof test.test_code, "string");
  }
}

Deno.test("classroom: each check is a test, with the reporter's three statuses", () => {
  const report = sampleReport();
  const payload = classroomResult(report);
  assertReporterRules(payload, report.checks.length);
  assert.deepEqual(payload.tests.map((t) => t.status), [
    "fail",
    "pass",
    "pass",
    "fail",
    "error",
    "pass",
    "fail",
  ]);
  assert.equal(payload.status, "fail");
  assert.equal(payload.tests[0].name, "Check build");
  assert.match(payload.tests[0].message, /^make failed \(status 2\)\nHint: look at build$/);
  assert.equal(payload.tests[1].message, "", "a pass has no message");
  assert.equal(payload.tests[1].test_code, "");
  assert.equal(
    payload.tests[0].test_code,
    "npx socklab grade client-server --submission . --only build --verbose",
  );
});

Deno.test("classroom: the per-test scores add up to our score, and max_score is ours", () => {
  const report = sampleReport();
  const payload = classroomResult(report);
  assert.equal(payload.max_score, report.max_score);
  assert.equal(payload.tests.reduce((sum, t) => sum + t.score, 0), report.score);
  for (const [index, check] of report.checks.entries()) {
    assert.equal(payload.tests[index].score, check.status === "pass" ? check.max_points : 0);
  }
  const { totalPoints, maxPoints } = reporterTotals({ SOCKLAB: encodeBase64(JSON.stringify(payload)) });
  assert.equal(totalPoints, report.score);
  assert.equal(maxPoints, report.max_score);
});

Deno.test("classroom: run status is pass only when every check passed, error when one errored and none failed", () => {
  assert.equal(classroomResult(passingReport()).status, "pass");
  const errored = gradeReport({
    ...passingReport(),
    checks: [sampleCheck("build", "pass", 1), sampleCheck("serves", "error", 4)],
  });
  assert.equal(classroomResult(errored).status, "error");
});

Deno.test("classroom: several labs make one payload, names carrying the lab, points summed", () => {
  const reports = [sampleReport("client-server"), passingReport("fork-server")];
  const payload = classroomResult(reports);
  assertReporterRules(payload, reports[0].checks.length + reports[1].checks.length);
  assert.equal(payload.tests[0].name, "client-server: Check build");
  assert.equal(payload.tests.at(-1)!.name, "fork-server: Check reaps");
  assert.equal(payload.max_score, reports[0].max_score + reports[1].max_score);
  const { totalPoints } = reporterTotals({ SOCKLAB: encodeBase64(JSON.stringify(payload)) });
  assert.equal(totalPoints, payload.tests.reduce((sum, t) => sum + t.score, 0));
  assert.ok(Math.abs(totalPoints - (reports[0].score + reports[1].score)) < 1e-9);
});

Deno.test("classroom: the GITHUB_OUTPUT line is one line of base64 that decodes to the payload, UTF-8 intact", () => {
  const report = sampleReport();
  const line = classroomOutputLine(report);
  assert.match(line, /^result=[A-Za-z0-9+/]+=*\n$/);
  const decoded = JSON.parse(decodeBase64(line.slice("result=".length, -1)));
  assert.deepEqual(decoded, JSON.parse(renderClassroom(report)));
  assert.ok(decoded.tests.at(-1).message.includes("é 🚀"), "non-ASCII survives base64");
  assert.equal(encodeBase64("é"), "w6k=", "base64 of the UTF-8 bytes, as Node's Buffer gives");
});

Deno.test("classroom: a huge report still fits in one environment variable, scores intact", () => {
  const huge = `${NASTY} 漢字 `.repeat(3000);
  const checks = Array.from(
    { length: 150 },
    (_, i) =>
      sampleCheck(`check-${i}`, i % 3 === 0 ? "pass" : "fail", 1 + (i % 4) * 0.5, {
        rationale: huge,
        hint: huge,
      }),
  );
  const report = gradeReport({ ...sampleReport(), checks });
  const line = classroomOutputLine(report);
  const value = line.slice("result=".length, -1);
  assert.ok(value.length <= MAX_ENCODED_CHARS, `${value.length} characters`);
  // Linux refuses a single environment string ("NAME=value") over 128 KiB.
  assert.ok(`SOCKLAB_RESULTS=${value}`.length < 128 * 1024);
  const { totalPoints, maxPoints } = reporterTotals({ SOCKLAB: value });
  assert.equal(totalPoints, report.score);
  assert.equal(maxPoints, report.max_score);
});
