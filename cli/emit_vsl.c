/* cli/emit_vsl.c — what `gainkit vsl` prints and writes: the fits as text,
 * JSON and CSV, the threshold and saturation lengths, the figures, the
 * window scan and the gain spectrum. Moved out of cli/cmd_vsl.c unchanged
 * (byte-identical output); the command keeps options + prepare + fit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_vsl.h"
#include "gainkit/fluence.h"

static const char *weight_name(gk_weighting w)
{
  return w == GK_WEIGHT_SIGMA ? "sigma" : w == GK_WEIGHT_RELATIVE ? "relative" : "none";
}

/* Unit of a reported parameter with the intensity unit substituted. */
static void param_unit(gk_vsl_model m, size_t k, const char *yunit, char *buf, size_t size)
{
  const char *u = gk_vsl_param_unit(m, k);
  const char *iu = *yunit ? yunit : "a.u.";
  if (strcmp(u, "I") == 0) snprintf(buf, size, "%s", iu);
  else if (strcmp(u, "I/cm") == 0) snprintf(buf, size, "%s/cm", iu);
  else snprintf(buf, size, "%s", u);
}

/* ---- "not determined" ------------------------------------------------------
 * A value the data do not determine (standard error missing or larger than
 * |value|, or the value on a bound the model imposes) is printed with its
 * value and uncertainty separately and the words "not determined", never
 * as "value +- se"; JSON carries "determined": false with the reason.
 * (Local to vsl for now; cli_common's shared formatting may take it over.) */
/* The bounds a fit imposes: vsl2's A2 >= 0 and sat-exact's alpha >= 0
 * (the only bounded physical parameters); "lower" when the fit ended on
 * one, else NULL. */
static const char *at_bound(const gk_vsl_fit *f, size_t k)
{
  if (!f->ok) return NULL;
  if (f->model == GK_VSL_VSL2 && k == 2 && f->a2_at_bound) return "lower";
  if (f->model == GK_VSL_SATEXACT && k == 1 && f->value[1] <= 1e-12 * fabs(f->value[0])) return "lower";
  return NULL;
}

static const char *why_undetermined(const gk_vsl_fit *f, size_t k)
{
  if (!f->ok) return "no fit";
  /* sat-exact's optimum at a limit of the model (gk_vsl_fit.limit) */
  if (f->limit && !isfinite(f->value[k]))
    return "limit of unbounded Is: diverges (gamma, alpha unbounded with g and gamma/Is fixed)";
  if (at_bound(f, k)) return f->model == GK_VSL_VSL2 ? "at its lower bound (A2 >= 0)" : "at its lower bound (alpha >= 0)";
  if (!isfinite(f->se[k])) return "no standard error (the data do not constrain it)";
  if (!isfinite(f->value[k])) return "no value";
  if (f->se[k] > fabs(f->value[k])) return "standard error exceeds |value|";
  return NULL;
}

static size_t g_index(gk_vsl_model m) { return m == GK_VSL_SATEXACT ? 4 : 0; }

/* The model whose warnings stay warnings (the recommended one of --model
 * all); -1: every model's (fit_text). */
static int headline_model = -1;

static void print_param(cli_buf *b, const gk_vsl_fit *f, size_t k, const char *unit)
{
  const char *why = why_undetermined(f, k);
  if (!why) {
    cli_print_value(b, gk_vsl_param_name(f->model, k), f->value[k], f->se[k], unit);
    return;
  }
  char v[32], se[32];
  cli_fmt_num(v, sizeof v, f->value[k], CLI_SIG);
  if (at_bound(f, k)) {
    const char *nm = gk_vsl_param_name(f->model, k);
    cli_printf(b, "  %-12s at bound (%s >= 0): best fit %s %s\n", nm, nm, v, unit);
    return;
  }
  cli_fmt_num(se, sizeof se, f->se[k], 2);
  int have_se = isfinite(f->se[k]) && f->se[k] > 0;
  cli_printf(b, "  %-12s not determined (%s): value %s %s, standard error %s%s%s\n", gk_vsl_param_name(f->model, k),
             why, v, unit, have_se ? se : "none", have_se ? " " : "", have_se ? unit : "");
}

/* ---- fit-window analysis --------------------------------------------------- */

