import assert from "node:assert/strict";
import { socketDescriptor } from "../../harness/mod.ts";
import { epollInstances } from "./observe.ts";
import { occurrences } from "./membership.ts";

/** A Python program that watches its stdin with epoll, prints its epoll descriptor, then blocks. */
const EPOLL_WATCHER = [
  "import select, sys",
  "ep = select.epoll()",
  "ep.register(0, select.EPOLLIN)",
  "print(ep.fileno(), flush=True)",
  "ep.poll()",
].join("\n");

Deno.test("epollInstances sees an epoll instance and what it watches, without tracing", async () => {
  const child = new Deno.Command("python3", { args: ["-c", EPOLL_WATCHER], stdin: "piped", stdout: "piped" })
    .spawn();
  try {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    const fd = Number(new TextDecoder().decode(value).trim());
    const mine = epollInstances(child.pid).find((i) => i.fd === fd);
    assert(mine, `epoll descriptor ${fd} not found`);
    assert.deepEqual(mine?.watched, [0]);
  } finally {
    await child.stdin.close();
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
});

Deno.test("socketDescriptor finds nothing for an inode the process does not hold", () => {
  assert.deepEqual(socketDescriptor(Deno.pid, "0"), undefined);
});

Deno.test("occurrences counts every copy of a message in a stream, whatever stands around it", () => {
  assert.deepEqual(occurrences("[Client 5]: A1: hi[Client 7]: A1: hi", "A1: hi"), 2);
  assert.deepEqual(occurrences("A1: hi", "B1"), 0);
  assert.deepEqual(occurrences("aaaa", "aa"), 2);
});
