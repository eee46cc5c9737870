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

/* Strictly monotonic and inside 200-3000 nm (values times f). */
static int wl_axis(const double *v, size_t n, size_t stride, double f)
{
  if (n < 3) return 0;
  int dir = 0;
  for (size_t i = 0; i < n; i++) {
    double x = v[i * stride] * f;
    if (!(x >= 200 && x <= 3000)) return 0;
    if (i) {
      double p = v[(i - 1) * stride] * f;
      int d = x > p ? 1 : x < p ? -1 : 0;
      if (!d || (dir && d != dir)) return 0;
      dir = d;
    }
  }
  return 1;
}

static double unit_nm(const char *u)
{
  double f = 1;
  if (*u && gk_unit_factor(u, "nm", &f, NULL) != GK_OK) f = 1;
  return f;
}

/* Turn t around in place: the first row's numbers become the first column. */
static int transpose_table(gk_table *t, const double *hv, gk_error *err)
{
  size_t nr = t->ncols - 1, nc = t->nrows + 1;
  double *v = malloc(nr * nc * sizeof *v);
  long *line = malloc(nr * sizeof *line);
  char **raw = calloc(nc, sizeof *raw), **name = calloc(nc, sizeof *name), **unit = calloc(nc, sizeof *unit);
  if (!v || !line || !raw || !name || !unit) goto nomem;
  for (size_t i = 0; i < nr; i++) {
    v[i * nc] = hv[i];
    for (size_t j = 0; j < t->nrows; j++) v[i * nc + 1 + j] = t->v[j * t->ncols + 1 + i];
    line[i] = t->header_line;
  }
  for (size_t c = 0; c < nc; c++) {
    char buf[40];
    if (c) snprintf(buf, sizeof buf, "%.17g", t->v[(c - 1) * t->ncols]);
    raw[c] = strdup(c ? buf : t->raw[0]);
    name[c] = calloc(64, 1);
    unit[c] = calloc(32, 1);
    if (!raw[c] || !name[c] || !unit[c]) goto nomem;
  }
  for (size_t c = 0; c < t->ncols; c++) { free(t->raw[c]); free(t->name[c]); free(t->unit[c]); }
  free(t->raw); free(t->name); free(t->unit); free(t->v); free(t->line);
  t->raw = raw; t->name = name; t->unit = unit; t->v = v; t->line = line;
  t->nrows = nr;
  t->ncols = nc;
  return GK_OK;
nomem:
  free(v); free(line);
  for (size_t c = 0; c < nc; c++) {
    if (raw) free(raw[c]);
    if (name) free(name[c]);
    if (unit) free(unit[c]);
  }
  free(raw); free(name); free(unit);
  return gk_error_set(err, GK_ENOMEM, t->path, 0, "out of memory");
}

/* Orientation of the file (see gk_matrix_orientation in gainkit/data.h). */
static int orient(const char *path, const gk_matrix_options *opt, gk_table *t, gk_matrix *m,
                  int *swap_corner, gk_error *err)
{
  long hl = t->header_line;
  size_t nh = t->ncols - 1;
  if (nh < 1) return GK_OK;
  double *hv = malloc(nh * sizeof *hv);
  if (!hv) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  int hnum = 1;
  for (size_t j = 0; j < nh && hnum; j++) hnum = gk_parse_number(t->raw[j + 1], &hv[j], NULL) == GK_OK;
  double c0;
  int corner_num = gk_parse_number(t->raw[0], &c0, NULL) == GK_OK;
  if (corner_num && hnum) {
    int mono = 1;
    for (size_t j = 1; j < nh; j++) mono &= hv[j] > hv[j - 1];
    if (!mono || opt->orientation == GK_ORIENT_DETECT) {
      free(hv);
      return gk_error_set(err, GK_EINPUT, path, hl,
                          "the first row is all numbers (%s, %s, ...)%s: the header row is "
                          "missing. A matrix starts with a label, then the pump (or stripe "
                          "length) of each column: 'wavelength (nm) \\ fluence (uJ/cm2), 10, "
                          "20, 40'",
                          t->raw[0], t->raw[1],
                          mono ? "" : " and does not increase, like intensities");
    }
  }
  if (!hnum || opt->orientation == GK_ORIENT_AS_WRITTEN) { free(hv); return GK_OK; }
  char rname[64], runit[32], cname[64], cunit[32];
  split_corner(t->raw[0], rname, runit, cname, cunit);
  int bs = strchr(t->raw[0], '\\') != NULL;
  /* a corner "ROW \ COL" whose left part is not a wavelength label would
   * name the pump first when the file is transposed */
  int left_is_wl = bs && gk_io_is_wavelength_label(rname);
  double fa = unit_nm(runit);
  double fb = bs && !left_is_wl ? unit_nm(cunit) : unit_nm(runit);
  int a = wl_axis(t->v, t->nrows, t->ncols, fa), b = wl_axis(hv, nh, 1, fb);
  int trans;
  if (opt->orientation == GK_ORIENT_TRANSPOSED) trans = 1;
  else if (a && !b) trans = 0;
  else if (b && !a) trans = 1;
  else if (a && b) {
    if (t->nrows > 2 * nh) trans = 0;
    else if (nh > 2 * t->nrows) trans = 1;
    else {
      int r = gk_error_set(err, GK_EINPUT, path, hl,
                          "orientation is ambiguous: the first column (%zu values, %g to %g) and "
                          "the first row (%zu values, %g to %g) both look like wavelengths in nm. "
                          "Read as written, rows are wavelengths and the first row holds the "
                          "pumps; transposed, the first row holds the wavelengths and the first "
                          "column the pumps. Say which (transpose option)",
                          t->nrows, t->v[0], t->v[(t->nrows - 1) * t->ncols], nh, hv[0],
                          hv[nh - 1]);
      free(hv);
      return r;
    }
  } else trans = 0;
  if (trans) {
    if (opt->orientation != GK_ORIENT_TRANSPOSED)
      snprintf(m->note, sizeof m->note,
               "read transposed (one spectrum per row): the first row (%zu values, %g to %g) "
               "is the wavelength axis, the first column (%zu values) the %s",
               nh, hv[0], hv[nh - 1], t->nrows, bs && !left_is_wl ? rname : (*cname ? cname : "column parameter"));
    int r = transpose_table(t, hv, err);
    free(hv);
    if (r != GK_OK) return r;
    m->transposed = 1;
    *swap_corner = bs && !left_is_wl;
    return GK_OK;
  }
  free(hv);
  return GK_OK;
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
  int swap_corner = 0;
  if ((rc = orient(path, opt, &t, m, &swap_corner, err)) != GK_OK) goto fail;
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
  if (swap_corner) {
    char tn[64], tu[32];
    memcpy(tn, m->row_name, 64); memcpy(m->row_name, m->col_name, 64); memcpy(m->col_name, tn, 64);
    memcpy(tu, runit, 32); memcpy(runit, cunit, 32); memcpy(cunit, tu, 32);
  }

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
