/**
 * Hostile and broken submissions (fixtures/hostile/): whatever the student
 * code does, the grader reports on time with exit status 1, leaves no
 * process, file or port behind, and the code reaches nothing outside its
 * check's sandbox. Nosy ones find none of the grader's secrets, no file of
 * the host and no other student's code, and cannot fill the disk.
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { FORMAT_NAMES, RENDERERS } from "./formats/mod.ts";
import type { GradeReport } from "./report/model.ts";
import { gradeCommand } from "./config/self.ts";
import { gradingUid } from "./sandbox/jail.ts";
import { REPO_ROOT } from "./config/labs.ts";
import { crashReport, processesLeftBehind, runGradeCli } from "./testing.ts";
import { gradeHostile, MENTIONS, shortTaskFile } from "./testing_hostile.ts";

const ESCAPES = [
  "/tmp/socklab-hostile-escape",
  "/var/tmp/socklab-hostile-escape",
  "/root/socklab-hostile-escape",
];
const HOST_PORT = 47123;

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from(
    { length: Math.ceil(items.length / size) },
    (_, i) => items.slice(i * size, (i + 1) * size),
  );
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
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
    // A fork bomb's processes take the CPU from whatever runs beside it (its
    // process count is capped, its CPU share only where cgroups are): it is graded alone, so
    // that no other fixture's 5 s build budget runs out beside it.
    const batches = [["fork-bomb"], ...chunks(names.filter((name) => name !== "fork-bomb"), 3)];
    for (const batch of batches) {
      const problems = await Promise.all(batch.map((name) => gradeHostile(name, taskFile)));
      batch.forEach((name, k) => {
        if (problems[k].length > 0) results.push(`${name}:\n  ${problems[k].join("\n  ")}`);
      });
    }
    assert.equal(reached, 0, "student code reached a service on the host's loopback");
    for (const path of ESCAPES) assert.ok(!exists(path), `student code wrote ${path}`);
    // The view binds the host's device nodes: nothing may change them for the host.
    for (const device of ["/dev/null", "/dev/zero", "/dev/urandom"]) {
      assert.equal((Deno.statSync(device).mode ?? 0) & 0o777, 0o666, `${device} lost its mode`);
    }
    assert.deepEqual(results, []);
  } finally {
    hostService.close();
    await accepting.catch(() => {});
    for (const path of ESCAPES) await Deno.remove(path).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("on the host too, a fork bomb and a setsid daemon end with their check: on time, nothing left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const taskFile = await shortTaskFile(dir, { check_timeout_ms: 4000, grading_timeout_ms: 12000 });
    const results: string[] = [];
    // Without a cgroup the bomb's processes (capped in number, not in CPU) starve the checks beside
    // them, which then time out: the verdict is not the one of namespaces, the rest holds.
    for (const name of ["fork-bomb", "daemon-holds-port"]) {
      const problems = await gradeHostile(name, taskFile, {
        env: { SOCKLAB_ISOLATION: "host" },
        verdict: false,
      });
      if (problems.length > 0) results.push(`${name}:\n  ${problems.join("\n  ")}`);
    }
    assert.deepEqual(results, []);
  } finally {
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
    assert.match(run.stdout, /Score: (\d+)\/\1 /);
  }
});

Deno.test("without namespaces the grader falls back to the host loopback and says so", async () => {
  const run = await runGradeCli(
    ["client-server", "--submission", "reference/client-server/c"],
    { SOCKLAB_ISOLATION: "host" },
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /warning: checks run on the host's loopback, one at a time/);
  assert.match(run.stdout, /Score: (\d+)\/\1 /);
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

/**
 * Secrets of one test run: values in the grader's environment, and markers
 * in files planted on the host (world-readable) and in another student's
 * submission. The nosy fixtures print whatever holds "SOCKLAB-MARKER".
 */
