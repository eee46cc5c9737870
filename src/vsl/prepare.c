/* Input preparation for VSL: a column file into gk_vsl_data (range,
 * weights, background and plausibility notes, checks). Moved here from the
 * CLI. See gainkit/vsl.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/io.h"
#include "gainkit/units.h"
#include "gainkit/vsl.h"

void gk_vsl_prepared_free(gk_vsl_prepared *p)
{
  if (!p) return;
  free(p->L), free(p->intensity), free(p->sigma), free(p->line);
  gk_notes_free(&p->notes);
  memset(p, 0, sizeof *p);
}

int gk_vsl_prepare(const gk_columns *col, const gk_vsl_prepare_options *o, gk_vsl_prepared *p, gk_error *err)
{
  memset(p, 0, sizeof *p);
  gk_vsl_prepare_options def = {.weights = -1};
  if (!o) o = &def;
  const char *path = col->path ? col->path : "";
  gk_weighting w;
  if (o->weights < 0) w = col->sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_NONE;
  else if (o->weights > GK_WEIGHT_RELATIVE) return gk_error_option(err, "weights", "unknown weighting %d", o->weights);
  else w = (gk_weighting)o->weights;
  if (w == GK_WEIGHT_SIGMA && !col->sigma)
    return gk_error_option(err, "weights", "'sigma' needs a sigma column (third column) in %s", path);
  /* notes: lengths outside 1 um .. 5 cm, a background under the scan */
  gk_plausible_column(GK_PLAUS_LENGTH, col->x, col->n, 1, col->x_unit_in, path, col->line ? col->line[0] : 0,
                      col->x_name, &p->notes);
  gk_io_offset_vsl(col->x, col->y, col->n, &p->background, &p->background_significant);
  p->L = malloc(col->n * sizeof *p->L);
  p->intensity = malloc(col->n * sizeof *p->intensity);
  p->sigma = malloc(col->n * sizeof *p->sigma);
  p->line = malloc(col->n * sizeof *p->line);
  if (!p->L || !p->intensity || !p->sigma || !p->line) {
    gk_vsl_prepared_free(p);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  size_t n = 0;
  for (size_t i = 0; i < col->n; i++) {
    if (o->has_range && (col->x[i] < o->range_lo || col->x[i] > o->range_hi)) continue;
    p->L[n] = col->x[i];
    p->intensity[n] = col->y[i];
    p->sigma[n] = col->sigma ? col->sigma[i] : 1;
    p->line[n] = col->line ? col->line[i] : 0;
    n++;
  }
  size_t need = o->min_points ? o->min_points : 2;
  const char *mn = o->model_name ? o->model_name : "the model";
  if (n < need) {
    int rc = o->has_range
                 ? gk_error_option(err, "range", "%g:%g cm leaves %zu points, fewer than the %zu parameters of %s",
                                   o->range_lo, o->range_hi, n, need, mn)
                 : gk_error_set(err, GK_EINPUT, path, 0, "%zu points are fewer than the %zu parameters of %s", n, need,
                                mn);
    gk_vsl_prepared_free(p);
    return rc;
  }
  p->d = (gk_vsl_data){.n = n, .L = p->L, .intensity = p->intensity, .sigma = col->sigma ? p->sigma : NULL,
                       .line = p->line, .path = col->path, .weighting = w, .offset = o->offset};
  int rc = gk_vsl_check(&p->d, err);
  if (rc) gk_vsl_prepared_free(p);
  return rc;
}

void gk_vsl_prepared_matrix_free(gk_vsl_prepared_matrix *p)
{
  if (!p) return;
  free(p->L), free(p->z);
  memset(p, 0, sizeof *p);
}

int gk_vsl_prepare_matrix(const gk_matrix *m, const gk_vsl_prepare_options *o, gk_vsl_prepared_matrix *p,
                          gk_error *err)
{
  memset(p, 0, sizeof *p);
  gk_vsl_prepare_options def = {.weights = -1};
  if (!o) o = &def;
  const char *path = m->path ? m->path : "";
  size_t nw = m->nrow, nL = 0;
  p->L = malloc((m->ncol ? m->ncol : 1) * sizeof *p->L);
  p->z = malloc((nw * m->ncol > 0 ? nw * m->ncol : 1) * sizeof *p->z);
  if (!p->L || !p->z) {
    gk_vsl_prepared_matrix_free(p);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t k = 0; k < m->ncol; k++) {
    if (o->has_range && (m->col[k] < o->range_lo || m->col[k] > o->range_hi)) continue;
    for (size_t i = 0; i < nw; i++) p->z[i * m->ncol + nL] = m->z[i * m->ncol + k];
    p->L[nL++] = m->col[k];
  }
  size_t need = o->min_points ? o->min_points : 2;
  int rc = GK_OK;
  if (nL < need)
    rc = gk_error_set(err, GK_EINPUT, path, 0, "%zu stripe lengths%s are fewer than the %zu parameters of %s", nL,
                      o->has_range ? " in `range`" : "", need, o->model_name ? o->model_name : "the model");
  /* repack rows to stride nL */
  for (size_t i = 0; !rc && i < nw; i++) memmove(p->z + i * nL, p->z + i * m->ncol, nL * sizeof *p->z);
  for (size_t k = 1; !rc && k < nL; k++)
    if (!(p->L[k] > p->L[k - 1]))
      rc = gk_error_set(err, GK_EINPUT, path, 0, "stripe lengths (first row) must increase (%g after %g cm)",
                        p->L[k], p->L[k - 1]);
  if (!rc && p->L[0] < 0)
    rc = gk_error_set(err, GK_EINPUT, path, 0, "negative stripe length %g cm in the first row", p->L[0]);
  if (rc) {
    gk_vsl_prepared_matrix_free(p);
    return rc;
  }
  p->nL = nL;
  p->nw = nw;
  return GK_OK;
}

