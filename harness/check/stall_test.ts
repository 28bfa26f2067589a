import assert from "node:assert/strict";
import { LabProcess } from "../programs/process.ts";
import { treeBlocked } from "../observe/processes.ts";
import { ProgramStallProbe, untimedWait } from "./stall.ts";
import { Transcript } from "../observe/transcript.ts";
import { awaitEvent, DeadlineError, pollUntil, StalledError, watchStalls } from "../observe/wait.ts";

function start(command: string[], label: string): LabProcess {
  return LabProcess.start({ command, cwd: "/tmp", label, transcript: new Transcript() });
}

Deno.test("untimedWait tells a wait for good from one with a timeout", () => {
  assert.equal(untimedWait("232 0x3 0x55 0x3ff 0xffffffff 0x0 0x0 0x7ffd 0x7f0b", "x86_64"), "epoll_wait");
  assert.equal(untimedWait("232 0x3 0x55 0x3ff 0x3e8 0x0 0x0 0x7ffd 0x7f0b", "x86_64"), undefined);
  assert.equal(untimedWait("45 0x4 0x7ffd 0x40 0x0 0x0 0x0 0x7ffd 0x7f0b", "x86_64"), "recvfrom");
  assert.equal(untimedWait("230 0x0 0x0 0x7ffd 0x0 0x0 0x0 0x7ffd 0x7f0b", "x86_64"), undefined); // clock_nanosleep
  assert.equal(untimedWait("running", "x86_64"), undefined);
  assert.equal(untimedWait("73 0x7ffd 0x2 0x0 0x0 0x0 0x0 0x7ffd 0x7f0b", "aarch64"), "ppoll");
});

Deno.test("the probe finds a program waiting for input still, and a sleeping one not", async () => {
  const cat = start(["cat"], "reader");
  const sleeper = start(["sleep", "30"], "sleeper");
  try {
    for (const p of [cat, sleeper]) {
      await pollUntil(() => (treeBlocked(p.pid) ? true : undefined), { timeoutMs: 5000, what: "a wait" });
    }
    const still = new ProgramStallProbe(() => [cat]).still();
    assert.ok(still, "cat blocked in read() without a timeout is still");
    assert.match(still.why(), /the reader waits in read\(\)/);
    assert.equal(new ProgramStallProbe(() => [cat, sleeper]).still(), undefined, "sleep wakes up by itself");
  } finally {
    await Promise.all([cat.kill(), sleeper.kill()]);
  }
});

Deno.test("the probe explains a program that exited", async () => {
  const failing = start(["sh", "-c", "echo not implemented >&2; exit 1"], "client");
  await failing.exited;
  await failing.kill();
  const still = new ProgramStallProbe(() => [failing]).still();
  assert.ok(still);
  assert.equal(still.why(), 'the client exited with status 1 (it printed "not implemented")');
});

Deno.test("a wait ends early only after the same still state is seen several times", async () => {
  let key = 0;
  watchStalls({ still: () => ({ key: String(key), confirm: () => true, why: () => "all asleep" }) });
  try {
    const started = performance.now();
    await assert.rejects(
      awaitEvent(new Promise(() => {}), 10_000, "an event"),
      (e: unknown) => e instanceof StalledError && e.why === "all asleep" && e instanceof DeadlineError,
    );
    assert.ok(performance.now() - started < 5000);
    // A state that keeps changing never stalls: the deadline ends the wait.
    const changing = setInterval(() => key++, 2);
    try {
      await assert.rejects(
        awaitEvent(new Promise(() => {}), 300, "an event"),
        (e: unknown) => e instanceof DeadlineError && !(e instanceof StalledError),
      );
    } finally {
      clearInterval(changing);
    }
  } finally {
    watchStalls(undefined);
  }
});

Deno.test("a connection of the harness the check does not hold yet (a connect() under way) keeps the wait going", async () => {
  const cat = start(["cat"], "reader");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await pollUntil(() => (treeBlocked(cat.pid) ? true : undefined), { timeoutMs: 5000, what: "a wait" });
    const probe = new ProgramStallProbe(() => [cat]);
    assert.equal(probe.still()?.confirm(), true, "nothing on its way");
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port });
    const accepted = await listener.accept();
    assert.equal(probe.still()?.confirm(), false, "a connection no peer of the check holds");
    conn.close();
    accepted.close();
    assert.equal(probe.still()?.confirm(), true, "closed again");
  } finally {
    listener.close();
    await cat.kill();
  }
});
