/**
 * The example Classroom workflow hangs together: the grading step's id, the
 * reporter's `runners` input and its `<ID>_RESULTS` variable name one
 * runner, and the step writes the Classroom payload.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  "continue-on-error"?: boolean;
}

Deno.test("example Classroom workflow: the grade step's payload reaches the reporter", async () => {
  const file = fileURLToPath(new URL("./classroom.yml", import.meta.url));
  const workflow = parse(await Deno.readTextFile(file));
  const job = Object.values(workflow.jobs)[0] as { steps: Step[] };
  const grade = job.steps.find((step) => step.run?.includes("deno task grade"))!;
  assert.ok(grade, "a step runs the grader");
  assert.match(grade.run!, /--format classroom/);
  assert.ok(grade.id, "the grade step has an id");
  assert.equal(grade["continue-on-error"], true, "lost points must not skip the reporter");

  const reporter = job.steps.find((step) => step.uses?.includes("autograding-grading-reporter"))!;
  assert.match(reporter.uses!, /^education\/autograding-grading-reporter@v1$/);
  assert.equal(reporter.with!.runners, grade.id);
  // The reporter reads process.env[`${runner.trim().toUpperCase()}_RESULTS`].
  assert.equal(
    reporter.env![`${grade.id!.toUpperCase()}_RESULTS`],
    `\${{ steps.${grade.id}.outputs.result }}`,
  );
  assert.ok(job.steps.indexOf(grade) < job.steps.indexOf(reporter));
  assert.ok(workflow.permissions.checks === "write", "the reporter updates the check run");
});
