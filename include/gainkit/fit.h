/* gainkit/fit.h — the one nonlinear least-squares engine behind every model.
 *
 * Wraps GSL's gsl_multifit_nlinear (trust region: Levenberg–Marquardt, LM
 * with geodesic acceleration, dogleg). A model maps parameters theta to
 * predictions yhat[0..n-1]; the engine minimises
 *     chi2 = sum_i ((yhat_i - y_i) / s_i)^2
 * with s_i = 1 (weights none), sigma_i (weights sigma) or |y_i| (relative).
 *
 * Parameters may be fixed or bounded. Bounds are enforced by a smooth
 * transformation of the internal variables; the reported covariance is
 * computed from the Jacobian with respect to the real parameters at the
 * optimum (so it does not depend on the transformation).
 *
 * Standard errors: sqrt(diag(C)) with C = (J^T W J)^-1, multiplied by
 * chi2_red unless the sigmas are absolute (scipy's curve_fit convention,
 * absolute_sigma=False by default). Fixed parameters have stderr 0.
 */
#ifndef GAINKIT_FIT_H
#define GAINKIT_FIT_H

#include <stddef.h>
#include "gainkit/error.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* Predictions yhat[0..n-1] at theta[0..p-1] (all p parameters, fixed
 * included). Return 0, or non-zero if theta is outside the model's domain
 * (the engine then treats the step as failed). */
typedef int (*gk_model_fn)(const double *theta, double *yhat, void *ctx);
/* Optional analytic Jacobian d yhat_i / d theta_k, row-major n x p. */
typedef int (*gk_jac_fn)(const double *theta, double *jac, void *ctx);

typedef enum { GK_WEIGHT_NONE = 0, GK_WEIGHT_SIGMA, GK_WEIGHT_RELATIVE } gk_weighting;
/* Trust-region strategy (gsl_multifit_nlinear_parameters.trs), or
 * GK_FIT_LM_DENSE: the engine's own dense Levenberg–Marquardt driver, the
 * same iteration as GK_FIT_LM with the QR solver on plain arrays in one
 * allocation (no GSL workspace); for small problems (a few parameters,
 * tens to hundreds of points), where GSL's per-iteration overhead
 * dominates. It always uses QR (gk_fit_options.solver is ignored) and
 * honours gk_fit_options.scale. docs/fitting.md "Solvers". */
typedef enum { GK_FIT_LM = 0, GK_FIT_LMACCEL, GK_FIT_DOGLEG, GK_FIT_DDOGLEG, GK_FIT_SUBSPACE2D,
               GK_FIT_LM_DENSE } gk_fit_method;
/* Linear solver of the trust-region subproblem
 * (gsl_multifit_nlinear_parameters.solver): QR (default, GSL's), Cholesky
 * (fastest, least robust to near-singular J), modified Cholesky, SVD (most
 * robust, slowest). */
typedef enum { GK_FIT_SOLVER_QR = 0, GK_FIT_SOLVER_CHOLESKY, GK_FIT_SOLVER_MCHOLESKY,
               GK_FIT_SOLVER_SVD } gk_fit_solver;

typedef struct gk_param {
  const char *name;   /* "g" */
  const char *unit;   /* "cm^-1" (for reports; may be NULL) */
  double init;        /* starting value (start 0) */
  double lo, hi;      /* bounds; -INFINITY / INFINITY when open */
  int fixed;          /* hold at init */
} gk_param;

typedef struct gk_fit_problem {
  size_t n, p;
  const double *y;          /* n observations */
  const double *sigma;      /* n uncertainties (GK_WEIGHT_SIGMA), else NULL */
  gk_weighting weighting;
  int absolute_sigma;       /* 1: do not scale the covariance by chi2_red */
  gk_model_fn model;
  gk_jac_fn jac;            /* NULL: finite differences */
  void *ctx;
  const gk_param *param;    /* p entries */
  /* Additional starting points for multi-start: n_starts vectors of p
   * values each (row-major), tried after param[].init. The best converged
   * result (lowest chi2) wins. NULL/0 for a single start. */
  const double *starts;
  size_t n_starts;
  /* Multi-start policy (docs/fitting.md "Multi-start"). refine = 0 (the
   * default): a full fit from every start, the best wins. refine > 0: every
   * start is first scored without a fit (by score, lower is better, else by
   * chi2 at the start point), full fits run only from the best `refine`
   * starts in order of score, and the search stops as soon as two converged
   * fits agree on chi2 (to 1e-9 relative). score may be NULL; it receives
   * all p parameters and ctx (e.g. variable projection of the linear
   * parameters at the start's nonlinear ones, gk_vp_* in src/fit). */
  size_t refine;
  double (*score)(const double *theta, void *ctx);
} gk_fit_problem;

