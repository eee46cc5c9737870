/* Output of `gainkit carriers` (cli/emit_carriers.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "emit_carriers.h"

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
  gk_plqy_map(k, n[0], n[len - 1], NX, k3lo, k3hi, NY, xs, ys, z);
  gk_panel *q = gk_figure_panel(f, 1);
  gk_panel_labels(q, "log10 N (cm-3)", "log10 k3 (cm6/s)", "PLQY map");
  gk_panel_image(q, xs, NX, ys, NY, z, "PLQY");
  free(xs);
  return cli_save_figure(c, f);
}

int carriers_emit_plqy(cli_common *c, const gk_abc *kp, int has_d, double dens, const double *x, const double *y,
                       size_t n, const double *k3r)
{
  gk_abc k = *kp;
  gk_error e;
  gk_error_clear(&e);
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
  if (x) {
    static const char *hdr[] = {"N (cm^-3)", "PLQY"};
    gk_csv_init(&r.csv, 2, hdr);
    r.has_csv = 1;
    cli_printf(&r.b, "\n  %14s  %10s\n", "N (cm^-3)", "PLQY");
    size_t stride = n > 21 ? (n - 1) / 20 : 1;
    for (size_t i = 0; i < n; i++) {
      gk_csv_add_row(&r.csv, (double[]){x[i], y[i]});
      if (i % stride == 0) {
        cli_cell(&r.b, 14, x[i]);
        cli_cell(&r.b, 10, y[i]);
        cli_printf(&r.b, "\n");
      }
    }
    gk_json_array(r.j, "n", x, n);
    gk_json_array(r.j, "plqy_curve", y, n);
    if (c->plot) {
      double lo = k3r[0] > 0 ? k3r[0] : (k.k3 > 0 ? k.k3 / 100 : 1e-30);
      double hi = k3r[0] > 0 ? k3r[1] : (k.k3 > 0 ? k.k3 * 100 : 1e-26);
      rc = plqy_figure(c, &k, x, y, n, lo, hi);
    }
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, CLI_OK);
}

static void pulse_head(cli_result *r, double n0)
{
  cli_result_init(r, "carriers pulse");
  gk_json_num(r->j, "n0", n0);
  cli_printf(&r->b, "Gaussian pulse excitation, ABC rate equation (GSL msbdf)\n");
  cli_print_value(&r->b, "N0", n0, NAN, "cm^-3 deposited (F A/(hbar omega d))");
}

int carriers_emit_pulse_sweep(cli_common *c, double n0, const double *w, const double *pk, size_t n_sw)
{
  cli_result r;
  pulse_head(&r, n0);
  static const char *hdr[] = {"pulse FWHM (s)", "peak N (cm^-3)"};
  gk_csv_init(&r.csv, 2, hdr);
  r.has_csv = 1;
  cli_printf(&r.b, "\n  %14s  %14s  %10s\n", "FWHM (s)", "peak N (cm^-3)", "peak/N0");
  for (size_t i = 0; i < n_sw; i++) {
    gk_csv_add_row(&r.csv, (double[]){w[i], pk[i]});
    cli_cell(&r.b, 14, w[i]);
    cli_cell(&r.b, 14, pk[i]);
    cli_cell(&r.b, 10, pk[i] / n0);
    cli_printf(&r.b, "\n");
  }
  gk_json_array(r.j, "fwhm", w, n_sw);
  gk_json_array(r.j, "n_peak", pk, n_sw);
  int rc = 0;
  if (c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    gk_panel_labels(p, "pulse FWHM (s)", "peak carrier density (cm-3)", "peak N versus pulse width");
    gk_panel_log(p, 1, 1);
    gk_panel_add(p, w, pk, NULL, n_sw, GK_STYLE_LINEPOINTS, -1, "ABC model");
    gk_panel_hline(p, n0, -1, "N_{0} (short-pulse limit)");
    rc = cli_save_figure(c, f);
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, CLI_OK);
}

int carriers_emit_pulse(cli_common *c, double n0, double fwhm, const gk_pulse_result *pr)
{
  cli_result r;
  pulse_head(&r, n0);
  gk_json_num(r.j, "n_peak", pr->n_peak);
  gk_json_num(r.j, "t_peak", pr->t_peak);
  gk_json_num(r.j, "plqy_integrated", pr->plqy_integrated);
  gk_json_num(r.j, "n_end_fraction", pr->n_end_fraction);
  gk_json_num(r.j, "t_end", pr->t_end);
  cli_print_value(&r.b, "N_peak", pr->n_peak, NAN, "cm^-3");
  cli_print_value(&r.b, "t_peak", pr->t_peak, NAN, "s after the pulse centre");
  cli_print_value(&r.b, "PLQY_int", pr->plqy_integrated, NAN, "photons per generated carrier");
  cli_print_value(&r.b, "N_end/N0", pr->n_end_fraction, NAN, "left at t_end");
  static const char *hdr[] = {"t (s)", "N (cm^-3)"};
  gk_csv_init(&r.csv, 2, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < pr->n; i++) gk_csv_add_row(&r.csv, (double[]){pr->t[i], pr->N[i]});
  gk_json_array(r.j, "t", pr->t, pr->n);
  gk_json_array(r.j, "n", pr->N, pr->n);
  int rc = 0;
  if (c->plot) {
    gk_figure *f = gk_figure_new(2, 1, 1200, 520, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    /* Left: the pulse window in linear time; right: the decay, log-log. */
    size_t m = 0;
    while (m < pr->n && pr->t[m] <= 6 * fwhm) m++;
    gk_panel_labels(p, "time t (s)", "carrier density N (cm-3)", "during the pulse");
    gk_panel_add(p, pr->t, pr->N, NULL, m, GK_STYLE_LINE, -1, "N(t)");
    gk_panel_vline(p, pr->t_peak, -1, "peak");
    gk_panel *d = gk_figure_panel(f, 1);
    gk_panel_labels(d, "time t (s)", "carrier density N (cm-3)", "decay");
    gk_panel_log(d, 1, 1);
    gk_panel_add(d, pr->t, pr->N, NULL, pr->n, GK_STYLE_LINE, -1, "N(t)");
    rc = cli_save_figure(c, f);
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, CLI_OK);
}

