/*
 * Reference server of the multiplexed chat.
 *
 * Listens on 127.0.0.1:5000 and serves any number of clients from one thread
 * with epoll. Whatever a client sends is passed on, prefixed with the
 * sender's id ("[Client 3]: "), to every other connected client, never back
 * to the sender. TCP keeps no message boundaries, so the server forwards
 * each chunk recv() returns as it is: it never waits for a terminator.
 *
 * A client that leaves (recv() returns 0) or whose connection fails (a reset:
 * recv() returns -1) is taken out of the epoll set, closed and forgotten.
 * Sends use MSG_NOSIGNAL, so writing to a connection the peer has already
 * reset returns EPIPE instead of killing the server with SIGPIPE. A client
 * that does not read, so that its send buffer fills up, is dropped rather
 * than allowed to stall everyone else.
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
#define MAX_EVENTS 64
#define CHUNK 4096

/* The connected clients, in the order they joined. */
struct client {
  int fd;
  int id;
  int gone; /* a send failed: drop it once the broadcast is over */
  struct client *next;
};

static struct client *clients = NULL;
static int next_id = 1;

static struct client *find_client(int fd) {
  for (struct client *c = clients; c != NULL; c = c->next) {
    if (c->fd == fd) return c;
  }
  return NULL;
}

static void add_client(int epfd, int fd) {
  struct client *c = calloc(1, sizeof *c);
  if (c == NULL) {
    close(fd);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    perror("epoll_ctl(ADD)");
    free(c);
    close(fd);
    return;
  }
  c->fd = fd;
  c->id = next_id++;
  /* Append, so that clients are served in the order they joined. */
  struct client **tail = &clients;
  while (*tail != NULL) tail = &(*tail)->next;
  *tail = c;
  printf("Client %d joined\n", c->id);
}

static void remove_client(int epfd, struct client *c) {
  for (struct client **link = &clients; *link != NULL; link = &(*link)->next) {
    if (*link == c) {
      *link = c->next;
      break;
    }
  }
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  printf("Client %d left\n", c->id);
  free(c);
}

/* Sends all of data without blocking; -1 if the client cannot take it. */
static int send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1; /* EPIPE, ECONNRESET, or EAGAIN: a full buffer */
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

static void broadcast(int epfd, struct client *from, const char *text, size_t len) {
  char message[CHUNK + 32];
  int prefix = snprintf(message, sizeof message, "[Client %d]: ", from->id);
  memcpy(message + prefix, text, len);
  size_t total = (size_t)prefix + len;
  for (struct client *c = clients; c != NULL; c = c->next) {
    if (c != from && send_all(c->fd, message, total) < 0) c->gone = 1;
  }
  /* Unlink the failed ones only now: the loop above walks the list. */
  struct client *c = clients;
  while (c != NULL) {
    struct client *next = c->next;
    if (c->gone) remove_client(epfd, c);
    c = next;
  }
}

static void serve_client(int epfd, struct client *c) {
  char text[CHUNK];
  ssize_t n = recv(c->fd, text, sizeof text, 0);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    remove_client(epfd, c); /* 0: closed; -1: reset or another failure */
    return;
  }
  printf("[Client %d]: %.*s\n", c->id, (int)n, text);
  broadcast(epfd, c, text, (size_t)n);
}

int main(void) {
  /* Belt and braces: MSG_NOSIGNAL already keeps sends from raising it. */
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

  int epfd = epoll_create1(0);
  if (epfd < 0) {
    perror("epoll_create1");
    return 1;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev) < 0) {
    perror("epoll_ctl(listener)");
    return 1;
  }
  printf("Chat server listening on 127.0.0.1:%d\n", PORT);

  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int ready = epoll_wait(epfd, events, MAX_EVENTS, -1);
    if (ready < 0) {
      if (errno == EINTR) continue; /* e.g. stopped and continued */
      perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < ready; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int conn = accept(listener, NULL, NULL);
        if (conn >= 0) add_client(epfd, conn);
        continue;
      }
      /* A client removed earlier in this batch may still have an event. */
      struct client *c = find_client(fd);
      if (c != NULL) serve_client(epfd, c);
    }
  }
}
