/* Andor Solis .asc export: no header; rows "wavelength,counts[,counts...]"
 * (comma or tab), one intensity column per frame of a kinetic series; then,
 * after blank lines, an optional metadata footer of "Key:value" lines:
 *
 *   Date and Time:Wed Nov 04 10:22:11 2026
 *   Exposure Time (secs):0.1
 *   Number of Accumulations:5
 *   Model:DU420A_BEX2-DD
 *
 * Solis sums accumulations (accumulations_summed = 1). */
#include "vendor.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>

static int detect(const io_text *t)
{
  size_t i = 0;
  while (i < t->n && !*t->l[i].s) i++;
  if (i == t->n || !io_numeric_line(t->l[i].s, 0, 2)) return 0;
  for (size_t k = i; k < t->n; k++)
    if (io_stristr(t->l[k].s, "Exposure Time") || io_stristr(t->l[k].s, "Number of Accumulations") ||
        io_stristr(t->l[k].s, "Andor"))
      return 90;
  size_t pl = strlen(t->path);
  if (pl > 4 && !strcmp(t->path + pl - 4, ".asc")) return 40;
  return 0;
}

static int read_andor(const io_text *t, const gk_io_options *opt, gk_specset *s, gk_error *err)
{
  io_grid g;
  io_grid_init(&g);
  size_t i = 0;
  while (i < t->n && !*t->l[i].s) i++;
  int rc;
  if (i == t->n) { rc = gk_error_set(err, GK_EINPUT, t->path, 1, "no data"); goto out; }
  char d = io_delim(t->l[i].s);
  int dcomma = opt && opt->decimal_comma;
  if (dcomma && d == ',') d = ' ';
  if ((rc = io_read_rows(t, &i, t->n, d, dcomma, 1, 1, &g, err))) goto out;
  /* the footer */
  for (; i < t->n; i++) {
    const char *l = t->l[i].s;
    if (!*l) continue;
    if (io_numeric_line(l, dcomma, 1)) {
      rc = gk_error_set(err, GK_EINPUT, t->path, t->l[i].no,
                        "numbers after the end of the data (line %ld): a blank line inside the data?",
                        g.nrows ? g.line[g.nrows - 1] : 0L);
      goto out;
    }
    if (!io_kv_line(&g, l, ':', 1, 1)) {
      rc = gk_error_set(err, GK_EINPUT, t->path, t->l[i].no,
                        "not a number row and not a 'Key:value' footer line");
      goto out;
    }
  }
  if (g.ncols >= 1) snprintf(g.name[0], 64, "wavelength");
  for (size_t c = 1; c < g.ncols; c++) snprintf(g.name[c], 64, "frame %zu", c);
  if (g.ncols == 2) snprintf(g.name[1], 64, "counts");
  snprintf(g.y_unit, sizeof g.y_unit, "counts");
  rc = io_finish(&g, t, "andor", opt, s, err);
out:
  io_grid_free(&g);
  return rc;
}

const io_format io_fmt_andor = {"andor", detect, read_andor};
