/*
 * Runs a student program with limits, inside a check's sandbox.
 *
 *   jail [--view] [--rw DIR]... [--ro PATH]... [--tmp-size BYTES] [--uid N]
 *        [--cpu SECONDS] [--as BYTES] [--nproc N] [--nofile N] [--fsize BYTES]
 *        -- COMMAND [ARG...]
 *
 * --view   the program gets a filesystem of its own (a private mount
 *          namespace, so nothing changes for anyone else): the system
 *          directories (/usr, /bin, /lib*, and what compilers and
 *          interpreters read in /etc) read-only; the --rw directories
 *          writable and the --ro paths read-only, each at its own path; a
 *          private /tmp of --tmp-size bytes; /dev/null, /dev/zero,
 *          /dev/random, /dev/urandom, /dev/full; and a /proc that shows only
 *          its own uid's processes. Nothing else of the host is there.
 * --rw     without --view: the whole filesystem becomes read-only for the
 *          program except these directories. Without either, the
 *          filesystem is left as it is.
 * --cgroup FILE  join the cgroup whose cgroup.procs (or tasks) FILE is, before
 *          anything else (repeat it once per v1 hierarchy): every process the
 *          program starts is born inside, and counts against its caps.
 * --uid    run as this unprivileged uid (and gid) when started as root, so
 *          that the process limit applies and root's rights do not; the
 *          program does not start if the uid cannot be had. (In a user
 *          namespace the harness passes no --uid: only its own is mapped.)
 *
 *   jail --kill-uid N
 *
 *          becomes uid N (and nothing else: it exits 126 if it cannot) and
 *          SIGKILLs every process of that uid, again until none is left
 *          alive: kill(-1) as N reaches exactly the processes whose real or
 *          saved uid is N, wherever they are (a setsid daemon too). Exits 0
 *          once none is left, 1 if some survive a few seconds of trying.
 * others   resource limits (setrlimit): CPU time, address space, processes of
 *          the uid, open files, size of a file written.
 *
 * Always, just before the exec (student_confinement.h): a new session keyring,
 * every descriptor but 0, 1 and 2 closed, no_new_privs and the seccomp
 * policy of seccomp_policy.h.
 *
 * The environment is passed through as it is: the harness gives the jail a
 * clean one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <linux/mount.h>
#include <ctype.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "student_confinement.h"

#define MAX_PATHS 16
#define MAX_CGROUPS 8
#define MAX_ENTRIES 96
/* Where the view is put together before it becomes the root: any directory
   will do, since every part of the host it shows is cloned beforehand. */
#define STAGE "/tmp"

static void die(const char *what) {
  fprintf(stderr, "jail: %s: %s\n", what, strerror(errno));
  exit(126);
}

static int set_attributes(int dirfd, const char *path, unsigned flags, unsigned long long set,
                          unsigned long long clear) {
  struct mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = set;
  attr.attr_clr = clear;
  return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof attr);
}

static void limit(int resource, const char *value) {
  if (!value) return;
  rlim_t n = (rlim_t)strtoull(value, NULL, 10);
  struct rlimit rl = {n, n};
  if (setrlimit(resource, &rl) != 0) die("setrlimit");
}

/*
 * Moves this process into each cgroup (`procs` are cgroup.procs files). The
 * write is made by a short-lived child, not by this process: the program
 * execs here, and the harness reads its wchar (/proc/PID/io) as bytes the
 * program wrote, which must start at zero. The child is reaped by the
 * kernel (SIGCHLD ignored), so its writes are not added to ours either; its
 * end is seen as the end of a pipe. A cgroup that cannot be joined (no
 * rights here) is left: the caps are the grader's extra, not the program's
 * condition to run.
 */
static void join_cgroups(const char **procs, int count) {
  if (count == 0) return;
  int done[2];
  if (pipe(done) != 0) die("pipe");
  struct sigaction ignore = {.sa_handler = SIG_IGN}, previous;
  sigemptyset(&ignore.sa_mask);
  if (sigaction(SIGCHLD, &ignore, &previous) != 0) die("sigaction");
  pid_t self = getpid();
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    close(done[0]);
    char pid[32];
    int length = snprintf(pid, sizeof pid, "%d\n", (int)self);
    for (int k = 0; k < count; k++) {
      int fd = open(procs[k], O_WRONLY | O_CLOEXEC);
      if (fd < 0) continue;
      if (write(fd, pid, (size_t)length) < 0) {
        /* Not joined: see above. */
      }
      close(fd);
    }
    _exit(0);
  }
  close(done[1]);
  char byte;
  while (read(done[0], &byte, 1) < 0 && errno == EINTR) {
  }
  close(done[0]);
  /* The pipe ends when the child closes its files, before it is reaped: wait
     (with SIGCHLD ignored this returns once it is gone, ECHILD), or it would
     turn into a zombie of the program, which never forked it. */
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
  }
  /* The program gets SIGCHLD as every program does. */
  if (sigaction(SIGCHLD, &previous, NULL) != 0) die("sigaction");
}

