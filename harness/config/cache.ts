/**
 * A build cache for what never changes between gradings: the harness's C
 * helpers and the reference programs, stored under a key made from their
 * sources. Entries appear atomically, so parallel gradings can share it.
 *
 * @module
 */

import { join } from "node:path";
import { REPO_ROOT } from "./labs.ts";

/** Overrides the cache's directory (default: `.grade-cache/` in the repository). */
export const CACHE_ENV = "SOCKLAB_CACHE";

/**
 * The cache's directory.
 *
 * @example
 * ```ts
 * import { cacheRoot } from "./cache.ts";
 * const root = cacheRoot(); // ".../.grade-cache" unless SOCKLAB_CACHE is set
 * ```
 */
export function cacheRoot(): string {
  // Set but empty counts as unset: an empty path names no directory.
  return Deno.env.get(CACHE_ENV) || join(REPO_ROOT, ".grade-cache");
}

/**
 * The directory of entry `name`, produced by `produce` into a fresh directory
 * the first time and reused afterwards. `produce` returning false (a failed
 * build) stores nothing.
 *
 * @example
 * ```ts ignore
 * import { cached } from "./cache.ts";
 * const dir = await cached(`native-${key}`, async (dir) => {
 *   await compileInto(dir);
 *   return true;
 * });
 * ```
 */
export async function cached(
  name: string,
  produce: (dir: string) => Promise<boolean>,
): Promise<string | undefined> {
  const root = cacheRoot();
  const entry = join(root, name);
  if (await isDirectory(entry)) return entry;
  await Deno.mkdir(root, { recursive: true });
  const staging = await Deno.makeTempDir({ dir: root, prefix: `.staging-${name}-` });
  try {
    if (!await produce(staging)) return undefined;
    // Student code (another uid, where the grader is root) may load helpers from here.
    await Deno.chmod(staging, 0o755);
    try {
      await Deno.rename(staging, entry);
    } catch (error) {
      // Another grading stored the same entry first: theirs is as good.
      if (!(await isDirectory(entry))) throw error;
    }
    return entry;
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}
