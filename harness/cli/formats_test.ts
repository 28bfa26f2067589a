/**
 * The report formats and CI integration as a user meets them: the grade
 * command run as a subprocess, GitHub's files pointed at temp files, a
 * terminal made with `script` (util-linux) where colour is at stake.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeBase64 } from "../formats/classroom.ts";
import type { ClassroomResult } from "../formats/classroom.ts";
import { knownLabs, labPaths, REPO_ROOT } from "../config/labs.ts";
import { gradeCommand } from "../config/self.ts";
import { loadTaskConfig } from "../engine/task_config.ts";
import { runGradeCli } from "../testing.ts";

const ESC = "\x1b";
// One check that passes and one that fails, in well under a second.
const ONE_FAILURE = [
  "client-server",
  "--submission",
  "fixtures/client-server/server-wrong-exit-status",
  "--only",
  "build,server-exits-when-client-leaves",
];
// Whatever the machine running the tests says about GitHub stays out.
const NOT_GITHUB = { GITHUB_ACTIONS: "", GITHUB_OUTPUT: "", GITHUB_STEP_SUMMARY: "", SOCKLAB_GITHUB: "" };

async function withTempDir(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "socklab-cli-formats-" });
  try {
    await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("grade under GitHub Actions: classroom payload in GITHUB_OUTPUT, ::error after the report, summary appended", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "output");
    const summary = join(dir, "summary");
    await Deno.writeTextFile(output, "earlier=1\n");
    await Deno.writeTextFile(summary, "earlier step\n");
    const run = await runGradeCli([...ONE_FAILURE, "--format", "classroom"], {
      ...NOT_GITHUB,
      GITHUB_ACTIONS: "true",
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
    });
    assert.equal(run.code, 1, run.stderr);

    const lines = (await Deno.readTextFile(output)).split("\n");
    assert.equal(lines[0], "earlier=1", "GITHUB_OUTPUT is appended to");
    assert.match(lines[1], /^result=[A-Za-z0-9+/]+=*$/);
    const payload = JSON.parse(decodeBase64(lines[1].slice("result=".length))) as ClassroomResult;
    assert.equal(payload.version, 1);
    assert.equal(payload.status, "fail");
    assert.equal(payload.max_score, 3);
    assert.deepEqual(payload.tests.map((t) => [t.status, t.score]), [["pass", 1], ["fail", 0]]);

    // The text report for people is fenced; the annotations follow it on the same stream.
    const printed = run.stdout.trimEnd().split("\n");
    const token = printed[0].match(/^::stop-commands::([0-9a-f]{32})$/)![1];
    const end = printed.indexOf(`::${token}::`);
    assert.ok(end > 0, run.stdout);
    const annotations = printed.slice(end + 1);
    assert.equal(annotations.length, 1, run.stdout);
    assert.match(
      annotations[0],
      /^::error title=Your server exits 0 \(without spinning\) when its client disconnects::expected the server to exit with status 0 .*%0AHint: /,
    );
    assert.ok(!run.stderr.includes("::"), "standard error carries no workflow commands");

    const markdown = await Deno.readTextFile(summary);
    assert.match(markdown, /^earlier step\n### client-server: 1\/3 points\n/);
    assert.match(
      markdown,
      /\| ❌ \| Your server exits 0 \(without spinning\) when its client disconnects \| 0\/2 \|/,
    );

    assert.match(run.stdout, /Score: 1\/3/, "the log shows people the text report");
    assert.ok(!run.stdout.includes(ESC));
  });
});

Deno.test("grade --format json under GitHub Actions: standard output is exactly the JSON report", async () => {
  await withTempDir(async (dir) => {
    const run = await runGradeCli([...ONE_FAILURE, "--format", "json"], {
      ...NOT_GITHUB,
      GITHUB_ACTIONS: "true",
      GITHUB_STEP_SUMMARY: join(dir, "summary"),
    });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(JSON.parse(run.stdout).score, 1);
    assert.match(run.stderr, /^::error title=/m);
  });
});

Deno.test("grade: outside GitHub Actions there are no workflow commands and no summary", async () => {
  const run = await runGradeCli([...ONE_FAILURE, "--format", "junit"], NOT_GITHUB);
  assert.equal(run.code, 1, run.stderr);
  assert.ok(!run.stderr.includes("::error"));
  assert.match(run.stdout, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
});

Deno.test("grade: no colour codes and no progress when standard output is not a terminal, even without NO_COLOR", async () => {
  const run = await runGradeCli(ONE_FAILURE, { ...NOT_GITHUB, NO_COLOR: "" });
  assert.equal(run.code, 1, run.stderr);
  assert.ok(!run.stdout.includes(ESC), "no escape sequences in piped output");
  assert.match(run.stdout, /^client-server: /, "the report starts at once, without progress lines");
});

Deno.test("grade --quiet prints only the final score line", async () => {
  const run = await runGradeCli([...ONE_FAILURE, "--quiet"], NOT_GITHUB);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /^Score: 1\/3 \(1\/2 checks passed\) in \d+\.\d s\n$/);
});

/** Runs the grade command with a terminal as its standard output. */
async function gradeOnTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const command = [...await gradeCommand(), ...args].map(quote).join(" ");
  const output = await new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd: REPO_ROOT,
    env: { ...NOT_GITHUB, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout);
}

