"""Reference server of the ordered client/server protocol (Python).

Accepts one client on 127.0.0.1:5000, then alternates: receive a message and
print it; read a reply from stdin and send it. Ends (status 0) when the client
closes or sends "exit", or when the reply is "exit" or stdin ends. Ending on a
received "exit" is a courtesy to clients that send it before closing; the
lab's own server prints it and waits for its operator, which is correct too.
"""

import socket
import sys

HOST, PORT = "127.0.0.1", 5000
MAX_MESSAGE = 255


def main() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, PORT))
        listener.listen(1)
        conn, (peer_host, peer_port) = listener.accept()
    with conn:
        while True:
            try:
                data = conn.recv(MAX_MESSAGE + 1)
            except ConnectionError:
                break
            if not data:
                break
            message = data.decode(errors="replace").rstrip("\r\n")
            if message == "exit":
                break
            print(f"[Client {peer_host}:{peer_port}]: {message}", flush=True)
            reply = sys.stdin.readline()
            if not reply:
                break
            reply = reply.rstrip("\r\n")
            if reply == "exit":
                break
            try:
                conn.sendall(reply.encode())
            except ConnectionError:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
