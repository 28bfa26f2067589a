import assert from "node:assert/strict";
import { describeHolders, distinctServers } from "./fork-server_processes.ts";

Deno.test("distinctServers: one child per client, even when children inherit earlier connections", () => {
  // A parent that keeps its copies: child 11 also holds client 1's connection.
  assert.deepEqual(distinctServers([[1, 10, 11, 12], [1, 11, 12], [1, 12]], 1), [10, 11, 12]);
  // The middle of a double fork and the grandchild hold it for a moment.
  assert.deepEqual(distinctServers([[20, 21], [22]], 1), [20, 22]);
});

Deno.test("distinctServers: fewer processes than clients, or the server itself, is no assignment", () => {
  assert.equal(distinctServers([[10], [10], [10]], 1), undefined);
  assert.equal(distinctServers([[1], [1]], 1), undefined);
  assert.equal(distinctServers([[10, 11], [10, 11], [11]], 1), undefined);
});

Deno.test("describeHolders: groups clients that fared alike", () => {
  assert.equal(
    describeHolders([[7], [7], [7]], 7),
    "clients 1, 2 and 3 were held by the server process itself (pid 7)",
  );
  assert.equal(
    describeHolders([[7], [], []], 7),
    "client 1 was held by the server process itself (pid 7); clients 2 and 3 were not accepted yet",
  );
  assert.equal(describeHolders([[7, 9]], 7), "client 1 was held by process 9");
});
