/* gainkit tamap: text, JSON, CSV and figures of the subcommands (svd, chirp,
 * sigma, gain here; fit in emit_tamap_fit.c). cli/cmd_tamap.c parses, prepares
 * (src/tamap) and calls these. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_tamap.h"
#include "gainkit/constants.h"

/* ---- shared ---------------------------------------------------------- */

void tamap_json_chirp(cJSON *j, const gk_tamap_chirp *ch)
{
  cJSON *c = cJSON_AddObjectToObject(j, "chirp");
  gk_json_num(c, "order", ch->order);
  gk_json_num(c, "wl_ref", ch->wl_ref);
  gk_json_array(c, "coef", ch->c, (size_t)ch->order + 1);
  gk_json_array(c, "coef_se", ch->se, (size_t)ch->order + 1);
  gk_json_num(c, "rms", ch->rms);
  gk_json_num(c, "wavelengths_used", (double)ch->npoints);
  gk_json_num(c, "wavelengths_rejected", (double)ch->nrejected);
}

void tamap_text_chirp(cli_buf *b, const gk_tamap_chirp *ch)
{
  cli_printf(b, "Chirp t0(lambda) = sum c_k x^k, x = (lambda - %.1f nm)/100 nm (%zu wavelengths, %zu rejected)\n",
             ch->wl_ref, ch->npoints, ch->nrejected);
  for (int k = 0; k <= ch->order; k++) {
    char nm[16];
    snprintf(nm, sizeof nm, "c%d", k);
    cli_print_value(b, nm, ch->c[k] * 1e12, ch->se[k] * 1e12, "ps");
  }
  cli_print_value(b, "rms", ch->rms * 1e12, NAN, "ps (onsets about the curve)");
}

/* sign(z) log10(1 + |z|/z0): a colour scale that shows both the strong
 * early bleach and the weak late signal. */
static double *symlog(const gk_tamap *m, const double *z, double *z0)
{
  double big = 0;
  size_t n = m->nw * m->nt;
  for (size_t i = 0; i < n; i++)
    if (isfinite(z[i])) big = fmax(big, fabs(z[i]));
  *z0 = big > 0 ? big / 300 : 1;
  double *o = malloc(n * sizeof *o);
  if (!o) return NULL;
  for (size_t i = 0; i < n; i++)
    o[i] = isfinite(z[i]) ? copysign(log10(1 + fabs(z[i]) / *z0), z[i]) : NAN;
  return o;
}

/* image panel of a map: x = delay (ps; rows with t <= 0 need a linear axis), y = wavelength */
void tamap_map_panel(gk_panel *p, const gk_tamap *m, const double *z, const char *title)
{
  double z0;
  double *s = symlog(m, z, &z0);
  double *tp = malloc(m->nt * sizeof *tp), *zt = malloc(m->nw * m->nt * sizeof *zt);
  if (!s || !tp || !zt) { free(s); free(tp); free(zt); return; }
  for (size_t j = 0; j < m->nt; j++) tp[j] = m->t[j] * 1e12;
  for (size_t i = 0; i < m->nw * m->nt; i++) zt[i] = s[i];
  char zl[96];
  snprintf(zl, sizeof zl, "dA, symlog (%.2g mOD)", z0 * 1e3);
  /* a delay axis spanning decades reads best on the sample index; keep
   * physical delays but limit to the measured range */
  gk_panel_image(p, tp, m->nt, m->wl, m->nw, zt, zl);
  gk_panel_labels(p, "delay t (ps)", "wavelength (nm)", title);
  free(s);
  free(tp);
  free(zt);
}

/* A fitted value, or "not determined" when it is free and its standard
 * error is not finite (singular covariance) or, for a positive quantity
 * (positive != 0), not smaller than the value. */
int tamap_not_determined(double v, double se, int positive)
{
  return !isfinite(se) || !(se > 0) || (positive && !(se < fabs(v)));
}

