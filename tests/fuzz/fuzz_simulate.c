/* fuzz_simulate — simulation configs: gk_sim_config_read on the bytes up to
 * the first line "---8<---" (a YAML document; the rest is the range text),
 * gk_sim_config_check on what was read, and gk_sim_parse_range on the
 * text after the marker ("FROM:TO:N" with units). The simulation itself
 * is not run: a config that checks out may legitimately take seconds. A
 * successful range must be N finite values. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include "fuzz_common.h"
#include "gainkit/simulate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char mark[] = "\n---8<---\n";
  const uint8_t *cut = memmem(data, size, mark, sizeof mark - 1);
  size_t ylen = cut ? (size_t)(cut - data) : size;
  char path[64];
  int fd = fuzz_memfile(data, ylen, path, sizeof path);
  if (fd < 0) return 0;
  gk_sim_file f;
  gk_error err;
  if (gk_sim_config_read(path, &f, &err) == GK_OK) {
    (void)gk_sim_config_check(&f.cfg, &err);
    for (size_t i = 0; i < f.nsweep; i++)
      if (!isfinite(f.sweep[i])) abort();
    gk_sim_file_free(&f);
  }
  close(fd);
  if (cut) {
    char *range = fuzz_cstr(cut + sizeof mark - 1, size - ylen - (sizeof mark - 1));
    double *v;
    size_t n;
    if (gk_sim_parse_range(range, data[0] & 1 ? "J/cm2" : "cm", &v, &n, &err) == GK_OK) {
      if (n == 0) abort();
      for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) abort();
      free(v);
    }
    free(range);
  }
  return 0;
}
