/**
 * Runs a student repository's workflow as GitHub would, for tests: each
 * `run:` step in order with bash and a made-up `GITHUB_*` environment, the
 * `uses:` steps played by what they do here (checkout: the workspace is the
 * repository already; setup-node: this machine's Node), and Classroom's
 * reporter replaced by its arithmetic (see {@link reporterFigures}).
 *
 * @module
 */

import { join } from "node:path";
import { parse } from "yaml";

/** A step of the workflow's YAML. */
export interface WorkflowStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  "continue-on-error"?: boolean;
}

/** What the run produced. */
export interface WorkflowRun {
  /** The outputs of each step with an id. */
  outputs: Record<string, Record<string, string>>;
  /** Each `run:` step's name, exit status and output (stdout then stderr). */
  steps: { name: string; code: number; log: string }[];
  /** The reporter step's environment, `${{ … }}` expressions evaluated. */
  reporterEnv: Record<string, string>;
  /** The reporter's `runners` input. */
  reporterRunners: string;
  /** What the steps appended to `GITHUB_STEP_SUMMARY`. */
  summary: string;
}

/** Where the run happens and what it may add to the environment. */
export interface WorkflowHost {
  /** The checked-out repository (`GITHUB_WORKSPACE`). */
  workspace: string;
  /** A scratch directory for `RUNNER_TEMP` and the `GITHUB_*` files. */
  scratch: string;
  /** Variables a runner has that the test sets (SOCKLAB_HOME, npm's offline mode…). */
  env?: Record<string, string>;
}

/**
 * Runs every step of the first job of `workflowYaml`, stopping at a failed
 * step unless it continues on error.
 *
 * @example
 * ```ts ignore
 * import { runWorkflow } from "./testing_workflow.ts";
 * const run = await runWorkflow(await Deno.readTextFile(".github/workflows/socklab.yml"), host);
 * ```
 */
