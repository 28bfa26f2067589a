/**
 * A submission's programs run so that they report what they do wrong with
 * memory and resources while the checks drive them: C built a second time
 * with AddressSanitizer and UndefinedBehaviorSanitizer (LeakSanitizer
 * included), Python run in development mode with a small wrapper that
 * records unclosed sockets and files, exceptions in threads and exceptions
 * ignored in destructors.
 *
 * Reports go to files in the check's scratch directory, never to the
 * streams the checks read, one file per process (`.socklab-findings.<pid>`),
 * and are read back into {@link Finding}s naming the student's file and line.
 *
 * @module
 */

import { join, relative } from "node:path";

/**
 * The compiler a sanitized build is made with, given to make as `CC=` on the
 * command line: it overrides the Makefile's own `CC` and reaches both the
 * compile and the link steps of a Makefile that uses `$(CC)`, as the
 * upstream one does.
 */
export const SANITIZER_CC = "cc -fsanitize=address,undefined -fno-omit-frame-pointer -g";

/** Where in the scratch directory each process writes its report (the pid is appended). */
export const FINDINGS_PREFIX = ".socklab-findings";

/** What a finding is about: a memory error (or UB, or a crash in a thread), or something never released. */
export type FindingCategory = "error" | "leak";

/** One report of a sanitizer or of Python's development mode. */
export interface Finding {
  category: FindingCategory;
  /** The report's kind: `heap-buffer-overflow`, `signed integer overflow`, `Direct leak`, `unclosed socket`. */
  kind: string;
  /** One line: what happened. */
  summary: string;
  /** `server.c:42` or `server.py:17`: the innermost frame in the student's own files, when there is one. */
  where?: string;
  /** The stack as reported, the student's frames and their callers (at most {@link STACK_FRAMES}). */
  stack: string[];
}

/** Frames of a stack kept in a report. */
const STACK_FRAMES = 8;

/**
 * The Python wrapper: runs the program as `__main__` with warnings,
 * unraisable exceptions and thread exceptions recorded as JSON lines. What a
 * program still holds when it ends is not recorded: the system closes it.
 */
const PYTHON_WRAPPER = String.raw`
import json, os, runpy, sys, threading, tracemalloc, warnings
_prefix = os.environ.pop("SOCKLAB_FINDINGS")
_ending = [False]
def _frames(frames):
    return [{"file": f, "line": n} for f, n in frames]
def _record(category, kind, summary, frames):
    try:
        with open(_prefix + "." + str(os.getpid()), "a") as out:
            out.write(json.dumps({"category": category, "kind": kind, "summary": summary, "frames": _frames(frames)}) + "\n")
    except OSError:
        pass
def _tb_frames(tb):
    found = []
    while tb is not None:
        found.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return found
def _show(msg):
    if _ending[0] or not issubclass(msg.category, ResourceWarning):
        return
    text = str(msg.message)
    traceback = tracemalloc.get_object_traceback(msg.source) if msg.source is not None else None
    frames = [(f.filename, f.lineno) for f in traceback] if traceback else [(msg.filename, msg.lineno)]
    _record("leak", " ".join(text.split()[:2]) if text.startswith("unclosed") else "ResourceWarning", text, frames)
warnings._showwarnmsg = _show
warnings.simplefilter("always", ResourceWarning)
_unraisable = sys.unraisablehook
def _on_unraisable(u):
    if not _ending[0] and u.exc_type is not None:
        _record("error", "exception ignored", "%s: %s (in %r)" % (u.exc_type.__name__, u.exc_value, u.object), _tb_frames(u.exc_traceback))
    _unraisable(u)
sys.unraisablehook = _on_unraisable
_thread_hook = threading.excepthook
def _on_thread(args):
    if args.exc_type is not SystemExit:
        _record("error", "exception in a thread", "%s: %s (thread %s)" % (args.exc_type.__name__, args.exc_value, args.thread.name if args.thread else "?"), _tb_frames(args.exc_traceback))
    _thread_hook(args)
threading.excepthook = _on_thread
# Traced from here, not from the interpreter's start (that costs seconds): the program's own allocations.
# The modules every lab imports (and getaddrinfo's idna codec) are loaded first, untraced: tracing an import
# costs ten times the import.
import encodings.idna, selectors, socket, signal
tracemalloc.start(8)
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    _ending[0] = True
`;

