/* ASE threshold from a pump series: kink (two-segment log–log fit), lines
 * (classic two-line construction) and fwhm (logistic FWHM collapse).
 * Definitions in gainkit/threshold.h and docs/threshold.md. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit.h>

#include "gainkit/fit.h"
#include "gainkit/threshold.h"
#include "core/core_internal.h"

#define LN10 2.302585092994045684

/* ---- shared: validation and sorting ------------------------------------- */

typedef struct pt { double x, y; } pt;

static int cmp_pt(const void *a, const void *b)
{
  double u = ((const pt *)a)->x, v = ((const pt *)b)->x;
  return (u > v) - (u < v);
}

/* Validate and copy into x/y sorted by pump. log_x: x = log10(pump);
 * log_y: y = log10(val); positive: val must be > 0 (always when log_y).
 * what names the values in messages. */
static int prepare(const double *pump, const double *val, size_t n, int log_x, int log_y,
                   int positive, const char *what, double **xs, double **ys, gk_error *err)
{
  *xs = *ys = NULL;
  if (n < GK_THRESHOLD_MIN_POINTS)
    return gk_error_set(err, GK_EINPUT, NULL, 0,
                        "a threshold needs at least %d points, got %zu",
                        GK_THRESHOLD_MIN_POINTS, n);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(pump[i]) || pump[i] <= 0.0)
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: pump %g must be positive", i + 1,
                          pump[i]);
    if (!isfinite(val[i]) || ((positive || log_y) && val[i] <= 0.0))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: %s %g must be %s", i + 1, what,
                          val[i], positive || log_y ? "positive" : "finite");
  }
  pt *p = malloc(n * sizeof *p);
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  if (!p || !x || !y) {
    free(p); free(x); free(y);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t i = 0; i < n; i++) p[i] = (pt){pump[i], val[i]};
  qsort(p, n, sizeof *p, cmp_pt);
  for (size_t i = 0; i < n; i++) {
    x[i] = log_x ? log10(p[i].x) : p[i].x;
    y[i] = log_y ? log10(p[i].y) : p[i].y;
  }
  free(p);
  *xs = x;
  *ys = y;
  return GK_OK;
}

/* ---- kink ---------------------------------------------------------------- */

typedef struct kink_ctx { const double *x; size_t n; } kink_ctx;

static int kink_model(const double *t, double *yhat, void *vctx)
{
  const kink_ctx *c = vctx;
  for (size_t i = 0; i < c->n; i++) {
    double d = c->x[i] - t[GK_KINK_XB];
    yhat[i] = t[GK_KINK_A] + t[GK_KINK_B1] * fmin(d, 0.0) + t[GK_KINK_B2] * fmax(d, 0.0);
  }
  return 0;
}

static int kink_jac(const double *t, double *jac, void *vctx)
{
  const kink_ctx *c = vctx;
  for (size_t i = 0; i < c->n; i++) {
    double d = c->x[i] - t[GK_KINK_XB], *r = jac + i * GK_KINK_NP;
    r[GK_KINK_A] = 1.0;
    r[GK_KINK_B1] = fmin(d, 0.0);
    r[GK_KINK_B2] = fmax(d, 0.0);
    r[GK_KINK_XB] = d < 0.0 ? -t[GK_KINK_B1] : -t[GK_KINK_B2];
  }
  return 0;
}

/* For fixed xb the model is linear in (a, b1, b2): solve it by linear least
 * squares and return the residual sum of squares (coefficients in c). */
static double kink_profile(const double *x, const double *y, size_t n, double xb,
                           gsl_matrix *X, gsl_vector *yv, gsl_vector *c, gsl_matrix *cov,
                           gsl_multifit_linear_workspace *w)
{
  for (size_t i = 0; i < n; i++) {
    double d = x[i] - xb;
    gsl_matrix_set(X, i, 0, 1.0);
    gsl_matrix_set(X, i, 1, fmin(d, 0.0));
    gsl_matrix_set(X, i, 2, fmax(d, 0.0));
    gsl_vector_set(yv, i, y[i]);
  }
  double chisq;
  if (gsl_multifit_linear(X, yv, c, cov, &chisq, w) != 0) return INFINITY;
  return chisq;
}

