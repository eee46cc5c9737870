/* finish.c — the engine's result at an optimum found by another solver
 * (finish.h). The rules are the dense driver's (fit.c, docs/fitting.md);
 * the constants below are its constants and must stay equal to them. */
#include "fit/finish.h"
#include "fit/fit_internal.h"
#include "fit/lm_dense.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* as fit.c: free parameters this close to a bound are the dense driver's
 * business (it snaps them and flags at_bound) */
#define BOUND_SNAP 1e-9
/* as fit.c: rank threshold on the singular values of the column-scaled
 * analytic Jacobian */
#define RCOND_ANALYTIC 1e-13
/* as fit.c: the largest Gauss–Newton correction still called a refinement
 * (relative to the parameter's scale), and the number of such steps */
#define GN_MAX_REL 1e-4
#define GN_STEPS 3
/* a correction below this fraction of every standard error is not taken */
#define GN_NEGLIGIBLE 1e-8


/* y -= s x */
static inline void vsub(double *restrict y, const double *restrict x, double s, size_t n)
{
  for (size_t j = 0; j < n; j++) y[j] -= s * x[j];
}

typedef struct fin {
  const gk_fit_problem *prob;
  size_t n, p, nf;
  size_t *idx;
  double *typ, *winv, *yhat, *f, *jfull, *A, *qf, *d;
  gsl_matrix *U, *V;
  gsl_vector *S, *work;
  int singular;
  size_t weakest;
  /* tri: R well conditioned (lm_dense.h GK_TRI_MAXCOND): Ri (nf x nf,
   * upper) holds R^-1 and no SVD was taken (S, V unset) */
  int tri;
  double *Ri;
  /* the doubles above, t, z and U, V, S, work live in one block starting
   * at typ; U, V, S, work are views into it */
  gsl_matrix Um, Vm;
  gsl_vector Sv, wv;
} fin;

static void fin_free(fin *c)
{
  free(c->idx);
  free(c->typ); /* the one block */
}

/* One allocation for the finisher's arrays (zeroed); t (p) and z (nf)
 * come from the same block. -1 when out of memory. */
static int fin_alloc(fin *c, double **t, double **z)
{
  const size_t n = c->n, p = c->p, nf = c->nf;
  c->idx = calloc(nf, sizeof *c->idx);
  double *b = calloc(2 * nf + 4 * n + n * p + n * nf + p + nf + 3 * nf * nf + 2 * nf, sizeof *b);
  if (!c->idx || !b) {
    free(c->idx);
    free(b);
    c->idx = NULL;
    return -1;
  }
  c->typ = b; b += nf;
  c->d = b; b += nf;
  c->winv = b; b += n;
  c->yhat = b; b += n;
  c->f = b; b += n;
  c->qf = b; b += n;
  c->jfull = b; b += n * p;
  c->A = b; b += n * nf;
  *t = b; b += p;
  *z = b; b += nf;
  c->Um = gsl_matrix_view_array(b, nf, nf).matrix; b += nf * nf;
  c->Vm = gsl_matrix_view_array(b, nf, nf).matrix; b += nf * nf;
  c->Sv = gsl_vector_view_array(b, nf).vector; b += nf;
  c->wv = gsl_vector_view_array(b, nf).vector; b += nf;
  c->Ri = b;
  c->U = &c->Um;
  c->V = &c->Vm;
  c->S = &c->Sv;
  c->work = &c->wv;
  return 0;
}

static int eval_model(fin *c, const double *theta, double *out)
{
  if (c->prob->model(theta, out, c->prob->ctx) != 0) return -1;
  for (size_t i = 0; i < c->n; i++)
    if (!isfinite(out[i])) return -1;
  return 0;
}

/* weighted residuals (yhat - y)/s into resid (may be NULL); chi2 */
static double chi2_of(fin *c, const double *yhat, double *resid)
{
  return gk_fit_chi2_(c->prob->y, c->winv, yhat, c->n, resid);
}

/* Factor the column-scaled weighted Jacobian at theta, J D^-1 = Q U S V^T,
 * and Q^T f into qf (f: the weighted residuals at theta). */
