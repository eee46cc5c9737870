/* Output of `gainkit fluence` (cli/emit_fluence.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_fluence.h"

static void beam_report(cli_result *r, const fluence_beam *fb, const char *axis)
{
  const gk_beam *b = &fb->fit;
  cJSON *o = cJSON_AddObjectToObject(r->j, axis);
  cJSON_AddStringToObject(o, "file", fb->path);
  cJSON_AddStringToObject(o, "method", b->knife ? "knife-edge erf fit" : "Gaussian line-profile fit");
  gk_json_value_se(o, "w", b->w, b->se_w);
  cli_printf(&r->b, "%s%s profile %s (%s, %zu points):\n", strcmp(axis, "beam") ? axis : "Beam", strcmp(axis, "beam") ? " beam" : "", cli_basename(fb->path),
             b->knife ? "knife edge, P = bg + (P0/2) erfc(sqrt2 (x - x0)/w)" : "camera line, bg + A exp(-2 (x-x0)^2/w^2)",
             fb->col.n);
  cli_print_value(&r->b, "w (1/e^2)", b->w * 1e4, b->se_w * 1e4, "um");
  if (b->knife) {
    gk_json_num(o, "w_10_90", b->k.w_1090);
    gk_json_num(o, "x0", b->k.x0);
    cli_print_value(&r->b, "w (10-90%)", b->k.w_1090 * 1e4, NAN, "um (clip-distance check: d/1.2816)");
  } else {
    gk_json_num(o, "w_d4sigma", b->p.w_d4s);
    gk_json_num(o, "fwhm", b->p.fwhm);
    gk_json_num(o, "x0", b->p.x0);
    cli_print_value(&r->b, "w (D4sigma)", b->p.w_d4s * 1e4, NAN, "um (second-moment check)");
    cli_print_value(&r->b, "FWHM", b->p.fwhm * 1e4, NAN, "um (interpolated)");
  }
}

static int plot_beam(const cli_common *c, const fluence_beam *bx, const fluence_beam *by)
{
  const fluence_beam *bs[2] = {bx, by};
  int nb = by->path ? 2 : 1;
  gk_figure *f = gk_figure_new(nb, 1, nb == 2 ? 1200 : 800, 560, NULL);
  for (int k = 0; k < nb; k++) {
    const fluence_beam *b = bs[k];
    gk_panel *p = gk_figure_panel(f, k);
    size_t n = b->col.n;
    double *xu = malloc(n * sizeof *xu);
    enum { M = 300 };
    double xs[M], ys[M];
    if (!xu) { gk_figure_free(f); return cli_usage(c->cmd, "out of memory"); }
    for (size_t i = 0; i < n; i++) xu[i] = b->col.x[i] * 1e4;
    double lo = b->col.x[0], hi = b->col.x[n - 1];
    for (int i = 0; i < M; i++) {
      double x = lo + (hi - lo) * i / (M - 1);
      xs[i] = x * 1e4;
      ys[i] = gk_beam_model(&b->fit, x);
    }
    char title[160];
    snprintf(title, sizeof title, "%s: w = %.4g um", cli_basename(b->path), b->fit.w * 1e4);
    gk_panel_labels(p, "position x (um)", b->fit.knife ? "transmitted power" : "intensity", title);
    gk_panel_add(p, xu, b->col.y, NULL, n, GK_STYLE_POINTS, -1, "data");
    gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, -1, b->fit.knife ? "erf fit" : "Gaussian fit");
    free(xu);
  }
  return cli_save_figure(c, f);
}

/* N(z): the text, JSON and CSV. */
static void emit_depth(cli_result *r, const fluence_view *v)
{
  const gk_depth_profile *dp = v->dp;
  int have_stack = v->ab != NULL;
  cJSON *dj = cJSON_AddObjectToObject(r->j, "carriers");
  cJSON_AddStringToObject(dj, "method", have_stack ? "transfer matrix" : "Beer-Lambert");
  if (!have_stack) {
    gk_json_num(dj, "alpha_pump", v->alpha);
    cJSON_AddStringToObject(dj, "lp_definition", v->lp_factor == 2 ? "1/e^2 intensity depth: alpha = 2/l_p" : "1/e depth: alpha = 1/l_p");
  }
  gk_json_num(dj, "absorbed", dp->absorbed);
  gk_json_num(dj, "n_mean", dp->n_mean);
  gk_json_num(dj, "n_front", dp->N[0]);
  gk_json_num(dj, "n_back", dp->N[dp->n - 1]);
  cli_printf(&r->b, "Carrier density at F_peak (one pair per absorbed photon, %s):\n",
             have_stack ? "transfer-matrix field" : v->lp_factor == 2 ? "Beer-Lambert, alpha = 2/l_p (1/e^2 depth)" : "Beer-Lambert, alpha = 1/l_p");
  cli_print_value(&r->b, "absorbed", dp->absorbed, NAN, "in the active layer");
  cli_print_value(&r->b, "N mean", dp->n_mean, NAN, "cm^-3 (thickness average)");
  cli_print_value(&r->b, "N front", dp->N[0], NAN, "cm^-3");
  cli_print_value(&r->b, "N back", dp->N[dp->n - 1], NAN, "cm^-3");
  if (v->mode == 1) {
    gk_json_num(dj, "n_mode", dp->n_mode);
    gk_json_num(dj, "confinement", v->gam);
    char u[96];
    snprintf(u, sizeof u, "cm^-3 (weighted by |E|^2 of %s0 at %g nm)", v->tm ? "TM" : "TE", v->emis_wl);
    cli_print_value(&r->b, "N mode", dp->n_mode, NAN, u);
    cli_print_value(&r->b, "Gamma", v->gam, NAN, "confinement in the active layer");
  } else if (v->mode == 0) {
    cJSON_AddNullToObject(dj, "n_mode");
    cJSON_AddStringToObject(dj, "n_mode_reason", "no guided mode");
  }
  static const char *hdr[] = {"z (nm)", "N (cm^-3)"};
  gk_csv_init(&r->csv, 2, hdr);
  r->has_csv = 1;
  gk_csv_add_comment(&r->csv, "carrier density at the peak fluence %g uJ/cm2", v->o->f_peak * 1e6);
  for (size_t i = 0; i < dp->n; i++) gk_csv_add_row(&r->csv, (double[]){dp->z_nm[i], dp->N[i]});
}

