import assert from "node:assert/strict";
import { BLOCK, UploadPattern } from "./pattern.ts";

Deno.test("the upload pattern finds a lost piece at the byte where it starts", () => {
  const pattern = new UploadPattern(3);
  const stream = pattern.slice(0, 3 * BLOCK);
  assert.equal(pattern.firstMismatch(stream.subarray(0, BLOCK + 5), 0), undefined);
  assert.equal(pattern.firstMismatch(stream.subarray(BLOCK + 5), BLOCK + 5), undefined);
  const lossy = new Uint8Array([...stream.subarray(0, 1000), ...stream.subarray(5000, 9000)]);
  assert.equal(pattern.firstMismatch(lossy, 0), 1000);
});

Deno.test("every block of the upload pattern differs, and so does every seed", () => {
  const pattern = new UploadPattern(3);
  const first = pattern.slice(0, 64);
  const second = pattern.slice(BLOCK, 64);
  assert.notDeepEqual(first, second);
  assert.notDeepEqual(new UploadPattern(4).slice(100, 64), pattern.slice(100, 64));
});
