import assert from "node:assert/strict";
import {
  MAX_DEADLINE_STRETCH,
  readRunQueue,
  runQueueDelayMs,
  schedstatWaitNs,
  StepDeadline,
} from "./run_queue.ts";
import type { RunQueueReading } from "./run_queue.ts";
import { awaitEvent, DeadlineError, watchStalls } from "./wait.ts";

const ms = (n: number) => n * 1e6;
const reading = (group: string, tid: string, waitedMs: number): RunQueueReading => ({
  group,
  tid,
  waitedNs: ms(waitedMs),
});

/** A clock and a run queue the test moves by hand. */
function fakeMachine() {
  const machine = { now: 0, readings: [] as RunQueueReading[], looks: 0 };
  const source = () => {
    machine.looks++;
    return machine.readings;
  };
  return { machine, source, clock: () => machine.now };
}

Deno.test("schedstat's second field is the run-queue wait", () => {
  assert.equal(schedstatWaitNs("5300120 1250000 17\n"), 1250000);
  assert.equal(schedstatWaitNs("garbage"), undefined);
  assert.equal(schedstatWaitNs(""), undefined);
});

Deno.test("threads that wait side by side count once; the harness's wait adds to the programs'", () => {
  const before = [reading("programs", "10", 5), reading("programs", "11", 0), reading("harness", "1", 2)];
  const after = [
    reading("programs", "10", 905), // 900 ms on a run queue
    reading("programs", "11", 700), // 700 ms, at the same time
    reading("programs", "12", 300), // born during the wait: all of it counts
    reading("harness", "1", 102), // 100 ms
  ];
  assert.equal(runQueueDelayMs(before, after), 1000);
  assert.equal(runQueueDelayMs(after, after), 0);
});

Deno.test("an unloaded step ends at its wall-clock deadline and never reads the run queue before it", () => {
  const { machine, source, clock } = fakeMachine();
  const deadline = new StepDeadline(3000, source, clock);
  assert.equal(machine.looks, 1); // the starting point
  machine.now = 2999;
  assert.equal(deadline.remainingMs(), 1);
  assert.equal(machine.looks, 1);
  machine.now = 3000;
  assert.equal(deadline.remainingMs(), 0);
});

Deno.test("a step is extended by the run-queue delay, as it grows, up to the stretch limit", () => {
  const { machine, source, clock } = fakeMachine();
  machine.readings = [reading("programs", "10", 0)];
  const deadline = new StepDeadline(3000, source, clock);
  // 6.2 s of a 9.2 s wait spent runnable but not running: the line that came after 9.2 s is on time.
  machine.now = 3000;
  machine.readings = [reading("programs", "10", 2000)];
  assert.equal(deadline.remainingMs(), 2000);
  machine.now = 5000;
  machine.readings = [reading("programs", "10", 4000)];
  assert.equal(deadline.remainingMs(), 2000);
  machine.now = 7000;
  machine.readings = [reading("programs", "10", 6200)];
  assert.equal(deadline.remainingMs(), 2200);
  machine.now = 9200;
  assert.equal(deadline.remainingMs(), 0, "no more delay: the deadline is the wall time plus what was seen");
  // A program starving itself (or starved for good) still ends: at most MAX_DEADLINE_STRETCH times more.
  machine.readings = [reading("programs", "10", 1e6)];
  assert.equal(deadline.remainingMs(), 3000 * (1 + MAX_DEADLINE_STRETCH) - 9200);
  machine.now = 3000 * (1 + MAX_DEADLINE_STRETCH);
  assert.equal(deadline.remainingMs(), 0);
});

Deno.test("a thread that exits takes its wait with it, but the deadline never shrinks", () => {
  const { machine, source, clock } = fakeMachine();
  machine.readings = [reading("programs", "10", 0)];
  const deadline = new StepDeadline(1000, source, clock);
  machine.now = 1000;
  machine.readings = [reading("programs", "10", 800)];
  assert.equal(deadline.remainingMs(), 800);
  machine.now = 1500;
  machine.readings = [];
  assert.equal(deadline.remainingMs(), 300);
});

Deno.test("without a source a step deadline is the wall clock's", () => {
  let now = 0;
  const deadline = new StepDeadline(100, undefined, () => now);
  now = 100;
  assert.equal(deadline.remainingMs(), 0);
});

Deno.test("this process's threads can be read", () => {
  const readings = readRunQueue("harness", [Deno.pid]);
  assert.ok(readings.length >= 1);
  assert.ok(readings.every((r) => r.group === "harness" && r.waitedNs >= 0));
});

Deno.test("a wait whose probe reports run-queue delay outlives its wall-clock deadline by that much", async () => {
  let waited = 0;
  watchStalls({ still: () => undefined, runQueue: () => [reading("programs", "10", waited)] });
  try {
    let resolve!: (value: string) => void;
    const event = new Promise<string>((r) => resolve = r);
    const result = awaitEvent(event, 100, "a line");
    // Every look finds the program further behind: the wait keeps going until the event comes.
    const growing = setInterval(() => waited += 50, 5);
    setTimeout(() => resolve("line"), 150);
    assert.equal(await result, "line");
    clearInterval(growing);
    // Once nothing more is delayed the deadline passes.
    await assert.rejects(awaitEvent(new Promise(() => {}), 20, "nothing"), DeadlineError);
  } finally {
    watchStalls(undefined);
  }
});
