/*
 * PID 1 of a check's sandbox (new PID, network and mount namespaces).
 *
 * Brings the namespace's loopback interface up, runs the check runner as its
 * only direct child, reaps every orphan that is re-parented to it (students'
 * daemons included), and exits with the runner's status. When PID 1 exits the
 * kernel kills every process left in the namespace, which is how a check
 * guarantees that nothing it started outlives it.
 *
 * With --scratch, it first mounts a tmpfs of SIZE bytes owned by OWNER (a
 * uid) on DIR, seen by every process of the sandbox and by nobody outside:
 * the check's scratch directory, whose size is capped and which vanishes
 * with the sandbox.
 *
 * Usage: sandbox_init [--scratch DIR SIZE OWNER --] COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t runner = -1;

static void forward_signal(int sig) {
  if (runner > 0) kill(runner, sig);
}

static int bring_loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
  if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  close(fd);
  return rc;
}

static int mount_scratch(const char *dir, const char *size, const char *owner) {
  char options[160];
  unsigned long id = strtoul(owner, NULL, 10);
  snprintf(options, sizeof options, "size=%s,nr_inodes=65536,mode=0700,uid=%lu,gid=%lu", size, id, id);
  return mount("socklab-scratch", dir, "tmpfs", MS_NOSUID | MS_NODEV, options);
}

int main(int argc, char **argv) {
  if (argc >= 6 && strcmp(argv[1], "--scratch") == 0 && strcmp(argv[5], "--") == 0) {
    if (mount_scratch(argv[2], argv[3], argv[4]) != 0) {
      fprintf(stderr, "sandbox_init: cannot mount the scratch directory %s: %s\n", argv[2], strerror(errno));
      return 125;
    }
    argv += 5;
    argc -= 5;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: %s [--scratch DIR SIZE OWNER --] COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  if (bring_loopback_up() != 0) {
    fprintf(stderr, "sandbox_init: cannot bring up lo: %s\n", strerror(errno));
    return 125;
  }
  runner = fork();
  if (runner < 0) {
    perror("sandbox_init: fork");
    return 125;
  }
  if (runner == 0) {
    execvp(argv[1], argv + 1);
    fprintf(stderr, "sandbox_init: cannot run %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return 125;
    }
    if (pid == runner) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
  }
}
