/* Matrix files: spectra (rows, one per wavelength) versus a column
 * parameter (pump fluence, stripe length, ...) named in the first row. */
#include "io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void gk_matrix_free(gk_matrix *m)
{
  if (!m) return;
  free(m->path);
  free(m->row);
  free(m->col);
  free(m->z);
  free(m->line);
  gk_io_meta_free(&m->meta);
  memset(m, 0, sizeof *m);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A single corner label names the rows when it reads like a wavelength. */
int gk_io_is_wavelength_label(const char *name)
{
  static const char *const w[] = {"wavelength", "lambda", "\xce\xbb", "wl", "wavelengths"};
  for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
    if (!strcasecmp(name, w[i])) return 1;
  return 0;
}

/* Split the corner cell into row and column labels (name + unit each). */
static void split_corner(const char *corner, char *rname, char *runit, char *cname, char *cunit)
{
  rname[0] = runit[0] = cname[0] = cunit[0] = '\0';
  const char *bs = strchr(corner, '\\');
  if (bs) {
    char left[128];
    size_t n = (size_t)(bs - corner);
    if (n >= sizeof left) n = sizeof left - 1;
    memcpy(left, corner, n);
    left[n] = '\0';
    gk_header_split(left, rname, 64, runit, 32);
    gk_header_split(bs + 1, cname, 64, cunit, 32);
    return;
  }
  char name[64], unit[32];
  gk_header_split(corner, name, sizeof name, unit, sizeof unit);
  if (gk_io_is_wavelength_label(name)) {
    strcpy(rname, name);
    strcpy(runit, unit);
  } else {
    strcpy(cname, name);
    strcpy(cunit, unit);
  }
}

int gk_matrix_read(const char *path, const gk_matrix_options *opt, gk_matrix *m, gk_error *err)
{
  static const gk_matrix_options defaults = {.col_kind = GK_XKIND_PLAIN};
  if (!opt) opt = &defaults;
  memset(m, 0, sizeof *m);
  gk_read_options ro = opt->read;
  size_t min_rows = opt->min_rows ? opt->min_rows : 2;
  size_t min_cols = opt->min_cols ? opt->min_cols : 1;
  if (ro.min_rows < min_rows) ro.min_rows = min_rows;
  gk_table t;
  int rc = gk_io_table_read(path, &ro, 1, &t, err);
  if (rc != GK_OK) return rc;
  long hl = t.header_line;
  if (t.ncols < 1 + min_cols) {
    rc = gk_error_set(err, GK_EINPUT, path, hl,
                      "%zu column(s) of spectra; at least %zu needed (first row: label, then "
                      "one parameter per column)",
                      t.ncols - 1, min_cols);
    goto fail;
  }
  m->path = t.path;
  t.path = NULL;
  m->delim = t.delim;
  gk_io_meta_move(&m->meta, &t.meta);
  m->nrow = t.nrows;
  m->ncol = t.ncols - 1;
  snprintf(m->corner, sizeof m->corner, "%s", t.raw[0]);
  char runit[32], cunit[32];
  split_corner(t.raw[0], m->row_name, runit, m->col_name, cunit);

  char rout[32];
  rc = gk_io_coord_unit(GK_XKIND_WAVELENGTH, opt->row_unit_override, runit, "nm", path, hl,
                        "corner cell, wavelength unit", m->row_unit_in, sizeof m->row_unit_in,
                        rout, sizeof rout, &m->row_factor, err);
  if (rc != GK_OK) goto fail;
  rc = gk_io_coord_unit(opt->col_kind, opt->col_unit_override, cunit, opt->col_unit_default, path,
                        hl, "corner cell, column unit", m->col_unit_in, sizeof m->col_unit_in,
                        m->col_unit, sizeof m->col_unit, &m->col_factor, err);
  if (rc != GK_OK) goto fail;

  m->row = malloc(m->nrow * sizeof *m->row);
  m->col = malloc(m->ncol * sizeof *m->col);
  m->z = malloc(m->nrow * m->ncol * sizeof *m->z);
  m->line = malloc(m->nrow * sizeof *m->line);
  if (!m->row || !m->col || !m->z || !m->line) {
    rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
    goto fail;
  }
  for (size_t j = 0; j < m->ncol; j++) {
    gk_error e;
    gk_error_clear(&e);
    double v;
    if (gk_parse_number(t.raw[j + 1], &v, &e) != GK_OK) {
      rc = gk_error_set(err, GK_EINPUT, path, hl, "column %zu: column parameter %s", j + 2, e.msg);
      goto fail;
    }
    for (size_t k = 0; k < j; k++)
      if (m->col[k] == v * m->col_factor) {
        rc = gk_error_set(err, GK_EINPUT, path, hl,
                          "column parameter %g appears twice (columns %zu and %zu)", v, k + 2, j + 2);
        goto fail;
      }
    m->col[j] = v * m->col_factor;
  }
  int dir = 0;
  for (size_t i = 0; i < m->nrow; i++) {
    double w = t.v[i * t.ncols];
    m->row[i] = w * m->row_factor;
    m->line[i] = t.line[i];
    memcpy(m->z + i * m->ncol, t.v + i * t.ncols + 1, m->ncol * sizeof *m->z);
    if (!(w > 0)) {
      rc = gk_error_set(err, GK_EINPUT, path, t.line[i], "wavelength %g %s is not positive", w,
                        m->row_unit_in);
      goto fail;
    }
    if (i == 0) continue;
    double prev = t.v[(i - 1) * t.ncols];
    int d = w > prev ? 1 : w < prev ? -1 : 0;
    if (d == 0) {
      rc = gk_error_set(err, GK_EINPUT, path, t.line[i], "duplicate wavelength %g %s (also on line %ld)",
                        w, m->row_unit_in, t.line[i - 1]);
      goto fail;
    }
    if (opt->require_increasing_rows && dir && d != dir) {
      rc = gk_error_set(err, GK_EINPUT, path, t.line[i],
                        "wavelength %g %s breaks the %s order (line %ld has %g); wavelengths must be "
                        "monotonic",
                        w, m->row_unit_in, dir > 0 ? "increasing" : "decreasing", t.line[i - 1], prev);
      goto fail;
    }
    dir = d;
  }
  /* duplicates that are not adjacent (unsorted wavelengths): check sorted */
  if (!opt->require_increasing_rows) {
    double *s = malloc(m->nrow * sizeof *s);
    if (!s) { rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); goto fail; }
    for (size_t i = 0; i < m->nrow; i++) s[i] = m->row[i];
    qsort(s, m->nrow, sizeof *s, cmp_double);
    for (size_t i = 1; i < m->nrow; i++)
      if (s[i] == s[i - 1]) {
        long first = 0, second = 0;
        for (size_t k = 0; k < m->nrow; k++)
          if (m->row[k] == s[i]) { if (!first) first = m->line[k]; else if (!second) second = m->line[k]; }
        double w = s[i] / m->row_factor;
        free(s);
        rc = gk_error_set(err, GK_EINPUT, path, second, "duplicate wavelength %g %s (also on line %ld)",
                          w, m->row_unit_in, first);
        goto fail;
      }
    free(s);
  }
  gk_table_free(&t);
  return GK_OK;
fail:
  gk_table_free(&t);
  gk_matrix_free(m);
  return rc;
}
