/* The threshold trend's inputs (gainkit/fluence.h): the control parameter
 * from file names, the threshold of every series, the straight line. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fluence.h"
#include "gainkit/threshold.h"

static const char *base(const char *path)
{
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : path ? path : "";
}

double gk_trend_value_from_name(const char *path, char *unit, size_t usz)
{
  const char *b = base(path), *dot = strrchr(b, '.');
  size_t len = dot ? (size_t)(dot - b) : strlen(b);
  double v = NAN;
  unit[0] = 0;
  for (size_t i = 0; i < len; i++) {
    if (!isdigit((unsigned char)b[i]) || (i && (isdigit((unsigned char)b[i - 1]) || b[i - 1] == '.'))) continue;
    size_t st = i;
    if (i && b[i - 1] == '-' && (i == 1 || !isalnum((unsigned char)b[i - 2]))) st = i - 1;
    char *end;
    v = strtod(b + st, &end);
    size_t k = 0;
    while (end < b + len && isalpha((unsigned char)*end) && k + 1 < usz) unit[k++] = *end++;
    unit[k] = 0;
    i = (size_t)(end - b);
  }
  return v;
}

int gk_trend_values_from_names(const char *const *files, size_t n, double *x, char *unit, size_t usz, gk_error *e)
{
  unit[0] = 0;
  for (size_t i = 0; i < n; i++) {
    char u[32];
    x[i] = gk_trend_value_from_name(files[i], u, sizeof u);
    if (isnan(x[i]))
      return gk_error_option(e, "", "no number in the name '%s' (e.g. series-20V.csv): give `values`", base(files[i]));
    if (i == 0) snprintf(unit, usz, "%s", u);
    else if (strcmp(unit, u)) unit[0] = 0;
  }
  return GK_OK;
}

static int cmp_row(const void *a, const void *b)
{
  double u = ((const gk_trend_row *)a)->x, w = ((const gk_trend_row *)b)->x;
  return (u > w) - (u < w);
}

/* the threshold of series i into r (ENOCONV: not determined, noted) */
static int one_series(const char *file, int lines, gk_trend_series *t, size_t i, gk_error *e)
{
  gk_trend_row *r = &t->row[i];
  gk_columns col;
  gk_columns_options co = {.allow_unsorted = 1, .reject_duplicate_x = 1, .require_positive_x = 1,
                           .min_points = GK_THRESHOLD_MIN_POINTS};
  int rc = gk_columns_read(file, &co, &col, e);
  if (rc != GK_OK) return rc;
  if (i == 0) snprintf(t->pump_unit, sizeof t->pump_unit, "%s", col.x_unit_in);
  else if (strcmp(t->pump_unit, col.x_unit_in)) {
    rc = gk_error_set(e, GK_EINPUT, file, 0, "pump unit '%s' differs from '%s' in %s", col.x_unit_in, t->pump_unit,
                      base(t->row[0].file));
    gk_columns_free(&col);
    return rc;
  }
  if (lines) {
    gk_threshold_lines l;
    rc = gk_threshold_lines_fit(col.x, col.y, col.n, &l, e);
    if (rc == GK_OK) r->th = l.value, r->se = NAN, r->ok = 1;
  } else {
    gk_threshold_kink k;
    rc = gk_threshold_kink_fit(col.x, col.y, col.n, &k, e);
    if (rc == GK_OK) r->th = k.value, r->se = k.stderr_, r->ok = k.converged && k.cov_ok;
  }
  gk_columns_free(&col);
  if (rc == GK_ENOCONV) {
    r->ok = 0, r->th = NAN, r->se = NAN;
    gk_error_clear(e);
  } else if (rc) {
    if (!e->file[0]) snprintf(e->file, sizeof e->file, "%s", file);
    return rc;
  }
  if (!r->ok) gk_notes_add(&t->notes, "%s: no threshold determined (no break in the series); left out of the trend", base(file));
  return GK_OK;
}

int gk_trend_run(const char *const *files, const double *values, size_t n, int lines, gk_trend_series *t, gk_error *e)
{
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      if (values[i] == values[j])
        return gk_error_option(e, "", "'%s' and '%s' have the same parameter value %g", base(files[j]), base(files[i]),
                               values[i]);
  t->row = calloc(n ? n : 1, sizeof *t->row);
  t->x = malloc(3 * (n ? n : 1) * sizeof *t->x);
  if (!t->row || !t->x) return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  t->n = n;
  for (size_t i = 0; i < n; i++) t->row[i].x = values[i], t->row[i].file = files[i];
  for (size_t i = 0; i < n; i++) {
    int rc = one_series(files[i], lines, t, i, e);
    if (rc) return rc;
  }
  qsort(t->row, n, sizeof *t->row, cmp_row);
  t->y = t->x + n, t->se = t->y + n;
  for (size_t i = 0; i < n; i++)
    if (t->row[i].ok) t->x[t->m] = t->row[i].x, t->y[t->m] = t->row[i].th, t->se[t->m] = t->row[i].se, t->m++;
  gk_error et;
  gk_error_clear(&et);
  t->trend_ok = gk_trend_linear(t->x, t->y, lines ? NULL : t->se, t->m, &t->trend, &et) == GK_OK;
  snprintf(t->trend_reason, sizeof t->trend_reason, "%s", t->trend_ok ? "" : et.msg);
  return GK_OK;
}

void gk_trend_series_free(gk_trend_series *t)
{
  if (!t) return;
  free(t->row);
  free(t->x);
  gk_notes_free(&t->notes);
  memset(t, 0, sizeof *t);
}
