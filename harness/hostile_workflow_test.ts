/**
 * Student text never becomes a GitHub Actions workflow command (issue 21):
 * submissions that print forged commands (fixtures/hostile/forges-*) are
 * graded by the real CLI with `GITHUB_ACTIONS=true`, and every line of its
 * standard output and standard error is read as the runner reads it
 * (actions/runner, ActionCommand.TryParseV2 and TryParse): no line holds a
 * command the grader did not write, the grader's own annotations still
 * run, and the scores are those of a run outside GitHub Actions. A batch
 * of students named like spreadsheet formulas gets a gradebook that no
 * spreadsheet evaluates.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { decodeBase64 } from "./formats/classroom.ts";
import type { ClassroomResult } from "./formats/classroom.ts";
import type { GradeReport } from "./report/model.ts";
import { REPO_ROOT } from "./config/labs.ts";
import { gradeCommand } from "./config/self.ts";
import { runGradeCli } from "./testing.ts";

const NOT_GITHUB = { GITHUB_ACTIONS: "", GITHUB_OUTPUT: "", GITHUB_STEP_SUMMARY: "", SOCKLAB_GITHUB: "" };

/** The fixtures, each graded with only the checks that show what it prints. */
const FIXTURES: Record<string, string> = {
  "forges-workflow-commands-in-build": "build",
  "forges-workflow-commands-when-run": "build,server-with-c-client,client-with-c-server",
};

/**
 * What .NET's `String.TrimStart()` trims (`Char.IsWhiteSpace`): the runner
 * trims it before looking for `::`.
 */
const DOTNET_LEADING_WHITESPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** The runner reads each stream with `StreamReader.ReadLine`: CR, LF and CRLF end a line. */
function runnerLines(output: string): string[] {
  return output.split(/\r\n|\r|\n/);
}

/** A fence the grader opens and closes: 32 hex digits of its own randomness. */
const GRADER_FENCE = /^::(?:stop-commands::([0-9a-f]{32})|([0-9a-f]{32})::)$/;

/**
 * The lines of `output` the runner would take for a workflow command the
 * grader did not write: any `##[`, and any `::` at the start of a trimmed
 * line other than the grader's fences and its annotations titled `titles`.
 */
function forgedCommands(output: string, titles: Set<string>): string[] {
  const forged: string[] = [];
  for (const line of runnerLines(output)) {
    const trimmed = line.replace(DOTNET_LEADING_WHITESPACE, "");
    if (line.includes("##[")) forged.push(line);
    else if (trimmed.startsWith("::") && !GRADER_FENCE.test(trimmed)) {
      const annotation = trimmed.match(/^::(?:error|notice) title=([^:]*)::/);
      if (!annotation || !titles.has(annotation[1])) forged.push(line);
    }
  }
  return forged;
}

/**
 * The annotations the runner makes of one stream, read line by line with
 * its stop-commands state: a fence the grader opened must be closed, and
 * nothing inside it runs.
 */
function runnerAnnotations(output: string): { annotations: string[]; unclosed?: string } {
  const annotations: string[] = [];
  let stopToken: string | undefined;
  for (const line of runnerLines(output)) {
    const trimmed = line.replace(DOTNET_LEADING_WHITESPACE, "");
    const fence = trimmed.match(GRADER_FENCE);
    if (stopToken !== undefined) {
      if (fence?.[2] === stopToken) stopToken = undefined;
      continue;
    }
    if (fence?.[1]) stopToken = fence[1];
    else if (/^::(error|notice) /.test(trimmed)) annotations.push(trimmed);
  }
  return { annotations, unclosed: stopToken };
}

/** Property escaping as the grader's annotations do it (`%`, CR, LF, `:`, `,`). */
function escapeProperty(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/:/g, "%3A")
    .replace(/,/g, "%2C");
}

function withoutTimes(payload: ClassroomResult): unknown {
  return { ...payload, tests: payload.tests.map(({ execution_time: _, duration: __, ...rest }) => rest) };
}

interface Graded {
  name: string;
  stdout: string;
  stderr: string;
}