void tamap_pval(cli_buf *b, const char *name, double v, double se, int fixed, int positive, const char *unit,
                 int *undetermined)
{
  if (fixed) {
    char u[64];
    snprintf(u, sizeof u, "%s (fixed)", unit);
    cli_print_value(b, name, v, NAN, u);
    return;
  }
  if (tamap_not_determined(v, se, positive)) {
    cli_printf(b, "  %-12s not determined by the data\n", name);
    (*undetermined)++;
    return;
  }
  cli_print_value(b, name, v, se, unit);
}

/* ---- svd ------------------------------------------------------------- */

int emit_tamap_svd(cli_common *c, const char *path, const gk_tamap *m, const gk_tamap_chirp *ch, int hc,
                   const gk_tamap_svd *s)
{
  int rc;
  size_t ns = s->nw < s->nt ? s->nw : s->nt;
  cli_result r;
  cli_result_init(&r, "tamap svd");
  cJSON_AddStringToObject(r.j, "file", path);
  gk_json_num(r.j, "wavelengths", (double)m->nw);
  gk_json_num(r.j, "delays_used", (double)s->nt);
  gk_json_array(r.j, "singular_values", s->s, ns);
  gk_json_num(r.j, "rank", (double)s->rank);
  gk_json_num(r.j, "threshold", s->noise);
  if (hc) tamap_json_chirp(r.j, ch);
  cJSON *u = cJSON_AddArrayToObject(r.j, "spectral_vectors"), *v = cJSON_AddArrayToObject(r.j, "kinetic_vectors");
  double *col = malloc((m->nw > s->nt ? m->nw : s->nt) * sizeof *col);
  for (size_t k = 0; k < s->k && col; k++) {
    for (size_t i = 0; i < m->nw; i++) col[i] = s->u[i * s->k + k];
    cJSON_AddItemToArray(u, cJSON_CreateDoubleArray(col, (int)m->nw));
    for (size_t j = 0; j < s->nt; j++) col[j] = s->v[j * s->k + k];
    cJSON_AddItemToArray(v, cJSON_CreateDoubleArray(col, (int)s->nt));
  }
  gk_json_array(r.j, "wavelength", m->wl, m->nw);
  gk_json_array(r.j, "delay", s->t, s->nt);
  cli_printf(&r.b, "SVD of %s: %zu wavelengths x %zu delays (OD)\n", cli_basename(path), m->nw, s->nt);
  if (hc) tamap_text_chirp(&r.b, ch);
  cli_printf(&r.b, "  rank         %zu (singular values above %s, the Gavish-Donoho threshold)\n", s->rank,
             cli_fmt_num((char[32]){0}, 32, s->noise, CLI_SIG));
  cli_printf(&r.b, "  #   singular value\n");
  for (size_t k = 0; k < ns && k < 10; k++) {
    cli_printf(&r.b, "  %zu", k + 1);
    cli_cell(&r.b, 16, s->s[k]);
    cli_printf(&r.b, "%s\n", k < s->rank ? "  *" : "");
  }
  /* CSV: spectral vectors */
  const char *hdr[21];
  char hb[21][32];
  hdr[0] = "wavelength (nm)";
  for (size_t k = 0; k < s->k; k++) { snprintf(hb[k], sizeof hb[k], "u%zu", k + 1); hdr[k + 1] = hb[k]; }
  gk_csv_init(&r.csv, s->k + 1, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < m->nw; i++) {
    double row[21];
    row[0] = m->wl[i];
    for (size_t k = 0; k < s->k; k++) row[k + 1] = s->u[i * s->k + k];
    gk_csv_add_row(&r.csv, row);
  }
  rc = 0;
  if (c->plot && col) {
    gk_figure *f = gk_figure_new(3, 1, 1500, 500, cli_basename(path));
    gk_panel *p0 = gk_figure_panel(f, 0), *p1 = gk_figure_panel(f, 1), *p2 = gk_figure_panel(f, 2);
    double idx[64], sv[64];
    size_t nsh = ns < 30 ? ns : 30;
    for (size_t k = 0; k < nsh; k++) { idx[k] = (double)(k + 1); sv[k] = s->s[k]; }
    gk_panel_labels(p0, "index", "singular value", "(a) singular values");
    gk_panel_log(p0, 0, 1);
    gk_panel_add(p0, idx, sv, NULL, nsh, GK_STYLE_LINEPOINTS, -1, NULL);
    gk_panel_hline(p0, s->noise, GK_GREY, "threshold");
    gk_panel_labels(p1, "wavelength (nm)", "u_{k}", "(b) spectral vectors");
    gk_panel_labels(p2, "delay t (ps)", "v_{k}", "(c) kinetic vectors");
    double *tp = malloc(s->nt * sizeof *tp);
    for (size_t k = 0; k < s->k && k < 4 && tp; k++) {
      char lb[16];
      snprintf(lb, sizeof lb, "%zu", k + 1);
      for (size_t i = 0; i < m->nw; i++) col[i] = s->u[i * s->k + k];
      gk_panel_add(p1, m->wl, col, NULL, m->nw, GK_STYLE_LINE, (int)k, lb);
      for (size_t j = 0; j < s->nt; j++) { col[j] = s->v[j * s->k + k]; tp[j] = s->t[j] * 1e12; }
      gk_panel_add(p2, tp, col, NULL, s->nt, GK_STYLE_LINE, (int)k, lb);
    }
    free(tp);
    rc = cli_save_figure(c, f);
  }
  free(col);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, CLI_OK);
}

