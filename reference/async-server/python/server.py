"""Reference upload server (Python): epoll accept loop, a child process per client.

A client uploads a byte stream and closes its side; the child reads to the
end, prints "Received N bytes from HOST:PORT", closes and exits. The parent
closes its copy of every connection at once, keeps accepting, and reaps its
children.
"""

import os
import select
import signal
import socket
import sys

HOST, PORT = "127.0.0.1", 5000
BUFFER_SIZE = 256 * 1024


def reap(_signum, _frame) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def receive_upload(conn: socket.socket, peer: tuple) -> None:
    buffer = bytearray(BUFFER_SIZE)
    total = 0
    while True:
        try:
            n = conn.recv_into(buffer)
        except ConnectionError as error:
            print(f"recv: {error}", file=sys.stderr)
            break
        if n == 0:
            break
        total += n
    print(f"Received {total} bytes from {peer[0]}:{peer[1]}", flush=True)
    conn.close()


def main() -> int:
    signal.signal(signal.SIGCHLD, reap)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, PORT))
    listener.listen(64)
    epoll = select.epoll()
    epoll.register(listener.fileno(), select.EPOLLIN)
    print(f"Listening on {HOST}:{PORT}", flush=True)
    while True:
        for fd, _events in epoll.poll():
            if fd != listener.fileno():
                continue
            conn, peer = listener.accept()
            if os.fork() == 0:
                epoll.close()
                listener.close()
                receive_upload(conn, peer)
                os._exit(0)
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
