/* gainkit carriers — ABC carrier dynamics in bulk films: PLQY, pulsed
 * excitation, thresholds, gain saturation fit, Mott density (docs/physics.md §7,
 * Goldberg et al., Adv. Mater. 2024 and Tatarinov et al., Adv. Opt. Mater. 2023).
 * Option tables and library calls (sweeps and data preparation: gainkit/carriers.h);
 * the output is cli/emit_carriers.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/carriers.h"
#include "emit_carriers.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

static int unexpected(const cli_common *c, int first, int argc, char **argv)
{
  if (first < argc) return cli_usage(c->cmd, "unexpected argument '%s'", argv[first]);
  return 0;
}

static int require_all(const cli_common *c, cli_qopt *q, size_t nq, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (cli_qopt_require(c, q, nq, names[i]) < 0) return -1;
  return 0;
}

static int points_opt(double p, size_t *n)
{
  if (!(p >= 2 && p <= 1e6 && p == floor(p))) return cli_qopt_fail("points", "must be an integer from 2 to 1e6");
  *n = (size_t)p;
  return 0;
}

/* Option state: file-scope statics (the tables are reachable by --help
 * before run); each subcommand's run starts with CLI_RESET. */
#define ABC_QOPTS(k)                                                                        \
  CLI_OPT_QTY("k1", "K1", "s^-1", QO_NONNEG, &(k).k1, NULL, "monomolecular rate, required"), \
  CLI_OPT_QTY("k2", "K2", "cm3/s", QO_NONNEG, &(k).k2, NULL, "bimolecular rate, required"),  \
  CLI_OPT_QTY("k3", "K3", "cm6/s", QO_NONNEG, &(k).k3, NULL, "Auger rate, required")

/* Option state: file-scope statics (the tables are reachable by --help
 * before run); each subcommand's run starts with CLI_RESET. */
#define ABC_QOPTS(k)                                                                        \
  CLI_OPT_QTY("k1", "K1", "s^-1", QO_NONNEG, &(k).k1, NULL, "monomolecular rate, required"), \
  CLI_OPT_QTY("k2", "K2", "cm3/s", QO_NONNEG, &(k).k2, NULL, "bimolecular rate, required"),  \
  CLI_OPT_QTY("k3", "K3", "cm6/s", QO_NONNEG, &(k).k3, NULL, "Auger rate, required")

static struct { gk_abc k; double dens, range[2], k3r[2], pts; } PL = {.pts = 61};
static cli_qopt q_plqy[] = {
  ABC_QOPTS(PL.k),
  CLI_OPT_QTY("density", "N", "cm^-3", QO_POS, &PL.dens, NULL, "one carrier density"),
  CLI_OPT_RANGE("range", "cm^-3", PL.range, NULL, "a sweep of densities (log-spaced); needed by --plot"),
  CLI_OPT_NUM("points", "N", QO_POS, &PL.pts, "61", "points of the sweep"),
  CLI_OPT_RANGE("k3-range", "cm6/s", PL.k3r, "k3/100:k3*100", "k3 axis of the PLQY map (--plot)"),
};
static int cmd_plqy(int argc, char **argv)
{
  cli_common c = {.cmd = "carriers plqy"};
  CLI_RESET(PL);
  cli_qopt *q = q_plqy;
  const size_t nq = NQ(q_plqy);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0 || unexpected(&c, first, argc, argv)) return CLI_USAGE;
  static const char *const req[] = {"k1", "k2", "k3"};
  if (require_all(&c, q, nq, req, 3) < 0) return CLI_USAGE;
  int has_range = cli_qopt_find(q, nq, "range")->seen, has_d = cli_qopt_find(q, nq, "density")->seen;
  size_t n = 0;
  if (points_opt(PL.pts, &n) < 0) return CLI_USAGE;
  /* the help offers one or the other; both used to print only the sweep */
  if (has_range && has_d) return CLI_QFAIL("range", "give either --density or --range, not both");
  if (has_range && !(PL.range[0] > 0)) return CLI_QFAIL("range", "densities must be positive");
  if (c.plot && !has_range) return cli_usage(c.cmd, "--plot needs --range N1:N2");
  if (cli_qopt_find(q, nq, "k3-range")->seen && !(PL.k3r[0] > 0)) return CLI_QFAIL("k3-range", "k3 must be positive");
  gk_error e;
  gk_error_clear(&e);
  if (gk_plqy_check(&PL.k, &e) != GK_OK) return cli_error(&e);
  double *x = has_range ? malloc(2 * n * sizeof *x) : NULL;
  if (has_range && !x) return cli_usage(c.cmd, "out of memory");
  if (x && gk_plqy_curve(&PL.k, PL.range, n, x, x + n, &e) != GK_OK) { free(x); return cli_error(&e); }
  int rc = carriers_emit_plqy(&c, &PL.k, has_d, PL.dens, x, x ? x + n : NULL, n, PL.k3r);
  free(x);
  return rc;
}

