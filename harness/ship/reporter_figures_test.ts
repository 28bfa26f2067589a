/**
 * One score everywhere: every figure Classroom's reporter prints from what
 * `socklab grade --format classroom` writes to GITHUB_OUTPUT (read through
 * the reporter's own arithmetic, ./testing_workflow.ts) is socklab's score,
 * maximum or count of checks passed: on a report with fractional points, a
 * check of each status, advice, and checks kept from students.
 */

import assert from "node:assert/strict";
import { planDelivery } from "../formats/deliver.ts";
import { sampleCheck, sampleReport } from "../formats/sample.ts";
import type { GradeReport } from "../report/model.ts";
import { reporterFigures, reporterInput } from "./testing_workflow.ts";
import { classroomWorkflow, labRunners } from "./template.ts";
import { parse } from "yaml";

/** The runners and environment the reporter step gets, from the GITHUB_OUTPUT the grade step wrote. */
function reporterSees(report: GradeReport) {
  const plan = planDelivery(report, { format: "classroom" }, { GITHUB_ACTIONS: "true", GITHUB_OUTPUT: "/o" });
  const outputs = Object.fromEntries(
    plan.writes.find((write) => write.path === "/o")!.text.trimEnd().split("\n").map((line) => {
      const at = line.indexOf("=");
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );
  const runners = Object.keys(outputs).filter((name) => name !== "result");
  const env = Object.fromEntries(
    runners.map((runner) => [`${runner.toUpperCase()}_RESULTS`, outputs[runner]]),
  );
  return reporterFigures(reporterInput(runners.join(","), env));
}

function socklabFigures(report: GradeReport) {
  const scored = report.checks.filter((check) => !check.advice);
  return {
    score: report.score,
    max: report.max_score,
    passed: scored.filter((check) => check.status === "pass").length,
    checks: scored.length,
  };
}

function assertOneScore(report: GradeReport) {
  const figures = reporterSees(report);
  const socklab = socklabFigures(report);
  assert.deepEqual(figures.points, { total: socklab.score, max: socklab.max }, "Points N/M");
  assert.deepEqual(figures.tableTotal, { score: socklab.score, max: socklab.max }, "the table's Total row");
  assert.deepEqual(
    figures.grandTotal,
    { passed: socklab.passed, tests: socklab.checks },
    "Grand total tests passed",
  );
  const scoredWithPoints = report.checks.filter((check) => !check.advice && check.max_points !== 0);
  assert.deepEqual(
    figures.runnerTotals.map(({ points, max }) => [points, max]),
    scoredWithPoints.map((check) => [check.points.toFixed(2), check.max_points]),
    "Total points for <runner>",
  );
}

Deno.test("classroom reporter: every figure it prints is socklab's, with fractions, each status and advice", () => {
  const report = sampleReport();
  // Advice worth nothing, one that found something and one that did not: socklab's count leaves both out.
  report.checks.push(
    sampleCheck("slow", "advice", 0, { advice: true }),
    sampleCheck("fast", "pass", 0, { advice: true }),
  );
  assert.ok(report.score % 1 !== 0, "and fractional points");
  assertOneScore(report);
});

Deno.test("classroom reporter: checks kept from students are runners of their own, named hidden1, hidden2", () => {
  const report = sampleReport();
  report.checks[1] = { ...report.checks[1], visibility: "hidden" };
  report.checks[6] = { ...report.checks[6], visibility: "after_due_date" };
  assertOneScore(report);
  const plan = planDelivery(report, { format: "classroom" }, { GITHUB_ACTIONS: "true", GITHUB_OUTPUT: "/o" });
  const text = plan.writes.find((write) => write.path === "/o")!.text;
  assert.match(text, /^hidden1=/m);
  assert.match(text, /^hidden2=/m);
  assert.ok(!text.includes(report.checks[1].title));
});

Deno.test("classroom reporter: the template's runners are the ones the grade step writes, for every lab", async () => {
  for (const lab of ["client-server", "multiplexed-client-server", "async-server", "fork-server"]) {
    const runners = await labRunners(lab);
    const workflow = parse(classroomWorkflow(lab, "socklab@1.2.3", runners));
    const steps = (Object.values(workflow.jobs)[0] as { steps: { with?: { runners?: string } }[] }).steps;
    assert.equal(steps.find((step) => step.with?.runners)!.with!.runners, runners.join(","));
    assert.equal(new Set(runners).size, runners.length, `${lab}: runner ids are unique`);
  }
});
