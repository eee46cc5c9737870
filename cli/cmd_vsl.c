/* gainkit vsl — net optical gain from variable-stripe-length data: fit
 * one or all of the five VSL models (gainkit/vsl.h), recommend one, or fit
 * the gain spectrum g(lambda) of a spectrally resolved matrix. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gainkit/vsl.h"

enum { OPT_MODEL = CLI_OPT_FIRST_FREE, OPT_RANGE, OPT_WEIGHTS, OPT_LENGTH_UNIT, OPT_MATRIX };

typedef struct vsl_opts {
  cli_common c;
  int model;              /* -1: all */
  const char *range;      /* LMIN:LMAX in the input's length unit */
  const char *weights;    /* NULL: sigma if there is a sigma column, else none */
  const char *length_unit;
  const char *matrix;
  const char *file;
  /* several FILEs (a fluence series of scans): each result is collected
   * here instead of emitted, with the net gain of the chosen model */
  cJSON *series;
  cli_buf *series_text;
  double g, g_se;
  const char *g_model;
} vsl_opts;

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

/* Resolve --range (input unit, quantities allowed) to internal cm. */
static int parse_range(const vsl_opts *o, const char *unit_in, double factor, double *lo, double *hi)
{
  *lo = -INFINITY;
  *hi = INFINITY;
  if (!o->range) return 0;
  if (cli_range("--range", o->range, *unit_in ? unit_in : "cm", lo, hi) < 0) return -1;
  *lo *= factor;
  *hi *= factor;
  return 0;
}

static int weights_of(const vsl_opts *o, int has_sigma, gk_weighting *w)
{
  if (!o->weights) { *w = has_sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_NONE; return 0; }
  if (!strcmp(o->weights, "none")) *w = GK_WEIGHT_NONE;
  else if (!strcmp(o->weights, "relative")) *w = GK_WEIGHT_RELATIVE;
  else if (!strcmp(o->weights, "sigma")) {
    if (!has_sigma) {
      fprintf(stderr, "gainkit: --weights: 'sigma' needs a sigma column (third column) in %s\n",
              o->matrix ? o->matrix : o->file);
      return -1;
    }
    *w = GK_WEIGHT_SIGMA;
  } else {
    fprintf(stderr, "gainkit: --weights: '%s' is not one of none, sigma, relative\n", o->weights);
    return -1;
  }
  return 0;
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
    gk_json_value_se(p, gk_vsl_param_name(m, k), f->ok ? f->value[k] : NAN, f->ok ? f->se[k] : NAN);
    param_unit(m, k, yunit, unit, sizeof unit);
    cJSON_AddStringToObject(u, gk_vsl_param_name(m, k), unit);
  }
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
    cli_print_value(b, gk_vsl_param_name(m, k), f->value[k], f->se[k], unit);
  }
  char c2[32], cr[32], ai[32], c2i[32], aii[32];
  cli_printf(b, "  chi2 = %s (%s), chi2_red = %s, AICc = %s; in I: chi2 = %s, AICc = %s\n",
             cli_fmt_num(c2, sizeof c2, f->chi2, CLI_SIG), f->residual_in_L ? "residuals in L" : "residuals in I",
             cli_fmt_num(cr, sizeof cr, f->chi2_red, CLI_SIG), cli_fmt_num(ai, sizeof ai, f->aicc, CLI_SIG + 1),
             cli_fmt_num(c2i, sizeof c2i, f->chi2_I, CLI_SIG), cli_fmt_num(aii, sizeof aii, f->aicc_I, CLI_SIG + 1));
  /* warnings go where every command puts them (stderr); JSON keeps them too */
  for (size_t k = 0; k < f->nwarn; k++) cli_warn("%s: %s", gk_vsl_model_name(m), f->warn[k]);
}

