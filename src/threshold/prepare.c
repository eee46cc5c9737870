/* Input preparation for thresholds: a table or a matrix of spectra into
 * the sorted pump series the methods use. Moved here from the CLI. See
 * gainkit/threshold.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/threshold.h"
#include "gainkit/units.h"

void gk_threshold_series_free(gk_threshold_series *s)
{
  if (!s) return;
  free(s->pump); free(s->intensity); free(s->peak_nm); free(s->peak); free(s->fwhm);
  free(s->flags); free(s->line); free(s->wl); free(s->norm); free(s->baseline);
  memset(s, 0, sizeof *s);
}

static int series_alloc(gk_threshold_series *s, size_t n)
{
  s->n = s->n_total = n;
  s->range_lo = -INFINITY;
  s->range_hi = INFINITY;
  s->pump = calloc(n, sizeof *s->pump);
  s->intensity = calloc(n, sizeof *s->intensity);
  s->peak_nm = calloc(n, sizeof *s->peak_nm);
  s->peak = calloc(n, sizeof *s->peak);
  s->fwhm = calloc(n, sizeof *s->fwhm);
  s->flags = calloc(n, sizeof *s->flags);
  s->line = calloc(n, sizeof *s->line);
  s->baseline = calloc(n, sizeof *s->baseline);
  return s->baseline && s->pump && s->intensity && s->peak_nm && s->peak && s->fwhm && s->flags && s->line ? 0 : -1;
}

/* Order of the pumps (indices), so that tables and plots run low to high. */
static const double *sort_key;
static int cmp_idx(const void *a, const void *b)
{
  double u = sort_key[*(const size_t *)a], v = sort_key[*(const size_t *)b];
  return (u > v) - (u < v);
}
static size_t *pump_order(const double *pump, size_t n)
{
  size_t *ix = malloc((n ? n : 1) * sizeof *ix);
  if (!ix) return NULL;
  for (size_t i = 0; i < n; i++) ix[i] = i;
  sort_key = pump;
  qsort(ix, n, sizeof *ix, cmp_idx);
  return ix;
}

int gk_threshold_check_pump_unit(const char *path, long line, const char *unit, gk_error *e)
{
  static const char *const arbitrary[] = {"a.u.", "a.u", "au", "arb. units", "arb.u.", "arb"};
  static const char *const kinds[] = {"fluence", "intensity", "energy", "power", "current density"};
  if (!unit || !unit[0]) return GK_OK;
  for (size_t i = 0; i < sizeof arbitrary / sizeof *arbitrary; i++)
    if (strcmp(unit, arbitrary[i]) == 0) return GK_OK;
  gk_unit_info u;
  gk_error ue;
  if (gk_unit_describe(unit, &u, &ue) != GK_OK) return gk_error_set(e, GK_EINPUT, path, line, "pump unit: %s", ue.msg);
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(u.dimension, kinds[i]) == 0) return GK_OK;
  return gk_error_set(e, GK_EINPUT, path, line,
                      "pump unit '%s' is %s %s; expected a fluence, intensity, energy, power "
                      "or current density (or a.u.)",
                      unit, strchr("aeiou", u.dimension[0]) ? "an" : "a", u.dimension);
}

