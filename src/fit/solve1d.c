/* One-dimensional root finding and minimisation through GSL
 * (gsl_root_fsolver_brent, gsl_min_fminimizer_brent), behind one pair of
 * helpers so that every module uses the same loop, stopping test and error
 * mapping (src/fit/solve1d.h). */
#include "fit/solve1d.h"
#include "gainkit/error.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_roots.h>

int gk_root_brent(double (*f)(double x, void *ctx), void *ctx, double lo, double hi,
                  double epsabs, double epsrel, int max_iter, double *root)
{
  /* Checked here so that GSL's error handler is never reached for a
   * bracket that does not hold (GSL reports it through GSL_ERROR). */
  double flo = f(lo, ctx), fhi = f(hi, ctx);
  if (!isfinite(flo) || !isfinite(fhi) || (flo < 0) == (fhi < 0) || !(lo < hi)) {
    if (flo == 0 || fhi == 0) {
      *root = flo == 0 ? lo : hi;
      return GK_OK;
    }
    return GK_EDOM;
  }
  gsl_function F = {f, ctx};
  gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
  if (!s) return GK_ENOMEM;
  int rc = GK_ENOCONV;
  if (gsl_root_fsolver_set(s, &F, lo, hi) != GSL_SUCCESS) {
    rc = GK_EDOM;
    goto out;
  }
  *root = lo;
  for (int it = 0; it < max_iter; it++) {
    if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS) {
      rc = GK_EDOM;
      break;
    }
    *root = gsl_root_fsolver_root(s);
    if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s), epsabs,
                               epsrel) == GSL_SUCCESS) {
      rc = GK_OK;
      break;
    }
  }
out:
  gsl_root_fsolver_free(s);
  return rc;
}

int gk_min_brent(double (*f)(double x, void *ctx), void *ctx, double guess, double lo, double hi,
                 double epsabs, double epsrel, int max_iter, double *xmin)
{
  double fg = f(guess, ctx);
  if (!(lo < guess && guess < hi) || !(fg < f(lo, ctx)) || !(fg < f(hi, ctx))) return GK_EDOM;
  gsl_function F = {f, ctx};
  gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
  if (!s) return GK_ENOMEM;
  int rc = GK_ENOCONV;
  if (gsl_min_fminimizer_set(s, &F, guess, lo, hi) != GSL_SUCCESS) {
    rc = GK_EDOM;
    goto out;
  }
  for (int it = 0; it < max_iter; it++) {
    if (gsl_min_fminimizer_iterate(s) != GSL_SUCCESS) {
      rc = GK_EDOM;
      break;
    }
    if (gsl_min_test_interval(gsl_min_fminimizer_x_lower(s), gsl_min_fminimizer_x_upper(s), epsabs,
                              epsrel) == GSL_SUCCESS) {
      rc = GK_OK;
      break;
    }
  }
  *xmin = gsl_min_fminimizer_x_minimum(s);
out:
  gsl_min_fminimizer_free(s);
  return rc;
}

double gk_min_parabolic(double (*f)(double x, void *ctx), void *ctx, double x, double h, double fl, double f0,
                        double fr, double tol, int max_steps, double *fbest)
{
  double a = x - h, b = x, c = x + h, fa = fl, fb = f0, fc = fr;
  for (int k = 0; k < max_steps; k++) {
    /* vertex of the parabola through (a, fa), (b, fb), (c, fc) */
    const double p = (b - a) * (fb - fc), q = (b - c) * (fb - fa);
    const double den = p - q;
    if (!(fabs(den) > 0)) break;
    const double u = b - 0.5 * ((b - a) * p - (b - c) * q) / den;
    if (!(u > a && u < c) || u == b) break;
    const double fu = f(u, ctx);
    const double step = fabs(u - b);
    if (fu < fb) {
      if (u < b) { c = b; fc = fb; } else { a = b; fa = fb; }
      b = u;
      fb = fu;
    } else if (u < b) {
      a = u;
      fa = fu;
    } else {
      c = u;
      fc = fu;
    }
    if (step < tol) break;
  }
  if (fbest) *fbest = fb;
  return b;
}

int gk_root_newton_safe(double (*fdf)(double x, void *ctx, double *df), void *ctx, double x, double lo, double hi,
                        double xtol_rel, double stall_rel, int max_iter, double *root)
{
  return gk_root_newton_safe_inl(fdf, ctx, x, lo, hi, xtol_rel, stall_rel, max_iter, root);
}

double gk_min_pattern(double (*f)(double x, void *ctx), void *ctx, double x, double fx, double h, double shrink,
                      int n_steps, double *fbest)
{
  for (int it = 0; it < n_steps; it++) {
    h *= shrink;
    for (int s = -1; s <= 1; s += 2) {
      double fu = f(x + s * h, ctx);
      if (fu < fx) {
        fx = fu;
        x += s * h;
      }
    }
  }
  if (fbest) *fbest = fx;
  return x;
}
