/*
 * client-server lab: the server. See README.md for the protocol.
 *
 * Build with `make`, then check your work with `npx socklab grade client-server --submission .`.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 5000
#define MAX_MESSAGE 255

int main(void) {
  /* TODO 1: create a TCP socket, bind it to 127.0.0.1:PORT and listen. */

  /* TODO 2: accept one client. */

  /*
   * TODO 3: loop:
   *   - recv() a message; if recv() returns 0 (the client left), stop (a
   *     message "exit" may stop you too, or be printed like any other);
   *   - print a line containing the message;
   *   - read the reply from stdin with fgets(); if it is "exit" or stdin
   *     ended, stop; otherwise send it.
   */

  /* TODO 4: close the sockets and return 0. */
  fprintf(stderr, "server: not implemented yet (see the TODOs in server.c)\n");
  return 1;
}
