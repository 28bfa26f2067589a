/*
 * Makes one of each IPC object the sweeper removes: a System V shared memory
 * segment, message queue and semaphore set, and a POSIX message queue. Used
 * by ipc_test.ts, inside an IPC namespace of the test's own.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

int main(void) {
  char name[64];
  snprintf(name, sizeof name, "/socklab-plant-%d", (int)getpid());
  mqd_t queue = mq_open(name, O_CREAT | O_RDWR, 0600, NULL);
  int made = (shmget(IPC_PRIVATE, 4096, 0600) >= 0) + (msgget(IPC_PRIVATE, 0600) >= 0) +
             (semget(IPC_PRIVATE, 1, 0600) >= 0) + (queue != (mqd_t)-1);
  printf("%d\n", made);
  return made == 4 ? 0 : 1;
}
