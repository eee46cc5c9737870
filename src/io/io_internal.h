/* Shared between the table, column and matrix readers (not public API). */
#ifndef GK_IO_INTERNAL_H
#define GK_IO_INTERNAL_H

#include "gainkit/data.h"
#include "gainkit/units.h"

/* The effective size limit: option, else $GAINKIT_MAX_INPUT_BYTES, else default. */
long gk_io_max_bytes(const gk_read_options *opt);
/* Read a table; matrix = 1 forces a header row whose first cell is the corner. */
int gk_io_table_read(const char *path, const gk_read_options *opt, int matrix, gk_table *t,
                     gk_error *err);
/* Quote user text for a message: at most 40 characters, controls as \xNN. */
void gk_io_quote(const char *s, char *buf, size_t size);
void gk_io_meta_free(gk_meta *m);
/* 1 for the names of a wavelength axis (wavelength, lambda, λ, wl), any case. */
int gk_io_is_wavelength_label(const char *name);
/* Move metadata (dst takes ownership, src is emptied). */
void gk_io_meta_move(gk_meta *dst, gk_meta *src);

/* Unit of a coordinate (x of a column file, rows/columns of a matrix):
 * `override` wins, then the unit from the header, then `def`. For LENGTH
 * and WAVELENGTH kinds the unit must be a length and *factor converts to cm
 * or nm; PLAIN keeps the unit as read (factor 1). Errors name the header
 * line and `what` ("column 1 (L)") when the unit came from the file. */
int gk_io_coord_unit(gk_xkind kind, const char *override, const char *header_unit,
                     const char *def, const char *path, long header_line, const char *what,
                     char *unit_in, size_t in_size, char *unit_out, size_t out_size,
                     double *factor, gk_error *err);
/* Split s in place at delim (' ' = runs of blanks) outside quotes, trimming
 * blanks and surrounding quotes ("" inside a quoted cell is one quote) of each
 * cell. drop_trailing_empty: drop empty cells at the end (Excel exports).
 * 0, -1 out of memory, -2 more than GK_DATA_MAX_COLS cells (src/io/table.c;
 * the one splitter of every reader, so the cell cap holds for all). */
int io_split(char *s, char delim, int drop_trailing_empty, char ***cells, size_t *cap, size_t *n);
/* The error for a failed io_split (rc -2: the cell cap, GK_ELIMIT; else
 * out of memory) at path:line; returns the code. */
int io_split_fail(int rc, gk_error *err, const char *path, size_t line);
#endif
