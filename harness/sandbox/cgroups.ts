/**
 * A CPU share and memory caps of its own for each grading, from the
 * kernel's control groups, so that a grading's verdicts do not depend on
 * what another grading does beside it.
 *
 * Each grading gets a cgroup (`socklab-grading-<pid>-<start>-<n>`) with an
 * equal CPU weight (`cpu.weight` on cgroup v2, `cpu.shares` on v1: as much
 * as `cores` ordinary processes, whatever number of processes it runs).
 * Inside, the grading's own processes (check runners, builds) share a leaf
 * `harness`, and the student programs of each check (or of the build) a
 * group of their own with an aggregate memory cap (`memory.max`, or
 * `memory.limit_in_bytes`; swap 0) and a process cap (`pids.max`), which
 * the jail joins before the program starts (`jail --cgroup`). Killing a
 * group is exact: `cgroup.kill` on v2, freeze, kill, thaw on v1.
 *
 * Where: on v2, at the root of the unified hierarchy (`/sys/fs/cgroup`); on
 * v1, under the grader's own cgroup in each hierarchy (cpu, memory, pids,
 * freezer), so that whatever bounds the grader bounds its gradings too.
 * A grading removes its cgroups when it ends; the cgroups of a grader that
 * was killed are found by the next grading (their grader is gone: no live
 * process has that pid and start time) and reaped.
 *
 * The grading process reaches `/sys/fs/cgroup` and `/proc` through `sh`
 * (Deno keeps both behind --allow-all, which the grader does not have).
 *
 * Without either (not root, no delegation, no cgroup file system), the
 * grading runs without them and says so in its report: checks then share
 * the CPU with everything on the machine, and only the per-process limits
 * bound memory.
 *
 * @module
 */

import { join } from "node:path";

/** The cgroup file systems a grading can use here. */
export type CgroupSupport =
  | { version: 1 | 2; bases: Record<string, string>; controllers?: string[] }
  | { version: 0; reason: string };

/** The v1 hierarchies used: CPU share, memory cap, process cap, and the freezer for an exact kill. */
const V1_CONTROLLERS = ["cpu", "memory", "pids", "freezer"];
const V2_CONTROLLERS = ["cpu", "memory", "pids"];
const PREFIX = "socklab-grading-";

/** What {@link detectCgroups} decides from: a look at this machine (or a made-up one, in tests). */
export interface CgroupHost {
  root: string;
  /** The text of `/proc/self/cgroup`. */
  selfCgroup: string;
  /** `cgroup.controllers` of the root, if the root is a cgroup v2 file system. */
  v2Controllers?: string;
  /** The v1 hierarchies mounted under the root (`root/<name>/cgroup.procs` exists). */
  v1Mounted: string[];
  /** Whether this process may create cgroups where they go (root). */
  privileged: boolean;
}

/** Runs a shell script (arguments in "$@"); its standard output, or throws with its error. */
function sh(script: string, args: string[] = []): string {
  const result = new Deno.Command("sh", { args: ["-c", script, "sh", ...args], stdin: "null" }).outputSync();
  const decoder = new TextDecoder();
  if (!result.success) throw new Error(decoder.decode(result.stderr).trim() || `sh exited ${result.code}`);
  return decoder.decode(result.stdout);
}

/** Reads `/proc` files through `cat`: `undefined` for one that cannot be read (a process gone). */
function readProcFiles(paths: string[]): (string | undefined)[] {
  if (paths.length === 0) return [];
  const script = 'for f; do cat "$f" 2>/dev/null || printf "\\025"; printf "\\036"; done';
  try {
    const parts = sh(script, paths).split("\x1e");
    return paths.map((_, k) => parts[k] === undefined || parts[k] === "\x15" ? undefined : parts[k]);
  } catch {
    return paths.map(() => undefined);
  }
}

