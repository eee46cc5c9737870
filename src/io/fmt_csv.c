/* Plain, Excel and European CSV: '#' comment lines ("# key: value" kept as
 * metadata), an optional one-row header, then numbers. Excel writes a UTF-8
 * BOM, CRLF and trailing empty cells ("500,12,,"), which are dropped.
 * European files use ';' between cells and a decimal comma ("500,1;12,5"),
 * detected from the first data row when no cell has a '.', or forced by
 * gk_io_options.decimal_comma. Columns: x = 1, y = 2; a third column is
 * the uncertainty only when its header says so (sigma, err, std, unc),
 * else it is ignored with a note; four or more columns are one spectrum
 * each. */
#include "vendor.h"

#include <stdio.h>
#include <stdlib.h>

#include <stdlib.h>
#include <string.h>

static int detect(const io_text *t)
{
  (void)t;
  return 1;
}

static int read_csv(const io_text *t, const gk_io_options *opt, gk_specset *s, gk_error *err)
{
  io_grid g;
  io_grid_init(&g);
  char **cells = NULL, *hdr = NULL;
  size_t cap = 0, n = 0, i = 0;
  int rc;
  for (; i < t->n; i++) {
    const char *l = t->l[i].s;
    if (!*l) continue;
    if (l[0] != '#') break;
    const char *p = l;
    while (*p == '#' || *p == ' ') p++;
    /* one-word key, as in gk_table_read */
    size_t kl = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.");
    if (kl && p[kl] == ':') io_kv_line(&g, p, ':', 1, 0);
  }
  if (i == t->n) {
    rc = gk_error_set(err, GK_EINPUT, t->path, t->n ? t->l[t->n - 1].no : 1,
                      "no data: only comments and blank lines");
    goto out;
  }
  /* header row? */
  size_t h = i, first = i;
  int has_header = !io_numeric_line(t->l[i].s, 0, 1) && !io_numeric_line(t->l[i].s, 1, 1);
  if (has_header) {
    first = i + 1;
    while (first < t->n && (!*t->l[first].s || t->l[first].s[0] == '#')) first++;
  }
  if (first >= t->n) {
    rc = gk_error_set(err, GK_EINPUT, t->path, t->l[h].no, "no data rows after the header");
    goto out;
  }
  int dcomma = opt && opt->decimal_comma ? 1 : io_decimal_comma_line(t->l[first].s);
  if (!dcomma && strchr(t->l[first].s, ';') && !strchr(t->l[first].s, '.')) {
    /* "500,1;12,5": ';' between cells, ',' inside: decimal comma */
    for (const char *p = t->l[first].s; *p; p++)
      if (*p == ',') { dcomma = 1; break; }
  }
  char d = io_delim(t->l[first].s);
  if (dcomma && d == ',') d = ' ';
  if (has_header) {
    if ((rc = io_header_row(t, h, d, &g, &hdr, &cells, &cap, &n, err))) goto out;
    if (n > 1) snprintf(g.y_unit, sizeof g.y_unit, "%s", g.unit[1]);
  }
  i = first;
  /* comment lines among the rows are skipped by the row reader only when
   * blank; '#' rows inside the data are treated as an error there, so
   * strip them here by reading block by block */
  while (i < t->n) {
    size_t stop = i;
    while (stop < t->n && t->l[stop].s[0] != '#') stop++;
    if ((rc = io_read_rows(t, &i, stop, d, dcomma, 0, 0, &g, err))) goto out;
    i = stop + 1;
  }
  if (dcomma) gk_notes_add(&g.notes, "decimal commas read as decimal points");
  g.three_col_rule = 1;
  rc = io_finish(&g, t, "csv", opt, s, err);
out:
  free(hdr);
  free(cells);
  io_grid_free(&g);
  return rc;
}

const io_format io_fmt_csv = {"csv", detect, read_csv};
