/* cli.h — the frame shared by every subcommand (git-style: one file per
 * command in cli/cmd_<name>.c, each defining `cli_cmd_<name>`).
 *
 * A command parses its options, calls the library, and formats the result.
 * It never does physics. Exit codes: 0 success, 1 computation did not
 * succeed (output still printed, "converged": false), 2 usage or input error
 * (message on stderr, nothing on stdout, no output file).
 */
#ifndef GAINKIT_CLI_H
#define GAINKIT_CLI_H

#include <signal.h>

#include <getopt.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "gainkit/gainkit.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* A subcommand of a command with subcommands ("nc threshold"): its own
 * usage line, help and entry point. `gainkit nc threshold --help` prints
 * the command's intro, this help, the common options and exit statuses. */
struct cli_qopt;
struct cli_subcommand {
  const char *name;     /* "threshold" */
  const char *args;     /* usage after the name: "FILE --gamma G [options]" */
  const char *help;     /* options and examples of this subcommand only */
  int (*run)(int argc, char **argv);  /* argv[0] is the subcommand name */
  /* Generated help (instead of `help`): see qopt.h. */
  struct cli_qopt *opts;
  size_t nopts;
  const char *about;    /* what it computes, before the options */
  const char *epilog;   /* after the options: JSON keys, examples */
};

struct cli_command {
  const char *name;     /* "vsl" */
  const char *summary;  /* one line for `gainkit --help` */
  int order;            /* position in the command list (lower first) */
  const char *help;     /* full text for `gainkit vsl --help` */
  int (*run)(int argc, char **argv);  /* argv[0] is the command name */
  /* Commands with subcommands: the table (NULL-name terminated) and the
   * text before the per-subcommand part of `help` (used for a
   * subcommand's own help). run may be cli_dispatch. */
  const struct cli_subcommand *subs;
  const char *intro;
  /* Generated help (qopt.h): when opts is set, `gainkit NAME --help` is
   * "Usage: gainkit NAME <usage>", about, the options generated from the
   * table (units and defaults included), epilog, CLI_COMMON_HELP; `help`
   * stays NULL. */
  struct cli_qopt *opts;
  size_t nopts;
  const char *usage;    /* after the name: "FILE [--components N|auto] ..." */
  const char *about;
  const char *epilog;
};

/* Options every command accepts. */
typedef struct cli_common {
  const char *cmd;      /* command name, for messages */
  int json;             /* --format json */
  const char *out;      /* -o FILE (.json or .csv) */
  const char *plot;     /* --plot FILE (.svg .png .pdf) */
} cli_common;

/* Long-option ids for the common options; commands put
 * CLI_COMMON_LONGOPTS in their option table and pass every option they do
 * not know to cli_common_option. */
enum { CLI_OPT_FORMAT = 1000, CLI_OPT_PLOT, CLI_OPT_HELP,
       /* figure options (cli/common.c, "Figure options" block) */
       CLI_OPT_FIGURE, CLI_OPT_FIG_WIDTH, CLI_OPT_FIG_HEIGHT, CLI_OPT_FONT_SIZE, CLI_OPT_DPI, CLI_OPT_XLIM,
       CLI_OPT_YLIM, CLI_OPT_LOG_X, CLI_OPT_LOG_Y, CLI_OPT_LIN_X, CLI_OPT_LIN_Y, CLI_OPT_FULL_RANGE,
       CLI_OPT_PLOT_DATA, CLI_OPT_VERBOSE,
       CLI_OPT_FIRST_FREE = 1100 };
/* (a command's own option of the same name, such as fluence --width, comes
 * first in its table and wins; --fig-width always means the figure) */
