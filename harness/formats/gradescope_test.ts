import assert from "node:assert/strict";
import { renderGradescope } from "./gradescope.ts";
import { passingReport, sampleReport } from "./sample.ts";

const VISIBILITIES = ["hidden", "after_due_date", "after_published", "visible"];
const OUTPUT_FORMATS = ["text", "html", "simple_format", "md", "ansi"];

// deno-lint-ignore no-explicit-any
function assertSpec(results: any): void {
  assert.equal(typeof results.score, "number", "top-level score");
  assert.equal(typeof results.execution_time, "number", "execution_time (seconds)");
  assert.equal(typeof results.output, "string", "output");
  assert.ok(OUTPUT_FORMATS.includes(results.output_format));
  assert.ok(VISIBILITIES.includes(results.visibility));
  assert.ok(Array.isArray(results.tests), "tests");
  for (const test of results.tests) {
    assert.equal(typeof test.name, "string");
    assert.equal(typeof test.number, "string");
    assert.equal(typeof test.score, "number");
    assert.equal(typeof test.max_score, "number");
    assert.ok(
      test.score >= 0 && test.score <= test.max_score,
      `${test.name}: ${test.score}/${test.max_score}`,
    );
    assert.ok(test.status === "passed" || test.status === "failed", `status ${test.status}`);
    assert.equal(typeof test.output, "string");
    assert.ok(OUTPUT_FORMATS.includes(test.output_format));
    assert.ok(VISIBILITIES.includes(test.visibility), `visibility ${test.visibility}`);
    assert.ok(Array.isArray(test.tags) && test.tags.every((tag: unknown) => typeof tag === "string"));
  }
}

Deno.test("gradescope: results.json has the spec's keys and types, a test per check", () => {
  const report = sampleReport();
  const results = JSON.parse(renderGradescope(report));
  assertSpec(results);
  assert.equal(results.tests.length, report.checks.length);
  assert.equal(results.score, report.score, "the top-level score (which overrides the tests' sum) is ours");
  assert.equal(results.tests.reduce((sum: number, t: { score: number }) => sum + t.score, 0), report.score);
  assert.deepEqual(
    results.tests.map((t: { status: string }) => t.status),
    report.checks.map((c) => (c.status === "pass" ? "passed" : "failed")),
  );
  assert.equal(results.execution_time, 4, "3456 ms round up to 4 s");
  assert.equal(results.output_format, "text", "compiler output like <stdio.h> must not be read as HTML");
});

Deno.test("gradescope: a failed test's output has the rationale, hint and transcript; the build's has the compiler output", () => {
  const results = JSON.parse(renderGradescope(sampleReport()));
  const build = results.tests[0];
  assert.match(build.output, /make failed \(status 2\)/);
  assert.match(build.output, /Hint: look at build/);
  assert.match(build.output, /Compiler output:\nserver\.c:1:10: fatal error: <stdio\.hh>/);
  assert.match(build.output, /Transcript:\n {5}0 ms {2}note {2}build started/);
  assert.match(results.tests[1].output, /throughput: 1\.2 GB\/s/, "a pass shows its measurements");
  assert.match(results.tests[4].output, /could not be run to the end/);
  assert.deepEqual(results.tests[0].tags, ["client-server", "build"]);
});

Deno.test("gradescope: several labs are one results.json, numbered per lab", () => {
  const reports = [sampleReport(), passingReport()];
  const results = JSON.parse(renderGradescope(reports));
  assertSpec(results);
  assert.equal(results.tests.length, reports[0].checks.length + reports[1].checks.length);
  assert.equal(results.tests[0].number, "1.1");
  assert.equal(results.tests.at(-1).number, "2.3");
  assert.equal(results.tests.at(-1).name, "fork-server: Check reaps");
  assert.ok(Math.abs(results.score - (reports[0].score + reports[1].score)) < 1e-9);
  assert.match(results.output, /client-server: .* points[\s\S]*fork-server: 7\/7 points/);
});