/* Subdivisions of each interval between neighbouring x in the profile
 * search: the profile is smooth inside an interval, so a modest number
 * brackets its minimum well enough for the refinement to finish the job. */
#define KINK_SUBDIV 40

/* Running sums of the points 0..i-1 (index i of each array), in
 * coordinates centred on the means so that the moments about a break
 * below do not lose digits to a large offset. */
typedef struct kink_sums { double *x, *xx, *y, *xy; double yy; } kink_sums;

/* Residual sum of squares of the two-segment fit with the break at xb
 * (centred), the points 0..i left of it and i+1..n-1 right of it, from the
 * running sums alone: O(1) per break. With u = min(x - xb, 0) and
 * v = max(x - xb, 0) the columns are 1, u, v; u vanishes on the right and
 * v on the left, so the normal matrix is [[n Su Sv] [Su Suu 0] [Sv 0 Svv]]
 * and eliminating b1, b2 leaves one equation for a. Returns NAN where the
 * system is singular (all points of one side at the break, only two
 * distinct pumps): the caller then solves that break by SVD. */
static double kink_sse_fast(const kink_sums *S, size_t n, size_t i, double xb, double c[3])
{
  double nl = (double)(i + 1), nr = (double)(n - i - 1);
  double lx = S->x[i + 1], lxx = S->xx[i + 1], ly = S->y[i + 1], lxy = S->xy[i + 1];
  double rx = S->x[n] - lx, rxx = S->xx[n] - lxx, ry = S->y[n] - ly, rxy = S->xy[n] - lxy;
  double su = lx - nl * xb, suu = lxx - 2 * xb * lx + nl * xb * xb, suy = lxy - xb * ly;
  double sv = rx - nr * xb, svv = rxx - 2 * xb * rx + nr * xb * xb, svy = rxy - xb * ry;
  double sy = S->y[n];
  /* Suu >= Su^2/nl always; equality (a side without spread about xb) or
   * round-off below it makes the elimination meaningless */
  if (!(suu > 1e-12 * (lxx + nl * xb * xb) && svv > 1e-12 * (rxx + nr * xb * xb))) return NAN;
  double den = (double)n - su * su / suu - sv * sv / svv;
  if (!(den > 1e-12 * (double)n)) return NAN;
  double a = (sy - su * suy / suu - sv * svy / svv) / den;
  c[0] = a;
  c[1] = (suy - su * a) / suu;
  c[2] = (svy - sv * a) / svv;
  double sse = S->yy - a * sy - c[1] * suy - c[2] * svy;
  return sse > 0 ? sse : 0;
}

static int kink_sums_init(kink_sums *S, const double *x, const double *y, size_t n, double *xm, double *ym)
{
  double *mem = malloc(4 * (n + 1) * sizeof *mem);
  if (!mem) return -1;
  S->x = mem;
  S->xx = mem + (n + 1);
  S->y = mem + 2 * (n + 1);
  S->xy = mem + 3 * (n + 1);
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= (double)n;
  my /= (double)n;
  S->x[0] = S->xx[0] = S->y[0] = S->xy[0] = S->yy = 0;
  for (size_t i = 0; i < n; i++) {
    double u = x[i] - mx, w = y[i] - my;
    S->x[i + 1] = S->x[i] + u;
    S->xx[i + 1] = S->xx[i] + u * u;
    S->y[i + 1] = S->y[i] + w;
    S->xy[i + 1] = S->xy[i] + u * w;
    S->yy += w * w;
  }
  *xm = mx;
  *ym = my;
  return 0;
}

/* The profile search: every break on the grid of KINK_SUBDIV steps per
 * interval between x[1] and x[n-2] (x sorted), the best one by residual sum
 * of squares. Breaks are ranked by the running-sum formula (O(1) each, so
 * O(KINK_SUBDIV n) in all, where one SVD fit per break made it
 * O(KINK_SUBDIV n^2): 32 s at 2,000 points); the winner's coefficients are
 * then recomputed by SVD from the points, so the start handed to the
 * nonlinear fit is exactly what the brute-force search gave for it. */
