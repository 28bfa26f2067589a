"""Reference client of the multiplexed chat (Python, selectors).

Connects to 127.0.0.1:5000 and waits on its standard input and on the socket
at once with the selectors module (epoll on Linux): each line typed is sent,
and whatever the server sends is printed as soon as it arrives, even while
nothing is typed. "exit" or the end of input closes the connection and exits
0; so does the server closing the connection, after a notice.

Standard input is read with os.read(), not sys.stdin: the file object would
buffer lines that the selector cannot see.
"""

import os
import selectors
import socket
import sys

HOST, PORT = "127.0.0.1", 5000
MAX_MESSAGE = 255
CHUNK = 4096


def main() -> int:
    sock = socket.create_connection((HOST, PORT))
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
    selector.register(sock, selectors.EVENT_READ, "server")
    typed = b""  # a partial line waits here for its newline
    with sock:
        while True:
            for key, _ in selector.select():
                if key.data == "server":
                    try:
                        data = sock.recv(CHUNK)
                    except OSError:
                        data = b""
                    if not data:
                        print("The server closed the connection.", flush=True)
                        return 0
                    # One recv() may hold several messages or part of one.
                    text = data.decode(errors="replace")
                    print(text, end="" if text.endswith("\n") else "\n", flush=True)
                    continue
                chunk = os.read(sys.stdin.fileno(), CHUNK)
                if not chunk:  # end of input: send a last unterminated line, then leave
                    if typed:
                        send_line(sock, typed)
                    return 0
                typed += chunk
                *lines, typed = typed.split(b"\n")
                for line in lines:
                    if send_line(sock, line):
                        return 0


def send_line(sock: socket.socket, line: bytes) -> bool:
    """Sends one typed line (without its newline); True when it says to stop."""
    line = line.rstrip(b"\r")
    if line == b"exit":
        return True
    if line:
        try:
            sock.sendall(line[:MAX_MESSAGE])
        except OSError:
            return True
    return False


if __name__ == "__main__":
    sys.exit(main())
