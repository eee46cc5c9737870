/* cli/emit_vpi.c — what `gainkit vpi` prints and writes: each fit's
 * parameters and thresholds (or "not determined" and why) as text, JSON
 * and CSV, the warnings about a fit, and the figure. Moved out of
 * cli/cmd_vpi.c unchanged (byte-identical output). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_vpi.h"

/* ---- output ---------------------------------------------------------------- */

static const char *model_name(const gk_vpi_result *r) { return r->model == GK_VPI2 ? "vpi2" : "vpi1"; }

/* ---- "not determined" ------------------------------------------------------
 * A value whose standard error is missing or exceeds |value|, or that the
 * data do not bound, is printed with value and uncertainty separately and
 * the words "not determined" (never "value +- se"); JSON carries
 * "determined": false. (Local to vpi for now; cli_common's shared
 * formatting may take it over.) */
static const char *why_undet_flag(double v, double se, int flag_ok, const char *flag_why)
{
  if (!isfinite(v)) return "no value";
  if (!flag_ok) return flag_why;
  if (!isfinite(se)) return "no standard error";
  if (se > fabs(v)) return "standard error exceeds |value|";
  return NULL;
}

static const char *why_undet(double v, double se, int flag_ok)
{
  return why_undet_flag(v, se, flag_ok, "the data do not bound it");
}

static const char *const GLOB_WHY = "P1, P2, m, n not jointly determined";

static void print_vs(cli_buf *b, const char *name, double v, double se, int flag_ok, const char *unit)
{
  const char *why = why_undet_flag(v, se, flag_ok, *name == 'P' || *name == 'm' || *name == 'n' ? GLOB_WHY
                                                                                              : "the data do not bound it");
  if (!why) {
    cli_print_value(b, name, v, se, unit);
    return;
  }
  char a[32], c[32];
  int have_se = isfinite(se) && se > 0;
  cli_printf(b, "  %-12s not determined (%s): value %s%s%s, standard error %s%s%s\n", name, why,
             isfinite(v) ? cli_fmt_num(a, sizeof a, v, CLI_SIG) : "none", *unit && isfinite(v) ? " " : "",
             isfinite(v) ? unit : "", have_se ? cli_fmt_num(c, sizeof c, se, 2) : "none", have_se && *unit ? " " : "",
             have_se ? unit : "");
}

static int gl1_determined(const gk_vpi_result *r)
{
  return !why_undet(r->th_gl1, r->th_gl1_se, r->th_gl1_determined);
}

/* Fraction of the lowest-pump spectrum at the ASE peak that the fit
 * attributes to ASE: when F is estimated from that spectrum, this much of
 * "F" is ASE, and the background ratio and the ASE-over-background pump
 * inherit the bias. NaN for vpi1 (no background term). */
static double ase_fraction_lowest(const gk_vpi_result *r, const vdata *v)
{
  if (r->model != GK_VPI2) return NAN;
  double ase, bg;
  gk_vpi_terms(r, v->F, r->ipk, v->pump[0], r->w1[0], r->w2[0], &ase, &bg);
  return ase + bg > 0 ? ase / (ase + bg) : NAN;
}

/* The profile-likelihood interval of a threshold: level, lo, hi (null
 * with lo_open/hi_open true where the data do not bound that side),
 * determined. */
static void profile_json(cJSON *th, const gk_vpi_result *r, double est, double lo, double hi, int det,
                         double factor, double crit)
{
  if (!th || !r->profiled) return;
  cJSON *p = cJSON_AddObjectToObject(th, "profile");
  gk_json_num(p, "level", r->prof_level);
  /* the criterion: Delta chi2 <= criterion x chi2_red, criterion = the
   * Bartlett factor of a parametric bootstrap x the chi-square(1) quantile
   * (src/vpi/profile.c, docs/vpi.md) */
  cJSON_AddStringToObject(p, "method", r->prof_nboot ? "profile likelihood, bootstrap-Bartlett-calibrated criterion"
                                                     : "profile likelihood, chi-square(1) criterion");
  gk_json_num(p, "criterion", crit);
  gk_json_num(p, "bartlett_factor", factor);
  gk_json_num(p, "bootstrap_replicates", (double)r->prof_nboot);
  if (!isfinite(est) && !isnan(lo) && !isnan(hi))
    cJSON_AddStringToObject(p, "reason", "no estimate (the fitted gain does not cross the target): one-sided interval");
  int lo_open = !(lo > 0), hi_open = !isfinite(hi);
  if (isnan(lo) || isnan(hi)) {
    cJSON_AddNullToObject(p, "lo"), cJSON_AddNullToObject(p, "hi");
    cJSON_AddStringToObject(p, "reason", "no threshold to profile");
  } else {
    if (lo_open) cJSON_AddNullToObject(p, "lo");
    else gk_json_num(p, "lo", lo);
    if (hi_open) cJSON_AddNullToObject(p, "hi");
    else gk_json_num(p, "hi", hi);
    cJSON_AddBoolToObject(p, "lo_open", lo_open);
    cJSON_AddBoolToObject(p, "hi_open", hi_open);
  }
  cJSON_AddBoolToObject(p, "determined", det);
}

