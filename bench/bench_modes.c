/* Mode solver benchmarks: all modes of a 6-layer stack at one wavelength
 * (target < 1 ms) and a 1000-point thickness sweep of the fundamental TE/TM
 * modes (target < 1 s on one core). Prints figures; never run by ctest. */
#include <complex.h>
#include <stdio.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gainkit/modes.h"

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void bench_one(const char *what, const double *n, const double *k, const double *d, size_t nl)
{
  gk_guide g;
  gk_error e;
  gk_guide_init(&g, nl, n, k, d, 540, &e);
  int reps = 200;
  size_t nm = 0;
  long nev = 0;
  double t0 = now();
  for (int r = 0; r < reps; r++) {
    gk_modes m;
    gk_modes_find(&g, GK_MODES_BOTH, &m, &e);
    nm = m.n;
    nev = m.evaluations;
    gk_modes_free(&m);
  }
  double dt = (now() - t0) / reps;
  printf("%-44s %2zu modes  %6ld F-evals  %8.3f ms/solve (target < 1 ms)\n", what, nm, nev, dt * 1e3);
  gk_guide_free(&g);
}

int main(void)
{
  /* 6 layers: air / HTL / perovskite / ETL / ITO / glass, lossy */
  double n6[] = {1.0, 1.6, 2.3, 1.75, 1.9, 1.52}, k6[] = {0, 0.002, 0, 0, 0.01, 0}, d6[] = {0, 40, 300, 40, 150, 0};
  bench_one("6-layer dielectric stack (lossy)", n6, k6, d6, 6);
  /* 6 layers with a metal cathode */
  double n6m[] = {1.0, 0.97, 1.75, 2.3, 1.9, 1.52}, k6m[] = {0, 6.51, 0, 0, 0.01, 0}, d6m[] = {0, 100, 40, 200, 150, 0};
  bench_one("6-layer stack with 100 nm Al cathode", n6m, k6m, d6m, 6);

  gk_layer L[6];
  const char *names[] = {"air", "HTL", "perovskite", "ETL", "ITO", "glass"};
  for (int i = 0; i < 6; i++) {
    L[i] = (gk_layer){.n = n6[i], .k = k6[i], .thickness_nm = d6[i], .active = i == 2};
    snprintf(L[i].name, sizeof L[i].name, "%s", names[i]);
  }
  gk_stack s = {.nlayers = 6, .layers = L, .wavelength_nm = 540, .active = 2};
  size_t np = 1000;
  double th[1000];
  for (size_t i = 0; i < np; i++) th[i] = 20 + 0.5 * (double)i;
  static gk_sweep_point P[1000];
  int conv;
  gk_error e;
#ifdef _OPENMP
  int nthreads = omp_get_max_threads();
  omp_set_num_threads(1);
#endif
  double t0 = now();
  gk_modes_sweep(&s, 2, th, np, NULL, 0, 540, 500, P, &conv, NULL, &e);
  double dt = now() - t0;
  printf("%-44s %zu points %8.3f s on 1 thread (target < 1 s), converged %d\n", "thickness sweep 20-520 nm, TE0+TM0", np, dt, conv);
#ifdef _OPENMP
  omp_set_num_threads(nthreads);
  t0 = now();
  gk_modes_sweep(&s, 2, th, np, NULL, 0, 540, 500, P, &conv, NULL, &e);
  printf("%-44s %zu points %8.3f s on %d threads\n", "same sweep", np, now() - t0, nthreads);
#endif
  return 0;
}
