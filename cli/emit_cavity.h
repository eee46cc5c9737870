/* cli/emit_cavity.h — output of `gainkit cavity` (text, JSON, CSV,
 * figure), kept apart from the command's options and calls
 * (cli/cmd_cavity.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_CAVITY_H
#define GK_CLI_EMIT_CAVITY_H

#include "cli.h"
#include "gainkit/cavity.h"
#include "gainkit/io.h"

/* The resonator, for the free spectral range: group index and a
 * Fabry-Perot length or a ring radius (nm). */
typedef struct cavity_resonator { double ng, len, rad; int has_l, has_r; } cavity_resonator;

/* The line L fitted to the n points of s's first spectrum from index a. */
int cavity_emit_fit(cli_common *c, const char *path, const gk_specset *s, size_t a, size_t n,
                    const gk_cavity_line_options *o, const cavity_resonator *res, const gk_cavity_line *L);
/* Q and tau_p of a line at wl of measured FWHM lw (instrument iw, Gaussian
 * or not) whose Lorentzian width is w. */
int cavity_emit_width(cli_common *c, double wl, double lw, double iw, int gauss, double w, const cavity_resonator *res);
/* J_th(b)/J_th(a) = rr of designs A and B (V, PLQY, Q_em, tau_p). */
int cavity_emit_jth(cli_common *c, const double *A, const double *B, double rr);

#endif
