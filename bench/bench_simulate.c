/* bench_simulate: throughput of the stripe simulator in cell-updates per
 * second (x cells × wavelength bins × 2 directions × time steps).
 *
 *   single run  (200 cells × 128 bins, 1 mJ/cm², OpenMP inside the run),
 *               with each thread's CPU time, and on 400 cells × 256 bins
 *   20-point VPI sweep of the bundled dye film (OpenMP over points)
 *
 * each on 1 thread and on all threads (2 on the project machine). The
 * machine is shared: every figure is the best of BENCH_REPEAT runs (default
 * 3), and besides wall time the process CPU time is reported (the least
 * over the repeats), so that "per core" = updates / CPU-seconds stays
 * meaningful when the threads are descheduled. Speed-up = wall(1 thread) / wall(N threads); under load it
 * measures the machine as much as the code (see docs/simulate.md).
 * Memory does not grow with steps: a run keeps O(cells × bins) arrays only
 * (time-resolved output excepted).
 *
 * Floor in the same run: a stream-like loop over arrays the size of the
 * kernel's (3 x cells x bins doubles: φ, ψ, ∫S) that moves the bytes one
 * time step moves through them (forward: write 3; backward: read 3, write
 * 1 -> 28 bytes per cell-update), reported as the cell-update rate that
 * bandwidth alone would allow. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "gainkit/simulate.h"

static double clk(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef struct meas { double wall, cpu, updates; } meas;

/* CPU seconds of each OpenMP pool thread so far (the pool's threads are
 * reused from one parallel region to the next); th[k] for thread k. */
static void thread_cpu(double *th, int n)
{
  for (int k = 0; k < n; k++) th[k] = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(n)
  th[omp_get_thread_num()] = clk(CLOCK_THREAD_CPUTIME_ID);
#else
  th[0] = clk(CLOCK_THREAD_CPUTIME_ID);
#endif
}

static size_t NCELLS = 200, NBINS = 128;
static int THREADING = GK_SIM_THREADS_AUTO;

/* n == 1: one run at F[0]; else a sweep over F. Best wall time of `rep`. */
static meas measure(int threads, const double *F, size_t n, int rep)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  if (n == 1) {
    c.ncells = NCELLS;
    c.nbins = NBINS;
    c.threading = THREADING;
  }
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  meas best = {INFINITY, 0, 0};
  gk_sim_result *rs = calloc(n, sizeof *rs);
  gk_error e;
  for (int k = 0; k < rep; k++) {
    double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
    int st;
    if (n == 1) {
      c.pump_fluence = F[0];
      st = gk_sim_run(&c, &rs[0], NULL, &e);
    } else {
      st = gk_sim_sweep(&c, GK_SIM_SWEEP_FLUENCE, F, n, rs, NULL, &e);
    }
    if (st) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    meas m = {clk(CLOCK_MONOTONIC) - w0, clk(CLOCK_PROCESS_CPUTIME_ID) - c0, 0};
    for (size_t i = 0; i < n; i++) {
      m.updates += (double)c.ncells * (double)c.nbins * 2 * (double)rs[i].steps;
      gk_sim_result_free(&rs[i]);
    }
    /* wall: the best run's; CPU: the least over the repeats (the load
     * inflates CPU per update through shared caches; the least is the
     * figure closest to a quiet machine) */
    double cpu = best.cpu;
    if (m.wall < best.wall) best = m;
    best.cpu = k == 0 ? m.cpu : fmin(cpu, m.cpu);
  }
  free(rs);
  return best;
}

static void report(const char *what, int th, meas m, const meas *one)
{
  printf("%-28s %d thread(s): wall %7.3f s  cpu %7.3f s  %.3g updates/s  %.3g updates/s per core (cpu)",
         what, th, m.wall, m.cpu, m.updates / m.wall, m.updates / m.cpu);
  if (one) printf("  speed-up %.2fx", one->wall / m.wall);
  printf("\n");
}

/* The stream-like floor: per "step", a forward pass writing three arrays
 * and a backward pass reading them and rewriting one, as the kernel does. */
