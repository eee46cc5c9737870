/* qopt.h — declarative option tables (in the spirit of git's
 * parse_options and its OPT_* tables). A command declares every option
 * once — name, kind, unit of a bare number, default, check, help text,
 * group — and gets from the table:
 *   - parsing (getopt_long with the common options, unit suffixes,
 *     "gainkit: --opt: ..." messages, exit 2, typo suggestions),
 *   - the checks (positive, fraction, integer range, one of a set of words),
 *   - the provenance of every option (value given, effective value, default),
 *   - the option part of `--help`, generated (cli_help_text): each line
 *     "  --name ARG   help (UNIT; default DEF)", the unit being the one a
 *     bare number is read in (the dims table of qopt.c when it has the
 *     option, else `unit`).
 * A command then sets .opts/.nopts/.usage/.about/.epilog in its
 * struct cli_command (or cli_subcommand) instead of a hand-written .help.
 * Destinations are file-scope statics of the command (one command runs
 * per process), so the table can be reached by --help before run().
 * See docs/architecture.md "Options and help". */
#ifndef GAINKIT_CLI_QOPT_H
#define GAINKIT_CLI_QOPT_H

#include "cli.h"

enum cli_qcheck {
  QO_ANY = 0,    /* any finite number */
  QO_POS,        /* > 0 */
  QO_NONNEG,     /* >= 0 */
  QO_FRACTION,   /* 0 < x <= 1 */
  QO_STRING,     /* a word, stored in *str */
  QO_RANGE,      /* FROM:TO in unit, stored in val[0], val[1] (FROM < TO) */
  QO_FLAG,       /* no value; sets seen (and *flag = 1 when flag is set) */
  QO_INT,        /* an integer in [lo, hi], stored in *ival */
  QO_CHOICE,     /* one of the '|'-separated words of `choices`, stored in *str */
  QO_LIST,       /* comma-separated quantities in unit: *list (malloc'd), *nlist */
  QO_CALLBACK,   /* parsed by cb(option, arg): 0, or -1 after printing */
  QO_GROUP       /* not an option: a heading of --help ("Fit options") */
};

typedef struct cli_qopt {
  const char *name;     /* long option without the dashes: "radius" */
  const char *unit;     /* base unit ("cm"); NULL: dimensionless */
  int check;            /* enum cli_qcheck */
  double *val;          /* destination (2 values for QO_RANGE) */
  const char **str;     /* destination for QO_STRING / QO_CHOICE */
  int seen;             /* set by the parser */
  /* declarative part: --help is generated from these */
  const char *arg;      /* value placeholder in --help ("T", "FILE"); NULL: from the kind */
  const char *def;      /* the default as --help shows it ("1", "fitted"); NULL: none */
  const char *help;     /* what the option does (words; wrapped by the generator) */
  long *ival;           /* QO_INT destination */
  long lo, hi;          /* QO_INT bounds */
  int *flag;            /* QO_FLAG destination (set to 1) */
  const char *choices;  /* QO_CHOICE: "kink|fwhm|peak" */
  double **list;        /* QO_LIST destination (malloc'd) */
  size_t *nlist;        /* QO_LIST count */
  int (*cb)(struct cli_qopt *o, const char *arg); /* QO_CALLBACK; also called by a
                                                     QO_FLAG that has one (arg NULL) */
  int id;               /* for a callback shared by several options */
} cli_qopt;

/* Table entries (git's OPT_* style). HELP is a plain sentence; the
 * generator appends "(UNIT; default DEF)". */
#define CLI_OPT_GROUP(TITLE) {.name = (TITLE), .check = QO_GROUP}
#define CLI_OPT_QTY(NAME, ARG, UNIT, CHECK, DST, DEF, HELP) \
  {.name = (NAME), .arg = (ARG), .unit = (UNIT), .check = (CHECK), .val = (DST), .def = (DEF), .help = (HELP)}
#define CLI_OPT_NUM(NAME, ARG, CHECK, DST, DEF, HELP) CLI_OPT_QTY(NAME, ARG, NULL, CHECK, DST, DEF, HELP)
#define CLI_OPT_RANGE(NAME, UNIT, DST2, DEF, HELP) \
  {.name = (NAME), .arg = "FROM:TO", .unit = (UNIT), .check = QO_RANGE, .val = (DST2), .def = (DEF), .help = (HELP)}
#define CLI_OPT_LIST(NAME, ARG, UNIT, DST, NDST, DEF, HELP) \
  {.name = (NAME), .arg = (ARG), .unit = (UNIT), .check = QO_LIST, .list = (DST), .nlist = (NDST), .def = (DEF), .help = (HELP)}
