/**
 * The programs a scaffolded lab starts with (`deno task new-lab`): an echo
 * server and its client, in C and in Python, small enough to read in a
 * minute and correct enough that the example check passes on them. The
 * starter code compiles and does nothing; the fixtures are the C reference
 * with one bug each.
 *
 * @module
 */

/** The port every lab's programs use (the harness gives each check its own network). */
const PORT = 5000;

/** A Makefile building `server` and `client`: what makes a directory a C submission. */
export const MAKEFILE = `CC ?= cc
CFLAGS ?= -Wall -Wextra -O2 -g

all: server client

server: server.c
\t$(CC) $(CFLAGS) -o $@ $<

client: client.c
\t$(CC) $(CFLAGS) -o $@ $<

clean:
\trm -f server client

.PHONY: all clean
`;

/** Includes and helpers both C programs share. */
const C_PRELUDE = `#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT ${PORT}
#define BUFFER_SIZE 4096

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* send() may take part of the buffer: send the rest until all is gone. */
static int send_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t sent = send(fd, data, length, 0);
    if (sent < 0) return -1;
    data += sent;
    length -= (size_t)sent;
  }
  return 0;
}

static struct sockaddr_in loopback(void) {
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons(PORT);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}
`;

/**
 * The C reference server of `lab`.
 *
 * @example
 * ```ts
 * import { cServer } from "./new_lab_programs.ts";
 * cServer("echo").includes("recv(client"); // true
 * ```
 */
export function cServer(lab: string): string {
  return `/*
 * Reference server of the ${lab} lab (C): accepts one client on
 * 127.0.0.1:${PORT} and sends back every message it receives, until the client
 * closes the connection; then exits 0.
 */
${C_PRELUDE}
int main(void) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  struct sockaddr_in address = loopback();
  if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
  if (listen(listener, 1) < 0) die("listen");

  int client = accept(listener, NULL, NULL);
  if (client < 0) die("accept");
  close(listener);

  char buffer[BUFFER_SIZE];
  for (;;) {
    ssize_t received = recv(client, buffer, sizeof buffer, 0);
    if (received < 0) die("recv");
    if (received == 0) break; /* the client closed the connection */
    if (send_all(client, buffer, (size_t)received) < 0) die("send");
  }
  close(client);
  return 0;
}
`;
}

/**
 * The C reference client of `lab`.
 *
 * @example
 * ```ts
 * import { cClient } from "./new_lab_programs.ts";
 * cClient("echo").includes("fgets"); // true
 * ```
 */
export function cClient(lab: string): string {
  return `/*
 * Reference client of the ${lab} lab (C): connects to 127.0.0.1:${PORT}, then
 * sends each line of its standard input and prints what the server sends
 * back. Ends (status 0) at the end of its input or when the server leaves.
 */
${C_PRELUDE}
int main(void) {
  int server = socket(AF_INET, SOCK_STREAM, 0);
  if (server < 0) die("socket");
  struct sockaddr_in address = loopback();
  if (connect(server, (struct sockaddr *)&address, sizeof address) < 0) die("connect");

  char line[BUFFER_SIZE];
  char reply[BUFFER_SIZE];
  while (fgets(line, sizeof line, stdin) != NULL) {
    size_t length = strlen(line);
    if (send_all(server, line, length) < 0) die("send");
    /* The reply is as long as the line, but it may arrive in pieces. */
    size_t got = 0;
    while (got < length) {
      ssize_t received = recv(server, reply + got, length - got, 0);
      if (received < 0) die("recv");
      if (received == 0) { /* the server closed the connection */
        close(server);
        return 0;
      }
      got += (size_t)received;
    }
    fwrite(reply, 1, got, stdout);
    fflush(stdout);
  }
  close(server);
  return 0;
}
`;
}

/**
 * The Python reference server of `lab`.
 *
 * @example
 * ```ts
 * import { pythonServer } from "./new_lab_programs.ts";
 * pythonServer("echo").includes("conn.sendall(data)"); // true
 * ```
 */
export function pythonServer(lab: string): string {
  return `"""Reference server of the ${lab} lab (Python).

Accepts one client on 127.0.0.1:${PORT} and sends back every message it
receives, until the client closes the connection; then exits 0.
"""

import socket
import sys

HOST, PORT = "127.0.0.1", ${PORT}


def main() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, PORT))
        listener.listen(1)
        conn, _ = listener.accept()
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:  # the client closed the connection
                break
            conn.sendall(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
}

/**
 * The Python reference client of `lab`.
 *
 * @example
 * ```ts
 * import { pythonClient } from "./new_lab_programs.ts";
 * pythonClient("echo").includes("sys.stdin.readline()"); // true
 * ```
 */
export function pythonClient(lab: string): string {
  return `"""Reference client of the ${lab} lab (Python).

Connects to 127.0.0.1:${PORT}, then sends each line of its standard input and
prints what the server sends back. Ends (status 0) at the end of its input or
when the server leaves.
"""

import socket
import sys

HOST, PORT = "127.0.0.1", ${PORT}


def main() -> int:
    with socket.create_connection((HOST, PORT)) as conn:
        while True:
            line = sys.stdin.readline()
            if not line:  # the end of the input
                break
            data = line.encode()
            conn.sendall(data)
            reply = b""
            while len(reply) < len(data):  # it may arrive in pieces
                chunk = conn.recv(len(data) - len(reply))
                if not chunk:  # the server closed the connection
                    return 0
                reply += chunk
            print(reply.decode(errors="replace"), end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
}

/**
 * The starter `role.c` of `lab`: it compiles, says it is not written yet,
 * and fails, so the starter code gets a report with the build passed.
 *
 * @example
 * ```ts
 * import { cStarter } from "./new_lab_programs.ts";
 * cStarter("echo", "server").includes("TODO"); // true
 * ```
 */
export function cStarter(lab: string, role: "server" | "client"): string {
  const todos = role === "server"
    ? [
      `/* TODO 1: create a TCP socket, bind it to 127.0.0.1:PORT and listen. */`,
      `/* TODO 2: accept one client. */`,
      `/*
   * TODO 3: loop: recv() a message; if recv() returns 0 (the client left),
   * stop; otherwise send the same bytes back.
   */`,
      `/* TODO 4: close the sockets and return 0. */`,
    ]
    : [
      `/* TODO 1: create a TCP socket and connect it to 127.0.0.1:PORT. */`,
      `/*
   * TODO 2: loop: read a line from stdin with fgets() (stop when it returns
   * NULL), send it, recv() the reply and print it.
   */`,
      `/* TODO 3: close the socket and return 0. */`,
    ];
  return `/*
 * ${lab} lab: the ${role}. See README.md for what it must do.
 *
 * Build with \`make\`, then check your work with \`npx socklab grade ${lab} --submission .\`.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT ${PORT}

int main(void) {
  ${todos.join("\n\n  ")}
  fprintf(stderr, "${role}: not implemented yet (see the TODOs in ${role}.c)\\n");
  return 1;
}
`;
}

/**
 * `source` with `find` replaced by `replacement`, for a fixture's one bug;
 * throws if `find` is not there (the fixture would be the reference).
 *
 * @example
 * ```ts
 * import { withBug } from "./new_lab_programs.ts";
 * withBug("a;\nb;\n", "a;", "a"); // "a\nb;\n"
 * ```
 */
export function withBug(source: string, find: string, replacement: string): string {
  if (!source.includes(find)) {
    throw new Error(`the bug's place is not in the source: ${JSON.stringify(find)}`);
  }
  return source.replace(find, replacement);
}