static int plot_fits(const char *path, const gk_vsl_data *d, const gk_vsl_fit *fits, const int *have,
                     const char *title, gk_error *e)
{
  enum { NC = 300 };
  double Lc[NC], Ic[NC], res[256];
  gk_figure *fig = gk_figure_new(1, 3, 900, 1200, title);
  if (!fig) return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  gk_panel *lin = gk_figure_panel(fig, 0), *lg = gk_figure_panel(fig, 1), *rp = gk_figure_panel(fig, 2);
  gk_panel_labels(lin, "stripe length L (cm)", "intensity I (a.u.)", "linear");
  gk_panel_labels(lg, "stripe length L (cm)", "intensity I (a.u.)", "log");
  gk_panel_log(lg, 0, 1);
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
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    if (!have[m] || !fits[m].ok) continue;
    if (gk_vsl_intensity((gk_vsl_model)m, fits[m].theta, Lc, NC, Ic, NULL) != GK_OK) continue;
    gk_panel_add(lin, Lc, Ic, NULL, NC, GK_STYLE_LINE, m + 1, gk_vsl_model_name(m));
    gk_panel_add(lg, Lc, Ic, NULL, NC, GK_STYLE_LINE, m + 1, gk_vsl_model_name(m));
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

static int run_columns(vsl_opts *o)
{
  gk_error e;
  gk_error_clear(&e);
  gk_columns col;
  gk_columns_options co = {0};
  co.xkind = GK_XKIND_LENGTH;
  co.x_unit_override = o->length_unit;
  co.x_unit_default = "cm";
  co.sort_and_average = 1;  /* decreasing or repeated stripe lengths: sorted/averaged, noted */
  co.require_positive_sigma = 1;
  co.min_points = 2;
  if (gk_columns_read(o->file, &co, &col, &e) != GK_OK) return cli_error(&e);
  if (col.note[0]) fprintf(stderr, "gainkit: note: %s: %s\n", cli_basename(o->file), col.note);
  {
    /* a background under the scan: I(L -> 0) should vanish */
    double off;
    int sig;
    gk_io_offset_vsl(col.x, col.y, col.n, &off, &sig);
    if (sig)
      cli_warn("%s: the intensity extrapolates to %.4g %s at L -> 0 (straight line through the "
               "first points): a background that the VSL models do not have; subtract it from "
               "the intensities (a dark/offset level) before fitting",
               cli_basename(o->file), off, col.y_unit);
  }
  int rc = CLI_USAGE;
  double lo, hi;
  gk_weighting w;
  size_t *idx = NULL;
  double *L = NULL, *I = NULL, *S = NULL;
  long *line = NULL;
  gk_vsl_fit fits[GK_VSL_NMODELS];
  int have[GK_VSL_NMODELS] = {0};
  memset(fits, 0, sizeof fits);
  cJSON *j = NULL;
  cli_buf b = {0};
  gk_csv csv = {0};
  if (parse_range(o, col.x_unit_in, col.x_factor, &lo, &hi) < 0) goto out;
  if (weights_of(o, col.sigma != NULL, &w) < 0) goto out;
  L = malloc(col.n * sizeof *L);
  I = malloc(col.n * sizeof *I);
  S = malloc(col.n * sizeof *S);
  line = malloc(col.n * sizeof *line);
  if (!L || !I || !S || !line) { fprintf(stderr, "gainkit: out of memory\n"); goto out; }
  size_t n = 0;
  for (size_t i = 0; i < col.n; i++) {
    if (col.x[i] < lo || col.x[i] > hi) continue;
    L[n] = col.x[i];
    I[n] = col.y[i];
    S[n] = col.sigma ? col.sigma[i] : 1;
    line[n] = col.line[i];
    n++;
  }
  gk_vsl_data d = {.n = n, .L = L, .intensity = I, .sigma = col.sigma ? S : NULL, .line = line, .path = col.path,
                   .weighting = w};
  size_t need = o->model < 0 ? gk_vsl_ntheta(GK_VSL_SATEXACT) : gk_vsl_ntheta((gk_vsl_model)o->model);
  if (n < need) {
    if (o->range)
      fprintf(stderr, "gainkit: --range: %s leaves %zu points, fewer than the %zu parameters of %s\n", o->range, n,
              need, o->model < 0 ? "sat-exact (--model all)" : gk_vsl_model_name(o->model));
    else
      fprintf(stderr, "gainkit: %s: %zu points are fewer than the %zu parameters of %s\n", col.path, n, need,
              o->model < 0 ? "sat-exact (--model all)" : gk_vsl_model_name(o->model));
    goto out;
  }
  if (gk_vsl_check(&d, &e) != GK_OK) { rc = cli_error(&e); goto out; }
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    if (o->model >= 0 && m != o->model) continue;
    have[m] = 1;
    int frc = gk_vsl_fit_model(&d, (gk_vsl_model)m, &fits[m], &e);
    if (frc != GK_OK && frc != GK_ENOCONV) { rc = cli_error(&e); goto out; }
    gk_error_clear(&e);
  }
  const char *yunit = col.y_unit;
  j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "vsl");
  int converged;
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
      cli_fmt_value(gs, sizeof gs, f->value[gi], f->se[gi], "");
      cli_printf(&b, "%-10s %24s", gk_vsl_model_name(m), f->ok ? gs : "-");
      cli_cell(&b, 10, f->chi2_red);
      cli_cell(&b, 12, f->aicc_I);
      cli_printf(&b, "  %s\n", f->ok && f->converged ? "yes" : "no");
    }
    int reliable = 0;
    char why[600];
    int rec = gk_vsl_recommend(&d, fits, &reliable, why, sizeof why);
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
    cJSON_ReplaceItemInObject(j, "converged", cJSON_CreateBool(converged));
    for (int m = 0; m < GK_VSL_NMODELS; m++) fit_text(&b, &fits[m], yunit);
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
  if (o->c.plot) {
    char title[256];
    snprintf(title, sizeof title, "VSL fits: %s", cli_basename(col.path));
    if (plot_fits(o->c.plot, &d, fits, have, title, &e) != GK_OK) { rc = cli_error(&e); goto out; }
  }
  if (o->series) {
    cJSON_AddStringToObject(j, "input", col.path);
    cJSON_AddItemToArray(o->series, j);
    j = NULL;
    cli_printf(o->series_text, "%s\n", b.s);
    rc = converged ? CLI_OK : CLI_FAILED;
  } else
    rc = cli_emit(&o->c, j, b.s, &csv, converged ? CLI_OK : CLI_FAILED);
