/* cli/emit_kinetics.c — what `gainkit kinetics` prints and writes: the
 * lifetimes (or "not determined" and why) as text and JSON, data, fit and
 * residuals as CSV, and the three-panel figure. Moved out of
 * cli/cmd_kinetics.c unchanged (byte-identical output). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_kinetics.h"

/* Three stacked panels: linear (the rise and the IRF), log-y (each
 * lifetime is a straight line there), residuals. The fits are drawn in
 * black after all data so the dense markers never hide them. */
static void plot(const cli_common *c, const gk_kin_data *d, const gk_kin_result *r, const double *tps,
                 char *const *names, gk_error *e, int *rc)
{
  gk_figure *f = gk_figure_new(1, 3, 900, 1100, "kinetics");
  gk_panel *lin = gk_figure_panel(f, 0), *lg = gk_figure_panel(f, 1), *bot = gk_figure_panel(f, 2);
  char title[200];
  int len = snprintf(title, sizeof title, "(a) data and fit:");
  for (int i = 0; i < r->ncomp && len < (int)sizeof title; i++)
    len += snprintf(title + len, sizeof title - (size_t)len, "%s τ_{%d} = %.4g ps", i ? "," : "", i + 1,
                    r->tau[i] * 1e12);
  gk_panel_labels(lin, "delay t (ps)", "signal (a.u.)", title);
  gk_panel_labels(lg, "delay t (ps)", "signal (a.u.)", "(b) log scale");
  gk_panel_labels(bot, "delay t (ps)", "residual (a.u.)", "(c) residuals");
  gk_panel_log(lg, 0, 1);
  gk_panel_legend(lg, GK_LEGEND_NONE);
  for (size_t k = 0; k < d->ntrace; k++) {
    char lab[64];
    if (names && names[k] && *names[k]) snprintf(lab, sizeof lab, "%s", names[k]);
    else snprintf(lab, sizeof lab, "trace %zu", k + 1);
    int col = (int)k % GK_BLACK; /* black is the fit's */
    gk_panel_add(lin, tps, d->y + k * d->n, NULL, d->n, GK_STYLE_POINTS, col, lab);
    gk_panel_add(lg, tps, d->y + k * d->n, NULL, d->n, GK_STYLE_POINTS, col, lab);
    gk_panel_add(bot, tps, r->resid + k * d->n, NULL, d->n, GK_STYLE_POINTS, col, NULL);
  }
  for (size_t k = 0; k < d->ntrace; k++) {
    gk_panel_add(lin, tps, r->yhat + k * d->n, NULL, d->n, GK_STYLE_LINE, GK_BLACK, k ? NULL : "fit");
    gk_panel_add(lg, tps, r->yhat + k * d->n, NULL, d->n, GK_STYLE_LINE, GK_BLACK, NULL);
  }
  gk_panel_hline(bot, 0, GK_GREY, NULL);
  /* log panel: three decades below the peak; the model before t0 and noise
   * around zero would otherwise stretch the axis to 1e-20 */
  double ymax = 0;
  for (size_t i = 0; i < d->n * d->ntrace; i++) ymax = fmax(ymax, d->y[i]);
  if (ymax > 0) gk_panel_yrange(lg, ymax * 1e-3, ymax * 2);
  if (gk_figure_save(f, c->plot, e) != GK_OK) *rc = cli_error(e);
  gk_figure_free(f);
}

