/* gainkit heat — lumped thermal model of a driven device, C dDT/dt =
 * A_d j V - K DT (Ahn et al., Chem. Rev. 2023, Eq. 10-13): d.c., single square pulses, pulse
 * trains, and a fit of K and C to DT/P versus pulse length. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/heat.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

static int run_fit(cli_common *c, const char *path, gk_heat_observable obs)
{
  gk_columns col;
  gk_columns_options co = {0};
  co.min_points = 3;
  co.allow_unsorted = 1;
  co.reject_duplicate_x = 1;
  co.require_positive_x = 1;
  int rrc = cli_read_xy(path, &co, "s", &col);
  if (rrc) return rrc;
  gk_error e;
  gk_error_clear(&e);
  gk_heat_fit f;
  if (gk_heat_fit_observable(col.x, col.y, col.n, obs, &f, &e) != GK_OK) {
    if (e.code == GK_EINPUT) snprintf(e.file, sizeof e.file, "%s", path);
    gk_columns_free(&col);
    return cli_error(&e);
  }
  cli_result r;
  cli_result_init(&r, "heat fit");
  cJSON_AddStringToObject(r.j, "file", path);
  cJSON_AddStringToObject(r.j, "observable", obs == GK_HEAT_AVERAGE ? "average" : "end");
  /* K, tau_T >= 0 are the fit's bounds (src/heat/heat_fit.c); tau_T at 0
   * (every pulse much longer than the thermal time: flat DT/P) leaves C
   * = K tau_T undetermined too */
  int at_b = cli_bound_side(f.k, 0, INFINITY) || cli_bound_side(f.tau, 0, INFINITY);
  int det = cli_determined(f.k, f.se_k) && cli_determined(f.c, f.se_c) && cli_determined(f.tau, f.se_tau) && !at_b;
  cli_json_bounded(r.j, "k", "K", f.k, f.se_k, 0, INFINITY, 1, NULL);
  cli_json_bounded(r.j, "c", "C", f.c, f.se_c, 0, INFINITY, 1, NULL);
  cli_json_bounded(r.j, "tau_t", "tau_T", f.tau, f.se_tau, 0, INFINITY, 1, NULL);
  gk_json_num(r.j, "chi2_red", f.fit.chi2_red);
  cJSON_AddBoolToObject(r.j, "converged", f.converged);
  cJSON_AddBoolToObject(r.j, "determined", det);
  if (obs == GK_HEAT_AVERAGE)
    cli_printf(&r.b, "Fit of <DT>/P = (1 - (tau_T/t_p)(1 - exp(-t_p/tau_T)))/K, tau_T = C/K (pulse-averaged)\n"
                     "to %zu pulse lengths (relative weights)\n", col.n);
  else
    cli_printf(&r.b, "Fit of DT/P = (1 - exp(-t_p K/C))/K (end of pulse) to %zu pulse lengths (relative weights)\n",
               col.n);
  cli_print_bounded(&r.b, "K", f.k, f.se_k, "W/K", 0, INFINITY);
  cli_print_bounded(&r.b, "C", f.c, f.se_c, "J/K", 0, INFINITY);
  cli_print_bounded(&r.b, "tau_T", f.tau, f.se_tau, "s", 0, INFINITY);
  if (!f.converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", f.fit.reason);
  static const char *hdr[] = {"t_p (s)", "ΔT/P (K/W)", "fit (K/W)"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < col.n; i++) gk_csv_add_row(&r.csv, (double[]){col.x[i], col.y[i], f.fit.yhat[i]});
  int rc = 0;
  if (c->plot) {
    enum { M = 200 };
    double xs[M], ys[M], lo = col.x[0], hi = col.x[0];
    for (size_t i = 0; i < col.n; i++) { lo = fmin(lo, col.x[i]); hi = fmax(hi, col.x[i]); }
    gk_heat h = {f.k, f.c, 1};
    for (int i = 0; i < M; i++) {
      xs[i] = lo * pow(hi / lo, (double)i / (M - 1));
      ys[i] = obs == GK_HEAT_AVERAGE ? gk_heat_pulse_average(&h, xs[i]) : gk_heat_pulse(&h, xs[i]);
    }
    gk_figure *fig = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "pulse length t_{p} (s)", "DT/P (K/W)", "heating per watt versus pulse length");
    gk_panel_log(p, 1, 0);
    gk_panel_add(p, col.x, col.y, NULL, col.n, GK_STYLE_POINTS, -1, "data");
    gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, -1, "fit");
    rc = cli_save_figure(c, fig);
  }
  int status = f.converged && det ? CLI_OK : CLI_FAILED;
  gk_heat_fit_free(&f);
  gk_columns_free(&col);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, status);
}