/* "95 % profile interval A to B" with open sides in words. */
static void profile_text(char *buf, size_t n, const gk_vpi_result *r, double lo, double hi, double crit,
                         const char *pu)
{
  char a[40], e[48];
  *buf = 0;
  if (!r->profiled || isnan(lo) || isnan(hi)) return;
  if (lo > 0) snprintf(a, sizeof a, "%.3g", lo);
  else snprintf(a, sizeof a, "(below the lowest pump: not bounded)");
  if (isfinite(hi)) snprintf(e, sizeof e, "%.3g %s", hi, pu);
  else snprintf(e, sizeof e, "(above the highest pump: not bounded)");
  snprintf(buf, n, "%.0f %% profile-likelihood interval %s to %s (Delta chi2 <= %.3g chi2_red)",
           100 * r->prof_level, a, e, crit);
}

/* "boundary": null, or the limit P1 -> 0 the fit converged to
 * (src/vpi/limit.c): where, the two chi2, and the limit's per-wavelength
 * parameters (net gain a0 - kappa psi(P), background F/kappa). */
static void boundary_json(cJSON *j, const gk_vpi_result *r)
{
  if (!r->boundary) {
    cJSON_AddNullToObject(j, "boundary");
    return;
  }
  cJSON *b = cJSON_AddObjectToObject(j, "boundary");
  cJSON_AddStringToObject(b, "at", r->boundary == 2 ? "P1 -> 0, P2 -> 0" : "P1 -> 0");
  cJSON_AddStringToObject(b, "net_gain", "a0 - kappa psi(P), psi = P2^m (1/P - 1/Pmax) + "
                                         "P2^(m-n) (P^(n-1) - Pmax^(n-1)) - (P^(m-1) - Pmax^(m-1))");
  cJSON_AddStringToObject(b, "not_determined", "gamma, alpha and w_fl diverge (w_fl here: the amplitude "
                                               "of the limit background F/kappa)");
  gk_json_num(b, "chi2_limit", r->chi2_limit);
  gk_json_num(b, "chi2_interior", r->chi2_interior);
  gk_json_array(b, "a0", r->a0, r->nl);
  gk_json_array(b, "a0_stderr", r->a0_se, r->nl);
  gk_json_array(b, "kappa", r->kappa, r->nl);
  gk_json_array(b, "kappa_stderr", r->kappa_se, r->nl);
}

