/* The fitting core: gk_fit and friends (include/gainkit/fit.h).
 *
 * One engine for every model in gainkit, so the rules live here once:
 *  - the solver (GSL gsl_multifit_nlinear, trust region) moves unconstrained
 *    internal variables u of the free parameters; theta = T(u) keeps bounds
 *    (transform.c); fixed parameters stay at their init;
 *  - residuals are weighted, f_i = (yhat_i - y_i) / s_i;
 *  - the Jacobian is analytic (chain-ruled through T) or central
 *    differences in theta;
 *  - standard errors come from the Jacobian in theta (not u) at the
 *    optimum, so they do not depend on the bound transformation.
 * Conventions and formulas: docs/fitting.md.
 */
#include "gainkit/fit.h"
#include "fit/fit_internal.h"
#include "fit/structured.h"
#include "fit/lm_dense.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include "core/core_internal.h"

/* Residual reported to the solver for a trial point where the model failed
 * (non-zero return or non-finite prediction). GSL's trust-region iteration
 * aborts on an error status from f, so instead we return a residual vector
 * so large that the step is rejected and the trust region shrinks, which is
 * what "treat as a failed step" should mean. 1e50 squared and summed over
 * any realistic n stays far from overflow. */
#define FAILED_RESIDUAL 1e50

/* Central-difference step: eps^(1/3) balances truncation (h^2) against
 * rounding (eps/h) error, giving ~eps^(2/3) ~ 4e-11 relative accuracy. */
#define FD_REL 6.0554544523933395e-06
/* Floor of the step as a fraction of the parameter's typical magnitude, so
 * that a parameter passing through zero is not differentiated with a step
 * of 1e-300. */
#define FD_FLOOR 1e-2

/* A free parameter closer to a bound than this (relative to its scale) is
 * put exactly on the bound and flagged at_bound. The transforms approach a
 * bound quadratically, so a converged fit that wants the bound gets within
 * ~1e-20 of it; an interior optimum this close is indistinguishable. */
#define BOUND_SNAP 1e-9

/* Consecutive iterations without an acceptable step after which we stop. */
#define MAX_NOPROG 3

/* parameters up to which run_start's evaluation of the start is reused */
#define GK_FIT_FRESH_MAXP 16

typedef struct fit_ctx {
  const gk_fit_problem *prob;
  size_t n, p, nf;
  size_t *idx;          /* nf indices of the free parameters */
  gk_xform *xf;         /* nf transforms */
  double *typ;          /* nf typical magnitudes (finite-difference floor) */
  double *winv;         /* n: 1/s_i */
  double *theta;        /* p: scratch parameter vector */
  double *yhat, *yp, *ym, *y2; /* n: predictions, finite-difference points */
  double *jfull;        /* n*p: analytic Jacobian, or NULL */
  double *jt;           /* n*nf: weighted Jacobian in theta */
  size_t n_fail;        /* model failures seen (f evaluations) */
  int yhat_fresh;       /* yhat holds the model at fresh_theta (run_start's check) */
  double fresh_theta[GK_FIT_FRESH_MAXP];
  int jac_failed;       /* the last Jacobian could not be evaluated */
  /* Memo of the last evaluation into yhat (model at memo_theta), so that
   * the final Gauss-Newton check and the result do not evaluate the model
   * again at the point the solver just accepted. On only for the dense
   * driver's runs (p <= GK_FIT_FRESH_MAXP): a model with internal state
   * (sat-exact's warm-started inversion) would otherwise see a different
   * sequence of calls under GSL's driver than before. */
  int memo_on, memo_ok, jmemo_ok;
  double memo_theta[GK_FIT_FRESH_MAXP], jmemo_theta[GK_FIT_FRESH_MAXP];
  /* the basin of an earlier start (structured.h gk_ms_basin; NULL: none):
   * the dense driver stops a run that reaches it */
  gk_ms_basin *basin;
  int in_basin;         /* the last run stopped there */
} fit_ctx;

/* Outcome of one start. */
typedef struct start_result {
  int ok;               /* the solver ran (model evaluated at the start) */
  int converged;
  double chi2;
  size_t n_iter, n_fev, n_jev;
  char reason[160];
} start_result;

/* ---- model evaluation ------------------------------------------------------ */

/* Predictions at theta into out; non-zero if the model failed or gave a
 * non-finite value (never let NaN into the solver). */
static int eval_model(fit_ctx *c, const double *theta, double *out)
{
  /* memo of c->yhat (GK_FIT_LM_DENSE runs only, see fit_ctx.memo) */
  const int memo = out == c->yhat && c->memo_on;
  if (memo) {
    if (c->memo_ok && memcmp(theta, c->memo_theta, c->p * sizeof *theta) == 0) return 0;
    c->memo_ok = 0;
  }
  if (c->prob->model(theta, out, c->prob->ctx) != 0) return -1;
  /* a sum of x * 0 is NaN exactly when some x is not finite */
  double chk = 0;
  for (size_t i = 0; i < c->n; i++) chk += out[i] * 0.0;
  if (chk != 0) return -1;
  if (memo) {
    memcpy(c->memo_theta, theta, c->p * sizeof *theta);
    c->memo_ok = 1;
  }
  return 0;
}

/* The model at theta into out (not c->yhat), from the memo when it holds
 * theta. */
static int eval_into(fit_ctx *c, const double *theta, double *out)
{
  if (c->memo_on && c->memo_ok && memcmp(theta, c->memo_theta, c->p * sizeof *theta) == 0) {
    memcpy(out, c->yhat, c->n * sizeof *out);
    return 0;
  }
  return eval_model(c, theta, out);
}

/* Full parameter vector from internal variables (fixed ones at init). */
static void theta_from_u(fit_ctx *c, const double *u, double *theta)
{
  for (size_t k = 0; k < c->p; k++) theta[k] = c->prob->param[k].init;
  for (size_t j = 0; j < c->nf; j++) theta[c->idx[j]] = gk_xf_theta(&c->xf[j], u[j]);
}

static double chi2_of(fit_ctx *c, const double *yhat, double *resid)
{
  return gk_fit_chi2_(c->prob->y, c->winv, yhat, c->n, resid);
}

/* d yhat / d theta_k by differences; fills the unweighted column into col.
 * Central when both sides are inside the bounds and the model evaluates
 * there; otherwise a second-order one-sided formula on the side that works
 * (a parameter on a bound, or a model undefined just outside its domain). */
static int fd_column(fit_ctx *c, double *theta, size_t j, double *col)
{
  const gk_param *par = &c->prob->param[c->idx[j]];
  double *t = &theta[c->idx[j]];
  const double t0 = *t;
  double h = FD_REL * fmax(fabs(t0), FD_FLOOR * c->typ[j]);
  /* make t0 + h exactly representable so the divisor is the true step */
  volatile double tph = t0 + h;
  h = tph - t0;
  if (h == 0) return -1;

  int can_p = t0 + h <= par->hi, can_m = t0 - h >= par->lo;
  int ok_p = 0, ok_m = 0;
  if (can_p) { *t = t0 + h; ok_p = eval_model(c, theta, c->yp) == 0; }
  if (can_m) { *t = t0 - h; ok_m = eval_model(c, theta, c->ym) == 0; }
  int rc = 0;
  if (ok_p && ok_m) {
    for (size_t i = 0; i < c->n; i++) col[i] = (c->yp[i] - c->ym[i]) / (2 * h);
  } else if (ok_p || ok_m) {
    const double sgn = ok_p ? 1.0 : -1.0;
    const double *y1 = ok_p ? c->yp : c->ym;
    *t = t0;
    if (eval_model(c, theta, c->yhat) != 0) { rc = -1; goto out; }
    *t = t0 + 2 * sgn * h;
    if (*t <= par->hi && *t >= par->lo && eval_model(c, theta, c->y2) == 0) {
      for (size_t i = 0; i < c->n; i++)
        col[i] = sgn * (-3 * c->yhat[i] + 4 * y1[i] - c->y2[i]) / (2 * h);
    } else {
      for (size_t i = 0; i < c->n; i++) col[i] = sgn * (y1[i] - c->yhat[i]) / h;
    }
  } else {
    rc = -1;
  }
out:
  *t = t0;
  return rc;
}

