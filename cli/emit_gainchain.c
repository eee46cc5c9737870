/* cli/emit_gainchain.c — output of `gainkit gain-chain`: the g(F), N
 * table, the G(N) fit (text, JSON, CSV) and the G(N) figure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_gainchain.h"
#include "qopt.h"

int gainchain_emit(cli_common *c, const char *model_name, const gk_chain_density *dens, const gk_chain_point *pt,
                   size_t n, const gk_chain_result *cr)
{
  const double gamma = dens->gamma, c_n = dens->c_n, A_act = dens->absorbed;
  const char *how = dens->how;
  /* ---- report ---- */
  cli_result r;
  cli_result_init(&r, "gain-chain");
  cJSON_AddStringToObject(r.j, "density_from", how);
  gk_json_num(r.j, "gamma", gamma);
  gk_json_num(r.j, "c_n", c_n);
  gk_json_num(r.j, "absorbed", A_act);
  cJSON_AddStringToObject(r.j, "vsl_model", model_name);
  cli_printf(&r.b, "Gain chain: %zu VSL scans (%s) -> g(F) -> N = c_N F -> G = Gamma sigma (N - N_th)/(1 + N/N_s)\n", n,
             model_name);
  cli_printf(&r.b, "  N from: %s\n", how);
  cli_print_value(&r.b, "Gamma", gamma, NAN, "");
  cli_print_value(&r.b, "c_N", c_n * 1e-6, NAN, "cm^-3 per uJ/cm2");
  cli_printf(&r.b, "  %-22s %12s %12s %12s %12s %12s %12s\n", "file", "F (uJ/cm2)", "G (cm^-1)", "se (cm^-1)",
             "N (cm^-3)", "L_th (um)", "L_ss (um)");
  cJSON *arr = cJSON_AddArrayToObject(r.j, "points");
  for (size_t i = 0; i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", pt[i].file);
    gk_json_num(o, "fluence", pt[i].F);
    gk_json_value_se(o, "g", pt[i].g, pt[i].se);
    gk_json_num(o, "n", pt[i].N);
    cJSON_AddBoolToObject(o, "converged", pt[i].converged);
    gk_json_num(o, "l_threshold", pt[i].len.l_th);
    gk_json_num(o, "l_small_signal", pt[i].len.l_sat_data);
    gk_json_num(o, "l_saturation_model", pt[i].len.l_sat_model);
    cJSON_AddBoolToObject(o, "saturated", pt[i].len.saturated);
    cJSON_AddItemToArray(arr, o);
    cli_printf(&r.b, "  %-22s", cli_basename(pt[i].file));
    cli_cell(&r.b, 13, pt[i].F * 1e6);
    cli_cell(&r.b, 13, pt[i].g);
    cli_cell(&r.b, 13, pt[i].se);
    cli_cell(&r.b, 13, pt[i].N);
    cli_cell(&r.b, 13, pt[i].len.l_th * 1e4);
    if (pt[i].len.saturated || isnan(pt[i].len.l_sat_data)) cli_cell(&r.b, 13, pt[i].len.l_sat_data * 1e4);
    else cli_printf(&r.b, "%13s", "not reached");
    cli_printf(&r.b, "\n");
  }
  int status = cr->converged ? CLI_OK : CLI_FAILED;
  cli_printf(&r.b, "G(N) fit (weights 1/se^2, errors scaled by chi2_red = %.3g):\n", cr->chi2_red);
  gk_json_value_se(r.j, "sigma", cr->sigma, cr->se_sigma);
  gk_json_value_se(r.j, "n_th", cr->n_th, cr->se_n_th);
  gk_json_value_se(r.j, "f_th", cr->f_th, cr->se_f_th);
  gk_json_num(r.j, "chi2_red", cr->chi2_red);
  cJSON_AddBoolToObject(r.j, "converged", cr->converged);
  cli_print_value(&r.b, "sigma", cr->sigma, cr->se_sigma, "cm^2");
  cli_print_value(&r.b, "N_th", cr->n_th, cr->se_n_th, "cm^-3");
  cli_print_value(&r.b, "F_th", cr->f_th * 1e6, cr->se_f_th * 1e6, "uJ/cm2 (G = 0)");
  /* N_s: not determined when the data show no saturation */
  int ns_ok = cr->converged && isfinite(cr->se_n_s) && cr->se_n_s < cr->n_s && !cr->fit.at_bound;
  if (ns_ok) {
    gk_json_value_se(r.j, "n_s", cr->n_s, cr->se_n_s);
    cli_print_value(&r.b, "N_s", cr->n_s, cr->se_n_s, "cm^-3");
  } else {
    cJSON *o = cJSON_AddObjectToObject(r.j, "n_s");
    cJSON_AddNullToObject(o, "value");
    cJSON_AddStringToObject(o, "reason", "not determined: no saturation in the data (N_s beyond the range)");
    gk_json_num(o, "lower_bound", pt[n - 1].N);
    cli_printf(&r.b, "  N_s          not determined (no saturation seen; N_s >~ %.3g cm^-3)\n", pt[n - 1].N);
  }
  if (!cr->converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", cr->fit.reason);
  static const char *hdr[] = {"F (uJ/cm2)", "G (cm^-1)", "se_G (cm^-1)", "N (cm^-3)", "G_fit (cm^-1)"};
  gk_csv_init(&r.csv, 5, hdr);
  r.has_csv = 1;
  gk_csv_add_comment(&r.csv, "gain chain: %s", how);
  for (size_t i = 0; i < n; i++) {
    double Nn = pt[i].N;
    double gf = gamma * cr->sigma * (Nn - cr->n_th) / (1 + Nn / cr->n_s);
    gk_csv_add_comment(&r.csv, "%s: %g uJ/cm2", cli_basename(pt[i].file), pt[i].F * 1e6);
    gk_csv_add_row(&r.csv, (double[]){pt[i].F * 1e6, pt[i].g, pt[i].se, Nn, gf});
  }
  int rc = 0;
  if (c->plot) {
    enum { M = 300 };
    double xs[M], ys[M], *nx = malloc(n * sizeof *nx), *gg = malloc(2 * n * sizeof *gg);
    if (nx && gg) {
      double lo = pt[0].N * 0.5, hi = pt[n - 1].N * 1.5;
      for (int i = 0; i < M; i++) {
        xs[i] = lo * pow(hi / lo, (double)i / (M - 1));
        ys[i] = gamma * cr->sigma * (xs[i] - cr->n_th) / (1 + xs[i] / cr->n_s);
      }
      for (size_t i = 0; i < n; i++) nx[i] = pt[i].N, gg[i] = pt[i].g, gg[n + i] = pt[i].se;
      gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
      gk_panel *p = gk_figure_panel(f, 0);
      char t[200];
      snprintf(t, sizeof t, "G(N): sigma = %.3g cm2, N_th = %.3g cm-3, Gamma = %.3f", cr->sigma, cr->n_th, gamma);
      gk_panel_labels(p, "carrier density N (cm^-3)", "modal gain G (cm^-1)", t);
      gk_panel_log(p, 1, 0);
      gk_panel_add(p, nx, gg, gg + n, n, GK_STYLE_POINTS, -1, "VSL");
      gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, -1, "Gamma sigma (N - N_th)/(1 + N/N_s)");
      gk_panel_hline(p, 0, -1, NULL);
      rc = cli_save_figure(c, f);
    } else rc = cli_usage(c->cmd, "out of memory");
    free(nx), free(gg);
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, status);
}