static cJSON *fit_json(const gk_vpi_result *r, const vdata *v)
{
  static const char *gn[GK_VPI_NGLOB] = {"P1", "P2", "m", "n"};
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "vpi");
  cJSON_AddStringToObject(j, "model", model_name(r));
  cJSON_AddBoolToObject(j, "converged", r->converged);
  gk_json_num(j, "chi2_red", r->chi2_red);
  if (r->profiled || r->prof_refits) {
    /* the profile as a search (gk_vpi_result prof_refits): how often it
     * found a lower valley than the start search, and how low its lowest
     * pinned fit went against the reported optimum */
    cJSON *sr = cJSON_AddObjectToObject(j, "profile_search");
    gk_json_num(sr, "refits", (double)r->prof_refits);
    gk_json_num(sr, "chi2_start_search", r->prof_refits ? r->prof_chi2_search : r->chi2);
    gk_json_num(sr, "chi2", r->chi2);
    gk_json_num(sr, "lowest_pinned_dchi2", r->prof_dchi2_low);
  }
  cJSON_AddStringToObject(j, "weights", v->weights);
  gk_json_num(j, "length_cm", v->L);
  cJSON *p = cJSON_AddObjectToObject(j, "params");
  for (int k = 0; k < GK_VPI_NGLOB; k++) {
    cJSON *pv = gk_json_value_se(p, gn[k], r->glob[k], r->glob_se[k]);
    if (pv) cJSON_AddBoolToObject(pv, "determined", !why_undet(r->glob[k], r->glob_se[k], r->glob_determined));
  }
  if (r->boundary) {
    /* P1 (and P2, n at the double limit) sit on their bound */
    for (int k = 0; k < GK_VPI_NGLOB; k++) {
      int at = k == GK_VPI_P1 || (r->boundary == 2 && (k == GK_VPI_P2 || k == GK_VPI_N));
      cJSON *pv = cJSON_GetObjectItem(p, gn[k]);
      if (pv && at) {
        cJSON_AddBoolToObject(pv, "at_bound", 1);
        cJSON_AddStringToObject(pv, "reason", k == GK_VPI_N ? "leaves the model at P2 = 0"
                                                             : "the optimum is the limit of the model at this bound");
      }
    }
  }
  cJSON_AddBoolToObject(j, "determined", gl1_determined(r));
  boundary_json(j, r);
  cJSON *fl = cJSON_AddObjectToObject(j, "fluorescence");
  cJSON_AddStringToObject(fl, "source", v->F_estimated ? "estimated: lowest-pump spectrum" : "measured (--fluorescence)");
  if (v->F_estimated) gk_json_num(fl, "ase_fraction_lowest_pump", ase_fraction_lowest(r, v));
  cJSON_AddBoolToObject(j, "params_determined", r->glob_determined);
  gk_json_array(j, "wavelength_nm", v->lambda, v->nl);
  gk_json_array(j, "gamma", r->gamma, r->nl);
  gk_json_array(j, "gamma_stderr", r->gamma_se, r->nl);
  gk_json_array(j, "alpha", r->alpha, r->nl);
  gk_json_array(j, "alpha_stderr", r->alpha_se, r->nl);
  gk_json_array(j, "pump", v->pump, v->np);
  gk_json_array(j, "w_ase", r->w1, r->np);
  gk_json_array(j, "w_ase_stderr", r->w1_se, r->np);
  if (r->model == GK_VPI2) {
    gk_json_array(j, "w_fl", r->w2, r->np);
    gk_json_array(j, "w_fl_stderr", r->w2_se, r->np);
  }
  gk_json_num(j, "peak_nm", r->peak_nm);
  double *g = malloc(v->np * sizeof(double));
  if (g) {
    for (size_t k = 0; k < v->np; k++) g[k] = gk_vpi_gain(r, r->ipk, v->pump[k]);
    gk_json_array(j, "net_gain_at_peak", g, v->np);
    free(g);
  }
  cJSON *t = cJSON_AddObjectToObject(j, "threshold");
  /* value and stderr as issue 5; the band interval and its verdict added
   * (docs/vpi.md: the delta-method stderr alone undercovers) */
  cJSON *th = gk_json_value_se(t, "gl1", r->th_gl1, r->th_gl1_se);
  if (th) {
    gk_json_num(th, "lo", r->th_gl1_lo), gk_json_num(th, "hi", r->th_gl1_hi);
    cJSON_AddBoolToObject(th, "determined", gl1_determined(r));
    profile_json(th, r, r->th_gl1, r->th_gl1_plo, r->th_gl1_phi, r->th_gl1_pdet, r->prof_factor_gl1,
                 r->prof_crit_gl1);
  }
  th = gk_json_value_se(t, "transparency", r->th_tr, r->th_tr_se);
  if (th) {
    gk_json_num(th, "lo", r->th_tr_lo), gk_json_num(th, "hi", r->th_tr_hi);
    cJSON_AddBoolToObject(th, "determined", !why_undet(r->th_tr, r->th_tr_se, r->th_tr_determined));
    profile_json(th, r, r->th_tr, r->th_tr_plo, r->th_tr_phi, r->th_tr_pdet, r->prof_factor_tr,
                 r->prof_crit_tr);
  }
  if (r->model == GK_VPI2)
    gk_json_num(j, "ase_over_background", r->ase_over_bg_at_lowest ? v->pump[0] : r->ase_over_bg);
  return j;
}

static int cmp_dbl(const void *a, const void *b)
{
  double u = *(const double *)a, w = *(const double *)b;
  return (u > w) - (u < w);
}

/* median(w_fl / w_ase) over pumps with w_ase > 0 */
static double background_ratio(const gk_vpi_result *r)
{
  double *x = malloc(r->np * sizeof(double));
  size_t n = 0;
  if (!x) return NAN;
  for (size_t j = 0; j < r->np; j++)
    if (r->w1[j] > 0) x[n++] = r->w2[j] / r->w1[j];
  double med = NAN;
  if (n) {
    qsort(x, n, sizeof *x, cmp_dbl);
    med = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
  }
  free(x);
  return med;
}


/* ": 3-sigma interval A to B" for a threshold the data do not bound, with
 * the open ends in words (text output never shows inf or nan); empty when
 * there is no interval at all. */