/* ---- options (declarative: --help is generated from this table) ---- */
static double k, cap, power, area, jd, volt, tp, period, duty, pulses = 10, pts = 500;
static const char *fit, *observable;
static cli_qopt q[] = {
  CLI_OPT_GROUP("Device options"),
  CLI_OPT_QTY("k", "K", "W/K", QO_POS, &k, NULL, "heat exchange constant, e.g. 4.8mW/K"),
  CLI_OPT_QTY("c", "C", "J/K", QO_POS, &cap, NULL, "heat capacity of the active volume, e.g. 19nJ/K"),
  CLI_OPT_QTY("power", "P", "W", QO_NONNEG, &power, NULL, "Joule power during a pulse; or the three below"),
  CLI_OPT_QTY("area", "A", "cm2", QO_POS, &area, NULL, "device area A_d (for A_d j V)"),
  CLI_OPT_QTY("current-density", "j", "A/cm2", QO_NONNEG, &jd, NULL, "current density j"),
  CLI_OPT_QTY("voltage", "V", "V", QO_NONNEG, &volt, NULL, "voltage V"),
  CLI_OPT_GROUP("Drive options"),
  CLI_OPT_QTY("pulse", "t_p", "s", QO_POS, &tp, NULL,
              "square pulse length, e.g. 100ns; alone: one pulse and its cooling"),
  CLI_OPT_QTY("period", "T", "s", QO_POS, &period, NULL,
              "pulse train period: adds the periodic steady state delta_t_max/delta_t_min"),
  CLI_OPT_NUM("duty", "D", QO_FRACTION, &duty, NULL, "pulse train by its duty cycle t_p/T instead of --period"),
  CLI_OPT_NUM("pulses", "n", QO_POS, &pulses, "10", "periods shown in the transient"),
  CLI_OPT_NUM("points", "N", QO_POS, &pts, "500", "points of the transient"),
  CLI_OPT_GROUP("Fit options"),
  CLI_OPT_STRING("fit", "FILE", &fit, NULL,
                 "fit K and C to DT/P (K/W) versus pulse length (s; a header unit such as 't_p (us)' is "
                 "honoured), relative weights"),
  CLI_OPT_CHOICE("observable", "average|end", &observable, "average",
                 "what the data are: average = the rise averaged over the pulse, <DT>/P = (1 - (tau_T/t_p)(1 - "
                 "e^(-t_p/tau_T)))/K, as Ahn et al., Chem. Rev. 2023, section 6.1.5 (Fig. 34b) fit it; end = the "
                 "rise at the end of the pulse, Eq. 12, DT/P = (1 - e^(-t_p/tau_T))/K"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "heat"};
  CLI_RESET(k), CLI_RESET(cap), CLI_RESET(power), CLI_RESET(area), CLI_RESET(jd), CLI_RESET(volt);
  CLI_RESET(tp), CLI_RESET(period), CLI_RESET(duty), CLI_RESET(pulses), CLI_RESET(pts);
  CLI_RESET(fit), CLI_RESET(observable);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (first < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first]);
  gk_heat_observable obs = GK_HEAT_AVERAGE;
  if (observable) {
    obs = !strcmp(observable, "end") ? GK_HEAT_END : GK_HEAT_AVERAGE;
    if (!fit) return cli_usage(c.cmd, "--observable applies to --fit");
  }
  if (fit) return run_fit(&c, fit, obs);
  if (cli_qopt_require(&c, q, NQ(q), "k") < 0 || cli_qopt_require(&c, q, NQ(q), "c") < 0) return CLI_USAGE;
  int has_p = cli_qopt_find(q, NQ(q), "power")->seen;
  int has_ajv = cli_qopt_find(q, NQ(q), "area")->seen || cli_qopt_find(q, NQ(q), "current-density")->seen ||
                cli_qopt_find(q, NQ(q), "voltage")->seen;
  if (has_p == has_ajv) return cli_usage(c.cmd, "give either --power or --area, --current-density and --voltage");
  if (has_ajv) {
    static const char *const req[] = {"area", "current-density", "voltage"};
    for (size_t i = 0; i < NQ(req); i++)
      if (cli_qopt_require(&c, q, NQ(q), req[i]) < 0) return CLI_USAGE;
    power = area * jd * volt;   /* Joule power A_d j V, W */
  }
  int has_tp = cli_qopt_find(q, NQ(q), "pulse")->seen, has_per = cli_qopt_find(q, NQ(q), "period")->seen;
  int has_duty = cli_qopt_find(q, NQ(q), "duty")->seen;
  if (has_per && has_duty) return CLI_QFAIL("duty", "give either --period or --duty, not both");
  if ((has_per || has_duty) && !has_tp) return cli_usage(c.cmd, "a pulse train needs --pulse");
  if (has_duty) period = tp / duty;
  if (has_per && !(period > tp)) return CLI_QFAIL("period", "must be longer than the pulse (%g s)", tp);
  if (!(pulses >= 1 && pulses <= 1e5 && pulses == floor(pulses))) return CLI_QFAIL("pulses", "must be an integer from 1 to 1e5");
  if (!(pts >= 2 && pts <= 1e6 && pts == floor(pts))) return CLI_QFAIL("points", "must be an integer from 2 to 1e6");
  gk_heat h = {k, cap, power};
  gk_error e;
  gk_error_clear(&e);
  if (gk_heat_check(&h, &e) != GK_OK) return cli_error(&e);
  double tau = gk_heat_tau(&h), dc = gk_heat_dc(&h);
  int train = has_per || has_duty;
  /* Time window: the d.c. rise to 5 tau_T, one pulse and its cooling, or
   * the requested number of periods. */
  double t_win = !has_tp ? 5 * tau : train ? pulses * period : tp + 5 * tau;
  gk_heat_train tr = {has_tp ? tp : t_win * 2, train ? period : t_win * 4};
  cli_result r;
  cli_result_init(&r, "heat");
  gk_json_num(r.j, "k", k);
  gk_json_num(r.j, "c", cap);
  gk_json_num(r.j, "power", power);
  gk_json_num(r.j, "tau_t", tau);
  gk_json_num(r.j, "delta_t_dc", dc);
  cli_printf(&r.b, "Lumped device heating C dDT/dt = P - K DT [Ahn et al., Chem. Rev. 2023, Eq. 10-13]\n");
  cli_print_value(&r.b, "P", power, NAN, "W");
  cli_print_value(&r.b, "tau_T", tau, NAN, "s (C/K)");
  cli_print_value(&r.b, "DT_dc", dc, NAN, "K (Eq. 11)");
  if (has_tp) {
    gk_json_num(r.j, "pulse", tp);
    gk_json_num(r.j, "delta_t_pulse", gk_heat_pulse(&h, tp));
    cli_print_value(&r.b, "DT_pulse", gk_heat_pulse(&h, tp), NAN, "K at the end of one pulse (Eq. 12)");
  }
  if (train) {
    double mx, mn;
    gk_heat_train_steady(&h, &tr, &mx, &mn);
    gk_json_num(r.j, "period", period);
    gk_json_num(r.j, "duty", tp / period);
    gk_json_num(r.j, "delta_t_max", mx);
    gk_json_num(r.j, "delta_t_min", mn);
    cli_printf(&r.b, "  pulse train: period %g s, duty cycle %g\n", period, tp / period);
    cli_print_value(&r.b, "DT_max", mx, NAN, "K (periodic steady state, end of pulse)");
    cli_print_value(&r.b, "DT_min", mn, NAN, "K (periodic steady state, start of pulse)");
  }
  size_t n = (size_t)pts;
  double *t = malloc(2 * n * sizeof *t);
  if (!t) { cli_result_free(&r); return cli_usage(c.cmd, "out of memory"); }
  double *dt = t + n;
  for (size_t i = 0; i < n; i++) {
    t[i] = t_win * (double)i / (double)(n - 1);
    dt[i] = gk_heat_train_at(&h, &tr, t[i]);
  }
  static const char *hdr[] = {"t (s)", "DT (K)"};
  gk_csv_init(&r.csv, 2, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < n; i++) gk_csv_add_row(&r.csv, (double[]){t[i], dt[i]});
  gk_json_array(r.j, "t", t, n);
  gk_json_array(r.j, "delta_t", dt, n);
  int rc = 0;
  if (c.plot) {
    gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    gk_panel_labels(p, "time t (s)", "temperature rise ΔT (K)",
                    train ? "pulse train heating" : has_tp ? "single pulse heating" : "d.c. heating");
    gk_panel_add(p, t, dt, NULL, n, GK_STYLE_LINE, -1, "ΔT(t)");
    gk_panel_hline(p, dc, -1, "d.c. limit P/K");
    rc = cli_save_figure(&c, f);
  }
  free(t);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, CLI_OK);
}