int vsl_emit_window_scan(vsl_opts *o, const gk_vsl_data *d, const char *yunit)
{
  gk_error e;
  gk_error_clear(&e);
  gk_vsl_model m = o->model < 0 ? GK_VSL_VSL1 : (gk_vsl_model)o->model;
  gk_vsl_window_scan ws;
  if (gk_vsl_window_scan_run(d, m, &ws, &e) != GK_OK) return cli_error(&e);
  (void)yunit;
  size_t nw = ws.nw, L = ws.longest;
  int found = L < nw;
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "vsl");
  cJSON_AddStringToObject(j, "analysis", "window-scan");
  cJSON_AddStringToObject(j, "model", gk_vsl_model_name(m));
  cJSON_AddStringToObject(j, "weights", weight_name(d->weighting));
  cJSON_AddBoolToObject(j, "converged", found);
  gk_json_array(j, "Lmax_cm", ws.Lmax, nw);
  gk_json_array(j, "g", ws.g, nw);
  gk_json_array(j, "g_stderr", ws.g_se, nw);
  double *lo = malloc(nw * sizeof *lo), *hi = malloc(nw * sizeof *hi), *np = malloc(nw * sizeof *np);
  if (!lo || !hi || !np) {
    free(lo); free(hi); free(np);
    cJSON_Delete(j);
    gk_vsl_window_scan_free(&ws);
    fprintf(stderr, "gainkit: out of memory\n");
    return CLI_USAGE;
  }
  for (size_t k = 0; k < nw; k++) {
    lo[k] = ws.g[k] - 1.96 * ws.g_se[k];
    hi[k] = ws.g[k] + 1.96 * ws.g_se[k];
    np[k] = (double)ws.npts[k];
  }
  gk_json_array(j, "g_band95_lo", lo, nw);
  gk_json_array(j, "g_band95_hi", hi, nw);
  gk_json_array(j, "chi2_red", ws.chi2_red, nw);
  gk_json_array(j, "n_points", np, nw);
  cJSON *acc = cJSON_AddArrayToObject(j, "model_holds");
  for (size_t k = 0; k < nw; k++) cJSON_AddItemToArray(acc, cJSON_CreateBool(ws.acceptable[k] && k <= L));
  cJSON *lg = cJSON_AddObjectToObject(j, "longest_valid_range");
  gk_json_num(lg, "Lmax_cm", found ? ws.Lmax[L] : NAN);
  cJSON *gv = gk_json_value_se(lg, "g", found ? ws.g[L] : NAN, found ? ws.g_se[L] : NAN);
  (void)gv;
  cli_buf b = {0};
  cli_printf(&b, "VSL fit-window scan: %zu points, model %s, weights %s: g versus the longest stripe length used\n\n",
             d->n, gk_vsl_model_name(m), weight_name(d->weighting));
  cli_printf(&b, "%10s %6s %24s %10s  %s\n", "Lmax (cm)", "points", "g (cm^-1)", "chi2_red", "model holds");
  for (size_t k = 0; k < nw; k++) {
    char gs[64];
    if (isfinite(ws.g[k]) && ws.g_se[k] <= fabs(ws.g[k])) cli_fmt_value(gs, sizeof gs, ws.g[k], ws.g_se[k], "");
    else snprintf(gs, sizeof gs, "%s", isfinite(ws.g[k]) ? "not determined" : "no fit");
    cli_cell(&b, 10, ws.Lmax[k]);
    cli_printf(&b, " %6zu %24s", ws.npts[k], gs);
    cli_cell(&b, 11, ws.chi2_red[k]);
    cli_printf(&b, "  %s\n", ws.acceptable[k] && k <= L ? "yes" : "no");
  }
  if (found) {
    char gs[64];
    cli_fmt_value(gs, sizeof gs, ws.g[L], ws.g_se[L], "cm^-1");
    cli_printf(&b, "\nlongest range where %s holds: L <= %g cm (%zu points), g = %s\n", gk_vsl_model_name(m), ws.Lmax[L],
               ws.npts[L], gs);
  } else {
    cli_printf(&b, "\n%s holds in no window (not even the shortest)\n", gk_vsl_model_name(m));
  }
  gk_csv csv = {0};
  const char *hdr[6] = {"Lmax (cm)", "g (cm^-1)", "g_stderr (cm^-1)", "chi2_red", "n_points", "model_holds"};
  gk_csv_init(&csv, 6, hdr);
  gk_csv_add_comment(&csv, "gainkit vsl --window-scan --model %s", gk_vsl_model_name(m));
  for (size_t k = 0; k < nw; k++) {
    double row[6] = {ws.Lmax[k], ws.g[k], ws.g_se[k], ws.chi2_red[k], np[k], ws.acceptable[k] && k <= L ? 1 : 0};
    gk_csv_add_row(&csv, row);
  }
  int rc = CLI_OK;
  if (o->c.plot) {
    gk_figure *fig = gk_figure_new(1, 1, 1000, 650, "VSL fit-window scan");
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "longest stripe length used Lmax (cm)", "net gain g (cm^-1)", gk_vsl_model_name(m));
    gk_panel_add(p, ws.Lmax, ws.g, NULL, nw, GK_STYLE_LINEPOINTS, 0, "g");
    gk_panel_add(p, ws.Lmax, lo, NULL, nw, GK_STYLE_DASHED, 1, "95 % band");
    gk_panel_add(p, ws.Lmax, hi, NULL, nw, GK_STYLE_DASHED, 1, NULL);
    if (found) gk_panel_vline(p, ws.Lmax[L], 2, "longest valid range");
    if (gk_figure_save(fig, o->c.plot, &e) != GK_OK) rc = cli_error(&e);
    gk_figure_free(fig);
  }
  if (rc == CLI_OK) rc = cli_emit(&o->c, j, b.s, &csv, found ? CLI_OK : CLI_FAILED);
  gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  free(lo); free(hi); free(np);
  gk_vsl_window_scan_free(&ws);
  return rc;
}

/* ---- threshold and saturation lengths (gk_vsl_lengths_compute) ---------- */

/* A length in cm as "123 ± 4 um" below 1 mm, "2.95 ± 0.08 mm" above. */
static const char *fmt_length(char *buf, size_t n, double cm, double se_cm)
{
  int um = fabs(cm) < 0.1;
  double f = um ? 1e4 : 10;
  return cli_fmt_value(buf, n, cm * f, se_cm * f, um ? "um" : "mm");
}

#define VSL_LTH_DEF "e^{gL} - 1 = 2 g L (amplified emission (A/g)(e^{gL} - 1) - A L equals the unamplified A L), " \
                    "g L = 1.25643, g of vsl1 on the small-signal range"
#define VSL_LSS_DEF "the longest stripe up to which vsl1 on the shortest stripes passes a chi^2 test with " \
                    "absolute sigmas (p >= 0.001; the range ends where two successive stripes fail)"
#define VSL_LSM_DEF "the sat fit's (Milanese et al. 2024 Eq. 3) stripe length where I = Is (the gain halved)"

/* Text, JSON (threshold_length_cm, saturation_length_cm,
 * saturation_length_model_cm, small_signal) and CSV comments. Not a
 * headline result: the exit status is left alone. */
