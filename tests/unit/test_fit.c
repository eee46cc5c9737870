/* Tests of the fitting core against independent numbers: closed-form
 * (weighted) least squares, noise-free recovery, hand-computed covariance
 * scaling and information criteria, analytic error propagation. */
#include <float.h>

#include "gk_test.h"
#include "gainkit/fit.h"

#define NPT 20

/* Deterministic "noise" so that chi2 > 0 and the covariance is non-trivial. */
static double noise(size_t i) { return 0.05 * sin(1.7 * (double)i + 0.3) + 0.02 * cos(5.1 * (double)i); }

typedef struct { const double *x; size_t n; double x0; } lin_ctx;

static int lin_model(const double *t, double *yhat, void *vc)
{
  const lin_ctx *c = vc;
  for (size_t i = 0; i < c->n; i++) yhat[i] = t[0] + t[1] * c->x[i];
  return 0;
}

static int lin_jac(const double *t, double *j, void *vc)
{
  const lin_ctx *c = vc;
  (void)t;
  for (size_t i = 0; i < c->n; i++) { j[2 * i] = 1; j[2 * i + 1] = c->x[i]; }
  return 0;
}

static void lin_data(double *x, double *y)
{
  for (size_t i = 0; i < NPT; i++) {
    x[i] = 0.5 * (double)i - 2.0;
    y[i] = 1.3 - 0.7 * x[i] + noise(i);
  }
}

static gk_fit_problem problem(size_t n, size_t p, const double *y, gk_model_fn m, void *ctx,
                              const gk_param *par)
{
  gk_fit_problem pr = {0};
  pr.n = n; pr.p = p; pr.y = y; pr.model = m; pr.ctx = ctx; pr.param = par;
  pr.weighting = GK_WEIGHT_NONE;
  return pr;
}

/* Weighted straight-line least squares in closed form (w_i = 1/s_i^2). */
typedef struct { double a, b, va, vb, cab, chi2; } wls;
static wls wls_line(const double *x, const double *y, const double *s, size_t n)
{
  double S = 0, Sx = 0, Sxx = 0, Sy = 0, Sxy = 0;
  for (size_t i = 0; i < n; i++) {
    double w = s ? 1 / (s[i] * s[i]) : 1;
    S += w; Sx += w * x[i]; Sxx += w * x[i] * x[i]; Sy += w * y[i]; Sxy += w * x[i] * y[i];
  }
  double D = S * Sxx - Sx * Sx;
  wls r;
  r.a = (Sxx * Sy - Sx * Sxy) / D;
  r.b = (S * Sxy - Sx * Sy) / D;
  r.va = Sxx / D; r.vb = S / D; r.cab = -Sx / D;
  r.chi2 = 0;
  for (size_t i = 0; i < n; i++) {
    double e = (y[i] - r.a - r.b * x[i]) / (s ? s[i] : 1);
    r.chi2 += e * e;
  }
  return r;
}

