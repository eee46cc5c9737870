/* bench_simulate: throughput of the stripe simulator in cell-updates per
 * second (x cells × wavelength bins × 2 directions × time steps).
 *
 *   single run  (200 cells × 128 bins, 1 mJ/cm², the run's own threads),
 *               and on 400 cells × 256 bins; each with the wall time per
 *               time step (p10 and median over the steps of the runs)
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

/* Per-step wall times of one run, from its progress calls: the run calls
 * back once before every time step and once at the end of every output
 * bin (with the next bin's number), so the interval from a call to the next
 * is one step, except after a bin-end call (the bin's bookkeeping). The
 * quantiles over ~700 steps separate the step itself from the machine:
 * a step that was not interrupted costs about the low quantile, whatever
 * happened to the others. */
typedef struct steprec { double *t; size_t *k; size_t n, cap; } steprec;

static int step_cb(void *ctx, size_t done, size_t total)
{
  (void)total;
  steprec *s = ctx;
  if (s->n < s->cap) {
    s->t[s->n] = clk(CLOCK_MONOTONIC);
    s->k[s->n++] = done;
  }
  return 0;
}

static int cmp_dbl(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* p10 and median step of a run at F1 with `threads` threads and `mode`;
 * steps from `rep` runs pooled. */
static void step_quantiles(int threads, int mode, int rep, double *p10, double *p50)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.ncells = NCELLS;
  c.nbins = NBINS;
  c.threading = mode;
  c.pump_fluence = 1e-3;
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  size_t cap = 1 << 16, nd = 0;
  steprec s = {malloc(cap * sizeof *s.t), malloc(cap * sizeof *s.k), 0, cap};
  double *d = malloc(cap * sizeof *d);
  if (!s.t || !s.k || !d) exit(1);
  for (int r = 0; r < rep; r++) {
    gk_sim_result res;
    gk_error e;
    gk_progress pg = {step_cb, &s};
    s.n = 0;
    if (gk_sim_run(&c, &res, &pg, &e)) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    gk_sim_result_free(&res);
    /* call i is a bin end when its number moved on from call i - 1 */
    for (size_t i = 1; i + 1 < s.n && nd < cap; i++)
      if (s.k[i] == s.k[i - 1] || i == 1) d[nd++] = s.t[i + 1] - s.t[i];
  }
  qsort(d, nd, sizeof *d, cmp_dbl);
  *p10 = nd ? d[nd / 10] : NAN;
  *p50 = nd ? d[nd / 2] : NAN;
  free(s.t);
  free(s.k);
  free(d);
}

static void report_steps(int nthr, int rep)
{
  double s10, s50, t10, t50;
  step_quantiles(1, GK_SIM_THREADS_NEVER, rep, &s10, &s50);
  step_quantiles(nthr, GK_SIM_THREADS_ALWAYS, rep, &t10, &t50);
  printf("  per time step, %zux%zu: 1 thread p10 %.1f us, median %.1f us; %d threads p10 %.1f us, median %.1f us; "
         "ratio p10 %.2fx, median %.2fx\n", NCELLS, NBINS, 1e6 * s10, 1e6 * s50, nthr, 1e6 * t10, 1e6 * t50, s10 / t10,
         s50 / t50);
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
    report("single run 200x128", nthr, measure(nthr, &F1, 1, rep), &s1);
    /* the threaded path itself (the automatic choice may stay serial on a
     * loaded machine). The run's threads are its own (flux_team in
     * src/simulate/simulate.c), not OpenMP's pool: their CPU is in the
     * process CPU above; the per-step quantiles below show the step itself */
    THREADING = GK_SIM_THREADS_ALWAYS;
    report("  same, threads every step", nthr, measure(nthr, &F1, 1, rep), &s1);
    report_steps(nthr, rep);
    /* a 4x larger grid: more work per step for the same per-step barriers */
    NCELLS = 400;
    NBINS = 256;
    meas l1 = measure(1, &F1, 1, rep);
    report("single run 400x256", 1, l1, NULL);
    report("  same, threads every step", nthr, measure(nthr, &F1, 1, rep), &l1);
    report_steps(nthr, rep);
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