/* Weighted Jacobian d f_i / d theta_j (free j) at theta into c->jt. */
static int jac_theta_eval(fit_ctx *c, double *theta);
static int jac_theta(fit_ctx *c, double *theta)
{
  const size_t p = c->p;
  /* the covariance's Jacobian is usually the one the solver has just
   * computed at its last accepted point (memo as for yhat) */
  if (c->memo_on && c->jmemo_ok && memcmp(theta, c->jmemo_theta, p * sizeof *theta) == 0) return 0;
  c->jmemo_ok = 0;
  int rc = jac_theta_eval(c, theta);
  if (rc == 0 && c->memo_on) {
    memcpy(c->jmemo_theta, theta, p * sizeof *theta);
    c->jmemo_ok = 1;
  }
  return rc;
}

static int jac_theta_eval(fit_ctx *c, double *theta)
{
  const size_t n = c->n, p = c->p, nf = c->nf;
  if (c->prob->jac) {
    if (c->prob->jac(theta, c->jfull, c->prob->ctx) != 0) return -1;
    if (nf == p) {
      /* no fixed parameter: the columns in order, checked in the same
       * pass (a sum of x * 0 is NaN exactly when some x is not finite) */
      double chk = 0;
      for (size_t i = 0; i < n; i++) {
        const double wi = c->winv[i], *jf = c->jfull + i * p;
        double *jr = c->jt + i * p;
        for (size_t j = 0; j < p; j++) {
          jr[j] = jf[j] * wi;
          chk += jr[j] * 0.0;
        }
      }
      return chk == 0 ? 0 : -1;
    }
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < nf; j++)
        c->jt[i * nf + j] = c->jfull[i * p + c->idx[j]] * c->winv[i];
  } else {
    double *col = c->jfull; /* n scratch values */
    for (size_t j = 0; j < nf; j++) {
      if (fd_column(c, theta, j, col) != 0) return -1;
      for (size_t i = 0; i < n; i++) c->jt[i * nf + j] = col[i] * c->winv[i];
    }
  }
  for (size_t i = 0; i < n * nf; i++)
    if (!isfinite(c->jt[i])) return -1;
  return 0;
}

/* ---- GSL callbacks ----------------------------------------------------------- */

/* Weighted residuals at internal point u into f (huge ones when the
 * model fails there, so that the step is rejected). */
static void resid_at(fit_ctx *c, const double *u, double *f)
{
  theta_from_u(c, u, c->theta);
  /* the solver's init asks for f at the start run_start has just evaluated */
  int fresh = c->yhat_fresh && memcmp(c->fresh_theta, c->theta, c->p * sizeof *c->theta) == 0;
  c->yhat_fresh = 0;
  if (!fresh && eval_model(c, c->theta, c->yhat) != 0) {
    c->n_fail++;
    for (size_t i = 0; i < c->n; i++) f[i] = FAILED_RESIDUAL;
    return;
  }
  for (size_t i = 0; i < c->n; i++) f[i] = (c->yhat[i] - c->prob->y[i]) * c->winv[i];
}

/* Weighted Jacobian in u at internal point u into J (row stride tda);
 * non-zero when it cannot be evaluated. */
static int jac_at(fit_ctx *c, const double *u, double *J, size_t tda)
{
  theta_from_u(c, u, c->theta);
  if (jac_theta(c, c->theta) != 0) {
    c->jac_failed = 1;
    return -1;
  }
  /* row by row: J is row-major, so a column-wise fill strides through all
   * of it once per parameter (a tenth of a large map fit's time) */
  double d[64];
  const size_t nf = c->nf;
  if (nf > 64) {
    for (size_t j = 0; j < nf; j++) {
      const double dj = gk_xf_dtheta(&c->xf[j], u[j]);
      for (size_t i = 0; i < c->n; i++) J[i * tda + j] = c->jt[i * nf + j] * dj;
    }
    return 0;
  }
  int plain = tda == nf;
  for (size_t j = 0; j < nf; j++) {
    d[j] = gk_xf_dtheta(&c->xf[j], u[j]);
    plain &= c->xf[j].kind == GK_XF_NONE;
  }
  if (plain) {
    /* unbounded parameters: u = theta, dtheta/du = 1 */
    memcpy(J, c->jt, c->n * nf * sizeof *J);
    return 0;
  }
  for (size_t i = 0; i < c->n; i++) {
    double *Jr = J + i * tda;
    const double *jr = c->jt + i * nf;
    for (size_t j = 0; j < nf; j++) Jr[j] = jr[j] * d[j];
  }
  return 0;
}

static int gsl_f(const gsl_vector *x, void *params, gsl_vector *f)
{
  fit_ctx *c = params;
  if (f->stride == 1) {
    resid_at(c, x->data, f->data);
  } else {
    resid_at(c, x->data, c->yp);
    for (size_t i = 0; i < c->n; i++) gsl_vector_set(f, i, c->yp[i]);
  }
  return GSL_SUCCESS;
}

static int gsl_df(const gsl_vector *x, void *params, gsl_matrix *J)
{
  /* GSL only asks for J at accepted points, so this is not a trial we
   * can reject: the fit has to stop here. */
  return jac_at(params, x->data, J->data, J->tda) == 0 ? GSL_SUCCESS : GSL_EDOM;
}

/* The dense driver's callbacks (lm_dense.h). */
static void lmd_f(const double *u, double *f, void *ctx) { resid_at(ctx, u, f); }
static int lmd_df(const double *u, double *J, void *ctx)
{
  fit_ctx *c = ctx;
  return jac_at(c, u, J, c->nf);
}

/* ---- validation --------------------------------------------------------------- */

static int check_start(const gk_fit_problem *prob, const double *v, size_t row,
                       gk_error *err)
{
  for (size_t k = 0; k < prob->p; k++) {
    const gk_param *par = &prob->param[k];
    if (par->fixed) continue;
    if (!isfinite(v[k]) || v[k] < par->lo || v[k] > par->hi) {
      if (row == 0)
        return gk_error_set(err, GK_EUSAGE, NULL, 0,
                            "parameter '%s': start value %g outside its bounds [%g, %g]",
                            par->name, v[k], par->lo, par->hi);
      return gk_error_set(err, GK_EUSAGE, NULL, 0,
                          "start %zu, parameter '%s': value %g outside its bounds [%g, %g]",
                          row, par->name, v[k], par->lo, par->hi);
    }
  }
  return GK_OK;
}

