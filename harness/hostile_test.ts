/**
 * Hostile and broken submissions (fixtures/hostile/): whatever the student
 * code does, the grader reports on time with exit status 1, leaves no
 * process, file or port behind, and the code reaches nothing outside its
 * check's sandbox.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { gradingUid } from "./jail.ts";
import { labPaths, REPO_ROOT } from "./labs.ts";
import { processesLeftBehind, runGradeCli } from "./testing.ts";

const LIMITS = {
  step_timeout_ms: 1500,
  check_timeout_ms: 8000,
  build_timeout_ms: 5000,
  grading_timeout_ms: 30000,
};
/** Deno's start, builds and reports on top of the grading budget. */
const SLACK_MS = 10000;
const ESCAPES = [
  "/tmp/socklab-hostile-escape",
  "/var/tmp/socklab-hostile-escape",
  "/root/socklab-hostile-escape",
];
const HOST_PORT = 47123;

/** What the report of each fixture must mention, beyond a score line. */
const MENTIONS: Record<string, RegExp> = {
  "fork-bomb": /expected the server to print/,
  "prints-forever": /spam spam/,
  "ignores-sigterm": /expected the server to exit with status 0/,
  "daemon-holds-port": /Address already in use|expected the server to print/,
  "allocates-10g": /killed by SIGSEGV|exited with status/,
  "segfault-on-first-message": /killed by SIGSEGV \(segmentation fault/,
  "connects-to-host-port": /connect to the host: (Connection refused|Network is unreachable)/,
  "writes-outside": /Read-only file system/,
  "make-never-ends": /did not finish within 5 s and was stopped/,
  "make-fails": /undeclared_variable/,
};

async function shortTaskFile(dir: string): Promise<string> {
  const task = parse(await Deno.readTextFile(labPaths("client-server").taskYaml));
  task.limits = { ...task.limits, ...LIMITS };
  const file = join(dir, "task.yaml");
  await Deno.writeTextFile(file, stringify(task));
  return file;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function gradeHostile(name: string, taskFile: string): Promise<string[]> {
  const problems: string[] = [];
  const tempDir = await Deno.makeTempDir({ prefix: `hostile-${name}-` });
  // Reachable by the unprivileged uid student code runs as, like /tmp itself.
  await Deno.chmod(tempDir, 0o755);
  try {
    const run = await runGradeCli(
      [
        "client-server",
        "--submission",
        join(REPO_ROOT, "fixtures/hostile", name),
        "--task",
        taskFile,
        "--format",
        "json",
      ],
      { TMPDIR: tempDir },
    );
    if (run.code !== 1) problems.push(`exit status ${run.code}, not 1: ${run.stderr.slice(-500)}`);
    let said = "";
    try {
      const report = JSON.parse(run.stdout);
      said = [
        report.build_output,
        ...report.checks.flatMap((c: Record<string, string>) => [c.rationale, c.transcript]),
      ]
        .join("\n");
    } catch {
      problems.push(`no report was printed: ${run.stdout.slice(0, 300)}`);
    }
    if (!MENTIONS[name].test(said)) problems.push(`the report does not mention ${MENTIONS[name]}`);
    if (run.wallMs > LIMITS.grading_timeout_ms + SLACK_MS) problems.push(`took ${Math.round(run.wallMs)} ms`);
    const left = await processesLeftBehind(gradingUid(run.pid), tempDir);
    if (left.length > 0) problems.push(`processes left behind:\n    ${left.join("\n    ")}`);
    const files = [...Deno.readDirSync(tempDir)].map((e) => e.name);
    if (files.length > 0) problems.push(`temporary files left behind: ${files.join(", ")}`);
  } finally {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
  return problems;
}

Deno.test("hostile submissions: reported on time, exit 1, nothing left behind, nothing reached outside", async () => {
  const dir = await Deno.makeTempDir();
  const taskFile = await shortTaskFile(dir);
  // A service on the host's loopback that the sandboxed code must not reach.
  const hostService = Deno.listen({ hostname: "127.0.0.1", port: HOST_PORT });
  let reached = 0;
  const accepting = (async () => {
    for await (const conn of hostService) {
      reached++;
      conn.close();
    }
  })();
  try {
    const names = Object.keys(MENTIONS);
    const results: string[] = [];
    for (let i = 0; i < names.length; i += 3) {
      const batch = names.slice(i, i + 3);
      const problems = await Promise.all(batch.map((name) => gradeHostile(name, taskFile)));
      batch.forEach((name, k) => {
        if (problems[k].length > 0) results.push(`${name}:\n  ${problems[k].join("\n  ")}`);
      });
    }
    assert.equal(reached, 0, "student code reached a service on the host's loopback");
    for (const path of ESCAPES) assert.ok(!exists(path), `student code wrote ${path}`);
    assert.deepEqual(results, []);
  } finally {
    hostService.close();
    await accepting.catch(() => {});
    for (const path of ESCAPES) await Deno.remove(path).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("four gradings of one lab side by side all give the reference full marks", async () => {
  const runs = await Promise.all(
    Array.from(
      { length: 4 },
      () => runGradeCli(["client-server", "--submission", "reference/client-server/c"]),
    ),
  );
  for (const run of runs) {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Score: 22\/22/);
  }
});

Deno.test("without namespaces the grader falls back to the host loopback and says so", async () => {
  const run = await runGradeCli(
    ["client-server", "--submission", "reference/client-server/c"],
    { SOCKLAB_ISOLATION: "host" },
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /warning: checks run on the host's loopback, one at a time/);
  assert.match(run.stdout, /Score: 22\/22/);
});

Deno.test("without namespaces a port held by another program is named, and that program is left alone", async () => {
  const squatter = Deno.listen({ hostname: "127.0.0.1", port: 5000 });
  try {
    const run = await runGradeCli(
      ["client-server", "--submission", "reference/client-server/c"],
      { SOCKLAB_ISOLATION: "host" },
    );
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /port 5000 on 127\.0\.0\.1 is in use by a program the grader did not start/);
    const probe = await Deno.connect({ hostname: "127.0.0.1", port: 5000 });
    probe.close();
  } finally {
    squatter.close();
  }
});
