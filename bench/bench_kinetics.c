/* bench_kinetics: multi-exponential fits convolved with a Gaussian IRF on
 * 500 points (a typical TA kinetic trace), as `gainkit kinetics` runs them
 * (automatic t0 and lifetimes, multi-start, covariance): 2 and 3
 * components on one trace, and a global fit of three traces sharing 3
 * lifetimes. bench/bench_kinetics.py fits the same data with scipy
 * least_squares (analytic Jacobian) and prints the ratio.
 *
 * Time is CPU time of this process (CLOCK_PROCESS_CPUTIME_ID), not wall
 * time: the build machine is shared.
 * Output, one line per case: "case <name> chi2 <chi2> us <per fit> tau ...".
 * Usage: bench_kinetics [reps-scale [case]]   (1 = default; 0.01 for profiling) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gainkit/kinetics.h"

#define N 500
#define K 3

static double cpu_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void bench(const char *name, const double *t, const double *y, size_t ntrace, int ncomp, int reps)
{
  gk_kin_data d = {.n = N, .t = t, .ntrace = ntrace, .y = y, .sigma = NULL};
  gk_kin_options o;
  gk_kin_options_default(&o);
  o.ncomp = ncomp;
  o.irf.kind = GK_KIN_IRF_GAUSS;
  o.irf.fwhm = 5e-12;
  gk_kin_result r = {0};
  gk_error e;
  if (reps < 1) reps = 1;
  double t0 = cpu_now();
  for (int k = 0; k < reps; k++) {
    if (k) gk_kin_result_free(&r);
    gk_error_clear(&e);
    if (gk_kin_fit(&d, &o, &r, &e) != GK_OK) {
      fprintf(stderr, "bench_kinetics: %s: %s\n", name, e.msg);
      exit(1);
    }
  }
  double us = (cpu_now() - t0) * 1e6 / reps;
  printf("case %s chi2 %.12e us %.1f converged %d tau", name, r.chi2, us, r.converged);
  for (int i = 0; i < ncomp; i++) printf(" %.6g", r.tau[i] * 1e12);
  printf(" t0 %.6g\n", r.t0 * 1e12);
  gk_kin_result_free(&r);
}

int main(int argc, char **argv)
{
  double scale = argc > 1 ? atof(argv[1]) : 1.0;
  static double t[N], y2[N], y3[K * N];
  static const double amp[K][3] = {{0.2, 1.0, 0.5}, {1.1, 2.0, 0.7}, {2.6, 2.8, 0.9}};
  gk_kin_irf irf = {.kind = GK_KIN_IRF_GAUSS, .fwhm = 5e-12};
  /* the same data as bench_kinetics.py: 5 ps FWHM IRF, t0 = 0, lifetimes
   * 24, 290 (and 4) ps, a deterministic ripple standing in for noise */
  for (int i = 0; i < N; i++) t[i] = (-20.0 + 2.5 * i) * 1e-12;
  for (int i = 0; i < N; i++)
    y2[i] = amp[0][0] * gk_kin_basis(&irf, t[i], 24e-12) + amp[0][1] * gk_kin_basis(&irf, t[i], 290e-12) +
            0.005 * sin(1.7 * i);
  for (int k = 0; k < K; k++)
    for (int i = 0; i < N; i++)
      y3[k * N + i] = amp[k][0] * gk_kin_basis(&irf, t[i], 24e-12) +
                      amp[k][1] * gk_kin_basis(&irf, t[i], 290e-12) +
                      amp[k][2] * gk_kin_basis(&irf, t[i], 4e-12) + 0.005 * sin(1.7 * i + k);
  const char *only = argc > 2 ? argv[2] : "";
  if (!*only || !strcmp(only, "kin2")) bench("kin2", t, y2, 1, 2, (int)(200 * scale));
  if (!*only || !strcmp(only, "kin3")) bench("kin3", t, y3, 1, 3, (int)(100 * scale));
  if (!*only || !strcmp(only, "global3x500")) bench("global3x500", t, y3, K, 3, (int)(50 * scale));
  return 0;
}