static void test_linear_ols(void)
{
  double x[NPT], y[NPT];
  lin_data(x, y);
  lin_ctx c = { x, NPT, 0 };
  gk_param par[2] = { { "a", NULL, 0, -INFINITY, INFINITY, 0 }, { "b", NULL, 1, -INFINITY, INFINITY, 0 } };
  wls w = wls_line(x, y, NULL, NPT);
  double s2 = w.chi2 / (NPT - 2);
  for (int analytic = 0; analytic < 2; analytic++) {
    gk_fit_problem pr = problem(NPT, 2, y, lin_model, &c, par);
    pr.jac = analytic ? lin_jac : NULL;
    gk_fit_result r;
    gk_error e;
    CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
    CHECK(r.converged);
    CHECK(r.cov_ok);
    CHECK_CLOSE(r.value[0], w.a, 1e-10);
    CHECK_CLOSE(r.value[1], w.b, 1e-10);
    /* FD Jacobian of a linear model is exact up to rounding (~1e-11) */
    CHECK_CLOSE(r.se[0], sqrt(s2 * w.va), 1e-8);
    CHECK_CLOSE(r.se[1], sqrt(s2 * w.vb), 1e-8);
    CHECK_CLOSE(r.cov[1], s2 * w.cab, 1e-8);
    CHECK_CLOSE(r.chi2, w.chi2, 1e-10);
    CHECK_INT(r.dof, NPT - 2);
    CHECK_CLOSE(r.chi2_red, s2, 1e-10);
    CHECK_INT(r.n_free, 2);
    /* information criteria, Gaussian likelihood with unknown variance */
    double aic = NPT * log(w.chi2 / NPT) + 2 * 2;
    CHECK_CLOSE(r.aic, aic, 1e-10);
    CHECK_CLOSE(r.aicc, aic + 2.0 * 2 * 3 / (NPT - 2 - 1), 1e-10);
    CHECK_CLOSE(r.bic, NPT * log(w.chi2 / NPT) + 2 * log(NPT), 1e-10);
    /* residual sign convention: (yhat - y) / s */
    CHECK_CLOSE(r.resid[3], (w.a + w.b * x[3]) - y[3], 1e-8);
    CHECK_CLOSE(r.yhat[3], w.a + w.b * x[3], 1e-12);
    CHECK_INT(gk_fit_param_index(&pr, "b"), 1);
    CHECK_INT(gk_fit_param_index(&pr, "zz"), -1);
    gk_fit_result_free(&r);
  }
}

static void test_weights(void)
{
  double x[NPT], y[NPT], s[NPT];
  lin_data(x, y);
  for (size_t i = 0; i < NPT; i++) s[i] = 0.02 + 0.01 * (double)(i % 4);
  lin_ctx c = { x, NPT, 0 };
  gk_param par[2] = { { "a", NULL, 0, -INFINITY, INFINITY, 0 }, { "b", NULL, 1, -INFINITY, INFINITY, 0 } };
  wls w = wls_line(x, y, s, NPT);
  for (int absolute = 0; absolute < 2; absolute++) {
    gk_fit_problem pr = problem(NPT, 2, y, lin_model, &c, par);
    pr.weighting = GK_WEIGHT_SIGMA;
    pr.sigma = s;
    pr.absolute_sigma = absolute;
    gk_fit_result r;
    gk_error e;
    CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
    double f = absolute ? 1.0 : w.chi2 / (NPT - 2);
    CHECK_CLOSE(r.value[0], w.a, 1e-10);
    CHECK_CLOSE(r.value[1], w.b, 1e-10);
    CHECK_CLOSE(r.chi2, w.chi2, 1e-10);
    CHECK_CLOSE(r.se[0], sqrt(f * w.va), 1e-8);
    CHECK_CLOSE(r.se[1], sqrt(f * w.vb), 1e-8);
    CHECK_CLOSE(r.resid[5], (w.a + w.b * x[5] - y[5]) / s[5], 1e-8);
    double m2l = absolute ? w.chi2 : NPT * log(w.chi2 / NPT);
    CHECK_CLOSE(r.aic, m2l + 4, 1e-10);
    CHECK_CLOSE(r.bic, m2l + 2 * log(NPT), 1e-10);
    gk_fit_result_free(&r);
  }
  /* relative weighting is sigma weighting with s_i = |y_i| */
  double ay[NPT];
  for (size_t i = 0; i < NPT; i++) ay[i] = fabs(y[i]);
  wls wr = wls_line(x, y, ay, NPT);
  gk_fit_problem pr = problem(NPT, 2, y, lin_model, &c, par);
  pr.weighting = GK_WEIGHT_RELATIVE;
  gk_fit_result r;
  gk_error e;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
  CHECK_CLOSE(r.value[0], wr.a, 1e-9);
  CHECK_CLOSE(r.value[1], wr.b, 1e-9);
  CHECK_CLOSE(r.se[1], sqrt(wr.chi2 / (NPT - 2) * wr.vb), 1e-7);
  gk_fit_result_free(&r);
}

