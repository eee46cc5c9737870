/* cli/emit_kinetics.h — output of `gainkit kinetics` (text, JSON, CSV,
 * figure), kept apart from the command's options, preparation and fit
 * (cli/cmd_kinetics.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_KINETICS_H
#define GK_CLI_EMIT_KINETICS_H

#include "cli.h"
#include "gainkit/kinetics.h"

/* The fit r of d (read from table t of path; tps: the times in ps) as
 * text, JSON, CSV and figure; returns the exit status. */
int kin_emit(cli_common *c, const char *path, const gk_table *t, const gk_kin_data *d, const gk_kin_result *r,
             const gk_kin_options *o, const char *irf_path, const double *tps);

#endif
