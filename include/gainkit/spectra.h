/* gainkit/spectra.h — per-spectrum quantities of an emission spectrum.
 *
 * A spectrum is y[i] sampled at wavelengths lambda[i] (nm), strictly
 * increasing, not necessarily uniform. The steps (physics.md §3):
 *
 *   1. baseline: a constant removed from every sample (the mean of the
 *      first N samples of the whole spectrum, a fixed value, or none);
 *   2. window [lo, hi] nm: the samples with lo <= lambda <= hi; peak,
 *      integral and FWHM look only inside it;
 *   3. peak: the largest sample in the window, refined by the vertex of the
 *      parabola through it and its two neighbours (exact on a non-uniform
 *      grid); the vertex value is the peak intensity;
 *   4. integrated intensity: trapezoid rule on the actual grid, in
 *      (intensity unit) x nm;
 *   5. FWHM: walking out from the maximum on each side to the first sample
 *      at or below half the peak intensity, the crossing is found by linear
 *      interpolation between that sample and its inner neighbour. If a side
 *      reaches the window edge without falling to half maximum, the crossing
 *      lies outside the window: its flag is set and the FWHM is NaN (never
 *      an extrapolation that looks like a measurement).
 *
 * Accuracy on a uniform grid of step h (derived in docs/threshold.md and
 * checked by tests/unit/test_spectra.c): for a Gaussian of standard
 * deviation sigma the parabolic peak is off by at most h^3/(12 sqrt(3)
 * sigma^2) to leading order; the interpolated FWHM by at most
 * ~0.082 h^2/sigma.
 */
#ifndef GAINKIT_SPECTRA_H
#define GAINKIT_SPECTRA_H

#include <stddef.h>
#include "gainkit/error.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef enum {
  GK_BASELINE_NONE = 0,  /* no baseline removed */
  GK_BASELINE_FIRST_N,   /* mean of the first n samples of the spectrum */
  GK_BASELINE_VALUE,     /* a fixed value */
  GK_BASELINE_AUTO       /* the lower of the means of the first and the last
                            max(3, n/20) samples (emission-free ends) */
} gk_baseline_kind;

typedef struct gk_baseline {
  gk_baseline_kind kind;
  size_t n;              /* GK_BASELINE_FIRST_N */
  double value;          /* GK_BASELINE_VALUE */
} gk_baseline;

/* Flags of gk_spectrum_stats.fwhm_flags. */
enum {
  GK_FWHM_LEFT_OUTSIDE = 1,   /* short-wavelength crossing beyond the window */
  GK_FWHM_RIGHT_OUTSIDE = 2   /* long-wavelength crossing beyond the window  */
};

typedef struct gk_spectrum_options {
  gk_baseline baseline;
  int use_window;        /* 0: whole spectrum */
  double window_lo, window_hi;  /* nm */
  int smooth;            /* peak and FWHM from a Savitzky–Golay (local quadratic) smooth:
                            0 raw samples, m > 0 half-width m samples, -1 automatic
                            (half-width ~ FWHM/6, at most a quarter of the window) */
} gk_spectrum_options;

typedef struct gk_spectrum_stats {
  double baseline;       /* value subtracted */
  size_t i0, i1;         /* window: samples i0..i1 inclusive */
  size_t i_max;          /* largest sample in the window */
  double peak_nm;        /* refined peak wavelength */
  double peak;           /* refined peak intensity (baseline removed) */
  double integrated;     /* trapezoid over the window (baseline removed), unit x nm */
  double half_lo_nm, half_hi_nm;  /* half-maximum crossings (NaN if outside) */
  double fwhm_nm;        /* half_hi - half_lo, NaN if a crossing is outside */
  int fwhm_flags;        /* GK_FWHM_* */
  size_t smooth_half;    /* Savitzky–Golay half-width used (0: raw samples) */
} gk_spectrum_stats;

/* Savitzky–Golay smoothing of y over i0..i1 into out[i0..i1]: the value at
 * lambda_i of the least-squares quadratic through the samples within m of
 * i (the window shrinks symmetrically at the ends; any grid spacing). */
void gk_spectra_smooth(const double *lambda, const double *y, size_t i0, size_t i1, size_t m, double *out);

/* The baseline value for y[0..n-1]. GK_EUSAGE when n is 0 or larger than the
 * spectrum. */
int gk_spectra_baseline(const double *y, size_t n, const gk_baseline *b, double *out,
                        gk_error *err);

/* Indices i0..i1 (inclusive) of the samples inside [lo, hi]. GK_EUSAGE when
 * lo >= hi or fewer than 3 samples fall inside (the peak needs three). */
int gk_spectra_window(const double *lambda, size_t n, double lo, double hi, size_t *i0,
                      size_t *i1, gk_error *err);

/* Peak of y over i0..i1: index of the largest sample, and the vertex of the
 * parabola through it and its neighbours (when the maximum sits on the
 * window edge, the sample itself). */
void gk_spectra_peak(const double *lambda, const double *y, size_t i0, size_t i1,
                     size_t *i_max, double *peak_nm, double *peak);

/* Trapezoid integral of y over lambda[i0..i1]. */
double gk_spectra_trapz(const double *lambda, const double *y, size_t i0, size_t i1);

/* Crossings of level `half` on both sides of i_max within i0..i1, by linear
 * interpolation; returns GK_FWHM_* flags (0 when both were found). A missing
 * crossing is NaN. */
int gk_spectra_crossings(const double *lambda, const double *y, size_t i0, size_t i1,
                         size_t i_max, double half, double *lo_nm, double *hi_nm);

/* y at wavelength wl by linear interpolation (lambda increasing); NaN
 * outside [lambda[0], lambda[n-1]]. */
double gk_spectra_value_at(const double *lambda, const double *y, size_t n, double wl);

/* All of the above for one spectrum. lambda must be strictly increasing
 * (GK_EINPUT otherwise), n >= 3. y may be any sign after the baseline; a
 * peak <= 0 leaves the FWHM undefined (NaN, both flags set). */
int gk_spectrum_analyse(const double *lambda, const double *y, size_t n,
                        const gk_spectrum_options *opt, gk_spectrum_stats *st, gk_error *err);

/* Intensity-weighted mean wavelength over lambda[i0..i1] (trapezoid rule
 * for the integrals of (y - baseline) * lambda and of y - baseline), nm;
 * NaN when the integral of y - baseline is not positive. */
double gk_spectra_centroid(const double *lambda, const double *y, size_t i0, size_t i1,
                           double baseline);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
