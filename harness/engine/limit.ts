/**
 * How many pieces of work run at once: checks of a grading, gradings of a
 * batch, gradings of the regression suite. One limiter serves them all.
 *
 * @module
 */

/**
 * Runs at most `size` tasks at once; the others wait their turn in the order
 * they asked (a check that needs another is never starved by later ones).
 *
 * @example
 * ```ts
 * import { Limiter } from "./limit.ts";
 * const limiter = new Limiter(2);
 * const answers = await Promise.all([1, 2, 3].map((n) => limiter.run(async () => n * 10)));
 * // answers: [10, 20, 30], never more than two computed at once
 * ```
 */
export class Limiter {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!(Number.isInteger(size) && size > 0)) {
      throw new RangeError(`a limiter needs a size of 1 or more, not ${size}`);
    }
    this.#free = size;
  }

  /**
   * Runs `task` once a place is free; its result or error is the caller's.
   * With `first`, it goes ahead of those already waiting (a long task that
   * could only start late, so that it does not end last).
   */
  async run<T>(task: () => Promise<T>, options: { first?: boolean } = {}): Promise<T> {
    if (this.#free > 0) this.#free--;
    else {
      await new Promise<void>((resolve) =>
        options.first ? this.#waiting.unshift(resolve) : this.#waiting.push(resolve)
      );
    }
    try {
      return await task();
    } finally {
      // The place goes straight to the next in line, so no newcomer can take it first.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/**
 * `work` over `items`, at most `size` at once, started in order; the
 * results keep the order of `items`.
 *
 * @example
 * ```ts
 * import { mapLimited } from "./limit.ts";
 * const lengths = await mapLimited(["a", "bb", "ccc"], 2, async (word) => word.length); // [1, 2, 3]
 * ```
 */
export function mapLimited<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const limiter = new Limiter(size);
  return Promise.all(items.map((item) => limiter.run(() => work(item))));
}
