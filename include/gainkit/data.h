/* gainkit/data.h — reading delimited text data.
 *
 * Files: comma, tab, semicolon or runs of whitespace (detected per file from
 * the first data lines), '#' comment lines and trailing '# ...' comments,
 * blank lines, an optional header row (detected: the first non-comment row
 * is a header when its first cell is not a number; a matrix always has one),
 * CRLF line ends and a UTF-8 BOM. Cells may be quoted ("L (mm)").
 * '#' comment lines of the form "# key: value" are kept as metadata (the
 * simulator writes "# stripe_length_cm: 0.2").
 *
 * Every error names the file and 1-based line: non-numeric cell, NaN or Inf,
 * ragged row, duplicate x, too few rows, empty file, unreadable file, file
 * larger than the limit. (Errors about the file as a whole - unreadable, too
 * large - carry line 0; "too few rows" points at the last line.)
 * See docs/input-formats.md.
 */
#ifndef GAINKIT_DATA_H
#define GAINKIT_DATA_H

#include <stddef.h>
#include "gainkit/error.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

#define GK_DATA_DEFAULT_MAX_BYTES (256L * 1024 * 1024)
/* Shape limits of the delimited-text reader (GK_ELIMIT with the line):
 * cells per row and bytes per line. With them the reader's memory is at
 * most about 28 bytes per input byte whatever the shape (a file of one
 * 10-million-cell row used to take 3.85 GB for 20 MB: per-column header
 * buffers). */
#define GK_DATA_MAX_COLS 100000
#define GK_DATA_MAX_LINE (8L * 1024 * 1024)

typedef struct gk_meta {
  size_t n;
  char **key;      /* "stripe_length_cm" */
  char **value;    /* "0.2" */
} gk_meta;

/* A generic numeric table as read from the file. */
typedef struct gk_table {
  char *path;          /* as given */
  size_t nrows, ncols;
  double *v;           /* nrows*ncols, row-major: v[r*ncols + c] */
  long *line;          /* source line (1-based) of each row */
  int has_header;
  long header_line;    /* 0 if no header */
  char **name;         /* ncols column names ("" if no header) */
  char **unit;         /* ncols unit strings from the header ("" if none) */
  char **raw;          /* ncols header cells as written ("" if no header) */
  char delim;          /* ',', '\t', ';' or ' ' (whitespace runs) */
  gk_meta meta;
} gk_table;

typedef struct gk_read_options {
  long max_bytes;      /* refuse larger files (GK_ELIMIT); 0 = the environment
                          variable GAINKIT_MAX_INPUT_BYTES if set, else
                          GK_DATA_DEFAULT_MAX_BYTES */
  size_t min_rows;     /* fewer data rows is an error; 0 = 1 */
} gk_read_options;

int gk_table_read(const char *path, const gk_read_options *opt, gk_table *t, gk_error *err);
void gk_table_free(gk_table *t);
/* Metadata lookup: value string or NULL. */
const char *gk_meta_get(const gk_meta *m, const char *key);

/* ---- columns: x, y, optional sigma ------------------------------------- */

typedef enum {
  GK_XKIND_PLAIN = 0,  /* no unit conversion of x */
  GK_XKIND_LENGTH,     /* x is a length: converted to cm */
  GK_XKIND_WAVELENGTH  /* x is a wavelength: converted to nm */
} gk_xkind;

typedef struct gk_columns_options {
  gk_read_options read;
  gk_xkind xkind;
  const char *x_unit_override; /* "um", "mm", "cm" (--length-unit); NULL = header, else default */
  const char *x_unit_default;  /* unit assumed when the header names none (e.g. "cm") */
  int require_increasing;      /* x must be strictly increasing (after sorting? no: as given) */
  int allow_unsorted;          /* sort by x instead of failing; duplicates are still errors */
  int reject_duplicate_x;      /* duplicate x is an error (line of the second occurrence) */
  int require_positive_x;      /* x <= 0 is an error */
  size_t min_points;           /* default 2 */
  int require_positive_sigma;  /* sigma column (if any) must be > 0 */
  /* Sort by x and average the y of repeated x (sigma: the root of the
   * summed variances over the count; without a sigma column the points
   * are averaged as they are). Overrides require_increasing and
   * reject_duplicate_x; gk_columns.note says what was done. */
  int sort_and_average;
} gk_columns_options;

typedef struct gk_columns {
  char *path;
  size_t n;
  double *x, *y, *sigma;  /* sigma NULL when the file has 2 columns */
  long *line;             /* source line of each point */
  char x_name[64], y_name[64];
  char x_unit[32];        /* unit of x after conversion ("cm", "nm" or as read) */
  char x_unit_in[32];     /* unit of x in the file (for messages and --range) */
  double x_factor;        /* x_internal = x_file * x_factor */
  char y_unit[32];        /* unit string of y from the header, passed through */
  gk_meta meta;
  char note[256];         /* sort_and_average: what was reordered or averaged, or "" */
} gk_columns;

