import assert from "node:assert/strict";
import { countProcessCreations, countSyscalls, seenAny } from "./strace.ts";

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

Deno.test("countProcessCreations counts forks, not threads", () => {
  const log = [
    "10 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 11",
    "10 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0}, 88) = 12",
    "10 vfork() = 13",
    "10 clone3({flags=0, exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 88) = 14",
  ].join("\n");
  assert.equal(countProcessCreations(log), 3);
});
