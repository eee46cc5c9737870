/* gainkit/threshold.h — ASE threshold from a pump series (docs/physics.md §3).
 *
 * Three definitions, each on the points (pump_i, value_i), i = 0..n-1, in
 * any order (they are sorted by pump internally); n >= 6 for every method
 * (GK_EINPUT otherwise). Pump values keep the caller's unit; the threshold
 * is returned in the same unit.
 *
 * kink   y = log10(intensity), x = log10(pump):
 *        y = a + b1·min(x − xb, 0) + b2·max(x − xb, 0)
 *        least squares over a, b1, b2, xb. For fixed xb the model is linear,
 *        so a profile search over xb between the second and the
 *        second-to-last sorted x (every interval between data points
 *        subdivided) finds the global minimum; gk_fit then refines all four
 *        parameters from there and gives the covariance.
 *        threshold = 10^xb, stderr = ln(10)·10^xb·se(xb) (delta method).
 * lines  linear scale: every split of the sorted points into a lower set
 *        and an upper set with >= 3 points each; an ordinary least-squares
 *        line through each; the split with the smallest total squared error
 *        wins; threshold = pump where its two lines intersect.
 * fwhm   w(x) = w_hi + (w_lo − w_hi)/(1 + exp((x − x0)/s)), x = log10(pump),
 *        fitted by gk_fit (s > 0); threshold = 10^x0, stderr by the delta
 *        method.
 *
 * A fit that does not converge still fills its result (converged = 0) and
 * returns GK_OK; so does one whose threshold is not determined by the data
 * (cov_ok = 0, stderr NaN: a straight power law has no break, a flat FWHM
 * no step). The caller reports both.
 */
#ifndef GAINKIT_THRESHOLD_H
#define GAINKIT_THRESHOLD_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/data.h"
#include "gainkit/spectra.h"
#include "gainkit/io.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

#define GK_THRESHOLD_MIN_POINTS 6

enum { GK_KINK_A = 0, GK_KINK_B1, GK_KINK_B2, GK_KINK_XB, GK_KINK_NP };

typedef struct gk_threshold_kink {
  double p[GK_KINK_NP];   /* a, b1 (slope below), b2 (slope above), xb */
  double se[GK_KINK_NP];
  double value, stderr_;  /* threshold 10^xb and its standard error (pump unit) */
  double sse;             /* residual sum of squares in log10 units */
  int converged;
  int cov_ok;             /* 0: covariance singular (e.g. equal slopes: no break), se NaN */
  int no_threshold;       /* 1: slope above the break not steeper than below (b2 <= b1) */
  size_t n_used;          /* points fitted (fewer than n when a saturation was cut off) */
  double saturation;      /* pump where the slope falls again (NaN: none found) */
  double slope_saturated; /* log-log slope above it */
  char reason[200];
} gk_threshold_kink;

typedef struct gk_threshold_lines {
  double value;           /* pump at the intersection */
  size_t n_below;         /* points in the lower set */
  double c_lo, m_lo;      /* lower line: intensity = c_lo + m_lo·pump */
  double c_hi, m_hi;      /* upper line */
  double axis;            /* pump where the upper line reaches zero output (NaN if m_hi <= 0) */
  double sse;             /* total squared error of the winning split */
} gk_threshold_lines;

enum { GK_LOGI_WLO = 0, GK_LOGI_WHI, GK_LOGI_X0, GK_LOGI_S, GK_LOGI_NP };

typedef struct gk_threshold_fwhm {
  double p[GK_LOGI_NP];   /* w_lo, w_hi (nm), x0 (log10 pump), s (decades) */
  double se[GK_LOGI_NP];
  double value, stderr_;  /* 10^x0 and its standard error (pump unit) */
  double sse;
  int converged;
  int cov_ok;             /* 0: covariance singular (e.g. no step), se NaN */
  int unresolved;         /* 1: s at its lower bound (median log10 pump spacing / 8): the
                             step is sharper than the sampling; stderr_ is then at least
                             the width of the pump interval holding x0 over sqrt(12) */
  char reason[160];
} gk_threshold_fwhm;

/* pump > 0 and intensity > 0 (logarithms); GK_EINPUT names the index. */
int gk_threshold_kink_fit(const double *pump, const double *intensity, size_t n,
                          gk_threshold_kink *res, gk_error *err);
