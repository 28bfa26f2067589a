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

let libc:
  | Deno.DynamicLibrary<{ connect: { parameters: ["i32", "buffer", "u32"]; result: "i32" } }>
  | undefined;

function openLibc() {
  libc ??= Deno.dlopen(
    "libc.so.6",
    {
      connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    } as const,
  );
  return libc;
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

/**
 * Aborts `conn` with a RST. Returns false if the connection was already
 * gone (then nothing was sent). `conn` must still be closed afterwards.
 *
 * @example
 * ```ts ignore
 * import { resetConnection } from "./tcp_reset.ts";
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: 5000 });
 * resetConnection(conn); // the server's recv() fails with ECONNRESET
 * conn.close();
 * ```
 */
export function resetConnection(conn: Deno.TcpConn): boolean {
  const fd = descriptorOf(conn);
  if (fd === undefined) return false;
  // struct sockaddr with sa_family = AF_UNSPEC (0): "dissolve the association".
  const unspecified = new Uint8Array(16);
  const result = openLibc().symbols.connect(fd, unspecified, unspecified.length);
  if (result !== 0) throw new Error(`connect(AF_UNSPEC) on descriptor ${fd} failed`);
  return true;
}