int fluence_emit(cli_common *c, const fluence_view *v)
{
  const gk_fluence_in *in = v->in;
  const gk_fluence_out *o = v->o;
  const fluence_beam *bx = v->bx, *by = v->by;
  cli_result r;
  cli_result_init(&r, "fluence");
  cJSON *def = cJSON_AddObjectToObject(r.j, "definitions");
  cJSON_AddStringToObject(def, "area", o->area_def);
  cJSON_AddStringToObject(def, "peak", o->peak_def);
  cli_printf(&r.b, "Pump fluence (definitions: %s; %s)\n", o->area_def, o->peak_def);
  if (bx->path) beam_report(&r, bx, by->path ? "x" : "beam");
  if (by->path) beam_report(&r, by, "y");
  gk_json_value_se(r.j, "energy", o->energy, o->se_energy);
  gk_json_num(r.j, "transmission", in->transmission);
  gk_json_value_se(r.j, "area", o->area, o->se_area);
  gk_json_num(r.j, "area_effective", o->area_eff);
  gk_json_value_se(r.j, "fluence_peak", o->f_peak, o->se_f_peak);
  gk_json_value_se(r.j, "fluence_average", o->f_avg, o->se_f_avg);
  gk_json_value_se(r.j, "intensity_peak", o->i_peak, o->se_i_peak);
  cli_print_value(&r.b, "energy", o->energy * 1e6, o->se_energy * 1e6, "uJ on the sample");
  if (in->transmission != 1) cli_print_value(&r.b, "transmission", in->transmission, in->se_transmission, "(filters)");
  cli_print_value(&r.b, "area", o->area * 1e8, o->se_area * 1e8, "um^2 (nominal)");
  cli_print_value(&r.b, "area (eff.)", o->area_eff * 1e8, NAN, "um^2 = E/F_peak");
  cli_print_value(&r.b, "F_peak", o->f_peak * 1e6, o->se_f_peak * 1e6, "uJ/cm2");
  cli_print_value(&r.b, "F_average", o->f_avg * 1e6, o->se_f_avg * 1e6, "uJ/cm2");
  if (!isnan(o->i_peak)) {
    static const char *sn[] = {"Gaussian", "sech^2", "square"};
    char u[96];
    snprintf(u, sizeof u, "W/cm2 (%s pulse: %.4f F_peak/FWHM)", sn[in->pulse_shape], o->peak_over_time);
    cJSON_AddStringToObject(def, "intensity", u + 6);
    cli_print_value(&r.b, "I_peak", o->i_peak, o->se_i_peak, u);
  }
  if (!isnan(in->absorbed)) {
    cJSON_AddStringToObject(def, "absorbed", v->abs_def);
    gk_json_value_se(r.j, "absorbed", in->absorbed, in->se_absorbed);
    gk_json_value_se(r.j, "fluence_absorbed_peak", o->f_abs_peak, o->se_f_abs_peak);
    cli_print_value(&r.b, "absorbed", in->absorbed, in->se_absorbed, v->abs_def);
    cli_print_value(&r.b, "F_abs,peak", o->f_abs_peak * 1e6, o->se_f_abs_peak * 1e6, "uJ/cm2 absorbed (peak)");
  }
  if (v->ab) {
    gk_json_num(r.j, "reflectance", v->ab->R);
    gk_json_num(r.j, "transmittance", v->ab->T);
    cli_print_value(&r.b, "R", v->ab->R, NAN, "reflectance of the stack");
    cli_print_value(&r.b, "T", v->ab->T, NAN, "into the substrate");
  }
  if (v->dp) emit_depth(&r, v);
  else if (bx->path) {
    static const char *hdr[] = {"x (um)", "signal", "fit"};
    gk_csv_init(&r.csv, 3, hdr);
    r.has_csv = 1;
    for (size_t i = 0; i < bx->col.n; i++)
      gk_csv_add_row(&r.csv, (double[]){bx->col.x[i] * 1e4, bx->col.y[i], gk_beam_model(&bx->fit, bx->col.x[i])});
  }
  int rc = 0;
  if (c->plot) {
    if (bx->path) rc = plot_beam(c, bx, by);
    else if (v->dp) {
      gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
      gk_panel *p = gk_figure_panel(f, 0);
      gk_panel_labels(p, "depth z (nm)", "carrier density N (cm^-3)", "pump absorption in the active layer");
      gk_panel_add(p, v->dp->z_nm, v->dp->N, NULL, v->dp->n, GK_STYLE_LINE, -1, "N(z)");
      gk_panel_hline(p, v->dp->n_mean, -1, "thickness average");
      rc = cli_save_figure(c, f);
    } else {
      rc = cli_usage(c->cmd, "--plot needs a measured profile (--knife-edge/--profile) or a depth profile (--stack/--lp)");
    }
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, CLI_OK);
}
