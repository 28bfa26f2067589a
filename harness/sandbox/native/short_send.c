/*
 * LD_PRELOAD shim: every send on a socket moves at most SOCKLAB_SHORT_SEND
 * bytes (default 65536) and returns that count, as the kernel may do.
 *
 * A blocking send on Linux almost never returns short, so a client that
 * ignores send()'s return value works by luck; under this shim it loses
 * data, deterministically. A client with a proper send loop is unaffected.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t cap(void) {
  static size_t limit = 0;
  if (limit == 0) {
    const char *value = getenv("SOCKLAB_SHORT_SEND");
    limit = value ? strtoul(value, NULL, 10) : 65536;
    if (limit == 0) limit = 65536;
  }
  return limit;
}

static int is_socket(int fd) {
  struct stat info;
  return fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
  static ssize_t (*real_send)(int, const void *, size_t, int);
  if (!real_send) real_send = (ssize_t (*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
  return real_send(fd, buf, len > cap() ? cap() : len, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t to_len) {
  static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
  if (!real_sendto) {
    real_sendto = (ssize_t (*)(int, const void *, size_t, int, const struct sockaddr *, socklen_t))dlsym(
        RTLD_NEXT, "sendto");
  }
  return real_sendto(fd, buf, len > cap() ? cap() : len, flags, to, to_len);
}

ssize_t write(int fd, const void *buf, size_t len) {
  static ssize_t (*real_write)(int, const void *, size_t);
  if (!real_write) real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
  if (len > cap() && is_socket(fd)) len = cap();
  return real_write(fd, buf, len);
}