int gk_columns_read(const char *path, const gk_columns_options *opt, gk_columns *c, gk_error *err);
void gk_columns_free(gk_columns *c);
/* The x kind a command reading table t (gk_table_read) as columns would
 * choose: with length_unit (the x column forced to a length) a length;
 * else with a length unit in the x header a wavelength when x is named
 * "wavelength", "lambda" or "λ", a length otherwise; else plain. */
gk_xkind gk_columns_guess_xkind(const gk_table *t, const char *length_unit);

/* ---- matrix: spectra versus a column parameter ------------------------- */
/* First row: a label cell, then the column parameter (pump fluence, stripe
 * length, ...). Then one row per wavelength: wavelength, then one value per
 * column. */
typedef struct gk_matrix_options {
  gk_read_options read;
  gk_xkind col_kind;            /* kind of the column parameter (LENGTH for VSL) */
  const char *col_unit_override;
  const char *col_unit_default;
  int require_increasing_rows;  /* wavelengths strictly monotonic (either direction) */
  size_t min_rows, min_cols;    /* defaults 2 and 1 */
  const char *row_unit_override;/* wavelength unit of the rows; NULL = corner cell, else nm */
  /* Orientation (gk_matrix_orientation): as written (rows = wavelengths),
   * detected from the numbers, or transposed (one spectrum per row: the
   * first row holds the wavelengths, the first column the parameter). */
  int orientation;
} gk_matrix_options;

/* Orientation of a matrix file. GK_ORIENT_DETECT: the wavelength axis is
 * the one that is strictly monotonic inside 200-3000 nm; when both axes
 * qualify, the longer one when it has more than twice the points of the
 * other, else the file is refused naming both readings. A first row that
 * is all numbers (no corner label) and not strictly monotonic is refused
 * as a missing header in every orientation mode. */
enum gk_matrix_orientation { GK_ORIENT_AS_WRITTEN = 0, GK_ORIENT_DETECT = 1, GK_ORIENT_TRANSPOSED = 2 };

typedef struct gk_matrix {
  char *path;
  size_t nrow, ncol;      /* wavelengths x parameters */
  double *row;            /* nrow wavelengths (nm) */
  double *col;            /* ncol column parameters (converted per col_kind) */
  double *z;              /* nrow*ncol, z[i*ncol + j] */
  long *line;             /* source line of each row */
  char corner[64];        /* the label cell */
  char col_unit[32];      /* unit of col after conversion */
  char col_unit_in[32];   /* unit as found in the file (from the corner cell, e.g. "fluence (uJ/cm2)") */
  double col_factor;
  /* The corner cell is "ROW \ COL" ("wavelength (nm) \ L (mm)"), or one
   * label: a wavelength label (wavelength, lambda, λ, wl) names the rows,
   * anything else the columns. */
  char row_name[64], col_name[64];
  char row_unit_in[32];   /* unit of the wavelengths in the file ("nm" if none) */
  double row_factor;      /* row_nm = row_file * row_factor */
  char delim;             /* as in gk_table */
  gk_meta meta;
  int transposed;         /* 1: read one spectrum per row (detected or forced) */
  char note[400];         /* why it was read transposed, "" otherwise */
} gk_matrix;

int gk_matrix_read(const char *path, const gk_matrix_options *opt, gk_matrix *m, gk_error *err);
void gk_matrix_free(gk_matrix *m);

/* ---- long format: one row per (wavelength, delay, pump) ---------------- */
/* A 3-D transient-absorption set as one table with a header naming the
 * columns wavelength, delay, pump and dod in any order, case and spelling
 * variants ("Delay (ps)", "pump (uJ/cm2)", "n_mean", "<N>", "dOD", "ΔOD"),
 * rows in any order. Pivoted into one gk_matrix per delay (rows wavelengths,
 * columns pumps, both increasing). The grid is every wavelength x delay x
 * pump that appears anywhere; each triple must appear exactly once.
 * The delay column needs a time unit in its header ("delay (ps)"), or
 * delay_unit when the header names none (a bare number of seconds is never
 * what a TA file means, and guessing ps would hide a wrong file). The pump column keeps its unit as read (col_unit_in
 * of every matrix); dod may be in OD or mOD (converted to OD). */
typedef struct gk_long_options {
  gk_read_options read;
  size_t min_wavelengths, min_pumps;  /* defaults 2 */
  const char *delay_unit;  /* unit of the delay column when its header names
                              none ("ps"); NULL: such a file is refused */
} gk_long_options;

typedef struct gk_long {
  char *path;
  long header_line;
  size_t ndelay;
  double *delay;          /* ndelay delays (s), increasing */
  long *delay_line;       /* line on which each delay first appears */
  gk_matrix *m;           /* ndelay matrices sharing wavelengths and pumps */
  char delay_unit_in[32]; /* as in the header */
  gk_meta meta;
} gk_long;

int gk_long_read(const char *path, const gk_long_options *opt, gk_long *l, gk_error *err);
void gk_long_free(gk_long *l);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
