import assert from "node:assert/strict";
import { grade } from "../harness/grade.ts";
import { defineLabTests } from "../harness/testing.ts";

/** Small uploads keep the suite fast; one test below grades the full default size. */
defineLabTests("async-server", { settings: { upload_bytes: 8 << 20, concurrent_upload_bytes: 8 << 20 } });

Deno.test("async-server: the C reference scores full marks at the default 1 GiB", async () => {
  const report = await grade({ lab: "async-server", submission: "reference/async-server/c" });
  const failed = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.rationale}`);
  assert.deepEqual(failed, []);
  assert.match(report.checks.find((c) => c.id === "single-upload")!.notes.join(), /took in 1 GiB/);
});