static int validate(const gk_fit_problem *prob, size_t nf, gk_error *err)
{
  if (!prob || !prob->model || !prob->y || !prob->param || prob->p == 0)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: incomplete problem (model, data or parameters missing)");
  if (prob->n < nf)
    return gk_error_set(err, GK_EUSAGE, NULL, 0,
                        "fit: %zu data points cannot determine %zu free parameters", prob->n, nf);
  if (prob->n_starts && !prob->starts)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: n_starts = %zu but no start values", prob->n_starts);
  for (size_t k = 0; k < prob->p; k++) {
    const gk_param *par = &prob->param[k];
    const char *name = par->name ? par->name : "?";
    if (!isfinite(par->init))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "parameter '%s': initial value is not finite", name);
    if (isnan(par->lo) || isnan(par->hi) || !(par->lo < par->hi) ||
        par->lo == INFINITY || par->hi == -INFINITY)
      return gk_error_set(err, GK_EUSAGE, NULL, 0,
                          "parameter '%s': bounds [%g, %g] do not form an interval (need lo < hi)",
                          name, par->lo, par->hi);
    if (!par->fixed && (par->init < par->lo || par->init > par->hi))
      return gk_error_set(err, GK_EUSAGE, NULL, 0,
                          "parameter '%s': initial value %g outside its bounds [%g, %g]",
                          name, par->init, par->lo, par->hi);
  }
  for (size_t s = 0; s < prob->n_starts; s++) {
    int rc = check_start(prob, prob->starts + s * prob->p, s + 1, err);
    if (rc) return rc;
  }
  for (size_t i = 0; i < prob->n; i++) {
    if (!isfinite(prob->y[i]))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: data point %zu is not finite", i);
    if (prob->weighting == GK_WEIGHT_SIGMA) {
      if (!prob->sigma)
        return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: sigma weighting without sigma values");
      if (!(prob->sigma[i] > 0) || !isfinite(prob->sigma[i]))
        return gk_error_set(err, GK_EUSAGE, NULL, 0,
                            "fit: sigma of data point %zu is %g; uncertainties must be positive and finite",
                            i, prob->sigma[i]);
    } else if (prob->weighting == GK_WEIGHT_RELATIVE && prob->y[i] == 0) {
      return gk_error_set(err, GK_EUSAGE, NULL, 0,
                          "fit: relative weighting needs non-zero data, but data point %zu is 0", i);
    }
  }
  return GK_OK;
}

/* ---- context ------------------------------------------------------------------- */

static void ctx_free(fit_ctx *c)
{
  free(c->idx); free(c->xf);
  free(c->typ); /* the one block of doubles starts at typ */
}

/* Scratch buffers for problems of n points and p parameters (allocated once
 * per workspace, see gk_fit_alloc): the doubles in one block. Not zeroed:
 * every one is written before it is read (typ and winv by ctx_setup, the
 * others by the evaluation that fills them; the memo flags say when yhat
 * holds a model), and clearing 2.7 kB per workspace was 3 % of a 30-point
 * vsl2 fit's instructions. */
static int ctx_alloc(fit_ctx *c, size_t n, size_t p)
{
  memset(c, 0, sizeof *c);
  c->n = n; c->p = p;
  c->idx = calloc(p, sizeof *c->idx);
  c->xf = calloc(p, sizeof *c->xf);
  double *b = malloc((2 * p + 5 * n + 2 * n * p) * sizeof *b);
  if (!c->idx || !c->xf || !b) {
    free(c->idx); free(c->xf); free(b);
    memset(c, 0, sizeof *c);
    return -1;
  }
  c->typ = b; b += p;
  c->theta = b; b += p;
  c->winv = b; b += n;
  c->yhat = b; b += n;
  c->yp = b; b += n;
  c->ym = b; b += n;
  c->y2 = b; b += n;
  c->jfull = b; b += n * p;
  c->jt = b;
  return 0;
}

/* Per-problem set-up of the workspace's context: free indices, transforms,
 * typical magnitudes and weights. */
static void ctx_setup(fit_ctx *c, const gk_fit_problem *prob, size_t nf)
{
  const size_t n = prob->n, p = prob->p;
  c->prob = prob;
  c->nf = nf;
  c->n_fail = 0;
  c->jac_failed = 0;
  c->yhat_fresh = 0;
  c->memo_ok = 0;
  c->jmemo_ok = 0;
  c->memo_on = 0;
  size_t j = 0;
  for (size_t k = 0; k < p; k++) {
    const gk_param *par = &prob->param[k];
    if (par->fixed) continue;
    c->idx[j] = k;
    /* Typical magnitude: the start value, else the distance to a finite
     * bound, else 1. It sets finite-difference floors and the one-sided
     * transform's length scale. */
    double typ = fabs(par->init);
    if (typ == 0 && isfinite(par->lo) && isfinite(par->hi)) typ = par->hi - par->lo;
    else if (typ == 0 && isfinite(par->lo)) typ = fabs(par->lo);
    else if (typ == 0 && isfinite(par->hi)) typ = fabs(par->hi);
    if (!(typ > 0) || !isfinite(typ)) typ = 1.0;
    c->typ[j] = typ;
    double scale = typ;
    if (isfinite(par->lo) && par->init > par->lo) scale = par->init - par->lo;
    else if (isfinite(par->hi) && par->init < par->hi) scale = par->hi - par->init;
    gk_xf_init(&c->xf[j], par->lo, par->hi, scale);
    j++;
  }
  for (size_t i = 0; i < n; i++) {
    switch (prob->weighting) {
    case GK_WEIGHT_SIGMA: c->winv[i] = 1.0 / prob->sigma[i]; break;
    case GK_WEIGHT_RELATIVE: c->winv[i] = 1.0 / fabs(prob->y[i]); break;
    default: c->winv[i] = 1.0; break;
    }
  }
}

/* ---- one start ------------------------------------------------------------------ */

/* Is the residual vector orthogonal to every Jacobian column (to 1e-8 in
 * cosine)? That is the first-order condition for a least-squares minimum,
 * written scale-free so that it holds for data of any magnitude. Used when
 * no step from the start reduces chi2: GSL's own gradient test compares
 * |J^T f| with an absolute gtol and misses rounding-level residuals of
 * large data. */
static int residual_orthogonal(const double *J, size_t tda, const double *f, size_t n, size_t p)
{
  double fn = 0;
  for (size_t i = 0; i < n; i++) fn += f[i] * f[i];
  fn = sqrt(fn);
  if (fn == 0) return 1;
  for (size_t k = 0; k < p; k++) {
    double jn = 0, dot = 0;
    for (size_t i = 0; i < n; i++) {
      jn += J[i * tda + k] * J[i * tda + k];
      dot += J[i * tda + k] * f[i];
    }
    jn = sqrt(jn);
    if (jn > 0 && fabs(dot) > 1e-8 * jn * fn) return 0;
  }
  return 1;
}

/* The iteration behind run_start: GSL's trust-region workspace, or the
 * engine's dense driver (GK_FIT_LM_DENSE, lm_dense.h). One set of stopping
 * rules (run_start) for both. */
typedef struct drv {
  gsl_multifit_nlinear_workspace *w;  /* GSL, or NULL */
  gsl_multifit_nlinear_fdf *fdf;
  gk_lmd *l;                          /* dense, or NULL */
  int scale;
} drv;

static int drv_init(drv *d, fit_ctx *c, gsl_vector *u)
{
  if (d->l) return gk_lmd_init(d->l, u->data, lmd_f, lmd_df, c, d->scale) == 0 ? GSL_SUCCESS : GSL_EDOM;
  return gsl_multifit_nlinear_init(u, d->fdf, d->w);
}

