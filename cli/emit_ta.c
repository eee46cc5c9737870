/* cli/emit_ta.c — output of `gainkit ta`: text, JSON, CSV and the figure
 * of an analysed set (gk_ta_prepare + gk_ta_analyze, gainkit/ta.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_ta.h"

/* A fitted gain-curve parameter on a bound of the fit (src/ta/ta.c): the
 * JSON object says so ("at_bound", "bound", determined false). Objects
 * inside the bounds keep {value, stderr}. */
static void ta_bound(cJSON *o, const char *name, double v, double lo, double hi, int free)
{
  const char *side = free ? cli_bound_side(v, lo, hi) : NULL;
  if (!o || !side) return;
  char why[96], num[32];
  snprintf(why, sizeof why, "at its %s bound (%s %s %s)", side, name, side[0] == 'l' ? ">=" : "<=",
           cli_fmt_num(num, sizeof num, side[0] == 'l' ? lo : hi, CLI_SIG));
  cJSON_AddBoolToObject(o, "determined", 0);
  cJSON_AddStringToObject(o, "reason", why);
  cJSON_AddStringToObject(o, "at_bound", side);
  cJSON_AddNumberToObject(o, "bound", side[0] == 'l' ? lo : hi);
}

static void plot(const char *path, const gk_ta_set *s, const gk_ta_result *r, int *rc)
{
  gk_error e;
  gk_error_clear(&e);
  gk_figure *f = gk_figure_new(2, 2, 1200, 900, "transient absorption gain");
  gk_panel *pa = gk_figure_panel(f, 0), *pb = gk_figure_panel(f, 1), *pc = gk_figure_panel(f, 2),
           *pd = gk_figure_panel(f, 3);
  gk_panel_labels(pa, "wavelength (nm)", "α_{0} + Δα (OD)", "(a) pumped absorption");
  gk_panel_labels(pb, "wavelength (nm)", "-(α_{0} + Δα) (OD)", "(b) gain spectra (colours as in a)");
  /* The pumped spectra fill panel (a) from edge to edge: any inside legend
   * hides curves. One legend outside (a) serves (a) and (b), which share
   * series and colours. */
  gk_panel_legend(pa, GK_LEGEND_OUTSIDE_RIGHT);
  gk_panel_legend(pb, GK_LEGEND_NONE);
  gk_panel_labels(pc, "<N>", "-Δα/α_{0}", "(c) normalised bleach at the probe");
  const size_t nw = s->nwl, np = s->npump, d0 = r->delay_index;
  double *v = malloc(nw * sizeof *v), *g = malloc(nw * sizeof *g);
  gk_panel_add(pa, s->wl, s->alpha0, NULL, nw, GK_STYLE_DASHED, GK_BLACK, "α_{0}");
  size_t step = np > 6 ? (np + 5) / 6 : 1;
  for (size_t j = 0; j < np; j += step) {
    char lab[48];
    snprintf(lab, sizeof lab, "<N> = %.3g", s->n_mean[j]);
    for (size_t i = 0; i < nw; i++) {
      v[i] = s->alpha0[i] + s->dod[(d0 * nw + i) * np + j];
      g[i] = r->gain[i * np + j];
    }
    gk_panel_add(pa, s->wl, v, NULL, nw, GK_STYLE_LINE, GK_AUTO, lab);
    gk_panel_add(pb, s->wl, g, NULL, nw, GK_STYLE_LINE, GK_AUTO, lab);
  }
  gk_panel_hline(pa, 0, GK_GREY, NULL);
  gk_panel_vline(pa, r->probe_nm, GK_GREY, "probe");
  gk_panel_add(pc, s->n_mean, r->normalized, NULL, np, GK_STYLE_POINTS, GK_BLUE, "data");
  if (r->fit_curve) gk_panel_add(pc, s->n_mean, r->fit_curve, NULL, np, GK_STYLE_LINE, GK_VERMILLION, "Poisson gain curve");
  gk_panel_hline(pc, 1, GK_GREY, NULL);
  if (r->threshold_found) {
    char lab[64];
    snprintf(lab, sizeof lab, "N_{th} = %.3f", r->threshold);
    gk_panel_vline(pc, r->threshold, GK_GREEN, lab);
  }
  if (s->ndelay > 1) {
    gk_panel_labels(pd, "delay (ps)", "α_{0} + Δα at probe (OD)", "(d) decay at the probe (as in a)");
    gk_panel_legend(pd, GK_LEGEND_NONE);
    double *w = malloc(s->ndelay * sizeof *w), *tps = malloc(s->ndelay * sizeof *tps);
    for (size_t d = 0; d < s->ndelay; d++) tps[d] = s->delay[d] * 1e12;
    for (size_t j = 0; j < np; j += step) {
      char lab[48];
      snprintf(lab, sizeof lab, "<N> = %.3g", s->n_mean[j]);
      for (size_t d = 0; d < s->ndelay; d++) w[d] = r->pumped_t[d * np + j];
      gk_panel_add(pd, tps, w, NULL, s->ndelay, GK_STYLE_LINEPOINTS, GK_AUTO, lab);
    }
    gk_panel_hline(pd, 0, GK_GREY, NULL);
    free(w);
    free(tps);
  } else {
    gk_panel_labels(pd, "<N>", "gain bandwidth (nm)", "(d) gain bandwidth");
    gk_panel_add(pd, s->n_mean, r->bandwidth, NULL, np, GK_STYLE_LINEPOINTS, GK_BLUE, NULL);
  }
  if (gk_figure_save(f, path, &e) != GK_OK) *rc = cli_error(&e);
  gk_figure_free(f);
  free(v);
  free(g);
}

