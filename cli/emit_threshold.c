/* cli/emit_threshold.c — what `gainkit threshold` prints and writes: each
 * method's threshold (or why none) as text, JSON and CSV, and the figure.
 * Moved out of cli/cmd_threshold.c unchanged (byte-identical output). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_threshold.h"

/* A threshold counts only when its fit converged and the data determine it
 * (finite standard error). */
static int k_ok(int rc, const gk_threshold_kink *k)
{
  return rc == GK_OK && k->converged && k->cov_ok && !k->no_threshold &&
         cli_determined(k->value, k->stderr_);
}
static int kink_ok(const results *r) { return k_ok(r->kink_rc, &r->kink); }
static int peak_ok(const results *r) { return k_ok(r->peak_rc, &r->peak); }
static int fwhm_ok(const results *r)
{
  return r->fwhm_rc == GK_OK && r->fwhm.converged && r->fwhm.cov_ok &&
         cli_determined(r->fwhm.value, r->fwhm.stderr_);
}

static int all_converged(const results *r)
{
  return (!r->run_kink || kink_ok(r)) && (!r->run_lines || r->lines_rc == GK_OK) &&
         (!r->run_fwhm || fwhm_ok(r)) && (!r->run_peak || peak_ok(r));
}

/* Why a method gave no threshold: the text of the warning and the JSON
 * "reason" (a failed method must say why, never just print null). */
static const char *k_reason(const gk_threshold_kink *k)
{
  return !k->converged || k->no_threshold ? k->reason
         : !k->cov_ok                     ? "break point not determined by the data (no change of slope?)"
                                          : "standard error larger than the value";
}
static const char *kink_reason(const results *r) { return k_reason(&r->kink); }
static const char *fwhm_reason(const results *r)
{
  return !r->fwhm.converged ? r->fwhm.reason
         : !r->fwhm.cov_ok  ? "step not determined by the data (no FWHM collapse?)"
                            : "standard error larger than the value";
}

static void warn_failures(const results *r)
{
  if (r->run_kink && r->kink_rc == GK_OK && !kink_ok(r)) cli_warn("kink: %s", kink_reason(r));
  if (r->run_fwhm && r->fwhm_rc == GK_OK && !fwhm_ok(r)) cli_warn("fwhm: %s", fwhm_reason(r));
  if (r->run_peak && r->peak_rc == GK_OK && !peak_ok(r)) cli_warn("peak: %s", k_reason(&r->peak));
  if (r->run_kink && r->kink_rc == GK_OK && isfinite(r->kink.saturation))
    cli_warn("kink: the S-curve saturates above %.4g (log-log slope %.3g there); the %zu points above "
             "are left out of the kink fit", r->kink.saturation, r->kink.slope_saturated,
             r->kink.n_used < r->n_kink ? r->n_kink - r->kink.n_used : 0);
}

/* ---- output ------------------------------------------------------------ */

static const char *flag_text(int f)
{
  switch (f) {
  case GK_FWHM_LEFT_OUTSIDE: return "left crossing outside window";
  case GK_FWHM_RIGHT_OUTSIDE: return "right crossing outside window";
  case GK_FWHM_LEFT_OUTSIDE | GK_FWHM_RIGHT_OUTSIDE: return "both crossings outside window";
  default: return "";
  }
}

/* Baselines of the spectra: mean, min, max (for the report). */
static void baseline_stats(const series *s, double *mean, double *lo, double *hi)
{
  double sum = 0;
  *lo = INFINITY;
  *hi = -INFINITY;
  for (size_t i = 0; i < s->n; i++) {
    sum += s->baseline[i];
    *lo = fmin(*lo, s->baseline[i]);
    *hi = fmax(*hi, s->baseline[i]);
  }
  *mean = s->n ? sum / (double)s->n : NAN;
}