/* GSL_SUCCESS, GSL_ENOPROG or another status */
static int drv_iterate(drv *d)
{
  if (d->l) {
    int r = gk_lmd_iterate(d->l);
    return r == 0 ? GSL_SUCCESS : r == GK_LMD_NOPROG ? GSL_ENOPROG : GSL_EDOM;
  }
  return gsl_multifit_nlinear_iterate(d->w);
}

static int drv_test(const drv *d, const gk_fit_options *opt, int *info)
{
  if (d->l) return gk_lmd_test(d->l, opt->xtol, opt->gtol, info) ? GSL_SUCCESS : GSL_CONTINUE;
  return gsl_multifit_nlinear_test(opt->xtol, opt->gtol, opt->ftol, info, d->w);
}

static int drv_orthogonal(const drv *d)
{
  if (d->l) return residual_orthogonal(d->l->J, d->l->p, d->l->fx, d->l->n, d->l->p);
  const gsl_vector *f = gsl_multifit_nlinear_residual(d->w);
  const gsl_matrix *J = gsl_multifit_nlinear_jac(d->w);
  if (f->stride != 1) return 0;
  return residual_orthogonal(J->data, J->tda, f->data, J->size1, J->size2);
}

static const char *info_reason(int info)
{
  switch (info) {
  case 1: return "small step (xtol)";
  case 2: return "small gradient (gtol)";
  default: return "small change of chi2 (ftol)";
  }
}

/* The basin test (structured.h) applies: every parameter free and
 * unbounded, so the solver's variables are theta itself. */
static int basin_applies(const fit_ctx *c)
{
  if (c->basin->p != c->p || c->nf != c->p || c->p > GK_MS_BASIN_MAXP || c->prob->n_starts) return 0;
  for (size_t k = 0; k < c->p; k++) {
    const gk_param *q = &c->prob->param[k];
    if (q->fixed || q->lo != -INFINITY || q->hi != INFINITY) return 0;
  }
  return 1;
}

/* Run the solver from theta0 (p values). On return u holds the end point. */
static void run_start(fit_ctx *c, drv *d, const gk_fit_options *opt,
                      const double *theta0, gsl_vector *u, start_result *sr)
{
  memset(sr, 0, sizeof *sr);
  sr->chi2 = INFINITY;
  for (size_t j = 0; j < c->nf; j++)
    gsl_vector_set(u, j, gk_xf_internal(&c->xf[j], theta0[c->idx[j]]));
  theta_from_u(c, u->data, c->theta);
  if (eval_model(c, c->theta, c->yhat) != 0) {
    snprintf(sr->reason, sizeof sr->reason, "model failed to evaluate at the start point");
    return;
  }
  if (c->p <= GK_FIT_FRESH_MAXP) {
    memcpy(c->fresh_theta, c->theta, c->p * sizeof *c->theta);
    c->yhat_fresh = 1;
  }
  c->n_fail = 0;
  c->jac_failed = 0;
  c->in_basin = 0;
  int irc = drv_init(d, c, u);
  c->yhat_fresh = 0;
  if (irc != GSL_SUCCESS) {
    snprintf(sr->reason, sizeof sr->reason, "model failed to evaluate (Jacobian at the start point)");
    return;
  }
  sr->ok = 1;
  size_t iter = 0, noprog = 0;
  int info = 0;
  for (;;) {
    if (iter >= opt->max_iter) {
      snprintf(sr->reason, sizeof sr->reason, "iteration limit %zu reached", opt->max_iter);
      break;
    }
    size_t fail_before = c->n_fail;
    int st = drv_iterate(d);
    iter++;
    if (c->jac_failed) {
      snprintf(sr->reason, sizeof sr->reason, "model failed to evaluate (Jacobian)");
      break;
    }
    if (st == GSL_ENOPROG) {
      /* Fifteen trial steps with a shrinking trust region were all
       * rejected. GSL resets the damping, so trying again can help (as its
       * own driver does); several in a row mean that no step reduces chi2. */
      /* On the first iteration a start that is already the optimum is
       * recognised at once; any other start gets the retries too (the start
       * of a profile search can be within rounding of the optimum in chi2
       * but not yet in the gradient's cosine). */
      int optimal0 = iter == 1 && c->n_fail == fail_before && drv_orthogonal(d);
      if (++noprog >= MAX_NOPROG || optimal0) {
        if (c->n_fail > fail_before)
          snprintf(sr->reason, sizeof sr->reason, "model failed to evaluate at every trial step");
        else if (optimal0) {
          /* A start that is already the optimum (noise-free data, or a
           * second pass started at the first pass's answer) admits no
           * improving step, yet the gradient test says it is a minimum. */
          sr->converged = 1;
          snprintf(sr->reason, sizeof sr->reason, "start point is already optimal (small gradient)");
        } else if (iter == noprog)
          snprintf(sr->reason, sizeof sr->reason, "no step from the start point reduced chi2");
        else {
          sr->converged = 1;
          snprintf(sr->reason, sizeof sr->reason, "chi2 cannot be reduced further (rounding level)");
        }
        break;
      }
    } else if (st != GSL_SUCCESS) {
      snprintf(sr->reason, sizeof sr->reason, "solver stopped: %s", gsl_strerror(st));
      break;
    } else {
      noprog = 0;
    }
    if (drv_test(d, opt, &info) == GSL_SUCCESS) {
      sr->converged = 1;
      gk_fit_strcpy_(sr->reason, sizeof sr->reason, info_reason(info));
      break;
    }
    if (st == GSL_SUCCESS && d->l && c->basin && basin_applies(c) &&
        gk_ms_in_basin(c->basin, d->l->x, d->l->normf * d->l->normf, d->l->g)) {
      /* in the basin of the best earlier fit: it would converge there */
      c->in_basin = 1;
      c->basin->hit = 1;
      c->basin->n_iter = iter;
      sr->converged = 1;
      snprintf(sr->reason, sizeof sr->reason, "reached the basin of an earlier start's optimum");
      break;
    }
  }
  if (d->l) {
    memcpy(u->data, d->l->x, c->nf * sizeof *u->data);
    double fn = 0;
    for (size_t i = 0; i < c->n; i++) fn += d->l->fx[i] * d->l->fx[i];
    sr->chi2 = fn;
    sr->n_fev = d->l->nevalf;
    sr->n_jev = d->l->nevaldf;
  } else {
    gsl_vector_memcpy(u, gsl_multifit_nlinear_position(d->w));
    double fn = gsl_blas_dnrm2(gsl_multifit_nlinear_residual(d->w));
    sr->chi2 = fn * fn;
    sr->n_fev = d->fdf->nevalf;
    sr->n_jev = d->fdf->nevaldf;
  }
  sr->n_iter = iter;
}

/* ---- result ----------------------------------------------------------------------- */

static void append_reason(gk_fit_result *res, const char *fmt, const char *name)
{
  size_t len = strlen(res->reason);
  if (len + 1 < sizeof res->reason)
    snprintf(res->reason + len, sizeof res->reason - len, fmt, name);
}

/* Put free parameters that ended (numerically) on a bound exactly there. */
static void snap_bounds(fit_ctx *c, gk_fit_result *res)
{
  for (size_t j = 0; j < c->nf; j++) {
    const size_t k = c->idx[j];
    const gk_param *par = &c->prob->param[k];
    double *t = &res->value[k];
    double scale = fmax(c->xf[j].c, c->typ[j]);
    if (c->xf[j].kind == GK_XF_BOTH) scale = par->hi - par->lo;
    if (isfinite(par->lo) && *t - par->lo <= BOUND_SNAP * fmax(scale, fabs(par->lo))) {
      *t = par->lo;
      res->at_bound = 1;
      append_reason(res, "; '%s' at its lower bound", par->name);
    } else if (isfinite(par->hi) && par->hi - *t <= BOUND_SNAP * fmax(scale, fabs(par->hi))) {
      *t = par->hi;
      res->at_bound = 1;
      append_reason(res, "; '%s' at its upper bound", par->name);
    }
  }
}

