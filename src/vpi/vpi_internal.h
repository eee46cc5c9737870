/* vpi_internal.h — pieces of the VPI model shared with the tests. */
#ifndef GAINKIT_VPI_INTERNAL_H
#define GAINKIT_VPI_INTERNAL_H

#include "gainkit/vpi.h"

/* e^{gL} overflows double beyond gL ~ 709; the fit never needs that far, so
 * such a point marks the trial parameters as outside the model's domain. */
#define GL_MAX 700.0

/* Real-parameter derivatives of the model at one point, in the order
 * (gamma_i, alpha_i, W1_j, W2_j, P1, P2, m, n). dn and ddn (d dn/d glob)
 * come from gk_vpi_dn. Returns the model value; *ok = 0 when g L is beyond
 * the range where e^{gL} is finite. */
enum { VPI_D_GAMMA = 0, VPI_D_ALPHA, VPI_D_W1, VPI_D_W2, VPI_D_GLOB, VPI_ND = VPI_D_GLOB + GK_VPI_NGLOB };
double vpi_point(gk_vpi_model model, double L, double F, double gamma, double alpha, double dn,
                 const double *ddn, double w1, double w2, double *d, int *ok);

/* The same from precomputed growth factors ea = E(gL), eb = E(-alpha L)
 * and deb = E'(-alpha L) (the fit evaluates them once per point and per
 * wavelength); no range check. */
double vpi_point_e(gk_vpi_model model, double L, double F, double gamma, double alpha, double dn,
                   const double *ddn, double w1, double w2, double ea, double eb, double deb,
                   double *d);
/* E'(x) from x and E(x) without a second exponential. */
double vpi_de_from_e(double x, double e);

/* Closed-form non-negative least squares with two unknowns:
 * min |y - w1 a - w2 b|^2, w >= 0, from the normal-equation sums
 * aa = a.a, ab = a.b, bb = b.b, ay = a.y, by = b.y. With b absent (vpi1) pass
 * bb = 0: then w2 = 0. */
void vpi_nnls2(double aa, double ab, double bb, double ay, double by, double *w1, double *w2);

/* d dn / d P (for the thresholds' implicit derivative). */
double vpi_dn_dP(double P, const double *glob, double pmax);

/* Start s (< the returned count) of the globals' start grid of gk_vpi_fit
 * into gl (s >= count: gl untouched). */
size_t vpi_grid_start(size_t s, double pmax, double *gl);

/* The data-driven start of gamma, alpha (nl each) of gk_vpi_fit (from
 * the spectra at the lowest and highest pump): the profile's restarts
 * use it besides the optimum's. GK_OK or GK_ENOMEM. */
int vpi_start_shape(const gk_vpi_data *d, gk_vpi_model model, double *gamma, double *alpha);

/* fit_core's flags (src/vpi/fit.c): VPI_FIT_SUB inside the wavelength
 * subset's start search; VPI_FIT_INTERIOR the interior model only (no
 * P1 -> 0 limit model, vpi_limit_check); VPI_FIT_NESTED a fit inside
 * another (vpi2's vpi1 start, the refits of gk_vpi_fit_ex): it polls for
 * cancellation but does not count progress units of its own;
 * VPI_FIT_V1START vpi2's vpi1 start (its boundary result is discarded:
 * the limit check runs from the mapped start only, no limit start grid). */
enum { VPI_FIT_SUB = 1, VPI_FIT_INTERIOR = 2, VPI_FIT_NESTED = 4, VPI_FIT_V1START = 8 };

/* Progress and cancellation of one gk_vpi_fit_ex: the caller's callback
 * (prog may be NULL), the units done of total, and whether it asked to
 * stop. Every LM run of the fit (its starts, refits and the P1 -> 0
 * limit) polls it once per iteration through the structured driver's stop
 * operation (src/fit/structured.h); once it has asked, it stays asked. */
typedef struct vpi_poll {
  const gk_progress *prog;
  size_t done, total;
  int cancelled;
} vpi_poll;

static inline int vpi_poll_stop(vpi_poll *p)
{
  if (!p) return 0;
  if (!p->cancelled && gk_progress_update(p->prog, p->done, p->total)) p->cancelled = 1;
  return p->cancelled;
}
/* gk_vpi_fit with the interior model only (the profile calibration's
 * bootstrap replicates, src/vpi/profile.c: the observed statistic compares
 * interior fits too). */
int vpi_fit_interior(const gk_vpi_data *d, gk_vpi_model model, const gk_vpi_options *opt,
                     gk_vpi_result *res, gk_error *err);

/* The fit with the threshold at wavelength i pinned to pump P: gamma_i is
 * not free but (alpha_i + target) / dn(P) (src/vpi/fit.c; profile
 * likelihood in src/vpi/profile.c). Starts from and returns gamma, alpha
 * (nl each; alpha ignored when d->alpha_fixed) and glob; *chi2 the data's
 * chi2. GK_OK, GK_ENOMEM or GK_EDOM. */
int vpi_fit_pinned(const gk_vpi_data *d, gk_vpi_model model, size_t i, double target, double P,
                   size_t max_iter, double *gamma, double *alpha, double *glob,
                   double *chi2, int *converged);

/* The P1 -> 0 limit (src/vpi/limit.c): phi(P) = h(P) - h(pmax) of the
 * limit net gain a0 - kappa phi(P); grad (may be NULL) gets d phi / d
 * (P1 = 0, P2, m, n), dP (may be NULL) dh/dP at P. */
double vpi_limit_phi(double P, const double *glob, double pmax, double *grad, double *dP);
/* After the interior fit res of d: when res->glob[P1] is below the lowest
 * pump (and alpha is fitted), fit the limit model from res and, when its
 * chi2 is at or below res->chi2, replace res by it (gk_vpi_result
 * "boundary"). Returns 1 when the limit won, 0 when not, -1 out of memory.
 * search: the limit model also from the start grid of other (n, m - n)
 * (0 in vpi2's nested vpi1 start: the mapped start only).
 * poll (may be NULL) is polled once per iteration; after a stop the result
 * is untouched and the return 0 (the caller checks poll->cancelled). */
int vpi_limit_check(const gk_vpi_data *d, gk_vpi_model model, size_t max_iter, double xtol,
                    gk_vpi_result *res, int search, vpi_poll *poll);

#endif
