/**
 * The harness's small C helpers (`harness/sandbox/native/*.c`), compiled once per
 * version of their sources into the build cache.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cached } from "../config/cache.ts";
import { fingerprint } from "../config/fingerprint.ts";

/**
 * The helpers: PID 1 of a sandbox, the CPU yardstick, the student jail, a
 * preloaded library that makes socket sends short, and the sweeper of a
 * uid's IPC objects (host mode). Their shared parts are headers beside them.
 */
export const NATIVE_HELPERS = ["sandbox_init", "cpu_spin", "jail", "short_send.so", "ipc_sweep"] as const;

/**
 * Returns a directory holding every compiled helper; throws with the
 * compiler's message if one does not build (a broken machine, not a
 * student's fault).
 *
 * @example
 * ```ts ignore
 * import { nativeHelpers } from "./native.ts";
 * const dir = await nativeHelpers();
 * ```
 */
export async function nativeHelpers(): Promise<string> {
  const sources = NATIVE_HELPERS.map((name) =>
    fileURLToPath(new URL(`./native/${name.replace(/\.so$/, "")}.c`, import.meta.url))
  );
  // The whole folder (the headers the helpers include count too), and this file, whose flags do.
  const key = (await fingerprint([
    fileURLToPath(new URL("./native/", import.meta.url)),
    fileURLToPath(import.meta.url),
  ])).slice(0, 16);
  const dir = await cached(`native-${key}`, async (outDir) => {
    await Promise.all(sources.map(async (source, i) => {
      const library = NATIVE_HELPERS[i].endsWith(".so");
      const result = await new Deno.Command("cc", {
        args: [
          // A first grading waits for these, and unoptimized they compile in half the time; none
          // does work worth optimizing but the CPU spinner a check runs beside a program. (One
          // host-mode test once left a build's process behind with this; 55 runs since, 25 of them
          // beside two busy loops, left nothing, nor did 20 at -O2.)
          NATIVE_HELPERS[i] === "cpu_spin" ? "-O2" : "-O0",
          "-Wall",
          ...(library ? ["-shared", "-fPIC"] : []),
          "-o",
          join(outDir, NATIVE_HELPERS[i]),
          source,
          ...(library ? ["-ldl"] : []),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!result.success) {
        throw new Error(`cannot compile ${source}: ${new TextDecoder().decode(result.stderr)}`);
      }
    }));
    return true;
  });
  return dir!;
}
