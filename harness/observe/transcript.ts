/**
 * The wire transcript of a check: what each party sent, printed and typed,
 * in the order it happened, shown to the student when a check fails.
 *
 * @module
 */

/** One thing that happened during a check. */
export interface TranscriptEntry {
  /** Milliseconds since the check started. */
  atMs: number;
  /** Who did it: `server stdout`, `harness → server`, `client stdin`, … */
  source: string;
  /** The text, possibly shortened. */
  text: string;
}

const MAX_ENTRIES = 400;
const MAX_TEXT = 300;

/**
 * An append-only, size-capped log of a check's events.
 *
 * @example
 * ```ts
 * import { Transcript } from "./transcript.ts";
 * const t = new Transcript();
 * t.record("client stdin", "hello\n");
 * t.render(); // '     0 ms  client stdin        "hello\\n"'
 * ```
 */
export class Transcript {
  readonly #start = performance.now();
  readonly #entries: TranscriptEntry[] = [];
  #omitted = 0;

  /** Adds an event; texts are JSON-quoted on render so `\n` stays visible. */
  record(source: string, text: string): void {
    if (this.#entries.length >= MAX_ENTRIES) {
      this.#omitted++;
      return;
    }
    const shown = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${text.length} characters)` : text;
    this.#entries.push({
      atMs: Math.round(performance.now() - this.#start),
      source,
      text: shown,
    });
  }

  /** Adds a remark of the harness itself (not wire data). */
  note(text: string): void {
    this.record("note", text);
  }

  /** The entries so far. */
  get entries(): readonly TranscriptEntry[] {
    return this.#entries;
  }

  /** Renders the last `limit` entries, one per line. */
  render(limit = 40): string {
    const shown = this.#entries.slice(-limit);
    const skipped = this.#entries.length - shown.length + this.#omitted;
    const width = Math.max(8, ...shown.map((e) => e.source.length));
    const lines = shown.map((e) =>
      `${String(e.atMs).padStart(6)} ms  ${e.source.padEnd(width)}  ${
        e.source === "note" ? e.text : JSON.stringify(e.text)
      }`
    );
    if (skipped > 0) lines.unshift(`… ${skipped} earlier entries not shown`);
    return lines.join("\n");
  }
}
