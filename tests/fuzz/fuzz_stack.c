/* fuzz_stack — YAML stack files (gk_stack_load) and the layer indices
 * (gk_stack_index at the file's wavelength or 540 nm, gk_stack_find).
 * The stack is written as stack.yaml into a private directory that also
 * holds m.yml, a valid refractiveindex.info file, so `material: m.yml`
 * exercises the file path. Inputs containing '/' are skipped: a fuzzed
 * material path must not reach files outside that directory. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include "fuzz_common.h"
#include "gainkit/stack.h"

static void setup(void)
{
  static int done;
  if (done) return;
  done = 1;
  static char dir[] = "/tmp/gk-fuzz-stack.XXXXXX";
  fuzz_private_dir(dir);
  FILE *f = fopen("m.yml", "w");
  if (!f) abort();
  fputs("DATA:\n  - type: tabulated nk\n    data: |\n        0.40 2.0 0.10\n"
        "        0.60 2.2 0.30\n        0.80 2.1 0.20\n", f);
  fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (memchr(data, '/', size)) return 0;
  setup();
  FILE *f = fopen("stack.yaml", "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  gk_stack s;
  gk_error err;
  if (gk_stack_load("stack.yaml", &s, &err) == GK_OK) {
    double *re = calloc(s.nlayers + 1, sizeof *re), *im = calloc(s.nlayers + 1, sizeof *im);
    if (!re || !im) abort();
    double wl = isfinite(s.wavelength_nm) ? s.wavelength_nm : 540.0;
    if (gk_stack_index(&s, wl, re, im, &err) == GK_OK)
      for (size_t i = 0; i < s.nlayers; i++)
        if (!(isfinite(re[i]) && isfinite(im[i]))) abort();
    (void)gk_stack_find(&s, "1");
    (void)gk_stack_find(&s, "air");
    free(re);
    free(im);
    gk_stack_free(&s);
  }
  return 0;
}