out:
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_fit_free(&fits[m]);
  gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  free(idx); free(L); free(I); free(S); free(line);
  gk_columns_free(&col);
  return rc;
}

/* ---- spectrally resolved ------------------------------------------------- */

static int run_matrix(vsl_opts *o)
{
  gk_error e;
  gk_error_clear(&e);
  gk_matrix mx;
  gk_matrix_options mo = {0};
  mo.col_kind = GK_XKIND_LENGTH;
  mo.col_unit_override = o->length_unit;
  mo.col_unit_default = "cm";
  mo.require_increasing_rows = 1;
  mo.min_rows = 1;
  mo.min_cols = 2;
  mo.orientation = GK_ORIENT_DETECT;  /* one spectrum per row: read transposed, with a note */
  if (gk_matrix_read(o->matrix, &mo, &mx, &e) != GK_OK) return cli_error(&e);
  if (mx.note[0]) fprintf(stderr, "gainkit: note: %s: %s\n", cli_basename(o->matrix), mx.note);
  int rc = CLI_USAGE;
  double lo, hi;
  gk_weighting w;
  double *L = NULL, *z = NULL, *gsel = NULL, *sesel = NULL;
  int *rec = NULL;
  gk_vsl_spectrum spec[GK_VSL_NMODELS];
  memset(spec, 0, sizeof spec);
  cJSON *j = NULL;
  cli_buf b = {0};
  gk_csv csv = {0};
  gk_progress prog = {NULL, NULL};
  if (parse_range(o, mx.col_unit_in, mx.col_factor, &lo, &hi) < 0) goto out;
  if (weights_of(o, 0, &w) < 0) goto out;
  size_t nL = 0, nw = mx.nrow;
  L = malloc(mx.ncol * sizeof *L);
  z = malloc(nw * mx.ncol * sizeof *z);
  rec = malloc(nw * sizeof *rec);
  gsel = malloc(nw * sizeof *gsel);
  sesel = malloc(nw * sizeof *sesel);
  if (!L || !z || !rec || !gsel || !sesel) { fprintf(stderr, "gainkit: out of memory\n"); goto out; }
  for (size_t k = 0; k < mx.ncol; k++) {
    if (mx.col[k] < lo || mx.col[k] > hi) continue;
    for (size_t i = 0; i < nw; i++) z[i * mx.ncol + nL] = mx.z[i * mx.ncol + k];
    L[nL++] = mx.col[k];
  }
  size_t need = o->model < 0 ? gk_vsl_ntheta(GK_VSL_SATEXACT) : gk_vsl_ntheta((gk_vsl_model)o->model);
  if (nL < need) {
    fprintf(stderr, "gainkit: %s: %zu stripe lengths%s are fewer than the %zu parameters of %s\n", mx.path, nL,
            o->range ? " in --range" : "", need, o->model < 0 ? "sat-exact (--model all)" : gk_vsl_model_name(o->model));
    goto out;
  }
  /* repack rows to stride nL */
  for (size_t i = 0; i < nw; i++) memmove(z + i * nL, z + i * mx.ncol, nL * sizeof *z);
  for (size_t k = 1; k < nL; k++)
    if (!(L[k] > L[k - 1])) {
      fprintf(stderr, "gainkit: %s: stripe lengths (first row) must increase (%g after %g cm)\n", mx.path,
              L[k], L[k - 1]);
      goto out;
    }
  if (L[0] < 0) {
    fprintf(stderr, "gainkit: %s: negative stripe length %g cm in the first row\n", mx.path, L[0]);
    goto out;
  }
  unsigned mask = o->model < 0 ? (1u << GK_VSL_NMODELS) - 1 : 1u << o->model;
  prog = cli_progress("vsl");
  if (gk_vsl_spectral(L, nL, z, nw, w, mask, spec, o->model < 0 ? rec : NULL, &prog, &e) != GK_OK) {
    cli_progress_done(&prog);
    rc = cli_error(&e);
    goto out;
  }
  cli_progress_done(&prog);
  if (cli_interrupted()) goto out;
  /* The reported spectrum: the chosen model, or per wavelength the
   * recommended one for --model all. */
  size_t nconv = 0;
  cJSON *convarr = cJSON_CreateArray(), *modarr = cJSON_CreateArray();
  for (size_t i = 0; i < nw; i++) {
    int m = o->model >= 0 ? o->model : rec[i];
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
  cJSON_AddStringToObject(j, "model", o->model >= 0 ? gk_vsl_model_name(o->model) : "all");
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
    cJSON_AddItemToObject(j, "model_per_wavelength", modarr);
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
             mx.path, nw, nL, L[0], L[nL - 1], o->model >= 0 ? gk_vsl_model_name(o->model) : "all (recommended per wavelength)",
             weight_name(w));
  cli_printf(&b, "%zu of %zu wavelengths converged\n\n%14s %24s %10s %s\n", nconv, nw, "wavelength (nm)",
             "g (cm^-1)", "model", "converged");
  for (size_t i = 0; i < nw; i++) {
    int m = o->model >= 0 ? o->model : rec[i];
    char gs[64];
    cli_fmt_value(gs, sizeof gs, gsel[i], sesel[i], "");
    cli_printf(&b, "%14.2f %24s %10s %s\n", mx.row[i], gs, m >= 0 ? gk_vsl_model_name(m) : "none",
               cJSON_IsTrue(cJSON_GetArrayItem(convarr, (int)i)) ? "yes" : "no");
  }
  {
    const char *hdr[4] = {"wavelength (nm)", "g (cm^-1)", "g_stderr (cm^-1)", "converged"};
    gk_csv_init(&csv, 4, hdr);
    gk_csv_add_comment(&csv, "gainkit vsl --matrix %s --model %s", mx.path,
                       o->model >= 0 ? gk_vsl_model_name(o->model) : "all");
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
    gk_panel_add(p, mx.row, gsel, sesel, nw, GK_STYLE_LINEPOINTS, 0,
                 o->model >= 0 ? gk_vsl_model_name(o->model) : "recommended model");
    gk_panel_hline(p, 0, 0, NULL);
    int prc = gk_figure_save(fig, o->c.plot, &e);
    gk_figure_free(fig);
    if (prc != GK_OK) { rc = cli_error(&e); goto out; }
  }
  rc = cli_emit(&o->c, j, b.s, &csv, converged ? CLI_OK : CLI_FAILED);
out:
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_spectrum_free(&spec[m]);
  gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  free(L); free(z); free(rec); free(gsel); free(sesel);
  gk_matrix_free(&mx);
  return rc;
}