int ta_emit(cli_common *c, const gk_ta_prepared *p, const gk_ta_options *o, const gk_ta_result *r)
{
  const size_t nw = p->set.nwl, np = p->set.npump, nd = p->set.ndelay;
  const double *nm = p->n_mean, *dl = p->delay;
  int rc;
  cJSON *j = NULL;
  cli_buf b = {0};
  gk_csv csv = {0};
  j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "ta");
  gk_json_num(j, "probe_nm", r->probe_nm);
  if (r->window) {
    cJSON *w = cJSON_AddArrayToObject(j, "window_nm");
    cJSON_AddItemToArray(w, cJSON_CreateNumber(r->win_lo));
    cJSON_AddItemToArray(w, cJSON_CreateNumber(r->win_hi));
  }
  gk_json_num(j, "delay_s", dl[r->delay_index]);
  gk_json_array(j, "n_mean", nm, np);
  gk_json_array(j, "normalized", r->normalized, np);
  gk_json_array(j, "pumped", r->pumped, np);
  gk_json_num(j, "alpha0_probe", r->alpha0_probe);
  cJSON_AddStringToObject(j, "probe_choice", r->window ? "window" : r->probe_auto ? "band-edge bleach maximum" : "given");
  cJSON_AddStringToObject(j, "alpha0_reference", o->alpha0_ref == GK_TA_ALPHA0_OWN ? "own" : "neutral");
  cli_json_value(j, "threshold", r->threshold, r->threshold_se, r->threshold_found,
                 r->threshold_found ? NULL : "-Delta alpha/alpha0 does not cross 1");
  if (!r->window) {
    cJSON *sa = cJSON_AddArrayToObject(j, "probe_sensitivity");
    for (int k = 0; k < 2; k++) {
      if (isnan(r->sens_nm[k])) continue;
      cJSON *o1 = cJSON_CreateObject();
      gk_json_num(o1, "probe_nm", r->sens_nm[k]);
      gk_json_num(o1, "threshold", r->sens_threshold[k]);
      cJSON_AddItemToArray(sa, o1);
    }
  }
  gk_json_num(j, "gain_bandwidth_nm", r->gain_bandwidth_nm);
  gk_json_array(j, "bandwidth_nm", r->bandwidth, np);
  int status = CLI_OK;
  cli_printf(&b, "ta: %zu wavelengths (%g-%g nm), %zu pump levels, %zu delay%s\n", nw, p->wl[0],
             p->wl[nw - 1], np, nd, nd > 1 ? "s" : "");
  if (r->window) cli_printf(&b, "  probe window %g-%g nm", r->win_lo, r->win_hi);
  else cli_printf(&b, "  probe %.4g nm%s", r->probe_nm, r->probe_auto ? " (automatic: band-edge bleach maximum)" : "");
  if (!isnan(dl[r->delay_index])) cli_printf(&b, " at %g ps", dl[r->delay_index] * 1e12);
  cli_printf(&b, ", alpha0 = %.4g OD\n  %10s  %14s  %14s  %14s\n", r->alpha0_probe, "<N>",
             "a0+da (OD)", "-da/a0", "bandwidth (nm)");
  for (size_t k = 0; k < np; k++) {
    cli_cell(&b, 10, nm[k]);
    cli_cell(&b, 14, r->pumped[k]);
    cli_cell(&b, 14, r->normalized[k]);
    cli_cell(&b, 14, r->bandwidth[k]);
    cli_printf(&b, "\n");
  }
  if (r->threshold_found) {
    cli_print_value(&b, "N_th", r->threshold, r->threshold_se, "excitons per NC (-da/a0 = 1, interpolated)");
    if (!cli_determined(r->threshold, r->threshold_se)) status = CLI_FAILED;
  } else {
    cli_printf(&b, "  N_th: -da/a0 does not cross 1 in the data\n");
    cli_warn("no gain threshold: -Delta alpha/alpha0 does not cross 1");
  }
  if (!r->window && (isfinite(r->sens_nm[0]) || isfinite(r->sens_nm[1]))) {
    cli_printf(&b, "  %-12s N_th with the probe moved:", "sensitivity");
    for (int k = 0; k < 2; k++) {
      if (isnan(r->sens_nm[k])) continue;
      char v[64];
      if (isfinite(r->sens_threshold[k])) cli_fmt_num(v, sizeof v, r->sens_threshold[k], CLI_SIG);
      else snprintf(v, sizeof v, "no crossing");
      cli_printf(&b, "%s %s at %.4g nm", k && isfinite(r->sens_nm[0]) ? ";" : "", v, r->sens_nm[k]);
    }
    cli_printf(&b, "\n");
  }
  cli_print_value(&b, "bandwidth", r->gain_bandwidth_nm, NAN, "nm (at the highest <N>)");
  if (r->fit_done) {
    cJSON *f = cJSON_AddObjectToObject(j, "gain_fit");
    gk_json_value_se(f, "threshold", r->fit_threshold, r->fit_threshold_se);
    ta_bound(gk_json_value_se(f, "degeneracy", r->g, r->g_se), "g", r->g, GK_TA_DEGENERACY_MIN, GK_TA_DEGENERACY_MAX,
             o->fit_degeneracy);
    ta_bound(gk_json_value_se(f, "charging", r->ne, r->ne_se), "n_e", r->ne, 0, GK_TA_CHARGING_MAX, o->fit_ne);
    gk_json_num(f, "chi2_red", r->fit_chi2_red);
    cJSON_AddBoolToObject(f, "converged", r->fit_converged);
    cJSON_AddBoolToObject(j, "converged", r->fit_converged);
    cJSON_AddStringToObject(f, "alpha0_reference", o->alpha0_ref == GK_TA_ALPHA0_OWN ? "own" : "neutral");
    cli_printf(&b, "Poisson gain-curve fit, %s (%s):\n",
               o->alpha0_ref == GK_TA_ALPHA0_OWN ? "1 - a(<N>)/a(0), alpha0 = the sample's own pump-off absorption"
                                                : "1 - a(<N>), alpha0 = the neutral film's absorption",
               r->fit_reason);
    cli_print_value(&b, "N_th", r->fit_threshold, r->fit_threshold_se, "excitons per NC");
    if (o->fit_degeneracy)
      cli_print_bounded(&b, "g", r->g, r->g_se, "(degeneracy)", GK_TA_DEGENERACY_MIN, GK_TA_DEGENERACY_MAX);
    else
      cli_print_value(&b, "g", r->g, NAN, "(degeneracy, fixed)");
    if (o->fit_ne && cli_bound_side(r->ne, 0, GK_TA_CHARGING_MAX))
      cli_print_bounded(&b, "n_e", r->ne, r->ne_se, "(extra electrons per NC)", 0, GK_TA_CHARGING_MAX);
    else
      cli_print_location(&b, "n_e", r->ne, r->ne_se, o->fit_ne ? "(extra electrons per NC)" : "(fixed)");
    if (!r->fit_converged) status = CLI_FAILED;
  }
  if (nd > 1) {
    gk_json_array(j, "delays_s", dl, nd);
    cJSON *tt = cJSON_AddArrayToObject(j, "threshold_by_delay");
    for (size_t d = 0; d < nd; d++) {
      cJSON *o1 = cJSON_CreateObject();
      cJSON_AddItemToArray(tt, o1);
      gk_json_num(o1, "delay_s", dl[d]);
      gk_json_num(o1, "value", r->threshold_t[d]);
      gk_json_num(o1, "stderr", r->threshold_t_se[d]);
    }
    gk_json_array(j, "gain_lifetime_s", r->gain_lifetime, np);
    cli_printf(&b, "gain lifetime at the probe (delay at which a0+da returns to >= 0):\n");
    for (size_t k = 0; k < np; k++) {
      if (isnan(r->gain_lifetime[k])) continue;
      cli_printf(&b, "  <N> = %-8.4g %s%.4g ps\n", nm[k], r->lifetime_censored[k] ? ">= " : "",
                 r->gain_lifetime[k] * 1e12);
    }
  }
  static const char *const hdr[] = {"<N>", "alpha0+dalpha (OD)", "-dalpha/alpha0", "bandwidth (nm)"};
  gk_csv_init(&csv, 4, hdr);
  for (size_t k = 0; k < np; k++) {
    double row[4] = {nm[k], r->pumped[k], r->normalized[k], r->bandwidth[k]};
    gk_csv_add_row(&csv, row);
  }
  gk_csv_add_comment(&csv, "probe_nm: %g", r->probe_nm);
  gk_csv_add_comment(&csv, "threshold: %.8g +- %.4g", r->threshold, r->threshold_se);
  if (c->plot) {
    rc = CLI_OK;
    plot(c->plot, &p->set, r, &rc);
    if (rc) goto out;
  }
  rc = cli_emit(c, j, b.s, &csv, status);
out:
  cJSON_Delete(j);
  cli_buf_free(&b);
  gk_csv_free(&csv);
  return rc;
}
