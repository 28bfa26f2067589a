/**
 * Student code never runs as the grader, and its build directory is capped,
 * in every isolation mode: with namespaces, on the host
 * (`SOCKLAB_ISOLATION=host`), and under Docker's default profile emulated
 * (root without CAP_SYS_ADMIN and without new namespaces), where the grader
 * falls back to the host by itself.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { GradeReport } from "./report/model.ts";
import { REPO_ROOT } from "./config/labs.ts";
import { diskUse } from "./programs/build_dir.ts";
import { dockerProfilePrefix, gradingUid, processesLeftBehind, runGradeCli } from "./testing.ts";
import { shortTaskFile } from "./testing_hostile.ts";

/** The files `fixtures/hostile/results-forger` tries to overwrite (besides Gradescope's). */
const FORGERY_TARGETS = ["/tmp/socklab-forgery-target.json", "/var/tmp/socklab-forgery-target.json"];

interface Mode {
  name: string;
  env: Record<string, string>;
  prefix: string[];
  /** How the report must name the isolation. */
  isolation: RegExp;
}

async function modes(): Promise<Mode[]> {
  const docker = await dockerProfilePrefix();
  const asUid = String.raw`\(student code as uid (\d+)\)`;
  return [
    { name: "namespaces", env: {}, prefix: [], isolation: new RegExp(`^namespaces ${asUid}$`) },
    {
      name: "host",
      env: { SOCKLAB_ISOLATION: "host" },
      prefix: [],
      isolation: new RegExp(`^host ${asUid}$`),
    },
    ...(docker
      ? [{ name: "emulated Docker", env: {}, prefix: docker, isolation: new RegExp(`^host ${asUid}$`) }]
      : []),
  ];
}

async function gradeIn(
  mode: Mode,
  fixture: string,
  args: string[],
  tempDir: string,
): Promise<{ report: GradeReport; pid: number; stderr: string }> {
  const run = await runGradeCli(
    [
      "client-server",
      "--submission",
      join(REPO_ROOT, "fixtures/hostile", fixture),
      "--format",
      "json",
      ...args,
    ],
    { TMPDIR: tempDir, ...mode.env },
    mode.prefix,
  );
  assert.ok(run.code === 0 || run.code === 1, `${mode.name}: exit status ${run.code}: ${run.stderr}`);
  return { report: JSON.parse(run.stdout) as GradeReport, pid: run.pid, stderr: run.stderr };
}

