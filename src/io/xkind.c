/* gk_columns_guess_xkind (gainkit/data.h): the x kind a command would
 * choose for a table, as `gainkit inspect` reports it. */
#include <string.h>
#include <strings.h>

#include "gainkit/data.h"
#include "gainkit/units.h"

gk_xkind gk_columns_guess_xkind(const gk_table *t, const char *length_unit)
{
  double f;
  const int is_length = *t->unit[0] && gk_unit_factor(t->unit[0], "cm", &f, NULL) == GK_OK;
  if (!length_unit && !is_length) return GK_XKIND_PLAIN;
  if (length_unit) return GK_XKIND_LENGTH;
  const char *nm = t->name[0];
  return !strcasecmp(nm, "wavelength") || !strcasecmp(nm, "lambda") || !strcmp(nm, "\xce\xbb") ? GK_XKIND_WAVELENGTH
                                                                                              : GK_XKIND_LENGTH;
}
