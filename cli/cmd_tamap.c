/* gainkit tamap — transient-absorption maps dA(lambda, t): SVD, chirp,
 * global and target analysis (DAS/SAS), absorption cross-section from a
 * fluence series. Option tables, the calls into src/tamap (gainkit/tamap.h:
 * gk_tamap_prepare reads and prepares every map) and the output
 * (cli/emit_tamap.c, emit_tamap_fit.c). fit is in tamap_fit.c, sigma and gain
 * in tamap_series.c (shared declarations: tamap_cli.h). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tamap_cli.h"

/* the map options' state: file scope (--help reads the tables before any
 * run); every subcommand starts with CLI_RESET of what it uses */
mapopt tamap_mo = {NULL, NULL, NULL, NAN, -1, 0};
/* the flags of the library's fields that are not "--" + the field */
const cli_fieldmap tamap_fields[] = {{"chirp_order", "--chirp"}, {NULL, NULL}};

/* The map options as gk_tamap_prepare's (the option strings checked here). */
int tamap_prep_options(const mapopt *mo, gk_tamap_prepare_options *po)
{
  cli_set_fieldmap(tamap_fields);
  gk_tamap_prepare_options_default(po);
  po->read.delay_unit = mo->delay_unit;
  po->read.signal_unit = mo->signal_unit;
  if (!mo->layout || strcmp(mo->layout, "auto") == 0) po->read.layout = GK_TAMAP_AUTO;
  else if (strcmp(mo->layout, "rows") == 0) po->read.layout = GK_TAMAP_DELAY_ROW;
  else if (strcmp(mo->layout, "columns") == 0) po->read.layout = GK_TAMAP_DELAY_COLUMN;
  else return CLI_QFAIL("layout", "'%s' is not auto, rows or columns", mo->layout);
  if (mo->signal_unit && strcasecmp(mo->signal_unit, "OD") != 0 && strcasecmp(mo->signal_unit, "mOD") != 0)
    return CLI_QFAIL("signal-unit", "'%s' is not OD or mOD", mo->signal_unit);
  double f;
  if (mo->delay_unit && gk_unit_factor(mo->delay_unit, "s", &f, NULL) != GK_OK)
    return CLI_QFAIL("delay-unit", "'%s' is not a unit of time", mo->delay_unit);
  po->background = mo->background;
  /* not an integer 0..4: refused by gk_tamap_prepare (field chirp_order) */
  if (mo->chirp_order >= 0)
    po->chirp_order = mo->chirp_order == floor(mo->chirp_order) && mo->chirp_order <= GK_TAMAP_MAX_ORDER
                          ? (int)mo->chirp_order : GK_TAMAP_MAX_ORDER + 1;
  po->exclude = mo->exclude;
  return 0;
}

/* Read and prepare one map; its notes (an implausible delay axis) warned. */
int tamap_load(const char *path, const gk_tamap_prepare_options *po, gk_tamap_prepared *p)
{
  gk_error e;
  gk_error_clear(&e);
  if (gk_tamap_prepare(path, po, p, &e) != GK_OK) return cli_error(&e);
  cli_notes_warn(&p->notes, "--delay-unit");
  return 0;
}

/* The start of every subcommand: the map options and the subcommand's
 * state (size bytes at state) reset, argv parsed against q. */
int tamap_start(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, void *state, size_t size, int *first)
{
  CLI_RESET(tamap_mo);
  cli_state_reset(state, size);
  return cli_qopt_parse(c, argc, argv, q, nq, first);
}

/* ---- svd, chirp: one map FILE ------------------------------------------ */

static long nvec = 4;
static cli_qopt q_svd[] = {
  CLI_OPT_INT("vectors", "K", &nvec, 1, 20, "4", "singular vectors reported (1 to 20)"),
  MAP_QOPTS,
};
static long order = 2;
static cli_qopt q_chirp[] = {
  CLI_OPT_INT("order", "N", &order, 0, GK_TAMAP_MAX_ORDER, "2", "polynomial order"),
  MAP_QOPTS_READ,
};

