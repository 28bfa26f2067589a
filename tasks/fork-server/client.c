/*
 * fork-server lab: the client. Usage: ./client HOST PORT N
 *
 * TODO: connect to HOST:PORT, send N, print a line containing the reply,
 * exit 0.
 */
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s HOST PORT N\n", argv[0]);
    return 2;
  }
  fprintf(stderr, "client: not implemented yet (see the TODO in client.c)\n");
  return 1;
}
