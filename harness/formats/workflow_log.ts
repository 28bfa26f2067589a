/**
 * What the grader prints while GitHub Actions runs it, made so that no
 * student text in it is ever a workflow command: the one function every
 * printing path of the grader goes through ({@link safeForWorkflowLog}).
 *
 * How the runner finds commands (actions/runner at 258d6c8:
 * Runner.Sdk/ProcessInvoker.cs, Runner.Worker/Handlers/OutputManager.cs,
 * Runner.Worker/ActionCommandManager.cs, Runner.Common/ActionCommand.cs):
 *
 * - It reads standard output and standard error with `StreamReader.ReadLine`,
 *   so a line ends at LF, CR or CRLF; each stream has a thread and a queue
 *   of its own, and lines of the two reach the parser in no fixed order.
 * - `TryParseV2`: the line, after `String.TrimStart()` (every character for
 *   which .NET's `Char.IsWhiteSpace` holds: tab, LF, VT, FF, CR, space, NEL
 *   U+0085, NBSP U+00A0, U+1680, U+2000–U+200A (EM SPACE among them), LINE
 *   SEPARATOR U+2028, PARAGRAPH SEPARATOR U+2029, U+202F, U+205F, U+3000),
 *   must start with `::`; the command runs to the next `::`, its name (up
 *   to a space) must be a registered command, compared case-insensitively.
 * - `TryParse`, the older form, tried when the first fails: `##[` anywhere
 *   in the line, the command up to the next `]`.
 * - `::stop-commands::TOKEN` stops every later command (of both streams:
 *   one command manager per step) until a line `::TOKEN::` (or `##[TOKEN]`);
 *   a token longer than 6 characters is masked in the log.
 *
 * So, while `GITHUB_ACTIONS=true`, student-derived text is escaped, every
 * line of it: control characters (C0 but tab and newline, DEL, C1 with NEL)
 * and every other character .NET trims or ICU's comparisons ignore (the
 * Unicode spaces and separators above, zero-width and bidirectional
 * marks) become visible `\xNN`/`\uNNNN` text; then a `::` that starts a line
 * after its spaces and tabs becomes `\::`, and every `##[` becomes `##\[`.
 * Machine-readable reports keep their value: JSON and XML write those
 * characters as their own escapes (`\u003a`, `&#x3a;`), which parsers read
 * back as the very characters. On top of that (defence in depth), text for
 * people is fenced with `::stop-commands::<128 random bits>` … `::<token>::`,
 * the runner's own mechanism; a fence is only ever opened on the stream that
 * also carries the grader's own annotations, after them or before them but
 * never around them, since a fence on one stream would swallow a command
 * the runner happens to read from the other stream meanwhile.
 *
 * @module
 */

/** How text is written: for people, or inside a JSON or XML document whose value must not change. */
export type LogStyle = "text" | "json" | "xml";

/** How {@link safeForWorkflowLog} treats text: escaped (in a style), or escaped and fenced. */
export type LogSafety = LogStyle | "fenced";

/**
 * Whether a GitHub Actions runner reads what the grader prints:
 * `GITHUB_ACTIONS=true`, whatever `SOCKLAB_GITHUB` says (that turns the
 * grader's annotations off, not the runner's parsing).
 *
 * @example
 * ```ts
 * import { underGithubRunner } from "./workflow_log.ts";
 * underGithubRunner({ GITHUB_ACTIONS: "true", SOCKLAB_GITHUB: "off" }); // true
 * ```
 */
export function underGithubRunner(env: Record<string, string | undefined>): boolean {
  return env.GITHUB_ACTIONS === "true";
}

/**
 * Text to print, made safe for the log of a GitHub Actions runner when one
 * reads it (see {@link underGithubRunner}), unchanged otherwise: escaped in
 * `how` style, or for `fenced`, escaped as text and fenced with a fresh
 * random stop token (print the grader's own commands outside the fence, on
 * the same stream).
 *
 * @example
 * ```ts
 * import { safeForWorkflowLog } from "./workflow_log.ts";
 * safeForWorkflowLog("  ::error::forged\n", { GITHUB_ACTIONS: "true" }); // "  \\::error::forged\n"
 * safeForWorkflowLog("  ::error::forged\n", {}); // unchanged
 * ```
 */
export function safeForWorkflowLog(
  text: string,
  env: Record<string, string | undefined>,
  how: LogSafety = "text",
): string {
  if (!underGithubRunner(env) || text === "") return text;
  if (how !== "fenced") return neutraliseWorkflowCommands(text, how);
  const token = stopCommandsToken();
  const body = neutraliseWorkflowCommands(text, "text");
  return `::stop-commands::${token}\n${body}${body.endsWith("\n") ? "" : "\n"}::${token}::\n`;
}

/**
 * `text` with no line the runner can take for a command (see the module's
 * notes), in `style`: for `json` and `xml` only characters inside strings
 * and character data change, each to an escape the format reads back as
 * the same character.
 *
 * @example
 * ```ts
 * import { neutraliseWorkflowCommands } from "./workflow_log.ts";
 * neutraliseWorkflowCommands("\u2028::add-mask::x a ##[error]y"); // "\\u2028::add-mask::x a ##\\[error]y"
 * neutraliseWorkflowCommands('{"a": "##[error]y"}', "json"); // '{"a": "##\\u005berror]y"}'
 * ```
 */
export function neutraliseWorkflowCommands(text: string, style: LogStyle = "text"): string {
  const escape = ESCAPES[style];
  return text
    .replace(NOT_PLAIN, escape)
    .split("\n")
    .map((line) => {
      const lead = line.match(/^[ \t]*/)![0];
      const rest = line.slice(lead.length);
      const safe = rest.startsWith("::") ? `${lead}${escape(":")}${rest.slice(1)}` : line;
      return safe.replaceAll("##[", `##${escape("[")}`);
    })
    .join("\n");
}

/**
 * A stop token no student can guess: 128 random bits in hexadecimal
 * (longer than 6 characters, so the runner masks it; never a command's name).
 *
 * @example
 * ```ts
 * import { stopCommandsToken } from "./workflow_log.ts";
 * stopCommandsToken(); // e.g. "3f9c0a…" (32 hexadecimal digits)
 * ```
 */
export function stopCommandsToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Characters the runner could trim, split a line at or ignore, so none is
 * printed raw: C0 controls but tab and LF, DEL, C1 (NEL among them), the
 * Unicode spaces and separators .NET's `Char.IsWhiteSpace` holds for, and
 * invisible format characters (soft hyphen, zero-width and bidirectional
 * marks, word joiners, BOM), which ICU's culture-aware comparisons skip.
 */
const NOT_PLAIN =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb]/g;

function hex(char: string, digits: number): string {
  return char.charCodeAt(0).toString(16).padStart(digits, "0");
}

const ESCAPES: Record<LogStyle, (char: string) => string> = {
  // A backslash before the `:` or `[` the runner looks for; other characters as `\xNN` or `\uNNNN`.
  text: (char) =>
    char === ":" || char === "["
      ? `\\${char}`
      : char.charCodeAt(0) < 0x100
      ? `\\x${hex(char, 2)}`
      : `\\u${hex(char, 4)}`,
  json: (char) => `\\u${hex(char, 4)}`,
  xml: (char) => `&#x${hex(char, 2)};`,
};
