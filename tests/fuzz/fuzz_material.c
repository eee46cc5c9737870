/* fuzz_material — refractiveindex.info YAML files (gk_material_load) and
 * their evaluation: when a file loads, n and k are evaluated at both ends
 * and the middle of its range and must be finite (a formula that gives NaN
 * inside its declared range would otherwise reach the mode solver). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include "fuzz_common.h"
#include "gainkit/material.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[64];
  int fd = fuzz_memfile(data, size, path, sizeof path);
  if (fd < 0) return 0;
  gk_material *m;
  gk_error err;
  if (gk_material_load(path, &m, &err) == GK_OK) {
    double lo, hi;
    gk_material_range(m, &lo, &hi);
    const double at[] = {lo, hi, 0.5 * (lo + hi)};
    for (int i = 0; i < 3; i++) {
      double n, k;
      if (gk_material_nk(m, at[i], &n, &k, &err) == GK_OK && !(isfinite(n) && isfinite(k))) abort();
    }
    gk_material_free(m);
  }
  close(fd);
  return 0;
}
