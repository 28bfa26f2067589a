/*
 * multiplexed-client-server lab: the chat server. See README.md.
 *
 * Build with `make`, then check your work with
 *   npx socklab grade multiplexed-client-server --submission .
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
#include <unistd.h>

#define PORT 5000
#define MAX_MESSAGE 255
#define MAX_EVENTS 64

int main(void) {
  /*
   * TODO 1: make sure a send() to a client that has already gone cannot kill
   * the server (SIGPIPE): ignore the signal, or pass MSG_NOSIGNAL to send().
   */

  /* TODO 2: create a TCP socket, bind it to 127.0.0.1:PORT and listen(). */

  /*
   * TODO 3: create an epoll instance (epoll_create1) and add the listening
   * socket to it (epoll_ctl with EPOLL_CTL_ADD, EPOLLIN).
   */

  /*
   * TODO 4: loop forever on epoll_wait(..., -1) and handle each ready
   * descriptor:
   *   - the listening socket: accept() the new client, add it to the epoll
   *     set and to your list of connected clients (the list must grow: the
   *     server has to serve at least 100 clients at once);
   *   - a client socket: recv() what it sent.
   *       > 0   send exactly those bytes (you may put "[Client N]: " in
   *             front) to every OTHER connected client, never back to the
   *             sender. One recv() may hold part of a message or several.
   *       0     the client left; -1: its connection failed (e.g. a reset).
   *             Either way: EPOLL_CTL_DEL, close() it, remove it from your
   *             list, and keep serving the others.
   */

  fprintf(stderr, "server: not implemented yet (see the TODOs in server.c)\n");
  return 1;
}
