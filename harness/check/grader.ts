/**
 * How a lab's grader declares its checks: each check once, its title,
 * dependencies and kind beside its code, and the lab's settings as a typed
 * schema. `task.yaml` keeps only what an instructor tunes (points, hints,
 * limits, setting values, visibility); the harness joins the two when it
 * loads a lab and refuses any mismatch.
 *
 * @module
 */

import { z } from "zod";
import type { CheckContext } from "./context.ts";

/** The check every lab has, performed by the harness itself: the submission builds. */
export const BUILD_CHECK = "build";

/** The title of {@link BUILD_CHECK}, the same in every lab. */
export const BUILD_TITLE = "Builds with make (C) or compiles (Python)";

/** A lab's settings: each a zod schema (with its default, if any), by name. */
export type SettingsShape = Record<string, z.ZodType>;

/** The values of the settings a {@link SettingsShape} declares. */
export type SettingsOf<Shape extends SettingsShape> = z.output<z.ZodObject<Shape>>;

/** What a grader writes for one check. */
export interface CheckDeclaration<Settings> {
  /** What the check verifies, as the report shows it. */
  title: string;
  /**
   * Checks that must pass before this one runs, besides the build (which
   * every check needs): this one is skipped, with the cause, otherwise.
   */
  needs?: string[];
  /**
   * Behaviour beyond the lab text: reported, not scored, unless `task.yaml`
   * gives the check points.
   */
  advice?: boolean;
  /**
   * Runs the submission instrumented (C built with sanitizers, Python in
   * development mode): `t.submission` is that build.
   */
  instrumented?: boolean;
  /** Drives the programs; fails by throwing a `CheckFailure`. */
  run: (t: CheckContext<Settings>) => Promise<void>;
}

/**
 * A declared check: callable as its `run`, with its declaration beside it
 * and where in the source it was declared (for setup errors).
 */
export interface DeclaredCheck<Settings = Record<string, unknown>> {
  (t: CheckContext<Settings>): Promise<void>;
  readonly title: string;
  readonly needs: readonly string[];
  readonly advice: boolean;
  readonly instrumented: boolean;
  /** `file:line:column` of the declaration, when the runtime tells. */
  readonly where?: string;
}

/**
 * Declares one check.
 *
 * @example
 * ```ts
 * import { check } from "./grader.ts";
 * const serverStarts = check({
 *   title: "The server listens on port 5000",
 *   run: async (t) => {
 *     await t.startServer(t.submission);
 *   },
 * });
 * serverStarts.title; // "The server listens on port 5000"
 * ```
 */
export function check<Settings = Record<string, unknown>>(
  declaration: CheckDeclaration<Settings>,
): DeclaredCheck<Settings> {
  const run = (t: CheckContext<Settings>) => declaration.run(t);
  return Object.assign(run, {
    title: declaration.title,
    needs: declaration.needs ?? [],
    advice: declaration.advice ?? false,
    instrumented: declaration.instrumented ?? false,
    where: callerLocation(),
  });
}

/** A lab's grader: the default export of `graders/<lab>.ts`. */
export interface Grader<Settings = Record<string, unknown>> {
  lab: string;
  /** The schema of the lab's `settings:` in `task.yaml` (none by default). */
  settings: SettingsShape;
  /** The checks by id, in no particular order (`task.yaml` orders the report). */
  checks: Record<string, DeclaredCheck<Settings>>;
  /** `file:line:column` of the grader's declaration, when the runtime tells. */
  where?: string;
}

/**
 * Declares a lab's grader.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { check, defineGrader } from "./grader.ts";
 * export default defineGrader({
 *   lab: "demo",
 *   settings: { clients: z.number().int().positive().default(10) },
 *   checks: {
 *     "many-clients": check({
 *       title: "Serves ten clients at once",
 *       run: async (t) => {
 *         await t.startServer(t.submission);
 *         await t.connectMany(t.settings.clients);
 *       },
 *     }),
 *   },
 * });
 * ```
 */
export function defineGrader<Shape extends SettingsShape = Record<never, never>>(
  grader: {
    lab: string;
    settings?: Shape;
    checks: Record<string, DeclaredCheck<NoInfer<SettingsOf<Shape>>>>;
  },
): Grader<SettingsOf<Shape>> {
  return { lab: grader.lab, settings: grader.settings ?? {}, checks: grader.checks, where: callerLocation() };
}

/** The schema that validates a grader's settings: unknown names are errors. */
export function settingsSchema(shape: SettingsShape): z.ZodObject<SettingsShape> {
  return z.object(shape).strict();
}

/** Where the caller of the function that calls this was, from the stack. */
function callerLocation(): string | undefined {
  const frame = new Error().stack?.split("\n")[3];
  const found = frame?.match(/\(?(?:file:\/\/)?(\/[^()\s]+:\d+:\d+)\)?\s*$/);
  return found?.[1];
}