/* Rank threshold on the singular values of the column-scaled Jacobian:
 * directions weaker than the Jacobian's own accuracy (analytic ~1e-16,
 * central differences ~1e-10 relative) carry no information. */
#define RCOND_ANALYTIC 1e-13
#define RCOND_FD 1e-10

/* SVD of the weighted Jacobian in theta with unit-norm columns (so that
 * rank decisions do not depend on the parameters' units):
 * J = U S V^T diag(d). Shared by the final Gauss-Newton step and the
 * covariance. */
typedef struct jac_svd {
  gsl_matrix *U, *V;
  gsl_vector *S, *work;
  double *d;
  int singular;        /* rank below the Jacobian's accuracy */
  size_t weakest;      /* free index dominating the null direction */
  double *at;          /* p: the theta of the factorisation, when valid */
  int valid;
  /* U, V, S, work are views of one block starting at d */
  gsl_matrix Um, Vm;
  gsl_vector Sv, wv;
  /* Dense-driver runs (fit_ctx.memo_on) factor J = Q R first and take the
   * SVD of the nf x nf R (the R-SVD: same S and V, a tall SVD's cost
   * avoided): then U is Q Ur, Q's reflectors in A (n x nf), Ur in Rm. */
  int rsvd;
  double *A, *vk, *vtv;
  gsl_matrix Rm;
  /* tri: R is well conditioned (lm_dense.h GK_TRI_MAXCOND), so no SVD was taken:
   * Ri (nf x nf, row-major, upper) holds R^-1 and S, V, Rm are unset;
   * then J D^-1 = Q R, the step is -R^-1 (Q^T f) and the covariance
   * R^-1 R^-T (both scaled by D^-1). */
  int tri;
  double *Ri;
} jac_svd;

static void jsvd_free(jac_svd *js)
{
  free(js->d);
  js->d = NULL;
}

static int jsvd_alloc(jac_svd *js, size_t n, size_t nf, size_t p)
{
  memset(js, 0, sizeof *js);
  double *b = calloc(5 * nf + p + 2 * n * nf + 3 * nf * nf, sizeof *b);
  if (!b) return -1;
  js->A = b + 3 * nf + p + n * nf + nf * nf; /* after d, at, S, work, U, V below */
  js->vk = js->A + n * nf;
  js->vtv = js->vk + nf;
  js->Rm = gsl_matrix_view_array(js->vtv + nf, nf, nf).matrix;
  js->Ri = js->vtv + nf + nf * nf;
  js->d = b; b += nf;
  js->at = b; b += p;
  js->Sv = gsl_vector_view_array(b, nf).vector; b += nf;
  js->wv = gsl_vector_view_array(b, nf).vector; b += nf;
  js->Um = gsl_matrix_view_array(b, n, nf).matrix; b += n * nf;
  js->Vm = gsl_matrix_view_array(b, nf, nf).matrix;
  js->U = &js->Um;
  js->V = &js->Vm;
  js->S = &js->Sv;
  js->work = &js->wv;
  return 0;
}

/* Factor J at theta (p values). Returns -1 if the Jacobian cannot be
 * evaluated there. */
static int jsvd_compute(fit_ctx *c, const double *theta, jac_svd *js)
{
  const size_t n = c->n, nf = c->nf;
  /* the covariance is usually wanted where the last refinement step
   * factorised J already: one SVD of a tall J is the costliest step here */
  if (js->valid && memcmp(js->at, theta, c->p * sizeof *theta) == 0) return 0;
  js->valid = 0;
  memcpy(c->theta, theta, c->p * sizeof *c->theta);
  if (jac_theta(c, c->theta) != 0) return -1;
  js->singular = 0;
  js->weakest = 0;
  js->tri = 0;
  for (size_t j = 0; j < nf; j++) {
    double s2 = 0;
    for (size_t i = 0; i < n; i++) s2 += c->jt[i * nf + j] * c->jt[i * nf + j];
    js->d[j] = sqrt(s2);
    if (js->d[j] == 0) { js->singular = 1; js->weakest = j; }
  }
  if (js->singular) return 0;
  js->rsvd = c->memo_on;
  if (js->rsvd) {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < nf; j++) js->A[i * nf + j] = c->jt[i * nf + j] / js->d[j];
    gk_qr_decomp(js->A, n, nf, js->vk, js->vtv);
    if (gk_tri_inverse(js->A, nf, js->Ri)) {
      js->tri = 1;
      memcpy(js->at, theta, c->p * sizeof *theta);
      js->valid = 1;
      return 0;
    }
    for (size_t i = 0; i < nf; i++)
      for (size_t j = 0; j < nf; j++) gsl_matrix_set(&js->Rm, i, j, j >= i ? js->A[i * nf + j] : 0);
    gsl_linalg_SV_decomp(&js->Rm, js->V, js->S, js->work);
  } else {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < nf; j++) gsl_matrix_set(js->U, i, j, c->jt[i * nf + j] / js->d[j]);
    gsl_linalg_SV_decomp(js->U, js->V, js->S, js->work);
  }
  const double smax = gsl_vector_get(js->S, 0), smin = gsl_vector_get(js->S, nf - 1);
  const double rcond = c->prob->jac ? RCOND_ANALYTIC : RCOND_FD;
  if (!(smin > rcond * smax)) {
    js->singular = 1;
    double best = -1;
    for (size_t j = 0; j < nf; j++) {
      double v = fabs(gsl_matrix_get(js->V, j, nf - 1));
      if (v > best) { best = v; js->weakest = j; }
    }
  }
  memcpy(js->at, theta, c->p * sizeof *theta);
  js->valid = 1;
  return 0;
}

/* Largest Gauss-Newton correction we still call a refinement, relative to
 * the parameter's scale: anything bigger means the solver was not at the
 * optimum, and then we report what it found rather than second-guess it. */
#define GN_MAX_REL 1e-4
#define GN_STEPS 3

/* Final Gauss-Newton steps from a converged point. The trust-region
 * solver accepts a step only if chi2 drops by more than rounding, which
 * leaves a parameter ~ se * sqrt(eps * dof) short of the optimum (1e-7 of
 * its se: on NIST ENSO only 6.8 correct digits). The GN step
 * dx = -J^+ f is computed from J^T f, which is far more accurate than a
 * chi2 difference, so near the optimum it lands on it; it is kept when chi2
 * does not increase. */