static void test_fixed(void)
{
  double x[NPT], y[NPT];
  lin_data(x, y);
  lin_ctx c = { x, NPT, 0 };
  const double a0 = 1.25;
  gk_param par[2] = { { "a", NULL, a0, -INFINITY, INFINITY, 1 }, { "b", NULL, 1, -INFINITY, INFINITY, 0 } };
  /* slope through a fixed intercept: b = sum x (y - a0) / sum x^2 */
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < NPT; i++) { sxx += x[i] * x[i]; sxy += x[i] * (y[i] - a0); }
  double b = sxy / sxx, ssr = 0;
  for (size_t i = 0; i < NPT; i++) ssr += pow(y[i] - a0 - b * x[i], 2);
  for (int analytic = 0; analytic < 2; analytic++) {
    gk_fit_problem pr = problem(NPT, 2, y, lin_model, &c, par);
    pr.jac = analytic ? lin_jac : NULL;
    gk_fit_result r;
    gk_error e;
    CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
    CHECK(r.value[0] == a0);
    CHECK_CLOSE(r.value[1], b, 1e-10);
    CHECK(r.se[0] == 0);
    CHECK_CLOSE(r.se[1], sqrt(ssr / (NPT - 1) / sxx), 1e-8);
    CHECK_INT(r.dof, NPT - 1);
    CHECK_INT(r.n_free, 1);
    CHECK(r.cov[0] == 0 && r.cov[1] == 0);
    gk_fit_result_free(&r);
  }
}

/* y = A exp(-x / tau) + B */
typedef struct { const double *x; size_t n; int fail_neg_tau; } exp_ctx;
static int exp_model(const double *t, double *yhat, void *vc)
{
  const exp_ctx *c = vc;
  if (c->fail_neg_tau && t[1] <= 0) return -1;
  for (size_t i = 0; i < c->n; i++) yhat[i] = t[0] * exp(-c->x[i] / t[1]) + t[2];
  return 0;
}

#define NEXP 30
static void exp_data(double *x, double *y, double A, double tau, double B)
{
  for (size_t i = 0; i < NEXP; i++) {
    x[i] = 0.2 * (double)i;
    y[i] = A * exp(-x[i] / tau) + B;
  }
}

static void test_exp_noise_free(void)
{
  double x[NEXP], y[NEXP];
  exp_data(x, y, 5.0, 1.7, 0.4);
  exp_ctx c = { x, NEXP, 1 };
  gk_param par[3] = { { "A", NULL, 2, -INFINITY, INFINITY, 0 },
                      { "tau", "ns", 0.5, -INFINITY, INFINITY, 0 },
                      { "B", NULL, 0, -INFINITY, INFINITY, 0 } };
  for (int m = 0; m < 3; m++) {
    gk_fit_problem pr = problem(NEXP, 3, y, exp_model, &c, par);
    gk_fit_options o;
    gk_fit_options_default(&o);
    o.method = (gk_fit_method)m;
    gk_fit_result r;
    gk_error e;
    CHECK_INT(gk_fit(&pr, &o, &r, &e), GK_OK);
    CHECK_MSG(r.converged, "method %d: %s", m, r.reason);
    CHECK_CLOSE(r.value[0], 5.0, 1e-10);
    CHECK_CLOSE(r.value[1], 1.7, 1e-10);
    CHECK_CLOSE(r.value[2], 0.4, 1e-10);
    CHECK(r.chi2 < 1e-20);
    CHECK(r.n_iter > 0 && r.n_fev >= r.n_iter && r.n_jev > 0);
    gk_fit_result_free(&r);
  }
}

/* Started exactly at the optimum of noise-free data, no step can reduce
 * chi2; that is a minimum, and must be reported as converged. */
