/* Reading PL decays for the global ABC/trap fit and for the degree of
 * charging (gk_trpl_read, gainkit/trpl.h): the table, its time unit (header
 * or time_unit), the plausibility of the time axis, the checks on times. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/trpl.h"
#include "gainkit/data.h"
#include "gainkit/io.h"
#include "gainkit/units.h"

/* factor of the time column to s: the unit in the header, else time_unit */
static int time_factor(const char *path, const gk_table *tb, const char *tunit, double *tf, gk_trpl_table *out,
                       gk_error *e)
{
  char name[64], unit[64] = "";
  if (tb->has_header) gk_header_split(tb->raw[0], name, sizeof name, unit, sizeof unit);
  const int from_opt = !unit[0] && tunit;
  if (from_opt) snprintf(unit, sizeof unit, "%s", tunit);
  long line = tb->has_header ? tb->header_line : tb->line[0];
  if (!unit[0])
    return gk_error_set(e, GK_EINPUT, path, line, "no time unit: name it in the header (\"t (ns)\") or give `time_unit`");
  if (gk_unit_factor(unit, "s", tf, e) != GK_OK)
    return gk_error_set(e, GK_EINPUT, path, line, "time unit '%s' is not a time", unit);
  /* a time axis outside 1 fs .. 1 s (its largest |t|) is noted, with the unit that fits */
  out->unit_from_option = from_opt;
  double *t = malloc((tb->nrows ? tb->nrows : 1) * sizeof *t);
  if (t) {
    for (size_t r = 0; r < tb->nrows; r++) t[r] = tb->v[r * tb->ncols] * *tf;
    gk_plausible_column(GK_PLAUS_TIME, t, tb->nrows, 1, unit, path, tb->nrows ? tb->line[0] : 0, name, &out->notes);
    free(t);
  }
  return GK_OK;
}

int gk_trpl_read(const char *path, const gk_trpl_read_options *o, gk_trpl_table *out, gk_error *e)
{
  memset(out, 0, sizeof *out);
  const int charging = o->ndecay == 0;
  gk_table tb;
  gk_read_options ro = {0};
  ro.min_rows = 4;
  int rc = gk_table_read(path, &ro, &tb, e);
  if (rc != GK_OK) return rc;
  const long hl = tb.has_header ? tb.header_line : tb.line[0];
  if (charging && tb.ncols != 3)
    rc = gk_error_set(e, GK_EINPUT, path, hl,
                      "%zu columns: `charging` reads three (time, PL of the neutral sample, PL of the charged one)",
                      tb.ncols);
  else if (!charging && tb.ncols - 1 != o->ndecay)
    rc = gk_error_set(e, GK_EINPUT, path, hl, "%zu PL columns but %zu %s given", tb.ncols - 1, o->ndecay,
                      o->what ? o->what : "densities");
  double tf;
  if (!rc) rc = time_factor(path, &tb, o->time_unit, &tf, out, e);
  if (rc) { gk_table_free(&tb); return rc; }
  const size_t n = tb.nrows, nd = tb.ncols - 1;
  out->n = n;
  out->ndecay = nd;
  out->t = malloc(n * sizeof *out->t);
  out->pl = malloc(n * nd * sizeof *out->pl);
  if (!out->t || !out->pl) { gk_table_free(&tb); return gk_error_set(e, GK_ENOMEM, path, 0, "out of memory"); }
  for (size_t r = 0; r < n && !rc; r++) {
    double *t = out->t;
    t[r] = tb.v[r * tb.ncols] * tf;
    if ((!charging && !o->allow_negative_time && !(t[r] >= 0)) || (r && !(t[r] > t[r - 1])))
      rc = gk_error_set(e, GK_EINPUT, path, tb.line[r], charging || o->allow_negative_time ? "times must increase"
                        : "times must be >= 0 (the decay starts at t = 0; with `irf_fwhm` or `irf` earlier points "
                          "are fitted) and increasing");
    for (size_t d = 0; d < nd; d++) out->pl[d * n + r] = tb.v[r * tb.ncols + 1 + d];
  }
  gk_table_free(&tb);
  return rc;
}

void gk_trpl_table_free(gk_trpl_table *t)
{
  if (!t) return;
  free(t->t);
  free(t->pl);
  gk_notes_free(&t->notes);
  memset(t, 0, sizeof *t);
}
