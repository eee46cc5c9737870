/* cli/emit_inspect.c — the report of `gainkit inspect` (text and JSON)
 * on a file read as columns, a matrix or spectra. */
#include <stdlib.h>
#include <string.h>

#include "emit_inspect.h"

static const char *delim_name(char d)
{
  switch (d) {
  case ',': return "comma";
  case '\t': return "tab";
  case ';': return "semicolon";
  default: return "whitespace";
  }
}

static void minmax(const double *v, size_t n, size_t stride, double *lo, double *hi)
{
  *lo = *hi = v[0];
  for (size_t i = 1; i < n; i++) {
    double x = v[i * stride];
    if (x < *lo) *lo = x;
    if (x > *hi) *hi = x;
  }
}

/* Describe one unit string for the report: dimension and internal unit, or
 * "passed through" when it is not a unit expression (a.u., counts). */
static void add_unit(cJSON *o, cli_buf *b, const char *unit)
{
  gk_unit_info u;
  cJSON_AddStringToObject(o, "unit", unit);
  if (!*unit) {
    cli_printf(b, "(no unit)");
    return;
  }
  if (gk_unit_describe(unit, &u, NULL) == GK_OK) {
    cJSON_AddStringToObject(o, "dimension", u.dimension);
    cJSON_AddStringToObject(o, "internal_unit", u.internal);
    gk_json_num(o, "factor", u.factor);
    cli_printf(b, "%s (%s; internal %s, x %g)", unit, u.dimension, u.internal, u.factor);
  } else {
    cJSON_AddNullToObject(o, "dimension");
    cli_printf(b, "%s (not a unit expression; passed through)", unit);
  }
}

static void add_meta(cJSON *j, cli_buf *b, const gk_meta *m)
{
  cJSON *o = cJSON_AddObjectToObject(j, "metadata");
  if (m->n) cli_printf(b, "metadata:\n");
  for (size_t i = 0; i < m->n; i++) {
    cJSON_DeleteItemFromObjectCaseSensitive(o, m->key[i]);  /* last one wins, as gk_meta_get */
    cJSON_AddStringToObject(o, m->key[i], m->value[i]);
    cli_printf(b, "  %s: %s\n", m->key[i], m->value[i]);
  }
}

void inspect_emit_columns(const char *path, const gk_table *t, const gk_columns *c, gk_xkind kind, cJSON *j,
                          cli_buf *b)
{
  cJSON_AddStringToObject(j, "shape", "columns");
  cJSON_AddStringToObject(j, "delimiter", delim_name(t->delim));
  if (t->has_header) cJSON_AddNumberToObject(j, "header_line", (double)t->header_line);
  else cJSON_AddNullToObject(j, "header_line");
  cJSON_AddNumberToObject(j, "rows", (double)t->nrows);
  cli_printf(b, "file:      %s\nshape:     columns (x, y%s)\ndelimiter: %s\n", path,
             c->sigma ? ", sigma" : "", delim_name(t->delim));
  if (t->has_header) cli_printf(b, "header:    line %ld\n", t->header_line);
  else cli_printf(b, "header:    none\n");
  cli_printf(b, "rows:      %zu (lines %ld to %ld)\ncolumns:\n", t->nrows, t->line[0], t->line[t->nrows - 1]);
  static const char *const role[] = {"x", "y", "sigma"};
  cJSON *cols = cJSON_AddArrayToObject(j, "columns");
  for (size_t k = 0; k < t->ncols; k++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(cols, o);
    cJSON_AddStringToObject(o, "role", role[k]);
    cJSON_AddStringToObject(o, "header", t->raw[k]);
    cJSON_AddStringToObject(o, "name", t->name[k]);
    double lo, hi;
    minmax(t->v + k, t->nrows, t->ncols, &lo, &hi);
    gk_json_num(o, "min", lo);
    gk_json_num(o, "max", hi);
    cli_printf(b, "  %zu %-5s %-16s %12.6g .. %-12.6g ", k + 1, role[k],
               *t->raw[k] ? t->raw[k] : "-", lo, hi);
    add_unit(o, b, k == 0 ? c->x_unit_in : t->unit[k]);
    cli_printf(b, "\n");
  }
  double lo, hi;
  minmax(c->x, c->n, 1, &lo, &hi);
  cJSON *x = cJSON_AddObjectToObject(j, "x");
  static const char *const kinds[] = {"plain", "length", "wavelength"};
  cJSON_AddStringToObject(x, "kind", kinds[kind]);
  cJSON_AddStringToObject(x, "unit_in_file", c->x_unit_in);
  cJSON_AddStringToObject(x, "unit", c->x_unit);
  gk_json_num(x, "factor", c->x_factor);
  gk_json_num(x, "min", lo);
  gk_json_num(x, "max", hi);
  int sorted = 1;
  for (size_t i = 1; i < c->n; i++) sorted &= c->x[i] > c->x[i - 1];
  cJSON_AddBoolToObject(x, "increasing", sorted);
  cli_printf(b, "x:         %s, %g .. %g %s%s%s\n", kinds[kind], lo, hi, c->x_unit,
             sorted ? ", increasing" : ", not sorted", c->x_factor != 1 ? " (converted)" : "");
  add_meta(j, b, &c->meta);
}

