/* bench_vslfit: single VSL fits of 30 points (vsl1, vsl2, sat, emp,
 * sat-exact) as `gainkit vsl` runs them: automatic starts, multi-start,
 * covariance. bench/bench_vslfit.py fits the same data with scipy
 * curve_fit and prints the ratio.
 *
 * Time is CPU time of this process (CLOCK_PROCESS_CPUTIME_ID): the
 * machine is shared. Output per model: "data <model> L I sigma" lines (the
 * exact data), "start <model> theta..." (gainkit's first automatic start,
 * which the scipy side also starts from), "truth <model> theta..." (the
 * parameters that generated the data, scipy's second start), then
 * "case <model> chi2 <chi2> us <per fit> theta <...>".
 * Usage: bench_vslfit [reps-scale [model]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gainkit/vsl.h"

enum { N = 30 };

static double cpu_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
  double scale = argc > 1 ? atof(argv[1]) : 1.0;
  const char *only = argc > 2 ? argv[2] : "";
  double L[N], I[N], S[N], th[4];
  for (int i = 0; i < N; i++) L[i] = 0.05 + 0.4 * i / (N - 1.0);
  /* physical parameters as in bench_vsl.c */
  const double phys[GK_VSL_NMODELS][4] = {{22.7, 40}, {23, 40, 300}, {26.5, 40, 3000}, {40, 12, 20, 500}, {30, 5, 0.4}};
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    if (*only && strcmp(only, gk_vsl_model_name(m))) continue;
    gk_vsl_theta_from_physical(m, phys[m], th);
    gk_vsl_intensity(m, th, L, N, I, NULL);
    /* 3 % deterministic scatter and matching sigmas */
    for (int i = 0; i < N; i++) {
      S[i] = 0.03 * I[i] + 1;
      I[i] += S[i] * sin(1.7 * i + m);
    }
    for (int i = 0; i < N; i++) printf("data %s %.17g %.17g %.17g\n", gk_vsl_model_name(m), L[i], I[i], S[i]);
    gk_vsl_data d = {.n = N, .L = L, .intensity = I, .sigma = S, .weighting = GK_WEIGHT_SIGMA};
    double st[4 * 16];
    size_t ns = gk_vsl_guess(&d, m, st, 16);
    printf("truth %s", gk_vsl_model_name(m));
    for (size_t k = 0; k < gk_vsl_ntheta(m); k++) printf(" %.17g", th[k]);
    printf("\n");
    printf("start %s", gk_vsl_model_name(m));
    for (size_t k = 0; k < gk_vsl_ntheta(m) && ns; k++) printf(" %.17g", st[k]);
    printf("\n");
    int reps = (int)((m == GK_VSL_SATEXACT ? 500 : 3000) * scale);
    if (reps < 1) reps = 1;
    gk_vsl_fit f = {0};
    double t0 = cpu_now();
    for (int r = 0; r < reps; r++) {
      if (r) gk_vsl_fit_free(&f);
      gk_error e;
      if (gk_vsl_fit_model(&d, m, &f, &e) != GK_OK) {
        fprintf(stderr, "bench_vslfit: %s: %s\n", gk_vsl_model_name(m), e.msg);
        return 1;
      }
    }
    double us = (cpu_now() - t0) * 1e6 / reps;
    printf("case %s chi2 %.12e us %.2f converged %d theta", gk_vsl_model_name(m), f.chi2, us, f.converged);
    for (size_t k = 0; k < f.ntheta; k++) printf(" %.10g", f.theta[k]);
    printf("\n");
    gk_vsl_fit_free(&f);
  }
  return 0;
}
