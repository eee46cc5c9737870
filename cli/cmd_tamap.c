/* gainkit tamap — transient-absorption maps dA(lambda, t): SVD, chirp,
 * global and target analysis (DAS/SAS), absorption cross-section from a
 * fluence series. Option tables, the calls into src/tamap (gainkit/tamap.h:
 * gk_tamap_prepare reads and prepares every map) and the output
 * (cli/emit_tamap.c, emit_tamap_fit.c). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
static mapopt MO = {NULL, NULL, NULL, NAN, -1, 0};

#define MAP_QOPTS_READ                                                                                 \
  CLI_OPT_GROUP("Map options"),                                                                        \
  CLI_OPT_STRING("layout", "auto|rows|columns", &MO.layout, "auto",                                    \
                 "delays in the first row (rows: one row per wavelength) or in the first column; "     \
                 "auto: the axis with t <= 0"),                                                        \
  CLI_OPT_STRING("delay-unit", "U", &MO.delay_unit, NULL,                                              \
                 "unit of the delays when the corner cell does not name it (\"wavelength (nm) \\ "     \
                 "delay (ps)\"); no default: a bare delay in the file is never assumed to be ps"),     \
  CLI_OPT_STRING("signal-unit", "OD|mOD", &MO.signal_unit, "OD", "unit of dA"),                        \
  CLI_OPT_QTY("background", "T", "s", QO_ANY, &MO.background, NULL,                                    \
              "subtract per wavelength the mean of the delays before T (pre-time-zero background), "   \
              "e.g. -0.5ps")
#define MAP_QOPTS                                                                                      \
  MAP_QOPTS_READ,                                                                                      \
  CLI_OPT_NUM("chirp", "ORDER", QO_NONNEG, &MO.chirp_order, "none",                                    \
              "fit t0(lambda), a polynomial of ORDER (0..4) in (lambda - lambda_mid)/100 nm, to the "  \
              "half-rise of every trace and shift the traces onto it (linear interpolation)"),         \
  CLI_OPT_QTY("exclude", "W", "s", QO_NONNEG, &MO.exclude, "0",                                        \
              "leave out |t - t0(lambda)| <= W (coherent artefact); t0(lambda) from --chirp, else a "  \
              "quadratic fitted to the half-rise onsets")

/* the flags of the library's fields that are not "--" + the field */
static const cli_fieldmap fields[] = {{"chirp_order", "--chirp"}, {NULL, NULL}};

