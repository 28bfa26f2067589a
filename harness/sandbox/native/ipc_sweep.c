/*
 * Removes every System V IPC object and POSIX message queue that UID owns
 * or created, in the caller's IPC namespace (ipc_sweep.h). The grader runs
 * it after a grading without namespaces, where student code ran as a uid of
 * its own on the host: what it left there goes. (In namespaces the check's
 * IPC namespace goes with its sandbox, and PID 1 sweeps it between checks.)
 *
 * Usage: ipc_sweep UID      prints how many objects it removed
 */
#include "ipc_sweep.h"

int main(int argc, char **argv) {
  char *end = NULL;
  long owner = argc == 2 ? strtol(argv[1], &end, 10) : -1;
  if (argc != 2 || *end != '\0' || owner < 0) {
    fprintf(stderr, "usage: ipc_sweep UID\n");
    return 2;
  }
  int removed = sweep_ipc(owner);
  if (removed < 0) {
    fprintf(stderr, "ipc_sweep: cannot remove every IPC object of uid %ld: %s\n", owner, strerror(errno));
    return 1;
  }
  printf("%d\n", removed);
  return 0;
}