static int factor(fin *c, const double *theta)
{
  const size_t n = c->n, p = c->p, nf = c->nf;
  if (c->prob->jac(theta, c->jfull, c->prob->ctx) != 0) return -1;
  c->singular = 0;
  c->weakest = 0;
  c->tri = 0;
  /* column-major copy of the free columns, weighted */
  for (size_t j = 0; j < nf; j++) {
    double *a = c->A + j * n;
    const size_t k = c->idx[j];
    for (size_t i = 0; i < n; i++) a[i] = c->jfull[i * p + k] * c->winv[i];
    double s2 = gk_fit_vdot(a, a, n);
    if (!isfinite(s2)) return -1;
    c->d[j] = sqrt(s2);
    if (c->d[j] == 0) { c->singular = 1; c->weakest = j; }
  }
  if (c->singular) return 0;
  for (size_t j = 0; j < nf; j++) {
    double *a = c->A + j * n, s = 1.0 / c->d[j];
    for (size_t i = 0; i < n; i++) a[i] *= s;
  }
  memcpy(c->qf, c->f, n * sizeof *c->qf);
  /* Householder QR, applied to the later columns and to f as it goes */
  for (size_t k = 0; k < nf; k++) {
    double *v = c->A + k * n + k;
    const size_t m = n - k;
    double xx = gk_fit_vdot(v, v, m);
    double alpha = v[0] >= 0 ? -sqrt(xx) : sqrt(xx);
    if (alpha == 0) {
      gsl_matrix_set(c->U, k, k, 0);
      for (size_t j = k + 1; j < nf; j++) gsl_matrix_set(c->U, k, j, c->A[j * n + k]);
      continue;
    }
    v[0] -= alpha;
    double vv = xx - 2 * alpha * (v[0] + alpha) + alpha * alpha; /* |x - alpha e1|^2 */
    double beta = 2.0 / vv;
    for (size_t j = k + 1; j < nf; j++) {
      double *a = c->A + j * n + k;
      vsub(a, v, beta * gk_fit_vdot(v, a, m), m);
    }
    double *g = c->qf + k;
    vsub(g, v, beta * gk_fit_vdot(v, g, m), m);
    /* row k of R */
    for (size_t j = 0; j < k; j++) gsl_matrix_set(c->U, k, j, 0);
    gsl_matrix_set(c->U, k, k, alpha);
    for (size_t j = k + 1; j < nf; j++) gsl_matrix_set(c->U, k, j, c->A[j * n + k]);
  }
  for (size_t k = 0; k < nf; k++)
    for (size_t j = 0; j < k; j++) gsl_matrix_set(c->U, k, j, 0);
  /* well conditioned: R^-1, no SVD (U is nf x nf row-major, tda nf) */
  if (gk_tri_inverse(c->U->data, nf, c->Ri)) {
    c->tri = 1;
    return 0;
  }
  /* R = U S V^T: the singular values and V of the tall Jacobian */
  gsl_linalg_SV_decomp(c->U, c->V, c->S, c->work);
  const double smax = gsl_vector_get(c->S, 0), smin = gsl_vector_get(c->S, nf - 1);
  if (!(smin > RCOND_ANALYTIC * smax)) {
    c->singular = 1;
    double best = -1;
    for (size_t j = 0; j < nf; j++) {
      double v = fabs(gsl_matrix_get(c->V, j, nf - 1));
      if (v > best) { best = v; c->weakest = j; }
    }
  }
  return 0;
}

static void append_reason(gk_fit_result *res, const char *fmt, const char *name)
{
  size_t len = strlen(res->reason);
  if (len + 1 < sizeof res->reason) snprintf(res->reason + len, sizeof res->reason - len, fmt, name);
}

int gk_fit_finish(const gk_fit_problem *prob, const double *theta, int converged, const char *reason,
                  gk_fit_result *res, gk_error *err)
{
  return gk_fit_finish_steps(prob, theta, converged, reason, GN_STEPS, res, err);
}

