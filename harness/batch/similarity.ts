/**
 * Similar submissions, found with Dolos's algorithm (`@dodona/dolos-core`,
 * Ghent University: winnowed k-grams of syntax-tree tokens) over tokens
 * made by tree-sitter (`web-tree-sitter` with the WebAssembly builds that the
 * `tree-sitter-c` and `tree-sitter-python` grammars ship).
 *
 * Dolos's own front end (`@dodona/dolos-lib`) loads tree-sitter as a native
 * Node addon of the legacy V8 ABI, which Deno cannot load; its core is plain
 * JavaScript, and the WebAssembly build of tree-sitter gives it the same
 * tokens. A token is a syntax node's type (`identifier`, `binary_expression`,
 * `<`…), never an identifier's text, so renaming variables or reordering
 * functions does not hide a copy. The lab's starter code is given to Dolos as
 * ignored code: what every student received does not make two submissions
 * similar.
 *
 * The result is a flag for a person to look at, never a score.
 *
 * @module
 */

import { File as DolosFile, FingerprintIndex, Region, TokenizedFile } from "@dodona/dolos-core";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { Language, Parser } from "web-tree-sitter";
import type { Node as SyntaxNode } from "web-tree-sitter";

/** The source files of one submission (or known solution, or starter code) for one lab. */
export interface SourceSet {
  /** A student's name, or a known solution's folder name. */
  owner: string;
  /** A student's submission, or a solution the instructor supplied to compare against. */
  kind: "student" | "known";
  files: SourceFile[];
}

/** One source file, its path relative to its submission. */
export interface SourceFile {
  path: string;
  text: string;
}

/** Lines of one side of a matching fragment. */
export interface FragmentSide {
  file: string;
  /** 1-based, inclusive. */
  firstLine: number;
  lastLine: number;
  text: string;
}

/** Two submissions whose code is unusually similar. */
export interface SimilarPair {
  left: string;
  right: string;
  /** `known` when `right` is a known solution. */
  rightKind: SourceSet["kind"];
  language: "c" | "python";
  /** Dolos's similarity: the share of both sides' fingerprints that they have in common, 0 to 1. */
  similarity: number;
  /** Tokens in the longest matching fragment. */
  longest: number;
  /** The longest matching fragments, longest first. */
  fragments: { left: FragmentSide; right: FragmentSide }[];
}

/** Options of {@link findSimilarPairs}. */
export interface SimilarityOptions {
  /** Pairs at or above this similarity are flagged (default {@link DEFAULT_SIMILARITY_THRESHOLD}). */
  threshold?: number;
  /** Fragments kept per pair (default 3). */
  fragmentsPerPair?: number;
}

/**
 * Flagged at or above this similarity. Two independent solutions of one lab
 * on one skeleton share the shape of socket code (0.3–0.5 after the starter
 * is subtracted); a copy with its names changed and functions reordered
 * stays above 0.8.
 */
export const DEFAULT_SIMILARITY_THRESHOLD = 0.7;

/** Dolos's defaults: k-grams of 23 tokens, one fingerprint kept per window of 17. */
const KGRAM_LENGTH = 23;
const KGRAMS_IN_WINDOW = 17;

const LANGUAGE_OF_EXTENSION: Record<string, "c" | "python"> = { c: "c", h: "c", py: "python" };

/**
 * Which source files count for similarity: C and Python sources, as the
 * language of their extension says.
 *
 * @example
 * ```ts
 * import { sourceLanguage } from "./similarity.ts";
 * sourceLanguage("server.c"); // "c"
 * sourceLanguage("Makefile"); // undefined
 * ```
 */
export function sourceLanguage(path: string): "c" | "python" | undefined {
  const extension = /\.([^./]+)$/.exec(path)?.[1];
  return extension === undefined ? undefined : LANGUAGE_OF_EXTENSION[extension];
}

/**
 * Reads the C and Python sources under `dir` (skipping dot folders, build
 * output and files over 256 KiB, which are not hand-written lab code).
 *
 * @example
 * ```ts ignore
 * import { readSources } from "./similarity.ts";
 * const files = await readSources("class/ada/client-server");
 * ```
 */
export async function readSources(dir: string): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      if (entry.name.startsWith(".") || entry.name === "__pycache__" || entry.name === "__MACOSX") continue;
      const full = join(path, entry.name);
      if (entry.isDirectory) await walk(full);
      else if (entry.isFile && sourceLanguage(entry.name)) {
        if ((await Deno.stat(full)).size > MAX_SOURCE_BYTES) continue;
        files.push({ path: relative(dir, full), text: await Deno.readTextFile(full) });
      }
    }
  };
  await walk(dir);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

const MAX_SOURCE_BYTES = 256 * 1024;

/**
 * The pairs of `sets` (students with each other, and students with known
 * solutions) at or above the threshold, most similar first; `starter` is the
 * code every student was given, subtracted as shared boilerplate.
 *
 * @example
 * ```ts ignore
 * import { findSimilarPairs } from "./similarity.ts";
 * const pairs = await findSimilarPairs(sets, starterFiles);
 * for (const pair of pairs) console.log(pair.left, pair.right, pair.similarity);
 * ```
 */
