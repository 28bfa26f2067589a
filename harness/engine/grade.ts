/**
 * Grades one submission for one lab: builds it and the reference peers,
 * runs every check in its own sandbox (several at once), and scores.
 *
 * @module
 */

import { join, relative, resolve } from "node:path";
import { buildProgram, detectLanguage, pythonPrefixes, submissionRoot } from "../programs/build.ts";
import type { BuildResult, Language, Program } from "../programs/build.ts";
import { PROGRESS_MARK } from "../check/context.ts";
import type { ProgressEvent } from "../check/context.ts";
import { BUILD_CHECK } from "../check/grader.ts";
import { runInDependencyOrder, selectChecks } from "./check_order.ts";
import { hasSanitizerRuntime, SANITIZER_CC } from "../programs/instrumented.ts";
import { killEveryProcessOf, removeLeftovers, scratchOwner } from "../sandbox/jail.ts";
import { describeIsolation, isolationWarnings, studentUid } from "./confinement.ts";
import type { JailSpec } from "../sandbox/jail.ts";
import { knownLabs, labPaths } from "../config/labs.ts";
import { CACHE_ENV, cached } from "../config/cache.ts";
import { fingerprint } from "../config/fingerprint.ts";
import { Limiter } from "./limit.ts";
import { nativeHelpers } from "../sandbox/native.ts";
import { gradedCheck, gradeReport, submissionLabel, unrunCheck } from "../report/model.ts";
import type { CheckReport, GradeReport } from "../report/model.ts";
import type { CheckOutcome, RunnerSpec } from "./runner.ts";
import { probeIsolation } from "../sandbox/sandbox.ts";
import { sweepIpcObjects } from "../sandbox/ipc.ts";
import type { Isolation } from "../sandbox/sandbox.ts";
import { RunnerPool } from "./runner_pool.ts";
import { GradingCgroups } from "../sandbox/cgroups.ts";
import { SetupError } from "../config/setup_error.ts";
import { loadTaskConfig } from "./task_config.ts";
import type { CheckConfig, TaskConfig } from "./task_config.ts";
import { formatMs } from "../observe/wait.ts";

export { SetupError };

/** How much longer each step of an instrumented check may take than the task's step_timeout_ms. */
const INSTRUMENTED_STEP_FACTOR = 2;

/** Options of {@link grade}. */
export interface GradeOptions {
  lab: string;
  /** The submission directory; `tasks/<lab>/` by default. */
  submission?: string;
  /** Run only these checks (and report only them). */
  only?: string[];
  /** Overrides of `task.yaml` settings (e.g. a smaller upload in tests). */
  settings?: Record<string, unknown>;
  /** Checks run at once; the number of cores by default. */
  jobs?: number;
  /** Use this `task.yaml` instead of `tasks/<lab>/task.yaml` (an instructor trying new points or limits). */
  taskFile?: string;
  /** Called with the progress of a check's long steps (uploads). */
  onProgress?: (progress: CheckProgress) => void;
  /** Called as each check finishes (for live progress). */
  onCheck?: (check: CheckReport) => void;
}

/** The progress of a long step of a running check. */
export interface CheckProgress extends ProgressEvent {
  check: string;
}

/** Extra time the sandbox gets past the check's budget for cleanup. */
const SANDBOX_GRACE_MS = 5000;

/**
 * Grades a submission.
 *
 * @example
 * ```ts ignore
 * import { grade } from "./grade.ts";
 * const report = await grade({ lab: "client-server", submission: "reference/client-server/c" });
 * console.log(report.score, "/", report.max_score);
 * ```
 */