function lookAtHost(): CgroupHost {
  const root = "/sys/fs/cgroup";
  let selfCgroup = "", v2Controllers: string | undefined, v1Mounted: string[] = [];
  try {
    // A child's cgroups are the grader's: it inherited them.
    const [self, v2, v1] = sh(
      'cat /proc/self/cgroup; printf "\\036"; cat "$1/cgroup.controllers" 2>/dev/null || printf "\\025"; printf "\\036"; r=$1; shift; for c; do [ -e "$r/$c/cgroup.procs" ] && echo "$c"; done; true',
      [root, ...V1_CONTROLLERS],
    ).split("\x1e");
    selfCgroup = self;
    v2Controllers = v2 === "\x15" ? undefined : v2;
    v1Mounted = v1.split("\n").filter(Boolean);
  } catch {
    // No shell or no /proc: no cgroups.
  }
  return { root, selfCgroup, v2Controllers, v1Mounted, privileged: Deno.uid() === 0 };
}

/**
 * Decides which cgroup file system a grading uses, and where its cgroups go
 * in each hierarchy.
 *
 * @example
 * ```ts
 * import { detectCgroups } from "./cgroups.ts";
 * detectCgroups({
 *   root: "/sys/fs/cgroup",
 *   selfCgroup: "4:memory:/job\n1:cpu:/\n",
 *   v1Mounted: ["cpu", "memory"],
 *   privileged: true,
 * }); // { version: 1, bases: { cpu: "/sys/fs/cgroup/cpu", memory: "/sys/fs/cgroup/memory/job" } }
 * ```
 */
export function detectCgroups(host: CgroupHost): CgroupSupport {
  if (!host.privileged) {
    return { version: 0, reason: "the grader is not root (cgroups need root or a delegated subtree)" };
  }
  if (host.v2Controllers !== undefined) {
    const available = host.v2Controllers.trim().split(/\s+/);
    const missing = ["cpu", "memory"].filter((c) => !available.includes(c));
    if (missing.length > 0) {
      return { version: 0, reason: `cgroup v2 lacks the ${missing.join(" and ")} controller` };
    }
    const controllers = V2_CONTROLLERS.filter((c) => available.includes(c));
    return { version: 2, bases: { unified: host.root }, controllers };
  }
  const own = new Map<string, string>();
  for (const line of host.selfCgroup.split("\n")) {
    const [, controllers, path] = line.split(":");
    for (const controller of controllers?.split(",") ?? []) own.set(controller, path);
  }
  const bases: Record<string, string> = {};
  for (const controller of V1_CONTROLLERS) {
    if (own.has(controller) && host.v1Mounted.includes(controller)) {
      bases[controller] = join(host.root, controller, own.get(controller)!);
    }
  }
  if (!bases.cpu || !bases.memory) {
    return { version: 0, reason: "no cgroup file system with the cpu and memory controllers is mounted" };
  }
  return { version: 1, bases };
}

/** What caps the student programs of one check (or of the build) together. */
export interface GroupCaps {
  memoryBytes: number;
  processes: number;
}

/** The settings files of one group: [file, value, whether it must take]. */
type Settings = [string, string, boolean][];

/** Makes directories `dirs` and writes `settings` (paths in them); throws if a required one fails. */
function makeGroups(dirs: string[], settings: Settings): void {
  const script =
    'n=$1; shift; while [ "$n" -gt 0 ]; do mkdir -p "$1" || exit 1; shift; n=$((n - 1)); done; ' +
    'while [ $# -gt 0 ]; do printf "%s" "$2" 2>/dev/null >"$1" || [ "$3" = 0 ] || ' +
    '{ echo "cannot write $2 to $1" >&2; exit 1; }; shift 3; done';
  sh(script, [
    String(dirs.length),
    ...dirs,
    ...settings.flatMap(([f, v, required]) => [f, v, required ? "1" : "0"]),
  ]);
}

/**
 * One round of killing everything in `dirs` and below (v1: frozen first,
 * so nothing forks between the listing and the kill; v2: cgroup.kill) and
 * removing the groups, deepest first. True once none is left.
 */