/**
 * What an instrumented program is started with, its reports going to
 * `scratchDir`: the environment, and for Python the interpreter's flags that
 * go before the program's file (a C program is started as any other).
 *
 * @example
 * ```ts
 * import { instrumentedLaunch } from "./instrumented.ts";
 * const { interpreterFlags, env } = instrumentedLaunch("c", "/scratch");
 * interpreterFlags; // []
 * env.ASAN_OPTIONS.startsWith("log_path=/scratch/.socklab-findings"); // true
 * ```
 */
export function instrumentedLaunch(
  language: "c" | "python",
  scratchDir: string,
): { interpreterFlags: string[]; env: Record<string, string> } {
  const prefix = join(scratchDir, FINDINGS_PREFIX);
  if (language === "c") {
    return {
      interpreterFlags: [],
      env: {
        // Stop at the first memory error (what follows it is noise), report leaks at a clean exit.
        ASAN_OPTIONS:
          `log_path=${prefix}:detect_leaks=1:halt_on_error=1:allocator_may_return_null=1:print_summary=0:color=never:${
            // stdbuf preloads its library ahead of the sanitizer's runtime, which is linked in.
            "verify_asan_link_order=0"}`,
        UBSAN_OPTIONS: `log_path=${prefix}:print_stacktrace=1:halt_on_error=0:color=never`,
      },
    };
  }
  return { interpreterFlags: ["-X", "dev", "-c", PYTHON_WRAPPER], env: { SOCKLAB_FINDINGS: prefix } };
}

/**
 * Every finding reported in `scratchDir` so far, the student's file names
 * relative to `sourceRoot` (where the instrumented program was built).
 *
 * @example
 * ```ts ignore
 * import { readFindings } from "./instrumented.ts";
 * const findings = await readFindings(t.env.scratchDir, t.submission.dir);
 * ```
 */
export async function readFindings(scratchDir: string, sourceRoot: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  let names: string[] = [];
  try {
    for await (const entry of Deno.readDir(scratchDir)) {
      if (entry.isFile && entry.name.startsWith(`${FINDINGS_PREFIX}.`)) names.push(entry.name);
    }
  } catch {
    return findings;
  }
  names = names.sort((a, b) => Number(a.split(".").pop()) - Number(b.split(".").pop()));
  for (const name of names) {
    const text = await Deno.readTextFile(join(scratchDir, name)).catch(() => "");
    findings.push(...parseFindings(text, sourceRoot));
  }
  return findings;
}

/**
 * The findings in one report file: a sanitizer's log (C) or the wrapper's
 * JSON lines (Python).
 *
 * @example
 * ```ts
 * import { parseFindings } from "./instrumented.ts";
 * const [finding] = parseFindings(
 *   "/b/server.c:12:7: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'\n",
 *   "/b",
 * );
 * finding.kind; // "signed integer overflow"
 * finding.where; // "server.c:12"
 * ```
 */
export function parseFindings(text: string, sourceRoot: string): Finding[] {
  const lines = text.split("\n");
  const findings: Finding[] = [];
  const own = (file: string) => studentFile(file, sourceRoot);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("{")) {
      const finding = pythonFinding(line, own);
      if (finding) findings.push(finding);
      continue;
    }
    const asan = line.match(/==\d+==ERROR: AddressSanitizer: (\S+)(.*)$/);
    if (asan) {
      const access = lines[i + 1]?.match(/^(READ|WRITE) of size \d+/)?.[0];
      const stack = stackAfter(lines, i + 1);
      findings.push(
        sanitizerFinding("error", asan[1], `${asan[1]}${access ? ` (${access})` : ""}`, stack, own),
      );
      continue;
    }
    const leak = line.match(
      /^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:/,
    );
    if (leak) {
      const stack = stackAfter(lines, i);
      findings.push(
        sanitizerFinding(
          "leak",
          `${leak[1]} leak`,
          `${leak[1]} leak: ${leak[2]} bytes in ${leak[3]} blocks never freed`,
          stack,
          own,
        ),
      );
      continue;
    }
    const ubsan = line.match(/^(.+?):(\d+):\d+: runtime error: (.*)$/);
    if (ubsan) {
      const kind = ubsan[3].split(":")[0].replace(/ of address.*| at .*/, "").trim();
      const file = own(ubsan[1]);
      const finding = sanitizerFinding("error", kind, ubsan[3], stackAfter(lines, i), own);
      findings.push({
        ...finding,
        where: file === undefined ? finding.where : `${file}:${ubsan[2]}`,
        stack: finding.stack.length > 0 ? finding.stack : [`${file ?? ubsan[1]}:${ubsan[2]}`],
      });
      continue;
    }
    const signal = line.match(
      /==\d+==ERROR: (?:AddressSanitizer|UndefinedBehaviorSanitizer): (SEGV|[A-Z]+) on/,
    );
    if (signal) findings.push(sanitizerFinding("error", signal[1], line, stackAfter(lines, i), own));
  }
  return findings;
}

