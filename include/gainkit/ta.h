/* gainkit/ta.h — optical gain from transient absorption (TA).
 *
 * A TA experiment gives the ground-state absorption alpha0(lambda) and the
 * pump-induced change Delta alpha(lambda; <N>, delay). Gain is where the
 * pumped absorption alpha0 + Delta alpha is negative [Ahn et al., Chem. Rev. 2023, §3.1.2]; at the
 * probe wavelength the normalised bleach -Delta alpha/alpha0 crosses 1 at
 * the gain threshold <N_th> [Qin et al., Nano Lett. 2021, Fig. 3c]. Absorbances are optical
 * densities (any consistent unit: only ratios and signs matter);
 * wavelengths nm, delays s, <N> excitons per nanocrystal.
 * See docs/ta.md for the methods.
 */
#ifndef GAINKIT_TA_H
#define GAINKIT_TA_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/fit.h"
#include "gainkit/io.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef struct gk_ta_set {
  size_t nwl, npump, ndelay;
  const double *wl;       /* nwl wavelengths, nm, strictly monotonic */
  const double *alpha0;   /* nwl ground-state absorbance on the same grid */
  const double *n_mean;   /* npump <N>, strictly increasing */
  const double *delay;    /* ndelay delays (s), strictly increasing; NULL if ndelay == 1 */
  const double *dod;      /* Delta alpha, dod[(d*nwl + i)*npump + j] */
} gk_ta_set;

/* <N> = sigma j_p: absorption cross-section (cm^2) times photon fluence
 * (photons cm^-2). */
double gk_ta_n_mean(double sigma_cm2, double photon_fluence_cm2);
/* Photon fluence (cm^-2) of an energy fluence (J/cm^2) at photon energy eV. */
double gk_ta_photon_fluence(double fluence_j_cm2, double photon_ev);

/* alpha0 sampled at wl[0..n-1] by linear interpolation (GSL) of the ground
 * spectrum (wl0 strictly increasing); GK_EINPUT naming the first wavelength
 * outside the ground spectrum. */
int gk_ta_resample(const double *wl0, const double *a0, size_t n0, const double *wl, size_t n,
                   double *out, gk_error *err);

/* First upward crossing of `level` by y(x) (x increasing): linear
 * interpolation between the bracketing points; uncertainty from the
 * neighbouring points: a least-squares line through the up to four points
 * around the crossing (two each side) gives a second estimate x_line with
 * a delta-method error s_line from the line's scatter, and
 *     se = sqrt(s_line^2 + (x_line - x_interp)^2)
 * (scatter plus curvature). Returns 1 when found, 0 when y never crosses
 * (value NaN); se is NaN with fewer than three points. */
int gk_ta_crossing(const double *x, const double *y, size_t n, double level, double *value,
                   double *se);

/* Total wavelength width (nm) where v(lambda) < 0, zero crossings linearly
 * interpolated; separate bands add. */
double gk_ta_negative_width(const double *wl, const double *v, size_t n);

/* Which alpha0 the data and the gain-curve fit refer to:
 *   OWN      the sample's own pump-off absorption (what a TA experiment
 *            measures Delta alpha against; for a charged sample already
 *            bleached by its n_e extra electrons): -Delta alpha/alpha0 =
 *            1 - a(<N>)/a(0), zero at <N> = 0 (the default);
 *   NEUTRAL  the neutral, unexcited film (Delta alpha also against it, e.g.
 *            electrochemical charging measured in the same difference):
 *            -Delta alpha/alpha0 = 1 - a(<N>), n_e/g already at <N> = 0.
 * The threshold crossing of -Delta alpha/alpha0 = 1 (alpha0 + Delta alpha =
 * 0) holds in either, since it only needs Delta alpha and alpha0 to refer
 * to the same state. */
typedef enum { GK_TA_ALPHA0_OWN = 0, GK_TA_ALPHA0_NEUTRAL = 1 } gk_ta_alpha0;
/* Probe shift (nm) of the sensitivity report (or one grid step if coarser). */
#define GK_TA_PROBE_SHIFT_NM 2.0
typedef struct gk_ta_options {
  double probe_nm;        /* probe wavelength; NaN = window or automatic (band-edge bleach
                             maximum: largest mean -Delta alpha/alpha0 over all pumps and
                             delays, alpha0 > 2 % of its maximum) */
  gk_ta_alpha0 alpha0_ref;    /* see above */
  double win_lo, win_hi;  /* window (nm) averaged instead of one wavelength; NaN = none */
  size_t delay_index;     /* delay analysed for threshold and spectra */
  /* optional fit of the Poisson gain curve -Delta alpha/alpha0 = 1 - a(<N>)
   * with a from the nanocrystal model (gainkit/nc.h), g_e = g_h = g */
  int gain_fit;
  /* the fit's bounds: GK_TA_DEGENERACY_MIN <= g <= GK_TA_DEGENERACY_MAX,
   * 0 <= n_e <= GK_TA_CHARGING_MAX */
#define GK_TA_DEGENERACY_MIN 0.5
#define GK_TA_DEGENERACY_MAX 50.0
#define GK_TA_CHARGING_MAX 50.0
  double degeneracy;      /* g (start or fixed) */
  int fit_degeneracy;     /* 1: g free */
  double ne;              /* extra electrons per NC (start or fixed) */
  int fit_ne;             /* 1: n_e free (charging) */
  int ne_poisson;         /* n_e Poisson-distributed with mean ne */
  gk_fit_options fit;
} gk_ta_options;

void gk_ta_options_default(gk_ta_options *o);