function killAndRemove(version: 1 | 2, dirs: string[], freezer?: string): boolean {
  const killEveryListed =
    'for d; do [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} +; done | sort -u | xargs -r kill -9 2>/dev/null; ';
  const kill = version === 2
    // Kernels before 5.14 have no cgroup.kill: there, every process listed, one by one.
    ? '[ -d "$1" ] || exit 0; ' +
      'if [ -e "$1/cgroup.kill" ]; then for d; do [ -d "$d" ] && printf 1 >"$d/cgroup.kill" 2>/dev/null; done; ' +
      // Killed processes leave a moment later: a bounded look at cgroup.events (shell builtins only) saves a round.
      'populated() { while read -r k v; do [ "$k" = populated ] && { [ "$v" = 1 ]; return; }; done <"$1/cgroup.events"; return 1; }; ' +
      'n=0; while [ "$n" -lt 200 ] && populated "$1" 2>/dev/null; do n=$((n + 1)); done; ' +
      `else ${killEveryListed}fi; `
    : 'f=$1; shift; [ -d "$f" ] && printf FROZEN >"$f/freezer.state" 2>/dev/null; ' + killEveryListed +
      '[ -d "$f" ] && printf THAWED >"$f/freezer.state" 2>/dev/null; ';
  // Then the groups go, deepest first; those still busy (a killed process not yet gone) are listed.
  const remove =
    'for d; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; [ -d "$d" ] && echo "$d"; done; true';
  try {
    const left = sh(`${kill}${remove}`, version === 2 ? dirs : [freezer ?? "/nonexistent", ...dirs]);
    return left.trim() === "";
  } catch {
    return false;
  }
}