int kin_emit(cli_common *cp, const char *path, const gk_table *t, const gk_kin_data *dp, const gk_kin_result *rp,
             const gk_kin_options *op, const char *irf_path, const double *tps)
{
  cli_common c = *cp;
  const gk_kin_data d = *dp;
  const gk_kin_result r = *rp;
  const gk_kin_options o = *op;
  const size_t n = d.n, K = d.ntrace;
  const double *tt = d.t, *y = d.y;
  gk_error e;
  gk_error_clear(&e);
  int rc = CLI_OK;
  cJSON *j = NULL;
  gk_csv csv = {0};
  cli_buf b = {0};
  j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "kinetics");
  cJSON_AddStringToObject(j, "file", path);
  cJSON *comps = cJSON_AddArrayToObject(j, "components");
  cli_printf(&b, "kinetics: %s, %zu points, %zu trace%s, %d component%s%s\n", path, n, K,
             K > 1 ? "s (global)" : "", r.ncomp, r.ncomp > 1 ? "s" : "",
             o.irf.kind == GK_KIN_IRF_GAUSS ? ", Gaussian IRF" : irf_path ? ", measured IRF" : "");
  if (r.auto_chosen) cli_printf(&b, "  choice: %s\n", r.choice);
  /* the headline: every lifetime. One the data do not resolve (standard
   * error beyond the value, lifetime beyond 10 time windows, amplitude
   * consistent with zero) is printed as not determined and fails the run */
  char degen[160] = "";
  int degenerate = gk_kin_degenerate(&d, &r, degen, sizeof degen), all_determined = 1;
  double window = tt[n - 1] - tt[0];
  cli_printf(&b, "  %-4s %20s  %12s  %8s\n", "#", "tau (ps)", "amplitude", "fraction");
  for (int i = 0; i < r.ncomp; i++) {
    cJSON *o1 = cJSON_CreateObject();
    cJSON_AddItemToArray(comps, o1);
    gk_json_num(o1, "tau", r.tau[i]);
    gk_json_num(o1, "tau_stderr", r.tau_se[i]);
    gk_json_num(o1, "amplitude", r.amp[i]);
    gk_json_num(o1, "amplitude_stderr", r.amp_se[i]);
    gk_json_num(o1, "fraction", r.frac[i]);
    const char *why = NULL;
    /* tau >= 0 is the fit's bound (src/kinetics/fit.c) */
    const char *side = cli_bound_side(r.tau[i], 0, INFINITY);
    if (side) {
      why = "at its lower bound (tau >= 0)";
      cJSON_AddStringToObject(o1, "at_bound", side);
      cJSON_AddNumberToObject(o1, "bound", 0);
    } else if (!(r.tau[i] <= GK_KIN_TAU_MAX_WINDOWS * window)) why = "lifetime beyond 10 time windows";
    else if (!(fabs(r.amp[i]) > 2 * r.amp_se[i]) && r.ntrace == 1) why = "amplitude consistent with zero";
    else if (!cli_determined(r.tau[i], r.tau_se[i])) why = "standard error larger than the value";
    int det = !why;
    cJSON_AddBoolToObject(o1, "determined", det);
    if (!det) cJSON_AddStringToObject(o1, "reason", why);
    all_determined &= det;
    char tau[64];
    if (det)
      cli_printf(&b, "  %-4d %20s", i + 1, cli_fmt_value(tau, sizeof tau, r.tau[i] * 1e12, r.tau_se[i] * 1e12, ""));
    else if (side)
      cli_printf(&b, "  %-4d %20s", i + 1, "at bound (tau >= 0)");
    else
      cli_printf(&b, "  %-4d %20s", i + 1, "not determined");
    cli_cell(&b, 12, r.amp[i]);
    cli_cell(&b, 8, r.frac[i]);
    cli_printf(&b, "\n");
    if (!det) {
      char u[512];
      cli_printf(&b, "       %s\n", cli_fmt_undetermined(u, sizeof u, r.tau[i] * 1e12, r.tau_se[i] * 1e12, "ps", why));
    }
  }
  if (degenerate && all_determined) all_determined = 0;
  cJSON_AddBoolToObject(j, "determined", all_determined);
  if (o.offset) gk_json_num(j, "offset", r.off[0]);
  else cJSON_AddNullToObject(j, "offset");
  gk_json_num(j, "chi2_red", r.chi2_red);
  cJSON_AddBoolToObject(j, "converged", r.converged);
  gk_json_value_se(j, "t0", r.t0, r.t0_se);
  gk_json_value_se(j, "tau_amplitude_weighted", r.tau_amp, r.tau_amp_se);
  gk_json_value_se(j, "tau_intensity_weighted", r.tau_int, r.tau_int_se);
  gk_json_num(j, "aicc", r.aicc);
  cJSON_AddNumberToObject(j, "dof", (double)r.dof);
  if (r.auto_chosen) cJSON_AddStringToObject(j, "choice", r.choice);
  cJSON_AddStringToObject(j, "reason", r.reason);
  if (K > 1) {
    cJSON *tr = cJSON_AddArrayToObject(j, "traces");
    for (size_t k = 0; k < K; k++) {
      cJSON *o1 = cJSON_CreateObject();
      cJSON_AddItemToArray(tr, o1);
      cJSON_AddStringToObject(o1, "name", t->raw[1 + k]);
      gk_json_array(o1, "amplitudes", r.amp + k * (size_t)r.ncomp, (size_t)r.ncomp);
      gk_json_array(o1, "fractions", r.frac + k * (size_t)r.ncomp, (size_t)r.ncomp);
      if (o.offset) gk_json_num(o1, "offset", r.off[k]);
      cli_printf(&b, "  trace %zu (%s): amplitudes", k + 1, *t->raw[1 + k] ? t->raw[1 + k] : "-");
      for (int i = 0; i < r.ncomp; i++) cli_cell(&b, 0, r.amp[k * (size_t)r.ncomp + (size_t)i]);
      cli_printf(&b, "\n");
    }
  }
  if (o.offset) cli_print_location(&b, "offset", r.off[0], r.off_se[0], "");
  cli_print_location(&b, "t0", r.t0 * 1e12, r.t0_se * 1e12, "ps");
  cli_print_value(&b, "tau_amp", r.tau_amp * 1e12, r.tau_amp_se * 1e12, "ps (amplitude-weighted)");
  cli_print_value(&b, "tau_int", r.tau_int * 1e12, r.tau_int_se * 1e12, "ps (intensity-weighted)");
  cli_print_value(&b, "chi2_red", r.chi2_red, NAN, "");
  cli_printf(&b, "  %-12s %s (%s)\n", "converged", r.converged ? "yes" : "NO", r.reason);

  /* CSV: time, then data, fit and residual of each trace */
  size_t nc = 1 + 3 * K;
  char **hdr = calloc(nc, sizeof *hdr);
  hdr[0] = strdup("t (s)");
  for (size_t k = 0; k < K; k++) {
    char s[64];
    snprintf(s, sizeof s, "data%zu", k + 1);
    hdr[1 + 3 * k] = strdup(s);
    snprintf(s, sizeof s, "fit%zu", k + 1);
    hdr[2 + 3 * k] = strdup(s);
    snprintf(s, sizeof s, "residual%zu", k + 1);
    hdr[3 + 3 * k] = strdup(s);
  }
  gk_csv_init(&csv, nc, (const char *const *)hdr);
  for (size_t i = 0; i < nc; i++) free(hdr[i]);
  free(hdr);
  double *row = malloc(nc * sizeof *row);
  for (size_t i = 0; i < n; i++) {
    row[0] = tt[i];
    for (size_t k = 0; k < K; k++) {
      row[1 + 3 * k] = y[k * n + i];
      row[2 + 3 * k] = r.yhat[k * n + i];
      row[3 + 3 * k] = r.resid[k * n + i];
    }
    gk_csv_add_row(&csv, row);
  }
  free(row);
  for (int i = 0; i < r.ncomp; i++)
    gk_csv_add_comment(&csv, "tau%d_s: %.10g +- %.4g", i + 1, r.tau[i], r.tau_se[i]);

  if (c.plot) {
    plot(&c, &d, &r, tps, t->raw + 1, &e, &rc);
    if (rc) goto out;
  }
  if (!all_determined) cli_warn("kinetics: a component is not resolved by the data (%s)", degen[0] ? degen : "standard error larger than the value");
  rc = cli_emit(&c, j, b.s, &csv, r.converged && all_determined ? CLI_OK : CLI_FAILED);
out:
  gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  return rc;
}