/* The old way: everything read-only in place but the writable directories. */
static void read_only_in_place(const char **rw, int rw_count) {
  /* Each writable directory becomes a mount of its own, so it can be
     exempted after everything else is made read-only. */
  for (int k = 0; k < rw_count; k++) {
    if (mount(rw[k], rw[k], NULL, MS_BIND | MS_REC, NULL) != 0) die(rw[k]);
  }
  if (set_attributes(AT_FDCWD, "/", AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0) != 0) die("make / read-only");
  for (int k = 0; k < rw_count; k++) {
    if (set_attributes(AT_FDCWD, rw[k], AT_RECURSIVE, 0, MOUNT_ATTR_RDONLY) != 0) die(rw[k]);
  }
}

/* One thing of the host shown in the view, at the same path. */
struct entry {
  const char *path;
  int writable;
  int tree;           /* a clone of the host's mount (open_tree), or -1 */
  int is_dir;
  char *link;         /* a symbolic link is made again, not bound */
  int is_link;
};

static struct entry entries[MAX_ENTRIES];
static int entry_count = 0;

/* Clones `path` now, while the host's tree is still in place. Missing paths
   are left out: not every system has /lib32 or /etc/localtime. */
static void take(const char *path, int writable) {
  struct stat st;
  if (lstat(path, &st) != 0 || entry_count == MAX_ENTRIES) return;
  struct entry *e = &entries[entry_count];
  memset(e, 0, sizeof *e);
  e->path = strdup(path);
  e->writable = writable;
  e->tree = -1;
  if (S_ISLNK(st.st_mode)) {
    e->link = calloc(1, 4096);
    ssize_t n = e->link ? readlink(path, e->link, 4095) : -1;
    if (n < 0) return;
    e->is_link = 1;
  } else {
    e->is_dir = S_ISDIR(st.st_mode);
    e->tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (e->tree < 0) die(path);
    /* A writable directory keeps the attributes it has in the sandbox: what
       is mounted read-only inside it (an upload file) stays so. */
    unsigned long long set = MOUNT_ATTR_NOSUID | (writable ? MOUNT_ATTR_NODEV : MOUNT_ATTR_RDONLY);
    if (set_attributes(e->tree, "", AT_EMPTY_PATH | AT_RECURSIVE, set, 0) != 0) die(path);
  }
  entry_count++;
}

static void take_matching(const char *pattern) {
  glob_t found;
  if (glob(pattern, 0, NULL, &found) != 0) return;
  for (size_t k = 0; k < found.gl_pathc; k++) take(found.gl_pathv[k], 0);
  globfree(&found);
}

/* mkdir -p of `path` under the stage, each level 0755. */
static void make_parents(const char *path, int include_last) {
  char staged[8192];
  snprintf(staged, sizeof staged, STAGE "%s", path);
  size_t skip = strlen(STAGE) + 1;
  for (char *p = staged + skip; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(staged, 0755) != 0 && errno != EEXIST) die(staged);
    *p = '/';
  }
  if (include_last && mkdir(staged, 0755) != 0 && errno != EEXIST) die(staged);
}

static void place(const struct entry *e) {
  char staged[8192];
  snprintf(staged, sizeof staged, STAGE "%s", e->path);
  if (e->is_link) {
    make_parents(e->path, 0);
    if (symlink(e->link, staged) != 0 && errno != EEXIST) die(staged);
    return;
  }
  make_parents(e->path, e->is_dir);
  if (!e->is_dir) {
    int fd = open(staged, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) die(staged);
    close(fd);
  }
  if (syscall(SYS_move_mount, e->tree, "", AT_FDCWD, staged, MOVE_MOUNT_F_EMPTY_PATH) != 0) die(staged);
}

