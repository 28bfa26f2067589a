/**
 * The language graded: stated by the student, Python beside untouched C
 * starter files, C when the C files were changed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { labPaths } from "../config/labs.ts";
import { chooseLanguage, statedLanguage } from "./language.ts";

async function templateWithPython(lab: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "socklab-language-" });
  await Deno.chmod(dir, 0o755);
  for (const entry of Deno.readDirSync(labPaths(lab).taskDir)) {
    if (entry.isFile && entry.name !== "task.yaml") {
      await Deno.copyFile(join(labPaths(lab).taskDir, entry.name), join(dir, entry.name));
    }
  }
  for (const file of ["server.py", "client.py"]) {
    await Deno.copyFile(join(labPaths(lab).referenceDir, "python", file), join(dir, file));
  }
  return dir;
}

Deno.test("language: a stated language is read from socklab.yaml or .socklab, a wrong one is a problem", () => {
  const files = (map: Record<string, string>) => (path: string) => map[path.split("/").pop()!];
  assert.deepEqual(statedLanguage("d", files({ "socklab.yaml": "language: python\n" })), {
    language: "python",
    file: "socklab.yaml",
  });
  assert.deepEqual(statedLanguage("d", files({ ".socklab": "language: c" })), {
    language: "c",
    file: ".socklab",
  });
  assert.equal(statedLanguage("d", files({})), undefined);
  const wrong = statedLanguage("d", files({ "socklab.yaml": "language: java" }));
  assert.ok(
    wrong && "problem" in wrong && /'language: c' or 'language: python', not "java"/.test(wrong.problem),
  );
  const broken = statedLanguage("d", files({ "socklab.yaml": "language: [" }));
  assert.ok(broken && "problem" in broken && /not YAML/.test(broken.problem));
});

Deno.test("language: untouched C starter files beside server.py and client.py mean Python; edited ones mean C, said so", async () => {
  const lab = "async-server";
  const dir = await templateWithPython(lab);
  try {
    const untouched = chooseLanguage(dir, labPaths(lab).taskDir);
    assert.ok(untouched && "language" in untouched);
    assert.equal(untouched.language, "python");
    assert.match(
      untouched.note!,
      /graded as Python .*client\.c, server\.c are the lab's starter files, untouched/,
    );
    assert.equal((chooseLanguage(dir) as { language: string }).language, "c", "no starter to compare with");

    await Deno.writeTextFile(join(dir, "server.c"), "\n/* my change */\n", { append: true });
    const edited = chooseLanguage(dir, labPaths(lab).taskDir);
    assert.ok(edited && "language" in edited);
    assert.equal(edited.language, "c");
    assert.match(edited.note!, /graded as C .*language: python' in socklab\.yaml/);

    await Deno.writeTextFile(join(dir, "socklab.yaml"), "language: python\n");
    const stated = chooseLanguage(dir, labPaths(lab).taskDir);
    assert.ok(stated && "language" in stated);
    assert.deepEqual([stated.language, stated.stated], ["python", true]);
    assert.match(stated.note!, /as socklab\.yaml says/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
