#!/usr/bin/env node
// The `socklab` command of the npm package: finds the Deno binary that the
// `deno` dependency ships and runs the harness with the permissions of the
// matching task in deno.json (their one home), so an installed package and
// `deno task grade` in a checkout run with the very same flags.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const PACKAGE_ROOT = path.resolve(__dirname, "..");

/** Subcommand → its task in deno.json. */
const COMMANDS = {
  grade: "grade",
  "grade-all": "grade-all",
  "merge-grades": "merge-grades",
  template: "template",
  gradescope: "gradescope",
};

const USAGE = `Usage: socklab <command> [arguments]

Commands:
  grade <lab> --submission DIR [options]   grade a submission (socklab grade --help)
  template <lab> DIR [--package SPEC]      write a student repository for GitHub Classroom
  gradescope <lab> OUT.zip                 build a Gradescope autograder zip
  grade-all SUBMISSIONS --out DIR          grade a whole class (socklab grade-all --help)
  merge-grades SHARD... --out DIR          join the outputs of sharded grade-all runs

Options:
  -h, --help      this help
  -v, --version   the version of socklab

Example:
  npx socklab grade client-server --submission .`;

/** The Deno executable of the `deno` npm package this package depends on. */
function denoExecutable() {
  if (process.env.SOCKLAB_DENO) return process.env.SOCKLAB_DENO;
  const denoDir = path.dirname(require.resolve("deno/package.json", { paths: [PACKAGE_ROOT] }));
  const executable = path.join(denoDir, process.platform === "win32" ? "deno.exe" : "deno");
  if (fs.existsSync(executable)) return executable;
  // The package's install script copies the binary next to it; without that
  // script (--ignore-scripts, or an install policy that skipped it) the
  // binary is still in the platform package, which this finds.
  return require(path.join(denoDir, "install_api.cjs")).runInstall();
}

/** What the harness needs of the package, as files to copy (npm's `files` list decides what is there). */
const RUNTIME_ENTRIES = [
  "bin",
  "deno.json",
  "package.json",
  "socklab-lock.json", // npm pack's copy of package-lock.json, for the Gradescope zip
  "harness",
  "graders",
  "tasks",
  "reference",
];

/**
 * Where the harness runs from. Deno refuses to strip the types of a .ts file
 * under node_modules, so an installed package's harness is copied once (per
 * version and content: an instructor's edit of a task.yaml makes a new copy)
 * to a directory outside, next to symbolic links to its dependencies. A
 * checkout runs in place.
 */
function harnessRoot() {
  if (!PACKAGE_ROOT.split(path.sep).includes("node_modules")) return PACKAGE_ROOT;
  const files = RUNTIME_ENTRIES.flatMap((entry) => listFiles(path.join(PACKAGE_ROOT, entry)));
  const fingerprint = require("node:crypto").createHash("sha256");
  for (const file of files) {
    const info = fs.statSync(file);
    fingerprint.update(`${path.relative(PACKAGE_ROOT, file)}\0${info.size}\0${info.mtimeMs}\0`);
  }
  const version = require(path.join(PACKAGE_ROOT, "package.json")).version;
  const root = path.join(runtimeHome(), `socklab-${version}-${fingerprint.digest("hex").slice(0, 16)}`);
  if (fs.existsSync(root)) return root;
  const staging = fs.mkdtempSync(`${root}.staging-`);
  try {
    for (const file of files) {
      const target = path.join(staging, path.relative(PACKAGE_ROOT, file));
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      fs.copyFileSync(file, target);
    }
    fs.mkdirSync(path.join(staging, "node_modules"));
    const dependencies = Object.keys(require(path.join(PACKAGE_ROOT, "package.json")).dependencies ?? {});
    for (const name of dependencies) {
      const link = path.join(staging, "node_modules", name);
      // A scoped package (@dodona/dolos-core) sits one folder deeper.
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(packageDirectory(name), link);
    }
    // Student programs run as another user where the grader is root, and
    // load the harness's helpers built under this directory.
    fs.chmodSync(staging, 0o755);
    try {
      fs.renameSync(staging, root);
    } catch (error) {
      if (!fs.existsSync(root)) throw error; // else another run made the same copy first
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return root;
}

/**
 * The directory holding the runtime copies: SOCKLAB_HOME, else one per user
 * in the temporary directory (reachable by the unprivileged user student
 * code runs as), which must be this user's own and writable by no one else.
 */
function runtimeHome() {
  const uid = process.getuid ? process.getuid() : 0;
  const home = process.env.SOCKLAB_HOME || path.join(require("node:os").tmpdir(), `socklab-${uid}`);
  fs.mkdirSync(home, { recursive: true, mode: 0o755 });
  const info = fs.lstatSync(home);
  if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o022) !== 0) {
    throw new Error(
      `${home} must be a directory of your own that no one else can write to; set SOCKLAB_HOME to another`,
    );
  }
  return home;
}

/** The installed directory of dependency `name`, found the way Node finds it. */
function packageDirectory(name) {
  for (let dir = PACKAGE_ROOT;; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the package '${name}' that socklab needs`);
  }
}

function listFiles(entry) {
  if (!fs.existsSync(entry)) return [];
  if (!fs.statSync(entry).isDirectory()) return [entry];
  return fs.readdirSync(entry).sort().flatMap((name) => listFiles(path.join(entry, name)));
}

/**
 * `deno run` and its flags for a task of deno.json, with paths made absolute
 * and the package's own deno.json named (a deno.json in the directory the
 * user runs from must not change how the grader resolves its modules).
 */
function taskArguments(root, task) {
  const config = JSON.parse(fs.readFileSync(path.join(root, "deno.json"), "utf8"));
  const [, subcommand, ...rest] = config.tasks[task].trim().split(/\s+/);
  return [
    subcommand,
    `--config=${path.join(root, "deno.json")}`,
    ...rest.map((arg) => (arg.endsWith(".ts") ? path.join(root, arg) : arg)),
  ];
}

function main(argv) {
  const [command, ...args] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "-v" || command === "--version") {
    console.log(require(path.join(PACKAGE_ROOT, "package.json")).version);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    console.error(`socklab: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  let deno, root;
  try {
    deno = denoExecutable();
  } catch (error) {
    console.error(`socklab: cannot find the Deno binary of the 'deno' package: ${error.message}`);
    return 3;
  }
  try {
    root = harnessRoot();
  } catch (error) {
    console.error(`socklab: cannot prepare the harness: ${error.message}`);
    return 3;
  }
  const child = spawn(deno, [...taskArguments(root, COMMANDS[command]), ...args], { stdio: "inherit" });
  // The grader stops its sandboxes on these; the wrapper only passes them on.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("error", (error) => {
    console.error(`socklab: cannot run ${deno}: ${error.message}`);
    process.exit(3);
  });
  child.on("exit", (code, signal) => {
    process.exit(code ?? 128 + (require("node:os").constants.signals[signal] ?? 1));
  });
  return undefined;
}

const status = main(process.argv.slice(2));
if (status !== undefined) process.exitCode = status;