int gk_threshold_prepare_table(const gk_table *t, gk_threshold_series *s, gk_error *e)
{
  memset(s, 0, sizeof *s);
  const char *path = t->path ? t->path : "";
  if (t->ncols < 2 || t->ncols > 3)
    return gk_error_set(e, GK_EINPUT, path, t->has_header ? t->header_line : t->line[0],
                        "%zu column(s); expected pump, intensity and optionally FWHM (nm)", t->ncols);
  int rc = gk_threshold_check_pump_unit(path, t->header_line, t->unit[0], e);
  if (rc) return rc;
  if (series_alloc(s, t->nrows)) {
    gk_threshold_series_free(s);
    return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  }
  s->has_fwhm = t->ncols == 3;
  snprintf(s->pump_unit, sizeof s->pump_unit, "%s", t->unit[0]);
  if (t->unit[1][0]) snprintf(s->int_label, sizeof s->int_label, "intensity (%s)", t->unit[1]);
  else snprintf(s->int_label, sizeof s->int_label, "intensity (a.u.)");
  double *col0 = malloc((t->nrows ? t->nrows : 1) * sizeof *col0);
  if (!col0) { gk_threshold_series_free(s); return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory"); }
  for (size_t r = 0; r < t->nrows; r++) col0[r] = t->v[r * t->ncols];
  size_t *ix = pump_order(col0, t->nrows);
  free(col0);
  if (!ix) { gk_threshold_series_free(s); return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory"); }
  for (size_t k = 0; k < t->nrows && !rc; k++) {
    size_t r = ix[k];
    const double *row = t->v + r * t->ncols;
    s->pump[k] = row[0];
    s->intensity[k] = row[1];
    s->fwhm[k] = s->has_fwhm ? row[2] : NAN;
    s->peak_nm[k] = s->peak[k] = NAN;
    s->line[k] = t->line[r];
    if (!(row[0] > 0)) rc = gk_error_set(e, GK_EINPUT, path, t->line[r], "pump %g is not positive", row[0]);
    else if (s->has_fwhm && !(row[2] > 0))
      rc = gk_error_set(e, GK_EINPUT, path, t->line[r], "FWHM %g nm is not positive", row[2]);
  }
  free(ix);
  if (rc) gk_threshold_series_free(s);
  return rc;
}

int gk_threshold_prepare_matrix(const gk_matrix *m, const gk_spectrum_options *so, gk_threshold_series *s,
                                gk_error *e)
{
  memset(s, 0, sizeof *s);
  const char *path = m->path ? m->path : "";
  size_t nr = m->nrow, nc = m->ncol;
  int rev = nr > 1 && m->row[1] < m->row[0];
  /* the corner cell's line is not recorded by the reader: name the file */
  int rc = gk_threshold_check_pump_unit(path, 0, m->col_unit_in, e);
  if (rc) return rc;
  s->spectra = 1;
  s->has_fwhm = 1;
  s->nwl = nr;
  snprintf(s->pump_unit, sizeof s->pump_unit, "%s", m->col_unit_in[0] ? m->col_unit_in : m->col_unit);
  snprintf(s->int_label, sizeof s->int_label, "integrated intensity (a.u.)");
  s->wl = malloc((nr ? nr : 1) * sizeof *s->wl);
  s->norm = malloc((nr && nc ? nr * nc : 1) * sizeof *s->norm);
  double *y = malloc((nr ? nr : 1) * sizeof *y);
  size_t *ix = pump_order(m->col, nc);
  if (series_alloc(s, nc) || !s->wl || !s->norm || !y || !ix) {
    rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < nr; i++) s->wl[i] = m->row[rev ? nr - 1 - i : i];
  for (size_t k = 0; k < nc && rc == GK_OK; k++) {
    size_t j = ix[k];
    if (!(m->col[j] > 0)) {
      rc = gk_error_set(e, GK_EINPUT, path, 0, "pump %g (column %zu) is not positive", m->col[j], j + 2);
      break;
    }
    for (size_t i = 0; i < nr; i++) y[i] = m->z[(rev ? nr - 1 - i : i) * nc + j];
    gk_spectrum_stats st;
    rc = gk_spectrum_analyse(s->wl, y, nr, so, &st, e);
    if (rc) {
      if (!e->option[0] && !e->file[0]) {
        char msg[sizeof e->msg];
        memcpy(msg, e->msg, sizeof msg);
        gk_error_set(e, rc, path, 0, "spectrum at pump %g %s: %.400s", m->col[j], s->pump_unit, msg);
      }
      break;
    }
    s->pump[k] = m->col[j];
    s->intensity[k] = st.integrated;
    s->peak_nm[k] = st.peak_nm;
    s->peak[k] = st.peak;
    s->fwhm[k] = st.fwhm_nm;
    s->flags[k] = st.fwhm_flags;
    s->baseline[k] = st.baseline;
    /* normalised (baseline removed, peak = 1) for the colour map */
    for (size_t i = 0; i < nr; i++) s->norm[k * nr + i] = st.peak > 0 ? (y[i] - st.baseline) / st.peak : NAN;
  }
out:
  free(y);
  free(ix);
  if (rc) gk_threshold_series_free(s);
  return rc;
}

void gk_threshold_series_restrict(gk_threshold_series *s, double lo, double hi)
{
  s->range_lo = lo;
  s->range_hi = hi;
  s->n_total = s->n;
  size_t m = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (!(s->pump[i] >= lo && s->pump[i] <= hi)) continue;
    s->pump[m] = s->pump[i];
    s->intensity[m] = s->intensity[i];
    s->peak_nm[m] = s->peak_nm[i];
    s->peak[m] = s->peak[i];
    s->fwhm[m] = s->fwhm[i];
    s->flags[m] = s->flags[i];
    s->line[m] = s->line[i];
    s->baseline[m] = s->baseline[i];
    if (s->norm && m != i) memmove(s->norm + m * s->nwl, s->norm + i * s->nwl, s->nwl * sizeof *s->norm);
    m++;
  }
  s->n_out = s->n - m;
  s->n = m;
}
