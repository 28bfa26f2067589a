import assert from "node:assert/strict";
import { mutantsOf } from "./operators.ts";
import { applyEdit } from "./mutation.ts";
import type { Mutant } from "./mutation.ts";
import type { SourceLanguage } from "./parse.ts";

/** Each mutant as `operator: mutated line(s)`, whitespace squeezed. */
async function mutatedLines(language: SourceLanguage, source: string): Promise<string[]> {
  const file = language === "c" ? "t.c" : "t.py";
  return (await mutantsOf(file, language, source)).map((m) => `${m.operator}: ${changedLines(source, m)}`);
}

function changedLines(source: string, mutant: Mutant): string {
  const after = applyEdit(source, mutant).split("\n");
  const before = source.split("\n");
  let top = 0;
  while (before[top] === after[top]) top++;
  let tail = 0;
  while (tail < before.length - top && before.at(-1 - tail) === after.at(-1 - tail)) tail++;
  return after.slice(top, after.length - tail).join(" ").replace(/\s+/g, " ").trim();
}

async function failures(command: string, args: string[], stdin: string): Promise<string> {
  const child = new Deno.Command(command, { args, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  return success ? "" : new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) || "failed";
}

Deno.test("C: operators swap, constants move by one, strings and stderr messages stay", async () => {
  const lines = await mutatedLines(
    "c",
    '#define SIZE 0x10\nint f(int a, int b) {\n  fprintf(stderr, "a<b %d\\n", a < b);\n  return a <= b && a + b > 1;\n}\n',
  );
  assert.deepEqual(lines, [
    "constant: #define SIZE 0x11",
    "constant: #define SIZE 0xf",
    "relational: return a < b && a + b > 1;",
    "logical: return a <= b || a + b > 1;",
    "arithmetic: return a <= b && a - b > 1;",
    "relational: return a <= b && a + b >= 1;",
    "constant: return a <= b && a + b > 2;",
    "constant: return a <= b && a + b > 0;",
  ]);
});

Deno.test("C: resource calls are deleted, the exit status of a failed call is a constant like any other", async () => {
  const lines = await mutatedLines(
    "c",
    'void f(int fd) {\n  (void)shutdown(fd, SHUT_WR);\n  if (close(fd) < 0) perror("close");\n  free(p);\n}\n',
  );
  assert.deepEqual(lines, [
    "delete-call: ;",
    'negate-condition: if (!(close(fd) < 0)) perror("close");',
    'ignore-return: if ((close(fd) < 0, 0)) perror("close");',
    'relational: if (close(fd) <= 0) perror("close");',
    'constant: if (close(fd) < 1) perror("close");',
    'constant: if (close(fd) < -1) perror("close");',
    "delete-call: ;",
  ]);
});

Deno.test("C: a loop runs once, keeping every break and continue legal", async () => {
  const source = "void f(int n) {\n" +
    "  while (n > 9) g();\n" +
    "  while (n) { if (h()) break; }\n" +
    "  for (;;) { if (h()) continue; }\n" +
    "  do g(); while (n);\n" +
    "}\n";
  const loops = (await mutatedLines("c", source)).filter((line) => line.startsWith("loop-once"));
  assert.deepEqual(loops, [
    "loop-once: if (n > 9) g();",
    "loop-once: while (n) { do { if (h()) break; } while (0); break; }",
    "loop-once: for (;;) { do { if (h()) continue; } while (0); break; }",
    "loop-once: do g(); while (0);",
  ]);
});

Deno.test("C: a break inside a switch does not belong to the loop", async () => {
  const source = "void f(int n) {\n  while (n) switch (n) { case 1: break; }\n}\n";
  const loops = (await mutatedLines("c", source)).filter((line) => line.startsWith("loop-once"));
  assert.deepEqual(loops, ["loop-once: if (n) switch (n) { case 1: break; }"]);
});

Deno.test("C: every mutant of a small program compiles", async () => {
  const includes = "#include <unistd.h>\n#include <stdlib.h>\n";
  const source =
    "int g(int fd) {\n  int n = 0;\n  for (int i = 0; i < fd; i++) {\n    if (read(fd, &n, 1) <= 0) break;\n" +
    "    n += i * 2;\n  }\n  while (n-- > 0) { if (n == 3) continue; close(fd); }\n  return n != -1 || fd;\n}\n";
  const mutants = await mutantsOf("t.c", "c", source);
  assert.ok(mutants.length > 25, `${mutants.length} mutants`);
  // One translation unit, a function per mutant: one compiler run.
  const unit = includes +
    mutants.map((m, i) => applyEdit(source, m).replace("int g(", `int g${i}(`)).join("");
  assert.equal(await failures("cc", ["-fsyntax-only", "-x", "c", "-"], unit), "");
});

Deno.test("Python: comparisons, boolean and arithmetic operators; text formatting and stderr stay", async () => {
  const lines = await mutatedLines(
    "python",
    'def f(a, b):\n    print("x" + a, file=sys.stderr)\n    return a is not b or a + b * 2 in c\n',
  );
  assert.deepEqual(lines, [
    "relational: return a is b or a + b * 2 in c",
    "logical: return a is not b and a + b * 2 in c",
    "arithmetic: return a is not b or a - b * 2 in c",
    "arithmetic: return a is not b or a + b / 2 in c",
    "constant: return a is not b or a + b * 3 in c",
    "constant: return a is not b or a + b * 1 in c",
    "relational: return a is not b or a + b * 2 not in c",
  ]);
});

Deno.test("Python: calls deleted, conditions negated or made blind, the main guard left alone", async () => {
  const lines = await mutatedLines(
    "python",
    'def f(s):\n    if not s.recv(1):\n        s.close()\n\n\nif __name__ == "__main__":\n    f(x)\n',
  );
  assert.deepEqual(lines, [
    "negate-condition: if not (not s.recv(1)):",
    "ignore-return: if (not s.recv(1)) and False:",
    "constant: if not s.recv(2):",
    "constant: if not s.recv(0):",
    "delete-call: pass",
    "delete-call: pass",
  ]);
});

Deno.test("Python: a loop runs once, and every mutant compiles", async () => {
  const source = "def f(s, items):\n" +
    "    while s.more():\n        s.step()\n" +
    "    while True:\n        if s.done():\n            break\n        s.step()\n" +
    "    for item in items:\n        s.use(item)\n" +
    "    for item in items:\n        if item:\n            continue\n        s.use(item)\n";
  const mutants = await mutantsOf("t.py", "python", source);
  const loops = mutants.filter((m) => m.operator === "loop-once").map((m) => changedLines(source, m));
  assert.deepEqual(loops, [
    "if s.more():",
    "for _once in range(1): if s.done(): break s.step() break",
    "break",
    "for _once in range(1): if item: continue s.use(item) break",
  ]);
  const program = "import json, sys\nfor i, text in enumerate(json.load(sys.stdin)):\n" +
    "    try:\n        compile(text, str(i), 'exec')\n    except SyntaxError as e:\n        sys.exit(f'{i}: {e}')\n";
  const texts = mutants.map((m) => applyEdit(source, m));
  assert.equal(await failures("python3", ["-c", program], JSON.stringify(texts)), "");
});

Deno.test("ids: stable when other lines move, numbered when the same change repeats", async () => {
  const source = "void f(int fd) {\n  close(fd);\n  close(fd);\n}\n";
  const ids = (await mutantsOf("s.c", "c", source)).map((m) => m.id);
  assert.equal(ids.length, 2);
  assert.equal(ids[1], `${ids[0]}#2`);
  const moved = (await mutantsOf("s.c", "c", `/* a new comment é */\n${source}`)).map((m) => m.id);
  assert.deepEqual(moved, ids);
});

Deno.test("offsets count characters, so text after non-ASCII comments is edited in place", async () => {
  const source = "# é → ü\nx = a < b\n";
  const [mutant] = await mutantsOf("u.py", "python", source);
  assert.equal(applyEdit(source, mutant), "# é → ü\nx = a <= b\n");
});
