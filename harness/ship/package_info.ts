/**
 * This grader as an npm package: its name and version (from package.json),
 * and how a student repository names the one version of it to install.
 *
 * An install spec is classified with npm's own parser (`npm-package-arg`),
 * so what is accepted here is what `npm install` will do on a runner.
 *
 * @module
 */

import { join } from "node:path";
import npa from "npm-package-arg";
import { REPO_ROOT } from "../config/labs.ts";

/** The name and version of the package this harness belongs to. */
export interface PackageInfo {
  name: string;
  version: string;
}

/**
 * Reads the package's name and version.
 *
 * @example
 * ```ts
 * import { packageInfo } from "./package_info.ts";
 * packageInfo().name; // "socklab"
 * ```
 */
export function packageInfo(): PackageInfo {
  const json = JSON.parse(Deno.readTextFileSync(join(REPO_ROOT, "package.json")));
  return { name: json.name, version: json.version };
}

/** The three ways a student repository can name one published version of the grader. */
export type PinnedKind = "registry-version" | "tarball-url" | "git-commit";

/** An install spec that names one version: what kind, and the value package.json takes for it. */
export interface PinnedSpec {
  ok: true;
  kind: PinnedKind;
  /** The value of `devDependencies.<name>` in the student's package.json. */
  dependency: string;
}

/** An install spec refused, and what to do instead. */
export interface RefusedSpec {
  ok: false;
  reason: string;
}

const FULL_COMMIT = /^[0-9a-f]{40}$/;

/** What every refusal ends with: the three specs that work. */
export const SPEC_HELP = "give --package one of: an exact registry version (socklab@1.2.3), " +
  "the https URL of a packed tarball (a release asset made with npm pack), " +
  "or a git URL pinned to a full 40-hex commit (github:ORG/socklab#<commit>); " +
  "the README's 'Publishing the grader' says how to make each";

/**
 * Whether `spec` makes `npm install` on a GitHub runner fetch one version of
 * the grader and only that one: an exact registry version, a tarball URL, or
 * a git URL pinned to a full commit hash. A local path cannot resolve on a
 * runner; a range, a dist-tag, a branch or a tag can move in the middle of
 * an assignment; a bare name is the newest version of the day.
 *
 * @example
 * ```ts
 * import { classifySpec } from "./package_info.ts";
 * classifySpec("socklab@0.1.0").ok; // true
 * classifySpec("socklab@^0.1.0").ok; // false
 * classifySpec("github:course/socklab#main").ok; // false
 * classifySpec("./socklab-0.1.0.tgz").ok; // false
 * ```
 */
export function classifySpec(spec: string): PinnedSpec | RefusedSpec {
  let parsed;
  try {
    parsed = npa(spec);
  } catch (error) {
    return refuse(`npm cannot read '${spec}' as a package: ${(error as Error).message}`);
  }
  switch (parsed.type) {
    case "version":
      return { ok: true, kind: "registry-version", dependency: parsed.fetchSpec ?? spec };
    case "remote":
      if (!/^https?:\/\//.test(spec)) return refuse(`'${spec}' is not an http(s) URL`);
      return { ok: true, kind: "tarball-url", dependency: spec };
    case "git": {
      const committish = parsed.gitCommittish ?? "";
      if (FULL_COMMIT.test(committish)) return { ok: true, kind: "git-commit", dependency: spec };
      const what = parsed.gitRange
        ? `a semver range (#semver:${parsed.gitRange})`
        : committish
        ? `'#${committish}', a branch, a tag or a short hash`
        : "no commit (the default branch)";
      return refuse(`'${spec}' names ${what}: it can change in the middle of an assignment`);
    }
    case "file":
    case "directory":
      return refuse(`'${spec}' is a path on this machine: a GitHub runner or a student cannot install it`);
    case "range":
      return refuse(
        parsed.rawSpec === "*" || parsed.rawSpec === ""
          ? `'${spec}' names no version: it installs whatever is newest on the day`
          : `'${spec}' is a version range: the grader could change in the middle of an assignment`,
      );
    case "tag":
      return refuse(`'${spec}' is a dist-tag: it moves when a new version is published`);
    case "alias":
      return refuse(`'${spec}' is an alias: name the package itself`);
    default:
      return refuse(`'${spec}' is a ${parsed.type} spec`);
  }
}

function refuse(reason: string): RefusedSpec {
  return { ok: false, reason: `${reason}; ${SPEC_HELP}` };
}
