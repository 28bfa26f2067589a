import assert from "node:assert/strict";
import { join } from "node:path";
import { findSubmissions, inShard, parseRoster, parseShard } from "./roster.ts";

Deno.test("parseShard accepts I/N and rejects the rest", () => {
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  for (const bad of ["0/2", "3/2", "1/0", "a/b", "1"]) assert.throws(() => parseShard(bad));
});

Deno.test("shards split a class into disjoint parts that cover it, independently of the rest of the class", () => {
  const students = Array.from({ length: 50 }, (_, i) => `student-${i}`);
  const shards = [1, 2, 3].map((index) => students.filter((s) => inShard(s, { index, count: 3 })));
  assert.equal(shards.flat().length, students.length);
  assert.equal(new Set(shards.flat()).size, students.length);
  assert.ok(shards.every((part) => part.length > 0));
  assert.equal(inShard("student-7", { index: 2, count: 3 }), shards[1].includes("student-7"));
});

Deno.test("findSubmissions reads per-lab folders, or the files directly when one lab is graded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "ada/client-server"), { recursive: true });
    await Deno.mkdir(join(dir, "bob"));
    await Deno.writeTextFile(join(dir, "bob/Makefile"), "all:\n");
    await Deno.mkdir(join(dir, "cyd"));
    assert.deepEqual(findSubmissions(dir, ["client-server"]), [
      { student: "ada", lab: "client-server", dir: join(dir, "ada/client-server") },
      { student: "bob", lab: "client-server", dir: join(dir, "bob") },
      { student: "cyd", lab: "client-server", dir: undefined },
    ]);
    const twoLabs = findSubmissions(dir, ["client-server", "fork-server"]);
    assert.equal(twoLabs.find((s) => s.student === "bob" && s.lab === "client-server")?.dir, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseRoster maps GitHub usernames to the institution's identifiers, quoted or not", () => {
  const roster = parseRoster(
    '\ufeff"identifier","github_username","github_id","name"\r\n' +
      '"s1234","octocat","583231","Mona, the cat"\r\n' +
      "s5678,,,not linked yet\r\n" +
      "s9012,ada-l,42,Ada\r\n",
  );
  assert.deepEqual([...roster], [["octocat", "s1234"], ["ada-l", "s9012"]]);
  assert.throws(() => parseRoster("id,login\n1,octocat\n"), /no 'identifier' column/);
});