static void gn_refine(fit_ctx *c, jac_svd *js, gk_fit_result *res, double *t, double *f, double *z)
{
  const size_t n = c->n, nf = c->nf, p = c->p;
  for (int step = 0; step < GN_STEPS; step++) {
    if (jsvd_compute(c, res->value, js) != 0 || js->singular) break;
    if (eval_model(c, res->value, c->yhat) != 0) break;
    const double chi2_old = chi2_of(c, c->yhat, f);
    if (js->tri) {
      /* (Q^T f)[0..nf); the step is -R^-1 of it, below */
      gk_qr_qtvec(js->A, n, nf, js->vk, js->vtv, f);
    } else if (js->rsvd) {
      /* U^T f = Ur^T (Q^T f)[0..nf) (f is not needed afterwards) */
      gk_qr_qtvec(js->A, n, nf, js->vk, js->vtv, f);
      for (size_t m = 0; m < nf; m++) {
        double s = 0;
        for (size_t i = 0; i < nf; i++) s += gsl_matrix_get(&js->Rm, i, m) * f[i];
        z[m] = s / gsl_vector_get(js->S, m);
      }
    } else {
      for (size_t m = 0; m < nf; m++) {
        double s = 0;
        for (size_t i = 0; i < n; i++) s += gsl_matrix_get(js->U, i, m) * f[i];
        z[m] = s / gsl_vector_get(js->S, m);
      }
    }
    memcpy(t, res->value, p * sizeof *t);
    int ok = 1, moved = 0;
    for (size_t j = 0; j < nf && ok; j++) {
      double dx = 0;
      if (js->tri)
        for (size_t m = j; m < nf; m++) dx -= js->Ri[j * nf + m] * f[m];
      else
        for (size_t m = 0; m < nf; m++) dx -= gsl_matrix_get(js->V, j, m) * z[m];
      dx /= js->d[j];
      const size_t k = c->idx[j];
      const gk_param *par = &c->prob->param[k];
      if (!(fabs(dx) <= GN_MAX_REL * fmax(fabs(t[k]), c->typ[j]))) ok = 0;
      t[k] += dx;
      if (t[k] < par->lo || t[k] > par->hi) ok = 0;
      moved |= t[k] != res->value[k];
    }
    if (!ok || !moved) break;
    /* Dense-driver runs try the step in yp, so that a rejected step leaves
     * c->yhat and its memo at res->value (the result's predictions, not
     * evaluated again); otherwise in yhat, the model calls as before (a
     * model with state, sat-exact's, sees the same sequence). */
    double *yt = c->memo_on ? c->yp : c->yhat;
    if (eval_model(c, t, yt) != 0) break;
    if (!(chi2_of(c, yt, NULL) <= chi2_old)) break;
    if (yt != c->yhat) {
      memcpy(c->yhat, yt, n * sizeof *yt);
      memcpy(c->memo_theta, t, p * sizeof *t);
      c->memo_ok = 1;
    }
    memcpy(res->value, t, p * sizeof *t);
  }
}

/* Covariance C = (J^T J)^-1 of the free parameters from the weighted
 * Jacobian in theta at res->value. Writes res->cov and cov_ok. */
static void covariance(fit_ctx *c, jac_svd *js, gk_fit_result *res)
{
  const size_t nf = c->nf, p = c->p;
  if (jsvd_compute(c, res->value, js) != 0) {
    append_reason(res, "%s", "; covariance unavailable: model failed to evaluate near the optimum");
    return;
  }
  if (js->singular) {
    append_reason(res, "; singular Jacobian: '%s' is not determined by the data (no standard errors)",
                  c->prob->param[c->idx[js->weakest]].name);
    return;
  }
  for (size_t a = 0; a < nf; a++)
    for (size_t b = 0; b < nf; b++) {
      double s = 0;
      if (js->tri) {
        s = gk_tri_gram(js->Ri, nf, a, b);
      } else {
        for (size_t m = 0; m < nf; m++) {
          double sm = gsl_vector_get(js->S, m);
          s += gsl_matrix_get(js->V, a, m) * gsl_matrix_get(js->V, b, m) / (sm * sm);
        }
      }
      res->cov[c->idx[a] * p + c->idx[b]] = s / (js->d[a] * js->d[b]);
    }
  res->cov_ok = 1;
}

static void fill_stats(fit_ctx *c, gk_fit_result *res, int absolute)
{
  const double n = (double)c->n, k = (double)c->nf;
  res->dof = c->n - c->nf;
  res->chi2_red = res->dof > 0 ? res->chi2 / (double)res->dof : NAN;
  /* -2 ln L up to a constant: chi2 itself when the sigmas are absolute,
   * otherwise the Gaussian likelihood maximised over an unknown common
   * variance, n ln(chi2/n). */
  double m2lnl = absolute ? res->chi2 : n * log(res->chi2 / n);
  res->aic = m2lnl + 2 * k;
  res->aicc = n - k - 1 > 0 ? res->aic + 2 * k * (k + 1) / (n - k - 1) : NAN;
  res->bic = m2lnl + k * log(n);
}

static void scale_cov(fit_ctx *c, gk_fit_result *res, int absolute)
{
  const size_t p = c->p;
  if (res->cov_ok && !absolute) {
    if (res->dof == 0) {
      res->cov_ok = 0;
      append_reason(res, "%s", "; no degrees of freedom to scale the covariance (no standard errors)");
    } else {
      for (size_t i = 0; i < p * p; i++) res->cov[i] *= res->chi2_red;
    }
  }
  for (size_t k = 0; k < p; k++) {
    if (c->prob->param[k].fixed) res->se[k] = 0;
    else res->se[k] = res->cov_ok ? sqrt(res->cov[k * p + k]) : NAN;
  }
  if (!res->cov_ok)
    for (size_t i = 0; i < p * p; i++) res->cov[i] = NAN;
}

/* value, se, cov, yhat and resid are one block starting at value (one
 * allocation per result instead of five: a 30-point fit's allocations were
 * ~8 % of its time) */
void gk_fit_result_free(gk_fit_result *res)
{
  if (!res) return;
  free(res->value);
  res->value = res->se = res->cov = res->yhat = res->resid = NULL;
}

int gk_fit_result_alloc_(gk_fit_result *res, size_t n, size_t p)
{
  memset(res, 0, sizeof *res);
  res->n = n;
  res->p = p;
  double *b = calloc(2 * p + p * p + 2 * n, sizeof *b);
  if (!b) return -1;
  res->value = b;
  res->se = b + p;
  res->cov = b + 2 * p;
  res->yhat = res->cov + p * p;
  res->resid = res->yhat + n;
  return 0;
}

void gk_fit_options_default(gk_fit_options *o)
{
  memset(o, 0, sizeof *o);
  o->method = GK_FIT_LM;
  o->max_iter = 1000;
  o->xtol = 1e-12;
  o->gtol = 1e-12;
  o->ftol = 0;
  o->scale = 0;
}

/* ---- workspace and driver ------------------------------------------------------- */

/* The dense trust-region driver (GSL gsl_multifit_nlinear). Its alloc/run
 * slots are NULL: the workspace below is its state. */
const gk_fit_type gk_fit_trust_region = {"trust-region", NULL, NULL, NULL};

struct gk_fit_workspace {
  const gk_fit_type *type;
  void *state;                       /* structured solver's own state */
  gk_fit_options opt;
  gsl_multifit_nlinear_parameters fp;
  size_t n, p;
  fit_ctx c;                         /* scratch sized n, p */
  /* the pieces whose size is the number of free parameters, reallocated
   * only when that number changes between runs */
  size_t nf_alloc;
  gsl_multifit_nlinear_workspace *w;
  gk_lmd *lmd;                       /* GK_FIT_LM_DENSE instead of w */
  gsl_vector *u;
  jac_svd js;
  int have_js;
  double *theta0, *gn_t, *gn_f, *gn_z, *score;
  size_t *order;
  size_t n_order;
  gk_ms_basin *basin;                /* gk_fit_basin_ */
};

void gk_fit_basin_(gk_fit_workspace *ws, gk_ms_basin *b)
{
  if (ws) ws->basin = b;
}

