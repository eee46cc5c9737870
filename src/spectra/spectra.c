/* Per-spectrum quantities: baseline, window, peak, integral, FWHM.
 * See gainkit/spectra.h for the definitions and docs/threshold.md for the
 * accuracy of the parabolic peak and the interpolated FWHM. */
#include <math.h>
#include <stdlib.h>

#include "gainkit/spectra.h"

int gk_spectra_baseline(const double *y, size_t n, const gk_baseline *b, double *out,
                        gk_error *err)
{
  switch (b ? b->kind : GK_BASELINE_NONE) {
  case GK_BASELINE_NONE:
    *out = 0.0;
    return GK_OK;
  case GK_BASELINE_VALUE:
    if (!isfinite(b->value))
      return gk_error_option(err, "baseline", "baseline value must be finite");
    *out = b->value;
    return GK_OK;
  case GK_BASELINE_AUTO:
    /* the emission-free ends: the mean of the first and of the last
     * max(3, n/20) samples, the lower of the two (an end still inside the
     * band only raises its mean) */
    if (n == 0) return gk_error_set(err, GK_EINPUT, NULL, 0, "automatic baseline of an empty spectrum");
    {
      /* very short spectra (< 6 samples): one sample at each end */
      size_t k = n < 6 ? 1 : n / 20 > 3 ? n / 20 : 3;
      double a = 0.0, c = 0.0;
      for (size_t i = 0; i < k; i++) {
        a += y[i];
        c += y[n - 1 - i];
      }
      *out = fmin(a, c) / (double)k;
    }
    return GK_OK;
  case GK_BASELINE_FIRST_N:
    if (b->n == 0)
      return gk_error_option(err, "baseline", "number of baseline points must be at least 1");
    if (b->n > n)
      return gk_error_option(err, "baseline",
                             "%zu baseline points requested but the spectrum has only %zu",
                             b->n, n);
    {
      double s = 0.0;
      for (size_t i = 0; i < b->n; i++) s += y[i];
      *out = s / (double)b->n;
    }
    return GK_OK;
  }
  return gk_error_set(err, GK_EINTERNAL, NULL, 0, "unknown baseline kind %d", (int)b->kind);
}

int gk_spectra_window(const double *lambda, size_t n, double lo, double hi, size_t *i0,
                      size_t *i1, gk_error *err)
{
  if (!(lo < hi))
    return gk_error_option(err, "window", "window %g:%g nm is empty", lo, hi);
  size_t a = 0;
  while (a < n && lambda[a] < lo) a++;
  size_t b = a, count = 0;
  while (b < n && lambda[b] <= hi) { b++; count++; }
  if (count < 3)
    return gk_error_option(err, "window",
                           "window %g:%g nm holds %zu samples of the %g..%g nm spectrum "
                           "(at least 3 needed)",
                           lo, hi, count, n ? lambda[0] : NAN, n ? lambda[n - 1] : NAN);
  *i0 = a;
  *i1 = b - 1;
  return GK_OK;
}

void gk_spectra_peak(const double *lambda, const double *y, size_t i0, size_t i1,
                     size_t *i_max, double *peak_nm, double *peak)
{
  size_t m = i0;
  for (size_t i = i0 + 1; i <= i1; i++)
    if (y[i] > y[m]) m = i;
  *i_max = m;
  *peak_nm = lambda[m];
  *peak = y[m];
  if (m == i0 || m == i1) return;  /* no neighbour outside the window to bend with */
  /* Parabola through (x0,y0),(x1,y1),(x2,y2) written about x1 with offsets
   * u = x0 - x1 < 0 < v = x2 - x1: p(t) = y1 + B t + C t^2. Solving the two
   * conditions gives B and C without assuming equal spacing. */
  double u = lambda[m - 1] - lambda[m], v = lambda[m + 1] - lambda[m];
  double du = y[m - 1] - y[m], dv = y[m + 1] - y[m];
  double C = (du / u - dv / v) / (u - v);
  double B = du / u - C * u;
  if (!(C < 0.0)) return;  /* flat or not concave: keep the sample */
  double t = -B / (2.0 * C);
  /* The maximum sample is at least as high as its neighbours, so the vertex
   * lies between them; the clamp only guards against rounding. */
  if (t < u) t = u;
  if (t > v) t = v;
  *peak_nm = lambda[m] + t;
  *peak = y[m] + B * t + C * t * t;
}

