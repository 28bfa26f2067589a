/* ada's chat, as handed in by someone else: names changed, functions moved. */
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
#define NEVENTS 64
#define BLOCK 4096

struct member {
  int fd;
  int id;
  int gone;
  struct member *next;
};

static struct member *peer_list = NULL;
static int counter = 1;

static struct member *lookup(int fd);
static void join_member(int poller, int fd);
static void drop_member(int poller, struct member *c);
static int write_fully(int fd, const char *data, size_t size);
static void relay(int poller, struct member *origin, const char *buf, size_t size);
static void on_readable(int poller, struct member *c);

static void relay(int poller, struct member *origin, const char *buf, size_t size) {
  char message[BLOCK + 32];
  int prefix = snprintf(message, sizeof message, "[Client %d]: ", origin->id);
  memcpy(message + prefix, buf, size);
  size_t total = (size_t)prefix + size;
  for (struct member *c = peer_list; c != NULL; c = c->next) {
    if (c != origin && write_fully(c->fd, message, total) < 0) c->gone = 1;
  }

  struct member *c = peer_list;
  while (c != NULL) {
    struct member *next = c->next;
    if (c->gone) drop_member(poller, c);
    c = next;
  }
}

static struct member *lookup(int fd) {
  for (struct member *c = peer_list; c != NULL; c = c->next) {
    if (c->fd == fd) return c;
  }
  return NULL;
}

static void on_readable(int poller, struct member *c) {
  char buf[BLOCK];
  ssize_t n = recv(c->fd, buf, sizeof buf, 0);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    drop_member(poller, c);
    return;
  }
  printf("[Client %d]: %.*s\n", c->id, (int)n, buf);
  relay(poller, c, buf, (size_t)n);
}

static int write_fully(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    size -= (size_t)n;
  }
  return 0;
}

static void drop_member(int poller, struct member *c) {
  for (struct member **link = &peer_list; *link != NULL; link = &(*link)->next) {
    if (*link == c) {
      *link = c->next;
      break;
    }
  }
  epoll_ctl(poller, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  printf("Client %d left\n", c->id);
  free(c);
}

static void join_member(int poller, int fd) {
  struct member *c = calloc(1, sizeof *c);
  if (c == NULL) {
    close(fd);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  if (epoll_ctl(poller, EPOLL_CTL_ADD, fd, &ev) < 0) {
    perror("epoll_ctl(ADD)");
    free(c);
    close(fd);
    return;
  }
  c->fd = fd;
  c->id = counter++;

  struct member **tail = &peer_list;
  while (*tail != NULL) tail = &(*tail)->next;
  *tail = c;
  printf("Client %d joined\n", c->id);
}

int main(void) {

  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) {
    perror("socket");
    return 1;
  }
  int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("bind");
    return 1;
  }
  if (listen(listener, SOMAXCONN) < 0) {
    perror("listen");
    return 1;
  }

  int poller = epoll_create1(0);
  if (poller < 0) {
    perror("epoll_create1");
    return 1;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  if (epoll_ctl(poller, EPOLL_CTL_ADD, listener, &ev) < 0) {
    perror("epoll_ctl(listener)");
    return 1;
  }
  printf("Chat server listening on 127.0.0.1:%d\n", PORT);

  struct epoll_event events[NEVENTS];
  for (;;) {
    int ready = epoll_wait(poller, events, NEVENTS, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < ready; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int conn = accept(listener, NULL, NULL);
        if (conn >= 0) join_member(poller, conn);
        continue;
      }

      struct member *c = lookup(fd);
      if (c != NULL) on_readable(poller, c);
    }
  }
}

