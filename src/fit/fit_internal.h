/* fit_internal.h — pieces of the fitting core shared between its files. */
#ifndef GK_FIT_INTERNAL_H
#define GK_FIT_INTERNAL_H

#include <stddef.h>

/* Map between a bounded real parameter theta and the unconstrained internal
 * variable u that the solver moves (see transform.c for why these forms). */
typedef enum { GK_XF_NONE = 0, GK_XF_LOWER, GK_XF_UPPER, GK_XF_BOTH } gk_xf_kind;

/* snprintf(dst, size, "%s", src) without the format machinery (a reason
 * string copied once per fit): the same bytes, truncated to size - 1. */
static inline void gk_fit_strcpy_(char *dst, size_t size, const char *src)
{
  if (!size) return;
  size_t k = 0;
  for (; k + 1 < size && src[k]; k++) dst[k] = src[k];
  dst[k] = 0;
}

typedef struct gk_xform {
  gk_xf_kind kind;
  double lo, hi;
  double c;   /* length scale of the one-sided transforms, > 0 */
} gk_xform;

/* Set up the transform of a parameter with bounds lo, hi (either may be
 * infinite) whose typical magnitude is typ (> 0). */
void gk_xf_init(gk_xform *xf, double lo, double hi, double typ);
double gk_xf_theta(const gk_xform *xf, double u);
double gk_xf_dtheta(const gk_xform *xf, double u);
/* Internal value of theta (lo <= theta <= hi). A theta exactly on a bound is
 * moved slightly inwards first: there d theta/du = 0 and the solver could
 * never leave the bound. */
double gk_xf_internal(const gk_xform *xf, double theta);

/* A zeroed result with n, p set and its value, se, cov (p x p), yhat and
 * resid arrays allocated (zero); -1 (and nothing held) when out of memory.
 * For gk_fit_run (fit.c) and gk_fit_finish (finish.c). */
struct gk_fit_result;
int gk_fit_result_alloc_(struct gk_fit_result *res, size_t n, size_t p);

/* chi2 = sum_i ((yhat_i - y_i) winv_i)^2 in index order; the weighted
 * residuals into resid when it is not NULL. The one definition for the
 * engine's drivers (fit.c) and finisher (finish.c). */
static inline double gk_fit_chi2_(const double *y, const double *winv, const double *yhat, size_t n, double *resid)
{
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    double r = (yhat[i] - y[i]) * winv[i];
    if (resid) resid[i] = r;
    s += r * r;
  }
  return s;
}

#endif