double gk_spectra_trapz(const double *lambda, const double *y, size_t i0, size_t i1)
{
  double s = 0.0;
  for (size_t i = i0; i < i1; i++) s += 0.5 * (y[i] + y[i + 1]) * (lambda[i + 1] - lambda[i]);
  return s;
}

/* Linear interpolation of the level crossing between samples a and b. */
static double cross(const double *lambda, const double *y, size_t a, size_t b, double level)
{
  double f = (level - y[a]) / (y[b] - y[a]);
  return lambda[a] + f * (lambda[b] - lambda[a]);
}

int gk_spectra_crossings(const double *lambda, const double *y, size_t i0, size_t i1,
                         size_t i_max, double half, double *lo_nm, double *hi_nm)
{
  int flags = 0;
  *lo_nm = *hi_nm = NAN;
  size_t i = i_max;
  while (i > i0 && y[i - 1] > half) i--;
  if (i > i0) *lo_nm = cross(lambda, y, i - 1, i, half);
  else flags |= GK_FWHM_LEFT_OUTSIDE;
  i = i_max;
  while (i < i1 && y[i + 1] > half) i++;
  if (i < i1) *hi_nm = cross(lambda, y, i, i + 1, half);
  else flags |= GK_FWHM_RIGHT_OUTSIDE;
  return flags;
}

int gk_spectrum_analyse(const double *lambda, const double *y, size_t n,
                        const gk_spectrum_options *opt, gk_spectrum_stats *st, gk_error *err)
{
  if (n < 3)
    return gk_error_set(err, GK_EINPUT, NULL, 0, "a spectrum needs at least 3 samples, got %zu", n);
  for (size_t i = 0; i + 1 < n; i++)
    if (!(lambda[i + 1] > lambda[i]))
      return gk_error_set(err, GK_EINPUT, NULL, 0,
                          "wavelengths must increase strictly (%g nm then %g nm)", lambda[i],
                          lambda[i + 1]);
  int rc = gk_spectra_baseline(y, n, opt ? &opt->baseline : NULL, &st->baseline, err);
  if (rc) return rc;
  if (opt && opt->use_window) {
    rc = gk_spectra_window(lambda, n, opt->window_lo, opt->window_hi, &st->i0, &st->i1, err);
    if (rc) return rc;
  } else {
    st->i0 = 0;
    st->i1 = n - 1;
  }
  double *yb = malloc(2 * n * sizeof *yb);
  if (!yb) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  double *ys = yb + n;
  for (size_t i = 0; i < n; i++) yb[i] = y[i] - st->baseline;
  st->integrated = gk_spectra_trapz(lambda, yb, st->i0, st->i1);
  st->smooth_half = 0;
  int smooth = opt ? opt->smooth : 0;
  size_t nwin = st->i1 - st->i0 + 1;
  if (smooth != 0 && nwin >= 7) {
    /* Savitzky–Golay: peak and FWHM from the local quadratic fit, not from
     * single noisy samples (a noise spike on a broad band read as a 0.8 nm
     * line). Automatic width: 5 points first, then half-width ~ FWHM/6 so
     * that the window spans a third of the band (a quadratic over ±0.39
     * sigma of a Gaussian changes its width by < 1 %), at most a quarter of
     * the window. */
    size_t m = smooth > 0 ? (size_t)smooth : 2, mmax = nwin / 4 > 2 ? nwin / 4 : 2;
    for (size_t i = 0; i < n; i++) ys[i] = yb[i];   /* outside the window: raw */
    if (m > mmax) m = mmax;
    for (int pass = 0; pass < (smooth > 0 ? 1 : 2); pass++) {
      gk_spectra_smooth(lambda, yb, st->i0, st->i1, m, ys);
      if (smooth > 0 || pass == 1) break;
      size_t im;
      double pk_nm, pk, lo, hi;
      gk_spectra_peak(lambda, ys, st->i0, st->i1, &im, &pk_nm, &pk);
      if (!(pk > 0)) break;
      if (gk_spectra_crossings(lambda, ys, st->i0, st->i1, im, 0.5 * pk, &lo, &hi)) break;
      double h = (lambda[st->i1] - lambda[st->i0]) / (double)(nwin - 1);
      size_t m2 = (size_t)lround((hi - lo) / (6.0 * h));
      /* a band narrower than 12 samples is not smoothed: even 5 points
       * (±2h) would span more than ±0.39 sigma of it and widen it (an
       * undersampled line of 2-3 samples read 28 % wider) */
      if (m2 < 2) {
        m = 0;
        for (size_t i = 0; i < n; i++) ys[i] = yb[i];
        break;
      }
      if (m2 > mmax) m2 = mmax;
      if (m2 == m) break;
      m = m2;
    }
    st->smooth_half = m;
  } else {
    for (size_t i = 0; i < n; i++) ys[i] = yb[i];
  }
  gk_spectra_peak(lambda, ys, st->i0, st->i1, &st->i_max, &st->peak_nm, &st->peak);
  if (st->peak > 0.0) {
    st->fwhm_flags = gk_spectra_crossings(lambda, ys, st->i0, st->i1, st->i_max,
                                          0.5 * st->peak, &st->half_lo_nm, &st->half_hi_nm);
  } else {
    st->half_lo_nm = st->half_hi_nm = NAN;
    st->fwhm_flags = GK_FWHM_LEFT_OUTSIDE | GK_FWHM_RIGHT_OUTSIDE;
  }
  st->fwhm_nm = st->fwhm_flags ? NAN : st->half_hi_nm - st->half_lo_nm;
  free(yb);
  return GK_OK;
}

