/**
 * This grader as an npm package: its name and version (from package.json),
 * and how a student repository or an autograder names the exact version to
 * install.
 *
 * @module
 */

import { join } from "node:path";
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

/**
 * The default install spec: this very version from the npm registry.
 *
 * @example
 * ```ts
 * import { defaultPackageSpec } from "./package_info.ts";
 * defaultPackageSpec({ name: "socklab", version: "0.1.0" }); // "socklab@0.1.0"
 * ```
 */
export function defaultPackageSpec(info: PackageInfo = packageInfo()): string {
  return `${info.name}@${info.version}`;
}

/**
 * Whether an install spec names one version and only one: `name@1.2.3`, a
 * tarball (a path or URL ending in `.tgz`), or a git URL pinned to a commit
 * or tag after `#`. A range (`socklab@^1`), a bare name or a branch-less git
 * URL would let the grader change under an assignment.
 *
 * @example
 * ```ts
 * import { isPinnedSpec } from "./package_info.ts";
 * isPinnedSpec("socklab@0.1.0"); // true
 * isPinnedSpec("socklab@^0.1.0"); // false
 * isPinnedSpec("github:course/socklab#v0.1.0"); // true
 * ```
 */
export function isPinnedSpec(spec: string): boolean {
  if (/\.tgz$/.test(spec)) return true;
  if (/^(git\+|github:|https?:\/\/.*\.git|git:)/.test(spec)) return /#.+/.test(spec);
  return /^(@[a-z0-9._-]+\/)?[a-z0-9._-]+@\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(spec);
}

/**
 * The value a `package.json` dependency takes for a spec: the version of
 * `name@version`, the spec itself otherwise (a URL or path).
 *
 * @example
 * ```ts
 * import { dependencyValue } from "./package_info.ts";
 * dependencyValue("socklab@0.1.0", "socklab"); // "0.1.0"
 * dependencyValue("https://example.org/socklab-0.1.0.tgz", "socklab"); // the URL
 * ```
 */
export function dependencyValue(spec: string, name: string): string {
  return spec.startsWith(`${name}@`) ? spec.slice(name.length + 1) : spec;
}