/* The profile search that seeds the kink fit, on x = log10(pump) sorted
 * ascending and y = log10(intensity): the best break on a grid of 40 steps
 * per interval between x[1] and x[n-2], the fit (a, b1, b2) linear for each
 * break; start = (a, b1, b2, xb), sse its residual sum of squares. O(n)
 * (running sums); exposed for tests against a brute-force search. */
int gk_threshold_kink_search(const double *x, const double *y, size_t n, double start[GK_KINK_NP],
                             double *sse, gk_error *err);
/* Saturation of an S-curve: on x = log10(pump) sorted, y = log10(I), the
 * continuous three-segment line (slopes b1, b2, b3, breaks x1 < x2) is
 * searched over breaks at interval midpoints (at most 160 intervals per
 * axis, O(n + 160²) by running sums) and compared with the best single
 * break by an F-test (2 and n − 6 degrees of freedom). When p <
 * GK_SATURATION_P, b2 > b1 and b3 < b2 − (b2 − b1)/4 the points above x2
 * are saturation: n_keep = points up to x2, else n. x1, x2, slopes and p
 * are filled when n >= 10 (NaN otherwise). */
#define GK_SATURATION_P 1e-4
int gk_threshold_saturation(const double *x, const double *y, size_t n, double *x1, double *x2,
                            double slopes[3], double *p_value, size_t *n_keep, gk_error *err);
/* GK_ENOCONV when the winning lines are parallel (no intersection) or the
 * upper line is not steeper than the lower one (value NaN). */
int gk_threshold_lines_fit(const double *pump, const double *intensity, size_t n,
                           gk_threshold_lines *res, gk_error *err);
/* pump > 0, fwhm finite and > 0. */
int gk_threshold_fwhm_fit(const double *pump, const double *fwhm, size_t n,
                          gk_threshold_fwhm *res, gk_error *err);

/* The fitted curves, for plots: kink model intensity at pump, logistic FWHM
 * at pump. */
double gk_threshold_kink_eval(const gk_threshold_kink *k, double pump);
double gk_threshold_fwhm_eval(const gk_threshold_fwhm *f, double pump);

/* ---- input preparation: a pump series as the methods see it ------------- */

/* The series, sorted by increasing pump. From a table (pump, intensity,
 * optional FWHM nm) or from a matrix of spectra (each spectrum analysed by
 * gk_spectrum_analyse: integrated intensity, peak, FWHM, baseline). */
typedef struct gk_threshold_series {
  size_t n;
  double *pump, *intensity, *peak_nm, *peak, *fwhm;  /* peak_nm/peak NaN for tables */
  int *flags;            /* GK_FWHM_* per spectrum (0 for tables) */
  double *baseline;      /* spectra: the baseline subtracted from each */
  long *line;            /* source line (tables), 0 for spectra */
  int has_fwhm, spectra;
  char pump_unit[32];    /* as in the file ("" none, "a.u." allowed) */
  char int_label[64];    /* "intensity (counts)", "integrated intensity (a.u.)" */
  size_t nwl;            /* spectra: wavelengths */
  double *wl, *norm;     /* spectra: nwl wavelengths (increasing), n x nwl
                            spectra normalised (baseline removed, peak 1) */
  size_t n_total, n_out; /* after gk_threshold_series_restrict: before, and left out */
  double range_lo, range_hi;
} gk_threshold_series;

/* A pump unit must be a fluence, intensity, energy, power or current
 * density, or an arbitrary unit ("a.u."): "pump (ns)" is a mislabelled
 * column. GK_EINPUT at path:line otherwise. */
int gk_threshold_check_pump_unit(const char *path, long line, const char *unit, gk_error *err);
/* A table: 2 or 3 columns (pump, intensity[, FWHM nm]). Checks: the
 * column count (header line), the pump unit, pumps > 0 and FWHM > 0
 * (file:line). */
int gk_threshold_prepare_table(const gk_table *t, gk_threshold_series *s, gk_error *err);
/* A matrix of spectra (rows wavelengths, columns pumps; any orientation
 * already resolved by the reader). so: baseline, window, smoothing of
 * gk_spectrum_analyse. Checks: the pump unit, pumps > 0, each spectrum
 * analysable (file, "spectrum at pump P: ..."). */
