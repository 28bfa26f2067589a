/**
 * `socklab template <lab> DIR`: what a student's repository holds for a
 * GitHub Classroom assignment, and nothing more. The lab's README and
 * starter code, a `.gitignore`, a `package.json` that pins the grader for
 * grading on the student's own machine, and the Classroom workflow, which
 * installs the grader from its package at that version (never from the
 * student's repository) and grades the repository's root. No reference
 * solution, grader source or `task.yaml`: those stay in the package.
 *
 * @module
 */

import { cp, readdir } from "node:fs/promises";
import { join } from "node:path";
import { knownLabs, labPaths } from "../config/labs.ts";
import { loadTaskConfig } from "../engine/task_config.ts";
import { classroomRunners } from "../formats/classroom.ts";
import { hiddenFromStudents } from "../report/model.ts";
import { classifySpec, packageInfo, SPEC_HELP } from "./package_info.ts";

/** The reporter GitHub Classroom's own workflow templates use. */
export const CLASSROOM_REPORTER = "classroom-resources/autograding-grading-reporter@v1";

/**
 * The workflow's path inside the student repository: a name of its own, not
 * the `classroom.yml` that Classroom's own generated workflow takes.
 */
export const WORKFLOW_PATH = ".github/workflows/socklab.yml";

/**
 * The actions the workflow uses, at their newest majors (checked against the
 * actions' releases in December 2026: checkout v7 and setup-node v7 run on
 * Node 24; the reporter has only v1).
 */
export const WORKFLOW_ACTIONS = {
  checkout: "actions/checkout@v7",
  setupNode: "actions/setup-node@v7",
  reporter: CLASSROOM_REPORTER,
} as const;

/** The Node major the workflow installs (the current LTS; socklab needs >= 20). */
export const WORKFLOW_NODE_MAJOR = 24;

/** Files of `tasks/<lab>/` that are the instructor's, not the student's. */
const INSTRUCTOR_ONLY = /^(task\.yaml|server|client|.*\.o|__pycache__)$/;

/** A problem with what the instructor asked for. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

/** Options of {@link writeStudentTemplate}. */
export interface TemplateOptions {
  /**
   * What `npm install` installs: `socklab@X.Y.Z` from a registry, a tarball
   * URL, or a git URL pinned to a full commit (see {@link classifySpec}).
   * Required: no default could name a package that is surely published.
   */
  packageSpec?: string;
}

/**
 * Writes the student repository of `lab` into `dir` (which must not exist,
 * or be empty) and returns the paths written, relative to `dir`.
 *
 * @example
 * ```ts ignore
 * import { writeStudentTemplate } from "./template.ts";
 * await writeStudentTemplate("client-server", "/tmp/client-server-template");
 * ```
 */
export async function writeStudentTemplate(
  lab: string,
  dir: string,
  options: TemplateOptions = {},
): Promise<string[]> {
  if (!knownLabs().includes(lab)) {
    throw new TemplateError(`unknown lab '${lab}'; the labs are: ${knownLabs().join(", ")}`);
  }
  const spec = options.packageSpec;
  if (spec === undefined || spec.trim() === "") {
    throw new TemplateError(`the template needs the grader's published package: ${SPEC_HELP}`);
  }
  const pinned = classifySpec(spec);
  if (!pinned.ok) throw new TemplateError(pinned.reason);
  await requireEmpty(dir);
  const starter = labPaths(lab).taskDir;
  const written: string[] = [];
  for (const entry of (await readdir(starter)).sort()) {
    if (INSTRUCTOR_ONLY.test(entry)) continue;
    await cp(join(starter, entry), join(dir, entry), { recursive: true });
    written.push(entry);
  }
  const files: Record<string, string> = {
    ".gitignore": GITIGNORE,
    "package.json": studentPackageJson(lab, pinned.dependency),
    [WORKFLOW_PATH]: classroomWorkflow(lab, spec, await labRunners(lab)),
  };
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
    written.push(path);
  }
  return written.sort();
}

/**
 * The reporter's runners for `lab`, one per scored check of its task.yaml
 * (see {@link classroomRunners}): what `socklab grade --format classroom`
 * writes to `GITHUB_OUTPUT` for a lab graded alone.
 *
 * @example
 * ```ts ignore
 * import { labRunners } from "./template.ts";
 * await labRunners("async-server"); // ["build", "singleupload", …]
 * ```
 */
