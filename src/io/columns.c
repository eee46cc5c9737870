/* Column files: x, y and an optional sigma, with x converted to internal
 * units once, here, and checked for the properties a model needs. */
#include "io_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gk_io_coord_unit(gk_xkind kind, const char *override, const char *header_unit,
                     const char *def, const char *path, long header_line, const char *what,
                     char *unit_in, size_t in_size, char *unit_out, size_t out_size,
                     double *factor, gk_error *err)
{
  const char *u = override && *override ? override
                  : header_unit && *header_unit ? header_unit
                  : def ? def : "";
  snprintf(unit_in, in_size, "%s", u);
  *factor = 1;
  if (kind == GK_XKIND_PLAIN) {
    snprintf(unit_out, out_size, "%s", u);
    return GK_OK;
  }
  const char *base = kind == GK_XKIND_LENGTH ? "cm" : "nm";
  if (!*u) u = base;
  snprintf(unit_in, in_size, "%s", u);
  snprintf(unit_out, out_size, "%s", base);
  gk_error e;
  gk_error_clear(&e);
  if (gk_unit_factor(u, base, factor, &e) == GK_OK) return GK_OK;
  if (override && *override)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "unit '%s': %s", override, e.msg);
  if (header_unit && *header_unit)
    return gk_error_set(err, GK_EINPUT, path, header_line, "%s: %s", what, e.msg);
  return gk_error_set(err, GK_EINTERNAL, NULL, 0, "default unit: %s", e.msg);
}

void gk_columns_free(gk_columns *c)
{
  if (!c) return;
  free(c->path);
  free(c->x);
  free(c->y);
  free(c->sigma);
  free(c->line);
  gk_io_meta_free(&c->meta);
  memset(c, 0, sizeof *c);
}

typedef struct xi { double x; size_t i; } xi;

static int cmp_xi(const void *a, const void *b)
{
  const xi *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return p->i < q->i ? -1 : p->i > q->i;  /* stable: file order among equals */
}

/* Sort by x (when allowed) and find duplicates in one O(n log n) pass. */
static int sort_and_check(gk_columns *c, int reorder, const char *xu, double xf, gk_error *err)
{
  xi *k = malloc(c->n * sizeof *k);
  if (!k) return gk_error_set(err, GK_ENOMEM, c->path, 0, "out of memory");
  for (size_t i = 0; i < c->n; i++) k[i] = (xi){c->x[i], i};
  qsort(k, c->n, sizeof *k, cmp_xi);
  for (size_t i = 1; i < c->n; i++)
    if (k[i].x == k[i - 1].x) {
      long l = c->line[k[i].i], l0 = c->line[k[i - 1].i];
      double xv = k[i].x / xf;  /* as written in the file */
      free(k);
      return gk_error_set(err, GK_EINPUT, c->path, l > l0 ? l : l0,
                          "duplicate x = %g%s%s (also on line %ld)", xv, *xu ? " " : "", xu,
                          l > l0 ? l0 : l);
    }
  if (reorder) {
    double *nx = malloc(c->n * sizeof *nx), *ny = malloc(c->n * sizeof *ny);
    double *ns = c->sigma ? malloc(c->n * sizeof *ns) : NULL;
    long *nl = malloc(c->n * sizeof *nl);
    if (!nx || !ny || !nl || (c->sigma && !ns)) {
      free(nx); free(ny); free(ns); free(nl); free(k);
      return gk_error_set(err, GK_ENOMEM, c->path, 0, "out of memory");
    }
    for (size_t i = 0; i < c->n; i++) {
      nx[i] = c->x[k[i].i];
      ny[i] = c->y[k[i].i];
      if (ns) ns[i] = c->sigma[k[i].i];
      nl[i] = c->line[k[i].i];
    }
    free(c->x); free(c->y); free(c->sigma); free(c->line);
    c->x = nx; c->y = ny; c->sigma = ns; c->line = nl;
  }
  free(k);
  return GK_OK;
}

/* Sort by x, then average runs of equal x (gk_columns_options.sort_and_average). */
static int sort_average(gk_columns *c, gk_error *err)
{
  int sorted = 1;
  for (size_t i = 1; i < c->n; i++)
    if (!(c->x[i] > c->x[i - 1])) sorted = 0;
  if (sorted) return GK_OK;
  int decreasing = 1;
  for (size_t i = 1; i < c->n; i++)
    if (!(c->x[i] < c->x[i - 1])) decreasing = 0;
  xi *k = malloc(c->n * sizeof *k);
  double *nx = malloc(c->n * sizeof *nx), *ny = malloc(c->n * sizeof *ny);
  double *ns = c->sigma ? malloc(c->n * sizeof *ns) : NULL;
  long *nl = malloc(c->n * sizeof *nl);
  if (!k || !nx || !ny || !nl || (c->sigma && !ns)) {
    free(k); free(nx); free(ny); free(ns); free(nl);
    return gk_error_set(err, GK_ENOMEM, c->path, 0, "out of memory");
  }
  for (size_t i = 0; i < c->n; i++) k[i] = (xi){c->x[i], i};
  qsort(k, c->n, sizeof *k, cmp_xi);
  size_t m = 0, repeated = 0;
  for (size_t i = 0; i < c->n;) {
    size_t e = i;
    double sy = 0, ss = 0;
    while (e < c->n && k[e].x == k[i].x) {
      sy += c->y[k[e].i];
      if (c->sigma) ss += c->sigma[k[e].i] * c->sigma[k[e].i];
      e++;
    }
    double cnt = (double)(e - i);
    nx[m] = k[i].x;
    ny[m] = sy / cnt;
    if (ns) ns[m] = sqrt(ss) / cnt;
    nl[m] = c->line[k[i].i];
    if (e - i > 1) repeated += e - i - 1;
    m++;
    i = e;
  }
  free(c->x); free(c->y); free(c->sigma); free(c->line);
  c->x = nx; c->y = ny; c->sigma = ns; c->line = nl;
  if (repeated)
    snprintf(c->note, sizeof c->note,
             "x sorted increasing; %zu repeated value%s averaged (%zu distinct x from %zu rows)",
             repeated, repeated == 1 ? "" : "s", m, c->n);
  else
    snprintf(c->note, sizeof c->note, "x %s; sorted increasing",
             decreasing ? "decreases in the file" : "is not in order in the file");
  c->n = m;
  free(k);
  return GK_OK;
}

