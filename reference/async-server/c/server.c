/*
 * Reference upload server: waits for connections with epoll and serves each
 * client in a child process of its own.
 *
 * A client uploads a byte stream and closes its side; the child reads to the
 * end, prints "Received N bytes from HOST:PORT", closes and exits. The parent
 * closes its copy of every connection at once, keeps accepting, and reaps its
 * children.
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
#include <sys/wait.h>
#include <unistd.h>

#define PORT 5000
#define BUFFER_SIZE (256 * 1024)

static void reap_children(int sig) {
  (void)sig;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static void receive_upload(int conn, const struct sockaddr_in *peer) {
  static char buffer[BUFFER_SIZE];
  unsigned long long total = 0;
  for (;;) {
    ssize_t n = recv(conn, buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("recv");
      break;
    }
    total += (unsigned long long)n;
  }
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &peer->sin_addr, host, sizeof host);
  printf("Received %llu bytes from %s:%d\n", total, host, ntohs(peer->sin_port));
  fflush(stdout);
  close(conn);
}

int main(void) {
  struct sigaction reap = {.sa_handler = reap_children, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
  sigaction(SIGCHLD, &reap, NULL);

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 64) < 0) {
    perror("bind/listen");
    return 1;
  }
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event watch = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &watch);
  printf("Listening on 127.0.0.1:%d\n", PORT);
  fflush(stdout);

  struct epoll_event events[16];
  for (;;) {
    int ready = epoll_wait(epoll, events, 16, -1);
    if (ready < 0) {
      if (errno == EINTR) continue; /* a child ended */
      perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < ready; i++) {
      if (events[i].data.fd != listener) continue;
      struct sockaddr_in peer;
      socklen_t peer_len = sizeof peer;
      int conn = accept(listener, (struct sockaddr *)&peer, &peer_len);
      if (conn < 0) continue;
      pid_t child = fork();
      if (child == 0) {
        close(epoll);
        close(listener);
        receive_upload(conn, &peer);
        _exit(0);
      }
      if (child < 0) perror("fork");
      close(conn);
    }
  }
}
