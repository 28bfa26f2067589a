/**
 * The similarity part of the class report: the pairs of submissions whose
 * code is unusually similar, with their longest matching fragments side by
 * side. A flag for a person to look at, never a score.
 *
 * @module
 * @internal
 */

import { escapeHtml } from "./class_grid.ts";
import type { SimilarPair } from "./similarity.ts";

/** Pairs listed per lab; the rest are counted. */
const PAIRS_SHOWN = 20;

/**
 * The similar pairs of one lab, or a line saying none was found.
 *
 * @example
 * ```ts ignore
 * import { similaritySection } from "./class_similarity.ts";
 * const html = similaritySection(pairs, 0.7);
 * ```
 */
export function similaritySection(pairs: SimilarPair[] | undefined, threshold: number): string {
  if (pairs === undefined) return "";
  const intro = `<h3>Similar code</h3>
<p class="facts">Pairs whose code is at least ${
    Math.round(threshold * 100)
  }% alike by Dolos's measure (shared fingerprints of syntax-tree tokens, the starter code subtracted). A reason to read both, not a verdict.</p>`;
  if (pairs.length === 0) {
    return `${intro}\n<p class="similar-none">No pair of submissions is that alike.</p>`;
  }
  const rows = pairs.slice(0, PAIRS_SHOWN).map((pair) => {
    const right = pair.rightKind === "known"
      ? `${escapeHtml(pair.right)} <span class="known">known solution</span>`
      : escapeHtml(pair.right);
    const fragments = pair.fragments.map((fragment) =>
      `<div class="fragment">${side(fragment.left)}${side(fragment.right)}</div>`
    ).join("");
    return `<details class="similar-pair" data-left="${escapeHtml(pair.left)}" data-right="${
      escapeHtml(pair.right)
    }">
<summary><strong>${escapeHtml(pair.left)}</strong> and <strong>${right}</strong>: ${
      Math.round(pair.similarity * 100)
    }% alike (${pair.language}, longest shared run ${pair.longest} tokens)</summary>
${fragments}
</details>`;
  }).join("\n");
  const more = pairs.length > PAIRS_SHOWN
    ? `<p class="facts">and ${pairs.length - PAIRS_SHOWN} more pairs above the threshold.</p>`
    : "";
  return `${intro}\n${rows}\n${more}`;
}

function side(fragment: { file: string; firstLine: number; lastLine: number; text: string }): string {
  return `<figure><figcaption>${
    escapeHtml(fragment.file)
  }:${fragment.firstLine}–${fragment.lastLine}</figcaption><pre>${escapeHtml(fragment.text)}</pre></figure>`;
}
