/**
 * A mutant: one small edit of one source file of a reference, named by an id
 * that survives edits elsewhere in the file (so a list of equivalent mutants
 * stays valid while the reference evolves).
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Node } from "./parse.ts";

/** The operators, each documented in `operators.ts`. */
const OPERATORS = [
  "relational",
  "arithmetic",
  "logical",
  "constant",
  "negate-condition",
  "delete-call",
  "loop-once",
  "ignore-return",
] as const;

/** One of {@link OPERATORS}. */
export type Operator = typeof OPERATORS[number];

/** One edit of a source text. */
export interface Edit {
  operator: Operator;
  /** Offsets in the source text (JavaScript string indices) of the replaced span. */
  start: number;
  end: number;
  replacement: string;
  /** What changed, for people: "`<` → `<=`". */
  description: string;
}

/** An edit placed in a file, with its stable id. */
export interface Mutant extends Edit {
  /** `<file>/<operator>/<hash>`, and `#n` for the n-th (n ≥ 2) mutant of the same text. */
  id: string;
  /** The file's name in the reference directory, e.g. `server.c`. */
  file: string;
  /** 1-based line of the edit's start. */
  line: number;
}

/**
 * An edit replacing the whole text of `node`.
 *
 * @example
 * ```ts ignore
 * import { replaceNode } from "./mutation.ts";
 * const edit = replaceNode(node, "relational", "<=", "`<` → `<=`");
 * ```
 */
export function replaceNode(node: Node, operator: Operator, replacement: string, description: string): Edit {
  return { operator, start: node.startIndex, end: node.endIndex, replacement, description };
}

/**
 * The source text with `edit` applied.
 *
 * @example
 * ```ts
 * import { applyEdit } from "./mutation.ts";
 * const text = applyEdit("a < b", { start: 2, end: 3, replacement: "<=" });
 * console.log(text); // "a <= b"
 * ```
 */
export function applyEdit(source: string, edit: Pick<Edit, "start" | "end" | "replacement">): string {
  return source.slice(0, edit.start) + edit.replacement + source.slice(edit.end);
}

/** The whole lines of `text` that hold the span [start, end). */
function linesAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf("\n", start - 1) + 1;
  const newline = text.indexOf("\n", end);
  return text.slice(from, newline < 0 ? text.length : newline);
}

const squeeze = (text: string) => text.replace(/\s+/g, " ").trim();

/**
 * Places edits of one file: line numbers, and ids made of the file, the
 * operator and a hash of the lines before and after the edit (whitespace
 * squeezed), so that the id does not move when other lines do.
 *
 * @example
 * ```ts
 * import { placeMutants } from "./mutation.ts";
 * const [mutant] = placeMutants("server.c", "int x = a < b;\n", [
 *   { operator: "relational", start: 10, end: 11, replacement: "<=", description: "`<` → `<=`" },
 * ]);
 * console.log(mutant.id.startsWith("server.c/relational/"), mutant.line); // true 1
 * ```
 */
export function placeMutants(file: string, source: string, edits: Edit[]): Mutant[] {
  const seen = new Map<string, number>();
  return [...edits].sort((a, b) => a.start - b.start || a.end - b.end).map((edit) => {
    const before = linesAround(source, edit.start, edit.end);
    const mutated = applyEdit(source, edit);
    const after = linesAround(mutated, edit.start, edit.start + edit.replacement.length);
    const hash = createHash("sha256")
      .update(`${edit.operator}\n${squeeze(before)}\n${squeeze(after)}`)
      .digest("hex")
      .slice(0, 10);
    const base = `${file}/${edit.operator}/${hash}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const line = source.slice(0, edit.start).split("\n").length;
    return { ...edit, id: count === 1 ? base : `${base}#${count}`, file, line };
  });
}
