/**
 * For tests: runs a command as root is left in a Docker container with the
 * default profile (`harness/sandbox/native/testing_docker_profile.c`): no
 * CAP_SYS_ADMIN, no new namespace of any kind, user namespaces included,
 * CAP_SETUID and CAP_SETGID kept. That is where the grader falls back to
 * host mode on its own, as on Gradescope.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cached } from "../config/cache.ts";
import { fingerprint } from "../config/fingerprint.ts";

/**
 * The argv prefix that runs a command under the emulated Docker profile
 * (the command keeps its pid), or `undefined` where it cannot be made: the
 * tests need real root with CAP_SYS_ADMIN to set it up.
 *
 * @example
 * ```ts ignore
 * import { dockerProfilePrefix } from "./testing_docker.ts";
 * const prefix = await dockerProfilePrefix();
 * if (prefix) await new Deno.Command(prefix[0], { args: [...prefix.slice(1), "id"] }).output();
 * ```
 */
export async function dockerProfilePrefix(): Promise<string[] | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const source = fileURLToPath(new URL("./native/testing_docker_profile.c", import.meta.url));
  const key = (await fingerprint([source])).slice(0, 16);
  const dir = await cached(`docker-profile-${key}`, async (outDir) => {
    const result = await new Deno.Command("cc", {
      args: ["-O2", "-Wall", "-o", join(outDir, "testing_docker_profile"), source],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      throw new Error(`cannot compile ${source}: ${new TextDecoder().decode(result.stderr)}`);
    }
    return true;
  });
  const helper = join(dir!, "testing_docker_profile");
  const probe = await new Deno.Command(helper, { args: ["true"], stderr: "null" }).output();
  return probe.success ? [helper] : undefined;
}
