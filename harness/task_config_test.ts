import assert from "node:assert/strict";
import { z } from "zod";
import { BUILD_TITLE, check, defineGrader } from "./grader.ts";
import type { Grader } from "./grader.ts";
import { knownLabs, labPaths } from "./labs.ts";
import { joinTask, LabConfigError, loadTaskConfig } from "./task_config.ts";
import { parseTaskFile } from "./task_file.ts";

const noop = async () => {};

/** Declared at a known line of this file, for the locations in errors. */
const GRADER = defineGrader({
  lab: "demo",
  settings: { clients: z.number().int().positive().default(10), label: z.string().optional() },
  checks: {
    talks: check({ title: "Talks", run: noop }),
    listens: check({ title: "Listens", needs: ["talks"], advice: true, run: noop }),
  },
}) as Grader;

const TASK = `lab: demo
title: Demo
settings:
  clients: 20
checks:
  - id: build
    points: 1
    hint: fix the first error
  - id: talks
    points: 2
  - id: listens
    points: 0
`;

/** Joins `text` with `grader`; the problems, one a line, or the task. */
function join(text: string, grader: Grader = GRADER, overrides: Record<string, unknown> = {}) {
  try {
    return joinTask(parseTaskFile(text, "task.yaml"), "task.yaml", grader, "demo.ts", overrides);
  } catch (error) {
    assert.ok(error instanceof LabConfigError, String(error));
    return error.problems.join("\n");
  }
}

Deno.test("task.yaml and the grader join: titles, needs (after the build), advice, points, settings", () => {
  const task = join(TASK);
  assert.ok(typeof task !== "string", task as string);
  assert.deepEqual(task.checks.map((c) => [c.id, c.title, c.points, c.needs, c.advice]), [
    ["build", BUILD_TITLE, 1, [], false],
    ["talks", "Talks", 2, ["build"], false],
    ["listens", "Listens", 0, ["build", "talks"], true],
  ]);
  assert.equal(task.checks[0].hint, "fix the first error");
  assert.deepEqual(task.settings, { clients: 20 });
  const overridden = join(TASK, GRADER, { clients: 3 });
  assert.ok(typeof overridden !== "string");
  assert.deepEqual(overridden.settings, { clients: 3 });
});

Deno.test("a check of task.yaml the grader does not declare is refused where task.yaml names it", () => {
  assert.match(
    join(TASK.replace("id: listens", "id: listen")) as string,
    /^task\.yaml:11:9: checks\.2\.id: 'listen' is not a check of demo\.ts; its checks are: talks, listens$/m,
  );
});

Deno.test("a declared check task.yaml does not list is refused where the grader declares it", () => {
  const text = TASK.replace("  - id: listens\n    points: 0\n", "");
  assert.match(
    join(text) as string,
    /task_config_test\.ts:17:\d+: check 'listens' has no entry in task\.yaml:6:3; give it its points there/,
  );
});

Deno.test("a misspelt or mistyped setting is refused, at its line in task.yaml or as the --set that gave it", () => {
  assert.match(
    join(TASK.replace("clients: 20", "client: 20")) as string,
    /^task\.yaml:4:11: settings\.client: demo has no setting 'client'; its settings are: clients, label$/m,
  );
  assert.match(
    join(TASK.replace("clients: 20", "clients: many")) as string,
    /^task\.yaml:4:12: settings\.clients: /m,
  );
  assert.match(
    join(TASK, GRADER, { clinets: 5 }) as string,
    /^--set clinets=5: demo has no setting 'clinets'/m,
  );
  assert.match(join(TASK, GRADER, { clients: -1 }) as string, /^--set clients=-1: .*>0/m);
});

Deno.test("dependencies on no check, and cycles of them, are refused where the grader declares them", () => {
  const grader = (needs: Record<string, string[]>) =>
    defineGrader({
      lab: "demo",
      checks: Object.fromEntries(
        Object.entries(needs).map(([id, on]) => [id, check({ title: id, needs: on, run: noop })]),
      ),
    }) as Grader;
  const text = (ids: string[]) =>
    `lab: demo\ntitle: D\nchecks:\n${ids.map((id) => `  - {id: ${id}, points: 1}\n`).join("")}`;
  assert.match(
    join(text(["a"]), grader({ a: ["nothing"] })) as string,
    /: check 'a' needs 'nothing', which is no check/,
  );
  assert.match(
    join(text(["a", "b", "c"]), grader({ a: ["b"], b: ["c"], c: ["a"] })) as string,
    /task_config_test\.ts:\d+:\d+: checks that need each other can never run: a → b → c → a/,
  );
  // A dependency on a check listed later is kept (the grading waits for it).
  const later = join(text(["a", "b"]), grader({ a: ["b"], b: [] }));
  assert.ok(typeof later !== "string");
  assert.deepEqual(later.checks[0].needs, ["build", "b"]);
});

Deno.test("every lab's task.yaml and grader fit together", async () => {
  for (const lab of knownLabs()) {
    const task = await loadTaskConfig(labPaths(lab).taskYaml);
    assert.ok(task.checks.every((c) => c.title.length > 0), lab);
  }
});