async function gradeFixture(
  fixture: string,
  mode: string[],
  env: Record<string, string>,
): Promise<Graded & { code: number }> {
  const run = await runGradeCli(
    [
      "client-server",
      "--submission",
      join(REPO_ROOT, "fixtures/hostile", fixture),
      "--only",
      FIXTURES[fixture],
      ...mode,
    ],
    { ...NOT_GITHUB, ...env },
  );
  return { name: `${fixture} ${mode.join(" ")}`, ...run };
}

Deno.test("forged workflow commands in the build and in checks never reach the runner as commands", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-gha-" });
  const problems: string[] = [];
  try {
    for (const fixture of Object.keys(FIXTURES)) {
      const githubOutput = join(dir, `${fixture}-output`);
      const summary = join(dir, `${fixture}-summary`);
      const github = { GITHUB_ACTIONS: "true", GITHUB_OUTPUT: githubOutput, GITHUB_STEP_SUMMARY: summary };
      const [classroom, text, verbose, json, junit, plainClassroom, plainJson] = await Promise.all([
        gradeFixture(fixture, ["--format", "classroom"], github),
        gradeFixture(fixture, [], github),
        gradeFixture(fixture, ["--verbose"], github),
        gradeFixture(fixture, ["--format", "json", "--verbose"], github),
        gradeFixture(fixture, ["--format", "junit"], github),
        gradeFixture(fixture, ["--format", "classroom"], {}),
        gradeFixture(fixture, ["--format", "json"], {}),
      ]);
      const runs = [classroom, text, verbose, json, junit];
      for (const run of [...runs, plainClassroom, plainJson]) {
        assert.equal(run.code, 1, run.name + run.stderr);
      }
      const baseline = JSON.parse(plainJson.stdout) as GradeReport;
      const titles = new Set(
        [...baseline.checks.map((check) => check.title), "socklab client-server"].map(escapeProperty),
      );

      for (const run of runs) {
        for (const [stream, output] of [["stdout", run.stdout], ["stderr", run.stderr]]) {
          for (const line of forgedCommands(output, titles)) {
            problems.push(`${run.name}, ${stream}: ${JSON.stringify(line)}`);
          }
          const { unclosed } = runnerAnnotations(output);
          if (unclosed) problems.push(`${run.name}, ${stream}: a fence is left open`);
        }
        // The runner reads the two streams in no fixed order: a fence on one
        // stream could swallow a command of the grader's on the other.
        const fenced = [run.stdout, run.stderr].map((output) =>
          runnerLines(output).some((line) => GRADER_FENCE.exec(line)?.[1] !== undefined)
        );
        const annotated = [run.stdout, run.stderr].map((output) => /^::(error|notice) /m.test(output));
        if ((fenced[0] && annotated[1]) || (fenced[1] && annotated[0])) {
          problems.push(`${run.name}: a fence on one stream, annotations on the other`);
        }
      }

      // The student's text was printed (escaped), so the check above saw it.
      for (const run of [text, verbose]) assert.match(run.stdout, /forged/, run.name);

      // The grader's own annotations still run: one per failed check.
      const failed = baseline.checks.filter((check) => check.status === "fail" || check.status === "error");
      for (const run of [classroom, text, verbose, json, junit]) {
        const annotations = [run.stdout, run.stderr].flatMap((output) =>
          runnerAnnotations(output).annotations
        );
        assert.equal(annotations.filter((a) => a.startsWith("::error ")).length, failed.length, run.name);
      }

      // The Classroom payload is the one of a run outside GitHub Actions.
      // (After result=, one line per reporter runner: see harness/ship/reporter_figures_test.ts.)
      const line = (await Deno.readTextFile(githubOutput)).split("\n").find((l) => l.startsWith("result="))!;
      const payload = JSON.parse(decodeBase64(line.replace(/^result=/, ""))) as ClassroomResult;
      const plainPayload = JSON.parse(plainClassroom.stdout) as ClassroomResult;
      assert.equal(
        payload.tests.reduce((sum, test) => sum + test.score, 0),
        plainPayload.tests.reduce((sum, test) => sum + test.score, 0),
      );
      assert.deepEqual(withoutTimes(payload), withoutTimes(plainPayload));
      assert.match(await Deno.readTextFile(summary), /### client-server: \d+\/\d+ points/);

      // Machine-readable reports on standard output keep their value.
      const report = JSON.parse(json.stdout) as GradeReport;
      assert.equal(report.score, baseline.score);
      // (make may build targets, and interleave its two streams, in another order.)
      const lines = (output: string) => output.split("\n").sort();
      assert.deepEqual(lines(report.build_output), lines(baseline.build_output));
      assert.deepEqual(
        report.checks.map((check) => [check.id, check.status, check.points, check.rationale]),
        baseline.checks.map((check) => [check.id, check.status, check.points, check.rationale]),
      );
      assert.equal(XMLValidator.validate(junit.stdout), true, junit.name);
    }
    assert.deepEqual(problems, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Folder names a spreadsheet would run, and names that are workflow commands. */
const HOSTILE_NAMES = [
  '=HYPERLINK("evil.example","click")',
  "+1",
  "-2",
  "@SUM(A1)",
  "\tx",
  "\rcr",
  "::error::forged-by-a-name",
  "\u2028::add-mask::name",
  "a ##[error]name",
];

/** Parses RFC 4180 CSV (quoted cells may hold commas, quotes, CR and LF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let at = 0;
  while (at < text.length) {
    let cell = "";
    if (text[at] === '"') {
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        cell += text.slice(at, quote);
        at = quote + 1;
        if (text[at] !== '"') break;
        cell += '"';
        at++;
      }
    } else {
      const end = text.slice(at).search(/,|\r\n/);
      cell = end < 0 ? text.slice(at) : text.slice(at, at + end);
      at += cell.length;
    }
    row.push(cell);
    if (text.startsWith("\r\n", at)) {
      rows.push(row);
      row = [];
      at += 2;
    } else {
      at++; // the comma
    }
  }
  return rows;
}

Deno.test("grade-all: names like formulas are inert in gradebook.csv, and no name is a workflow command", async () => {
  const classDir = await Deno.makeTempDir({ prefix: "class-" });
  const out = await Deno.makeTempDir({ prefix: "grades-" });
  try {
    // Students who handed nothing in: the batch names them without grading anything.
    for (const name of [...HOSTILE_NAMES, "ada"]) await Deno.mkdir(join(classDir, name));
    const [deno, ...gradeArgs] = await gradeCommand();
    const run = await new Deno.Command(deno, {
      args: [
        ...gradeArgs.slice(0, -1),
        join(REPO_ROOT, "harness/cli/batch.ts"),
        "grade-all",
        classDir,
        "--lab",
        "client-server",
        "--out",
        out,
      ],
      env: { NO_COLOR: "1", GITHUB_ACTIONS: "true" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(run.stdout);
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, stdout + stderr);
    assert.deepEqual(forgedCommands(stdout, new Set()), [], "grade-all's standard output");
    assert.deepEqual(forgedCommands(stderr, new Set()), [], "grade-all's standard error");
    assert.match(stdout, /forged-by-a-name/, "the names were printed");

    const csv = await Deno.readTextFile(join(out, "gradebook.csv"));
    const rows = parseCsv(csv);
    // The header, the maxima, then one row per student.
    assert.equal(rows.length, HOSTILE_NAMES.length + 3, csv);
    const names = rows.slice(2).map((row) => row[0]);
    for (const name of HOSTILE_NAMES.filter((name) => /^[=+\-@\t\r]/.test(name))) {
      assert.ok(names.includes(`'${name}`), `${JSON.stringify(name)} is not neutralised: ${csv}`);
      // Quoted, so a spreadsheet keeps the quote and the cell is text.
      assert.ok(csv.includes(`"'${name.replaceAll('"', '""')}"`), `${JSON.stringify(name)} is not quoted`);
    }
    assert.ok(names.includes("ada"), "an ordinary name stays as it is");
    for (const cell of rows.flat()) {
      assert.ok(!/^[=+\-@\t\r]/.test(cell), `a live cell: ${JSON.stringify(cell)}`);
    }

    const html = await Deno.readTextFile(join(out, "class-report.html"));
    assert.ok(!html.includes('HYPERLINK("'), "a name's quotes are escaped in the class report");
    assert.ok(
      html.includes("=HYPERLINK(&quot;evil.example&quot;,&quot;click&quot;)"),
      "and the name is shown",
    );
  } finally {
    await Deno.remove(classDir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});
