import assert from "node:assert/strict";
import { descendants, treeBlocked } from "./processes.ts";
import { acceptQueueLength, socketHolders, TCP_ESTABLISHED, tcpSockets } from "./sockets.ts";
import { EPOLL_WAIT_SYSCALLS, threadWaits } from "./syscalls.ts";
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

Deno.test("threadWaits names the call each thread is blocked in, without tracing it", async () => {
  // python's epoll object waits in epoll_wait; sh waits for its child (wait4 or rt_sigsuspend).
  const script =
    "import os, select; r, w = os.pipe(); e = select.epoll(); e.register(r, select.EPOLLIN); e.poll(30)";
  const child = new Deno.Command("sh", { args: ["-c", `python3 -c '${script}' & wait`] }).spawn();
  try {
    const waits = await pollUntil(() => {
      const found = threadWaits(child.pid);
      return found.some((w) => EPOLL_WAIT_SYSCALLS.includes(w.syscall)) ? found : undefined;
    }, { timeoutMs: 5000, what: "python to wait in epoll" });
    const shell = waits.find((w) => w.pid === child.pid);
    assert.ok(shell && ["wait4", "rt_sigsuspend"].includes(shell.syscall), JSON.stringify(waits));
  } finally {
    for (const { pid } of [...descendants(child.pid), { pid: child.pid }]) Deno.kill(pid, "SIGKILL");
    await child.status;
  }
});

Deno.test("socketHolders finds the processes that hold a connection", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: PORT + 1 });
  try {
    const client = await Deno.connect({ hostname: "127.0.0.1", port: PORT + 1 });
    const accepted = await listener.accept();
    const mine = (client.localAddr as Deno.NetAddr).port;
    const serverSide = tcpSockets().find((s) => s.localPort === PORT + 1 && s.remotePort === mine)!;
    assert.deepEqual(socketHolders(serverSide.inode), [Deno.pid]);
    accepted.close();
    assert.deepEqual(socketHolders(serverSide.inode), []);
    client.close();
  } finally {
    listener.close();
  }
});