/* Several FILEs: one result per file (collected), then a table of the net
 * gain of each (the model asked for, or the recommended one). An input
 * error in any file stops everything (exit 2, nothing printed). */
static int run_series(vsl_opts *o, char **files, size_t n)
{
  if (o->c.plot) return cli_usage(o->c.cmd, "--plot draws one scan: give one FILE");
  cJSON *arr = cJSON_CreateArray();
  cli_buf text = {0}, b = {0};
  double *g = calloc(n, sizeof *g), *se = calloc(n, sizeof *se);
  const char **model = calloc(n, sizeof *model);
  int *conv = calloc(n, sizeof *conv);
  int rc = CLI_OK;
  if (!arr || !g || !se || !model || !conv) { rc = CLI_USAGE; goto out; }
  o->series = arr;
  o->series_text = &text;
  for (size_t i = 0; i < n; i++) {
    o->file = files[i];
    o->g = o->g_se = NAN;
    o->g_model = "none";
    int r = run_columns(o);
    if (r != CLI_OK && r != CLI_FAILED) { rc = r; goto out; }
    g[i] = o->g;
    se[i] = o->g_se;
    model[i] = o->g_model;
    conv[i] = r == CLI_OK;
    if (r == CLI_FAILED) rc = CLI_FAILED;
  }
  {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "command", "vsl");
    cJSON_AddBoolToObject(j, "converged", rc == CLI_OK);
    cJSON *t = cJSON_AddArrayToObject(j, "table");
    cli_printf(&b, "%s", text.s ? text.s : "");
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
    arr = NULL;
    rc = cli_emit(&o->c, j, b.s, csv_ok ? &csv : NULL, rc);
    if (csv_ok) gk_csv_free(&csv);
    cJSON_Delete(j);
  }