export async function runWorkflow(workflowYaml: string, host: WorkflowHost): Promise<WorkflowRun> {
  const workflow = parse(workflowYaml);
  const job = Object.values(workflow.jobs)[0] as { env?: Record<string, string>; steps: WorkflowStep[] };
  const runnerTemp = join(host.scratch, "runner-temp");
  const bin = join(host.scratch, "bin");
  await Deno.mkdir(runnerTemp, { recursive: true, mode: 0o755 });
  await Deno.mkdir(bin, { recursive: true });
  // The runners' sudo keeps the environment with -E; this machine's tests run as root, without sudo.
  await Deno.writeTextFile(
    join(bin, "sudo"),
    '#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"\n',
  );
  await Deno.chmod(join(bin, "sudo"), 0o755);
  const summaryFile = join(host.scratch, "step-summary.md");
  await Deno.writeTextFile(summaryFile, "");
  const result: WorkflowRun = { outputs: {}, steps: [], reporterEnv: {}, reporterRunners: "", summary: "" };
  for (const [index, step] of job.steps.entries()) {
    if (step.uses?.startsWith("actions/checkout@") || step.uses?.startsWith("actions/setup-node@")) continue;
    if (step.uses?.includes("autograding-grading-reporter")) {
      for (const [name, value] of Object.entries(step.env ?? {})) {
        result.reporterEnv[name] = evaluate(value, result.outputs);
      }
      result.reporterRunners = step.with?.runners ?? "";
      continue;
    }
    if (step.uses) throw new Error(`the test does not know the action ${step.uses}`);
    const outputFile = join(host.scratch, `output-${index}`);
    await Deno.writeTextFile(outputFile, "");
    const env: Record<string, string> = {
      PATH: `${bin}:${Deno.env.get("PATH")}`,
      HOME: Deno.env.get("HOME") ?? "/root",
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: host.workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_ENV: join(host.scratch, "github-env"),
      GITHUB_PATH: join(host.scratch, "github-path"),
      GITHUB_REPOSITORY: "course/lab-student",
      GITHUB_SHA: "0".repeat(40),
      GITHUB_ACTOR: "student",
      RUNNER_TEMP: runnerTemp,
      RUNNER_OS: "Linux",
      ...host.env,
      ...job.env,
      ...step.env,
    };
    // GitHub's default shell for `run:` on Linux: bash -e {file}.
    const script = join(host.scratch, `step-${index}.sh`);
    await Deno.writeTextFile(script, step.run!);
    const output = await new Deno.Command("bash", {
      args: ["-e", script],
      cwd: host.workspace,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const log = decode(output.stdout) + decode(output.stderr);
    result.steps.push({ name: step.name ?? `step ${index}`, code: output.code, log });
    if (step.id) result.outputs[step.id] = parseOutputs(await Deno.readTextFile(outputFile));
    if (output.code !== 0 && !step["continue-on-error"]) {
      throw new Error(`step '${step.name}' failed with ${output.code}:\n${log}`);
    }
  }
  result.summary = await Deno.readTextFile(summaryFile);
  return result;
}

/** `name=value` lines (and `name<<DELIMITER` blocks) of a `GITHUB_OUTPUT` file. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let at = 0; at < lines.length; at++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[at]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], at + 1);
      outputs[heredoc[1]] = lines.slice(at + 1, end).join("\n");
      at = end;
      continue;
    }
    const pair = /^([^=]+)=(.*)$/.exec(lines[at]);
    if (pair) outputs[pair[1]] = pair[2];
  }
  return outputs;
}

/** `${{ steps.<id>.outputs.<name> }}` replaced by the value (the only expression the template uses). */
function evaluate(value: string, outputs: Record<string, Record<string, string>>): string {
  return value.replace(/\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}/g, (_, id, name) => {
    return outputs[id]?.[name] ?? "";
  });
}

/** One runner's payload as the reporter reads it. */
export interface ReporterPayload {
  max_score?: number;
  tests: { name: string; status: string; score: number }[];
}

/** Every figure the reporter prints or sends to Classroom. */
export interface ReporterFigures {
  /** `Total points for <runner>: X/M`, for each runner whose max_score is not 0 (X as printed, 2 decimals). */
  runnerTotals: { runner: string; points: string; max: number }[];
  /** The table's `Total:` row: the sum of each runner's proportional score, and of the maxima. */
  tableTotal: { score: number; max: number };
  /** `Grand total tests passed: P/T`. */
  grandTotal: { passed: number; tests: number };
  /** The `Points N/M` notice Classroom records. */
  points: { total: number; max: number };
}

/**
 * The reporter's arithmetic, as classroom-resources/autograding-grading-reporter
 * (v1: src/console-results.js, src/aggregate-results.js,
 * src/helpers/test-helpers.js, src/notify-classroom.js) does it: a runner's
 * printed score is its share of passed tests times its max_score, the tests
 * passed count every test of every runner, and the notice Classroom records
 * adds up each test's `score` of runners with a max_score.
 *
 * @example
 * ```ts
 * import { reporterFigures } from "./testing_workflow.ts";
 * const figures = reporterFigures([{ runner: "a", results: { max_score: 3, tests: [
 *   { name: "x", status: "pass", score: 1 }, { name: "y", status: "fail", score: 0 }] } }]);
 * figures.runnerTotals[0].points; // "1.50"
 * figures.points.total; // 1
 * ```
 */
export function reporterFigures(runs: { runner: string; results: ReporterPayload }[]): ReporterFigures {
  const figures: ReporterFigures = {
    runnerTotals: [],
    tableTotal: { score: 0, max: 0 },
    grandTotal: { passed: 0, tests: 0 },
    points: { total: 0, max: 0 },
  };
  for (const { runner, results } of runs) {
    const max = results.max_score || 0;
    const passed = results.tests.filter((test) => test.status === "pass").length;
    const score = (passed / results.tests.length) * max;
    if (max !== 0) figures.runnerTotals.push({ runner, points: score.toFixed(2), max });
    figures.tableTotal.score += score;
    figures.tableTotal.max += max;
    figures.grandTotal.passed += passed;
    figures.grandTotal.tests += results.tests.length;
    if (results.max_score) {
      figures.points.max += results.max_score;
      for (const test of results.tests) figures.points.total += test.score;
    }
  }
  return figures;
}

/**
 * The reporter's input: for each runner of its `runners` input, the
 * base64 JSON in `<RUNNER>_RESULTS`.
 *
 * @example
 * ```ts ignore
 * import { reporterInput } from "./testing_workflow.ts";
 * reporterFigures(reporterInput(run.reporterRunners, run.reporterEnv));
 * ```
 */
export function reporterInput(
  runners: string,
  env: Record<string, string>,
): { runner: string; results: ReporterPayload }[] {
  return runners.split(",").map((runner) => {
    const encoded = env[`${runner.trim().toUpperCase()}_RESULTS`];
    const json = new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
    return { runner, results: JSON.parse(json) };
  });
}

/** Exit status and output of a command. */
export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command with colour off and npm quiet, outside GitHub Actions unless `env` says otherwise.
 *
 * @example
 * ```ts ignore
 * import { run } from "./testing_workflow.ts";
 * const packed = await run("npm", ["pack"], ".");
 * ```
 */
export async function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CommandRun> {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    env: { NO_COLOR: "1", npm_config_update_notifier: "false", GITHUB_ACTIONS: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/**
 * Serves the `.tgz` files of `dir` on 127.0.0.1 (an ephemeral port), as a release page serves its assets.
 *
 * @example
 * ```ts ignore
 * import { serveDirectory } from "./testing_workflow.ts";
 * const server = await serveDirectory("/tmp/packed");
 * await server.shutdown();
 * ```
 */
export async function serveDirectory(dir: string): Promise<{ port: number; shutdown: () => Promise<void> }> {
  const { promise: listening, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => resolve(port) },
    async (request) => {
      const name = decodeURIComponent(new URL(request.url).pathname.slice(1));
      if (name.includes("/") || !name.endsWith(".tgz")) return new Response("not found", { status: 404 });
      try {
        return new Response(await Deno.readFile(join(dir, name)), {
          headers: { "content-type": "application/octet-stream" },
        });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  return { port: await listening, shutdown: () => server.shutdown() };
}
