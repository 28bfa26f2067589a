/*
 * The seccomp policy of student code (the jail installs it just before it
 * execs the program, make or python3; every child inherits it).
 *
 * Default allow, and a list of refusals, each answered with EPERM (never a
 * kill: a correct program that happens to try one of them sees an ordinary
 * error and goes on). A socket lab needs a broad set of calls: sockets,
 * epoll/poll/select, threads and processes, signals, pipes, files, exec of
 * the built programs, python3, and make and cc for the build. A default-deny
 * list of them would refuse whatever glibc, Python or GCC calls next year
 * for the first time; so, like Docker's default profile, this denies what
 * reaches past the sandbox or the kernel's common surface, and leaves the
 * rest to the namespaces, the uid and the resource limits.
 *
 * Refused:
 *  - new namespaces: unshare/clone with a CLONE_NEW* flag, setns; clone3
 *    answers ENOSYS (its flags live in memory a filter cannot read), and
 *    glibc then falls back to clone, whose flags are checked;
 *  - other processes' memory and descriptors: ptrace, process_vm_readv/
 *    writev, process_madvise, pidfd_getfd, kcmp;
 *  - mounts: mount, umount2, pivot_root, chroot, and the new mount API
 *    (open_tree, move_mount, fsopen, fsconfig, fsmount, fspick,
 *    mount_setattr, open_tree_attr);
 *  - the kernel's wider surface: bpf, perf_event_open, userfaultfd,
 *    io_uring_* (its operations run in kernel threads, out of this filter's
 *    sight, and it has been the source of many privilege escalations; the
 *    labs use epoll), fanotify_init, open_by_handle_at;
 *  - keys: add_key, request_key, and every keyctl but joining a new
 *    anonymous session keyring, so nothing is left in the kernel's key
 *    store after the program (and no key the grader holds is read);
 *  - the machine's state: kernel modules, kexec, reboot, swapon/off, acct,
 *    settimeofday, clock_settime, clock_adjtime, adjtimex, sethostname,
 *    setdomainname, syslog, quotactl, vhangup, move_pages, migrate_pages,
 *    iopl/ioperm/modify_ldt, lookup_dcookie, uselib, nfsservctl;
 *  - personality changes other than the ones Docker allows (0, 8, 0x20000,
 *    0x20008 and the query 0xffffffff): ADDR_NO_RANDOMIZE and friends;
 *  - ioctl TIOCSTI and TIOCLINUX (typing into a terminal), and AF_VSOCK
 *    sockets (a network namespace does not cover them);
 *  - every call of another ABI than the native one (i386 through int 0x80,
 *    x32, arm32): their numbers differ, so this list would not hold there.
 *
 * The architecture is the one the jail is compiled for: x86_64 or aarch64.
 * Elsewhere install_seccomp_policy fails with ENOTSUP and the jail says so.
 */
#ifndef SOCKLAB_SECCOMP_POLICY_H
#define SOCKLAB_SECCOMP_POLICY_H

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define POLICY_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define POLICY_ARCH AUDIT_ARCH_AARCH64
#endif

/* Calls newer than the C library's headers: numbered alike on every architecture since Linux 5.1. */
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif
#ifndef __NR_fspick
#define __NR_fspick 433
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise 440
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_quotactl_fd
#define __NR_quotactl_fd 443
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* Every flag that makes a namespace. clone() takes the exit signal in its low
   byte, where unshare() has CLONE_NEWTIME: each is checked against its own. */
#define POLICY_CLONE_NEW                                                                          \
  (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
   CLONE_NEWNET)
#define POLICY_UNSHARE_NEW (POLICY_CLONE_NEW | CLONE_NEWTIME)

