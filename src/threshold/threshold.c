/* ASE threshold from a pump series: kink (two-segment log–log fit), lines
 * (classic two-line construction) and fwhm (logistic FWHM collapse).
 * Definitions in gainkit/threshold.h and docs/threshold.md. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit.h>

#include "gainkit/fit.h"
#include "gainkit/threshold.h"
#include "core/core_internal.h"

#define LN10 2.302585092994045684

/* ---- shared: validation and sorting ------------------------------------- */

typedef struct pt { double x, y; } pt;

static int cmp_double(const void *a, const void *b)
{
  double u = *(const double *)a, v = *(const double *)b;
  return (u > v) - (u < v);
}

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

/* ---- saturation: a third, flatter segment above the kink --------------- */

/* Solve the 4x4 symmetric system A t = b by Gaussian elimination with
 * partial pivoting; returns -1 when singular. */
static int solve4(double A[4][4], double b[4], double t[4])
{
  double M[4][5];
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 4; j++) M[i][j] = A[i][j];
    M[i][4] = b[i];
  }
  double scale = 0;
  for (int i = 0; i < 4; i++) scale = fmax(scale, fabs(A[i][i]));
  for (int c = 0; c < 4; c++) {
    int pr = c;
    for (int r = c + 1; r < 4; r++) if (fabs(M[r][c]) > fabs(M[pr][c])) pr = r;
    if (!(fabs(M[pr][c]) > 1e-12 * scale)) return -1;
    if (pr != c)
      for (int j = 0; j < 5; j++) { double tmp = M[c][j]; M[c][j] = M[pr][j]; M[pr][j] = tmp; }
    for (int r = c + 1; r < 4; r++) {
      double f = M[r][c] / M[c][c];
      for (int j = c; j < 5; j++) M[r][j] -= f * M[c][j];
    }
  }
  for (int c = 3; c >= 0; c--) {
    double v = M[c][4];
    for (int j = c + 1; j < 4; j++) v -= M[c][j] * t[j];
    t[c] = v / M[c][c];
  }
  return 0;
}

/* Sums of 1, x, x², y, xy over points lo..hi-1 (prefix arrays). */
typedef struct reg { double n, x, xx, y, xy; } reg;
static reg region(const kink_sums *S, size_t lo, size_t hi)
{
  return (reg){(double)(hi - lo), S->x[hi] - S->x[lo], S->xx[hi] - S->xx[lo], S->y[hi] - S->y[lo],
               S->xy[hi] - S->xy[lo]};
}

/* Residual sum of squares of the continuous three-segment line
 *   y = a + b1·min(x − x1, 0) + b2·(clamp(x, x1, x2) − x1) + b3·max(x − x2, 0)
 * with points 0..i left of x1, i+1..j between, j+1..n-1 right of x2, from
 * the running sums alone (O(1)): columns 1, u = x − x1 on the left, v = x −
 * x1 between and x2 − x1 on the right, w = x − x2 on the right. Slopes in
 * t[1..3]. NAN when singular. */
static double seg3_sse(const kink_sums *S, size_t n, size_t i, size_t j, double x1, double x2, double t[4])
{
  reg L = region(S, 0, i + 1), M = region(S, i + 1, j + 1), R = region(S, j + 1, n);
  double D = x2 - x1;
  double su = L.x - L.n * x1, suu = L.xx - 2 * x1 * L.x + L.n * x1 * x1, suy = L.xy - x1 * L.y;
  double mv = M.x - M.n * x1, mvv = M.xx - 2 * x1 * M.x + M.n * x1 * x1, mvy = M.xy - x1 * M.y;
  double sw = R.x - R.n * x2, sww = R.xx - 2 * x2 * R.x + R.n * x2 * x2, swy = R.xy - x2 * R.y;
  double A[4][4] = {{(double)n, su, mv + R.n * D, sw},
                    {su, suu, 0, 0},
                    {mv + R.n * D, 0, mvv + R.n * D * D, D * sw},
                    {sw, 0, D * sw, sww}};
  double b[4] = {S->y[n], suy, mvy + D * R.y, swy};
  if (solve4(A, b, t)) return NAN;
  double sse = S->yy - (t[0] * b[0] + t[1] * b[1] + t[2] * b[2] + t[3] * b[3]);
  return sse > 0 ? sse : 0;
}

/* Candidate breaks for the two-break search: the midpoints of at most
 * SEG3_GRID intervals (every interval for small series), so the search is
 * O(n + SEG3_GRID²) whatever n. */
#define SEG3_GRID 160

