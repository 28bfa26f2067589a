/*
 * async-server lab: the upload client. See README.md.
 *
 * Build with `make`, check with `npx socklab grade async-server --submission .`.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 5000

int main(void) {
  /* TODO 1: open test-file.txt (in the working directory) and connect to 127.0.0.1:PORT. */

  /*
   * TODO 2: read the file in chunks and send each chunk in full: send() may
   * send fewer bytes than asked, and its return value says how many.
   * Print your progress as you go (e.g. "Sent 10 MB").
   */

  /* TODO 3: close the socket and the file, return 0. */
  fprintf(stderr, "client: not implemented yet (see the TODOs in client.c)\n");
  return 1;
}
