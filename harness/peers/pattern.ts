/**
 * Upload content that is cheap to make and to check: block after block of
 * one pseudo-random megabyte, each block stamped with its number, so that a
 * lost, repeated or shifted piece shows at once. Received bytes are checked
 * as they stream in against the content regenerated at their offset, never
 * holding more than a block.
 *
 * A sparse pattern keeps one page of that content in every
 * {@link SPARSE_STRIDE} bytes and zeros between, which a file holds as holes:
 * a gigabyte test file then takes 16 MiB of disk and is made in milliseconds,
 * so a first grading costs what a later one does and the cache stays small.
 * A lost, repeated or shifted piece still moves a page of content and shows
 * within a stride; content sent from the wrong place in a buffer is the dense
 * file's to catch, which the client checks send first and read to the end.
 *
 * @module
 */

import { join } from "node:path";
import { cached } from "../config/cache.ts";

/** Bytes per block. */
export const BLOCK = 1 << 20;
const STAMP = 32;
/** In a sparse pattern, one {@link SPARSE_PAGE} of content starts every this many bytes. */
export const SPARSE_STRIDE = 256 * 1024;
/** The content kept at the start of every stride of a sparse pattern: a page, so the rest is a hole. */
export const SPARSE_PAGE = 4096;

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

  /**
   * @param seed other seeds give other bytes
   * @param sparse content only in the first page of every {@link SPARSE_STRIDE} bytes, zeros between
   */
  constructor(readonly seed: number, readonly sparse = false) {
    // xorshift32: fast, and every seed gives other bytes.
    let x = (seed * 2654435761) >>> 0 || 1;
    for (let i = 0; i < BLOCK; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      this.#body[i] = sparse && i % SPARSE_STRIDE >= SPARSE_PAGE ? 0 : x & 0xff;
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

  /**
   * Writes a file of `size` bytes of this content, a block at a time; of a
   * sparse pattern only the pages of content, the zeros left as holes.
   */
  async writeFile(path: string, size: number): Promise<void> {
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    const piece = this.sparse ? SPARSE_STRIDE : BLOCK;
    try {
      for (let offset = 0; offset < size; offset += piece) {
        const within = offset % BLOCK;
        const length = Math.min(this.sparse ? SPARSE_PAGE : BLOCK, size - offset);
        const bytes = this.block(Math.floor(offset / BLOCK)).subarray(within, within + length);
        // Synchronous: a gigabyte is 4096 pages, and an awaited call each costs more than the write;
        // the event loop gets a turn every 512 pieces, so that other checks' peers are served meanwhile.
        if ((offset / piece) % 512 === 511) await new Promise((resolve) => setTimeout(resolve, 0));
        file.seekSync(offset, Deno.SeekMode.Start);
        let written = 0;
        while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
      }
      await file.truncate(size);
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
 * into the build cache (its content never changes), then linked, so that it
 * is not written again on every grading. A check's scratch directory is a
 * tmpfs of its sandbox, which links cannot reach: there the file is mounted
 * read-only in place, outside the directory's size cap. With `sparse`, the
 * file is mostly holes (see {@link UploadPattern}); in a scratch tmpfs it is
 * then written in place on each call, its content a page in 64.
 *
 * @example
 * ```ts ignore
 * import { placeUploadFile } from "./pattern.ts";
 * const pattern = await placeUploadFile("/tmp/check/test-file.txt", 1 << 30, 7, { sparse: true });
 * ```
 */
export async function placeUploadFile(
  path: string,
  size: number,
  seed: number,
  options: { sparse?: boolean } = {},
): Promise<UploadPattern> {
  const pattern = new UploadPattern(seed, options.sparse);
  if (options.sparse && await inScratch(path)) {
    // A hole in a tmpfs reads as the kernel's one zero page, while a hole of a file on disk takes a
    // fresh page of memory the first time it is read: written here, a sparse gigabyte costs its 16
    // MiB of content and is read as fast the first time as any later one.
    await removePlaced(path);
    await pattern.writeFile(path, size);
    return pattern;
  }
  const entry = await cached(`upload-${seed}-${options.sparse ? "sparse-" : ""}${size}`, async (dir) => {
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

/** Whether `path` lies in a check's scratch tmpfs. */
async function inScratch(path: string): Promise<boolean> {
  let mounts: string;
  try {
    mounts = await Deno.readTextFile("/proc/self/mountinfo");
  } catch {
    return false;
  }
  return mounts.split("\n").some((line) => {
    // "id parent dev root mountpoint options [tags] - fstype source superoptions"
    const [before, after] = line.split(" - ");
    const mountPoint = before?.split(" ")[4]?.replace(/\\040/g, " ");
    const [fsType, fsSource] = (after ?? "").split(" ");
    return fsType === "tmpfs" && fsSource === SCRATCH_SOURCE && mountPoint !== undefined &&
      path.startsWith(`${mountPoint}/`);
  });
}

/**
 * Mounts `source` read-only on a new file `path` when `path` lies in a
 * check's scratch tmpfs. Never elsewhere: outside a sandbox the mount would
 * be the host's and outlive the grading.
 */
async function bindInScratch(source: string, path: string): Promise<boolean> {
  if (!await inScratch(path)) return false;
  await Deno.writeFile(path, new Uint8Array());
  const mounted = await new Deno.Command("mount", {
    args: ["--bind", "-o", "ro", source, path],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!mounted.success) await Deno.remove(path);
  return mounted.success;
}
