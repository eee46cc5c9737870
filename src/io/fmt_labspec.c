/* Horiba LabSpec text export: "#key=<TAB>value" lines, then tab-separated
 * rows "x<TAB>intensity":
 *
 *   #Acq. time (s)=	1
 *   #Accumulations=	4
 *   #Date=	04.11.2026 10:22
 *   #Instrument=	LabRAM HR Evolution
 *   500.12	1234
 *
 * LabSpec averages accumulations (accumulations_summed = 0). A Raman-shift
 * axis (cm-1) is not a wavelength: the note on the 200-3000 nm range then
 * says so. */
#include "vendor.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>

static int detect(const io_text *t)
{
  int kv = 0;
  for (size_t i = 0; i < t->n && i < 200; i++) {
    const char *s = t->l[i].s;
    if (s[0] == '#' && strstr(s, "=\t")) kv++;
  }
  return kv ? 90 : 0;
}

static int read_labspec(const io_text *t, const gk_io_options *opt, gk_specset *s, gk_error *err)
{
  io_grid g;
  io_grid_init(&g);
  size_t i = 0;
  for (; i < t->n; i++) {
    const char *l = t->l[i].s;
    if (!*l) continue;
    if (l[0] != '#') break;
    io_kv_line(&g, l + 1, '=', 1, 0);
  }
  int rc;
  if (i == t->n) { rc = gk_error_set(err, GK_EINPUT, t->path, t->n ? t->l[t->n - 1].no : 1, "no data after the '#key=' header"); goto out; }
  int dcomma = opt && opt->decimal_comma ? 1 : io_decimal_comma_line(t->l[i].s);
  char d = io_delim(t->l[i].s);
  if (dcomma && d == ',') d = ' ';
  char *names[2] = {"wavelength (nm)", "intensity"};
  if ((rc = io_grid_columns(&g, names, 2, err))) goto out;
  /* more columns than two: named generically */
  size_t save = i;
  io_grid probe;
  io_grid_init(&probe);
  rc = io_read_rows(t, &save, save + 1, d, dcomma, 0, 0, &probe, err);
  size_t nc = probe.ncols;
  io_grid_free(&probe);
  if (rc) goto out;
  if (nc != 2) {
    io_grid_free(&g);
    io_grid_init(&g);
    for (size_t k = 0; k < i; k++)
      if (t->l[k].s[0] == '#') io_kv_line(&g, t->l[k].s + 1, '=', 1, 0);
  }
  snprintf(g.y_unit, sizeof g.y_unit, "counts");
  if ((rc = io_read_rows(t, &i, t->n, d, dcomma, 0, 0, &g, err))) goto out;
  rc = io_finish(&g, t, "labspec", opt, s, err);
out:
  io_grid_free(&g);
  return rc;
}

const io_format io_fmt_labspec = {"labspec", detect, read_labspec};
