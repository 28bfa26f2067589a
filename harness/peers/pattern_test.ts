import assert from "node:assert/strict";
import { BLOCK, SPARSE_PAGE, SPARSE_STRIDE, UploadPattern } from "./pattern.ts";

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

Deno.test("a sparse pattern keeps a page of content per stride, zeros between, and its file is mostly holes", async () => {
  const dense = new UploadPattern(7);
  const sparse = new UploadPattern(7, true);
  assert.deepEqual(sparse.slice(BLOCK, SPARSE_PAGE), dense.slice(BLOCK, SPARSE_PAGE));
  assert.deepEqual(sparse.slice(BLOCK + SPARSE_PAGE, 64), new Uint8Array(64));
  assert.deepEqual(sparse.slice(SPARSE_STRIDE, 64), dense.slice(SPARSE_STRIDE, 64));
  // A piece lost in the zeros moves the next page of content: it shows there, not later.
  const stream = sparse.slice(0, 2 * BLOCK);
  const lossy = new Uint8Array([...stream.subarray(0, 10_000), ...stream.subarray(10_100)]);
  assert.equal(sparse.firstMismatch(lossy, 0), SPARSE_STRIDE - 100);

  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/upload.bin`;
    const size = 64 * BLOCK + 3;
    await sparse.writeFile(path, size);
    const written = await Deno.readFile(path);
    assert.equal(written.length, size);
    assert.equal(sparse.firstMismatch(written, 0), undefined);
    const blocks = (await Deno.stat(path)).blocks;
    // Where the filesystem keeps holes (every one Linux puts /tmp on), a page per stride is what is stored.
    if (blocks !== null) assert.ok(blocks * 512 <= size / 16, `${blocks * 512} bytes stored of ${size}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
