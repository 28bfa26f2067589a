import assert from "node:assert/strict";
import { join } from "node:path";
import { cp } from "node:fs/promises";
import { chromium } from "playwright-core";
import type { Locator, Page } from "playwright-core";
import { REPO_ROOT } from "../config/labs.ts";
import { gradeCommand } from "../config/self.ts";
import { notGradedReport } from "../report/model.ts";
import type { CheckReport } from "../report/model.ts";
import { renderClassReport, summarizeLab } from "./class_report.ts";
import { markdownText } from "./feedback.ts";
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

Deno.test("summarizeLab counts a skip caused by the build as the build's failure, and keeps advice apart", () => {
  const built = result([true, true]);
  built.checks.unshift({ ...check("build", true, 1) });
  built.checks.push({ ...check("ends-at-eof", false, 0), status: "advice", advice: true });
  const broken = result([false, false]);
  broken.checks = [
    { ...check("build", false, 1) },
    ...broken.checks.map((c) => ({ ...c, status: "skip" as const, skipped_because: "build" })),
    { ...check("ends-at-eof", false, 0), status: "skip", advice: true, skipped_because: "build" },
  ];
  const summary = summarizeLab({
    labs: ["client-server"],
    results: new Map([["ada", new Map([["client-server", built]])], [
      "bob",
      new Map([["client-server", broken]]),
    ]]),
  }, "client-server");
  assert.deepEqual(summary.checks.map((c) => [c.id, c.passed, c.graded]), [
    ["build", 1, 2],
    ["check-0", 1, 1],
    ["check-1", 1, 1],
  ]);
  assert.deepEqual(summary.advice.map((c) => [c.id, c.said, c.graded]), [["ends-at-eof", 1, 1]]);
  assert.equal(summary.buildFailed, 1);
});

Deno.test("the page escapes what students chose: names, rationales, transcripts", () => {
  const bad = result([false]);
  bad.checks[0].rationale = '<img src=x onerror="alert(1)">';
  bad.checks[0].transcript = "</pre><script>alert(2)</script>";
  const html = renderClassReport({
    labs: ["client-server"],
    results: new Map([['<b onclick="x">', new Map([["client-server", bad]])]]),
  });
  assert.doesNotMatch(html, /<img|<script>alert|<b onclick/);
  assert.match(html, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
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
    await withPage(file, async (page, problems) => {
      assert.equal(await page.locator("section.lab h2").textContent(), "client-server");
      assert.ok(await page.locator("svg.histogram rect.bar").count() >= 3, "histogram bars");
      assert.ok((await page.locator("svg.histogram").boundingBox())!.height > 50, "the histogram is visible");
      const rows = page.locator("table.checks tbody tr");
      assert.equal(await rows.count(), 3);
      assert.match((await rows.first().textContent())!, /check-1.*Title of check-1 <with markup>.*1\/3/s);
      await page.screenshot({ path: join(dir, "class-report.png"), fullPage: true });
      assert.deepEqual(problems, []);
    }).finally(() => Deno.remove(dir, { recursive: true }));
  },
});

/** A class graded for real: correct, copied, independent, buggy, build-failing and missing submissions. */
const CHAT = "multiplexed-client-server";
const CLASS: Record<string, string | undefined> = {
  // A folder to copy, "" for one the test writes, undefined for nothing handed in.
  ada: `reference/${CHAT}/c`,
  bob: "harness/batch/testdata/chat-copied",
  cyd: `fixtures/${CHAT}/correct-poll-based`,
  dee: `fixtures/${CHAT}/upstream-dies-on-reset`,
  eve: "", // written below: a server that does not compile, and no copy of anyone's
  fay: undefined,
};

