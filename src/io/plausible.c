/* Plausibility of data columns: a column outside what a lab measures for
 * its quantity was most likely read in the wrong unit. See gainkit/io.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gainkit/io.h"
#include "gainkit/units.h"

static const struct {
  const char *what, *base;   /* quantity, internal unit */
  double lo, hi;             /* range in the internal unit */
  const char *show;          /* unit the range is written in */
  const char *units[8];      /* candidate units for the hint */
} kinds[] = {
  [GK_PLAUS_WAVELENGTH] = {"wavelength", "nm", 150, 20000, "nm", {"pm", "nm", "um", "mm", "m", NULL}},
  [GK_PLAUS_LENGTH] = {"stripe length", "cm", 1e-4, 5, "cm", {"um", "mm", "cm", "m", NULL}},
  [GK_PLAUS_FLUENCE] = {"fluence", "J/cm2", 1e-9, 1, "uJ/cm2", {"nJ/cm2", "uJ/cm2", "mJ/cm2", "J/cm2", "J/m2", NULL}},
  [GK_PLAUS_TIME] = {"time", "s", 1e-15, 1, "s", {"fs", "ps", "ns", "us", "ms", "s", NULL}},
};

int gk_plausible_column(gk_plaus_kind kind, const double *v, size_t n, size_t stride, const char *unit,
                        const char *file, long line, const char *column, gk_notes *notes)
{
  if ((int)kind < 0 || (size_t)kind >= sizeof kinds / sizeof kinds[0] || !v || !n || !notes) return 0;
  const char *base = kinds[kind].base;
  if (!unit || !*unit) unit = base;
  double f_read = 1; /* unit read -> internal */
  if (gk_unit_factor(unit, base, &f_read, NULL) != GK_OK || !(f_read > 0)) return 0;
  if (!stride) stride = 1;
  /* the smallest and largest value that must lie in the range */
  double lo = INFINITY, hi = -INFINITY, bad = NAN;
  for (size_t i = 0; i < n; i++) {
    double x = v[i * stride];
    if (!isfinite(x)) continue;
    if (kind == GK_PLAUS_TIME) x = fabs(x);
    else if (kind != GK_PLAUS_WAVELENGTH && !(x > 0)) continue;
    if (kind == GK_PLAUS_TIME) { if (x > hi) hi = x; lo = hi; continue; }
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (kind == GK_PLAUS_TIME) lo = hi;
  if (!(hi >= lo)) return 0; /* nothing to judge */
  double rlo = kinds[kind].lo, rhi = kinds[kind].hi;
  if (lo >= rlo && hi <= rhi) return 0;
  bad = lo < rlo ? lo : hi;
  /* the candidate unit that puts the whole column in range, nearest the
   * (log) middle of the range */
  const char *hint = NULL;
  double mid = 0.5 * (log10(rlo) + log10(rhi)), best = INFINITY;
  for (size_t k = 0; kinds[kind].units[k]; k++) {
    double f;
    if (gk_unit_factor(kinds[kind].units[k], base, &f, NULL) != GK_OK) continue;
    if (!strcmp(kinds[kind].units[k], unit)) continue;
    double s = f / f_read; /* rescale of internal values if the column were in units[k] */
    double a = lo * s, b = hi * s;
    if (!(a >= rlo && b <= rhi)) continue;
    double d = fabs(0.5 * (log10(a) + log10(b)) - mid);
    if (d < best) { best = d; hint = kinds[kind].units[k]; }
  }
  double show_f = 1;
  gk_unit_factor(kinds[kind].show, base, &show_f, NULL);
  char where[600] = "";
  if (file && *file && line > 0) snprintf(where, sizeof where, "%s:%ld: ", file, line);
  else if (file && *file) snprintf(where, sizeof where, "%s: ", file);
  char col[160] = "";
  if (column && *column) snprintf(col, sizeof col, "column '%s'", column);
  else snprintf(col, sizeof col, "the %s column", kinds[kind].what);
  char hinttxt[160] = "";
  if (hint)
    snprintf(hinttxt, sizeof hinttxt, "; did you mean %s? (write the unit in the column header, e.g. '%s (%s)')", hint,
             column && *column ? column : kinds[kind].what, hint);
  gk_notes_add(notes, "%s%s: %g %s is outside the plausible %s range (%g to %g %s)%s%s", where, col, bad / f_read,
               unit, kinds[kind].what, rlo / show_f, rhi / show_f, kinds[kind].show,
               kind == GK_PLAUS_TIME ? " (largest |t|)" : "", hinttxt);
  return 1;
}
