import assert from "node:assert/strict";
import { formatPoints, pointsColumn, visibleText } from "./common.ts";
import { passingReport, sampleCheck, sampleReport } from "./sample.ts";
import { finalScoreLine } from "./text.ts";

Deno.test("formatPoints: whole points bare, others to two decimals at most, trailing zeros dropped", () => {
  assert.deepEqual([3, 0, 2.5, 10.05, 0.1 + 0.2, 1 / 3, 2.999].map(formatPoints), [
    "3",
    "0",
    "2.5",
    "10.05",
    "0.3",
    "0.33",
    "3",
  ]);
});

Deno.test("one points format: a lab's score line and the multi-lab total write the same points alike", () => {
  const report = sampleReport();
  const own = finalScoreLine(report).match(/^Score: (\S+) /)![1];
  const inTotal = finalScoreLine([report, passingReport()]).match(/client-server (\S+),/)![1];
  assert.equal(own, inTotal);
  assert.equal(own, `${formatPoints(report.score)}/${formatPoints(report.max_score)}`);
});

Deno.test("pointsColumn: points/max, or advice for a check reported and not scored", () => {
  assert.equal(pointsColumn(sampleCheck("a", "fail", 2.25)), "0/2.25");
  assert.equal(pointsColumn(sampleCheck("a", "advice", 0, { advice: true })), "advice");
});

Deno.test("visibleText: control characters but tab and newline become \\xNN", () => {
  assert.equal(visibleText("\x1b[31mred\x1b[0m\tok\r\n"), "\\x1b[31mred\\x1b[0m\tok\\x0d\n");
});
