/* structured.h — the engine's Levenberg–Marquardt driver for structured
 * (block-sparse) least-squares problems, and the engine's one multi-start
 * policy. Internal to the library (src/ is not on the public include path).
 *
 * The dense driver (gk_fit_run over GSL's trust region) forms an n x p
 * Jacobian; a problem with thousands of parameters in small blocks (VPI:
 * per-wavelength gain and loss, per-pump weights, four shared globals)
 * cannot. Such a problem supplies its own normal equations and damped
 * solve (e.g. a Schur complement of the arrowhead structure) through
 * gk_sfit_ops; the iteration, the damping schedule, the stopping rules and
 * the convergence report are the engine's (docs/fitting.md "Structured
 * solvers"). Workspace shape as GSL's: alloc once, run as often as needed.
 */
#ifndef GK_FIT_STRUCTURED_H
#define GK_FIT_STRUCTURED_H

#include <stddef.h>

typedef struct gk_sfit_ops {
  /* chi2 at the internal variables u (the problem keeps the state of the
   * last evaluation); INFINITY outside the model's domain. */
  double (*eval)(void *ctx, const double *u);
  /* Normal equations J^T J, J^T r at the state of the last eval. */
  void (*normal)(void *ctx);
  /* Damped Gauss–Newton step from the last normal equations: the trial
   * point is u - dx. lambda is Marquardt's (lambda * diag(J^T J) added).
   * Returns 0, or -1 when the damped system is not positive definite. */
  int (*step)(void *ctx, double lambda, double *dx);
  /* Projection of a trial point onto the feasible set (NULL: none). */
  void (*project)(void *ctx, double *u);
  /* Covariance of the problem's parameters at the state of the last eval,
   * scaled by s2 (NULL: none). The engine decides the scale (chi2/dof, the
   * rule of docs/fitting.md) and calls it once, at the end of a run. */
  void (*covariance)(void *ctx, double s2);
  /* Cancellation poll (NULL: none), asked once per iteration before the
   * normal equations are formed: non-zero ends the run at once with
   * converged 0 and reason "cancelled", u at the best point so far. The
   * problem keeps its own record that it asked to stop (the report does
   * not say it apart from the reason), so that a multi-start stops too. */
  int (*stop)(void *ctx);
} gk_sfit_ops;

typedef struct gk_sfit_control {
  size_t max_iter;   /* iterations (normal-equation assemblies) */
  double xtol;       /* step test |du_k| <= xtol (|u_k| + xtol) */
  double chi2_zero;  /* chi2 at or below this is an exact fit (e.g. 1e-28 sum (y/s)^2) */
  double dof;        /* degrees of freedom, for the statistical flatness stop */
} gk_sfit_control;

typedef struct gk_sfit_report {
  double chi2;
  size_t iter;
  int converged;
  const char *reason;  /* static string */
} gk_sfit_report;

typedef struct gk_sfit_workspace gk_sfit_workspace;

gk_sfit_workspace *gk_sfit_alloc(size_t nu);
void gk_sfit_free(gk_sfit_workspace *w);
/* Levenberg–Marquardt from u (nu entries, updated in place to the best
 * point; the problem's state is that of u on return). */
gk_sfit_report gk_sfit_run(gk_sfit_workspace *w, const gk_sfit_ops *ops, void *ctx, double *u,
                           const gk_sfit_control *ctl);

/* ---- the one multi-start policy ------------------------------------------
 * Every model's start search runs through it (dense gk_fit_run, VSL, VPI):
 *   1. candidates are scored cheaply (variable projection at the start, a
 *      few screening iterations, chi2 at the start) and only the best
 *      `refine` are kept (gk_ms_rank);
 *   2. full fits run from the kept ones in order of score; each outcome is
 *      recorded (gk_ms_record), the best being converged before not
 *      converged, then lowest chi2 (or lowest chi2 alone: lowest_chi2);
 *   3. the search stops (gk_ms_done) as soon as `agree` converged fits have
 *      reached the best chi2 (to agree_rel relative + agree_abs), or a
 *      converged fit reaches `target` (a chi2 known to be the global
 *      minimum, e.g. the exact profile of a model with its linear
 *      amplitudes eliminated), or `max_wander` fits ran out of iterations
 *      (a flat valley the data do not determine). */
typedef struct gk_ms_policy {
  int agree;          /* converged fits at the best chi2 that stop the search; 0: never */
  double agree_rel, agree_abs;
  double target;      /* INFINITY: none */
  int max_wander;     /* 0: never */
  /* 1: the lowest chi2 wins even over a converged fit (a non-converged fit
   * below every converged one shows a lower basin the converged fits
   * missed: VPI's globals); 0 (default): converged first; 2: the lowest
   * chi2 wins when lower beyond agree_rel (of the best) + agree_abs, and
   * within that a converged fit is preferred (sat-exact: a fit sinking
   * towards a limit at infinity beats a converged local minimum only
   * beyond rounding). */
  int lowest_chi2;
} gk_ms_policy;