out:
  cJSON_Delete(arr);
  cli_buf_free(&text);
  cli_buf_free(&b);
  free(g); free(se); free(model); free(conv);
  return rc;
}

static int run(int argc, char **argv)
{
  vsl_opts o = {.c = {.cmd = "vsl"}, .model = -1};
  static const struct option longopts[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"range", required_argument, NULL, OPT_RANGE},
    {"weights", required_argument, NULL, OPT_WEIGHTS},
    {"length-unit", required_argument, NULL, OPT_LENGTH_UNIT},
    {"matrix", required_argument, NULL, OPT_MATRIX},
    CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
  int opt;
  optind = 1;
  while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, o.c.cmd)) != -1) {
    if (opt == '?') return CLI_USAGE;
    switch (opt) {
    case OPT_MODEL:
      if (!strcmp(optarg, "all")) o.model = -1;
      else if ((o.model = gk_vsl_model_from_name(optarg)) < 0) {
        fprintf(stderr, "gainkit: --model: '%s' is not one of vsl1, vsl2, sat, sat-exact, emp, all\n", optarg);
        return CLI_USAGE;
      }
      break;
    case OPT_RANGE: o.range = optarg; break;
    case OPT_WEIGHTS: o.weights = optarg; break;
    case OPT_LENGTH_UNIT:
      if (strcmp(optarg, "um") && strcmp(optarg, "mm") && strcmp(optarg, "cm")) {
        fprintf(stderr, "gainkit: --length-unit: '%s' is not one of um, mm, cm\n", optarg);
        return CLI_USAGE;
      }
      o.length_unit = optarg;
      break;
    case OPT_MATRIX: o.matrix = optarg; break;
    default: {
      int h = cli_common_option(&o.c, opt, optarg);
      if (h < 0) return CLI_USAGE;
      if (h == 0) return cli_usage(o.c.cmd, "unexpected option");
    }
    }
  }
  if (optind < argc) o.file = argv[optind++];
  if (optind < argc && o.matrix) return cli_usage(o.c.cmd, "unexpected argument '%s'", argv[optind]);
  if (!o.file && !o.matrix) return cli_usage(o.c.cmd, "missing FILE (or --matrix FILE)");
  if (o.file && o.matrix) return cli_usage(o.c.cmd, "give either FILE or --matrix FILE, not both");
  if (cli_common_check(&o.c) < 0) return CLI_USAGE;
  if (o.weights && strcmp(o.weights, "none") && strcmp(o.weights, "sigma") && strcmp(o.weights, "relative")) {
    fprintf(stderr, "gainkit: --weights: '%s' is not one of none, sigma, relative\n", o.weights);
    return CLI_USAGE;
  }
  if (optind < argc) return run_series(&o, argv + optind - 1, (size_t)(argc - optind + 1));
  return o.matrix ? run_matrix(&o) : run_columns(&o);
}

