import assert from "node:assert/strict";
import { TcpListenerPeer, TcpPeer } from "./peer.ts";
import { Transcript } from "../observe/transcript.ts";

const PORT = 45000 + (Deno.pid % 1000) * 2;

/** Reads `conn` until it fails or ends; returns the error's class name, or "end of file". */
async function howItEnds(conn: Deno.TcpConn): Promise<string> {
  const buffer = new Uint8Array(64);
  try {
    while (await conn.read(buffer) !== null) { /* discard */ }
    return "end of file";
  } catch (error) {
    return (error as Error).name;
  } finally {
    conn.close();
  }
}

Deno.test("TcpPeer.reset makes the server's next read fail with a reset, not an end of file", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: PORT });
  const transcript = new Transcript();
  const client = await TcpPeer.connect(PORT, { label: "harness client", transcript, timeoutMs: 2000 });
  const server = await listener.accept();
  listener.close();
  await client.send("bye");
  await client.reset();
  assert.equal(await howItEnds(server), "ConnectionReset");
  assert.ok(transcript.entries.some((e) => e.text.includes("reset (RST)")));
});

Deno.test("TcpPeer.close, by contrast, is an orderly end of file", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: PORT + 1 });
  const client = await TcpPeer.connect(PORT + 1, {
    label: "c",
    transcript: new Transcript(),
    timeoutMs: 2000,
  });
  const server = await listener.accept();
  listener.close();
  await client.close();
  assert.equal(await howItEnds(server), "end of file");
});

Deno.test("TcpPeer.reset works on an accepted connection too", async () => {
  const transcript = new Transcript();
  const listener = TcpListenerPeer.listen(PORT, { transcript });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: PORT });
  const server = await listener.accept({ timeoutMs: 2000 });
  listener.close();
  await server.reset();
  assert.equal(await howItEnds(client), "ConnectionReset");
});

Deno.test("TcpPeer.sendNow sends within the call, and the reset right after it still comes after the bytes", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: PORT + 1 });
  const client = await TcpPeer.connect(PORT + 1, {
    label: "c",
    transcript: new Transcript(),
    timeoutMs: 2000,
  });
  const server = await listener.accept();
  listener.close();
  assert.throws(() => client.sendNow("too early"), /before prepareImmediate/);
  client.prepareImmediate();
  client.sendNow("bye");
  await client.reset();
  const buffer = new Uint8Array(16);
  assert.equal(new TextDecoder().decode(buffer.subarray(0, (await server.read(buffer))!)), "bye");
  assert.equal(await howItEnds(server), "ConnectionReset");
});

Deno.test("TcpPeer.vanish tells the other end nothing: its first send is answered by a reset, the next fails", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: PORT + 1 });
  const client = await TcpPeer.connect(PORT + 1, {
    label: "c",
    transcript: new Transcript(),
    timeoutMs: 2000,
  });
  const server = await listener.accept();
  listener.close();
  if (!await client.vanish()) {
    // Refused without CAP_NET_ADMIN (TCP_REPAIR): the connection is as it was.
    await client.close();
    assert.equal(await howItEnds(server), "end of file");
    return;
  }
  assert.equal(await server.write(new Uint8Array(10)), 10);
  await assert.rejects(() => server.write(new Uint8Array(10)), Deno.errors.ConnectionReset);
  server.close();
});
