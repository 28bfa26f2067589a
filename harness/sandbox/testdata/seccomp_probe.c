/*
 * Tries each call the jail's seccomp policy refuses, with arguments that
 * would fail harmlessly with another error (or succeed harmlessly) were it
 * let through, and a few calls every lab needs. Prints "NAME ERRNO-NAME" per
 * call ("ok" when it succeeded). Used by jail_test.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *name, long result) {
  printf("%s %s\n", name, result >= 0 ? "ok" : strerrorname_np(errno));
}

static void *thread_body(void *arg) { return arg; }

int main(void) {
  /* Refused: each would otherwise fail with the error in the comment, or do nothing. */
  show("unshare-newuser", unshare(CLONE_NEWUSER | 0x1));                     /* EINVAL */
  show("clone-newuser", syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0, 0)); /* EINVAL */
  show("clone3", syscall(SYS_clone3, NULL, 0));                              /* EINVAL/EFAULT */
  show("setns", setns(-1, 0));                                               /* EBADF */
  show("mount", mount("none", "/nonexistent-socklab", "tmpfs", 0, NULL));    /* ENOENT */
  show("umount2", umount2("/nonexistent-socklab", 0));                       /* ENOENT */
  show("pivot_root", syscall(SYS_pivot_root, "/nonexistent-socklab", "/nonexistent-socklab"));
  show("chroot", chroot("/nonexistent-socklab"));                            /* ENOENT */
  show("fsopen", syscall(430, "nonexistent-socklab-fs", 0));                 /* ENODEV */
  show("open_tree", syscall(428, -1, "/nonexistent-socklab", 0));           /* ENOENT */
  show("ptrace", syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 0x3fffffff, 0, 0)); /* ESRCH */
  show("process_vm_readv", syscall(SYS_process_vm_readv, 0x3fffffff, NULL, 0, NULL, 0, 0));
  show("bpf", syscall(SYS_bpf, -1, NULL, 0));                                /* EINVAL */
  show("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0)); /* EFAULT */
  show("userfaultfd", syscall(SYS_userfaultfd, ~0));                         /* EINVAL */
  show("io_uring_setup", syscall(425, 0, NULL));                             /* EINVAL/EFAULT */
  show("add_key", syscall(SYS_add_key, "socklab-none", "x", "y", 1, KEY_SPEC_SESSION_KEYRING)); /* ENODEV */
  show("request_key", syscall(SYS_request_key, "socklab-none", "x", NULL, 0));
  show("keyctl-describe", syscall(SYS_keyctl, KEYCTL_DESCRIBE, 0, NULL, 0));
  show("keyctl-join-named", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "socklab-named"));
  show("delete_module", syscall(SYS_delete_module, "nonexistent_socklab", 0)); /* ENOENT */
  show("finit_module", syscall(SYS_finit_module, -1, "", 0));               /* EBADF */
  show("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0xffffffffUL));    /* EINVAL */
  show("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));                       /* EINVAL */
  show("swapon", syscall(SYS_swapon, "/nonexistent-socklab", 0));          /* ENOENT */
  show("acct", syscall(SYS_acct, "/nonexistent-socklab"));                  /* ENOENT */
  show("settimeofday", syscall(SYS_settimeofday, NULL, NULL));             /* does nothing */
  struct timespec now = {0, 0};
  show("clock_settime", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &now)); /* EINVAL */
  show("sethostname", syscall(SYS_sethostname, NULL, 65));                  /* EINVAL */
  show("syslog", syscall(SYS_syslog, 99, NULL, 0));                         /* EINVAL */
  show("personality-norandom", personality(PER_LINUX | ADDR_NO_RANDOMIZE)); /* its own only */
  show("ioctl-tiocsti", ioctl(0, TIOCSTI, "x"));                            /* ENOTTY: stdin is a pipe */
  show("socket-vsock", socket(40, SOCK_STREAM, 0));
#ifdef __x86_64__
  show("x32-getpid", syscall(0x40000000 | SYS_getpid));                     /* ENOSYS */
  long i386_pid;
  __asm__ volatile("int $0x80" : "=a"(i386_pid) : "a"(20) : "memory");     /* getpid of i386 */
  errno = i386_pid < 0 ? (int)-i386_pid : 0;
  show("i386-getpid", i386_pid < 0 ? -1 : i386_pid);
#endif
  /* Allowed: what the labs, make, cc and python3 do. */
  show("socket-inet", socket(AF_INET, SOCK_STREAM, 0));
  show("epoll_create1", epoll_create1(0));
  int ends[2];
  show("pipe2", pipe2(ends, O_CLOEXEC));
  pthread_t thread;
  int made = pthread_create(&thread, NULL, thread_body, NULL);
  errno = made;
  show("pthread_create", made == 0 ? 0 : -1);
  if (made == 0) pthread_join(thread, NULL);
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status = -1;
  if (child > 0) waitpid(child, &status, 0);
  show("fork", child > 0 && status == 0 ? 0 : -1);
  show("unshare-files", unshare(CLONE_FILES));
  show("keyctl-join-anonymous", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL));
  show("personality-query", personality(0xffffffff));
  char buffer[1];
  show("read-fd-8", read(8, buffer, 1));
  show("write-fd-9", write(9, "x", 1));
  return 0;
}
