/*
 * Reference server of the ordered client/server protocol.
 *
 * Accepts one client on 127.0.0.1:5000, then alternates: receive a message
 * and print it; read a reply from stdin and send it. Ends (status 0) when the
 * client closes or sends "exit", or when the reply is "exit" or stdin ends.
 * Ending on a received "exit" is a courtesy to clients that send it before
 * closing; the lab's own server prints it and waits for its operator, which
 * is correct too.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
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
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) {
    perror("socket");
    return 1;
  }
  int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 1) < 0) {
    perror("bind/listen");
    return 1;
  }
  struct sockaddr_in peer;
  socklen_t peer_len = sizeof peer;
  int conn = accept(listener, (struct sockaddr *)&peer, &peer_len);
  if (conn < 0) {
    perror("accept");
    return 1;
  }
  close(listener);
  char peer_name[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &peer.sin_addr, peer_name, sizeof peer_name);

  char message[MAX_MESSAGE + 2];
  char reply[MAX_MESSAGE + 2];
  for (;;) {
    ssize_t n = recv(conn, message, MAX_MESSAGE + 1, 0);
    if (n <= 0) break; /* closed (0) or reset (-1): the conversation is over */
    message[n] = '\0';
    strip_newline(message);
    if (strcmp(message, "exit") == 0) break;
    printf("[Client %s:%d]: %s\n", peer_name, ntohs(peer.sin_port), message);
    fflush(stdout);

    if (fgets(reply, sizeof reply, stdin) == NULL) break;
    strip_newline(reply);
    if (strcmp(reply, "exit") == 0) break;
    if (send_all(conn, reply, strlen(reply)) < 0) break;
  }
  close(conn);
  return 0;
}