typedef struct gk_fit_options {
  gk_fit_method method;     /* trust-region strategy, default GK_FIT_LM */
  size_t max_iter;          /* default 1000 */
  double xtol, gtol, ftol;  /* defaults 1e-12, 1e-12, 0 (see docs/fitting.md) */
  int scale;                /* 0: More scaling (default), 1: Marquardt, 2: Levenberg */
  gk_fit_solver solver;     /* linear solver, default GK_FIT_SOLVER_QR */
  /* 1: an intermediate fit, whose end point only starts another fit or a
   * finisher (gk_fit_finish): the final Gauss-Newton refinement runs as
   * always, the covariance is skipped (se NaN, cov_ok 0; the reason is the
   * solver's). 2: as 1, and the final Gauss-Newton refinement is skipped
   * too, for an end point that a finisher refines itself (its own
   * Gauss-Newton steps on the full problem). Default 0. */
  int intermediate;
} gk_fit_options;

void gk_fit_options_default(gk_fit_options *o);

typedef struct gk_fit_result {
  size_t n, p;              /* points, parameters (all) */
  size_t n_free;            /* parameters not fixed */
  double *value;            /* p best-fit values */
  double *se;               /* p standard errors (0 for fixed) */
  double *cov;              /* p*p covariance (zero rows/cols for fixed) */
  double *yhat;             /* n model predictions at the optimum */
  double *resid;            /* n weighted residuals (yhat - y)/s */
  double chi2, chi2_red;
  double aic, aicc, bic;    /* from chi2 (Gaussian likelihood up to a constant) */
  size_t dof;               /* n - n_free */
  size_t n_iter, n_fev, n_jev;
  size_t best_start;        /* which start won (0 = param[].init) */
  size_t n_fits;            /* full fits run (starts tried by the solver) */
  int converged;            /* 1 if a convergence test was met */
  int cov_ok;               /* 0 if J^T W J was singular (se are NaN then) */
  int at_bound;             /* 1 if some parameter sits on a bound */
  char reason[160];         /* why the solver stopped, in words */
} gk_fit_result;

/* Run the fit. Returns GK_OK when a fit was obtained (check res->converged:
 * a non-converged fit still returns GK_OK and fills res with what was found),
 * GK_EUSAGE for an ill-posed problem (n < free p, bad bounds, init outside
 * bounds, sigma <= 0), GK_EDOM if the model fails at every start.
 * res must be released with gk_fit_result_free (value, se, cov, yhat and
 * resid are one allocation: never free a member on its own). */
int gk_fit(const gk_fit_problem *prob, const gk_fit_options *opt,
           gk_fit_result *res, gk_error *err);

/* ---- workspace / driver API (GSL's gsl_multifit_nlinear shape) ----------
 * gk_fit_alloc once for problems of n points and p parameters (all, fixed
 * included), gk_fit_run as often as needed (every start, every wavelength
 * of a matrix, every trace: no GSL allocation per run once the number of
 * free parameters is stable), gk_fit_free at the end. gk_fit() is
 * alloc + run + free. A workspace is not thread-safe: one per thread. */
typedef struct gk_fit_workspace gk_fit_workspace;

/* Solver type. The dense trust-region driver (GSL) is gk_fit_trust_region
 * (alloc/run/free NULL: the driver's own). A structured solver (e.g. a
 * variable-projection Schur solve of a block-sparse problem) supplies its
 * state and run; gk_fit_run then hands the problem to it, and it fills the
 * same gk_fit_result (convergence report, covariance) by the rules of
 * docs/fitting.md. */
typedef struct gk_fit_type {
  const char *name;
  void *(*alloc)(const gk_fit_options *opt, size_t n, size_t p);
  int (*run)(void *state, const gk_fit_problem *prob, const gk_fit_options *opt,
             gk_fit_result *res, gk_error *err);
  void (*free)(void *state);
} gk_fit_type;

extern const gk_fit_type gk_fit_trust_region;

/* NULL type: gk_fit_trust_region; NULL opt: defaults. Returns NULL when out
 * of memory or n, p = 0. */
gk_fit_workspace *gk_fit_alloc(const gk_fit_type *type, const gk_fit_options *opt,
                               size_t n, size_t p);
/* As gk_fit, with the workspace's options; prob->n, prob->p must be the
 * workspace's (GK_EUSAGE otherwise). */
int gk_fit_run(gk_fit_workspace *ws, const gk_fit_problem *prob, gk_fit_result *res,
               gk_error *err);
void gk_fit_free(gk_fit_workspace *ws);
const gk_fit_options *gk_fit_workspace_options(const gk_fit_workspace *ws);
void gk_fit_result_free(gk_fit_result *res);

/* Index of a parameter by name, or -1. */
int gk_fit_param_index(const gk_fit_problem *prob, const char *name);

/* Standard error of a derived quantity q(theta) by the delta method:
 * sqrt(grad^T C grad), grad from central differences of q at res->value.
 * NaN when the covariance is not available (res->cov_ok == 0). */
typedef double (*gk_scalar_fn)(const double *theta, void *ctx);
double gk_fit_derived_se(const gk_fit_result *res, gk_scalar_fn q, void *ctx);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
