import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { REPO_ROOT } from "./config/labs.ts";

/**
 * The folders of `harness/`, from the ground up: a module may import from
 * its own folder and from those below it, never from one above (tests
 * aside). `mod.ts` and `testing.ts`, the doors, stand above them all.
 */
const LAYERS = [
  "config",
  "observe",
  "sandbox",
  "programs",
  "peers",
  "check",
  "report",
  "engine",
  "formats",
  "batch",
  "ship",
  "cli",
];

Deno.test("harness folders import only their own layer and the ones below it", async () => {
  const harness = join(REPO_ROOT, "harness");
  const wrong: string[] = [];
  for (const [rank, layer] of LAYERS.entries()) {
    for await (const entry of Deno.readDir(join(harness, layer))) {
      if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
      const file = join(harness, layer, entry.name);
      const source = await Deno.readTextFile(file);
      for (const [, specifier] of source.matchAll(/^(?:import|export)[^"']*["'](\.[^"']+)["']/gm)) {
        const target = relative(harness, join(file, "..", specifier)).split("/")[0];
        const targetRank = LAYERS.indexOf(target);
        if (targetRank > rank) {
          wrong.push(`harness/${layer}/${entry.name} imports ${specifier} (${target} is above ${layer})`);
        }
      }
    }
  }
  const folders = [...Deno.readDirSync(harness)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  assert.deepEqual(folders, [...LAYERS].sort(), "every folder of harness/ has its place in LAYERS");
  assert.deepEqual(wrong, []);
});