static void report_lengths(const gk_vsl_data *d, const gk_vsl_fit *fits, cJSON *j, cli_buf *b, gk_csv *csv)
{
  gk_vsl_lengths len;
  gk_error e;
  gk_error_clear(&e);
  int ok = gk_vsl_lengths_compute_from(d, fits, GK_VSL_NMODELS, &len, &e) == GK_OK;
  if (!ok) len.l_th = len.l_sat_model = len.l_sat_data = len.g_small = len.se_g_small = len.p_value = NAN,
           len.n_small = 0, len.saturated = 0;
  double gl = gk_vsl_threshold_gl();
  double se_th = isfinite(len.l_th) ? gl * len.se_g_small / (len.g_small * len.g_small) : NAN;
  char why_th[600] = "", why_ss[600] = "", why_sm[600] = "";
  if (!ok) {
    snprintf(why_th, sizeof why_th, "%s", e.msg);
    snprintf(why_ss, sizeof why_ss, "%s", e.msg);
    snprintf(why_sm, sizeof why_sm, "%s", e.msg);
  } else {
    if (len.n_small == 0)
      snprintf(why_th, sizeof why_th, "vsl1 fails the chi^2 test already on the 4 shortest stripes (L <= %g cm)",
               d->L[3]);
    else if (!isfinite(len.g_small))
      snprintf(why_th, sizeof why_th, "vsl1 on the small-signal range did not fit");
    else if (!isfinite(len.l_th))
      snprintf(why_th, sizeof why_th, "no net gain on the small-signal range (g = %.4g cm^-1)", len.g_small);
    if (!d->sigma)
      snprintf(why_ss, sizeof why_ss, "needs a sigma column (the chi^2 test needs absolute errors)");
    else if (len.n_small == 0)
      snprintf(why_ss, sizeof why_ss, "vsl1 fails already on the 4 shortest stripes: below %g cm", d->L[3]);
    else if (!len.saturated)
      snprintf(why_ss, sizeof why_ss, "not reached: vsl1 holds up to the longest stripe, %g cm (a lower bound)",
               d->L[d->n - 1]);
    if (!isfinite(len.l_sat_model))
      snprintf(why_sm, sizeof why_sm, "the sat fit did not converge or Is lies beyond 100 x the largest intensity");
  }
  double l_ss = why_ss[0] ? NAN : len.l_sat_data;
  cJSON *o = cli_json_value(j, "threshold_length_cm", len.l_th, se_th, !why_th[0], why_th);
  if (o) cJSON_AddStringToObject(o, "definition", VSL_LTH_DEF);
  o = cli_json_value(j, "saturation_length_cm", l_ss, NAN, !why_ss[0], why_ss);
  if (o) {
    cJSON_AddStringToObject(o, "definition", VSL_LSS_DEF);
    if (ok && d->sigma && len.n_small > 0 && !len.saturated) gk_json_num(o, "lower_bound", d->L[d->n - 1]);
  }
  o = cli_json_value(j, "saturation_length_model_cm", len.l_sat_model, NAN, !why_sm[0], why_sm);
  if (o) cJSON_AddStringToObject(o, "definition", VSL_LSM_DEF);
  cJSON *ss = cJSON_AddObjectToObject(j, "small_signal");
  cJSON_AddNumberToObject(ss, "n_points", (double)len.n_small);
  gk_json_value_se(ss, "g", len.g_small, len.se_g_small);
  gk_json_num(ss, "p_value", len.p_value);

  char v[200], g[64];
  cli_printf(b, "\nlengths (vsl1 on the small-signal range: %zu shortest stripes", len.n_small);
  if (isfinite(len.g_small)) cli_printf(b, ", g = %s", cli_fmt_value(g, sizeof g, len.g_small, len.se_g_small, "cm^-1"));
  cli_printf(b, ")\n");
  if (why_th[0]) cli_printf(b, "  threshold length L_th     not determined (%s)\n", why_th);
  else cli_printf(b, "  threshold length L_th     %s\n", fmt_length(v, sizeof v, len.l_th, se_th));
  cli_printf(b, "    (%s)\n", VSL_LTH_DEF);
  if (why_ss[0]) cli_printf(b, "  saturation length L_ss    not determined (%s)\n", why_ss);
  else cli_printf(b, "  saturation length L_ss    %s\n", fmt_length(v, sizeof v, l_ss, NAN));
  cli_printf(b, "    (%s)\n", VSL_LSS_DEF);
  if (why_sm[0]) cli_printf(b, "  sat-fit length L(I = Is)  not determined (%s)\n", why_sm);
  else cli_printf(b, "  sat-fit length L(I = Is)  %s\n", fmt_length(v, sizeof v, len.l_sat_model, NAN));
  cli_printf(b, "    (%s)\n", VSL_LSM_DEF);

  if (why_th[0]) gk_csv_add_comment(csv, "threshold length L_th: not determined (%s)", why_th);
  else gk_csv_add_comment(csv, "threshold length L_th (cm): %.6g +- %.2g (%s)", len.l_th, se_th, VSL_LTH_DEF);
  if (why_ss[0]) gk_csv_add_comment(csv, "saturation length L_ss: not determined (%s)", why_ss);
  else gk_csv_add_comment(csv, "saturation length L_ss (cm): %.6g (%s)", l_ss, VSL_LSS_DEF);
  if (why_sm[0]) gk_csv_add_comment(csv, "sat-fit length L(I = Is): not determined (%s)", why_sm);
  else gk_csv_add_comment(csv, "sat-fit length L(I = Is) (cm): %.6g (%s)", len.l_sat_model, VSL_LSM_DEF);
}

/* ---- one data set -------------------------------------------------------- */

