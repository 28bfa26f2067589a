/*
 * multiplexed-client-server lab: the chat client. See README.md.
 *
 * Build with `make`, then check your work with
 *   npx socklab grade multiplexed-client-server --submission .
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 5000
#define MAX_MESSAGE 255

int main(void) {
  /* TODO 1: create a TCP socket and connect it to 127.0.0.1:PORT. */

  /*
   * TODO 2: create an epoll instance and add both the standard input
   * (STDIN_FILENO) and the socket to it.
   */

  /*
   * TODO 3: loop on epoll_wait(..., -1) and handle whichever is ready:
   *   - the standard input: read a line and send it (without the newline).
   *     If the line is "exit", or the input has ended (read() returns 0),
   *     close the socket and return 0.
   *     Tip: read(STDIN_FILENO, ...) works better with epoll than fgets():
   *     fgets() may keep extra lines in its own buffer, where epoll cannot
   *     see them.
   *   - the socket: recv() and print what arrived right away (it may be
   *     part of a message, or several). If recv() returns 0 (or -1), the
   *     server has gone: print a notice, close the socket and return 0.
   */

  fprintf(stderr, "client: not implemented yet (see the TODOs in client.c)\n");
  return 1;
}