static void th_interval_text(char *buf, size_t n, const gk_vpi_result *r)
{
  double lo = r->th_gl1_lo, hi = r->th_gl1_hi;
  char a[32], e[32];
  *buf = 0;
  if (r->profiled && !isnan(r->th_gl1_plo) && !isnan(r->th_gl1_phi)) {
    lo = r->th_gl1_plo, hi = r->th_gl1_phi;
    if (lo > 0) snprintf(a, sizeof a, "%.3g", lo);
    else snprintf(a, sizeof a, "below the lowest pump");
    if (isfinite(hi)) snprintf(e, sizeof e, "%.3g", hi);
    else snprintf(e, sizeof e, "above the highest pump");
    snprintf(buf, n, ": %.0f %% profile-likelihood interval %s to %s", 100 * r->prof_level, a, e);
    return;
  }
  if (isnan(lo) || isnan(hi)) return;
  if (lo > 0) snprintf(a, sizeof a, "%.3g", lo);
  else snprintf(a, sizeof a, "0");
  if (isfinite(hi)) snprintf(e, sizeof e, "%.3g", hi);
  else snprintf(e, sizeof e, "beyond the scan");
  snprintf(buf, n, ": %g-sigma interval %s to %s", GK_VPI_TH_Z, a, e);
}

static void fit_text(cli_buf *b, const gk_vpi_result *r, const vdata *v)
{
  const char *pu = v->pump_unit[0] ? v->pump_unit : "(pump units)";
  char c2[32];
  cli_printf(b, "%s: %s, chi2_red %s (weights %s), %zu wavelengths x %zu pumps, L = %g cm\n",
             model_name(r), r->converged ? "converged" : "NOT converged",
             cli_fmt_num(c2, sizeof c2, r->chi2_red, CLI_SIG), v->weights, v->nl,
             v->np, v->L);
  if (r->boundary) {
    cli_printf(b, "  %-12s not determined: at its bound 0 (the optimum is the limit P1 -> 0)\n", "P1");
    if (r->boundary == 2)
      cli_printf(b, "  %-12s not determined: at its bound 0 (the optimum is the limit P2 -> 0)\n", "P2");
  } else {
    print_vs(b, "P1", r->glob[GK_VPI_P1], r->glob_se[GK_VPI_P1], r->glob_determined, pu);
  }
  if (r->boundary != 2)
    print_vs(b, "P2", r->glob[GK_VPI_P2], r->glob_se[GK_VPI_P2], r->glob_determined, pu);
  print_vs(b, "m", r->glob[GK_VPI_M], r->glob_se[GK_VPI_M], r->glob_determined, "");
  if (r->boundary == 2)
    cli_printf(b, "  %-12s not determined: leaves the model at P2 = 0\n", "n");
  else
    print_vs(b, "n", r->glob[GK_VPI_N], r->glob_se[GK_VPI_N], r->glob_determined, "");
  if (!r->glob_determined) cli_printf(b, "  (P1, P2, m, n are not determined by these data)\n");
  if (r->boundary) {
    char c3[32], c4[32];
    cli_printf(b, "  at the boundary %s of the model: chi2 %s there, %s for the best interior fit;\n"
                  "  the net gain is a0 - kappa psi(P) (docs/vpi.md), gamma, alpha and W_fl diverge\n",
               r->boundary == 2 ? "P1 -> 0, P2 -> 0" : "P1 -> 0",
               cli_fmt_num(c3, sizeof c3, r->chi2_limit, CLI_SIG),
               cli_fmt_num(c4, sizeof c4, r->chi2_interior, CLI_SIG));
  }
  cli_printf(b, "  ASE peak %.2f nm:\n", r->peak_nm);
  if (r->boundary) {
    cli_printf(b, "  %-12s not determined (diverges as P1 -> 0)\n", "gamma");
    cli_printf(b, "  %-12s not determined (diverges as P1 -> 0)\n", "alpha");
    print_vs(b, "a0 = g(Pmax)", r->a0[r->ipk], r->a0_se[r->ipk], 1, "cm^-1");
    print_vs(b, "kappa", r->kappa[r->ipk], r->kappa_se[r->ipk], 1, "");
  } else {
    print_vs(b, "gamma", r->gamma[r->ipk], r->gamma_se[r->ipk], 1, "cm^-1");
    /* alpha held to a measured spectrum has se 0: determined */
    print_vs(b, "alpha", r->alpha[r->ipk], r->alpha_se[r->ipk], 1, "cm^-1");
  }
  print_vs(b, "threshold gL=1", r->th_gl1, r->th_gl1_se, r->th_gl1_determined, pu);
  char pt[160];
  profile_text(pt, sizeof pt, r, r->th_gl1_plo, r->th_gl1_phi, r->prof_crit_gl1, pu);
  if (*pt) cli_printf(b, "  %-12s %s\n", "", pt);
  print_vs(b, "transparency g=0", r->th_tr, r->th_tr_se, r->th_tr_determined, pu);
  profile_text(pt, sizeof pt, r, r->th_tr_plo, r->th_tr_phi, r->prof_crit_tr, pu);
  if (*pt) cli_printf(b, "  %-12s %s\n", "", pt);
  if (!r->th_gl1_determined) {
    char iv[160];
    th_interval_text(iv, sizeof iv, r);
    cli_printf(b, "  (the gL=1 threshold is not determined by these data%s%s%s)\n", iv,
               *iv && isfinite(r->th_gl1_hi) ? " " : "", *iv && isfinite(r->th_gl1_hi) ? pu : "");
  }
  if (r->model == GK_VPI2) {
    if (r->ase_over_bg_at_lowest)
      cli_printf(b, "  ASE exceeds the background at every pump%s\n",
                 v->F_estimated ? " (with F estimated from the lowest-pump spectrum: possibly an artefact of F)" : "");
    else if (isfinite(r->ase_over_bg))
    {
      char pb[48];
      cli_printf(b, "  ASE exceeds the background above %s %s\n",
                 cli_fmt_num(pb, sizeof pb, r->ase_over_bg, CLI_SIG), pu);
    }
    else cli_printf(b, "  ASE stays below the background at every pump\n");
  }
}

