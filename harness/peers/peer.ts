/**
 * The harness's own TCP peers, driven step by step by a check: a client that
 * connects to the student's server, and a server the student's client
 * connects to. Every byte is recorded in the check's transcript.
 *
 * @module
 */

import { CheckFailure } from "../observe/failure.ts";
import { quoteExcerpt } from "../programs/process.ts";
import { ExpectError, TextStream } from "../programs/stream.ts";
import { prepareReset, resetConnection, sendAtOnce, silenceConnection } from "./tcp_reset.ts";
import type { Transcript } from "../observe/transcript.ts";
import { awaitEvent, DeadlineError, formatMs, holdingStalls, StalledError } from "../observe/wait.ts";

/** The loopback address every lab uses. */
export const LOOPBACK = "127.0.0.1";

/**
 * One TCP connection of the harness.
 *
 * @example
 * ```ts ignore
 * import { TcpPeer } from "./peer.ts";
 * const conn = await TcpPeer.connect(5000, { label: "harness client", transcript, timeoutMs: 2000 });
 * await conn.send("hello");
 * await conn.expectReceived("hi", { timeoutMs: 2000, because: "the server's reply" });
 * conn.close();
 * ```
 */
export class TcpPeer {
  /** Everything received, in order. */
  readonly received: TextStream;
  #closed = false;
  #reset = false;
  /** This connection's descriptor, once {@link prepareImmediate} has found it. */
  #descriptor: number | undefined;
  readonly #pumping: Promise<void>;
  readonly #pumped: boolean;
  /** The other end's port, kept for after the connection is closed. */
  readonly remotePort: number;
  /** When the connection was made (`performance.now()`), to tell whose it can have been. */
  readonly openedAt = performance.now();

  private constructor(
    readonly conn: Deno.TcpConn,
    readonly label: string,
    readonly transcript: Transcript,
    /** Who is at the other end, for messages: `server`, `client`. */
    readonly remote: string,
    /** Read in the background into `received`; off when the check reads `conn` itself (bulk data). */
    pump = true,
  ) {
    this.received = new TextStream(`what the ${label} received`, {
      onChunk: (text) => transcript.record(`${remote} → ${label}`, text),
    });
    this.#pumped = pump;
    this.remotePort = (conn.remoteAddr as Deno.NetAddr).port;
    this.#pumping = pump ? this.#pump() : Promise.resolve();
  }

  /**
   * Connects to `127.0.0.1:port`. A refused or hanging connection fails the
   * check with a message about the server.
   */
  static async connect(
    port: number,
    options: { label: string; transcript: Transcript; timeoutMs: number; remote?: string },
  ): Promise<TcpPeer> {
    const remote = options.remote ?? "server";
    try {
      // Held: until Deno has made the connection, the stall watch cannot see it (under load
      // that may take longer than the watch's looks, and a server waiting for it looked stuck).
      const conn = await awaitEvent(
        holdingStalls(Deno.connect({ hostname: LOOPBACK, port })),
        options.timeoutMs,
        `a connection to ${LOOPBACK}:${port}`,
      );
      options.transcript.note(`${options.label} connected to ${LOOPBACK}:${port}`);
      return new TcpPeer(conn, options.label, options.transcript, remote);
    } catch (error) {
      const reason = error instanceof StalledError
        ? `no answer, and none could come any more: ${error.why}`
        : error instanceof DeadlineError
        ? `no answer within ${formatMs(options.timeoutMs)}`
        : (error as Error).message;
      throw new CheckFailure(
        `the ${options.label} could not connect to the ${remote} at ${LOOPBACK}:${port}: ${reason}`,
        `the ${remote} must listen on ${LOOPBACK}:${port} and keep accepting`,
      );
    }
  }

  /** Wraps a connection accepted by {@link TcpListenerPeer}. */
  static accepted(conn: Deno.TcpConn, label: string, transcript: Transcript, pump = true): TcpPeer {
    return new TcpPeer(conn, label, transcript, "client", pump);
  }

