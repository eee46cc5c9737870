/* Avantes AvaSoft export:
 *
 *   AvaSoft 8 export                         (free text, "Key: value")
 *   Integration time [ms]: 100
 *   Averaging Nr. [scans]: 10
 *   Data measured with spectrometer [name]: 1502124U1
 *   Wave   ;Sample   ;Dark     ;Reference;Scope
 *   [nm]   ;[counts] ;[counts] ;[counts] ;[counts]
 *                                           (blank line)
 *   497.589;  1234.000;  100.000;  2000.000;  1234.000
 *
 * ';' columns, decimal point or comma. The intensity is the Sample column
 * (else Scope), minus the Dark column when there is one (a note says so).
 * Averaging does not change the level (accumulations_summed = 0). */
#include "vendor.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>
#include <strings.h>

static int is_wave_header(const char *s)
{
  return !strncasecmp(s, "Wave", 4) && strchr(s, ';');
}

static int detect(const io_text *t)
{
  for (size_t i = 0; i < t->n && i < 200; i++)
    if (is_wave_header(t->l[i].s)) return 90;
  return 0;
}

static int read_avantes(const io_text *t, const gk_io_options *opt, gk_specset *s, gk_error *err)
{
  io_grid g;
  io_grid_init(&g);
  char **cells = NULL, *hdr = NULL;
  size_t cap = 0, n = 0, i = 0;
  int rc;
  for (; i < t->n && !is_wave_header(t->l[i].s); i++)
    if (*t->l[i].s) io_kv_line(&g, t->l[i].s, ':', 1e-3, 0);
  if (i == t->n) {
    rc = gk_error_set(err, GK_EINPUT, t->path, t->n ? t->l[t->n - 1].no : 1,
                      "no 'Wave;Sample;...' header line: not an AvaSoft export");
    goto out;
  }
  if ((rc = io_header_row(t, i, ';', &g, &hdr, &cells, &cap, &n, err))) goto out;
  i++;
  while (i < t->n && !*t->l[i].s) i++;
  if (i < t->n && t->l[i].s[0] == '[') {
    /* units row: [nm];[counts];... */
    char *u = NULL;
    size_t nu = 0;
    if ((rc = io_split_line(t, i, ';', &u, &cells, &cap, &nu, err))) {
      free(u);
      goto out;
    }
    for (size_t c = 0; c < nu && c < g.ncols; c++) {
      char *x = cells[c];
      size_t l = strlen(x);
      if (l >= 2 && x[0] == '[' && x[l - 1] == ']') { x[l - 1] = '\0'; x++; }
      snprintf(g.unit[c], 32, "%s", x);
    }
    free(u);
    i++;
  }
  for (size_t c = 0; c < g.ncols; c++) {
    if (!strcasecmp(g.name[c], "Sample")) g.y_col = (int)c;
    if (!strcasecmp(g.name[c], "Dark")) g.dark_col = (int)c;
  }
  if (g.y_col < 0)
    for (size_t c = 1; c < g.ncols; c++)
      if (!strcasecmp(g.name[c], "Scope")) g.y_col = (int)c;
  if (g.y_col < 0 && g.ncols > 1) g.y_col = 1;
  if (g.y_col >= 0) snprintf(g.y_unit, sizeof g.y_unit, "%s", g.unit[g.y_col]);
  /* the y unit is a label, not a coordinate: keep it out of the header split */
  size_t first = i;
  while (first < t->n && !*t->l[first].s) first++;
  int dcomma = opt && opt->decimal_comma ? 1 : first < t->n && io_decimal_comma_line(t->l[first].s);
  if ((rc = io_read_rows(t, &i, t->n, ';', dcomma, 0, 0, &g, err))) goto out;
  if (dcomma) gk_notes_add(&g.notes, "decimal commas read as decimal points");
  if (opt && opt->y_col) g.dark_col = -1;
  rc = io_finish(&g, t, "avantes", opt, s, err);
out:
  free(hdr);
  free(cells);
  io_grid_free(&g);
  return rc;
}

const io_format io_fmt_avantes = {"avantes", detect, read_avantes};
