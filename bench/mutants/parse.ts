/**
 * The syntax trees the mutation operators work on: web-tree-sitter with the
 * C and Python grammars' own WebAssembly builds (npm `tree-sitter-c` and
 * `tree-sitter-python`, devDependencies). `tree-sitter-wasms` is not used:
 * its grammars are built for an older ABI that web-tree-sitter 0.27 refuses.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Language, Parser } from "web-tree-sitter";
import type { Node } from "web-tree-sitter";

export type { Node };

/** The languages a reference is written in. */
export type SourceLanguage = "c" | "python";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const GRAMMAR_FILES: Record<SourceLanguage, string> = {
  c: join(REPO_ROOT, "node_modules/tree-sitter-c/tree-sitter-c.wasm"),
  python: join(REPO_ROOT, "node_modules/tree-sitter-python/tree-sitter-python.wasm"),
};

let parsers: Promise<Record<SourceLanguage, Parser>> | undefined;

async function loadParsers(): Promise<Record<SourceLanguage, Parser>> {
  await Parser.init();
  const entries = await Promise.all(
    (Object.keys(GRAMMAR_FILES) as SourceLanguage[]).map(async (language) => {
      const parser = new Parser();
      parser.setLanguage(await Language.load(GRAMMAR_FILES[language]));
      return [language, parser] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<SourceLanguage, Parser>;
}

/**
 * Parses `text` and returns the root of its syntax tree. A source with a
 * syntax error is refused: a mutant of a tree the grammar misread would be
 * noise.
 *
 * @example
 * ```ts
 * import { parseSource } from "./parse.ts";
 * const root = await parseSource("c", "int main(void) { return 0; }");
 * console.log(root.type); // "translation_unit"
 * ```
 */
export async function parseSource(language: SourceLanguage, text: string): Promise<Node> {
  parsers ??= loadParsers();
  const tree = (await parsers)[language].parse(text);
  if (!tree) throw new Error(`the ${language} parser gave no tree`);
  if (tree.rootNode.hasError) {
    const bad = tree.rootNode.descendantsOfType("ERROR")[0] ?? tree.rootNode;
    throw new Error(`the ${language} source does not parse (line ${bad.startPosition.row + 1})`);
  }
  return tree.rootNode;
}

/**
 * The language of a source file by its name, or `undefined` for a file that
 * is not mutated (a Makefile, a header).
 *
 * @example
 * ```ts
 * import { languageOfFile } from "./parse.ts";
 * console.log(languageOfFile("server.c"), languageOfFile("Makefile")); // "c" undefined
 * ```
 */
export function languageOfFile(name: string): SourceLanguage | undefined {
  if (name.endsWith(".c")) return "c";
  if (name.endsWith(".py")) return "python";
  return undefined;
}
