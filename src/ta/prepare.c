/* Reading and assembling a TA data set (gk_ta_prepare, gainkit/ta.h): the
 * ground-state spectrum, one Delta OD matrix per delay or one long-format
 * table, the <N> axis of the pump columns and the delays. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gainkit/ta.h"
#include "gainkit/data.h"
#include "gainkit/io.h"
#include "gainkit/units.h"
#include "gainkit/constants.h"

void gk_ta_inputs_default(gk_ta_inputs *in)
{
  memset(in, 0, sizeof *in);
  in->cross_section = in->pump_wavelength = in->delay = NAN;
}

/* <N> per column from the inputs and the pump unit of the first matrix
 * (hl: the line that names that unit). */
static int pump_axis(const gk_matrix *m, long hl, const gk_ta_inputs *in, double *n_out, gk_error *e)
{
  if (in->n_mean) {
    if (in->nn_mean != m->ncol)
      return gk_error_option(e, "n_mean", "%zu values for %zu pump columns in %s", in->nn_mean, m->ncol, m->path);
    memcpy(n_out, in->n_mean, m->ncol * sizeof *n_out);
    return GK_OK;
  }
  gk_unit_info u = {0};
  int has_unit = *m->col_unit_in && gk_unit_describe(m->col_unit_in, &u, NULL) == GK_OK;
  if (isnan(in->cross_section)) {
    if (in->photon_fluence) return gk_error_option(e, "", "`photon_fluence` needs `cross_section`");
    if (has_unit && strcmp(u.dimension, "dimensionless") != 0)
      return gk_error_set(e, GK_EINPUT, m->path, hl,
                          "pump columns are in '%s'; give `cross_section` (and `pump_wavelength` for "
                          "an energy fluence) or `n_mean`", m->col_unit_in);
    memcpy(n_out, m->col, m->ncol * sizeof *n_out);
    return GK_OK;
  }
  const double pump_ev = isfinite(in->pump_wavelength) ? GK_HC_EV_NM / in->pump_wavelength : NAN;
  for (size_t j = 0; j < m->ncol; j++) {
    double jp;
    if (in->photon_fluence) {
      if (in->nphoton_fluence != m->ncol)
        return gk_error_option(e, "photon_fluence", "%zu values for %zu pump columns", in->nphoton_fluence, m->ncol);
      jp = in->photon_fluence[j];
    } else if (has_unit && !strcmp(u.dimension, "fluence")) {
      if (isnan(pump_ev))
        return gk_error_option(e, "", "pump columns of %s are an energy fluence (%s): give `pump_wavelength`",
                               m->path, m->col_unit_in);
      jp = gk_ta_photon_fluence(m->col[j] * u.factor, pump_ev);
    } else {
      double f = 1;
      if (has_unit && gk_unit_factor(m->col_unit_in, "cm^-2", &f, NULL) != GK_OK)
        return gk_error_set(e, GK_EINPUT, m->path, hl, "pump unit '%s' is neither an energy nor a photon fluence",
                            m->col_unit_in);
      jp = m->col[j] * f;
    }
    n_out[j] = gk_ta_n_mean(in->cross_section, jp);
  }
  return GK_OK;
}

/* The delay of Delta OD file d: delays[d], its '# delay:' metadata (a bare
 * number in delay_unit, never silently seconds), or NaN. */
static int file_delay(const gk_matrix *m, const gk_ta_inputs *in, size_t d, size_t nd, double *dl, gk_error *e)
{
  const char *meta = gk_meta_get(&m->meta, "delay");
  *dl = NAN;
  if (in->delays) *dl = in->delays[d];
  else if (meta && gk_parse_number(meta, dl, NULL) == GK_OK) {
    double f = 1;
    if (!in->delay_unit || gk_unit_factor(in->delay_unit, "s", &f, NULL) != GK_OK)
      return gk_error_set(e, GK_EINPUT, m->path, 0,
                          "metadata 'delay: %s' has no unit: write '# delay: %s ps' or give `delay_unit`", meta, meta);
    *dl *= f;
  } else if (meta && gk_parse_quantity(meta, "s", dl, e) != GK_OK)
    return gk_error_set(e, GK_EINPUT, m->path, 0, "metadata 'delay: %s' is not a time", meta);
  if (nd > 1 && isnan(*dl)) return gk_error_set(e, GK_EINPUT, m->path, 0, "no delay: add '# delay: 4 ps' or give `delays`");
  return GK_OK;
}

