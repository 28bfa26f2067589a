/**
 * The example Classroom workflow is the one `socklab template` writes for
 * client-server, at this version of the grader.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { defaultPackageSpec } from "../../harness/ship/package_info.ts";
import { classroomWorkflow } from "../../harness/ship/template.ts";

Deno.test("example Classroom workflow: what socklab template writes, at this version", async () => {
  const file = fileURLToPath(new URL("./classroom.yml", import.meta.url));
  assert.equal(
    await Deno.readTextFile(file),
    classroomWorkflow("client-server", defaultPackageSpec()),
    "regenerate it: socklab template client-server DIR, then copy DIR/.github/workflows/classroom.yml",
  );
});