static int make_csv(gk_csv *csv, gk_vpi_result *const *r, size_t nr, const vdata *v)
{
  static const char *h1[] = {"wavelength_nm", "F", "gamma_cm-1", "gamma_stderr", "alpha_cm-1",
                             "alpha_stderr"};
  const char *hdr[13];
  char names[2][6][24];
  size_t nc = 2;
  hdr[0] = h1[0], hdr[1] = h1[1];
  for (size_t k = 0; k < nr; k++)
    for (int a = 2; a < 6; a++) {
      snprintf(names[k][a], sizeof names[k][a], "%s_%s", model_name(r[k]), h1[a]);
      hdr[nc++] = names[k][a];
    }
  if (gk_csv_init(csv, nc, hdr)) return -1;
  gk_csv_add_comment(csv, "gainkit vpi: gross gain gamma and loss alpha per wavelength, L = %g cm", v->L);
  for (size_t i = 0; i < v->nl; i++) {
    double row[10];
    size_t c = 0;
    row[c++] = v->lambda[i], row[c++] = v->F[i];
    for (size_t k = 0; k < nr; k++) {
      row[c++] = r[k]->gamma[i], row[c++] = r[k]->gamma_se[i];
      row[c++] = r[k]->alpha[i], row[c++] = r[k]->alpha_se[i];
    }
    if (gk_csv_add_row(csv, row)) return -1;
  }
  return 0;
}

/* Milanese et al., Adv. Opt. Mater. 2024, Fig. 3 in one figure: (a) a spectrum with the fits and the
 * ASE/background split, (b) intensity at the peak vs pump with the
 * thresholds, (c) gamma, alpha and the F*lambda^4 shape, (d) net gain at
 * the peak vs pump, (e) the weights vs pump. r[nr-1] is the main fit. */
