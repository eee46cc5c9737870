/* cli/emit_inspect.h — the report of `gainkit inspect` (text into b, JSON
 * into j) on what the readers made of a file, kept apart from the
 * command's options and reader calls (cli/cmd_inspect.c). Internal to the
 * CLI. */
#ifndef GK_CLI_EMIT_INSPECT_H
#define GK_CLI_EMIT_INSPECT_H

#include "cli.h"
#include "gainkit/data.h"
#include "gainkit/io.h"

/* A file read as columns: t as gk_table_read saw it, c as gk_columns_read
 * with x of the given kind. */
void inspect_emit_columns(const char *path, const gk_table *t, const gk_columns *c, gk_xkind kind, cJSON *j,
                          cli_buf *b);
/* A matrix (gk_matrix_read; length_unit: the column parameter forced to a length). */
void inspect_emit_matrix(const char *path, const gk_matrix *m, const char *length_unit, cJSON *j, cli_buf *b);
/* A vendor export or spectra read with the input file options (gk_io_read). */
void inspect_emit_spectra(const char *path, const gk_specset *s, cJSON *j, cli_buf *b);

#endif