static void kink_json(cJSON *t, const char *key, int rc, const gk_threshold_kink *k)
{
  int ok = k_ok(rc, k);
  cJSON *o = cli_json_value(t, key, k->no_threshold ? NAN : k->value, k->stderr_, ok, ok ? NULL : k_reason(k));
  cJSON_AddBoolToObject(o, "converged", ok);
  gk_json_num(o, "slope_below", k->p[GK_KINK_B1]);
  gk_json_num(o, "slope_above", k->p[GK_KINK_B2]);
  /* what a plotting program needs to redraw the fitted curve */
  cJSON *m = cJSON_AddObjectToObject(o, "curve");
  cJSON_AddStringToObject(m, "model", "log10(I) = a + b1*min(x - xb, 0) + b2*max(x - xb, 0), x = log10(pump)");
  gk_json_num(m, "a", k->p[GK_KINK_A]);
  gk_json_num(m, "b1", k->p[GK_KINK_B1]);
  gk_json_num(m, "b2", k->p[GK_KINK_B2]);
  gk_json_num(m, "xb", k->p[GK_KINK_XB]);
  if (k->no_threshold) gk_json_num(o, "break", k->value);
  if (isfinite(k->saturation)) {
    gk_json_num(o, "saturation_pump", k->saturation);
    gk_json_num(o, "slope_saturated", k->slope_saturated);
    cJSON_AddNumberToObject(o, "n_used", (double)k->n_used);
  }
}

static cJSON *make_json(const char *path, const series *s, const results *r, const prange *pr,
                        const gk_spectrum_options *so)
{
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "threshold");
  cJSON_AddStringToObject(j, "input", path);
  cJSON_AddStringToObject(j, "pump_unit", s->pump_unit);
  cJSON_AddBoolToObject(j, "converged", all_converged(r));
  if (pr->n_total) {
    cJSON *g = cJSON_AddObjectToObject(j, "pump_range");
    gk_json_num(g, "from", pr->lo);
    gk_json_num(g, "to", pr->hi);
    cJSON_AddNumberToObject(g, "n_excluded", (double)pr->n_out);
  }
  if (s->spectra) {
    cJSON *bl = cJSON_AddObjectToObject(j, "baseline");
    const char *kind = so->baseline.kind == GK_BASELINE_AUTO      ? "auto"
                       : so->baseline.kind == GK_BASELINE_FIRST_N ? "first_n"
                       : so->baseline.kind == GK_BASELINE_VALUE   ? "value"
                                                                   : "none";
    cJSON_AddStringToObject(bl, "kind", kind);
    double bm, blo, bhi;
    baseline_stats(s, &bm, &blo, &bhi);
    gk_json_num(bl, "mean", bm);
    gk_json_num(bl, "min", blo);
    gk_json_num(bl, "max", bhi);
  }
  cJSON *arr = cJSON_AddArrayToObject(j, "series");
  for (size_t i = 0; i < s->n; i++) {
    cJSON *o = cJSON_CreateObject();
    gk_json_num(o, "pump", s->pump[i]);
    gk_json_num(o, "intensity", s->intensity[i]);
    if (s->spectra) {
      gk_json_num(o, "peak_nm", s->peak_nm[i]);
      gk_json_num(o, "peak_intensity", s->peak[i]);
      gk_json_num(o, "baseline", s->baseline[i]);
      if (r->peak_int) gk_json_num(o, "intensity_at_ase_peak", r->peak_int[i]);
    }
    if (s->has_fwhm) gk_json_num(o, "fwhm_nm", s->fwhm[i]);
    if (s->flags[i]) cJSON_AddStringToObject(o, "fwhm_flag", flag_text(s->flags[i]));
    cJSON_AddItemToArray(arr, o);
  }
  cJSON *t = cJSON_AddObjectToObject(j, "thresholds");
  if (r->run_kink) kink_json(t, "kink", r->kink_rc, &r->kink);
  if (r->run_lines) {
    cJSON *l = cJSON_AddObjectToObject(t, "lines");
    gk_json_num(l, "value", r->lines.value);
    cJSON_AddBoolToObject(l, "converged", r->lines_rc == GK_OK);
    cJSON_AddBoolToObject(l, "determined", r->lines_rc == GK_OK);
    if (r->lines_rc != GK_OK) cJSON_AddStringToObject(l, "reason", r->lines_reason);
    cJSON_AddNumberToObject(l, "n_below", (double)r->lines.n_below);
    gk_json_num(l, "slope_below", r->lines.m_lo);
    gk_json_num(l, "slope_above", r->lines.m_hi);
    gk_json_num(l, "pump_axis_intercept", r->lines.axis);
    gk_json_num(l, "intercept_below", r->lines.c_lo);
    gk_json_num(l, "intercept_above", r->lines.c_hi);
  }
  if (r->run_fwhm) {
    int ok = fwhm_ok(r);
    cJSON *f = cli_json_value(t, "fwhm", r->fwhm.value, r->fwhm.stderr_, ok, ok ? NULL : fwhm_reason(r));
    cJSON_AddBoolToObject(f, "converged", ok);
    cJSON_AddBoolToObject(f, "step_resolved", !r->fwhm.unresolved);
    gk_json_num(f, "fwhm_below_nm", r->fwhm.p[GK_LOGI_WLO]);
    gk_json_num(f, "fwhm_above_nm", r->fwhm.p[GK_LOGI_WHI]);
    cJSON *m = cJSON_AddObjectToObject(f, "curve");
    cJSON_AddStringToObject(m, "model", "w = w_hi + (w_lo - w_hi)/(1 + exp((x - x0)/s)), x = log10(pump)");
    gk_json_num(m, "w_lo", r->fwhm.p[GK_LOGI_WLO]);
    gk_json_num(m, "w_hi", r->fwhm.p[GK_LOGI_WHI]);
    gk_json_num(m, "x0", r->fwhm.p[GK_LOGI_X0]);
    gk_json_num(m, "s", r->fwhm.p[GK_LOGI_S]);
    /* the step width on its lower bound (median log pump spacing / 8,
     * src/threshold/threshold.c): the curve's parameters that sit on a
     * bound, by name */
    if (r->fwhm.unresolved) cJSON_AddStringToObject(cJSON_AddObjectToObject(m, "at_bound"), "s", "lower");
  }
  if (r->run_peak) {
    kink_json(t, "peak", r->peak_rc, &r->peak);
    gk_json_num(cJSON_GetObjectItem(t, "peak"), "wavelength_nm", r->peak_wl);
  }
  return j;
}

