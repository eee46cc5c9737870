/* The umbrella header: every public header compiles together, in strict
 * ISO C11 (pedantic diagnostics are errors from here on), twice (include
 * guards), and the library links. */
#pragma GCC diagnostic error "-Wpedantic"
#include "gainkit/gainkit.h"
#include "gainkit/gainkit.h"
#include "gk_test.h"

static void test_version(void)
{
  const char *v = gk_version();
  CHECK(v != NULL);
  /* MAJOR.MINOR.PATCH: digits separated by exactly two dots */
  int major = -1, minor = -1, patch = -1, used = 0;
  CHECK(v && sscanf(v, "%d.%d.%d%n", &major, &minor, &patch, &used) == 3);
  CHECK(major >= 0 && minor >= 0 && patch >= 0);
}

/* A few entry points from different modules, referenced through the
 * umbrella only: a header that declared them differently from their
 * definitions would fail to link or compile here. */
static void test_symbols_visible(void)
{
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(e.code, GK_OK);
  double x = 0;
  CHECK_INT(gk_parse_quantity("2.5", "nm", &x, &e), GK_OK);
  CHECK_CLOSE(x, 2.5, 1e-15);
}

int main(void)
{
  RUN(test_version);
  RUN(test_symbols_visible);
  return gk_test_summary();
}
