/** The cause and remedy of refused user namespaces, from /proc/sys contents and unshare's error. */

import assert from "node:assert/strict";
import { userNamespaceRefusal } from "./userns_refusal.ts";

const reader = (files: Record<string, string>) => (path: string) => files[path];
const APPARMOR = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns";
const CLONE = "/proc/sys/kernel/unprivileged_userns_clone";
const MAX = "/proc/sys/user/max_user_namespaces";

Deno.test("userns refusal: Ubuntu 24.04's AppArmor restriction is named with its exact remedy", () => {
  const text = userNamespaceRefusal(
    "unshare: write failed /proc/self/uid_map: Operation not permitted",
    reader({ [APPARMOR]: "1\n", [CLONE]: "1\n", [MAX]: "63457\n" }),
  );
  assert.match(text!, /AppArmor restricts unprivileged user namespaces/);
  assert.match(text!, /kernel\.apparmor_restrict_unprivileged_userns = 1/);
  assert.match(text!, /sudo sysctl -w kernel\.apparmor_restrict_unprivileged_userns=0/);
  assert.match(text!, /'kernel\.apparmor_restrict_unprivileged_userns=0' in a file of \/etc\/sysctl\.d\//);
  assert.match(text!, /run the grader as root/);
});

Deno.test("userns refusal: Debian's unprivileged_userns_clone and max_user_namespaces = 0", () => {
  assert.match(
    userNamespaceRefusal("unshare: unshare failed: Operation not permitted", reader({ [CLONE]: "0\n" }))!,
    /kernel\.unprivileged_userns_clone = 0\): to allow them, sudo sysctl -w kernel\.unprivileged_userns_clone=1/,
  );
  assert.match(
    userNamespaceRefusal("unshare: unshare failed: No space left on device", reader({ [MAX]: "0" }))!,
    /user\.max_user_namespaces = 0\): to allow them, sudo sysctl -w user\.max_user_namespaces=10000/,
  );
});

Deno.test("userns refusal: AppArmor's error without a readable switch; nothing said when the switches allow them", () => {
  assert.match(
    userNamespaceRefusal("unshare: write failed /proc/self/uid_map: Operation not permitted", reader({}))!,
    /AppArmor's restriction/,
  );
  assert.equal(
    userNamespaceRefusal(
      "unshare: cannot open /proc/self/ns/net: No such file",
      reader({ [APPARMOR]: "0", [CLONE]: "1", [MAX]: "63457" }),
    ),
    undefined,
  );
});