function makeSecrets() {
  const secret = (what: string) => `SOCKLAB-MARKER-${what}-${crypto.randomUUID()}`;
  return {
    env: { GITHUB_TOKEN: secret("github-token"), SOCKLAB_TEST_SECRET: secret("env") },
    hostFile: secret("host-file"),
    otherStudent: secret("other-student"),
  };
}
type Secrets = ReturnType<typeof makeSecrets>;

function secretValues(secrets: Secrets): string[] {
  return [...Object.values(secrets.env), secrets.hostFile, secrets.otherStudent];
}

/** Plants the host file where a nosy program would look first: /tmp, /var/tmp and the grading's TMPDIR. */
async function plantHostFiles(secrets: Secrets, tempDir: string): Promise<string[]> {
  const name = `socklab-planted-${crypto.randomUUID()}.txt`;
  const paths = ["/tmp", "/var/tmp", tempDir].map((dir) => join(dir, name));
  for (const path of paths) {
    await Deno.writeTextFile(path, `a file of the host: ${secrets.hostFile}\n`);
    await Deno.chmod(path, 0o644);
  }
  return paths;
}

/** Every format the grader writes, rendered from `report`, must hold no secret. */
function leaks(text: string, secrets: Secrets, where: string): string[] {
  return secretValues(secrets).filter((s) => text.includes(s)).map((s) => `${where} shows ${s}`);
}

function leaksInEveryFormat(report: GradeReport, secrets: Secrets): string[] {
  return FORMAT_NAMES.flatMap((format) =>
    leaks(RENDERERS[format](report, { verbose: true }), secrets, `the ${format} report`)
  );
}

/** A report that graded the submission: every check passed, failed or was skipped, none errored. */
function abnormalChecks(report: GradeReport): string[] {
  return report.checks.filter((c) => c.status === "error").map((c) => `${c.id} errored: ${c.rationale}`);
}

async function gradeNosy(
  name: string,
  taskFile: string,
  secrets: Secrets,
): Promise<{ problems: string[]; report?: GradeReport }> {
  const problems: string[] = [];
  const tempDir = await Deno.makeTempDir({ prefix: `hostile-${name}-` });
  await Deno.chmod(tempDir, 0o755);
  const planted = await plantHostFiles(secrets, tempDir);
  let report: GradeReport | undefined;
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
      { TMPDIR: tempDir, ...secrets.env },
    );
    if (run.code !== 0 && run.code !== 1) problems.push(crashReport(run.code, run.stderr));
    problems.push(...leaks(run.stdout + run.stderr, secrets, "the grader's output"));
    try {
      report = JSON.parse(run.stdout) as GradeReport;
      problems.push(...abnormalChecks(report), ...leaksInEveryFormat(report, secrets));
      problems.push(...leaks(report.build_output, secrets, "build_output"));
    } catch {
      problems.push(`no report was printed: ${run.stdout.slice(0, 300)}`);
    }
    const left = await processesLeftBehind(gradingUid(run.pid), tempDir);
    if (left.length > 0) problems.push(`processes left behind:\n    ${left.join("\n    ")}`);
    const files = [...Deno.readDirSync(tempDir)].map((e) => e.name).filter((f) =>
      !planted.includes(join(tempDir, f))
    );
    if (files.length > 0) problems.push(`temporary files left behind: ${files.join(", ")}`);
  } finally {
    for (const path of planted) await Deno.remove(path).catch(() => {});
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
  return { problems, report };
}