static void test_start_at_optimum(void)
{
  double x[NEXP], y[NEXP];
  exp_data(x, y, 5.0, 1.7, 0.4);
  exp_ctx c = { x, NEXP, 1 };
  gk_param par[3] = { { "A", NULL, 5.0, -INFINITY, INFINITY, 0 },
                      { "tau", "ns", 1.7, -INFINITY, INFINITY, 0 },
                      { "B", NULL, 0.4, -INFINITY, INFINITY, 0 } };
  gk_fit_problem pr = problem(NEXP, 3, y, exp_model, &c, par);
  gk_fit_options o;
  gk_fit_options_default(&o);
  gk_fit_result r;
  gk_error e;
  CHECK_INT(gk_fit(&pr, &o, &r, &e), GK_OK);
  CHECK_MSG(r.converged, "%s", r.reason);
  CHECK_CLOSE(r.value[1], 1.7, 1e-12);
  gk_fit_result_free(&r);
}

/* Inactive bounds change nothing; an active bound pins the value. */
static void test_bounds(void)
{
  double x[NEXP], y[NEXP];
  exp_data(x, y, 5.0, 1.7, 0.4);
  for (size_t i = 0; i < NEXP; i++) y[i] += 0.01 * noise(i);
  exp_ctx c = { x, NEXP, 0 };
  gk_param par[3] = { { "A", NULL, 3, -INFINITY, INFINITY, 0 },
                      { "tau", NULL, 1.0, -INFINITY, INFINITY, 0 },
                      { "B", NULL, 0.1, -INFINITY, INFINITY, 0 } };
  gk_fit_problem pr = problem(NEXP, 3, y, exp_model, &c, par);
  gk_fit_result free_fit, r;
  gk_error e;
  CHECK_INT(gk_fit(&pr, NULL, &free_fit, &e), GK_OK);
  CHECK(free_fit.converged);
  CHECK(!free_fit.at_bound);
  /* both bounds, lower only, upper only, on all three parameters */
  const double lo[3][3] = { { 0, 0.1, -1 }, { 0, 0.01, -5 }, { -INFINITY, -INFINITY, -INFINITY } };
  const double hi[3][3] = { { 100, 10, 2 }, { INFINITY, INFINITY, INFINITY }, { 50, 20, 3 } };
  for (int b = 0; b < 3; b++) {
    gk_param bp[3];
    memcpy(bp, par, sizeof bp);
    for (int k = 0; k < 3; k++) { bp[k].lo = lo[b][k]; bp[k].hi = hi[b][k]; }
    pr.param = bp;
    CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
    CHECK_MSG(r.converged, "bounds %d: %s", b, r.reason);
    CHECK(!r.at_bound);
    for (int k = 0; k < 3; k++) {
      CHECK_CLOSE(r.value[k], free_fit.value[k], 1e-10);
      /* covariance comes from the Jacobian in theta: independent of the map */
      CHECK_CLOSE(r.se[k], free_fit.se[k], 1e-7);
    }
    gk_fit_result_free(&r);
  }
  gk_fit_result_free(&free_fit);

  /* active: line with the slope capped below its free optimum; then the
   * intercept is the conditional OLS value mean(y - hi x) */
  double lx[NPT], ly[NPT];
  lin_data(lx, ly);
  lin_ctx lc = { lx, NPT, 0 };
  const double cap = -0.9; /* free slope is about -0.7 */
  for (int two = 0; two < 2; two++) {
    gk_param lp[2] = { { "a", NULL, 0, -INFINITY, INFINITY, 0 },
                       { "b", NULL, -1.0, two ? -3.0 : -INFINITY, cap, 0 } };
    gk_fit_problem lpr = problem(NPT, 2, ly, lin_model, &lc, lp);
    CHECK_INT(gk_fit(&lpr, NULL, &r, &e), GK_OK);
    double a = 0;
    for (size_t i = 0; i < NPT; i++) a += (ly[i] - cap * lx[i]) / NPT;
    CHECK_MSG(r.converged, "%s", r.reason);
    CHECK(r.at_bound);
    CHECK(r.value[1] == cap);
    /* Tolerance: a parameter approaching a bound through the transform
     * converges linearly, and the last steps are accepted only while they
     * lower chi2 by more than rounding (~eps chi2). That leaves a within
     * ~sqrt(eps chi2 / n) of its conditional optimum: with the large
     * residuals of a capped slope, ~1e-9 relative rather than 1e-12. */
    double atol = 10 * sqrt(DBL_EPSILON * r.chi2 / NPT);
    CHECK_ABS(r.value[0], a, atol);
    CHECK(atol < 1e-7);
    CHECK_MSG(strstr(r.reason, "'b' at its upper bound") != NULL, "reason: %s", r.reason);
    gk_fit_result_free(&r);
  }
  /* a start exactly on the bound must still be able to leave it */
  gk_param lp[2] = { { "a", NULL, 0, -INFINITY, INFINITY, 0 }, { "b", NULL, 0.0, -2.0, 0.0, 0 } };
  gk_fit_problem lpr = problem(NPT, 2, ly, lin_model, &lc, lp);
  wls w = wls_line(lx, ly, NULL, NPT);
  CHECK_INT(gk_fit(&lpr, NULL, &r, &e), GK_OK);
  CHECK(!r.at_bound);
  CHECK_CLOSE(r.value[1], w.b, 1e-10);
  gk_fit_result_free(&r);
}

