/* vpi_synth.h — synthetic variable-pump-intensity data resembling sample
 * NC-DDAB of Milanese et al., Adv. Opt. Mater. 2024 (§2.2, Fig. 3): L = 0.45 cm, PL centred at 515 nm,
 * ASE at ~531 nm where alpha ~ 1 cm^-1, pump 0.1-2 mJ/cm^2, threshold
 * (g L = 1) ~ 0.85 mJ/cm^2, optional strong background fluorescence.
 * Shared by tests/unit/test_vpi.c (which also writes
 * examples/vpi-ddab.csv with it) and bench/bench_vpi.c.
 *
 * The intensities are computed here straight from Eq. 6-8 with exp(), not
 * with the library's expm1-based helpers, so the fit is checked against an
 * independent evaluation of the model. */
#ifndef VPI_SYNTH_H
#define VPI_SYNTH_H

#include "gainkit/vpi.h"
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

typedef struct vpi_truth {
  size_t nl, np;
  double L, pmax;
  double glob[4];                 /* P1, P2, m, n (gainkit/vpi.h order) */
  double *lambda, *pump, *F, *gamma, *alpha, *w1, *w2, *intensity, *sigma;
} vpi_truth;

static double synth_dn(const vpi_truth *t, double P)
{
  double P1 = t->glob[0], P2 = t->glob[1], m = t->glob[2], n = t->glob[3];
  double f = (P / P1 + pow(P / P2, m)) / (1 + P / P1 + pow(P / P2, n));
  double fm = (t->pmax / P1 + pow(t->pmax / P2, m)) / (1 + t->pmax / P1 + pow(t->pmax / P2, n));
  return f / fm;
}

/* nl wavelengths over 500-560 nm, np pumps geometric over 0.1-2 mJ/cm^2.
 * bg: W2/W1 ratio (0: no background). noise: relative Gaussian noise
 * (0: exact), sigma = noise * I_true stored for weighted fits. */
/* General form: pumps geometric over [pmin, pmax]; glob (P1, P2, m, n)
 * or NULL for the NC-DDAB-like default (3, 1, 3, 1.5). */
static void synth_make_full(vpi_truth *t, size_t nl, size_t np, double bg, double noise,
                            unsigned long seed, double pmin, double pmax, const double *glob)
{
  t->nl = nl, t->np = np, t->L = 0.45, t->pmax = 2.0;
  t->glob[0] = 3.0, t->glob[1] = 1.0, t->glob[2] = 3.0, t->glob[3] = 1.5;
  if (glob)
    for (int k = 0; k < 4; k++) t->glob[k] = glob[k];
  t->lambda = malloc(nl * sizeof(double)), t->F = malloc(nl * sizeof(double));
  t->gamma = malloc(nl * sizeof(double)), t->alpha = malloc(nl * sizeof(double));
  t->pump = malloc(np * sizeof(double)), t->w1 = malloc(np * sizeof(double));
  t->w2 = malloc(np * sizeof(double));
  t->intensity = malloc(nl * np * sizeof(double)), t->sigma = malloc(nl * np * sizeof(double));
  for (size_t i = 0; i < nl; i++) {
    double l = 500 + 60.0 * i / (nl - 1);
    t->lambda[i] = l;
    t->F[i] = exp(-0.5 * pow((l - 515) / 10, 2)) + 0.02;
    /* gross gain red of the PL peak; the loss edge rises towards the blue */
    t->gamma[i] = 14.0 * exp(-0.5 * pow((l - 530) / 7, 2)) - 0.5;
    t->alpha[i] = 1.05 + 0.01 * (l - 531) + 20.0 / (1 + exp((l - 508) / 2.5));
  }
  for (size_t j = 0; j < np; j++) {
    t->pump[j] = pmin * pow(pmax / pmin, (double)j / (np - 1));
    t->w1[j] = 1000.0 * t->pump[j];
    t->w2[j] = bg * 1000.0 * t->pump[j];
  }
  t->pmax = t->pump[np - 1];
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  for (size_t i = 0; i < nl; i++)
    for (size_t j = 0; j < np; j++) {
      double g = t->gamma[i] * synth_dn(t, t->pump[j]) - t->alpha[i], a = t->alpha[i];
      double y = t->w1[j] * t->F[i] * (exp(g * t->L) - 1) / g +
                 t->w2[j] * t->F[i] * (1 - exp(-a * t->L)) / a;
      t->sigma[i * np + j] = noise > 0 ? noise * y : 1.0;
      t->intensity[i * np + j] = y + (noise > 0 ? gsl_ran_gaussian(r, noise * y) : 0);
    }
  gsl_rng_free(r);
}

