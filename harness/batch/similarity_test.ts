import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../config/labs.ts";
import { DEFAULT_SIMILARITY_THRESHOLD, findSimilarPairs, readSources, sourceLanguage } from "./similarity.ts";
import type { SourceSet } from "./similarity.ts";

const LAB = "multiplexed-client-server";

async function student(owner: string, path: string, kind: SourceSet["kind"] = "student"): Promise<SourceSet> {
  return { owner, kind, files: await readSources(join(REPO_ROOT, path)) };
}

const starter = () => readSources(join(REPO_ROOT, "tasks", LAB));

Deno.test("a copy with its names changed and its functions reordered is flagged, with the matching fragments", async () => {
  const pairs = await findSimilarPairs([
    await student("ada", `reference/${LAB}/c`),
    await student("bob", "harness/batch/testdata/chat-copied"),
  ], await starter());
  assert.equal(pairs.length, 1);
  const [pair] = pairs;
  assert.deepEqual([pair.left, pair.right, pair.language], ["ada", "bob", "c"]);
  assert.ok(pair.similarity >= 0.8, `similarity ${pair.similarity}`);
  assert.ok(pair.fragments.length > 0);
  for (const fragment of pair.fragments) {
    assert.match(fragment.left.file, /^(server|client)\.c$/);
    assert.ok(fragment.left.firstLine <= fragment.left.lastLine);
    assert.ok(fragment.left.text.split("\n").length >= 2, "a fragment shows lines of code");
  }
});

Deno.test("independent correct solutions of the lab are not flagged", async () => {
  const pairs = await findSimilarPairs(
    [
      await student("ada", `reference/${LAB}/c`),
      await student("cyd", `fixtures/${LAB}/correct-poll-based`),
      await student("dan", `fixtures/${LAB}/correct-unusual-style`),
      await student("eli", `fixtures/${LAB}/upstream-style-correct`),
    ],
    await starter(),
    { threshold: DEFAULT_SIMILARITY_THRESHOLD },
  );
  assert.deepEqual(pairs.map((p) => `${p.left}~${p.right} ${p.similarity.toFixed(2)}`), []);
});

Deno.test("the starter code alone does not make two submissions similar; without it subtracted it would", async () => {
  const skeletonOnly = [await student("fay", `tasks/${LAB}`), await student("gil", `tasks/${LAB}`)];
  assert.deepEqual(await findSimilarPairs(skeletonOnly, await starter()), []);
  assert.equal(
    (await findSimilarPairs(skeletonOnly, [])).length,
    1,
    "the same files are flagged when nothing is subtracted",
  );
});

Deno.test("known solutions are compared with students, never with each other, and stand on the right", async () => {
  const pairs = await findSimilarPairs([
    await student("upstream", `reference/${LAB}/c`, "known"),
    await student("upstream-again", `reference/${LAB}/c`, "known"),
    await student("bob", "harness/batch/testdata/chat-copied"),
  ], await starter());
  assert.deepEqual(pairs.map((p) => [p.left, p.right, p.rightKind]).sort(), [
    ["bob", "upstream", "known"],
    ["bob", "upstream-again", "known"],
  ]);
});

Deno.test("sourceLanguage takes C and Python sources only", () => {
  assert.deepEqual(["a.c", "b.h", "c.py", "Makefile", "x.txt", "c"].map(sourceLanguage), [
    "c",
    "c",
    "python",
    undefined,
    undefined,
    undefined,
  ]);
});
