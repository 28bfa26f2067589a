/*
 * Removes every System V IPC object and POSIX message queue that UID owns
 * or created, in the caller's IPC namespace (ipc_sweep.h). The grader runs
 * it after a grading without namespaces, where student code ran as a uid of
 * its own on the host: what it left there goes. (In namespaces the check's
 * IPC namespace goes with its sandbox, and PID 1 sweeps it between checks.)
 *
 * Usage: ipc_sweep UID      prints how many objects it removed
 *
 * Where POSIX queues cannot be listed (no CAP_SYS_ADMIN, as in a Docker
 * container) only the System V objects are removed.
 */
#include "ipc_sweep.h"

int main(int argc, char **argv) {
  char *end = NULL;
  long owner = argc == 2 ? strtol(argv[1], &end, 10) : -1;
  if (argc != 2 || *end != '\0' || owner < 0) {
    fprintf(stderr, "usage: ipc_sweep UID\n");
    return 2;
  }
  int removed = 0;
  static const char *tables[] = {"/proc/sysvipc/shm", "/proc/sysvipc/msg", "/proc/sysvipc/sem"};
  static const enum sweep_kind kinds[] = {SWEEP_SHM, SWEEP_MSG, SWEEP_SEM};
  for (int k = 0; k < 3; k++) {
    int count = sweep_sysv(tables[k], kinds[k], owner);
    if (count < 0) {
      fprintf(stderr, "ipc_sweep: cannot remove every System V object of uid %ld: %s\n", owner, strerror(errno));
      return 1;
    }
    removed += count;
  }
  /* Listing POSIX queues takes a mount of their filesystem, which a container
     without CAP_SYS_ADMIN refuses: its IPC namespace goes with the container. */
  int queues = sweep_mqueues(owner);
  if (queues < 0 && errno != EPERM && errno != ENOSYS && errno != EACCES) {
    fprintf(stderr, "ipc_sweep: cannot remove every POSIX message queue of uid %ld: %s\n", owner, strerror(errno));
    return 1;
  }
  printf("%d\n", removed + (queues > 0 ? queues : 0));
  return 0;
}