int carriers_emit_threshold(cli_common *c, double nth, double j)
{
  cli_result r;
  cli_result_init(&r, "carriers threshold");
  gk_json_num(r.j, "n_th", nth);
  gk_json_num(r.j, "j_th", j);   /* null without --k2 or --tau */
  cli_printf(&r.b, "Threshold carrier density and current density [Goldberg et al., Adv. Mater. 2024, Eq. 1, 5]\n");
  cli_print_value(&r.b, "N_th", nth, NAN, "cm^-3");
  if (isfinite(j)) cli_print_value(&r.b, "J_th", j, NAN, "A/cm^2");
  else cli_printf(&r.b, "  J_th needs --k2 (radiative) or --tau (carrier lifetime)\n");
  return cli_result_finish(c, &r, CLI_OK);
}

int carriers_emit_gain_fit(cli_common *c, const char *file, double gamma, const double *n, const double *g, size_t len,
                           const gk_gain_fit *fp, double nm)
{
  const gk_gain_fit f = *fp;
  cli_result r;
  cli_result_init(&r, "carriers gain-fit");
  cJSON_AddStringToObject(r.j, "file", file);
  gk_json_num(r.j, "gamma", gamma);
  /* a parameter whose standard error exceeds it is not determined by the
   * data: printed apart ("not determined (best fit ..., standard error
   * ...)"), "determined": false, and the run exits 1 */
  /* sigma, N_s >= 0 are the fit's bounds (src/carriers/gainfit.c): on a
   * bound, not determined, "at_bound" */
  int det = cli_determined(f.sigma, f.se_sigma) && cli_determined(f.n_th, f.se_n_th) &&
            cli_determined(f.n_s, f.se_n_s) && !cli_bound_side(f.sigma, 0, INFINITY) &&
            !cli_bound_side(f.n_s, 0, INFINITY);
  /* N_s on its bound 0 (gk_gain_fit.n_s_at_bound): sigma runs to infinity
   * there, only G_sat = Gamma sigma N_s is determined */
  static const char sat_why[] = "N_s at its bound 0: only G_sat = Gamma sigma N_s is determined";
  if (f.n_s_at_bound) {
    cli_json_value(r.j, "sigma", NAN, NAN, 0, sat_why);
    cli_json_value(r.j, "g_sat", f.g_sat, f.se_g_sat, 1, NULL);
  } else {
    cli_json_bounded(r.j, "sigma", "sigma", f.sigma, f.se_sigma, 0, INFINITY, 1, NULL);
  }
  cli_json_value(r.j, "n_th", f.n_th, f.se_n_th, 1, NULL);
  cli_json_bounded(r.j, "n_s", "N_s", f.n_s, f.se_n_s, 0, INFINITY, 1, NULL);
  cJSON_AddBoolToObject(r.j, "determined", det);
  gk_json_num(r.j, "chi2_red", f.chi2_red);
  cJSON_AddBoolToObject(r.j, "converged", f.converged);
  gk_json_num(r.j, "n_mott", nm);
  cli_printf(&r.b, "Modal gain G = Gamma sigma (N - N_th)/(1 + N/N_s) [Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1-2], Gamma = %g, %zu points\n",
             gamma, len);
  if (f.n_s_at_bound) cli_print_undetermined(&r.b, "sigma", NAN, NAN, "cm^2", sat_why);
  else cli_print_bounded(&r.b, "sigma", f.sigma, f.se_sigma, "cm^2", 0, INFINITY);
  cli_print_value(&r.b, "N_th", f.n_th, f.se_n_th, "cm^-3");
  cli_print_bounded(&r.b, "N_s", f.n_s, f.se_n_s, "cm^-3", 0, INFINITY);
  if (f.n_s_at_bound) cli_print_value(&r.b, "G_sat", f.g_sat, f.se_g_sat, "cm^-1 (Gamma sigma N_s)");
  cli_print_value(&r.b, "chi2_red", f.chi2_red, NAN, "cm^-2");
  cli_print_value(&r.b, "n_Mott", nm, NAN, "cm^-3 (1.19^2 kT/(2 a_B^3 E_b))");
  if (!f.converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", f.fit.reason);
  static const char *hdr[] = {"N (cm^-3)", "G (cm^-1)", "G_fit (cm^-1)"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < len; i++) gk_csv_add_row(&r.csv, (double[]){n[i], g[i], f.fit.yhat[i]});
  int rc = 0;
  if (c->plot) {
    enum { M = 200 };
    double xs[M], ys[M], lo = n[0], hi = n[0];
    for (size_t i = 0; i < len; i++) { if (n[i] < lo) lo = n[i]; if (n[i] > hi) hi = n[i]; }
    for (int i = 0; i < M; i++) {
      xs[i] = lo + (hi - lo) * i / (M - 1);
      ys[i] = f.n_s_at_bound ? f.g_sat * (1 - f.n_th / xs[i]) : gk_gain_saturated(gamma, f.sigma, f.n_th, f.n_s, xs[i]);
    }
    gk_figure *fig = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "carrier density N (cm-3)", "modal gain G (cm-1)", "gain saturation fit");
    gk_panel_add(p, n, g, NULL, len, GK_STYLE_POINTS, -1, "data");
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
    rc = cli_save_figure(c, fig);
  }
  if (f.n_s_at_bound)
    cli_warn("carriers gain-fit: N_s at its bound 0 (every density far above saturation): sigma is not determined, "
             "only G_sat = Gamma sigma N_s");
  else if (!det) cli_warn("carriers gain-fit: a parameter is not determined by the data (standard error larger than the value)");
  int status = f.converged && det ? CLI_OK : CLI_FAILED;
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, status);
}

int carriers_emit_mott(cli_common *c, double temp, double ab, double eb, double nm)
{
  cli_result r;
  cli_result_init(&r, "carriers mott");
  gk_json_num(r.j, "n_mott", nm);
  cli_printf(&r.b, "Mott density n_M = 1.19^2 k_B T/(2 a_B^3 E_b) [Tatarinov et al., Adv. Opt. Mater. 2023] (T = %g K, a_B = %g nm, E_b = %g meV)\n",
             temp, ab * 1e7, eb * 1e3);
  cli_print_value(&r.b, "n_M", nm, NAN, "cm^-3");
  return cli_result_finish(c, &r, CLI_OK);
}