/* ---- chirp ------------------------------------------------------------ */

int emit_tamap_chirp(cli_common *c, const char *path, const gk_tamap *m, const gk_tamap_chirp *ch, const double *on)
{
  int rc = 0;
  cli_result r;
  cli_result_init(&r, "tamap chirp");
  cJSON_AddStringToObject(r.j, "file", path);
  tamap_json_chirp(r.j, ch);
  tamap_text_chirp(&r.b, ch);
  static const char *hdr[] = {"wavelength (nm)", "onset (ps)", "t0 fit (ps)"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < m->nw; i++)
    gk_csv_add_row(&r.csv, (double[]){m->wl[i], on[i] * 1e12, gk_tamap_chirp_eval(ch, m->wl[i]) * 1e12});
  if (c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 900, 650, cli_basename(path));
    gk_panel *p = gk_figure_panel(f, 0);
    /* the map near time zero, wavelength on x */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < m->nw; i++) {
      double t0 = gk_tamap_chirp_eval(ch, m->wl[i]);
      lo = fmin(lo, t0);
      hi = fmax(hi, t0);
    }
    size_t j0 = 0, j1 = m->nt;
    while (j0 < m->nt && m->t[j0] < lo - 1e-12) j0++;
    while (j1 > j0 + 2 && m->t[j1 - 1] > hi + 2e-12) j1--;
    size_t nt = j1 - j0;
    double *tp = malloc(nt * sizeof *tp), *z = malloc(nt * m->nw * sizeof *z), *cx = malloc(m->nw * sizeof *cx),
           *cy = malloc(m->nw * sizeof *cy), *oy = malloc(m->nw * sizeof *oy);
    if (tp && z && cx && cy && oy) {
      for (size_t j = 0; j < nt; j++) tp[j] = m->t[j0 + j] * 1e12;
      for (size_t j = 0; j < nt; j++)
        for (size_t i = 0; i < m->nw; i++) z[j * m->nw + i] = m->z[i * m->nt + j0 + j] * 1e3;
      gk_panel_image(p, m->wl, m->nw, tp, nt, z, "dA (mOD)");
      for (size_t i = 0; i < m->nw; i++) {
        cx[i] = m->wl[i];
        cy[i] = gk_tamap_chirp_eval(ch, m->wl[i]) * 1e12;
        oy[i] = on[i] * 1e12;
      }
      gk_panel_add(p, cx, oy, NULL, m->nw, GK_STYLE_POINTS, GK_ORANGE, "half-rise onsets");
      gk_panel_add(p, cx, cy, NULL, m->nw, GK_STYLE_LINE, GK_BLACK, "t_{0}(λ) fit");
      gk_panel_labels(p, "wavelength (nm)", "delay t (ps)", "chirp: time zero versus wavelength");
    }
    free(tp); free(z); free(cx); free(cy); free(oy);
    rc = cli_save_figure(c, f);
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, CLI_OK);
}

