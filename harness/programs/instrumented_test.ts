import assert from "node:assert/strict";
import { instrumentedLaunch, parseFindings } from "./instrumented.ts";

const ROOT = "/tmp/socklab-x/submission-sanitized";

Deno.test("parseFindings: an AddressSanitizer error names the access and the student's innermost frame", () => {
  const log = `=================================================================
==17==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020 at pc 0x7f bp 0x7f sp 0x7f
READ of size 257 at 0x6020 thread T0
    #0 0x7fe8 in __interceptor_strlen ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:387
    #1 0x55c9 in strip_newline ${ROOT}/server.c:28
    #2 0x55ca in main ${ROOT}/server.c:74
    #3 0x7fe8 in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58

0x6020 is located 0 bytes to the right of 256-byte region
`;
  const [finding] = parseFindings(log, ROOT);
  assert.equal(finding.category, "error");
  assert.equal(finding.kind, "heap-buffer-overflow");
  assert.equal(finding.summary, "heap-buffer-overflow (READ of size 257)");
  assert.equal(finding.where, "server.c:28");
  assert.deepEqual(finding.stack.slice(0, 2), ["strip_newline server.c:28", "main server.c:74"]);
});

Deno.test("parseFindings: a leak is a leak, with the allocation's place; a UBSan line names its own", () => {
  const log = `==9==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 65 byte(s) in 1 object(s) allocated from:
    #0 0x7f58 in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x5617 in serve ${ROOT}.src/server.c:59
    #2 0x5618 in main ${ROOT}.src/server.c:106

${ROOT}/client.c:65:31: runtime error: signed integer overflow: 2048 * 1048576 cannot be represented in type 'int'
    #0 0x5583 in main ${ROOT}/client.c:65
`;
  const [leak, overflow] = parseFindings(log, ROOT);
  assert.equal(leak.category, "leak");
  assert.equal(leak.summary, "Direct leak: 65 bytes in 1 blocks never freed");
  assert.equal(leak.where, "server.c:59");
  assert.equal(overflow.category, "error");
  assert.equal(overflow.kind, "signed integer overflow");
  assert.equal(overflow.where, "client.c:65");
});

Deno.test("parseFindings: Python's records keep the innermost line of the student's own files", () => {
  const record = JSON.stringify({
    category: "leak",
    kind: "unclosed <socket.socket",
    summary: "unclosed <socket.socket fd=4>",
    frames: [
      { file: "<string>", line: 43 },
      { file: `${ROOT}/server.py`, line: 49 },
      { file: `${ROOT}/server.py`, line: 22 },
      { file: "/usr/lib/python3.11/socket.py", line: 294 },
    ],
  });
  const [finding] = parseFindings(`${record}\n`, ROOT);
  assert.equal(finding.where, "server.py:22");
  assert.equal(finding.category, "leak");
});

Deno.test("parseFindings: nothing reported, nothing found", () => {
  assert.deepEqual(parseFindings("", ROOT), []);
  assert.deepEqual(parseFindings("Listening on port 5000\n", ROOT), []);
});

Deno.test("instrumentedLaunch: C logs to the scratch and runs as it is; Python runs in development mode", () => {
  const c = instrumentedLaunch("c", "/s");
  assert.deepEqual(c.interpreterFlags, []);
  assert.match(c.env.ASAN_OPTIONS, /log_path=\/s\/\.socklab-findings/);
  assert.match(c.env.ASAN_OPTIONS, /verify_asan_link_order=0/);
  const python = instrumentedLaunch("python", "/s");
  assert.deepEqual(python.interpreterFlags.slice(0, 3), ["-X", "dev", "-c"]);
  assert.match(python.interpreterFlags[3], /runpy\.run_path/);
  assert.equal(python.env.SOCKLAB_FINDINGS, "/s/.socklab-findings");
});
