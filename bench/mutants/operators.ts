/**
 * The mutation operators: the classic set, kept small, applied to the syntax
 * tree of a reference's source file (never to its text with patterns).
 *
 * | operator           | C                                                               | Python                                                   |
 * | ------------------ | --------------------------------------------------------------- | -------------------------------------------------------- |
 * | `relational`       | `<`↔`<=`, `>`↔`>=`, `==`↔`!=`                                   | the same, and `is`↔`is not`, `in`↔`not in`               |
 * | `arithmetic`       | `+`↔`-`, `*`↔`/`, `+=`↔`-=`, `++`↔`--`                          | `+`↔`-`, `*`↔`/`, `//`→`*`, `+=`↔`-=`                    |
 * | `logical`          | `&&`↔`\|\|`                                                     | `and`↔`or`                                               |
 * | `constant`         | each integer literal `n` → `n+1` and `n-1` (so 0↔1 and 0→-1), `#define N n` too | each integer literal the same               |
 * | `negate-condition` | the condition of `if`, `while`, `for`, `do` → `!(c)`            | of `if`, `elif`, `while` → `not (c)`                     |
 * | `delete-call`      | a statement that is a call (`close(fd);`, `(void)f();`) → `;`   | a statement that is a call (`sock.close()`) → `pass`     |
 * | `loop-once`        | `while (c) s` → `if (c) s`; where a `break`/`continue` needs the loop, and for every `for`: `{ do s while (0); break; }` as the body; `do s while (c)` → `while (0)` | `while c:` → `if c:`; a `for` body gets a final `break`; where a `break`/`continue` needs the loop: `for _once in range(1): body` then `break` |
 * | `ignore-return`    | an `if` condition that calls a function, `c` → `(c, 0)`: the call still runs, its result never triggers the branch (an unchecked return value) | `if`/`elif` `c` with a call → `(c) and False` |
 *
 * `delete-call` covers the resource calls (`close`, `shutdown`, `free`,
 * `waitpid`, `wait`, `epoll_ctl`, `signal`, `setsockopt`, `sock.close()`,
 * `os.waitpid`, …) like any other call statement. `ignore-return` is defined
 * on the check rather than on the assignment (`n = recv(…)`): an assignment's
 * variable is nearly always checked, and no single constant is a plausible
 * result of every call, while "the check of a result never fires" is exactly
 * the fault of a program that does not look at what a call returned.
 *
 * Never mutated, because no check can or should read it:
 * - string and character literals (so `printf` formats and messages stay), comments, `#include`s;
 * - calls that write to standard error only, and everything inside them: `perror`, `fprintf(stderr, …)`,
 *   `fputs(…, stderr)`, `dprintf(2, …)`, `err`/`warn` and friends, `DIE`, `assert`; in Python
 *   `print(…, file=sys.stderr)`, `sys.stderr.…`, `logging.…`/`log.…`;
 * - in Python, `%` and `+`/`-` with a string operand (text formatting), and the `if __name__ == "__main__":`
 *   guard;
 * - a Python loop with an `else:` clause, or whose body sits on its header's line (no `loop-once`).
 *
 * @module
 */

import { parseSource } from "./parse.ts";
import type { SourceLanguage } from "./parse.ts";
import { placeMutants } from "./mutation.ts";
import type { Mutant } from "./mutation.ts";
import { cEdits } from "./operators_c.ts";
import { pythonEdits } from "./operators_python.ts";

/**
 * Every mutant of one source file, in the order of the file.
 *
 * @example
 * ```ts
 * import { mutantsOf } from "./operators.ts";
 * const mutants = await mutantsOf("server.c", "c", "void f(int fd) { close(fd); }\n");
 * console.log(mutants.map((m) => `${m.operator} ${m.replacement}`)); // [ "delete-call ;" ]
 * ```
 */
export async function mutantsOf(file: string, language: SourceLanguage, source: string): Promise<Mutant[]> {
  const root = await parseSource(language, source);
  const edits = language === "c" ? cEdits(root) : pythonEdits(root);
  return placeMutants(file, source, edits);
}