int gk_threshold_kink_search(const double *x, const double *y, size_t n, double best[GK_KINK_NP],
                             double *best_sse, gk_error *err)
{
  gk_gsl_init_();
  if (n < 4) return gk_error_set(err, GK_EINPUT, NULL, 0, "kink: needs at least 4 points, got %zu", n);
  gsl_matrix *X = gsl_matrix_alloc(n, 3), *cov = gsl_matrix_alloc(3, 3);
  gsl_vector *yv = gsl_vector_alloc(n), *c = gsl_vector_alloc(3);
  gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 3);
  kink_sums S = {0};
  double xm = 0, ym = 0;
  int st = GK_OK;
  if (!X || !cov || !yv || !c || !w || kink_sums_init(&S, x, y, n, &xm, &ym))
    st = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  double sse_min = INFINITY, xb_min = NAN;
  for (size_t i = 1; !st && i + 2 < n; i++) {
    for (int k = 0; k <= KINK_SUBDIV; k++) {
      double xb = x[i] + (x[i + 1] - x[i]) * k / KINK_SUBDIV, cf[3];
      double sse = kink_sse_fast(&S, n, i, xb - xm, cf);
      if (isnan(sse)) sse = kink_profile(x, y, n, xb, X, yv, c, cov, w);
      if (sse < sse_min) {
        sse_min = sse;
        xb_min = xb;
      }
    }
  }
  if (!st && isfinite(sse_min)) {
    *best_sse = kink_profile(x, y, n, xb_min, X, yv, c, cov, w);
    best[GK_KINK_A] = gsl_vector_get(c, 0);
    best[GK_KINK_B1] = gsl_vector_get(c, 1);
    best[GK_KINK_B2] = gsl_vector_get(c, 2);
    best[GK_KINK_XB] = xb_min;
  }
  free(S.x);
  gsl_matrix_free(X); gsl_matrix_free(cov); gsl_vector_free(yv); gsl_vector_free(c);
  gsl_multifit_linear_free(w);
  if (!st && !(isfinite(sse_min) && isfinite(*best_sse)))
    st = gk_error_set(err, GK_EDOM, NULL, 0, "kink: no break point gives a solvable fit");
  return st;
}

/* Both fitted thresholds (kink, fwhm) are 10^x for a fitted parameter x
 * = log10(pump): copy the fit result and turn x into the threshold with
 * its standard error by the delta method, d(10^x)/dx = ln10 · 10^x. */
static void take_log10_fit(const gk_fit_result *fr, int np, int ix, double *p, double *se, double *sse,
                           int *converged, int *cov_ok, char *reason, size_t reason_size, double *value,
                           double *stderr_)
{
  for (int k = 0; k < np; k++) {
    p[k] = fr->value[k];
    se[k] = fr->se[k];
  }
  *sse = fr->chi2;
  *converged = fr->converged;
  *cov_ok = fr->cov_ok && isfinite(se[ix]);
  snprintf(reason, reason_size, "%s", fr->reason);
  *value = pow(10.0, p[ix]);
  *stderr_ = LN10 * *value * se[ix];
}

int gk_threshold_kink_fit(const double *pump, const double *intensity, size_t n,
                          gk_threshold_kink *res, gk_error *err)
{
  gk_gsl_init_();
  memset(res, 0, sizeof *res);
  double *x, *y;
  int rc = prepare(pump, intensity, n, 1, 1, 1, "intensity", &x, &y, err);
  if (rc) return rc;
  double start[GK_KINK_NP], sse0;
  rc = gk_threshold_kink_search(x, y, n, start, &sse0, err);
  if (rc) goto out;
  static const char *names[GK_KINK_NP] = {"a", "b1", "b2", "xb"};
  gk_param par[GK_KINK_NP];
  for (int k = 0; k < GK_KINK_NP; k++)
    par[k] = (gk_param){names[k], NULL, start[k], -INFINITY, INFINITY, 0};
  kink_ctx ctx = {x, n};
  gk_fit_problem prob = {.n = n, .p = GK_KINK_NP, .y = y, .weighting = GK_WEIGHT_NONE,
                         .model = kink_model, .jac = kink_jac, .ctx = &ctx, .param = par};
  gk_fit_options fo;
  gk_fit_options_default(&fo);
  gk_fit_result fr;
  rc = gk_fit(&prob, &fo, &fr, err);
  if (rc) goto out;
  take_log10_fit(&fr, GK_KINK_NP, GK_KINK_XB, res->p, res->se, &res->sse, &res->converged, &res->cov_ok,
                 res->reason, sizeof res->reason, &res->value, &res->stderr_);
  /* The xb column of the Jacobian is (b1 - b2) times an indicator, the
   * others are O(1). When the slopes agree to sqrt(eps) (constant data:
   * both ~1e-16) that column is round-off, the "covariance" of xb is noise
   * over noise (a finite but meaningless se), and there is no break. */
  if (res->cov_ok && !(fabs(res->p[GK_KINK_B2] - res->p[GK_KINK_B1]) > sqrt(DBL_EPSILON))) {
    res->cov_ok = 0;
    res->se[GK_KINK_XB] = NAN;
    res->stderr_ = NAN;
    snprintf(res->reason, sizeof res->reason,
             "equal slopes below and above (%.3g, %.3g): no break", res->p[GK_KINK_B1],
             res->p[GK_KINK_B2]);
  }
  gk_fit_result_free(&fr);
out:
  free(x);
  free(y);
  return rc;
}

