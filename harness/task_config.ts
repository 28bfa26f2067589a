/**
 * `tasks/<lab>/task.yaml`: a lab's checks, points and limits, validated with
 * errors that point at the file, line and column.
 *
 * @module
 */

import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { Node as YamlNode } from "yaml";
import { z } from "zod";

const CHECK_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const checkSchema = z.object({
  id: z.string().regex(CHECK_ID, "check ids are lowercase words joined by '-'"),
  title: z.string().min(1),
  points: z.number().nonnegative(),
  needs: z.array(z.string()).default([]),
  hint: z.string().optional(),
  timeout_ms: z.number().int().positive().optional(),
  /**
   * Behaviour beyond the lab text (end of input, throughput): reported as
   * advice and worth nothing unless the instructor gives it points here.
   */
  advice: z.boolean().default(false),
  /**
   * When a student sees the check's result (Gradescope's four words):
   * `visible` (the default), `hidden`, `after_due_date`, `after_published`.
   */
  visibility: z.enum(["visible", "hidden", "after_due_date", "after_published"]).optional(),
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
  /** Per student process: open files (RLIMIT_NOFILE). */
  open_files: z.number().int().positive().default(1024),
  /** Per student process: largest file it may write, in MiB (RLIMIT_FSIZE). */
  file_size_mb: z.number().int().positive().default(2048),
  /**
   * Size of a check's scratch directory, and of each student process's
   * private /tmp, in MiB (memory-backed, so the host's disk cannot fill).
   */
  scratch_mb: z.number().int().positive().default(512),
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
  task.checks.forEach((check, index) => {
    check.needs.forEach((need, at) => {
      if (!ids.has(need)) {
        ctx.addIssue({
          code: "custom",
          path: ["checks", index, "needs", at],
          message: `'${need}' is not a check of this task`,
        });
      }
    });
  });
});

/** A validated `task.yaml`. */
export type TaskConfig = z.infer<typeof taskSchema>;
/** One check's entry in `task.yaml`. */
export type CheckConfig = TaskConfig["checks"][number];
/** The `limits` section, defaults filled in. */
export type Limits = TaskConfig["limits"];

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
 * import { parseTaskConfig } from "./task_config.ts";
 * const task = parseTaskConfig(
 *   "lab: demo\ntitle: Demo\nchecks:\n  - {id: build, title: Builds, points: 1}\n",
 *   "task.yaml",
 * );
 * task.checks[0].points; // 1
 * ```
 */
export function parseTaskConfig(text: string, file: string): TaskConfig {
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
  const result = taskSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  throw new TaskConfigError(
    file,
    result.error.issues.map((issue) => {
      const node = nodeAt(doc.contents, issue.path as (string | number)[]);
      const path = issue.path.length > 0 ? ` ${issue.path.join(".")}:` : "";
      return `${where(node?.range?.[0])}:${path} ${issue.message}`;
    }),
  );
}

/**
 * Reads and validates a `task.yaml` file.
 *
 * @example
 * ```ts ignore
 * import { loadTaskConfig } from "./task_config.ts";
 * const task = await loadTaskConfig("tasks/client-server/task.yaml");
 * ```
 */
export async function loadTaskConfig(file: string): Promise<TaskConfig> {
  return parseTaskConfig(await Deno.readTextFile(file), file);
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
