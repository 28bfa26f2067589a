/**
 * `tasks/<lab>/task.yaml`, what an instructor tunes: each check's points (and
 * hint, time budget, visibility), the limits and the values of the lab's
 * settings, validated with errors that point at the file, line and column.
 * What a check is (title, dependencies, advice) is declared in the grader;
 * `task_config.ts` joins the two.
 *
 * @module
 */

import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { Node as YamlNode } from "yaml";
import { z } from "zod";

const CHECK_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const checkSchema = z.object({
  id: z.string().regex(CHECK_ID, "check ids are lowercase words joined by '-'"),
  points: z.number().nonnegative(),
  hint: z.string().optional(),
  timeout_ms: z.number().int().positive().optional(),
  /**
   * When a student sees the check's result (Gradescope's four words):
   * `visible` (the default), `hidden`, `after_due_date`, `after_published`.
   */
  visibility: z.enum(["visible", "hidden", "after_due_date", "after_published"]).optional(),
  /** `false`: the check is not run and not in the report (an instructor's way to drop it). */
  enabled: z.boolean().optional(),
  // A check's title, dependencies and kind are declared once, in its grader.
  title: z.never({ error: "a check's title is declared in its grader (graders/<lab>.ts), not here" })
    .optional(),
  needs: z.never({ error: "a check's needs are declared in its grader (graders/<lab>.ts), not here" })
    .optional(),
  advice: z.never({ error: "whether a check is advice is declared in its grader (graders/<lab>.ts)" })
    .optional(),
}).strict();

const limitsSchema = z.object({
  /** Deadline of one wait: a line printed, a byte received, an exit. */
  step_timeout_ms: z.number().int().positive().default(3000),
  /** Hard stop for one whole check. */
  check_timeout_ms: z.number().int().positive().default(30000),
  /** Hard stop for `make`. */
  build_timeout_ms: z.number().int().positive().default(60000),
  /** Characters of stdout (and of stderr) kept per process; the rest is counted. */
  output_chars: z.number().int().positive().default(1 << 20),
  /** Hard stop for a whole grading: checks not finished by then are errors. */
  grading_timeout_ms: z.number().int().positive().default(300000),
  /** Per student process: CPU seconds (RLIMIT_CPU). */
  cpu_seconds: z.number().int().positive().default(60),
  /** Per student process: address space in MiB (RLIMIT_AS). */
  memory_mb: z.number().int().positive().default(2048),
  /** Processes the student's programs may have at once (RLIMIT_NPROC). */
  processes: z.number().int().positive().default(128),
  /**
   * All student processes of one check together (and of the build): resident
   * memory in MiB, where the kernel offers a memory cgroup. As much as one
   * process may map, so a correct program never meets it, while sixteen
   * processes cannot hold 8 GiB of the machine.
   */
  check_memory_mb: z.number().int().positive().default(2048),
  /** Per student process: open files (RLIMIT_NOFILE). */
  open_files: z.number().int().positive().default(1024),
  /** Per student process: largest file it may write, in MiB (RLIMIT_FSIZE). */
  file_size_mb: z.number().int().positive().default(2048),
  /**
   * Size of a check's scratch directory, and of each student process's
   * private /tmp, in MiB (memory-backed, so the host's disk cannot fill).
   */
  scratch_mb: z.number().int().positive().default(512),
  /**
   * Size of the submission's build directory, in MiB: a build that writes
   * more fails. Memory-backed with namespaces; on the host, measured as it
   * grows (see README, "Isolation").
   */
  build_mb: z.number().int().positive().default(512),
}).strict();

const taskSchema = z.object({
  lab: z.string().min(1),
  title: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(5000),
  limits: limitsSchema.default(limitsSchema.parse({})),
  settings: z.record(z.string(), z.unknown()).default({}),
  checks: z.array(checkSchema).min(1),
}).strict().superRefine((task, ctx) => {
  const ids = new Set<string>();
  task.checks.forEach((check, index) => {
    if (ids.has(check.id)) {
      ctx.addIssue({
        code: "custom",
        path: ["checks", index, "id"],
        message: `duplicate check id '${check.id}'`,
      });
    }
    ids.add(check.id);
  });
});

/** A validated `task.yaml`. */
export type TaskFile = z.infer<typeof taskSchema> & {
  /** `line:column` of the node at `path` in the file (of its parent where it is missing). */
  locate(path: (string | number)[]): string;
};
/** One check's entry in `task.yaml`. */
export type TaskFileCheck = TaskFile["checks"][number];
/** The `limits` section, defaults filled in. */
export type Limits = TaskFile["limits"];

/** A `task.yaml` that cannot be used, with where and why. */
export class TaskConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(problems.map((p) => `${file}:${p}`).join("\n"));
    this.name = "TaskConfigError";
  }
}

/**
 * Parses and validates the text of a `task.yaml`.
 *
 * @example
 * ```ts
 * import { parseTaskFile } from "./task_file.ts";
 * const task = parseTaskFile("lab: demo\ntitle: Demo\nchecks:\n  - {id: build, points: 1}\n", "task.yaml");
 * task.checks[0].points; // 1
 * task.locate(["checks", 0, "points"]); // "4:30"
 * ```
 */
export function parseTaskFile(text: string, file: string): TaskFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return "1:1";
    const { line, col } = lineCounter.linePos(offset);
    return `${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw new TaskConfigError(
      file,
      doc.errors.map((e) => `${where(e.pos[0])}: ${e.message.split("\n")[0]}`),
    );
  }
  const locate = (path: (string | number)[]) => where(nodeAt(doc.contents, path)?.range?.[0]);
  const result = taskSchema.safeParse(doc.toJS());
  if (result.success) return { ...result.data, locate };
  throw new TaskConfigError(
    file,
    result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? ` ${issue.path.join(".")}:` : "";
      return `${locate(issue.path as (string | number)[])}:${path} ${issue.message}`;
    }),
  );
}

/**
 * Reads and validates a `task.yaml` file.
 *
 * @example
 * ```ts ignore
 * import { loadTaskFile } from "./task_file.ts";
 * const task = await loadTaskFile("tasks/client-server/task.yaml");
 * ```
 */
export async function loadTaskFile(file: string): Promise<TaskFile> {
  return parseTaskFile(await Deno.readTextFile(file), file);
}

/** The deepest YAML node on `path` (for a missing key: its parent map). */
function nodeAt(
  root: unknown,
  path: (string | number)[],
): { range?: [number, number, number] | null } | undefined {
  let node = root as YamlNode | null;
  for (const key of path) {
    let next: unknown;
    if (isMap(node)) next = node.get(key, true);
    else if (isSeq(node)) next = node.get(Number(key), true);
    if (next === undefined || next === null) break;
    node = next as YamlNode;
  }
  return node ?? undefined;
}