typedef struct gk_ms {
  gk_ms_policy pol;
  int have, best_conv, hits, wander, stop;
  double best_chi2;
  size_t best, n_fits;
} gk_ms;

void gk_ms_begin(gk_ms *ms, const gk_ms_policy *pol);
/* One full fit from candidate idx: ok (a result exists), converged, chi2,
 * hit_limit (ran out of iterations). Returns 1 when it is the new best. */
int gk_ms_record(gk_ms *ms, size_t idx, int ok, int converged, double chi2, int hit_limit);
static inline int gk_ms_done(const gk_ms *ms) { return ms->stop; }
/* A preferred candidate idx (the simpler model's answer, e.g. sat-exact's
 * alpha = 0 fit), offered after the search: it becomes the best unless the
 * best so far is lower than its chi2 by more than agree_rel chi2 +
 * agree_abs. Returns 1 when it is the best. */
int gk_ms_prefer(gk_ms *ms, size_t idx, int converged, double chi2);

/* The basin of the best converged fit, for the starts after it: a start
 * that reaches the region where chi2 behaves as that fit's quadratic model
 *     chi2(theta) = chi2_1 + d^T H d,   d = theta - theta_1,  H = J^T W J
 * is in its basin and would only converge to it again, so it stops there
 * (the dense driver, gk_fit_basin_). A point passes when, after an accepted
 * step,
 *   - |theta_j - theta_1j| <= box[j] for every j (the caller's scale over
 *     which its model is near quadratic: a flat valley's far end fits the
 *     bowl's numbers without being its basin),
 *   - chi2 - chi2_1 <= dchi2 (the region: e.g. chi2_1/(n - p), the 1-sigma
 *     contour of the fit's scaled covariance),
 *   - chi2 - chi2_1 equals d^T H d to 10 % (+ 1e-9 chi2_1), and
 *   - the gradient J^T f equals H d to 10 % of |H d| (+ 1e-6 sqrt(chi2_1 tr H)):
 *     chi2 and its slope both as the bowl of the best fit predicts.
 * Only for problems whose parameters are all free and unbounded (theta is
 * the solver's variable); p <= GK_MS_BASIN_MAXP. The caller records a start
 * that stopped so (hit set) as agreeing with the best (gk_ms_record with
 * the best's chi2): the search then stops as after two agreeing fits,
 * without the iterations that only polish the second fit's convergence. */
enum { GK_MS_BASIN_MAXP = 4 };
typedef struct gk_ms_basin {
  size_t p;
  double theta[GK_MS_BASIN_MAXP];
  double H[GK_MS_BASIN_MAXP * GK_MS_BASIN_MAXP];
  double box[GK_MS_BASIN_MAXP];
  double chi2, dchi2;
  int hit;            /* set by the driver when a run stopped in the basin */
  size_t n_iter;      /* that run's iterations */
} gk_ms_basin;
/* The dense driver's runs in ws test every accepted point against b
 * (NULL: none) from now on (b must outlive those runs). */
struct gk_fit_workspace;
void gk_fit_basin_(struct gk_fit_workspace *ws, gk_ms_basin *b);
/* The point passes the basin test above (chi2 and g = J^T f at theta). */
int gk_ms_in_basin(const gk_ms_basin *b, const double *theta, double chi2, const double *g);

/* Keep the best (lowest score) `cap` screened candidates: score[] and
 * payload[] (cap items of `size` bytes each, e.g. the screened point) hold
 * the *n kept so far in ascending order of score (stable: an equal score
 * goes after). Inserts (s, item); returns its slot, or cap when it is not
 * kept. Scores that are not finite are never kept. */
size_t gk_ms_rank(double *score, void *payload, size_t size, size_t *n, size_t cap, double s,
                  const void *item);

/* ---- the structured solver as a type of the engine's driver ---------------
 * gk_fit_alloc(&gk_fit_structured, opt, n, p) (n observations, p = nu
 * internal variables) and gk_fit_run(ws, &prob, &res, err) with prob.ctx
 * pointing to a gk_sfit_problem: the run is gk_sfit_run, and its report
 * comes back in the driver's gk_fit_result (chi2, chi2_red, dof,
 * converged, reason, n_iter, n_fev) like every other fit's. The
 * problem's own parameters stay in the problem (value/se/cov of the result
 * are not allocated); with want_cov set the driver calls ops->covariance
 * with s2 = chi2/dof (or 1 when absolute). ctl is the run's control as
 * given (the workspace's gk_fit_options are not used); rep receives the
 * structured driver's own report too. */
typedef struct gk_sfit_problem {
  const gk_sfit_ops *ops;
  void *ctx;
  double *u;             /* nu entries: start in, best point out */
  gk_sfit_control ctl;
  int want_cov, absolute;
  /* 1: no iterations: the cost at u, then the covariance (want_cov) with
   * s2 = chi2 / ctl.dof (the final covariance of a multi-start's winner) */
  int cov_only;
  gk_sfit_report rep;    /* out */
} gk_sfit_problem;

struct gk_fit_type;
extern const struct gk_fit_type gk_fit_structured;

#endif
