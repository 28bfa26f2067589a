/*
 * client-server lab: the client. See README.md for the protocol.
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
  /* TODO 1: create a TCP socket and connect it to 127.0.0.1:PORT. */

  /*
   * TODO 2: loop:
   *   - read a line from stdin with fgets(); if it is "exit", stop (closing
   *     the connection tells the server; no need to send "exit"); if stdin
   *     ended (fgets() returned NULL), stop too;
   *   - send it;
   *   - recv() the reply; if recv() returns 0 (the server left) or the reply
   *     is "exit", stop; otherwise print a line containing it.
   */

  /* TODO 3: close the socket and return 0. */
  fprintf(stderr, "client: not implemented yet (see the TODOs in client.c)\n");
  return 1;
}
