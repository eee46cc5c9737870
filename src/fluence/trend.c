/* trend.c — a weighted straight line through thresholds versus a control
 * parameter (Qin et al., Nano Lett. 2021, Fig. 2f: 68 -> 32 uJ cm^-2 from
 * 0 to 20 V). */
#include <math.h>
#include <string.h>

#include "gainkit/fluence.h"

int gk_trend_linear(const double *x, const double *y, const double *se, size_t n, gk_trend *t, gk_error *err)
{
  memset(t, 0, sizeof *t);
  if (n < 3) return gk_error_set(err, GK_EINPUT, NULL, 0, "a trend needs at least 3 points (got %zu)", n);
  double S = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu is not finite", i + 1);
    if (se && !(se[i] > 0 && isfinite(se[i])))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: the error must be > 0", i + 1);
    double w = se ? 1 / (se[i] * se[i]) : 1;
    S += w, Sx += w * x[i], Sy += w * y[i], Sxx += w * x[i] * x[i], Sxy += w * x[i] * y[i];
  }
  /* centred sums: better conditioned than S Sxx - Sx^2 */
  double xm = Sx / S, D = 0, Nb = 0;
  for (size_t i = 0; i < n; i++) {
    double w = se ? 1 / (se[i] * se[i]) : 1;
    D += w * (x[i] - xm) * (x[i] - xm);
    Nb += w * (x[i] - xm) * y[i];
  }
  if (!(D > 0)) return gk_error_set(err, GK_EINPUT, NULL, 0, "the control parameter takes a single value");
  t->b = Nb / D;
  t->a = Sy / S - t->b * xm;
  double chi2 = 0;
  for (size_t i = 0; i < n; i++) {
    double w = se ? 1 / (se[i] * se[i]) : 1, r = y[i] - t->a - t->b * x[i];
    chi2 += w * r * r;
  }
  t->chi2_red = chi2 / (double)(n - 2);
  /* with standard errors: absolute, enlarged by chi2_red when the scatter
   * exceeds them, never shrunk (a lucky small scatter must not make the
   * slope look more certain than the thresholds are); equal weights: the
   * scatter is the only scale */
  double sc = se ? (t->chi2_red > 1 ? t->chi2_red : 1) : t->chi2_red;
  t->se_b = sqrt(sc / D);
  t->se_a = sqrt(sc * (1 / S + xm * xm / D));
  t->n = n;
  (void)Sxx, (void)Sxy;
  return GK_OK;
}
