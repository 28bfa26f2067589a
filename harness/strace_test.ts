import assert from "node:assert/strict";
import { countSyscalls, seenAny } from "./strace.ts";

Deno.test("countSyscalls counts calls per name across processes, resumed calls once", () => {
  const log = [
    "100 epoll_create1(0) = 3",
    "100 epoll_wait(3,  <unfinished ...>",
    "101 clone(child_stack=NULL, flags=SIGCHLD) = 102",
    "100 <... epoll_wait resumed>[{events=EPOLLIN, data={u32=4}}], 64, -1) = 1",
    "102 +++ exited with 0 +++",
    "100 epoll_wait(3, [], 64, -1) = 0",
  ].join("\n");
  const counts = countSyscalls(log);
  assert.equal(counts.get("epoll_wait"), 2);
  assert.equal(counts.get("clone"), 1);
  assert.equal(counts.has("exited"), false);
  assert.deepEqual(seenAny(counts, ["fork", "clone", "clone3"]), ["clone"]);
});
