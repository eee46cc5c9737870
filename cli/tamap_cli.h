/* cli/tamap_cli.h — what the files of `gainkit tamap` share: the map
 * options (one table block and state for every subcommand), their
 * translation to gk_tamap_prepare_options, and the subcommands' tables and
 * entry points (cmd_tamap.c: svd, chirp and the dispatch; tamap_fit.c: fit;
 * tamap_series.c: sigma, gain). Internal to the CLI. */
#ifndef GK_CLI_TAMAP_CLI_H
#define GK_CLI_TAMAP_CLI_H

#include "cli.h"
#include "emit_tamap.h"
#include "qopt.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* ---- map options shared by the subcommands ------------------------------ */

typedef struct mapopt {
  const char *delay_unit, *signal_unit, *layout;
  double background;      /* s; NaN = none */
  double chirp_order;     /* -1 = none */
  double exclude;         /* s; 0 = none */
} mapopt;

/* Option state: file scope (--help reads the tables before any run); every
 * subcommand starts with CLI_RESET of what it uses. */
extern mapopt tamap_mo;

#define MAP_QOPTS_READ                                                                                 \
  CLI_OPT_GROUP("Map options"),                                                                        \
  CLI_OPT_STRING("layout", "auto|rows|columns", &tamap_mo.layout, "auto",                                    \
                 "delays in the first row (rows: one row per wavelength) or in the first column; "     \
                 "auto: the axis with t <= 0"),                                                        \
  CLI_OPT_STRING("delay-unit", "U", &tamap_mo.delay_unit, NULL,                                              \
                 "unit of the delays when the corner cell does not name it (\"wavelength (nm) \\ "     \
                 "delay (ps)\"); no default: a bare delay in the file is never assumed to be ps"),     \
  CLI_OPT_STRING("signal-unit", "OD|mOD", &tamap_mo.signal_unit, "OD", "unit of dA"),                        \
  CLI_OPT_QTY("background", "T", "s", QO_ANY, &tamap_mo.background, NULL,                                    \
              "subtract per wavelength the mean of the delays before T (pre-time-zero background), "   \
              "e.g. -0.5ps")
#define MAP_QOPTS                                                                                      \
  MAP_QOPTS_READ,                                                                                      \
  CLI_OPT_NUM("chirp", "ORDER", QO_NONNEG, &tamap_mo.chirp_order, "none",                                    \
              "fit t0(lambda), a polynomial of ORDER (0..4) in (lambda - lambda_mid)/100 nm, to the "  \
              "half-rise of every trace and shift the traces onto it (linear interpolation)"),         \
  CLI_OPT_QTY("exclude", "W", "s", QO_NONNEG, &tamap_mo.exclude, "0",                                        \
              "leave out |t - t0(lambda)| <= W (coherent artefact); t0(lambda) from --chirp, else a "  \
              "quadratic fitted to the half-rise onsets")


/* the flags of the library's fields that are not "--" + the field */
extern const cli_fieldmap tamap_fields[];
/* The map options as gk_tamap_prepare's (the option strings checked here). */
int tamap_prep_options(const mapopt *mo, gk_tamap_prepare_options *po);
/* Read and prepare one map; its notes (an implausible delay axis) warned. */
int tamap_load(const char *path, const gk_tamap_prepare_options *po, gk_tamap_prepared *p);

/* The start of every subcommand: the map options and the subcommand's
 * state (size bytes at state) reset, argv parsed against q (0, or -1 after
 * the message: return CLI_USAGE). */
int tamap_start(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, void *state, size_t size, int *first);

/* the subcommands in other files; the table sizes are checked where the
 * tables are defined (a different count does not compile) */
#define TAMAP_NQ_FIT 25
#define TAMAP_NQ_SIGMA 11
#define TAMAP_NQ_GAIN 21
extern cli_qopt tamap_q_fit[TAMAP_NQ_FIT], tamap_q_sigma[TAMAP_NQ_SIGMA], tamap_q_gain[TAMAP_NQ_GAIN];
int tamap_cmd_fit(int argc, char **argv);
int tamap_cmd_sigma(int argc, char **argv);
int tamap_cmd_gain(int argc, char **argv);

#endif
