/* bench_simulate: throughput of the stripe simulator in cell-updates per
 * second (x cells × wavelength bins × 2 directions × time steps), on 1 and on
 * all threads, and the wall time of the bundled 20-point VPI sweep of the dye
 * film (200 cells × 128 bins). Memory does not grow with steps: the run keeps
 * O(cells × bins) arrays only (time-resolved output excepted). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "gainkit/simulate.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double one_run(int threads, size_t *steps)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.pump_fluence = 1e-3;
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  gk_sim_result r;
  gk_error e;
  double t0 = now();
  if (gk_sim_run(&c, &r, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); exit(1); }
  double dt = now() - t0;
  *steps = r.steps;
  double upd = (double)c.ncells * c.nbins * 2 * r.steps;
  gk_sim_result_free(&r);
  return upd / dt;
}

int main(void)
{
  int nthr = 1;
#ifdef _OPENMP
  nthr = omp_get_max_threads();
#endif
  size_t steps;
  double r1 = one_run(1, &steps);
  printf("single run (200 cells x 128 bins, %zu steps): %.3g cell-updates/s on 1 thread\n", steps, r1);
  if (nthr > 1) {
    double rn = one_run(nthr, &steps);
    printf("single run: %.3g cell-updates/s on %d threads (speed-up %.2fx)\n", rn, nthr, rn / r1);
  }
  gk_sim_config c;
  gk_sim_config_default(&c);
  double F[20];
  for (int i = 0; i < 20; i++) F[i] = 0.02e-3 * pow(150.0, i / 19.0);
  gk_sim_result rs[20];
  gk_error e;
  for (int th = 1; th <= nthr; th += (nthr > 1 ? nthr - 1 : 1)) {
#ifdef _OPENMP
    omp_set_num_threads(th);
#endif
    double t0 = now();
    if (gk_sim_sweep(&c, GK_SIM_SWEEP_FLUENCE, F, 20, rs, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    double dt = now() - t0;
    double upd = 0;
    for (int i = 0; i < 20; i++) { upd += (double)c.ncells * c.nbins * 2 * rs[i].steps; gk_sim_result_free(&rs[i]); }
    printf("20-point VPI sweep (0.02-3 mJ/cm2, dye film, 500 ps): %.2f s on %d thread(s), %.3g cell-updates/s\n",
           dt, th, upd / dt);
  }
  return 0;
}