double gk_threshold_kink_eval(const gk_threshold_kink *k, double pump)
{
  kink_ctx ctx = {NULL, 1};
  double x = log10(pump), yhat;
  ctx.x = &x;
  kink_model(k->p, &yhat, &ctx);
  return pow(10.0, yhat);
}

/* ---- lines --------------------------------------------------------------- */

int gk_threshold_lines_fit(const double *pump, const double *intensity, size_t n,
                           gk_threshold_lines *res, gk_error *err)
{
  gk_gsl_init_();
  memset(res, 0, sizeof *res);
  double *x, *y;
  int rc = prepare(pump, intensity, n, 0, 0, 0, "intensity", &x, &y, err);
  if (rc) return rc;
  const size_t m = GK_THRESHOLD_MIN_POINTS / 2;
  double best = INFINITY;
  for (size_t k = m; k + m <= n; k++) {
    double c0, c1, d0, d1, v00, v01, v11, s0, s1;
    gsl_fit_linear(x, 1, y, 1, k, &c0, &c1, &v00, &v01, &v11, &s0);
    gsl_fit_linear(x + k, 1, y + k, 1, n - k, &d0, &d1, &v00, &v01, &v11, &s1);
    double sse = s0 + s1;
    /* a set whose pumps are all equal has no line (NaN): skip it */
    if (isfinite(c0) && isfinite(c1) && isfinite(d0) && isfinite(d1) && sse < best) {
      best = sse;
      *res = (gk_threshold_lines){.n_below = k, .c_lo = c0, .m_lo = c1, .c_hi = d0, .m_hi = d1,
                                  .sse = sse};
    }
  }
  free(x);
  free(y);
  if (!isfinite(best))
    return gk_error_set(err, GK_EINPUT, NULL, 0, "lines: no split gives two lines");
  /* Slopes equal to rounding would put the intersection at an absurd pump
   * set by round-off; call that parallel. */
  if (fabs(res->m_lo - res->m_hi) <= 1e-12 * (fabs(res->m_lo) + fabs(res->m_hi))) {
    res->value = NAN;
    return gk_error_set(err, GK_ENOCONV, NULL, 0,
                        "lines: the best two lines are parallel and never intersect");
  }
  res->value = (res->c_hi - res->c_lo) / (res->m_lo - res->m_hi);
  return GK_OK;
}

/* ---- fwhm ---------------------------------------------------------------- */

typedef struct logi_ctx { const double *x; size_t n; } logi_ctx;

/* 1/(1 + e^z) and 1 - that, each computed without cancellation. */
static void logistic(double z, double *L, double *M)
{
  *L = 1.0 / (1.0 + exp(z));
  *M = 1.0 / (1.0 + exp(-z));
}

static int logi_model(const double *t, double *yhat, void *vctx)
{
  const logi_ctx *c = vctx;
  for (size_t i = 0; i < c->n; i++) {
    double L, M;
    logistic((c->x[i] - t[GK_LOGI_X0]) / t[GK_LOGI_S], &L, &M);
    yhat[i] = t[GK_LOGI_WHI] + (t[GK_LOGI_WLO] - t[GK_LOGI_WHI]) * L;
  }
  return 0;
}

