/* fuzz_io — the vendor readers of gainkit/io.h (gk_io_read) and the matrix
 * orientation detection. The first byte picks the reader (auto or one of
 * gk_io_format_names), decimal comma, a column choice, and whether the
 * file is also read as a matrix with orientation detection; the rest is
 * the file. */
#define _GNU_SOURCE
#include <stdio.h>
#include "fuzz_common.h"
#include "gainkit/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  unsigned sel;
  char path[64];
  int fd = fuzz_sel_file(data, size, &sel, path, sizeof path);
  if (fd < 0) return 0;
  static const char *const fmt[] = {NULL, "ocean", "avantes", "andor", "lightfield",
                                    "labspec", "origin", "spe"};  /* csv: by detection */
  static const char *const ycol[] = {NULL, "2", "Sample", "3"};
  gk_io_options o = {.read = {.max_bytes = 1 << 20},
                     .format = fmt[sel & 7],
                     .decimal_comma = (sel >> 3) & 1,
                     .y_col = ycol[(sel >> 4) & 3]};
  gk_error err;
  gk_specset s;
  if (gk_io_read(path, &o, &s, &err) == GK_OK) {
    double lev, noise;
    size_t cnt;
    int sig;
    for (size_t k = 0; k < s.nspec; k++) {
      gk_io_clipped(s.y + k * s.nwl, s.nwl, &lev, &cnt);
      gk_io_offset(s.wl, s.y + k * s.nwl, s.nwl, &lev, &noise, &sig);
    }
    gk_specset_free(&s);
  }
  if (sel & 0x40) {
    gk_matrix_options mo = {.read = {.max_bytes = 1 << 20}, .require_increasing_rows = 1,
                            .orientation = (sel & 0x80) ? GK_ORIENT_TRANSPOSED : GK_ORIENT_DETECT};
    gk_matrix m;
    if (gk_matrix_read(path, &mo, &m, &err) == GK_OK) gk_matrix_free(&m);
  }
  close(fd);
  return 0;
}
