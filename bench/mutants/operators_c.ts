/**
 * The mutation operators over a C syntax tree (tree-sitter-c). What each
 * operator does, and what is never mutated, is listed in `operators.ts`.
 *
 * @module
 */

import type { Node } from "./parse.ts";
import { replaceNode } from "./mutation.ts";
import type { Edit, Operator } from "./mutation.ts";

const RELATIONAL: Record<string, string> = {
  "<": "<=",
  "<=": "<",
  ">": ">=",
  ">=": ">",
  "==": "!=",
  "!=": "==",
};
const ARITHMETIC: Record<string, string> = { "+": "-", "-": "+", "*": "/", "/": "*" };
const COMPOUND: Record<string, string> = { "+=": "-=", "-=": "+=" };
const UPDATE: Record<string, string> = { "++": "--", "--": "++" };
const LOGICAL: Record<string, string> = { "&&": "||", "||": "&&" };

/** Calls whose output goes to standard error only: neither deleted nor mutated inside (no check reads it). */
const STDERR_CALLS = new Set(["perror", "err", "errx", "warn", "warnx", "DIE", "assert"]);
const LOOPS = new Set(["for_statement", "while_statement", "do_statement"]);

const swap = (token: Node, operator: Operator, table: Record<string, string>): Edit[] =>
  token.type in table
    ? [replaceNode(token, operator, table[token.type], `\`${token.type}\` → \`${table[token.type]}\``)]
    : [];

function calledName(call: Node): string {
  return call.childForFieldName("function")?.text ?? "";
}

/** A call writing only to standard error: `perror(…)`, `fprintf(stderr, …)`, `DIE(…)`. */
function isStderrCall(call: Node): boolean {
  const name = calledName(call);
  if (STDERR_CALLS.has(name)) return true;
  const args = call.childForFieldName("arguments")?.namedChildren.map((arg) => arg.text) ?? [];
  if (name === "fprintf" || name === "vfprintf") return args[0] === "stderr";
  if (name === "fputs" || name === "fputc") return args.at(-1) === "stderr";
  return name === "dprintf" && (args[0] === "2" || args[0] === "STDERR_FILENO");
}

/** Whether a `break` or `continue` in `body` belongs to the loop whose body it is. */
function hasOwnJump(body: Node): boolean {
  const visit = (node: Node, inSwitch: boolean): boolean => {
    if (node.type === "continue_statement") return true;
    if (node.type === "break_statement") return !inSwitch;
    if (LOOPS.has(node.type)) return false;
    const switching = inSwitch || node.type === "switch_statement";
    return node.namedChildren.some((child) => visit(child, switching));
  };
  return visit(body, false);
}

function parsedInteger(text: string): { value: bigint; suffix: string; hex: boolean } | undefined {
  const match = /^(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)$/.exec(text.trim());
  if (!match) return undefined;
  return { value: BigInt(match[1]), suffix: match[2], hex: /^0[xX]/.test(match[1]) };
}

function constantEdits(node: Node, text: string, start: number): Edit[] {
  const parsed = parsedInteger(text);
  if (!parsed) return [];
  const literal = text.trim();
  const offset = start + text.indexOf(literal);
  return [parsed.value + 1n, parsed.value - 1n].map((value) => {
    const digits = parsed.hex && value >= 0n ? `0x${value.toString(16)}` : value.toString();
    const replacement = value < 0n && node.parent?.type === "unary_expression"
      ? `(${digits}${parsed.suffix})`
      : `${digits}${parsed.suffix}`;
    return {
      operator: "constant" as const,
      start: offset,
      end: offset + literal.length,
      replacement,
      description: `\`${literal}\` → \`${replacement}\``,
    };
  });
}

function containsCall(node: Node): boolean {
  return node.type === "call_expression" || node.namedChildren.some(containsCall);
}