export async function findSimilarPairs(
  sets: SourceSet[],
  starter: SourceFile[],
  options: SimilarityOptions = {},
): Promise<SimilarPair[]> {
  const threshold = options.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  const pairs: SimilarPair[] = [];
  for (const language of ["c", "python"] as const) {
    const parser = await parserFor(language);
    const owners = new Map<TokenizedFile, SourceSet>();
    const joined: { set: SourceSet; file: TokenizedFile; joined: JoinedSource }[] = [];
    for (const set of sets) {
      const source = joinSources(set.files, language);
      if (source.lineFiles.length === 0) continue;
      const file = tokenize(parser, `${set.kind}:${set.owner}`, source);
      if (file.tokens.length < KGRAM_LENGTH) continue;
      owners.set(file, set);
      joined.push({ set, file, joined: source });
    }
    if (joined.filter((j) => j.set.kind === "student").length === 0) continue;
    const index = new FingerprintIndex(KGRAM_LENGTH, KGRAMS_IN_WINDOW, true);
    index.addFiles(joined.map((j) => j.file));
    // After the submissions: an ignored file's fingerprints are taken out of the files already indexed.
    const starterSource = joinSources(starter, language);
    if (starterSource.lineFiles.length > 0) {
      index.addIgnoredFile(tokenize(parser, "starter", starterSource));
    }
    const sourceOf = new Map(joined.map((j) => [j.file, j.joined]));
    for (const pair of index.allPairs()) {
      let [left, right] = [owners.get(pair.leftFile)!, owners.get(pair.rightFile)!];
      if (left.kind === "known" && right.kind === "known") continue;
      if (pair.similarity < threshold) continue;
      // A known solution stands on the right; two students, in name order.
      const swap = left.kind === "known" || (right.kind === "student" && right.owner < left.owner);
      if (swap) [left, right] = [right, left];
      const fragments = pair.buildFragments()
        .sort((a, b) => b.pairs.length - a.pairs.length)
        .slice(0, options.fragmentsPerPair ?? 3)
        .map((fragment) => {
          const sides = {
            left: fragmentSide(sourceOf.get(pair.leftFile)!, fragment.leftSelection),
            right: fragmentSide(sourceOf.get(pair.rightFile)!, fragment.rightSelection),
          };
          return swap ? { left: sides.right, right: sides.left } : sides;
        });
      pairs.push({
        left: left.owner,
        right: right.owner,
        rightKind: right.kind,
        language,
        similarity: pair.similarity,
        longest: pair.longest,
        fragments,
      });
    }
  }
  return pairs.sort((a, b) => b.similarity - a.similarity || a.left.localeCompare(b.left));
}

/** The files of one language of a submission as one text, and which file each line came from. */
interface JoinedSource {
  text: string;
  /** For each line of `text`: its file and its line there (1-based). */
  lineFiles: { file: string; line: number }[];
}

function joinSources(files: SourceFile[], language: "c" | "python"): JoinedSource {
  const lines: string[] = [];
  const lineFiles: JoinedSource["lineFiles"] = [];
  for (const file of files) {
    if (sourceLanguage(file.path) !== language) continue;
    const own = file.text.split("\n");
    own.forEach((line, k) => {
      lines.push(line);
      lineFiles.push({ file: file.path, line: k + 1 });
    });
  }
  return { text: lines.join("\n"), lineFiles };
}

function fragmentSide(source: JoinedSource, region: Region): FragmentSide {
  const first = source.lineFiles[region.startRow];
  // A fragment may run across two joined files: it is shown up to the end of its first one.
  let lastRow = region.endRow;
  while (lastRow > region.startRow && source.lineFiles[lastRow]?.file !== first.file) lastRow--;
  const text = source.text.split("\n").slice(region.startRow, lastRow + 1).join("\n");
  return { file: first.file, firstLine: first.line, lastLine: source.lineFiles[lastRow].line, text };
}

/**
 * Dolos's tokens of a syntax tree: every node's type, in document order,
 * each mapped to the region of the source it stands for. Comments are left
 * out, as are identifiers' and literals' texts.
 */
function tokenize(parser: Parser, name: string, source: JoinedSource): TokenizedFile {
  const tokens: string[] = [];
  const mapping: Region[] = [];
  const tree = parser.parse(source.text);
  if (!tree) throw new Error(`tree-sitter could not parse ${name}`);
  const visit = (node: SyntaxNode) => {
    if (node.type === "comment") return;
    tokens.push(node.type);
    mapping.push(
      new Region(
        node.startPosition.row,
        node.startPosition.column,
        node.endPosition.row,
        node.endPosition.column,
      ),
    );
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  tree.delete();
  return new TokenizedFile(new DolosFile(name, source.text), tokens, mapping);
}

const parsers = new Map<string, Promise<Parser>>();

function parserFor(language: "c" | "python"): Promise<Parser> {
  let parser = parsers.get(language);
  if (!parser) {
    parser = (async () => {
      await Parser.init();
      const grammarPackage = dirname(require.resolve(`tree-sitter-${language}/package.json`));
      const grammar = await Language.load(
        await Deno.readFile(join(grammarPackage, `tree-sitter-${language}.wasm`)),
      );
      const made = new Parser();
      made.setLanguage(grammar);
      return made;
    })();
    parsers.set(language, parser);
  }
  return parser;
}

const require = createRequire(import.meta.url);
