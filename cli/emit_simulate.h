/* cli/emit_simulate.h — output of `gainkit simulate` (text, JSON, the CSV
 * matrices with the configuration in '#' lines, figures), kept apart from
 * its options and library calls (cli/cmd_simulate.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_SIMULATE_H
#define GK_CLI_EMIT_SIMULATE_H

#include "cli.h"
#include "qopt.h"
#include "gainkit/simulate.h"

/* A run or a sweep (sw: nsw values of kind, NULL for a single run c); pol
 * >= 0 picks TE/TM for the CSV; tr: time-resolved; mem: bytes per run. */
int sim_emit_run(const cli_common *com, const char *path, const gk_sim_file *cf, const gk_sim_config *c,
                 const gk_sim_result *rs, const double *sw, size_t nsw, int kind, int pol, int tr, double mem);
/* A fit to data (nl wavelengths x nf sweep values fl), np parameters, rs
 * the best-fit set already multiplied by scale. */
int sim_emit_fit(const cli_common *com, const char *path, const gk_sim_file *cf, const char *data,
                 const gk_sim_fit_result *fr, const gk_sim_result *rs, const double *fl, size_t nf, size_t nl,
                 size_t np, int vsl, double scale, double fit_min);

#endif
