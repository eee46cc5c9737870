/* cli/emit_thresholdtrend.h — output of `gainkit trend` (text, JSON, CSV,
 * figure), kept apart from the command's options and calls
 * (cli/cmd_thresholdtrend.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_THRESHOLDTREND_H
#define GK_CLI_EMIT_THRESHOLDTREND_H

#include "cli.h"
#include "gainkit/fluence.h"

/* The series ts (gk_trend_run) against the parameter param (NULL:
 * "parameter") in unit; lines: the two-line method (no errors). Returns
 * the exit status. */
int trend_emit(cli_common *c, const gk_trend_series *ts, const char *param, const char *unit, int lines);

#endif