/* y = sin(w x): chi2(w) has many local minima. */
typedef struct { const double *x; size_t n; } sin_ctx;
static int sin_model(const double *t, double *yhat, void *vc)
{
  const sin_ctx *c = vc;
  for (size_t i = 0; i < c->n; i++) yhat[i] = t[1] * sin(t[0] * c->x[i]);
  return 0;
}

static void test_multistart(void)
{
  enum { N = 200 };
  double x[N], y[N];
  for (size_t i = 0; i < N; i++) { x[i] = 0.05 * (double)i; y[i] = 1.5 * sin(3.7 * x[i]); }
  sin_ctx c = { x, N };
  gk_param par[2] = { { "w", NULL, 1.0, 0, 10, 0 }, { "amp", NULL, 1.0, -INFINITY, INFINITY, 0 } };
  gk_fit_problem pr = problem(N, 2, y, sin_model, &c, par);
  gk_fit_result single, r;
  gk_error e;
  CHECK_INT(gk_fit(&pr, NULL, &single, &e), GK_OK);
  /* the single start from w = 1 is trapped (otherwise this test proves nothing) */
  CHECK(fabs(single.value[0] - 3.7) > 0.1);
  /* the basin of w = 3.7 is about +-pi/10 wide: only 3.5 lies in it */
  const double starts[] = { 2.0, 1.0, 3.0, 1.0, 3.5, 1.0, 4.5, 1.0, 6.0, 1.0 };
  pr.starts = starts;
  pr.n_starts = 5;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
  CHECK(r.converged);
  CHECK_CLOSE(r.value[0], 3.7, 1e-10);
  CHECK_CLOSE(r.value[1], 1.5, 1e-10);
  CHECK(r.chi2 < single.chi2);
  CHECK_INT(r.best_start, 3);
  gk_fit_result_free(&r);
  gk_fit_result_free(&single);
}

static double q_pred(const double *t, void *vc) { return t[0] + t[1] * ((lin_ctx *)vc)->x0; }
static double q_prod(const double *t, void *vc) { (void)vc; return t[0] * t[1]; }

