/* cli/emit_carriers.h — output of `gainkit carriers` subcommands (text,
 * JSON, CSV, figures), kept apart from their options and library calls
 * (cli/cmd_carriers.c). Internal to the CLI. Each returns the exit status. */
#ifndef GK_CLI_EMIT_CARRIERS_H
#define GK_CLI_EMIT_CARRIERS_H

#include "cli.h"
#include "qopt.h"
#include "gainkit/carriers.h"

/* has_d: PLQY at one density dens; x, y (n; NULL: no sweep) the sweep;
 * k3r: the map's k3 axis (k3r[0] <= 0: k3/100..k3*100). */
int carriers_emit_plqy(cli_common *c, const gk_abc *k, int has_d, double dens, const double *x, const double *y,
                       size_t n, const double *k3r);
/* The deposited density, then either the peak-N sweep (w, pk, n_sw) or one run. */
int carriers_emit_pulse_sweep(cli_common *c, double n0, const double *w, const double *pk, size_t n_sw);
int carriers_emit_pulse(cli_common *c, double n0, double fwhm, const gk_pulse_result *pr);
int carriers_emit_threshold(cli_common *c, double nth, double j);
/* The fit of file (densities n, gain g, len points). */
int carriers_emit_gain_fit(cli_common *c, const char *file, double gamma, const double *n, const double *g, size_t len,
                           const gk_gain_fit *f, double n_mott);
int carriers_emit_mott(cli_common *c, double temp, double ab, double eb, double nm);

#endif
