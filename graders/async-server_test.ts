import assert from "node:assert/strict";
import { defineLabTests, grade } from "../harness/testing.ts";

/** Small uploads keep the suite fast; one test below grades the full default size. */
defineLabTests("async-server", { settings: { upload_bytes: 8 << 20, concurrent_upload_bytes: 8 << 20 } });

Deno.test("async-server: the C reference scores full marks at the default 1 GiB", async () => {
  // A budget no pace misses: a busy machine must not shrink the gigabyte this test is about.
  const report = await grade({
    lab: "async-server",
    submission: "reference/async-server/c",
    settings: { upload_budget_ms: 600_000 },
  });
  const failed = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.rationale}`);
  assert.deepEqual(failed, []);
  assert.match(report.checks.find((c) => c.id === "single-upload")!.notes.join(), /took in 1 GiB/);
  assert.match(report.checks.find((c) => c.id === "client-sends-file")!.notes.join(), /sent 1 GiB/);
});

Deno.test("async-server: a correct server too slow for the budget passes on a smaller upload, and is told so", async () => {
  const report = await grade({
    lab: "async-server",
    submission: "fixtures/async-server/ten-byte-buffer",
    only: ["single-upload"],
    settings: { upload_bytes: 256 << 20, upload_budget_ms: 1000 },
  });
  const check = report.checks.find((c) => c.id === "single-upload")!;
  assert.equal(check.status, "pass", check.rationale);
  assert.match(check.notes.join(), /256 MiB would take .*: verified on an? [\d.]+ MiB upload instead/);
});
