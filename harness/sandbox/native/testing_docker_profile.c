/*
 * Runs a command as Docker's default profile would leave root (for tests):
 *
 *   testing_docker_profile COMMAND [ARG...]
 *
 * - capabilities: only Docker's default set stays in the bounding set
 *   (CAP_SYS_ADMIN among those gone), so that what root execs has no other;
 * - a seccomp filter as Docker's default one answers a process without
 *   CAP_SYS_ADMIN: unshare(2) and setns(2) fail with EPERM, clone(2) with any
 *   CLONE_NEW* flag fails with EPERM, and clone3(2) fails with ENOSYS (its
 *   flags are out of a filter's reach: the C library falls back to clone).
 *   No new user namespace, then, and no other namespace either.
 *
 * It must start as root with CAP_SYS_ADMIN (to install the filter without
 * no_new_privs, which Docker does not set); the command runs in place (same
 * pid). Test-only: left out of the Gradescope bundle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "testing_docker_profile knows x86_64 and aarch64 only"
#endif

#define NAMESPACE_FLAGS \
  (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* Docker's default capabilities (moby's oci/caps/defaults.go). */
static const int kept[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,     CAP_FOWNER,           CAP_MKNOD,
    CAP_NET_RAW, CAP_SETGID,      CAP_SETUID,     CAP_SETFCAP,          CAP_SETPCAP,
    CAP_NET_BIND_SERVICE,         CAP_SYS_CHROOT, CAP_KILL,             CAP_AUDIT_WRITE,
};

static int is_kept(int cap) {
  for (size_t k = 0; k < sizeof kept / sizeof *kept; k++) {
    if (kept[k] == cap) return 1;
  }
  return 0;
}

static int install_filter(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 5, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setns, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4),
      /* clone: the flags are its first argument on both architectures. */
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NAMESPACE_FLAGS, 0, 2),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof filter / sizeof *filter, filter};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: testing_docker_profile COMMAND [ARG...]\n");
    return 2;
  }
  if (install_filter() != 0) {
    perror("testing_docker_profile: seccomp");
    return 125;
  }
  for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
    if (!is_kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      perror("testing_docker_profile: drop a capability");
      return 125;
    }
  }
  execvp(argv[1], argv + 1);
  fprintf(stderr, "testing_docker_profile: cannot run %s: %s\n", argv[1], strerror(errno));
  return 127;
}