static const int policy_refused[] = {
    __NR_setns, __NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev, __NR_process_madvise,
    __NR_pidfd_getfd, __NR_kcmp, __NR_mount, __NR_umount2, __NR_pivot_root, __NR_chroot,
    __NR_open_tree, __NR_move_mount, __NR_fsopen, __NR_fsconfig, __NR_fsmount, __NR_fspick,
    __NR_mount_setattr, __NR_open_tree_attr, __NR_bpf, __NR_perf_event_open, __NR_userfaultfd,
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register, __NR_fanotify_init,
    __NR_open_by_handle_at, __NR_add_key, __NR_request_key, __NR_init_module, __NR_finit_module,
    __NR_delete_module, __NR_kexec_load, __NR_kexec_file_load, __NR_reboot, __NR_swapon, __NR_swapoff,
    __NR_acct, __NR_settimeofday, __NR_clock_settime, __NR_clock_adjtime, __NR_adjtimex,
    __NR_sethostname, __NR_setdomainname, __NR_syslog, __NR_quotactl, __NR_quotactl_fd, __NR_vhangup,
    __NR_move_pages, __NR_migrate_pages,
/* Gone from the headers of some architectures or of recent kernels. */
#ifdef __NR_lookup_dcookie
    __NR_lookup_dcookie,
#endif
#ifdef __NR_iopl
    __NR_iopl,
#endif
#ifdef __NR_ioperm
    __NR_ioperm,
#endif
#ifdef __NR_modify_ldt
    __NR_modify_ldt,
#endif
#ifdef __NR_uselib
    __NR_uselib,
#endif
#ifdef __NR_nfsservctl
    __NR_nfsservctl,
#endif
#ifdef __NR_create_module
    __NR_create_module,
#endif
};

/* The personalities a program may take (Docker's list): no ADDR_NO_RANDOMIZE. */
static const unsigned policy_personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffffu};

#define POLICY_MAX_INSNS 256
#define POLICY_ARG_LOW(n) (offsetof(struct seccomp_data, args) + 8 * (n) + (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0 : 4))
#define POLICY_ARG_HIGH(n) (offsetof(struct seccomp_data, args) + 8 * (n) + (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 4 : 0))

struct policy_program {
  struct sock_filter insns[POLICY_MAX_INSNS];
  unsigned short length;
};

static void policy_op(struct policy_program *p, unsigned short code, unsigned k, unsigned char jt,
                      unsigned char jf) {
  if (p->length < POLICY_MAX_INSNS) {
    struct sock_filter insn = {.code = code, .jt = jt, .jf = jf, .k = k};
    p->insns[p->length] = insn;
  }
  p->length++;
}

static void policy_load(struct policy_program *p, unsigned offset) {
  policy_op(p, BPF_LD | BPF_W | BPF_ABS, offset, 0, 0);
}

static void policy_refuse_now(struct policy_program *p, int error) {
  policy_op(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)error & SECCOMP_RET_DATA), 0, 0);
}

