/* gainkit nc — nanocrystal gain statistics, Auger lifetimes, pump and
 * current thresholds, quantum confinement (docs/physics.md §4, Ahn et al., Chem. Rev. 2023; Qin et al., Nano Lett. 2021).
 * Option tables and library calls; the model and Auger preparation are in
 * gainkit/nc.h (gk_nc_model_resolve, gk_nc_gain_curve, gk_nc_auger_calc),
 * the output in cli/emit_nc.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/nc.h"
#include "emit_nc.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))
#define SEEN(name) cli_qopt_find(q, nq, name)->seen

static int no_plot(const cli_common *c) { return cli_no_plot(c, "gain-curve has one"); }

/* The common start of a subcommand: parse its table (no positional
 * arguments), refuse --plot unless it draws a figure, require the options
 * of `req` (NULL-terminated). -1 after the message (exit 2). */
static int sub_parse(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, int plots,
                     const char *const *req)
{
  int first;
  if (cli_qopt_parse(c, argc, argv, q, nq, &first) < 0) return -1;
  if (first < argc) return cli_usage(c->cmd, "unexpected argument '%s'", argv[first]), -1;
  if (!plots && no_plot(c) < 0) return -1;
  for (; req && *req; req++)
    if (cli_qopt_require(c, q, nq, *req) < 0) return -1;
  return 0;
}

/* ---- gain model options shared by threshold and gain-curve -------------- */
struct model_opts {
  double ge, gh, ne, ne_mean;
  const char *stat, *transition, *material;
};

/* Option state: file-scope statics (the tables are reachable by --help
 * before run); each subcommand's run starts with CLI_RESET. */
static struct model_opts MO;
#define MODEL_QOPTS(m)                                                                                           \
  CLI_OPT_GROUP("Model options"),                                                                                \
  CLI_OPT_NUM("ge", "G", QO_POS, &(m).ge, "2; PbS/PbSe 8", "band-edge electron degeneracy g_e"),                 \
  CLI_OPT_NUM("gh", "G", QO_POS, &(m).gh, "2; PbS/PbSe 8", "band-edge hole degeneracy g_h"),                     \
  CLI_OPT_NUM("ne", "N", QO_NONNEG, &(m).ne, "0", "extra electrons per NC, fixed"),                              \
  CLI_OPT_NUM("ne-mean", "M", QO_NONNEG, &(m).ne_mean, NULL,                                                     \
              "extra electrons per NC, Poisson with mean M (photochemical charging); excludes --ne"),            \
  CLI_OPT_STRING("statistics", "uniform|poisson", &(m).stat, "poisson",                                          \
                 "occupancy of the NCs (uniform is Eq. 5: g_h (g_e - n_e)/(g_e + g_h))"),                        \
  CLI_OPT_STRING("transition", "1S|1P|1D", &(m).transition, "1S",                                                \
                 "shell (degeneracy g(2L+1), lower shells fill first)"),                                         \
  CLI_OPT_STRING("material", "NAME", &(m).material, NULL, "take g_e, g_h from the material table (see nc auger)")

/* The gain model from the options (gk_nc_model_resolve); -1 after the message. */
static int model_from_opts(cli_qopt *q, size_t nq, const struct model_opts *o, gk_nc_gain_model *m)
{
  gk_nc_model_options mo = gk_nc_model_options_default();
  mo.material = o->material;
  mo.statistics = o->stat;
  mo.transition = o->transition;
  if (SEEN("ge")) mo.ge = o->ge;
  if (SEEN("gh")) mo.gh = o->gh;
  if (SEEN("ne")) mo.ne = o->ne;
  if (SEEN("ne-mean")) mo.ne_mean = o->ne_mean;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_model_resolve(&mo, m, &e) == GK_OK) return 0;
  cli_error(&e);
  return -1;
}

static int threshold_of(const gk_nc_gain_model *m, int stat, double *n)
{
  gk_nc_gain_model mm = *m;
  mm.stat = stat;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_threshold(&mm, n, &e) != GK_OK) return cli_error(&e);
  return 0;
}

