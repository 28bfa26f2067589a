import assert from "node:assert/strict";
import { parseTaskFile, TaskConfigError } from "./task_file.ts";

const VALID = `lab: demo
title: Demo
checks:
  - id: build
    points: 1
  - id: talks
    points: 2
    hint: say hello
`;

/** The problems a text gives, one a line, or "" when it parses. */
function problems(text: string): string {
  try {
    parseTaskFile(text, "t.yaml");
  } catch (error) {
    return (error as TaskConfigError).problems.join("\n");
  }
  return "";
}

Deno.test("a valid task.yaml gets its defaults filled in", () => {
  const task = parseTaskFile(VALID, "task.yaml");
  assert.equal(task.port, 5000);
  assert.equal(task.limits.step_timeout_ms, 3000);
  assert.equal(task.checks[1].hint, "say hello");
  assert.equal(task.locate(["checks", 1, "points"]), "7:13");
});

Deno.test("a YAML syntax error names file, line and column", () => {
  assert.throws(
    () => parseTaskFile("lab: demo\ntitle: [unclosed\n", "t.yaml"),
    (error: unknown) => error instanceof TaskConfigError && /^t\.yaml:\d+:\d+: /.test(error.message),
  );
});

Deno.test("a schema error points at the offending value", () => {
  const text = VALID.replace("points: 2", "points: lots");
  assert.throws(
    () => parseTaskFile(text, "task.yaml"),
    (error: unknown) =>
      error instanceof TaskConfigError && error.message.startsWith("task.yaml:7:13: checks.1.points:"),
  );
});

Deno.test("unknown keys and duplicate ids are rejected", () => {
  assert.match(problems(VALID.replace("points: 2", "points: 2\n    pionts: 3")), /Unrecognized key/);
  assert.match(problems(VALID.replace("id: talks", "id: build")), /duplicate check id 'build'/);
});

Deno.test("what the grader declares (title, needs, advice) is refused here, with where it goes", () => {
  for (const key of ["title: Talks", "needs: [build]", "advice: true"]) {
    assert.match(
      problems(VALID.replace("points: 2", `points: 2\n    ${key}`)),
      /^8:\d+: checks\.1\.\w+: .*graders\/<lab>\.ts/,
      key,
    );
  }
});
