"""Reference server of the multiplexed chat (Python, selectors).

Listens on 127.0.0.1:5000 and serves any number of clients from one thread
with the selectors module (epoll on Linux). Whatever a client sends is passed
on, prefixed with the sender's id ("[Client 3]: "), to every other connected
client, never back to the sender. Each chunk recv() returns is forwarded as
it is: TCP keeps no message boundaries.

A client that leaves or whose connection fails is unregistered, closed and
forgotten. Python ignores SIGPIPE, so a send to a connection that is already
gone raises an exception, which drops that client instead of the server.
"""

import selectors
import socket
import sys

HOST, PORT = "127.0.0.1", 5000
CHUNK = 4096


class ChatServer:
    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.clients: dict[socket.socket, int] = {}  # in the order they joined
        self.next_id = 1

    def serve(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, PORT))
        listener.listen(socket.SOMAXCONN)
        self.selector.register(listener, selectors.EVENT_READ)
        print(f"Chat server listening on {HOST}:{PORT}", flush=True)
        while True:
            for key, _ in self.selector.select():
                sock = key.fileobj
                if sock is listener:
                    self.accept(listener)
                elif sock in self.clients:  # not removed earlier in this batch
                    self.serve_client(sock)

    def accept(self, listener: socket.socket) -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        self.clients[conn] = self.next_id
        self.next_id += 1
        self.selector.register(conn, selectors.EVENT_READ)
        print(f"Client {self.clients[conn]} joined", flush=True)

    def remove(self, conn: socket.socket) -> None:
        client_id = self.clients.pop(conn)
        self.selector.unregister(conn)
        conn.close()
        print(f"Client {client_id} left", flush=True)

    def serve_client(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(CHUNK)
        except InterruptedError:
            return
        except OSError:
            data = b""  # reset or another failure: the client is gone
        if not data:
            self.remove(conn)
            return
        sender = self.clients[conn]
        print(f"[Client {sender}]: {data.decode(errors='replace')}", flush=True)
        message = f"[Client {sender}]: ".encode() + data
        gone = []
        for other in self.clients:
            if other is conn:
                continue
            try:
                # A client that does not read must not stall the others.
                other.setblocking(False)
                other.sendall(message)
            except OSError:  # BrokenPipeError, ConnectionResetError, BlockingIOError
                gone.append(other)
            finally:
                other.setblocking(True)
        for other in gone:
            self.remove(other)


def main() -> int:
    ChatServer().serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
