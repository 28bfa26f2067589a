/*
 * Burns CPU until this process has used MILLISECONDS of CPU time, then exits.
 *
 * The idle checks use it as a yardstick: while it runs, a process that should
 * be asleep must use only a small fraction of the CPU this spinner got. Under
 * load both are slowed alike, so the verdict does not depend on the machine's
 * speed or on what else is running.
 *
 * Usage: cpu_spin MILLISECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MILLISECONDS\n", argv[0]);
    return 2;
  }
  double budget = atof(argv[1]) / 1000.0;
  volatile unsigned long spins = 0;
  struct timespec ts;
  do {
    for (int i = 0; i < 100000; i++) spins++;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  } while (ts.tv_sec + ts.tv_nsec / 1e9 < budget);
  return 0;
}
