/**
 * Builds a submission (or a reference) in a fresh copy: the submitted
 * directory itself is never modified. C submissions are built with `make`;
 * Python submissions are byte-compiled to catch syntax errors early.
 *
 * @module
 */

import { cp } from "node:fs/promises";
import { basename, join } from "node:path";
import { programEnvironment, takeBack } from "../sandbox/jail.ts";
import type { JailSpec } from "../sandbox/jail.ts";
import { runSandboxed } from "../sandbox/sandbox.ts";
import type { Isolation } from "../sandbox/sandbox.ts";
import { runCappedBuild, sourcesDir } from "./build_dir.ts";

import { chooseLanguage } from "./language.ts";
import { pythonInterpreter } from "./python.ts";
import type { Language } from "./language.ts";

export type { Language } from "./language.ts";
export { pythonInterpreter, pythonPrefixes } from "./python.ts";

/** The two programs of every lab. */
export type Role = "server" | "client";

/** Jobs of a C build at once: one per core (the submission's two programs and their objects). */
const PARALLEL_JOBS = Math.max(2, navigator.hardwareConcurrency ?? 2);

/** A built program pair, ready to run. */
export interface Program {
  language: Language;
  /** The built copy. */
  dir: string;
  /** Where it was copied from. */
  source: string;
  /** Student code, or one of the harness's reference peers. */
  origin: "submission" | "reference";
  /**
   * Run so that it reports memory errors and leaks (C built with sanitizers,
   * Python in development mode): see `instrumented.ts`.
   */
  instrumented?: boolean;
}

/** The outcome of {@link buildProgram}. */
export interface BuildResult {
  /** The built program, when the build succeeded. */
  program?: Program;
  language?: Language;
  /** Compiler output (warnings and errors), capped. */
  output: string;
  /** Why the build failed, for people. */
  failure?: string;
  /** What the build decided that the student should know (the language chosen, and why). */
  notes: string[];
  durationMs: number;
}

const OUTPUT_CAP = 16 * 1024;
// node_modules: a student repository made by `socklab template` installs the grader there.
const BUILD_ARTIFACTS = /^(server|client|.*\.o|__pycache__|\.git|node_modules)$/;

/**
 * Which language a submission is written in: a `Makefile` means C, a
 * `server.py` and `client.py` mean Python.
 *
 * @example
 * ```ts ignore
 * import { detectLanguage } from "./build.ts";
 * detectLanguage("reference/client-server/python"); // "python"
 * ```
 */
export function detectLanguage(dir: string): Language | undefined {
  const has = (name: string) => {
    try {
      return Deno.statSync(join(dir, name)).isFile;
    } catch {
      return false;
    }
  };
  if (has("Makefile") || has("makefile") || has("GNUmakefile")) return "c";
  if (has("server.py") || has("client.py")) return "python";
  return undefined;
}

/** Whether `dir` holds both Python programs (a Makefile beside them may build nothing). */
function hasPythonPair(dir: string): boolean {
  return exists(join(dir, "server.py")) && exists(join(dir, "client.py"));
}

/** Names that archivers and editors add beside a submission's one folder. */
const ARCHIVE_LITTER = /^(\..*|__MACOSX|Thumbs\.db|desktop\.ini)$/;

/**
 * Where a submission's files are: `dir` itself, or, when everything in it
 * sits in one folder (the top folder of a zip), that folder, as deep as
 * such single folders go.
 *
 * @example
 * ```ts ignore
 * import { submissionRoot } from "./build.ts";
 * submissionRoot("/tmp/unzipped"); // "/tmp/unzipped/lab-solution" when that is all it holds
 * ```
 */
export function submissionRoot(dir: string): string {
  for (let depth = 0; depth < 8 && !detectLanguage(dir); depth++) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)].filter((e) => !ARCHIVE_LITTER.test(e.name));
    } catch {
      return dir;
    }
    if (entries.length !== 1 || !entries[0].isDirectory) return dir;
    dir = join(dir, entries[0].name);
  }
  return dir;
}

/**
 * Copies `sourceDir` into `workDir/<name>` and builds it there, in a sandbox.
 *
 * @example
 * ```ts ignore
 * import { buildProgram } from "./build.ts";
 * const result = await buildProgram("reference/client-server/c", "/tmp/work", {
 *   timeoutMs: 60_000,
 *   origin: "reference",
 *   isolation: { mode: "host", reason: "example" },
 * });
 * ```
 */