static void kink_text(cli_buf *b, const char *name, int rc, const gk_threshold_kink *k, const char *unit)
{
  if (rc != GK_OK) return;
  if (k->no_threshold) {
    cli_printf(b, "  %-12s none: %s\n", name, k->reason);
    return;
  }
  if (k_ok(rc, k)) cli_print_value(b, name, k->value, k->stderr_, unit);
  else cli_print_undetermined(b, name, k->value, k->stderr_, unit, k_reason(k));
  cli_printf(b, "  %-12s log-log slopes %.3g below, %.3g above\n", "", k->p[GK_KINK_B1], k->p[GK_KINK_B2]);
  if (isfinite(k->saturation))
    cli_printf(b, "  %-12s saturates above %.4g %s (slope %.3g there): %zu points fitted\n", "",
               k->saturation, unit, k->slope_saturated, k->n_used);
}

static void make_text(cli_buf *b, const char *path, const series *s, const results *r, const prange *pr,
                      const gk_spectrum_options *so)
{
  const char *u = s->pump_unit[0] ? s->pump_unit : "as given";
  cli_printf(b, "threshold: %s (%zu %s, pump in %s)\n", path, s->n,
             s->spectra ? "spectra" : "points", u);
  if (pr->n_out && isfinite(pr->lo))
    cli_printf(b, "pump range %.4g to %.4g %s: %zu of %zu points excluded\n", pr->lo, pr->hi, u, pr->n_out,
               pr->n_total);
  else if (pr->n_out)
    cli_printf(b, "pump up to %.4g %s: %zu of %zu points excluded\n", pr->hi, u, pr->n_out, pr->n_total);
  if (s->spectra) {
    double bm, blo, bhi;
    baseline_stats(s, &bm, &blo, &bhi);
    const char *kind = so->baseline.kind == GK_BASELINE_AUTO      ? "automatic (spectrum ends)"
                       : so->baseline.kind == GK_BASELINE_FIRST_N ? "mean of the first samples"
                       : so->baseline.kind == GK_BASELINE_VALUE   ? "fixed"
                                                                   : "none";
    if (so->baseline.kind == GK_BASELINE_NONE) cli_printf(b, "baseline: none\n");
    else cli_printf(b, "baseline: %s, %.4g (range %.4g to %.4g over the spectra)\n", kind, bm, blo, bhi);
  }
  cli_printf(b, "\n");
  char ph[64];
  snprintf(ph, sizeof ph, "pump (%s)", s->pump_unit[0] ? s->pump_unit : "a.u.");
  int iw = (int)strlen(s->int_label);
  cli_printf(b, "  %14s  %*s", ph, iw, s->int_label);
  if (s->spectra) cli_printf(b, "  %10s", "peak (nm)");
  if (s->has_fwhm) cli_printf(b, "  %10s", "FWHM (nm)");
  cli_printf(b, "\n");
  for (size_t i = 0; i < s->n; i++) {
    cli_cell(b, 14, s->pump[i]);
    cli_cell(b, iw, s->intensity[i]);
    /* wavelengths: 0.01 nm, finer than any spectrometer resolves */
    if (s->spectra) cli_printf(b, "  %10.2f", s->peak_nm[i]);
    if (s->has_fwhm) cli_cell(b, 10, isfinite(s->fwhm[i]) ? s->fwhm[i] : NAN);
    if (s->flags[i]) cli_printf(b, "  (%s)", flag_text(s->flags[i]));
    cli_printf(b, "\n");
  }
  cli_printf(b, "\nThresholds:\n");
  if (r->run_kink) kink_text(b, "kink", r->kink_rc, &r->kink, s->pump_unit);
  if (r->run_peak) {
    kink_text(b, "peak", r->peak_rc, &r->peak, s->pump_unit);
    cli_printf(b, "  %-12s intensity at %.2f nm (ASE peak at the highest pump), %zu spectra\n", "", r->peak_wl,
               r->n_peak);
  }
  if (r->run_fwhm) {
    if (fwhm_ok(r)) cli_print_value(b, "fwhm", r->fwhm.value, r->fwhm.stderr_, s->pump_unit);
    else cli_print_undetermined(b, "fwhm", r->fwhm.value, r->fwhm.stderr_, s->pump_unit, fwhm_reason(r));
    cli_printf(b, "  %-12s FWHM %.3g nm below, %.3g nm above%s\n", "", r->fwhm.p[GK_LOGI_WLO],
               r->fwhm.p[GK_LOGI_WHI],
               r->fwhm.unresolved ? "; step sharper than the pump spacing (uncertainty = its interval)" : "");
  }
  if (r->run_lines) {
    if (r->lines_rc == GK_OK) {
      cli_print_value(b, "lines", r->lines.value, NAN, s->pump_unit);
      char ax[96];
      if (isfinite(r->lines.axis)) snprintf(ax, sizeof ax, "%.4g %s", r->lines.axis, s->pump_unit);
      else snprintf(ax, sizeof ax, "no pump");
      cli_printf(b, "  %-12s linear-scale lines meet (%zu points below); the upper line reaches zero at %s\n",
                 "", r->lines.n_below, ax);
    } else cli_printf(b, "  %-12s none (%s)\n", "lines", r->lines_reason);
  }
}

