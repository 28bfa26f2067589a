/**
 * `--format classroom`: the result payload GitHub Classroom's grading
 * reporter (`education/autograding-grading-reporter`, also published as
 * `classroom-resources/autograding-grading-reporter`) reads.
 *
 * The reporter takes, for each runner id listed in its `runners` input, the
 * environment variable `<ID in upper case>_RESULTS`, base64-decodes it and
 * parses JSON of this shape (the stock graders write the same):
 *
 * ```json
 * { "version": 1, "status": "pass" | "fail" | "error", "max_score": 22,
 *   "tests": [{ "name": "…", "status": "pass" | "fail" | "error", "score": 3,
 *               "message": "…", "test_code": "…", "filename": "", "line_no": 0, … }] }
 * ```
 *
 * It reports to Classroom the sum of every test's `score` against
 * `max_score`, so each check becomes one test worth its points: partial
 * credit inside one workflow step. Checks that `task.yaml` keeps from
 * students (`visibility`) make one test, "N hidden checks", worth their
 * points. It prints `message` for tests with status
 * `error`, `test_code` under any test, and `- line N` after a name unless
 * `line_no` is 0.
 *
 * @module
 */

import { hiddenFromStudents } from "../report/model.ts";
import type { CheckReport, CheckStatus, GradeReport } from "../report/model.ts";
import {
  checkMessage,
  checkName,
  isMultiLab,
  reportList,
  rerunCommand,
  runScore,
  sumInOrder,
} from "./common.ts";
import type { Reports } from "../report/model.ts";

/** The reporter's three words, for a test and for the whole run. */
export type ClassroomStatus = "pass" | "fail" | "error";

/** One check as a Classroom test. */
export interface ClassroomTest {
  name: string;
  status: ClassroomStatus;
  /** The check's points when it passed, else 0: these add up to our score. */
  score: number;
  /** The check's points when passed (not read by the reporter; for people reading the payload). */
  max_score: number;
  /** Rationale and hint (empty on a pass), shortened to keep the payload small. */
  message: string;
  /** How to run the check again locally (empty on a pass); the reporter prints it. */
  test_code: string;
  filename: string;
  /** 0: no source line to point at (the reporter then prints none). */
  line_no: number;
  /** Seconds the check took. */
  execution_time: number;
  /** Milliseconds the check took, as the stock command and I/O graders write it. */
  duration: number;
}

/** The payload. */
export interface ClassroomResult {
  version: 1;
  status: ClassroomStatus;
  max_score: number;
  tests: ClassroomTest[];
}

/**
 * The longest `result=` value we hand over. The reporter receives the
 * payload as one environment variable, and Linux refuses to start a process
 * with a single `NAME=value` string longer than 128 KiB (MAX_ARG_STRLEN), so
 * messages are shortened until the encoded payload fits well below that.
 */
export const MAX_ENCODED_CHARS = 100_000;

const MESSAGE_CAP_START = 2000;
const MESSAGE_CAP_FLOOR = 80;

/**
 * How a check's status reads to the reporter: a skipped check (a check it
 * needs failed) earned nothing, so it is a `fail`; `error` stays `error`.
 *
 * @example
 * ```ts
 * import { classroomStatus } from "./classroom.ts";
 * classroomStatus("skip"); // "fail"
 * ```
 */
export function classroomStatus(status: CheckStatus): ClassroomStatus {
  // Advice is worth nothing and is no failure: the reporter shows its message.
  if (status === "pass" || status === "advice") return "pass";
  return status === "error" ? "error" : "fail";
}

/**
 * The payload for a run, with messages shortened until its base64 form is at
 * most {@link MAX_ENCODED_CHARS} characters.
 *
 * @example
 * ```ts ignore
 * import { classroomResult } from "./classroom.ts";
 * const payload = classroomResult(report);
 * payload.tests.reduce((sum, t) => sum + t.score, 0) === report.score; // true
 * ```
 */