export async function buildProgram(
  sourceDir: string,
  workDir: string,
  options: {
    timeoutMs: number;
    origin: Program["origin"];
    isolation: Isolation;
    name?: string;
    /** Confine the build (a submission's Makefile is student code). */
    jail?: JailSpec;
    /** The lab's starter code: its C files untouched beside server.py and client.py mean Python. */
    starterDir?: string;
    /** Variables given to make on its command line (`CC=…`), which override the Makefile's. */
    makeVariables?: string[];
  },
): Promise<BuildResult> {
  const started = performance.now();
  const notes: string[] = [];
  const done = (result: Omit<BuildResult, "durationMs" | "notes">): BuildResult => ({
    ...result,
    notes,
    durationMs: Math.round(performance.now() - started),
  });
  const choice = chooseLanguage(sourceDir, options.starterDir);
  if (!choice) {
    return done({
      output: "",
      failure: "found neither a Makefile (C) nor server.py and client.py (Python)",
    });
  }
  if ("problem" in choice) return done({ output: "", failure: choice.problem });
  if (choice.note) notes.push(choice.note);
  const dir = join(workDir, options.name ?? basename(sourceDir));
  // Student code (a submission's Makefile) builds from a copy of its own in a
  // directory capped at build_mb, as the programs' uid; references build in place.
  const jail = options.jail;
  const sources = jail ? sourcesDir(dir) : dir;
  await cp(sourceDir, sources, {
    recursive: true,
    filter: (path) => path === sourceDir || !BUILD_ARTIFACTS.test(basename(path)),
  });
  if (jail) await takeBack(sources);
  const deadline = performance.now() + options.timeoutMs;
  const inSandbox = async (command: string[]) => {
    const timeoutMs = Math.max(1, Math.round(deadline - performance.now()));
    if (jail) {
      return await runCappedBuild(
        { sources, dir, jail, isolation: options.isolation, outputCap: OUTPUT_CAP },
        command,
        timeoutMs,
      );
    }
    const run = await runSandboxed(command, options.isolation, {
      timeoutMs,
      cwd: dir,
      outputCap: OUTPUT_CAP,
      // Nothing of the grader's environment, even for a reference.
      env: programEnvironment(dir),
      clearEnv: true,
    });
    return { ...run, overCap: false };
  };
  const compile = async (as: Language) => {
    const command = as === "c" ? ["make", "--no-print-directory", ...options.makeVariables ?? []] : [
      pythonInterpreter(),
      "-m",
      "py_compile",
      ...["server.py", "client.py"].filter((f) => exists(join(sources, f))),
    ];
    // make builds the two programs at once (output kept per target); a
    // Makefile that fails that way is built again one step at a time, and that
    // build, with its plain output, is the one that counts.
    const parallel = as === "c" ? [...command, `-j${PARALLEL_JOBS}`, "--output-sync=target"] : command;
    let sandboxed = await inSandbox(parallel);
    if (as === "c" && sandboxed.code !== 0 && !sandboxed.timedOut && !sandboxed.overCap) {
      sandboxed = await inSandbox(command);
    }
    const expected = as === "c" ? ["server", "client"] : ["server.py", "client.py"];
    return {
      command,
      code: sandboxed.code,
      timedOut: sandboxed.timedOut,
      overCap: sandboxed.overCap,
      output: capped(`${sandboxed.stdout}${sandboxed.stderr}`),
      missing: expected.filter((f) => !exists(join(dir, f))),
    };
  };
  let chosen = choice.language;
  let run = await compile(chosen);
  if (
    chosen === "c" && !choice.stated && !run.timedOut && !run.overCap && run.missing.length > 0 &&
    hasPythonPair(sources)
  ) {
    // A Makefile that builds neither program beside server.py and client.py
    // is the Python lab's (a skeleton's Makefile left in place).
    notes.length = 0; // the choice of C said above is undone
    notes.push(
      `make built no ./${run.missing.join(" or ./")}${
        run.code === 0 ? "" : ` (status ${run.code})`
      }: graded as a Python submission (server.py and client.py)`,
    );
    const makeOutput = run.output;
    chosen = "python";
    run = await compile(chosen);
    run.output = capped(`${makeOutput}${run.output}`);
  }
  if (run.overCap) {
    return done({
      language: chosen,
      output: run.output,
      failure: `the build wrote more than ${jail!.limits.build_mb} MiB (limits.build_mb) and was stopped: ${
        chosen === "c" ? "make" : "Python"
      } may write only the programs and what they are built from`,
    });
  }
  if (run.timedOut) {
    return done({
      language: chosen,
      output: run.output,
      failure: `${run.command[0]} did not finish within ${options.timeoutMs / 1000} s and was stopped`,
    });
  }
  if (run.code !== 0) {
    return done({
      language: chosen,
      output: run.output,
      failure: chosen === "c"
        ? `make failed (status ${run.code})`
        : `Python reported a syntax error (status ${run.code})`,
    });
  }
  if (run.missing.length > 0) {
    return done({
      language: chosen,
      output: run.output,
      failure: `the build did not produce ${run.missing.map((m) => `./${m}`).join(" and ")}`,
    });
  }
  return done({
    language: chosen,
    output: run.output,
    program: { language: chosen, dir, source: sourceDir, origin: options.origin },
  });
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function capped(text: string): string {
  return text.length > OUTPUT_CAP ? `${text.slice(0, OUTPUT_CAP)}\n… (output cut)` : text;
}