static cli_qopt q_threshold[] = {MODEL_QOPTS(MO)};
static int cmd_threshold(int argc, char **argv)
{
  cli_common c = {.cmd = "nc threshold"};
  CLI_RESET(MO);
  gk_nc_gain_model m;
  double n_th;
  if (sub_parse(&c, argc, argv, q_threshold, NQ(q_threshold), 0, NULL) < 0 ||
      model_from_opts(q_threshold, NQ(q_threshold), &MO, &m) < 0)
    return CLI_USAGE;
  int rc = threshold_of(&m, m.stat, &n_th);
  return rc ? rc : nc_emit_threshold(&c, &m, n_th);
}

static struct { double range[2], pts; } GC = {.pts = 201};
static cli_qopt q_gain_curve[] = {
  MODEL_QOPTS(MO),
  CLI_OPT_GROUP("Curve options"),
  CLI_OPT_RANGE("range", NULL, GC.range, "0 to twice the states up to the shell", "<N> range of the curve"),
  CLI_OPT_NUM("points", "N", QO_POS, &GC.pts, "201", "points of the curve (2 to 1e6)"),
};
static int cmd_gain_curve(int argc, char **argv)
{
  cli_common c = {.cmd = "nc gain-curve"};
  CLI_RESET(MO), CLI_RESET(GC);
  cli_qopt *q = q_gain_curve;
  const size_t nq = NQ(q_gain_curve);
  double *range = GC.range;
  gk_nc_gain_model m;
  if (sub_parse(&c, argc, argv, q, nq, 1, NULL) < 0 || model_from_opts(q, nq, &MO, &m) < 0) return CLI_USAGE;
  if (!SEEN("range")) range[0] = 0, range[1] = gk_nc_gain_curve_max(&m);
  if (range[0] < 0) return CLI_QFAIL("range", "<N> cannot be negative");
  if (GC.pts < 2 || GC.pts > 1e6 || GC.pts != floor(GC.pts)) return CLI_QFAIL("points", "must be an integer from 2 to 1e6");
  size_t n = (size_t)GC.pts;
  double *x = malloc(3 * n * sizeof *x), tu, tp;
  if (!x) return cli_usage(c.cmd, "out of memory");
  gk_nc_gain_curve(&m, range[0], range[1], n, x, x + n, x + 2 * n);
  int rc = threshold_of(&m, GK_NC_UNIFORM, &tu);
  if (!rc) rc = threshold_of(&m, GK_NC_POISSON, &tp);
  if (!rc) rc = nc_emit_gain_curve(&c, &m, x, x + n, x + 2 * n, n, tu, tp);
  free(x);
  return rc;
}

