/* fuzz_columns — the delimited-text reader: gk_table_read and
 * gk_columns_read on the same bytes. The first byte picks the column
 * options (x kind, unit override, sorting, sigma checks) so that every
 * branch of the column layer is reachable; the rest is the file. */
#define _GNU_SOURCE
#include <stdio.h>
#include "fuzz_common.h"
#include "gainkit/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  unsigned sel;
  char path[64];
  int fd = fuzz_sel_file(data, size, &sel, path, sizeof path);
  if (fd < 0) return 0;

  gk_error err;
  gk_table t;
  gk_read_options ro = {.max_bytes = 1 << 20, .min_rows = sel & 1 ? 3 : 0};
  if (gk_table_read(path, &ro, &t, &err) == GK_OK) gk_table_free(&t);

  static const char *const overrides[] = {NULL, "mm", "um", "cm"};
  gk_columns_options co = {
      .read = ro,
      .xkind = (gk_xkind)((sel >> 1) % 3),
      .x_unit_override = overrides[(sel >> 3) & 3],
      .x_unit_default = (sel >> 1) % 3 == GK_XKIND_WAVELENGTH ? "nm" : "cm",
      .require_increasing = (sel >> 5) & 1,
      .allow_unsorted = (sel >> 6) & 1,
      .reject_duplicate_x = 1,
      .require_positive_x = (sel >> 7) & 1,
      .require_positive_sigma = (sel >> 7) & 1,
  };
  if (co.xkind == GK_XKIND_PLAIN) co.x_unit_override = NULL;
  if (co.xkind == GK_XKIND_WAVELENGTH && co.x_unit_override) co.x_unit_override = "um";
  gk_columns c;
  if (gk_columns_read(path, &co, &c, &err) == GK_OK) gk_columns_free(&c);
  close(fd);
  return 0;
}
