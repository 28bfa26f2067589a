/**
 * What the hostile-submission tests share (`harness/hostile_test.ts`,
 * `harness/hostile_host_test.ts`): short limits, what each fixture's report
 * must mention, and one grading of a fixture with everything it must not
 * leave behind.
 *
 * @module
 */

import { join } from "node:path";
import { parse, stringify } from "yaml";
import { labPaths, REPO_ROOT } from "./config/labs.ts";
import { gradingUid } from "./sandbox/jail.ts";
import { processesLeftBehind, runGradeCli } from "./testing.ts";

/** The limits hostile fixtures are graded with: short, so that a stopped one costs little. */
export const LIMITS = {
  step_timeout_ms: 1500,
  check_timeout_ms: 8000,
  // Room for two files of cc on a loaded machine (a load average of 10 made it take more than 5 s).
  build_timeout_ms: 12000,
  grading_timeout_ms: 30000,
};
/** Deno's start, builds and reports on top of the grading budget. */
export const SLACK_MS = 10000;

/** What the report of each fixture must mention, beyond a score line. */
export const MENTIONS: Record<string, RegExp> = {
  "fork-bomb": /expected the server to print/,
  "prints-forever": /spam spam/,
  "ignores-sigterm": /expected the server to exit with status 0/,
  "daemon-holds-port": /Address already in use|expected the server to print/,
  "allocates-10g": /killed by SIGSEGV|exited with status/,
  "segfault-on-first-message": /killed by SIGSEGV \(segmentation fault/,
  "connects-to-host-port": /connect to the host: (Connection refused|Network is unreachable)/,
  // Its /tmp is private; the parent of its directory is not its own.
  "writes-outside": /Read-only file system|Permission denied/,
  "make-never-ends": /did not finish within 12 s and was stopped/,
  "make-fails": /undeclared_variable/,
};

/**
 * Writes the client-server lab's `task.yaml` with {@link LIMITS} (and
 * `limits` over them) into `dir`; returns its path.
 *
 * @example
 * ```ts ignore
 * import { shortTaskFile } from "./testing_hostile.ts";
 * const taskFile = await shortTaskFile(dir, { build_mb: 64 });
 * ```
 */
export async function shortTaskFile(dir: string, limits: Record<string, number> = {}): Promise<string> {
  const task = parse(await Deno.readTextFile(labPaths("client-server").taskYaml));
  task.limits = { ...task.limits, ...LIMITS, ...limits };
  const file = join(dir, "task.yaml");
  await Deno.writeTextFile(file, stringify(task));
  return file;
}

/**
 * Grades `fixtures/hostile/<name>` and lists what went wrong: no report, an
 * exit status other than 1 or a report without the fixture's
 * {@link MENTIONS} (where the verdict counts), a grading over time,
 * processes or temporary files left behind.
 *
 * @example
 * ```ts ignore
 * import { gradeHostile } from "./testing_hostile.ts";
 * const problems = await gradeHostile("fork-bomb", taskFile, { env: { SOCKLAB_ISOLATION: "host" } });
 * ```
 */
export async function gradeHostile(
  name: string,
  taskFile: string,
  options: {
    env?: Record<string, string>;
    /**
     * Whether the verdict must be the one of namespaces (exit status 1, the
     * {@link MENTIONS}); on the host it may differ (a daemon's bind fails on
     * a port the previous check left in TIME_WAIT, and it serves nobody).
     */
    verdict?: boolean;
  } = {},
): Promise<string[]> {
  const verdict = options.verdict ?? true;
  const problems: string[] = [];
  const tempDir = await Deno.makeTempDir({ prefix: `hostile-${name}-` });
  // Reachable by the unprivileged uid student code runs as, like /tmp itself.
  await Deno.chmod(tempDir, 0o755);
  try {
    const run = await runGradeCli(
      [
        "client-server",
        "--submission",
        join(REPO_ROOT, "fixtures/hostile", name),
        "--task",
        taskFile,
        "--format",
        "json",
      ],
      { TMPDIR: tempDir, ...options.env },
    );
    if (run.code !== 1 && (verdict || run.code !== 0)) {
      problems.push(`exit status ${run.code}, not 1: ${run.stderr.slice(-500)}`);
    }
    let said = "";
    try {
      const report = JSON.parse(run.stdout);
      said = [
        report.build_output,
        ...report.checks.flatMap((c: Record<string, string>) => [c.rationale, c.transcript]),
      ]
        .join("\n");
    } catch {
      problems.push(`no report was printed: ${run.stdout.slice(0, 300)}`);
    }
    if (verdict && !MENTIONS[name].test(said)) {
      problems.push(`the report does not mention ${MENTIONS[name]}; it says:\n${said.slice(0, 1500)}`);
    }
    if (run.wallMs > LIMITS.grading_timeout_ms + SLACK_MS) problems.push(`took ${Math.round(run.wallMs)} ms`);
    const left = await processesLeftBehind(gradingUid(run.pid), tempDir);
    if (left.length > 0) problems.push(`processes left behind:\n    ${left.join("\n    ")}`);
    const files = [...Deno.readDirSync(tempDir)].map((e) => e.name);
    if (files.length > 0) problems.push(`temporary files left behind: ${files.join(", ")}`);
  } finally {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
  return problems;
}
