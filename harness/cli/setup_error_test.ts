/**
 * A submission that cannot be graded still gets a complete report in the
 * format asked for, wherever it was asked to go: every check an error worth
 * 0, the maximum kept, the reason in the build check; the exit status stays
 * 2 (setup) or 3 (internal).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { decodeBase64 } from "../formats/classroom.ts";
import type { ClassroomResult } from "../formats/classroom.ts";
import type { GradescopeResults } from "../formats/gradescope.ts";
import { labPaths } from "../config/labs.ts";
import type { GradeReport } from "../report/model.ts";
import { loadTaskConfig } from "../engine/task_config.ts";
import { runGradeCli } from "../testing.ts";

const NOT_GITHUB = { GITHUB_ACTIONS: "", GITHUB_OUTPUT: "", GITHUB_STEP_SUMMARY: "", SOCKLAB_GITHUB: "" };
const task = await loadTaskConfig(labPaths("client-server").taskYaml);
const MAX = task.checks.reduce((sum, check) => sum + check.points, 0);

async function withEmptySubmission(work: (dir: string, submission: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "socklab-setup-error-" });
  try {
    await Deno.mkdir(join(dir, "submission"));
    await work(dir, join(dir, "submission"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("setup error, classroom under GitHub Actions: result= in GITHUB_OUTPUT, every test an error, 0 of max", async () => {
  await withEmptySubmission(async (dir, submission) => {
    const output = join(dir, "github-output");
    const run = await runGradeCli(["client-server", "--submission", submission, "--format", "classroom"], {
      ...NOT_GITHUB,
      GITHUB_ACTIONS: "true",
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: join(dir, "summary"),
    });
    assert.equal(run.code, 2, run.stderr);
    const [line, ...perCheck] = (await Deno.readTextFile(output)).trim().split("\n");
    assert.match(line, /^result=[A-Za-z0-9+/]+=*$/);
    // The per-check runners' payloads say the same: errors worth 0.
    assert.ok(perCheck.length > 0);
    for (const runner of perCheck) {
      const one = JSON.parse(decodeBase64(runner.slice(runner.indexOf("=") + 1))) as ClassroomResult;
      assert.deepEqual(one.tests.map((t) => [t.status, t.score]), [["error", 0]]);
    }
    const payload = JSON.parse(decodeBase64(line.slice("result=".length))) as ClassroomResult;
    assert.equal(payload.status, "error");
    assert.equal(payload.max_score, MAX);
    assert.equal(payload.tests.length, task.checks.length);
    assert.ok(payload.tests.every((t) => t.status === "error" && t.score === 0));
    assert.match(payload.tests[0].message, /not graded: the submission directory .* is empty/);
    // After the text report, on standard output.
    const annotations = run.stdout.split("\n").filter((l) => l.startsWith("::error"));
    assert.deepEqual(annotations.length, 1, "one problem, one annotation");
    assert.match(await Deno.readTextFile(join(dir, "summary")), /client-server: 0\/\d+ points/);
  });
});

Deno.test("setup error, gradescope --output: a complete results.json with score 0, the reason in the build test", async () => {
  await withEmptySubmission(async (dir, submission) => {
    await Deno.writeTextFile(join(submission, "notes.txt"), "no Makefile here");
    const results = join(dir, "results.json");
    const run = await runGradeCli(
      ["client-server", "--submission", submission, "--format", "gradescope", "--output", results],
      NOT_GITHUB,
    );
    assert.equal(run.code, 2, run.stderr);
    const json = JSON.parse(await Deno.readTextFile(results)) as GradescopeResults;
    assert.equal(json.score, 0);
    assert.equal(json.tests.length, task.checks.length);
    assert.equal(json.tests.reduce((sum, t) => sum + t.max_score, 0), MAX);
    assert.ok(json.tests.every((t) => t.status === "failed" && t.score === 0));
    const build = json.tests.find((t) => t.tags.includes("build"))!;
    assert.match(build.output, /neither a Makefile .* nor server\.py/);
    assert.match(json.output, /not graded/);
  });
});

Deno.test("setup error, junit on standard output: valid XML, every testcase an <error>", async () => {
  await withEmptySubmission(async (_dir, submission) => {
    const run = await runGradeCli(
      ["client-server", "--submission", submission, "--format", "junit"],
      NOT_GITHUB,
    );
    assert.equal(run.code, 2, run.stderr);
    assert.equal(XMLValidator.validate(run.stdout), true);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(run.stdout);
    const suite = xml.testsuites.testsuite;
    assert.equal(Number(suite.tests), task.checks.length);
    assert.equal(Number(suite.errors), task.checks.length);
    const score = suite.properties.property.find((p: { name: string }) => p.name === "score");
    assert.equal(score.value, "0");
  });
});

Deno.test("setup error, json on standard output: the documented report, score 0 of max, not_graded says why", async () => {
  await withEmptySubmission(async (_dir, submission) => {
    const run = await runGradeCli(
      ["client-server", "--submission", submission, "--format", "json"],
      NOT_GITHUB,
    );
    assert.equal(run.code, 2, run.stderr);
    const report = JSON.parse(run.stdout) as GradeReport;
    assert.equal(report.score, 0);
    assert.equal(report.max_score, MAX);
    assert.match(report.not_graded!, /is empty/);
    assert.ok(report.checks.every((c) => c.status === "error" && c.points === 0));
  });
});

Deno.test("setup error, unknown lab: still a report (one build check worth 0), exit status 2", async () => {
  const run = await runGradeCli(["no-such-lab", "--format", "json"], NOT_GITHUB);
  assert.equal(run.code, 2, run.stderr);
  const report = JSON.parse(run.stdout) as GradeReport;
  assert.deepEqual(report.checks.map((c) => [c.id, c.status, c.points]), [["build", "error", 0]]);
  assert.match(report.checks[0].rationale, /unknown lab 'no-such-lab'/);
});