static double stream_floor(size_t n, int rep)
{
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
  if (!a || !b || !c) exit(1);
  for (size_t i = 0; i < n; i++) a[i] = b[i] = c[i] = 1e-3 * (double)(i % 7);
  double best = INFINITY, sink = 0;
  int steps = 400;
  for (int k = 0; k < rep; k++) {
    double c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
    for (int s = 0; s < steps; s++) {
      double x = 1 + 1e-9 * s;
      for (size_t i = 0; i < n; i++) {
        a[i] = x * (double)i;
        b[i] = x + (double)i;
        c[i] = x;
      }
      for (size_t i = n; i-- > 0;) c[i] = (c[i] + a[i]) * b[i];
      sink += c[n / 2];
    }
    double dt = clk(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (dt < best) best = dt;
  }
  free(a);
  free(b);
  free(c);
  if (sink == 42) printf(" ");
  /* 7 array passes of 8 bytes per element and step, 2 updates per element */
  printf("stream-like floor (%zu x 3 doubles): %.3g GB/s per core -> %.3g cell-updates/s per core (cpu)\n", n,
         7.0 * 8 * n * steps / best / 1e9, 2.0 * n * steps / best);
  return 2.0 * n * steps / best;
}

int main(void)
{
  int nthr = 1, rep = getenv("BENCH_REPEAT") ? atoi(getenv("BENCH_REPEAT")) : 3;
#ifdef _OPENMP
  nthr = omp_get_max_threads();
#endif
  if (rep < 1) rep = 1;
  double F1 = 1e-3, F[20];
  for (int i = 0; i < 20; i++) F[i] = 0.02e-3 * pow(150.0, i / 19.0);
  printf("best of %d; %d hardware thread(s) available to OpenMP\n", rep, nthr);
  double floor = stream_floor(200 * 128, rep);
  meas s1 = measure(1, &F1, 1, rep);
  report("single run 200x128", 1, s1, NULL);
  printf("  kernel / stream-like floor: %.2f (per core, cpu time)\n", s1.updates / s1.cpu / floor);
  if (nthr > 1) {
    /* per-thread CPU of the threaded run: with OMP_WAIT_POLICY=passive a
     * waiting thread sleeps, so its CPU time is its share of the work */
    double a[64], b[64];
    int nt = nthr < 64 ? nthr : 64;
    report("single run 200x128", nthr, measure(nthr, &F1, 1, rep), &s1);
    /* the threaded path itself (the automatic choice may stay serial on a
     * loaded machine) */
    THREADING = GK_SIM_THREADS_ALWAYS;
    thread_cpu(a, nt);
    report("  same, threads every step", nthr, measure(nthr, &F1, 1, rep), &s1);
    thread_cpu(b, nt);
    double mx = 0, mean = 0;
    printf("  per-thread CPU (s, all repeats):");
    for (int k = 0; k < nt; k++) {
      printf(" %.3f", b[k] - a[k]);
      mx = fmax(mx, b[k] - a[k]);
      mean += (b[k] - a[k]) / nt;
    }
    printf("; max/mean %.3f%s\n", mean > 0 ? mx / mean : 1.0,
           getenv("OMP_WAIT_POLICY") ? "" : " (set OMP_WAIT_POLICY=passive: spinning waits count as CPU)");
    /* a 4x larger grid: more work per step for the same per-step barriers */
    NCELLS = 400;
    NBINS = 256;
    meas l1 = measure(1, &F1, 1, rep);
    report("single run 400x256", 1, l1, NULL);
    report("  same, threads every step", nthr, measure(nthr, &F1, 1, rep), &l1);
    THREADING = GK_SIM_THREADS_AUTO;
    report("  same, automatic choice", nthr, measure(nthr, &F1, 1, rep), &l1);
    NCELLS = 200;
    NBINS = 128;
  }
  meas w1 = measure(1, F, 20, rep);
  report("20-point VPI sweep 500 ps", 1, w1, NULL);
  if (nthr > 1) report("20-point VPI sweep 500 ps", nthr, measure(nthr, F, 20, rep), &w1);
  return 0;
}