/* ---- pulse --------------------------------------------------------------- */
struct pulse_in {
  gk_abc k;
  double fluence, fwhm, d, absorb, ev, t_end, pts;
  const char *sweep;
};

static int sweep_opt(const char *s, double *a, double *b, size_t *n)
{
  /* T1:T2:n — the last field is the number of widths. */
  const char *last = strrchr(s, ':');
  if (!last || last == s) return cli_qopt_fail("sweep-fwhm", "'%s' is not T1:T2:n", s);
  char head[128];
  size_t len = (size_t)(last - s);
  if (len >= sizeof head) return cli_qopt_fail("sweep-fwhm", "too long");
  memcpy(head, s, len);
  head[len] = '\0';
  long v;
  if (cli_range("--sweep-fwhm", head, "s", a, b) < 0) return -1;
  if (cli_int("--sweep-fwhm", last + 1, 2, 10000, &v) < 0) return -1;
  if (!(*a > 0)) return cli_qopt_fail("sweep-fwhm", "widths must be positive");
  *n = (size_t)v;
  return 0;
}

static struct pulse_in PI = {.absorb = 1, .pts = 400};
static cli_qopt q_pulse[] = {
  ABC_QOPTS(PI.k),
  CLI_OPT_QTY("fluence", "F", "J/cm2", QO_POS, &PI.fluence, NULL, "pump fluence, required"),
  CLI_OPT_QTY("pulse-fwhm", "T", "s", QO_POS, &PI.fwhm, NULL, "Gaussian pulse FWHM , required without --sweep-fwhm"),
  CLI_OPT_QTY("thickness", "d", "cm", QO_POS, &PI.d, NULL, "film thickness, required"),
  CLI_OPT_NUM("absorptance", "A", QO_FRACTION, &PI.absorb, "1", "fraction of the pump absorbed"),
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &PI.ev, NULL, "pump photon energy, required"),
  CLI_OPT_QTY("t-end", "T", "s", QO_POS, &PI.t_end, "10/k1 after the pulse", "end of the time axis"),
  CLI_OPT_NUM("points", "N", QO_POS, &PI.pts, "400", "points of N(t)"),
  CLI_OPT_STRING("sweep-fwhm", "T1:T2:n", &PI.sweep, NULL, "peak N versus pulse width, n widths from T1 to T2 (ps)"),
};
static int cmd_pulse(int argc, char **argv)
{
  cli_common c = {.cmd = "carriers pulse"};
  CLI_RESET(PI);
  struct pulse_in in;
  cli_qopt *q = q_pulse;
  const size_t nq = NQ(q_pulse);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0 || unexpected(&c, first, argc, argv)) return CLI_USAGE;
  in = PI;
  static const char *const req[] = {"k1", "k2", "k3", "fluence", "thickness", "photon-energy"};
  if (require_all(&c, q, nq, req, NQ(req)) < 0) return CLI_USAGE;
  size_t n_sw = 0, n_pts = 0;
  double sw0 = 0, sw1 = 0;
  if (in.sweep && sweep_opt(in.sweep, &sw0, &sw1, &n_sw) < 0) return CLI_USAGE;
  if (!in.sweep && cli_qopt_require(&c, q, nq, "pulse-fwhm") < 0) return CLI_USAGE;
  if (points_opt(in.pts, &n_pts) < 0) return CLI_USAGE;
  gk_pulse_opts o = {in.k, gk_pulse_density(in.fluence, in.absorb, in.ev, in.d), in.fwhm, in.t_end, n_pts, 0};
  gk_error e;
  gk_error_clear(&e);
  int rc;
  if (in.sweep) {
    double *w = malloc(2 * n_sw * sizeof *w);
    if (!w) return cli_usage(c.cmd, "out of memory");
    gk_progress prog = cli_progress("pulse widths");
    rc = gk_pulse_peak_sweep(&o, sw0, sw1, n_sw, w, w + n_sw, &prog, &e);
    cli_progress_done(&prog);
    if (rc == GK_ECANCELLED) rc = CLI_FAILED;   /* interrupted */
    else rc = rc != GK_OK ? cli_error(&e) : carriers_emit_pulse_sweep(&c, o.n0, w, w + n_sw, n_sw);
    free(w);
    return rc;
  }
  gk_pulse_result pr;
  if (gk_pulse_run(&o, &pr, &e) != GK_OK) return cli_error(&e);
  rc = carriers_emit_pulse(&c, o.n0, o.fwhm, &pr);
  gk_pulse_result_free(&pr);
  return rc;
}

