/**
 * The example Classroom workflow is the one `socklab template` writes for
 * client-server, at this version of the grader.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { classroomWorkflow, labRunners } from "../../harness/ship/template.ts";

/** A release asset's URL, the way most instructors will publish the grader (README: Publishing the grader). */
const EXAMPLE_PACKAGE = "https://github.com/your-course/socklab/releases/download/v0.1.0/socklab-0.1.0.tgz";

Deno.test("example Classroom workflow: what socklab template writes, at this version", async () => {
  const file = fileURLToPath(new URL("./socklab.yml", import.meta.url));
  assert.equal(
    await Deno.readTextFile(file),
    classroomWorkflow("client-server", EXAMPLE_PACKAGE, await labRunners("client-server")),
    "regenerate it: socklab template client-server DIR --package <EXAMPLE_PACKAGE>, then copy DIR/.github/workflows/socklab.yml",
  );
});
