import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { notGradedReport } from "../report/model.ts";
import type { CheckReport } from "../report/model.ts";
import { renderClassReport, summarizeLab } from "./class_report.ts";
import type { ClassResults, StoredResult } from "./gradebook.ts";

const CHROMIUM = "/usr/bin/chromium";

function check(id: string, passed: boolean, points = 2): CheckReport {
  return {
    id,
    title: `Title of ${id} <with markup>`,
    status: passed ? "pass" : "fail",
    points: passed ? points : 0,
    max_points: points,
    rationale: "",
    hint: "",
    transcript: "",
    duration_ms: 1,
    notes: [],
  };
}

function result(passes: boolean[]): StoredResult {
  const checks = passes.map((p, i) => check(`check-${i}`, p));
  return {
    lab: "client-server",
    submission: "x",
    language: "c",
    score: checks.reduce((s, c) => s + c.points, 0),
    max_score: checks.length * 2,
    checks,
    build_output: "",
    isolation: "namespaces",
    warnings: [],
    duration_ms: 1,
  };
}

/** A lab handed nothing in for, as a batch stores it: every check listed, an error worth 0. */
function missing(): StoredResult {
  const checks = result([true, true, true]).checks.map((c) => ({
    id: c.id,
    title: c.title,
    points: c.max_points,
  }));
  return {
    ...notGradedReport({ lab: "client-server", submission: "", checks }, "nothing handed in"),
    missing: true,
  };
}

const RESULTS: ClassResults = {
  labs: ["client-server"],
  results: new Map([
    ["ada", new Map([["client-server", result([true, true, true])]])],
    ["bob", new Map([["client-server", result([true, false, true])]])],
    ["cyd", new Map([["client-server", result([true, false, false])]])],
    ["dee", new Map([["client-server", missing()]])],
  ]),
};

Deno.test("summarizeLab orders checks by pass rate, most failed first, and counts missing submissions", () => {
  const summary = summarizeLab(RESULTS, "client-server");
  assert.deepEqual(summary.checks.map((c) => [c.id, c.passed]), [["check-1", 1], ["check-2", 2], [
    "check-0",
    3,
  ]]);
  assert.deepEqual(summary.scores, [6, 4, 2]);
  assert.equal(summary.missing, 1);
});

Deno.test({
  name:
    "the class report renders in headless Chromium with its histogram and check table, without console errors",
  // Off the CI machine, a developer without Debian's chromium skips it; CI installs it (.ci/run).
  ignore: !exists(CHROMIUM) && !Deno.env.get("CI"),
  async fn() {
    const dir = await Deno.makeTempDir();
    const file = join(dir, "class-report.html");
    await Deno.writeTextFile(file, renderClassReport(RESULTS));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
      await page.goto(`file://${file}`);
      assert.equal(await page.locator("section.lab h2").textContent(), "client-server");
      assert.ok(await page.locator("svg.histogram rect.bar").count() >= 3, "histogram bars");
      assert.ok((await page.locator("svg.histogram").boundingBox())!.height > 50, "the histogram is visible");
      const rows = page.locator("table.checks tbody tr");
      assert.equal(await rows.count(), 3);
      assert.match((await rows.first().textContent())!, /check-1.*Title of check-1 <with markup>.*1\/3/s);
      await page.screenshot({ path: join(dir, "class-report.png"), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
