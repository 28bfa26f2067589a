import assert from "node:assert/strict";
import { Limiter, mapLimited } from "./limit.ts";

/** A task the test finishes by hand, so what runs at once is seen without timing. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => open = resolve);
  return { promise, open };
}

Deno.test("Limiter: never more than its size at once, the waiting started in the order they asked", async () => {
  const limiter = new Limiter(2);
  const gates = [gate(), gate(), gate(), gate()];
  const started: number[] = [];
  let running = 0, most = 0;
  const all = gates.map((g, index) =>
    limiter.run(async () => {
      started.push(index);
      most = Math.max(most, ++running);
      await g.promise;
      running--;
      return index;
    })
  );
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  gates[1].open();
  await all[1];
  await Promise.resolve();
  assert.deepEqual(started, [0, 1, 2]);
  gates.forEach((g) => g.open());
  assert.deepEqual(await Promise.all(all), [0, 1, 2, 3]);
  assert.equal(most, 2);
});

Deno.test("Limiter: a task that throws gives its place to the next", async () => {
  const limiter = new Limiter(1);
  const failing = limiter.run(() => Promise.reject(new Error("boom")));
  const next = limiter.run(() => Promise.resolve("ran"));
  await assert.rejects(failing, /boom/);
  assert.equal(await next, "ran");
});

Deno.test("Limiter: a size below 1 is refused", () => {
  assert.throws(() => new Limiter(0), RangeError);
  assert.throws(() => new Limiter(1.5), RangeError);
});

Deno.test("mapLimited: results in the order of the items, whatever order they finish in", async () => {
  const gates = [gate(), gate(), gate()];
  const results = mapLimited([0, 1, 2], 3, async (index) => {
    await gates[index].promise;
    return index * 10;
  });
  [2, 0, 1].forEach((index) => gates[index].open());
  assert.deepEqual(await results, [0, 10, 20]);
  assert.deepEqual(await mapLimited([], 2, () => Promise.resolve(1)), []);
});
