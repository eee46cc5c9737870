/* croot.h — the library's one iteration for a root of an analytic complex
 * function (waveguide dispersion relations, DFB characteristic equations).
 * GSL's one-dimensional solvers (src/fit/solve1d.h) work on the real line
 * only, so the complex Newton and secant steps that modes and cavity need
 * live here, shared, instead of a hand-written loop in each module, beside
 * the two-real-variable form that drives GSL's multidimensional solver. */
#ifndef GK_FIT_CROOT_H
#define GK_FIT_CROOT_H

#include <complex.h>

/* The function whose root is sought. With df non-NULL it must also set
 * *df = f'(z) (Newton); the secant method calls it with df == NULL. */
typedef double complex (*gk_croot_fn)(double complex z, double complex *df, void *ctx);

/* Root of f from *z.
 *   h == 0: Newton's method, z <- z - f(z)/f'(z);
 *   h != 0: the secant method from the two points z and z + h,
 *           z2 = z1 - f(z1) (z1 - z0) / (f(z1) - f(z0)).
 * Iterates until the last step |dz| <= rtol |z|, at most max_iter steps
 * (one evaluation of f each, plus the secant's two at the start).
 * Returns GK_OK (*z the root); GK_ENOCONV when max_iter steps did not settle
 * (*z the last iterate); GK_EDOM when f or f' is not finite, f' = 0, an
 * iterate is not finite, or the secant stalls (f(z1) == f(z0)): then *z is
 * left unchanged. */
int gk_croot(gk_croot_fn f, void *ctx, double complex h, double rtol, int max_iter, double complex *z);

/* A zero of a complex function of two real variables, F(x, y) = 0 as two
 * real equations (for a function that is not analytic in x + i y, such as
 * a DFB characteristic function of (alpha L, delta L)), by GSL's hybrids
 * solver (gsl_multiroot_fsolver_hybrids: Powell's hybrid method with a
 * finite-difference Jacobian), at most max_iter iterations until
 * gsl_multiroot_test_delta(dx, x, epsabs, epsrel) holds; converged when
 * then gsl_multiroot_test_residual(F, restol) holds too. *x, *y: the start
 * in, the solver's last iterate out (also when not converged). Returns
 * GK_OK; GK_ENOCONV (iteration limit, or the residual above restol when
 * the steps have settled); GK_EDOM (F not finite at the start: *x, *y
 * unchanged; or an iteration failed); GK_ENOMEM. */
int gk_croot_xy(double complex (*F)(double x, double y, void *ctx), void *ctx, double *x, double *y, double epsabs,
                double epsrel, double restol, int max_iter);

#endif
