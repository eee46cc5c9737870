/* cli/emit_threshold.h — output of `gainkit threshold` (text, JSON, CSV,
 * figure), kept apart from the command's options, input and method calls
 * (cli/cmd_threshold.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_THRESHOLD_H
#define GK_CLI_EMIT_THRESHOLD_H

#include "cli.h"
#include "gainkit/spectra.h"
#include "gainkit/threshold.h"

/* The pump series, sorted by pump, as the methods and outputs see it
 * (gk_threshold_series: the library prepares it). */
typedef gk_threshold_series series;
#define series_free gk_threshold_series_free

/* The pump range actually analysed (--range, --max-pump). */
typedef struct prange { double lo, hi; size_t n_total, n_out; } prange;

/* What the methods gave (gk_threshold_run: the library runs them). */
typedef gk_threshold_results results;

/* Warnings (flagged spectra, failed methods), figure, JSON, text and CSV of
 * one analysis; frees r->peak_int and s. Returns the exit status. */
int thr_emit(cli_common *c, const char *path, series *s, results *r, const prange *pr, const gk_spectrum_options *so);

#endif