static void synth_free(vpi_truth *t)
{
  free(t->lambda), free(t->F), free(t->gamma), free(t->alpha), free(t->pump);
  free(t->w1), free(t->w2), free(t->intensity), free(t->sigma);
}

/* The library's data view of t (arrays shared, not copied); weighted = 0
 * leaves sigma out (the fit's unweighted or relative modes). */
static inline void synth_data(const vpi_truth *t, int weighted, gk_vpi_data *d)
{
  gk_vpi_data x = {.nl = t->nl, .np = t->np, .lambda = t->lambda, .pump = t->pump, .intensity = t->intensity,
                   .sigma = weighted ? t->sigma : NULL, .F = t->F, .L = t->L};
  *d = x;
}

/* The weighting w of the benchmarks and stress tools (0 none, 1 relative,
 * 2 Poisson): Poisson sets sigma = sqrt(max(I, 1)), none sets sigma = 1
 * (unused: the data leave sigma out), relative keeps the generating noise's
 * sigma; then the library's data view of t (synth_data). */
static inline void synth_weighting(vpi_truth *t, int w, gk_vpi_data *d)
{
  for (size_t k = 0; k < t->nl * t->np && w != 1; k++)
    t->sigma[k] = w == 2 ? sqrt(t->intensity[k] > 1 ? t->intensity[k] : 1) : 1;
  synth_data(t, w != 0, d);
}

/* The "reasonable user start" of bench_vpi and the stress tools: the true
 * globals perturbed (P1 x 1.3, P2 x 0.8, n x 1.2, m - n x 0.8). */
static inline void synth_user_start(const vpi_truth *t, double g0[GK_VPI_NGLOB])
{
  g0[GK_VPI_P1] = 1.3 * t->glob[GK_VPI_P1], g0[GK_VPI_P2] = 0.8 * t->glob[GK_VPI_P2];
  g0[GK_VPI_N] = 1.2 * t->glob[GK_VPI_N];
  g0[GK_VPI_M] = g0[GK_VPI_N] + 0.8 * (t->glob[GK_VPI_M] - t->glob[GK_VPI_N]);
}

/* Threshold pump of wavelength i (net gain gamma dn(P) - alpha reaching
 * target) from its definition on the true parameters, by bisection on the
 * independent synth_dn over [1e-4, 10 pmax]. */
static inline double synth_threshold(const vpi_truth *t, size_t i, double target)
{
  double lo = 1e-4, hi = t->pmax * 10;
  for (int k = 0; k < 200; k++) {
    double mid = sqrt(lo * hi);
    if (t->gamma[i] * synth_dn(t, mid) - t->alpha[i] < target) lo = mid;
    else hi = mid;
  }
  return sqrt(lo * hi);
}

/* The default design: pumps geometric over 0.1-2 mJ/cm^2. */
static inline void synth_make(vpi_truth *t, size_t nl, size_t np, double bg, double noise,
                       unsigned long seed)
{
  synth_make_full(t, nl, np, bg, noise, seed, 0.1, 2.0, NULL);
}

/* A random vpi2 design of the stress tools (bench_vpi_stress.c,
 * bench_vpi_valleys.c): the globals g (P1 0.1-20, P2 0.3-3, n 0.8-2.5,
 * m - n 0.5-2.5), the size (130-300 wavelengths x 20-40 pumps), the
 * weighting (seed mod 3: 0 none, 1 relative, 2 Poisson) and the background,
 * drawn from r seeded with 1000 + seed, so that both tools see the same
 * case for the same seed. */
typedef struct synth_design { double g[4], bg; size_t nl, np; int w; } synth_design;
static inline synth_design synth_random_design(gsl_rng *r, unsigned long seed)
{
  synth_design s;
  gsl_rng_set(r, 1000 + seed);
  s.g[0] = exp(log(0.1) + gsl_rng_uniform(r) * log(200.0));
  s.g[1] = exp(log(0.3) + gsl_rng_uniform(r) * log(10.0));
  s.g[3] = 0.8 + 1.7 * gsl_rng_uniform(r);
  s.g[2] = s.g[3] + 0.5 + 2.0 * gsl_rng_uniform(r);
  s.nl = 130 + (size_t)(gsl_rng_uniform(r) * 170);
  s.np = 20 + (size_t)(gsl_rng_uniform(r) * 20);
  s.w = (int)(seed % 3);
  s.bg = 0.5 + 3 * gsl_rng_uniform(r);
  return s;
}

#endif
