/**
 * The commands of the README and of a template's README, run as written
 * (read from their fenced `sh` blocks): in this checkout, in an installed
 * package (npm pack, then npm install of the tarball into an empty
 * directory, offline from npm's cache) and in a student repository made by
 * `socklab template`. A `Score: …` the README shows beside a command is
 * what the command must print.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { labPaths, REPO_ROOT } from "../config/labs.ts";
import { loadTaskConfig } from "../engine/task_config.ts";
import { run, serveDirectory } from "./testing_workflow.ts";

/**
 * The command lines of the fenced `sh` blocks of a Markdown text, each with
 * the comment after it.
 */
function shellCommands(markdown: string): { command: string; comment: string }[] {
  const commands: { command: string; comment: string }[] = [];
  let inBlock = false;
  for (const line of markdown.split("\n")) {
    if (/^```sh\s*$/.test(line)) inBlock = true;
    else if (/^```/.test(line)) inBlock = false;
    else if (inBlock && line.trim() !== "") {
      const at = line.search(/\s#\s/);
      commands.push({
        command: (at < 0 ? line : line.slice(0, at)).trim(),
        comment: at < 0 ? "" : line.slice(at).replace(/^\s*#\s*/, ""),
      });
    }
  }
  return commands;
}

/**
 * Why a README command is not run here, or undefined when it is: each is
 * run elsewhere (npm ci by CI, the test suite by CI) or names a directory
 * of the reader's own.
 */
function notRunHere(command: string): string | undefined {
  if (command === "npm ci") return "this checkout is installed already";
  if (/deno task test/.test(command)) return "the whole suite is the lead's to run";
  if (/~\/|submissions\/|grades-\d/.test(command)) return "names a directory of the reader's own";
  if (/--submission \./.test(command)) return "run in a student repository below";
  if (command === "npm install") return "run in a student repository below";
  return undefined;
}

const SCORE = /Score: (\d+)\/(\d+) \((\d+)\/(\d+) checks passed\)/;

/** Runs `command` with bash in `cwd`; the score it prints must be the one `comment` shows, if any. */
async function runAsWritten(command: string, comment: string, cwd: string, env: Record<string, string>) {
  const started = performance.now();
  const result = await run("bash", ["-c", command], cwd, env);
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s  ${command} (${cwd})`);
  assert.equal(result.code, 0, `${command} in ${cwd}:\n${result.stdout}${result.stderr}`);
  const shown = SCORE.exec(comment);
  if (shown) assert.equal(SCORE.exec(result.stdout)?.[0], shown[0], `${command} in ${cwd}`);
  return result;
}

Deno.test("README commands: as written, in this checkout, in an installed package and in a student repository", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-readme-" });
  await Deno.chmod(dir, 0o755);
  const server = await serveDirectory(dir);
  try {
    const home = join(dir, "home");
    await Deno.mkdir(home, { mode: 0o755 });
    const env = {
      npm_config_prefer_offline: "true",
      SOCKLAB_HOME: home,
      ...(Deno.env.get("SOCKLAB_CACHE") ? { SOCKLAB_CACHE: Deno.env.get("SOCKLAB_CACHE")! } : {}),
    };
    const pack = await run("npm", ["pack", "--json", "--pack-destination", dir], REPO_ROOT);
    assert.equal(pack.code, 0, pack.stderr);
    const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[];
    const installed = join(dir, "installed");
    await Deno.mkdir(installed);
    const install = await run(
      "npm",
      ["install", "--no-audit", "--no-fund", join(dir, filename)],
      installed,
      env,
    );
    assert.equal(install.code, 0, install.stderr);

    const readme = shellCommands(await Deno.readTextFile(join(REPO_ROOT, "README.md")));
    const ran: string[] = [];
    for (const { command, comment } of readme) {
      if (notRunHere(command)) continue;
      assert.match(command, /^npx socklab /, "the README's commands are socklab's");
      // Template and zip commands write beside the directory they run in: one place is enough.
      const places = /socklab grade /.test(command) ? [REPO_ROOT, installed] : [installed];
      for (const cwd of places) await runAsWritten(command, comment, cwd, env);
      ran.push(command);
    }
    assert.ok(ran.some((command) => /grade client-server --reference c/.test(command)), ran.join("\n"));
    assert.ok(ran.some((command) => /socklab template/.test(command)), ran.join("\n"));

    // The installed package's help texts name the command an installed package has.
    for (const command of ["grade", "grade-all", "merge-grades", "template"]) {
      const help = await run("npx", ["--offline", "socklab", command, "--help"], installed, env);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`Usage: socklab ${command}`));
      assert.ok(!/deno task/.test(help.stdout.replace(/\(in a checkout[^)]*\)/g, "")), `${command} --help`);
    }
    const wrongReference = await run(
      "npx",
      ["--offline", "socklab", "grade", "client-server", "--reference", "java"],
      installed,
      env,
    );
    assert.equal(wrongReference.code, 2);
    assert.match(wrongReference.stderr, /c or python/);

    // A student repository: the template README's commands, and the README's Students commands.
    const lab = "client-server";
    const task = await loadTaskConfig(labPaths(lab).taskYaml);
    const labMaximum = task.checks.reduce((sum, check) => sum + check.points, 0);
    const student = join(dir, "student");
    const url = `http://127.0.0.1:${server.port}/${filename}`;
    const made = await run(
      "npx",
      ["--offline", "socklab", "template", lab, student, "--package", url],
      installed,
      env,
    );
    assert.equal(made.code, 0, made.stderr);
    const templateCommands = shellCommands(await Deno.readTextFile(join(student, "README.md")));
    assert.ok(
      templateCommands.some(({ command }) => /socklab grade client-server --submission \.$/.test(command)),
    );
    const studentCommands = [
      ...templateCommands,
      ...readme.filter(({ command }) => /--submission \.|^npm install$/.test(command)),
    ];
    assert.ok(studentCommands.some(({ command }) => command === "npm install"));
    for (const { command, comment } of studentCommands) {
      const result = await run("bash", ["-c", command], student, env);
      if (!/socklab grade/.test(command)) {
        assert.equal(result.code, 0, `${command}:\n${result.stderr}`);
        continue;
      }
      // The starter code fails checks (exit 1) but is graded: a score out of the lab's maximum.
      assert.ok(result.code <= 1, `${command}:\n${result.stdout}${result.stderr}`);
      const scored = SCORE.exec(result.stdout) ?? /Score: (\d+)\/(\d+)/.exec(result.stdout);
      assert.ok(scored, `${command}:\n${result.stdout}`);
      if (!/--only/.test(command)) assert.equal(Number(scored[2]), labMaximum, `${lab}'s maximum`);
      void comment;
    }
    // No student-facing file tells students to run deno task.
    for (const labName of ["client-server", "multiplexed-client-server", "async-server", "fork-server"]) {
      for (const entry of Deno.readDirSync(labPaths(labName).taskDir)) {
        if (entry.name === "task.yaml" || !entry.isFile) continue;
        const text = await Deno.readTextFile(join(labPaths(labName).taskDir, entry.name));
        assert.ok(!/deno task/.test(text), `${labName}/${entry.name} says deno task`);
      }
    }
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