static int run_svd(cli_common *c, const char *path, gk_tamap_prepared *p)
{
  gk_error e = {0};
  gk_tamap_svd s;
  if (gk_tamap_svd_run(&p->map, (size_t)nvec, &s, &e) != GK_OK) return cli_error(&e);
  int rc = emit_tamap_svd(c, path, &p->map, &p->chirp, p->has_chirp, &s);
  gk_tamap_svd_free(&s);
  return rc;
}

static int run_chirp(cli_common *c, const char *path, gk_tamap_prepared *p)
{
  gk_error e = {0};
  gk_tamap_chirp ch;
  if (gk_tamap_chirp_fit(&p->map, (int)order, &ch, &e) != GK_OK) {
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
    return cli_error(&e);
  }
  double *on = malloc(p->map.nw * sizeof *on);
  if (!on) return CLI_FAILED;
  gk_tamap_onsets(&p->map, 5.0, on, &e);
  int rc = emit_tamap_chirp(c, path, &p->map, &ch, on);
  free(on);
  return rc;
}

/* svd or chirp: parse, exactly one argument, the map read with the map
 * options, then the analysis */
static int one_map(int argc, char **argv, int chirp)
{
  cli_common c = {.cmd = chirp ? "tamap chirp" : "tamap svd"};
  int first, rc;
  gk_tamap_prepare_options po;
  gk_tamap_prepared p;
  if ((chirp ? tamap_start(&c, argc, argv, q_chirp, NQ(q_chirp), &order, sizeof order, &first)
             : tamap_start(&c, argc, argv, q_svd, NQ(q_svd), &nvec, sizeof nvec, &first)) < 0)
    return CLI_USAGE;
  if (first >= argc) return cli_usage(c.cmd, "give a map FILE");
  if (first + 1 < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first + 1]);
  if ((rc = tamap_prep_options(&tamap_mo, &po)) || (rc = tamap_load(argv[first], &po, &p))) return rc;
  rc = chirp ? run_chirp(&c, argv[first], &p) : run_svd(&c, argv[first], &p);
  gk_tamap_prepared_free(&p);
  return rc;
}
static int cmd_svd(int argc, char **argv) { return one_map(argc, argv, 0); }
static int cmd_chirp(int argc, char **argv) { return one_map(argc, argv, 1); }

#define TAMAP_INTRO                                                                                 \
  "Transient-absorption maps dA(lambda, t) as the global/target analysis literature treats them\n" \
  "(van Stokkum et al., Biochim. Biophys. Acta 2004): chirp, SVD, decay- and species-associated\n" \
  "spectra from a linear kinetic scheme with a Gaussian IRF convolved analytically, spectra\n"     \
  "eliminated by variable projection. A map file: the first row and column are the axes (delays\n" \
  "in ps/fs/ns with the unit in the corner cell or --delay-unit, wavelengths in nm).\n\n"