  /** Sends `text` in one write. A connection the peer reset fails the check. */
  async send(text: string | Uint8Array): Promise<void> {
    const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
    this.transcript.record(
      `${this.label} → ${this.remote}`,
      typeof text === "string" ? text : `<${bytes.length} bytes>`,
    );
    try {
      let sent = 0;
      while (sent < bytes.length) sent += await this.conn.write(bytes.subarray(sent));
    } catch (error) {
      throw new CheckFailure(
        `the ${remote(this)} closed or reset the connection while the ${this.label} was sending: ${
          (error as Error).message
        }`,
      );
    }
  }

  /** Waits until `text` has arrived (after the previous match). */
  async expectReceived(
    text: string,
    options: { timeoutMs: number; because?: string; hint?: string },
  ): Promise<void> {
    try {
      await this.received.expect(text, options.timeoutMs);
    } catch (error) {
      if (!(error instanceof ExpectError)) throw error;
      const why = options.because ? ` (${options.because})` : "";
      const what = error.reason === "ended"
        ? `the ${this.remote} closed the connection first`
        : error.reason === "stalled"
        ? `nothing could bring it any more: ${error.why}`
        : `it did not arrive within ${formatMs(options.timeoutMs)}`;
      const seen = error.seen ? `; received instead: ${quoteExcerpt(error.seen)}` : "";
      throw new CheckFailure(
        `expected the ${this.remote} to send ${
          JSON.stringify(text)
        } to the ${this.label}${why}, but ${what}${seen}`,
        options.hint,
      );
    }
  }

  /** Whether a background pump reads the connection into {@link received}. */
  get pumped(): boolean {
    return this.#pumped;
  }

  /** Whether the peer reset the connection (RST) rather than closing it. */
  get wasReset(): boolean {
    return this.#reset;
  }

  /** Waits until the peer closes its side (end of stream); false on deadline. */
  waitClosedByPeer(timeoutMs: number): Promise<boolean> {
    return this.received.waitEnd(timeoutMs);
  }

  /** Shuts down the sending side (FIN), keeps receiving. */
  async closeWrite(): Promise<void> {
    this.transcript.note(`${this.label} shut down its sending side`);
    await this.conn.closeWrite().catch(() => {});
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.transcript.note(`${this.label} closed the connection`);
    await this.discard();
  }

  /**
   * Closes the connection without a word in the transcript, if the check
   * has not: what is left open when a check is over.
   */
  async discard(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
    await this.#pumping;
  }

