/**
 * The error of a grading that cannot start because of what was asked for
 * (exit status 2, a report of errors worth 0), not because of the grader.
 *
 * @module
 */

/**
 * A problem with what the user asked for (exit status 2), not a grade.
 *
 * @example
 * ```ts
 * import { SetupError } from "./setup_error.ts";
 * const error = new SetupError("unknown lab 'nope'");
 * error.name; // "SetupError"
 * ```
 */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}