/* ---- sigma ------------------------------------------------------------ */

int emit_tamap_sigma(cli_common *c, const tamap_sigma_view *v)
{
  int rc;
  double hv = v->hnu * GK_Q_E;
  cli_result r;
  cli_result_init(&r, "tamap sigma");
  if (v->maps) {
    cJSON *fa = cJSON_AddArrayToObject(r.j, "files");
    for (size_t k = 0; k < v->n; k++) cJSON_AddItemToArray(fa, cJSON_CreateString(v->files[k]));
    gk_json_array(r.j, "delay_window_s", v->win, 2);
    if (isfinite(v->band[1])) gk_json_array(r.j, "band_nm", v->band, 2);
    cJSON_AddBoolToObject(r.j, "signal_is_minus_dA", v->flipped);
  } else {
    cJSON_AddStringToObject(r.j, "file", v->path);
  }
  /* sigma is determined only where the series reaches below saturation:
   * when every fluence already saturates, the covariance is singular and
   * sigma is only bounded from below (pval's rule, as for the rates) */
  int undet_sigma = tamap_not_determined(v->f->sigma, v->f->sigma_se, 1) || v->f->saturated, undet = undet_sigma;
  if (undet_sigma) {
    cJSON_AddNullToObject(r.j, "sigma");
    cJSON_AddNullToObject(r.j, "fluence_n1");
    cJSON_AddStringToObject(r.j, "sigma_not_determined",
                            v->f->saturated ? "the lowest fluence already reaches >= 95 % of S_inf: the rise is not sampled, sigma has only a lower bound" : "no standard error: the signal does not rise below saturation over these fluences");
  } else {
    gk_json_value_se(r.j, "sigma", v->f->sigma, v->f->sigma_se);
    gk_json_num(r.j, "fluence_n1", hv / v->f->sigma);
  }
  gk_json_value_se(r.j, "s_inf", v->f->s_inf, v->f->s_inf_se);
  gk_json_num(r.j, "chi2_red", v->f->chi2_red);
  cJSON_AddBoolToObject(r.j, "converged", v->f->converged);
  cli_printf(&r.b, "Saturation S = S_inf (1 - exp(-<N>)), <N> = sigma F/(h nu), h nu = %.3g eV, %zu fluences\n", v->hnu, v->n);
  if (v->maps) {
    cli_printf(&r.b, "  signal: %sdA averaged over %g .. %g ps", v->flipped ? "-" : "", v->win[0] * 1e12, v->win[1] * 1e12);
    if (isfinite(v->band[1])) cli_printf(&r.b, " and %g .. %g nm", v->band[0], v->band[1]);
    else cli_printf(&r.b, ", all wavelengths");
    cli_printf(&r.b, ", one value per map\n");
  }
  if (v->f->saturated) cli_printf(&r.b, "  %-12s not determined (the lowest fluence already reaches >= 95 %% of S_inf: only a lower bound)\n", "sigma");
  else tamap_pval(&r.b, "sigma", v->f->sigma, v->f->sigma_se, 0, 1, "cm^2", &undet);
  cli_print_value(&r.b, "S_inf", v->f->s_inf, v->f->s_inf_se, v->y_unit);
  if (undet_sigma) cli_printf(&r.b, "  %-12s not determined (no rise below saturation over these fluences: add lower ones)\n", "F(<N>=1)");
  else cli_print_value(&r.b, "F(<N>=1)", hv / v->f->sigma * 1e6, NAN, "uJ/cm2");
  if (!v->f->converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", v->f->reason);
  static const char *hdr[] = {"fluence (J/cm2)", "<N>", "signal", "fit"};
  gk_csv_init(&r.csv, 4, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < v->n; i++) {
    double nn = v->f->sigma * v->fx[i] / hv;
    gk_csv_add_row(&r.csv, (double[]){v->fx[i], nn, v->fy[i], v->f->s_inf * -expm1(-nn)});
  }
  rc = 0;
  if (c->plot) {
    enum { M = 200 };
    double xs[M], ys[M], lo = INFINITY, hi = 0, *nx = malloc(v->n * sizeof *nx);
    for (size_t i = 0; i < v->n; i++) { lo = fmin(lo, v->fx[i]); hi = fmax(hi, v->fx[i]); }
    for (int i = 0; i < M; i++) {
      double F = lo * pow(hi / lo, (double)i / (M - 1));
      xs[i] = v->f->sigma * F / hv;
      ys[i] = v->f->s_inf * -expm1(-xs[i]);
    }
    for (size_t i = 0; i < v->n && nx; i++) nx[i] = v->f->sigma * v->fx[i] / hv;
    gk_figure *fig = gk_figure_new(1, 1, 800, 560, cli_basename(v->path));
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "mean excitons per dot <N> = σ F/(hν)", "signal", "single-exciton signal versus <N>");
    gk_panel_log(p, 1, 0);
    if (nx) gk_panel_add(p, nx, v->fy, NULL, v->n, GK_STYLE_POINTS, -1, "data");
    gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, GK_BLACK, "S_{∞}(1 - e^{-<N>})");
    free(nx);
    rc = cli_save_figure(c, fig);
  }
  int status = v->f->converged && !undet ? CLI_OK : CLI_FAILED;
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, status);
}

