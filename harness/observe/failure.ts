/**
 * How a check says why it failed: a rationale (what was expected and what
 * happened) and a hint (what to look at in the code).
 *
 * @module
 */

/**
 * Thrown by a check (or by the harness on its behalf) when the submission
 * did not behave as the lab requires. Anything else thrown is a grader bug
 * and is reported as an `error`, not a `fail`.
 *
 * @example
 * ```ts
 * import { CheckFailure } from "./failure.ts";
 * throw new CheckFailure(
 *   'the server printed nothing after the client sent "hi"',
 *   "print each message as soon as recv() returns it",
 * );
 * ```
 */
export class CheckFailure extends Error {
  constructor(readonly rationale: string, readonly hint?: string) {
    super(rationale);
    this.name = "CheckFailure";
  }
}

/**
 * Fails the check unless `condition` holds.
 *
 * @example
 * ```ts
 * import { require } from "./failure.ts";
 * require(1 + 1 === 2, "arithmetic is broken");
 * ```
 */
export function require(
  condition: unknown,
  rationale: string,
  hint?: string,
): asserts condition {
  if (!condition) throw new CheckFailure(rationale, hint);
}
