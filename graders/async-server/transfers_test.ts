import assert from "node:assert/strict";
import {
  chooseUploadSize,
  durationAt,
  MiB,
  projectedMs,
  scaledDownNote,
  uploadCheckpoints,
} from "./transfers.ts";

const GiB = 1 << 30;

Deno.test("chooseUploadSize keeps the whole upload when its pace fits the budget", () => {
  assert.equal(chooseUploadSize(GiB, 1e9, 8000, 65 * MiB), GiB);
});

Deno.test("chooseUploadSize halves down to the largest upload that fits, never below what was sent", () => {
  assert.equal(chooseUploadSize(GiB, 14e6, 8000, 20 * MiB), 64 * MiB);
  assert.equal(chooseUploadSize(GiB, 2e6, 8000, 3 * MiB), 8 * MiB);
  // Slower than even a megabyte fits: finish where the measurement ended.
  assert.equal(chooseUploadSize(GiB, 1e5, 8000, 3 * MiB), 3 * MiB);
  assert.equal(chooseUploadSize(8 * MiB, 1e5, 8000, 9 * MiB), 8 * MiB);
});

Deno.test("the scaled-down note gives the pace, the time the whole would take and the size verified", () => {
  assert.equal(
    scaledDownNote(GiB, 64 * MiB, 14e6),
    "at 14.0 MB/s 1 GiB would take 77 s: verified on a 64 MiB upload instead",
  );
  assert.match(scaledDownNote(GiB, 8 * MiB, 2e6), /would take 9 min: verified on an 8 MiB upload instead$/);
  assert.equal(durationAt(GiB, 0), "forever");
  assert.equal(durationAt(8 * MiB, 2e6), "4.19 s");
});

Deno.test("an upload stops at halvings of its size, smallest first", () => {
  assert.deepEqual(uploadCheckpoints(8 * MiB), [MiB, 2 * MiB, 4 * MiB, 8 * MiB]);
  assert.equal(uploadCheckpoints(GiB).length, 11);
  assert.deepEqual(uploadCheckpoints(1000), [1000]);
});

Deno.test("the projection goes by what the server has read so far", () => {
  assert.equal(projectedMs(1000, 10e6, 30e6), 3000);
  assert.equal(projectedMs(1000, 0, 30e6), Infinity);
});
