/* src/vsl/vexp.h (exp and expm1 over arrays, two elements per instruction,
 * used by emp's projected fit and start grids) against libm: within 4 ulp
 * over [-708, 709] and near 0 (expm1 relative to its own value), the same
 * bits for an element wherever it sits in the array (vector lanes and the
 * scalar tail do the same arithmetic), and libm's answer for arguments out
 * of the reduction's range, infinities and NaN. */
#include <math.h>
#include <stdlib.h>

#include "gk_test.h"
#include "vsl/vexp.h"

static double ulps(double a, double b)
{
  if (a == b) return 0;
  if (!isfinite(a) || !isfinite(b)) return INFINITY;
  double u = nextafter(fabs(b), INFINITY) - fabs(b);
  return fabs(a - b) / u;
}

static void test_accuracy(void)
{
  enum { N = 20001 };
  double *x = malloc(3 * N * sizeof *x), *y = x + N, *z = y + N;
  double we = 0, wm = 0;
  /* the whole range, a dense middle, and tiny arguments of both signs */
  for (int pass = 0; pass < 3; pass++) {
    for (int i = 0; i < N; i++) {
      double t = (double)i / (N - 1);
      x[i] = pass == 0 ? -708 + 1417 * t
           : pass == 1 ? -3 + 6 * t + 1e-9 * (i % 13)
                       : ldexp(1 + t, -60 + i % 58) * (i & 1 ? -1 : 1);
    }
    gk_vexp(x, y, N);
    gk_vexpm1(x, z, N);
    for (int i = 0; i < N; i++) {
      we = fmax(we, ulps(y[i], exp(x[i])));
      wm = fmax(wm, ulps(z[i], expm1(x[i])));
    }
  }
  CHECK_MSG(we <= 4, "exp within 4 ulp of libm (worst %g)", we);
  CHECK_MSG(wm <= 4, "expm1 within 4 ulp of libm (worst %g)", wm);
  /* a planted error would show: the polynomial truncated one term early
   * is ~1e-15 off at |r| = ln2/2, i.e. several ulp: the check can fail */
  free(x);
}

static void test_position_and_alias(void)
{
  enum { N = 1001 };
  double x[N], a[N], b[N], c[N];
  for (int i = 0; i < N; i++) x[i] = -40 + 80.0 * i / (N - 1) + 1e-7 * (i % 17);
  int same = 1;
  for (int em1 = 0; em1 < 2; em1++) {
    if (em1) { gk_vexpm1(x, a, N); gk_vexpm1(x + 1, b + 1, N - 1); }
    else { gk_vexp(x, a, N); gk_vexp(x + 1, b + 1, N - 1); }
    for (int i = 1; i < N; i++) same &= a[i] == b[i];
    /* in place */
    for (int i = 0; i < N; i++) c[i] = x[i];
    if (em1) gk_vexpm1(c, c, N);
    else gk_vexp(c, c, N);
    for (int i = 0; i < N; i++) same &= a[i] == c[i];
  }
  CHECK_MSG(same, "an element's result does not depend on its position; in place = out of place");
}

static void test_edges(void)
{
  double x[] = {NAN, 2.0, INFINITY, -INFINITY, 710, -746, -720, 0.5, 709.5, -708.5, 0};
  enum { N = sizeof x / sizeof *x };
  double y[N], z[N];
  gk_vexp(x, y, N);
  gk_vexpm1(x, z, N);
  int ok = 1;
  for (int i = 0; i < N; i++) {
    double e = exp(x[i]), m = expm1(x[i]);
    if (isnan(e)) ok &= isnan(y[i]) && isnan(z[i]);
    else ok &= ulps(y[i], e) <= 4 && ulps(z[i], m) <= 4;
  }
  CHECK_MSG(ok, "NaN, infinities, overflow, underflow and out-of-range arguments as libm");
}

int main(void)
{
  RUN(test_accuracy);
  RUN(test_position_and_alias);
  RUN(test_edges);
  return gk_test_summary();
}
