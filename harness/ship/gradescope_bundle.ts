/**
 * `socklab gradescope <lab> OUT.zip`: the autograder zip Gradescope asks
 * for. At its root, `setup.sh` (run once as root when Gradescope builds the
 * image on its Ubuntu base: installs Node, the tools the grader drives, and
 * the grader) and `run_autograder` (run per submission: grades
 * `/autograder/submission` into `/autograder/results/results.json`); beside
 * them `socklab/`, this very grader, task files included, so the points and
 * limits an instructor set are the ones Gradescope grades with.
 *
 * Gradescope's default container has half a CPU and 768 MB of memory: the
 * lab's `task.yaml` in the zip gets limits that fit (see
 * {@link containerLimits}), and checks run one at a time.
 *
 * @module
 */

import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { zipSync } from "fflate";
import { parseDocument } from "yaml";
import { knownLabs, labPaths, REPO_ROOT } from "../config/labs.ts";
import { parseTaskFile } from "../config/task_file.ts";
import type { Limits } from "../engine/task_config.ts";
import { TemplateError } from "./template.ts";

/** What of the grader the zip carries (its npm package, less what only a checkout needs). */
const PACKAGE_ENTRIES = [
  "bin",
  "deno.json",
  "package.json",
  "package-lock.json",
  "harness",
  "graders",
  "tasks",
  "reference",
];
const LEFT_OUT =
  /(_test\.ts|^harness\/(.*\/)?testing[^/]*\.(ts|c)|(^|\/)(server|client|__pycache__|[^/]*\.o|[^/]*\.pyc))$/;

/** The copy of package-lock.json an npm package carries (npm leaves the lockfile itself out). */
export const PACKED_LOCKFILE = "socklab-lock.json";

/** Gradescope's default container, which the limits are made to fit. */
export const GRADESCOPE_CONTAINER = { cpus: 0.5, memoryMb: 768 } as const;

/**
 * The exact Node version `setup.sh` installs (an LTS release, checked
 * published on nodejs.org): the image is the same on every rebuild. Change
 * it deliberately, as any pinned dependency.
 */
export const NODE_VERSION = "24.9.0";

/**
 * Limits for Gradescope's default container: each student process may map
 * 512 MiB (of the container's 768 MB, leaving room for the grader), and
 * waits get twice as long (half a CPU, checks one at a time), within a
 * grading that ends before Gradescope's default 10-minute timeout.
 *
 * @example
 * ```ts ignore
 * import { containerLimits } from "./gradescope_bundle.ts";
 * containerLimits(task.limits).memory_mb; // 512
 * ```
 */
export function containerLimits(limits: Limits): Partial<Limits> {
  return {
    memory_mb: Math.min(limits.memory_mb, 512),
    step_timeout_ms: limits.step_timeout_ms * 2,
    check_timeout_ms: limits.check_timeout_ms * 2,
    build_timeout_ms: limits.build_timeout_ms * 2,
    grading_timeout_ms: Math.min(limits.grading_timeout_ms * 2, 540_000),
  };
}

/**
 * The lab's `task.yaml` text with {@link containerLimits} written in, its
 * comments kept.
 *
 * @example
 * ```ts ignore
 * import { taskForContainer } from "./gradescope_bundle.ts";
 * const text = taskForContainer(await Deno.readTextFile("tasks/client-server/task.yaml"), "task.yaml");
 * ```
 */
export function taskForContainer(text: string, file: string): string {
  const task = parseTaskFile(text, file);
  const doc = parseDocument(text);
  for (const [key, value] of Object.entries(containerLimits(task.limits))) doc.setIn(["limits", key], value);
  return `# Limits set by 'socklab gradescope' for Gradescope's default container ` +
    `(${GRADESCOPE_CONTAINER.cpus} CPU, ${GRADESCOPE_CONTAINER.memoryMb} MB).\n${doc.toString()}`;
}

/**
 * `setup.sh`: Node (from nodejs.org, checksum verified), the system tools,
 * the grader's dependencies, and a first build of its helpers and of the
 * reference programs, so each grading starts warm.
 *
 * @example
 * ```ts
 * import { setupScript } from "./gradescope_bundle.ts";
 * setupScript("client-server").startsWith("#!/usr/bin/env bash"); // true
 * ```
 */
export function setupScript(lab: string): string {
  return `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (its Ubuntu base image): it installs what the grader needs. Written by
# 'socklab gradescope ${lab}'.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# make and a C compiler build submissions; python3 runs Python ones and the
# reference peers; unshare/setsid (util-linux) and stdbuf (coreutils) run each check apart.
apt-get update -qq
apt-get install -y -qq --no-install-recommends \\
  build-essential python3 util-linux coreutils curl ca-certificates xz-utils >/dev/null

# Node ${NODE_VERSION} exactly (Ubuntu's own is too old, and "the newest 24" would change the image between
# rebuilds): the official build, checked against its published checksum.
if [ "$(node --version 2>/dev/null)" != "v${NODE_VERSION}" ]; then
  base="https://nodejs.org/dist/v${NODE_VERSION}"
  tarball="node-v${NODE_VERSION}-linux-x64.tar.xz"
  curl -fsSL "$base/SHASUMS256.txt" -o /tmp/node-shasums.txt
  curl -fsSL "$base/$tarball" -o "/tmp/$tarball"
  (cd /tmp && grep " $tarball\$" node-shasums.txt | sha256sum -c -)
  tar -xJf "/tmp/$tarball" -C /usr/local --strip-components=1
  rm -f "/tmp/$tarball" /tmp/node-shasums.txt
fi

# The grader's dependencies (Deno comes as the npm package 'deno').
cd /autograder/source/socklab
if [ -f package-lock.json ]; then
  npm ci --omit=dev --no-audit --no-fund
else
  npm install --omit=dev --no-audit --no-fund
fi

# Build the grader's helpers and the reference programs into the cache now,
# and prove the image grades: the C reference must pass the build check.
export SOCKLAB_CACHE=/var/cache/socklab
mkdir -p "$SOCKLAB_CACHE" && chmod 700 "$SOCKLAB_CACHE"
node bin/socklab.cjs grade ${lab} --reference c --only build --jobs 1 --quiet
# Then grade it whole, so that everything a grading reuses (the upload files of every size a check
# may use) is in the image and no submission pays for it; a check that fails here (exit 1) on a slow
# builder does not stop the image, a grader that cannot run (2, 3) does.
status=0
node bin/socklab.cjs grade ${lab} --reference c --jobs 1 --quiet || status=$?
[ "$status" -le 1 ]
`;
}

