/**
 * Text that arrives over time (a program's stdout, the bytes a peer
 * received), searched in order for expected message texts.
 *
 * Matching is by containment from a cursor: `expect("hello")` succeeds when
 * "hello" appears anywhere after the previous match, whatever prefix, line
 * break or TCP segmentation surrounds it. That is how the labs' contract
 * reads output ("a line contains the message", order matters) and byte
 * streams ("never assume one recv is one message").
 *
 * @module
 */

import { awaitEvent, DeadlineError, formatMs, StalledError } from "../observe/wait.ts";

/** Why an expected text was not seen. */
export class ExpectError extends Error {
  /**
   * @param expected the text that was awaited
   * @param streamName e.g. "the server's stdout"
   * @param reason `deadline` (nothing matched in time), `ended` (the stream
   *   closed) or `stalled` (nothing could bring it any more)
   * @param seen what arrived after the cursor, as far as it was kept
   * @param waitedMs how long the wait lasted
   * @param why for `stalled`: what the programs were doing instead
   */
  constructor(
    readonly expected: string,
    readonly streamName: string,
    readonly reason: "deadline" | "ended" | "stalled",
    readonly seen: string,
    readonly waitedMs: number,
    readonly why?: string,
  ) {
    super(
      `expected ${streamName} to contain ${JSON.stringify(expected)}, but ${
        reason === "ended"
          ? "it ended without it"
          : reason === "stalled"
          ? `nothing could bring it any more: ${why}`
          : `it did not appear within ${Math.round(waitedMs)} ms`
      }`,
    );
    this.name = "ExpectError";
  }
}

/** Options of {@link TextStream}. */
export interface TextStreamOptions {
  /** Keep at most this many characters; count the rest and drop them. */
  capChars?: number;
  /** Called with each decoded chunk (to feed a transcript). */
  onChunk?: (text: string) => void;
}

/**
 * An append-only text buffer with an ordered-match cursor.
 *
 * @example
 * ```ts
 * import { TextStream } from "./stream.ts";
 * const out = new TextStream("the server's stdout");
 * out.push(new TextEncoder().encode("[Client 5]: hel"));
 * out.push(new TextEncoder().encode("lo\n"));
 * await out.expect("hello", 1000); // resolves: prefixes and splits do not matter
 * ```
 */
export class TextStream {
  readonly #decoder = new TextDecoder();
  readonly #cap: number;
  readonly #onChunk?: (text: string) => void;
  #text = "";
  #droppedBytes = 0;
  #totalBytes = 0;
  #cursor = 0;
  #ended = false;
  #wake: (() => void)[] = [];
  #lastStall?: string;

  constructor(readonly name: string, options: TextStreamOptions = {}) {
    this.#cap = options.capChars ?? 1 << 20;
    this.#onChunk = options.onChunk;
  }

  /** Appends raw bytes as they arrive. */
  push(bytes: Uint8Array): void {
    this.#totalBytes += bytes.length;
    if (this.#text.length >= this.#cap) {
      this.#droppedBytes += bytes.length;
      return;
    }
    const text = this.#decoder.decode(bytes, { stream: true });
    const room = this.#cap - this.#text.length;
    const kept = text.length > room ? text.slice(0, room) : text;
    if (kept.length < text.length) this.#droppedBytes += text.length - room;
    this.#text += kept;
    this.#onChunk?.(kept);
    this.#notify();
  }

  /** Marks the end of the stream (EOF). */
  end(): void {
    this.#ended = true;
    this.#notify();
  }

  /** Everything kept so far. */
  get text(): string {
    return this.#text;
  }

  /** Whether the stream has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes received in all, kept or not. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Bytes dropped because the cap was reached. */
  get droppedBytes(): number {
    return this.#droppedBytes;
  }

  /** What arrived after the last match. */
  get unread(): string {
    return this.#text.slice(this.#cursor);
  }

  /** Kept text split into lines (a last line without `\n` included). */
  lines(): string[] {
    const lines = this.#text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines;
  }

  /** Whether `needle` appears after the cursor, without moving it. */
  hasAhead(needle: string): boolean {
    return this.#text.indexOf(needle, this.#cursor) >= 0;
  }

  /**
   * Waits until `needle` appears after the cursor and moves the cursor past
   * it. Rejects with {@link ExpectError} when the stream ends first or the
   * deadline passes.
   */
  async expect(needle: string, timeoutMs: number): Promise<void> {
    const started = performance.now();
    const wait = { abandoned: false };
    try {
      await awaitEvent(this.#waitFor(needle, wait), timeoutMs, needle);
    } catch (error) {
      wait.abandoned = true;
      if (error instanceof DeadlineError || error instanceof ExpectError) {
        throw new ExpectError(
          needle,
          this.name,
          error instanceof ExpectError ? "ended" : error instanceof StalledError ? "stalled" : "deadline",
          this.unread,
          performance.now() - started,
          error instanceof StalledError ? error.why : undefined,
        );
      }
      throw error;
    }
  }

  /** Waits until the stream ends (or the deadline passes: then false). */
  waitEnd(timeoutMs: number): Promise<boolean> {
    return this.waitUntil(() => this.#ended, timeoutMs);
  }

  /**
   * Waits until `condition` holds, checked whenever data arrives or the
   * stream ends; false if the deadline passes first, or if nothing can make
   * it hold any more ({@link giveUpReason} says which).
   */
  async waitUntil(condition: (stream: TextStream) => boolean, timeoutMs: number): Promise<boolean> {
    this.#lastStall = undefined;
    try {
      await awaitEvent(this.#until(() => condition(this)), timeoutMs, "a condition on the stream");
      return true;
    } catch (error) {
      if (error instanceof StalledError) this.#lastStall = error.why;
      if (error instanceof DeadlineError) return condition(this);
      throw error;
    }
  }

  /**
   * Why the last {@link waitUntil} (or {@link waitEnd}) gave up early, if
   * it did: what the programs were doing when nothing could change any more.
   */
  get lastStall(): string | undefined {
    return this.#lastStall;
  }

  /**
   * Why the last {@link waitUntil} (or {@link waitEnd}) that returned false
   * gave up, to end a sentence: `within 3 s`, or `(nothing could change that
   * any more: …)` when the programs stalled.
   *
   * @example
   * ```ts
   * import { TextStream } from "./stream.ts";
   * const s = new TextStream("what the client received");
   * if (!await s.waitEnd(10)) console.log(`it stayed open ${s.giveUpReason(10)}`); // "within 10 ms"
   * ```
   */
  giveUpReason(timeoutMs: number): string {
    return this.#lastStall === undefined
      ? `within ${formatMs(timeoutMs)}`
      : `(nothing could change that any more: ${this.#lastStall})`;
  }

  async #waitFor(needle: string, wait: { abandoned: boolean }): Promise<void> {
    while (!wait.abandoned) {
      const at = this.#text.indexOf(needle, this.#cursor);
      if (at >= 0) {
        this.#cursor = at + needle.length;
        return;
      }
      if (this.#ended) {
        throw new ExpectError(needle, this.name, "ended", this.unread, 0);
      }
      await this.#next();
    }
  }

  async #until(condition: () => boolean): Promise<void> {
    while (!condition()) await this.#next();
  }

  #next(): Promise<void> {
    return new Promise((resolve) => this.#wake.push(resolve));
  }

  #notify(): void {
    const waiting = this.#wake;
    this.#wake = [];
    for (const wake of waiting) wake();
  }
}
