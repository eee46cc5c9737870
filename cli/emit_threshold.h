/* cli/emit_threshold.h — output of `gainkit threshold` (text, JSON, CSV,
 * figure), kept apart from the command's options, input and method calls
 * (cli/cmd_threshold.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_THRESHOLD_H
#define GK_CLI_EMIT_THRESHOLD_H

#include "cli.h"
#include "gainkit/spectra.h"
#include "gainkit/threshold.h"

enum { M_KINK = 1, M_LINES = 2, M_FWHM = 4, M_PEAK = 8, M_ALL = 15, M_DEFAULT = M_KINK | M_FWHM | M_PEAK };

/* The pump series, sorted by pump, as the methods and outputs see it
 * (gk_threshold_series: the library prepares it). */
typedef gk_threshold_series series;
#define series_free gk_threshold_series_free

/* The pump range actually analysed (--range, --max-pump). */
typedef struct prange { double lo, hi; size_t n_total, n_out; } prange;

typedef struct results {
  int run_kink, run_lines, run_fwhm, run_peak;
  int kink_rc, lines_rc, fwhm_rc, peak_rc;
  gk_threshold_kink kink;
  gk_threshold_lines lines;
  gk_threshold_fwhm fwhm;
  gk_threshold_kink peak;  /* kink of the intensity at the ASE peak wavelength */
  double peak_wl;          /* that wavelength (nm): the peak of the highest-pump spectrum */
  size_t n_peak;           /* spectra with a positive intensity there */
  double *peak_int;        /* intensity at peak_wl per spectrum (NaN: left out) */
  size_t n_fwhm;         /* points used by the fwhm method */
  size_t n_kink;         /* points given to the kink method */
  char lines_reason[sizeof ((gk_error *)0)->msg]; /* why lines found no threshold (GK_ENOCONV) */
} results;

/* Warnings (flagged spectra, failed methods), figure, JSON, text and CSV of
 * one analysis; frees r->peak_int and s. Returns the exit status. */
int thr_emit(cli_common *c, const char *path, series *s, results *r, const prange *pr, const gk_spectrum_options *so);

#endif
