/**
 * Content fingerprints, so that a rerun of a batch skips what is already
 * graded and unchanged: the submission's files, and everything that decides
 * its grade (harness, the lab's grader, task and references).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { labPaths, REPO_ROOT } from "./labs.ts";

const SKIPPED = /^(\.git|node_modules|__pycache__)$|\.o$/;

/**
 * SHA-256 of the names and contents of every file under `paths`, streamed.
 *
 * @example
 * ```ts ignore
 * import { fingerprint } from "./fingerprint.ts";
 * const key = await fingerprint(["reference/client-server/c"]);
 * ```
 */
export async function fingerprint(paths: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const root of paths) {
    for (const file of listFiles(root)) {
      hash.update(`${relative(root, file)}\0`);
      const handle = await Deno.open(file);
      for await (const chunk of handle.readable) hash.update(chunk);
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

/**
 * The fingerprint of what grades `lab`: the harness, the grader module, the
 * task and the references.
 *
 * @example
 * ```ts ignore
 * import { graderFingerprint } from "./fingerprint.ts";
 * const key = await graderFingerprint("client-server");
 * ```
 */
export function graderFingerprint(lab: string): Promise<string> {
  const paths = labPaths(lab);
  return fingerprint([join(REPO_ROOT, "harness"), paths.graderModule, paths.taskDir, paths.referenceDir]);
}

function listFiles(root: string): string[] {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(root);
  } catch {
    return [];
  }
  if (info.isFile) return [root];
  const files: string[] = [];
  const entries = [...Deno.readDirSync(root)].sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (SKIPPED.test(entry.name) || entry.isSymlink) continue;
    const path = join(root, entry.name);
    if (entry.isDirectory) files.push(...listFiles(path));
    else if (entry.isFile) files.push(path);
  }
  return files;
}
