/**
 * Aborting a TCP connection with a reset (RST), the way a crashed or
 * unplugged peer vanishes, instead of an orderly close (FIN).
 *
 * Deno's `TcpConn.close()` always shuts the sending side down first, so the
 * other end reads an end of file before any reset: neither `SO_LINGER` nor
 * unread data in the receive buffer turns that into a reset. What does is
 * `connect()` with an `AF_UNSPEC` address on the socket (Linux's
 * `tcp_disconnect`): the kernel sends a RST at once and the connection is
 * gone; the peer's next `recv()` fails with `ECONNRESET`. The descriptor
 * stays Deno's, so closing the connection afterwards is safe.
 *
 * This calls libc through FFI (`--allow-ffi`; the check runner has
 * `--allow-all`) and finds the connection's descriptor through `/proc`.
 *
 * @module
 */

import { tcpSockets } from "../observe/sockets.ts";

const LIBC_SYMBOLS = {
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
} as const;

let libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | undefined;

function openLibc() {
  libc ??= Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
  return libc;
}

/** `MSG_DONTWAIT | MSG_NOSIGNAL`: never block Deno's thread, never raise SIGPIPE. */
const SEND_FLAGS = 0x40 | 0x4000;

/**
 * Sends `bytes` on descriptor `fd` (from {@link prepareReset}) in this very
 * call: one `send()`, without waiting for Deno's event loop, so that what a
 * check does next (a reset of another connection) follows within
 * microseconds. Throws unless the whole of `bytes` went at once (keep it
 * small: it must fit the socket's send buffer).
 *
 * @example
 * ```ts ignore
 * import { prepareReset, sendAtOnce } from "./tcp_reset.ts";
 * sendAtOnce(prepareReset(conn)!, new TextEncoder().encode("hello"));
 * ```
 */
export function sendAtOnce(fd: number, bytes: Uint8Array<ArrayBuffer>): void {
  const sent = Number(openLibc().symbols.send(fd, bytes, BigInt(bytes.length), SEND_FLAGS));
  if (sent !== bytes.length) {
    throw new Error(`send() on descriptor ${fd} sent ${sent} of ${bytes.length} bytes`);
  }
}

/**
 * The file descriptor of `conn` in this process, found by matching its
 * ports in `/proc/net/tcp` to a `socket:[inode]` link in `/proc/self/fd`;
 * `undefined` if the connection is already gone.
 *
 * @example
 * ```ts ignore
 * import { descriptorOf } from "./tcp_reset.ts";
 * const fd = descriptorOf(await Deno.connect({ hostname: "127.0.0.1", port: 5000 }));
 * ```
 */
export function descriptorOf(conn: Deno.TcpConn): number | undefined {
  const local = (conn.localAddr as Deno.NetAddr).port;
  const remote = (conn.remoteAddr as Deno.NetAddr).port;
  const socket = tcpSockets().find((s) => s.localPort === local && s.remotePort === remote);
  if (!socket) return undefined;
  const target = `socket:[${socket.inode}]`;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === target) return Number(entry.name);
    } catch {
      // Closed while we looked.
    }
  }
  return undefined;
}

/** `IPPROTO_TCP` and its repair options, from `<netinet/tcp.h>`. */
const IPPROTO_TCP = 6, TCP_REPAIR = 19, TCP_REPAIR_QUEUE = 20, TCP_SEND_QUEUE = 2;

/**
 * Makes `conn` go without a word: in TCP repair mode (`TCP_REPAIR`, meant
 * for checkpointing) the kernel sends nothing when the socket is closed,
 * neither FIN nor RST, so the other end still believes the connection open
 * until it next sends, and the answer is a RST, as from a peer whose host
 * crashed and came back. Needs `CAP_NET_ADMIN` in the network namespace
 * (the check runner has it in its own); false where that is refused, and
 * then nothing was changed. `conn` must be closed right after.
 *
 * @example
 * ```ts ignore
 * import { silenceConnection } from "./tcp_reset.ts";
 * if (silenceConnection(conn)) conn.close(); // the server is not told
 * ```
 */
export function silenceConnection(conn: Deno.TcpConn, descriptor?: number): boolean {
  const fd = descriptor ?? descriptorOf(conn);
  if (fd === undefined) return false;
  const option = (name: number, value: number) => {
    const bytes = new Uint8Array(new Int32Array([value]).buffer);
    return openLibc().symbols.setsockopt(fd, IPPROTO_TCP, name, bytes, bytes.length) === 0;
  };
  // Deno's close() shuts the sending side down first: with the send queue
  // under repair, the FIN that queues is never transmitted.
  return option(TCP_REPAIR, 1) && option(TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
}

/**
 * Everything {@link resetConnection} needs, looked up ahead: libc opened,
 * and `conn`'s descriptor (`undefined` if the connection is gone).
 *
 * @example
 * ```ts ignore
 * import { prepareReset, resetConnection } from "./tcp_reset.ts";
 * const fd = prepareReset(conn);
 * resetConnection(conn, fd); // one system call
 * ```
 */
export function prepareReset(conn: Deno.TcpConn): number | undefined {
  openLibc();
  return descriptorOf(conn);
}

/**
 * Aborts `conn` with a RST. Returns false if the connection was already
 * gone (then nothing was sent). `conn` must still be closed afterwards.
 * `descriptor`, found beforehand with {@link prepareReset}, makes it one
 * system call, with no look in `/proc` first.
 *
 * @example
 * ```ts ignore
 * import { resetConnection } from "./tcp_reset.ts";
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: 5000 });
 * resetConnection(conn); // the server's recv() fails with ECONNRESET
 * conn.close();
 * ```
 */
export function resetConnection(conn: Deno.TcpConn, descriptor?: number): boolean {
  const fd = descriptor ?? descriptorOf(conn);
  if (fd === undefined) return false;
  // struct sockaddr with sa_family = AF_UNSPEC (0): "dissolve the association".
  const unspecified = new Uint8Array(16);
  const result = openLibc().symbols.connect(fd, unspecified, unspecified.length);
  if (result !== 0) throw new Error(`connect(AF_UNSPEC) on descriptor ${fd} failed`);
  return true;
}
