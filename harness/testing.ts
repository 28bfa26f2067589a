/**
 * The regression suite every lab gets: both reference pairs score full
 * marks, every fixture fails exactly the checks it lists, every check has a
 * fixture that fails it, and the starter code yields a report. A lab's test
 * file is one call to {@link defineLabTests}.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { grade } from "./engine/grade.ts";
import type { GradeOptions } from "./engine/grade.ts";
import { labPaths, REPO_ROOT } from "./config/labs.ts";
import { mapLimited } from "./engine/limit.ts";
import type { GradeReport } from "./report/model.ts";
import { gradeCommand } from "./config/self.ts";
import { loadTaskConfig } from "./engine/task_config.ts";

// What lab tests need besides the suite (graders/ import the harness through mod.ts and this module only).
export { grade } from "./engine/grade.ts";
export { gradingUid } from "./sandbox/jail.ts";
export { dockerProfilePrefix } from "./sandbox/testing_docker.ts";

/** `fixtures/<lab>/<name>/expected.yaml`. */
export interface FixtureExpectation {
  /** The one bug, in a sentence (or why a correct-but-unusual fixture is here). */
  bug: string;
  /** The ids of the checks it must fail; every other check must pass. */
  fails: string[];
  /** Settings this fixture is graded with (over the suite's), e.g. a larger upload. */
  settings?: Record<string, unknown>;
  /** Text each listed check's rationale must hold: the file and line a memory report names. */
  mentions?: Record<string, string>;
}

/** A fixture with its expectation. */
export interface Fixture extends FixtureExpectation {
  name: string;
  dir: string;
}

/**
 * Lists the fixtures of `lab`.
 *
 * @example
 * ```ts ignore
 * import { loadFixtures } from "./testing.ts";
 * const fixtures = await loadFixtures("client-server");
 * ```
 */
export async function loadFixtures(lab: string): Promise<Fixture[]> {
  const root = join(REPO_ROOT, "fixtures", lab);
  const fixtures: Fixture[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (!entry.isDirectory) continue;
    const dir = join(root, entry.name);
    const expected = parse(await Deno.readTextFile(join(dir, "expected.yaml"))) as FixtureExpectation;
    assert.ok(
      typeof expected.bug === "string" && Array.isArray(expected.fails),
      `${dir}/expected.yaml: needs bug and fails`,
    );
    fixtures.push({ name: entry.name, dir, ...expected });
  }
  return fixtures.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * How a report differs from a fixture's expectation, or `undefined`.
 *
 * @example
 * ```ts ignore
 * import { fixtureMismatch } from "./testing.ts";
 * const problem = fixtureMismatch(report, ["server-with-c-client"]);
 * ```
 */
export function fixtureMismatch(
  report: GradeReport,
  fails: string[],
  mentions: Record<string, string> = {},
): string | undefined {
  const problems: string[] = [];
  for (const [id, text] of Object.entries(mentions)) {
    const rationale = report.checks.find((c) => c.id === id)?.rationale ?? "";
    if (!rationale.includes(text)) problems.push(`${id} must mention ${text}: ${rationale}`);
  }
  for (const check of report.checks) {
    const shouldFail = fails.includes(check.id);
    if (check.status === "error") problems.push(`${check.id} errored: ${check.rationale}`);
    else if (shouldFail && check.status === "pass") {
      // Its notes say why (a scenario that did not go through, nothing reported): a CI log keeps them.
      const notes = check.notes.slice(-12).map((note) => note.slice(0, 400));
      problems.push(`${check.id} passed but must fail; its notes:\n    ${notes.join("\n    ")}`);
    } else if (check.status === "skip" && fails.includes(check.skipped_because ?? "")) {
      continue; // skipped because a check it needs fails, as listed
    } else if (!shouldFail && check.status !== "pass") {
      problems.push(
        `${check.id} ${
          check.status === "advice" ? "gave advice" : `${check.status}ed`
        } but must pass: ${check.rationale}`,
      );
    }
  }
  for (const id of fails) {
    if (!report.checks.some((c) => c.id === id)) problems.push(`${id} is not a check of ${report.lab}`);
  }
  return problems.length > 0 ? problems.join("\n  ") : undefined;
}

/** Options of {@link defineLabTests}. */
export interface LabTestOptions {
  /** Settings for every grading in the tests (e.g. a smaller upload). */
  settings?: GradeOptions["settings"];
  /** Gradings run at once. */
  parallel?: number;
}

/**
 * Registers the lab's regression tests with `Deno.test`.
 *
 * @example
 * ```ts ignore
 * // graders/client-server_test.ts
 * import { defineLabTests } from "./testing.ts";
 * defineLabTests("client-server");
 * ```
 */
export function defineLabTests(lab: string, options: LabTestOptions = {}): void {
  const parallel = options.parallel ?? 3;
  const gradeIt = (submission: string, settings: Record<string, unknown> = {}, only?: string[]) =>
    grade({ lab, submission, settings: { ...options.settings, ...settings }, jobs: 2, only });
  const paths = labPaths(lab);

  for (const language of ["c", "python"]) {
    Deno.test(`${lab}: the ${language} reference scores full marks`, async () => {
      const report = await gradeIt(join(paths.referenceDir, language));
      const problem = fixtureMismatch(report, []);
      assert.equal(problem, undefined, problem);
      assert.equal(report.score, report.max_score);
    });
  }

  Deno.test(`${lab}: every fixture fails exactly its listed checks`, async () => {
    const fixtures = await loadFixtures(lab);
    const task = await loadTaskConfig(paths.taskYaml);
    const instrumented = task.checks.filter((c) => c.instrumented).map((c) => c.id);
    // The instrumented checks run again for the fixtures they are about (and the upstream-style
    // ones, which must stay clean): the others' faults are behaviour, already held to their list.
    const behaviour = task.checks.map((c) => c.id).filter((id) => !instrumented.includes(id));
    const problems = await mapLimited(fixtures, parallel, async (fixture) => {
      const instrumentedToo = fixture.name.startsWith("upstream") ||
        fixture.fails.some((id) => instrumented.includes(id));
      const problem = fixtureMismatch(
        await gradeIt(fixture.dir, fixture.settings, instrumentedToo ? undefined : behaviour),
        fixture.fails,
        fixture.mentions,
      );
      return problem ? `${fixture.name} (${fixture.bug}):\n  ${problem}` : undefined;
    });
    const found = problems.filter(Boolean);
    assert.equal(found.length, 0, `\n${found.join("\n")}`);
  });

  Deno.test(`${lab}: every check has a fixture that fails it`, async () => {
    const task = await loadTaskConfig(paths.taskYaml);
    const failed = new Set((await loadFixtures(lab)).flatMap((f) => f.fails));
    const uncovered = task.checks.map((c) => c.id).filter((id) => !failed.has(id));
    assert.deepEqual(uncovered, [], `checks no fixture fails: ${uncovered.join(", ")}`);
  });

  Deno.test(`${lab}: the starter code gets a report, not an error`, async () => {
    const report = await gradeIt(paths.taskDir);
    assert.ok(report.score < report.max_score, "the starter code must not pass");
    const errors = report.checks.filter((c) => c.status === "error");
    assert.deepEqual(errors.map((c) => `${c.id}: ${c.rationale}`), []);
  });
}

/** The result of {@link runGradeCli}. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** The grader's pid (student code of this grading ran as `gradingUid(pid)`). */
  pid: number;
}