int gk_columns_read(const char *path, const gk_columns_options *opt, gk_columns *c, gk_error *err)
{
  static const gk_columns_options defaults = {.reject_duplicate_x = 1};
  if (!opt) opt = &defaults;
  memset(c, 0, sizeof *c);
  gk_read_options ro = opt->read;
  size_t min_points = opt->min_points ? opt->min_points : 2;
  if (ro.min_rows < min_points) ro.min_rows = min_points;
  gk_table t;
  int rc = gk_io_table_read(path, &ro, 0, &t, err);
  if (rc != GK_OK) return rc;
  if (t.ncols != 2 && t.ncols != 3) {
    rc = gk_error_set(err, GK_EINPUT, path, t.line[0],
                      "%zu columns; expected 2 or 3 (x, y and optionally sigma)", t.ncols);
    goto fail;
  }
  c->n = t.nrows;
  c->path = t.path;
  t.path = NULL;
  gk_io_meta_move(&c->meta, &t.meta);
  snprintf(c->x_name, sizeof c->x_name, "%s", t.has_header && *t.name[0] ? t.name[0] : "x");
  snprintf(c->y_name, sizeof c->y_name, "%s", t.has_header && *t.name[1] ? t.name[1] : "y");
  snprintf(c->y_unit, sizeof c->y_unit, "%s", t.unit[1]);
  char what[96];
  snprintf(what, sizeof what, "column 1 (%s)", c->x_name);
  rc = gk_io_coord_unit(opt->xkind, opt->x_unit_override, t.unit[0], opt->x_unit_default, path,
                        t.header_line, what, c->x_unit_in, sizeof c->x_unit_in, c->x_unit,
                        sizeof c->x_unit, &c->x_factor, err);
  if (rc != GK_OK) goto fail;
  c->x = malloc(c->n * sizeof *c->x);
  c->y = malloc(c->n * sizeof *c->y);
  c->line = malloc(c->n * sizeof *c->line);
  if (t.ncols == 3) c->sigma = malloc(c->n * sizeof *c->sigma);
  if (!c->x || !c->y || !c->line || (t.ncols == 3 && !c->sigma)) {
    rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
    goto fail;
  }
  const char *xu = c->x_unit_in;
  const char *sp = *xu ? " " : "";
  for (size_t i = 0; i < c->n; i++) {
    double xf = t.v[i * t.ncols];
    c->x[i] = xf * c->x_factor;
    c->y[i] = t.v[i * t.ncols + 1];
    c->line[i] = t.line[i];
    if (c->sigma) {
      c->sigma[i] = t.v[i * t.ncols + 2];
      if (opt->require_positive_sigma && !(c->sigma[i] > 0)) {
        rc = gk_error_set(err, GK_EINPUT, path, t.line[i],
                          "column 3 (sigma): %g is not positive; uncertainties must be > 0",
                          c->sigma[i]);
        goto fail;
      }
    }
    if (opt->require_positive_x && !(xf > 0)) {
      rc = gk_error_set(err, GK_EINPUT, path, t.line[i], "x = %g%s%s is not positive", xf, sp, xu);
      goto fail;
    }
    if (opt->require_increasing && !opt->allow_unsorted && !opt->sort_and_average && i > 0 &&
        !(c->x[i] > c->x[i - 1])) {
      double prev = t.v[(i - 1) * t.ncols];
      if (xf == prev)
        rc = gk_error_set(err, GK_EINPUT, path, t.line[i], "duplicate x = %g%s%s (also on line %ld)",
                          xf, sp, xu, t.line[i - 1]);
      else
        rc = gk_error_set(err, GK_EINPUT, path, t.line[i],
                          "x = %g%s%s is not greater than %g on line %ld; x must increase", xf,
                          sp, xu, prev, t.line[i - 1]);
      goto fail;
    }
  }
  if (opt->sort_and_average) {
    rc = sort_average(c, err);
    if (rc != GK_OK) goto fail;
  } else if (opt->reject_duplicate_x || opt->allow_unsorted) {
    rc = sort_and_check(c, opt->allow_unsorted, xu, c->x_factor, err);
    if (rc != GK_OK) goto fail;
  }
  gk_table_free(&t);
  return GK_OK;
fail:
  gk_table_free(&t);
  gk_columns_free(c);
  return rc;
}
