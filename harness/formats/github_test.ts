import assert from "node:assert/strict";
import {
  escapeCommandData,
  escapeCommandProperty,
  githubAnnotations,
  githubSetupAnnotation,
  githubStepSummary,
  markdownCell,
  onGithubActions,
} from "./github.ts";
import { visibleText } from "./common.ts";
import { NASTY, passingReport, sampleReport } from "./sample.ts";

/** Reads a workflow command line back as the runner does. */
function parseCommand(
  line: string,
): { command: string; properties: Record<string, string>; message: string } {
  const match = /^::([a-z]+)(?: ([^:]*))?::(.*)$/.exec(line);
  assert.ok(match, `not a workflow command: ${line}`);
  const unescape = (text: string) =>
    text.replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(
      /%25/g,
      "%",
    );
  const properties: Record<string, string> = {};
  for (const pair of (match[2] ?? "").split(",").filter(Boolean)) {
    const at = pair.indexOf("=");
    properties[pair.slice(0, at)] = unescape(pair.slice(at + 1));
  }
  return { command: match[1], properties, message: unescape(match[3]) };
}

Deno.test("github: command data and properties are escaped as GitHub requires", () => {
  assert.equal(escapeCommandData("100%\r\nnext"), "100%25%0D%0Anext");
  assert.equal(escapeCommandProperty("a: b, 100%\n"), "a%3A b%2C 100%25%0A");
  assert.equal(escapeCommandData("%0A"), "%250A", "an escape sequence in the text is itself escaped");
});

Deno.test("github: an ::error per failed or errored check, titled with the check, rationale and hint as message", () => {
  const report = sampleReport();
  const lines = githubAnnotations(report).split("\n").filter(Boolean);
  const expected = report.checks.filter((c) => c.status === "fail" || c.status === "error");
  assert.equal(lines.length, expected.length, "skipped and passed checks are not annotated");
  for (const [index, check] of expected.entries()) {
    const command = parseCommand(lines[index]);
    assert.equal(command.command, "error");
    assert.deepEqual(Object.keys(command.properties), ["title"]);
    assert.equal(command.properties.title, check.title);
    assert.ok(command.message.includes(visibleText(check.rationale)), "the message has the rationale");
    assert.ok(command.message.includes(`Hint: ${visibleText(check.hint)}`), "and the hint");
  }
  const weird = parseCommand(lines.at(-1)!);
  assert.equal(
    weird.message,
    `${visibleText(NASTY)}\nHint: ${visibleText(NASTY)}`,
    "every character survives the escaping, control characters as \\xNN text",
  );
  assert.ok(!weird.message.includes("\x1b"));
  assert.equal(githubAnnotations(passingReport()), "", "nothing to say when all passed");
});

Deno.test("github: a title with ':' and ',' stays one property; labs prefix titles in a multi-lab run", () => {
  const report = sampleReport();
  report.checks[0].title = "Ends: on exit, cleanly";
  const first = parseCommand(githubAnnotations([report, passingReport()]).split("\n")[0]);
  assert.equal(first.properties.title, "client-server: Ends: on exit, cleanly");
  const setup = parseCommand(
    githubSetupAnnotation("fork-server", "the submission directory x does not exist").trim(),
  );
  assert.equal(setup.properties.title, "socklab fork-server");
});

Deno.test("github: the step summary has a table row per check, and cells cannot break the table", () => {
  const report = sampleReport();
  const summary = githubStepSummary(report);
  const rows = summary.split("\n").filter((line) =>
    line.startsWith("| ") && !line.startsWith("| |") && !line.startsWith("| :-:")
  );
  assert.equal(rows.length, report.checks.length);
  for (const row of rows) {
    const unescapedPipes = row.match(/(?<!\\)\|/g)!.length;
    assert.equal(unescapedPipes, 5, `four columns: ${row}`);
    assert.ok(!/<(?!br>)/.test(row), `no raw HTML but <br>: ${row}`);
    // deno-lint-ignore no-control-regex
    assert.ok(!/[\x00-\x1f]/.test(row), `no control characters: ${JSON.stringify(row)}`);
  }
  assert.match(summary, /^### client-server: 3\.3\/10\.05 points$/m);
  assert.match(summary, /^> Warning: a warning with &lt;markup&gt; &amp; 100%$/m);
  assert.match(
    rows[0],
    /^\| ❌ \| Check build \| 0\/1 \| make failed \(status 2\)<br>Hint: look at build \|$/,
  );
  assert.match(rows[1], /^\| ✅ \| Check talks \| 0\.1\/0\.1 \| {2}\|$/);
});

Deno.test("github: a multi-lab summary opens with the total", () => {
  const summary = githubStepSummary([sampleReport(), passingReport()]);
  assert.match(summary, /^## socklab: 10\.3\/17\.05 points over 2 labs$/m);
  assert.match(summary, /^### fork-server: 7\/7 points$/m);
});

Deno.test("github: only GITHUB_ACTIONS=true turns it on, SOCKLAB_GITHUB=off turns it off", () => {
  assert.equal(onGithubActions({}), false);
  assert.equal(onGithubActions({ GITHUB_ACTIONS: "false" }), false);
  assert.equal(onGithubActions({ GITHUB_ACTIONS: "true" }), true);
  assert.equal(onGithubActions({ GITHUB_ACTIONS: "true", SOCKLAB_GITHUB: "off" }), false);
  assert.equal(markdownCell("*a* _b_ `c` [d](e)"), "\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e)");
});

Deno.test("github: student text in an annotation shows no raw separator and no ##[, and ends no line", () => {
  const report = sampleReport();
  const failed = report.checks.find((check) => check.status === "fail")!;
  failed.rationale = "it printed\r::add-mask::x\u2028  ::error::y and ##[error]z\u0085";
  const line = githubAnnotations(report).split("\n")[0];
  assert.ok(line.startsWith("::error title="), line);
  assert.ok(!/[\r\u2028\u0085]/.test(line) && !line.includes("##["), line);
  assert.match(
    parseCommand(line).message,
    /^it printed\\x0d::add-mask::x\\u2028 {2}::error::y and ##\\\[error\]z\\x85\n/,
  );
});
