/**
 * What the kernel tells about the TCP sockets of the network namespace
 * through `/proc/net/tcp` (and `tcp6`), and which processes hold them
 * (`/proc/PID/fd`): listening ports, accept queues, bytes in flight.
 *
 * Inside a check's sandbox the namespace is the sandbox's own: every socket
 * seen here belongs to the check.
 *
 * @module
 */

/** TCP states as `/proc/net/tcp` numbers them. */
const TCP_LISTEN = "0A";

/**
 * Whether some socket in this network namespace listens on TCP `port`.
 *
 * @example
 * ```ts
 * import { isListening } from "./sockets.ts";
 * if (isListening(5000)) console.log("a server is up");
 * ```
 */
export function isListening(port: number): boolean {
  // The labs listen on IPv4: the IPv6 table is read only when that finds nothing.
  const listens = (family: "ipv4" | "ipv6") =>
    tcpSockets([family]).some((s) => s.localPort === port && s.state === TCP_LISTEN);
  return listens("ipv4") || listens("ipv6");
}

/** One TCP socket of this network namespace, as `/proc/net/tcp` lists it. */
export interface TcpSocketInfo {
  localPort: number;
  remotePort: number;
  /** `/proc/net/tcp` state number in hex: `01` established, `0A` listen, `08` close-wait, … */
  state: string;
  /**
   * For a listening socket, connections waiting in its accept queue; for
   * others, bytes received and not yet read by the application.
   */
  rxQueue: number;
  /** Bytes sent and not yet acknowledged. */
  txQueue: number;
  /** Socket inode (as in `/proc/PID/fd/N -> socket:[inode]`). */
  inode: string;
}

/** `/proc/net/tcp` state of an established connection. */
export const TCP_ESTABLISHED = "01";

/**
 * Every TCP socket of this network namespace, IPv4 and IPv6 by default.
 *
 * Each table read walks the kernel's whole connection hash, every
 * namespace's (about 10 ms on a large machine, even for an empty
 * namespace): ask for `["ipv4"]` alone when that is enough.
 *
 * @example
 * ```ts
 * import { tcpSockets } from "./sockets.ts";
 * const listening = tcpSockets(["ipv4"]).filter((s) => s.state === "0A");
 * ```
 */
export function tcpSockets(families: ("ipv4" | "ipv6")[] = ["ipv4", "ipv6"]): TcpSocketInfo[] {
  const sockets: TcpSocketInfo[] = [];
  const port = (address: string) => parseInt(address.slice(address.lastIndexOf(":") + 1), 16);
  const tables = families.map((family) => family === "ipv4" ? "/proc/net/tcp" : "/proc/net/tcp6");
  for (const table of tables) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const [tx, rx] = fields[4].split(":");
      sockets.push({
        localPort: port(fields[1]),
        remotePort: port(fields[2]),
        state: fields[3],
        txQueue: parseInt(tx, 16),
        rxQueue: parseInt(rx, 16),
        inode: fields[9],
      });
    }
  }
  return sockets;
}

/**
 * How many connections wait in the accept queue of the socket listening on
 * `port` (completed handshakes the server has not `accept()`ed yet), or
 * `undefined` if nothing listens there.
 *
 * @example
 * ```ts
 * import { acceptQueueLength } from "./sockets.ts";
 * const waiting = acceptQueueLength(5000) ?? 0;
 * ```
 */
export function acceptQueueLength(port: number, sockets = tcpSockets()): number | undefined {
  const listeners = sockets.filter((s) => s.localPort === port && s.state === TCP_LISTEN);
  if (listeners.length === 0) return undefined;
  return listeners.reduce((sum, s) => sum + s.rxQueue, 0);
}

/**
 * The inode of the server's end of the connection from local port
 * `clientPort` to `port`, once the server has accepted it (a connection
 * still in the accept queue has no socket yet), else `undefined`.
 *
 * @example
 * ```ts ignore
 * import { serverSideInode } from "./sockets.ts";
 * const inode = serverSideInode(5000, peer.localPort);
 * ```
 */
export function serverSideInode(port: number, clientPort: number): string | undefined {
  return tcpSockets(["ipv4", "ipv6"]).find((s) =>
    s.localPort === port && s.remotePort === clientPort && s.inode !== "0"
  )?.inode;
}

/**
 * Bytes that reached the end of a connection bound to `localPort` and
 * connected to `remotePort` and that its program has not read yet;
 * `undefined` while no socket holds that end (a server's end not accepted
 * yet, or closed).
 *
 * @example
 * ```ts ignore
 * import { unreadBytes } from "./sockets.ts";
 * const atServer = unreadBytes(5000, peer.localPort); // 1: a newline left behind
 * const atClient = unreadBytes(peer.remotePort, 5000);
 * ```
 */
export function unreadBytes(localPort: number, remotePort: number): number | undefined {
  return tcpSockets(["ipv4", "ipv6"]).find((s) =>
    s.localPort === localPort && s.remotePort === remotePort && s.inode !== "0"
  )?.rxQueue;
}

/**
 * Bytes on their way between the two ends of a connection of `portA` and
 * `portB`: in either end's send queue (unsent or unacknowledged) or receive
 * queue (arrived, not read by its program).
 *
 * @example
 * ```ts ignore
 * import { bytesQueuedBetween } from "./sockets.ts";
 * const inFlight = bytesQueuedBetween(5000, peer.localPort);
 * ```
 */
export function bytesQueuedBetween(portA: number, portB: number): number {
  return tcpSockets(["ipv4", "ipv6"])
    .filter((s) =>
      (s.localPort === portA && s.remotePort === portB) || (s.localPort === portB && s.remotePort === portA)
    )
    .reduce((sum, s) => sum + s.rxQueue + s.txQueue, 0);
}

/**
 * The descriptor number under which `pid` holds socket `inode`, if it does.
 *
 * @example
 * ```ts
 * import { socketDescriptor } from "./sockets.ts";
 * socketDescriptor(Deno.pid, "0"); // undefined: no socket has inode 0
 * ```
 */
export function socketDescriptor(pid: number, inode: string): number | undefined {
  const wanted = `socket:[${inode}]`;
  let fds: Deno.DirEntry[];
  try {
    fds = [...Deno.readDirSync(`/proc/${pid}/fd`)];
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      if (Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`) === wanted) return Number(fd.name);
    } catch {
      // Closed since the listing.
    }
  }
  return undefined;
}

/**
 * The processes that hold socket `inode` open (see {@link socketDescriptor}),
 * threads counted once, as their process.
 *
 * @example
 * ```ts ignore
 * import { serverSideInode, socketHolders } from "./sockets.ts";
 * const inode = serverSideInode(5000, 41234);
 * const pids = inode ? socketHolders(inode) : [];
 * ```
 */
export function socketHolders(inode: string): number[] {
  return [...Deno.readDirSync("/proc")]
    .filter((entry) => /^\d+$/.test(entry.name))
    .map((entry) => Number(entry.name))
    .filter((pid) => socketDescriptor(pid, inode) !== undefined);
}
