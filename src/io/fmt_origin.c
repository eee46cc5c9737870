/* Origin CSV export: up to three header rows before the numbers, Long Name,
 * Units and Comments, with the same number of cells as the data:
 *
 *   Wavelength,Intensity
 *   nm,counts
 *   film A 40 uJ,
 *   500.1,1234
 *
 * Each column's name is its Long Name and its unit the Units cell; the
 * comments are kept as metadata (comment_<column>). */
#include "vendor.h"

#include <stdio.h>
#include <stdlib.h>

#include <stdlib.h>
#include <string.h>

/* The text rows before the first numeric row: 2 or 3 of them, in a ','
 * or tab file, all with the same number of cells as the data. */
static size_t header_rows(const io_text *t, size_t *start)
{
  size_t i = 0;
  while (i < t->n && !*t->l[i].s) i++;
  *start = i;
  size_t k = 0;
  while (i < t->n && k < 4 && *t->l[i].s && !io_numeric_line(t->l[i].s, 0, 1)) { i++; k++; }
  if (i >= t->n || k < 2 || k > 3 || !*t->l[i].s) return 0;
  char d = io_delim(t->l[i].s);
  if (d != ',' && d != '\t') return 0;
  /* cell counts */
  size_t nd = 1, nh;
  for (const char *p = t->l[i].s; *p; p++) nd += *p == d;
  for (size_t r = *start; r < i; r++) {
    nh = 1;
    for (const char *p = t->l[r].s; *p; p++) nh += *p == d;
    if (nh != nd) return 0;
  }
  return k;
}

static int detect(const io_text *t)
{
  size_t st;
  size_t k = header_rows(t, &st);
  if (!k) return 0;
  /* the second row looks like units: every non-empty cell is a unit or a
   * bracket-less label such as a.u. / counts */
  char *u = strdup(t->l[st + 1].s);
  if (!u) return 0;
  char **cells = NULL;
  size_t cap = 0, n = 0;
  int ok = io_split(u, io_delim(t->l[st + k].s), 0, &cells, &cap, &n) == 0;
  int units = 0;
  for (size_t c = 0; ok && c < n; c++) {
    if (!*cells[c]) continue;
    if (gk_unit_valid(cells[c]) || !strcmp(cells[c], "a.u.") || !strcmp(cells[c], "counts") ||
        !strcmp(cells[c], "cps"))
      units++;
    else ok = 0;
  }
  free(cells);
  free(u);
  return ok && units ? 70 : 0;
}

static int read_origin(const io_text *t, const gk_io_options *opt, gk_specset *s, gk_error *err)
{
  io_grid g;
  io_grid_init(&g);
  size_t st;
  size_t k = header_rows(t, &st);
  char *rows[3] = {NULL, NULL, NULL};
  char **cn = NULL, **cu = NULL, **cc = NULL;
  size_t capn = 0, capu = 0, capc = 0, nn = 0, nu = 0, nc = 0;
  int rc;
  if (!k) {
    rc = gk_error_set(err, GK_EINPUT, t->path, 1,
                      "no Long Name / Units header rows before the numbers: not an Origin CSV");
    goto out;
  }
  char d = io_delim(t->l[st + k].s);
  for (size_t r = 0; r < k; r++)
    if (!(rows[r] = strdup(t->l[st + r].s))) { rc = gk_error_set(err, GK_ENOMEM, t->path, 0, "out of memory"); goto out; }
  int sc;
  if ((sc = io_split(rows[0], d, 0, &cn, &capn, &nn)) < 0 || (sc = io_split(rows[1], d, 0, &cu, &capu, &nu)) < 0 ||
      (k == 3 && (sc = io_split(rows[2], d, 0, &cc, &capc, &nc)) < 0)) {
    rc = io_split_fail(sc, err, t->path, t->l[st].no);
    goto out;
  }
  if ((rc = io_grid_columns(&g, NULL, nn, err))) goto out;
  for (size_t c = 0; c < nn; c++) {
    snprintf(g.name[c], 64, "%s", *cn[c] ? cn[c] : "");
    if (!*cn[c]) snprintf(g.name[c], 64, "column %zu", c + 1);
    if (c < nu) snprintf(g.unit[c], 32, "%s", cu[c]);
    if (k == 3 && c < nc && *cc[c]) {
      char key[96];
      snprintf(key, sizeof key, "comment_%s", g.name[c]);
      io_meta_add(&g.meta, &g.meta_cap, key, cc[c]);
    }
  }
  g.header_line = t->l[st].no;
  g.three_col_rule = 1;
  if (nn > 1) snprintf(g.y_unit, sizeof g.y_unit, "%s", g.unit[1]);
  size_t i = st + k;
  if ((rc = io_read_rows(t, &i, t->n, d, opt && opt->decimal_comma, 0, 0, &g, err))) goto out;
  rc = io_finish(&g, t, "origin", opt, s, err);
out:
  for (int r = 0; r < 3; r++) free(rows[r]);
  free(cn);
  free(cu);
  free(cc);
  io_grid_free(&g);
  return rc;
}

const io_format io_fmt_origin = {"origin", detect, read_origin};