static int assemble(const gk_ta_inputs *in, const gk_columns *g, const gk_matrix *M, const gk_long *lg,
                    gk_ta_prepared *p, gk_error *e)
{
  const int lf = in->long_path != NULL;
  const size_t nw = M[0].nrow, np = M[0].ncol, nd = lf ? lg->ndelay : in->ndelta;
  snprintf(p->path, sizeof p->path, "%s", M[0].path);
  p->wl = malloc(nw * sizeof *p->wl);
  p->alpha0 = malloc(nw * sizeof *p->alpha0);
  p->n_mean = malloc(np * sizeof *p->n_mean);
  p->dod = malloc(nd * nw * np * sizeof *p->dod);
  p->delay = malloc(nd * sizeof *p->delay);
  if (!p->wl || !p->alpha0 || !p->n_mean || !p->dod || !p->delay)
    return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  memcpy(p->wl, M[0].row, nw * sizeof *p->wl);
  if (gk_ta_resample(g->x, g->y, g->n, M[0].row, nw, p->alpha0, e) != GK_OK) {
    snprintf(e->file, sizeof e->file, "%s", M[0].path);
    return e->code;
  }
  int rc = pump_axis(&M[0], lf ? lg->header_line : M[0].line[0] - 1, in, p->n_mean, e);
  if (rc) return rc;
  for (size_t d = 0; d < nd; d++) {
    memcpy(p->dod + d * nw * np, M[d].z, nw * np * sizeof *p->dod);
    if (lf) p->delay[d] = lg->delay[d];
    else if ((rc = file_delay(&M[d], in, d, nd, &p->delay[d], e))) return rc;
  }
  if (lf || (nd > 1 && !in->delays))
    /* delays read from the file (long column, metadata) outside 1 fs .. 1 s: noted, with the unit that fits */
    gk_plausible_column(GK_PLAUS_TIME, p->delay, nd, 1, lf ? lg->delay_unit_in : NULL, lf ? in->long_path : M[0].path,
                        lf && lg->delay_line ? lg->delay_line[0] : 0, "delay", &p->notes);
  if (!isnan(in->delay)) {
    size_t best = 0;
    for (size_t d = 0; d < nd; d++)
      if (fabs(p->delay[d] - in->delay) < fabs(p->delay[best] - in->delay)) best = d;
    if (isnan(p->delay[best])) return gk_error_option(e, "delay", "the data carry no delays");
    p->delay_index = best;
  }
  p->set = (gk_ta_set){nw, np, nd, p->wl, p->alpha0, p->n_mean, nd > 1 ? p->delay : NULL, p->dod};
  return GK_OK;
}

int gk_ta_prepare(const gk_ta_inputs *in, gk_ta_prepared *p, gk_error *e)
{
  memset(p, 0, sizeof *p);
  if (!in->ground || !(in->ndelta || in->long_path) || in->ndelta > GK_TA_MAX_DELTA)
    return gk_error_option(e, in->ground ? "delta" : "ground", "need a ground spectrum and 1 to %d Delta OD files "
                           "or a long table", GK_TA_MAX_DELTA);
  gk_columns g = {0};
  gk_matrix m[GK_TA_MAX_DELTA];
  gk_long lg = {0};
  size_t nread = 0;
  int rc;
  gk_columns_options co = {.xkind = GK_XKIND_WAVELENGTH, .allow_unsorted = 1, .reject_duplicate_x = 1};
  if ((rc = gk_columns_read(in->ground, &co, &g, e)) != GK_OK) return rc;
  gk_matrix_options mo = {.require_increasing_rows = 1};
  gk_long_options lo = {.delay_unit = in->delay_unit};
  if (in->long_path && (rc = gk_long_read(in->long_path, &lo, &lg, e)) != GK_OK) goto out;
  for (; nread < in->ndelta; nread++) {
    if ((rc = gk_matrix_read(in->delta[nread], &mo, &m[nread], e)) != GK_OK) goto out;
    const gk_matrix *a = &m[0], *x = &m[nread];
    int same = x->nrow == a->nrow && x->ncol == a->ncol;
    for (size_t i = 0; same && i < a->nrow; i++) same = x->row[i] == a->row[i];
    for (size_t k = 0; same && k < a->ncol; k++) same = x->col[k] == a->col[k];
    if (!same) {
      rc = gk_error_set(e, GK_EINPUT, x->path, 0, "wavelengths and pump columns must match %s", a->path);
      nread++;
      goto out;
    }
  }
  /* from here on both inputs are the same: one matrix per delay */
  rc = assemble(in, &g, in->long_path ? lg.m : m, &lg, p, e);
out:
  for (size_t d = 0; d < nread; d++) gk_matrix_free(&m[d]);
  gk_long_free(&lg);
  gk_columns_free(&g);
  return rc;
}

void gk_ta_prepared_free(gk_ta_prepared *p)
{
  if (!p) return;
  free(p->wl);
  free(p->alpha0);
  free(p->n_mean);
  free(p->dod);
  free(p->delay);
  gk_notes_free(&p->notes);
  memset(p, 0, sizeof *p);
}