static cJSON *fit_json(const gk_vsl_fit *f, const gk_vsl_data *d, const char *yunit, cJSON *obj)
{
  gk_vsl_model m = f->model;
  cJSON_AddStringToObject(obj, "model", gk_vsl_model_name(m));
  cJSON_AddBoolToObject(obj, "converged", f->ok && f->converged);
  cJSON_AddNumberToObject(obj, "n_points", (double)d->n);
  double r[2] = {d->L[0], d->L[d->n - 1]};
  gk_json_array(obj, "range_cm", r, 2);
  cJSON *p = cJSON_AddObjectToObject(obj, "params");
  cJSON *u = cJSON_AddObjectToObject(obj, "units");
  for (size_t k = 0; k < f->np; k++) {
    char unit[48];
    cJSON *pv = gk_json_value_se(p, gk_vsl_param_name(m, k), f->ok ? f->value[k] : NAN, f->ok ? f->se[k] : NAN);
    const char *why = why_undetermined(f, k);
    if (pv) {
      cJSON_AddBoolToObject(pv, "determined", why == NULL);
      if (why) cJSON_AddStringToObject(pv, "reason", why);
      if (at_bound(f, k)) {
        cJSON_AddStringToObject(pv, "at_bound", at_bound(f, k));
        cJSON_AddNumberToObject(pv, "bound", 0);
      }
    }
    param_unit(m, k, yunit, unit, sizeof unit);
    cJSON_AddStringToObject(u, gk_vsl_param_name(m, k), unit);
  }
  if (f->has_offset) {
    cJSON *pv = gk_json_value_se(p, "I0", f->I0, f->I0_se);
    if (pv) cJSON_AddBoolToObject(pv, "determined", isfinite(f->I0_se) && f->I0_se <= fabs(f->I0));
    cJSON_AddStringToObject(u, "I0", *yunit ? yunit : "a.u.");
  }
  if (f->ok && f->limit) {
    /* sat-exact at its limit Is -> infinity: k = gamma/Is */
    cJSON *lo = cJSON_AddObjectToObject(obj, "limit");
    cJSON_AddStringToObject(lo, "kind", "unbounded Is (quadratic saturation)");
    cJSON_AddStringToObject(lo, "equation", "dI/dx = A + g I - k I^2");
    gk_json_num(lo, "k", f->limit_k);
    gk_json_num(lo, "k_stderr", f->limit_k_se);
  }
  cJSON_AddBoolToObject(obj, "offset", f->has_offset);
  gk_json_num(obj, "chi2", f->ok ? f->chi2 : NAN);
  gk_json_num(obj, "chi2_red", f->ok ? f->chi2_red : NAN);
  gk_json_num(obj, "aic", f->ok ? f->aic : NAN);
  gk_json_num(obj, "aicc", f->ok ? f->aicc : NAN);
  gk_json_num(obj, "bic", f->ok ? f->bic : NAN);
  cJSON_AddStringToObject(obj, "residuals_in", f->residual_in_L ? "L" : "I");
  gk_json_num(obj, "chi2_intensity", f->ok ? f->chi2_I : NAN);
  gk_json_num(obj, "aicc_intensity", f->ok ? f->aicc_I : NAN);
  cJSON *w = cJSON_AddArrayToObject(obj, "warnings");
  for (size_t k = 0; k < f->nwarn; k++) cJSON_AddItemToArray(w, cJSON_CreateString(f->warn[k]));
  if (!f->ok) cJSON_AddItemToArray(w, cJSON_CreateString("no fit was obtained"));
  return obj;
}

static void fit_text(cli_buf *b, const gk_vsl_fit *f, const char *yunit)
{
  gk_vsl_model m = f->model;
  cli_printf(b, "\n%s%s\n", gk_vsl_model_name(m),
             !f->ok ? ": no fit" : f->converged ? "" : ": DID NOT CONVERGE");
  if (!f->ok) return;
  for (size_t k = 0; k < f->np; k++) {
    char unit[48];
    param_unit(m, k, yunit, unit, sizeof unit);
    print_param(b, f, k, unit);
  }
  if (f->has_offset) {
    const char *iu = *yunit ? yunit : "a.u.";
    if (isfinite(f->I0_se) && f->I0_se <= fabs(f->I0)) cli_print_value(b, "I0", f->I0, f->I0_se, iu);
    else {
      char v[32], se[32];
      int hs = isfinite(f->I0_se);
      cli_printf(b, "  %-12s not determined (%s): value %s %s, standard error %s%s%s\n", "I0",
                 hs ? "standard error exceeds |value|" : "no standard error", cli_fmt_num(v, sizeof v, f->I0, CLI_SIG), iu,
                 hs ? cli_fmt_num(se, sizeof se, f->I0_se, 2) : "none", hs ? " " : "", hs ? iu : "");
    }
  }
  char c2[32], cr[32], ai[32], c2i[32], aii[32];
  cli_printf(b, "  chi2 = %s (%s), chi2_red = %s, AICc = %s; in I: chi2 = %s, AICc = %s\n",
             cli_fmt_num(c2, sizeof c2, f->chi2, CLI_SIG), f->residual_in_L ? "residuals in L" : "residuals in I",
             cli_fmt_num(cr, sizeof cr, f->chi2_red, CLI_SIG), cli_fmt_num(ai, sizeof ai, f->aicc, CLI_SIG + 1),
             cli_fmt_num(c2i, sizeof c2i, f->chi2_I, CLI_SIG), cli_fmt_num(aii, sizeof aii, f->aicc_I, CLI_SIG + 1));
  /* warnings go where every command puts them (stderr); JSON keeps them
   * too. With --model all, those of the models that are not recommended
   * are notes (--verbose): a default run warns only about the result the
   * user takes away. */
  for (size_t k = 0; k < f->nwarn; k++) {
    /* sat's "fitted as L versus I" describes the method, asks nothing of the user */
    int info = !strncmp(f->warn[k], "fitted as L versus I", 20);
    if (info || (headline_model >= 0 && (int)m != headline_model)) cli_note("%s: %s", gk_vsl_model_name(m), f->warn[k]);
    else cli_warn("%s: %s", gk_vsl_model_name(m), f->warn[k]);
  }
}

