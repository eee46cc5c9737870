/* INTERIM — placeholders so the skeleton links while the real modules are
 * written. src/units/ replaces gk_parse_quantity/gk_parse_number/
 * gk_unit_factor/gk_header_split (gk_plot_ext_ok now lives in src/plot/);
 * whoever lands those deletes the matching function here. */
#include "gainkit/gainkit.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>

int gk_parse_number(const char *text, double *out, gk_error *err)
{
  char *end;
  double v = strtod(text, &end);
  if (end == text || *end || !isfinite(v)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is not a number", text);
  *out = v;
  return GK_OK;
}

int gk_parse_quantity(const char *text, const char *base, double *out, gk_error *err)
{
  (void)base;
  return gk_parse_number(text, out, err);
}