const struct cli_command cli_cmd_vsl = {
  .name = "vsl",
  .summary = "net gain from variable-stripe-length data (vsl1, vsl2, sat, sat-exact, emp)",
  .order = 10,
  .help =
    "Usage: gainkit vsl FILE [--model vsl1|vsl2|sat|sat-exact|emp|all] [--range LMIN:LMAX]\n"
    "                   [--weights none|sigma|relative] [--length-unit um|mm|cm] [options]\n"
    "       gainkit vsl FILE1 FILE2 ... [same options]   (a series of scans)\n"
    "       gainkit vsl --matrix FILE [same options]\n\n"
    "Fit the edge-emitted intensity I versus stripe length L with the VSL models of\n"
    "seed 000 (Eq. 1-5) and report the net gain g (cm^-1) with its standard error.\n\n"
    "  FILE                 columns: stripe length, intensity, optional sigma\n"
    "  --model M            vsl1, vsl2, sat, sat-exact, emp or all (default all: fit\n"
    "                       every model and recommend one, with the reason)\n"
    "  --range LMIN:LMAX    use only stripe lengths in this range (input's unit)\n"
    "  --weights W          none, sigma (absolute; default with a sigma column), relative\n"
    "  --length-unit U      unit of the stripe lengths (um, mm, cm) when the header has none\n"
    "  --matrix FILE        spectrally resolved: first row stripe lengths, first column\n"
    "                       wavelength (nm); fits every wavelength -> g(lambda)\n\n"
    "Examples:\n"
    "  gainkit vsl examples/vsl-nc1.csv --model all --plot vsl.png\n"
    "  gainkit vsl --matrix examples/vsl-matrix.csv -o gain-spectrum.csv\n"
    "  gainkit vsl examples/vsl-nc1.csv examples/input/vsl-mm.csv --model vsl1\n\n"
    "Several FILEs: each is fitted as above and reported in turn, then a table of\n"
    "the net gain per file (the --model given, or each file's recommended model);\n"
    "JSON \"files\" + \"table\", CSV the table. Stripe lengths that decrease or\n"
    "repeat are sorted and averaged, with a note. A scan whose intensity\n"
    "extrapolates to a clear background at L -> 0 is warned about. A matrix saved\n"
    "one spectrum per row is read transposed, with a note.\n\n" CLI_COMMON_HELP,
  .run = run,
};
