/**
 * Upload content that is cheap to make and to check: block after block of
 * one pseudo-random megabyte, each block stamped with its number, so that a
 * lost, repeated or shifted piece shows at once. Received bytes are checked
 * as they stream in against the content regenerated at their offset, never
 * holding more than a block.
 *
 * @module
 */

import { join } from "node:path";
import { cached } from "../config/cache.ts";

/** Bytes per block. */
export const BLOCK = 1 << 20;
const STAMP = 32;

/**
 * The content of an upload of any size.
 *
 * @example
 * ```ts
 * import { UploadPattern } from "./pattern.ts";
 * const pattern = new UploadPattern(7);
 * const first = pattern.slice(0, 10);
 * pattern.firstMismatch(first, 0); // undefined: it matches
 * ```
 */
export class UploadPattern {
  readonly #body = new Uint8Array(BLOCK);
  readonly #block = new Uint8Array(BLOCK);
  #blockIndex = -1;

  constructor(readonly seed: number) {
    // xorshift32: fast, and every seed gives other bytes.
    let x = (seed * 2654435761) >>> 0 || 1;
    for (let i = 0; i < BLOCK; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      this.#body[i] = x & 0xff;
    }
  }

  /** Block `index` (a view that the next call may overwrite). */
  block(index: number): Uint8Array {
    if (index !== this.#blockIndex) {
      this.#block.set(this.#body);
      const stamp = new TextEncoder().encode(`block ${index} of socklab upload\n`.padEnd(STAMP, "."));
      this.#block.set(stamp.subarray(0, STAMP));
      this.#blockIndex = index;
    }
    return this.#block;
  }

  /** The `length` bytes at stream offset `offset` (a fresh copy). */
  slice(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const within = at % BLOCK;
      const piece = Math.min(length - done, BLOCK - within);
      out.set(this.block(Math.floor(at / BLOCK)).subarray(within, within + piece), done);
      done += piece;
    }
    return out;
  }

  /**
   * The stream offset of the first byte of `chunk` (received at stream
   * offset `offset`) that differs from the content, or `undefined`.
   */
  firstMismatch(chunk: Uint8Array, offset: number): number | undefined {
    let done = 0;
    while (done < chunk.length) {
      const at = offset + done;
      const within = at % BLOCK;
      const piece = Math.min(chunk.length - done, BLOCK - within);
      const expected = this.block(Math.floor(at / BLOCK)).subarray(within, within + piece);
      const got = chunk.subarray(done, done + piece);
      if (!equalBytes(expected, got)) {
        for (let i = 0; i < piece; i++) if (expected[i] !== got[i]) return at + i;
      }
      done += piece;
    }
    return undefined;
  }

  /** Writes a file of `size` bytes of this content, a block at a time. */
  async writeFile(path: string, size: number): Promise<void> {
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    try {
      for (let offset = 0; offset < size; offset += BLOCK) {
        const block = this.block(offset / BLOCK).subarray(0, Math.min(BLOCK, size - offset));
        let written = 0;
        while (written < block.length) written += await file.write(block.subarray(written));
      }
    } finally {
      file.close();
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/**
 * Puts a file of `size` bytes of the pattern of `seed` at `path`: made once
 * into the build cache (its content never changes), then linked, so that a
 * gigabyte is not written to disk on every grading. A check's scratch
 * directory is a tmpfs of its sandbox, which links cannot reach: there the
 * file is mounted read-only in place, outside the directory's size cap.
 *
 * @example
 * ```ts ignore
 * import { placeUploadFile } from "./pattern.ts";
 * const pattern = await placeUploadFile("/tmp/check/test-file.txt", 1 << 30, 7);
 * ```
 */
export async function placeUploadFile(path: string, size: number, seed: number): Promise<UploadPattern> {
  const pattern = new UploadPattern(seed);
  const entry = await cached(`upload-${seed}-${size}`, async (dir) => {
    await pattern.writeFile(join(dir, "upload.bin"), size);
    return true;
  });
  const source = join(entry!, "upload.bin");
  await removePlaced(path);
  try {
    await Deno.link(source, path);
  } catch {
    if (!await bindInScratch(source, path)) await Deno.symlink(source, path); // another filesystem
  }
  return pattern;
}

/**
 * Takes away a file placed at `path` before (a check may place files of two
 * sizes one after the other): unmounted first if it was mounted in place.
 */
async function removePlaced(path: string): Promise<void> {
  try {
    await Deno.lstat(path);
  } catch {
    return;
  }
  await new Deno.Command("umount", { args: [path], stdout: "null", stderr: "null" }).output().catch(() => {});
  await Deno.remove(path);
}

/** The tmpfs that `sandbox_init --scratch` mounts; it exists only inside a check's sandbox. */
const SCRATCH_SOURCE = "socklab-scratch";

/**
 * Mounts `source` read-only on a new file `path` when `path` lies in a
 * check's scratch tmpfs. Never elsewhere: outside a sandbox the mount would
 * be the host's and outlive the grading.
 */
async function bindInScratch(source: string, path: string): Promise<boolean> {
  let mounts: string;
  try {
    mounts = await Deno.readTextFile("/proc/self/mountinfo");
  } catch {
    return false;
  }
  const inScratch = mounts.split("\n").some((line) => {
    // "id parent dev root mountpoint options [tags] - fstype source superoptions"
    const [before, after] = line.split(" - ");
    const mountPoint = before?.split(" ")[4]?.replace(/\\040/g, " ");
    const [fsType, fsSource] = (after ?? "").split(" ");
    return fsType === "tmpfs" && fsSource === SCRATCH_SOURCE && mountPoint !== undefined &&
      path.startsWith(`${mountPoint}/`);
  });
  if (!inScratch) return false;
  await Deno.writeFile(path, new Uint8Array());
  const mounted = await new Deno.Command("mount", {
    args: ["--bind", "-o", "ro", source, path],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!mounted.success) await Deno.remove(path);
  return mounted.success;
}
