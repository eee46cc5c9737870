/* Princeton Instruments LightField CSV, long form:
 *
 *   Frame,Row,Column,Wavelength,Intensity
 *   1,0,0,500.12,1234
 *   1,0,1,500.25,1240
 *   ...
 *   2,0,0,500.12,1301
 *
 * One spectrum per frame (per frame and row when the region of interest
 * has several rows); every frame must carry the same wavelengths in the
 * same order. The export has no exposure metadata. */
#include "vendor.h"

#include <stdio.h>
#include <stdlib.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int find(char **cells, size_t n, const char *name)
{
  for (size_t c = 0; c < n; c++)
    if (!strncasecmp(cells[c], name, strlen(name))) return (int)c;
  return -1;
}

static int detect(const io_text *t)
{
  size_t i = 0;
  while (i < t->n && !*t->l[i].s) i++;
  if (i == t->n) return 0;
  const char *s = t->l[i].s;
  return io_stristr(s, "Frame") && io_stristr(s, "Wavelength") && io_stristr(s, "Intensity") ? 100 : 0;
}

static int read_lf(const io_text *t, const gk_io_options *opt, gk_specset *s, gk_error *err)
{
  io_grid raw, g;
  io_grid_init(&raw);
  io_grid_init(&g);
  char **cells = NULL, *hdr = NULL;
  size_t cap = 0, n = 0, i = 0;
  int rc;
  double *row = NULL;
  while (i < t->n && !*t->l[i].s) i++;
  if (i == t->n) { rc = gk_error_set(err, GK_EINPUT, t->path, 1, "no data"); goto out; }
  long hl = t->l[i].no;
  char d = io_delim(t->l[i].s);
  if ((rc = io_split_line(t, i, d, &hdr, &cells, &cap, &n, err))) goto out;
  int cf = find(cells, n, "Frame"), cr = find(cells, n, "Row"), cw = find(cells, n, "Wavelength"),
      ci = find(cells, n, "Intensity");
  if (cf < 0 || cw < 0 || ci < 0) {
    rc = gk_error_set(err, GK_EINPUT, t->path, hl,
                      "a LightField long CSV needs Frame, Wavelength and Intensity columns");
    goto out;
  }
  if ((rc = io_grid_columns(&raw, cells, n, err))) goto out;
  i++;
  if ((rc = io_read_rows(t, &i, t->n, d, opt && opt->decimal_comma, 0, 0, &raw, err))) goto out;
  if (raw.nrows < 3) {
    rc = gk_error_set(err, GK_EINPUT, t->path, raw.nrows ? raw.line[raw.nrows - 1] : hl,
                      "too few data rows: %zu", raw.nrows);
    goto out;
  }
  /* the wavelengths of the first (frame, row) block */
  size_t nc = raw.ncols, nw = 0;
  double f0 = raw.v[cf], r0 = cr >= 0 ? raw.v[cr] : 0;
  while (nw < raw.nrows && raw.v[nw * nc + cf] == f0 && (cr < 0 || raw.v[nw * nc + cr] == r0)) nw++;
  if (raw.nrows % nw) {
    rc = gk_error_set(err, GK_EINPUT, t->path, raw.line[raw.nrows - 1],
                      "%zu rows are not a whole number of spectra of %zu wavelengths (frame %g has %zu)",
                      raw.nrows, nw, f0, nw);
    goto out;
  }
  size_t ns = raw.nrows / nw;
  g.ncols = 1 + ns;
  if ((rc = io_grid_columns(&g, NULL, g.ncols, err))) goto out;
  snprintf(g.name[0], 64, "wavelength");
  snprintf(g.unit[0], 32, "nm");
  snprintf(g.y_unit, sizeof g.y_unit, "counts");
  int multirow = 0;
  for (size_t r = 0; cr >= 0 && r < raw.nrows; r++)
    if (raw.v[r * nc + cr] != r0) multirow = 1;
  for (size_t k = 0; k < ns; k++) {
    double fr = raw.v[k * nw * nc + cf];
    if (multirow)
      snprintf(g.name[1 + k], 64, "frame %g row %g", fr, raw.v[k * nw * nc + cr]);
    else
      snprintf(g.name[1 + k], 64, "frame %g", fr);
  }
  if (!(row = malloc(g.ncols * sizeof *row))) { rc = gk_error_set(err, GK_ENOMEM, t->path, 0, "out of memory"); goto out; }
  for (size_t w = 0; w < nw; w++) {
    row[0] = raw.v[w * nc + cw];
    for (size_t k = 0; k < ns; k++) {
      size_t r = k * nw + w;
      double fr = raw.v[k * nw * nc + cf];
      if (raw.v[r * nc + cf] != fr || raw.v[r * nc + cw] != row[0]) {
        rc = gk_error_set(err, GK_EINPUT, t->path, raw.line[r],
                          "frame %g: expected wavelength %g (as in frame %g, line %ld), found %g in frame %g",
                          fr, row[0], f0, raw.line[w], raw.v[r * nc + cw], raw.v[r * nc + cf]);
        goto out;
      }
      row[1 + k] = raw.v[r * nc + ci];
    }
    if ((rc = io_grid_add_row(&g, row, raw.line[w], err))) goto out;
  }
  g.first_line = raw.first_line;
  g.header_line = hl;
  if (ns > 1) gk_notes_add(&g.notes, "%zu frames of %zu wavelengths", ns, nw);
  rc = io_finish(&g, t, "lightfield", opt, s, err);
out:
  free(row);
  free(hdr);
  free(cells);
  io_grid_free(&raw);
  io_grid_free(&g);
  return rc;
}

const io_format io_fmt_lightfield = {"lightfield", detect, read_lf};
