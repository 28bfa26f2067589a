/*
 * Reference fork-per-client server: ./server PORT
 *
 * Each connection is served by a child process: it receives one request, a
 * decimal number n, replies with fib(n) (fib(0) = fib(1) = 1), or with
 * "out of range" for n > 34 or anything that is not a number, and exits.
 * The parent closes its copy of the connection at once, keeps accepting,
 * and reaps its children. SIGINT or SIGTERM end it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_N 34
#define MAX_REQUEST 64

static volatile sig_atomic_t stopping = 0;

static void on_stop(int sig) {
  (void)sig;
  stopping = 1;
}

static void reap_children(int sig) {
  (void)sig;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static long fib(int n) { return n < 2 ? 1 : fib(n - 1) + fib(n - 2); }

/* Parses a request: digits only, a trailing newline allowed; -1 if not. */
static int parse_request(char *text) {
  size_t len = strlen(text);
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) text[--len] = '\0';
  if (len == 0 || len > 9) return -1;
  for (size_t i = 0; i < len; i++) {
    if (!isdigit((unsigned char)text[i])) return -1;
  }
  return atoi(text);
}

static void serve(int conn) {
  char request[MAX_REQUEST + 1];
  ssize_t n = recv(conn, request, MAX_REQUEST, 0);
  request[n > 0 ? n : 0] = '\0';
  int value = parse_request(request);
  char reply[32];
  if (value < 0 || value > MAX_N) {
    snprintf(reply, sizeof reply, "out of range");
  } else {
    snprintf(reply, sizeof reply, "%ld", fib(value));
  }
  send(conn, reply, strlen(reply), MSG_NOSIGNAL);
  close(conn);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  struct sigaction stop = {.sa_handler = on_stop};
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGTERM, &stop, NULL);
  struct sigaction reap = {.sa_handler = reap_children, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
  sigaction(SIGCHLD, &reap, NULL);

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 64) < 0) {
    perror("bind/listen");
    return 1;
  }
  printf("Listening on port %s\n", argv[1]);
  fflush(stdout);
  while (!stopping) {
    int conn = accept(listener, NULL, NULL);
    if (conn < 0) {
      if (errno == EINTR) continue;
      perror("accept");
      continue;
    }
    pid_t child = fork();
    if (child == 0) {
      close(listener);
      serve(conn);
      _exit(0);
    }
    if (child < 0) perror("fork");
    close(conn);
  }
  close(listener);
  return 0;
}