static int make_csv(gk_csv *c, const series *s, const results *r)
{
  char h0[64];
  snprintf(h0, sizeof h0, "pump (%s)", s->pump_unit);
  const char *hdr[] = {h0, s->int_label, "peak (nm)", "fwhm (nm)"};
  if (gk_csv_init(c, 4, hdr)) return -1;
  /* a method without a threshold says "none" and why, never "nan" */
  if (r->run_kink && kink_ok(r))
    gk_csv_add_comment(c, "kink_threshold: %.6g +- %.3g %s", r->kink.value, r->kink.stderr_,
                       s->pump_unit);
  else if (r->run_kink)
    gk_csv_add_comment(c, "kink_threshold: none (%s)", kink_reason(r));
  if (r->run_lines && r->lines_rc == GK_OK)
    gk_csv_add_comment(c, "lines_threshold: %.6g %s", r->lines.value, s->pump_unit);
  else if (r->run_lines)
    gk_csv_add_comment(c, "lines_threshold: none (%s)", r->lines_reason);
  if (r->run_fwhm && fwhm_ok(r))
    gk_csv_add_comment(c, "fwhm_threshold: %.6g +- %.3g %s", r->fwhm.value, r->fwhm.stderr_,
                       s->pump_unit);
  else if (r->run_fwhm)
    gk_csv_add_comment(c, "fwhm_threshold: none (%s)", fwhm_reason(r));
  if (r->run_peak && peak_ok(r))
    gk_csv_add_comment(c, "peak_threshold: %.6g +- %.3g %s", r->peak.value, r->peak.stderr_, s->pump_unit);
  else if (r->run_peak)
    gk_csv_add_comment(c, "peak_threshold: none (%s)", k_reason(&r->peak));
  for (size_t i = 0; i < s->n; i++) {
    double row[4] = {s->pump[i], s->intensity[i], s->peak_nm[i], s->fwhm[i]};
    if (gk_csv_add_row(c, row)) return -1;
  }
  return 0;
}

