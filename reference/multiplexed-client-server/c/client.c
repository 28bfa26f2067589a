/*
 * Reference client of the multiplexed chat.
 *
 * Connects to 127.0.0.1:5000 and waits on its standard input and on the
 * socket at once with epoll: each line typed is sent as soon as it is
 * complete, and whatever the server sends is printed as soon as it arrives,
 * even while nothing is typed. "exit" or the end of input closes the
 * connection and exits 0; so does the server closing the connection, after
 * a notice.
 *
 * Standard input is read with read(), not fgets(): stdio would buffer lines
 * that epoll cannot see, so a pasted block of lines would be sent only up to
 * the first one until more input came.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 5000
#define MAX_MESSAGE 255
#define CHUNK 4096

static int send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Sends one typed line (without its newline); returns 1 when it says to stop. */
static int handle_line(int sock, char *line, size_t len) {
  if (len > 0 && line[len - 1] == '\r') len--;
  line[len] = '\0';
  if (strcmp(line, "exit") == 0) return 1;
  if (len == 0) return 0;
  if (len > MAX_MESSAGE) len = MAX_MESSAGE; /* the protocol's limit */
  if (send_all(sock, line, len) < 0) {
    perror("send");
    return 1;
  }
  return 0;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  if (sock < 0) {
    perror("socket");
    return 1;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("connect");
    return 1;
  }

  int epfd = epoll_create1(0);
  if (epfd < 0) {
    perror("epoll_create1");
    return 1;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = STDIN_FILENO};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0) {
    perror("epoll_ctl(stdin)"); /* e.g. stdin is a regular file */
    return 1;
  }
  ev.data.fd = sock;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, sock, &ev) < 0) {
    perror("epoll_ctl(socket)");
    return 1;
  }

  char typed[CHUNK + 1]; /* a partial line waits here for its newline */
  size_t typed_len = 0;
  char received[CHUNK];
  for (;;) {
    struct epoll_event events[2];
    int ready = epoll_wait(epfd, events, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < ready; i++) {
      if (events[i].data.fd == sock) {
        ssize_t n = recv(sock, received, sizeof received, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          printf("The server closed the connection.\n");
          close(sock);
          return 0;
        }
        /* One recv() may hold several messages or part of one: print it as is. */
        fwrite(received, 1, (size_t)n, stdout);
        if (received[n - 1] != '\n') putchar('\n');
        fflush(stdout);
        continue;
      }
      ssize_t n = read(STDIN_FILENO, typed + typed_len, CHUNK - typed_len);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        /* End of input: send a last line that had no newline, then leave. */
        if (typed_len > 0) handle_line(sock, typed, typed_len);
        close(sock);
        return 0;
      }
      typed_len += (size_t)n;
      char *start = typed;
      char *newline;
      while ((newline = memchr(start, '\n', typed_len - (size_t)(start - typed))) != NULL) {
        if (handle_line(sock, start, (size_t)(newline - start))) {
          close(sock);
          return 0;
        }
        start = newline + 1;
      }
      typed_len -= (size_t)(start - typed);
      memmove(typed, start, typed_len);
      if (typed_len == CHUNK) {
        /* A line longer than the buffer: send what we have. */
        if (handle_line(sock, typed, typed_len)) {
          close(sock);
          return 0;
        }
        typed_len = 0;
      }
    }
  }
}
