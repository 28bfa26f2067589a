/*
 * The last steps of the jail before it execs student code, in every
 * isolation mode: a session keyring of its own, only stdin, stdout and
 * stderr open, no_new_privs and the seccomp policy (seccomp_policy.h).
 */
#ifndef SOCKLAB_STUDENT_CONFINEMENT_H
#define SOCKLAB_STUDENT_CONFINEMENT_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp_policy.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

static void confinement_fails(const char *what) {
  fprintf(stderr, "jail: %s: %s\n", what, strerror(errno));
  exit(126);
}

/*
 * Closes every descriptor but 0, 1 and 2: whatever the grader was started
 * with (a CI step's `8<secret 9>>file`) is not the student's. Kernels before
 * 5.9 have no close_range; the descriptors are then listed in /proc.
 */
static void close_inherited_descriptors(void) {
  if (syscall(__NR_close_range, 3u, ~0u, 0u) == 0) return;
  DIR *fds = opendir("/proc/self/fd");
  if (!fds) confinement_fails("list open descriptors");
  int own = dirfd(fds);
  struct dirent *entry;
  while ((entry = readdir(fds)) != NULL) {
    int fd = atoi(entry->d_name);
    if (fd > 2 && fd != own) close(fd);
  }
  closedir(fds);
}

/*
 * A new anonymous session keyring, owned by the uid the program runs as: it
 * does not see the grader's session keyring (whose keys a possessor may
 * read), and goes when the program's last process does. Where the kernel
 * has no keys, or a container's own seccomp profile refuses them (Docker's
 * does), there is nothing to keep apart: the program cannot reach any key.
 */
static void join_fresh_session_keyring(void) {
  if (syscall(__NR_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) >= 0) return;
  if (errno == ENOSYS || errno == EPERM || errno == EACCES) return;
  confinement_fails("a session keyring of its own");
}

static void confine_student_code(void) {
  join_fresh_session_keyring();
  close_inherited_descriptors();
  if (install_seccomp_policy() != 0) {
    if (errno == ENOTSUP) {
      fprintf(stderr, "jail: no seccomp policy for this machine's architecture (x86_64 and aarch64 have one)\n");
      exit(126);
    }
    confinement_fails("install the seccomp policy");
  }
}

#endif