/* ---- figure ------------------------------------------------------------ */

enum { NCURVE = 200 };

/* "kink 20.4 ± 1.2 uJ/cm2" for a threshold marker (the unit converts to
 * µJ/cm² on the figure). */
static void thr_label(char *buf, size_t n, const char *what, double v, double se, const char *unit)
{
  char val[80];
  cli_fmt_value(val, sizeof val, v, se, unit && *unit ? unit : "");
  snprintf(buf, n, "%.12s %.80s", what, val);
}

static int make_plot(const char *out, const series *s, const results *r)
{
  int npanel = 1 + (s->has_fwhm ? 1 : 0) + (s->spectra ? 1 : 0);
  gk_figure *f = gk_figure_new(npanel, 1, 520 * npanel, 600, "ASE threshold");
  if (!f) return -1;
  char xl[96], lab[128];
  snprintf(xl, sizeof xl, "pump (%s)", s->pump_unit[0] ? s->pump_unit : "as given");
  double lo = s->pump[0], hi = s->pump[s->n - 1], cx[NCURVE], cy[NCURVE];
  for (int i = 0; i < NCURVE; i++) cx[i] = lo * pow(hi / lo, (double)i / (NCURVE - 1));

  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_labels(p, xl, s->int_label, "S-curve");
  gk_panel_log(p, 1, 1);
  gk_panel_add(p, s->pump, s->intensity, NULL, s->n, GK_STYLE_POINTS, 0, "data");
  if (r->run_kink && r->kink_rc == GK_OK) {
    /* the fit covers the points below a saturation only */
    size_t nk = NCURVE;
    while (isfinite(r->kink.saturation) && nk > 2 && cx[nk - 1] > r->kink.saturation) nk--;
    for (int i = 0; i < NCURVE; i++) cy[i] = gk_threshold_kink_eval(&r->kink, cx[i]);
    /* the threshold goes into the fit's legend entry ("kink 20.4 ± 0.8
     * µJ/cm²"), the dashed line of the same colour marks it: a label beside
     * the line ran into the data and the frame in narrow panels */
    if (kink_ok(r)) thr_label(lab, sizeof lab, "kink", r->kink.value, r->kink.stderr_, s->pump_unit);
    else snprintf(lab, sizeof lab, "kink fit");
    gk_panel_add(p, cx, cy, NULL, nk, GK_STYLE_LINE, 1, lab);
    /* a threshold line only where there is a threshold */
    if (kink_ok(r)) gk_panel_vline(p, r->kink.value, 1, NULL);
  }
  if (r->run_peak && r->peak_rc == GK_OK && r->peak_int) {
    /* the peak-wavelength series on the same axes, with its kink fit */
    double *px = malloc(s->n * sizeof *px), *py = malloc(s->n * sizeof *py);
    if (px && py) {
      size_t m = 0;
      for (size_t i = 0; i < s->n; i++)
        if (isfinite(r->peak_int[i])) { px[m] = s->pump[i]; py[m] = r->peak_int[i]; m++; }
      snprintf(lab, sizeof lab, "at %.1f nm", r->peak_wl);
      gk_panel_add(p, px, py, NULL, m, GK_STYLE_POINTS, 4, lab);
      size_t nk = NCURVE;
      while (isfinite(r->peak.saturation) && nk > 2 && cx[nk - 1] > r->peak.saturation) nk--;
      for (int i = 0; i < NCURVE; i++) cy[i] = gk_threshold_kink_eval(&r->peak, cx[i]);
      if (peak_ok(r)) thr_label(lab, sizeof lab, "peak", r->peak.value, r->peak.stderr_, s->pump_unit);
      else snprintf(lab, sizeof lab, "peak fit");
      gk_panel_add(p, cx, cy, NULL, nk, GK_STYLE_DASHED, 4, lab);
      if (peak_ok(r)) gk_panel_vline(p, r->peak.value, 4, NULL);
    }
    free(px);
    free(py);
  }
  if (r->run_lines && r->lines_rc == GK_OK) {
    /* the two lines of the linear-scale construction, each on its side */
    const gk_threshold_lines *L = &r->lines;
    double t = L->value, xa[NCURVE], ya[NCURVE], xb[NCURVE], yb[NCURVE];
    size_t na = 0, nb = 0;
    for (int i = 0; i < NCURVE; i++) {
      if (cx[i] <= t) { xa[na] = cx[i]; ya[na++] = L->c_lo + L->m_lo * cx[i]; }
      else { xb[nb] = cx[i]; yb[nb++] = L->c_hi + L->m_hi * cx[i]; }
    }
    thr_label(lab, sizeof lab, "lines", t, NAN, s->pump_unit);
    gk_panel_add(p, xa, ya, NULL, na, GK_STYLE_DOTTED, 2, lab);
    gk_panel_add(p, xb, yb, NULL, nb, GK_STYLE_DOTTED, 2, NULL);
    gk_panel_vline(p, t, 2, NULL);
  }
  int next = 1;
  if (s->has_fwhm) {
    p = gk_figure_panel(f, next++);
    gk_panel_labels(p, xl, "FWHM (nm)", "spectral narrowing");
    gk_panel_log(p, 1, 0);
    gk_panel_add(p, s->pump, s->fwhm, NULL, s->n, GK_STYLE_POINTS, 0, "FWHM");
    if (r->run_fwhm && r->fwhm_rc == GK_OK) {
      for (int i = 0; i < NCURVE; i++) cy[i] = gk_threshold_fwhm_eval(&r->fwhm, cx[i]);
      if (fwhm_ok(r)) thr_label(lab, sizeof lab, "logistic", r->fwhm.value, r->fwhm.stderr_, s->pump_unit);
      else snprintf(lab, sizeof lab, "logistic fit");
      gk_panel_add(p, cx, cy, NULL, NCURVE, GK_STYLE_LINE, 1, lab);
      if (fwhm_ok(r)) gk_panel_vline(p, r->fwhm.value, 1, NULL);
    }
  }
  if (s->spectra) {
    /* the waterfall of the three-panel ASE figure: spectra offset by pump,
     * coloured by pump, the one nearest to threshold in black */
    p = gk_figure_panel(f, next);
    double th = kink_ok(r) ? r->kink.value : fwhm_ok(r) ? r->fwhm.value : peak_ok(r) ? r->peak.value : NAN;
    gk_panel_waterfall(p, s->wl, s->nwl, s->pump, s->n, s->norm, th, xl, NULL);
  }
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_figure_save(f, out, &e);
  gk_figure_free(f);
  if (rc) { cli_error(&e); return -1; }
  return 0;
}

int thr_emit(cli_common *cp, const char *path, series *sp, results *rp, const prange *prp, const gk_spectrum_options *sop)
{
  cli_common c = *cp;
  series s = *sp;
  results r = *rp;
  prange pr = *prp;
  gk_spectrum_options so = *sop;
  int rc;
  for (size_t i = 0; i < s.n; i++)
    if (s.flags[i])
      cli_warn("spectrum at pump %g %s: %s; FWHM undefined", s.pump[i], s.pump_unit,
               flag_text(s.flags[i]));
  warn_failures(&r);
  int status = all_converged(&r) ? CLI_OK : CLI_FAILED;
  if (c.plot && make_plot(c.plot, &s, &r) < 0) {
    free(r.peak_int);
    series_free(&s);
    return CLI_USAGE;
  }
  cJSON *j = make_json(path, &s, &r, &pr, &so);
  cli_buf b = {0};
  make_text(&b, path, &s, &r, &pr, &so);
  gk_csv csv;
  int csv_ok = make_csv(&csv, &s, &r) == 0;
  rc = cli_emit(&c, j, b.s, csv_ok ? &csv : NULL, status);
  if (csv_ok) gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  free(r.peak_int);
  series_free(&s);
  return rc;
}
