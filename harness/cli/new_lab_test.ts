/**
 * `deno task new-lab` scaffolds, in a copy of the repository (never this
 * one: every `tasks/*` folder is a lab to the other tests and to `grade
 * all`), a lab that passes `deno task check` and whose own tests pass.
 */

import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { knownLabs, REPO_ROOT } from "../config/labs.ts";
import { existingLabPaths, labNameProblem, NewLabError, scaffoldLab } from "./new_lab.ts";
import { EXAMPLE_CHECK, labFiles } from "./new_lab_files.ts";

/** A repository with the harness and no lab, in a temporary directory removed afterwards. */
async function withBareRepository(work: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "socklab-new-lab-" });
  try {
    await cp(join(REPO_ROOT, "harness"), join(root, "harness"), { recursive: true });
    for (const file of ["deno.json", "package.json"]) await cp(join(REPO_ROOT, file), join(root, file));
    await Deno.symlink(await Deno.realPath(join(REPO_ROOT, "node_modules")), join(root, "node_modules"));
    await Deno.mkdir(join(root, "tasks"));
    await work(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Runs `deno ARGS` in `cwd`; returns its exit status, its stdout, and all its output. */
async function deno(cwd: string, args: string[]): Promise<{ code: number; stdout: string; output: string }> {
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const stdout = decode(result.stdout);
  return { code: result.code, stdout, output: stdout + decode(result.stderr) };
}

Deno.test("new-lab: names are lowercase words joined by '-', and 'all' is taken", () => {
  for (const name of ["echo", "echo-server", "lab2", "http-1-0"]) {
    assert.equal(labNameProblem(name), undefined);
  }
  for (const name of ["", "Echo", "echo_server", "-echo", "echo-", "echo--server", "2echo", "a/b", "all"]) {
    assert.ok(labNameProblem(name), `'${name}' must be refused`);
  }
});

Deno.test("new-lab: refuses a lab that exists, in any of its folders, and writes nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "socklab-new-lab-" });
  try {
    await Deno.mkdir(join(root, "fixtures", "taken"), { recursive: true });
    await assert.rejects(scaffoldLab("taken", root), (error: Error) => {
      assert.ok(error instanceof NewLabError);
      assert.match(error.message, /the lab 'taken' exists already \(fixtures\/taken\)/);
      return true;
    });
    await assert.rejects(scaffoldLab("Not_A_Name", root), NewLabError);
    assert.deepEqual(existingLabPaths("taken", root), ["fixtures/taken"]);
    assert.deepEqual([...Deno.readDirSync(root)].map((entry) => entry.name), ["fixtures"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("new-lab: every lab of this repository is taken", () => {
  for (const lab of knownLabs()) assert.ok(existingLabPaths(lab).includes(`tasks/${lab}`));
});

Deno.test("new-lab: a scaffolded lab passes deno task check and its own tests", async () => {
  const labsBefore = knownLabs();
  await withBareRepository(async (root) => {
    // As an author runs it: the task's own (scoped) permissions, from the repository's root.
    const created = await deno(root, ["task", "new-lab", "echo-server"]);
    assert.equal(created.code, 0, created.output);
    assert.match(created.output, /Created the lab echo-server/);
    assert.match(created.output, /deno test --allow-all graders\/echo-server_test\.ts/);
    for (const file of labFiles("echo-server")) {
      assert.ok((await Deno.stat(join(root, file.path))).isFile, `${file.path} was not written`);
    }
    assert.deepEqual(knownLabs(root), ["echo-server"]);

    const again = await deno(root, ["task", "new-lab", "echo-server"]);
    assert.equal(again.code, 2);
    assert.match(again.output, /the lab 'echo-server' exists already/);

    const check = await deno(root, ["task", "check"]);
    assert.equal(check.code, 0, check.output);

    // Type-checked just above; the suite grades both references, both fixtures and the starter.
    const tests = await deno(root, ["test", "--allow-all", "--no-check", "graders/echo-server_test.ts"]);
    assert.equal(tests.code, 0, tests.output);
    assert.match(tests.output, /ok \| 5 passed \| 0 failed/);

    const starter = await deno(root, ["task", "grade", "echo-server", "--format", "json"]);
    const report = JSON.parse(starter.stdout);
    assert.deepEqual(
      report.checks.map((c: { id: string; status: string }) => `${c.id} ${c.status}`),
      ["build pass", `${EXAMPLE_CHECK} fail`],
    );
  });
  assert.deepEqual(knownLabs(), labsBefore, "this repository's labs must be as they were");
});