const hasScript = (() => {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "grade on a terminal: colour and a progress line per check; NO_COLOR turns the colour off",
  ignore: !hasScript,
  fn: async () => {
    const coloured = await gradeOnTerminal(ONE_FAILURE, { NO_COLOR: "" });
    assert.ok(coloured.includes(`${ESC}[31m✗${ESC}[0m`), coloured);
    const plain = await gradeOnTerminal(ONE_FAILURE, { NO_COLOR: "1" });
    assert.ok(!plain.includes(ESC), plain);
    for (const screen of [coloured, plain]) {
      const text = screen.replaceAll(ESC, "").replace(/\[[0-9;]*m/g, "").replace(/\r/g, "");
      assert.match(text, /^✓ build {2}1\/1 {2}\d+\.\d s$/m, "a progress line as build finished");
      assert.match(text, /^✗ server-exits-when-client-leaves {2}0\/2 {2}\d+\.\d s$/m);
      assert.match(text, /Score: 1\/3/);
    }
  },
});

Deno.test("grade all: every lab reported on its own, the points summed", async () => {
  const run = await runGradeCli(["all", "--only", "build", "--format", "json"], NOT_GITHUB);
  assert.ok(run.code === 0 || run.code === 1, `${run.code}: ${run.stderr}`);
  const json = JSON.parse(run.stdout);
  assert.deepEqual(json.labs.map((report: { lab: string }) => report.lab), knownLabs());
  for (const report of json.labs) assert.deepEqual(report.checks.map((c: { id: string }) => c.id), ["build"]);
  assert.equal(json.score, json.labs.reduce((sum: number, r: { score: number }) => sum + r.score, 0));
  assert.equal(
    json.max_score,
    json.labs.reduce((sum: number, r: { max_score: number }) => sum + r.max_score, 0),
  );
});

Deno.test("grade all --submission DIR: a lab missing from DIR scores 0 of its points, exit status 2", async () => {
  await withTempDir(async (dir) => {
    const run = await runGradeCli(
      ["all", "--submission", dir, "--only", "build", "--format", "classroom"],
      NOT_GITHUB,
    );
    assert.equal(run.code, 2, run.stderr);
    const payload = JSON.parse(run.stdout) as ClassroomResult;
    const labs = knownLabs();
    assert.equal(payload.tests.length, labs.length);
    assert.ok(payload.tests.every((t) => t.status === "error" && t.score === 0));
    let buildPoints = 0;
    for (const lab of labs) {
      buildPoints += (await loadTaskConfig(labPaths(lab).taskYaml)).checks.find((c) =>
        c.id === "build"
      )!.points;
      assert.match(run.stderr, new RegExp(`grade: ${lab}: the submission directory .*${lab} does not exist`));
    }
    assert.equal(
      payload.max_score,
      buildPoints,
      "max_score keeps the points of labs that could not be graded",
    );
    assert.ok(payload.tests.every((t) => t.name.includes(": ")), "names carry the lab");
  });
});
