import assert from "node:assert/strict";
import { TransferDisplay } from "./progress_display.ts";

const GiB = 1 << 30;

Deno.test("plain progress lines come once per quarter of a transfer, with the rate", () => {
  const shown: string[] = [];
  const display = new TransferDisplay("lines", (text) => shown.push(text));
  for (let i = 1; i <= 16; i++) {
    display.update({
      check: "single-upload",
      label: "upload",
      done: (i * GiB) / 16,
      total: GiB,
      atMs: i * 25,
    });
  }
  assert.equal(shown.length, 4);
  assert.match(shown[0], /^single-upload upload: 256 MiB of 1 GiB \(25%, [\d.]+ GB\/s\)\n$/);
  assert.match(shown[3], /1 GiB of 1 GiB \(100%/);
});

Deno.test("the live line is redrawn in place and cleared before other output", () => {
  const shown: string[] = [];
  const display = new TransferDisplay("live", (text) => shown.push(text));
  display.update({ check: "a", label: "client 1", done: GiB / 2, total: GiB, atMs: 0 });
  display.update({ check: "b", label: "client 2", done: GiB / 4, total: GiB, atMs: 0 });
  assert.ok(
    shown.at(-1)!.startsWith("\r\x1b[2Ka client 1: 512 MiB of 1 GiB (50%)  |  b client 2: 256 MiB"),
    shown.at(-1),
  );
  display.clear();
  assert.equal(shown.at(-1), "\r\x1b[2K");
});

Deno.test("a quiet display shows nothing", () => {
  const shown: string[] = [];
  new TransferDisplay("off", (text) => shown.push(text)).update({
    check: "a",
    label: "x",
    done: 1,
    total: 1,
    atMs: 0,
  });
  assert.deepEqual(shown, []);
});
