import assert from "node:assert/strict";
import type { GradeReport } from "../report/model.ts";
import { runGradeCli } from "../testing.ts";

const FIXTURE = "fixtures/client-server/server-reads-past-message";
/** Behaviour checks that run while the sanitized build is made, then the memory check. */
const CHECKS = "server-with-c-client,server-with-python-client,server-long-messages,memory-safety";

for (const host of [false, true]) {
  const mode = host ? "on the host (no namespaces)" : "in namespaces";
  Deno.test(`memory-safety reports the overflow with its line while other checks run, ${mode}`, async () => {
    // On the host the end of each check kills every process of the student's uid: a sanitized
    // build made beside the checks was killed with them, and the check passed as "not checked".
    const run = await runGradeCli(
      ["client-server", "--submission", FIXTURE, "--only", CHECKS, "--format", "json"],
      host ? { SOCKLAB_ISOLATION: "host" } : {},
    );
    const report = JSON.parse(run.stdout) as GradeReport;
    const memory = report.checks.find((c) => c.id === "memory-safety")!;
    assert.equal(memory.status, "advice", `${memory.status}: ${memory.rationale}`);
    assert.match(memory.rationale, /heap-buffer-overflow \(READ of size 257\) at server\.c:28/);
    assert.equal(report.score, report.max_score, "advice costs no points");
  });
}