static void test_derived_se(void)
{
  double x[NPT], y[NPT];
  lin_data(x, y);
  lin_ctx c = { x, NPT, 3.3 };
  gk_param par[2] = { { "a", NULL, 0, -INFINITY, INFINITY, 0 }, { "b", NULL, 1, -INFINITY, INFINITY, 0 } };
  gk_fit_problem pr = problem(NPT, 2, y, lin_model, &c, par);
  gk_fit_result r;
  gk_error e;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
  double va = r.cov[0], vb = r.cov[3], cab = r.cov[1], a = r.value[0], b = r.value[1];
  CHECK_CLOSE(gk_fit_derived_se(&r, q_pred, &c), sqrt(va + c.x0 * c.x0 * vb + 2 * c.x0 * cab), 1e-8);
  CHECK_CLOSE(gk_fit_derived_se(&r, q_prod, &c), sqrt(b * b * va + a * a * vb + 2 * a * b * cab), 1e-8);
  gk_fit_result_free(&r);
}

static void test_nonconvergence(void)
{
  double x[NEXP], y[NEXP];
  exp_data(x, y, 5.0, 1.7, 0.4);
  exp_ctx c = { x, NEXP, 1 };
  gk_param par[3] = { { "A", NULL, 1, -INFINITY, INFINITY, 0 },
                      { "tau", NULL, 0.3, -INFINITY, INFINITY, 0 },
                      { "B", NULL, 0, -INFINITY, INFINITY, 0 } };
  gk_fit_problem pr = problem(NEXP, 3, y, exp_model, &c, par);
  gk_fit_options o;
  gk_fit_options_default(&o);
  o.max_iter = 2;
  gk_fit_result r;
  gk_error e;
  CHECK_INT(gk_fit(&pr, &o, &r, &e), GK_OK);
  CHECK(!r.converged);
  CHECK_INT(r.n_iter, 2);
  CHECK_MSG(strstr(r.reason, "iteration limit 2 reached") != NULL, "reason: %s", r.reason);
  for (int k = 0; k < 3; k++) CHECK(isfinite(r.value[k]));
  CHECK(isfinite(r.chi2) && r.chi2 > 0);
  gk_fit_result_free(&r);
}

/* The model refuses tau <= 0; a start far off forces trial steps there. */
static void test_model_failure(void)
{
  double x[NEXP], y[NEXP];
  exp_data(x, y, 5.0, 0.05, 0.4);
  exp_ctx c = { x, NEXP, 1 };
  gk_param par[3] = { { "A", NULL, 1, -INFINITY, INFINITY, 0 },
                      { "tau", NULL, 3, -INFINITY, INFINITY, 0 },
                      { "B", NULL, 0, -INFINITY, INFINITY, 0 } };
  gk_fit_problem pr = problem(NEXP, 3, y, exp_model, &c, par);
  gk_fit_result r;
  gk_error e;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
  for (int k = 0; k < 3; k++) CHECK(isfinite(r.value[k]));
  CHECK(r.value[1] > 0);
  if (r.converged) CHECK_CLOSE(r.value[1], 0.05, 1e-8);
  gk_fit_result_free(&r);
  /* failing at the first start, fine at the second */
  par[1].init = -1;
  const double st[] = { 2, 0.2, 0 };
  pr.starts = st;
  pr.n_starts = 1;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
  CHECK_INT(r.best_start, 1);
  CHECK(r.converged);
  CHECK_CLOSE(r.value[1], 0.05, 1e-9);
  gk_fit_result_free(&r);
  /* failing everywhere */
  pr.n_starts = 0;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EDOM);
  CHECK(r.value == NULL);
  CHECK_MSG(strstr(e.msg, "model failed") != NULL, "msg: %s", e.msg);
}

/* y = a b x: only the product is determined */
static int prod_model(const double *t, double *yhat, void *vc)
{
  const lin_ctx *c = vc;
  for (size_t i = 0; i < c->n; i++) yhat[i] = t[0] * t[1] * c->x[i];
  return 0;
}

