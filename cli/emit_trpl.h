/* cli/emit_trpl.h — output of `gainkit trpl` (text, JSON, CSV, figures),
 * kept apart from the command's options and calls (cli/cmd_trpl.c).
 * Internal to the CLI. */
#ifndef GK_CLI_EMIT_TRPL_H
#define GK_CLI_EMIT_TRPL_H

#include "cli.h"
#include "gainkit/trpl.h"

/* The degree of charging ch from the neutral/charged decays of tb (tail:
 * the tail window, s). Returns the exit status. */
int trpl_emit_charging(cli_common *c, const char *path, const double *tail, const gk_trpl_table *tb,
                       const gk_trpl_charging *ch);
/* The global fit r of the decays tb at densities n0 (options o, measured
 * IRF file irf_s or NULL), with the 1/e lifetimes taus and the density of
 * the longest one npeak when have_tau. Returns the exit status. */
int trpl_emit_fit(cli_common *c, const char *path, const char *irf_s, const gk_trpl_table *tb, const double *n0,
                  const gk_trpl_options *o, const gk_trpl_result *r, const double *taus, double npeak, int have_tau);

#endif