static struct {
  double radius, volume, chi, tau_rx, tau_rxx, tau_xx, ne, max_n;
  const char *material;
} AU = {.max_n = 4};
static cli_qopt q_auger[] = {
  CLI_OPT_QTY("radius", "R", "cm", QO_POS, &AU.radius, NULL, "NC radius; or --volume"),
  CLI_OPT_QTY("volume", "V", "cm3", QO_POS, &AU.volume, NULL, "NC volume"),
  CLI_OPT_QTY("chi", "X", "ps/nm3", QO_POS, &AU.chi, "the material's", "Auger volume scaling tau_A,XX = chi V"),
  /* no table default: the provenance records --material only when given (test_provenance) */
  CLI_OPT_STRING("material", "NAME", &AU.material, NULL,
                 "cdse, cds, cdte, pbs, pbse, cspbbr3 or cspbi3 (cdse when not given: chi 1 ps nm^-3; "
                 "perovskites 0.06)"),
  CLI_OPT_QTY("tau-rx", "T", "s", QO_POS, &AU.tau_rx, NULL,
              "radiative exciton lifetime (tau_r,XX = tau_r,X/4): adds tau_XX and q_XX"),
  CLI_OPT_QTY("tau-rxx", "T", "s", QO_POS, &AU.tau_rxx, NULL, "radiative biexciton lifetime, instead of --tau-rx"),
  CLI_OPT_QTY("tau-xx", "T", "s", QO_POS, &AU.tau_xx, NULL, "measured biexciton lifetime: tau_A from it instead"),
  CLI_OPT_NUM("ne", "N", QO_NONNEG, &AU.ne, "0", "extra electrons (charging) for Eq. 6"),
  CLI_OPT_NUM("max-n", "N", QO_POS, &AU.max_n, "4", "largest multiexciton order listed (2 to 100)"),
};
static int cmd_auger(int argc, char **argv)
{
  cli_common c = {.cmd = "nc auger"};
  CLI_RESET(AU);
  cli_qopt *q = q_auger;
  const size_t nq = NQ(q_auger);
  if (sub_parse(&c, argc, argv, q, nq, 0, NULL) < 0) return CLI_USAGE;
  gk_error e;
  gk_error_clear(&e);
  const gk_nc_material *mat = gk_nc_material_lookup(AU.material ? AU.material : "cdse", &e);
  if (!mat) return cli_error(&e);
  int hr = SEEN("radius"), hv = SEEN("volume"), has_rx = SEEN("tau-rx"), has_rxx = SEEN("tau-rxx");
  int has_xx = SEEN("tau-xx");
  if (hr && hv) return CLI_QFAIL("volume", "give either --radius or --volume, not both");
  if (has_rx && has_rxx) return CLI_QFAIL("tau-rxx", "give either --tau-rx or --tau-rxx, not both");
  if (AU.max_n != floor(AU.max_n) || AU.max_n < 2 || AU.max_n > 100)
    return CLI_QFAIL("max-n", "must be an integer from 2 to 100");
  gk_nc_auger_in in = {.chi = SEEN("chi") ? AU.chi : mat->chi,
                       .volume_nm3 = hr ? gk_nc_volume_nm3(AU.radius) : hv ? AU.volume * 1e21 : NAN,
                       /* tau_r,XX = tau_r,X/4 [Ahn et al., Chem. Rev. 2023] */
                       .tau_rxx = has_rxx ? AU.tau_rxx : has_rx ? AU.tau_rx / 4 : NAN,
                       .tau_xx = has_xx ? AU.tau_xx : NAN, .ne = AU.ne, .max_n = (int)AU.max_n};
  if (has_xx && isnan(in.tau_rxx))
    return cli_usage(c.cmd, "--tau-xx needs --tau-rx or --tau-rxx to separate Auger from radiative decay");
  if (!has_xx && !hr && !hv) return cli_usage(c.cmd, "give --radius or --volume (or --tau-xx with --tau-rx)");
  gk_nc_auger_out out;
  if (gk_nc_auger_calc(&in, &out, &e) != GK_OK) return cli_error(&e);
  return nc_emit_auger(&c, &(nc_auger_view){.in = &in, .out = &out, .mat = mat, .r_cm = hr ? AU.radius : NAN,
                                            .have_size = hr || hv, .has_xx = has_xx, .chi_given = SEEN("chi")});
}

static struct { double sigma, ev, tx, txx, nth; } PU = {.nth = 1};
static cli_qopt q_pump[] = {
  CLI_OPT_QTY("sigma-abs", "S", "cm2", QO_POS, &PU.sigma, NULL, "absorption cross-section per NC, required"),
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &PU.ev, NULL, "pump photon energy, required"),
  CLI_OPT_QTY("tau-x", "T", "s", QO_POS, &PU.tx, NULL, "single-exciton lifetime, required"),
  CLI_OPT_QTY("tau-xx", "T", "s", QO_POS, &PU.txx, NULL, "biexciton lifetime, required"),
  CLI_OPT_NUM("n-th", "N", QO_NONNEG, &PU.nth, "1", "threshold occupancy <N_th> for w_th"),
};
static int cmd_pump(int argc, char **argv)
{
  cli_common c = {.cmd = "nc pump"};
  CLI_RESET(PU);
  static const char *const req[] = {"sigma-abs", "photon-energy", "tau-x", "tau-xx", NULL};
  if (sub_parse(&c, argc, argv, q_pump, NQ(q_pump), 0, req) < 0) return CLI_USAGE;
  gk_nc_pump p;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_pump_thresholds(PU.sigma, PU.ev, PU.tx, PU.txx, PU.nth, &p, &e) != GK_OK) return cli_error(&e);
  return nc_emit_pump(&c, &p, PU.sigma, PU.ev, PU.nth);
}