#define CLI_OPT_INT(NAME, ARG, DST, LO, HI, DEF, HELP) \
  {.name = (NAME), .arg = (ARG), .check = QO_INT, .ival = (DST), .lo = (LO), .hi = (HI), .def = (DEF), .help = (HELP)}
#define CLI_OPT_STRING(NAME, ARG, DST, DEF, HELP) \
  {.name = (NAME), .arg = (ARG), .check = QO_STRING, .str = (DST), .def = (DEF), .help = (HELP)}
/* A text the command parses itself (a list of quantities, "T1,T2"), read in
 * UNIT: --help shows the unit a bare number is in, as for CLI_OPT_QTY. */
#define CLI_OPT_STRQ(NAME, ARG, UNIT, DST, DEF, HELP) \
  {.name = (NAME), .arg = (ARG), .unit = (UNIT), .check = QO_STRING, .str = (DST), .def = (DEF), .help = (HELP)}
#define CLI_OPT_CHOICE(NAME, CHOICES, DST, DEF, HELP) \
  {.name = (NAME), .arg = (CHOICES), .check = QO_CHOICE, .choices = (CHOICES), .str = (DST), .def = (DEF), .help = (HELP)}
#define CLI_OPT_FLAG(NAME, DST, HELP) {.name = (NAME), .check = QO_FLAG, .flag = (DST), .help = (HELP)}
#define CLI_OPT_CALLBACK(NAME, ARG, CB, DEF, HELP) \
  {.name = (NAME), .arg = (ARG), .check = QO_CALLBACK, .cb = (CB), .def = (DEF), .help = (HELP)}
#define CLI_OPT_FLAG_CB(NAME, CB, ID, HELP) {.name = (NAME), .check = QO_FLAG, .cb = (CB), .id = (ID), .help = (HELP)}
#define CLI_OPT_CB_ID(NAME, ARG, CB, ID, DEF, HELP) \
  {.name = (NAME), .arg = (ARG), .check = QO_CALLBACK, .cb = (CB), .id = (ID), .def = (DEF), .help = (HELP)}
#define CLI_NOPTS(a) (sizeof(a) / sizeof((a)[0]))

/* A command's option state lives in file-scope statics. main runs one
 * command per process, but the CLI fuzz harness (tests/fuzz/fuzz_cli.c)
 * runs many in one: each run must start from the initial values, never
 * from the last run's (a pointer into a freed argv). CLI_RESET(v) at the
 * top of run(): the first call records v's initial value, later calls
 * restore it. */
void cli_state_reset(void *state, size_t size);
#define CLI_RESET(v) cli_state_reset(&(v), sizeof(v))

/* The option block of --help for a table ("Options:\n" and one line or
 * wrapped paragraph per option, a blank line and the title before each
 * group). `cmd` ("kinetics", "nc auger") selects the bare-number units of
 * the dims table. malloc'd. */
char *cli_qopt_help(const char *cmd, const cli_qopt *q, size_t nq);

/* Parse argv (argv[0] is the (sub)command name) against the table and the
 * common options. Returns 0, or -1 after printing the error (the caller
 * returns CLI_USAGE). *first_arg is the index of the first positional
 * argument (argc when there are none). */
int cli_qopt_parse(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, int *first_arg);
/* The table entry for a name, or NULL. */
cli_qopt *cli_qopt_find(cli_qopt *q, size_t nq, const char *name);
/* Print "gainkit: --name: msg" and return -1. */
int cli_qopt_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same as an exit code, for use straight in a command's return. */
#define CLI_QFAIL(...) (cli_qopt_fail(__VA_ARGS__), CLI_USAGE)
/* Require an option; prints "gainkit: CMD: --name is required" if missing. */
int cli_qopt_require(const cli_common *c, cli_qopt *q, size_t nq, const char *name);

/* What a calculator subcommand produces: JSON, the text table, and
 * optionally a CSV table. cli_result_finish emits (cli_emit) and frees. */
typedef struct cli_result {
  cJSON *j;
  cli_buf b;
  gk_csv csv;
  int has_csv;
} cli_result;
void cli_result_init(cli_result *r, const char *command);
int cli_result_finish(const cli_common *c, cli_result *r, int status);
/* Free without emitting (error paths). */
void cli_result_free(cli_result *r);
/* Refuse --plot for a subcommand without a figure: -1 after the message. */
int cli_no_plot(const cli_common *c, const char *which);
/* Save and free a figure; returns 0 or the exit code after the message. */
int cli_save_figure(const cli_common *c, gk_figure *f);
#endif
