import assert from "node:assert/strict";
import { acceptQueueLength, descendants, TCP_ESTABLISHED, tcpSockets, treeBlocked } from "./procfs.ts";
import { pollUntil } from "./wait.ts";

const PORT = 47000 + (Deno.pid % 1000);

Deno.test("acceptQueueLength counts connections the server has not accepted yet", async () => {
  assert.equal(acceptQueueLength(PORT), undefined, "nothing listens yet");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: PORT });
  try {
    assert.equal(acceptQueueLength(PORT), 0);
    const client = await Deno.connect({ hostname: "127.0.0.1", port: PORT });
    const mine = (client.localAddr as Deno.NetAddr).port;
    // The handshake completes in the kernel; the server side appears in /proc/net/tcp.
    const serverSide = () => tcpSockets().find((s) => s.localPort === PORT && s.remotePort === mine);
    const established = await pollUntil(serverSide, { timeoutMs: 2000, what: "the server side" });
    assert.equal(established.state, TCP_ESTABLISHED);
    assert.equal(acceptQueueLength(PORT), 1);
    const accepted = await listener.accept();
    assert.equal(acceptQueueLength(PORT), 0);
    accepted.close();
    client.close();
  } finally {
    listener.close();
  }
});

Deno.test("treeBlocked tells a sleeping process tree from a running one", async () => {
  const sleeper = new Deno.Command("sh", { args: ["-c", "sleep 30 & wait"] }).spawn();
  const spinner = new Deno.Command("sh", { args: ["-c", "sleep 30 & while :; do :; done"] }).spawn();
  try {
    await pollUntil(() => (treeBlocked(sleeper.pid) ? true : undefined), { timeoutMs: 5000, what: "sleep" });
    assert.equal(treeBlocked(spinner.pid), false);
  } finally {
    for (const child of [sleeper, spinner]) {
      for (const { pid } of [...descendants(child.pid), { pid: child.pid }]) Deno.kill(pid, "SIGKILL");
      await child.status;
    }
  }
});