export function classroomResult(input: Reports): ClassroomResult {
  let cap = MESSAGE_CAP_START;
  for (;;) {
    const result = buildResult(input, cap);
    if (cap <= MESSAGE_CAP_FLOOR || encodeBase64(JSON.stringify(result)).length <= MAX_ENCODED_CHARS) {
      return result;
    }
    cap = Math.max(MESSAGE_CAP_FLOOR, Math.floor(cap / 2));
  }
}

/**
 * The payload as JSON (what `--format classroom` prints outside GitHub
 * Actions).
 *
 * @example
 * ```ts ignore
 * import { renderClassroom } from "./classroom.ts";
 * JSON.parse(renderClassroom(report)).version; // 1
 * ```
 */
export function renderClassroom(input: Reports): string {
  return JSON.stringify(classroomResult(input), null, 2);
}

/**
 * The line appended to `$GITHUB_OUTPUT`: `result=<base64 of the compact
 * JSON>` (one line: base64 has no newline), so a later step reads it as
 * `${{ steps.<id>.outputs.result }}`.
 *
 * @example
 * ```ts ignore
 * import { classroomOutputLine } from "./classroom.ts";
 * await Deno.writeTextFile(Deno.env.get("GITHUB_OUTPUT")!, classroomOutputLine(report), { append: true });
 * ```
 */
export function classroomOutputLine(input: Reports): string {
  return `result=${encodeBase64(JSON.stringify(classroomResult(input)))}\n`;
}

/**
 * Base64 of the UTF-8 bytes of `text` (as Node's `Buffer.from(text).toString("base64")`).
 *
 * @example
 * ```ts
 * import { encodeBase64 } from "./classroom.ts";
 * encodeBase64("é"); // "w6k="
 * ```
 */
export function encodeBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

/**
 * The inverse of {@link encodeBase64} (what the reporter does), for tests.
 *
 * @example
 * ```ts
 * import { decodeBase64 } from "./classroom.ts";
 * decodeBase64("w6k="); // "é"
 * ```
 */
export function decodeBase64(encoded: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
}

function buildResult(input: Reports, messageCap: number): ClassroomResult {
  const multiLab = isMultiLab(input);
  const tests: ClassroomTest[] = reportList(input).flatMap((report) => [
    ...report.checks.filter((check) => !hiddenFromStudents(check)).map((check) => ({
      name: checkName(report, check, multiLab),
      status: classroomStatus(check.status),
      score: check.points,
      max_score: check.max_points,
      message: shorten(
        check.status === "advice" ? `advice: ${checkMessage(check)}` : checkMessage(check),
        messageCap,
      ),
      test_code: check.status === "pass" ? "" : rerunCommand(report.lab, check.id),
      filename: "",
      line_no: 0,
      execution_time: Math.round(check.duration_ms) / 1000,
      duration: Math.round(check.duration_ms),
    })),
    ...hiddenTest(report, multiLab),
  ]);
  return {
    version: 1,
    status: runStatus(reportList(input).flatMap((report) => report.checks)),
    max_score: runScore(input).max_score,
    tests,
  };
}

/**
 * The checks kept from students, as one test: their points count (the
 * reporter adds up every test's score), what they were does not show.
 */
function hiddenTest(report: GradeReport, multiLab: boolean): ClassroomTest[] {
  const hidden = report.checks.filter(hiddenFromStudents);
  if (hidden.length === 0) return [];
  const name = `${hidden.length} hidden check${hidden.length === 1 ? "" : "s"}`;
  const duration = hidden.reduce((sum, check) => sum + check.duration_ms, 0);
  return [{
    name: multiLab ? `${report.lab}: ${name}` : name,
    status: runStatus(hidden),
    score: sumInOrder(hidden.map((check) => check.points)),
    max_score: sumInOrder(hidden.map((check) => check.max_points)),
    message: "Your instructor sees the results of these checks.",
    test_code: "",
    filename: "",
    line_no: 0,
    execution_time: Math.round(duration) / 1000,
    duration: Math.round(duration),
  }];
}

