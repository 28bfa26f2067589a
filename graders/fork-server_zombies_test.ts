import assert from "node:assert/strict";
import { settle } from "../harness/mod.ts";
import { zombieChildPids } from "./fork-server_zombies.ts";

Deno.test("zombieChildPids: a child its parent never waits for is found by pid", async () => {
  // The shell forks `true`, then becomes `sleep`, which never reaps it.
  const parent = new Deno.Command("sh", {
    args: ["-c", "true & exec sleep 30"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const found = await settle(() => zombieChildPids(parent.pid), (pids) => pids.length === 1, 5000);
    assert.ok(found.ok, `zombies found: ${found.value.join(", ")}`);
    assert.notEqual(found.value[0], parent.pid);
  } finally {
    parent.kill("SIGKILL");
    await parent.status;
  }
});
