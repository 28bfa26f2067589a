/*
 * Runs a student program with limits, inside a check's sandbox.
 *
 *   jail [--rw DIR]... [--uid N] [--cpu SECONDS] [--as BYTES] [--nproc N]
 *        [--nofile N] [--fsize BYTES] -- COMMAND [ARG...]
 *
 * --rw     the whole filesystem becomes read-only for the program, except the
 *          named directories (a private mount namespace, so nothing changes
 *          for anyone else). Without --rw the filesystem is left as it is.
 * --uid    run as this unprivileged uid (and gid) when started as real root,
 *          so that the process limit applies and root's rights do not; where
 *          uids cannot be changed (a user namespace) the program keeps its own.
 * others   resource limits (setrlimit): CPU time, address space, processes of
 *          the uid, open files, size of a file written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_RW 16

static void die(const char *what) {
  fprintf(stderr, "jail: %s: %s\n", what, strerror(errno));
  exit(126);
}

static int set_readonly(const char *path, int readonly) {
  struct mount_attr attr;
  memset(&attr, 0, sizeof attr);
  if (readonly) attr.attr_set = MOUNT_ATTR_RDONLY;
  else attr.attr_clr = MOUNT_ATTR_RDONLY;
  return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr);
}

static void limit(int resource, const char *value) {
  if (!value) return;
  rlim_t n = (rlim_t)strtoull(value, NULL, 10);
  struct rlimit rl = {n, n};
  if (setrlimit(resource, &rl) != 0) die("setrlimit");
}

int main(int argc, char **argv) {
  const char *rw[MAX_RW];
  int rw_count = 0;
  const char *uid = NULL, *cpu = NULL, *as = NULL, *nproc = NULL, *nofile = NULL, *fsize = NULL;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
    if (i + 1 >= argc) break;
    const char *opt = argv[i], *val = argv[i + 1];
    if (strcmp(opt, "--rw") == 0 && rw_count < MAX_RW) rw[rw_count++] = val;
    else if (strcmp(opt, "--uid") == 0) uid = val;
    else if (strcmp(opt, "--cpu") == 0) cpu = val;
    else if (strcmp(opt, "--as") == 0) as = val;
    else if (strcmp(opt, "--nproc") == 0) nproc = val;
    else if (strcmp(opt, "--nofile") == 0) nofile = val;
    else if (strcmp(opt, "--fsize") == 0) fsize = val;
    else {
      fprintf(stderr, "jail: unknown option %s\n", opt);
      return 126;
    }
  }
  if (i >= argc - 1) {
    fprintf(stderr, "usage: jail [options] -- COMMAND [ARG...]\n");
    return 126;
  }
  char **command = argv + i + 1;

  if (rw_count > 0) {
    if (unshare(CLONE_NEWNS) != 0) die("unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("make / private");
    /* Each writable directory becomes a mount of its own, so it can be
       exempted after everything else is made read-only. */
    for (int k = 0; k < rw_count; k++) {
      if (mount(rw[k], rw[k], NULL, MS_BIND | MS_REC, NULL) != 0) die(rw[k]);
    }
    if (set_readonly("/", 1) != 0) die("make / read-only");
    for (int k = 0; k < rw_count; k++) {
      if (set_readonly(rw[k], 0) != 0) die(rw[k]);
    }
    /* The working directory still points into the old, now read-only mount:
       look it up again so that it goes through the writable bind mount. */
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) != NULL && chdir(cwd) != 0) die("chdir");
  }

  limit(RLIMIT_CPU, cpu);
  limit(RLIMIT_AS, as);
  limit(RLIMIT_NOFILE, nofile);
  limit(RLIMIT_FSIZE, fsize);

  if (uid && geteuid() == 0) {
    uid_t id = (uid_t)strtoul(uid, NULL, 10);
    /* In a user namespace only our own uid is mapped: keep it. */
    if (setgroups(0, NULL) == 0 && setgid(id) == 0) {
      if (setuid(id) != 0) die("setuid");
    }
  }
  /* After the uid change, so that it counts the new uid's processes. */
  limit(RLIMIT_NPROC, nproc);

  execvp(command[0], command);
  fprintf(stderr, "jail: cannot run %s: %s\n", command[0], strerror(errno));
  return 127;
}