/**
 * `run_autograder`: grades the submission into `results.json`, which
 * socklab writes on every path (a submission that cannot be graded scores 0
 * with the reason); a last guard covers a grader that cannot start at all.
 * `AUTOGRADER_ROOT` moves `/autograder` (for tests).
 *
 * @example
 * ```ts
 * import { runAutograderScript } from "./gradescope_bundle.ts";
 * runAutograderScript("client-server").includes("--format gradescope"); // true
 * ```
 */
export function runAutograderScript(lab: string): string {
  return `#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, in a fresh container
# of the image setup.sh built. Written by 'socklab gradescope ${lab}'.
set -uo pipefail
root="\${AUTOGRADER_ROOT:-/autograder}"
export SOCKLAB_CACHE="\${SOCKLAB_CACHE:-/var/cache/socklab}"
results="$root/results/results.json"
mkdir -p "$root/results"
# Docker's default profile allows no namespaces: the grader then runs student
# code on the host as an unprivileged uid of its own. That uid must find
# nothing to change here and nothing to read: not the results, not the
# grader and its reference solutions, not the build cache.
chown root:root "$root/results" && chmod 755 "$root/results"
chmod 700 "$root/source" "$SOCKLAB_CACHE" 2>/dev/null

# Half a CPU: one check at a time.
node "$root/source/socklab/bin/socklab.cjs" grade ${lab} --submission "$root/submission" \\
  --format gradescope --output "$results" --jobs 1
status=$?

if ! [ -s "$results" ]; then
  printf '{ "score": 0, "output": "The grader could not run (exit status %s). Please tell your instructor.", "tests": [] }\\n' \\
    "$status" >"$results"
fi
exit 0
`;
}

/**
 * The zip's entries: path → bytes and Unix mode.
 *
 * @example
 * ```ts ignore
 * import { gradescopeEntries } from "./gradescope_bundle.ts";
 * const entries = await gradescopeEntries("client-server");
 * Object.keys(entries).includes("run_autograder"); // true
 * ```
 */
export async function gradescopeEntries(
  lab: string,
): Promise<Record<string, { data: Uint8Array; mode: number }>> {
  if (!knownLabs().includes(lab)) {
    throw new TemplateError(`unknown lab '${lab}'; the labs are: ${knownLabs().join(", ")}`);
  }
  const encode = (text: string) => new TextEncoder().encode(text);
  const entries: Record<string, { data: Uint8Array; mode: number }> = {
    "setup.sh": { data: encode(setupScript(lab)), mode: 0o755 },
    "run_autograder": { data: encode(runAutograderScript(lab)), mode: 0o755 },
  };
  const taskYaml = relative(REPO_ROOT, labPaths(lab).taskYaml);
  for (const entry of PACKAGE_ENTRIES) {
    for (const file of await listFiles(join(REPO_ROOT, entry))) {
      const path = relative(REPO_ROOT, file);
      if (LEFT_OUT.test(path)) continue;
      const data = path === taskYaml
        ? encode(taskForContainer(await Deno.readTextFile(file), file))
        : await Deno.readFile(file);
      entries[`socklab/${path}`] = { data, mode: (await stat(file)).mode & 0o111 ? 0o755 : 0o644 };
    }
  }
  // npm never packs package-lock.json: an installed package carries its copy (see prepack in package.json).
  const packedLock = join(REPO_ROOT, PACKED_LOCKFILE);
  if (!entries["socklab/package-lock.json"]) {
    try {
      entries["socklab/package-lock.json"] = { data: await Deno.readFile(packedLock), mode: 0o644 };
    } catch {
      throw new TemplateError(
        `no lockfile to build the image from: neither package-lock.json nor ${PACKED_LOCKFILE} is in ${REPO_ROOT}`,
      );
    }
  }
  return entries;
}

/**
 * Writes the autograder zip of `lab` to `out`; returns its entry names.
 *
 * @example
 * ```ts ignore
 * import { writeGradescopeZip } from "./gradescope_bundle.ts";
 * await writeGradescopeZip("client-server", "autograder.zip");
 * ```
 */
export async function writeGradescopeZip(lab: string, out: string): Promise<string[]> {
  const entries = await gradescopeEntries(lab);
  const zip = zipSync(
    Object.fromEntries(
      Object.entries(entries).map((
        [path, { data, mode }],
      ) => [path, [data, { os: 3, attrs: ((0o100000 | mode) << 16) >>> 0, mtime: ZIP_EPOCH }]]),
    ),
    { level: 9 },
  );
  await Deno.writeFile(out, zip);
  return Object.keys(entries);
}

/** A fixed date in every entry, so the same grader makes the same zip. */
const ZIP_EPOCH = new Date("2000-01-01T00:00:00Z");

async function listFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return [];
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).sort();
  return (await Promise.all(names.map((name) => listFiles(join(path, name))))).flat();
}