int gk_fit_finish_steps(const gk_fit_problem *prob, const double *theta, int converged, const char *reason,
                        int steps, gk_fit_result *res, gk_error *err)
{
  if (!res) return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: no result structure");
  memset(res, 0, sizeof *res);
  if (!prob || !prob->model || !prob->jac || !prob->y || !prob->param || !prob->p || !prob->n)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit finish: needs a model with an analytic Jacobian");
  const size_t n = prob->n, p = prob->p;
  size_t nf = 0;
  for (size_t k = 0; k < p; k++) {
    const gk_param *par = &prob->param[k];
    if (par->fixed) continue;
    nf++;
    double t = theta[k];
    if (!isfinite(t) || t < par->lo || t > par->hi) return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit finish: '%s' outside its bounds", par->name);
    double typ = fmax(fabs(t), 1e-300);
    if ((isfinite(par->lo) && t - par->lo <= BOUND_SNAP * fmax(typ, fabs(par->lo))) ||
        (isfinite(par->hi) && par->hi - t <= BOUND_SNAP * fmax(typ, fabs(par->hi))))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit finish: '%s' at a bound", par->name);
  }
  if (nf == 0 || n <= nf) return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit finish: nothing to finish");
  for (size_t i = 0; i < n; i++)
    if ((prob->weighting == GK_WEIGHT_SIGMA && !(prob->sigma && prob->sigma[i] > 0)) ||
        (prob->weighting == GK_WEIGHT_RELATIVE && prob->y[i] == 0))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit finish: weights");

  fin c = {0};
  c.prob = prob;
  c.n = n;
  c.p = p;
  c.nf = nf;
  double *t = NULL, *z = NULL;
  int rc = GK_OK;
  if (fin_alloc(&c, &t, &z) != 0) {
    rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "fit: out of memory");
    goto out;
  }
  if (gk_fit_result_alloc_(res, n, p) != 0) {
    rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "fit: out of memory");
    goto out;
  }
  for (size_t k = 0, j = 0; k < p; k++) {
    const gk_param *par = &prob->param[k];
    if (par->fixed) continue;
    c.idx[j] = k;
    /* the dense driver's typical magnitude (fit.c ctx_setup) */
    double typ = fabs(par->init);
    if (typ == 0 && isfinite(par->lo) && isfinite(par->hi)) typ = par->hi - par->lo;
    else if (typ == 0 && isfinite(par->lo)) typ = fabs(par->lo);
    else if (typ == 0 && isfinite(par->hi)) typ = fabs(par->hi);
    if (!(typ > 0) || !isfinite(typ)) typ = 1.0;
    c.typ[j++] = typ;
  }
  for (size_t i = 0; i < n; i++)
    c.winv[i] = prob->weighting == GK_WEIGHT_SIGMA ? 1.0 / prob->sigma[i]
                : prob->weighting == GK_WEIGHT_RELATIVE ? 1.0 / fabs(prob->y[i]) : 1.0;
  for (size_t k = 0; k < p; k++) res->value[k] = prob->param[k].fixed ? prob->param[k].init : theta[k];
  res->n_free = nf;
  res->n_fits = 1;
  res->converged = converged;
  gk_fit_strcpy_(res->reason, sizeof res->reason, reason ? reason : "");
  if (eval_model(&c, res->value, c.yhat) != 0) {
    rc = gk_error_set(err, GK_EDOM, NULL, 0, "fit: model failed to evaluate at the best-fit parameters");
    goto out;
  }
  double chi2 = chi2_of(&c, c.yhat, c.f);
  const int absolute = prob->absolute_sigma != 0;
  /* the factorisation, kept while it is that of res->value; c.yhat holds
   * the model at res->value while at_value (the model is a function of
   * theta: evaluating it there again gives the same numbers) */
  int factored = 0, at_value = 1;
  for (int step = 0; converged && step < steps; step++) {
    if (factor(&c, res->value) != 0) { factored = -1; break; }
    factored = 1;
    if (c.singular) break;
    for (size_t m = 0; m < nf && !c.tri; m++) {
      double s = 0;
      for (size_t i = 0; i < nf; i++) s += gsl_matrix_get(c.U, i, m) * c.qf[i];
      z[m] = s / gsl_vector_get(c.S, m);
    }
    memcpy(t, res->value, p * sizeof *t);
    int ok = 1, moved = 0, negligible = 1;
    const double s2 = chi2 / (double)(n - nf);
    for (size_t j = 0; j < nf && ok; j++) {
      double dx = 0, var = 0;
      if (c.tri) {
        /* R^-1 (Q^T f) and the diagonal of R^-1 R^-T */
        for (size_t m = j; m < nf; m++) {
          dx += c.Ri[j * nf + m] * c.qf[m];
          var += c.Ri[j * nf + m] * c.Ri[j * nf + m];
        }
      } else {
        for (size_t m = 0; m < nf; m++) {
          double sm = gsl_vector_get(c.S, m), vjm = gsl_matrix_get(c.V, j, m);
          dx += vjm * z[m];
          var += vjm * vjm / (sm * sm);
        }
      }
      dx = -dx / c.d[j];
      /* against the standard error the covariance will give */
      double se = sqrt(var * (absolute ? 1.0 : s2)) / c.d[j];
      if (!(fabs(dx) <= GN_NEGLIGIBLE * se)) negligible = 0;
      const size_t k = c.idx[j];
      const gk_param *par = &prob->param[k];
      if (!(fabs(dx) <= GN_MAX_REL * fmax(fabs(t[k]), c.typ[j]))) ok = 0;
      t[k] += dx;
      if (t[k] < par->lo || t[k] > par->hi) ok = 0;
      moved |= t[k] != res->value[k];
    }
    /* A correction below 1e-8 of every standard error is immaterial (far
     * below any digit reported; the dense driver's steps here are rounding
     * or ~1e-8 se): not taking it saves a factorisation, and the
     * covariance is that of this point. */
    if (!ok || !moved || negligible) break;
    at_value = 0;
    if (eval_model(&c, t, c.yhat) != 0) break;
    double c2 = chi2_of(&c, c.yhat, c.qf);
    if (!(c2 <= chi2)) break;
    at_value = 1;
    memcpy(res->value, t, p * sizeof *t);
    memcpy(c.f, c.qf, n * sizeof *c.f);
    chi2 = c2;
    factored = 0;
  }
  /* the state at res->value: predictions, residuals, factorisation */
  if (at_value) memcpy(res->yhat, c.yhat, n * sizeof *res->yhat);
  else if (eval_model(&c, res->value, res->yhat) != 0) {
    rc = gk_error_set(err, GK_EDOM, NULL, 0, "fit: model failed to evaluate at the best-fit parameters");
    goto out;
  }
  res->chi2 = chi2_of(&c, res->yhat, res->resid);
  memcpy(c.f, res->resid, n * sizeof *c.f);
  /* statistics as fit.c fill_stats */
  const double nn = (double)n, kk = (double)nf;
  res->dof = n - nf;
  res->chi2_red = res->chi2 / (double)res->dof;
  double m2lnl = absolute ? res->chi2 : nn * log(res->chi2 / nn);
  res->aic = m2lnl + 2 * kk;
  res->aicc = nn - kk - 1 > 0 ? res->aic + 2 * kk * (kk + 1) / (nn - kk - 1) : NAN;
  res->bic = m2lnl + kk * log(nn);
  /* covariance as fit.c covariance() and scale_cov() */
  if (factored == 0 && factor(&c, res->value) != 0) factored = -1;
  if (factored < 0) {
    append_reason(res, "%s", "; covariance unavailable: model failed to evaluate near the optimum");
  } else if (c.singular) {
    append_reason(res, "; singular Jacobian: '%s' is not determined by the data (no standard errors)",
                  prob->param[c.idx[c.weakest]].name);
  } else {
    for (size_t a = 0; a < nf; a++)
      for (size_t b = 0; b < nf; b++) {
        double s = 0;
        if (c.tri) {
          s = gk_tri_gram(c.Ri, nf, a, b);
        } else {
          for (size_t m = 0; m < nf; m++) {
            double sm = gsl_vector_get(c.S, m);
            s += gsl_matrix_get(c.V, a, m) * gsl_matrix_get(c.V, b, m) / (sm * sm);
          }
        }
        res->cov[c.idx[a] * p + c.idx[b]] = s / (c.d[a] * c.d[b]);
      }
    res->cov_ok = 1;
  }
  if (res->cov_ok && !absolute)
    for (size_t i = 0; i < p * p; i++) res->cov[i] *= res->chi2_red;
  for (size_t k = 0; k < p; k++) {
    if (prob->param[k].fixed) res->se[k] = 0;
    else res->se[k] = res->cov_ok ? sqrt(res->cov[k * p + k]) : NAN;
  }
  if (!res->cov_ok)
    for (size_t i = 0; i < p * p; i++) res->cov[i] = NAN;
out:
  fin_free(&c);
  if (rc != GK_OK) gk_fit_result_free(res);
  return rc;
}