/**
 * Runs `deno task grade` as a user would, with the task's own permission
 * flags from `deno.json`, and returns its exit status and output.
 *
 * @example
 * ```ts ignore
 * import { runGradeCli } from "./testing.ts";
 * const run = await runGradeCli(["client-server", "--format", "json"]);
 * ```
 */
export async function runGradeCli(
  args: string[],
  env: Record<string, string> = {},
  /** Runs the grader through this command (it must keep the pid: exec, not fork), e.g. `dockerProfilePrefix()`. */
  prefix: string[] = [],
): Promise<CliRun> {
  const argv = [...prefix, ...await gradeCommand(), ...args];
  const started = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = await child.output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
    wallMs: performance.now() - started,
    pid: child.pid,
  };
}

/**
 * A grader's exit status that says it crashed, with its error's message
 * first and the end of its stack after (a CI log keeps only so much).
 *
 * @example
 * ```ts
 * import { crashReport } from "./testing.ts";
 * crashReport(2, "Error: boom\n    at f (x.ts:1:1)"); // "exit status 2: Error: boom\n    at f (x.ts:1:1)"
 * ```
 */
export function crashReport(code: number, stderr: string): string {
  const text = stderr.length > 1500 ? `${stderr.slice(0, 1000)} … ${stderr.slice(-500)}` : stderr;
  return `exit status ${code}: ${text}`;
}

/**
 * Processes a grading left alive (zombies aside): those of its student
 * uid, or with its temporary directory in their command line. (`ps` reads /proc, which Deno
 * keeps behind --allow-all.)
 *
 * @example
 * ```ts ignore
 * import { processesLeftBehind, runGradeCli } from "./testing.ts";
 * const run = await runGradeCli(["fork-server"], { TMPDIR: dir });
 * const left = await processesLeftBehind(gradingUid(run.pid), dir);
 * ```
 */
export async function processesLeftBehind(uid: number, tempDir: string): Promise<string[]> {
  const ps = await new Deno.Command("ps", { args: ["-eo", "pid=,uid=,stat=,args="], stdout: "piped" })
    .output();
  return new TextDecoder().decode(ps.stdout).split("\n").filter((line) => {
    const [, owner, state, ...args] = line.trim().split(/\s+/);
    // A zombie runs nothing: it waits for init (on the host) to collect it.
    if (state?.startsWith("Z")) return false;
    return Number(owner) === uid || args.join(" ").includes(tempDir);
  });
}