/* The map options as gk_tamap_prepare's (the option strings checked here). */
static int prep_options(const mapopt *mo, gk_tamap_prepare_options *po)
{
  cli_set_fieldmap(fields);
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
static int load(const char *path, const gk_tamap_prepare_options *po, gk_tamap_prepared *p)
{
  gk_error e;
  gk_error_clear(&e);
  if (gk_tamap_prepare(path, po, p, &e) != GK_OK) return cli_error(&e);
  cli_notes_warn(&p->notes, "--delay-unit");
  return 0;
}

/* The start of a subcommand on one map FILE: parse, exactly one argument,
 * the map read with the map options (MO). */
static int one_map(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, const char **path,
                   gk_tamap_prepared *p)
{
  int first;
  gk_tamap_prepare_options po;
  if (cli_qopt_parse(c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  if (first >= argc) return cli_usage(c->cmd, "give a map FILE");
  if (first + 1 < argc) return cli_usage(c->cmd, "unexpected argument '%s'", argv[first + 1]);
  *path = argv[first];
  int rc = prep_options(&MO, &po);
  return rc ? rc : load(*path, &po, p);
}

/* ---- svd ------------------------------------------------------------- */

static long nvec = 4;
static cli_qopt q_svd[] = {
  CLI_OPT_INT("vectors", "K", &nvec, 1, 20, "4", "singular vectors reported (1 to 20)"),
  MAP_QOPTS,
};

static int cmd_svd(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap svd"};
  CLI_RESET(MO), CLI_RESET(nvec);
  const char *path;
  gk_tamap_prepared p;
  int rc = one_map(&c, argc, argv, q_svd, NQ(q_svd), &path, &p);
  if (rc) return rc;
  gk_error e = {0};
  gk_tamap_svd s;
  if (gk_tamap_svd_run(&p.map, (size_t)nvec, &s, &e) != GK_OK) {
    gk_tamap_prepared_free(&p);
    return cli_error(&e);
  }
  rc = emit_tamap_svd(&c, path, &p.map, &p.chirp, p.has_chirp, &s);
  gk_tamap_svd_free(&s);
  gk_tamap_prepared_free(&p);
  return rc;
}

/* ---- chirp ------------------------------------------------------------ */

static long order = 2;
static cli_qopt q_chirp[] = {
  CLI_OPT_INT("order", "N", &order, 0, GK_TAMAP_MAX_ORDER, "2", "polynomial order"),
  MAP_QOPTS_READ,
};

static int cmd_chirp(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap chirp"};
  CLI_RESET(MO), CLI_RESET(order);
  const char *path;
  gk_tamap_prepared p;
  gk_tamap_chirp ch;
  int rc = one_map(&c, argc, argv, q_chirp, NQ(q_chirp), &path, &p);
  if (rc) return rc;
  gk_error e = {0};
  if (gk_tamap_chirp_fit(&p.map, (int)order, &ch, &e) != GK_OK) {
    gk_tamap_prepared_free(&p);
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
    return cli_error(&e);
  }
  double *on = malloc(p.map.nw * sizeof *on);
  if (!on) { gk_tamap_prepared_free(&p); return CLI_FAILED; }
  gk_tamap_onsets(&p.map, 5.0, on, &e);
  rc = emit_tamap_chirp(&c, path, &p.map, &ch, on);
  free(on);
  gk_tamap_prepared_free(&p);
  return rc;
}

/* ---- fit -------------------------------------------------------------- */

/* the artefact-window passes stop on an interrupt */
static int fit_stop(void *ctx, size_t done, size_t total)
{
  (void)ctx, (void)done, (void)total;
  return cli_interrupted();
}

static struct {
  const char *scheme, *init, *tau, *t0, *irf, *tunit;
  double das, seq, fwhm, disp;
} FIT = {.fwhm = 100e-15};
static cli_qopt q_fit[] = {
  CLI_OPT_GROUP("Model (exactly one)"),
  CLI_OPT_NUM("das", "N", QO_POS, &FIT.das, NULL, "N parallel decays (decay-associated spectra)"),
  CLI_OPT_NUM("sequential", "N", QO_POS, &FIT.seq, NULL, "A -> B -> ... (evolution-associated spectra)"),
  CLI_OPT_STRQ("tau", "T1,T2,...", "s", &FIT.tau, "1, 10, 100 ps ...", "starting lifetimes for --das/--sequential"),
  CLI_OPT_STRING("scheme", "TEXT|FILE.yaml", &FIT.scheme, NULL,
                 "target model \"XX->X:40ps, X->0:3ns, H->X:0.4ps\": FROM->TO:RATE, RATE a rate (0.025/ps, "
                 "2.5e10) or a lifetime (40ps); '!' after it fixes it; 0 or GS is the ground state; branching = "
                 "two transitions. Or the same as a YAML file (docs/tamap.md): transitions: - {from: XX, to: X, "
                 "lifetime: 40ps[, fixed: true]} (or rate: 2.5e10), initial: {XX: 1, X: 0.3} or a list of such "
                 "mappings, one per map"),
  CLI_OPT_STRING("init", "A=1,XX=0.3", &FIT.init, "1 in the first species",
                 "initial populations of the scheme; one set per map separated by '/' (\"H=1,XX=0.1/H=1,XX=0.6\")"),
  CLI_OPT_GROUP("Instrument response and time zero"),
  CLI_OPT_QTY("irf-fwhm", "T", "s", QO_NONNEG, &FIT.fwhm, "100 fs", "Gaussian IRF FWHM, start value (0: no IRF)"),
  CLI_OPT_FLAG("fix-irf", NULL, "hold the FWHM"),
  CLI_OPT_FLAG("irf-per-set", NULL, "one FWHM per map"),
  CLI_OPT_STRING("irf", "FILE", &FIT.irf, NULL,
                 "measured IRF instead (time, response; its centroid is t0), convolved with every decay"),
  CLI_OPT_STRING("time-unit", "U", &FIT.tunit, NULL, "time unit of the --irf file when its header has none"),
  CLI_OPT_STRQ("t0", "T[,T2...]", "s", &FIT.t0, "0", "time zero start, one or one per map"),
  CLI_OPT_FLAG("fix-t0", NULL, "hold time zero"),
  CLI_OPT_NUM("dispersion", "N", QO_NONNEG, &FIT.disp, "0",
              "fit a wavelength-dependent IRF shift, polynomial of order N (1..3)"),
  CLI_OPT_GROUP("Fit"),
  CLI_OPT_FLAG("nnls", NULL, "non-negative spectra (Lawson-Hanson) per map and wavelength"),
  CLI_OPT_FLAG("profile", NULL,
               "profile-likelihood 68 % intervals of the rates (each held in turn, the rest refitted, until chi2 "
               "rises by chi2/dof); a rate whose interval reaches 0 is reported as a limit (lifetime >= ...)"),
  MAP_QOPTS,
};

static int cmd_fit(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap fit"};
  CLI_RESET(MO), CLI_RESET(FIT);
  cli_qopt *q = q_fit;
  const size_t nq = NQ(q_fit);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  const mapopt mo = MO;
  gk_tamap_prepare_options po;
  const char *scheme = FIT.scheme, *init = FIT.init, *tau_s = FIT.tau, *t0_s = FIT.t0, *irf_s = FIT.irf,
             *tunit = FIT.tunit;
  const double das = FIT.das, seq = FIT.seq, fwhm = FIT.fwhm, disp = FIT.disp;
  size_t nsets = (size_t)(argc - first);
  if (nsets < 1) return cli_usage(c.cmd, "give one or more map FILEs");
  if (nsets > GK_TAMAP_MAX_SETS) return cli_usage(c.cmd, "at most %d maps in one fit", GK_TAMAP_MAX_SETS);
  int nmodel = (scheme != NULL) + (das > 0) + (seq > 0);
  if (nmodel != 1) return cli_usage(c.cmd, "give exactly one of --scheme, --das N, --sequential N");
  if (init && !scheme) return CLI_QFAIL("init", "goes with --scheme");
  if (disp != floor(disp) || disp > 3) return CLI_QFAIL("dispersion", "must be an integer 0..3");
  gk_error e;
  gk_error_clear(&e);
  /* the model (gk_tamap_model); a non-integer count is refused there */
  gk_tamap_scheme s;
  double c0_pack[GK_TAMAP_MAX_SETS * GK_TAMAP_MAX_COMP], *tauv = NULL, nc = das > 0 ? das : seq;
  static const double given[1] = {0};
  size_t ntau = 0;
  int per_set_init = 0, nci = nc == floor(nc) && nc <= GK_TAMAP_MAX_COMP ? (int)nc : GK_TAMAP_MAX_COMP + 1;
  if (tau_s && !scheme && nci <= GK_TAMAP_MAX_COMP && cli_list("--tau", tau_s, "s", &tauv, &ntau) < 0) return CLI_USAGE;
  gk_tamap_model_options mopt = {scheme, init, das > 0 ? nci : 0, seq > 0 ? nci : 0, tauv ? tauv : tau_s ? given : NULL, ntau};
  cli_set_fieldmap(fields);
  int mrc = gk_tamap_model(&mopt, nsets, &s, c0_pack, &per_set_init, &e);
  free(tauv);
  if (mrc) return cli_error(&e);
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  gk_kin_prepared irfp;
  memset(&irfp, 0, sizeof irfp);
  if (irf_s) {
    if (cli_qopt_find(q, nq, "irf-fwhm")->seen) return CLI_QFAIL("irf", "give either --irf FILE (measured) or --irf-fwhm");
    if (cli_qopt_find(q, nq, "fix-irf")->seen || cli_qopt_find(q, nq, "irf-per-set")->seen)
      return CLI_QFAIL("irf", "a measured IRF has no width to fit (--fix-irf, --irf-per-set go with --irf-fwhm)");
    o.irf.kind = GK_KIN_IRF_MEASURED;   /* read below, after the option checks */
  } else if (tunit) {
    return CLI_QFAIL("time-unit", "goes with --irf (the unit of its time column when the header names none)");
  } else if (fwhm > 0) o.irf.fwhm = fwhm;
  else o.irf.kind = GK_KIN_IRF_NONE;
  o.fwhm_fixed = cli_qopt_find(q, nq, "fix-irf")->seen;
  o.irf_per_set = cli_qopt_find(q, nq, "irf-per-set")->seen;
  o.t0_fixed = cli_qopt_find(q, nq, "fix-t0")->seen;
  o.nnls = cli_qopt_find(q, nq, "nnls")->seen;
  o.disp_order = (int)disp;
  if (per_set_init) o.c0_sets = c0_pack;
  if (t0_s) {
    double *tv;
    size_t nt;
    if (cli_list("--t0", t0_s, "s", &tv, &nt) < 0) return CLI_USAGE;
    if (nt != 1 && nt != nsets) { free(tv); return CLI_QFAIL("t0", "give one time zero or one per map (%zu)", nsets); }
    for (size_t d = 0; d < nsets; d++) o.t0[d] = tv[nt == 1 ? 0 : d];
    free(tv);
  }
  if (o.irf.kind == GK_KIN_IRF_NONE && !o.t0_fixed)
    return CLI_QFAIL("irf-fwhm", "0 (no IRF) needs --fix-t0: without an instrument response time zero is not determined");
  if (irf_s) {
    /* the library's IRF reader (gainkit kinetics and trpl use it too) */
    if (gk_kin_irf_read(irf_s, tunit, &irfp, &e) != GK_OK) {
      gk_kin_prepared_free(&irfp);
      if (strstr(e.msg, "no time unit")) strncat(e.msg, " (--time-unit)", sizeof e.msg - strlen(e.msg) - 1);
      return cli_error(&e);
    }
    o.irf.t = irfp.t;
    o.irf.y = irfp.y;
    o.irf.n = irfp.d.n;
  }
  int rc = prep_options(&mo, &po);
  po.keep_base = 1;
  gk_tamap_prepared maps[GK_TAMAP_MAX_SETS];
  size_t loaded = 0;
  for (size_t d = 0; !rc && d < nsets; d++, loaded++) rc = load(argv[first + (int)d], &po, &maps[d]);
  if (rc && loaded) loaded--;
  gk_tamap_global_result res;
  int refit = 0;
  if (!rc) {
    gk_progress pr = cli_progress("global fit"), stop = {fit_stop, NULL};
    o.profile = cli_qopt_find(q, nq, "profile")->seen;
    rc = gk_tamap_global_fit_passes(maps, nsets, &s, &o, mo.exclude, &stop, &res, &refit, &e) != GK_OK ? cli_error(&e) : 0;
    cli_progress_done(&pr);
  }
  gk_kin_prepared_free(&irfp);
  o.irf.t = o.irf.y = NULL;
  if (!rc) {
    tamap_fit_view v = {argv + first, nsets, maps, &s, &o, &res, scheme != NULL, das > 0, refit, mo.exclude};
    rc = emit_tamap_fit(&c, &v);
    gk_tamap_global_result_free(&res);
  }
  for (size_t d = 0; d < loaded; d++) gk_tamap_prepared_free(&maps[d]);
  return rc;
}

/* ---- sigma ------------------------------------------------------------ */

static struct { double hnu, win[2], band[2]; const char *fluence; } SG = {0, {NAN, NAN}, {NAN, NAN}, NULL};
static cli_qopt q_sigma[] = {
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &SG.hnu, NULL, "pump photon energy, required"),
  CLI_OPT_STRQ("fluence", "F1,F2,..", "J/cm2", &SG.fluence, NULL,
               "pump fluence of each map, in the order of the maps (units as 5uJ/cm2)"),
  CLI_OPT_RANGE("window", "s", SG.win, NULL, "delays averaged in every map (e.g. 200ps:1ns), required with maps"),
  CLI_OPT_RANGE("band", "nm", SG.band, "all", "wavelengths averaged"),
  MAP_QOPTS,
};

static int cmd_sigma(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap sigma"};
  CLI_RESET(MO), CLI_RESET(SG);
  cli_qopt *q = q_sigma;
  const size_t nq = NQ(q_sigma);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  const mapopt mo = MO;
  const double hnu = SG.hnu, *win = SG.win, *band = SG.band;
  const char *fl_s = SG.fluence;
  if (first >= argc) return cli_usage(c.cmd, "give a FILE of fluence and signal, or maps with --fluence");
  if (cli_qopt_require(&c, q, nq, "photon-energy") < 0) return CLI_USAGE;
  size_t nf = (size_t)(argc - first);
  int maps = fl_s != NULL;
  if (!maps) {
    if (nf > 1) return cli_usage(c.cmd, "unexpected argument '%s' (several maps need --fluence)", argv[first + 1]);
    static const char *mapo[] = {"window", "band", "delay-unit", "signal-unit", "layout", "background", "chirp", "exclude"};
    for (size_t i = 0; i < sizeof mapo / sizeof *mapo; i++)
      if (cli_qopt_find(q, nq, mapo[i])->seen) return CLI_QFAIL(mapo[i], "goes with maps and --fluence");
  } else if (!isfinite(win[0])) {
    return cli_usage(c.cmd, "maps need --window T1:T2, the delays of the single-exciton signal (e.g. 200ps:1ns)");
  }
  const char *path = argv[first];
  gk_columns col = {0};
  double *fx = NULL, *fy = NULL;
  size_t n = 0;
  int flipped = 0, rc = 0;
  const char *y_unit = "(file units)";
  if (maps) {
    size_t nl;
    if (cli_list("--fluence", fl_s, "J/cm2", &fx, &nl) < 0) return CLI_USAGE;
    if (nl != nf) { free(fx); return CLI_QFAIL("fluence", "%zu values for %zu maps", nl, nf); }
    if (nf < 3) { free(fx); return cli_usage(c.cmd, "the saturation fit needs >= 3 maps (got %zu)", nf); }
    fy = malloc(nf * sizeof *fy);
    if (!fy) { free(fx); return cli_usage(c.cmd, "out of memory"); }
    /* no --band: every wavelength */
    double bw[2] = {isfinite(band[0]) ? band[0] : 0, isfinite(band[1]) ? band[1] : DBL_MAX};
    gk_tamap_prepare_options po;
    rc = prep_options(&mo, &po);
    if (!rc) {
      gk_error e;
      gk_notes notes = {0};
      gk_error_clear(&e);
      cli_set_fieldmap(fields);
      int lrc = gk_tamap_series_signal((const char *const *)(argv + first), nf, &po, win[0], win[1], bw[0], bw[1], fy,
                                       &flipped, &notes, &e);
      cli_notes_warn(&notes, "--delay-unit");
      gk_notes_free(&notes);
      if (lrc) rc = cli_error(&e);
    }
    if (rc) { free(fx); free(fy); return rc; }
    n = nf;
    y_unit = "OD";
  } else {
    gk_columns_options co = {0};
    co.min_points = 3;
    co.allow_unsorted = 1;
    co.reject_duplicate_x = 1;
    co.require_positive_x = 1;
    rc = cli_read_xy(path, &co, "J/cm2", &col);
    if (rc) return rc;
    fx = col.x;
    fy = col.y;
    n = col.n;
    if (col.y_unit[0]) y_unit = col.y_unit;
  }
  gk_error e;
  gk_error_clear(&e);
  gk_tamap_sigma_fit f;
  if (gk_tamap_sigma_run(fx, fy, n, hnu, &f, &e) != GK_OK) {
    if (!e.file[0] && !maps) snprintf(e.file, sizeof e.file, "%s", path);
    if (maps) { free(fx); free(fy); }
    gk_columns_free(&col);
    return cli_error(&e);
  }
  tamap_sigma_view v = {path, argv + first, maps, fx, fy, n, win, band, flipped, hnu, y_unit, &f};
  rc = emit_tamap_sigma(&c, &v);
  if (maps) { free(fx); free(fy); }
  gk_columns_free(&col);
  return rc;
}

/* ---- gain --------------------------------------------------------------- */

static struct {
  const char *ground, *nmean, *fluence;
  double win[2], delay, sigma, hnu, thick, probe, degen;
} GN = {NULL, NULL, NULL, {NAN, NAN}, NAN, 0, 0, 0, NAN, 2};
static cli_qopt q_gain[] = {
  CLI_OPT_STRING("ground", "A0.csv", &GN.ground, NULL,
                 "wavelength (nm), ground-state absorbance A0 (OD), interpolated; required"),
  CLI_OPT_GROUP("Pump levels (one of)"),
  CLI_OPT_STRING("n-mean", "LIST", &GN.nmean, NULL, "<N> of the maps, in their order"),
  CLI_OPT_STRQ("fluence", "LIST", "J/cm2", &GN.fluence, NULL,
               "pump fluence of the maps, in their order, with --cross-section and --photon-energy: "
               "<N> = S F/(h nu)"),
  CLI_OPT_QTY("cross-section", "S", "cm2", QO_POS, &GN.sigma, NULL, "absorption cross-section per NC"),
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &GN.hnu, NULL, "pump photon energy"),
  CLI_OPT_GROUP("Delays (one of)"),
  CLI_OPT_QTY("delay", "T", "s", QO_ANY, &GN.delay, NULL, "analyse one delay (nearest sample; every map must have it)"),
  CLI_OPT_RANGE("window", "s", GN.win, NULL, "dA averaged over these delays (with units: 2ps:4ps)"),
  CLI_OPT_GROUP("Gain"),
  CLI_OPT_QTY("thickness", "d", "cm", QO_POS, &GN.thick, NULL, "film thickness: material gain -(A0 + dA) ln10/d"),
  CLI_OPT_FLAG("gain-fit", NULL,
               "Poisson gain-curve fit of -dA/A0 versus <N> (as gainkit ta --gain-fit, n_e = 0): the band-edge "
               "degeneracy g and the model's <N_th>"),
  CLI_OPT_QTY("probe", "NM", "nm", QO_POS, &GN.probe, "the wavelength of the lowest threshold",
              "wavelength of the --gain-fit"),
  CLI_OPT_NUM("degeneracy", "G", QO_POS, &GN.degen, "2", "start of g in --gain-fit"),
  MAP_QOPTS,
};

static int cmd_gain(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap gain"};
  CLI_RESET(MO), CLI_RESET(GN);
  cli_qopt *q = q_gain;
  const size_t nq = NQ(q_gain);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  const mapopt mo = MO;
  const char *ground = GN.ground, *nm_s = GN.nmean, *fl_s = GN.fluence;
  double *win = GN.win;
  const double delay = GN.delay, sigma = GN.sigma, hnu = GN.hnu, thick = GN.thick, probe = GN.probe,
               degen = GN.degen;
  int gfit = cli_qopt_find(q, nq, "gain-fit")->seen;
  if (!gfit && (cli_qopt_find(q, nq, "probe")->seen || cli_qopt_find(q, nq, "degeneracy")->seen))
    return CLI_QFAIL(cli_qopt_find(q, nq, "probe")->seen ? "probe" : "degeneracy", "goes with --gain-fit");
  size_t nsets = (size_t)(argc - first);
  if (nsets < 2) return cli_usage(c.cmd, "give two or more map FILEs (one per pump level, increasing)");
  if (nsets > GK_TAMAP_MAX_GAIN_SETS) return cli_usage(c.cmd, "at most %d maps", GK_TAMAP_MAX_GAIN_SETS);
  if (cli_qopt_require(&c, q, nq, "ground") < 0) return CLI_USAGE;
  if ((nm_s != NULL) == (fl_s != NULL)) return cli_usage(c.cmd, "give either --n-mean or --fluence (with --cross-section, --photon-energy)");
  if (fl_s && (cli_qopt_require(&c, q, nq, "cross-section") < 0 || cli_qopt_require(&c, q, nq, "photon-energy") < 0))
    return CLI_USAGE;
  if (isfinite(delay) == isfinite(win[0])) return cli_usage(c.cmd, "give either --delay T or --window T1:T2");
  double *lst;
  size_t nl;
  if (cli_list(nm_s ? "--n-mean" : "--fluence", nm_s ? nm_s : fl_s, nm_s ? "" : "J/cm2", &lst, &nl) < 0) return CLI_USAGE;
  if (nl != nsets) { free(lst); return CLI_QFAIL(nm_s ? "n-mean" : "fluence", "%zu values for %zu maps", nl, nsets); }
  double nmean[GK_TAMAP_MAX_GAIN_SETS];
  for (size_t k = 0; k < nsets; k++) {
    nmean[k] = nm_s ? lst[k] : sigma * lst[k] / (hnu * 1.602176634e-19);
    if (!(nmean[k] >= 0) || (k && !(nmean[k] > nmean[k - 1]))) {
      free(lst);
      return CLI_QFAIL(nm_s ? "n-mean" : "fluence", "must be >= 0 and increase, in the order of the maps");
    }
  }
  free(lst);
  gk_error e;
  gk_error_clear(&e);
  gk_columns g = {0};
  gk_columns_options co = {.xkind = GK_XKIND_WAVELENGTH, .allow_unsorted = 1, .reject_duplicate_x = 1};
  if (gk_columns_read(ground, &co, &g, &e) != GK_OK) return cli_error(&e);
  gk_tamap_prepare_options po;
  gk_tamap_prepared maps[GK_TAMAP_MAX_GAIN_SETS];
  const gk_tamap *mp[GK_TAMAP_MAX_GAIN_SETS];
  size_t loaded = 0;
  int rc = prep_options(&mo, &po);
  for (size_t d = 0; !rc && d < nsets; d++, loaded++) {
    rc = load(argv[first + (int)d], &po, &maps[d]);
    mp[d] = &maps[d].map;
  }
  if (rc && loaded) loaded--;
  gk_tamap_gain_result r;
  memset(&r, 0, sizeof r);
  if (!rc) {
    double lo = isfinite(delay) ? delay : win[0], hi = isfinite(delay) ? delay : win[1];
    /* one delay: the nearest sample of the first map, which every map must have */
    if (isfinite(delay)) {
      if (gk_tamap_common_delay(mp, nsets, delay, &lo, &e) != GK_OK) rc = cli_error(&e);
      hi = lo;
    }
    if (!rc && gk_tamap_gain(mp, nsets, nmean, g.x, g.y, g.n, lo, hi, thick, &r, &e) != GK_OK) {
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", ground);
      rc = cli_error(&e);
    }
    win[0] = lo;
    win[1] = hi;
  }
  /* the Poisson gain-curve fit at one wavelength (gainkit ta's) */
  gk_ta_gain_curve gc = {0};
  size_t ip = (size_t)-1;
  gk_error ge;
  gk_error_clear(&ge);
  int gc_ok = !rc && gfit && gk_tamap_gain_curve(&r, nmean, probe, degen, &ip, &gc, &ge) == GK_OK && ip != (size_t)-1;
  if (!rc) {
    tamap_gain_view v = {argv + first, nsets, nmean, nm_s != NULL, win, thick, gfit, &r, ip, &gc, gc_ok, ge.msg};
    rc = emit_tamap_gain(&c, &v);
  }
  for (size_t d = 0; d < loaded; d++) gk_tamap_prepared_free(&maps[d]);
  gk_columns_free(&g);
  gk_ta_gain_curve_free(&gc);
  gk_tamap_gain_free(&r);
  return rc;
}


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
  {.name = "fit", .args = "FILE... (--das N | --sequential N | --scheme TEXT) [options]", .run = cmd_fit,
   .opts = q_fit, .nopts = NQ(q_fit),
   .about = "Global (DAS) or target (SAS) analysis of one or more maps (fluences): rates shared, time zero\n"
            "(and with --irf-per-set the IRF width) and spectra per map.\n",
   .epilog = "Outputs rates with standard errors (from the Jacobian of the projected problem), the lifetimes of\n"
             "the decay modes, t0 and IRF per map; -o x.csv holds SAS, SAS se and DAS.\n"
             "Examples:\n"
             "  gainkit tamap fit examples/tamap/map_low.csv --signal-unit mOD --background -0.5ps --exclude 0.1ps --dispersion 2 --das 3 --tau 0.5ps,40ps,3ns --t0 0.2ps\n"
             "  gainkit tamap fit examples/tamap/map_low.csv examples/tamap/map_high.csv --signal-unit mOD --background -0.5ps --exclude 0.1ps --dispersion 2 --scheme \"H->X:1ps, XX->X:20ps, X->0:1ns\" --init H=1,XX=0.1/H=1,XX=0.6 --t0 0.2ps\n"},
  {.name = "sigma", .args = "FILE|MAP... --photon-energy E [--fluence F1,.. --window T1:T2]", .run = cmd_sigma,
   .opts = q_sigma, .nopts = NQ(q_sigma),
   .about = "Absorption cross-section from the saturation of the single-exciton signal with fluence,\n"
            "S = S_inf (1 - exp(-sigma F/(h nu))) (Poisson statistics; Ahn et al., Chem. Rev. 2023, Fig. 26b;\n"
            "Qin et al., Nano Lett. 2021). FILE columns: fluence (J/cm2 unless the header names a unit,\n"
            "\"fluence (uJ/cm2)\") and the signal (any unit). Or from the maps of a fluence series themselves:\n"
            "MAP1 MAP2 ... (>= 3, one per fluence) with --fluence and --window; the signal of each map is its\n"
            "dA averaged over the delay window (late delays: the single-exciton bleach) and the --band\n"
            "wavelengths, with the sign flipped for a bleach (dA < 0); window means of both signs are refused.\n",
   .epilog = EX "sigma examples/tamap/sigma.csv --photon-energy 3.1eV\n"},
  {.name = "gain", .args = "FILE1 FILE2... --ground A0.csv (--n-mean LIST | --fluence LIST ...) (--delay T | --window T1:T2)",
   .run = cmd_gain, .opts = q_gain, .nopts = NQ(q_gain),
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
