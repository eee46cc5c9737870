/* Decay basis functions: a bare exponential, its convolution with a
 * Gaussian instrument response (closed form) and with a measured one
 * (exact integration over a piecewise-linear IRF). See gainkit/kinetics.h. */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_erf.h>

#include "gainkit/kinetics.h"
#include "kinetics_internal.h"

double gk_kin_sigma_of_fwhm(double fwhm) { return fwhm / (2.0 * sqrt(2.0 * M_LN2)); }

/* Gaussian-convolved exponential. exp(a) erfc(u) is evaluated as
 * exp(a + log erfc(u)): before t0 (u >> 1) exp(a) overflows long before
 * erfc underflows, and GSL's log_erfc carries the asymptotic form there. */
double gk_kin_gauss_e(double t, double tau, double s)
{
  double u = (s / tau - t / s) / M_SQRT2;
  double a = s * s / (2 * tau * tau) - t / tau;
  /* Well after t0 erfc(u) is 2 - erfc(-u) with erfc(-u) below half an ulp
   * of 2 (erfc(6) = 2.2e-17): exactly 2.0 in double, as libm returns it.
   * Most points of a decay trace are there, so skip the call. */
  if (u <= -6) return a < -745 ? 0.0 : exp(a);
  /* For u < 3 the product is safe (there a <= -x^2/2 + 3 sqrt2 x <= 9,
   * x = s/tau) and libm's erfc is several times cheaper than log_erfc:
   * this is the inner loop of every kinetics fit. */
  if (u < 3) return a < -745 ? 0.0 : 0.5 * exp(a) * erfc(u);
  return 0.5 * exp(a + gsl_sf_log_erfc(u));
}

/* The IRF itself (unit area Gaussian). */
double gk_kin_gauss_pdf(double t, double s)
{
  double z = t * t / (2 * s * s);
  /* exp(-z) underflows to 0 beyond z = 745; libm's underflow path (errno,
   * exceptions) is far slower than the answer */
  return z > 745 ? 0.0 : exp(-z) / (s * sqrt(2 * M_PI));
}

void gk_kin_gauss_derivs(double t, double tau, double s, double *e, double *de_dt, double *de_dtau)
{
  double E = gk_kin_gauss_e(t, tau, s), G = gk_kin_gauss_pdf(t, s);
  *e = E;
  /* dE/dt = G - E/tau: what enters at t minus what decays; dE/dtau from
   * differentiating the closed form (the erfc terms collapse onto G). */
  *de_dt = G - E / tau;
  *de_dtau = E * (t / (tau * tau) - s * s / (tau * tau * tau)) + s * s * G / (tau * tau);
}

/* (x - (1 - e^-x)) / x, accurate for small x where the difference cancels. */
static double ramp_weight(double x, double e1)
{
  if (x < 1e-2) {
    /* x/2 - x^2/6 + x^3/24 - x^4/120 + x^5/720 */
    return x * (0.5 - x * (1.0 / 6 - x * (1.0 / 24 - x * (1.0 / 120 - x / 720))));
  }
  return (x - e1) / x;
}

/* Integral over [a, a+L] of an IRF that goes linearly from p to r, times
 * exp(-(a+L-u)/tau): tau [p (1 - e^-x) + (r - p) (x - 1 + e^-x)/x], x = L/tau. */
static double segment(double p, double r, double L, double tau)
{
  if (L <= 0) return 0;
  /* tau = infinity (a state that does not decay: the tamap fit reaches a
   * rate of 0 at its bound): the plain integral of the linear piece */
  if (isinf(tau)) return 0.5 * (p + r) * L;
  double x = L / tau, e1 = -expm1(-x);
  return tau * (p * e1 + (r - p) * ramp_weight(x, e1));
}

static double irf_at(const gk_kin_irf *irf, size_t k, double u)
{
  /* linear between knots k and k+1 */
  double f = (u - irf->t[k]) / (irf->t[k + 1] - irf->t[k]);
  return irf->y[k] + f * (irf->y[k + 1] - irf->y[k]);
}

static double irf_area(const gk_kin_irf *irf)
{
  double a = 0;
  for (size_t k = 0; k + 1 < irf->n; k++)
    a += 0.5 * (irf->y[k] + irf->y[k + 1]) * (irf->t[k + 1] - irf->t[k]);
  return a;
}

/* One sweep over ascending query times: the convolution obeys
 * C(q2) = C(q1) e^-(q2-q1)/tau + (integral of the IRF over [q1, q2]
 * weighted by the decay), so carrying C forward through the IRF knots and
 * the queries costs O(n + n_irf). */
