import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { REPO_ROOT } from "./config/labs.ts";

/** Every `.ts` file under `dir`, recursively. */
async function typescriptFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await typescriptFiles(path));
    else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

/** The modules a file imports or re-exports (static and dynamic), as written. */
function importedSpecifiers(source: string): string[] {
  const found = source.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)["']([^"']+)["']/g);
  return [...found].map((match) => match[1]);
}

Deno.test("graders import the harness only through harness/mod.ts (their tests also through harness/testing.ts)", async () => {
  const graders = join(REPO_ROOT, "graders");
  const harness = join(REPO_ROOT, "harness");
  const wrong: string[] = [];
  for (const file of await typescriptFiles(graders)) {
    const allowed = [join(harness, "mod.ts")];
    if (file.endsWith("_test.ts")) allowed.push(join(harness, "testing.ts"));
    for (const specifier of importedSpecifiers(await Deno.readTextFile(file))) {
      if (!specifier.startsWith(".")) continue;
      const target = join(file, "..", specifier);
      if (target.startsWith(`${harness}/`) && !allowed.includes(target)) {
        wrong.push(`${relative(REPO_ROOT, file)} imports ${specifier}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("the import scan sees static, type-only, re-exported and dynamic imports", () => {
  const source = [
    'import { a } from "./check/context.ts";',
    'import type { B } from "./peers/peer.ts";',
    'export { c } from "./observe/wait.ts";',
    'const d = await import("./observe/sockets.ts");',
  ].join("\n");
  assert.deepEqual(importedSpecifiers(source), [
    "./check/context.ts",
    "./peers/peer.ts",
    "./observe/wait.ts",
    "./observe/sockets.ts",
  ]);
});
