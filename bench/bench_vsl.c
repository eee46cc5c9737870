/* bench_vsl — timing of the VSL fits (issue 3 targets):
 *   single-model fit of 30 points: < 1 ms
 *   spectral fit, 1000 wavelengths x 50 stripe lengths, all models: < 2 s
 *   on one core (make bench sets OMP_NUM_THREADS=1).
 * Synthetic data from the models themselves with fixed-seed noise. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "gainkit/vsl.h"

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  enum { N = 30 };
  double L[N], I[N], S[N], th[4];
  for (int i = 0; i < N; i++) L[i] = 0.05 + 0.4 * i / (N - 1.0);
  const double phys[GK_VSL_NMODELS][4] = {{22.7, 40}, {23, 40, 300}, {26.5, 40, 3000}, {40, 12, 20, 500}, {30, 5, 0.4}};
  printf("single-model fit, %d points (target < 1000 us)\n  %-10s %10s\n", N, "model", "us/fit");
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    gk_vsl_theta_from_physical(m, phys[m], th);
    gk_vsl_intensity(m, th, L, N, I, NULL);
    gsl_rng_set(r, 7);
    for (int i = 0; i < N; i++) { S[i] = 0.03 * I[i] + 1; I[i] += gsl_ran_gaussian(r, S[i]); }
    gk_vsl_data d = {.n = N, .L = L, .I = I, .sigma = S, .weighting = GK_WEIGHT_SIGMA};
    int reps = 0;
    double t0 = now(), t;
    do {
      gk_vsl_fit f;
      gk_error e;
      gk_vsl_fit_model(&d, m, &f, &e);
      gk_vsl_fit_free(&f);
      reps++;
    } while ((t = now() - t0) < 0.5);
    printf("  %-10s %10.1f\n", gk_vsl_model_name(m), 1e6 * t / reps);
  }
  enum { NW = 1000, NL = 50 };
  double Lm[NL], *z = malloc(NW * NL * sizeof *z);
  for (int j = 0; j < NL; j++) Lm[j] = 0.02 + 0.43 * j / (NL - 1.0);
  gsl_rng_set(r, 8);
  for (int i = 0; i < NW; i++) {
    double lam = 500 + 0.06 * i;
    double t2[3] = {25 * exp(-pow((lam - 530) / 8, 2)) - 3, log(40 * exp(-pow((lam - 522) / 15, 2)) + 2), log(1e6)};
    gk_vsl_intensity(GK_VSL_SAT, t2, Lm, NL, z + i * NL, NULL);
    for (int j = 0; j < NL; j++) z[i * NL + j] *= 1 + 0.02 * gsl_ran_gaussian(r, 1);
  }
  printf("spectral fit, %d wavelengths x %d lengths (target < 2 s, all models)\n  %-10s %10s  %s\n", NW, NL,
         "model", "seconds", "converged");
  for (int m = 0; m <= GK_VSL_NMODELS; m++) {
    unsigned mask = m < GK_VSL_NMODELS ? 1u << m : (1u << GK_VSL_NMODELS) - 1;
    gk_vsl_spectrum spec[GK_VSL_NMODELS];
    int *rec = malloc(NW * sizeof *rec);
    gk_error e;
    double t0 = now();
    gk_vsl_spectral(Lm, NL, z, NW, GK_WEIGHT_RELATIVE, mask, spec, m == GK_VSL_NMODELS ? rec : NULL, NULL, &e);
    double t = now() - t0;
    size_t nc = 0;
    int mm = m < GK_VSL_NMODELS ? m : GK_VSL_VSL1;
    for (int i = 0; i < NW; i++) nc += spec[mm].converged[i];
    printf("  %-10s %10.3f  %zu/%d\n", m < GK_VSL_NMODELS ? gk_vsl_model_name(m) : "all", t, nc, NW);
    for (int k = 0; k < GK_VSL_NMODELS; k++) gk_vsl_spectrum_free(&spec[k]);
    free(rec);
  }
  free(z);
  gsl_rng_free(r);
  return 0;
}
