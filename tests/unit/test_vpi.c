/* Tests of the VPI global fit (physics.md §2) against synthetic data
 * generated from Eq. 6-8 by tests/vpi_synth.h, against finite
 * differences, and against the dense generic engine gk_fit. */
#include <gsl/gsl_errno.h>
#include "gainkit/vpi.h"
#include "gk_test.h"
#include "vpi/vpi_internal.h"
#include "vpi_synth.h"

static void data_of(const vpi_truth *t, int weighted, gk_vpi_data *d)
{
  gk_vpi_data x = {.nl = t->nl, .np = t->np, .lambda = t->lambda, .pump = t->pump, .I = t->I,
                   .sigma = weighted ? t->sigma : NULL, .F = t->F, .L = t->L};
  *d = x;
}

/* Threshold from its definition on the true parameters, by bisection on
 * the independent dn of vpi_synth.h. */
static double true_threshold(const vpi_truth *t, size_t ipk, double target)
{
  double lo = 1e-4, hi = t->pmax * 10;
  for (int k = 0; k < 200; k++) {
    double mid = sqrt(lo * hi);
    if (t->gamma[ipk] * synth_dn(t, mid) - t->alpha[ipk] < target) lo = mid;
    else hi = mid;
  }
  return sqrt(lo * hi);
}

static void check_exact(double bg, gk_vpi_model model, int fixed_alpha)
{
  vpi_truth t;
  synth_make(&t, 30, 12, bg, 0, 1);
  gk_vpi_data d;
  data_of(&t, 0, &d);
  if (fixed_alpha) d.alpha_fixed = t.alpha;
  gk_vpi_result r;
  gk_error e;
  CHECK_INT(gk_vpi_fit(&d, model, NULL, &r, &e), GK_OK);
  CHECK(r.converged);
  for (int k = 0; k < GK_VPI_NGLOB; k++) CHECK_CLOSE(r.glob[k], t.glob[k], 1e-6);
  for (size_t i = 0; i < t.nl; i++) {
    CHECK_ABS(r.gamma[i], t.gamma[i], 1e-6 * 14);  /* absolute: gamma crosses zero */
    CHECK_CLOSE(r.alpha[i], t.alpha[i], 1e-6);
  }
  for (size_t j = 0; j < t.np; j++) {
    CHECK_CLOSE(r.w1[j], t.w1[j], 1e-6);
    if (model == GK_VPI2 && bg > 0) CHECK_CLOSE(r.w2[j], t.w2[j], 1e-6);
  }
  CHECK_CLOSE(r.th_gl1, true_threshold(&t, r.ipk, 1 / t.L), 1e-6);
  CHECK_CLOSE(r.th_tr, true_threshold(&t, r.ipk, 0), 1e-6);
  /* the true ASE peak at the highest pump is the reported one */
  size_t ip = 0;
  double best = -1;
  for (size_t i = 0; i < t.nl; i++) {
    double g = t.gamma[i] - t.alpha[i], a = t.F[i] * (exp(g * t.L) - 1) / g;
    if (a > best) best = a, ip = i;
  }
  CHECK_INT(r.ipk, ip);
  gk_vpi_result_free(&r);
  synth_free(&t);
}

static void test_exact_vpi1(void) { check_exact(0, GK_VPI1, 0); }
static void test_exact_vpi2_background(void) { check_exact(20, GK_VPI2, 0); }
static void test_exact_vpi2_no_background(void) { check_exact(0, GK_VPI2, 0); }
static void test_exact_fixed_alpha(void) { check_exact(20, GK_VPI2, 1); }

/* 1 % relative noise, weighted fit: the estimates scatter around the truth
 * by their standard errors. The design must determine the 4 globals: with
 * the NC-DDAB-like default (12 pumps over 0.1-2, P1 = 3 above the data)
 * they are not (see test_undetermined_flagged), so these runs use 40 pumps
 * over 0.05-2 with P1 = 0.1, P2 = 1, m = 5, n = 2, where the onset and the
 * superlinear rise both lie inside the data (relative stderr 3-35 %, under GK_VPI_GLOB_RELSE = 50 %).
 * Per-wavelength checks count: with ~160 parameters at 3 sigma a few may
 * fall outside by chance, so at least 90 % must be inside (fixed seeds
 * make it reproducible). Known limits of this design, seen with other
 * seeds: dn(P) has a plateau between the linear onset and the
 * superlinear rise, and gL = 1 is crossed near it, so the threshold can
 * jump along the plateau (seed 7 with background: gl1 1.5 +- 0.15 against
 * a true 0.10); with seed 8 and background the fit stops at the iteration
 * limit in a shallower basin, which `converged` reports. */
static const double GOOD_GLOB[4] = {0.1, 1.0, 5.0, 2.0};

