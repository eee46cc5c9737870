/* cli/emit_vpi.h — output of `gainkit vpi` (warnings on each fit, text,
 * JSON, CSV, the figure), kept apart from the command's options, input and
 * fit calls (cli/cmd_vpi.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_VPI_H
#define GK_CLI_EMIT_VPI_H

#include "cli.h"
#include "gainkit/vpi.h"

/* The selected data (gk_vpi_prepare, gainkit/vpi.h). */
typedef gk_vpi_prepared vdata;

/* The warnings about one fit (not converged, parameters or the gL = 1
 * threshold not determined, F estimated); *status becomes CLI_FAILED where
 * the headline result is not there. */
void vpi_warn_fit(const gk_vpi_result *res, const vdata *v, int *status);
/* Figure, JSON, text and CSV of the nr fits; frees the results and v.
 * Returns the exit status. */
int vpi_emit(cli_common *c, const char *path, gk_vpi_result *res, gk_vpi_result **r, size_t nr, vdata *v,
             int status);

#endif
