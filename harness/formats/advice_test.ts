import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { countsAsFailure } from "../report/model.ts";
import type { GradeReport } from "../report/model.ts";
import { classroomResult } from "./classroom.ts";
import { githubAnnotations, githubStepSummary } from "./github.ts";
import { gradescopeResults } from "./gradescope.ts";
import { renderJunit } from "./junit.ts";
import { renderText, scoreLine } from "./text.ts";
import { passingReport, sampleCheck } from "./sample.ts";

/** Every scored check passed; one advice check (worth nothing) has advice to give. */
function advisedReport(): GradeReport {
  const report = passingReport("client-server");
  const advice = sampleCheck("client-ends-at-end-of-input", "advice", 0, {
    advice: true,
    title: "Advice: your client ends at end of input",
    rationale: "the client kept running after its stdin ended",
    hint: "fgets() returns NULL at the end of input",
  });
  return { ...report, checks: [...report.checks, advice] };
}

Deno.test("an advice check is no failure: not in the exit status, the score or the check count", () => {
  const report = advisedReport();
  assert.equal(report.checks.some(countsAsFailure), false);
  assert.equal(scoreLine(report), "Score: 7/7 (3/3 checks passed, 1 advice) in 1.0 s");
  const text = renderText(report);
  assert.match(text, /^i client-ends-at-end-of-input +advice +Advice: your client ends at end of input$/m);
  assert.match(text, /the client kept running after its stdin ended/);
});

Deno.test("an advice check reads as advice in every format, never as a failure", () => {
  const report = advisedReport();

  const classroom = classroomResult(report);
  assert.equal(classroom.status, "pass");
  const test = classroom.tests.at(-1)!;
  assert.equal(test.status, "pass");
  assert.equal(test.score, 0);
  assert.match(test.message, /^advice: the client kept running/);

  const gradescope = gradescopeResults(report);
  assert.equal(gradescope.score, 7);
  const scoped = gradescope.tests.at(-1)!;
  assert.equal(scoped.status, "passed");
  assert.ok(scoped.tags.includes("advice"));
  assert.match(scoped.output, /Advice \(worth no points\)/);

  const junit = new XMLParser({ ignoreAttributes: false }).parse(renderJunit(report));
  const suite = junit.testsuites.testsuite;
  assert.equal(suite["@_failures"], "0");
  const testcase = suite.testcase.at(-1);
  assert.equal(testcase.failure, undefined);
  assert.match(testcase.skipped["@_message"], /^advice: the client kept running/);

  assert.match(githubAnnotations(report), /^::notice title=/);
  assert.doesNotMatch(githubAnnotations(report), /::error/);
  assert.match(githubStepSummary(report), /\| 💡 \| Advice: your client ends at end of input \| advice \|/);
});
