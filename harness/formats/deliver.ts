/**
 * Where each piece of a run's output goes, decided in one place (and
 * without touching the world, so it is tested with a made-up environment):
 *
 * - The report in the chosen format goes to `--output FILE` if given;
 *   else, for `classroom` under GitHub Actions with `GITHUB_OUTPUT` set, to
 *   that file as `result=<base64>` (the Classroom reporter's input); else to
 *   standard output.
 * - When the report does not go to standard output, standard output shows
 *   people the text report instead (`--format text --output FILE`: just the
 *   score line, the rest is in the file). `--quiet` shrinks any text for
 *   people to the final score line; a machine-readable report that goes to
 *   standard output is printed whole.
 * - Colour only in text for people on standard output, and only when the
 *   caller says standard output is a terminal without `NO_COLOR`.
 * - Under GitHub Actions (`GITHUB_ACTIONS=true`, unless `SOCKLAB_GITHUB=off`):
 *   `::error` annotations, and the Markdown summary appended to
 *   `GITHUB_STEP_SUMMARY`. The annotations go where the text for people
 *   goes, after it, when standard output shows people text; on standard
 *   error when standard output carries a machine-readable report (which
 *   then stays exactly that report).
 * - Whenever a GitHub Actions runner reads the output (`GITHUB_ACTIONS=true`,
 *   even with `SOCKLAB_GITHUB=off`), no student text in it can be a workflow
 *   command (./workflow_log.ts): text for people is escaped and fenced with
 *   `::stop-commands::`, on the stream of the annotations and outside them;
 *   a machine-readable report on standard output is escaped in a way its
 *   parser reads back as the same value.
 *
 * @module
 */

import { classroomOutputLine, classroomRunnerOutputLines } from "./classroom.ts";
import type { Reports } from "../report/model.ts";
import { githubAnnotations, githubStepSummary, onGithubActions } from "./github.ts";
import { RENDERERS } from "./mod.ts";
import type { FormatName } from "./mod.ts";
import { finalScoreLine, renderTextReports } from "./text.ts";
import { safeForWorkflowLog } from "./workflow_log.ts";
import type { LogStyle } from "./workflow_log.ts";

/** The environment variables that steer output. */
export type OutputEnv = Record<string, string | undefined>;

/** What the user asked for. */
export interface DeliveryRequest {
  format: FormatName;
  /** `--output FILE`. */
  output?: string;
  quiet?: boolean;
  verbose?: boolean;
  /** Standard output is a terminal and `NO_COLOR` is not set. */
  color?: boolean;
  /**
   * Nothing could be graded: people reading the text report on standard
   * output have the reason on standard error already, and get no report of
   * errors on top (every other destination gets its report).
   */
  nothingGraded?: boolean;
}

/** A file to write (or append to). */
export interface FileWrite {
  path: string;
  text: string;
  append: boolean;
}

/** Everything a run prints and writes. */
export interface Delivery {
  stdout: string;
  stderr: string;
  writes: FileWrite[];
}

/** Where the report in the chosen format goes. */
export type PayloadDestination = "stdout" | "output-file" | "github-output";

/**
 * Where the report in the chosen format goes.
 *
 * @example
 * ```ts
 * import { payloadDestination } from "./deliver.ts";
 * payloadDestination({ format: "classroom" }, { GITHUB_ACTIONS: "true", GITHUB_OUTPUT: "/tmp/out" });
 * // "github-output"
 * ```
 */
export function payloadDestination(request: DeliveryRequest, env: OutputEnv): PayloadDestination {
  if (request.output) return "output-file";
  if (request.format === "classroom" && onGithubActions(env) && env.GITHUB_OUTPUT) return "github-output";
  return "stdout";
}

/**
 * Whether live progress (a line per finished check) may be printed: only
 * on a terminal, not with `--quiet`, and only where standard output carries
 * text for people rather than a machine-readable report.
 *
 * @example
 * ```ts
 * import { progressWanted } from "./deliver.ts";
 * progressWanted({ format: "json" }, true, {}); // false: the JSON goes to the terminal
 * ```
 */
export function progressWanted(request: DeliveryRequest, stdoutIsTerminal: boolean, env: OutputEnv): boolean {
  if (!stdoutIsTerminal || request.quiet) return false;
  return request.format === "text" || payloadDestination(request, env) !== "stdout";
}

/**
 * Whether to colour what goes to a stream: only a terminal, and never when
 * `NO_COLOR` is set to anything but the empty string (no-color.org).
 *
 * @example
 * ```ts
 * import { colorWanted } from "./deliver.ts";
 * colorWanted(true, { NO_COLOR: "1" }); // false
 * ```
 */
export function colorWanted(isTerminal: boolean, env: OutputEnv): boolean {
  return isTerminal && !env.NO_COLOR;
}

/**
 * What to print and write for a run.
 *
 * @example
 * ```ts ignore
 * import { planDelivery } from "./deliver.ts";
 * const plan = planDelivery(report, { format: "junit", output: "junit.xml" }, Deno.env.toObject());
 * ```
 */
export function planDelivery(input: Reports, request: DeliveryRequest, env: OutputEnv): Delivery {
  const delivery: Delivery = { stdout: "", stderr: "", writes: [] };
  const destination = payloadDestination(request, env);
  // Files never get colour; only standard output on a terminal does.
  const plain = { verbose: request.verbose, color: false };
  const forPeople = { verbose: request.verbose, color: request.color };

  if (destination === "output-file") {
    delivery.writes.push({
      path: request.output!,
      text: `${RENDERERS[request.format](input, plain)}\n`,
      append: false,
    });
  }
  if (request.format === "classroom" && onGithubActions(env) && env.GITHUB_OUTPUT) {
    delivery.writes.push({
      path: env.GITHUB_OUTPUT,
      text: classroomOutputLine(input) + classroomRunnerOutputLines(input),
      append: true,
    });
  }

  const annotations = onGithubActions(env) ? githubAnnotations(input) : "";
  if (destination === "stdout" && request.format !== "text") {
    const payload = `${RENDERERS[request.format](input, plain)}\n`;
    delivery.stdout = safeForWorkflowLog(payload, env, PAYLOAD_STYLE[request.format]);
    delivery.stderr = annotations;
  } else {
    // The score line alone holds no student text; the report does, and is fenced.
    const scoreOnly = request.quiet || (request.format === "text" && destination !== "stdout");
    const nothingToShow = request.nothingGraded && request.format === "text" && destination === "stdout";
    const text = nothingToShow
      ? ""
      : scoreOnly
      ? safeForWorkflowLog(`${finalScoreLine(input, forPeople)}\n`, env)
      : safeForWorkflowLog(`${renderTextReports(input, forPeople)}\n`, env, "fenced");
    // One stream for the fence and the annotations: the runner reads the two
    // streams in no fixed order, and a fence would swallow a command of the other.
    delivery.stdout = text + annotations;
  }
  if (onGithubActions(env) && env.GITHUB_STEP_SUMMARY) {
    delivery.writes.push({ path: env.GITHUB_STEP_SUMMARY, text: githubStepSummary(input), append: true });
  }
  return delivery;
}

/** How each machine-readable format escapes a character without changing its value. */
const PAYLOAD_STYLE: Record<FormatName, LogStyle> = {
  text: "text",
  json: "json",
  classroom: "json",
  gradescope: "json",
  junit: "xml",
};
