/* The shared complex root iteration (src/fit/croot.h) against closed-form
 * roots: Newton's method and the secant method, their convergence rates
 * (counted evaluations) and their failure reports; the two-real-variable
 * form (GSL's hybrids) on a non-analytic function. */
#include <complex.h>
#include <math.h>
#include <gsl/gsl_math.h>

#include "gk_test.h"
#include "gainkit/error.h"
#include "fit/croot.h"

typedef struct { int nev; } cnt;

/* z^2 - 2z + 5: roots 1 +- 2i */
static double complex quad(double complex z, double complex *df, void *p)
{
  ((cnt *)p)->nev++;
  if (df) *df = 2 * z - 2;
  return z * z - 2 * z + 5;
}

/* z^3 - 1: roots 1, e^{+-2 pi i/3} */
static double complex cube(double complex z, double complex *df, void *p)
{
  ((cnt *)p)->nev++;
  if (df) *df = 3 * z * z;
  return z * z * z - 1;
}

/* e^z - (1 + i): roots ln sqrt 2 + i (pi/4 + 2 pi k) */
static double complex expo(double complex z, double complex *df, void *p)
{
  ((cnt *)p)->nev++;
  if (df) *df = cexp(z);
  return cexp(z) - (1 + I);
}

static double complex flat(double complex z, double complex *df, void *p)
{
  (void)z;
  ((cnt *)p)->nev++;
  if (df) *df = 0;
  return 1;
}

static double complex bad(double complex z, double complex *df, void *p)
{
  ((cnt *)p)->nev++;
  if (df) *df = 1;
  return cabs(z) > 2 ? NAN : z - 3;   /* undefined beyond |z| = 2 */
}

static void test_newton(void)
{
  cnt c = {0};
  double complex z = 0.8 + 1.7 * I;
  CHECK_INT(gk_croot(quad, &c, 0, 1e-14, 60, &z), GK_OK);
  CHECK(cabs(z - (1 + 2 * I)) < 1e-14);
  /* quadratic convergence: from |z - z*| ~ 0.36 a handful of steps */
  CHECK_MSG(c.nev <= 7, "newton took %d evaluations", c.nev);
  z = 1.2 - 1.5 * I;
  CHECK_INT(gk_croot(quad, &c, 0, 1e-14, 60, &z), GK_OK);
  CHECK(cabs(z - (1 - 2 * I)) < 1e-14);
  /* each cube root from a start in its own basin */
  const double complex w[3] = {1, cexp(2 * M_PI * I / 3), cexp(-2 * M_PI * I / 3)};
  for (int k = 0; k < 3; k++) {
    z = 0.9 * w[k] + 0.05 * I;
    CHECK_INT(gk_croot(cube, &c, 0, 1e-14, 60, &z), GK_OK);
    CHECK_MSG(cabs(z - w[k]) < 1e-14, "cube root %d: %.17g%+.17gi", k, creal(z), cimag(z));
  }
  z = 0.1 + 2 * I;
  CHECK_INT(gk_croot(expo, &c, 0, 1e-14, 60, &z), GK_OK);
  CHECK(cabs(cexp(z) - (1 + I)) < 1e-14);
  CHECK_CLOSE(creal(z), 0.5 * log(2), 1e-14);
  double k = round((cimag(z) - M_PI / 4) / (2 * M_PI));
  CHECK_ABS(cimag(z) - M_PI / 4 - 2 * M_PI * k, 0, 1e-13);
}

static void test_secant(void)
{
  cnt c = {0};
  double complex z = 0.8 + 1.7 * I;
  CHECK_INT(gk_croot(quad, &c, 1e-6, 1e-14, 100, &z), GK_OK);
  CHECK(cabs(z - (1 + 2 * I)) < 1e-14);
  /* superlinear (order 1.618): far fewer than a linear method's ~45 */
  CHECK_MSG(c.nev <= 12, "secant took %d evaluations", c.nev);
  c.nev = 0;
  z = 0.4 + 0.9 * I;
  CHECK_INT(gk_croot(expo, &c, 1e-3 * I, 1e-14, 100, &z), GK_OK);
  CHECK_CLOSE(creal(z), 0.5 * log(2), 1e-13);
  CHECK_CLOSE(cimag(z), M_PI / 4, 1e-13);
  CHECK(c.nev <= 14);
}

static void test_failures(void)
{
  cnt c = {0};
  /* f' = 0: not a Newton step; z left alone */
  double complex z = 0.5 + 0.5 * I;
  CHECK_INT(gk_croot(flat, &c, 0, 1e-14, 60, &z), GK_EDOM);
  CHECK(z == 0.5 + 0.5 * I);
  /* the secant stalls on a constant f */
  CHECK_INT(gk_croot(flat, &c, 1e-6, 1e-14, 60, &z), GK_EDOM);
  CHECK(z == 0.5 + 0.5 * I);
  /* iteration limit: the last iterate, reported as not converged */
  z = 30 + 40 * I;
  c.nev = 0;
  CHECK_INT(gk_croot(quad, &c, 0, 1e-14, 3, &z), GK_ENOCONV);
  CHECK(c.nev == 3);
  CHECK(z != 30 + 40 * I && cabs(z - (1 + 2 * I)) < cabs(30 + 40 * I - (1 + 2 * I)));
  z = 30 + 40 * I;
  CHECK_INT(gk_croot(quad, &c, 1, 1e-14, 3, &z), GK_ENOCONV);
  /* f not finite on the way */
  z = 1.5;
  CHECK_INT(gk_croot(bad, &c, 0, 1e-14, 60, &z), GK_EDOM);
  CHECK(z == 1.5);
  CHECK_INT(gk_croot(bad, &c, 0.1, 1e-14, 60, &z), GK_EDOM);
}

/* (x y - 2) + i (x - y - 1): zeros (2, 1) and (-1, -2); not analytic in
 * x + i y, so only the two-real-variable solver applies */
static double complex xy2(double x, double y, void *p)
{
  ((cnt *)p)->nev++;
  return (x * y - 2) + I * (x - y - 1);
}

static double complex xybad(double x, double y, void *p)
{
  (void)p;
  return x > 0 ? NAN : x + I * y;
}

static void test_xy(void)
{
  cnt c = {0};
  double x = 1.5, y = 0.8;
  CHECK_INT(gk_croot_xy(xy2, &c, &x, &y, 1e-14, 1e-13, 1e-11, 200), GK_OK);
  CHECK_ABS(x, 2, 1e-12);
  CHECK_ABS(y, 1, 1e-12);
  x = -1.3, y = -2.4;
  CHECK_INT(gk_croot_xy(xy2, &c, &x, &y, 1e-14, 1e-13, 1e-11, 200), GK_OK);
  CHECK_ABS(x, -1, 1e-12);
  CHECK_ABS(y, -2, 1e-12);
  /* iteration limit */
  x = 40, y = -30;
  CHECK_INT(gk_croot_xy(xy2, &c, &x, &y, 1e-14, 1e-13, 1e-11, 1), GK_ENOCONV);
  /* not finite at the start: left alone */
  x = 1, y = 1;
  CHECK_INT(gk_croot_xy(xybad, NULL, &x, &y, 1e-14, 1e-13, 1e-11, 50), GK_EDOM);
  CHECK(x == 1 && y == 1);
}

int main(void)
{
  RUN(test_xy);
  RUN(test_newton);
  RUN(test_secant);
  RUN(test_failures);
  return gk_test_summary();
}