const struct cli_command cli_cmd_heat = {
  .name = "heat",
  .summary = "device heating: d.c., square pulses, pulse trains; fit K and C",
  .order = 62,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "--k K --c C (--power P | --area A --current-density j --voltage V)\n"
           "                    [--pulse t_p [--period T | --duty D] [--pulses n]] [--points 500]\n"
           "       gainkit heat --fit FILE [--observable average|end]",
  .about = "Lumped thermal model of an electrically driven gain device (Ahn, Livache, Pinchetti,\n"
           "Klimov, Chem. Rev. 2023, Eq. 10-13): C dDT/dt = A_d j V - K DT, tau_T = C/K.",
  .epilog =
    "JSON: tau_t (s), delta_t_dc, delta_t_pulse, delta_t_max, delta_t_min (K), and the\n"
    "transient t, delta_t; -o FILE.csv writes the transient; --plot draws it.\n"
    "Examples:\n"
    "  gainkit heat --k 4.8e-3 --c 1.9e-8 --power 0.1           (tau_T = 3.96 us)\n"
    "  gainkit heat --k 4.8mW/K --c 19nJ/K --power 0.1 --pulse 1us --duty 0.2 --plot dT.svg\n"
    "  gainkit heat --fit examples/heat_pulse_length.csv --plot fit.svg\n"
    "  gainkit heat --fit examples/heat_pulse_end.csv --observable end",
  .run = run,
};
