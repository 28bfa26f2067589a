/**
 * Which language of a submission is graded, and why, when that is not
 * obvious: a student repository made by `socklab template` ships a
 * Makefile and C stubs, and a student who writes the lab in Python keeps
 * them beside `server.py` and `client.py`.
 *
 * In order: the language a student states in `socklab.yaml` (or
 * `.socklab`), `language: c` or `language: python`; Python when the C files
 * beside the Python pair are the lab's starter files untouched (the same
 * SHA-256 as the shipped ones); else a Makefile means C and the Python pair
 * means Python. Whenever both are present the reason is said.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { parse } from "yaml";

/** The languages a lab can be written in. */
export type Language = "c" | "python";

/** The files in which a student states the language, first found wins. */
export const LANGUAGE_FILES = ["socklab.yaml", ".socklab"] as const;

/** The language to grade, and what the build check tells the student about the choice. */
export interface LanguageChoice {
  language: Language;
  /** Why, when the submission held both languages or stated one. */
  note?: string;
  /** The student stated it: no other language is tried. */
  stated: boolean;
}

const MAKEFILES = ["Makefile", "makefile", "GNUmakefile"];
const C_FILE = /^(Makefile|makefile|GNUmakefile|.*\.[ch])$/;

/**
 * The language `dir` is graded in, or a problem with the student's
 * `socklab.yaml`, or undefined when it holds neither language. `starterDir`
 * is the lab's starter code (`tasks/<lab>/`), whose C files left untouched
 * beside a Python pair do not make a submission C.
 *
 * @example
 * ```ts ignore
 * import { chooseLanguage } from "./language.ts";
 * chooseLanguage("student-repo", "tasks/async-server");
 * // { language: "python", stated: false, note: "graded as Python (server.py and client.py): …" }
 * ```
 */
export function chooseLanguage(
  dir: string,
  starterDir?: string,
): LanguageChoice | { problem: string } | undefined {
  const stated = statedLanguage(dir);
  if (stated && "problem" in stated) return stated;
  if (stated) {
    return {
      language: stated.language,
      stated: true,
      note: `graded as ${label(stated.language)}, as ${stated.file} says (language: ${stated.language})`,
    };
  }
  const hasMakefile = MAKEFILES.some((name) => isFile(join(dir, name)));
  const hasPython = isFile(join(dir, "server.py")) || isFile(join(dir, "client.py"));
  if (!hasMakefile) return hasPython ? { language: "python", stated: false } : undefined;
  // One Python program beside a Makefile is a mixed pair the Makefile builds (a wrapper script): C.
  if (!(isFile(join(dir, "server.py")) && isFile(join(dir, "client.py")))) {
    return { language: "c", stated: false };
  }
  const cFiles = filesMatching(dir, C_FILE);
  if (starterDir && untouchedStarter(dir, cFiles, starterDir)) {
    return {
      language: "python",
      stated: false,
      note: `graded as Python (server.py and client.py): ${
        cFiles.join(", ")
      } are the lab's starter files, untouched`,
    };
  }
  return {
    language: "c",
    stated: false,
    note: "graded as C (the Makefile): this directory also holds server.py and client.py; to grade those, " +
      "remove the Makefile or write 'language: python' in socklab.yaml",
  };
}

/**
 * The language a student states in `socklab.yaml` or `.socklab`, or a
 * problem with that file, or undefined when there is none.
 *
 * @example
 * ```ts ignore
 * import { statedLanguage } from "./language.ts";
 * statedLanguage("student-repo"); // { language: "python", file: "socklab.yaml" }
 * ```
 */
export function statedLanguage(
  dir: string,
  read: (path: string) => string | undefined = readText,
): { language: Language; file: string } | { problem: string } | undefined {
  for (const file of LANGUAGE_FILES) {
    const text = read(join(dir, file));
    if (text === undefined) continue;
    let value: unknown;
    try {
      value = parse(text)?.language;
    } catch (error) {
      return { problem: `${file} is not YAML: ${(error as Error).message.split("\n")[0]}` };
    }
    if (value === "c" || value === "python") return { language: value, file };
    return {
      problem: `${file} must say 'language: c' or 'language: python', not ${JSON.stringify(value ?? null)}`,
    };
  }
  return undefined;
}

/** Whether every C file of `dir` (at least one .c) is the starter file of that name, byte for byte. */
function untouchedStarter(dir: string, cFiles: string[], starterDir: string): boolean {
  if (!cFiles.some((name) => name.endsWith(".c"))) return false;
  return cFiles.every((name) => {
    const starter = join(starterDir, name);
    return isFile(starter) && sha256(join(dir, name)) === sha256(starter);
  });
}

function sha256(path: string): string {
  return createHash("sha256").update(Deno.readFileSync(path)).digest("hex");
}

function filesMatching(dir: string, pattern: RegExp): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((entry) => entry.isFile && pattern.test(entry.name))
      .map((entry) => entry.name).sort();
  } catch {
    return [];
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

function label(language: Language): string {
  return language === "c" ? "C" : "Python";
}
