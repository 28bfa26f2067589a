import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../config/labs.ts";
import { gradeCommand } from "../config/self.ts";
import { runGradeCli } from "../testing.ts";

/** A small class: references and fixtures of client-server under student names. */
const CLASS: Record<string, string> = {
  ada: "reference/client-server/c",
  bob: "fixtures/client-server/server-wrong-exit-status",
  cyd: "reference/client-server/python",
  dee: "fixtures/client-server/client-ignores-exit",
  eve: "fixtures/client-server/build-error",
  fay: "fixtures/client-server/server-unterminated-buffer",
};

async function makeClass(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "class-" });
  for (const [student, source] of Object.entries(CLASS)) {
    await cp(join(REPO_ROOT, source), join(dir, student, "client-server"), { recursive: true });
  }
  await Deno.mkdir(join(dir, "gus")); // handed nothing in
  return dir;
}

async function batch(task: "grade-all" | "merge-grades", args: string[]) {
  const [deno, ...gradeArgs] = await gradeCommand();
  const output = await new Deno.Command(deno, {
    args: [...gradeArgs.slice(0, -1), join(REPO_ROOT, "harness/cli/batch.ts"), task, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, text);
  return text;
}

/** `count` checks that errored, worth 0. */
function erroredChecks(count: number): [string, number][] {
  return Array.from({ length: count }, () => ["error", 0]);
}

function parseCsv(text: string): string[][] {
  return text.trimEnd().split("\r\n").map((line) => line.split(","));
}

Deno.test("grade-all: the gradebook agrees with single gradings, sharded runs merge into the same gradebook", async () => {
  const classDir = await makeClass();
  const out = await Deno.makeTempDir({ prefix: "grades-" });
  try {
    await batch("grade-all", [classDir, "--lab", "client-server", "--jobs", "2", "--out", join(out, "all")]);
    const gradebook = await Deno.readTextFile(join(out, "all/gradebook.csv"));
    const [header, maxima, ...rows] = parseCsv(gradebook);
    assert.deepEqual(rows.map((r) => r[0]), [...Object.keys(CLASS), "gus"].sort());
    assert.equal(maxima[0], "Points Possible");
    const status = (student: string) =>
      rows.find((r) => r[0] === student)![header.indexOf("client-server status")];
    assert.deepEqual(
      ["ada", "bob", "eve", "gus"].map(status),
      ["graded", "graded", "build failed", "missing"],
      "the status column tells a build failure from a missing submission",
    );

    for (const [student, source] of Object.entries(CLASS)) {
      const single = JSON.parse(
        (await runGradeCli(["client-server", "--submission", source, "--format", "json"])).stdout,
      );
      const row = rows.find((r) => r[0] === student)!;
      assert.equal(Number(row[header.indexOf("client-server")]), single.score, `${student}'s lab total`);
      assert.equal(Number(maxima[header.indexOf("client-server")]), single.max_score, "the lab's maximum");
      assert.equal(Number(row[header.indexOf("total")]), single.score, `${student}'s total`);
      for (const check of single.checks) {
        if (check.advice && check.max_points === 0) {
          assert.equal(header.indexOf(`client-server/${check.id}`), -1, `advice ${check.id} is no column`);
          continue;
        }
        assert.equal(Number(maxima[header.indexOf(`client-server/${check.id}`)]), check.max_points);
        assert.equal(
          Number(row[header.indexOf(`client-server/${check.id}`)]),
          check.points,
          `${student} ${check.id}`,
        );
      }
    }
    const gus = rows.find((r) => r[0] === "gus")!;
    assert.equal(gus[header.indexOf("total")], "0");
    // Stored like any report that could not be graded: every check listed, an error worth 0.
    const gusReport = JSON.parse(await Deno.readTextFile(join(out, "all/reports/gus/client-server.json")));
    assert.equal(gusReport.missing, true);
    assert.match(gusReport.not_graded, /handed nothing in/);
    assert.ok(gusReport.checks.length > 0, "every check listed");
    assert.deepEqual(
      gusReport.checks.map((c: { id: string; status: string; points: number }) => [c.status, c.points]),
      erroredChecks(gusReport.checks.length),
    );
    for (const column of header.filter((h) => h.startsWith("client-server/"))) {
      assert.equal(gus[header.indexOf(column)], "0", `gus ${column}`);
    }

    for (const shard of ["1/2", "2/2"]) {
      await batch("grade-all", [
        classDir,
        "--lab",
        "client-server",
        "--shard",
        shard,
        "--out",
        join(out, shard[0]),
      ]);
    }
    await batch("merge-grades", [join(out, "1"), join(out, "2"), "--out", join(out, "merged")]);
    assert.equal(await Deno.readTextFile(join(out, "merged/gradebook.csv")), gradebook);
    // The merged page lists every student of every shard, with their status, and the same similar pairs.
    const studentsAndPairs = (html: string) =>
      [
        ...html.matchAll(
          /<tr class="student" data-student="([^"]*)" data-status="([^"]*)" data-score="([^"]*)"/g,
        ),
        ...html.matchAll(/<details class="similar-pair" data-left="([^"]*)" data-right="([^"]*)"/g),
      ].map((match) => match.slice(1).join(" "));
    const wholeClass = studentsAndPairs(await Deno.readTextFile(join(out, "all/class-report.html")));
    assert.equal(
      wholeClass.filter((line) => !/ (graded|build failed|missing) /.test(line)).length > 0,
      true,
      "fixtures made from the reference are flagged as similar to it",
    );
    assert.equal(wholeClass.filter((line) => / (graded|build failed|missing) /.test(line)).length, 7);
    assert.deepEqual(
      studentsAndPairs(await Deno.readTextFile(join(out, "merged/class-report.html"))),
      wholeClass,
    );
    const feedback = await Deno.readTextFile(join(out, "all/feedback/bob.md"));
    assert.match(feedback, /^# Feedback for bob/);
    assert.match(feedback, /Failed: /);
    assert.match(await Deno.readTextFile(join(out, "all/feedback/gus.md")), /Nothing was handed in/);

    const rerun = await batch("grade-all", [classDir, "--lab", "client-server", "--out", join(out, "all")]);
    assert.match(rerun, /0 graded, 6 unchanged, 1 missing/);
    assert.equal(await Deno.readTextFile(join(out, "all/gradebook.csv")), gradebook);
  } finally {
    await Deno.remove(classDir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});