#define CLI_COMMON_LONGOPTS                                   \
  {"format", required_argument, NULL, CLI_OPT_FORMAT},        \
  {"output", required_argument, NULL, 'o'},                   \
  {"plot", required_argument, NULL, CLI_OPT_PLOT},            \
  {"figure", required_argument, NULL, CLI_OPT_FIGURE},        \
  {"fig-width", required_argument, NULL, CLI_OPT_FIG_WIDTH},  \
  {"width", required_argument, NULL, CLI_OPT_FIG_WIDTH},      \
  {"fig-height", required_argument, NULL, CLI_OPT_FIG_HEIGHT},\
  {"height", required_argument, NULL, CLI_OPT_FIG_HEIGHT},    \
  {"font-size", required_argument, NULL, CLI_OPT_FONT_SIZE},  \
  {"dpi", required_argument, NULL, CLI_OPT_DPI},              \
  {"xlim", required_argument, NULL, CLI_OPT_XLIM},            \
  {"ylim", required_argument, NULL, CLI_OPT_YLIM},            \
  {"log-x", no_argument, NULL, CLI_OPT_LOG_X},                \
  {"log-y", no_argument, NULL, CLI_OPT_LOG_Y},                \
  {"lin-x", no_argument, NULL, CLI_OPT_LIN_X},                \
  {"lin-y", no_argument, NULL, CLI_OPT_LIN_Y},                \
  {"full-range", no_argument, NULL, CLI_OPT_FULL_RANGE},      \
  {"plot-data", required_argument, NULL, CLI_OPT_PLOT_DATA},  \
  {"verbose", no_argument, NULL, CLI_OPT_VERBOSE},            \
  {"help", no_argument, NULL, CLI_OPT_HELP}
#define CLI_COMMON_SHORTOPTS "o:"
#define CLI_FIGURE_HELP                                                               \
  "Figure options (with --plot):\n"                                                  \
  "  --figure single|double|slide  printed size: 8.5 cm (one journal column),\n"       \
  "                       17.8 cm (two columns) or 25 cm wide, text 7-9 pt;\n"         \
  "                       default: .svg/.pdf 17.8 cm with 8.5 pt text, .png screen size\n" \
  "  --fig-width W, --fig-height H   size in cm (units accepted: 85mm, 3.3in);\n"      \
  "                       --width/--height where the command has no such option\n"    \
  "  --font-size PT       text size in points at the printed size (default 8.5)\n"    \
  "  --dpi N              PNG resolution at the printed size (default 300)\n"          \
  "  --xlim A:B, --ylim A:B  axis range of the main panel (and panels sharing its\n"   \
  "                       axis), in the unit the axis shows (e.g. ns on a time axis)\n" \
  "  --log-x, --log-y, --lin-x, --lin-y  log or linear axes of the main panel\n"      \
  "  --full-range         time axes over the whole computed range (default: zoomed\n" \
  "                       to where the signal is)\n"                                  \
  "  --plot-data FILE.csv the data of every plotted curve as CSV (atomic), to\n"      \
  "                       redraw the figure in Origin or matplotlib\n\n"

#define CLI_COMMON_HELP                                                               \
  "Output options:\n"                                                                 \
  "  --format text|json   text (default): readable table with units; json: to stdout\n" \
  "  -o, --output FILE    also write the result to FILE (.json or .csv), atomically\n"   \
  "  --plot FILE          write a figure (.svg, .png or .pdf)\n"                         \
  "  --verbose            also print the informational warnings\n"                      \
  "  --help               show this help\n\n"                                          \
  CLI_FIGURE_HELP                                                                     \
  "Exit status: 0 success; 1 the computation did not succeed (result still\n"        \
  "printed, \"converged\": false); 2 usage or input error (message on stderr,\n"    \
  "nothing on stdout, no output file).\n"                                           \
  "Environment: GAINKIT_MAX_INPUT_BYTES (input file size limit, default 256 MiB);\n"  \
  "GAINKIT_MAX_SECONDS=S stops a long computation after S seconds (exit 2).\n"

/* Handle a common option. Returns 1 if handled, 0 if not a common option,
 * -1 after printing a usage error (caller returns CLI_USAGE). */
int cli_common_option(cli_common *c, int opt, const char *arg);
/* --verbose was given: print informational warnings too (cli_note). */
extern int cli_verbose;
/* An informational warning ("gainkit: note: ..."), printed only with
 * --verbose: what the user need not act on. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* getopt_long with gainkit's messages: unknown options, missing values.
 * Returns the option, -1 at the end, or '?' after printing the error. */
int cli_getopt(int argc, char **argv, const char *shortopts,
               const struct option *longopts, const char *cmd);

/* The candidate a mistyped word most likely means, or NULL: the only
 * candidate it is a prefix of, else the nearest by edit distance
 * (insertions, deletions, substitutions, swaps of neighbours) when that is
 * at most 2 and less than half the word ("modle" -> "model", "thresh" ->
 * "threshold"). */
