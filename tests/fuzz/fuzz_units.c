/* fuzz_units — the quantity-with-unit parser. The input is split at the
 * first newline: gk_parse_quantity(A, base), gk_unit_factor(A, B),
 * gk_unit_describe(A), gk_unit_valid(A), gk_parse_number(A) and
 * gk_header_split(A) with small and large buffers. The first byte picks the
 * base unit of gk_parse_quantity. Results must be finite when a call
 * succeeds (the parsers promise to reject NaN and Inf). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include "fuzz_common.h"
#include "gainkit/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1) return 0;
  static const char *const bases[] = {"cm", "nm", "s", "eV", "J/cm2", "W/cm2", "cm^-1", "cm-3",
                                      "", "cm2", "A/cm2", "K"};
  const char *base = bases[data[0] % (sizeof bases / sizeof *bases)];
  char *s = fuzz_cstr(data + 1, size - 1);
  char *b = strchr(s, '\n');
  if (b) *b++ = '\0';
  else b = s;

  gk_error err;
  double v;
  if (gk_parse_quantity(s, base, &v, &err) == GK_OK && !isfinite(v)) abort();
  if (gk_parse_number(s, &v, &err) == GK_OK && !isfinite(v)) abort();
  if (gk_unit_factor(s, b, &v, &err) == GK_OK && !(isfinite(v) && v > 0)) abort();
  gk_unit_info info;
  if (gk_unit_describe(s, &info, &err) == GK_OK && !(isfinite(info.factor) && info.factor > 0)) abort();
  (void)gk_unit_valid(b);

  char name[64], unit[32], tn[2], tu[1];
  gk_header_split(s, name, sizeof name, unit, sizeof unit);
  if (!memchr(name, 0, sizeof name) || !memchr(unit, 0, sizeof unit)) abort();
  gk_header_split(s, tn, sizeof tn, tu, sizeof tu);
  if (!memchr(tn, 0, sizeof tn) || tu[0] != '\0') abort();
  free(s);
  return 0;
}