static int make_plot(const char *out, gk_vpi_result *const *r, size_t nr, const vdata *v)
{
  const gk_vpi_result *m = r[nr - 1];
  size_t nl = v->nl, np = v->np, ip = m->ipk, jp = np - 1, ng = 200;
  char xl[80];
  snprintf(xl, sizeof xl, "pump%s%s%s", v->pump_unit[0] ? " (" : "", v->pump_unit,
           v->pump_unit[0] ? ")" : "");
  gk_figure *f = gk_figure_new(3, 3, 1500, 1350, "VPI global fit (Milanese et al., Adv. Opt. Mater. 2024, Eq. 6-8)");
  double *y = malloc((nl + np + 2 * ng) * 4 * sizeof(double));
  if (!f || !y) {
    gk_figure_free(f), free(y);
    return -1;
  }
  double *y2 = y + (nl + np + 2 * ng), *y3 = y2 + (nl + np + 2 * ng), *y4 = y3 + (nl + np + 2 * ng);
  static const int col[2] = {GK_VERMILLION, GK_BLUE};
  /* (a) spectrum at the highest pump */
  gk_panel *p = gk_figure_panel(f, 0);
  char t[96];
  snprintf(t, sizeof t, "(a) spectrum at pump %g %s", v->pump[jp], v->pump_unit);
  gk_panel_labels(p, "wavelength (nm)", "intensity (a.u.)", t);
  double ylo = 0, yhi = 0;
  for (size_t i = 0; i < nl; i++) {
    y[i] = v->intensity[i * np + jp];
    ylo = fmin(ylo, y[i]);
    yhi = fmax(yhi, y[i]);
  }
  /* headroom above the peak for the legend, which would hide it otherwise
   * (a legend outside does not fit three panels across) */
  if (yhi > ylo) gk_panel_yrange(p, ylo - 0.05 * (yhi - ylo), ylo + 2.4 * (yhi - ylo));
  gk_panel_legend(p, GK_LEGEND_TOP_LEFT);
  gk_panel_add(p, v->lambda, y, NULL, nl, GK_STYLE_POINTS, GK_BLACK, "data");
  for (size_t k = 0; k < nr; k++) {
    for (size_t i = 0; i < nl; i++) y[i] = r[k]->yhat[i * np + jp];
    gk_panel_add(p, v->lambda, y, NULL, nl, GK_STYLE_LINE, col[r[k]->model - 1], model_name(r[k]));
  }
  if (m->model == GK_VPI2) {
    for (size_t i = 0; i < nl; i++)
      gk_vpi_terms(m, v->F, i, v->pump[jp], m->w1[jp], m->w2[jp], y + i, y2 + i);
    gk_panel_add(p, v->lambda, y, NULL, nl, GK_STYLE_DASHED, GK_GREEN, "ASE (vpi2)");
    gk_panel_add(p, v->lambda, y2, NULL, nl, GK_STYLE_DOTTED, GK_PURPLE, "bg (vpi2)");
  }
  /* (b) intensity at the peak vs pump */
  p = gk_figure_panel(f, 1);
  snprintf(t, sizeof t, "(b) intensity at %.1f nm", m->peak_nm);
  gk_panel_labels(p, xl, "intensity (a.u.)", t);
  gk_panel_log(p, 1, 1);
  for (size_t j = 0; j < np; j++) y[j] = v->intensity[ip * np + j];
  gk_panel_add(p, v->pump, y, NULL, np, GK_STYLE_POINTS, GK_BLACK, "data");
  for (size_t k = 0; k < nr; k++) {
    for (size_t j = 0; j < np; j++) y[j] = r[k]->yhat[ip * np + j];
    gk_panel_add(p, v->pump, y, NULL, np, GK_STYLE_LINE, col[r[k]->model - 1], model_name(r[k]));
    if (isfinite(r[k]->th_gl1) && r[k]->th_gl1_determined) {
      /* the threshold with its uncertainty and unit in the legend, the
       * dashed line of the same colour marks it */
      char val[80];
      cli_fmt_value(val, sizeof val, r[k]->th_gl1, r[k]->th_gl1_se, v->pump_unit);
      snprintf(t, sizeof t, "%.8s gL=1: %.80s", model_name(r[k]), val);
      gk_panel_add(p, &r[k]->th_gl1, &y[0], NULL, 0, GK_STYLE_DASHED, col[r[k]->model - 1], t);
      gk_panel_vline(p, r[k]->th_gl1, col[r[k]->model - 1], NULL);
    }
  }
  /* (c) gamma, alpha, F lambda^4 scaled to the largest gamma */
  p = gk_figure_panel(f, 2);
  gk_panel_labels(p, "wavelength (nm)", "γ, α (cm^-1)", "(c) gain γ, loss α, F·λ^4");
  double gmax = 0, smax = 0;
  for (size_t i = 0; i < nl; i++) {
    gmax = fmax(gmax, m->gamma[i]);
    y4[i] = v->F[i] * pow(v->lambda[i], 4);
    smax = fmax(smax, y4[i]);
  }
  for (size_t i = 0; i < nl; i++) y4[i] *= smax > 0 ? gmax / smax : 0;
  gk_panel_add(p, v->lambda, m->gamma, m->gamma_se, nl, GK_STYLE_LINE, GK_BLUE, "γ");
  gk_panel_add(p, v->lambda, m->alpha, m->alpha_se, nl, GK_STYLE_LINE, GK_VERMILLION, "α");
  gk_panel_add(p, v->lambda, y4, NULL, nl, GK_STYLE_DASHED, GK_GREY, "F·λ^4 (scaled)");
  /* The range from the determined values only: where the background hides
   * the ASE term, gamma is free to run to -1e4 and would flatten the rest. */
  double lo = 0, hi = 0;
  for (size_t i = 0; i < nl; i++) {
    if (m->gamma_se[i] < 0.5 * fabs(m->gamma[i]) + 2)
      lo = fmin(lo, m->gamma[i]), hi = fmax(hi, m->gamma[i]);
    if (m->alpha_se[i] < 0.5 * fabs(m->alpha[i]) + 2) hi = fmax(hi, m->alpha[i]);
  }
  if (hi > lo) gk_panel_yrange(p, lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo));
  gk_panel_vline(p, m->peak_nm, GK_GREY, NULL);
  /* (d) net gain at the peak vs pump, smooth */
  p = gk_figure_panel(f, 3);
  snprintf(t, sizeof t, "(d) net gain at %.1f nm", m->peak_nm);
  gk_panel_labels(p, xl, "g (cm^-1)", t);
  gk_panel_log(p, 1, 0);
  double *pg = y3;
  for (size_t a = 0; a < ng; a++)
    pg[a] = v->pump[0] * pow(v->pump[np - 1] / v->pump[0], (double)a / (ng - 1));
  for (size_t k = 0; k < nr; k++) {
    for (size_t a = 0; a < ng; a++) y[a] = gk_vpi_gain(r[k], r[k]->ipk, pg[a]);
    gk_panel_add(p, pg, y, NULL, ng, GK_STYLE_LINE, col[r[k]->model - 1], model_name(r[k]));
  }
  gk_panel_hline(p, 1 / v->L, GK_GREY, "g = 1/L");
  gk_panel_hline(p, 0, GK_BLACK, NULL);
  /* (e) weights */
  p = gk_figure_panel(f, 4);
  gk_panel_labels(p, xl, "weight W (a.u.)", "(e) ASE and background weights");
  gk_panel_log(p, 1, 1);
  for (size_t k = 0; k < nr; k++) {
    snprintf(t, sizeof t, "%s W_ASE", model_name(r[k]));
    gk_panel_add(p, v->pump, r[k]->w1, NULL, np, GK_STYLE_LINEPOINTS, col[r[k]->model - 1], t);
    if (r[k]->model == GK_VPI2)
      gk_panel_add(p, v->pump, r[k]->w2, NULL, np, GK_STYLE_DASHED, GK_PURPLE, "vpi2 W_fl");
  }
  /* (g) waterfall, (h) spectral narrowing: with (b), the three panels of
   * the usual ASE figure */
  double th = m->th_gl1_determined ? m->th_gl1 : NAN;
  p = gk_figure_panel(f, 6);
  double *spec = malloc(nl * np * sizeof *spec), *fw = malloc(np * sizeof *fw);
  if (spec && fw) {
    for (size_t j = 0; j < np; j++)
      for (size_t i = 0; i < nl; i++) spec[j * nl + i] = v->intensity[i * np + j];
    gk_panel_waterfall(p, v->lambda, nl, v->pump, np, spec, th, xl, NULL);
    gk_panel_labels(p, "wavelength (nm)", "I/I_{max} + offset",
                    isfinite(th) ? "(g) spectra (black: at gL=1)" : "(g) spectra by pump");
    gk_spectrum_options so = {0};
    for (size_t j = 0; j < np; j++) {
      gk_spectrum_stats st;
      gk_error se;
      fw[j] = gk_spectrum_analyse(v->lambda, spec + j * nl, nl, &so, &st, &se) == GK_OK ? st.fwhm_nm : NAN;
    }
    p = gk_figure_panel(f, 7);
    gk_panel_labels(p, xl, "FWHM (nm)", "(h) spectral narrowing");
    gk_panel_log(p, 1, 0);
    gk_panel_add(p, v->pump, fw, NULL, np, GK_STYLE_LINEPOINTS, GK_BLACK, NULL);
    if (isfinite(th)) gk_panel_vline(p, th, col[m->model - 1], NULL);
  }
  free(spec);
  free(fw);
  /* (f) population term */
  p = gk_figure_panel(f, 5);
  gk_panel_labels(p, xl, "dn", "(f) population term dn(P)");
  gk_panel_log(p, 1, 0);
  for (size_t k = 0; k < nr; k++) {
    for (size_t a = 0; a < ng; a++)  /* dn -> 1 at every pump at the P1 -> 0 boundary */
      y[a] = r[k]->boundary ? 1.0 : gk_vpi_dn(pg[a], r[k]->glob, r[k]->pmax, NULL);
    gk_panel_add(p, pg, y, NULL, ng, GK_STYLE_LINE, col[r[k]->model - 1], model_name(r[k]));
  }
  gk_error e;
  int rc = gk_figure_save(f, out, &e);
  gk_figure_free(f);
  free(y);
  if (rc) {
    cli_error(&e);
    return -1;
  }
  return 0;
}

