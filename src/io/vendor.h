/* Shared machinery of the vendor readers (src/io/fmt_*.c); not public API.
 *
 * A reader gets the file as lines (BOM and CR removed, NUL refused), finds
 * its header and data block, and fills an io_grid: named columns of
 * numbers with their source lines, metadata and notes. io_finish then
 * chooses the columns (gk_io_options x_col/y_col/sigma_col or the
 * reader's defaults), converts the wavelength axis to nm and builds the
 * gk_specset, with the checks every format shares. */
#ifndef GK_IO_VENDOR_H
#define GK_IO_VENDOR_H

#include "gainkit/io.h"
#include "io_internal.h"

typedef struct io_line {
  char *s;        /* content, blanks trimmed at both ends */
  long no;        /* 1-based line number */
} io_line;

typedef struct io_text {
  const char *path;
  char *buf;
  io_line *l;
  size_t n;       /* every line of the file, blank ones included */
} io_text;

int io_text_load(const char *path, const gk_read_options *ro, io_text *t, gk_error *err);
/* The whole file into a NUL-terminated buffer (size limit applied). */
int io_slurp(const char *path, const gk_read_options *ro, char **buf, size_t *n, gk_error *err);
/* Cut buf (taken over: freed by io_text_free) into lines; t->path set. */
int io_text_parse(io_text *t, char *buf, size_t len, gk_error *err);
void io_text_free(io_text *t);

typedef struct io_grid {
  size_t ncols, nrows, cap;
  char **name, **unit;   /* ncols each, never NULL after io_grid_columns */
  double *v;             /* nrows x ncols */
  long *line;
  long header_line, first_line;
  gk_meta meta;
  size_t meta_cap;
  gk_notes notes;
  /* defaults of the reader */
  int x_col;             /* usually 0 */
  int y_col;             /* -1: every column but x and sigma */
  int sigma_col;         /* -1: none (io_finish looks at the names) */
  int dark_col;          /* -1: none; subtracted from y when present */
  int three_col_rule;    /* 1: a third column is sigma only when named so */
  char y_unit[32];
} io_grid;

void io_grid_init(io_grid *g);
void io_grid_free(io_grid *g);
/* Columns from header cells (name + unit split) or "column N" when NULL. */
int io_grid_columns(io_grid *g, char **cells, size_t n, gk_error *err);
/* Line i of t split at delim into *cells (trailing empty cells dropped);
 * the cells point into *text, a copy of the line the caller frees (also
 * after an error). Errors: memory, too many cells (file:line). */
int io_split_line(const io_text *t, size_t i, char delim, char **text, char ***cells, size_t *cap, size_t *n,
                  gk_error *err);
/* The header row of a vendor file: io_split_line, then the cells name
 * g's columns (io_grid_columns) and g->header_line is that line. */
int io_header_row(const io_text *t, size_t i, char delim, io_grid *g, char **text, char ***cells, size_t *cap,
                  size_t *n, gk_error *err);
int io_grid_add_row(io_grid *g, const double *v, long line, gk_error *err);
int io_meta_add(gk_meta *m, size_t *cap, const char *key, const char *value);

/* io_split, the one cell splitter, is declared in io_internal.h. */
/* The delimiter of a data line: tab, ';', ',' in that order if present,
 * else ' '. */
char io_delim(const char *s);
/* Parse one cell; with dcomma a single ',' is the decimal point. The
 * message (on failure) is the parser's. */
int io_num(const char *cell, int dcomma, double *v, gk_error *e);
/* 1 when every cell of the line parses (dcomma as given), and there are
 * at least `min` cells. */
int io_numeric_line(const char *s, int dcomma, size_t min);
/* A line whose cells use a decimal comma: ';', tab or blank separated,
 * some cell "digits,digits" and no '.' in any cell. */
int io_decimal_comma_line(const char *s);

/* Numeric rows from line index *i on, until a blank line (stop_blank) or a
 * line that is not numeric (stop_text; else it is an error naming the
 * cell) or `end`. Ragged rows are errors. */
int io_read_rows(const io_text *t, size_t *i, size_t end, char delim, int dcomma, int stop_blank,
                 int stop_text, io_grid *g, gk_error *err);

/* Keys of the normalised metadata (gainkit/io.h) */
void io_meta_time(io_grid *g, const char *value, double to_s);

int io_finish(io_grid *g, const io_text *t, const char *format, const gk_io_options *opt,
              gk_specset *s, gk_error *err);

/* The readers: detect returns a score (0 = not this format, higher wins). */
typedef struct io_format {
  const char *name;
  int (*detect)(const io_text *t);
  int (*read)(const io_text *t, const gk_io_options *opt, gk_specset *s, gk_error *err);
} io_format;

extern const io_format io_fmt_ocean, io_fmt_avantes, io_fmt_andor, io_fmt_lightfield,
    io_fmt_labspec, io_fmt_origin, io_fmt_csv;

/* case-insensitive substring */
const char *io_stristr(const char *h, const char *n);

/* Keep key = value and recognise the normalised keys (integration_time_s
 * from a key naming its unit, else time_default s; accumulations; date;
 * serial; instrument). */
void io_meta_std(io_grid *g, const char *key, const char *value, double time_default,
                 int acc_summed);
int io_kv_line(io_grid *g, const char *line, char sep, double time_default, int acc_summed);

/* Princeton .spe v3 (binary, src/io/fmt_spe.c): sniff the first bytes,
 * read from a buffer. */
int io_spe_sniff(const unsigned char *b, size_t n);
int io_spe_read(const char *path, const unsigned char *b, size_t n, const gk_io_options *opt,
                gk_specset *s, gk_error *err);
#endif
