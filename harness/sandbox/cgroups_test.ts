import assert from "node:assert/strict";
import { join } from "node:path";
import { detectCgroups, GradingCgroups, jailCgroupArgs, joinPrefix } from "./cgroups.ts";
import { nativeHelpers } from "./native.ts";

const V1_SELF = "9:name=systemd:/\n8:pids:/\n6:freezer:/\n4:memory:/job/42\n1:cpu:/\n0::/\n";

Deno.test("cgroup v1: each hierarchy under the grader's own cgroup", () => {
  const support = detectCgroups({
    root: "/sys/fs/cgroup",
    selfCgroup: V1_SELF,
    v1Mounted: ["cpu", "memory", "pids", "freezer"],
    privileged: true,
  });
  assert.deepEqual(support, {
    version: 1,
    bases: {
      cpu: "/sys/fs/cgroup/cpu/",
      memory: "/sys/fs/cgroup/memory/job/42",
      pids: "/sys/fs/cgroup/pids/",
      freezer: "/sys/fs/cgroup/freezer/",
    },
  });
});

Deno.test("cgroup v2: the root of the unified hierarchy, if it has the cpu and memory controllers", () => {
  const host = { root: "/sys/fs/cgroup", selfCgroup: "0::/system.slice/runner.service\n", v1Mounted: [] };
  assert.deepEqual(
    detectCgroups({ ...host, v2Controllers: "cpuset cpu io memory pids\n", privileged: true }),
    { version: 2, bases: { unified: "/sys/fs/cgroup" }, controllers: ["cpu", "memory", "pids"] },
  );
  const noMemory = detectCgroups({ ...host, v2Controllers: "cpu pids\n", privileged: true });
  assert.equal(noMemory.version, 0);
});

Deno.test("without root or without cpu and memory hierarchies there are no cgroups, and the reason is given", () => {
  const notRoot = detectCgroups({
    root: "/sys/fs/cgroup",
    selfCgroup: V1_SELF,
    v1Mounted: ["cpu"],
    privileged: false,
  });
  assert.match((notRoot as { reason: string }).reason, /not root/);
  const noMemory = detectCgroups({
    root: "/sys/fs/cgroup",
    selfCgroup: V1_SELF,
    v1Mounted: ["cpu"],
    privileged: true,
  });
  assert.match((noMemory as { reason: string }).reason, /cpu and memory/);
});

Deno.test("joining: one --cgroup per hierarchy for the jail, a shell prefix for the harness", () => {
  assert.deepEqual(jailCgroupArgs(["/a/cgroup.procs", "/b/cgroup.procs"]), [
    "--cgroup",
    "/a/cgroup.procs",
    "--cgroup",
    "/b/cgroup.procs",
  ]);
  assert.deepEqual(jailCgroupArgs(undefined), []);
  assert.deepEqual(joinPrefix([]), []);
  assert.equal(joinPrefix(["/a/cgroup.procs"]).at(-1), "/a/cgroup.procs");
});

async function run(argv: string[]): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command(argv[0], { args: argv.slice(1), stderr: "inherit" }).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

async function directoryGone(path: string): Promise<boolean> {
  return (await run(["sh", "-c", '[ ! -e "$1" ]', "sh", path])).code === 0;
}

/** A grading's cgroups on this machine, or undefined (the test is then skipped). */
async function realGrading(): Promise<GradingCgroups | undefined> {
  const grading = await GradingCgroups.open();
  return grading instanceof GradingCgroups ? grading : undefined;
}

Deno.test("a check's processes together stay under its memory cap, and nothing of them outlives the grading", async (t) => {
  const grading = await realGrading();
  if (!grading) return void await t.step({ name: "no cgroups here", ignore: true, fn: () => {} });
  const jail = join(await nativeHelpers(), "jail");
  try {
    const check = grading.group("check-test", { memoryBytes: 96 << 20, processes: 64 });
    // Six children of 48 MiB each, every one under any per-process cap, 288 MiB together.
    const hog = `
import os
pids = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        block = bytearray(48 << 20)
        os.write(1, b"")
        os._exit(0)
    pids.append(pid)
print(" ".join(str(os.waitpid(pid, 0)[1]) for pid in pids))
`;
    const result = await run([jail, ...jailCgroupArgs(check.procs), "--", "python3", "-c", hog]);
    const statuses = result.stdout.trim().split(" ").map(Number);
    assert.equal(statuses.length, 6, result.stdout);
    assert.ok(statuses.some((status) => (status & 0x7f) === 9), `none was killed: ${result.stdout}`);

    // The program starts with nothing written: joining is done by a child of the jail.
    const io = await run([
      jail,
      ...jailCgroupArgs(check.procs),
      "--",
      "cat",
      "/proc/self/io",
    ]);
    assert.match(io.stdout, /^wchar: 0$/m);

    // A daemon that left its parent is still in the group: closing the grading ends it.
    const daemon = await run([
      jail,
      ...jailCgroupArgs(check.procs),
      "--",
      "sh",
      "-c",
      "setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $!",
    ]);
    const pid = Number(daemon.stdout.trim());
    assert.ok(pid > 0);
    await grading.close();
    // Gone, or a zombie left for whatever init adopted it to reap.
    const state = (await run(["sh", "-c", `ps -o stat= -p ${pid} || true`])).stdout.trim();
    assert.ok(state === "" || state.startsWith("Z"), `the daemon outlived its grading (state ${state})`);
    for (const file of check.procs) assert.ok(await directoryGone(join(file, "..")), `${file} is left`);
  } finally {
    await grading.close();
  }
});

Deno.test("the cgroups of a grader that is gone are reaped by the next grading", async (t) => {
  const first = await realGrading();
  if (!first) return void await t.step({ name: "no cgroups here", ignore: true, fn: () => {} });
  // A grading whose grader (pid 1, started at another time) is not what made it.
  const stale = Object.values(first.support.bases).map((base) =>
    join(base, "socklab-grading-1-0-1", "check-x")
  );
  await first.close();
  await run(["mkdir", "-p", ...stale]);
  const next = await realGrading();
  try {
    for (const dir of stale) assert.ok(await directoryGone(join(dir, "..")), `${dir} was not reaped`);
  } finally {
    await next?.close();
  }
});

Deno.test("cgroup v2 (a made-up tree): weight, controllers, the check's caps and no swap are written", async () => {
  const root = await Deno.makeTempDir({ prefix: "fake-cgroup2-" });
  try {
    const grading = await GradingCgroups.open({
      root,
      selfCgroup: "0::/\n",
      v2Controllers: "cpu memory pids",
      v1Mounted: [],
      privileged: true,
    });
    assert.ok(grading instanceof GradingCgroups, JSON.stringify(grading));
    const check = grading.group("check-1", { memoryBytes: 2048 << 20, processes: 128 });
    const dir = join(root, grading.name);
    const read = (file: string) => Deno.readTextFileSync(join(dir, file));
    assert.equal(read("cpu.weight"), String(Math.min(10000, 100 * (navigator.hardwareConcurrency ?? 1))));
    assert.equal(read("cgroup.subtree_control"), "+cpu +memory +pids");
    assert.equal(read("check-1/memory.max"), String(2048 << 20));
    assert.equal(read("check-1/memory.swap.max"), "0");
    assert.equal(read("check-1/pids.max"), "128");
    assert.deepEqual(check.procs, [join(dir, "check-1", "cgroup.procs")]);
    assert.ok(Deno.statSync(join(dir, "harness")).isDirectory);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
