/* cli/emit_tamap.h — output of `gainkit tamap` (text, JSON, CSV, figures),
 * kept apart from the command's options, map preparation and fit calls
 * (cli/cmd_tamap.c; the preparation is gk_tamap_prepare, gainkit/tamap.h).
 * Internal to the CLI. Each emit_* writes the result and returns the exit
 * status; the caller frees its data. */
#ifndef GK_CLI_EMIT_TAMAP_H
#define GK_CLI_EMIT_TAMAP_H

#include "cli.h"
#include "qopt.h"
#include "gainkit/ta.h"
#include "gainkit/tamap.h"

/* shared by the subcommands */
void tamap_json_chirp(cJSON *j, const gk_tamap_chirp *ch);
void tamap_text_chirp(cli_buf *b, const gk_tamap_chirp *ch);
/* image panel of a map (symlog colour scale), delay on x, wavelength on y */
void tamap_map_panel(gk_panel *p, const gk_tamap *m, const double *z, const char *title);
/* A fitted value, or "not determined" when it is free and its standard
 * error is not finite (singular covariance) or, for a positive quantity
 * (positive != 0), not smaller than the value. */
int tamap_not_determined(double v, double se, int positive);
/* One value line: "(fixed)", "not determined by the data" (counted in
 * *undetermined), or value +- se. */
void tamap_pval(cli_buf *b, const char *name, double v, double se, int fixed, int positive, const char *unit,
                int *undetermined);

int emit_tamap_svd(cli_common *c, const char *path, const gk_tamap *m, const gk_tamap_chirp *ch, int hc,
                   const gk_tamap_svd *s);
/* on: the half-rise onsets (gk_tamap_onsets), one per wavelength */
int emit_tamap_chirp(cli_common *c, const char *path, const gk_tamap *m, const gk_tamap_chirp *ch, const double *on);

typedef struct tamap_fit_view {
  char **files;
  size_t nsets;
  const gk_tamap_prepared *p;      /* nsets maps (gk_tamap_prepare) */
  const gk_tamap_scheme *s;
  const gk_tamap_global_options *o;
  const gk_tamap_global_result *res;
  int target, parallel;            /* --scheme; --das (else --sequential) */
  int refit;                       /* artefact-window passes after the first fit */
  double exclude;                  /* artefact half-width, s */
} tamap_fit_view;
int emit_tamap_fit(cli_common *c, const tamap_fit_view *v);

typedef struct tamap_sigma_view {
  const char *path;                /* the FILE, or the first map */
  char **files;                    /* maps (with maps) */
  int maps;                        /* 1: signals from maps */
  const double *fx, *fy;           /* n fluences (J/cm2) and signals */
  size_t n;
  const double *win, *band;        /* delay window (s), band (nm; NaN = all) */
  int flipped;                     /* signal = -dA */
  double hnu;                      /* eV */
  const char *y_unit;
  const gk_tamap_sigma_fit *f;
} tamap_sigma_view;
int emit_tamap_sigma(cli_common *c, const tamap_sigma_view *v);

typedef struct tamap_gain_view {
  char **files;
  size_t nsets;
  const double *nmean;
  int n_mean_given;                /* --n-mean (else from fluences) */
  const double *win;               /* delays used: [lo, hi] (lo == hi: one delay), s */
  double thick;                    /* cm; 0 = none */
  int gfit;                        /* --gain-fit */
  const gk_tamap_gain_result *r;
  size_t ip;                       /* --gain-fit: wavelength index, (size_t)-1 none */
  const gk_ta_gain_curve *gc;      /* its fit, valid when gc_ok */
  int gc_ok;
  const char *gc_msg;              /* why the fit failed (gc_ok 0, ip valid) */
} tamap_gain_view;
int emit_tamap_gain(cli_common *c, const tamap_gain_view *v);

#endif