static void measured_sweep(const gk_kin_irf *irf, const double *q, const size_t *order, size_t n,
                           double tau, double *out)
{
  const size_t m = irf->n;
  double area = irf_area(irf);
  double x = irf->t[0], c = 0;
  size_t k = 0; /* current IRF piece: [t[k], t[k+1]] contains x */
  for (size_t jj = 0; jj < n; jj++) {
    size_t j = order ? order[jj] : jj;
    double qj = q[j];
    if (qj <= irf->t[0]) { out[j] = 0; continue; }
    while (x < qj) {
      if (k + 1 >= m) { /* past the IRF: pure decay */
        c *= exp(-(qj - x) / tau);
        x = qj;
        break;
      }
      double end = irf->t[k + 1] < qj ? irf->t[k + 1] : qj;
      double p = irf_at(irf, k, x), r = irf_at(irf, k, end);
      c = c * exp(-(end - x) / tau) + segment(p, r, end - x, tau);
      x = end;
      if (end == irf->t[k + 1]) k++;
    }
    out[j] = c / area;
  }
}

struct qidx { double q; size_t i; };
static int cmp_qidx(const void *a, const void *b)
{
  double x = ((const struct qidx *)a)->q, y = ((const struct qidx *)b)->q;
  return (x > y) - (x < y);
}

int gk_kin_basis_vec(const gk_kin_irf *irf, const double *t, size_t n, double tau, double *out)
{
  if (irf->kind == GK_KIN_IRF_NONE) {
    for (size_t j = 0; j < n; j++) out[j] = t[j] < 0 ? 0 : exp(-t[j] / tau);
    return GK_OK;
  }
  if (irf->kind == GK_KIN_IRF_GAUSS) {
    double s = gk_kin_sigma_of_fwhm(irf->fwhm);
    for (size_t j = 0; j < n; j++) out[j] = gk_kin_gauss_e(t[j], tau, s);
    return GK_OK;
  }
  int sorted = 1;
  for (size_t j = 1; j < n && sorted; j++) sorted = t[j] >= t[j - 1];
  if (sorted) {
    measured_sweep(irf, t, NULL, n, tau, out);
    return GK_OK;
  }
  struct qidx *qi = malloc(n * sizeof *qi);
  size_t *order = malloc(n * sizeof *order);
  if (!qi || !order) { free(qi); free(order); return GK_ENOMEM; }
  for (size_t j = 0; j < n; j++) qi[j] = (struct qidx){t[j], j};
  qsort(qi, n, sizeof *qi, cmp_qidx);
  for (size_t j = 0; j < n; j++) order[j] = qi[j].i;
  measured_sweep(irf, t, order, n, tau, out);
  free(qi);
  free(order);
  return GK_OK;
}

double gk_kin_basis(const gk_kin_irf *irf, double t, double tau)
{
  double out = NAN;
  gk_kin_basis_vec(irf, &t, 1, tau, &out);
  return out;
}

int gk_kin_irf_check(const gk_kin_irf *irf, gk_error *err)
{
  switch (irf->kind) {
  case GK_KIN_IRF_NONE: return GK_OK;
  case GK_KIN_IRF_GAUSS:
    if (!(irf->fwhm > 0) || !isfinite(irf->fwhm))
      return gk_error_option(err, "irf.fwhm", "must be a positive time (got %g s)", irf->fwhm);
    return GK_OK;
  case GK_KIN_IRF_MEASURED:
    if (!irf->t || !irf->y || irf->n < 2)
      return gk_error_option(err, "irf", "needs at least 2 samples");
    for (size_t k = 0; k < irf->n; k++) {
      if (!isfinite(irf->t[k]) || !isfinite(irf->y[k]))
        return gk_error_option(err, "irf", "sample %zu is not finite", k + 1);
      if (k && !(irf->t[k] > irf->t[k - 1]))
        return gk_error_option(err, "irf", "times must increase (sample %zu)", k + 1);
    }
    if (!(irf_area(irf) > 0))
      return gk_error_option(err, "irf", "the instrument response has no positive area");
    return GK_OK;
  }
  return gk_error_set(err, GK_EUSAGE, NULL, 0, "unknown IRF kind");
}

double gk_kin_irf_value(const gk_kin_irf *irf, double t)
{
  const size_t m = irf->n;
  if (t < irf->t[0] || t > irf->t[m - 1]) return 0;
  size_t lo = 0, hi = m - 1;   /* t in [t[lo], t[hi]] */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (irf->t[mid] <= t) lo = mid; else hi = mid;
  }
  return irf_at(irf, lo, t) / irf_area(irf);
}