void vpi_warn_fit(const gk_vpi_result *res, const vdata *v, int *status)
{
  if (!res->converged) {
    cli_warn("%s fit did not converge: %s", model_name(res), res->reason);
    *status = CLI_FAILED;
  }
  if (!res->glob_determined && !res->boundary)
    cli_warn("%s: P1, P2, m, n are not determined by these data (relative stderr above %g %%); "
             "the thresholds, gamma and alpha are the meaningful output",
             model_name(res), 100 * GK_VPI_GLOB_RELSE);
  if (res->boundary) {
    /* gamma(lambda) and alpha(lambda), the gain and loss spectra, are
     * headline results: not determined at the boundary */
    cli_warn("%s: the best fit is the limit %s of the model (chi2 %.6g there, %.6g for the best interior "
             "fit): gamma, alpha and W_fl diverge and are not determined; the net gain a0 - kappa psi(P) "
             "and the thresholds are the limit's", model_name(res),
             res->boundary == 2 ? "P1 -> 0, P2 -> 0" : "P1 -> 0", res->chi2_limit, res->chi2_interior);
    *status = CLI_FAILED;
  }
  double s2 = res->chi2_red > 0 ? res->chi2_red : 1;
  char times[32] = "";
  if (res->prof_refits > 1) snprintf(times, sizeof times, " (%d times)", res->prof_refits);
  if (res->prof_refits)
    cli_warn("%s: the thresholds' profile found a lower valley than the start search (chi2 %.6g against "
             "%.6g, %.3g x chi2_red lower); the fit was redone from there%s and every result shown is the "
             "lower fit's", model_name(res), res->chi2, res->prof_chi2_search,
             (res->prof_chi2_search - res->chi2) / s2,
             times);
  if (res->profiled && res->prof_unsettled)
    cli_warn("%s: the profile still reaches a chi2 %.3g x chi2_red below this fit: its optimum is not "
             "settled, so neither are the thresholds", model_name(res), -res->prof_dchi2_low / s2);
  if (!gl1_determined(res)) {
    char iv[160];
    th_interval_text(iv, sizeof iv, res);
    cli_warn("%s: the gL=1 threshold is not determined by these data%s", model_name(res), iv);
    *status = CLI_FAILED;  /* the headline result is not determined */
  }
  if (v->F_estimated) {
    double fa = ase_fraction_lowest(res, v);
    if (isfinite(fa))
      cli_warn("%s: F(lambda) is estimated from the lowest-pump spectrum, of which the fit attributes %.0f %% "
               "at the ASE peak to ASE: F then carries that ASE shape, which biases the background ratio and "
               "the ASE-over-background pump; give a measured F (--fluorescence, e.g. the spectrum well below "
               "threshold or PL of the film)", model_name(res), 100 * fa);
    else
      cli_warn("%s: F(lambda) is estimated from the lowest-pump spectrum; if that spectrum already holds ASE, "
               "F and every result depending on its shape are biased: prefer a measured F (--fluorescence)",
               model_name(res));
  }
}

