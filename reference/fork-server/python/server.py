"""Reference fork-per-client server (Python): python3 server.py PORT

Each connection is served by a child process: it receives one request, a
decimal number n, replies with fib(n) (fib(0) = fib(1) = 1), or with
"out of range" for n > 34 or anything that is not a number, and exits. The
parent closes its copy at once, keeps accepting, and reaps its children.
SIGINT or SIGTERM end it.
"""

import os
import signal
import socket
import sys

MAX_N = 34


def fib(n: int) -> int:
    previous, current = 1, 1
    for _ in range(n - 1):
        previous, current = current, previous + current
    return current


def answer(request: bytes) -> str:
    text = request.decode(errors="replace").rstrip("\r\n")
    if not text.isdigit() or len(text) > 9 or int(text) > MAX_N:
        return "out of range"
    return str(fib(int(text)))


def reap(_signum, _frame) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def main() -> int:
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PORT", file=sys.stderr)
        return 2
    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(64)
    print(f"Listening on port {sys.argv[1]}", flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                try:
                    conn.sendall(answer(conn.recv(64)).encode())
                except OSError:
                    pass
                conn.close()
                os._exit(0)
            conn.close()
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
