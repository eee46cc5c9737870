/* Bound transformations of the fitting core.
 *
 * The solver works on unconstrained internal variables u; the model sees
 * theta = T(u), which stays inside [lo, hi] for every u.
 *
 * Two bounds: theta = lo + (hi - lo) (1 + sin u) / 2 (MINUIT). Bounded and
 * periodic, so no step can leave the interval, and a bound is reached at a
 * finite u (+-pi/2) where the objective is smooth, so a parameter that wants
 * to sit on a bound converges to it instead of drifting.
 *
 * One bound: theta = lo + c (sqrt(u^2 + 1) - 1) (upper: mirrored). MINUIT's
 * form, with a length scale c taken from the parameter's magnitude so that
 * u is O(1) and the map is equally well conditioned for a parameter of size
 * 1e-9 and one of size 1e9. We prefer it to theta = lo + exp(u): exp never
 * reaches the bound (a parameter pinned there would send u to -infinity
 * with a vanishing gradient, ending on the iteration limit), and for large
 * theta it compresses the scale logarithmically, whereas sqrt(u^2+1) is
 * linear far from the bound and quadratic (smooth) at it.
 *
 * The covariance is not computed through these maps (fit.c uses the
 * Jacobian in theta), so their only job is to keep the search feasible.
 */
#include "fit/fit_internal.h"

#include <math.h>

/* How far (in u) a start exactly on a bound is moved inwards: small enough
 * to change theta only by ~5e-5 of the scale, large enough that d theta/du
 * (1e-2 of the scale) gives the solver a usable gradient. */
#define XF_NUDGE 1e-2

void gk_xf_init(gk_xform *xf, double lo, double hi, double typ)
{
  xf->lo = lo;
  xf->hi = hi;
  xf->c = typ > 0 ? typ : 1.0;
  if (isfinite(lo) && isfinite(hi)) xf->kind = GK_XF_BOTH;
  else if (isfinite(lo)) xf->kind = GK_XF_LOWER;
  else if (isfinite(hi)) xf->kind = GK_XF_UPPER;
  else xf->kind = GK_XF_NONE;
}

double gk_xf_theta(const gk_xform *xf, double u)
{
  switch (xf->kind) {
  case GK_XF_BOTH: {
    double t = xf->lo + (xf->hi - xf->lo) * 0.5 * (1.0 + sin(u));
    /* rounding must never put theta outside the interval the model trusts */
    return t < xf->lo ? xf->lo : t > xf->hi ? xf->hi : t;
  }
  case GK_XF_LOWER: return xf->lo + xf->c * (sqrt(u * u + 1.0) - 1.0);
  case GK_XF_UPPER: return xf->hi - xf->c * (sqrt(u * u + 1.0) - 1.0);
  default: return u;
  }
}

double gk_xf_dtheta(const gk_xform *xf, double u)
{
  switch (xf->kind) {
  case GK_XF_BOTH: return (xf->hi - xf->lo) * 0.5 * cos(u);
  case GK_XF_LOWER: return xf->c * u / sqrt(u * u + 1.0);
  case GK_XF_UPPER: return -xf->c * u / sqrt(u * u + 1.0);
  default: return 1.0;
  }
}

double gk_xf_internal(const gk_xform *xf, double theta)
{
  switch (xf->kind) {
  case GK_XF_BOTH: {
    double s = 2.0 * (theta - xf->lo) / (xf->hi - xf->lo) - 1.0;
    if (s > 1.0) s = 1.0;
    if (s < -1.0) s = -1.0;
    double u = asin(s);
    const double edge = 1.57079632679489661923 - XF_NUDGE; /* pi/2 */
    return u > edge ? edge : u < -edge ? -edge : u;
  }
  case GK_XF_LOWER:
  case GK_XF_UPPER: {
    double d = xf->kind == GK_XF_LOWER ? theta - xf->lo : xf->hi - theta;
    double r = 1.0 + (d > 0 ? d : 0) / xf->c;
    double u = sqrt(r * r - 1.0);
    return u < XF_NUDGE ? XF_NUDGE : u;
  }
  default: return theta;
  }
}
