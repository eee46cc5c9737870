/* Input preparation for VPI: a pump-series matrix into gk_vpi_data
 * (window, pump order and cut, stripe length, F(lambda), fixed losses,
 * weights). Moved here from the CLI so that every caller (CLI, Python)
 * gets the same selection and checks. See gainkit/vpi.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_interp.h>

#include "gainkit/units.h"
#include "gainkit/vpi.h"

void gk_vpi_prepared_free(gk_vpi_prepared *p)
{
  if (!p) return;
  free(p->lambda), free(p->pump), free(p->intensity), free(p->F), free(p->alpha), free(p->sigma);
  gk_notes_free(&p->notes);
  memset(p, 0, sizeof *p);
}

gk_vpi_data gk_vpi_prepared_data(const gk_vpi_prepared *p)
{
  return (gk_vpi_data){.nl = p->nl, .np = p->np, .lambda = p->lambda, .pump = p->pump, .intensity = p->intensity,
                       .sigma = p->sigma, .F = p->F, .alpha_fixed = p->alpha, .L = p->L};
}

/* A two-column spectrum (wavelength nm, value) interpolated onto the data
 * grid; every data wavelength must lie inside the file's range. */
static int load_curve(const char *path, const char *what, const gk_vpi_prepared *v, double *out, gk_error *e)
{
  gk_columns_options co = {.xkind = GK_XKIND_WAVELENGTH, .x_unit_default = "nm",
                           .allow_unsorted = 1, .reject_duplicate_x = 1, .min_points = 2};
  gk_columns c;
  int rc = gk_columns_read(path, &co, &c, e);
  if (rc) return rc;
  double lo = c.x[0], hi = c.x[c.n - 1];
  if (v->lambda[0] < lo || v->lambda[v->nl - 1] > hi) {
    rc = gk_error_set(e, GK_EINPUT, path, c.line[v->lambda[0] < lo ? 0 : c.n - 1],
                      "%s covers %g-%g nm but the data need %g-%g nm", what, lo, hi,
                      v->lambda[0], v->lambda[v->nl - 1]);
    gk_columns_free(&c);
    return rc;
  }
  gsl_interp *it = gsl_interp_alloc(gsl_interp_linear, c.n);
  gsl_interp_accel *acc = gsl_interp_accel_alloc();
  if (!it || !acc || gsl_interp_init(it, c.x, c.y, c.n)) {
    rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "cannot interpolate %s", what);
  } else {
    for (size_t i = 0; i < v->nl; i++) out[i] = gsl_interp_eval(it, c.x, c.y, v->lambda[i], acc);
  }
  gsl_interp_free(it), gsl_interp_accel_free(acc);
  gk_columns_free(&c);
  return rc;
}

/* Uncertainties for the weighted fit, up to a common factor (the
 * covariance is scaled by chi2_red, so only their ratios matter):
 * relative sigma = |I|, poisson sigma = sqrt|I|, each floored per pump
 * column at GK_VPI_SIGMA_FLOOR of its largest |I| (zero or negative
 * samples of background-subtracted data would otherwise get zero or
 * undefined uncertainties). */
static int make_sigma(gk_vpi_prepared *v, gk_vpi_weights w, gk_error *e)
{
  if (w == GK_VPI_WEIGHTS_NONE) return GK_OK;
  v->sigma = malloc(v->nl * v->np * sizeof(double));
  if (!v->sigma) return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t j = 0; j < v->np; j++) {
    double mx = 0;
    for (size_t i = 0; i < v->nl; i++) mx = fmax(mx, fabs(v->intensity[i * v->np + j]));
    double fl = mx > 0 ? GK_VPI_SIGMA_FLOOR * mx : 1;
    for (size_t i = 0; i < v->nl; i++) {
      double a = fmax(fabs(v->intensity[i * v->np + j]), fl);
      v->sigma[i * v->np + j] = w == GK_VPI_WEIGHTS_RELATIVE ? a : sqrt(a);
    }
  }
  return GK_OK;
}