/** A loop run at most once: `while` → `if` where no `break`/`continue` needs a loop, else a `do … while (0)` inside. */
function loopOnceEdits(loop: Node): Edit[] {
  const body = loop.childForFieldName("body");
  if (!body) return [];
  if (loop.type === "do_statement") {
    const condition = loop.childForFieldName("condition");
    return condition
      ? [replaceNode(condition, "loop-once", "(0)", "`do … while (c)` → `do … while (0)`")]
      : [];
  }
  if (loop.type === "while_statement" && !hasOwnJump(body)) {
    const keyword = loop.children[0];
    return [replaceNode(keyword, "loop-once", "if", "`while (c) body` → `if (c) body`")];
  }
  const kind = loop.type === "while_statement" ? "while" : "for";
  return [
    replaceNode(
      body,
      "loop-once",
      `{ do ${body.text} while (0); break; }`,
      `\`${kind} (…) body\` → \`${kind} (…) { do body while (0); break; }\``,
    ),
  ];
}

function conditionEdits(statement: Node): Edit[] {
  const condition = statement.childForFieldName("condition");
  if (!condition) return [];
  const inner = condition.type === "parenthesized_expression" ? condition.namedChildren[0] : condition;
  if (!inner) return [];
  const edits = [replaceNode(inner, "negate-condition", `!(${inner.text})`, "condition `c` → `!(c)`")];
  if (statement.type === "if_statement" && containsCall(inner)) {
    edits.push(
      replaceNode(
        inner,
        "ignore-return",
        `(${inner.text}, 0)`,
        "checked result `c` → `(c, 0)`: call kept, check never true",
      ),
    );
  }
  return edits;
}

function statementCallEdits(statement: Node): Edit[] {
  let expression = statement.namedChildren[0];
  if (expression?.type === "cast_expression") {
    expression = expression.childForFieldName("value") ?? expression;
  }
  if (expression?.type !== "call_expression" || isStderrCall(expression)) return [];
  return [replaceNode(statement, "delete-call", ";", `call \`${calledName(expression)}(…)\` deleted`)];
}

/**
 * Every mutation of a C translation unit.
 *
 * @example
 * ```ts
 * import { parseSource } from "./parse.ts";
 * import { cEdits } from "./operators_c.ts";
 * const root = await parseSource("c", "int f(int a) { return a < 1; }");
 * console.log(cEdits(root).map((e) => e.replacement)); // [ "<=", "2", "0" ]
 * ```
 */
export function cEdits(root: Node): Edit[] {
  const edits: Edit[] = [];
  const visit = (node: Node): void => {
    switch (node.type) {
      case "call_expression":
        if (isStderrCall(node)) return;
        break;
      case "string_literal":
      case "char_literal":
      case "preproc_include":
      case "comment":
        return;
      case "binary_expression": {
        const token = node.childForFieldName("operator");
        if (token) {
          edits.push(
            ...swap(token, "relational", RELATIONAL),
            ...swap(token, "arithmetic", ARITHMETIC),
            ...swap(token, "logical", LOGICAL),
          );
        }
        break;
      }
      case "assignment_expression": {
        const token = node.childForFieldName("operator");
        if (token) edits.push(...swap(token, "arithmetic", COMPOUND));
        break;
      }
      case "update_expression": {
        const token = node.childForFieldName("operator");
        if (token) edits.push(...swap(token, "arithmetic", UPDATE));
        break;
      }
      case "number_literal":
        edits.push(...constantEdits(node, node.text, node.startIndex));
        break;
      case "preproc_def": {
        const value = node.childForFieldName("value");
        if (value) edits.push(...constantEdits(value, value.text, value.startIndex));
        return;
      }
      case "if_statement":
        edits.push(...conditionEdits(node));
        break;
      case "while_statement":
      case "for_statement":
      case "do_statement":
        edits.push(...conditionEdits(node), ...loopOnceEdits(node));
        break;
      case "expression_statement":
        edits.push(...statementCallEdits(node));
        break;
    }
    for (const child of node.namedChildren) visit(child);
  };
  visit(root);
  return edits;
}
