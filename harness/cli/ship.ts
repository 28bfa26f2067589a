/**
 * `socklab template <lab> DIR` and `socklab gradescope <lab> OUT.zip`: what
 * an instructor hands to GitHub Classroom (a student repository) and to
 * Gradescope (an autograder zip).
 *
 * Exit status: 0 written; 2 usage error (unknown lab, a directory that is
 * not empty, an unpinned package).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { writeGradescopeZip } from "../ship/gradescope_bundle.ts";
import { TemplateError, WORKFLOW_PATH, writeStudentTemplate } from "../ship/template.ts";

const USAGE = `Usage: socklab template <lab> <DIR> --package SPEC
       socklab gradescope <lab> <OUT.zip>

template    writes a student repository for a GitHub Classroom assignment into DIR
            (new or empty): the lab's README and starter code, a .gitignore, a
            package.json pinning the grader, and ${WORKFLOW_PATH}, which
            installs the grader at that version and grades the repository.
            No reference solution, grader source or task.yaml.
  --package SPEC   the published grader the workflow and package.json install (required),
                   one version only: socklab@X.Y.Z from a registry, the https URL of a
                   tarball made with npm pack, or a git URL pinned to a full commit
                   (github:ORG/socklab#<40 hex digits>). A local path, a branch, a tag,
                   a range or a bare name is refused.

gradescope  writes the autograder zip to upload to Gradescope: setup.sh,
            run_autograder and this grader with its task.yaml (points as you
            set them, limits fitted to Gradescope's default container).

Examples:
  socklab template client-server ../client-server-template --package socklab@0.1.0
  socklab template client-server out/ --package https://example.org/socklab-0.1.0.tgz
  socklab template client-server out/ --package github:course/socklab#<full commit hash>
  socklab gradescope client-server autograder.zip`;

/**
 * Runs the command line; returns the exit status.
 *
 * @example
 * ```ts ignore
 * import { main } from "./ship.ts";
 * Deno.exit(await main(["template", "client-server", "out"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { package: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, lab, out, ...extra] = positionals;
  if (!lab || !out || extra.length > 0) return usageError(`${command ?? "a command"} takes a lab and a path`);
  try {
    if (command === "template") {
      const written = await writeStudentTemplate(lab, out, { packageSpec: values.package });
      console.log(`Wrote ${out}: ${written.join(", ")}`);
      console.log(
        "Push it to a repository of your organization, mark it a template, and pick it as the assignment's starter code.",
      );
      return 0;
    }
    if (command === "gradescope") {
      if (values.package) {
        return usageError("--package is for 'template': the zip carries this grader itself");
      }
      const written = await writeGradescopeZip(lab, out);
      console.log(`Wrote ${out} (${written.length} files): upload it as the assignment's autograder.`);
      return 0;
    }
  } catch (error) {
    if (error instanceof TemplateError) return usageError(error.message, false);
    throw error;
  }
  return usageError(`unknown command '${command}'`);
}

function usageError(message: string, showUsage = true): number {
  console.error(`socklab: ${message}`);
  if (showUsage) console.error(USAGE);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
