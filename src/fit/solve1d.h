/* solve1d.h — the library's one-dimensional root finder and minimiser
 * (GSL Brent), shared by every module instead of hand-written loops. */
#ifndef GK_FIT_SOLVE1D_H
#define GK_FIT_SOLVE1D_H

#include "gainkit/error.h"

#include <float.h>
#include <math.h>

/* Root of f in [lo, hi] (f(lo), f(hi) of opposite signs) by
 * gsl_root_fsolver_brent, iterated until
 * gsl_root_test_interval(x_lower, x_upper, epsabs, epsrel) holds, at most
 * max_iter iterations. *root is the solver's current estimate also when
 * GK_ENOCONV is returned (iteration limit). Returns GK_OK, GK_ENOCONV,
 * GK_EDOM (not bracketed, or an iteration failed: f not finite), or
 * GK_ENOMEM. */
int gk_root_brent(double (*f)(double x, void *ctx), void *ctx, double lo, double hi,
                  double epsabs, double epsrel, int max_iter, double *root);

/* Minimum of f in [lo, hi] from guess (f(guess) below f(lo) and f(hi)) by
 * gsl_min_fminimizer_brent until gsl_min_test_interval(epsabs, epsrel), at
 * most max_iter iterations. *xmin is set also on GK_ENOCONV. Returns
 * GK_OK, GK_ENOCONV, GK_EDOM (guess does not bracket a minimum, or an
 * iteration failed), GK_ENOMEM. */
int gk_min_brent(double (*f)(double x, void *ctx), void *ctx, double guess, double lo, double hi,
                 double epsabs, double epsrel, int max_iter, double *xmin);

/* A bracketed minimum refined by successive parabolic interpolation: from
 * (x - h, fl), (x, f0), (x + h, fr) with f0 below fl and fr, the vertex of
 * the parabola through the current bracket's three points, at most
 * max_steps evaluations of f, until a step is shorter than tol. For
 * refining a start point on a smooth, nearly quadratic minimum (two or
 * three evaluations where gk_min_brent spends a dozen on its golden
 * sections and safeguards); not a minimiser to a tolerance. Returns the
 * best point seen (x when no evaluation improved on f0), *fbest (may be
 * NULL) its value. */
double gk_min_parabolic(double (*f)(double x, void *ctx), void *ctx, double x, double h, double fl, double f0,
                        double fr, double tol, int max_steps, double *fbest);

/* A root of f on the bracket [lo, hi] by Newton's method safeguarded with
 * bisection (the classic "rtsafe" hybrid), for a monotone f whose
 * derivative is cheap next to f itself (an implicit model inverted point
 * by point). fdf(x, ctx, &df) returns f(x) and its derivative df (df is
 * only used when f is finite and non-zero); a non-finite f marks x as
 * outside the domain on the high side (the bracket's upper end moves
 * there). lo/hi may be infinite: steps leaving the bracket bisect only
 * once both ends are finite. The iteration stops when a Newton step
 * inside the bracket is at most xtol_rel max(|x|, 1), or when steps stop
 * shrinking while below stall_rel max(|x|, 1) (rounding noise of f);
 * *root is then the last Newton iterate (or x with f(x) == 0 exactly).
 * Returns GK_OK, or GK_EDOM when it does not settle within max_iter
 * iterations or the bracket collapses (the caller falls back to
 * gk_root_brent on a proper bracket). */
int gk_root_newton_safe(double (*fdf)(double x, void *ctx, double *df), void *ctx, double x, double lo, double hi,
                        double xtol_rel, double stall_rel, int max_iter, double *root);
/* gk_root_newton_safe_inl: the same, inline (sat-exact's inversions in
 * src/vsl run it ~400 000 times per fit, and inlined their x(y) is called
 * directly; the same arithmetic, C11 without contraction) */
static inline int gk_root_newton_safe_inl(double (*fdf)(double x, void *ctx, double *df), void *ctx, double x,
                                          double lo, double hi, double xtol_rel, double stall_rel, int max_iter,
                                          double *root)
{
  double last = INFINITY;
  for (int it = 0; it < max_iter; it++) {
    double df = NAN, f = fdf(x, ctx, &df);
    if (!isfinite(f)) {
      if (!(x < hi)) return GK_EDOM;
      hi = x;
    } else if (f == 0) {
      *root = x;
      return GK_OK;
    } else {
      /* fmin/fmax without the library calls (NaN ends as they treat them) */
      if (f > 0) { if (!(hi <= x)) hi = x; } else if (!(lo >= x)) lo = x;
      double dx = -f / df, xn = x + dx, adx = fabs(dx), sc = fabs(x) > 1 ? fabs(x) : 1;  /* x finite */
      /* Quadratic convergence: after a step of xtol_rel the error is of
       * its square, far below rounding; smaller steps are rounding noise
       * in f, which a tighter test would chase forever (as it would a step
       * that stops shrinking). Only a step that stays in the bracket
       * counts: one outside is no estimate at all. */
      int small = adx <= xtol_rel * sc || (adx >= last && adx < stall_rel * sc);
      if (small && xn >= lo && xn <= hi) {
        *root = xn;
        return GK_OK;
      }
      last = adx;
      if (xn > lo && xn < hi) {
        x = xn;
        continue;
      }
    }
    if (!isfinite(lo) || !isfinite(hi) || hi - lo <= 4 * DBL_EPSILON * fmax(fabs(hi), 1)) return GK_EDOM;
    x = 0.5 * (lo + hi);
  }
  return GK_EDOM;
}

/* Pattern search for a minimum from (x, fx): steps of h shrunk by the
 * factor `shrink` before each of n_steps rounds, each round trying
 * x - h and x + h and moving to any point lower than the best so far
 * (strictly lower; a non-finite f never is). For the edge of a grid where
 * no bracket exists. Returns the best point, *fbest (may be NULL) its
 * value. */
double gk_min_pattern(double (*f)(double x, void *ctx), void *ctx, double x, double fx, double h, double shrink,
                      int n_steps, double *fbest);

#endif
