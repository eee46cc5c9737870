/* gainkit/io.h — spectra as labs export them: vendor formats, many files
 * into one pump series, and the checks that keep a misread file from
 * becoming a number (orientation, offsets, clipping, swapped columns).
 *
 * Readers (src/io/fmt_*.c, one per format) are chosen by content
 * (gk_io_detect) or by name (gk_io_options.format):
 *
 *   ocean      Ocean Optics OceanView / SpectraSuite text export
 *              (">>>>>Begin Spectral Data<<<<<" ... ">>>>>End ...")
 *   avantes    Avantes AvaSoft export (";" columns Wave;Sample;Dark;...,
 *              a units row "[nm];[counts]")
 *   andor      Andor Solis .asc (no header, metadata footer after blank
 *              lines; several intensity columns = a kinetic series)
 *   lightfield Princeton LightField long CSV (Frame,Row,Column,
 *              Wavelength,Intensity): one spectrum per frame
 *   labspec    Horiba LabSpec text ("#key=<TAB>value" lines)
 *   origin     Origin CSV (Long Name, Units, Comments header rows)
 *   csv        plain / Excel / European CSV (BOM, CRLF, trailing empty
 *              cells, ";" with decimal comma), optional one-row header
 *   spe        Princeton LightField .spe version 3 (binary; wavelengths
 *              and exposure from the XML footer)
 *
 * Every reader returns a gk_specset: one wavelength axis (nm, increasing)
 * and one or more spectra, the metadata found in the file as key/value
 * pairs with normalised keys (integration_time_s, accumulations,
 * accumulations_summed, date, instrument, serial, plus the file's own
 * keys), and notes: sentences about choices made while reading ("the dark
 * column was subtracted from the sample column") for the caller to show.
 * Library messages never name command-line flags; errors name the file and
 * line, or the gk_io_options field.
 * See docs/input-formats.md.
 */
#ifndef GAINKIT_IO_H
#define GAINKIT_IO_H

