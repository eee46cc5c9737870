/* input.h — the input options shared by the commands that read spectra
 * (threshold, vpi, spectrum, inspect): vendor format, columns, many files
 * with their pumps, dark subtraction and exposure normalisation. The work
 * is the library's (gainkit/io.h: gk_io_read, gk_io_assemble); this maps
 * options to gk_assemble_options, prints the library's notes, and names
 * the option that handles an offset the data show. */
#ifndef GAINKIT_CLI_INPUT_H
#define GAINKIT_CLI_INPUT_H

#include "cli.h"
#include "gainkit/spectra.h"

enum {
  CLI_IN_FORMAT = 1300, CLI_IN_DCOMMA, CLI_IN_XCOL, CLI_IN_YCOL, CLI_IN_SIGCOL, CLI_IN_PUMPS,
  CLI_IN_PUMPS_FILE, CLI_IN_PUMP_NAME, CLI_IN_PUMP_UNIT, CLI_IN_DARK, CLI_IN_NO_NORM,
  CLI_IN_DUP, CLI_IN_TRANSPOSE
};

/* Column-file options (every command that reads spectra). */
#define CLI_INPUT_FILE_LONGOPTS                                        \
  {"format-in", required_argument, NULL, CLI_IN_FORMAT},               \
  {"decimal-comma", no_argument, NULL, CLI_IN_DCOMMA},                 \
  {"x-col", required_argument, NULL, CLI_IN_XCOL},                     \
  {"y-col", required_argument, NULL, CLI_IN_YCOL},                     \
  {"sigma-col", required_argument, NULL, CLI_IN_SIGCOL}
/* Pump-series options (threshold --spectra, vpi). */
#define CLI_INPUT_SERIES_LONGOPTS                                      \
  {"pumps", required_argument, NULL, CLI_IN_PUMPS},                    \
  {"pumps-file", required_argument, NULL, CLI_IN_PUMPS_FILE},          \
  {"pump-from-name", no_argument, NULL, CLI_IN_PUMP_NAME},             \
  {"pump-unit", required_argument, NULL, CLI_IN_PUMP_UNIT},            \
  {"dark", required_argument, NULL, CLI_IN_DARK},                      \
  {"no-normalise", no_argument, NULL, CLI_IN_NO_NORM},                 \
  {"duplicates", required_argument, NULL, CLI_IN_DUP},                 \
  {"transpose", no_argument, NULL, CLI_IN_TRANSPOSE}

#define CLI_INPUT_FILE_HELP                                                              \
  "Input files (see docs/input-formats.md):\n"                                           \
  "  --format-in NAME   reader: ocean, avantes, andor, lightfield, labspec, origin,\n" \
  "                     csv, spe (default: detected from the content)\n" \
  "  --decimal-comma    cells use a decimal comma (default: detected)\n"                \
  "  --x-col C, --y-col C, --sigma-col C\n"                                              \
  "                     columns by number (1 = first) or header name\n"                 \
  "                     (default: wavelength first, every intensity column; a\n"        \
  "                     third column is sigma only if its header says so)\n"

#define CLI_INPUT_SERIES_HELP                                                            \
  "Several files or a directory (one spectrum each), and their pumps:\n"                 \
  "  --pumps LIST       one pump per spectrum, in file order (unit: --pump-unit)\n"      \
  "  --pumps-file F     two columns: file name, pump; the unit in the header\n"          \
  "                     ('file, pump (uJ/cm2)')\n"                                       \
  "  --pump-from-name   the number at the end of each file name: film_40uJ.txt -> 40\n"  \
  "                     uJ (unit from the name, else --pump-unit)\n"                    \
  "  --pump-unit U      unit of the pumps (default: from the sidecar or names)\n"       \
  "  --dark FILE        dark spectrum subtracted from every spectrum\n"                 \
  "  --no-normalise     keep counts as read when exposures (integration time x\n"       \
  "                     summed accumulations, from the headers) differ; by default\n"  \
  "                     every spectrum is scaled to the first file's exposure\n"        \
  "  --duplicates average|refuse   spectra at the same pump (default: average)\n"      \
  "  --transpose        a matrix file with one spectrum per row (default: the\n"        \
  "                     orientation is detected from the numbers)\n"

/* The same options as entries of a declarative table (qopt.h): they fill
 * the process-wide cli_in. Put CLI_INPUT_FILE_QOPTS (and, for pump series,
 * CLI_INPUT_SERIES_QOPTS) in a command's table. */
