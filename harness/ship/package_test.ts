/**
 * The npm package as an instructor or a workflow gets it: packed, installed
 * into an empty directory with npm, and run with `npx socklab`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { labPaths, REPO_ROOT } from "../config/labs.ts";
import { loadTaskConfig } from "../engine/task_config.ts";

async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", GITHUB_ACTIONS: "", npm_config_update_notifier: "false", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("npm package: packed small, installed with npm into an empty directory, npx socklab grades a reference to full marks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-package-" });
  try {
    const pack = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO_ROOT });
    assert.equal(pack.code, 0, pack.stderr);
    const [packed] = JSON.parse(pack.stdout) as {
      filename: string;
      size: number;
      files: { path: string }[];
    }[];
    const paths = packed.files.map((file) => file.path);
    for (
      const needed of ["bin/socklab.cjs", "deno.json", "harness/cli/grade.ts", "graders/client-server.ts"]
    ) {
      assert.ok(paths.includes(needed), `the package holds ${needed}`);
    }
    assert.ok(
      paths.includes("reference/client-server/c/server.c") && paths.includes("tasks/client-server/task.yaml"),
    );
    const strays = paths.filter((path) =>
      /^(fixtures|bench|examples|\.ci|\.grade-cache)\/|_test\.ts$|(^|\/)testing[^/]*\.ts$|\.o$/.test(path)
    );
    assert.deepEqual(strays, [], "no fixtures, benchmarks, tests or build cache");
    assert.ok(packed.size < 300_000, `the tarball is ${packed.size} bytes`);

    const app = join(dir, "app");
    await Deno.mkdir(app);
    // The local cache first (npm ci filled it): fast, and offline where it can be.
    const install = await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, packed.filename)],
      { cwd: app },
    );
    assert.equal(install.code, 0, install.stderr);

    const submission = join(dir, "submission");
    await Deno.mkdir(submission);
    for (const file of ["Makefile", "server.c", "client.c"]) {
      await Deno.copyFile(join(labPaths("client-server").referenceDir, "c", file), join(submission, file));
    }
    // SOCKLAB_HOME: the harness's copy outside node_modules goes here, not to the shared temporary directory.
    // Student code runs as another uid (the tests run as root) and loads helpers built under SOCKLAB_HOME.
    await Deno.chmod(dir, 0o755);
    await Deno.mkdir(join(dir, "home"), { mode: 0o755 });
    const grade = await run(
      "npx",
      ["--offline", "socklab", "grade", "client-server", "--submission", submission, "--format", "json"],
      { cwd: app, env: { SOCKLAB_HOME: join(dir, "home") } },
    );
    assert.equal(grade.code, 0, grade.stdout + grade.stderr);
    const report = JSON.parse(grade.stdout);
    const task = await loadTaskConfig(labPaths("client-server").taskYaml);
    assert.equal(report.score, task.checks.reduce((sum, check) => sum + check.points, 0));
    assert.equal(report.score, report.max_score);

    const version = await run("npx", ["--offline", "socklab", "--version"], { cwd: app });
    assert.equal(
      version.stdout.trim(),
      JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "package.json"))).version,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
