/* cli/emit_ta.h — output of `gainkit ta` (text, JSON, CSV, figure), kept
 * apart from the command's options and calls (cli/cmd_ta.c). Internal to
 * the CLI. */
#ifndef GK_CLI_EMIT_TA_H
#define GK_CLI_EMIT_TA_H

#include "cli.h"
#include "gainkit/ta.h"

/* Prints and writes the result r of the set p analysed with o; returns the
 * exit status. */
int ta_emit(cli_common *c, const gk_ta_prepared *p, const gk_ta_options *o, const gk_ta_result *r);

#endif