static void setup_params(gsl_multifit_nlinear_parameters *fp, const gk_fit_options *opt)
{
  *fp = gsl_multifit_nlinear_default_parameters();
  switch (opt->method) {
  case GK_FIT_LMACCEL: fp->trs = gsl_multifit_nlinear_trs_lmaccel; break;
  case GK_FIT_DOGLEG: fp->trs = gsl_multifit_nlinear_trs_dogleg; break;
  case GK_FIT_DDOGLEG: fp->trs = gsl_multifit_nlinear_trs_ddogleg; break;
  case GK_FIT_SUBSPACE2D: fp->trs = gsl_multifit_nlinear_trs_subspace2D; break;
  default: fp->trs = gsl_multifit_nlinear_trs_lm; break;
  }
  switch (opt->scale) {
  case 1: fp->scale = gsl_multifit_nlinear_scale_marquardt; break;
  case 2: fp->scale = gsl_multifit_nlinear_scale_levenberg; break;
  default: fp->scale = gsl_multifit_nlinear_scale_more; break;
  }
  switch (opt->solver) {
  case GK_FIT_SOLVER_CHOLESKY: fp->solver = gsl_multifit_nlinear_solver_cholesky; break;
  case GK_FIT_SOLVER_MCHOLESKY: fp->solver = gsl_multifit_nlinear_solver_mcholesky; break;
  case GK_FIT_SOLVER_SVD: fp->solver = gsl_multifit_nlinear_solver_svd; break;
  default: fp->solver = gsl_multifit_nlinear_solver_qr; break;
  }
}

static void ws_free_nf(gk_fit_workspace *ws)
{
  if (ws->w) gsl_multifit_nlinear_free(ws->w);
  gk_lmd_free(ws->lmd);
  ws->lmd = NULL;
  gsl_vector_free(ws->u);
  if (ws->have_js) jsvd_free(&ws->js);
  free(ws->gn_z);
  ws->w = NULL;
  ws->u = NULL;
  ws->have_js = 0;
  ws->gn_z = NULL;
  ws->nf_alloc = 0;
}

/* Size the free-parameter pieces for nf (no-op when already so). */
static int ws_size_nf(gk_fit_workspace *ws, size_t nf)
{
  if (ws->nf_alloc == nf && (ws->w || ws->lmd)) return 0;
  ws_free_nf(ws);
  if (ws->opt.method == GK_FIT_LM_DENSE) ws->lmd = gk_lmd_alloc(ws->n, nf);
  else ws->w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &ws->fp, ws->n, nf);
  ws->u = gsl_vector_alloc(nf);
  ws->have_js = jsvd_alloc(&ws->js, ws->n, nf, ws->p) == 0;
  ws->gn_z = calloc(nf, sizeof *ws->gn_z);
  if ((!ws->w && !ws->lmd) || !ws->u || !ws->have_js || !ws->gn_z) {
    ws_free_nf(ws);
    return -1;
  }
  ws->nf_alloc = nf;
  return 0;
}

void gk_fit_free(gk_fit_workspace *ws)
{
  if (!ws) return;
  if (ws->type && ws->type->free) ws->type->free(ws->state);
  ws_free_nf(ws);
  ctx_free(&ws->c);
  free(ws->theta0); /* with gn_t, gn_f */
  free(ws->score);
  free(ws->order);
  free(ws);
}

gk_fit_workspace *gk_fit_alloc(const gk_fit_type *type, const gk_fit_options *opt, size_t n, size_t p)
{
  if (n == 0 || p == 0) return NULL;
  gk_fit_workspace *ws = calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->type = type ? type : &gk_fit_trust_region;
  if (opt) ws->opt = *opt;
  else gk_fit_options_default(&ws->opt);
  setup_params(&ws->fp, &ws->opt);
  ws->n = n;
  ws->p = p;
  if (ctx_alloc(&ws->c, n, p) != 0) {
    free(ws);
    return NULL;
  }
  /* theta0, gn_t, gn_f: one block starting at theta0 */
  ws->theta0 = calloc(2 * p + n, sizeof *ws->theta0);
  if (!ws->theta0) {
    gk_fit_free(ws);
    return NULL;
  }
  ws->gn_t = ws->theta0 + p;
  ws->gn_f = ws->gn_t + p;
  if (ws->type->alloc) {
    ws->state = ws->type->alloc(&ws->opt, n, p);
    if (!ws->state) {
      ws->type = &gk_fit_trust_region; /* nothing of the type's to free */
      gk_fit_free(ws);
      return NULL;
    }
  }
  return ws;
}

const gk_fit_options *gk_fit_workspace_options(const gk_fit_workspace *ws)
{
  return ws ? &ws->opt : NULL;
}

/* Start vector number s (0: param[].init); fixed parameters always at init. */
static void start_vector(const gk_fit_problem *prob, size_t s, double *theta)
{
  for (size_t k = 0; k < prob->p; k++) {
    const gk_param *par = &prob->param[k];
    theta[k] = (s == 0 || par->fixed) ? par->init : prob->starts[(s - 1) * prob->p + k];
  }
}

/* Two converged fits agree when their chi2 match to this relative
 * tolerance: far above rounding (~1e-14 of chi2 at a converged optimum),
 * far below any difference between distinct local minima worth reporting. */
#define AGREE_REL 1e-9

/* Order of the starts under the screening policy: each scored (the
 * problem's score, else chi2 at the start point), ascending; starts where
 * the model fails last. */
static int screen_starts(gk_fit_workspace *ws, const gk_fit_problem *prob)
{
  fit_ctx *c = &ws->c;
  const size_t ns = prob->n_starts + 1;
  if (ws->n_order < ns) {
    double *sc = realloc(ws->score, ns * sizeof *sc);
    if (sc) ws->score = sc;
    size_t *od = realloc(ws->order, ns * sizeof *od);
    if (od) ws->order = od;
    if (!sc || !od) return -1;
    ws->n_order = ns;
  }
  for (size_t s = 0; s < ns; s++) {
    start_vector(prob, s, ws->theta0);
    double v;
    if (prob->score) v = prob->score(ws->theta0, prob->ctx);
    else v = eval_model(c, ws->theta0, c->yhat) == 0 ? chi2_of(c, c->yhat, NULL) : INFINITY;
    ws->score[s] = isnan(v) ? INFINITY : v;
    /* insertion sort: stable, ns is small */
    size_t k = s;
    while (k > 0 && ws->score[ws->order[k - 1]] > ws->score[s]) {
      ws->order[k] = ws->order[k - 1];
      k--;
    }
    ws->order[k] = s;
  }
  return 0;
}