async function destroy(support: CgroupSupport & { version: 1 | 2 }, path: string, budgetMs = 3000) {
  const dirs = Object.values(support.bases).map((base) => join(base, path));
  const freezer = support.bases.freezer && join(support.bases.freezer, path);
  const giveUpAt = performance.now() + budgetMs;
  // Killed processes leave their group a moment after the signal: look again until they have.
  while (!killAndRemove(support.version, dirs, freezer) && performance.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let gradingsMade = 0;

/**
 * The cgroups of one grading. {@link GradingCgroups.open} makes them (or
 * says why it cannot), {@link GradingCgroups.group} a group per check,
 * {@link GradingCgroups.close} kills and removes them all.
 *
 * @example
 * ```ts ignore
 * import { GradingCgroups } from "./cgroups.ts";
 * const cgroups = await GradingCgroups.open();
 * if (cgroups instanceof GradingCgroups) {
 *   const check = cgroups.group("check-1", { memoryBytes: 2 << 30, processes: 128 });
 *   // jail --cgroup for each of check.procs ...
 *   await cgroups.close();
 * }
 * ```
 */
export class GradingCgroups {
  readonly #made = new Map<string, string[]>();

  private constructor(readonly support: CgroupSupport & { version: 1 | 2 }, readonly name: string) {}

  /**
   * Reaps the cgroups of gradings whose grader is gone, then makes this
   * grading's; returns why not where cgroups cannot be had.
   */
  static async open(host: CgroupHost = lookAtHost()): Promise<GradingCgroups | { reason: string }> {
    const support = detectCgroups(host);
    if (support.version === 0) return { reason: support.reason };
    const [ownStart] = startTimes([Deno.pid]);
    if (ownStart === undefined) return { reason: "/proc cannot be read" };
    await reapStale(support);
    const name = `${PREFIX}${Deno.pid}-${ownStart}-${++gradingsMade}`;
    const grading = new GradingCgroups(support, name);
    const cores = navigator.hardwareConcurrency ?? 1;
    const dirs = Object.values(support.bases).map((base) => join(base, name));
    try {
      if (support.version === 2) {
        const dir = dirs[0];
        const enable = (support.controllers ?? V2_CONTROLLERS).map((c) => `+${c}`).join(" ");
        makeGroups(dirs, [
          // The controllers must be on for the root's children; systemd usually has done it.
          [join(support.bases.unified, "cgroup.subtree_control"), enable, false],
          [join(dir, "cpu.weight"), String(Math.min(10000, 100 * cores)), true],
          [join(dir, "cgroup.subtree_control"), enable, true],
        ]);
      } else {
        makeGroups(dirs, [[join(support.bases.cpu, name, "cpu.shares"), String(1024 * cores), true]]);
      }
      grading.group("harness");
    } catch (error) {
      await grading.close();
      return { reason: `cgroups cannot be made here (${(error as Error).message})` };
    }
    return grading;
  }

  /**
   * Makes (or finds) the group `name` of this grading, capped as `caps`
   * says, and returns the files that a process writes its pid to, to join.
   */
  group(name: string, caps?: GroupCaps): { procs: string[] } {
    const made = this.#made.get(name);
    if (made) return { procs: made };
    const dirs: string[] = [];
    const settings: Settings = [];
    for (const [controller, base] of Object.entries(this.support.bases)) {
      const dir = join(base, this.name, name);
      dirs.push(dir);
      if (!caps) continue;
      if (this.support.version === 2) {
        settings.push(
          [join(dir, "memory.max"), String(caps.memoryBytes), true],
          [join(dir, "memory.swap.max"), "0", false],
          [join(dir, "pids.max"), String(caps.processes), false],
        );
      } else if (controller === "memory") {
        settings.push(
          [join(dir, "memory.limit_in_bytes"), String(caps.memoryBytes), true],
          [join(dir, "memory.memsw.limit_in_bytes"), String(caps.memoryBytes), false],
        );
      } else if (controller === "pids") {
        settings.push([join(dir, "pids.max"), String(caps.processes), true]);
      }
    }
    makeGroups(dirs, settings);
    const procs = dirs.map((dir) => join(dir, "cgroup.procs"));
    this.#made.set(name, procs);
    return { procs };
  }

  /** Kills every process of group `name` and removes it. */
  async kill(name: string): Promise<void> {
    this.#made.delete(name);
    await destroy(this.support, join(this.name, name));
  }

  /** Kills every process of the grading's cgroups and removes them. */
  async close(): Promise<void> {
    this.#made.clear();
    await destroy(this.support, this.name);
  }
}

/** The start time (clock ticks since boot) of each process; `undefined` for one not running. */
function startTimes(pids: (number | string)[]): (string | undefined)[] {
  return readProcFiles(pids.map((pid) => `/proc/${pid}/stat`))
    .map((stat) => stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

/** Kills and removes the cgroups of gradings whose grader is no longer running. */
async function reapStale(support: CgroupSupport & { version: 1 | 2 }): Promise<void> {
  let listed = "";
  try {
    listed = sh(
      `for b; do ls "$b" 2>/dev/null; done | grep '^${PREFIX}' | sort -u; true`,
      Object.values(support.bases),
    );
  } catch {
    return;
  }
  const names = listed.split("\n").filter(Boolean);
  const graders = names.map((name) => name.slice(PREFIX.length).split("-"));
  const running = startTimes(graders.map(([pid]) => pid));
  for (const [k, name] of names.entries()) {
    // A grader that is gone, or a pid now another program's: its gradings are over.
    if (running[k] !== graders[k][1]) await destroy(support, name, 1000);
  }
}

/**
 * The arguments of `jail` that make a program join a group.
 *
 * @example
 * ```ts
 * import { jailCgroupArgs } from "./cgroups.ts";
 * jailCgroupArgs(["/sys/fs/cgroup/socklab-grading-1-2-1/check-1/cgroup.procs"]);
 * // ["--cgroup", "/sys/fs/cgroup/socklab-grading-1-2-1/check-1/cgroup.procs"]
 * ```
 */
export function jailCgroupArgs(procs: string[] | undefined): string[] {
  return (procs ?? []).flatMap((file) => ["--cgroup", file]);
}

/**
 * A command prefix that joins the groups whose `procs` files are given,
 * then runs the command (for the grading's own processes: a sandbox and
 * its runner, a build's sandbox).
 *
 * @example
 * ```ts
 * import { joinPrefix } from "./cgroups.ts";
 * const argv = [...joinPrefix(["/sys/fs/cgroup/g/harness/cgroup.procs"]), "unshare", "--net", "true"];
 * ```
 */
export function joinPrefix(procs: string[]): string[] {
  if (procs.length === 0) return [];
  const script =
    `i=0; while [ $i -lt ${procs.length} ]; do { echo $$ >"$1"; } 2>/dev/null; shift; i=$((i+1)); done; exec "$@"`;
  return ["sh", "-c", script, "socklab-join", ...procs];
}
