import assert from "node:assert/strict";
import { EXIT, gradeLabs, labSelection } from "./grade_labs.ts";
import { knownLabs } from "../config/labs.ts";
import type { GradeReport } from "../report/model.ts";

Deno.test("labSelection: one lab, a list (deduplicated, blanks dropped) or all", () => {
  assert.deepEqual(labSelection("client-server"), { labs: ["client-server"], multiLab: false });
  assert.deepEqual(labSelection("client-server, fork-server,,client-server"), {
    labs: ["client-server", "fork-server"],
    multiLab: true,
  });
  assert.deepEqual(labSelection("client-server,"), { labs: ["client-server"], multiLab: true });
  assert.deepEqual(labSelection("all"), { labs: knownLabs(), multiLab: true });
  assert.deepEqual(labSelection(",").labs, []);
});

Deno.test("gradeLabs: an unknown lab grades nothing; each lab named still gets a report worth 0", async () => {
  const problems: string[] = [];
  const run = await gradeLabs(labSelection("client-server,nope"), {
    submission: "/class/ada",
    onProblem: (message) => problems.push(message),
  });
  assert.equal(run.status, EXIT.usage);
  assert.equal(run.nothingGraded, true);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^unknown lab 'nope'; the labs are: /);
  const reports = run.reports as GradeReport[];
  assert.deepEqual(reports.map((r) => [r.lab, r.submission, r.score]), [
    ["client-server", "/class/ada/client-server", 0],
    ["nope", "/class/ada/nope", 0],
  ]);
  assert.ok(reports[0].checks.length > 1 && reports[0].checks.every((c) => c.status === "error"));
  assert.ok(reports[0].max_score > 0, "the known lab keeps its maximum");
});

Deno.test("gradeLabs: one unknown lab is one report, not a list", async () => {
  const run = await gradeLabs(labSelection("nope"), {});
  assert.equal(Array.isArray(run.reports), false);
  assert.equal(
    (run.reports as GradeReport).not_graded,
    `unknown lab 'nope'; the labs are: ${knownLabs().join(", ")}`,
  );
});

Deno.test("gradeLabs: with several labs, checks that no lab has grade nothing", async () => {
  const problems: string[] = [];
  const run = await gradeLabs(labSelection("client-server,fork-server"), {
    only: ["build", "no-such-check"],
    onProblem: (message) => problems.push(message),
  });
  assert.equal(run.status, EXIT.usage);
  assert.deepEqual(problems, ["no lab graded here has the check no-such-check"]);
  assert.deepEqual((run.reports as GradeReport[]).map((r) => r.checks.map((c) => c.id)), [["build"], [
    "build",
  ]]);
});

Deno.test("gradeLabs: with several labs, a setting goes to the labs that have it; one that none has grades nothing", async () => {
  const problems: string[] = [];
  const misspelt = await gradeLabs(labSelection("client-server,async-server"), {
    settings: { upload_byte: 1 << 20 },
    onProblem: (message) => problems.push(message),
  });
  assert.equal(misspelt.status, EXIT.usage);
  assert.deepEqual(problems, ["no lab graded here has the setting upload_byte"]);

  const run = await gradeLabs(labSelection("client-server,async-server"), {
    settings: { upload_bytes: 1 << 20 },
    only: ["build"],
  });
  const reports = run.reports as GradeReport[];
  assert.deepEqual(reports.map((r) => [r.lab, r.checks.map((c) => c.status)]), [
    ["client-server", ["pass"]],
    ["async-server", ["pass"]],
  ]);
});
