import assert from "node:assert/strict";
import { parseTaskConfig, TaskConfigError } from "./task_config.ts";

const VALID = `lab: demo
title: Demo
checks:
  - id: build
    title: Builds
    points: 1
  - id: talks
    title: Talks
    points: 2
    needs: [build]
`;

Deno.test("a valid task.yaml gets its defaults filled in", () => {
  const task = parseTaskConfig(VALID, "task.yaml");
  assert.equal(task.port, 5000);
  assert.equal(task.limits.step_timeout_ms, 3000);
  assert.deepEqual(task.checks[1].needs, ["build"]);
});

Deno.test("a YAML syntax error names file, line and column", () => {
  assert.throws(
    () => parseTaskConfig("lab: demo\ntitle: [unclosed\n", "t.yaml"),
    (error: unknown) => error instanceof TaskConfigError && /^t\.yaml:\d+:\d+: /.test(error.message),
  );
});

Deno.test("a schema error points at the offending value", () => {
  const text = VALID.replace("points: 2", "points: lots");
  assert.throws(
    () => parseTaskConfig(text, "task.yaml"),
    (error: unknown) =>
      error instanceof TaskConfigError && error.message.startsWith("task.yaml:9:13: checks.1.points:"),
  );
});

Deno.test("unknown keys, duplicate ids and unknown needs are rejected", () => {
  const problems = (text: string) => {
    try {
      parseTaskConfig(text, "t.yaml");
    } catch (error) {
      return (error as TaskConfigError).problems.join("\n");
    }
    return "";
  };
  assert.match(problems(VALID.replace("title: Talks", "title: Talks\n    pionts: 3")), /Unrecognized key/);
  assert.match(problems(VALID.replace("id: talks", "id: build")), /duplicate check id 'build'/);
  assert.match(
    problems(VALID.replace("needs: [build]", "needs: [bild]")),
    /10:\d+: checks\.1\.needs\.0: 'bild' is not a check/,
  );
});
