/* gainkit carriers — ABC carrier dynamics in bulk films: PLQY, pulsed
 * excitation, thresholds, gain saturation fit, Mott density (docs/physics.md §7,
 * Goldberg et al., Adv. Mater. 2024 and Tatarinov et al., Adv. Opt. Mater. 2023). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/carriers.h"

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

/* log-spaced grid from a to b (a, b > 0). */
static void logspace(double *v, size_t n, double a, double b)
{
  for (size_t i = 0; i < n; i++) v[i] = a * pow(b / a, n > 1 ? (double)i / (double)(n - 1) : 0);
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

/* ---- plqy ---------------------------------------------------------------- */
static int plqy_figure(const cli_common *c, const gk_abc *k, const double *n, const double *y, size_t len,
                       double k3lo, double k3hi)
{
  gk_figure *f = gk_figure_new(2, 1, 1200, 520, NULL);
  if (!f) return cli_save_figure(c, NULL);
  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_labels(p, "carrier density N (cm-3)", "PLQY", "PLQY = k2 N/(k1 + k2 N + k3 N^2)");
  gk_panel_log(p, 1, 0);
  gk_panel_add(p, n, y, NULL, len, GK_STYLE_LINE, -1, "PLQY");
  double pm, nm;
  gk_plqy_max(k, &pm, &nm);
  if (isfinite(nm) && nm > 0) gk_panel_vline(p, nm, -1, "maximum");
  if (isfinite(gk_plqy_nc(k))) gk_panel_vline(p, gk_plqy_nc(k), -1, "N_{C} = k_{2}/k_{3}");
  /* Map over N and k3 (Goldberg et al., Adv. Mater. 2024, Fig. 1e), on log10 axes. */
  enum { NX = 120, NY = 90 };
  double *xs = malloc((NX + NY + NX * NY) * sizeof *xs);
  if (!xs) { gk_figure_free(f); return cli_save_figure(c, NULL); }
  double *ys = xs + NX, *z = ys + NY;
  double lx0 = log10(n[0]), lx1 = log10(n[len - 1]), ly0 = log10(k3lo), ly1 = log10(k3hi);
  for (int j = 0; j < NX; j++) xs[j] = lx0 + (lx1 - lx0) * j / (NX - 1);
  for (int i = 0; i < NY; i++) ys[i] = ly0 + (ly1 - ly0) * i / (NY - 1);
  for (int i = 0; i < NY; i++)
    for (int j = 0; j < NX; j++) {
      gk_abc kk = {k->k1, k->k2, pow(10, ys[i])};
      z[i * NX + j] = gk_plqy(&kk, pow(10, xs[j]));
    }
  gk_panel *q = gk_figure_panel(f, 1);
  gk_panel_labels(q, "log10 N (cm-3)", "log10 k3 (cm6/s)", "PLQY map");
  gk_panel_image(q, xs, NX, ys, NY, z, "PLQY");
  free(xs);
  return cli_save_figure(c, f);
}

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
  gk_abc k = PL.k;
  double dens = PL.dens, *range = PL.range, *k3r = PL.k3r, pts = PL.pts;
  static const char *const req[] = {"k1", "k2", "k3"};
  if (require_all(&c, q, nq, req, 3) < 0) return CLI_USAGE;
  int has_range = cli_qopt_find(q, nq, "range")->seen, has_d = cli_qopt_find(q, nq, "density")->seen;
  size_t n = 0;
  if (points_opt(pts, &n) < 0) return CLI_USAGE;
  /* the help offers one or the other; both used to print only the sweep */
  if (has_range && has_d) return CLI_QFAIL("range", "give either --density or --range, not both");
  if (has_range && !(range[0] > 0)) return CLI_QFAIL("range", "densities must be positive");
  if (c.plot && !has_range) return cli_usage(c.cmd, "--plot needs --range N1:N2");
  if (cli_qopt_find(q, nq, "k3-range")->seen && !(k3r[0] > 0)) return CLI_QFAIL("k3-range", "k3 must be positive");
  gk_error e;
  gk_error_clear(&e);
  if (gk_abc_check(&k, &e) != GK_OK) return cli_error(&e);
  /* k2 = 0 (or one that underflows, "2e-400") makes the PLQY 0 at every N:
   * no maximum, and the bracket of the numeric search degenerates (found
   * by fuzzing: GSL error in gk_plqy_max_numeric) */
  if (!(k.k2 > 0)) return CLI_QFAIL("k2", "must be positive for the PLQY (k2 = 0: no radiative recombination, PLQY 0 at every N)");
  double pm, nm, pmn = NAN, nmn = NAN;
  gk_plqy_max(&k, &pm, &nm);
  int num_ok = gk_plqy_max_numeric(&k, &pmn, &nmn, &e) == GK_OK;
  cli_result r;
  cli_result_init(&r, "carriers plqy");
  cli_printf(&r.b, "ABC recombination (k1 = %g s^-1, k2 = %g cm^3/s, k3 = %g cm^6/s)\n", k.k1, k.k2, k.k3);
  if (has_d) {
    gk_json_num(r.j, "density", dens);
    gk_json_num(r.j, "plqy", gk_plqy(&k, dens));
    cli_print_value(&r.b, "PLQY", gk_plqy(&k, dens), NAN, "at N given");
  }
  gk_json_num(r.j, "n_c", gk_plqy_nc(&k));
  gk_json_num(r.j, "plqy_max", pm);
  gk_json_num(r.j, "n_at_max", nm);
  gk_json_num(r.j, "plqy_max_numeric", num_ok ? pmn : NAN);
  gk_json_num(r.j, "n_at_max_numeric", num_ok ? nmn : NAN);
  /* a null must say why */
  if (!num_ok) cJSON_AddStringToObject(r.j, "numeric_reason", e.msg);
  cli_print_value(&r.b, "N_C", gk_plqy_nc(&k), NAN, "cm^-3 (k2/k3)");
  cli_print_value(&r.b, "PLQY_max", pm, NAN, "");
  cli_print_value(&r.b, "N_at_max", nm, NAN, "cm^-3 (sqrt(k1/k3))");
  int rc = 0;
  if (has_range) {
    double *x = malloc(2 * n * sizeof *x);
    if (!x) { cli_result_free(&r); return cli_usage(c.cmd, "out of memory"); }
    double *y = x + n;
    logspace(x, n, range[0], range[1]);
    static const char *hdr[] = {"N (cm^-3)", "PLQY"};
    gk_csv_init(&r.csv, 2, hdr);
    r.has_csv = 1;
    cli_printf(&r.b, "\n  %14s  %10s\n", "N (cm^-3)", "PLQY");
    size_t stride = n > 21 ? (n - 1) / 20 : 1;
    for (size_t i = 0; i < n; i++) {
      y[i] = gk_plqy(&k, x[i]);
      gk_csv_add_row(&r.csv, (double[]){x[i], y[i]});
      if (i % stride == 0) {
        cli_cell(&r.b, 14, x[i]);
        cli_cell(&r.b, 10, y[i]);
        cli_printf(&r.b, "\n");
      }
    }
    gk_json_array(r.j, "n", x, n);
    gk_json_array(r.j, "plqy_curve", y, n);
    if (c.plot) {
      double lo = k3r[0] > 0 ? k3r[0] : (k.k3 > 0 ? k.k3 / 100 : 1e-30);
      double hi = k3r[0] > 0 ? k3r[1] : (k.k3 > 0 ? k.k3 * 100 : 1e-26);
      rc = plqy_figure(&c, &k, x, y, n, lo, hi);
    }
    free(x);
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, CLI_OK);
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
  cli_result r;
  cli_result_init(&r, "carriers pulse");
  gk_json_num(r.j, "n0", o.n0);
  cli_printf(&r.b, "Gaussian pulse excitation, ABC rate equation (GSL msbdf)\n");
  cli_print_value(&r.b, "N0", o.n0, NAN, "cm^-3 deposited (F A/(hbar omega d))");
  int rc = 0;
  if (in.sweep) {
    double *w = malloc(2 * n_sw * sizeof *w);
    if (!w) { cli_result_free(&r); return cli_usage(c.cmd, "out of memory"); }
    double *pk = w + n_sw;
    logspace(w, n_sw, sw0, sw1);
    static const char *hdr[] = {"pulse FWHM (s)", "peak N (cm^-3)"};
    gk_csv_init(&r.csv, 2, hdr);
    r.has_csv = 1;
    cli_printf(&r.b, "\n  %14s  %14s  %10s\n", "FWHM (s)", "peak N (cm^-3)", "peak/N0");
    gk_progress prog = cli_progress("pulse widths");
    for (size_t i = 0; i < n_sw && !rc; i++) {
      o.fwhm = w[i];
      o.n_out = 2;
      gk_pulse_result pr;
      if (gk_pulse_run(&o, &pr, &e) != GK_OK) { rc = cli_error(&e); break; }
      pk[i] = pr.n_peak;
      gk_pulse_result_free(&pr);
      gk_csv_add_row(&r.csv, (double[]){w[i], pk[i]});
      cli_cell(&r.b, 14, w[i]);
      cli_cell(&r.b, 14, pk[i]);
      cli_cell(&r.b, 10, pk[i] / o.n0);
      cli_printf(&r.b, "\n");
      if (gk_progress_update(&prog, i + 1, n_sw)) rc = CLI_FAILED;   /* interrupted */
    }
    cli_progress_done(&prog);
    gk_json_array(r.j, "fwhm", w, n_sw);
    gk_json_array(r.j, "n_peak", pk, n_sw);
    if (!rc && c.plot) {
      gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
      gk_panel *p = gk_figure_panel(f, 0);
      gk_panel_labels(p, "pulse FWHM (s)", "peak carrier density (cm-3)", "peak N versus pulse width");
      gk_panel_log(p, 1, 1);
      gk_panel_add(p, w, pk, NULL, n_sw, GK_STYLE_LINEPOINTS, -1, "ABC model");
      gk_panel_hline(p, o.n0, -1, "N_{0} (short-pulse limit)");
      rc = cli_save_figure(&c, f);
    }
    free(w);
  } else {
    gk_pulse_result pr;
    if (gk_pulse_run(&o, &pr, &e) != GK_OK) { cli_result_free(&r); return cli_error(&e); }
    gk_json_num(r.j, "n_peak", pr.n_peak);
    gk_json_num(r.j, "t_peak", pr.t_peak);
    gk_json_num(r.j, "plqy_integrated", pr.plqy_integrated);
    gk_json_num(r.j, "n_end_fraction", pr.n_end_fraction);
    gk_json_num(r.j, "t_end", pr.t_end);
    cli_print_value(&r.b, "N_peak", pr.n_peak, NAN, "cm^-3");
    cli_print_value(&r.b, "t_peak", pr.t_peak, NAN, "s after the pulse centre");
    cli_print_value(&r.b, "PLQY_int", pr.plqy_integrated, NAN, "photons per generated carrier");
    cli_print_value(&r.b, "N_end/N0", pr.n_end_fraction, NAN, "left at t_end");
    static const char *hdr[] = {"t (s)", "N (cm^-3)"};
    gk_csv_init(&r.csv, 2, hdr);
    r.has_csv = 1;
    for (size_t i = 0; i < pr.n; i++) gk_csv_add_row(&r.csv, (double[]){pr.t[i], pr.N[i]});
    gk_json_array(r.j, "t", pr.t, pr.n);
    gk_json_array(r.j, "n", pr.N, pr.n);
    if (c.plot) {
      gk_figure *f = gk_figure_new(2, 1, 1200, 520, NULL);
      gk_panel *p = gk_figure_panel(f, 0);
      /* Left: the pulse window in linear time; right: the decay, log-log. */
      size_t m = 0;
      while (m < pr.n && pr.t[m] <= 6 * o.fwhm) m++;
      gk_panel_labels(p, "time t (s)", "carrier density N (cm-3)", "during the pulse");
      gk_panel_add(p, pr.t, pr.N, NULL, m, GK_STYLE_LINE, -1, "N(t)");
      gk_panel_vline(p, pr.t_peak, -1, "peak");
      gk_panel *d = gk_figure_panel(f, 1);
      gk_panel_labels(d, "time t (s)", "carrier density N (cm-3)", "decay");
      gk_panel_log(d, 1, 1);
      gk_panel_add(d, pr.t, pr.N, NULL, pr.n, GK_STYLE_LINE, -1, "N(t)");
      rc = cli_save_figure(&c, f);
    }
    gk_pulse_result_free(&pr);
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, CLI_OK);
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
  double fth = TH.fth, absorb = TH.absorb, d = TH.d, ev = TH.ev, nth = TH.nth, k2 = TH.k2, iqe = TH.iqe, tau = TH.tau;
  if (cli_no_plot(&c, "a single number") < 0) return CLI_USAGE;
  if (cli_qopt_require(&c, q, nq, "thickness") < 0) return CLI_USAGE;
  int has_f = cli_qopt_find(q, nq, "fluence-th")->seen, has_n = cli_qopt_find(q, nq, "n-th")->seen;
  if (has_f == has_n) return cli_usage(c.cmd, "give either --fluence-th (with --photon-energy) or --n-th");
  if (has_f) {
    if (cli_qopt_require(&c, q, nq, "photon-energy") < 0) return CLI_USAGE;
    nth = gk_pulse_density(fth, absorb, ev, d);
  }
  int has_k2 = cli_qopt_find(q, nq, "k2")->seen, has_tau = cli_qopt_find(q, nq, "tau")->seen;
  if (has_k2 && has_tau) return CLI_QFAIL("tau", "give either --k2 or --tau, not both");
  double j = (has_k2 || has_tau) ? gk_current_threshold(nth, d, k2, has_tau ? tau : 0, iqe) : NAN;
  cli_result r;
  cli_result_init(&r, "carriers threshold");
  gk_json_num(r.j, "n_th", nth);
  gk_json_num(r.j, "j_th", j);   /* null without --k2 or --tau */
  cli_printf(&r.b, "Threshold carrier density and current density [Goldberg et al., Adv. Mater. 2024, Eq. 1, 5]\n");
  cli_print_value(&r.b, "N_th", nth, NAN, "cm^-3");
  if (isfinite(j)) cli_print_value(&r.b, "J_th", j, NAN, "A/cm^2");
  else cli_printf(&r.b, "  J_th needs --k2 (radiative) or --tau (carrier lifetime)\n");
  return cli_result_finish(&c, &r, CLI_OK);
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
  double gamma = GF.gamma, absorb = GF.absorb, d = GF.d, ev = GF.ev, s0 = GF.s0, nth0 = GF.nth0, ns0 = GF.ns0;
  double temp = GF.temp, ab = GF.ab, eb = GF.eb;
  const char *xkind = GF.xkind;
  if (first != argc - 1) return cli_usage(c.cmd, "give one data FILE (columns: N or fluence, modal gain)");
  if (cli_qopt_require(&c, q, nq, "gamma") < 0) return CLI_USAGE;
  int fluence = strcmp(xkind, "fluence") == 0;
  if (!fluence && strcmp(xkind, "density") != 0) return CLI_QFAIL("x", "'%s' is not density or fluence", xkind);
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
  int rrc = cli_read_xy(argv[first], &co, fluence ? "J/cm2" : "cm^-3", &col);
  if (rrc) return rrc;
  gk_error e;
  gk_error_clear(&e);
  double *n = malloc(col.n * sizeof *n);
  if (!n) { gk_columns_free(&col); return cli_usage(c.cmd, "out of memory"); }
  for (size_t i = 0; i < col.n; i++)
    n[i] = fluence ? gk_pulse_density(col.x[i], absorb, ev, d) : col.x[i];
  gk_gain_fit f;
  int rc = gk_gain_fit_run(n, col.y, col.n, gamma, s0, nth0, ns0, &f, &e);
  if (rc != GK_OK) {
    if (e.code == GK_EINPUT) snprintf(e.file, sizeof e.file, "%s", argv[first]);
    free(n);
    gk_columns_free(&col);
    return cli_error(&e);
  }
  double nm = gk_mott_density(temp, ab, eb);
  cli_result r;
  cli_result_init(&r, "carriers gain-fit");
  cJSON_AddStringToObject(r.j, "file", argv[first]);
  gk_json_num(r.j, "gamma", gamma);
  /* a parameter whose standard error exceeds it is not determined by the
   * data: printed apart ("not determined (best fit ..., standard error
   * ...)"), "determined": false, and the run exits 1 */
  /* sigma, N_s >= 0 are the fit's bounds (src/carriers/gainfit.c): on a
   * bound, not determined, "at_bound" */
  int det = cli_determined(f.sigma, f.se_sigma) && cli_determined(f.n_th, f.se_n_th) &&
            cli_determined(f.n_s, f.se_n_s) && !cli_bound_side(f.sigma, 0, INFINITY) &&
            !cli_bound_side(f.n_s, 0, INFINITY);
  cli_json_bounded(r.j, "sigma", "sigma", f.sigma, f.se_sigma, 0, INFINITY, 1, NULL);
  cli_json_value(r.j, "n_th", f.n_th, f.se_n_th, 1, NULL);
  cli_json_bounded(r.j, "n_s", "N_s", f.n_s, f.se_n_s, 0, INFINITY, 1, NULL);
  cJSON_AddBoolToObject(r.j, "determined", det);
  gk_json_num(r.j, "chi2_red", f.chi2_red);
  cJSON_AddBoolToObject(r.j, "converged", f.converged);
  gk_json_num(r.j, "n_mott", nm);
  cli_printf(&r.b, "Modal gain G = Gamma sigma (N - N_th)/(1 + N/N_s) [Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1-2], Gamma = %g, %zu points\n",
             gamma, col.n);
  cli_print_bounded(&r.b, "sigma", f.sigma, f.se_sigma, "cm^2", 0, INFINITY);
  cli_print_value(&r.b, "N_th", f.n_th, f.se_n_th, "cm^-3");
  cli_print_bounded(&r.b, "N_s", f.n_s, f.se_n_s, "cm^-3", 0, INFINITY);
  cli_print_value(&r.b, "chi2_red", f.chi2_red, NAN, "cm^-2");
  cli_print_value(&r.b, "n_Mott", nm, NAN, "cm^-3 (1.19^2 kT/(2 a_B^3 E_b))");
  if (!f.converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", f.fit.reason);
  static const char *hdr[] = {"N (cm^-3)", "G (cm^-1)", "G_fit (cm^-1)"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < col.n; i++) gk_csv_add_row(&r.csv, (double[]){n[i], col.y[i], f.fit.yhat[i]});
  rc = 0;
  if (c.plot) {
    enum { M = 200 };
    double xs[M], ys[M], lo = n[0], hi = n[0];
    for (size_t i = 0; i < col.n; i++) { if (n[i] < lo) lo = n[i]; if (n[i] > hi) hi = n[i]; }
    for (int i = 0; i < M; i++) {
      xs[i] = lo + (hi - lo) * i / (M - 1);
      ys[i] = gk_gain_saturated(gamma, f.sigma, f.n_th, f.n_s, xs[i]);
    }
    gk_figure *fig = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "carrier density N (cm-3)", "modal gain G (cm-1)", "gain saturation fit");
    gk_panel_add(p, n, col.y, NULL, col.n, GK_STYLE_POINTS, -1, "data");
    gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, -1, "fit");
    /* N_th (G = 0) and N_s (saturation density) marked, with ± and unit */
    char lab[96], v[64];
    cli_fmt_value(v, sizeof v, f.n_th, f.se_n_th, "cm-3");
    snprintf(lab, sizeof lab, "N_{th} = %.60s", v);
    if (f.n_th == f.n_th) gk_panel_vline(p, f.n_th, GK_VERMILLION, lab);
    cli_fmt_value(v, sizeof v, f.n_s, f.se_n_s, "cm-3");
    snprintf(lab, sizeof lab, "N_{s} = %.60s", v);
    if (f.n_s == f.n_s && f.n_s <= 1.5 * hi) gk_panel_vline(p, f.n_s, GK_GREEN, lab);
    else if (f.n_s == f.n_s) gk_panel_text(p, 0.03, 0.9, lab); /* beyond the data: as text */
    rc = cli_save_figure(&c, fig);
  }
  if (!det) cli_warn("carriers gain-fit: a parameter is not determined by the data (standard error larger than the value)");
  int status = f.converged && det ? CLI_OK : CLI_FAILED;
  gk_gain_fit_free(&f);
  free(n);
  gk_columns_free(&col);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, status);
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
  double temp = MO.temp, ab = MO.ab, eb = MO.eb;
  if (cli_no_plot(&c, "a single number") < 0) return CLI_USAGE;
  cli_result r;
  cli_result_init(&r, "carriers mott");
  double nm = gk_mott_density(temp, ab, eb);
  gk_json_num(r.j, "n_mott", nm);
  cli_printf(&r.b, "Mott density n_M = 1.19^2 k_B T/(2 a_B^3 E_b) [Tatarinov et al., Adv. Opt. Mater. 2023] (T = %g K, a_B = %g nm, E_b = %g meV)\n",
             temp, ab * 1e7, eb * 1e3);
  cli_print_value(&r.b, "n_M", nm, NAN, "cm^-3");
  return cli_result_finish(&c, &r, CLI_OK);
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
