/* Complex roots by Newton's method or the secant method (src/fit/croot.h). */
#include "fit/croot.h"
#include "gainkit/error.h"

#include <math.h>
#include <stddef.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multiroots.h>

static int finite_c(double complex z) { return isfinite(creal(z)) && isfinite(cimag(z)); }

int gk_croot(gk_croot_fn f, void *ctx, double complex h, double rtol, int max_iter, double complex *z)
{
  double complex x = *z;
  if (h == 0) {
    for (int it = 0; it < max_iter; it++) {
      double complex df, fx = f(x, &df, ctx);
      if (!(cabs(df) > 0) || !finite_c(fx) || !finite_c(df)) return GK_EDOM;
      double complex dx = fx / df;
      x -= dx;
      if (!finite_c(x)) return GK_EDOM;
      if (cabs(dx) <= rtol * cabs(x)) {
        *z = x;
        return GK_OK;
      }
    }
    *z = x;
    return GK_ENOCONV;
  }
  double complex z0 = x, z1 = x + h;
  double complex f0 = f(z0, NULL, ctx), f1 = f(z1, NULL, ctx);
  for (int it = 0; it < max_iter; it++) {
    if (!finite_c(f0) || !finite_c(f1) || f1 == f0) return GK_EDOM;
    double complex z2 = z1 - f1 * (z1 - z0) / (f1 - f0);
    if (!finite_c(z2)) return GK_EDOM;
    z0 = z1;
    f0 = f1;
    z1 = z2;
    if (cabs(z1 - z0) <= rtol * cabs(z1)) {
      *z = z1;
      return GK_OK;
    }
    f1 = f(z1, NULL, ctx);
  }
  *z = z1;
  return GK_ENOCONV;
}

typedef struct {
  double complex (*F)(double x, double y, void *ctx);
  void *ctx;
} xy_fn;

static int xy_f(const gsl_vector *v, void *p, gsl_vector *f)
{
  const xy_fn *q = p;
  double complex G = q->F(gsl_vector_get(v, 0), gsl_vector_get(v, 1), q->ctx);
  if (!finite_c(G)) return GSL_EDOM;
  gsl_vector_set(f, 0, creal(G));
  gsl_vector_set(f, 1, cimag(G));
  return GSL_SUCCESS;
}

int gk_croot_xy(double complex (*F)(double x, double y, void *ctx), void *ctx, double *x, double *y, double epsabs,
                double epsrel, double restol, int max_iter)
{
  xy_fn q = {F, ctx};
  gsl_multiroot_function fn = {xy_f, 2, &q};
  gsl_vector *v = gsl_vector_alloc(2);
  gsl_multiroot_fsolver *s = gsl_multiroot_fsolver_alloc(gsl_multiroot_fsolver_hybrids, 2);
  int rc = GK_ENOMEM;
  if (!v || !s) goto out;
  gsl_vector_set(v, 0, *x);
  gsl_vector_set(v, 1, *y);
  rc = GK_EDOM;
  if (gsl_multiroot_fsolver_set(s, &fn, v) != GSL_SUCCESS) goto out;
  rc = GK_ENOCONV;
  for (int it = 0; it < max_iter; it++) {
    if (gsl_multiroot_fsolver_iterate(s) != GSL_SUCCESS) {
      rc = GK_EDOM;
      break;
    }
    if (gsl_multiroot_test_delta(s->dx, s->x, epsabs, epsrel) == GSL_SUCCESS) {
      rc = gsl_multiroot_test_residual(s->f, restol) == GSL_SUCCESS ? GK_OK : GK_ENOCONV;
      break;
    }
  }
  *x = gsl_vector_get(s->x, 0);
  *y = gsl_vector_get(s->x, 1);
out:
  if (s) gsl_multiroot_fsolver_free(s);
  gsl_vector_free(v);
  return rc;
}
