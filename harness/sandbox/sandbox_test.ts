import assert from "node:assert/strict";
import { nativeHelpers } from "./native.ts";
import { probeIsolation, runSandboxed } from "./sandbox.ts";

const PRIVATE = ["net", "pid_for_children", "mnt", "ipc", "uts"];
/** Shared on purpose: they hold no state a check can leave (see PRIVATE_NAMESPACES). */
const SHARED = ["cgroup", "time"];

Deno.test("a sandbox has network, PID, mount, IPC and UTS namespaces of its own, and the host's cgroup and time ones", async () => {
  const isolation = await probeIsolation(await nativeHelpers());
  if (isolation.mode !== "namespaces") return;
  const names = [...PRIVATE, ...SHARED];
  const run = await runSandboxed(
    ["sh", "-c", 'for n in "$@"; do readlink "/proc/self/ns/$n"; done', "sh", ...names],
    isolation,
    { timeoutMs: 10_000 },
  );
  assert.equal(run.code, 0, run.stderr);
  const inside = run.stdout.trim().split("\n");
  names.forEach((name, k) => {
    const host = Deno.readLinkSync(`/proc/self/ns/${name}`);
    if (PRIVATE.includes(name)) assert.notEqual(inside[k], host, `${name} is the host's`);
    else assert.equal(inside[k], host, `${name} is not the host's`);
  });
});
