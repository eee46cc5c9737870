/* fuzz_matrix — the matrix reader (spectra versus a column parameter),
 * gk_matrix_read. The first byte picks the options (column kind, unit
 * overrides, monotonic rows); the rest is the file. */
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

  static const char *const col_over[] = {NULL, "mm", "um", "cm"};
  static const char *const row_over[] = {NULL, NULL, "nm", "um"};
  gk_matrix_options mo = {
      .read = {.max_bytes = 1 << 20},
      .col_kind = (sel & 1) ? GK_XKIND_LENGTH : GK_XKIND_PLAIN,
      .col_unit_override = (sel & 1) ? col_over[(sel >> 1) & 3] : NULL,
      .col_unit_default = (sel & 1) ? "cm" : NULL,
      .require_increasing_rows = (sel >> 3) & 1,
      .min_rows = (sel >> 4) & 1 ? 3 : 0,
      .min_cols = (sel >> 5) & 1 ? 2 : 0,
      .row_unit_override = row_over[(sel >> 6) & 3],
  };
  gk_error err;
  gk_matrix m;
  if (gk_matrix_read(path, &mo, &m, &err) == GK_OK) gk_matrix_free(&m);
  close(fd);
  return 0;
}
