/*
 * Removes what a check may leave in the kernel's IPC namespace of the
 * caller: System V shared memory segments, message queues and semaphore
 * sets (listed in /proc/sysvipc/), and POSIX message queues (listed through
 * a mount of the namespace's mqueue filesystem that is never attached
 * anywhere: fsopen/fsmount give a descriptor of it).
 *
 * A segment still attached is destroyed when its last process detaches: the
 * callers have killed every process of the check first.
 */
#ifndef SOCKLAB_IPC_SWEEP_H
#define SOCKLAB_IPC_SWEEP_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif

/* Every object, whoever owns it. */
#define SWEEP_EVERY_OWNER (-1L)

enum sweep_kind { SWEEP_SHM, SWEEP_MSG, SWEEP_SEM };

/* The index of column `name` in a /proc/sysvipc header, or -1. */
static int sweep_column(char *header, const char *name) {
  int index = 0;
  for (char *word = strtok(header, " \t\n"); word; word = strtok(NULL, " \t\n"), index++) {
    if (strcmp(word, name) == 0) return index;
  }
  return -1;
}

static int sweep_remove(enum sweep_kind kind, int id) {
  if (kind == SWEEP_SHM) return shmctl(id, IPC_RMID, NULL);
  if (kind == SWEEP_MSG) return msgctl(id, IPC_RMID, NULL);
  return semctl(id, 0, IPC_RMID);
}

/* Removes the objects of one /proc/sysvipc table owned or created by `owner`; the count, or -1. */
static int sweep_sysv(const char *table, enum sweep_kind kind, long owner) {
  FILE *f = fopen(table, "r");
  if (!f) return -1;
  char line[1024], header[1024];
  if (!fgets(header, sizeof header, f)) {
    fclose(f);
    return 0;
  }
  char copy[1024];
  memcpy(copy, header, sizeof copy);
  int uid_column = sweep_column(copy, "uid");
  memcpy(copy, header, sizeof copy);
  int cuid_column = sweep_column(copy, "cuid");
  int removed = 0, failed = 0;
  while (fgets(line, sizeof line, f)) {
    long fields[32];
    int n = 0;
    for (char *word = strtok(line, " \t\n"); word && n < 32; word = strtok(NULL, " \t\n")) {
      fields[n++] = strtol(word, NULL, 10);
    }
    if (n < 2) continue;
    int mine = owner == SWEEP_EVERY_OWNER || (uid_column >= 0 && uid_column < n && fields[uid_column] == owner) ||
               (cuid_column >= 0 && cuid_column < n && fields[cuid_column] == owner);
    if (!mine) continue;
    /* Gone already (removed by its owner meanwhile) is as good as removed. */
    if (sweep_remove(kind, (int)fields[1]) == 0 || errno == EINVAL || errno == EIDRM) removed++;
    else failed++;
  }
  fclose(f);
  return failed ? -1 : removed;
}

/* Removes the POSIX message queues owned by `owner`; the count, or -1 (no mqueue filesystem to be had). */
static int sweep_mqueues(long owner) {
  int context = (int)syscall(__NR_fsopen, "mqueue", FSOPEN_CLOEXEC);
  if (context < 0) return -1;
  int mnt = -1;
  if (syscall(__NR_fsconfig, context, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0) {
    mnt = (int)syscall(__NR_fsmount, context, FSMOUNT_CLOEXEC, 0);
  }
  close(context);
  if (mnt < 0) return -1;
  int listing = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = listing < 0 ? NULL : fdopendir(listing);
  if (!dir) {
    if (listing >= 0) close(listing);
    close(mnt);
    return -1;
  }
  int removed = 0, failed = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (entry->d_name[0] == '.') continue;
    struct stat st;
    if (owner != SWEEP_EVERY_OWNER && (fstatat(mnt, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                                       (long)st.st_uid != owner)) {
      continue;
    }
    if (unlinkat(mnt, entry->d_name, 0) == 0 || errno == ENOENT) removed++;
    else failed++;
  }
  closedir(dir);
  close(mnt);
  return failed ? -1 : removed;
}

/* Everything of `owner` (or SWEEP_EVERY_OWNER) in the caller's IPC namespace; the count removed, or -1. */
static int sweep_ipc(long owner) {
  int counts[] = {
      sweep_sysv("/proc/sysvipc/shm", SWEEP_SHM, owner),
      sweep_sysv("/proc/sysvipc/msg", SWEEP_MSG, owner),
      sweep_sysv("/proc/sysvipc/sem", SWEEP_SEM, owner),
      sweep_mqueues(owner),
  };
  int total = 0;
  for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
    if (counts[k] < 0) return -1;
    total += counts[k];
  }
  return total;
}

#endif