static void policy_allow_now(struct policy_program *p) {
  policy_op(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

/* If A == value go on with the next instruction, else skip `skip` of them. */
static void policy_if_equal(struct policy_program *p, unsigned value, unsigned char skip) {
  policy_op(p, BPF_JMP | BPF_JEQ | BPF_K, value, 0, skip);
}

/* A call refused whatever its arguments. */
static void policy_refuse(struct policy_program *p, int nr, int error) {
  policy_if_equal(p, (unsigned)nr, 1);
  policy_refuse_now(p, error);
}

/* A call refused when the low word of argument `arg` has any bit of `mask`. */
static void policy_refuse_flags(struct policy_program *p, int nr, int arg, unsigned mask) {
  policy_if_equal(p, (unsigned)nr, 4);
  policy_load(p, POLICY_ARG_LOW(arg));
  policy_op(p, BPF_JMP | BPF_JSET | BPF_K, mask, 0, 1);
  policy_refuse_now(p, EPERM);
  policy_allow_now(p);
}

/* A call refused when the low word of argument `arg` is one of `values` (or, with `allowed`, none of them). */
static void policy_match_values(struct policy_program *p, int nr, int arg, const unsigned *values, int count,
                                int allowed) {
  policy_if_equal(p, (unsigned)nr, (unsigned char)(count + 3));
  policy_load(p, POLICY_ARG_LOW(arg));
  /* Each match jumps to the return that answers a match, the last instruction of the block. */
  for (int k = 0; k < count; k++) policy_op(p, BPF_JMP | BPF_JEQ | BPF_K, values[k], (unsigned char)(count - k), 0);
  if (allowed) {
    policy_refuse_now(p, EPERM);
    policy_allow_now(p);
  } else {
    policy_allow_now(p);
    policy_refuse_now(p, EPERM);
  }
}

/* keyctl: only KEYCTL_JOIN_SESSION_KEYRING with no name (a new anonymous keyring). */
static void policy_keyctl(struct policy_program *p) {
  policy_if_equal(p, __NR_keyctl, 8);
  policy_load(p, POLICY_ARG_LOW(0));
  policy_if_equal(p, KEYCTL_JOIN_SESSION_KEYRING, 4);
  policy_load(p, POLICY_ARG_LOW(1));
  policy_if_equal(p, 0, 2);
  policy_load(p, POLICY_ARG_HIGH(1));
  policy_op(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
  policy_refuse_now(p, EPERM);
  policy_allow_now(p);
}

/*
 * Set for a program built with AddressSanitizer: LeakSanitizer stops the
 * program's own threads with ptrace when it ends. The kernel still lets a
 * process trace only processes of its own uid.
 */
static int policy_allows_ptrace;

/* Builds the filter; returns its length, or -1 if it would not fit. */
static int policy_build(struct policy_program *p) {
  p->length = 0;
  policy_load(p, offsetof(struct seccomp_data, arch));
  policy_op(p, BPF_JMP | BPF_JEQ | BPF_K, POLICY_ARCH, 1, 0);
  policy_refuse_now(p, EPERM);
  policy_load(p, offsetof(struct seccomp_data, nr));
#ifdef __X32_SYSCALL_BIT
  policy_op(p, BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1);
  policy_refuse_now(p, EPERM);
#endif
  for (size_t k = 0; k < sizeof policy_refused / sizeof *policy_refused; k++) {
    if (policy_refused[k] == __NR_ptrace && policy_allows_ptrace) continue;
    policy_refuse(p, policy_refused[k], EPERM);
  }
  policy_refuse(p, __NR_clone3, ENOSYS);
  /* The blocks below end in a return each: the call number in A is used up. */
  policy_keyctl(p);
  static const unsigned terminal_ioctls[] = {TIOCSTI, TIOCLINUX};
  policy_match_values(p, __NR_ioctl, 1, terminal_ioctls, 2, 0);
  static const unsigned vsock[] = {AF_VSOCK};
  policy_match_values(p, __NR_socket, 0, vsock, 1, 0);
  policy_match_values(p, __NR_personality, 0, policy_personalities,
                      (int)(sizeof policy_personalities / sizeof *policy_personalities), 1);
  policy_refuse_flags(p, __NR_unshare, 0, POLICY_UNSHARE_NEW);
  policy_refuse_flags(p, __NR_clone, 0, POLICY_CLONE_NEW);
  policy_allow_now(p);
  return p->length <= POLICY_MAX_INSNS ? p->length : -1;
}

/*
 * Sets no_new_privs and installs the filter on the calling thread (the jail
 * is single-threaded). Returns 0, or -1 with errno set (ENOTSUP: no policy for
 * this architecture).
 */
static int install_seccomp_policy(void) {
#ifndef POLICY_ARCH
  errno = ENOTSUP;
  return -1;
#else
  static struct policy_program program;
  if (policy_build(&program) < 0) {
    errno = E2BIG;
    return -1;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  struct sock_fprog fprog = {.len = program.length, .filter = program.insns};
  /* A syscall policy, not a Spectre barrier: on kernels whose default ties the
     store-bypass mitigation to seccomp, it would slow every load and store of
     the program. Kernels before 4.17 know no such flag. */
  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog) == 0) return 0;
  if (errno != EINVAL) return -1;
  return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
#endif
}

#endif