Deno.test({
  name:
    "the class report of a graded class: each student's status, a failed check's rationale one click away, who failed a check, the copied pair",
  ignore: !exists(CHROMIUM) && !Deno.env.get("CI"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "class-report-" });
    try {
      for (const [student, source] of Object.entries(CLASS)) {
        await Deno.mkdir(join(dir, "class", student), { recursive: true });
        if (source) await cp(join(REPO_ROOT, source), join(dir, "class", student, CHAT), { recursive: true });
      }
      await Deno.mkdir(join(dir, "class/eve", CHAT), { recursive: true });
      await Deno.writeTextFile(join(dir, "class/eve", CHAT, "Makefile"), "all: server client\n");
      await Deno.writeTextFile(
        join(dir, "class/eve", CHAT, "server.c"),
        "int main(void) { return missing; }\n",
      );
      await Deno.writeTextFile(join(dir, "class/eve", CHAT, "client.c"), "int main(void) { return 0; }\n");
      await Deno.writeTextFile(
        join(dir, "roster.csv"),
        '"identifier","github_username","github_id","name"\n"s-0001","ada","1",""\n"s-0002","bob","2",""\n',
      );
      const [deno, ...gradeArgs] = await gradeCommand();
      const run = await new Deno.Command(deno, {
        args: [
          ...gradeArgs.slice(0, -1),
          join(REPO_ROOT, "harness/cli/batch.ts"),
          "grade-all",
          join(dir, "class"),
          "--lab",
          CHAT,
          "--out",
          join(dir, "out"),
          "--roster",
          join(dir, "roster.csv"),
        ],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      const report = (student: string) =>
        JSON.parse(Deno.readTextFileSync(join(dir, "out/reports", student, `${CHAT}.json`))) as StoredResult;
      const failedCheck = report("dee").checks.find((c) => c.status === "fail" && !c.advice)!;
      assert.ok(failedCheck, "the buggy submission fails a scored check");
      const failedIt = Object.keys(CLASS).filter((student) =>
        report(student).checks.some((c) =>
          c.id === failedCheck.id && (c.status === "fail" || c.status === "error")
        )
      );

      await withPage(join(dir, "out/class-report.html"), async (page, problems) => {
        const row = (student: string) => page.locator(`tr.student[data-student="${student}"]`);
        const status = async (student: string) =>
          (await row(student).locator("td.status").textContent())?.trim();
        assert.deepEqual(
          await Promise.all(Object.keys(CLASS).map(status)),
          ["graded", "graded", "graded", "graded", "build failed", "missing"],
        );
        assert.match((await row("ada").textContent())!, /s-0001/, "the roster's identifier");

        const details = row("dee").locator("xpath=following-sibling::tr[1]");
        assert.equal(await details.isVisible(), false);
        await row("dee").locator("button.open").click();
        const rationale = details.locator(`details.check[data-check="${failedCheck.id}"] p.rationale`);
        assert.equal(
          await rationale.isVisible(),
          true,
          "the failed check's rationale shows once the student is opened",
        );
        assert.equal((await rationale.textContent())?.trim(), failedCheck.rationale.trim());
        assert.equal(
          await details.locator("details.transcript pre").first().isVisible(),
          false,
          "transcripts stay collapsed",
        );

        await page.locator("select.filter-check").selectOption(failedCheck.id);
        assert.deepEqual(await attributes(page.locator("tr.student:visible"), "data-student"), failedIt);
        await page.locator("select.filter-check").selectOption("");
        await page.locator("select.filter-status").selectOption("build failed");
        assert.deepEqual(await attributes(page.locator("tr.student:visible"), "data-student"), ["eve"]);

        const pairs = page.locator("details.similar-pair");
        const [lefts, rights] = [await attributes(pairs, "data-left"), await attributes(pairs, "data-right")];
        assert.deepEqual(
          lefts.map((left, k) => `${left}~${rights[k]}`),
          ["ada~bob"],
          "the copied pair is flagged, the independent solutions are not",
        );
        await page.locator("details.similar-pair summary").click();
        assert.equal(await page.locator("details.similar-pair .fragment figure").first().isVisible(), true);
        await page.screenshot({ path: join(dir, "class-report.png"), fullPage: true });
        assert.deepEqual(problems, []);
      });
      const gradebook = await Deno.readTextFile(join(dir, "out/gradebook.csv"));
      assert.match(gradebook, /^student,identifier,/);
      const feedback = await Deno.readTextFile(join(dir, "out/feedback/dee.md"));
      assert.ok(feedback.includes(`Failed: ${markdownText(failedCheck.title)}`), feedback);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The values of one attribute of every element `locator` finds, in page order. */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return await Promise.all((await locator.all()).map((element) => element.getAttribute(name)));
}

/** Opens `file` in headless Chromium, collecting console errors, failed requests and page errors. */
async function withPage(file: string, use: (page: Page, problems: string[]) => Promise<void>): Promise<void> {
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
    await use(page, problems);
  } finally {
    await browser.close();
  }
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
