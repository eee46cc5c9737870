/* Material gain with saturation, G = Gamma sigma (N - N_th)/(1 + N/N_s)
 * [Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1-2], fitted through gk_fit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_multifit.h>

#include "gainkit/carriers.h"
#include "core/core_internal.h"

/* The engine works on parameters of order one: sigma in units of a guess
 * and densities in units of the largest N, so the Jacobian columns are
 * commensurate (sigma ~ 1e-16 and N ~ 1e19 would otherwise differ by 35
 * orders of magnitude). */
struct gctx { const double *x; size_t n; double k; };   /* k = Gamma sigma_scale N_max */

static int gmodel(const double *th, double *y, void *p)
{
  const struct gctx *c = p;
  if (!(th[2] > 0)) return 1;
  for (size_t i = 0; i < c->n; i++)
    y[i] = c->k * th[0] * (c->x[i] - th[1]) / (1 + c->x[i] / th[2]);
  return 0;
}

static int gjac(const double *th, double *J, void *p)
{
  const struct gctx *c = p;
  double k = c->k;
  for (size_t i = 0; i < c->n; i++) {
    double x = c->x[i], d = 1 + x / th[2];
    J[3 * i + 0] = k * (x - th[1]) / d;
    J[3 * i + 1] = -k * th[0] / d;
    J[3 * i + 2] = k * th[0] * (x - th[1]) * x / (th[2] * th[2] * d * d);
  }
  return 0;
}

static void linear_guess(const double *x, const double *g, size_t n, double *A, double *B, double *C)
{
  gsl_matrix *X = gsl_matrix_alloc(n, 3), *cov = gsl_matrix_alloc(3, 3);
  gsl_vector *y = gsl_vector_alloc(n), *c = gsl_vector_alloc(3);
  gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 3);
  if (X && cov && y && c && w) {
    for (size_t i = 0; i < n; i++) {
      gsl_matrix_set(X, i, 0, x[i]);
      gsl_matrix_set(X, i, 1, 1.0);
      gsl_matrix_set(X, i, 2, g[i] * x[i]);
      gsl_vector_set(y, i, g[i]);
    }
    double chisq;
    if (gsl_multifit_linear(X, y, c, cov, &chisq, w) == GSL_SUCCESS) {
      *A = gsl_vector_get(c, 0);
      *B = gsl_vector_get(c, 1);
      *C = gsl_vector_get(c, 2);
    }
  }
  if (w) gsl_multifit_linear_free(w);
  if (X) gsl_matrix_free(X);
  if (cov) gsl_matrix_free(cov);
  if (y) gsl_vector_free(y);
  if (c) gsl_vector_free(c);
}

/* The boundary N_s -> 0 of the law: G = Gamma sigma N_s (N - N_th)/N,
 * i.e. G = P + Q/x (x = N/N_max, P = Gamma sigma N_s, Q = -P N_th/N_max),
 * by ordinary least squares (GSL); covariance scaled by chi2/(n - 2). */
static int sat_limit(const double *x, const double *g, size_t n, double *P, double *Q, double *vP, double *vQ,
                     double *cPQ, double *chi2)
{
  gsl_matrix *X = gsl_matrix_alloc(n, 2), *cov = gsl_matrix_alloc(2, 2);
  gsl_vector *y = gsl_vector_alloc(n), *c = gsl_vector_alloc(2);
  gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 2);
  int rc = -1;
  if (X && cov && y && c && w) {
    for (size_t i = 0; i < n; i++) {
      gsl_matrix_set(X, i, 0, 1.0);
      gsl_matrix_set(X, i, 1, 1.0 / x[i]);
      gsl_vector_set(y, i, g[i]);
    }
    if (gsl_multifit_linear(X, y, c, cov, chi2, w) == GSL_SUCCESS) {
      *P = gsl_vector_get(c, 0);
      *Q = gsl_vector_get(c, 1);
      *vP = gsl_matrix_get(cov, 0, 0);
      *vQ = gsl_matrix_get(cov, 1, 1);
      *cPQ = gsl_matrix_get(cov, 0, 1);
      rc = isfinite(*P) && isfinite(*Q) && isfinite(*chi2) ? 0 : -1;
    }
  }
  if (w) gsl_multifit_linear_free(w);
  if (X) gsl_matrix_free(X);
  if (cov) gsl_matrix_free(cov);
  if (y) gsl_vector_free(y);
  if (c) gsl_vector_free(c);
  return rc;
}