#define EX "Example:\n  gainkit tamap "
static const struct cli_subcommand subs[] = {
  {.name = "svd", .args = "FILE [options]", .run = cmd_svd, .opts = q_svd, .nopts = NQ(q_svd),
   .about = "Singular values and vectors of the map; the rank is the number of singular values above the\n"
            "Gavish-Donoho threshold for white noise (IEEE Trans. Inf. Theory 2014).\n",
   .epilog = EX "svd examples/tamap/map_low.csv --signal-unit mOD --background -0.5ps\n"},
  {.name = "chirp", .args = "FILE [--order N] [options]", .run = cmd_chirp, .opts = q_chirp, .nopts = NQ(q_chirp),
   .about = "Time zero versus wavelength (group-velocity dispersion of the probe): the half-rise of every\n"
            "trace, fitted by a polynomial with 3-sigma outlier rejection.\n",
   .epilog = EX "chirp examples/tamap/map_low.csv --background -0.5ps --order 2\n"},
  {.name = "fit", .args = "FILE... (--das N | --sequential N | --scheme TEXT) [options]", .run = tamap_cmd_fit,
   .opts = tamap_q_fit, .nopts = TAMAP_NQ_FIT,
   .about = "Global (DAS) or target (SAS) analysis of one or more maps (fluences): rates shared, time zero\n"
            "(and with --irf-per-set the IRF width) and spectra per map.\n",
   .epilog = "Outputs rates with standard errors (from the Jacobian of the projected problem), the lifetimes of\n"
             "the decay modes, t0 and IRF per map; -o x.csv holds SAS, SAS se and DAS.\n"
             "Examples:\n"
             "  gainkit tamap fit examples/tamap/map_low.csv --signal-unit mOD --background -0.5ps --exclude 0.1ps --dispersion 2 --das 3 --tau 0.5ps,40ps,3ns --t0 0.2ps\n"
             "  gainkit tamap fit examples/tamap/map_low.csv examples/tamap/map_high.csv --signal-unit mOD --background -0.5ps --exclude 0.1ps --dispersion 2 --scheme \"H->X:1ps, XX->X:20ps, X->0:1ns\" --init H=1,XX=0.1/H=1,XX=0.6 --t0 0.2ps\n"},
  {.name = "sigma", .args = "FILE|MAP... --photon-energy E [--fluence F1,.. --window T1:T2]", .run = tamap_cmd_sigma,
   .opts = tamap_q_sigma, .nopts = TAMAP_NQ_SIGMA,
   .about = "Absorption cross-section from the saturation of the single-exciton signal with fluence,\n"
            "S = S_inf (1 - exp(-sigma F/(h nu))) (Poisson statistics; Ahn et al., Chem. Rev. 2023, Fig. 26b;\n"
            "Qin et al., Nano Lett. 2021). FILE columns: fluence (J/cm2 unless the header names a unit,\n"
            "\"fluence (uJ/cm2)\") and the signal (any unit). Or from the maps of a fluence series themselves:\n"
            "MAP1 MAP2 ... (>= 3, one per fluence) with --fluence and --window; the signal of each map is its\n"
            "dA averaged over the delay window (late delays: the single-exciton bleach) and the --band\n"
            "wavelengths, with the sign flipped for a bleach (dA < 0); window means of both signs are refused.\n",
   .epilog = EX "sigma examples/tamap/sigma.csv --photon-energy 3.1eV\n"},
  {.name = "gain", .args = "FILE1 FILE2... --ground A0.csv (--n-mean LIST | --fluence LIST ...) (--delay T | --window T1:T2)",
   .run = tamap_cmd_gain, .opts = tamap_q_gain, .nopts = TAMAP_NQ_GAIN,
   .about = "Gain thresholds from maps at increasing pump: per wavelength, the <N> at which the normalised\n"
            "bleach -dA/A0 first crosses 1 (A0 + dA = 0, transparency; Qin et al., Nano Lett. 2021, Fig. 3c),\n"
            "linear interpolation between pump levels with an error from the neighbours (as gainkit ta);\n"
            "wavelengths with A0 < 2 % of its maximum are skipped. Maps must share wavelengths.\n",
   .epilog = "Exit 1 (and null) when -dA/A0 reaches 1 at no wavelength.\n" EX
             "gain examples/tamap/gain_n1.csv examples/tamap/gain_n2.csv examples/tamap/gain_n3.csv examples/tamap/gain_n4.csv examples/tamap/gain_n5.csv examples/tamap/gain_n6.csv examples/tamap/gain_n7.csv examples/tamap/gain_n8.csv --ground examples/tamap/gain_a0.csv --n-mean 0.5,0.8,1.0,1.1,1.2,1.4,2.0,2.7 --window 2ps:4ps --thickness 100nm\n"},
  {.name = NULL},
};

extern const struct cli_command cli_cmd_tamap;
static int run(int argc, char **argv) { return cli_dispatch(&cli_cmd_tamap, argc, argv); }

const struct cli_command cli_cmd_tamap = {
  .name = "tamap",
  .summary = "transient-absorption maps: chirp, SVD, global/target analysis (DAS/SAS), cross-section",
  .order = 56,
  .run = run,
  .subs = subs,
  .intro = TAMAP_INTRO,
};