/* ---- gain ------------------------------------------------------------- */

int emit_tamap_gain(cli_common *c, const tamap_gain_view *v)
{
  const gk_tamap_gain_result *r = v->r;
  int rc = 0;
  cli_result res;
  cli_result_init(&res, "tamap gain");
  size_t nw = r->nw;
  gk_json_array(res.j, "n_mean", v->nmean, v->nsets);
  double wj[2] = {v->win[0], v->win[1]};
  gk_json_array(res.j, "delay_window_s", wj, 2);
  size_t ncross = 0;
  for (size_t i = 0; i < nw; i++) ncross += isfinite(r->nth[i]);
  cli_printf(&res.b, "Gain thresholds on %zu maps: -dA/A0 = 1 crossed along <N> per wavelength\n", v->nsets);
  if (v->win[0] == v->win[1]) cli_printf(&res.b, "  delay %g ps", v->win[0] * 1e12);
  else cli_printf(&res.b, "  dA averaged over %g .. %g ps", v->win[0] * 1e12, v->win[1] * 1e12);
  cli_printf(&res.b, "; <N> = %s\n", v->n_mean_given ? "as given" : "sigma F/(h nu)");
  if (r->best != (size_t)-1) {
    cJSON *b = cJSON_AddObjectToObject(res.j, "lowest_threshold");
    gk_json_num(b, "wavelength_nm", r->wl[r->best]);
    gk_json_value_se(b, "n_th", r->nth[r->best], r->nth_se[r->best]);
    cli_print_value(&res.b, "lowest <N_th>", r->nth[r->best], r->nth_se[r->best], "");
    cli_printf(&res.b, "  %-12s %.2f nm\n", "at", r->wl[r->best]);
    cli_printf(&res.b, "  gain (-dA/A0 > 1) reached at %zu of %zu wavelengths\n", ncross, nw);
  } else {
    cJSON_AddNullToObject(res.j, "lowest_threshold");
    cJSON_AddStringToObject(res.j, "reason", "-dA/A0 reaches 1 at no wavelength: no gain at these pump levels");
    cli_printf(&res.b, "  lowest <N_th> not determined: -dA/A0 reaches 1 at no wavelength (no gain at these pump levels)\n");
  }
  if (v->thick > 0) {
    /* peak material gain at the highest pump */
    size_t ib = 0;
    for (size_t i = 1; i < nw; i++)
      if (r->gain[i * v->nsets + v->nsets - 1] > r->gain[ib * v->nsets + v->nsets - 1]) ib = i;
    double gmax = r->gain[ib * v->nsets + v->nsets - 1];
    cJSON *gj = cJSON_AddObjectToObject(res.j, "material_gain_at_highest_pump");
    gk_json_num(gj, "peak_cm-1", gmax);
    gk_json_num(gj, "wavelength_nm", r->wl[ib]);
    if (gmax > 0) cli_printf(&res.b, "  material gain at <N> = %g: peak %.4g cm^-1 at %.2f nm (-(A0 + dA) ln10/d)\n",
                             v->nmean[v->nsets - 1], gmax, r->wl[ib]);
    else cli_printf(&res.b, "  material gain at <N> = %g: none (A0 + dA > 0 everywhere)\n", v->nmean[v->nsets - 1]);
  }
  /* the Poisson gain-curve fit at one wavelength (gainkit ta's fit,
   * gk_ta_gain_curve_fit): -dA/A0 along <N> against 1 - a(<N>)/a(0) of a
   * g-fold degenerate band edge with Poisson occupancy (n_e = 0) */
  const gk_ta_gain_curve *gc = v->gc;
  const int gc_ok = v->gc_ok;
  const size_t ip = v->ip;
  if (v->gfit) {
    cJSON *gj = cJSON_AddObjectToObject(res.j, "gain_curve_fit");
    if (ip == (size_t)-1) {
      cJSON_AddNullToObject(gj, "g");
      cJSON_AddStringToObject(gj, "reason", "no wavelength with A0 above 2 % of its maximum at the probe");
      cli_printf(&res.b, "  Poisson gain-curve fit: not done (A0 below 2 %% of its maximum at the probe)\n");
    } else {
      gk_json_num(gj, "wavelength_nm", r->wl[ip]);
      if (gc_ok) {
        gk_json_value_se(gj, "g", gc->g, gc->g_se);
        if (isfinite(gc->threshold)) gk_json_value_se(gj, "n_th", gc->threshold, gc->threshold_se);
        else {
          cJSON_AddNullToObject(gj, "n_th");
          cJSON_AddStringToObject(gj, "n_th_note", "the fitted curve never reaches -dA/A0 = 1");
        }
        gk_json_num(gj, "chi2_red", gc->chi2_red);
        cJSON_AddBoolToObject(gj, "converged", gc->converged);
        cli_printf(&res.b, "  Poisson gain-curve fit at %.2f nm: -dA/A0 = 1 - a(<N>)/a(0), g-fold band edge, n_e = 0\n",
                   r->wl[ip]);
        cli_print_value(&res.b, "g", gc->g, gc->g_se, "(degeneracy)");
        if (isfinite(gc->threshold)) cli_print_value(&res.b, "<N_th> fit", gc->threshold, gc->threshold_se, "(model crossing)");
        else cli_printf(&res.b, "  %-12s not determined: the fitted curve never reaches 1\n", "<N_th> fit");
        if (!gc->converged) cli_printf(&res.b, "  gain-curve fit NOT CONVERGED: %s\n", gc->reason);
      } else {
        cJSON_AddNullToObject(gj, "g");
        cJSON_AddStringToObject(gj, "reason", v->gc_msg);
        cli_printf(&res.b, "  Poisson gain-curve fit failed: %s\n", v->gc_msg);
      }
    }
  }
  cJSON *arr = cJSON_AddArrayToObject(res.j, "thresholds");
  for (size_t i = 0; i < nw; i++) {
    if (!isfinite(r->nth[i])) continue;
    cJSON *o = cJSON_CreateObject();
    gk_json_num(o, "wavelength_nm", r->wl[i]);
    gk_json_num(o, "n_th", r->nth[i]);
    gk_json_num(o, "se", r->nth_se[i]);
    cJSON_AddItemToArray(arr, o);
  }
  /* CSV: wavelength, A0, threshold, se (empty cells where none), -dA/A0 per map, gain per map */
  size_t ncol = 4 + v->nsets + (v->thick > 0 ? v->nsets : 0);
  const char **hdr = calloc(ncol, sizeof *hdr);
  char (*hb)[48] = calloc(ncol, sizeof *hb);
  double *row = calloc(ncol, sizeof *row);
  if (hdr && hb && row) {
    hdr[0] = "wavelength (nm)";
    hdr[1] = "A0 (OD)";
    hdr[2] = "<N_th>";
    hdr[3] = "<N_th> se";
    for (size_t k = 0; k < v->nsets; k++) {
      snprintf(hb[4 + k], 48, "-dA/A0 <N>=%.4g", v->nmean[k]);
      hdr[4 + k] = hb[4 + k];
      if (v->thick > 0) {
        snprintf(hb[4 + v->nsets + k], 48, "gain (cm^-1) <N>=%.4g", v->nmean[k]);
        hdr[4 + v->nsets + k] = hb[4 + v->nsets + k];
      }
    }
    gk_csv_init(&res.csv, ncol, hdr);
    res.has_csv = 1;
    for (size_t i = 0; i < nw; i++) {
      row[0] = r->wl[i];
      row[1] = r->a0[i];
      row[2] = r->nth[i];
      row[3] = r->nth_se[i];
      for (size_t k = 0; k < v->nsets; k++) {
        row[4 + k] = r->a0[i] > 0 ? -r->da[i * v->nsets + k] / r->a0[i] : NAN;
        if (v->thick > 0) row[4 + v->nsets + k] = r->gain[i * v->nsets + k];
      }
      gk_csv_add_row(&res.csv, row);
    }
  }
  free(hdr);
  free(hb);
  free(row);
  if (c->plot) {
    gk_figure *f = gk_figure_new(2, 1, 1400, 600, cli_basename(v->files[0]));
    gk_panel *p = gk_figure_panel(f, 0), *p2 = gk_figure_panel(f, 1);
    gk_panel_labels(p, "wavelength (nm)", "-ΔA/A0", "(a) normalised bleach per pump level (gain above 1)");
    double *yy = malloc(nw * sizeof *yy);
    for (size_t k = 0; k < v->nsets && yy; k++) {
      char lb[48];
      snprintf(lb, sizeof lb, "<N> = %.3g", v->nmean[k]);
      for (size_t i = 0; i < nw; i++) yy[i] = r->a0[i] > GK_TAMAP_GAIN_MIN_A0 * r->a0[r->best == (size_t)-1 ? 0 : r->best] ? -r->da[i * v->nsets + k] / r->a0[i] : NAN;
      gk_panel_add(p, r->wl, yy, NULL, nw, GK_STYLE_LINE, (int)k, lb);
    }
    free(yy);
    if (gc_ok) {
      /* the gain curve at the fit's wavelength instead of the threshold map */
      double y[GK_TAMAP_MAX_GAIN_SETS];
      for (size_t k = 0; k < v->nsets; k++) y[k] = -r->da[ip * v->nsets + k] / r->a0[ip];
      char tl[96];
      snprintf(tl, sizeof tl, "(b) Poisson gain curve at %.1f nm (g = %.3g)", r->wl[ip], gc->g);
      gk_panel_labels(p2, "<N>", "-ΔA/A0", tl);
      gk_panel_add(p2, v->nmean, y, NULL, v->nsets, GK_STYLE_POINTS, -1, "data");
      gk_panel_add(p2, v->nmean, gc->curve, NULL, v->nsets, GK_STYLE_LINE, GK_BLACK, "fit");
      gk_panel_hline(p2, 1, GK_GREY, "gain");
    } else {
      gk_panel_labels(p2, "wavelength (nm)", "<N_th>", "(b) gain threshold per wavelength");
      gk_panel_add(p2, r->wl, r->nth, NULL, nw, GK_STYLE_POINTS, -1, NULL);
    }
    rc = cli_save_figure(c, f);
  }
  int status = r->best != (size_t)-1 && (!v->gfit || (gc_ok && gc->converged)) ? CLI_OK : CLI_FAILED;
  if (rc) { cli_result_free(&res); return rc; }
  return cli_result_finish(c, &res, status);
}
