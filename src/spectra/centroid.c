/* Centroid of a spectrum (see gainkit/spectra.h). */
#include "gainkit/spectra.h"

#include <math.h>

double gk_spectra_centroid(const double *lambda, const double *y, size_t i0, size_t i1,
                           double baseline)
{
  double num = 0, den = 0;
  for (size_t i = i0; i < i1; i++) {
    double h = lambda[i + 1] - lambda[i];
    double a = y[i] - baseline, b = y[i + 1] - baseline;
    num += 0.5 * h * (a * lambda[i] + b * lambda[i + 1]);
    den += 0.5 * h * (a + b);
  }
  return den > 0 ? num / den : NAN;
}
