/*
 * Reference client of the ordered client/server protocol.
 *
 * Connects to 127.0.0.1:5000, then alternates: read a line from stdin and
 * send it; receive the reply and print it. Ends (status 0) when stdin says
 * "exit" or ends, or when the server closes or sends "exit". Like the lab's
 * own client, a typed "exit" is never put on the wire: closing the
 * connection is how the server learns that the conversation is over.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 5000
#define MAX_MESSAGE 255

static void strip_newline(char *text) {
  size_t len = strlen(text);
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) text[--len] = '\0';
}

static int send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int main(void) {
  int conn = socket(AF_INET, SOCK_STREAM, 0);
  if (conn < 0) {
    perror("socket");
    return 1;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(conn, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("connect");
    return 1;
  }
  char line[MAX_MESSAGE + 2];
  char reply[MAX_MESSAGE + 2];
  while (fgets(line, sizeof line, stdin) != NULL) {
    strip_newline(line);
    if (line[0] == '\0') continue; /* nothing to say: an empty message cannot be sent */
    if (strcmp(line, "exit") == 0) break;
    if (send_all(conn, line, strlen(line)) < 0) break;
    ssize_t n = recv(conn, reply, MAX_MESSAGE + 1, 0);
    if (n <= 0) {
      printf("The server closed the connection.\n");
      break;
    }
    reply[n] = '\0';
    strip_newline(reply);
    if (strcmp(reply, "exit") == 0) break;
    printf("[Server]: %s\n", reply);
    fflush(stdout);
  }
  close(conn);
  return 0;
}
