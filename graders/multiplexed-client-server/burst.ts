/**
 * More than one buffer's worth at once: a client writes a long run of
 * lines in a single write, so that it lands in the server's socket whole
 * before the server reads any of it, and every line must reach the other
 * members, in order. An edge-triggered server that makes one `recv()` per
 * event reads one buffer and leaves the rest in the kernel, where epoll
 * never reports it again.
 *
 * @module
 */

import { type CheckContext, CheckFailure, formatSize, unreadBytes } from "../../harness/mod.ts";
import { chatRoom, HINT, message, say, serverDied } from "./chat.ts";

/**
 * The size of the burst. Tolerance, from the spec: "Whatever arrives on a
 * socket is served in full: several messages, or more than one buffer's
 * worth, may arrive at once". The handout's buffers are `BUFSIZ` (8 KiB
 * with glibc; the upstream Python server reads 1024): three of those and an
 * odd remainder, so that a server reading a buffer per event is left short
 * even if the burst reaches it in two or three pieces.
 */
export const BURST_BYTES = 3 * 8192 + 1371;

/**
 * Lines for one burst: unique, of uneven lengths (24 to 250 bytes, the
 * protocol's 255 at most with the newline), made of letters, digits and
 * `-` only, so that no server prefix (`[Client 3]: `, `<user 1> `) can be
 * mistaken for a part of one. Together with their newlines they add up to
 * exactly `totalBytes`.
 *
 * @example
 * ```ts
 * import { burstLines } from "./burst.ts";
 * const lines = burstLines("a", 1000);
 * lines.reduce((n, line) => n + line.length + 1, 0); // 1000
 * ```
 */
export function burstLines(tag: string, totalBytes: number): string[] {
  const lines: string[] = [];
  let left = totalBytes;
  for (let x = 11, index = 0; left > 0; index++) {
    const head = `${tag}${String(index).padStart(3, "0")}-`;
    x = (x * 75 + 74) % 65537;
    let length = 24 + (x % 227);
    // The last line takes the remainder; a too-short remainder joins the one before.
    if (left - (length + 1) < 24 + 1) length = left - 1;
    let text = head;
    for (let y = x; text.length < length;) {
      y = (y * 75 + 74) % 65537;
      text += String.fromCharCode(97 + (y % 26));
    }
    lines.push(text.slice(0, length));
    left -= length + 1;
  }
  return lines;
}

/**
 * What a server puts around each piece it forwards, learned from two
 * single messages `first` and `second` a member received: the prefix
 * before each (`[Client 1]: `) and anything after (a newline of its own).
 *
 * @example
 * ```ts
 * import { decoration } from "./burst.ts";
 * decoration("[Client 1]: one\n[Client 1]: two\n", "one", "two"); // { prefix: "[Client 1]: ", suffix: "\n" }
 * ```
 */
export function decoration(
  received: string,
  first: string,
  second: string,
): { prefix: string; suffix: string } {
  const at = received.indexOf(first);
  const before = received.slice(0, at);
  const between = received.slice(at + first.length, received.indexOf(second, at + first.length));
  let common = 0;
  while (
    common < before.length && common < between.length &&
    before[before.length - 1 - common] === between[between.length - 1 - common]
  ) common++;
  const prefix = before.slice(before.length - common);
  return { prefix, suffix: between.slice(0, between.length - common) };
}

/**
 * `received` with the server's decoration taken out wherever it appears.
 * Tolerance: a server forwards the bytes of each `recv()` with its prefix
 * (spec: "as text that contains the message (usually prefixed with a sender
 * id"), so with a burst a prefix falls inside a line wherever a read ended.
 *
 * @example
 * ```ts
 * import { undecorated } from "./burst.ts";
 * undecorated("[C1]: ab[C1]: c-d\n", { prefix: "[C1]: ", suffix: "" }); // "abc-d\n"
 * ```
 */
export function undecorated(received: string, around: { prefix: string; suffix: string }): string {
  let text = received;
  for (const part of [around.prefix, around.suffix]) {
    if (part !== "") text = text.split(part).join("");
  }
  return text;
}

/**
 * How many of `lines` appear in `text` in order, each after the one before.
 *
 * @example
 * ```ts
 * import { inOrder } from "./burst.ts";
 * inOrder("a-1\nb-2\n", ["a-1", "b-2", "c-3"]); // 2
 * ```
 */
export function inOrder(text: string, lines: string[]): number {
  let from = 0;
  for (const [k, line] of lines.entries()) {
    const at = text.indexOf(line, from);
    if (at < 0) return k;
    from = at + line.length;
  }
  return lines.length;
}

/**
 * The check: three clients; A sends two single messages (to learn how the
 * server decorates what it forwards), then a burst of lines in one write;
 * B and C must each receive every line, in order.
 *
 * @example
 * ```ts ignore
 * "burst-served-in-full": check({ title: "…", run: (t) => burstServedInFull(t) }),
 * ```
 */
export async function burstServedInFull(t: CheckContext): Promise<void> {
  const { server, clients: [a, b, c] } = await chatRoom(t, 3);
  const first = message("A1", "a burst comes next");
  const second = message("A2", "here it comes");
  await say(t, server, a, first, [b, c]);
  await say(t, server, a, second, [b, c]);
  const lines = burstLines("a", BURST_BYTES);
  const burst = lines.map((line) => `${line}\n`).join("");
  // One write: the burst is in the server's socket before the server reads it.
  await a.send(burst);
  const what = `${lines.length} lines (${formatSize(burst.length)}) in one write`;
  for (const receiver of [b, c]) {
    const around = decoration(receiver.received.text, first, second);
    const got = () => inOrder(undecorated(receiver.received.text, around), lines);
    const complete = await receiver.received.waitUntil(() => got() === lines.length, t.step);
    if (complete) continue;
    await server.waitExit(100);
    if (!server.running) throw serverDied(server, `after client A sent ${what}`);
    const count = got();
    const unread = unreadBytes(t.port, a.localPort);
    const left = unread ? `; ${formatSize(unread)} of it still waited, unread, in the server's socket` : "";
    const text = undecorated(receiver.received.text, around);
    const later = lines.slice(count + 1).some((line) => text.includes(line));
    throw new CheckFailure(
      `client A sent ${what}; ${receiver.label} received the first ${count} of them, then ${
        later ? "not line " + (count + 1) + " but later ones" : "nothing more"
      } ${receiver.received.giveUpReason(t.step)}${left}`,
      later ? HINT.order : HINT.drain,
    );
  }
  t.note(`client A sent ${what}; clients B and C received every line, in order`);
}
