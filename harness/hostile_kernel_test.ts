/**
 * Hostile submissions that reach for the kernel's shared state
 * (fixtures/hostile/): System V IPC and POSIX message queues, shared memory
 * pinned with no process, keys, descriptors the grader was started with,
 * user namespaces and mounts. Each grading must leave nothing of it on the
 * host, hand nothing of it to the next check or grading, and the refused
 * calls must fail with EPERM without costing the (otherwise correct)
 * submission a point. The fixtures print what they tried and saw.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { GradeReport } from "./report/model.ts";
import { gradeCommand } from "./config/self.ts";
import { gradingUid } from "./sandbox/jail.ts";
import { labPaths, REPO_ROOT } from "./config/labs.ts";
import { crashReport, processesLeftBehind } from "./testing.ts";

const LIMITS = { step_timeout_ms: 1500, check_timeout_ms: 8000, build_timeout_ms: 10000 };
/** The checks that start the student's server: enough for one runner to serve several in a row. */
const SERVER_CHECKS =
  "server-with-c-client,server-with-python-client,server-ends-conversation,server-long-messages";
/** The fixed keys of ipc-planter (ipc_probe.h), as /proc/sysvipc prints them (decimal). */
const PLANTED_KEYS = [0x50c1ab01, 0x50c1ab02, 0x50c1ab03];
const PLANTED_MQUEUE = "socklab-planted";
const MIB = 1024 * 1024;

interface HostileGrading {
  report: GradeReport;
  /** Build output, rationales and transcripts: what the fixture printed. */
  said: string;
  /** The uid student code ran as. */
  uid: number;
  stdout: string;
  stderr: string;
  /** Processes or temporary files left, an exit status other than 0. */
  problems: string[];
}

async function taskFile(dir: string): Promise<string> {
  const task = parse(await Deno.readTextFile(labPaths("client-server").taskYaml));
  task.limits = { ...task.limits, ...LIMITS };
  const file = join(dir, "task.yaml");
  await Deno.writeTextFile(file, stringify(task));
  return file;
}

/**
 * Grades fixtures/hostile/NAME with the grader's command line; with `fds`,
 * the grader is started as a CI step might: `8<secret 9>>append`.
 */