static int plot_fits(const char *path, const gk_vsl_data *d, const gk_vsl_fit *fits, const int *have,
                     const char *title, gk_error *e)
{
  enum { NC = 300 };
  double Lc[NC], Ic[NC], res[256];
  gk_figure *fig = gk_figure_new(1, 3, 900, 1200, title);
  if (!fig) return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  gk_panel *lin = gk_figure_panel(fig, 0), *lg = gk_figure_panel(fig, 1), *rp = gk_figure_panel(fig, 2);
  gk_panel_labels(lin, "stripe length L (cm)", "intensity I (a.u.)", "linear (curves as below)");
  gk_panel_labels(lg, "stripe length L (cm)", "intensity I (a.u.)", "log");
  gk_panel_log(lg, 0, 1);
  /* one legend, on the log panel: its data run corner to corner and leave
   * the bottom right free; the linear panel's data hug the bottom */
  gk_panel_legend(lin, GK_LEGEND_NONE);
  const char *rlab = d->weighting == GK_WEIGHT_NONE ? "residual I - fit" : "residual (I - fit)/sigma";
  gk_panel_labels(rp, "stripe length L (cm)", rlab, "residuals (colours as above)");
  /* same models and colours as the panels above; a legend here hides residuals */
  gk_panel_legend(rp, GK_LEGEND_NONE);
  const double *err = d->weighting == GK_WEIGHT_SIGMA ? d->sigma : NULL;
  gk_panel_add(lin, d->L, d->intensity, err, d->n, GK_STYLE_POINTS, 0, "data");
  gk_panel_add(lg, d->L, d->intensity, err, d->n, GK_STYLE_POINTS, 0, "data");
  gk_panel_hline(rp, 0, 0, NULL);
  double Lmax = d->L[d->n - 1];
  for (size_t i = 0; i < NC; i++) Lc[i] = Lmax * (double)(i + 1) / NC;
  /* The recommended model (or the only one fitted) bold and solid with
   * g ± se and its unit in the legend; the others thin, dashed or dotted,
   * so that five curves on top of each other stay apart in colour (the
   * Okabe-Ito palette) and in greyscale. */
  int nhave = 0, rec = -1;
  for (int m = 0; m < GK_VSL_NMODELS; m++)
    if (have[m] && fits[m].ok) nhave++, rec = m;
  if (nhave > 1) {
    int reliable = 0;
    char why[600];
    rec = gk_vsl_recommend(d, fits, &reliable, why, sizeof why);
  }
  int other = 0;
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    if (!have[m] || !fits[m].ok) continue;
    if (gk_vsl_intensity((gk_vsl_model)m, fits[m].theta, Lc, NC, Ic, NULL) != GK_OK) continue;
    char lab[128], gs[80];
    gk_style st = GK_STYLE_LINE;
    double w = 2.0;
    if (m == rec) {
      size_t gi = g_index(m);
      if (why_undetermined(&fits[m], gi)) snprintf(gs, sizeof gs, "g not determined");
      else {
        char v[64];
        cli_fmt_value(v, sizeof v, fits[m].value[gi], fits[m].se[gi], "cm^-1");
        snprintf(gs, sizeof gs, "g = %.60s", v);
      }
      /* the result as text in the empty top left of the linear panel, the
       * legend stays short */
      snprintf(lab, sizeof lab, "%s%s: %s", gk_vsl_model_name(m), nhave > 1 ? " (recommended)" : "", gs);
      gk_panel_text(lin, 0.03, 0.86, lab);
      snprintf(lab, sizeof lab, "%s", gk_vsl_model_name(m)); /* bold: the text says it is recommended */
    } else {
      st = other++ % 2 ? GK_STYLE_DOTTED : GK_STYLE_DASHED;
      w = 0.8;
      snprintf(lab, sizeof lab, "%s", gk_vsl_model_name(m));
    }
    gk_panel_add(lin, Lc, Ic, NULL, NC, st, m + 1, gk_vsl_model_name(m));
    gk_panel_series_width(lin, w);
    gk_panel_add(lg, Lc, Ic, NULL, NC, st, m + 1, lab);
    gk_panel_series_width(lg, w);
    size_t nr = d->n < 256 ? d->n : 256;
    for (size_t i = 0; i < nr; i++) {
      double s = d->weighting == GK_WEIGHT_SIGMA ? d->sigma[i] : d->weighting == GK_WEIGHT_RELATIVE ? fabs(d->intensity[i]) : 1;
      res[i] = (d->intensity[i] - fits[m].yhat[i]) / s;
    }
    gk_panel_add(rp, d->L, res, NULL, nr, GK_STYLE_LINEPOINTS, m + 1, gk_vsl_model_name(m));
  }
  int rc = gk_figure_save(fig, path, e);
  gk_figure_free(fig);
  return rc;
}

/* The results of one data set: fits as JSON, text, CSV (data and curves),
 * the lengths, the figure, the offset test; emitted, or collected into
 * the series (o->series). Frees what it builds. */
