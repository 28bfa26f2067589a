/*
 * async-server lab: the upload server. See README.md.
 *
 * Build with `make`, check with `npx socklab grade async-server --submission .`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PORT 5000

int main(void) {
  /* TODO 1: create a TCP socket, bind it to 127.0.0.1:PORT and listen. */

  /* TODO 2: create an epoll instance and add the listening socket to it. */

  /*
   * TODO 3 (part 1): loop on epoll_wait(). When the listening socket is ready,
   * accept the client and read its upload until recv() returns 0 (the client
   * closed its side), then print a line containing "Received" and close it.
   *
   * TODO 4 (part 2): serve each client in a child process instead: fork()
   * after accept(); the child reads the upload and exits; the parent closes
   * its copy of the connection and goes back to epoll_wait() at once. Reap
   * the children (SIGCHLD + waitpid(-1, NULL, WNOHANG)); epoll_wait() then
   * fails with EINTR: just call it again.
   */
  fprintf(stderr, "server: not implemented yet (see the TODOs in server.c)\n");
  return 1;
}
