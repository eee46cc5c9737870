/* bench_pingpong: the cross-core round trip of a cache line between CPU 0
 * and CPU 1 (one thread pinned on each, 200000 hand-offs through one atomic
 * counter). It tells which state a 2-vCPU virtual machine is in before a
 * two-thread simulate figure is taken: the one-run speed-up of
 * `gainkit simulate` depends on it (docs/simulate.md, "The two states are
 * the cores' distance"). Prints the mean round trip in ns. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { ROUNDS = 200000 };
static _Atomic long flag;

static void pin(int cpu)
{
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void *other(void *arg)
{
  (void)arg;
  pin(1);
  for (long i = 0; i < ROUNDS; i++) {
    while (atomic_load(&flag) != 2 * i + 1) {
    }
    atomic_store(&flag, 2 * i + 2);
  }
  return NULL;
}

int main(void)
{
  pthread_t t;
  struct timespec a, b;
  pin(0);
  if (pthread_create(&t, NULL, other, NULL)) return 1;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < ROUNDS; i++) {
    atomic_store(&flag, 2 * i + 1);
    while (atomic_load(&flag) != 2 * i + 2) {
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  pthread_join(t, NULL);
  printf("round trip %.0f ns\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / ROUNDS);
  return 0;
}
