/**
 * The progress of long transfers while a lab is graded: a live status line
 * on a terminal (bytes, rate, per client), occasional plain lines elsewhere
 * (every quarter of each transfer), nothing when asked to be quiet.
 *
 * @module
 */

import type { CheckProgress } from "../engine/grade.ts";
import { formatRate, formatSize } from "../peers/upload.ts";

/** Where progress goes: redrawn in place, plain lines, or nowhere. */
export type DisplayMode = "live" | "lines" | "off";

interface Transfer {
  firstAtMs: number;
  firstDone: number;
  latest: CheckProgress;
  quartersShown: number;
}

/**
 * Shows the progress events of a grading.
 *
 * @example
 * ```ts
 * import { TransferDisplay } from "./progress_display.ts";
 * const shown: string[] = [];
 * const display = new TransferDisplay("lines", (text) => shown.push(text));
 * display.update({ check: "single-upload", label: "upload", done: 1 << 29, total: 1 << 30, atMs: 0 });
 * // shown: ["single-upload upload: 512 MiB of 1 GiB (50%)\n"]
 * ```
 */
export class TransferDisplay {
  readonly #transfers = new Map<string, Transfer>();
  #liveShown = false;

  constructor(readonly mode: DisplayMode, readonly write: (text: string) => void) {}

  /** Takes one progress event. */
  update(progress: CheckProgress): void {
    if (this.mode === "off") return;
    const key = `${progress.check}\0${progress.label}`;
    const transfer = this.#transfers.get(key) ??
      { firstAtMs: progress.atMs, firstDone: progress.done, latest: progress, quartersShown: 0 };
    transfer.latest = progress;
    this.#transfers.set(key, transfer);
    if (this.mode === "live") {
      this.#redraw();
      return;
    }
    const quarters = Math.floor((4 * progress.done) / progress.total);
    if (quarters > transfer.quartersShown) {
      transfer.quartersShown = quarters;
      this.write(`${describe(transfer)}\n`);
    }
    if (progress.done >= progress.total) this.#transfers.delete(key);
  }

  /** Clears the live line (before other output is printed). */
  clear(): void {
    if (this.#liveShown) this.write("\r\x1b[2K");
    this.#liveShown = false;
  }

  #redraw(): void {
    const running = [...this.#transfers.values()].filter((t) => t.latest.done < t.latest.total);
    for (const [key, transfer] of this.#transfers) {
      if (transfer.latest.done >= transfer.latest.total) this.#transfers.delete(key);
    }
    const line = running.map(describe).join("  |  ");
    const columns = Deno.stdout.isTerminal() ? Deno.consoleSize().columns : 120;
    this.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    this.#liveShown = line.length > 0;
  }
}

function describe(transfer: Transfer): string {
  const { check, label, done, total, atMs } = transfer.latest;
  const percent = Math.floor((100 * done) / total);
  const elapsed = atMs - transfer.firstAtMs;
  const rate = elapsed > 0 ? `, ${formatRate(done - transfer.firstDone, elapsed)}` : "";
  return `${check} ${label}: ${formatSize(done)} of ${formatSize(total)} (${percent}%${rate})`;
}
