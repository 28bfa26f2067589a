/* ada's chat, as handed in by someone else: names changed, functions moved. */
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
#define BLOCK 4096

static int write_fully(int fd, const char *data, size_t size);
static int process_input(int conn, char *input, size_t size);

static int process_input(int conn, char *input, size_t size) {
  if (size > 0 && input[size - 1] == '\r') size--;
  input[size] = '\0';
  if (strcmp(input, "exit") == 0) return 1;
  if (size == 0) return 0;
  if (size > MAX_MESSAGE) size = MAX_MESSAGE;
  if (write_fully(conn, input, size) < 0) {
    perror("send");
    return 1;
  }
  return 0;
}

static int write_fully(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    size -= (size_t)n;
  }
  return 0;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
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

  int poller = epoll_create1(0);
  if (poller < 0) {
    perror("epoll_create1");
    return 1;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = STDIN_FILENO};
  if (epoll_ctl(poller, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0) {
    perror("epoll_ctl(stdin)");
    return 1;
  }
  ev.data.fd = conn;
  if (epoll_ctl(poller, EPOLL_CTL_ADD, conn, &ev) < 0) {
    perror("epoll_ctl(socket)");
    return 1;
  }

  char typed[BLOCK + 1];
  size_t typed_len = 0;
  char received[BLOCK];
  for (;;) {
    struct epoll_event events[2];
    int ready = epoll_wait(poller, events, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < ready; i++) {
      if (events[i].data.fd == conn) {
        ssize_t n = recv(conn, received, sizeof received, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          printf("The server closed the connection.\n");
          close(conn);
          return 0;
        }

        fwrite(received, 1, (size_t)n, stdout);
        if (received[n - 1] != '\n') putchar('\n');
        fflush(stdout);
        continue;
      }
      ssize_t n = read(STDIN_FILENO, typed + typed_len, BLOCK - typed_len);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {

        if (typed_len > 0) process_input(conn, typed, typed_len);
        close(conn);
        return 0;
      }
      typed_len += (size_t)n;
      char *start = typed;
      char *newline;
      while ((newline = memchr(start, '\n', typed_len - (size_t)(start - typed))) != NULL) {
        if (process_input(conn, start, (size_t)(newline - start))) {
          close(conn);
          return 0;
        }
        start = newline + 1;
      }
      typed_len -= (size_t)(start - typed);
      memmove(typed, start, typed_len);
      if (typed_len == BLOCK) {

        if (process_input(conn, typed, typed_len)) {
          close(conn);
          return 0;
        }
        typed_len = 0;
      }
    }
  }
}

