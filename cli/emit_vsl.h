/* cli/emit_vsl.h — output of `gainkit vsl` (text, JSON, CSV, figures),
 * kept apart from the command's options and data preparation
 * (cli/cmd_vsl.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_VSL_H
#define GK_CLI_EMIT_VSL_H

#include "cli.h"
#include "gainkit/vsl.h"

typedef struct vsl_opts {
  cli_common c;
  int model;              /* -1: all */
  const char *range;      /* LMIN:LMAX in the input's length unit */
  const char *weights;    /* NULL: sigma if there is a sigma column, else none */
  const char *length_unit;
  const char *matrix;
  const char *file;
  /* several FILEs (a fluence series of scans): each result is collected
   * here instead of emitted, with the net gain of the chosen model */
  cJSON *series;
  cli_buf *series_text;
  double g, g_se;
  const char *g_model;
  int window_scan;
  int offset;
} vsl_opts;

/* --window-scan: g versus the longest stripe length used; emits. */
int vsl_emit_window_scan(vsl_opts *o, const gk_vsl_data *d, const char *yunit);
/* One data set fitted (have[m]: model m was fitted): emits, or adds to
 * o->series; returns the exit status. */
int vsl_emit_columns(vsl_opts *o, const gk_columns *col, const gk_vsl_data *d, gk_vsl_fit *fits, const int *have,
                     gk_weighting w);
/* The gain spectrum of --matrix (rec: per-wavelength recommendation with
 * --model all; gsel/sesel: work arrays of mx->nrow); emits. */
int vsl_emit_spectrum(vsl_opts *o, const gk_matrix *mx, const double *L, size_t nL, gk_vsl_spectrum *spec,
                      const int *rec, double *gsel, double *sesel, gk_weighting w);
/* Several FILEs: the table of the net gain per file, after the results
 * collected in arr (taken over) and their text; emits. */
int vsl_emit_series(vsl_opts *o, char **files, size_t n, cJSON *arr, const cli_buf *text, const double *g,
                    const double *se, const char **model, const int *conv, int rc);

#endif