static struct { double radius, fill, tx, txx; } CU;
static cli_qopt q_current[] = {
  CLI_OPT_QTY("radius", "R", "cm", QO_POS, &CU.radius, NULL, "NC radius, required"),
  CLI_OPT_NUM("fill", "F", QO_FRACTION, &CU.fill, NULL, "areal filling factor, 0 < F <= 1, required"),
  CLI_OPT_QTY("tau-x", "T", "s", QO_POS, &CU.tx, NULL, "single-exciton lifetime, required"),
  CLI_OPT_QTY("tau-xx", "T", "s", QO_POS, &CU.txx, NULL, "biexciton lifetime, required"),
};
static int cmd_current(int argc, char **argv)
{
  cli_common c = {.cmd = "nc current"};
  CLI_RESET(CU);
  static const char *const req[] = {"radius", "fill", "tau-x", "tau-xx", NULL};
  if (sub_parse(&c, argc, argv, q_current, NQ(q_current), 0, req) < 0) return CLI_USAGE;
  gk_nc_current cur;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_current_thresholds(CU.radius, CU.fill, CU.tx, CU.txx, &cur, &e) != GK_OK) return cli_error(&e);
  return nc_emit_current(&c, &cur, CU.radius, CU.fill);
}

static struct { double nx, ratio; } EM;
static cli_qopt q_emission[] = {
  CLI_OPT_NUM("excitons", "N", QO_NONNEG, &EM.nx, NULL, "excitons per NC: gives the ratio and the 1P occupancy"),
  CLI_OPT_NUM("ratio", "R", QO_NONNEG, &EM.ratio, NULL,
              "measured I_1P/I_1S: gives N = 2 + sqrt(12 R) (R = 0 or >= 3: not determined)"),
};
static int cmd_emission(int argc, char **argv)
{
  cli_common c = {.cmd = "nc emission"};
  CLI_RESET(EM);
  cli_qopt *q = q_emission;
  const size_t nq = NQ(q_emission);
  if (sub_parse(&c, argc, argv, q, nq, 0, NULL) < 0) return CLI_USAGE;
  int has_n = SEEN("excitons");
  if (has_n == SEEN("ratio")) return cli_usage(c.cmd, "give either --excitons N or --ratio R");
  double n = NAN, f = NAN;
  int rc = GK_OK;
  gk_error e;
  gk_error_clear(&e);
  if (!has_n && (rc = gk_nc_excitons_from_ratio(EM.ratio, &n, &f, &e)) != GK_OK && rc != GK_EDOM) return cli_error(&e);
  return nc_emit_emission(&c, has_n, EM.nx, EM.ratio, rc, n, f);
}

static struct { double radius, me, mh, eg0; } CO;
static cli_qopt q_confinement[] = {
  CLI_OPT_QTY("radius", "R", "cm", QO_POS, &CO.radius, NULL, "NC radius, required"),
  CLI_OPT_NUM("me", "M", QO_POS, &CO.me, NULL, "electron effective mass, in free-electron masses, required"),
  CLI_OPT_NUM("mh", "M", QO_POS, &CO.mh, NULL, "hole effective mass, in free-electron masses, required"),
  CLI_OPT_QTY("eg0", "E", "eV", QO_NONNEG, &CO.eg0, NULL, "bulk band gap, required"),
};
static int cmd_confinement(int argc, char **argv)
{
  cli_common c = {.cmd = "nc confinement"};
  CLI_RESET(CO);
  static const char *const req[] = {"radius", "me", "mh", "eg0", NULL};
  if (sub_parse(&c, argc, argv, q_confinement, NQ(q_confinement), 0, req) < 0) return CLI_USAGE;
  gk_nc_confinement k;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_confinement_calc(CO.radius, CO.me, CO.mh, CO.eg0, &k, &e) != GK_OK) return cli_error(&e);
  return nc_emit_confinement(&c, &k, CO.radius, CO.me, CO.mh);
}

#define NC_INTRO                                                                  \
  "Nanocrystal (quantum dot) optical gain from band-edge statistics (Klimov,\n"   \
  "Chem. Rev. 2023; Qin et al., Nano Lett. 2021; docs/physics.md section 4).\n"        \
  "Values accept unit suffixes (2.5nm, 20ns, 65ps, 3eV, 3e-15cm2); bare numbers\n" \
  "are in the unit shown (nm, ns, ps: the units papers quote; never silently cm\n"  \
  "or s), and a value outside the plausible range gets a warning.\n\n"
/* One subcommand each: name, usage, (no hand-written help), run, its
 * option table, what it computes (about) and JSON keys + examples
 * (epilog); `gainkit nc SUB --help` and `gainkit nc --help` are generated. */