/* ---- threshold ----------------------------------------------------------- */
static struct { double fth, absorb, d, ev, nth, k2, iqe, tau; } TH = {.absorb = 1, .iqe = 1};
static cli_qopt q_threshold[] = {
  CLI_OPT_QTY("fluence-th", "F", "J/cm2", QO_POS, &TH.fth, NULL, "threshold fluence (with --photon-energy); or --n-th"),
  CLI_OPT_NUM("absorptance", "A", QO_FRACTION, &TH.absorb, "1", "fraction of the pump absorbed"),
  CLI_OPT_QTY("thickness", "d", "cm", QO_POS, &TH.d, NULL, "film thickness, required"),
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &TH.ev, NULL, "pump photon energy"),
  CLI_OPT_QTY("n-th", "N", "cm^-3", QO_POS, &TH.nth, NULL, "threshold carrier density, instead of --fluence-th"),
  CLI_OPT_QTY("k2", "K", "cm3/s", QO_POS, &TH.k2, NULL, "bimolecular (radiative) rate: gives J_th"),
  CLI_OPT_NUM("iqe", "Q", QO_FRACTION, &TH.iqe, "1", "internal quantum efficiency"),
  CLI_OPT_QTY("tau", "T", "s", QO_POS, &TH.tau, NULL, "carrier lifetime: gives J_th, instead of --k2"),
};
static int cmd_threshold(int argc, char **argv)
{
  cli_common c = {.cmd = "carriers threshold"};
  CLI_RESET(TH);
  cli_qopt *q = q_threshold;
  const size_t nq = NQ(q_threshold);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0 || unexpected(&c, first, argc, argv)) return CLI_USAGE;
  double nth = TH.nth;
  if (cli_no_plot(&c, "a single number") < 0) return CLI_USAGE;
  if (cli_qopt_require(&c, q, nq, "thickness") < 0) return CLI_USAGE;
  int has_f = cli_qopt_find(q, nq, "fluence-th")->seen, has_n = cli_qopt_find(q, nq, "n-th")->seen;
  if (has_f == has_n) return cli_usage(c.cmd, "give either --fluence-th (with --photon-energy) or --n-th");
  if (has_f) {
    if (cli_qopt_require(&c, q, nq, "photon-energy") < 0) return CLI_USAGE;
    nth = gk_pulse_density(TH.fth, TH.absorb, TH.ev, TH.d);
  }
  int has_k2 = cli_qopt_find(q, nq, "k2")->seen, has_tau = cli_qopt_find(q, nq, "tau")->seen;
  if (has_k2 && has_tau) return CLI_QFAIL("tau", "give either --k2 or --tau, not both");
  double j = (has_k2 || has_tau) ? gk_current_threshold(nth, TH.d, TH.k2, has_tau ? TH.tau : 0, TH.iqe) : NAN;
  return carriers_emit_threshold(&c, nth, j);
}

/* ---- gain-fit ------------------------------------------------------------ */
#define MOTT_QOPTS(m)                                                                                    \
  CLI_OPT_QTY("temperature", "T", "K", QO_POS, &(m).temp, "300", "temperature"),                         \
  CLI_OPT_QTY("bohr-radius", "a", "cm", QO_POS, &(m).ab, "3.5 nm (CsPbBr3)", "exciton Bohr radius"),     \
  CLI_OPT_QTY("binding-energy", "E", "eV", QO_POS, &(m).eb, "0.035 (CsPbBr3)", "exciton binding energy")
static struct { double gamma, absorb, d, ev, s0, nth0, ns0, temp, ab, eb; const char *xkind; } GF = {
  .absorb = 1, .temp = 300, .ab = 3.5e-7, .eb = 0.035, .xkind = "density"};
