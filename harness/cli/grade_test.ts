import assert from "node:assert/strict";
import { join } from "node:path";
import { runGradeCli } from "../testing.ts";

const REFERENCE = "reference/client-server/c";

async function expectUsageError(args: string[], message: RegExp): Promise<void> {
  const run = await runGradeCli(args);
  assert.equal(run.code, 2, `exit status of grade ${args.join(" ")}: ${run.stderr}`);
  assert.match(run.stderr, message);
  assert.equal(run.stdout, "", "a usage error prints no report");
}

Deno.test("grade: an unknown lab is a usage error that lists the labs", async () => {
  await expectUsageError(["no-such-lab"], /unknown lab 'no-such-lab'; the labs are: .*client-server/);
});

Deno.test("grade: a missing submission directory is a usage error", async () => {
  await expectUsageError(
    ["client-server", "--submission", "/nonexistent/lab"],
    /\/nonexistent\/lab does not exist/,
  );
});

Deno.test("grade: an empty submission directory is a usage error", async () => {
  const empty = await Deno.makeTempDir();
  try {
    await expectUsageError(["client-server", "--submission", empty], /is empty/);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("grade: a directory with neither a Makefile nor Python files is a usage error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "notes.txt"), "hello");
    await expectUsageError(
      ["client-server", "--submission", dir],
      /neither a Makefile .* nor server\.py .*notes\.txt/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("grade: a malformed task.yaml is a usage error with file:line:column", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "task.yaml");
  try {
    await Deno.writeTextFile(
      file,
      "lab: client-server\ntitle: T\nchecks:\n  - id: build\n    title: B\n    points: many\n",
    );
    await expectUsageError(
      ["client-server", "--task", file],
      new RegExp(`${file}:6:13: checks\\.0\\.points:`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("grade: an unknown format is a usage error that lists the formats", async () => {
  await expectUsageError(
    ["client-server", "--format", "pdf"],
    /unknown format 'pdf'; the formats are: text, json/,
  );
});

Deno.test("grade: an unwritable --output is a usage error", async () => {
  await expectUsageError(
    ["client-server", "--output", "/nonexistent/dir/report.txt"],
    /cannot write the report to/,
  );
});

Deno.test("grade: a check id --only does not know is a usage error", async () => {
  await expectUsageError(["client-server", "--only", "build,nope"], /unknown check nope/);
});

Deno.test("grade: the JSON report has the documented shape and the exit status says all passed", async () => {
  const run = await runGradeCli([
    "client-server",
    "--submission",
    REFERENCE,
    "--format",
    "json",
    "--only",
    "build,server-with-c-client",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.lab, "client-server");
  assert.equal(report.score, report.max_score);
  assert.deepEqual(report.checks.map((c: { id: string }) => c.id), ["build", "server-with-c-client"]);
  for (const check of report.checks) {
    for (
      const key of [
        "id",
        "title",
        "status",
        "points",
        "max_points",
        "rationale",
        "hint",
        "transcript",
        "duration_ms",
      ]
    ) {
      assert.ok(key in check, `check has ${key}`);
    }
  }
});

Deno.test("grade: the starter code is graded with exit status 1 and a helpful report", async () => {
  const run = await runGradeCli(["client-server", "--only", "build,server-with-c-client"]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /not implemented yet/);
  assert.match(run.stdout, /Score: 1\/4/);
});

Deno.test("grade: a submission given as a symbolic link is built from a copy, never in place", async () => {
  const dir = await Deno.makeTempDir();
  const original = join(dir, "original");
  await Deno.mkdir(original);
  for (const file of ["Makefile", "server.c", "client.c"]) {
    await Deno.copyFile(join("reference/client-server/c", file), join(original, file));
  }
  await Deno.symlink(original, join(dir, "link"));
  try {
    const run = await runGradeCli(["client-server", "--submission", join(dir, "link"), "--only", "build"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual([...Deno.readDirSync(original)].map((e) => e.name).sort(), [
      "Makefile",
      "client.c",
      "server.c",
    ]);
    assert.equal(Deno.statSync(original).uid, Deno.uid());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