int vsl_emit_columns(vsl_opts *o, const gk_columns *colp, const gk_vsl_data *dp, gk_vsl_fit *fits,
                     const int *have, gk_weighting w)
{
  const gk_columns col = *colp;
  const gk_vsl_data d = *dp;
  const double *L = d.L, *I = d.intensity, *S = d.sigma;
  size_t n = d.n;
  gk_error e;
  gk_error_clear(&e);
  int rc = CLI_USAGE;
  cJSON *j = NULL;
  cli_buf b = {0};
  gk_csv csv = {0};
  const char *yunit = col.y_unit;
  j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "vsl");
  int converged, determined;
  cli_printf(&b, "VSL: %s, %zu points, L = %g to %g cm, weights %s%s\n", col.path, n, L[0], L[n - 1],
             weight_name(w), w == GK_WEIGHT_SIGMA ? " (absolute)" : "");
  if (o->model >= 0) {
    const gk_vsl_fit *f = &fits[o->model];
    fit_json(f, &d, yunit, j);
    cJSON_AddStringToObject(j, "weights", weight_name(w));
    converged = f->ok && f->converged;
    size_t gi0 = o->model == GK_VSL_SATEXACT ? 4 : 0;
    o->g = f->ok ? f->value[gi0] : NAN;
    o->g_se = f->ok ? f->se[gi0] : NAN;
    o->g_model = gk_vsl_model_name(o->model);
    determined = f->ok && !why_undetermined(f, g_index(f->model));
    cJSON_AddBoolToObject(j, "determined", determined);
    fit_text(&b, f, yunit);
  } else {
    cJSON_AddBoolToObject(j, "converged", 0);  /* set below */
    cJSON_AddNumberToObject(j, "n_points", (double)n);
    double r[2] = {L[0], L[n - 1]};
    gk_json_array(j, "range_cm", r, 2);
    cJSON_AddStringToObject(j, "weights", weight_name(w));
    cJSON *arr = cJSON_AddArrayToObject(j, "fits");
    cli_printf(&b, "\n%-10s %24s  %10s  %12s  %s\n", "model", "g (cm^-1)", "chi2_red", "AICc (in I)", "converged");
    for (int m = 0; m < GK_VSL_NMODELS; m++) {
      const gk_vsl_fit *f = &fits[m];
      cJSON_AddItemToArray(arr, fit_json(f, &d, yunit, cJSON_CreateObject()));
      size_t gi = m == GK_VSL_SATEXACT ? 4 : 0;
      char gs[64];
      if (why_undetermined(f, gi)) snprintf(gs, sizeof gs, "not determined");
      else cli_fmt_value(gs, sizeof gs, f->value[gi], f->se[gi], "");
      cli_printf(&b, "%-10s %24s", gk_vsl_model_name(m), f->ok ? gs : "-");
      cli_cell(&b, 10, f->chi2_red);
      cli_cell(&b, 12, f->aicc_I);
      cli_printf(&b, "  %s\n", f->ok && f->converged ? "yes" : "no");
    }
    int reliable = 0;
    char why[600];
    int rec = gk_vsl_recommend(&d, fits, &reliable, why, sizeof why);
    cli_fields_in_text(why, sizeof why);
    if (rec >= 0) {
      size_t gi0 = rec == GK_VSL_SATEXACT ? 4 : 0;
      o->g = fits[rec].ok ? fits[rec].value[gi0] : NAN;
      o->g_se = fits[rec].ok ? fits[rec].se[gi0] : NAN;
      o->g_model = gk_vsl_model_name(rec);
    }
    cJSON_AddStringToObject(j, "recommended", rec >= 0 ? gk_vsl_model_name(rec) : "none");
    cJSON_AddBoolToObject(j, "reliable", reliable);
    cJSON_AddStringToObject(j, "reason", why);
    converged = rec >= 0 && fits[rec].ok && fits[rec].converged;
    determined = rec >= 0 && !why_undetermined(&fits[rec], g_index(rec));
    cJSON_ReplaceItemInObject(j, "converged", cJSON_CreateBool(converged));
    cJSON_AddBoolToObject(j, "determined", determined);
    headline_model = rec;
    for (int m = 0; m < GK_VSL_NMODELS; m++) fit_text(&b, &fits[m], yunit);
    headline_model = -1;
    cli_printf(&b, "\nrecommended: %s%s\n  %s\n", rec >= 0 ? gk_vsl_model_name(rec) : "none",
               reliable ? "" : " (not reliable)", why);
  }
  /* CSV: the data and every fitted curve at the data's stripe lengths. */
  {
    const char *hdr[3 + GK_VSL_NMODELS];
    char names[GK_VSL_NMODELS][48], iname[64], sname[64];
    size_t nc = 0;
    snprintf(iname, sizeof iname, "I (%s)", *yunit ? yunit : "a.u.");
    snprintf(sname, sizeof sname, "sigma (%s)", *yunit ? yunit : "a.u.");
    hdr[nc++] = "L (cm)";
    hdr[nc++] = iname;
    if (col.sigma) hdr[nc++] = sname;
    for (int m = 0; m < GK_VSL_NMODELS; m++)
      if (have[m]) {
        snprintf(names[m], sizeof names[m], "%s fit (%s)", gk_vsl_model_name(m), *yunit ? yunit : "a.u.");
        hdr[nc++] = names[m];
      }
    gk_csv_init(&csv, nc, hdr);
    gk_csv_add_comment(&csv, "gainkit vsl %s", col.path);
    double row[3 + GK_VSL_NMODELS];
    for (size_t i = 0; i < n; i++) {
      size_t k = 0;
      row[k++] = L[i];
      row[k++] = I[i];
      if (col.sigma) row[k++] = S[i];
      for (int m = 0; m < GK_VSL_NMODELS; m++)
        if (have[m]) row[k++] = fits[m].ok ? fits[m].yhat[i] : NAN;
      gk_csv_add_row(&csv, row);
    }
  }
  report_lengths(&d, fits, j, &b, &csv);
  if (o->c.plot) {
    char title[256];
    snprintf(title, sizeof title, "VSL fits: %s", cli_basename(col.path));
    if (plot_fits(o->c.plot, &d, fits, have, title, &e) != GK_OK) { rc = cli_error(&e); goto out; }
  }
  /* Offset suggestion: without --offset, refit the headline model with an
   * offset I0; a significant I0 (|I0| > 3 se) that lowers AICc (in I) by
   * more than 10 means the L -> 0 extrapolation does not go to zero. */
  {
    int hm = o->model >= 0 ? o->model : (int)gk_vsl_recommend(&d, fits, &(int){0}, (char[8]){0}, 8);
    if (!o->offset && hm >= 0 && fits[hm].ok) {
      gk_vsl_data d1 = d;
      d1.offset = 1;
      gk_vsl_fit fo;
      gk_error eo;
      gk_error_clear(&eo);
      if (gk_vsl_fit_offset_from(&d1, (gk_vsl_model)hm, &fits[hm], &fo, &eo) == GK_OK && fo.ok && fo.converged) {
        int sig = isfinite(fo.I0_se) && fabs(fo.I0) > 3 * fo.I0_se && fo.aicc_I < fits[hm].aicc_I - 10;
        cJSON *os = cJSON_AddObjectToObject(j, "offset_test");
        cJSON_AddStringToObject(os, "model", gk_vsl_model_name(hm));
        gk_json_value_se(os, "I0", fo.I0, fo.I0_se);
        gk_json_num(os, "g_with_offset", fo.value[g_index(hm)]);
        gk_json_num(os, "delta_aicc", fo.aicc_I - fits[hm].aicc_I);
        cJSON_AddBoolToObject(os, "offset_suggested", sig);
        if (sig) {
          char a[64], gg[64];
          cli_fmt_value(a, sizeof a, fo.I0, fo.I0_se, *yunit ? yunit : "a.u.");
          cli_fmt_value(gg, sizeof gg, fo.value[g_index(hm)], fo.se[g_index(hm)], "cm^-1");
          cli_warn("the data extrapolate to a significant offset at L = 0: I0 = %s (%s with an offset: g = %s, AICc "
                   "lower by %.0f); a constant background (dark counts, scattered pump) biases g: rerun with --offset",
                   a, gk_vsl_model_name(hm), gg, fits[hm].aicc_I - fo.aicc_I);
          cli_printf(&b, "\noffset suggested: the data extrapolate to I0 = %s at L = 0 (use --offset)\n", a);
        }
      }
      gk_vsl_fit_free(&fo);
    }
  }
  /* exit 1 also when the headline g is not determined by the data */
  if (o->series) {
    cJSON_AddStringToObject(j, "input", col.path);
    cJSON_AddItemToArray(o->series, j);
    j = NULL;
    cli_printf(o->series_text, "%s\n", b.s);
    rc = converged && determined ? CLI_OK : CLI_FAILED;
  } else
    rc = cli_emit(&o->c, j, b.s, &csv, converged && determined ? CLI_OK : CLI_FAILED);