const char *cli_suggest(const char *word, const char *const *cand, size_t n);

/* Check that the output/plot paths have supported extensions; prints the
 * error and returns -1 if not. Call after option parsing. */
int cli_common_check(const cli_common *c);

/* Usage error about the command line: "gainkit: CMD: msg" plus a hint.
 * Returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a library error ("gainkit: FILE:LINE: msg") and return the exit
 * code for its class (2 for input/usage/io/limit errors, 1 otherwise). */
int cli_error(const gk_error *e);
/* Library errors and notes name struct fields ("trace", "irf.fwhm"),
 * never flags. A command registers one small table mapping its library
 * fields to its flags; cli_error then prints "--trace: ..." for an error
 * whose gk_error.option is "trace". A field not in the table becomes
 * "--" + the field with '_' and '.' turned into '-' ("sigma_abs" ->
 * "--sigma-abs"). The table ends with {NULL, NULL}. */
typedef struct cli_fieldmap { const char *field, *opt; } cli_fieldmap;
void cli_set_fieldmap(const cli_fieldmap *map);
/* The flag for a library field (buf holds the default form). */
const char *cli_field_flag(const char *field, char *buf, size_t size);
/* Library text may name a field in backquotes ("try `range` to restrict
 * the stripe lengths"): replace each by the command's flag, in place. */
void cli_fields_in_text(char *msg, size_t size);
/* A library error: GK_EUSAGE without a file is printed as a usage error of
 * cmd ("FLAG: msg", fields in the text as flags); anything else by
 * cli_error. Returns the exit status. */
int cli_lib_error(const char *cmd, gk_error *e);
/* Print every note as "gainkit: warning: NOTE"; a plausibility note (a
 * column in the wrong unit) gets "; or FIX" appended when fix is given
 * (the flag that overrides the unit, e.g. "--time-unit"). */
void cli_notes_warn(const gk_notes *n, const char *fix);
/* Print "gainkit: warning: msg" to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Dimensional options (cli/qopt.c, one table for every command): the
 * unit a bare number is in (the unit labs use and --help shows, e.g. nm
 * for an NC radius, uJ/cm2 for a fluence), and a plausible range in that
 * unit. cli_quantity, cli_range and cli_list look the option up by name
 * (and command, for the few names that differ between commands) when the
 * dimension of the entry matches `base`: a bare number is then taken in
 * the entry's unit, and a value outside the range gets a warning naming
 * the value, the unit assumed and the likely intended unit. */
typedef struct cli_dim {
  const char *cmd;      /* command ("simulate"), or NULL for every command */
  const char *opt;      /* "--radius" */
  const char *unit;     /* unit of a bare number: "nm" */
  double lo, hi;        /* plausible range in `unit` (lo >= hi: no check) */
  const char *what;     /* "NC radius" */
} cli_dim;
const cli_dim *cli_dim_find(const char *opt, const char *base);
/* The unit of a bare number for opt (the entry's, else base). */
const char *cli_dim_unit(const char *opt, const char *base);
/* Warn when v (in d->unit) is outside d's range; arg is the text typed. */
void cli_dim_check(const cli_dim *d, const char *arg, double v);
/* The command being run ("vsl", "nc auger"), for cli_dim_find. */
void cli_set_command(const char *name);

/* Parse an option value as a quantity in unit `base` ("20ns"); prints
 * "gainkit: --opt: ..." and returns -1 on error. A bare number is in the
 * unit of the option's cli_dim entry when it has one. */
int cli_quantity(const char *opt, const char *arg, const char *base, double *out);
/* Parse "A:B" into two quantities (either may carry a unit). */
int cli_range(const char *opt, const char *arg, const char *base, double *a, double *b);
/* Parse a comma-separated list of quantities; *out is malloc'd. */
int cli_list(const char *opt, const char *arg, const char *base, double **out, size_t *n);
/* Positive integer option. */
int cli_int(const char *opt, const char *arg, long lo, long hi, long *out);

