"""Reference client of the ordered client/server protocol (Python).

Connects to 127.0.0.1:5000, then alternates: read a line from stdin and send
it; receive the reply and print it. Ends (status 0) when stdin says "exit" or
ends, or when the server closes or sends "exit". Like the lab's own client, a
typed "exit" is never put on the wire: closing the connection is how the
server learns that the conversation is over.
"""

import socket
import sys

HOST, PORT = "127.0.0.1", 5000
MAX_MESSAGE = 255


def main() -> int:
    with socket.create_connection((HOST, PORT)) as conn:
        for line in sys.stdin:
            message = line.rstrip("\r\n")
            if not message:
                continue
            if message == "exit":
                break
            try:
                conn.sendall(message.encode())
            except ConnectionError:
                break
            try:
                data = conn.recv(MAX_MESSAGE + 1)
            except ConnectionError:
                data = b""
            if not data:
                print("The server closed the connection.", flush=True)
                break
            reply = data.decode(errors="replace").rstrip("\r\n")
            if reply == "exit":
                break
            print(f"[Server]: {reply}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