static int logi_jac(const double *t, double *jac, void *vctx)
{
  const logi_ctx *c = vctx;
  double s = t[GK_LOGI_S], dw = t[GK_LOGI_WLO] - t[GK_LOGI_WHI];
  for (size_t i = 0; i < c->n; i++) {
    double u = c->x[i] - t[GK_LOGI_X0], L, M, *r = jac + i * GK_LOGI_NP;
    logistic(u / s, &L, &M);
    r[GK_LOGI_WLO] = L;
    r[GK_LOGI_WHI] = M;
    r[GK_LOGI_X0] = dw * L * M / s;
    r[GK_LOGI_S] = dw * L * M * u / (s * s);
  }
  return 0;
}

int gk_threshold_fwhm_fit(const double *pump, const double *fwhm, size_t n,
                          gk_threshold_fwhm *res, gk_error *err)
{
  gk_gsl_init_();
  memset(res, 0, sizeof *res);
  double *x, *y;
  int rc = prepare(pump, fwhm, n, 1, 0, 1, "FWHM", &x, &y, err);
  if (rc) return rc;
  /* Start from the plateaus at both ends and a step in the middle; every
   * interior pump is also tried as x0 (multi-start), since a sharp collapse
   * leaves a chi2 landscape with one basin per interval. */
  double span = x[n - 1] - x[0];
  if (!(span > 0.0)) {
    free(x); free(y);
    return gk_error_set(err, GK_EINPUT, NULL, 0, "fwhm: all pump values are equal");
  }
  double wlo = 0.5 * (y[0] + y[1]), whi = 0.5 * (y[n - 2] + y[n - 1]);
  double mid = 0.5 * (wlo + whi), x0 = 0.5 * (x[0] + x[n - 1]);
  for (size_t i = 0; i + 1 < n; i++)
    if ((y[i] - mid) * (y[i + 1] - mid) <= 0.0 && y[i] != y[i + 1]) {
      x0 = x[i] + (mid - y[i]) / (y[i + 1] - y[i]) * (x[i + 1] - x[i]);
      break;
    }
  double s0 = span / 20.0;
  size_t ns = n - 2;
  double *starts = malloc(ns * GK_LOGI_NP * sizeof *starts);
  if (!starts) {
    free(x); free(y);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t i = 0; i < ns; i++) {
    double *s = starts + i * GK_LOGI_NP;
    s[GK_LOGI_WLO] = wlo;
    s[GK_LOGI_WHI] = whi;
    s[GK_LOGI_X0] = 0.5 * (x[i + 1] + x[i + 2]);
    s[GK_LOGI_S] = s0;
  }
  gk_param par[GK_LOGI_NP] = {
      {"w_lo", "nm", wlo, -INFINITY, INFINITY, 0},
      {"w_hi", "nm", whi, -INFINITY, INFINITY, 0},
      {"x0", "log10(pump)", x0, -INFINITY, INFINITY, 0},
      /* s > 0 fixes the orientation (w_lo is the low-pump plateau); the
       * upper limit keeps a featureless series from drifting to a line. */
      {"s", "decades", s0, 1e-6 * span, 10.0 * span, 0},
  };
  logi_ctx ctx = {x, n};
  gk_fit_problem prob = {.n = n, .p = GK_LOGI_NP, .y = y, .weighting = GK_WEIGHT_NONE,
                         .model = logi_model, .jac = logi_jac, .ctx = &ctx, .param = par,
                         .starts = starts, .n_starts = ns};
  gk_fit_options fo;
  gk_fit_options_default(&fo);
  gk_fit_result fr;
  rc = gk_fit(&prob, &fo, &fr, err);
  if (rc == GK_OK) {
    take_log10_fit(&fr, GK_LOGI_NP, GK_LOGI_X0, res->p, res->se, &res->sse, &res->converged, &res->cov_ok,
                   res->reason, sizeof res->reason, &res->value, &res->stderr_);
    gk_fit_result_free(&fr);
  }
  free(starts);
  free(x);
  free(y);
  return rc;
}

double gk_threshold_fwhm_eval(const gk_threshold_fwhm *f, double pump)
{
  double x = log10(pump), yhat;
  logi_ctx ctx = {&x, 1};
  logi_model(f->p, &yhat, &ctx);
  return yhat;
}