export async function labRunners(lab: string): Promise<string[]> {
  const task = await loadTaskConfig(labPaths(lab).taskYaml);
  return classroomRunners(task.checks.map((check) => ({
    id: check.id,
    reportedOnly: check.advice && check.points === 0,
    hidden: hiddenFromStudents(check),
  }))).map(({ runner }) => runner);
}

/**
 * The Classroom workflow of a student repository: installs the grader
 * (`spec`) outside the repository, grades the repository's root with
 * `--format classroom`, and hands the payload to Classroom's reporter.
 *
 * @example
 * ```ts
 * import { classroomWorkflow } from "./template.ts";
 * classroomWorkflow("client-server", "socklab@1.2.3", ["build"]).includes("LAB: client-server"); // true
 * ```
 */
export function classroomWorkflow(lab: string, spec: string, runners: string[]): string {
  return `# GitHub Classroom autograding with socklab (written by \`socklab template\`).
# One step grades the lab, and every check counts with its own points.
#
# The grader is installed from its package, at the version SOCKLAB_PACKAGE
# pins, into a directory outside this repository: nothing committed here
# changes how it grades.
name: Autograding Tests
"on":
  push:
  repository_dispatch:
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    env:
      LAB: ${lab}
      SOCKLAB_PACKAGE: ${JSON.stringify(spec)}
    steps:
      - name: Checkout code
        uses: ${WORKFLOW_ACTIONS.checkout}

      - name: Set up Node (it brings Deno, from npm)
        uses: ${WORKFLOW_ACTIONS.setupNode}
        with:
          node-version: ${WORKFLOW_NODE_MAJOR}

      # setup-node registers problem matchers (tsc, eslint-stylish, eslint-compact)
      # that turn log lines of their shape into annotations; what a student's
      # program prints must not make one.
      - name: Remove setup-node's problem matchers
        run: |
          echo "::remove-matcher owner=tsc::"
          echo "::remove-matcher owner=eslint-stylish::"
          echo "::remove-matcher owner=eslint-compact::"

      - name: Install the grader
        run: |
          mkdir -p "$RUNNER_TEMP/socklab"
          cd "$RUNNER_TEMP/socklab"
          echo '{ "private": true, "allowScripts": { "deno": true } }' > package.json
          npm install --no-audit --no-fund --no-save "$SOCKLAB_PACKAGE"

      # Writes to $GITHUB_OUTPUT one payload per scored check, named as the
      # reporter's runners below, so that every figure the reporter prints is
      # socklab's (a submission that cannot be graded gets them too, worth 0),
      # and result=<the whole payload> for workflows of several labs; prints the
      # full report to the log, annotates failed checks and adds a table to
      # the job summary. sudo: Ubuntu runners restrict the unprivileged user
      # namespaces every check's sandbox needs; -E keeps GITHUB_OUTPUT.
      - name: Grade
        id: socklab
        continue-on-error: true # a lost point must not stop the reporter
        run: >-
          sudo -E env "PATH=$PATH" "$RUNNER_TEMP/socklab/node_modules/.bin/socklab"
          grade "$LAB" --submission "$GITHUB_WORKSPACE" --format classroom

      - name: Autograding Reporter
        uses: ${WORKFLOW_ACTIONS.reporter}
        env:
${
    runners.map((runner) =>
      `          ${runner.toUpperCase()}_RESULTS: "\${{ steps.socklab.outputs.${runner} }}"`
    ).join("\n")
  }
        with:
          runners: ${runners.join(",")}
`;
}

function studentPackageJson(lab: string, dependency: string): string {
  const { name } = packageInfo();
  const json = {
    name: `${lab}-lab`,
    private: true,
    description:
      `The ${lab} socket lab. 'npm install' brings the grader; 'npx socklab grade ${lab} --submission .' grades this directory.`,
    devDependencies: { [name]: dependency },
    // The deno package's install script puts the Deno binary in place (npm 11 asks for this).
    allowScripts: { deno: true },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

const GITIGNORE = `# What make builds
server
client
*.o
__pycache__/
# The grader, installed by npm install
node_modules/
# The async-server client's upload (the grader makes its own)
test-file.txt
`;

async function requireEmpty(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length > 0) throw new TemplateError(`${dir} is not empty`);
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new TemplateError(`cannot use ${dir}: ${(error as Error).message}`);
    }
  }
  await Deno.mkdir(dir, { recursive: true });
}
