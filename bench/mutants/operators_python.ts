/**
 * The mutation operators over a Python syntax tree (tree-sitter-python).
 * What each operator does, and what is never mutated, is listed in
 * `operators.ts`.
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
  "is": "is not",
  "is not": "is",
  "in": "not in",
  "not in": "in",
};
const ARITHMETIC: Record<string, string> = { "+": "-", "-": "+", "*": "/", "/": "*", "//": "*" };
const AUGMENTED: Record<string, string> = { "+=": "-=", "-=": "+=" };
const LOGICAL: Record<string, string> = { "and": "or", "or": "and" };

const LOOPS = new Set(["for_statement", "while_statement"]);
const SCOPES = new Set(["function_definition", "class_definition", "lambda"]);
const STRINGS = new Set(["string", "concatenated_string"]);

const swap = (token: Node, operator: Operator, table: Record<string, string>): Edit[] =>
  token.type in table
    ? [replaceNode(token, operator, table[token.type], `\`${token.type}\` → \`${table[token.type]}\``)]
    : [];

function calledName(call: Node): string {
  return call.childForFieldName("function")?.text ?? "";
}

/** A call writing only to standard error or a log: `print(…, file=sys.stderr)`, `sys.stderr.write(…)`, `logging.…`. */
function isStderrCall(call: Node): boolean {
  const name = calledName(call);
  if (name.startsWith("sys.stderr.") || name.startsWith("logging.") || name.startsWith("log.")) return true;
  const args = call.childForFieldName("arguments")?.namedChildren ?? [];
  return name === "print" &&
    args.some((arg) =>
      arg.type === "keyword_argument" && arg.childForFieldName("name")?.text === "file" &&
      arg.childForFieldName("value")?.text === "sys.stderr"
    );
}

/** Whether a `break` or `continue` in `body` belongs to the loop whose body it is. */
function hasOwnJump(body: Node): boolean {
  const visit = (node: Node): boolean => {
    if (node.type === "break_statement" || node.type === "continue_statement") return true;
    if (LOOPS.has(node.type) || SCOPES.has(node.type)) return false;
    return node.namedChildren.some(visit);
  };
  return visit(body);
}

function containsCall(node: Node): boolean {
  return node.type === "call" || node.namedChildren.some(containsCall);
}

/** The text of `block` one level deeper (four spaces), its first line starting at `indent`. */
function deeper(block: Node, indent: string): string {
  return block.text.split("\n").map((line, i) =>
    i === 0 ? `${indent}    ${line}` : line ? `    ${line}` : line
  )
    .join("\n");
}

/** A loop run at most once. */
function loopOnceEdits(loop: Node): Edit[] {
  const body = loop.childForFieldName("body");
  if (!body || body.startPosition.row === loop.startPosition.row) return [];
  if (loop.childForFieldName("alternative")) return []; // a loop's `else:` has no one-shot form as simple
  const indent = " ".repeat(body.startPosition.column);
  if (loop.type === "while_statement" && !hasOwnJump(body)) {
    return [replaceNode(loop.children[0], "loop-once", "if", "`while c:` → `if c:`")];
  }
  if (!hasOwnJump(body)) {
    return [{
      operator: "loop-once",
      start: body.endIndex,
      end: body.endIndex,
      replacement: `\n${indent}break`,
      description: "`for …: body` → `for …: body; break`",
    }];
  }
  const kind = loop.type === "while_statement" ? "while" : "for";
  return [{
    operator: "loop-once",
    start: body.startIndex,
    end: body.endIndex,
    replacement: `for _once in range(1):\n${deeper(body, indent)}\n${indent}break`,
    description: `\`${kind} …: body\` → \`${kind} …: for _once in range(1): body; break\``,
  }];
}

function conditionEdits(statement: Node): Edit[] {
  const condition = statement.childForFieldName("condition");
  if (!condition || isMainGuard(condition)) return [];
  const edits = [
    replaceNode(condition, "negate-condition", `not (${condition.text})`, "condition `c` → `not (c)`"),
  ];
  if (statement.type !== "while_statement" && containsCall(condition)) {
    edits.push(
      replaceNode(
        condition,
        "ignore-return",
        `(${condition.text}) and False`,
        "checked result `c` → `(c) and False`: call kept, check never true",
      ),
    );
  }
  return edits;
}

/** `if __name__ == "__main__":` only chooses between running and importing the module. */
function isMainGuard(condition: Node | null): boolean {
  return condition !== null &&
    condition.text.replaceAll("'", '"').replace(/\s+/g, "") === '__name__=="__main__"';
}

function statementCallEdits(statement: Node): Edit[] {
  let expression = statement.namedChildren[0];
  if (expression?.type === "await") expression = expression.namedChildren[0];
  if (statement.namedChildren.length !== 1 || expression?.type !== "call" || isStderrCall(expression)) {
    return [];
  }
  return [replaceNode(statement, "delete-call", "pass", `call \`${calledName(expression)}(…)\` deleted`)];
}

function constantEdits(node: Node): Edit[] {
  if (!/^\d+$/.test(node.text)) return [];
  const value = BigInt(node.text);
  return [value + 1n, value - 1n].map((next) => {
    const replacement = next < 0n ? `(${next})` : `${next}`;
    return replaceNode(node, "constant", replacement, `\`${node.text}\` → \`${replacement}\``);
  });
}

function binaryEdits(node: Node): Edit[] {
  const token = node.childForFieldName("operator");
  if (!token) return [];
  const operands = [node.childForFieldName("left"), node.childForFieldName("right")];
  if (operands.some((operand) => operand && STRINGS.has(operand.type))) return []; // joining or formatting text
  if (token.type === "%") return [];
  return swap(token, "arithmetic", ARITHMETIC);
}

/**
 * Every mutation of a Python module.
 *
 * @example
 * ```ts
 * import { parseSource } from "./parse.ts";
 * import { pythonEdits } from "./operators_python.ts";
 * const root = await parseSource("python", "x = a < 1\n");
 * console.log(pythonEdits(root).map((e) => e.replacement)); // [ "<=", "2", "0" ]
 * ```
 */
export function pythonEdits(root: Node): Edit[] {
  const edits: Edit[] = [];
  const visit = (node: Node): void => {
    switch (node.type) {
      case "string":
      case "concatenated_string":
      case "comment":
        return;
      case "call":
        if (isStderrCall(node)) return;
        break;
      case "comparison_operator":
        for (const token of node.childrenForFieldName("operators")) {
          edits.push(...swap(token, "relational", RELATIONAL));
        }
        break;
      case "binary_operator":
        edits.push(...binaryEdits(node));
        break;
      case "augmented_assignment": {
        const token = node.childForFieldName("operator");
        if (token) edits.push(...swap(token, "arithmetic", AUGMENTED));
        break;
      }
      case "boolean_operator": {
        const token = node.childForFieldName("operator");
        if (token) edits.push(...swap(token, "logical", LOGICAL));
        break;
      }
      case "integer":
        edits.push(...constantEdits(node));
        break;
      case "if_statement":
        if (isMainGuard(node.childForFieldName("condition"))) {
          node.namedChildren.slice(1).forEach(visit);
          return;
        }
        edits.push(...conditionEdits(node));
        break;
      case "elif_clause":
        edits.push(...conditionEdits(node));
        break;
      case "while_statement":
        edits.push(...conditionEdits(node), ...loopOnceEdits(node));
        break;
      case "for_statement":
        edits.push(...loopOnceEdits(node));
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
