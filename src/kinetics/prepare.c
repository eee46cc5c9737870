/* Input preparation for kinetics: a table (time column, trace columns)
 * into gk_kin_data, with the unit of the time axis, the choice of traces,
 * counting-statistics weights and the checks of the data. See
 * gainkit/kinetics.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/kinetics.h"
#include "gainkit/units.h"

void gk_kin_prepared_free(gk_kin_prepared *p)
{
  if (!p) return;
  free(p->t);
  free(p->y);
  free(p->sigma);
  gk_notes_free(&p->notes);
  memset(p, 0, sizeof *p);
}

int gk_kin_prepare(const gk_table *t, const gk_kin_prepare_options *o, gk_kin_prepared *out, gk_error *err)
{
  memset(out, 0, sizeof *out);
  gk_kin_prepare_options def = {0};
  if (!o) o = &def;
  const char *path = t && t->path ? t->path : "";
  if (!t || !t->nrows) return gk_error_set(err, GK_EINPUT, path, 0, "no data rows");
  if (t->ncols < 2)
    return gk_error_set(err, GK_EINPUT, path, t->line[0], "need a time column and at least one trace column");
  size_t trace = o->trace ? o->trace : 1;
  out->ntrace_in_file = t->ncols - 1;
  if (!o->global && trace >= t->ncols)
    return gk_error_option(err, "trace", "%s has %zu trace column(s)", path, t->ncols - 1);
  /* the time unit: the header's, else the option's */
  const char *unit = t->unit && t->unit[0] && t->unit[0][0] ? t->unit[0] : NULL;
  long hline = t->header_line ? t->header_line : t->line[0];
  out->unit_from_header = unit != NULL;
  if (!unit) {
    unit = o->time_unit && *o->time_unit ? o->time_unit : "s";
    if (gk_unit_factor(unit, "s", &out->time_factor, NULL) != GK_OK)
      return gk_error_option(err, "time_unit", "'%s' is not a time unit", unit);
  } else if (gk_unit_factor(unit, "s", &out->time_factor, NULL) != GK_OK) {
    return gk_error_set(err, GK_EINPUT, path, hline, "time unit '%s' is not a time", unit);
  }
  snprintf(out->time_unit, sizeof out->time_unit, "%s", unit);
  const size_t n = t->nrows, K = o->global ? t->ncols - 1 : 1;
  out->first_trace = o->global ? 1 : trace;
  out->t = malloc(n * sizeof *out->t);
  out->y = malloc(K * n * sizeof *out->y);
  if (o->poisson) out->sigma = malloc(K * n * sizeof *out->sigma);
  if (!out->t || !out->y || (o->poisson && !out->sigma)) {
    gk_kin_prepared_free(out);
    return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    out->t[i] = t->v[i * t->ncols] * out->time_factor;
    if (i && !(out->t[i] > out->t[i - 1])) {
      int rc = gk_error_set(err, GK_EINPUT, path, t->line[i], "times must increase (%g after %g)", t->v[i * t->ncols],
                            t->v[(i - 1) * t->ncols]);
      gk_kin_prepared_free(out);
      return rc;
    }
    for (size_t k = 0; k < K; k++) {
      double v = t->v[i * t->ncols + out->first_trace + k];
      if (!isfinite(v)) {
        int rc = gk_error_set(err, GK_EINPUT, path, t->line[i], "trace value is not finite");
        gk_kin_prepared_free(out);
        return rc;
      }
      out->y[k * n + i] = v;
      if (out->sigma) out->sigma[k * n + i] = sqrt(fabs(v) > 1 ? fabs(v) : 1);
    }
  }
  gk_plausible_column(GK_PLAUS_TIME, out->t, n, 1, unit, path, t->line[0],
                      t->name && t->name[0] ? t->name[0] : "", &out->notes);
  out->d = (gk_kin_data){n, out->t, K, out->y, out->sigma};
  return GK_OK;
}

int gk_kin_irf_read(const char *path, const char *time_unit, gk_kin_prepared *out, gk_error *err)
{
  memset(out, 0, sizeof *out);
  gk_read_options ro = {0};
  ro.min_rows = 3;
  gk_table t;
  if (gk_table_read(path, &ro, &t, err) != GK_OK) return err && err->code ? err->code : GK_EINPUT;
  long line = t.has_header ? t.header_line : t.line[0];
  int rc = GK_OK;
  char name[64], unit[64] = "";
  if (t.has_header) gk_header_split(t.raw[0], name, sizeof name, unit, sizeof unit);
  if (t.ncols != 2)
    rc = gk_error_set(err, GK_EINPUT, path, line, "%zu columns: an IRF file has two (time, response)", t.ncols);
  else if (!unit[0] && !(time_unit && *time_unit))
    rc = gk_error_set(err, GK_EINPUT, path, line, "no time unit: name it in the header (\"t (ps)\") or give the time unit");
  if (rc == GK_OK) {
    double f;
    if (!unit[0] && gk_unit_factor(time_unit, "s", &f, NULL) != GK_OK)
      rc = gk_error_option(err, "time_unit", "'%s' is not a time unit", time_unit);
  }
  for (size_t i = 1; i < t.nrows && rc == GK_OK; i++)
    if (!(t.v[i * 2] > t.v[(i - 1) * 2])) rc = gk_error_set(err, GK_EINPUT, path, t.line[i], "IRF times must increase");
  if (rc == GK_OK) {
    gk_kin_prepare_options po = {.time_unit = time_unit, .trace = 1};
    rc = gk_kin_prepare(&t, &po, out, err);
  }
  if (rc == GK_OK) {
    double area = 0;
    for (size_t i = 1; i < out->d.n; i++) area += 0.5 * (out->y[i] + out->y[i - 1]) * (out->t[i] - out->t[i - 1]);
    if (!(area > 0)) rc = gk_error_set(err, GK_EINPUT, path, t.line[0], "the IRF has no positive area");
  }
  gk_table_free(&t);
  return rc;
}