#include <stddef.h>
#include "gainkit/data.h"
#include "gainkit/error.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* Sentences about what a reader decided, in order. */
typedef struct gk_notes {
  size_t n;
  char **msg;
} gk_notes;
void gk_notes_free(gk_notes *n);
/* Append a printf-style note (out of memory: the note is dropped). */
void gk_notes_add(gk_notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct gk_io_options {
  gk_read_options read;
  const char *format;     /* NULL or "auto": detect; else one of gk_io_format_names */
  int decimal_comma;      /* 1: cells use a decimal comma; 0: detect */
  /* Column choice, by 1-based number ("2") or header name ("Sample");
   * NULL = the reader's default (x = wavelength column, y = every
   * intensity column, sigma = a column whose header says so). */
  const char *x_col, *y_col, *sigma_col;
} gk_io_options;

/* Spectra of one file. */
typedef struct gk_specset {
  char *path;
  char format[16];        /* reader used */
  size_t nwl, nspec;
  double *wl;             /* nwl wavelengths, nm, strictly increasing */
  double *y;              /* nspec x nwl: y[s*nwl + i] */
  double *sigma;          /* same shape, or NULL */
  char **label;           /* nspec labels ("Sample", "frame 3", column header) */
  long *line;             /* source line of each wavelength (first spectrum) */
  long data_line;         /* first data line */
  char y_unit[32];        /* "counts", "a.u." or "" */
  gk_meta meta;
  gk_notes notes;
} gk_specset;
void gk_specset_free(gk_specset *s);

/* Names of the readers, NULL-terminated. */
extern const char *const gk_io_format_names[];

/* The reader whose layout the file has ("csv" when none of the vendor
 * layouts matches). GK_EIO when the file cannot be read. */
int gk_io_detect(const char *path, const gk_read_options *ro, char *name, size_t size, gk_error *err);

/* Read one file into spectra. Checks: at least 3 wavelengths, every
 * wavelength positive and distinct (sorted increasing, with a note when the
 * file runs the other way), every value finite. A two- or three-column file
 * whose second column, not its first, looks like a wavelength axis is
 * refused as swapped (naming the columns). Errors: GK_EINPUT with FILE:LINE,
 * GK_EUSAGE naming the gk_io_options field (unknown format, column not
 * found). */
int gk_io_read(const char *path, const gk_io_options *opt, gk_specset *s, gk_error *err);

/* ---- checks on spectra -------------------------------------------------- */

/* A flat top at the detector's ceiling: returns 1 when the maximum of y is
 * reached by at least 2 samples and equals 2^n - 1 for n = 8..32 (12-, 14-,
 * 16-bit ADCs ...), or by at least 3 consecutive samples (any value: a
 * saturated, already-processed spectrum). *level = the maximum, *count =
 * samples at it. */
int gk_io_clipped(const double *y, size_t n, double *level, size_t *count);

/* The constant background under a spectrum, from its edges: the mean of the
 * first and last max(3, n/20) samples; *noise = their standard deviation.
 * *significant = 1 when the level is both clearly above the noise of the
 * edges (more than 3 standard errors) and adds more than 2% to the
 * integrated intensity of the spectrum (trapezoid over the whole axis),
 * and the two edges agree (within 3 standard errors or 25%: a wing of the
 * emission on one side is not a background). */
void gk_io_offset(const double *wl, const double *y, size_t n, double *level, double *noise,
                  int *significant);

/* The background under a pump series z (nwl x nspec, z[i*nspec + j]): the
 * edge level of each spectrum (gk_io_offset) fitted by a straight line in
 * the pump; the intercept at zero pump is the level (emission wings grow
 * with the pump, a dark level does not). Significant when it exceeds three
 * standard errors (of the intercept, and of the lowest-pump spectrum's edge
 * mean) and adds more than 2% to the lowest-pump spectrum's integral. With
 * fewer than 3 spectra: gk_io_offset of the lowest-pump one. */
void gk_io_offset_series(const double *wl, const double *z, size_t nwl, size_t nspec,
                         const double *pump, double *level, int *significant);

/* The intercept at x -> 0 of a straight line through the first
 * min(n, 4) points (x increasing): the background under a VSL scan, whose
 * intensity vanishes at zero stripe length. *significant = 1 when it
 * exceeds 5% of the largest y and three standard errors of the intercept. */
void gk_io_offset_vsl(const double *x, const double *y, size_t n, double *level,
                      int *significant);

/* ---- many files, one pump series ----------------------------------------- */

typedef enum { GK_DUP_AVERAGE = 0, GK_DUP_REFUSE = 1 } gk_dup_policy;

typedef struct gk_assemble_options {
  gk_io_options io;
  /* Pumps, in this order of precedence: */
  const double *pumps;    /* one per spectrum, in the order of the files (and
                             of the spectra within a file) */
  size_t npumps;
  const char *pumps_file; /* two columns: file name, pump; unit in the header */
  int pump_from_name;     /* the number before a unit at the end of the file
                             name: film1_40uJ.txt -> 40 uJ */
  const char *pump_unit;  /* unit of the pumps when none is given ("uJ/cm2") */
  const char *dark;       /* dark spectrum subtracted from every spectrum */
  int no_normalise;       /* 1: keep counts as read when exposures differ */
  gk_dup_policy duplicates;
  /* Matrix input (a single file with a pump row): orientation */
  int transpose;          /* 1: the file has one spectrum per row */
} gk_assemble_options;

/* Files -> a matrix (rows = wavelengths in nm, increasing; columns = pumps,
 * increasing; col_unit_in = the pump unit). A single file without pumps
 * given in the options is read as a matrix (gk_matrix_read with
 * orientation detection). Otherwise every file is read with gk_io_read;
 * a file with several spectra needs one pump each. All files must share the
 * wavelength axis (the first file's, to 1e-6 relative). The dark spectrum
 * is subtracted as read. Exposures (integration time times accumulations
 * when the format sums them) that differ between files are normalised to
 * the first file's, unless no_normalise. Duplicate pumps are averaged (a
 * note) or refused. Notes say what was done. Each file's metadata is
 * copied to m->meta with the key prefixed by "file<k>." (k = 1-based:
 * file<k>.name, file<k>.format, file<k>.integration_time_s, ...), and every
 * note as input_note.<k>, for the output's provenance. */
int gk_io_assemble(const char *const *paths, size_t n, const gk_assemble_options *opt,
                   gk_matrix *m, gk_notes *notes, gk_error *err);

/* 1 when a file read as a column table looks like spectra (a vendor layout,
 * more than 3 columns, or a first column that is a wavelength axis): the
 * caller forgot to say the input is spectra. */
int gk_io_looks_like_spectra(const char *path, const gk_read_options *ro);

/* ---- plausibility of data columns --------------------------------------
 * A column whose values lie outside what a lab measures for its quantity
 * was most likely read in the wrong unit (a header "L (mm)" on a column in
 * cm, a time column in ns read as ps). Ranges (inclusive):
 *   wavelength  150 nm .. 20 000 nm        (every value)
 *   length      1 um .. 5 cm               (every positive value: stripe lengths)
 *   fluence     1 nJ/cm2 .. 1 J/cm2        (every positive value)
 *   time        1 fs .. 1 s                (the largest |t| of the column)
 * gk_plausible_column adds one note when the column is outside, naming
 * the file and line, the column, the offending value in the unit it was
 * read in, the range, and the unit that brings the column into the range
 * ("did you mean ns?"). It never fails: the data are still used. */
typedef enum {
  GK_PLAUS_WAVELENGTH = 0, GK_PLAUS_LENGTH, GK_PLAUS_FLUENCE, GK_PLAUS_TIME
} gk_plaus_kind;
/* v[0], v[stride], ... (n values) in the internal unit (nm, cm, J/cm2, s);
 * unit: the unit the column was read in (its header's, the option's, or
 * NULL = the internal unit); file/line: where the column starts (line 0:
 * none); column: its name ("" = none). Returns 1 when a note was added. */
int gk_plausible_column(gk_plaus_kind kind, const double *v, size_t n, size_t stride, const char *unit,
                        const char *file, long line, const char *column, gk_notes *notes);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
