/**
 * `socklab gradescope`: the zip holds what Gradescope runs, and its
 * run_autograder, run against a fake /autograder tree (AUTOGRADER_ROOT) as
 * Docker's default profile leaves root (no CAP_SYS_ADMIN, no namespaces:
 * the grader falls back to the host, student code as a uid of its own),
 * writes a results.json for a good, a buggy and an empty submission, and
 * one a forger cannot change.
 */

import assert from "node:assert/strict";
import { gradescopeEntries, NODE_VERSION } from "./gradescope_bundle.ts";
import { dirname, join } from "node:path";
import { unzipSync } from "fflate";
import type { GradescopeResults } from "../formats/gradescope.ts";
import { labPaths, REPO_ROOT } from "../config/labs.ts";
import { loadTaskConfig } from "../engine/task_config.ts";
import { parseTaskFile } from "../config/task_file.ts";
import { runShipCli } from "./testing_ship.ts";
import { dockerProfilePrefix } from "../sandbox/testing_docker.ts";

const LAB = "client-server";
const BUGGY = join(REPO_ROOT, "fixtures", LAB, "server-wrong-exit-status");
const MAX = (await loadTaskConfig(labPaths(LAB).taskYaml)).checks.reduce((sum, c) => sum + c.points, 0);
const FORGER = join(REPO_ROOT, "fixtures", "hostile", "results-forger");
/** Gradescope's container, emulated where the test runs as root; elsewhere run_autograder runs as it is. */
const DOCKER = await dockerProfilePrefix() ?? [];

/** Unpacks the zip as Gradescope does, into `root/source`, keeping the files' modes. */
async function unpack(zip: string, root: string): Promise<Record<string, Uint8Array>> {
  const entries = unzipSync(await Deno.readFile(zip));
  for (const [path, data] of Object.entries(entries)) {
    const target = join(root, "source", path);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.writeFile(target, data);
  }
  return entries;
}

async function runAutograder(root: string, cache: string, submission?: string): Promise<GradescopeResults> {
  await Deno.remove(join(root, "submission"), { recursive: true }).catch(() => {});
  await Deno.remove(join(root, "results"), { recursive: true }).catch(() => {});
  await Deno.mkdir(join(root, "submission"));
  if (submission) {
    for (const entry of Deno.readDirSync(submission)) {
      if (entry.isFile) {
        await Deno.copyFile(join(submission, entry.name), join(root, "submission", entry.name));
      }
    }
  }
  const argv = [...DOCKER, "bash", join(root, "source", "run_autograder")];
  const run = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { AUTOGRADER_ROOT: root, SOCKLAB_CACHE: cache, NO_COLOR: "1", GITHUB_ACTIONS: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
  assert.equal(run.code, 0, log);
  return JSON.parse(await Deno.readTextFile(join(root, "results", "results.json")));
}

Deno.test("gradescope zip: run_autograder grades a good, a buggy and an empty submission into results.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-gradescope-" });
  try {
    const zip = join(dir, "autograder.zip");
    const made = await runShipCli(["gradescope", LAB, zip]);
    assert.equal(made.code, 0, made.stderr);
    const root = join(dir, "autograder");
    const entries = await unpack(zip, root);
    const names = Object.keys(entries);
    assert.ok(
      names.includes("setup.sh") && names.includes("run_autograder"),
      "both scripts at the zip's root",
    );
    assert.ok(names.includes(`socklab/graders/${LAB}.ts`) && names.includes("socklab/bin/socklab.cjs"));
    assert.ok(
      !names.some((name) => /fixtures\/|_test\.ts$|testing[^/]*\.ts$|\.grade-cache/.test(name)),
      names.join("\n"),
    );
    const syntax = await new Deno.Command("bash", { args: ["-n", join(root, "source", "setup.sh")] })
      .output();
    assert.ok(syntax.success, "setup.sh parses");

    // The task in the zip keeps the points and fits the default container.
    const task = parseTaskFile(
      new TextDecoder().decode(entries[`socklab/tasks/${LAB}/task.yaml`]),
      "task.yaml",
    );
    assert.equal(task.checks.reduce((sum, c) => sum + c.points, 0), MAX);
    assert.ok(task.limits.memory_mb <= 512);

    // setup.sh installs the dependencies on Gradescope; here they are this checkout's.
    await Deno.symlink(join(REPO_ROOT, "node_modules"), join(root, "source", "socklab", "node_modules"));
    const cache = join(dir, "cache");

    const good = await runAutograder(root, cache, join(REPO_ROOT, "reference", LAB, "c"));
    assert.equal(good.score, MAX, JSON.stringify(good.tests.filter((t) => t.status !== "passed"), null, 2));
    assert.ok(good.tests.every((t) => t.status === "passed"));

    const buggy = await runAutograder(root, cache, BUGGY);
    assert.ok(buggy.score > 0 && buggy.score < MAX, `buggy scored ${buggy.score}`);
    const failed = buggy.tests.filter((t) => t.status === "failed").map((t) => t.tags[1]).sort();
    assert.deepEqual(failed, ["server-exits-when-client-leaves", "server-with-python-client"]);

    const empty = await runAutograder(root, cache);
    assert.equal(empty.score, 0);
    assert.equal(empty.tests.length, good.tests.length);
    assert.equal(empty.tests.reduce((sum, t) => sum + t.max_score, 0), MAX);
    assert.ok(empty.tests.every((t) => t.status === "failed" && t.score === 0));
    assert.match(empty.tests.find((t) => t.tags.includes("build"))!.output, /is empty/);

    if (DOCKER.length > 0) {
      assert.match(good.extra_data.labs[0].isolation, /^host \(student code as uid \d+\)$/);
      // It looks for results/ directories and rewrites what it finds, at build and run time, and from a daemon.
      await Deno.chmod(dir, 0o755); // as /autograder's parent is: the forger finds results/
      const forged = await runAutograder(root, cache, FORGER);
      assert.ok(forged.score < MAX / 2 && forged.tests.length === good.tests.length, JSON.stringify(forged));
      const said = JSON.stringify(forged);
      assert.ok(
        said.includes(join(root, "results", "results.json")),
        `the forger did not find results/: ${said}`,
      );
      assert.doesNotMatch(said, /(forged|replaced) \S*results\.json/);
      assert.equal((await Deno.stat(join(root, "results"))).mode! & 0o777, 0o755);
      assert.equal((await Deno.stat(join(root, "source"))).mode! & 0o777, 0o700);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gradescope zip: setup.sh pins Node exactly, installs from the lockfile, and builds every reusable file into the image", async () => {
  const entries = await gradescopeEntries("client-server");
  const setup = new TextDecoder().decode(entries["setup.sh"].data);
  assert.match(NODE_VERSION, /^\d+\.\d+\.\d+$/);
  assert.ok(setup.includes(`https://nodejs.org/dist/v${NODE_VERSION}`), "an exact version");
  assert.ok(!/latest/.test(setup), "no moving 'latest'");
  assert.ok(entries["socklab/package-lock.json"], "the lockfile npm ci installs from");
  assert.match(setup, /npm ci --omit=dev/);
  assert.match(
    setup,
    /grade client-server --reference c --jobs 1 --quiet \|\| status=\$\?/,
    "a whole grading warms the cache",
  );
});