static const double *sort_key;
static int cmp_idx(const void *a, const void *b)
{
  double u = sort_key[*(const size_t *)a], w = sort_key[*(const size_t *)b];
  return (u > w) - (u < w);
}

int gk_vpi_prepare(const gk_matrix *m, const gk_vpi_prepare_options *s, gk_vpi_prepared *v, gk_error *e)
{
  static const char *const WNAME[] = {"none", "relative", "poisson"};
  memset(v, 0, sizeof *v);
  gk_vpi_prepare_options def = {.weights = GK_VPI_WEIGHTS_RELATIVE};
  if (!s) s = &def;
  if ((int)s->weights < 0 || s->weights > GK_VPI_WEIGHTS_POISSON)
    return gk_error_option(e, "weights", "unknown weighting %d", (int)s->weights);
  v->weights = WNAME[s->weights];
  const char *path = m->path ? m->path : "";
  v->np_matrix = m->ncol;
  if (m->ncol < 2) return gk_error_set(e, GK_EINPUT, path, 0, "%zu spectrum; a VPI fit needs at least 2 pumps", m->ncol);
  int rc = GK_OK;
  size_t *cols = malloc(m->ncol * sizeof *cols), *rows = malloc(m->nrow * sizeof *rows);
  if (!cols || !rows) {
    rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  /* the pump row precedes the first wavelength row */
  long pline = m->line && m->line[0] > 1 ? m->line[0] - 1 : 1;
  for (size_t j = 0; j < m->ncol; j++)
    if (!(m->col[j] > 0) || !isfinite(m->col[j])) {
      rc = gk_error_set(e, GK_EINPUT, path, pline, "pump values must be positive (column %zu is %g)", j + 2, m->col[j]);
      goto out;
    }
  /* length: the option, else the matrix's metadata */
  if (s->length > 0) {
    v->L = s->length;
  } else if (s->length < 0 || isnan(s->length)) {
    rc = gk_error_option(e, "length", "stripe length must be positive, got %g cm", s->length);
    goto out;
  } else {
    const char *ml = gk_meta_get(&m->meta, "stripe_length_cm");
    char *end = NULL;
    v->L = ml ? strtod(ml, &end) : NAN;
    if (!ml) {
      rc = gk_error_option(e, "length", "missing: give the stripe length or put '# stripe_length_cm: L' in %s", path);
      goto out;
    }
    if (end == ml || *end || !(v->L > 0)) {
      rc = gk_error_set(e, GK_EINPUT, path, 0, "stripe_length_cm '%s' is not a positive number", ml);
      goto out;
    }
  }
  snprintf(v->pump_unit, sizeof v->pump_unit, "%s", m->col_unit_in[0] ? m->col_unit_in : "");
  /* rows: the window, increasing wavelength */
  int rev = m->nrow > 1 && m->row[1] < m->row[0];
  for (size_t a = 0; a < m->nrow; a++) {
    size_t i = rev ? m->nrow - 1 - a : a;
    if (!s->window || (m->row[i] >= s->window_lo && m->row[i] <= s->window_hi)) rows[v->nl++] = i;
  }
  /* max_pump: a bare number is in the matrix's pump unit; a unit suffix
   * ("0.05mJ/cm2") is converted to it */
  double maxpump = NAN;
  if (s->max_pump) {
    gk_error pe;
    gk_error_clear(&pe);
    const char *pu = m->col_unit_in[0] ? m->col_unit_in : NULL;
    if (pu ? gk_parse_quantity(s->max_pump, pu, &maxpump, &pe) != GK_OK
           : gk_parse_number(s->max_pump, &maxpump, &pe) != GK_OK) {
      rc = gk_error_option(e, "max_pump", "'%s': %s%s", s->max_pump, pe.msg,
                           pu ? "" : " (the file names no pump unit, so give a bare number in its units)");
      goto out;
    }
    if (!(maxpump > 0)) {
      rc = gk_error_option(e, "max_pump", "must be positive, got '%s'", s->max_pump);
      goto out;
    }
  }
  /* columns: pumps increasing, up to max_pump */
  for (size_t j = 0; j < m->ncol; j++) cols[j] = j;
  sort_key = m->col;
  qsort(cols, m->ncol, sizeof *cols, cmp_idx);
  for (size_t j = 0; j < m->ncol; j++)
    if (isnan(maxpump) || m->col[cols[j]] <= maxpump) cols[v->np++] = cols[j];
  if (v->nl < 3) {
    rc = s->window ? gk_error_option(e, "window", "only %zu wavelengths of %s inside", v->nl, path)
                   : gk_error_set(e, GK_EINPUT, path, 0, "fewer than 3 wavelengths");
    goto out;
  }
  if (v->np < 2) {
    rc = gk_error_option(e, "max_pump", "keeps %zu of the %zu pumps of %s; need at least 2", v->np, m->ncol, path);
    goto out;
  }
  v->lambda = malloc(v->nl * sizeof(double)), v->pump = malloc(v->np * sizeof(double));
  v->intensity = malloc(v->nl * v->np * sizeof(double)), v->F = malloc(v->nl * sizeof(double));
  if (!v->lambda || !v->pump || !v->intensity || !v->F) {
    rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  for (size_t a = 0; a < v->nl; a++) {
    v->lambda[a] = m->row[rows[a]];
    for (size_t b = 0; b < v->np; b++) {
      double z = m->z[rows[a] * m->ncol + cols[b]];
      if (!isfinite(z)) {
        rc = gk_error_set(e, GK_EINPUT, path, m->line ? m->line[rows[a]] : 0, "intensity is not a number (pump %g)",
                          m->col[cols[b]]);
        goto out;
      }
      v->intensity[a * v->np + b] = z;
    }
  }
  for (size_t b = 0; b < v->np; b++) v->pump[b] = m->col[cols[b]];
  if (s->auto_max_pump) {
    size_t keep;
    rc = gk_vpi_auto_max_pump(v->lambda, v->intensity, v->nl, v->np, 0.1, &keep, e);
    if (rc) goto out;
    if (keep < v->np) {
      /* drop trailing columns: repack the row-major matrix */
      for (size_t a = 0; a < v->nl; a++)
        for (size_t b = 0; b < keep; b++) v->intensity[a * keep + b] = v->intensity[a * v->np + b];
      gk_notes_add(&v->notes, "the FWHM re-broadens above pump %g; %zu of %zu spectra kept", v->pump[keep - 1], keep,
                   v->np);
      v->np_auto_dropped = v->np - keep;
      v->np = keep;
    }
  }
  if (s->fluorescence) {
    rc = load_curve(s->fluorescence, "`fluorescence`", v, v->F, e);
  } else {
    gk_vpi_data d = {.nl = v->nl, .np = v->np, .lambda = v->lambda, .pump = v->pump, .intensity = v->intensity};
    rc = gk_vpi_default_fluorescence(&d, v->F, e);
    v->F_estimated = 1;
    if (rc) {
      char msg[sizeof e->msg];
      snprintf(msg, sizeof msg, "%s", e->msg);
      gk_error_set(e, GK_EINPUT, path, 0, "%s", msg);
    }
  }
  if (rc) goto out;
  if (s->losses) {
    v->alpha = malloc(v->nl * sizeof(double));
    if (!v->alpha) {
      rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
      goto out;
    }
    rc = load_curve(s->losses, "`losses`", v, v->alpha, e);
    for (size_t i = 0; !rc && i < v->nl; i++)
      if (!(v->alpha[i] >= 0))
        rc = gk_error_set(e, GK_EINPUT, s->losses, 0, "losses must be >= 0 (%g cm^-1 at %g nm)", v->alpha[i],
                          v->lambda[i]);
  }
  if (!rc) rc = make_sigma(v, s->weights, e);
out:
  free(cols), free(rows);
  return rc;
}
