"""Reference upload client (Python): sends test-file.txt to 127.0.0.1:5000.

Sends the file in full (socket.sendall continues every short send), prints
its progress every 10 MB, then closes and exits 0.
"""

import socket
import sys

HOST, PORT = "127.0.0.1", 5000
CHUNK = 1024 * 1024
PROGRESS_STEP = 10 * 1000 * 1000


def main() -> int:
    try:
        file = open("test-file.txt", "rb")
    except OSError as error:
        print(f"test-file.txt: {error}", file=sys.stderr)
        return 1
    with file, socket.create_connection((HOST, PORT)) as conn:
        sent, next_report = 0, PROGRESS_STEP
        while chunk := file.read(CHUNK):
            conn.sendall(chunk)
            sent += len(chunk)
            while sent >= next_report:
                print(f"Sent {next_report // 1000000} MB")
                next_report += PROGRESS_STEP
        print(f"Sent {sent} bytes in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
