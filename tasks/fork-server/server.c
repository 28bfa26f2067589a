/*
 * fork-server lab: the server. See README.md.
 *
 * This starting point is a SEQUENTIAL server: it answers one client at a
 * time, so a client that connects and sends nothing blocks everyone else.
 * Your job: serve each client in a child process of its own.
 *
 * Build with `make`, check with `npx socklab grade fork-server --submission .`.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long fib(int n) { return n < 2 ? 1 : fib(n - 1) + fib(n - 2); }

static void serve(int conn) {
  char request[64];
  ssize_t n = recv(conn, request, sizeof request - 1, 0);
  request[n > 0 ? n : 0] = '\0';
  /* TODO: answer "out of range" for n > 34 and for requests that are not a number. */
  char reply[32];
  snprintf(reply, sizeof reply, "%ld", fib(atoi(request)));
  send(conn, reply, strlen(reply), 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 16) < 0) {
    perror("bind/listen");
    return 1;
  }
  for (;;) {
    int conn = accept(listener, NULL, NULL);
    if (conn < 0) continue;
    /*
     * TODO: fork() here. The child serves the client and exits; the parent
     * closes its copy of conn and goes back to accept() at once. Reap the
     * children (SIGCHLD) so that none stays a zombie.
     */
    serve(conn);
    close(conn);
  }
}