/* Search from the starts; the best end point into value (p entries). */
static int search(gk_fit_workspace *ws, double *value, size_t *best_start, start_result *best,
                  size_t *n_fits, gk_error *err)
{
  fit_ctx *c = &ws->c;
  const gk_fit_problem *prob = c->prob;
  gsl_multifit_nlinear_fdf fdf = { .f = gsl_f, .df = gsl_df, .fvv = NULL,
                                   .n = c->n, .p = c->nf, .params = c };
  if (ws_size_nf(ws, c->nf) != 0) return gk_error_set(err, GK_ENOMEM, NULL, 0, "fit: out of memory");
  const int screen = prob->refine > 0 && prob->n_starts > 0;
  if (screen && screen_starts(ws, prob) != 0)
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "fit: out of memory");
  const size_t n_try = screen ? (prob->refine < prob->n_starts + 1 ? prob->refine : prob->n_starts + 1)
                              : prob->n_starts + 1;
  memset(best, 0, sizeof *best);
  *n_fits = 0;
  char first_fail[160] = "";
  /* the engine's one multi-start policy (structured.h); under screening it
   * stops as soon as two converged fits agree on the best chi2 */
  gk_ms_policy pol = {.agree = screen ? 2 : 0, .agree_rel = AGREE_REL, .target = INFINITY};
  gk_ms ms;
  gk_ms_begin(&ms, &pol);
  for (size_t t = 0; t < n_try && !gk_ms_done(&ms); t++) {
    const size_t s = screen ? ws->order[t] : t;
    if (screen && !isfinite(ws->score[s]) && t > 0) break; /* the rest fail at the start */
    start_result sr;
    start_vector(prob, s, ws->theta0);
    drv d = {.w = ws->w, .fdf = &fdf, .l = ws->lmd, .scale = ws->opt.scale};
    run_start(c, &d, &ws->opt, ws->theta0, ws->u, &sr);
    if (!sr.ok && !first_fail[0]) snprintf(first_fail, sizeof first_fail, "%s", sr.reason);
    if (gk_ms_record(&ms, s, sr.ok, sr.converged, sr.chi2, 0)) {
      *best = sr;
      *best_start = s;
      theta_from_u(c, ws->u->data, value);
    }
  }
  *n_fits = ms.n_fits;
  if (!best->ok)
    return gk_error_set(err, GK_EDOM, NULL, 0, "fit: %s%s", first_fail,
                        prob->n_starts ? " (at every start)" : "");
  return GK_OK;
}

int gk_fit_run(gk_fit_workspace *ws, const gk_fit_problem *prob, gk_fit_result *res, gk_error *err)
{
  gk_gsl_init_();
  if (!res) return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: no result structure");
  memset(res, 0, sizeof *res);
  if (!ws) return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: no workspace");
  if (prob && (prob->n != ws->n || prob->p != ws->p))
    return gk_error_set(err, GK_EUSAGE, NULL, 0,
                        "fit: problem of %zu points, %zu parameters in a workspace for %zu, %zu",
                        prob->n, prob->p, ws->n, ws->p);
  if (ws->type->run) return ws->type->run(ws->state, prob, &ws->opt, res, err);
  size_t nf = 0;
  if (prob && prob->param)
    for (size_t k = 0; k < prob->p; k++) nf += !prob->param[k].fixed;
  int rc = validate(prob, nf, err);
  if (rc) return rc;

  fit_ctx *c = &ws->c;
  ctx_setup(c, prob, nf);
  c->memo_on = ws->opt.method == GK_FIT_LM_DENSE && prob->p <= GK_FIT_FRESH_MAXP;
  c->basin = ws->basin;
  c->in_basin = 0;
  if (gk_fit_result_alloc_(res, prob->n, prob->p) != 0)
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "fit: out of memory");
  res->n_free = nf;
  ws->js.valid = 0; /* a new problem: no factorisation carries over */
  start_result best = { .ok = 1, .converged = 1 };
  size_t n_fits = 0;
  if (nf > 0) {
    rc = search(ws, res->value, &res->best_start, &best, &n_fits, err);
  } else {
    for (size_t k = 0; k < prob->p; k++) res->value[k] = prob->param[k].init;
    snprintf(best.reason, sizeof best.reason, "all parameters fixed (nothing to fit)");
  }
  res->n_fits = n_fits;
  if (rc == GK_OK) {
    res->converged = best.converged;
    gk_fit_strcpy_(res->reason, sizeof res->reason, best.reason);
    res->n_iter = best.n_iter;
    res->n_fev = best.n_fev;
    res->n_jev = best.n_jev;
    snap_bounds(c, res);
    const int inter = ws->opt.intermediate != 0;
    /* a run stopped in an earlier start's basin only proves that basin:
     * nothing to refine */
    if (nf > 0 && res->converged && !res->at_bound && !c->in_basin && ws->opt.intermediate != 2)
      gn_refine(c, &ws->js, res, ws->gn_t, ws->gn_f, ws->gn_z);
    if (eval_into(c, res->value, res->yhat) != 0) {
      rc = gk_error_set(err, GK_EDOM, NULL, 0, "fit: model failed to evaluate at the best-fit parameters");
    } else {
      const int absolute = prob->absolute_sigma != 0;
      res->chi2 = chi2_of(c, res->yhat, res->resid);
      fill_stats(c, res, absolute);
      /* an intermediate fit: se NaN, cov_ok 0; the reason stays the
       * solver's (the caller passes it on) */
      if (nf > 0 && !inter) covariance(c, &ws->js, res);
      scale_cov(c, res, absolute);
    }
  }
  c->prob = NULL;
  if (rc) gk_fit_result_free(res);
  return rc;
}

int gk_fit(const gk_fit_problem *prob, const gk_fit_options *opt, gk_fit_result *res, gk_error *err)
{
  if (!res) return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: no result structure");
  memset(res, 0, sizeof *res);
  if (!prob || !prob->model || !prob->y || !prob->param || prob->p == 0)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: incomplete problem (model, data or parameters missing)");
  gk_fit_workspace *ws = gk_fit_alloc(NULL, opt, prob->n ? prob->n : 1, prob->p);
  if (!ws) return gk_error_set(err, GK_ENOMEM, NULL, 0, "fit: out of memory");
  int rc;
  if (prob->n == 0) {
    size_t nf = 0;
    for (size_t k = 0; k < prob->p; k++) nf += !prob->param[k].fixed;
    rc = validate(prob, nf, err);
    if (rc == GK_OK) rc = gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: no data points");
  } else {
    rc = gk_fit_run(ws, prob, res, err);
  }
  gk_fit_free(ws);
  return rc;
}

int gk_fit_param_index(const gk_fit_problem *prob, const char *name)
{
  if (!prob || !name) return -1;
  for (size_t k = 0; k < prob->p; k++)
    if (prob->param[k].name && strcmp(prob->param[k].name, name) == 0) return (int)k;
  return -1;
}

double gk_fit_derived_se(const gk_fit_result *res, gk_scalar_fn q, void *ctx)
{
  if (!res || !res->value || !res->cov || !q || !res->cov_ok) return NAN;
  const size_t p = res->p;
  double *t = malloc(p * sizeof *t), *g = calloc(p, sizeof *g);
  double var = NAN;
  if (!t || !g) goto out;
  memcpy(t, res->value, p * sizeof *t);
  for (size_t k = 0; k < p; k++) {
    double sk = res->se[k];
    if (!(sk > 0)) continue; /* fixed or exactly determined: no contribution */
    /* step relative to the value, floored by the standard error: the delta
     * method linearises q over +-se, so that is the scale that matters */
    double h = FD_REL * fmax(fabs(t[k]), sk);
    volatile double tph = t[k] + h;
    h = tph - t[k];
    const double t0 = t[k];
    t[k] = t0 + h;
    double qp = q(t, ctx);
    t[k] = t0 - h;
    double qm = q(t, ctx);
    t[k] = t0;
    g[k] = (qp - qm) / (2 * h);
  }
  var = 0;
  for (size_t a = 0; a < p; a++)
    for (size_t b = 0; b < p; b++)
      if (g[a] != 0 && g[b] != 0) var += g[a] * res->cov[a * p + b] * g[b];
out:
  free(t);
  free(g);
  return var >= 0 ? sqrt(var) : NAN;
}