static void check_noise(double bg, gk_vpi_model model, unsigned long seed)
{
  vpi_truth t;
  synth_make_full(&t, 40, 40, bg, 0.01, seed, 0.05, 2.0, GOOD_GLOB);
  gk_vpi_data d;
  data_of(&t, 1, &d);
  gk_vpi_result r;
  gk_error e;
  CHECK_INT(gk_vpi_fit(&d, model, NULL, &r, &e), GK_OK);
  CHECK(r.converged);
  CHECK(r.cov_ok);
  CHECK(r.glob_determined);
  CHECK_MSG(r.chi2_red > 0.9 && r.chi2_red < 1.1, "chi2_red %g", r.chi2_red);
  for (int k = 0; k < GK_VPI_NGLOB; k++)
    CHECK_MSG(fabs(r.glob[k] - t.glob[k]) <= 3 * r.glob_se[k], "glob %d: %g vs %g (se %g)", k,
              r.glob[k], t.glob[k], r.glob_se[k]);
  size_t in = 0, n = 0;
  for (size_t i = 0; i < t.nl; i++) {
    in += fabs(r.gamma[i] - t.gamma[i]) <= 3 * r.gamma_se[i];
    in += fabs(r.alpha[i] - t.alpha[i]) <= 3 * r.alpha_se[i];
    n += 2;
  }
  for (size_t j = 0; j < t.np; j++) {
    in += fabs(r.w1[j] - t.w1[j]) <= 3 * r.w1_se[j];
    n++;
    if (model == GK_VPI2 && bg > 0) in += fabs(r.w2[j] - t.w2[j]) <= 3 * r.w2_se[j], n++;
  }
  CHECK_MSG(in >= 0.9 * n, "%zu of %zu parameters within 3 sigma", in, n);
  double th = true_threshold(&t, r.ipk, 1 / t.L);
  CHECK_MSG(fabs(r.th_gl1 - th) <= 3 * r.th_gl1_se, "gl1 %g vs %g (se %g)", r.th_gl1, th, r.th_gl1_se);
  th = true_threshold(&t, r.ipk, 0);
  if (isfinite(th) && th < t.pmax * 1e3)
    CHECK_MSG(fabs(r.th_tr - th) <= 3 * r.th_tr_se, "tr %g vs %g (se %g)", r.th_tr, th, r.th_tr_se);
  gk_vpi_result_free(&r);
  synth_free(&t);
}

static void test_noise_vpi1(void) { check_noise(0, GK_VPI1, 9); }
static void test_noise_vpi2(void) { check_noise(2, GK_VPI2, 9); }

/* The NC-DDAB-like design with 12 pumps does not determine the globals
 * (the fitted P1 lands orders of magnitude from the true 3 with a
 * comparable chi2): the fit must say so rather than report them. */
static void test_undetermined_flagged(void)
{
  vpi_truth t;
  synth_make(&t, 30, 12, 0, 0.01, 7);
  gk_vpi_data d;
  data_of(&t, 1, &d);
  gk_vpi_result r;
  gk_error e;
  CHECK_INT(gk_vpi_fit(&d, GK_VPI2, NULL, &r, &e), GK_OK);
  CHECK(!r.glob_determined);
  gk_vpi_result_free(&r);
  synth_free(&t);
}

/* Strong background (W2 = 5 W1): vpi1 cannot describe it: its chi2 exceeds
 * vpi2's by more than the 99 % quantile of chi-square with Np = 12 degrees
 * of freedom (26.2), and its threshold misses the true one by more than 3
 * of its standard errors while vpi2's is within 3. Without background both
 * give the same answer (vpi2 nests vpi1). */
static void test_models_disagree_agree(void)
{
  for (int withbg = 0; withbg < 2; withbg++) {
    vpi_truth t;
    synth_make(&t, 30, 12, withbg ? 5 : 0, 0.01, 7);
    gk_vpi_data d;
    data_of(&t, 1, &d);
    gk_vpi_result r1, r2;
    gk_error e;
    CHECK_INT(gk_vpi_fit(&d, GK_VPI1, NULL, &r1, &e), GK_OK);
    CHECK_INT(gk_vpi_fit(&d, GK_VPI2, NULL, &r2, &e), GK_OK);
    double th = true_threshold(&t, r2.ipk, 1 / t.L);
    if (withbg) {
      CHECK_MSG(r1.chi2 - r2.chi2 > 26.2, "chi2 vpi1 %g vpi2 %g", r1.chi2, r2.chi2);
      CHECK_MSG(fabs(r1.th_gl1 - th) > 3 * r1.th_gl1_se, "vpi1 threshold %g +- %g vs %g", r1.th_gl1, r1.th_gl1_se, th);
      CHECK_MSG(fabs(r2.th_gl1 - th) <= 3 * r2.th_gl1_se, "vpi2 threshold %g +- %g vs %g", r2.th_gl1, r2.th_gl1_se, th);
    } else {
      double sth = hypot(r1.th_gl1_se, r2.th_gl1_se);
      CHECK_MSG(r2.chi2 <= r1.chi2 * (1 + 1e-9), "vpi2 nests vpi1: %g > %g", r2.chi2, r1.chi2);
      CHECK_MSG(r1.chi2_red < 1.3, "vpi1 fits no-background data: chi2_red %g", r1.chi2_red);
      CHECK_MSG(fabs(r1.th_gl1 - r2.th_gl1) < 3 * sth, "thresholds %g and %g should agree (se %g)", r1.th_gl1, r2.th_gl1, sth);
    }
    gk_vpi_result_free(&r1);
    gk_vpi_result_free(&r2);
    synth_free(&t);
  }
}