  /**
   * Vanishes with a reset (RST) instead of an orderly close, like a peer
   * that crashed: the other end's next `recv()` fails with `ECONNRESET`
   * rather than returning 0, and sending to it raises `EPIPE` (`SIGPIPE`).
   * Needs `--allow-ffi` (see `tcp_reset.ts`); the check runner has it.
   */
  async reset(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.transcript.note(`${this.label} vanished with a reset (RST)`);
    resetConnection(this.conn, this.#descriptor);
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
    await this.#pumping;
  }

  /**
   * Looks up now what {@link sendNow} and an immediate {@link reset} need
   * (libc, and this connection's descriptor through `/proc`: some
   * milliseconds), so that each is then one system call: for a race a
   * check sets up against what the other end is doing.
   */
  prepareImmediate(): void {
    this.#descriptor ??= prepareReset(this.conn);
    // Or Nagle's algorithm holds a small send back while an earlier one is
    // unacknowledged, which on a connection the other end never writes to
    // lasts until its delayed ACK (40 ms and more).
    this.conn.setNoDelay(true);
  }

  /**
   * Sends a short `text` within this call (one `send()`, not through Deno's
   * event loop), after {@link prepareImmediate}: so that what the check does
   * next, such as resetting another connection, follows within
   * microseconds. Earlier sends must be over (awaited).
   */
  sendNow(text: string): void {
    if (this.#descriptor === undefined) {
      throw new Error(`sendNow on the ${this.label} before prepareImmediate`);
    }
    this.transcript.record(`${this.label} → ${this.remote}`, text);
    sendAtOnce(this.#descriptor, new TextEncoder().encode(text));
  }

  /**
   * Vanishes without a word, neither FIN nor RST, like a peer whose host
   * crashed: the other end learns it only when it next sends, from the RST
   * that answers. False (and the connection left as it was) where the
   * kernel refuses (`TCP_REPAIR` needs `CAP_NET_ADMIN`; the check runner
   * has it in its network namespace).
   */
  async vanish(): Promise<boolean> {
    if (this.#closed || !silenceConnection(this.conn, this.#descriptor)) return false;
    this.transcript.note(`${this.label} vanished without a word (no FIN, no RST)`);
    await this.discard();
    return true;
  }

  /** This end's port (to find the connection in `/proc/net/tcp`). */
  get localPort(): number {
    return (this.conn.localAddr as Deno.NetAddr).port;
  }

  async #pump(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        this.received.push(buffer.slice(0, n));
      }
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset && !this.#closed) {
        this.#reset = true;
        this.transcript.note(`the ${this.remote} reset the connection to the ${this.label}`);
      }
    } finally {
      if (!this.#closed) this.transcript.note(`${this.remote} closed the connection to the ${this.label}`);
      this.received.end();
    }
  }
}

function remote(peer: TcpPeer): string {
  return peer.remote;
}

/**
 * The harness as a server: listens on `127.0.0.1:port` and accepts the
 * student's client.
 *
 * @example
 * ```ts ignore
 * import { TcpListenerPeer } from "./peer.ts";
 * const listener = TcpListenerPeer.listen(5000, { transcript });
 * const conn = await listener.accept({ timeoutMs: 2000 });
 * ```
 */
export class TcpListenerPeer {
  /** The connections accepted so far. */
  readonly accepted: TcpPeer[] = [];

  private constructor(readonly listener: Deno.TcpListener, readonly transcript: Transcript) {}

  /** Starts listening. */
  static listen(port: number, options: { transcript: Transcript }): TcpListenerPeer {
    const listener = Deno.listen({ hostname: LOOPBACK, port });
    options.transcript.note(`harness server listening on ${LOOPBACK}:${port}`);
    return new TcpListenerPeer(listener, options.transcript);
  }

  /**
   * Accepts one connection, failing the check if none comes in time. With
   * `raw`, nothing reads the connection but the check (for bulk data).
   */
  async accept(options: { timeoutMs: number; label?: string; raw?: boolean }): Promise<TcpPeer> {
    try {
      const conn = await awaitEvent(this.listener.accept(), options.timeoutMs, "a client");
      this.transcript.note("a client connected to the harness server");
      const peer = TcpPeer.accepted(conn, options.label ?? "harness server", this.transcript, !options.raw);
      this.accepted.push(peer);
      return peer;
    } catch (error) {
      if (!(error instanceof DeadlineError)) throw error;
      throw new CheckFailure(
        `expected the client to connect to ${LOOPBACK}:${this.listener.addr.port}, but ${
          error instanceof StalledError
            ? `it never did, and nothing could make it any more: ${error.why}`
            : `it did not within ${formatMs(options.timeoutMs)}`
        }`,
        `connect to ${LOOPBACK} port ${this.listener.addr.port}`,
      );
    }
  }

  /** Stops listening (the connections accepted stay open). */
  close(): void {
    try {
      this.listener.close();
    } catch {
      // Already closed.
    }
  }

  /** Stops listening and closes, without a word in the transcript, every connection still open. */
  async discard(): Promise<void> {
    this.close();
    await Promise.all(this.accepted.map((peer) => peer.discard()));
  }
}
