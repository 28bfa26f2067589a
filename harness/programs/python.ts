/**
 * The Python interpreter that runs Python programs, and the directories it
 * needs to see. Apart from the build, so that a check runner, which starts
 * programs but builds none, does not load the build's modules.
 *
 * @module
 */

/**
 * The Python interpreter used for Python programs, as an absolute path: the
 * system's own when present (version managers' shims add a slow start to
 * every run), else the real interpreter behind `python3` on the grader's
 * `PATH` (student code gets a `PATH` of system directories only).
 *
 * @example
 * ```ts
 * import { pythonInterpreter } from "./python.ts";
 * const python = pythonInterpreter(); // "/usr/bin/python3" on Debian
 * ```
 */
export function pythonInterpreter(): string {
  return pythonInstallation().executable;
}

/**
 * The directories outside `/usr` that the interpreter of
 * {@link pythonInterpreter} runs from (a pyenv install under `/root`): the
 * jail shows them read-only, and nothing else of their parents.
 *
 * @example
 * ```ts
 * import { pythonPrefixes } from "./python.ts";
 * const extra = pythonPrefixes(); // [] where python3 is /usr/bin/python3
 * ```
 */
export function pythonPrefixes(): string[] {
  return pythonInstallation().prefixes;
}

let installation: { executable: string; prefixes: string[] } | undefined;

function pythonInstallation(): { executable: string; prefixes: string[] } {
  if (installation) return installation;
  try {
    if (Deno.statSync("/usr/bin/python3").isFile) {
      return installation = { executable: "/usr/bin/python3", prefixes: [] };
    }
  } catch {
    // Ask the one on PATH.
  }
  installation = { executable: "python3", prefixes: [] };
  try {
    const result = new Deno.Command("python3", {
      args: ["-c", "import sys; print(sys.executable); print(sys.prefix); print(sys.base_prefix)"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const [executable, ...prefixes] = new TextDecoder().decode(result.stdout).trim().split("\n");
    if (result.success && executable) {
      const outside = (dir: string) => dir !== "/usr" && !dir.startsWith("/usr/");
      installation = { executable, prefixes: [...new Set(prefixes)].filter((dir) => dir && outside(dir)) };
    }
  } catch {
    // No python3: Python submissions will say so when they start.
  }
  return installation;
}