/** The `#N 0x… in function file:line` frames that follow line `from`, tidied. */
function stackAfter(lines: string[], from: number): string[] {
  const frames: string[] = [];
  for (let k = from + 1; k < lines.length; k++) {
    const frame = lines[k].match(/^\s+#\d+ 0x[0-9a-f]+ in (\S+) (.+)$/);
    if (!frame) {
      if (frames.length > 0 || lines[k].trim() === "" && k > from + 2) break;
      continue;
    }
    frames.push(`${frame[1]} ${frame[2]}`);
  }
  return frames;
}

function sanitizerFinding(
  category: FindingCategory,
  kind: string,
  summary: string,
  stack: string[],
  own: (file: string) => string | undefined,
): Finding {
  const tidy = stack.map((frame) => {
    const [fn, place] = frame.split(" ");
    const file = place?.match(/^(.+):(\d+)(?::\d+)?$/);
    const mine = file ? own(file[1]) : undefined;
    return {
      text: mine ? `${fn} ${mine}:${file![2]}` : frame,
      where: mine ? `${mine}:${file![2]}` : undefined,
    };
  });
  const first = tidy.findIndex((frame) => frame.where !== undefined);
  return {
    category,
    kind,
    summary,
    where: first >= 0 ? tidy[first].where : undefined,
    stack: tidy.slice(Math.max(0, first)).slice(0, STACK_FRAMES).map((frame) => frame.text),
  };
}

function pythonFinding(line: string, own: (file: string) => string | undefined): Finding | undefined {
  let record: {
    category: FindingCategory;
    kind: string;
    summary: string;
    frames: { file: string; line: number }[];
  };
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  const frames = record.frames.map((frame) => ({ ...frame, mine: own(frame.file) }));
  // The innermost frame in the student's files: the allocation, the raise.
  const innermost = [...frames].reverse().find((frame) => frame.mine !== undefined);
  return {
    category: record.category === "leak" ? "leak" : "error",
    kind: String(record.kind),
    summary: String(record.summary),
    where: innermost ? `${innermost.mine}:${innermost.line}` : undefined,
    stack: frames.slice(-STACK_FRAMES).reverse().map((frame) => `${frame.mine ?? frame.file}:${frame.line}`),
  };
}

/**
 * `file` relative to the student's build (`server.c`, `utils/sock.c`), or
 * `undefined` for a file of the system, the compiler's runtime or Python's
 * library. A build copies the sources to `<dir>.src` or builds in `<dir>`.
 */
function studentFile(file: string, sourceRoot: string): string | undefined {
  if (!file.startsWith("/")) return file.startsWith("..") || file.startsWith("<") ? undefined : file;
  for (const root of [`${sourceRoot}.src`, sourceRoot]) {
    const inside = relative(root, file);
    if (!inside.startsWith("..") && !inside.startsWith("/")) return inside;
  }
  return undefined;
}

/**
 * Whether `binary` was built with AddressSanitizer (a Makefile that
 * ignores `$(CC)` builds without it).
 *
 * @example
 * ```ts ignore
 * import { hasSanitizerRuntime } from "./instrumented.ts";
 * await hasSanitizerRuntime("build/server"); // true
 * ```
 */
export async function hasSanitizerRuntime(binary: string): Promise<boolean> {
  try {
    const bytes = await Deno.readFile(binary);
    return new TextDecoder("latin1").decode(bytes).includes("__asan_init");
  } catch {
    return false;
  }
}
