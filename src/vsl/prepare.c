/* Input preparation for VSL: a column file into gk_vsl_data (range,
 * weights, background and plausibility notes, checks). Moved here from the
 * CLI. See gainkit/vsl.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/io.h"
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