int gk_gain_fit_run(const double *n, const double *g, size_t len, double gamma, double sigma0,
                    double n_th0, double n_s0, gk_gain_fit *out, gk_error *err)
{
  gk_gsl_init_();
  memset(out, 0, sizeof *out);
  if (!(gamma > 0 && gamma <= 1))
    return gk_error_option(err, "gamma", "confinement factor must lie in (0, 1] (got %g)", gamma);
  if (len < 4)
    return gk_error_set(err, GK_EINPUT, NULL, 0, "need at least 4 points to fit 3 parameters (got %zu)", len);
  double nmax = 0;
  for (size_t i = 0; i < len; i++) {
    if (!(n[i] > 0) || !isfinite(n[i]) || !isfinite(g[i]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: density must be positive and gain finite", i + 1);
    if (n[i] > nmax) nmax = n[i];
  }
  double *x = malloc(len * sizeof *x);
  if (!x) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t i = 0; i < len; i++) x[i] = n[i] / nmax;
  /* Starting point from the linearised law G (1 + N/N_s) = Gamma sigma
   * (N - N_th), i.e. G = A x + B + C (G x), linear in A, B, C: one
   * ordinary least-squares solve (GSL) gives all three guesses. */
  double A = 0, B = 0, C = 0;
  linear_guess(x, g, len, &A, &B, &C);
  double s_scale = sigma0 > 0 ? sigma0 : A / (gamma * nmax);
  if (!(s_scale > 0) || !isfinite(s_scale)) s_scale = 1e-16;
  double a0 = n_th0 > 0 ? n_th0 / nmax : (A > 0 ? -B / A : 0.1);
  if (!isfinite(a0)) a0 = 0.1;
  double b0 = n_s0 > 0 ? n_s0 / nmax : (C < 0 ? -1 / C : 3.0);
  struct gctx c = {x, len, gamma * s_scale * nmax};
  gk_param par[3] = {{"sigma", "cm^2", 1.0, 0, INFINITY, 0},
                     {"n_th", "cm^-3", a0, -INFINITY, INFINITY, 0},
                     {"n_s", "cm^-3", b0, 0, INFINITY, 0}};
  /* Saturation is weakly determined when the data stop short of N_s
   * (and noise biases the linearised guess): further N_s starts, each with
   * the slope that keeps the initial gain at the largest N. */
  double starts[4 * 3];
  const double bs[4] = {0.3, 3, 10, 0.1};
  for (int k = 0; k < 4; k++) {
    starts[3 * k] = (1 + 1 / bs[k]) / (1 + 1 / b0);
    starts[3 * k + 1] = a0;
    starts[3 * k + 2] = bs[k];
  }
  gk_fit_problem prob = {.n = len, .p = 3, .y = g, .weighting = GK_WEIGHT_NONE, .model = gmodel,
                         .jac = gjac, .ctx = &c, .param = par, .starts = starts, .n_starts = 4};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  int rc = gk_fit(&prob, &opt, &out->fit, err);
  if (rc != GK_OK) {
    free(x);
    return rc;
  }
  out->g_sat = out->se_g_sat = NAN;
  double P, Q, vP, vQ, cPQ, chi2_lim;
  if (sat_limit(x, g, len, &P, &Q, &vP, &vQ, &cPQ, &chi2_lim) == 0 && P > 0) {
    double yy = 0;
    for (size_t i = 0; i < len; i++) yy += g[i] * g[i];
    /* the boundary is reached (no interior fit better beyond the engine's
     * stopping accuracy, or rounding for exact data) */
    if (chi2_lim <= out->fit.chi2 * (1 + 1e-6) + 1e-24 * yy) {
      free(x);
      double a = -Q / P;   /* N_th / N_max */
      out->n_s_at_bound = 1;
      out->g_sat = P;
      out->se_g_sat = sqrt(vP);
      out->n_th = a * nmax;
      out->se_n_th = sqrt(fmax(Q * Q / (P * P * P * P) * vP + vQ / (P * P) - 2 * Q / (P * P * P) * cPQ, 0)) * nmax;
      out->n_s = 0;
      out->se_n_s = NAN;
      out->sigma = out->se_sigma = NAN;
      for (size_t i = 0; i < len; i++) out->fit.yhat[i] = P + Q * nmax / n[i];
      out->fit.chi2 = chi2_lim;
      out->fit.chi2_red = chi2_lim / (double)out->fit.dof;
      out->chi2_red = out->fit.chi2_red;
      out->converged = 1;
      return GK_OK;
    }
  }
  free(x);
  const double *v = out->fit.value, *se = out->fit.se;
  out->sigma = v[0] * s_scale;
  out->n_th = v[1] * nmax;
  out->n_s = v[2] * nmax;
  out->se_sigma = se[0] * s_scale;
  out->se_n_th = se[1] * nmax;
  out->se_n_s = se[2] * nmax;
  out->chi2_red = out->fit.chi2_red;
  out->converged = out->fit.converged;
  return GK_OK;
}

void gk_gain_fit_free(gk_gain_fit *f) { gk_fit_result_free(&f->fit); }
