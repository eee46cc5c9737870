/* Complex roots by Newton's method or the secant method (src/fit/croot.h). */
#include "fit/croot.h"
#include "gainkit/error.h"

#include <math.h>
#include <stddef.h>

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
