/* Ocean Optics OceanView / SpectraSuite text export:
 *
 *   Data from spectrum.txt Node            (free-text header)
 *   Date: Wed Nov 04 10:22:11 CET 2026
 *   Integration Time (sec): 1.000000E-1     (SpectraSuite: "(usec)")
 *   Scans to average: 5
 *   Spectrometer: USB2+H12345
 *   >>>>>Begin Spectral Data<<<<<           (or "Begin Processed Spectral Data")
 *   500.123<TAB>1234.56
 *   ...
 *   >>>>>End Processed Spectral Data<<<<<   (optional)
 *
 * CRLF, and a decimal comma in some locales. "Scans to average" averages:
 * the level does not grow with it (accumulations_summed = 0). */
#include "vendor.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>

static int detect(const io_text *t)
{
  for (size_t i = 0; i < t->n && i < 200; i++)
    if (strstr(t->l[i].s, ">>>>>Begin") && io_stristr(t->l[i].s, "Spectral Data")) return 100;
  return 0;
}

static int read_ocean(const io_text *t, const gk_io_options *opt, gk_specset *s, gk_error *err)
{
  io_grid g;
  io_grid_init(&g);
  size_t i = 0;
  for (; i < t->n; i++) {
    const char *l = t->l[i].s;
    if (strstr(l, ">>>>>Begin")) break;
    if (*l) io_kv_line(&g, l, ':', 1, 0);
  }
  int rc;
  if (i == t->n) {
    rc = gk_error_set(err, GK_EINPUT, t->path, t->n ? t->l[t->n - 1].no : 1,
                      "no '>>>>>Begin Spectral Data<<<<<' line: not an Ocean Optics export");
    goto out;
  }
  long begin = t->l[i].no;
  i++;
  size_t end = i;
  while (end < t->n && !strstr(t->l[end].s, ">>>>>End")) end++;
  size_t first = i;
  while (first < end && !*t->l[first].s) first++;
  if (first == end) {
    rc = gk_error_set(err, GK_EINPUT, t->path, begin, "no spectral data after this line");
    goto out;
  }
  int dcomma = opt && opt->decimal_comma ? 1 : io_decimal_comma_line(t->l[first].s);
  char d = io_delim(t->l[first].s);
  if (dcomma && d == ',') d = ' ';
  char *names[2] = {"wavelength (nm)", "intensity"};
  if ((rc = io_grid_columns(&g, names, 2, err))) goto out;
  snprintf(g.y_unit, sizeof g.y_unit, "counts");
  if ((rc = io_read_rows(t, &i, end, d, dcomma, 0, 0, &g, err))) goto out;
  if (dcomma) gk_notes_add(&g.notes, "decimal commas read as decimal points");
  rc = io_finish(&g, t, "ocean", opt, s, err);
out:
  io_grid_free(&g);
  return rc;
}

const io_format io_fmt_ocean = {"ocean", detect, read_ocean};
