/**
 * Runs `socklab template` / `socklab gradescope` as `deno task` would, with
 * the task's own permission flags (tests of the ship commands).
 *
 * @module
 */

import { join } from "node:path";
import { REPO_ROOT } from "../config/labs.ts";

/** Exit status and output of a command run. */
export interface ShipRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `harness/cli/ship.ts` with the flags of its task in `deno.json`.
 *
 * @example
 * ```ts ignore
 * import { runShipCli } from "./testing_ship.ts";
 * const run = await runShipCli(["template", "client-server", "/tmp/out"]);
 * ```
 */
export async function runShipCli(args: string[]): Promise<ShipRun> {
  const config = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
  const [, ...taskArgs] = (config.tasks[args[0]] as string).trim().split(/\s+/);
  const argv = taskArgs.map((arg) => (arg.endsWith(".ts") ? join(REPO_ROOT, arg) : arg));
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...argv, ...args.slice(1)],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}
