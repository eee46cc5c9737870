/* gainkit ta — gain threshold, gain spectra and gain lifetime from
 * transient absorption (ground-state spectrum + Delta OD matrices): the
 * options, gk_ta_prepare (reading and assembling the set), gk_ta_analyze,
 * and the output (cli/emit_ta.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/ta.h"
#include "emit_ta.h"

#define MAX_DELTA GK_TA_MAX_DELTA

struct pump_opts {
  double sigma;              /* cm^2, NaN if none */
  double *photon; size_t nphoton;
  double *nmean; size_t nnmean;
};

/* ---- options (declarative: --help is generated from this table) ---- */
static gk_ta_options O;
static struct pump_opts PO;
static const char *ground, *delta[MAX_DELTA], *longf, *alpha0_s, *tunit;
static size_t ndelta, ndl;
static double *delays, want_delay, pump_wl, win[2], degen, ne;
static int fixne;

static int add_delta(cli_qopt *q, const char *arg)
{
  if (ndelta == MAX_DELTA) return cli_qopt_fail(q->name, "at most %d files", MAX_DELTA);
  delta[ndelta++] = arg;
  return 0;
}

static cli_qopt opts[] = {
  CLI_OPT_GROUP("Input"),
  CLI_OPT_STRING("ground", "A0.csv", &ground, NULL, "wavelength, ground-state absorbance (OD); required"),
  CLI_OPT_CALLBACK("delta", "DA.csv", add_delta, NULL,
                   "Delta OD matrix of one delay: first row <N> (or pump fluence), first column "
                   "wavelength (delay from '# delay: 4 ps' or --delays); repeat for several delays"),
  CLI_OPT_STRING("long", "FILE", &longf, NULL, "read the set from one long-format table instead of --delta"),
  CLI_OPT_LIST("delays", "LIST", "s", &delays, &ndl, NULL, "delays of the --delta files, in order (2,4,8 or 2ps,4ps,8ps)"),
  CLI_OPT_STRING("time-unit", "U", &tunit, NULL,
                 "unit of the delays when the file names none: the delay column of --long, a bare '# delay: 4' "
                 "(never assumed)"),
  CLI_OPT_GROUP("Probe and delay"),
  CLI_OPT_QTY("probe", "NM", "nm", QO_POS, &O.probe_nm,
              "the band-edge bleach maximum",
              "probe wavelength (by default the largest mean -Delta alpha/alpha0 over all pumps and "
              "delays); the threshold with the probe moved by 2 nm is reported too"),
  CLI_OPT_RANGE("window", "nm", win, NULL, "average alpha0 and Delta alpha over a window instead"),
  CLI_OPT_QTY("delay", "T", "s", QO_ANY, &want_delay, "the first", "analyse the delay nearest T"),
  CLI_OPT_GROUP("Pump axis"),
  CLI_OPT_QTY("cross-section", "S", "cm2", QO_POS, &PO.sigma, NULL, "absorption cross-section: <N> = S * photon fluence"),
  CLI_OPT_QTY("pump-wavelength", "NM", "nm", QO_POS, &pump_wl, NULL,
              "pump wavelength, for pump columns in energy fluence (uJ/cm2)"),
  CLI_OPT_LIST("photon-fluence", "LIST", "cm^-2", &PO.photon, &PO.nphoton, NULL, "photon fluences of the pump columns"),
  CLI_OPT_LIST("n-mean", "LIST", NULL, &PO.nmean, &PO.nnmean, NULL, "<N> of the pump columns (overrides the first row)"),
  CLI_OPT_GROUP("Poisson gain-curve fit"),
  CLI_OPT_FLAG("gain-fit", &O.gain_fit, "fit the Poisson gain curve 1 - a(<N>; g, n_e) (nc model)"),
  CLI_OPT_NUM("degeneracy", "G", QO_ANY, &degen, "2", "band-edge degeneracy g_e = g_h (0.5 to 50; start if free)"),
  CLI_OPT_FLAG("free-degeneracy", &O.fit_degeneracy, "fit g as well"),
  CLI_OPT_NUM("charging", "NE", QO_ANY, &ne, "0", "extra electrons per NC (0 to 50; a start unless --fixed-charging)"),
  CLI_OPT_FLAG("fixed-charging", &fixne, "hold n_e at --charging"),
  CLI_OPT_FLAG("ne-poisson", &O.ne_poisson, "n_e Poisson-distributed with mean --charging"),
  CLI_OPT_CHOICE("alpha0", "own|neutral", &alpha0_s, "own",
                 "what --ground and Delta alpha refer to: own = the sample's own pump-off absorption (a "
                 "charged sample already bleached by its n_e): fit 1 - a(<N>)/a(0); neutral = the neutral "
                 "film: fit 1 - a(<N>)"),
};

