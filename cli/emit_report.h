/* cli/emit_report.h — the HTML page of `gainkit report`, kept apart from
 * the command's options, directory listing and writing (cli/cmd_report.c).
 * Internal to the CLI. */
#ifndef GK_CLI_EMIT_REPORT_H
#define GK_CLI_EMIT_REPORT_H

#include "cli.h"

/* The page on the n files names (sorted) of directory dir, appended to b:
 * one section per JSON result (command line, its --plot figure, its .txt
 * and .log, the JSON), then the other figures, tables and texts. */
void report_html(cli_buf *b, const char *dir, char *const *names, size_t n);

#endif
