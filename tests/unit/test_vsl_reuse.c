/* Reusing a caller's VSL fits (gk_vsl_fit_is_of, gk_vsl_fit_offset_from,
 * gk_vsl_lengths_compute_from): the results must be exactly those of the
 * calls that fit everything themselves, and a fit of other data or another
 * model must never be taken. Small 30-point problems: cheap under ASan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>

#include "gainkit/fluence.h"
#include "gainkit/vsl.h"
#include "gk_test.h"

enum { N = 30 };
static double L[N], I[N], S[N], I2[N];

/* vsl1 (g 25 cm^-1, A 100) + an offset I0, with a deterministic 2 % scatter */
static void make_data(gk_vsl_data *d, int sigma, double I0)
{
  for (int i = 0; i < N; i++) {
    L[i] = 0.005 * (i + 1);
    double v = 100 * expm1(25 * L[i]) / 25 + I0;
    S[i] = 0.02 * v + 0.1;
    I[i] = v + S[i] * sin(2.3 * i + 0.4);
    I2[i] = I[i];
  }
  *d = (gk_vsl_data){.n = N, .L = L, .intensity = I, .sigma = sigma ? S : NULL,
                     .weighting = sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_NONE};
}

static int same_num(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static void test_is_of(void)
{
  gk_vsl_data d;
  make_data(&d, 0, 3);
  gk_vsl_fit f;
  gk_error e;
  CHECK_INT(gk_vsl_fit_model(&d, GK_VSL_VSL1, &f, &e), GK_OK);
  CHECK(gk_vsl_fit_is_of(&f, &d, GK_VSL_VSL1));
  CHECK(!gk_vsl_fit_is_of(&f, &d, GK_VSL_VSL2));   /* another model */
  CHECK(!gk_vsl_fit_is_of(NULL, &d, GK_VSL_VSL1));
  gk_vsl_data d2 = d;
  d2.intensity = I2;
  I2[7] *= 1 + 1e-9;                               /* other data, however close */
  CHECK(!gk_vsl_fit_is_of(&f, &d2, GK_VSL_VSL1));
  d2 = d;
  d2.n = N - 1;                                    /* fewer points */
  CHECK(!gk_vsl_fit_is_of(&f, &d2, GK_VSL_VSL1));
  d2 = d;
  d2.sigma = S;
  d2.weighting = GK_WEIGHT_SIGMA;                  /* other weights */
  CHECK(!gk_vsl_fit_is_of(&f, &d2, GK_VSL_VSL1));
  gk_vsl_fit_free(&f);
}

static void test_offset_from(void)
{
  for (int m = GK_VSL_VSL1; m <= GK_VSL_VSL2; m++) {
    gk_vsl_data d;
    make_data(&d, 1, 3);
    gk_vsl_fit f0, fa, fb, fc;
    gk_error e;
    CHECK_INT(gk_vsl_fit_model(&d, m, &f0, &e), GK_OK);
    gk_vsl_data d1 = d;
    d1.offset = 1;
    CHECK_INT(gk_vsl_fit_model(&d1, m, &fa, &e), GK_OK);
    CHECK_INT(gk_vsl_fit_offset_from(&d1, m, &f0, &fb, &e), GK_OK);
    CHECK(fa.has_offset && fb.has_offset);
    CHECK(fabs(fa.I0 - 3) < 5 * fa.I0_se);           /* the offset is found */
    /* the same fit exactly: the headline fit is the unshifted start */
    CHECK(same_num(fa.chi2, fb.chi2) && same_num(fa.I0, fb.I0) && same_num(fa.I0_se, fb.I0_se));
    for (size_t k = 0; k < fa.ntheta; k++) CHECK(same_num(fa.theta[k], fb.theta[k]) && same_num(fa.se[k], fb.se[k]));
    CHECK_INT(fa.converged, fb.converged);
    /* a fit of other data is not taken: the result stays the same */
    gk_vsl_data d2 = d;
    d2.intensity = I2;
    for (int i = 0; i < N; i++) I2[i] = 2 * I[i];
    gk_vsl_fit fo;
    CHECK_INT(gk_vsl_fit_model(&d2, m, &fo, &e), GK_OK);
    CHECK_INT(gk_vsl_fit_offset_from(&d1, m, &fo, &fc, &e), GK_OK);
    CHECK(same_num(fa.chi2, fc.chi2) && same_num(fa.I0, fc.I0));
    for (size_t k = 0; k < fa.ntheta; k++) CHECK(same_num(fa.theta[k], fc.theta[k]));
    gk_vsl_fit_free(&fo);
    gk_vsl_fit_free(&fc);
    gk_vsl_fit_free(&f0);
    gk_vsl_fit_free(&fa);
    gk_vsl_fit_free(&fb);
  }
}

static void test_lengths_from(void)
{
  for (int sigma = 0; sigma <= 1; sigma++) {
    gk_vsl_data d;
    make_data(&d, sigma, 0);  /* vsl1 holds on every stripe: the whole-scan fits are used */
    gk_vsl_fit fits[GK_VSL_NMODELS];
    memset(fits, 0, sizeof fits);
    gk_error e;
    CHECK_INT(gk_vsl_fit_model(&d, GK_VSL_VSL1, &fits[GK_VSL_VSL1], &e), GK_OK);
    CHECK_INT(gk_vsl_fit_model(&d, GK_VSL_SAT, &fits[GK_VSL_SAT], &e), GK_OK);
    gk_vsl_lengths a, b;
    CHECK_INT(gk_vsl_lengths_compute(&d, &a, &e), GK_OK);
    CHECK_INT(gk_vsl_lengths_compute_from(&d, fits, GK_VSL_NMODELS, &b, &e), GK_OK);
    CHECK(same_num(a.l_th, b.l_th) && same_num(a.l_sat_model, b.l_sat_model) &&
          same_num(a.l_sat_data, b.l_sat_data) && same_num(a.g_small, b.g_small) &&
          same_num(a.se_g_small, b.se_g_small) && same_num(a.p_value, b.p_value));
    CHECK_INT(a.n_small, b.n_small);
    CHECK_INT(a.saturated, b.saturated);
    CHECK(isfinite(b.l_th) && b.l_th > 0);
    CHECK_INT(b.n_small, N);
    /* fits of other data are not taken */
    gk_vsl_data d2 = d;
    d2.intensity = I2;
    for (int i = 0; i < N; i++) I2[i] = 0.5 * I[i];
    gk_vsl_fit other[GK_VSL_NMODELS];
    memset(other, 0, sizeof other);
    CHECK_INT(gk_vsl_fit_model(&d2, GK_VSL_VSL1, &other[GK_VSL_VSL1], &e), GK_OK);
    CHECK_INT(gk_vsl_lengths_compute_from(&d, other, GK_VSL_NMODELS, &b, &e), GK_OK);
    CHECK(same_num(a.l_th, b.l_th) && same_num(a.g_small, b.g_small));
    for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_fit_free(&fits[m]), gk_vsl_fit_free(&other[m]);
  }
}

/* The prefix chi2 test (how far vsl1 holds) decides a pass without a fit
 * when the last fitted gain already passes: the verdicts, the range and
 * the reported p value must be exactly those of fitting every prefix. The
 * reference below is that test written out with a fit per prefix. Data:
 * vsl1 throughout; saturating at three strengths (the range ends inside
 * the scan); one outlier (a single failure the range goes on past). */
static void prefix_reference(const gk_vsl_data *d, size_t *k_ok, double *p_ok)
{
  int prev_fail = 0;
  *k_ok = 0;
  *p_ok = NAN;
  for (size_t k = 4; k <= d->n; k++) {
    gk_vsl_data dk = *d;
    dk.n = k;
    dk.weighting = GK_WEIGHT_SIGMA;
    gk_vsl_fit f;
    gk_error e;
    double p = NAN;
    if (gk_vsl_fit_model(&dk, GK_VSL_VSL1, &f, &e) == GK_OK && f.ok) p = gsl_cdf_chisq_Q(f.chi2, (double)(k - 2));
    gk_vsl_fit_free(&f);
    if (p >= 1e-3) {
      *k_ok = k, *p_ok = p, prev_fail = 0;
      continue;
    }
    if (prev_fail || k == d->n) break;
    prev_fail = 1;
  }
}

static void test_prefix_without_fits(void)
{
  const double Is[] = {INFINITY, 400, 150, 50};   /* peak (unsaturated) 166 */
  int ends_inside = 0;
  for (int c = 0; c < 5; c++) {
    gk_vsl_data d;
    make_data(&d, 1, 0);
    for (int i = 0; i < N; i++) {
      double v = 100 * expm1(25 * L[i]) / 25;
      if (c < 4) v = v / (1 + v / Is[c]);
      S[i] = 0.02 * v + 0.1;
      I[i] = v + S[i] * sin(2.3 * i + 0.4);
    }
    if (c == 4) I[12] += 8 * S[12];   /* one outlier */
    size_t k_ref;
    double p_ref;
    prefix_reference(&d, &k_ref, &p_ref);
    gk_vsl_lengths o;
    gk_error e;
    CHECK_INT(gk_vsl_lengths_compute(&d, &o, &e), GK_OK);
    CHECK_INT(o.n_small, k_ref >= 4 ? k_ref : 0);
    CHECK(same_num(o.p_value, p_ref));
    CHECK_INT(o.saturated, k_ref < N);
    if (k_ref >= 4 && k_ref < N) {
      ends_inside++;
      CHECK(same_num(o.l_sat_data, L[k_ref - 1]));
    }
  }
  /* the saturating sets end the range inside the scan (else this test
   * would not exercise the failures) */
  CHECK(ends_inside >= 2);
}

int main(void)
{
  RUN(test_is_of);
  RUN(test_offset_from);
  RUN(test_lengths_from);
  RUN(test_prefix_without_fits);
  return gk_test_summary();
}