async function gradeHostile(
  name: string,
  options: {
    task: string;
    only?: string;
    jobs?: number;
    fds?: { secret: string; append: string };
    env?: Record<string, string>;
  },
): Promise<HostileGrading> {
  const tempDir = await Deno.makeTempDir({ prefix: `hostile-${name}-` });
  await Deno.chmod(tempDir, 0o755);
  const problems: string[] = [];
  try {
    const grader = [
      ...await gradeCommand(),
      "client-server",
      "--submission",
      join(REPO_ROOT, "fixtures/hostile", name),
      "--task",
      options.task,
      "--format",
      "json",
      ...(options.only ? ["--only", options.only] : []),
      ...(options.jobs ? ["--jobs", String(options.jobs)] : []),
    ];
    // bash opens the two descriptors, then becomes the grader (exec): the pid stays the grader's.
    const argv = options.fds
      ? [
        "bash",
        "-c",
        'exec 8<"$1" 9>>"$2"; shift 2; exec "$@"',
        "bash",
        options.fds.secret,
        options.fds.append,
        ...grader,
      ]
      : grader;
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1", TMPDIR: tempDir, ...options.env },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = await child.output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    if (output.code !== 0) problems.push(crashReport(output.code, stderr));
    const report = JSON.parse(stdout) as GradeReport;
    const said = [report.build_output, ...report.checks.flatMap((c) => [c.rationale, c.transcript])].join(
      "\n",
    );
    const uid = gradingUid(child.pid);
    const left = await processesLeftBehind(uid, tempDir);
    if (left.length > 0) problems.push(`processes left behind:\n    ${left.join("\n    ")}`);
    const files = [...Deno.readDirSync(tempDir)].map((e) => e.name);
    if (files.length > 0) problems.push(`temporary files left behind: ${files.join(", ")}`);
    return { report, said, uid, stdout, stderr, problems };
  } finally {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
}

/** The lines the fixture printed that start with `prefix` (transcripts quote them). */
function printed(said: string, prefix: string): string[] {
  return [...said.matchAll(new RegExp(`${prefix}: [^"\\n\\\\]*`, "g"))].map((m) => m[0]);
}

function fullMarks(grading: HostileGrading): void {
  assert.deepEqual(grading.problems, [], grading.said.slice(0, 3000));
  assert.equal(grading.report.score, grading.report.max_score, grading.said.slice(0, 3000));
}

/** Rows of the host's /proc/sysvipc/TABLE, as column name to number. */
function sysvRows(table: "shm" | "msg" | "sem"): Record<string, number>[] {
  const [header, ...rows] = Deno.readTextFileSync(`/proc/sysvipc/${table}`).trim().split("\n");
  const names = header.trim().split(/\s+/);
  return rows.map((row) => Object.fromEntries(row.trim().split(/\s+/).map((v, i) => [names[i], Number(v)])));
}

function hostObjectsWithPlantedKeys(): string[] {
  return (["shm", "msg", "sem"] as const).flatMap((table) =>
    sysvRows(table).filter((row) => PLANTED_KEYS.includes(row.key)).map((row) => `${table} key ${row.key}`)
  );
}

/** The host's POSIX message queues, read through a mount in a mount namespace of its own (root only). */
async function hostMessageQueues(): Promise<string[] | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "mqueue-" });
  try {
    const listing = await new Deno.Command("unshare", {
      args: [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount -t mqueue none "$1" && ls -A "$1"',
        "sh",
        dir,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!listing.success) return undefined;
    return new TextDecoder().decode(listing.stdout).split("\n").filter((name) => name !== "");
  } finally {
    await Deno.remove(dir);
  }
}

function meminfoBytes(field: string): number {
  const line = Deno.readTextFileSync("/proc/meminfo").split("\n").find((l) => l.startsWith(`${field}:`));
  return Number(line!.split(/\s+/)[1]) * 1024;
}

/** The host's /proc/key-users line of `uid`, if the kernel holds any key of it. */
function keyUser(uid: number): string | undefined {
  return Deno.readTextFileSync("/proc/key-users").split("\n").find((line) =>
    line.trim().startsWith(`${uid}:`)
  );
}

/**
 * Waits until `condition` holds, up to `ms`: the kernel frees a dead IPC
 * namespace and garbage-collects keys in a work queue, moments after the
 * last process is gone.
 */
async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

Deno.test("IPC objects of a build or a check reach neither the next check nor the next grading, nor the host", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const task = await taskFile(dir);
    // One runner serves every check in turn: each check's server looks for what the one before it left.
    const planter = await gradeHostile("ipc-planter", { task, only: SERVER_CHECKS, jobs: 1 });
    const reader = await gradeHostile("ipc-reader", { task, only: SERVER_CHECKS, jobs: 1 });
    fullMarks(planter);
    fullMarks(reader);
    const planted = printed(planter.said, "ipc").filter((line) => line.includes("planted 4 of 4"));
    assert.ok(planted.some((line) => line.startsWith("ipc: build:")), planter.said.slice(0, 2000));
    assert.ok(
      planted.filter((line) => line.startsWith("ipc: server:")).length >= 2,
      planter.said.slice(0, 3000),
    );
    for (const grading of [planter, reader]) {
      const looked = printed(grading.said, "ipc").filter((line) => !line.includes("planted"));
      assert.ok(looked.length >= 8, `looked ${looked.length} times`);
      assert.deepEqual(
        looked.filter((line) => line.includes(" found")),
        [],
        "a check found what another left",
      );
    }
    assert.deepEqual(hostObjectsWithPlantedKeys(), [], "the host holds planted System V objects");
    const queues = await hostMessageQueues();
    if (queues) assert.ok(!queues.includes(PLANTED_MQUEUE), "the host holds the planted POSIX message queue");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("1 GiB of shared memory a build pins and detaches is freed with its sandbox", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const before = meminfoBytes("Shmem");
    const grading = await gradeHostile("pins-shared-memory", {
      task: await taskFile(dir),
      only: "server-with-c-client",
    });
    fullMarks(grading);
    assert.match(grading.report.build_output, /pin: pinned 4 segments of 256 MiB, detached/);
    const segments = () => sysvRows("shm").filter((row) => row.size === 256 * MIB);
    assert.deepEqual(segments(), [], "the host lists the pinned segments");
    // Other programs of the machine move Shmem too: a quarter of what was pinned is the tolerance.
    const freed = await eventually(() => meminfoBytes("Shmem") < before + 256 * MIB, 10_000);
    assert.ok(freed, `Shmem grew from ${before / MIB} MiB to ${meminfoBytes("Shmem") / MIB} MiB`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys: add_key, request_key and keyctl beyond a new session keyring fail with EPERM, nothing stays", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const grading = await gradeHostile("adds-keys", {
      task: await taskFile(dir),
      only: "server-with-c-client",
    });
    fullMarks(grading);
    const tried = printed(grading.said, "keys");
    for (const who of ["build", "server"]) {
      const mine = tried.filter((line) => line.startsWith(`keys: ${who}:`));
      assert.ok(mine.length >= 6, tried.join("\n"));
      for (const line of mine) assert.match(line, /: Operation not permitted$/);
    }
    const gone = await eventually(() => keyUser(grading.uid) === undefined, 5000);
    assert.ok(gone, `/proc/key-users still counts keys of uid ${grading.uid}: ${keyUser(grading.uid)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const host of [false, true]) {
  const mode = host ? "on the host (no namespaces)" : "in namespaces";
  Deno.test(`descriptors the grader was started with (8<secret 9>>file) reach neither the build nor a check, ${mode}`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const secretText = `SOCKLAB-FD-SECRET-${crypto.randomUUID()}`;
      const secret = join(dir, "secret.txt");
      const append = join(dir, "append.txt");
      await Deno.writeTextFile(secret, `${secretText}\n`);
      await Deno.writeTextFile(append, "");
      const grading = await gradeHostile("reads-descriptors", {
        task: await taskFile(dir),
        only: "server-with-c-client,server-with-python-client",
        fds: { secret, append },
        env: host ? { SOCKLAB_ISOLATION: "host" } : {},
      });
      fullMarks(grading);
      assert.match(grading.report.isolation, host ? /^host/ : /^namespaces/);
      const tried = printed(grading.said, "fds");
      for (const who of ["build", "server"]) {
        assert.ok(tried.includes(`fds: ${who}: fd 8: Bad file descriptor`), tried.join("\n"));
        assert.ok(tried.includes(`fds: ${who}: fd 9: Bad file descriptor`), tried.join("\n"));
      }
      assert.ok(tried.includes("fds: build: open beyond 0-2: none"), tried.join("\n"));
      // The server's own listening socket is its fd 3; nothing of the grader's.
      for (const line of tried.filter((l) => l.includes("open beyond"))) {
        assert.doesNotMatch(line, /secret\.txt|append\.txt/);
      }
      for (const text of [grading.stdout, grading.stderr]) {
        assert.ok(!text.includes(secretText), "the secret leaked");
      }
      assert.equal(await Deno.readTextFile(append), "", "student code wrote into the grader's fd 9");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

for (const host of [false, true]) {
  const mode = host ? "on the host (no namespaces)" : "in namespaces";
  Deno.test(`a user namespace, a mount namespace, a mount and clone(CLONE_NEWUSER) fail with EPERM, ${mode}; the program goes on`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const grading = await gradeHostile("tries-namespaces", {
        task: await taskFile(dir),
        only: "server-with-c-client",
        env: host ? { SOCKLAB_ISOLATION: "host" } : {},
      });
      fullMarks(grading);
      const tried = printed(grading.said, "namespaces");
      for (const who of ["build", "server"]) {
        for (
          const what of [
            "unshare(CLONE_NEWUSER)",
            "unshare(CLONE_NEWNS)",
            "mount tmpfs on /tmp",
            "clone(CLONE_NEWUSER)",
          ]
        ) {
          assert.ok(tried.includes(`namespaces: ${who}: ${what}: Operation not permitted`), tried.join("\n"));
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** Removes what ipc-planter leaves on the host, whatever a failed run left. */
async function removePlantedFromHost(): Promise<void> {
  const keys = PLANTED_KEYS.map((key) => `0x${key.toString(16)}`);
  await new Deno.Command("ipcrm", { args: ["-M", keys[0], "-Q", keys[1], "-S", keys[2]], stderr: "null" })
    .output();
  const dir = await Deno.makeTempDir({ prefix: "mqueue-" });
  await new Deno.Command("unshare", {
    args: [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -t mqueue none "$1" && rm -f "$1/$2"',
      "sh",
      dir,
      PLANTED_MQUEUE,
    ],
    stderr: "null",
  }).output();
  await Deno.remove(dir);
}

Deno.test({
  name: "on the host (no namespaces), the IPC objects of a grading are gone when it ends",
  // Student code runs as a uid of the grading's own only where the grader is
  // root: the grader's own objects cannot be told from the student's.
  ignore: Deno.uid() !== 0,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const task = await taskFile(dir);
      const env = { SOCKLAB_ISOLATION: "host" };
      // Two checks in turn, one at a time on the host: the second must not find what the build or the first left.
      const planter = await gradeHostile("ipc-planter", {
        task,
        only: "server-with-c-client,server-ends-conversation",
        env,
      });
      fullMarks(planter);
      assert.ok(printed(planter.said, "ipc").some((line) => line.includes("planted 4 of 4")));
      const looked = printed(planter.said, "ipc").filter((line) => !line.includes("planted"));
      assert.ok(looked.length >= 12, `looked ${looked.length} times`);
      assert.deepEqual(
        looked.filter((line) => line.includes(" found")),
        [],
        "a check found what another left",
      );
      assert.deepEqual(hostObjectsWithPlantedKeys(), [], "the host holds planted System V objects");
      const queues = await hostMessageQueues();
      if (queues) {
        assert.ok(!queues.includes(PLANTED_MQUEUE), "the host holds the planted POSIX message queue");
      }
    } finally {
      await removePlantedFromHost();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