static cli_qopt q_gain_fit[] = {
  CLI_OPT_NUM("gamma", "G", QO_FRACTION, &GF.gamma, NULL, "confinement factor Gamma, required"),
  CLI_OPT_STRING("x", "density|fluence", &GF.xkind, "density",
                 "first column: carrier density, or fluence (then --absorptance --thickness --photon-energy)"),
  CLI_OPT_NUM("absorptance", "A", QO_FRACTION, &GF.absorb, "1", "fraction of the pump absorbed (--x fluence)"),
  CLI_OPT_QTY("thickness", "d", "cm", QO_POS, &GF.d, NULL, "film thickness (--x fluence)"),
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &GF.ev, NULL, "pump photon energy (--x fluence)"),
  CLI_OPT_QTY("sigma0", "S", "cm2", QO_POS, &GF.s0, "from the data", "start value of the gain cross-section"),
  CLI_OPT_QTY("n-th0", "N", "cm^-3", QO_POS, &GF.nth0, "from the data", "start value of N_th"),
  CLI_OPT_QTY("n-s0", "N", "cm^-3", QO_POS, &GF.ns0, "from the data", "start value of N_s"),
  CLI_OPT_GROUP("Mott density (also reported)"),
  MOTT_QOPTS(GF),
};
static int cmd_gain_fit(int argc, char **argv)
{
  cli_common c = {.cmd = "carriers gain-fit"};
  CLI_RESET(GF);
  cli_qopt *q = q_gain_fit;
  const size_t nq = NQ(q_gain_fit);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  if (first != argc - 1) return cli_usage(c.cmd, "give one data FILE (columns: N or fluence, modal gain)");
  if (cli_qopt_require(&c, q, nq, "gamma") < 0) return CLI_USAGE;
  int fluence = strcmp(GF.xkind, "fluence") == 0;
  if (!fluence && strcmp(GF.xkind, "density") != 0) return CLI_QFAIL("x", "'%s' is not density or fluence", GF.xkind);
  if (fluence) {
    static const char *const req[] = {"thickness", "photon-energy"};
    if (require_all(&c, q, nq, req, 2) < 0) return CLI_USAGE;
  }
  gk_columns col;
  gk_columns_options co = {0};
  co.min_points = 4;
  co.allow_unsorted = 1;
  co.reject_duplicate_x = 1;
  co.require_positive_x = 1;
  /* x in the file's unit (header) converted to cm^-3 or J/cm^2. */
  int rc = cli_read_xy(argv[first], &co, fluence ? "J/cm2" : "cm^-3", &col);
  if (rc) return rc;
  gk_error e;
  gk_error_clear(&e);
  double *n = malloc(col.n * sizeof *n);
  if (!n) { gk_columns_free(&col); return cli_usage(c.cmd, "out of memory"); }
  gk_gain_fit_densities(col.x, col.n, fluence, GF.absorb, GF.ev, GF.d, n);
  gk_gain_fit f;
  if (gk_gain_fit_run(n, col.y, col.n, GF.gamma, GF.s0, GF.nth0, GF.ns0, &f, &e) != GK_OK) {
    if (e.code == GK_EINPUT) snprintf(e.file, sizeof e.file, "%s", argv[first]);
    rc = cli_error(&e);
  } else {
    rc = carriers_emit_gain_fit(&c, argv[first], GF.gamma, n, col.y, col.n, &f,
                                gk_mott_density(GF.temp, GF.ab, GF.eb));
    gk_gain_fit_free(&f);
  }
  free(n);
  gk_columns_free(&col);
  return rc;
}

/* ---- mott ---------------------------------------------------------------- */
static struct { double temp, ab, eb; } MO = {.temp = 300, .ab = 3.5e-7, .eb = 0.035};
static cli_qopt q_mott[] = {MOTT_QOPTS(MO)};
static int cmd_mott(int argc, char **argv)
{
  cli_common c = {.cmd = "carriers mott"};
  CLI_RESET(MO);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q_mott, NQ(q_mott), &first) < 0 || unexpected(&c, first, argc, argv))
    return CLI_USAGE;
  if (cli_no_plot(&c, "a single number") < 0) return CLI_USAGE;
  return carriers_emit_mott(&c, MO.temp, MO.ab, MO.eb, gk_mott_density(MO.temp, MO.ab, MO.eb));
}

