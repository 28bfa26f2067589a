import assert from "node:assert/strict";
import { join } from "node:path";
import { nativeHelpers } from "../sandbox/native.ts";
import { RunnerPool, SandboxedRunner } from "./runner_pool.ts";
import type { RunnerJob } from "./runner_pool.ts";
import type { CheckOutcome } from "./runner.ts";
import { probeIsolation } from "../sandbox/sandbox.ts";

/**
 * A grader whose first check leaves everything behind that a check can:
 * a daemon, an open listening socket, a connection, a file in its scratch.
 * Its second check fails with what it finds of them.
 */
const LITTERING_GRADER = `
import { CheckFailure } from ${JSON.stringify(new URL("../check/context.ts", import.meta.url).href)};
export default {
  lab: "litter",
  checks: {
    "leave-things": async (t) => {
      const listener = t.listen();
      const daemon = "exec 3<>/dev/tcp/127.0.0.1/" + t.port + "; sleep 1000 & exec sleep 1000";
      new Deno.Command("bash", { args: ["-c", daemon], stdout: "null", stderr: "null" }).spawn();
      await listener.accept({ timeoutMs: 10_000 });
      await Deno.writeTextFile(t.env.scratchDir + "/left.txt", "mine");
      globalThis.leftBehind = "set by leave-things";
    },
    "keep-a-socket": async (t) => {
      globalThis.kept = Deno.listen({ hostname: "127.0.0.1", port: t.port });
    },
    "find-nothing": async (t) => {
      const others = [...Deno.readDirSync("/proc")]
        .filter((e) => /^\\d+$/.test(e.name) && !["1", String(Deno.pid)].includes(e.name))
        .map((e) => Deno.readTextFileSync("/proc/" + e.name + "/cmdline").replaceAll("\\0", " "));
      const sockets = Deno.readTextFileSync("/proc/net/tcp").trim().split("\\n").slice(1);
      const files = [...Deno.readDirSync(t.env.scratchDir)].map((e) => e.name);
      const found = { others, sockets, files };
      if (others.length + sockets.length + files.length > 0) throw new CheckFailure(JSON.stringify(found));
      // Deno's own state is not the sandbox's: a runner's globals survive, which is why checks keep none.
      t.note(String(globalThis.leftBehind));
    },
  },
};
`;

async function withPool(
  work: (
    pool: RunnerPool,
    run: (id: string) => Promise<{ runner: SandboxedRunner; outcome: CheckOutcome }>,
  ) => Promise<void>,
) {
  const isolation = await probeIsolation(await nativeHelpers());
  if (isolation.mode === "host") return; // no sandbox to reuse: one runner per check
  const workDir = await Deno.makeTempDir({ prefix: "socklab-pool-test-" });
  await Deno.chmod(workDir, 0o755);
  await Deno.writeTextFile(join(workDir, "grader.ts"), LITTERING_GRADER);
  const pool = new RunnerPool(join(workDir, "grader.ts"), isolation, {
    count: 3,
    ahead: 1,
    workDir,
    scratchBytes: 16 << 20,
    scratchOwner: 0,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  });
  const run = async (checkId: string) => {
    const runner = await pool.take();
    const job: RunnerJob = {
      timeoutMs: 20_000,
      spec: {
        graderModule: join(workDir, "grader.ts"),
        checkId,
        checkTimeoutMs: 15_000,
        env: {
          lab: "litter",
          checkId,
          port: 5000,
          stepTimeoutMs: 3000,
          outputCapChars: 4000,
          settings: {},
          submission: { language: "c", dir: workDir, source: workDir, origin: "submission" },
          references: {},
          scratchDir: runner.scratchDir,
          nativeDir: workDir,
          jail: { nativeDir: workDir, readOnlyFilesystem: false, limits: {} as never },
        },
      },
    };
    const ran = await runner.run(job);
    pool.give(runner);
    assert.ok(ran.result, `no result: ${ran.stderr}`);
    return { runner, outcome: JSON.parse(ran.result) as CheckOutcome };
  };
  try {
    await work(pool, run);
  } finally {
    await pool.close();
    await Deno.remove(workDir, { recursive: true });
  }
}

Deno.test("a reused runner starts each check in a sandbox as new: no process, socket or file of the check before", async () => {
  await withPool(async (_pool, run) => {
    const first = await run("leave-things");
    assert.equal(first.outcome.status, "pass", first.outcome.rationale);
    const second = await run("find-nothing");
    assert.equal(second.runner, first.runner, "the runner is reused");
    assert.equal(second.outcome.status, "pass", second.outcome.rationale);
    assert.deepEqual(second.outcome.notes, ["set by leave-things"]);
  });
});

Deno.test("a runner that keeps a socket past its check serves no more checks: the next one gets a new sandbox", async () => {
  await withPool(async (_pool, run) => {
    const first = await run("keep-a-socket");
    assert.equal(first.outcome.status, "pass", first.outcome.rationale);
    assert.equal(await first.runner.whenAvailable(), false, "the runner retires");
    const second = await run("find-nothing");
    assert.notEqual(second.runner, first.runner);
    assert.equal(second.outcome.status, "pass", second.outcome.rationale);
    assert.deepEqual(second.outcome.notes, ["undefined"]);
  });
});
