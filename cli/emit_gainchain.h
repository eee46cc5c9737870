/* cli/emit_gainchain.h — output of `gainkit gain-chain` (text, JSON, CSV,
 * figure), kept apart from the command's options and calls
 * (cli/cmd_gainchain.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_GAINCHAIN_H
#define GK_CLI_EMIT_GAINCHAIN_H

#include "cli.h"
#include "gainkit/fluence.h"

/* The n points pt (sorted by fluence), the density dens and the G(N) fit
 * cr of VSL model model_name. Returns the exit status. */
int gainchain_emit(cli_common *c, const char *model_name, const gk_chain_density *dens, const gk_chain_point *pt,
                   size_t n, const gk_chain_result *cr);

#endif