void gk_spectra_smooth(const double *lambda, const double *y, size_t i0, size_t i1, size_t m, double *out)
{
  for (size_t i = i0; i <= i1; i++) {
    size_t a = i >= i0 + m ? i - m : i0, b = i + m <= i1 ? i + m : i1;
    /* shrink to a symmetric window at the edges (the fit stays centred) */
    size_t h = i - a < b - i ? i - a : b - i;
    a = i - h;
    b = i + h;
    if (h == 0) {
      out[i] = y[i];
      continue;
    }
    /* quadratic least squares in u = lambda - lambda_i, value at u = 0;
     * normal equations in the moments of u (non-uniform grids too) */
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
    double scale = lambda[b] - lambda[a];
    for (size_t k = a; k <= b; k++) {
      double u = (lambda[k] - lambda[i]) / scale, u2 = u * u;
      s0 += 1; s1 += u; s2 += u2; s3 += u2 * u; s4 += u2 * u2;
      t0 += y[k]; t1 += u * y[k]; t2 += u2 * y[k];
    }
    if (h == 1) {
      /* three points: the parabola through them passes through y[i] */
      out[i] = y[i];
      continue;
    }
    /* c0 by Cramer's rule of [[s0 s1 s2][s1 s2 s3][s2 s3 s4]] c = t */
    double det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2);
    double d0 = t0 * (s2 * s4 - s3 * s3) - s1 * (t1 * s4 - s3 * t2) + s2 * (t1 * s3 - s2 * t2);
    out[i] = det != 0 ? d0 / det : y[i];
  }
}

double gk_spectra_value_at(const double *lambda, const double *y, size_t n, double wl)
{
  if (n == 0 || !(wl >= lambda[0] && wl <= lambda[n - 1])) return NAN;
  size_t lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (lambda[mid] <= wl) lo = mid;
    else hi = mid;
  }
  if (hi == lo) return y[lo];
  double t = (wl - lambda[lo]) / (lambda[hi] - lambda[lo]);
  return y[lo] + t * (y[hi] - y[lo]);
}
