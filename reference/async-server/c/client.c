/*
 * Reference upload client: sends test-file.txt from the working directory
 * to 127.0.0.1:5000 in full, continuing every short send, prints its
 * progress every 10 MB, then closes and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 5000
#define CHUNK (1024 * 1024)
#define PROGRESS_STEP (10ULL * 1000 * 1000)

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

int main(void) {
  int file = open("test-file.txt", O_RDONLY);
  if (file < 0) {
    perror("test-file.txt");
    return 1;
  }
  int conn = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(conn, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("connect");
    return 1;
  }
  static char chunk[CHUNK];
  unsigned long long sent = 0, next_report = PROGRESS_STEP;
  for (;;) {
    ssize_t n = read(file, chunk, sizeof chunk);
    if (n < 0) {
      perror("read");
      return 1;
    }
    if (n == 0) break;
    if (send_all(conn, chunk, (size_t)n) < 0) {
      perror("send");
      return 1;
    }
    sent += (unsigned long long)n;
    while (sent >= next_report) {
      printf("Sent %llu MB\n", next_report / 1000000);
      next_report += PROGRESS_STEP;
    }
  }
  printf("Sent %llu bytes in all\n", sent);
  close(file);
  close(conn);
  return 0;
}
