import assert from "node:assert/strict";
import { z } from "zod";
import { BUILD_TITLE, check, defineGrader } from "../check/grader.ts";
import type { Grader } from "../check/grader.ts";
import { knownLabs, labPaths } from "../config/labs.ts";
import { joinTask, LabConfigError, loadTaskConfig } from "./task_config.ts";
import { parseTaskFile } from "../config/task_file.ts";
import { runGradeCli } from "../testing.ts";

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
  const source = Deno.readTextFileSync(new URL(import.meta.url)).split("\n");
  const line = source.findIndex((l) => l.includes("listens: check({")) + 1;
  assert.match(
    join(text) as string,
    new RegExp(
      `task_config_test\\.ts:${line}:\\d+: check 'listens' has no entry in task\\.yaml:6:3; give it its points there`,
    ),
  );
});

Deno.test("a check disabled in task.yaml is not run nor reported; what needs it runs; the build cannot be", () => {
  const task = join(
    TASK.replace("  - id: talks\n    points: 2\n", "  - id: talks\n    points: 2\n    enabled: false\n"),
  );
  assert.ok(typeof task !== "string", task as string);
  assert.deepEqual(task.checks.map((c) => c.id), ["build", "listens"]);
  assert.match(
    join(TASK.replace("    hint: fix the first error\n", "    enabled: false\n")) as string,
    /^task\.yaml:8:14: the build cannot be disabled: every check needs it$/m,
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

Deno.test("a misspelt --set is a setup error: exit status 2, the reason in the report", async () => {
  const run = await runGradeCli(["fork-server", "--set", "crowd_size=5", "--format", "json"]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--set crowd_size=5: fork-server has no setting 'crowd_size'; it has no settings/);
  const report = JSON.parse(run.stdout);
  assert.match(report.not_graded, /no setting 'crowd_size'/);
  assert.ok(report.checks.length > 1, "the fallback report lists every check of the lab");
});