#define SUB(NAME, ARGS, RUN, Q, ABOUT, EPILOG) {NAME, ARGS, NULL, RUN, Q, NQ(Q), ABOUT, EPILOG}
static const struct cli_subcommand subs[] = {
  SUB("threshold", "[--ge G --gh G] [--ne N | --ne-mean M] [options]", cmd_threshold, q_threshold,
      "Gain threshold <N_th> (average excitons per NC).",
      "JSON: {\"n_th\": ...}.  Example (neutral 2-fold, Poisson -> 1.1462):\n"
      "  gainkit nc threshold --ge 2 --gh 2"),
  SUB("gain-curve", "[model options] [--range N1:N2] [--points N] [-o F.csv] [--plot F.svg]", cmd_gain_curve,
      q_gain_curve, "Normalised gain -alpha/alpha0 versus <N>, uniform and Poisson.",
      "JSON: {\"n\", \"gain_uniform\", \"gain_poisson\", \"n_th_uniform\", \"n_th_poisson\"}; -o curve.csv, --plot gain.svg\n"
      "Example:\n"
      "  gainkit nc gain-curve --ne 1 --plot gain.svg"),
  SUB("auger", "(--radius R | --volume V | --tau-xx T) [options]", cmd_auger, q_auger,
      "Biexciton Auger lifetime tau_A,XX = chi V (V-scaling) and the multiexciton lifetimes by\n"
      "statistical scaling (Ahn et al., Chem. Rev. 2023, Eq. 6).",
      "Examples:\n"
      "  gainkit nc auger --radius 2.5nm --tau-rx 20ns\n"
      "  gainkit nc auger --tau-xx 1.3ns --tau-rxx 3ns      (tau_A 2.3 ns, q_XX 43 %)"),
  SUB("pump", "--sigma-abs S --photon-energy E --tau-x T --tau-xx T [--n-th N]", cmd_pump, q_pump,
      "Optical pump thresholds.",
      "JSON: {\"w_th\" J/cm2 (short pulse), \"i_th\" W/cm2 (cw gain threshold), \"i_half\" W/cm2\n"
      "(half-saturated gain)}.\n"
      "Example:\n"
      "  gainkit nc pump --sigma-abs 3e-15 --photon-energy 3eV --tau-x 20ns --tau-xx 65ps"),
  SUB("current", "--radius R --fill F --tau-x T --tau-xx T", cmd_current, q_current,
      "Electrical thresholds (Ahn et al., Chem. Rev. 2023, Eq. 8-9).",
      "JSON: {\"j_th\", \"j_half\"} in A/cm2, \"sigma_g\" in cm2.\n"
      "Example:\n"
      "  gainkit nc current --radius 2.5nm --fill 0.5 --tau-x 20ns --tau-xx 65ps"),
  SUB("confinement", "--radius R --me M --mh M --eg0 E", cmd_confinement, q_confinement,
      "1S/1P/1D electron and hole energies and band gap, infinite spherical well (Ahn et al.,\n"
      "Chem. Rev. 2023, Eq. 1-2).",
      "Example:\n"
      "  gainkit nc confinement --radius 2nm --me 0.13 --mh 0.45 --eg0 1.74"),
  SUB("emission", "--excitons N | --ratio R", cmd_emission, q_emission,
      "1P/1S emission ratio (N - 2)^2/12 and 1P occupancy (N - 2)/6 of a NC holding N excitons,\n"
      "1S (2-fold) then 1P (6-fold) filled in order (Ahn et al., Chem. Rev. 2023, section 6.1.6),\n"
      "or N and the occupancy from a measured ratio.",
      "Examples:\n"
      "  gainkit nc emission --excitons 5.46       (ratio 1: 1P and 1S equal)\n"
      "  gainkit nc emission --ratio 0.75"),
  {NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL},
};

extern const struct cli_command cli_cmd_nc;
static int run(int argc, char **argv) { return cli_dispatch(&cli_cmd_nc, argc, argv); }

const struct cli_command cli_cmd_nc = {
  .name = "nc",
  .summary = "nanocrystal gain: thresholds, gain curve, Auger, pump/current thresholds, confinement, 1P/1S emission",
  .order = 60,
  .run = run,
  .subs = subs,
  .intro = NC_INTRO,
};