int gk_threshold_prepare_matrix(const gk_matrix *m, const gk_spectrum_options *so, gk_threshold_series *s,
                                gk_error *err);
/* Keep lo <= pump <= hi (in the series' pump unit); records n_total,
 * n_out, range_lo, range_hi. */
void gk_threshold_series_restrict(gk_threshold_series *s, double lo, double hi);
void gk_threshold_series_free(gk_threshold_series *s);

/* ---- options, selection and the methods on a prepared series ----------- */

/* Methods (bits of gk_threshold_options.methods). */
enum {
  GK_THRESHOLD_KINK = 1, GK_THRESHOLD_LINES = 2, GK_THRESHOLD_FWHM = 4, GK_THRESHOLD_PEAK = 8,
  GK_THRESHOLD_ALL = 15,
  GK_THRESHOLD_DEFAULT = GK_THRESHOLD_KINK | GK_THRESHOLD_FWHM | GK_THRESHOLD_PEAK
};

/* What to analyse. Errors name these fields (gk_error.option, or the field
 * in backquotes in the message), never a command-line flag. */
typedef struct gk_threshold_options {
  int methods;            /* GK_THRESHOLD_* bits; 0 = GK_THRESHOLD_DEFAULT */
  const char *range;      /* "P1:P2": keep P1 <= pump <= P2; NULL = every pump */
  const char *max_pump;   /* "P": keep pump <= P; NULL = no limit; not with range */
  const char *path;       /* the input's name, for "FILE:LINE: ..." messages */
} gk_threshold_options;

/* "kink", "lines", "fwhm", "peak", "default", "all" or a comma-separated
 * list of them into GK_THRESHOLD_* bits. GK_EUSAGE naming `methods`. */
int gk_threshold_methods_parse(const char *text, int *methods, gk_error *err);

/* Restrict the series to o->range or o->max_pump (gk_threshold_series_restrict;
 * nothing when both are NULL). A bare number is in the series' pump unit; a
 * number with a unit ("0.1mJ/cm2") is converted to it when the pump unit is
 * physical (a.u.: no suffix). Errors name `range` or `max_pump`: GK_EUSAGE
 * when the text is not a range or the range is empty (P1 >= P2), GK_EINPUT
 * when a value is not a pump in that unit. */
int gk_threshold_select(gk_threshold_series *s, const gk_threshold_options *o, gk_error *err);

/* The outcome of every method run (docs/threshold.md). A method's *_rc is
 * GK_OK or GK_ENOCONV (its result filled, converged = 0 / not determined). */
typedef struct gk_threshold_results {
  int run_kink, run_lines, run_fwhm, run_peak;
  int kink_rc, lines_rc, fwhm_rc, peak_rc;
  gk_threshold_kink kink;
  gk_threshold_lines lines;
  gk_threshold_fwhm fwhm;
  gk_threshold_kink peak;  /* kink of the intensity at the ASE peak wavelength */
  double peak_wl;          /* that wavelength (nm): the peak of the highest-pump spectrum */
  size_t n_peak;           /* spectra with a positive intensity there */
  double *peak_int;        /* intensity at peak_wl per spectrum (NaN: left out); malloc'd */
  size_t n_fwhm;           /* points used by the fwhm method */
  size_t n_kink;           /* points given to the kink method */
  char lines_reason[512];  /* why lines found no threshold (GK_ENOCONV); the size of gk_error.msg */
} gk_threshold_results;

/* Run o->methods on the prepared series: kink (intensities must be > 0),
 * lines, fwhm on the finite widths (a method named alone needs its data:
 * GK_EINPUT), peak (series from spectra: the kink method on the intensity
 * at the ASE peak of the highest-pump spectrum; Milanese et al., Adv. Opt.
 * Mater. 2024, section 2.2). What was left out or skipped, and why lines
 * found no threshold, go to notes (may be NULL). Errors name o->path
 * (and the line for tables). r->peak_int is malloc'd even on error:
 * gk_threshold_results_free. */
int gk_threshold_run(const gk_threshold_series *s, const gk_threshold_options *o, gk_threshold_results *r,
                     gk_notes *notes, gk_error *err);
void gk_threshold_results_free(gk_threshold_results *r);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