#define CARRIERS_INTRO \
    "ABC recombination dN/dt = G(t) - k1 N - k2 N^2 - k3 N^3 in bulk gain films\n" \
    "(Goldberg et al., Adv. Mater. 2024, Tatarinov et al., Adv. Opt. Mater. 2023; docs/physics.md section 7).\n" \
    "Bare numbers are in these units: k1 s^-1, k2 cm3/s, k3 cm6/s, N cm^-3,\n" \
    "thickness nm, fluence uJ/cm2, pulse FWHM ps, --t-end and --tau ns, photon energy\n" \
    "eV, Bohr radius nm, binding energy eV; suffixes work (150nm, 20uJ/cm2, 100fs,\n" \
    "2.4eV, 1e18cm-3). A value outside the plausible range gets a warning.\n\n"
/* One subcommand each: name, usage, (no hand-written help), run, its
 * option table, what it computes (about) and JSON keys + examples
 * (epilog); `gainkit carriers SUB --help` and `gainkit carriers --help`
 * are generated. */
#define SUB(NAME, ARGS, RUN, Q, ABOUT, EPILOG) {NAME, ARGS, NULL, RUN, Q, NQ(Q), ABOUT, EPILOG}
static const struct cli_subcommand subs[] = {
  SUB("plqy", "--k1 K1 --k2 K2 --k3 K3 [--density N | --range N1:N2] [options]", cmd_plqy, q_plqy,
      "PLQY = k2 N/(k1 + k2 N + k3 N^2).",
      "JSON: {\"plqy\", \"n_c\", \"plqy_max\", \"n_at_max\"}. --plot F.svg (with --range): PLQY(N) and the PLQY\n"
      "map over N and k3.\n"
      "Example:\n"
      "  gainkit carriers plqy --k1 1e7 --k2 2e-10 --k3 1e-28 --density 1e17"),
  SUB("pulse", "--k1 --k2 --k3 --fluence F --pulse-fwhm T --thickness d --photon-energy E [options]", cmd_pulse,
      q_pulse, "N(t) under a Gaussian pulse (GSL implicit BDF, stiff-safe).",
      "JSON: {\"n_peak\", \"t_peak\", \"plqy_integrated\"}; -o N.csv gives N(t).\n"
      "Example:\n"
      "  gainkit carriers pulse --k1 1e7 --k2 2e-10 --k3 1e-28 --fluence 50uJ/cm2 \\\n"
      "    --pulse-fwhm 1ns --thickness 150nm --absorptance 0.5 --photon-energy 2.4eV"),
  SUB("threshold", "(--fluence-th F --photon-energy E | --n-th N) --thickness d [options]", cmd_threshold,
      q_threshold, "N_th = F_th A/(hbar omega d) and J_th = q d k2 N_th^2/IQE (Goldberg et al., Adv. Mater. 2024,\n"
      "Eq. 1, 5).",
      "JSON: {\"n_th\", \"j_th\"} (j_th null without --k2 or --tau).\n"
      "Example:\n"
      "  gainkit carriers threshold --n-th 7.3e17 --thickness 150nm --k2 2e-10"),
  SUB("gain-fit", "FILE --gamma G [options]", cmd_gain_fit, q_gain_fit,
      "Fit G = Gamma sigma (N - N_th)/(1 + N/N_s) to modal gain; also reports the Mott density.\n"
      "FILE columns: N (cm^-3; a header unit is honoured) and G (cm^-1).",
      "Example:\n"
      "  gainkit carriers gain-fit examples/gain_vs_density.csv --gamma 0.65 --plot fit.svg"),
  SUB("mott", "[--temperature T] [--bohr-radius a] [--binding-energy E]", cmd_mott, q_mott,
      "Mott density n_M = 1.19^2 k_B T/(2 a_B^3 E_b) (Tatarinov et al., Adv. Opt. Mater. 2023).",
      "JSON: {\"n_mott\"}.\n"
      "Example:\n"
      "  gainkit carriers mott --temperature 77K"),
  {NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL},
};

extern const struct cli_command cli_cmd_carriers;
static int run(int argc, char **argv) { return cli_dispatch(&cli_cmd_carriers, argc, argv); }

const struct cli_command cli_cmd_carriers = {
  .name = "carriers",
  .summary = "carrier dynamics in films: PLQY, pulsed N(t), N_th/J_th, gain saturation fit, Mott density",
  .order = 61,
  .run = run,
  .subs = subs,
  .intro = CARRIERS_INTRO,
};
