import assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { GradeReport } from "../report/model.ts";
import { escapeXmlAttribute, renderJunit } from "./junit.ts";
import { passingReport, sampleReport } from "./sample.ts";

// A real XML parser: well-formedness first, then the tree.
// deno-lint-ignore no-explicit-any
function parseXml(xml: string): any {
  const valid = XMLValidator.validate(xml);
  assert.equal(valid, true, `not well-formed XML: ${JSON.stringify(valid)}`);
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    htmlEntities: true,
    isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
  }).parse(xml);
}

function assertMatchesReports(xml: string, reports: GradeReport[]): void {
  const doc = parseXml(xml);
  const suites = doc.testsuites.testsuite;
  assert.equal(suites.length, reports.length, "one testsuite per lab");
  for (const [index, report] of reports.entries()) {
    const suite = suites[index];
    assert.equal(suite.name, report.lab);
    assert.equal(suite.testcase.length, report.checks.length, "one testcase per check");
    assert.equal(Number(suite.tests), report.checks.length);
    assert.equal(Number(suite.failures), report.checks.filter((c) => c.status === "fail").length);
    assert.equal(Number(suite.errors), report.checks.filter((c) => c.status === "error").length);
    assert.equal(Number(suite.skipped), report.checks.filter((c) => c.status === "skip").length);
    for (const [at, check] of report.checks.entries()) {
      const testcase = suite.testcase[at];
      assert.equal(testcase.name, `${check.id}: ${check.title}`, "names survive escaping");
      assert.equal(testcase.classname, `socklab.${report.lab}`);
      assert.equal("failure" in testcase, check.status === "fail", `${check.id}: failure element`);
      assert.equal("error" in testcase, check.status === "error", `${check.id}: error element`);
      assert.equal("skipped" in testcase, check.status === "skip", `${check.id}: skipped element`);
    }
  }
}

Deno.test("junit: parses with a real XML parser, one testcase per check, failures where checks failed", () => {
  const report = sampleReport();
  assertMatchesReports(renderJunit(report), [report]);
});

Deno.test("junit: several labs are several testsuites", () => {
  const reports = [sampleReport(), passingReport()];
  const xml = renderJunit(reports);
  assertMatchesReports(xml, reports);
  const root = parseXml(xml).testsuites;
  assert.equal(Number(root.tests), reports[0].checks.length + reports[1].checks.length);
  assert.equal(Number(root.failures), 2);
});

Deno.test("junit: a failure carries the rationale, hint and transcript; markup and control characters are escaped", () => {
  const suite = parseXml(renderJunit(sampleReport())).testsuites.testsuite[0];
  const build = suite.testcase[0].failure;
  assert.equal(build.message, "make failed (status 2)");
  assert.match(build["#text"], /hint: look at build/);
  assert.match(build["#text"], /compiler output:\nserver\.c:1:10: fatal error: <stdio\.hh>/);
  assert.match(build["#text"], /transcript:\n {5}0 ms/);
  const weird = suite.testcase[6].failure;
  const text: string = weird["#text"];
  assert.ok(text.includes(`<b>"quoted" & 'apos'</b> ]]> 100% a|b: c, d`), "markup round-trips as text");
  assert.ok(text.includes("\\x00\\x07\\x1b[31mred\\x1b[0m"), "control characters are written as \\xNN text");
  assert.ok(text.includes("\\ud800"), "a lone surrogate is written as \\uNNNN text");
  assert.ok(text.includes("é 🚀"), "other characters are kept");
  assert.equal(suite.testcase[3].skipped.message, "skipped: it needs 'build', which did not pass");
  assert.match(suite.testcase[4].error.message, /did not finish within 20 s/);
  assert.match(suite.testcase[1]["system-out"], /points: 0\.1\/0\.1\nthroughput: 1\.2 GB\/s/);
});

Deno.test("junit: attribute values keep quotes and line breaks", () => {
  const value = `say "hi" & 'bye'\n\tnext`;
  const doc = parseXml(`<a v="${escapeXmlAttribute(value)}"/>`);
  assert.equal(doc.a.v, value);
});
