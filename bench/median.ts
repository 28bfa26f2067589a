/**
 * The median the benches quote: the middle value of a run's figures (the
 * upper one of the two middle values for an even count).
 *
 * @example
 * ```ts
 * import { median } from "./median.ts";
 * median([3, 1, 2]); // 2
 * ```
 *
 * @module
 */

/** The middle value of `values` once sorted (the upper middle one for an even count). */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
