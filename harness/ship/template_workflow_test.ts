/**
 * From an empty directory to a graded push: the package packed with npm and
 * served from 127.0.0.1 as a tarball URL, `socklab template` pointed at that
 * URL, and the template's workflow run step by step as written, through the
 * classroom reporter's arithmetic. Graded: the async-server lab's
 * sequential-server fixture (a partial score, beside advice checks), so that
 * every figure is tested on a partial score.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { labPaths, REPO_ROOT } from "../config/labs.ts";
import { loadTaskConfig } from "../engine/task_config.ts";
import { reporterFigures, reporterInput, run, runWorkflow, serveDirectory } from "./testing_workflow.ts";
import { WORKFLOW_PATH } from "./template.ts";

const LAB = "async-server";
const FIXTURE = join(REPO_ROOT, "fixtures", LAB, "sequential-server");

Deno.test("template end to end: npm pack, a tarball URL on 127.0.0.1, socklab template, the workflow's steps as written, the reporter's Points equal socklab's score", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-template-e2e-" });
  await Deno.chmod(dir, 0o755);
  const server = await serveDirectory(dir);
  try {
    const pack = await run("npm", ["pack", "--json", "--pack-destination", dir], REPO_ROOT);
    assert.equal(pack.code, 0, pack.stderr);
    const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[];
    const url = `http://127.0.0.1:${server.port}/${filename}`;

    // The instructor's side: the package installed from the URL, as the README says.
    const instructor = join(dir, "instructor");
    await Deno.mkdir(instructor);
    await Deno.writeTextFile(
      join(instructor, "package.json"),
      '{ "private": true, "allowScripts": { "deno": true } }',
    );
    const home = join(dir, "home");
    await Deno.mkdir(home, { mode: 0o755 });
    const offline = { npm_config_prefer_offline: "true", SOCKLAB_HOME: home };
    const install = await run("npm", ["install", "--no-audit", "--no-fund", url], instructor, offline);
    assert.equal(install.code, 0, install.stderr);

    const refused = await run(
      "npx",
      ["--offline", "socklab", "template", LAB, "refused"],
      instructor,
      offline,
    );
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /needs the grader's published package/);
    const local = await run(
      "npx",
      ["--offline", "socklab", "template", LAB, "local", "--package", join(dir, filename)],
      instructor,
      offline,
    );
    assert.equal(local.code, 2);
    assert.match(local.stderr, /is a path on this machine/);

    const template = join(dir, "T");
    const made = await run(
      "npx",
      ["--offline", "socklab", "template", LAB, template, "--package", url],
      instructor,
      offline,
    );
    assert.equal(made.code, 0, made.stderr);

    // The student's push: their server and client in the template's place.
    for (const file of ["server.c", "client.c", "Makefile"]) {
      await Deno.copyFile(join(FIXTURE, file), join(template, file));
    }
    const workflow = await Deno.readTextFile(join(template, WORKFLOW_PATH));
    const scratch = join(dir, "runner");
    const result = await runWorkflow(workflow, {
      workspace: template,
      scratch,
      env: { ...offline, SOCKLAB_CACHE: Deno.env.get("SOCKLAB_CACHE") ?? "", NO_COLOR: "1" },
    });
    const grade = result.steps.find((step) => step.name === "Grade")!;
    const scoreLine = /Score: (\d+)\/(\d+) \((\d+)\/(\d+) checks passed/.exec(grade.log);
    assert.ok(scoreLine, grade.log);
    const [score, max] = [Number(scoreLine[1]), Number(scoreLine[2])];
    // The maximum is task.yaml's; the score is socklab's own, whatever the fixture's verdicts are today.
    const task = await loadTaskConfig(labPaths(LAB).taskYaml);
    const scored = task.checks.filter((check) => !(check.advice && check.points === 0));
    assert.equal(max, task.checks.reduce((total, check) => total + check.points, 0));
    assert.ok(score < max, "a partial score");

    const [passed, checks] = [Number(scoreLine[3]), Number(scoreLine[4])];
    assert.equal(checks, scored.length);
    assert.ok(passed < checks);
    const figures = reporterFigures(reporterInput(result.reporterRunners, result.reporterEnv));
    // Every figure the reporter prints: Points (what Classroom records), the table's total, the tests passed.
    assert.deepEqual(figures.points, { total: score, max });
    assert.deepEqual(figures.tableTotal, { score, max });
    assert.deepEqual(figures.grandTotal, { passed, tests: checks });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