void inspect_emit_matrix(const char *path, const gk_matrix *m, const char *length_unit, cJSON *j, cli_buf *b)
{
  cJSON_AddStringToObject(j, "shape", "matrix");
  cJSON_AddStringToObject(j, "delimiter", delim_name(m->delim));
  cJSON_AddStringToObject(j, "corner", m->corner);
  cli_printf(b, "file:      %s\nshape:     matrix (%zu wavelengths x %zu columns)\ndelimiter: %s\n"
                "corner:    %s\n",
             path, m->nrow, m->ncol, delim_name(m->delim), m->corner);
  double lo, hi;
  minmax(m->row, m->nrow, 1, &lo, &hi);
  cJSON *r = cJSON_AddObjectToObject(j, "rows");
  cJSON_AddStringToObject(r, "name", m->row_name);
  cJSON_AddStringToObject(r, "unit_in_file", m->row_unit_in);
  cJSON_AddStringToObject(r, "unit", "nm");
  cJSON_AddNumberToObject(r, "count", (double)m->nrow);
  gk_json_num(r, "min", lo);
  gk_json_num(r, "max", hi);
  cli_printf(b, "rows:      %zu wavelengths, %g .. %g nm (lines %ld to %ld; file unit %s)\n", m->nrow,
             lo, hi, m->line[0], m->line[m->nrow - 1], m->row_unit_in);
  minmax(m->col, m->ncol, 1, &lo, &hi);
  cJSON *c = cJSON_AddObjectToObject(j, "columns");
  cJSON_AddStringToObject(c, "name", m->col_name);
  cJSON_AddNumberToObject(c, "count", (double)m->ncol);
  gk_json_num(c, "min", lo);
  gk_json_num(c, "max", hi);
  cli_printf(b, "columns:   %zu, %s %g .. %g %s; ", m->ncol, *m->col_name ? m->col_name : "parameter",
             lo, hi, m->col_unit);
  if (length_unit) {
    cJSON_AddStringToObject(c, "unit_in_file", m->col_unit_in);
    cJSON_AddStringToObject(c, "unit", m->col_unit);
    cli_printf(b, "file unit %s", m->col_unit_in);
  } else {
    add_unit(c, b, m->col_unit_in);
  }
  cli_printf(b, "\n");
  minmax(m->z, m->nrow * m->ncol, 1, &lo, &hi);
  cJSON *z = cJSON_AddObjectToObject(j, "values");
  gk_json_num(z, "min", lo);
  gk_json_num(z, "max", hi);
  cli_printf(b, "values:    %g .. %g\n", lo, hi);
  add_meta(j, b, &m->meta);
}

void inspect_emit_spectra(const char *path, const gk_specset *s, cJSON *j, cli_buf *b)
{
  cJSON_AddStringToObject(j, "format", s->format);
  cli_printf(b, "file:      %s\nformat:    %s\n", path, s->format);
  cJSON_AddNumberToObject(j, "spectra", (double)s->nspec);
  cJSON_AddNumberToObject(j, "wavelengths", (double)s->nwl);
  gk_json_num(j, "wavelength_min_nm", s->wl[0]);
  gk_json_num(j, "wavelength_max_nm", s->wl[s->nwl - 1]);
  cJSON_AddStringToObject(j, "y_unit", s->y_unit);
  cli_printf(b, "data:      from line %ld, %zu wavelengths %g .. %g nm, %zu spectr%s (%s)\n",
             s->data_line, s->nwl, s->wl[0], s->wl[s->nwl - 1], s->nspec, s->nspec == 1 ? "um" : "a",
             *s->y_unit ? s->y_unit : "no unit");
  cJSON *arr = cJSON_AddArrayToObject(j, "spectra_list");
  for (size_t k = 0; k < s->nspec; k++) {
    const double *y = s->y + k * s->nwl;
    double lev, noise, lo, hi;
    size_t cnt;
    int sig;
    minmax(y, s->nwl, 1, &lo, &hi);
    int clip = gk_io_clipped(y, s->nwl, &lev, &cnt);
    gk_io_offset(s->wl, y, s->nwl, &lev, &noise, &sig);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", s->label[k]);
    gk_json_num(o, "min", lo);
    gk_json_num(o, "max", hi);
    cJSON_AddBoolToObject(o, "clipped", clip);
    gk_json_num(o, "edge_level", lev);
    cJSON_AddBoolToObject(o, "offset_significant", sig);
    cJSON_AddItemToArray(arr, o);
    cli_printf(b, "  %-16s %g .. %g%s%s\n", s->label[k], lo, hi, clip ? "  CLIPPED" : "",
               sig ? "  (background at the edges)" : "");
  }
  cJSON *nt = cJSON_AddArrayToObject(j, "notes");
  for (size_t k = 0; k < s->notes.n; k++) {
    cJSON_AddItemToArray(nt, cJSON_CreateString(s->notes.msg[k]));
    cli_printf(b, "note:      %s\n", s->notes.msg[k]);
  }
  add_meta(j, b, &s->meta);
}
