/**
 * The mutants of a lab's references that no check can or should kill,
 * each with the reason: `fixtures/<lab>/equivalent-mutants.yaml`.
 *
 * ```yaml
 * c:
 *   - id: server.c/constant/0e45a86a11      # as `deno task mutants` prints it
 *     mutation: "`int on = 1` → `int on = 2`" # for the reader; not used
 *     reason: SO_REUSEADDR takes any non-zero value as on
 * python: []
 * ```
 *
 * The file sits beside the lab's fixtures (not in `reference/`, which ships
 * in the package). A mutant listed here that is killed all the same is
 * reported as a stale entry.
 *
 * @module
 */

import { join } from "node:path";
import { parse } from "yaml";
import type { SourceLanguage } from "./parse.ts";

/** One listed mutant. */
export interface EquivalentEntry {
  id: string;
  reason: string;
  mutation?: string;
}

/** The listed mutants of one language, by id. */
export type EquivalentList = Map<string, EquivalentEntry>;

/**
 * Where the list of `lab` is.
 *
 * @example
 * ```ts
 * import { equivalentFile } from "./equivalent.ts";
 * console.log(equivalentFile("/repo", "fork-server")); // "/repo/fixtures/fork-server/equivalent-mutants.yaml"
 * ```
 */
export function equivalentFile(repoRoot: string, lab: string): string {
  return join(repoRoot, "fixtures", lab, "equivalent-mutants.yaml");
}

/**
 * Reads the list of one language from the text of an `equivalent-mutants.yaml`
 * (an empty list for an absent file: pass `undefined`).
 *
 * @example
 * ```ts
 * import { parseEquivalents } from "./equivalent.ts";
 * const list = parseEquivalents("c:\n  - id: a.c/constant/1\n    reason: any value works\n", "c", "x.yaml");
 * console.log(list.get("a.c/constant/1")?.reason); // "any value works"
 * ```
 */
export function parseEquivalents(
  text: string | undefined,
  language: SourceLanguage,
  where: string,
): EquivalentList {
  const list: EquivalentList = new Map();
  if (text === undefined) return list;
  const document = (parse(text) ?? {}) as Record<string, unknown>;
  const entries = document[language] ?? [];
  if (!Array.isArray(entries)) throw new Error(`${where}: '${language}' must be a list`);
  for (const entry of entries as Partial<EquivalentEntry>[]) {
    if (typeof entry?.id !== "string" || typeof entry.reason !== "string" || entry.reason.trim() === "") {
      throw new Error(
        `${where}: each entry of '${language}' needs an id and a reason (${JSON.stringify(entry)})`,
      );
    }
    if (list.has(entry.id)) throw new Error(`${where}: ${entry.id} is listed twice`);
    list.set(entry.id, { id: entry.id, reason: entry.reason.trim(), mutation: entry.mutation });
  }
  return list;
}

/**
 * Reads the list of `lab` for `language` from the repository.
 *
 * @example
 * ```ts ignore
 * import { loadEquivalents } from "./equivalent.ts";
 * const list = await loadEquivalents("/work/socklab", "fork-server", "c");
 * ```
 */
export async function loadEquivalents(
  repoRoot: string,
  lab: string,
  language: SourceLanguage,
): Promise<EquivalentList> {
  const path = equivalentFile(repoRoot, lab);
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return parseEquivalents(text, language, path);
}