Deno.test("a results forger changes no root-owned file, at build and at run time, in every isolation mode", async () => {
  if (Deno.uid() !== 0) return; // only root can plant root-owned files and drop to another uid
  const dir = await Deno.makeTempDir({ prefix: "forger-" });
  await Deno.chmod(dir, 0o755);
  try {
    const taskFile = await shortTaskFile(dir);
    const found = await modes();
    assert.ok(
      found.some((mode) => mode.name === "emulated Docker"),
      "the Docker profile could not be emulated",
    );
    for (const mode of found) {
      const original = `the grader's own results, ${crypto.randomUUID()}\n`;
      for (const target of FORGERY_TARGETS) {
        await Deno.writeTextFile(target, original);
        await Deno.chown(target, 0, 0);
        await Deno.chmod(target, 0o644);
      }
      try {
        const { report, pid } = await gradeIn(
          mode,
          "results-forger",
          ["--task", taskFile, "--only", "build,server-with-c-client,client-with-c-server"],
          dir,
        );
        const uid = report.isolation.match(mode.isolation)?.[1];
        assert.ok(uid, `${mode.name}: the report names the isolation as "${report.isolation}"`);
        assert.equal(Number(uid), gradingUid(pid));
        // It did run, as that uid, at build time and as each program.
        const said = [report.build_output, ...report.checks.map((c) => c.transcript)].join("\n");
        const runs = [...said.matchAll(/forger running as uid (\d+)/g)].map((m) => m[1]);
        assert.ok(runs.length >= 3, `${mode.name}: the forger ran ${runs.length} times:\n${said}`);
        assert.deepEqual([...new Set(runs)], [uid], `${mode.name}: student code ran as ${runs}`);
        // On the host every attempt fails; in a view its /tmp and /var/tmp are its own, and it forges those.
        if (mode.name !== "namespaces") {
          assert.doesNotMatch(said, /forged|replaced|made .* writable/, mode.name);
        }
        // Its daemon, which would keep trying for 20 s, is gone with the grading.
        assert.deepEqual(await processesLeftBehind(Number(uid), dir), [], mode.name);
        for (const target of FORGERY_TARGETS) {
          assert.equal(await Deno.readTextFile(target), original, `${mode.name}: ${target} was changed`);
          const info = await Deno.stat(target);
          assert.equal(info.uid, 0);
          assert.equal(info.mode! & 0o777, 0o644, `${mode.name}: ${target} changed mode`);
          // What it made where everyone may write (on the host) goes with the grading.
          await assert.rejects(
            Deno.lstat(`${target}.new`),
            Deno.errors.NotFound,
            `${mode.name}: ${target}.new left`,
          );
        }
      } finally {
        for (const target of FORGERY_TARGETS) {
          await Deno.remove(target).catch(() => {});
          await Deno.remove(`${target}.new`).catch(() => {});
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The most `dir` held on disk while `work` ran, measured as often as a walk allows. */
async function peakDiskUse<T>(dir: string, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let done = false;
  let peak = 0;
  const watching = (async () => {
    while (!done) {
      peak = Math.max(peak, await diskUse(dir));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const result = await work.finally(() => done = true);
  await watching;
  return { result, peak };
}

Deno.test("a build writing 2 GB fails on limits.build_mb; the host's disk holds no more than the cap; a neighbour is unaffected", async () => {
  const buildMb = 64;
  const mib = 1024 * 1024;
  const dir = await Deno.makeTempDir({ prefix: "fills-build-" });
  await Deno.chmod(dir, 0o755);
  try {
    const taskFile = await shortTaskFile(dir, { build_mb: buildMb });
    for (const mode of (await modes()).filter((m) => m.name !== "emulated Docker")) {
      const tempDir = await Deno.makeTempDir({ dir, prefix: "tmp-" });
      await Deno.chmod(tempDir, 0o755);
      // A classmate graded at the same time (with namespaces: on the host, two gradings would share port 5000).
      const neighbour = mode.name === "namespaces"
        ? runGradeCli(
          [
            "client-server",
            "--submission",
            "reference/client-server/c",
            "--task",
            taskFile,
            "--format",
            "json",
          ],
        )
        : undefined;
      const { result, peak } = await peakDiskUse(
        tempDir,
        gradeIn(mode, "fills-build-dir", ["--task", taskFile], tempDir),
      );
      const build = result.report.checks.find((c) => c.id === "build")!;
      assert.equal(build.status, "fail", `${mode.name}: ${build.rationale}`);
      assert.match(build.rationale, new RegExp(`the build wrote more than ${buildMb} MiB`), mode.name);
      // With namespaces the build's tmpfs is memory: nothing of it reaches the disk. On the host
      // the watcher measures after each write, and the build overshoots by what it writes before
      // the grader is scheduled: 64-72 MiB unloaded or beside three busy loops, up to 99 MiB with
      // the whole suite beside two (83-98 MiB unloaded when it measured every 20 ms).
      const allowed = mode.name === "namespaces" ? 1 * mib : buildMb * mib * 2;
      assert.ok(peak <= allowed, `${mode.name}: the grading's TMPDIR held ${(peak / mib).toFixed(1)} MiB`);
      console.log(
        `${mode.name}: peak disk use of the grading ${(peak / mib).toFixed(1)} MiB (cap ${buildMb} MiB)`,
      );
      if (neighbour) {
        const beside = await neighbour;
        assert.equal(beside.code, 0, beside.stderr);
        const report = JSON.parse(beside.stdout) as GradeReport;
        assert.equal(report.score, report.max_score, "the neighbour lost points");
      }
      assert.deepEqual([...Deno.readDirSync(tempDir)], [], `${mode.name}: temporary files left behind`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