export async function grade(options: GradeOptions): Promise<GradeReport> {
  const started = performance.now();
  const labs = knownLabs();
  if (!labs.includes(options.lab)) {
    throw new SetupError(`unknown lab '${options.lab}'; the labs are: ${labs.join(", ")}`);
  }
  const paths = labPaths(options.lab);
  const task = await loadTaskConfig(options.taskFile ?? paths.taskYaml, {
    graderModule: paths.graderModule,
    settings: options.settings,
  });
  const selected = selectChecks(task, options.only);
  const given = resolve(options.submission ?? paths.taskDir);
  await requireSubmission(given);
  // Built from a copy of the real directory: a submission that is a link must not be built in place.
  const givenReal = await Deno.realPath(given);
  const submission = submissionRoot(givenReal);
  const deadline = started + task.limits.grading_timeout_ms;

  const workDir = await Deno.makeTempDir({ prefix: `socklab-${options.lab}-` });
  let runners: RunnerPool | undefined;
  let jail: JailSpec | undefined;
  let cgroups: GradingCgroups | { reason: string } | undefined;
  try {
    // Student code runs as another uid where the grader is root: it may pass
    // through to its own directories inside, and list or change nothing else.
    await Deno.chmod(workDir, 0o711);
    // A first grading builds the references while the sandbox's helpers compile.
    const referencesBuilt = buildReferences(paths.referenceDir, task);
    referencesBuilt.catch(() => {}); // awaited below; a failure must not go unhandled before then
    const nativeDir = await nativeHelpers();
    const isolation = await probeIsolation(nativeDir);
    if (isolation.mode === "host") requireFreePort(task.port);
    // In namespaces student code sees only what its view shows, each part
    // reachable whatever the modes of the host's directories above it.
    jail = {
      nativeDir,
      uid: await studentUid(isolation, nativeDir),
      readOnlyFilesystem: isolation.mode === "namespaces",
      readable: pythonPrefixes(),
      limits: task.limits,
    };
    // A CPU share of its own, and student programs capped per check, where the kernel offers cgroups.
    cgroups = await GradingCgroups.open();
    const checkCaps = {
      memoryBytes: task.limits.check_memory_mb * 1024 * 1024,
      processes: task.limits.processes,
    };
    const grading = cgroups instanceof GradingCgroups ? cgroups : undefined;
    const jobs = isolation.mode === "host"
      ? 1
      : Math.max(1, options.jobs ?? navigator.hardwareConcurrency ?? 2);
    // Check runners start (Deno, the grader's modules) while the build runs, one ahead per slot.
    runners = new RunnerPool(paths.graderModule, isolation, {
      count: selected.filter((c) => c.id !== BUILD_CHECK).length,
      ahead: jobs,
      workDir,
      scratchBytes: task.limits.scratch_mb * 1024 * 1024,
      scratchOwner: scratchOwner(jail),
      env: runnerEnvironment(),
      cgroups: grading && { grading, checkCaps },
    });
    const buildOptions = {
      origin: "submission" as const,
      isolation,
      jail: { ...jail, cgroupProcs: grading?.group("build", checkCaps).procs },
      starterDir: paths.taskDir,
    };
    const [built, references] = await Promise.all([
      buildProgram(submission, workDir, {
        ...buildOptions,
        timeoutMs: Math.min(task.limits.build_timeout_ms, deadline - performance.now()),
        name: "submission",
      }),
      referencesBuilt,
    ]);
    // The sanitized build is made beside the first checks, for the checks that run it.
    const instrumented = built.program && selected.some((c) => c.instrumented)
      ? buildInstrumented(built.program, submission, workDir, {
        ...buildOptions,
        jail: { ...jail, cgroupProcs: grading?.group("sanitized-build", checkCaps).procs },
        timeoutMs: Math.min(task.limits.build_timeout_ms, deadline - performance.now()),
      })
      : undefined;
    instrumented?.catch(() => {}); // awaited by its checks; none may be left to run
    // On the host the end of each check kills every process of the uid, a build beside it too: made first there.
    if (isolation.mode === "host") await instrumented?.catch(() => undefined);
    const warnings: string[] = [];
    if (submission !== givenReal) {
      warnings.push(
        `the submission's files all sit in one folder: graded in ${relative(givenReal, submission)}/`,
      );
    }
    warnings.push(...isolationWarnings(isolation, jail));
    if (!grading) {
      warnings.push(
        `checks share the CPU with everything else on this machine and their processes' memory is capped only one by one, because ${
          (cgroups as { reason: string }).reason
        }`,
      );
    }
    const context: RunContext = {
      task,
      paths,
      built,
      instrumented,
      references,
      workDir,
      nativeDir,
      isolation,
      jail,
      deadline,
      runners,
    };
    const checks = await runChecks(context, selected, jobs, options.onCheck, options.onProgress);
    return gradeReport({
      lab: options.lab,
      submission: submissionLabel(options.lab, options.submission),
      language: built.language ?? null,
      checks,
      build_output: built.output,
      isolation: describeIsolation(isolation, jail),
      warnings,
      duration_ms: Math.round(performance.now() - started),
    });
  } finally {
    await runners?.close();
    // On the host nothing student code started outlives the grading (a setsid
    // daemon would), nor what it wrote where everyone may. (With namespaces
    // each sandbox took its processes with it.)
    if (
      jail?.uid !== undefined && !jail.readOnlyFilesystem &&
      await killEveryProcessOf(jail.nativeDir, jail.uid)
    ) {
      await removeLeftovers(jail.uid);
      // Nor what it left in the kernel's IPC tables: System V objects and POSIX message queues.
      await sweepIpcObjects(jail.nativeDir, jail.uid).catch((error) =>
        console.error(`socklab: IPC objects of uid ${jail!.uid} may be left: ${error.message}`)
      );
    }
    if (cgroups instanceof GradingCgroups) await cgroups.close();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

/**
 * The submission built again to report memory errors: C with the
 * sanitizers (`make CC="cc -fsanitize=…"`, so that the Makefile cannot
 * drop them), Python as it is (development mode is a flag of the run).
 */
async function buildInstrumented(
  program: Program,
  submission: string,
  workDir: string,
  options: Omit<Parameters<typeof buildProgram>[2], "name" | "makeVariables">,
): Promise<Program | { unavailable: string }> {
  if (program.language === "python") return { ...program, instrumented: true };
  const built = await buildProgram(submission, workDir, {
    ...options,
    name: "submission-sanitized",
    makeVariables: [`CC=${SANITIZER_CC}`],
  });
  if (!built.program || built.language !== "c") {
    return {
      unavailable: `the submission does not build with the sanitizers (${built.failure ?? "not as C"}): ${
        built.output.trim().split("\n").slice(-3).join(" / ")
      }`,
    };
  }
  for (const role of ["server", "client"]) {
    if (!await hasSanitizerRuntime(join(built.program.dir, role))) {
      return {
        unavailable:
          `./${role} was built without the sanitizers: its Makefile does not compile and link with $(CC), which make was given as ${SANITIZER_CC}`,
      };
    }
  }
  return { ...built.program, instrumented: true };
}

interface RunContext {
  task: TaskConfig;
  paths: ReturnType<typeof labPaths>;
  built: BuildResult;
  /** The instrumented build of the submission, or why there is none, once made. */
  instrumented?: Promise<Program | { unavailable: string }>;
  references: Partial<Record<Language, Program>>;
  workDir: string;
  nativeDir: string;
  isolation: Isolation;
  jail: JailSpec;
  /** `performance.now()` by which the whole grading must be over. */
  deadline: number;
  runners: RunnerPool;
}

async function requireSubmission(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch {
    throw new SetupError(`the submission directory ${dir} does not exist`);
  }
  if (!info.isDirectory) throw new SetupError(`the submission ${dir} is not a directory`);
  const entries = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry.name);
  if (entries.length === 0) throw new SetupError(`the submission directory ${dir} is empty`);
  if (!detectLanguage(submissionRoot(dir))) {
    throw new SetupError(
      `${dir} has neither a Makefile (a C submission) nor server.py and client.py (a Python submission); it holds: ${
        entries.sort().slice(0, 12).join(", ")
      }`,
    );
  }
}

/**
 * On the host's loopback, the lab's port must be free: a program the grader
 * did not start may hold it, and the grader never kills what it did not start.
 */
function requireFreePort(port: number): void {
  try {
    const probe = Deno.listen({ hostname: "127.0.0.1", port });
    probe.close();
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    throw new SetupError(
      `port ${port} on 127.0.0.1 is in use by a program the grader did not start; stop it (find it with 'ss -ltnp sport = :${port}') and grade again`,
    );
  }
}

/**
 * The lab's shipped references, built once per version into the cache. They
 * are the grader's own code, so they build outside the sandbox, which needs
 * the helpers still compiling on a first grading.
 */
async function buildReferences(
  referenceDir: string,
  task: TaskConfig,
): Promise<Partial<Record<Language, Program>>> {
  const references: Partial<Record<Language, Program>> = {};
  await Promise.all((["c", "python"] as const).map(async (language) => {
    const source = join(referenceDir, language);
    try {
      await Deno.stat(source);
    } catch {
      return;
    }
    const name = `reference-${language}`;
    let failure = "";
    const key = (await fingerprint([source])).slice(0, 16);
    const entry = await cached(`${task.lab}-${name}-${key}`, async (dir) => {
      const result = await buildProgram(source, dir, {
        timeoutMs: task.limits.build_timeout_ms,
        origin: "reference",
        name,
        isolation: { mode: "host", reason: "the shipped references are the grader's own code" },
      });
      failure = result.program ? "" : `${result.failure}\n${result.output}`;
      return result.program !== undefined;
    });
    if (!entry) throw new Error(`the ${language} reference of ${task.lab} does not build: ${failure}`);
    references[language] = { language, dir: join(entry, name), source, origin: "reference" };
  }));
  return references;
}

async function runChecks(
  context: RunContext,
  selected: CheckConfig[],
  jobs: number,
  onCheck?: (check: CheckReport) => void,
  onProgress?: (progress: CheckProgress) => void,
): Promise<CheckReport[]> {
  const slots = new Limiter(jobs);
  const runIt = (check: CheckConfig) => () =>
    context.deadline - performance.now() < MIN_CHECK_MS
      ? Promise.resolve(outOfTime(check, context.task))
      : runOneCheck(context, check, onProgress);
  return await runInDependencyOrder(
    selected,
    context.built,
    // The instrumented checks are long and can start only once their build is made: then
    // ahead of the checks still waiting, which fill the other slots meanwhile.
    async (check) =>
      check.instrumented
        ? (await context.instrumented?.catch(() => undefined), await slots.run(runIt(check), { first: true }))
        : await slots.run(runIt(check)),
    onCheck,
  );
}

/** A check that cannot get this much time before the grading's deadline is not started. */
const MIN_CHECK_MS = 1000;

function outOfTime(check: CheckConfig, task: TaskConfig): CheckReport {
  return unrunCheck(
    check,
    `not run: the grading used up its time budget of ${formatMs(task.limits.grading_timeout_ms)}`,
  );
}

/**
 * What the check's runner keeps of the grader's environment: where Deno and
 * the build cache live, nothing else. Student code never sees it, but where
 * it shares the runner's uid (a user namespace) it could read it in /proc.
 */
function runnerEnvironment(): Record<string, string> {
  const kept = ["PATH", "HOME", "TMPDIR", "LANG", "NO_COLOR", "DENO_DIR", "XDG_CACHE_HOME", CACHE_ENV];
  return Object.fromEntries(kept.flatMap((name) => {
    const value = Deno.env.get(name);
    return value === undefined ? [] : [[name, value]];
  }));
}

async function runOneCheck(
  context: RunContext,
  check: CheckConfig,
  onProgress?: (progress: CheckProgress) => void,
): Promise<CheckReport> {
  const started = performance.now();
  const { task } = context;
  // The check's own files (spec, result) stay out of student code's reach: it
  // sees and writes only the scratch directory inside, a tmpfs of the sandbox.
  let submission = context.built.program!;
  if (check.instrumented) {
    const instrumented = await (context.instrumented ?? { unavailable: "no instrumented build was made" });
    if ("unavailable" in instrumented) {
      // A platform's or a Makefile's limit, not a fault of the program: never a penalty.
      return gradedCheck(check, {
        status: "pass",
        rationale: `not checked: ${instrumented.unavailable}`,
        transcript: "",
        notes: [`not checked: ${instrumented.unavailable}`],
      }, Math.round(performance.now() - started));
    }
    submission = instrumented;
  }
  const runner = await context.runners.take();
  const { scratchDir } = runner;
  const jail = {
    ...context.jail,
    readable: [...context.jail.readable ?? [], submission.dir],
    cgroupProcs: runner.cgroupProcs,
  };
  const ownTimeoutMs = check.timeout_ms ?? task.limits.check_timeout_ms;
  const leftMs = Math.round(context.deadline - performance.now());
  const checkTimeoutMs = Math.min(ownTimeoutMs, leftMs);
  const stoppedByDeadline = leftMs <= ownTimeoutMs;
  const spec: Omit<RunnerSpec, "resultFile"> = {
    graderModule: context.paths.graderModule,
    checkId: check.id,
    checkTimeoutMs,
    env: {
      lab: task.lab,
      checkId: check.id,
      port: task.port,
      // Sanitized programs run two to three times slower, and each ends with a leak check: each wait is doubled.
      stepTimeoutMs: task.limits.step_timeout_ms * (check.instrumented ? INSTRUMENTED_STEP_FACTOR : 1),
      outputCapChars: task.limits.output_chars,
      settings: task.settings,
      submission,
      references: context.references,
      scratchDir,
      nativeDir: context.nativeDir,
      jail,
    },
  };
  // Past the grading's deadline the sandbox gets no grace: the report must come out on time.
  const run = await runner.run({
    spec,
    timeoutMs: stoppedByDeadline ? leftMs : checkTimeoutMs + SANDBOX_GRACE_MS,
    onStdoutLine: (line) => {
      if (onProgress && line.startsWith(PROGRESS_MARK)) {
        onProgress({ check: check.id, ...JSON.parse(line.slice(PROGRESS_MARK.length)) as ProgressEvent });
      }
    },
  });
  context.runners.give(runner);
  // On the host nothing else bounds the check: whatever it started (a setsid daemon) ends with it.
  const { uid } = context.jail;
  if (context.isolation.mode === "host" && uid !== undefined) {
    await killEveryProcessOf(context.nativeDir, uid);
    // Nor what it left in the kernel's IPC tables, which the next check would find.
    await sweepIpcObjects(context.nativeDir, uid);
  }
  let outcome: CheckOutcome;
  try {
    outcome = JSON.parse(run.result!);
  } catch {
    outcome = {
      status: "error",
      rationale: run.timedOut
        ? stoppedByDeadline
          ? `stopped: the grading used up its time budget of ${formatMs(task.limits.grading_timeout_ms)}`
          : `the check did not finish within ${formatMs(checkTimeoutMs)} and was stopped`
        : `the check's runner ended without a result (status ${run.code}): ${run.stderr.trim().slice(-2000)}`,
      transcript: "",
      notes: [],
    };
  }
  return gradedCheck(check, outcome, Math.round(performance.now() - started));
}
