/* gk_columns_guess_xkind: the x kind `gainkit inspect` reports, from the
 * x header (length unit, wavelength name) or a forced length unit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gainkit/data.h"
#include "gk_test.h"

static gk_xkind kind_of(const char *text, const char *length_unit)
{
  char path[] = "/tmp/gk-xkind.XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return (gk_xkind)-1;
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  gk_table t;
  gk_read_options ro = {0};
  gk_error e;
  gk_xkind k = (gk_xkind)-1;
  if (gk_table_read(path, &ro, &t, &e) == GK_OK) {
    k = gk_columns_guess_xkind(&t, length_unit);
    gk_table_free(&t);
  }
  unlink(path);
  return k;
}

static void test_kinds(void)
{
  CHECK_INT(kind_of("L (mm),I\n1,2\n2,3\n", NULL), GK_XKIND_LENGTH);
  CHECK_INT(kind_of("wavelength (nm),I\n500,2\n510,3\n", NULL), GK_XKIND_WAVELENGTH);
  CHECK_INT(kind_of("Lambda (nm),I\n500,2\n510,3\n", NULL), GK_XKIND_WAVELENGTH);
  CHECK_INT(kind_of("\xce\xbb (nm),I\n500,2\n510,3\n", NULL), GK_XKIND_WAVELENGTH);
  CHECK_INT(kind_of("t (ns),I\n1,2\n2,3\n", NULL), GK_XKIND_PLAIN);
  CHECK_INT(kind_of("x,I\n1,2\n2,3\n", NULL), GK_XKIND_PLAIN);
  CHECK_INT(kind_of("1,2\n2,3\n", NULL), GK_XKIND_PLAIN);
  /* a forced length unit: a length, even for a wavelength column */
  CHECK_INT(kind_of("x,I\n1,2\n2,3\n", "um"), GK_XKIND_LENGTH);
  CHECK_INT(kind_of("wavelength (nm),I\n500,2\n510,3\n", "um"), GK_XKIND_LENGTH);
}

int main(void)
{
  RUN(test_kinds);
  return gk_test_summary();
}