struct cli_qopt;
int cli_input_qopt(struct cli_qopt *o, const char *arg);
#define CLI_INPUT_FILE_QOPTS                                                                              \
  CLI_OPT_GROUP("Input file options (see docs/input-formats.md)"),                                                \
  CLI_OPT_CB_ID("format-in", "NAME", cli_input_qopt, CLI_IN_FORMAT, "detected from the content",          \
                "reader: ocean, avantes, andor, lightfield, labspec, origin, csv, spe"),                  \
  CLI_OPT_FLAG_CB("decimal-comma", cli_input_qopt, CLI_IN_DCOMMA, "cells use a decimal comma (default: detected)"), \
  CLI_OPT_CB_ID("x-col", "C", cli_input_qopt, CLI_IN_XCOL, "the wavelength column",                       \
                "x column by number (1 = first) or header name"),                                         \
  CLI_OPT_CB_ID("y-col", "C", cli_input_qopt, CLI_IN_YCOL, "every intensity column",                      \
                "intensity column by number or header name"),                                             \
  CLI_OPT_CB_ID("sigma-col", "C", cli_input_qopt, CLI_IN_SIGCOL, "a third column whose header says sigma", \
                "uncertainty column by number or header name")
#define CLI_INPUT_SERIES_QOPTS                                                                            \
  CLI_OPT_GROUP("Several files or a directory (one spectrum each), and their pumps"),                     \
  CLI_OPT_CB_ID("pumps", "LIST", cli_input_qopt, CLI_IN_PUMPS, NULL,                                      \
                "one pump per spectrum, in file order (unit: --pump-unit)"),                              \
  CLI_OPT_CB_ID("pumps-file", "F", cli_input_qopt, CLI_IN_PUMPS_FILE, NULL,                              \
                "two columns: file name, pump; the unit in the header ('file, pump (uJ/cm2)')"),         \
  CLI_OPT_FLAG_CB("pump-from-name", cli_input_qopt, CLI_IN_PUMP_NAME,                                     \
                  "the number at the end of each file name: film_40uJ.txt -> 40 uJ (unit from the name, " \
                  "else --pump-unit)"),                                                                   \
  CLI_OPT_CB_ID("pump-unit", "U", cli_input_qopt, CLI_IN_PUMP_UNIT, "from the sidecar or names",          \
                "unit of the pumps; pumps outside 1 nJ/cm2 to 1 J/cm2 are warned about"),                 \
  CLI_OPT_CB_ID("dark", "FILE", cli_input_qopt, CLI_IN_DARK, NULL,                                        \
                "dark spectrum subtracted from every spectrum, scaled to each file's exposure when "      \
                "the headers give both"),                                                                 \
  CLI_OPT_FLAG_CB("no-normalise", cli_input_qopt, CLI_IN_NO_NORM,                                         \
                  "keep counts (and the dark) as read when exposures (integration time x summed "         \
                  "accumulations, from the headers) differ; by default every spectrum is scaled to the "  \
                  "first file's exposure"),                                                               \
  CLI_OPT_CB_ID("duplicates", "average|refuse", cli_input_qopt, CLI_IN_DUP, "average",                    \
                "spectra at the same pump"),                                                              \
  CLI_OPT_FLAG_CB("transpose", cli_input_qopt, CLI_IN_TRANSPOSE,                                          \
                  "a matrix file with one spectrum per row (default: the orientation is detected)")
extern struct cli_input cli_in;
/* The parsed input options, owned by the caller from now on (cli_in is
 * emptied); cli_input_reset frees and empties cli_in (start of a run). */
struct cli_input cli_input_take(void);
void cli_input_reset(void);

typedef struct cli_input {
  gk_assemble_options a;
  double *pumps;
  int series_opts;       /* an option of the series group was given */
} cli_input;

/* 1 if handled, 0 if not an input option, -1 after a usage error. */
int cli_input_option(cli_input *in, int opt, const char *arg);
/* Read the files into a matrix (rows wavelengths, columns pumps); prints
 * the notes as "gainkit: note: ..." on stderr. Returns 0 or the exit code
 * after printing the error. */
int cli_input_load(cli_input *in, const char *const *paths, size_t n, gk_matrix *m);
/* Print the library's notes. */
void cli_input_notes(const gk_notes *n);
/* Map a library error that names a gk_io_options field to the option. */
int cli_input_error(gk_error *e);
/* Warn when the lowest-pump spectrum of m sits on a significant background
 * that nothing subtracts (baseline_set: the command subtracts one). */
/* fix: the options that remove it, for the message ("--dark FILE"). */
void cli_input_offset_check(const gk_matrix *m, int baseline_set, int dark_set, const char *fix);
void cli_input_free(cli_input *in);
/* --baseline of the commands that read spectra: "none", "auto" (allow_auto),
 * "edges" (edges != NULL: sets *edges), N (an integer: the mean of the
 * first N samples) or a value. Returns -1 after "gainkit: --baseline: 'X'
 * is not EXPECT". */
int cli_baseline(const char *arg, int allow_auto, int *edges, const char *expect, gk_baseline *b);
#endif