Deno.test("nosy submissions and Makefiles find no secret of the grader's environment, no file of the host", async () => {
  const dir = await Deno.makeTempDir();
  const secrets = makeSecrets();
  try {
    const taskFile = await shortTaskFile(dir);
    const results = await Promise.all(
      ["reads-secrets", "make-reads-secrets"].map((name) => gradeNosy(name, taskFile, secrets)),
    );
    const [server, make] = results;
    assert.deepEqual(server.problems, []);
    assert.deepEqual(make.problems, []);
    // They did look: the fixtures printed what they saw.
    const serverSaid = server.report!.checks.map((c) => c.transcript).join("\n");
    assert.match(serverSaid, /variables in my environment; looked at \d+ files/);
    assert.match(make.report!.build_output, /grep -rsI/);
    assert.equal(server.report!.score, server.report!.max_score, "the nosy server still works");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a submission filling its directory and /tmp is stopped by the scratch cap, and reported", async () => {
  const dir = await Deno.makeTempDir();
  const secrets = makeSecrets();
  try {
    const scratchMb = 32;
    const taskFile = await shortTaskFile(dir, { scratch_mb: scratchMb, file_size_mb: 8 });
    const { problems, report } = await gradeNosy("fills-scratch", taskFile, secrets);
    assert.deepEqual(problems, []);
    const said = report!.checks.map((c) => c.transcript).join("\n");
    const fills = [...said.matchAll(/wrote (\d+) MiB in (\d+) files to ([^,]+), then: ([^\\"]+)/g)];
    assert.ok(fills.length > 0, said.slice(0, 2000));
    for (const [, mib, , where, error] of fills) {
      assert.equal(error, "No space left on device", `${where}: ${error}`);
      assert.ok(Number(mib) <= scratchMb, `${mib} MiB written to ${where}, over the ${scratchMb} MiB cap`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("grade-all: a student searching the filesystem finds neither another student's code nor the roster", async () => {
  const secrets = makeSecrets();
  const classDir = await Deno.makeTempDir({ prefix: "class-" });
  const tempDir = await Deno.makeTempDir({ prefix: "hostile-class-" });
  await Deno.chmod(tempDir, 0o755);
  const out = join(tempDir, "grades");
  const planted = await plantHostFiles(secrets, tempDir);
  try {
    await cp(join(REPO_ROOT, "fixtures/hostile/reads-secrets"), join(classDir, "alice/client-server"), {
      recursive: true,
    });
    const bob = join(classDir, "bob/client-server");
    await cp(join(REPO_ROOT, "reference/client-server/c"), bob, { recursive: true });
    await Deno.writeTextFile(join(bob, "server.c"), `/* ${secrets.otherStudent} */\n`, { append: true });
    await Deno.writeTextFile(join(bob, "NOTES.txt"), `${secrets.otherStudent}\n`);
    const [deno, ...gradeArgs] = await gradeCommand();
    const run = await new Deno.Command(deno, {
      args: [
        ...gradeArgs.slice(0, -1),
        join(REPO_ROOT, "harness/cli/batch.ts"),
        "grade-all",
        classDir,
        "--lab",
        "client-server",
        "--jobs",
        "2",
        "--out",
        out,
      ],
      env: { NO_COLOR: "1", TMPDIR: tempDir, ...secrets.env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, said);
    const problems = leaks(said, secrets, "grade-all's output");
    const alice = JSON.parse(await Deno.readTextFile(await findReport(out, "alice"))) as GradeReport;
    assert.match(alice.checks.map((c) => c.transcript).join("\n"), /looked at \d+ files/);
    problems.push(...abnormalChecks(alice), ...leaksInEveryFormat(alice, secrets));
    for await (const file of walkFiles(out)) {
      // The instructor's copy of bob's own sources (for the similarity pass) holds bob's code, as it should.
      if (file.startsWith(join(out, "sources", "bob") + "/")) continue;
      problems.push(...leaks(await Deno.readTextFile(file), secrets, file.slice(out.length + 1)));
    }
    assert.deepEqual(problems, []);
    const left = [...Deno.readDirSync(tempDir)].map((e) => join(tempDir, e.name))
      .filter((path) => path !== out && !planted.includes(path));
    assert.deepEqual(left, [], "temporary files left behind");
  } finally {
    for (const path of planted) await Deno.remove(path).catch(() => {});
    await Deno.remove(classDir, { recursive: true });
    await Deno.remove(tempDir, { recursive: true });
  }
});

async function* walkFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walkFiles(path);
    else if (entry.isFile) yield path;
  }
}

async function findReport(out: string, student: string): Promise<string> {
  for await (const file of walkFiles(out)) {
    if (file.includes(student) && file.endsWith(".json")) return file;
  }
  throw new Error(`no JSON report of ${student} in ${out}`);
}