out:
  gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  return rc;
}

/* The gain spectrum of a matrix: the model reported at every wavelength
 * (--model all: the one recommended most often), JSON, text, CSV, figure. */
int vsl_emit_spectrum(vsl_opts *o, const gk_matrix *mxp, const double *L, size_t nL, gk_vsl_spectrum *spec,
                      const int *rec, double *gsel, double *sesel, gk_weighting w)
{
  const gk_matrix mx = *mxp;
  size_t nw = mx.nrow;
  gk_error e;
  gk_error_clear(&e);
  int rc = CLI_USAGE;
  cJSON *j = NULL;
  cli_buf b = {0};
  gk_csv csv = {0};
  /* The reported spectrum: one model at every wavelength (switching
   * models between wavelengths makes g(lambda) spiky). With --model all,
   * the model recommended at the most wavelengths (ties: the simpler, in
   * the order vsl1, sat, vsl2, sat-exact; never emp); the per-wavelength
   * recommendations are reported separately. */
  int chosen = o->model, nrec_chosen = 0;
  if (o->model < 0) {
    static const int order[] = {GK_VSL_VSL1, GK_VSL_SAT, GK_VSL_VSL2, GK_VSL_SATEXACT};
    int count[GK_VSL_NMODELS] = {0};
    for (size_t i = 0; i < nw; i++)
      if (rec[i] >= 0) count[rec[i]]++;
    chosen = GK_VSL_SAT;
    for (size_t k = 0; k < 4; k++)
      if (count[order[k]] > count[chosen] || (count[order[k]] == count[chosen] && k == 0)) chosen = order[k];
    nrec_chosen = count[chosen];
  }
  size_t nconv = 0;
  cJSON *convarr = cJSON_CreateArray(), *modarr = cJSON_CreateArray();
  for (size_t i = 0; i < nw; i++) {
    int m = chosen;
    int ok = m >= 0 && spec[m].converged[i];
    gsel[i] = m >= 0 ? spec[m].g[i] : NAN;
    sesel[i] = m >= 0 ? spec[m].g_se[i] : NAN;
    nconv += ok;
    cJSON_AddItemToArray(convarr, cJSON_CreateBool(ok));
    cJSON_AddItemToArray(modarr, m >= 0 ? cJSON_CreateString(gk_vsl_model_name(m)) : cJSON_CreateNull());
  }
  int converged = nconv == nw;
  j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "vsl");
  cJSON_AddStringToObject(j, "model", gk_vsl_model_name(chosen));
  if (o->model < 0) {
    char why[160];
    snprintf(why, sizeof why, "one model at every wavelength: %s, recommended at %d of %zu wavelengths",
             gk_vsl_model_name(chosen), nrec_chosen, nw);
    cJSON_AddStringToObject(j, "model_choice", why);
  }
  cJSON_AddBoolToObject(j, "converged", converged);
  cJSON_AddNumberToObject(j, "n_wavelengths", (double)nw);
  cJSON_AddNumberToObject(j, "n_lengths", (double)nL);
  cJSON_AddNumberToObject(j, "n_converged", (double)nconv);
  double r[2] = {L[0], L[nL - 1]};
  gk_json_array(j, "range_cm", r, 2);
  cJSON_AddStringToObject(j, "weights", weight_name(w));
  gk_json_array(j, "wavelength_nm", mx.row, nw);
  gk_json_array(j, "g", gsel, nw);
  gk_json_array(j, "g_stderr", sesel, nw);
  cJSON_AddItemToObject(j, "converged_per_wavelength", convarr);
  if (o->model < 0) {
    /* the per-wavelength recommendation, separately from the spectrum */
    cJSON_Delete(modarr);
    modarr = cJSON_AddArrayToObject(j, "recommended_per_wavelength");
    double *grec = malloc(nw * sizeof *grec), *serec = malloc(nw * sizeof *serec);
    for (size_t i = 0; i < nw; i++) {
      cJSON_AddItemToArray(modarr, rec[i] >= 0 ? cJSON_CreateString(gk_vsl_model_name(rec[i])) : cJSON_CreateNull());
      if (grec && serec) {
        grec[i] = rec[i] >= 0 ? spec[rec[i]].g[i] : NAN;
        serec[i] = rec[i] >= 0 ? spec[rec[i]].g_se[i] : NAN;
      }
    }
    if (grec && serec) {
      gk_json_array(j, "g_recommended_per_wavelength", grec, nw);
      gk_json_array(j, "g_stderr_recommended_per_wavelength", serec, nw);
    }
    free(grec);
    free(serec);
    cJSON *sp = cJSON_AddArrayToObject(j, "spectra");
    for (int m = 0; m < GK_VSL_NMODELS; m++) {
      cJSON *s = cJSON_CreateObject();
      cJSON_AddStringToObject(s, "model", gk_vsl_model_name(m));
      gk_json_array(s, "g", spec[m].g, nw);
      gk_json_array(s, "g_stderr", spec[m].g_se, nw);
      cJSON *ca = cJSON_AddArrayToObject(s, "converged");
      for (size_t i = 0; i < nw; i++) cJSON_AddItemToArray(ca, cJSON_CreateBool(spec[m].converged[i]));
      cJSON_AddItemToArray(sp, s);
    }
  } else {
    cJSON_Delete(modarr);
  }
  cli_printf(&b, "VSL spectrum: %s, %zu wavelengths x %zu stripe lengths (L = %g to %g cm), model %s, weights %s\n",
             mx.path, nw, nL, L[0], L[nL - 1], gk_vsl_model_name(chosen), weight_name(w));
  if (o->model < 0)
    cli_printf(&b, "one model at every wavelength: %s (recommended at %d of %zu wavelengths); the per-wavelength\n"
                   "recommendation is listed separately\n", gk_vsl_model_name(chosen), nrec_chosen, nw);
  cli_printf(&b, "%zu of %zu wavelengths converged\n\n%14s %24s %9s", nconv, nw, "wavelength (nm)", "g (cm^-1)", "converged");
  if (o->model < 0) cli_printf(&b, "  %-10s %24s", "recommended", "g of that model (cm^-1)");
  cli_printf(&b, "\n");
  for (size_t i = 0; i < nw; i++) {
    char gs[64];
    if (!(sesel[i] <= fabs(gsel[i]))) snprintf(gs, sizeof gs, "%s", isfinite(gsel[i]) ? "not determined" : "failed");
    else cli_fmt_value(gs, sizeof gs, gsel[i], sesel[i], "");
    cli_printf(&b, "%14.2f %24s %9s", mx.row[i], gs, cJSON_IsTrue(cJSON_GetArrayItem(convarr, (int)i)) ? "yes" : "no");
    if (o->model < 0) {
      char gr[64] = "-";
      if (rec[i] >= 0) cli_fmt_value(gr, sizeof gr, spec[rec[i]].g[i], spec[rec[i]].g_se[i], "");
      cli_printf(&b, "  %-10s %24s", rec[i] >= 0 ? gk_vsl_model_name(rec[i]) : "none", gr);
    }
    cli_printf(&b, "\n");
  }
  {
    const char *hdr[4] = {"wavelength (nm)", "g (cm^-1)", "g_stderr (cm^-1)", "converged"};
    gk_csv_init(&csv, 4, hdr);
    gk_csv_add_comment(&csv, "gainkit vsl --matrix %s --model %s (g of %s at every wavelength)", mx.path,
                       o->model >= 0 ? gk_vsl_model_name(o->model) : "all", gk_vsl_model_name(chosen));
    for (size_t i = 0; i < nw; i++) {
      double row[4] = {mx.row[i], gsel[i], sesel[i], cJSON_IsTrue(cJSON_GetArrayItem(convarr, (int)i)) ? 1 : 0};
      gk_csv_add_row(&csv, row);
    }
  }
  if (o->c.plot) {
    char title[256];
    snprintf(title, sizeof title, "gain spectrum: %s", cli_basename(mx.path));
    gk_figure *fig = gk_figure_new(1, 1, 1000, 650, title);
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "wavelength (nm)", "net gain g (cm^-1)", NULL);
    gk_panel_add(p, mx.row, gsel, sesel, nw, GK_STYLE_LINEPOINTS, 0, gk_vsl_model_name(chosen));
    gk_panel_hline(p, 0, 0, NULL);
    int prc = gk_figure_save(fig, o->c.plot, &e);
    gk_figure_free(fig);
    if (prc != GK_OK) { rc = cli_error(&e); goto out; }
  }
  rc = cli_emit(&o->c, j, b.s, &csv, converged ? CLI_OK : CLI_FAILED);
