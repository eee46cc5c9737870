/* The VSL form of Ahn, Livache, Pinchetti and Klimov, Chem. Rev. 2023:
 *     I(L) = A L + B e^{g L}
 * (spontaneous emission growing linearly with the stripe plus an amplified
 * term). theta = {g, A, ln B}: B > 0, A free (a linear term). It is not
 * vsl2: vsl2 vanishes at L = 0, this form tends to B there; it is vsl2
 * with an offset I0 tied to I0 = A1/g (then B = A1/g, A = A2).
 *
 * For fixed g the model is linear in (A, B): the starts come from a scan of
 * g with (A, B) by weighted least squares at each g (the profile), refined
 * around its minimum. */
#include <math.h>
#include <string.h>

#include "vsl_internal.h"
#include "fit/solve1d.h"

int gk_vsl_ahn_eval_(const double *th, const double *L, size_t n, double *I, double *jac)
{
  for (size_t i = 0; i < n; i++) {
    double x = th[2] + th[0] * L[i];
    if (!(x < 700)) return GK_EDOM;
    double e = exp(x);
    I[i] = th[1] * L[i] + e;
    if (!isfinite(I[i])) return GK_EDOM;
    if (jac) {
      double *J = jac + 3 * i;
      J[0] = L[i] * e;
      J[1] = L[i];
      J[2] = e;
    }
  }
  return GK_OK;
}

static double weight(const gk_vsl_data *d, size_t i)
{
  if (d->weighting == GK_WEIGHT_SIGMA && d->sigma) return 1 / d->sigma[i];
  if (d->weighting == GK_WEIGHT_RELATIVE) return d->intensity[i] != 0 ? 1 / fabs(d->intensity[i]) : 0;
  return 1;
}

/* chi2 at g with (A, B) the weighted least-squares solution; B <= 0 is
 * infeasible (INFINITY). */
double gk_vsl_ahn_profile_(const gk_vsl_data *d, double g, double *A, double *B)
{
  double s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0, yy = 0;
  for (size_t i = 0; i < d->n; i++) {
    double w = weight(d, i), x = g * d->L[i];
    if (x > 700) return INFINITY;
    double a = d->L[i] * w, b = exp(x) * w, y = d->intensity[i] * w;
    s11 += a * a, s12 += a * b, s22 += b * b, s1y += a * y, s2y += b * y, yy += y * y;
  }
  double det = s11 * s22 - s12 * s12;
  if (!(det > 1e-14 * s11 * s22)) return INFINITY;
  *A = (s22 * s1y - s12 * s2y) / det;
  *B = (s11 * s2y - s12 * s1y) / det;
  if (!(*B > 0)) return INFINITY;
  return fmax(yy - *A * s1y - *B * s2y, 0);
}

typedef struct { const gk_vsl_data *d; } ahn_ctx;

static double ahn_f(double g, void *p)
{
  double A, B;
  return gk_vsl_ahn_profile_(((const ahn_ctx *)p)->d, g, &A, &B);
}

size_t gk_vsl_ahn_guess_(const gk_vsl_data *d, double *st, size_t max, double *target)
{
  double Lm = d->L[d->n - 1];
  if (!(Lm > 0) || !max) return 0;
  /* g L_max over -5 .. 60 on a grid, then the grid's minimum refined by
   * Brent's method (src/fit/solve1d.h) inside its two neighbouring cells */
  double best = INFINITY, bg = NAN, A, B;
  enum { ng = 260 };
  double c[ng + 1];
  int kb = -1;
  for (int k = 0; k <= ng; k++) {
    double g = (-5 + 65.0 * k / ng) / Lm;
    c[k] = gk_vsl_ahn_profile_(d, g, &A, &B);
    if (c[k] < best) best = c[k], bg = g, kb = k;
  }
  if (!isfinite(best)) return 0;
  if (kb > 0 && kb < ng && c[kb - 1] > best && c[kb + 1] > best) {
    double h = 65.0 / ng / Lm, xm = bg;
    ahn_ctx ac = {d};
    int rc = gk_min_brent(ahn_f, &ac, bg, bg - h, bg + h, 1e-7 * h, 0, 100, &xm);
    if (rc == GK_OK || rc == GK_ENOCONV) {
      double cm = gk_vsl_ahn_profile_(d, xm, &A, &B);
      /* a strict improvement only: a grid point of zero chi2 (exact
       * data) stays where it is */
      if (cm < best) best = cm, bg = xm;
    }
  }
  gk_vsl_ahn_profile_(d, bg, &A, &B);
  st[0] = bg, st[1] = A, st[2] = log(B);
  if (target) *target = best;
  return 1;
}