static int run_parsed(cli_common *c, const gk_ta_options *o, const struct pump_opts *po);

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "ta"};
  gk_ta_options_default(&O);
  PO = (struct pump_opts){.sigma = NAN};
  ground = longf = alpha0_s = tunit = NULL;
  ndelta = ndl = 0;
  delays = NULL;
  want_delay = pump_wl = NAN;
  win[0] = win[1] = NAN;
  degen = 2;
  ne = 0;
  fixne = 0;
  int rc = CLI_USAGE, first;
  gk_ta_options o;
  struct pump_opts po;
  if (cli_qopt_parse(&c, argc, argv, opts, CLI_NOPTS(opts), &first) < 0) goto parsed;
  o = O;
  o.win_lo = win[0];
  o.win_hi = win[1];
  if (!(degen >= GK_TA_DEGENERACY_MIN && degen <= GK_TA_DEGENERACY_MAX)) { cli_qopt_fail("degeneracy", "must be 0.5 to 50"); goto parsed; }
  if (!(ne >= 0 && ne <= 50)) { cli_qopt_fail("charging", "must be 0 to 50"); goto parsed; }
  o.degeneracy = degen;
  o.ne = ne;
  if (fixne) o.fit_ne = 0;
  o.alpha0_ref = alpha0_s && !strcmp(alpha0_s, "neutral") ? GK_TA_ALPHA0_NEUTRAL : GK_TA_ALPHA0_OWN;
  if (first < argc) { cli_usage(c.cmd, "unexpected argument '%s'", argv[first]); goto parsed; }
  double tf = 1;
  if (tunit && gk_unit_factor(tunit, "s", &tf, NULL) != GK_OK) {
    cli_qopt_fail("time-unit", "'%s' is not a unit of time", tunit);
    goto parsed;
  }
  if (longf && ndelta) { cli_usage(c.cmd, "--long: give either --long FILE or --delta files, not both"); goto parsed; }
  if (longf && delays) { cli_usage(c.cmd, "--long: the delays come from its delay column; drop --delays"); goto parsed; }
  if (!ground || !(ndelta || longf)) { cli_usage(c.cmd, "need --ground FILE and --delta FILE (or --long FILE)"); goto parsed; }
  if (!isnan(o.probe_nm) && !isnan(o.win_lo)) { cli_usage(c.cmd, "--probe and --window exclude each other"); goto parsed; }
  if (PO.nmean && !isnan(PO.sigma)) { cli_usage(c.cmd, "--n-mean and --cross-section exclude each other"); goto parsed; }
  if (delays && ndl != ndelta) { cli_usage(c.cmd, "--delays: %zu values for %zu --delta files", ndl, ndelta); goto parsed; }
  po = PO;
  rc = run_parsed(&c, &o, &po);
parsed:
  free(delays);
  free(PO.photon);
  free(PO.nmean);
  delays = NULL;
  PO.photon = PO.nmean = NULL;
  return rc;
}

