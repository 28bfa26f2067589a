/*
 * The baseline of the upload benchmark: a C-to-C transfer on loopback.
 *
 *   c2c sink PORT        accept one connection, read to EOF, close
 *   c2c send PORT BYTES  send BYTES in 1 MiB writes, half-close, wait for the
 *                        sink's close; print the seconds it took
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  return addr;
}

int main(int argc, char **argv) {
  static char buffer[CHUNK];
  if (argc == 3 && strcmp(argv[1], "sink") == 0) {
    int listener = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in addr = loopback(atoi(argv[2]));
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 4) < 0) return 1;
    printf("listening\n");
    fflush(stdout);
    int conn = accept(listener, NULL, NULL);
    while (recv(conn, buffer, sizeof buffer, 0) > 0) {
    }
    close(conn);
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "send") == 0) {
    long long total = atoll(argv[3]);
    int conn = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = loopback(atoi(argv[2]));
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (connect(conn, (struct sockaddr *)&addr, sizeof addr) < 0) return 1;
    for (long long sent = 0; sent < total;) {
      ssize_t n = send(conn, buffer, (size_t)(total - sent < CHUNK ? total - sent : CHUNK), 0);
      if (n <= 0) return 1;
      sent += n;
    }
    shutdown(conn, SHUT_WR);
    while (recv(conn, buffer, sizeof buffer, 0) > 0) {
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("%.6f\n", (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
    return 0;
  }
  fprintf(stderr, "usage: %s sink PORT | send PORT BYTES\n", argv[0]);
  return 2;
}