/* Emit the result: first writes -o FILE (JSON from `json`, CSV from `csv`;
 * either may be NULL if the command does not offer that form), then prints
 * JSON (--format json) or `text` to stdout. If writing the file fails,
 * prints the error, prints nothing to stdout, and returns CLI_USAGE.
 * Otherwise returns `status` (so a non-converged fit can return 1). */
int cli_emit(const cli_common *c, const cJSON *json, const char *text,
             const gk_csv *csv, int status);

/* Growable text buffer for the text format. */
typedef struct cli_buf { char *s; size_t len, cap; } cli_buf;
void cli_printf(cli_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_buf_free(cli_buf *b);
/* Number formatting for every text table, so that all commands read the
 * same. Significant digits of a bare number in text output: */
#define CLI_SIG 4
/* v with `sig` significant digits, exponent written "e6"/"e-4"
 * ("2.489e6", "0.5831", "inf"). Returns buf. */
const char *cli_fmt_num(char *buf, size_t n, double v, int sig);
/* "value ± se unit": se rounded to two significant digits (one when its
 * leading digits are 355-949, Particle Data Group rule) and the value to
 * the same decimal ("22.7 ± 0.7 cm^-1", "33.6 ± 1.0 uJ/cm2",
 * "(3.13 ± 0.12)e18 cm^-3"); without a usable se (NaN, <= 0) the value
 * with CLI_SIG digits. unit may be NULL or "". Returns buf. */
const char *cli_fmt_value(char *buf, size_t n, double v, double se, const char *unit);
/* Not determined by the data: v not finite, or a finite standard error
 * larger than |v| (the interval v ± se spans zero and more). A value at a
 * bound of its fit is undetermined too; the caller knows that and passes
 * it on (cli_json_value's `determined`, cli_print_undetermined). */
int cli_determined(double v, double se);
/* "not determined (best fit 31.5 uJ/cm2, standard error 1.9e12 uJ/cm2;
 * WHY)": value and uncertainty printed separately, never as "(0.0 ±
 * 1.9)e12". why may be NULL. cli_fmt_value uses it whenever se > |v|. */
const char *cli_fmt_undetermined(char *buf, size_t n, double v, double se, const char *unit,
                                 const char *why);
void cli_print_undetermined(cli_buf *b, const char *name, double v, double se, const char *unit,
                            const char *why);
/* JSON {"value", "stderr", "determined": bool, "reason" when not}:
 * determined is the caller's verdict (converged, not at a bound) and'ed
 * with cli_determined(v, se). */
cJSON *cli_json_value(cJSON *obj, const char *key, double v, double se, int determined,
                      const char *why);
/* The side of its fit's bound [lo, hi] a fitted value sits on: "lower",
 * "upper", or NULL inside (or not finite). The fit engine puts a value
 * that ends within 1e-9 (relative) of a bound exactly on it (gk_fit's
 * snap_bounds), so equality is the test. */
const char *cli_bound_side(double v, double lo, double hi);
/* cli_json_value for a bounded parameter: on a bound it adds
 * "at_bound": "lower"|"upper" and "bound": the limit, and is not
 * determined ("reason": "at its lower bound (name >= 0)"). */
cJSON *cli_json_bounded(cJSON *obj, const char *key, const char *name, double v, double se, double lo,
                        double hi, int determined, const char *why);
/* cli_print_value for a bounded parameter: on a bound
 * "  name         at bound (name >= 0): best fit 0 unit", never "0 ± se". */
void cli_print_bounded(cli_buf *b, const char *name, double v, double se, const char *unit, double lo,
                       double hi);
/* For a quantity whose zero is a meaningful value, not the absence of one
 * (time zero, a constant offset, a number of extra charges): "value ± se"
 * even when se > |value| ("-0.003 ± 0.005 ps" says t0 is known to 5 fs). */
const char *cli_fmt_location(char *buf, size_t n, double v, double se, const char *unit);
void cli_print_location(cli_buf *b, const char *name, double v, double se, const char *unit);
/* A right-aligned table cell "  <v>" of `width` characters, CLI_SIG
 * significant digits; NaN prints "-". */
void cli_cell(cli_buf *b, int width, double v);
/* One result line: "  name         value ± se unit\n". */
void cli_print_value(cli_buf *b, const char *name, double v, double se, const char *unit);

/* Progress of a long computation: a bar on stderr when it is a terminal
 * (or GAINKIT_PROGRESS=1 is set: tests wait for it), and cooperative
 * Ctrl-C. Between cli_progress and cli_progress_done main's SIGINT/SIGTERM
 * handler only records the signal (cli_interrupt_signal); the callback then
 * returns non-zero, the library stops at its next step, and the command
 * leaves through its normal cleanup: cli_error and cli_emit print and write
 * nothing once interrupted, and main exits 130 (143 for SIGTERM). A second
 * signal, or CLI_INTERRUPT_GRACE seconds without the library stopping,
 * takes the immediate path (temp files removed, _exit). Outside these
 * calls the immediate path is the only one. */
/* Magnitude range of every option value (cli_quantity, after unit
 * conversion); 0 is allowed, the command decides about sign and zero. */
#define CLI_QUANTITY_MIN 1e-60
#define CLI_QUANTITY_MAX 1e60
gk_progress cli_progress(const char *label);
void cli_progress_done(gk_progress *p);
/* Wall-clock guard: with GAINKIT_MAX_SECONDS=S set (S > 0), a computation
 * under cli_progress is stopped after S seconds (the callback asks the
 * library to cancel), and cli_error reports "time limit of S s exceeded"
 * (exit 2) instead of "cancelled". Unset or 0: no limit. */
extern double cli_time_limit_hit;
#define CLI_INTERRUPT_GRACE 5
extern volatile sig_atomic_t cli_interrupt_signal, cli_cooperative;
/* 1 while a progress bar line is on stderr without its newline, so that a
 * message (even from the signal handler) starts on a line of its own. */
extern volatile sig_atomic_t cli_bar_open;
/* Non-zero once SIGINT/SIGTERM arrived during a cooperative computation. */
static inline int cli_interrupted(void) { return cli_interrupt_signal != 0; }

/* Read an x, y data file with `co` and convert x in place from the unit in
 * its header ("t_p (us)") to x_unit. Returns 0, or the exit code after
 * printing "gainkit: FILE: ..." (nothing left to free). */
int cli_read_xy(const char *path, const gk_columns_options *co, const char *x_unit, gk_columns *col);

/* The file name without its directories, for figure titles (a title is no
 * place for /home/user/data/2024/...). */
const char *cli_basename(const char *path);

/* The full help text of a command, or of its subcommand `sub` (NULL: the
 * command's), generated from its option table when it has one. malloc'd. */
char *cli_help_text(const struct cli_command *c, const char *sub);
/* Help for one command (used by main and by --help in commands). */
void cli_print_help(const struct cli_command *c, FILE *fp);
/* Help for a command given its arguments after the command name: the help
 * of the subcommand named first when the command has subcommands, the
 * command's help otherwise. */
void cli_print_help_for(const struct cli_command *c, int argc, char **argv, FILE *fp);
/* run() for commands with subcommands: looks argv[1] up in c->subs. */
int cli_dispatch(const struct cli_command *c, int argc, char **argv);

/* Provenance of every output (cli/provenance.c): gainkit version, the
 * command line, each input file's path, SHA-256, size and metadata (from
 * the library's read hook, gainkit/provenance.h), every option as given
 * and the defaults of the others, the date (UTC ISO 8601; the
 * SOURCE_DATE_EPOCH environment variable fixes it). cli_emit adds it to
 * JSON ("provenance") and CSV ("# key: value" lines at the top); figures
 * get it through gk_plot_set_metadata (PNG tEXt, SVG <metadata>, PDF Info).
 * main calls cli_prov_start and cli_prov_help; cli_getopt and
 * cli_qopt_parse call cli_prov_option / cli_prov_default. */
void cli_prov_start(int argc, char **argv);
void cli_prov_help(const char *help);
void cli_prov_option(const char *name, const char *value);
void cli_prov_default(const char *name, const char *value);
cJSON *cli_prov_json(void);          /* new object; caller deletes */
char *cli_prov_csv_comments(void);   /* "# ...\n" lines, malloc'd */
void cli_prov_sync_plot(void);
/* Write a CSV table with the provenance lines at the top, atomically. */
int cli_csv_write(const gk_csv *t, const char *path, gk_error *err);

extern const struct cli_command *const cli_commands[];
extern const size_t cli_ncommands;

#endif
