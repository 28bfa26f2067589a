/**
 * The report formats `--format` chooses from, each a function from a run's
 * report(s) to text.
 *
 * @module
 */

import { renderClassroom } from "./classroom.ts";
import type { FormatOptions } from "./common.ts";
import type { Reports } from "../report/model.ts";
import { renderGradescope } from "./gradescope.ts";
import { renderJsonReports } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { renderTextReports } from "./text.ts";

export type { FormatOptions } from "./common.ts";
export type { Reports } from "../report/model.ts";

/** The names `--format` takes, the default first. */
export const FORMAT_NAMES = ["text", "json", "classroom", "gradescope", "junit"] as const;

/** A report format's name. */
export type FormatName = typeof FORMAT_NAMES[number];

/** Renders a run in one format. */
export type Renderer = (input: Reports, options: FormatOptions) => string;

/**
 * The renderer of each format.
 *
 * @example
 * ```ts ignore
 * import { RENDERERS } from "./mod.ts";
 * const xml = RENDERERS.junit(report, {});
 * ```
 */
export const RENDERERS: Record<FormatName, Renderer> = {
  text: renderTextReports,
  json: (input) => renderJsonReports(input),
  classroom: (input) => renderClassroom(input),
  gradescope: (input) => renderGradescope(input),
  junit: (input) => renderJunit(input),
};

/**
 * Whether `name` is a format.
 *
 * @example
 * ```ts
 * import { isFormatName } from "./mod.ts";
 * isFormatName("junit"); // true
 * ```
 */
export function isFormatName(name: string): name is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(name);
}
