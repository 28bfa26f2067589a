import assert from "node:assert/strict";
import { ExpectError, TextStream } from "./stream.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("TextStream matches texts in order across chunk boundaries, whatever the prefix", async () => {
  const stream = new TextStream("out");
  stream.push(bytes("[Client 5]: hel"));
  stream.push(bytes("lo\nReceived: wor"));
  stream.push(bytes("ld"));
  await stream.expect("hello", 100);
  await stream.expect("world", 100);
  assert.equal(stream.unread, "");
});

Deno.test("TextStream does not match a text before the previous match", async () => {
  const stream = new TextStream("out");
  stream.push(bytes("second first"));
  await stream.expect("first", 100);
  await assert.rejects(
    stream.expect("second", 50),
    (e: unknown) => e instanceof ExpectError && e.reason === "deadline",
  );
});

Deno.test("TextStream waits for text that arrives later, and fails fast when the stream ends", async () => {
  const stream = new TextStream("out");
  const waiting = stream.expect("late", 2000);
  stream.push(bytes("it is late"));
  await waiting;
  const never = stream.expect("never", 5000);
  stream.end();
  await assert.rejects(never, (e: unknown) => e instanceof ExpectError && e.reason === "ended");
});

Deno.test("TextStream keeps at most its cap and counts what it drops", () => {
  const stream = new TextStream("out", { capChars: 10 });
  stream.push(bytes("0123456789abcdef"));
  stream.push(bytes("more"));
  assert.equal(stream.text, "0123456789");
  assert.equal(stream.totalBytes, 20);
  assert.equal(stream.droppedBytes, 10);
});

Deno.test("TextStream lines include an unterminated last line", () => {
  const stream = new TextStream("out");
  stream.push(bytes("a\nb\nc"));
  assert.deepEqual(stream.lines(), ["a", "b", "c"]);
});

Deno.test("TextStream waitUntil sees texts in any order without moving the cursor", async () => {
  const stream = new TextStream("out");
  const both = stream.waitUntil((s) => s.text.includes("b1") && s.text.includes("a1"), 2000);
  stream.push(bytes("[2]: b1"));
  stream.push(bytes("[1]: a1"));
  assert.equal(await both, true);
  assert.equal(stream.unread, "[2]: b1[1]: a1");
  assert.equal(await new TextStream("quiet").waitUntil(() => false, 20), false);
});
