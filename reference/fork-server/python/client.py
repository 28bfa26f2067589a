"""Reference client of the fork-per-client server: python3 client.py HOST PORT N

Sends N, prints the reply, exits 0.
"""

import socket
import sys


def main() -> int:
    if len(sys.argv) != 4:
        print(f"usage: {sys.argv[0]} HOST PORT N", file=sys.stderr)
        return 2
    host, port, request = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with socket.create_connection((host, port)) as conn:
        conn.sendall(request.encode())
        conn.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := conn.recv(64):
            reply += chunk
    print(f"fib({request}) = {reply.decode(errors='replace')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
