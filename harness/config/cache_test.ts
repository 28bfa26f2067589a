import assert from "node:assert/strict";
import { join } from "node:path";
import { CACHE_ENV, cacheRoot } from "./cache.ts";
import { REPO_ROOT } from "./labs.ts";

Deno.test("an empty SOCKLAB_CACHE counts as unset: the cache stays in the repository", () => {
  const before = Deno.env.get(CACHE_ENV);
  try {
    Deno.env.set(CACHE_ENV, "");
    assert.equal(cacheRoot(), join(REPO_ROOT, ".grade-cache"));
  } finally {
    if (before === undefined) Deno.env.delete(CACHE_ENV);
    else Deno.env.set(CACHE_ENV, before);
  }
});
