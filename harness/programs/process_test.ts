import assert from "node:assert/strict";
import { CheckFailure } from "../observe/failure.ts";
import { describeExit, LabProcess } from "./process.ts";
import { withCommandLine } from "../observe/processes.ts";
import { Transcript } from "../observe/transcript.ts";
import { pollUntil } from "../observe/wait.ts";

function start(command: string[]): LabProcess {
  return LabProcess.start({ command, cwd: "/tmp", label: "program", transcript: new Transcript() });
}

Deno.test("LabProcess writes stdin step by step and reads output as it is printed", async () => {
  const cat = start(["cat"]);
  await cat.writeLine("first");
  await cat.expectOutput("first", { timeoutMs: 2000 });
  await cat.writeLine("second");
  await cat.expectOutput("second", { timeoutMs: 2000 });
  await cat.closeStdin();
  await cat.expectExit({ code: 0, timeoutMs: 2000 });
});

Deno.test("LabProcess reports a terminating signal", async () => {
  const crash = start(["sh", "-c", "kill -SEGV $$"]);
  const status = await crash.exited;
  assert.match(describeExit(status), /killed by SIGSEGV \(segmentation fault/);
  await crash.kill();
});

Deno.test("expectExit tells a spinning program from a sleeping one", async () => {
  const spinner = start(["sh", "-c", "while :; do :; done"]);
  const sleeper = start(["sleep", "30"]);
  try {
    await assert.rejects(
      spinner.expectExit({ timeoutMs: 500 }),
      (e: unknown) => e instanceof CheckFailure && /spin in a loop/.test(e.rationale),
    );
    await assert.rejects(
      sleeper.expectExit({ timeoutMs: 300 }),
      (e: unknown) => e instanceof CheckFailure && /asleep/.test(e.rationale),
    );
  } finally {
    await spinner.kill();
    await sleeper.kill();
  }
});

Deno.test("expectOutput names the exit when a program dies before printing", async () => {
  const quitter = start(["sh", "-c", "echo bye >&2; exit 3"]);
  await quitter.exited;
  await assert.rejects(
    quitter.expectOutput("hello", { timeoutMs: 1000 }),
    (e: unknown) => e instanceof CheckFailure && /exited with status 3 first/.test(e.rationale),
  );
  await quitter.kill();
});

Deno.test("kill takes the whole process tree down, even one that keeps forking", async () => {
  // A duration no other test uses marks this test's processes.
  const marked = "sleep\0" + "31.4159\0";
  const parent = start(["sh", "-c", "while :; do sleep 31.4159 & done"]);
  await pollUntil(() => (withCommandLine(marked).length >= 20 ? true : undefined), {
    timeoutMs: 5000,
    what: "the tree to grow",
  });
  await parent.kill();
  assert.equal(parent.running, false);
  assert.deepEqual(withCommandLine(marked), []);
});

Deno.test("waitBlocked returns once a program waits again, and lets a spinner go", async () => {
  const marker = await Deno.makeTempFile();
  await Deno.remove(marker);
  // After its first line the program works a while, marks it, and waits for a second line.
  const worker = start([
    "sh",
    "-c",
    `read first; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; : > ${marker}; read second`,
  ]);
  const spinner = start(["sh", "-c", "while :; do :; done"]);
  try {
    // Writing to the pipe wakes the reader before the write returns: it is runnable, not asleep, from here.
    await worker.writeLine("go");
    assert.equal(await worker.waitBlocked(5000), "blocked");
    assert.ok(await Deno.stat(marker).then(() => true, () => false), "blocked before its work was done");
    assert.equal(await spinner.waitBlocked(5000), "spinning");
    await worker.closeStdin();
    await worker.exited;
    assert.equal(await worker.waitBlocked(5000), "gone");
  } finally {
    await worker.kill();
    await spinner.kill();
    await Deno.remove(marker).catch(() => {});
  }
});
