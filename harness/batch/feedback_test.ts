import assert from "node:assert/strict";
import type { CheckReport } from "../report/model.ts";
import { feedbackMarkdown, markdownText } from "./feedback.ts";
import type { StoredResult } from "./gradebook.ts";

function check(id: string, status: CheckReport["status"], extra: Partial<CheckReport> = {}): CheckReport {
  return {
    id,
    title: `Title of ${id}`,
    status,
    points: status === "pass" ? 2 : 0,
    max_points: 2,
    rationale: status === "pass" ? "" : `why ${id} failed`,
    hint: status === "pass" ? "" : `look at ${id}`,
    transcript: status === "pass" ? "" : "client> hi\n```\nserver< hi",
    duration_ms: 1,
    notes: [],
    ...extra,
  };
}

const REPORT: StoredResult = {
  lab: "client-server",
  submission: "x",
  language: "c",
  score: 4,
  max_score: 8,
  checks: [
    check("build", "pass"),
    check("talks", "fail"),
    check("ends", "skip", { skipped_because: "talks", rationale: "", hint: "", transcript: "" }),
    check("secret", "fail", { visibility: "hidden" }),
    check("eof", "advice", { advice: true, max_points: 0, rationale: "your client hangs at end of input" }),
  ],
  build_output: "",
  isolation: "namespaces",
  warnings: [],
  duration_ms: 1,
};

Deno.test("a feedback file says what failed and why, the skips, the advice apart, and hides hidden checks", () => {
  const text = feedbackMarkdown("ada", new Map([["client-server", REPORT]]));
  assert.match(text, /^# Feedback for ada\n/);
  assert.match(text, /## client-server: 4\/8/);
  assert.match(text, /### Failed: Title of talks \(0\/2\)\n\nwhy talks failed\n\nHint: look at talks/);
  assert.match(
    text,
    /````text\nclient> hi\n```\nserver< hi\n````/,
    "a fence longer than the transcript's own",
  );
  assert.match(text, /Not run, because a check they need did not pass: Title of ends \(needs `talks`\)/);
  assert.match(
    text,
    /### Advice \(worth no points\)\n\n- \*\*Title of eof\*\*: your client hangs at end of input/,
  );
  assert.match(text, /Passed: Title of build\./);
  assert.doesNotMatch(text, /secret/);
  assert.match(text, /1 hidden check not shown yet/);
});

Deno.test("a missing lab and one that could not be graded say so", () => {
  const missing: StoredResult = { ...REPORT, checks: [], score: 0, missing: true };
  const broken: StoredResult = { ...REPORT, checks: [], score: 0, not_graded: "no Makefile" };
  const text = feedbackMarkdown(
    "bob",
    new Map([["client-server", missing], ["fork-server", { ...broken, lab: "fork-server" }]]),
  );
  assert.match(text, /Nothing was handed in for this lab/);
  assert.match(text, /could not be graded:\n\n```text\nno Makefile\n```/);
});

Deno.test("markdownText shows markup characters and control characters as text", () => {
  assert.equal(markdownText("<b>*x*</b> [a](b)\x1b[2J"), "\\<b\\>\\*x\\*\\</b\\> \\[a\\]\\(b\\)\\\\x1b\\[2J");
});
