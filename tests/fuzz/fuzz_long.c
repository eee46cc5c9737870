/* fuzz_long — the long-format TA reader (wavelength, delay, pump, dod rows
 * pivoted into one matrix per delay), gk_long_read. The first byte picks
 * the options (a delay unit for a header without one, the minimum grid);
 * the rest is the file. */
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
  static const char *const du[] = {NULL, "ps", "ns", "kg"};
  gk_long_options lo = {.read = {.max_bytes = 1 << 20},
                        .min_wavelengths = (sel >> 2) & 1 ? 3 : 0,
                        .min_pumps = (sel >> 3) & 1 ? 3 : 0,
                        .delay_unit = du[sel & 3]};
  gk_error err;
  gk_long l;
  if (gk_long_read(path, &lo, &l, &err) == GK_OK) gk_long_free(&l);
  close(fd);
  return 0;
}
