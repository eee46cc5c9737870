/* gk_dir_list: entries sorted, hidden ones skipped, an unreadable
 * directory named in the error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gainkit/output.h"
#include "gk_test.h"

static void test_list(void)
{
  char dir[] = "/tmp/gk-dirlist.XXXXXX";
  if (!mkdtemp(dir)) { CHECK(0); return; }
  static const char *const make[] = {"b.json", "a.txt", ".hidden", "C.svg"};
  char p[128];
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, make[i]);
    FILE *f = fopen(p, "w");
    if (f) fclose(f);
  }
  char **names;
  size_t n;
  gk_error e;
  CHECK_INT(gk_dir_list(dir, &names, &n, &e), GK_OK);
  CHECK_INT(n, 3);
  if (n == 3) {
    CHECK_STR(names[0], "C.svg");   /* strcmp order: upper case first */
    CHECK_STR(names[1], "a.txt");
    CHECK_STR(names[2], "b.json");
  }
  gk_dir_list_free(names, n);
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, make[i]);
    unlink(p);
  }
  rmdir(dir);
  CHECK_INT(gk_dir_list(dir, &names, &n, &e), GK_EIO);
  CHECK_STR(e.file, dir);
  CHECK(strstr(e.msg, "cannot read the directory") != NULL);
  CHECK(names == NULL && n == 0);
}

int main(void)
{
  RUN(test_list);
  return gk_test_summary();
}
