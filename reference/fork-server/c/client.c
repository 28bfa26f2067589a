/*
 * Reference client of the fork-per-client server: ./client HOST PORT N
 *
 * Sends N, prints the reply, exits 0.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s HOST PORT N\n", argv[0]);
    return 2;
  }
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
  struct addrinfo *found;
  int rc = getaddrinfo(argv[1], argv[2], &hints, &found);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", argv[1], gai_strerror(rc));
    return 1;
  }
  int conn = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(conn, found->ai_addr, found->ai_addrlen) < 0) {
    perror("connect");
    return 1;
  }
  freeaddrinfo(found);
  const char *request = argv[3];
  if (send(conn, request, strlen(request), 0) < 0) {
    perror("send");
    return 1;
  }
  shutdown(conn, SHUT_WR);
  char reply[64];
  size_t got = 0;
  ssize_t n;
  while (got < sizeof reply - 1 && (n = recv(conn, reply + got, sizeof reply - 1 - got, 0)) > 0) got += (size_t)n;
  reply[got] = '\0';
  close(conn);
  printf("fib(%s) = %s\n", request, reply);
  return 0;
}