/* Analytic derivatives against central differences. */
static void test_jacobian(void)
{
  double x[] = {-30, -2, -0.3, -0.04, -1e-3, 0, 1e-3, 0.049, 0.06, 0.5, 3, 40};
  for (size_t k = 0; k < sizeof x / sizeof *x; k++) {
    double h = 1e-5 * fmax(1, fabs(x[k]));
    CHECK_CLOSE(gk_vpi_de(x[k]), (gk_vpi_e(x[k] + h) - gk_vpi_e(x[k] - h)) / (2 * h), 1e-7);
    CHECK_CLOSE(gk_vpi_e(x[k]), x[k] ? (exp(x[k]) - 1) / x[k] : 1, 1e-9);
  }
  double gl[GK_VPI_NGLOB] = {0.7, 1.3, 2.6, 1.2}, p[VPI_ND] = {9, 1.3, 50, 700, 0.7, 1.3, 2.6, 1.2};
  double P = 0.8, pmax = 2, L = 0.45, F = 0.6;
  for (int model = GK_VPI1; model <= GK_VPI2; model++) {
    double d[VPI_ND], ddn[GK_VPI_NGLOB];
    int ok;
    double dn = gk_vpi_dn(P, p + VPI_D_GLOB, pmax, ddn);
    vpi_point(model, L, F, p[0], p[1], dn, ddn, p[2], p[3], d, &ok);
    CHECK(ok);
    for (int a = 0; a < VPI_ND; a++) {
      if (model == GK_VPI1 && a == VPI_D_W2) continue;
      double q[VPI_ND], f[2];
      for (int s = 0; s < 2; s++) {
        memcpy(q, p, sizeof q);
        double h = 1e-6 * fabs(p[a]);
        q[a] += s ? h : -h;
        double dd[GK_VPI_NGLOB], dq = gk_vpi_dn(P, q + VPI_D_GLOB, pmax, dd);
        f[s] = vpi_point(model, L, F, q[0], q[1], dq, dd, q[2], q[3], NULL, &ok);
      }
      CHECK_CLOSE(d[a], (f[1] - f[0]) / (2e-6 * fabs(p[a])), 1e-6);
    }
  }
  double h = 1e-6;
  CHECK_CLOSE(vpi_dn_dP(P, gl, pmax), (gk_vpi_dn(P + h, gl, pmax, NULL) - gk_vpi_dn(P - h, gl, pmax, NULL)) / (2 * h), 1e-7);
  CHECK_CLOSE(gk_vpi_dn(pmax, gl, pmax, NULL), 1.0, 1e-15);
}

static void test_nnls2(void)
{
  double w1, w2;
  /* y = 2a + 3b exactly */
  double a[] = {1, 2, 0.5}, b[] = {0.3, 1, 2}, y[3];
  double aa = 0, ab = 0, bb = 0, ay = 0, by = 0;
  for (int i = 0; i < 3; i++) y[i] = 2 * a[i] + 3 * b[i];
  for (int i = 0; i < 3; i++) aa += a[i] * a[i], ab += a[i] * b[i], bb += b[i] * b[i], ay += a[i] * y[i], by += b[i] * y[i];
  vpi_nnls2(aa, ab, bb, ay, by, &w1, &w2);
  CHECK_CLOSE(w1, 2, 1e-12);
  CHECK_CLOSE(w2, 3, 1e-12);
  /* y = 2a - 3b: the constrained optimum puts w2 on its bound; then w1 = a.y/a.a */
  ay = by = 0;
  for (int i = 0; i < 3; i++) y[i] = 2 * a[i] - 3 * b[i], ay += a[i] * y[i], by += b[i] * y[i];
  vpi_nnls2(aa, ab, bb, ay, by, &w1, &w2);
  CHECK_CLOSE(w1, ay / aa, 1e-12);
  CHECK(w2 == 0);
}

static void test_bad_input(void)
{
  vpi_truth t;
  synth_make(&t, 10, 5, 0, 0, 1);
  gk_vpi_data d;
  data_of(&t, 0, &d);
  gk_vpi_result r;
  gk_error e;
  d.L = 0;
  CHECK_INT(gk_vpi_fit(&d, GK_VPI1, NULL, &r, &e), GK_EUSAGE);
  d.L = t.L;
  d.nl = 2, d.np = 2;
  CHECK_INT(gk_vpi_fit(&d, GK_VPI2, NULL, &r, &e), GK_EUSAGE);
  synth_free(&t);
}

int main(void)
{
  gsl_set_error_handler_off();
  RUN(test_jacobian);
  RUN(test_nnls2);
  RUN(test_exact_vpi1);
  RUN(test_exact_vpi2_background);
  RUN(test_exact_vpi2_no_background);
  RUN(test_exact_fixed_alpha);
  RUN(test_noise_vpi1);
  RUN(test_noise_vpi2);
  RUN(test_undetermined_flagged);
  RUN(test_models_disagree_agree);
  RUN(test_bad_input);
  return gk_test_summary();
}