int vpi_emit(cli_common *cp, const char *path, gk_vpi_result *res, gk_vpi_result **r, size_t nr, vdata *vp, int status)
{
  cli_common c = *cp;
  vdata v = *vp;
  int rc;
  if (c.plot && make_plot(c.plot, r, nr, &v) < 0) {
    for (size_t a = 0; a < nr; a++) gk_vpi_result_free(&res[a]);
    gk_vpi_prepared_free(&v);
    return CLI_USAGE;
  }
  cJSON *j;
  cli_buf b = {0};
  if (nr == 1) {
    j = fit_json(r[0], &v);
  } else {
    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "command", "vpi");
    cJSON_AddBoolToObject(j, "converged", status == CLI_OK);
    cJSON *a = cJSON_AddArrayToObject(j, "fits");
    for (size_t k = 0; k < nr; k++) cJSON_AddItemToArray(a, fit_json(r[k], &v));
    gk_json_num(j, "background_ratio", background_ratio(r[1]));
  }
  cli_printf(&b, "gainkit vpi %s\n", path);
  for (size_t k = 0; k < nr; k++) fit_text(&b, r[k], &v);
  if (nr == 2)
    cli_printf(&b, "background ratio median(W_fl/W_ASE) of vpi2: %.4g\n", background_ratio(r[1]));
  gk_csv csv;
  int csv_ok = make_csv(&csv, r, nr, &v) == 0;
  rc = cli_emit(&c, j, b.s, csv_ok ? &csv : NULL, status);
  if (csv_ok) gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  for (size_t a = 0; a < nr; a++) gk_vpi_result_free(&res[a]);
  gk_vpi_prepared_free(&v);
  return rc;
}
