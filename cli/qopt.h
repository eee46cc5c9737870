/* qopt.h — table-driven options for the calculator commands (nc,
 * carriers, heat): each option is a quantity with a base unit and a
 * physical-validity check, so that a command declares its inputs once and
 * gets unit suffixes, "gainkit: --opt: ..." messages and exit 2 for free. */
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
  QO_FLAG        /* no value; sets seen */
};

typedef struct cli_qopt {
  const char *name;     /* long option without the dashes: "radius" */
  const char *unit;     /* base unit ("cm"); NULL: dimensionless */
  int check;            /* enum cli_qcheck */
  double *val;          /* destination (2 values for QO_RANGE) */
  const char **str;     /* destination for QO_STRING */
  int seen;             /* set by the parser */
} cli_qopt;

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