static void test_singular(void)
{
  double x[NPT], y[NPT];
  lin_data(x, y);
  lin_ctx c = { x, NPT, 0 };
  /* a = -b at the start: with a = b the symmetric path could never make
   * the product negative */
  gk_param par[2] = { { "a", NULL, 1, -INFINITY, INFINITY, 0 }, { "b", NULL, -1, -INFINITY, INFINITY, 0 } };
  gk_fit_problem pr = problem(NPT, 2, y, prod_model, &c, par);
  gk_fit_result r;
  gk_error e;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
  CHECK(!r.cov_ok);
  CHECK(isnan(r.se[0]) && isnan(r.se[1]));
  CHECK_MSG(strstr(r.reason, "singular") != NULL, "reason: %s", r.reason);
  /* the product itself is still fitted: slope through the origin */
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < NPT; i++) { sxx += x[i] * x[i]; sxy += x[i] * y[i]; }
  CHECK_CLOSE(r.value[0] * r.value[1], sxy / sxx, 1e-9);
  CHECK(isnan(gk_fit_derived_se(&r, q_prod, NULL)));
  gk_fit_result_free(&r);
}

static void test_errors(void)
{
  double x[NPT], y[NPT], s[NPT];
  lin_data(x, y);
  for (size_t i = 0; i < NPT; i++) s[i] = 0.1;
  lin_ctx c = { x, NPT, 0 };
  gk_param par[2] = { { "a", NULL, 0, -INFINITY, INFINITY, 0 }, { "b", NULL, 1, -INFINITY, INFINITY, 0 } };
  gk_fit_result r;
  gk_error e;

  gk_fit_problem pr = problem(1, 2, y, lin_model, &c, par);
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "1 data points cannot determine 2") != NULL);

  pr = problem(NPT, 2, y, lin_model, &c, par);
  par[1].lo = 2; par[1].hi = 1;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "'b'") != NULL && strstr(e.msg, "bounds") != NULL);
  par[1].lo = 2; par[1].hi = 3;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "outside its bounds") != NULL);
  par[1].lo = -INFINITY; par[1].hi = INFINITY;
  const double bad_start[] = { 0, NAN };
  pr.starts = bad_start;
  pr.n_starts = 1;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "start 1") != NULL);
  pr.starts = NULL;
  pr.n_starts = 0;

  pr.weighting = GK_WEIGHT_SIGMA;
  pr.sigma = s;
  s[7] = 0;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EUSAGE);
  CHECK_MSG(strstr(e.msg, "data point 7") != NULL, "msg: %s", e.msg);
  s[7] = -0.1;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EUSAGE);
  s[7] = 0.1;
  pr.sigma = NULL;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EUSAGE);

  pr.weighting = GK_WEIGHT_RELATIVE;
  double y0[NPT];
  memcpy(y0, y, sizeof y0);
  y0[4] = 0;
  pr.y = y0;
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "data point 4") != NULL);
  /* an exactly determined fit has no degrees of freedom for chi2_red */
  lin_ctx c2 = { x, 2, 0 };
  pr = problem(2, 2, y, lin_model, &c2, par);
  CHECK_INT(gk_fit(&pr, NULL, &r, &e), GK_OK);
  CHECK_INT(r.dof, 0);
  CHECK(!r.cov_ok && isnan(r.se[0]));
  CHECK(isnan(r.aicc));
  gk_fit_result_free(&r);
  gk_fit_result_free(&r); /* freeing twice is harmless */
}

int main(void)
{
  RUN(test_linear_ols);
  RUN(test_weights);
  RUN(test_fixed);
  RUN(test_exp_noise_free);
  RUN(test_start_at_optimum);
  RUN(test_bounds);
  RUN(test_multistart);
  RUN(test_derived_se);
  RUN(test_nonconvergence);
  RUN(test_model_failure);
  RUN(test_singular);
  RUN(test_errors);
  return gk_test_summary();
}
