/**
 * The harness's small C helpers (`harness/native/*.c`), compiled once per
 * grading into its work directory.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The helpers and what they are for. */
export const NATIVE_HELPERS = ["sandbox_init", "cpu_spin", "jail"] as const;

/**
 * Compiles every helper into `outDir`; throws with the compiler's message if
 * one does not build (a broken machine, not a student's fault).
 *
 * @example
 * ```ts ignore
 * import { buildNativeHelpers } from "./native.ts";
 * await buildNativeHelpers("/tmp/work/native");
 * ```
 */
export async function buildNativeHelpers(outDir: string): Promise<void> {
  await Deno.mkdir(outDir, { recursive: true });
  await Promise.all(NATIVE_HELPERS.map(async (name) => {
    const source = fileURLToPath(new URL(`./native/${name}.c`, import.meta.url));
    const result = await new Deno.Command("cc", {
      args: ["-O2", "-Wall", "-o", join(outDir, name), source],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      throw new Error(`cannot compile ${source}: ${new TextDecoder().decode(result.stderr)}`);
    }
  }));
}