out:
  gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  return rc;
}

/* Several FILEs: the table of the net gain per file after the results
 * collected in arr (taken over); emits and returns the exit status. */
int vsl_emit_series(vsl_opts *o, char **files, size_t n, cJSON *arr, const cli_buf *text, const double *g,
                    const double *se, const char **model, const int *conv, int rc)
{
  cli_buf b = {0};
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "vsl");
  cJSON_AddBoolToObject(j, "converged", rc == CLI_OK);
  cJSON *t = cJSON_AddArrayToObject(j, "table");
  cli_printf(&b, "%s", text->s ? text->s : "");
  cli_printf(&b, "VSL series: %zu files\n  %-32s %-10s %24s  %s\n", n, "file", "model", "g (cm^-1)", "converged");
  static const char *const hdr[] = {"file", "g (cm^-1)", "se (cm^-1)", "converged"};
  gk_csv csv;
  int csv_ok = gk_csv_init(&csv, 4, hdr) == 0;
  for (size_t i = 0; i < n; i++) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "file", files[i]);
    cJSON_AddStringToObject(r, "model", model[i]);
    gk_json_value_se(r, "g", g[i], se[i]);
    cJSON_AddBoolToObject(r, "converged", conv[i]);
    cJSON_AddItemToArray(t, r);
    char gs[64];
    cli_fmt_value(gs, sizeof gs, g[i], se[i], "");
    cli_printf(&b, "  %-32.32s %-10s %24s  %s\n", cli_basename(files[i]), model[i],
               isfinite(g[i]) ? gs : "-", conv[i] ? "yes" : "no");
    double row[4] = {(double)(i + 1), g[i], se[i], conv[i]};
    if (csv_ok) {
      gk_csv_add_comment(&csv, "file %zu: %s (%s)", i + 1, files[i], model[i]);
      gk_csv_add_row(&csv, row);
    }
  }
  cJSON_AddItemToObject(j, "files", arr);
  rc = cli_emit(&o->c, j, b.s, csv_ok ? &csv : NULL, rc);
  if (csv_ok) gk_csv_free(&csv);
  cJSON_Delete(j);
  cli_buf_free(&b);
  return rc;
}