/** `pass` when every check passed; `fail` when one failed or was skipped; else `error`. */
function runStatus(checks: CheckReport[]): ClassroomStatus {
  if (checks.some((check) => check.status === "fail" || check.status === "skip")) return "fail";
  if (checks.some((check) => check.status === "error")) return "error";
  return "pass";
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** A check as {@link classroomRunners} needs it: from task.yaml (template) or a report (grading). */
export interface RunnerCheck {
  id: string;
  /** Reported, not scored (advice worth 0 points): no runner, as socklab's count leaves it out. */
  reportedOnly: boolean;
  /** Kept from students: a runner named `hiddenN`, its test named "hidden check N". */
  hidden: boolean;
}

/**
 * The reporter's runners for one lab: one per scored check, in task order,
 * so that every figure the reporter prints is socklab's. The reporter prints
 * for each runner its share of passed tests times the runner's max_score
 * (one test per runner: the check's points, all or nothing, as socklab
 * scores), sums those in its table, counts "tests passed" over every test
 * of every runner (socklab's "checks passed", which leaves advice out), and
 * sends Classroom the sum of the tests' `score`. A runner id has letters
 * and digits only (the reporter reads `<ID IN UPPER CASE>_RESULTS`).
 *
 * @example
 * ```ts
 * import { classroomRunners } from "./classroom.ts";
 * classroomRunners([{ id: "single-upload", reportedOnly: false, hidden: false }]);
 * // [{ runner: "singleupload", checkId: "single-upload" }]
 * ```
 */
export function classroomRunners(checks: RunnerCheck[]): { runner: string; checkId: string }[] {
  const taken = new Set(["result"]);
  let hiddenCount = 0;
  return checks.filter((check) => !check.reportedOnly).map((check) => {
    const base = check.hidden ? `hidden${++hiddenCount}` : check.id.replace(/[^A-Za-z0-9]/g, "") || "check";
    let runner = base;
    for (let n = 2; taken.has(runner.toLowerCase()); n++) runner = `${base}${n}`;
    taken.add(runner.toLowerCase());
    return { runner, checkId: check.id };
  });
}

/**
 * One `GITHUB_OUTPUT` line per runner of {@link classroomRunners}: the
 * runner id, `=`, the base64 payload of that check alone (a lab graded on
 * its own; several labs get none, and their workflow reads `result`).
 *
 * @example
 * ```ts ignore
 * import { classroomRunnerOutputLines } from "./classroom.ts";
 * classroomRunnerOutputLines(report); // "build=eyJ2…\nsingleupload=eyJ2…\n…"
 * ```
 */
export function classroomRunnerOutputLines(input: Reports): string {
  if (isMultiLab(input)) return "";
  const [report] = reportList(input);
  const runners = classroomRunners(report.checks.map((check) => ({
    id: check.id,
    reportedOnly: check.advice ?? false,
    hidden: hiddenFromStudents(check),
  })));
  const byId = new Map(report.checks.map((check) => [check.id, check]));
  const hiddenNames = new Map(
    runners.filter(({ runner }) => /^hidden\d+$/.test(runner)).map(({ runner, checkId }) => [
      checkId,
      `hidden check ${runner.slice("hidden".length)}`,
    ]),
  );
  return runners.map(({ runner, checkId }) => {
    const check = byId.get(checkId)!;
    const hiddenName = hiddenNames.get(checkId);
    const test: ClassroomTest = {
      name: hiddenName ?? checkName(report, check, false),
      status: classroomStatus(check.status),
      score: check.points,
      max_score: check.max_points,
      message: hiddenName
        ? "Your instructor sees the result of this check."
        : shorten(checkMessage(check), MESSAGE_CAP_FLOOR * 10),
      test_code: hiddenName || check.status === "pass" ? "" : rerunCommand(report.lab, check.id),
      filename: "",
      line_no: 0,
      execution_time: Math.round(check.duration_ms) / 1000,
      duration: Math.round(check.duration_ms),
    };
    const payload: ClassroomResult = {
      version: 1,
      status: test.status,
      max_score: check.max_points,
      tests: [test],
    };
    return `${runner}=${encodeBase64(JSON.stringify(payload))}\n`;
  }).join("");
}
