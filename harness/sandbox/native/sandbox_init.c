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
 * A warm check runner serves several checks in one sandbox. Between two, it
 * sends SIGUSR1: PID 1 then makes the sandbox as a new one would be — every
 * process but the runner killed, no TCP socket left, a new empty scratch
 * tmpfs, no System V IPC object nor POSIX message queue (ipc_sweep.h) — and
 * answers SIGUSR2. If it cannot within RESET_MS, it exits,
 * which ends the sandbox and the runner with it: the grader starts another.
 * The namespace keeps no TIME_WAIT sockets (tcp_max_tw_buckets is 0 in it),
 * so that a check never inherits a port the previous one left waiting.
 *
 * Usage: sandbox_init [--scratch DIR SIZE OWNER --] COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc_sweep.h"

/* The longest a reset between two checks may take before the sandbox gives up. */
#define RESET_MS 3000

static pid_t runner = -1;
static int runner_status = -1;
static const char *scratch_dir, *scratch_size, *scratch_owner;

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

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Reaps every exited child (orphans of the sandbox are re-parented here); notes the runner's status. */
static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == runner) runner_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}

/* The state letter of /proc/PID/stat, or 0 if the process is gone. */
static char process_state(pid_t pid) {
  char path[64], text[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  char *end = strrchr(text, ')');
  return end && end[1] == ' ' ? end[2] : 0;
}

/* Sends SIGKILL to every live process but PID 1 and the runner; returns how many there were. */
static int kill_all_but_runner(void) {
  DIR *proc = opendir("/proc");
  if (!proc) return -1;
  int alive = 0;
  struct dirent *entry;
  while ((entry = readdir(proc)) != NULL) {
    if (!isdigit((unsigned char)entry->d_name[0])) continue;
    pid_t pid = (pid_t)atoi(entry->d_name);
    if (pid == 1 || pid == runner) continue;
    char state = process_state(pid);
    /* A zombie is dead already: its parent (the runner, or this loop's reap) collects it. */
    if (state == 0 || state == 'Z' || state == 'X') continue;
    kill(pid, SIGKILL);
    alive++;
  }
  closedir(proc);
  return alive;
}

/* TCP sockets of the namespace, in any state (a TIME_WAIT one would hold a port). */
static int tcp_sockets(void) {
  static const char *tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
  int count = 0;
  for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
    FILE *f = fopen(tables[i], "r");
    if (!f) continue;
    char line[512];
    int lines = 0;
    while (fgets(line, sizeof line, f)) lines++;
    fclose(f);
    if (lines > 1) count += lines - 1;
  }
  return count;
}

static int mount_scratch(void) {
  char options[160];
  unsigned long id = strtoul(scratch_owner, NULL, 10);
  snprintf(options, sizeof options, "size=%s,nr_inodes=65536,mode=0700,uid=%lu,gid=%lu", scratch_size, id, id);
  return mount("socklab-scratch", scratch_dir, "tmpfs", MS_NOSUID | MS_NODEV, options);
}

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static void close_range_from_3(void) {
  if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0) return;
  for (int fd = 3; fd < 65536; fd++) close(fd);
}

/* Makes the sandbox as a new one would be for the runner's next check; 0 on success. */
static int reset_sandbox(void) {
  long deadline = now_ms() + RESET_MS;
  for (;;) {
    int alive = kill_all_but_runner();
    reap();
    if (alive == 0) break;
    if (alive < 0 || runner_status >= 0 || now_ms() > deadline) return -1;
    pause_ms(1);
  }
  /* Sockets of killed processes close on loopback within moments: wait for that, not longer. */
  while (tcp_sockets() > 0) {
    if (now_ms() > deadline) return -1;
    pause_ms(1);
  }
  /* The sandbox's IPC namespace outlives a check: what the check made in it goes. */
  if (sweep_ipc(SWEEP_EVERY_OWNER) < 0) return -1;
  if (scratch_dir) {
    if (umount2(scratch_dir, MNT_DETACH) != 0 || mount_scratch() != 0) return -1;
  }
  return 0;
}

/*
 * Moves the sandbox into a network namespace with a TCP hash table of its
 * own, sized for a check. By default every namespace shares the host's
 * table (262144 buckets here), and each read of /proc/net/tcp walks all of
 * it: 5 ms, which the checks' many looks at their sockets turned into most
 * of a grading's CPU time. Kernels before 6.1 know no such table; the
 * sandbox then stays in the namespace it was given.
 */
static void use_own_tcp_table(void) {
  FILE *f = fopen("/proc/sys/net/ipv4/tcp_child_ehash_entries", "w");
  if (!f) return;
  int written = fputs("1024\n", f) >= 0;
  if (fclose(f) != 0 || !written) return;
  unshare(CLONE_NEWNET);
}

static void keep_no_time_wait(void) {
  FILE *f = fopen("/proc/sys/net/ipv4/tcp_max_tw_buckets", "w");
  if (!f) return;
  fputs("0\n", f);
  fclose(f);
}

int main(int argc, char **argv) {
  /* Descriptors the grader was started with (`9>>file`) reach neither the runner nor the programs. */
  close_range_from_3();
  if (argc >= 6 && strcmp(argv[1], "--scratch") == 0 && strcmp(argv[5], "--") == 0) {
    scratch_dir = argv[2];
    scratch_size = argv[3];
    scratch_owner = argv[4];
    if (mount_scratch() != 0) {
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
  /* The reset sweeps every IPC object of its namespace: it must be one of the
     sandbox's own, whatever the command line that started this PID 1. */
  if (unshare(CLONE_NEWIPC) != 0) {
    fprintf(stderr, "sandbox_init: cannot make an IPC namespace: %s\n", strerror(errno));
    return 125;
  }
  use_own_tcp_table();
  if (bring_loopback_up() != 0) {
    fprintf(stderr, "sandbox_init: cannot bring up lo: %s\n", strerror(errno));
    return 125;
  }
  keep_no_time_wait();
  /* Signals are taken one at a time from the loop below, never in a handler. */
  sigset_t handled, previous;
  sigemptyset(&handled);
  int taken[] = {SIGCHLD, SIGUSR1, SIGTERM, SIGINT, SIGHUP};
  for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) sigaddset(&handled, taken[i]);
  sigprocmask(SIG_BLOCK, &handled, &previous);
  runner = fork();
  if (runner < 0) {
    perror("sandbox_init: fork");
    return 125;
  }
  if (runner == 0) {
    sigprocmask(SIG_SETMASK, &previous, NULL);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "sandbox_init: cannot run %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }
  for (;;) {
    reap();
    if (runner_status >= 0) return runner_status;
    int sig = sigwaitinfo(&handled, NULL);
    if (sig < 0) continue;
    if (sig == SIGUSR1) {
      if (reset_sandbox() != 0) return runner_status >= 0 ? runner_status : 0;
      kill(runner, SIGUSR2);
    } else if (sig != SIGCHLD) {
      kill(runner, sig);
    }
  }
}