/* ---- the user's options: reading and resolving -------------------------- */

int gk_vsl_read(const char *path, const gk_vsl_options *o, gk_columns *col, gk_error *err)
{
  gk_columns_options co = {0};
  co.xkind = GK_XKIND_LENGTH;
  co.x_unit_override = o ? o->length_unit : NULL;
  co.x_unit_default = "cm";
  co.sort_and_average = 1;  /* decreasing or repeated stripe lengths: sorted/averaged, noted */
  co.require_positive_sigma = 1;
  co.min_points = 2;
  return gk_columns_read(path, &co, col, err);
}

int gk_vsl_read_matrix(const char *path, const gk_vsl_options *o, gk_matrix *m, gk_error *err)
{
  gk_matrix_options mo = {0};
  mo.col_kind = GK_XKIND_LENGTH;
  mo.col_unit_override = o ? o->length_unit : NULL;
  mo.col_unit_default = "cm";
  mo.require_increasing_rows = 1;
  mo.min_rows = 1;
  mo.min_cols = 2;
  mo.orientation = GK_ORIENT_DETECT;  /* one spectrum per row: read transposed, with a note */
  return gk_matrix_read(path, &mo, m, err);
}

/* "FROM:TO" in unit (quantities with a suffix converted to it). */
static int range_text(const char *field, const char *arg, const char *unit, double *a, double *b, gk_error *err)
{
  const char *colon = strchr(arg, ':');
  if (!colon || strchr(colon + 1, ':'))
    return gk_error_option(err, field, "'%s' is not a range (expected FROM:TO)", arg);
  char left[128];
  size_t n = (size_t)(colon - arg);
  if (n >= sizeof left) n = sizeof left - 1;
  memcpy(left, arg, n);
  left[n] = '\0';
  gk_error pe;
  gk_error_clear(&pe);
  const char *tok[2] = {left, colon + 1};
  double *val[2] = {a, b};
  for (int k = 0; k < 2; k++) {
    if (gk_parse_quantity(tok[k], unit, val[k], &pe) != GK_OK) return gk_error_option(err, field, "%s", pe.msg);
    /* as every quantity option: nothing outside 1e-60..1e60 is meant (a typo, an overflow later) */
    double m = fabs(*val[k]);
    if (m != 0 && !(m >= 1e-60 && m <= 1e60))
      return gk_error_option(err, field, "'%s' is outside the supported magnitude range %g to %g (in %s)", tok[k],
                             1e-60, 1e60, unit);
  }
  if (!(*a < *b)) return gk_error_option(err, field, "range '%s' is empty (FROM must be less than TO)", arg);
  return GK_OK;
}

int gk_vsl_options_resolve(const gk_vsl_options *o, const char *unit_in, double factor, int has_sigma,
                           const char *path, gk_vsl_prepare_options *po, gk_error *err)
{
  gk_vsl_options def = {.model = -1};
  if (!o) o = &def;
  *po = (gk_vsl_prepare_options){.weights = -1, .offset = o->offset};
  if (o->range) {
    int rc = range_text("range", o->range, unit_in && *unit_in ? unit_in : "cm", &po->range_lo, &po->range_hi, err);
    if (rc) return rc;
    po->has_range = 1;
    po->range_lo *= factor;
    po->range_hi *= factor;
  }
  if (o->weights) {
    if (!strcmp(o->weights, "none")) po->weights = GK_WEIGHT_NONE;
    else if (!strcmp(o->weights, "relative")) po->weights = GK_WEIGHT_RELATIVE;
    else if (!strcmp(o->weights, "sigma")) {
      if (!has_sigma)
        return gk_error_option(err, "weights", "'sigma' needs a sigma column (third column) in %s", path ? path : "");
      po->weights = GK_WEIGHT_SIGMA;
    } else return gk_error_option(err, "weights", "'%s' is not one of none, sigma, relative", o->weights);
  }
  int all = o->model < 0 || o->model >= GK_VSL_NMODELS;
  po->min_points = gk_vsl_ntheta(all ? GK_VSL_SATEXACT : (gk_vsl_model)o->model);
  po->model_name = all ? "sat-exact (`model` all)" : gk_vsl_model_name((gk_vsl_model)o->model);
  return GK_OK;
}