int gk_threshold_saturation(const double *x, const double *y, size_t n, double *x1_out, double *x2_out,
                            double slopes[3], double *p_value, size_t *n_keep, gk_error *err)
{
  *n_keep = n;
  *x1_out = *x2_out = *p_value = NAN;
  slopes[0] = slopes[1] = slopes[2] = NAN;
  /* two points left, three between, three right at least */
  if (n < 10) return GK_OK;
  kink_sums S = {0};
  double xm, ym;
  if (kink_sums_init(&S, x, y, n, &xm, &ym))
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  size_t nint = n - 1, stride = nint > SEG3_GRID ? (nint + SEG3_GRID - 1) / SEG3_GRID : 1;
  double best = INFINITY, bt[4] = {0};
  size_t bi = 0, bj = 0;
  double bx1 = NAN, bx2 = NAN;
  for (size_t i = 1; i + 7 < n; i += stride) {
    double x1 = 0.5 * (x[i] + x[i + 1]) - xm;
    if (!(x[i + 1] > x[i])) continue;
    for (size_t j = i + 3; j + 3 < n; j += stride) {
      if (!(x[j + 1] > x[j])) continue;
      double x2 = 0.5 * (x[j] + x[j + 1]) - xm, t[4];
      double sse = seg3_sse(&S, n, i, j, x1, x2, t);
      if (sse < best) {
        best = sse;
        memcpy(bt, t, sizeof bt);
        bi = i; bj = j; bx1 = x1; bx2 = x2;
      }
    }
  }
  /* the best single break for the F-test, on the same data */
  double st[GK_KINK_NP], sse2;
  gk_error e2;
  int rc = gk_threshold_kink_search(x, y, n, st, &sse2, &e2);
  free(S.x);
  if (rc || !isfinite(best)) return GK_OK;
  (void)bi;
  double F = ((sse2 - best) / 2.0) / (best / (double)(n - 6));
  double p = best > 0 ? gsl_cdf_fdist_Q(F > 0 ? F : 0, 2.0, (double)(n - 6)) : 0.0;
  *p_value = p;
  slopes[0] = bt[1];
  slopes[1] = bt[2];
  slopes[2] = bt[3];
  *x1_out = bx1 + xm;
  *x2_out = bx2 + xm;
  /* saturation: the steep middle segment rises faster than both others
   * and the third segment is significant (the search over two breaks
   * inflates F, hence the strict level) */
  if (p < GK_SATURATION_P && bt[2] > bt[1] && bt[3] < bt[2] - 0.25 * (bt[2] - bt[1]))
    *n_keep = bj + 1;
  return GK_OK;
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
  /* a saturating S-curve (slope falling again at high pump) would pull
   * the single break towards the saturation: find it and fit the kink on
   * the points below it */
  double sl[3], x1s, x2s, psat;
  size_t nk;
  rc = gk_threshold_saturation(x, y, n, &x1s, &x2s, sl, &psat, &nk, err);
  if (rc) goto out;
  res->n_used = n;
  res->saturation = NAN;
  if (nk < n && nk >= GK_THRESHOLD_MIN_POINTS) {
    res->n_used = nk;
    res->saturation = pow(10.0, x2s);
    res->slope_saturated = sl[2];
    n = nk;
  }
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
  /* an ASE threshold is where the output turns up: a break to a flatter
   * slope (saturation, or a sublinear series) is no threshold */
  if (res->cov_ok && !(res->p[GK_KINK_B2] > res->p[GK_KINK_B1])) {
    res->no_threshold = 1;
    snprintf(res->reason, sizeof res->reason,
             "log-log slope above the break (%.3g) is not steeper than below (%.3g): no ASE threshold",
             res->p[GK_KINK_B2], res->p[GK_KINK_B1]);
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

/* Least-squares line through points lo..hi-1 of the centred running sums
 * (prefix arrays of length n+1): intercept and slope in the centred
 * coordinates, residual sum of squares. NaN when the x have no spread. */
typedef struct line_sums { double *x, *xx, *y, *xy, *yy; } line_sums;

static double line_from_sums(const line_sums *S, size_t lo, size_t hi, double *c, double *m)
{
  double k = (double)(hi - lo);
  double sx = S->x[hi] - S->x[lo], sxx = S->xx[hi] - S->xx[lo];
  double sy = S->y[hi] - S->y[lo], sxy = S->xy[hi] - S->xy[lo], syy = S->yy[hi] - S->yy[lo];
  double vxx = sxx - sx * sx / k, vxy = sxy - sx * sy / k, vyy = syy - sy * sy / k;
  /* no spread of x about its mean (to round-off): no line */
  if (!(vxx > 1e-12 * (sxx > 0 ? sxx : 1))) return NAN;
  *m = vxy / vxx;
  *c = (sy - *m * sx) / k;
  double sse = vyy - *m * vxy;
  return sse > 0 ? sse : 0;
}

/* Every split of the sorted points into a lower set 0..k-1 and an upper
 * set k..n-1 (>= 3 points each), a least-squares line through each, the
 * split with the smallest total squared error. The candidates are ranked
 * from running sums of x, x², y, xy, y² (centred on the means and scaled,
 * O(1) per split, O(n) in all where two gsl_fit_linear calls per split
 * made it O(n²): 40 s at 40 000 points); the winner's lines are then
 * recomputed from the points by gsl_fit_linear. */
int gk_threshold_lines_fit(const double *pump, const double *intensity, size_t n,
                           gk_threshold_lines *res, gk_error *err)
{
  gk_gsl_init_();
  memset(res, 0, sizeof *res);
  double *x, *y;
  int rc = prepare(pump, intensity, n, 0, 0, 0, "intensity", &x, &y, err);
  if (rc) return rc;
  double *mem = malloc(5 * (n + 1) * sizeof *mem);
  if (!mem) {
    free(x); free(y);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  line_sums S = {mem, mem + (n + 1), mem + 2 * (n + 1), mem + 3 * (n + 1), mem + 4 * (n + 1)};
  double mx = 0, my = 0, sx = 0, sy = 0;
  for (size_t i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= (double)n;
  my /= (double)n;
  for (size_t i = 0; i < n; i++) { sx = fmax(sx, fabs(x[i] - mx)); sy = fmax(sy, fabs(y[i] - my)); }
  if (!(sx > 0)) sx = 1;
  if (!(sy > 0)) sy = 1;
  S.x[0] = S.xx[0] = S.y[0] = S.xy[0] = S.yy[0] = 0;
  for (size_t i = 0; i < n; i++) {
    double u = (x[i] - mx) / sx, w = (y[i] - my) / sy;
    S.x[i + 1] = S.x[i] + u;
    S.xx[i + 1] = S.xx[i] + u * u;
    S.y[i + 1] = S.y[i] + w;
    S.xy[i + 1] = S.xy[i] + u * w;
    S.yy[i + 1] = S.yy[i] + w * w;
  }
  const size_t m = GK_THRESHOLD_MIN_POINTS / 2;
  double best = INFINITY;
  size_t kbest = 0;
  for (size_t k = m; k + m <= n; k++) {
    double c0, c1, d0, d1;
    double sse = line_from_sums(&S, 0, k, &c0, &c1) + line_from_sums(&S, k, n, &d0, &d1);
    /* a set whose pumps are all equal has no line (NaN): skip it */
    if (sse < best) {
      best = sse;
      kbest = k;
    }
  }
  free(mem);
  if (!isfinite(best)) {
    free(x); free(y);
    return gk_error_set(err, GK_EINPUT, NULL, 0, "lines: no split gives two lines");
  }
  {
    size_t k = kbest;
    double c0, c1, d0, d1, v00, v01, v11, s0, s1;
    gsl_fit_linear(x, 1, y, 1, k, &c0, &c1, &v00, &v01, &v11, &s0);
    gsl_fit_linear(x + k, 1, y + k, 1, n - k, &d0, &d1, &v00, &v01, &v11, &s1);
    *res = (gk_threshold_lines){.n_below = k, .c_lo = c0, .m_lo = c1, .c_hi = d0, .m_hi = d1,
                                .sse = s0 + s1};
  }
  free(x);
  free(y);
  /* Slopes equal to rounding would put the intersection at an absurd pump
   * set by round-off; call that parallel. */
  if (fabs(res->m_lo - res->m_hi) <= 1e-12 * (fabs(res->m_lo) + fabs(res->m_hi))) {
    res->value = res->axis = NAN;
    return gk_error_set(err, GK_ENOCONV, NULL, 0,
                        "lines: the best two lines are parallel and never intersect");
  }
  res->value = (res->c_hi - res->c_lo) / (res->m_lo - res->m_hi);
  res->axis = res->m_hi > 0 ? -res->c_hi / res->m_hi : NAN;
  /* the upper line must rise more steeply than the lower one: otherwise
   * the output does not turn up at the intersection and it is no threshold */
  if (!(res->m_hi > res->m_lo)) {
    res->value = NAN;
    return gk_error_set(err, GK_ENOCONV, NULL, 0,
                        "lines: the upper line is not steeper than the lower one (no threshold)");
  }
  return GK_OK;
}

/* ---- fwhm ---------------------------------------------------------------- */

#define FWHM_MAX_STARTS 8
#define FWHM_CANDIDATES 512

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
  /* A step sharper than the pump spacing is not resolved by the data:
   * its width is bounded below by an eighth of the median spacing in
   * log10(pump) (10-90 % width 4.4 s >= about half an interval), so noisy
   * data cannot collapse it into a vertical step with a meaningless
   * standard error. */
  double *dx = malloc((n - 1) * sizeof *dx);
  if (!dx) {
    free(x); free(y);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  size_t ndx = 0;
  for (size_t i = 0; i + 1 < n; i++)
    if (x[i + 1] > x[i]) dx[ndx++] = x[i + 1] - x[i];
  qsort(dx, ndx, sizeof *dx, cmp_double);
  double smin = ndx ? dx[ndx / 2] / 8.0 : 1e-6 * span;
  free(dx);
  double s0 = fmax(span / 20.0, 2 * smin);
  /* Starts: candidate steps x0 at the interval midpoints (at most
   * FWHM_CANDIDATES, evenly spread), each scored by the residual of the
   * plateaus fitted linearly for that x0 at width s0 (O(n) per candidate);
   * the FWHM_MAX_STARTS best seed the nonlinear fit. One full fit per
   * interval made it O(n²) (8 s at 1e5 points with 64 starts). */
  size_t ncand = n - 2 < FWHM_CANDIDATES ? n - 2 : FWHM_CANDIDATES;
  double *cx = malloc(ncand * 2 * sizeof *cx);
  if (!cx) {
    free(x); free(y);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  double *csse = cx + ncand;
  for (size_t c = 0; c < ncand; c++) {
    size_t k = ncand == n - 2 ? c : c * (n - 3) / (ncand > 1 ? ncand - 1 : 1);
    double x0c = 0.5 * (x[k + 1] + x[k + 2]);
    double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0, yy = 0;
    for (size_t i = 0; i < n; i++) {
      double L, M;
      logistic((x[i] - x0c) / s0, &L, &M);
      a11 += L * L; a12 += L * M; a22 += M * M;
      b1 += L * y[i]; b2 += M * y[i]; yy += y[i] * y[i];
    }
    double det = a11 * a22 - a12 * a12, sse = INFINITY;
    if (det > 1e-12 * a11 * a22) {
      double u = (b1 * a22 - b2 * a12) / det, v = (a11 * b2 - a12 * b1) / det;
      sse = yy - u * b1 - v * b2;
    }
    cx[c] = x0c;
    csse[c] = sse;
  }
  size_t ns = ncand < FWHM_MAX_STARTS ? ncand : FWHM_MAX_STARTS;
  double *starts = malloc(ns * GK_LOGI_NP * sizeof *starts);
  if (!starts) {
    free(cx); free(x); free(y);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t i = 0; i < ns; i++) {
    /* the i-th best remaining candidate (selection: ns is small) */
    size_t b = 0;
    while (b < ncand && isnan(csse[b])) b++;
    for (size_t c = b + 1; c < ncand; c++) if (csse[c] < csse[b]) b = c;
    double *st = starts + i * GK_LOGI_NP;
    st[GK_LOGI_WLO] = wlo;
    st[GK_LOGI_WHI] = whi;
    st[GK_LOGI_X0] = cx[b];
    st[GK_LOGI_S] = s0;
    csse[b] = NAN;   /* taken */
  }
  free(cx);
  gk_param par[GK_LOGI_NP] = {
      {"w_lo", "nm", wlo, -INFINITY, INFINITY, 0},
      {"w_hi", "nm", whi, -INFINITY, INFINITY, 0},
      {"x0", "log10(pump)", x0, -INFINITY, INFINITY, 0},
      /* s > 0 fixes the orientation (w_lo is the low-pump plateau); the
       * upper limit keeps a featureless series from drifting to a line. */
      {"s", "decades", s0, smin, 10.0 * span, 0},
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
    /* at the lower bound the step is unresolved: the threshold lies
     * somewhere in the pump interval holding x0, so its uncertainty is at
     * least that interval's (uniform: width/sqrt(12)) */
    if (res->p[GK_LOGI_S] <= smin * (1 + 1e-6)) {
      res->unresolved = 1;
      size_t i = 0;
      while (i + 2 < n && x[i + 1] < res->p[GK_LOGI_X0]) i++;
      double w = (pow(10.0, x[i + 1]) - pow(10.0, x[i])) / sqrt(12.0);
      if (!(res->stderr_ >= w)) res->stderr_ = w;
    }
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