static int run_parsed(cli_common *c, const gk_ta_options *o, const struct pump_opts *po)
{
  static const cli_fieldmap fields[] = {{"delay_unit", "--time-unit"}, {"long_path", "--long"}, {NULL, NULL}};
  cli_set_fieldmap(fields);
  gk_error e;
  gk_error_clear(&e);
  gk_ta_inputs in;
  gk_ta_inputs_default(&in);
  in.ground = ground;
  in.delta = delta;
  in.ndelta = ndelta;
  in.long_path = longf;
  in.delays = delays;
  in.ndelays = ndl;
  in.delay_unit = tunit;
  in.cross_section = po->sigma;
  in.photon_fluence = po->photon;
  in.nphoton_fluence = po->nphoton;
  in.pump_wavelength = pump_wl;
  in.n_mean = po->nmean;
  in.nn_mean = po->nnmean;
  in.delay = want_delay;
  gk_ta_prepared p;
  int rc = gk_ta_prepare(&in, &p, &e);
  cli_notes_warn(&p.notes, NULL);
  if (rc) {
    rc = cli_lib_error(c->cmd, &e);
    gk_ta_prepared_free(&p);
    return rc;
  }
  gk_ta_options oo = *o;
  oo.delay_index = p.delay_index;
  gk_ta_result r;
  memset(&r, 0, sizeof r);
  if (gk_ta_analyze(&p.set, &oo, &r, &e) != GK_OK) {
    if (!e.option[0] && !e.file[0]) snprintf(e.file, sizeof e.file, "%s", p.path);
    rc = cli_error(&e);
  } else
    rc = ta_emit(c, &p, &oo, &r);
  gk_ta_result_free(&r);
  gk_ta_prepared_free(&p);
  return rc;
}

const struct cli_command cli_cmd_ta = {
  .name = "ta",
  .summary = "gain threshold, gain spectra and gain lifetime from transient absorption",
  .order = 400,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "--ground A0.csv (--delta DA.csv [--delta DA2.csv ...] | --long LONG.csv)\n"
           "                  [--probe NM | --window NM1:NM2] [--delay T] [--delays LIST]\n"
           "                  [--cross-section S [--pump-wavelength NM | --photon-fluence LIST] | --n-mean LIST]\n"
           "                  [--gain-fit [--degeneracy G] [--free-degeneracy] [--charging NE] [--fixed-charging]]",
  .about =
    "A0.csv: wavelength, ground-state absorbance (OD). DA.csv: Delta OD matrix, first row\n"
    "<N> (or pump fluence), first column wavelength; one file per delay (delay from\n"
    "'# delay: 4 ps' or --delays). Reports alpha0 + Delta alpha and -Delta alpha/alpha0 at\n"
    "the probe versus <N>, the gain threshold where -Delta alpha/alpha0 crosses 1\n"
    "(interpolated, with an uncertainty from the neighbouring points), gain spectra\n"
    "-(alpha0 + Delta alpha) > 0 and bandwidth, and with several delays the gain\n"
    "lifetime at the probe. LONG.csv: the whole set as one table with a header naming\n"
    "the columns wavelength, delay (with a time unit, e.g. 'delay (ps)'), pump (<N>,\n"
    "n_mean or a fluence with its unit) and dod (OD or mOD), one row per triple, any\n"
    "order; every wavelength x delay x pump must be present exactly once. See docs/ta.md.",
  .epilog =
    "JSON: {\"command\":\"ta\",\"probe_nm\",\"n_mean\":[],\"normalized\":[],\n"
    "\"threshold\":{\"value\",\"stderr\"},\"gain_bandwidth_nm\", ...}.\n\n"
    "Examples:\n"
    "  gainkit ta --ground examples/ta/ground.csv --delta examples/ta/delta_04ps.csv \\\n"
    "      --probe 537nm --gain-fit --plot ta.png\n"
    "  gainkit ta --ground examples/ta/ground.csv --long examples/ta-long.csv --probe 537nm",
  .run = run,
};