typedef struct gk_ta_result {
  double probe_nm;        /* probe used (window centre for a window) */
  int window, probe_auto; /* window used; probe chosen automatically */
  double win_lo, win_hi;
  size_t npump, nwl, ndelay, delay_index;
  double alpha0_probe;    /* alpha0 at the probe (window mean) */
  double *pumped;         /* npump: alpha0 + Delta alpha at the probe, analysed delay */
  double *normalized;     /* npump: -Delta alpha / alpha0 */
  double threshold, threshold_se;
  int threshold_found;
  /* sensitivity: thresholds with the probe at probe_nm -/+ shift (NaN
   * where outside the data or not crossing; not with a window) */
  double sens_nm[2], sens_threshold[2];
  /* gain-curve fit */
  int fit_done, fit_converged;
  double g, g_se, ne, ne_se, fit_threshold, fit_threshold_se, fit_chi2_red;
  double *fit_curve;      /* npump model values (NULL without fit) */
  char fit_reason[160];
  /* spectra at the analysed delay */
  double *gain;           /* nwl*npump: -(alpha0 + Delta alpha) where positive, else 0 */
  double *bandwidth;      /* npump gain bandwidth (nm) */
  double gain_bandwidth_nm;   /* at the highest <N> */
  /* per delay */
  double *pumped_t;       /* ndelay*npump: alpha0 + Delta alpha at the probe */
  double *threshold_t, *threshold_t_se;  /* ndelay */
  double *gain_lifetime;  /* npump: delay at which the probe leaves gain (s); NaN never in gain */
  int *lifetime_censored; /* npump: 1 if still in gain at the last delay (lower bound) */
} gk_ta_result;

int gk_ta_analyze(const gk_ta_set *s, const gk_ta_options *o, gk_ta_result *r, gk_error *err);

/* ---- reading a data set ----
 * What gk_ta_analyze needs, read from files: the ground-state spectrum
 * (wavelength, absorbance; any order, resampled onto the matrices'
 * wavelengths), and either ndelta Delta OD matrices (one per delay, first
 * row the pump columns, first column wavelength; all with the same grid)
 * or one long-format table (gk_long_read). */
#define GK_TA_MAX_DELTA 64
typedef struct gk_ta_inputs {
  const char *ground;              /* ground-state absorption file (required) */
  const char *const *delta;        /* ndelta Delta OD matrix files ... */
  size_t ndelta;
  const char *long_path;           /* ... or one long-format table (then ndelta = 0) */
  const double *delays;            /* ndelays delays (s) of the delta files, in order; NULL: their
                                      '# delay:' metadata */
  size_t ndelays;
  const char *delay_unit;          /* unit of bare delays (metadata, the long table's column); NULL: refused */
  /* <N> of the pump columns: n_mean given; or cross_section (cm^2) times the
   * photon fluence (photon_fluence given, or the columns' fluence unit; an
   * energy fluence needs pump_wavelength, nm); else the columns as read
   * (must be dimensionless) */
  double cross_section;            /* NaN: none */
  const double *photon_fluence;    /* nphoton_fluence values (cm^-2), or NULL */
  size_t nphoton_fluence;
  double pump_wavelength;          /* nm; NaN: none */
  const double *n_mean;            /* nn_mean values, or NULL */
  size_t nn_mean;
  double delay;                    /* s: the delay analysed is the one nearest; NaN: the first */
} gk_ta_inputs;
void gk_ta_inputs_default(gk_ta_inputs *in);

/* The assembled set; owns its arrays. */
typedef struct gk_ta_prepared {
  gk_ta_set set;                   /* points into the arrays below */
  double *wl, *alpha0, *n_mean, *dod;
  double *delay;                   /* ndelay delays (s; NaN where a single file names none) */
  size_t delay_index;              /* nearest to gk_ta_inputs.delay (0 without) */
  char path[512];                  /* the first matrix (or long) file: where data errors point */
  gk_notes notes;                  /* delays read from a file outside 1 fs .. 1 s (gk_plausible_column) */
} gk_ta_prepared;

/* Read and assemble the set. Errors: the readers' (FILE:LINE), matrices
 * whose grids differ, a ground spectrum not covering the wavelengths, a
 * pump unit that cannot become <N>, a bare '# delay:' number without
 * delay_unit; GK_EUSAGE naming the field (n_mean, photon_fluence, delay:
 * count mismatches, an energy fluence without pump_wavelength, a delay
 * asked of data without delays). Free p with gk_ta_prepared_free, also
 * after an error. */
int gk_ta_prepare(const gk_ta_inputs *in, gk_ta_prepared *p, gk_error *err);
void gk_ta_prepared_free(gk_ta_prepared *p);

/* The Poisson gain-curve fit on its own: -Delta alpha/alpha0 = y[k] at
 * <N> = n_mean[k] (np points) against 1 - a(<N>)[/a(0)] of the nanocrystal
 * model (gainkit/nc.h: Poisson occupancy of a g-fold degenerate band edge,
 * g_e = g_h = g, n_e extra electrons), with o's degeneracy, fit_degeneracy,
 * ne, fit_ne, ne_poisson, alpha0_ref and fit. gk_ta_analyze uses it at its
 * probe; gainkit tamap gain at a wavelength of a series of maps. */
typedef struct gk_ta_gain_curve {
  double g, g_se, ne, ne_se;
  double threshold, threshold_se;   /* <N> where the model's -Delta alpha/alpha0 = 1; NaN: never */
  double chi2_red;
  int converged;                    /* fit converged and a threshold exists */
  double *curve;                    /* np model values */
  char reason[160];
} gk_ta_gain_curve;
int gk_ta_gain_curve_fit(const double *n_mean, const double *y, size_t np, const gk_ta_options *o,
                         gk_ta_gain_curve *gc, gk_error *err);
void gk_ta_gain_curve_free(gk_ta_gain_curve *gc);
void gk_ta_result_free(gk_ta_result *r);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
