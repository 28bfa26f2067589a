/**
 * `socklab template`: a student repository holds what a student needs and
 * nothing of the instructor's, and its workflow installs a pinned grader.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { labPaths } from "../config/labs.ts";
import { runShipCli } from "./testing_ship.ts";
import { classifySpec, packageInfo } from "./package_info.ts";
import {
  CLASSROOM_REPORTER,
  classroomWorkflow,
  labRunners,
  WORKFLOW_PATH,
  writeStudentTemplate,
} from "./template.ts";

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  "continue-on-error"?: boolean;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

Deno.test("template: the student repository has the lab's README and starter code, and nothing of the instructor's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-template-" });
  try {
    const out = join(dir, "client-server-template");
    const run = await runShipCli(["template", "client-server", out, "--package", "socklab@1.2.3"]);
    assert.equal(run.code, 0, run.stderr);
    const files = listFiles(out).map((file) => relative(out, file)).sort();
    assert.deepEqual(files, [
      WORKFLOW_PATH,
      ".gitignore",
      "Makefile",
      "README.md",
      "client.c",
      "package.json",
      "server.c",
    ]);
    // Nothing of the answers, the graders or the points.
    for (const file of files) {
      assert.ok(!/task\.yaml|reference|graders?\b|\.ts$/.test(file), file);
      const text = await Deno.readTextFile(join(out, file));
      assert.ok(!/^\s*points:/m.test(text), `${file} holds points`);
    }
    const starter = labPaths("client-server").taskDir;
    assert.equal(
      await Deno.readTextFile(join(out, "server.c")),
      await Deno.readTextFile(join(starter, "server.c")),
    );
    assert.match(
      await Deno.readTextFile(join(out, "README.md")),
      /npx socklab grade client-server --submission \./,
    );
    assert.ok(!(await Deno.readTextFile(join(out, "README.md"))).includes("task.yaml"));
    assert.match(await Deno.readTextFile(join(out, ".gitignore")), /^node_modules\/$/m);

    const pkg = JSON.parse(await Deno.readTextFile(join(out, "package.json")));
    assert.equal(pkg.devDependencies[packageInfo().name], "1.2.3");
    assert.equal(pkg.allowScripts.deno, true);

    const workflow = parse(await Deno.readTextFile(join(out, WORKFLOW_PATH)));
    const job = Object.values(workflow.jobs)[0] as { env: Record<string, string>; steps: Step[] };
    assert.equal(job.env.LAB, "client-server");
    assert.equal(job.env.SOCKLAB_PACKAGE, "socklab@1.2.3");
    const reporter = job.steps.find((step) => step.uses?.includes("autograding-grading-reporter"))!;
    assert.equal(reporter.uses, "classroom-resources/autograding-grading-reporter@v1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("template workflow: installs the pinned package outside the repository, grades the repository root, one reporter runner per scored check", async () => {
  const runners = await labRunners("fork-server");
  const workflow = parse(classroomWorkflow("fork-server", "socklab@1.2.3", runners));
  const job = Object.values(workflow.jobs)[0] as { env: Record<string, string>; steps: Step[] };
  const install = job.steps.find((step) => step.run?.includes("npm install"))!;
  assert.match(install.run!, /cd "\$RUNNER_TEMP\/socklab"/, "not in the student's repository");
  assert.match(install.run!, /npm install .*"\$SOCKLAB_PACKAGE"/);
  assert.ok(!/npm ci/.test(install.run!), "never the student's own package.json");
  const grade = job.steps.find((step) => step.run?.includes(" grade "))!;
  assert.match(grade.run!, /\$RUNNER_TEMP\/socklab\/node_modules\/\.bin\/socklab" grade "\$LAB"/);
  assert.match(grade.run!, /--submission "\$GITHUB_WORKSPACE" --format classroom/);
  assert.equal(grade["continue-on-error"], true, "lost points must not skip the reporter");
  const reporter = job.steps.find((step) => step.uses === CLASSROOM_REPORTER)!;
  assert.equal(reporter.with!.runners, runners.join(","));
  assert.ok(
    runners.includes("build") && runners.every((runner) => /^[a-z0-9]+$/i.test(runner)),
    runners.join(),
  );
  // The reporter reads process.env[`${runner.trim().toUpperCase()}_RESULTS`].
  for (const runner of runners) {
    assert.equal(
      reporter.env![`${runner.toUpperCase()}_RESULTS`],
      `\${{ steps.${grade.id}.outputs.${runner} }}`,
    );
  }
  assert.ok(job.steps.indexOf(grade) < job.steps.indexOf(reporter));
  assert.equal(workflow.permissions.checks, "write", "the reporter updates the check run");
  for (const step of job.steps.filter((step) => step.uses)) {
    assert.match(
      step.uses!,
      /^(actions\/(checkout|setup-node)@v7|classroom-resources\/autograding-grading-reporter@v1)$/,
    );
  }
});

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

Deno.test("template: a spec is classified by npm's parser; one published version accepted, anything else refused with what to do", () => {
  const accepted: [string, string, string][] = [
    ["socklab@0.1.0", "registry-version", "0.1.0"],
    ["@course/socklab@2.0.0-rc.1", "registry-version", "2.0.0-rc.1"],
    [
      "https://example.org/releases/socklab-0.1.0.tgz",
      "tarball-url",
      "https://example.org/releases/socklab-0.1.0.tgz",
    ],
    [`github:course/socklab#${COMMIT}`, "git-commit", `github:course/socklab#${COMMIT}`],
    [
      `git+https://github.com/course/socklab.git#${COMMIT}`,
      "git-commit",
      `git+https://github.com/course/socklab.git#${COMMIT}`,
    ],
  ];
  for (const [spec, kind, dependency] of accepted) {
    assert.deepEqual(classifySpec(spec), { ok: true, kind, dependency }, spec);
  }
  const refused: [string, RegExp][] = [
    ["socklab", /names no version/],
    ["socklab@^0.1.0", /version range/],
    ["socklab@latest", /dist-tag/],
    ["./socklab-0.1.0.tgz", /path on this machine/],
    ["/srv/socklab-0.1.0.tgz", /path on this machine/],
    ["../socklab", /path on this machine/],
    ["file:socklab-0.1.0.tgz", /path on this machine/],
    ["github:course/socklab#main", /'#main', a branch, a tag or a short hash/],
    ["github:course/socklab#v0.1.0", /a branch, a tag or a short hash/],
    ["github:course/socklab#0123abc", /a branch, a tag or a short hash/],
    ["github:course/socklab", /no commit/],
    ["git+https://github.com/course/socklab.git#semver:^1", /semver range/],
    ["socklab@npm:other@1.0.0", /alias/],
  ];
  for (const [spec, reason] of refused) {
    const verdict = classifySpec(spec);
    assert.equal(verdict.ok, false, spec);
    if (!verdict.ok) {
      assert.match(verdict.reason, reason, spec);
      assert.match(verdict.reason, /give --package one of/, "says what to do");
    }
  }
});

Deno.test("template: no spec, an unpinned one, an unknown lab or a directory in use is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-template-" });
  try {
    await assert.rejects(
      writeStudentTemplate("client-server", join(dir, "a")),
      /needs the grader's published package/,
    );
    await assert.rejects(
      writeStudentTemplate("client-server", join(dir, "a"), { packageSpec: "socklab@^0.1.0" }),
      /version range/,
    );
    await assert.rejects(
      writeStudentTemplate("client-server", join(dir, "a"), { packageSpec: "github:course/socklab#main" }),
      /branch/,
    );
    const spec = { packageSpec: "socklab@1.2.3" };
    await assert.rejects(writeStudentTemplate("nope", join(dir, "b"), spec), /unknown lab 'nope'/);
    await Deno.writeTextFile(join(dir, "something"), "");
    await assert.rejects(writeStudentTemplate("client-server", dir, spec), /is not empty/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