/*
 * Fills a file through a memory map, not write(): the program execs in this
 * process, and the harness reads its wchar (/proc/PID/io) as bytes the program
 * wrote, which must not start above zero.
 */
static void write_file(const char *path, const char *text) {
  size_t length = strlen(text);
  int fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ftruncate(fd, (off_t)length) != 0) die(path);
  if (length > 0) {
    void *map = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) die(path);
    memcpy(map, text, length);
    if (munmap(map, length) != 0) die(path);
  }
  if (close(fd) != 0) die(path);
}

static void build_view(const char **rw, int rw_count, const char **ro, int ro_count, const char *tmp_size,
                       const char *uid) {
  static const char *system_paths[] = {
      "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
      /* What the dynamic loader, cc, make and python3 read in /etc. */
      "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
      "/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf", "/etc/services",
      "/etc/protocols", "/etc/localtime",
      /* The devices a program may open. */
      "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
  };
  for (size_t k = 0; k < sizeof system_paths / sizeof *system_paths; k++) take(system_paths[k], 0);
  take_matching("/etc/python3*");
  for (int k = 0; k < ro_count; k++) take(ro[k], 0);
  for (int k = 0; k < rw_count; k++) take(rw[k], 1);
  /* Should a fresh /proc be refused (a user namespace with a covered /proc),
     the sandbox's own, which shows the same processes. */
  int proc_tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

  if (mount("socklab-view", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") != 0) die("stage");
  /* The private /tmp first: the directories bound below may lie inside it. */
  if (mkdir(STAGE "/tmp", 0755) != 0) die("/tmp");
  char options[128];
  snprintf(options, sizeof options, "mode=1777,size=%s,nr_inodes=65536", tmp_size ? tmp_size : "268435456");
  if (mount("socklab-tmp", STAGE "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) die("/tmp");
  for (int k = 0; k < entry_count; k++) place(&entries[k]);

  if (mkdir(STAGE "/proc", 0555) != 0) die("/proc");
  /* A /proc of the sandbox's PID namespace that lists only this uid's processes. */
  if (mount("proc", STAGE "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible") != 0 &&
      (proc_tree < 0 ||
       syscall(SYS_move_mount, proc_tree, "", AT_FDCWD, STAGE "/proc", MOVE_MOUNT_F_EMPTY_PATH) != 0)) {
    die("mount /proc");
  }
  make_parents("/dev", 1);
  const char *dev_links[][2] = {{"/proc/self/fd", "/dev/fd"},       {"/proc/self/fd/0", "/dev/stdin"},
                                {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
                                {"/tmp", "/dev/shm"}};
  for (size_t k = 0; k < sizeof dev_links / sizeof *dev_links; k++) {
    char staged[256];
    snprintf(staged, sizeof staged, STAGE "%s", dev_links[k][1]);
    if (symlink(dev_links[k][0], staged) != 0) die(staged);
  }
  /* Accounts: root and the student, nobody else of the host. */
  make_parents("/etc", 1);
  const char *id = uid && geteuid() == 0 ? uid : NULL;
  char text[512];
  snprintf(text, sizeof text, "root:x:0:0:root:/root:/bin/sh\nstudent:x:%s:%s:student:/tmp:/bin/sh\n",
           id ? id : "1000", id ? id : "1000");
  write_file(STAGE "/etc/passwd", text);
  snprintf(text, sizeof text, "root:x:0:\nstudent:x:%s:\n", id ? id : "1000");
  write_file(STAGE "/etc/group", text);
  if (set_attributes(AT_FDCWD, STAGE, 0, MOUNT_ATTR_RDONLY, 0) != 0) {
    die("make the view's root read-only");
  }

  if (chdir(STAGE) != 0) die("chdir " STAGE);
  if (syscall(SYS_pivot_root, ".", ".") != 0) die("pivot_root");
  if (umount2(".", MNT_DETACH) != 0) die("detach the host's tree");
  if (chdir("/") != 0) die("chdir /");
}

/* Whether a process other than this one, not a zombie, has `uid` as its real or saved uid. */
static int uid_has_live_process(uid_t uid) {
  DIR *proc = opendir("/proc");
  if (!proc) return 1;
  int found = 0;
  struct dirent *entry;
  while (!found && (entry = readdir(proc)) != NULL) {
    if (!isdigit((unsigned char)entry->d_name[0]) || atoi(entry->d_name) == getpid()) continue;
    char path[300], line[256];
    snprintf(path, sizeof path, "/proc/%s/status", entry->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    char state = 0;
    unsigned long real = 0, effective = 0, saved = 0;
    while (fgets(line, sizeof line, f)) {
      if (strncmp(line, "State:", 6) == 0) sscanf(line + 6, " %c", &state);
      else if (strncmp(line, "Uid:", 4) == 0) sscanf(line + 4, "%lu %lu %lu", &real, &effective, &saved);
    }
    fclose(f);
    /* A zombie runs nothing: its parent, or init, reaps it. */
    if (state != 'Z' && state != 'X' && (real == uid || saved == uid)) found = 1;
  }
  closedir(proc);
  return found;
}

/* jail --kill-uid N: never signals anything as any uid but N. */
static int kill_every_process_of(const char *value) {
  char *end;
  unsigned long parsed = strtoul(value, &end, 10);
  if (*value == '\0' || *end != '\0' || parsed == 0 || parsed >= 0xffffffffUL) {
    fprintf(stderr, "jail: --kill-uid needs an unprivileged uid, not '%s'\n", value);
    return 126;
  }
  uid_t uid = (uid_t)parsed;
  if (setgroups(0, NULL) != 0 || setgid(uid) != 0 || setuid(uid) != 0) die("become the uid to kill");
  uid_t real, effective, saved;
  if (getresuid(&real, &effective, &saved) != 0 || real != uid || effective != uid || saved != uid) {
    fprintf(stderr, "jail: could not become uid %lu alone\n", parsed);
    return 126;
  }
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    /* ESRCH: nothing of the uid is left, not even a zombie. */
    if (kill(-1, SIGKILL) != 0 && errno == ESRCH) return 0;
    if (!uid_has_live_process(uid)) return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 5) return 1;
    sched_yield();
  }
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--kill-uid") == 0) return kill_every_process_of(argv[2]);
  const char *rw[MAX_PATHS], *ro[MAX_PATHS], *cgroups[MAX_CGROUPS];
  int rw_count = 0, ro_count = 0, view = 0, cgroup_count = 0;
  const char *uid = NULL, *cpu = NULL, *as = NULL, *nproc = NULL, *nofile = NULL, *fsize = NULL;
  const char *tmp_size = NULL;
  int i = 1;
  while (i < argc && strcmp(argv[i], "--") != 0) {
    const char *opt = argv[i];
    if (strcmp(opt, "--view") == 0) {
      view = 1;
      i++;
      continue;
    }
    if (strcmp(opt, "--leak-check") == 0) {
      policy_allows_ptrace = 1;
      i++;
      continue;
    }
    if (i + 1 >= argc) break;
    const char *val = argv[i + 1];
    i += 2;
    if (strcmp(opt, "--rw") == 0 && rw_count < MAX_PATHS) rw[rw_count++] = val;
    else if (strcmp(opt, "--ro") == 0 && ro_count < MAX_PATHS) ro[ro_count++] = val;
    else if (strcmp(opt, "--cgroup") == 0 && cgroup_count < MAX_CGROUPS) cgroups[cgroup_count++] = val;
    else if (strcmp(opt, "--tmp-size") == 0) tmp_size = val;
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
  join_cgroups(cgroups, cgroup_count);

  if (view || rw_count > 0) {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL) die("getcwd");
    if (unshare(CLONE_NEWNS) != 0) die("unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("make / private");
    if (view) build_view(rw, rw_count, ro, ro_count, tmp_size, uid);
    else read_only_in_place(rw, rw_count);
    /* Look the working directory up again: in place, so that it goes through
       the writable bind mount; in a view, because the old tree is gone. */
    if (chdir(cwd) != 0) die(cwd);
  }

  limit(RLIMIT_CPU, cpu);
  limit(RLIMIT_AS, as);
  limit(RLIMIT_NOFILE, nofile);
  limit(RLIMIT_FSIZE, fsize);

  /* The harness asks for a uid only where it can be had (real root): never run on as root. */
  if (uid && geteuid() == 0) {
    uid_t id = (uid_t)strtoul(uid, NULL, 10);
    if (setgroups(0, NULL) != 0 || setgid(id) != 0 || setuid(id) != 0) die("become the student's uid");
  }
  /* After the uid change, so that it counts the new uid's processes. */
  limit(RLIMIT_NPROC, nproc);

  confine_student_code();
  execvp(command[0], command);
  fprintf(stderr, "jail: cannot run %s: %s\n", command[0], strerror(errno));
  return 127;
}
