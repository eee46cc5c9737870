/* Stack files: layers, materials by path (relative to the stack file) and
 * built-in name, and every kind of bad stack reported at its line. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gainkit/stack.h"
#include "gk_test.h"

static char dir[64];

static void put(const char *name, const char *text, char *path, size_t size)
{
  snprintf(path, size, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

static void test_good_stack(void)
{
  char p[256], mp[256];
  put("film.yml", "DATA:\n  - type: tabulated nk\n    data: |\n        0.5 2.3 0.01\n        0.6 2.5 0.03\n", mp, sizeof mp);
  put("stack.yaml",
      "wavelength_nm: 540\n"
      "layers:\n"
      "  - {name: air, material: air}\n"
      "  - {name: film, material: film.yml, thickness_nm: 120, active: true}\n"
      "  - {name: ito, n: 1.9, k: 0.01, thickness_nm: 20}\n"
      "  - {name: glass, material: quartz}\n",
      p, sizeof p);
  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  CHECK(gk_stack_load(p, &s, &e) == GK_OK);
  CHECK_INT(s.nlayers, 4);
  CHECK_INT(s.active, 1);
  CHECK_CLOSE(s.wavelength_nm, 540, 0);
  CHECK(isnan(s.layers[0].thickness_nm) && isnan(s.layers[3].thickness_nm));
  CHECK_CLOSE(s.layers[1].thickness_nm, 120, 0);
  CHECK_INT(s.layers[2].line, 5);
  double re[4], im[4];
  CHECK(gk_stack_index(&s, 550, re, im, &e) == GK_OK);
  CHECK_CLOSE(re[1], 2.4, 1e-12);
  CHECK_CLOSE(im[1], 0.02, 1e-12);
  CHECK_CLOSE(re[2], 1.9, 0);
  CHECK_CLOSE(im[2], 0.01, 0);
  CHECK(re[0] > 1.0002 && re[0] < 1.0003);
  CHECK_ABS(re[3], 1.4599, 2e-4);
  /* outside the film's data: the error names the stack line of that layer */
  CHECK(gk_stack_index(&s, 700, re, im, &e) == GK_EUSAGE);
  CHECK_STR(e.file, p);
  CHECK_INT(e.line, 4);
  CHECK(gk_stack_find(&s, "ito") == 2);
  CHECK(gk_stack_find(&s, "3") == 2);
  CHECK(gk_stack_find(&s, "nope") == -1);
  CHECK(gk_stack_find(&s, "9") == -1);
  gk_stack_free(&s);
  unlink(mp);
  unlink(p);
}

static void bad(const char *text, long line, const char *what)
{
  char p[256];
  put("bad.yaml", text, p, sizeof p);
  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_stack_load(p, &s, &e);
  CHECK_MSG(rc == GK_EINPUT, "%s: rc %d (%s)", what, rc, e.msg);
  CHECK_MSG(e.line == line, "%s: line %ld, expected %ld: %s", what, e.line, line, e.msg);
  CHECK_STR(e.file, p);
  CHECK(s.layers == NULL);
  unlink(p);
}

static void test_bad_stacks(void)
{
  bad("layers:\n  - {n: 1}\n  - {n: 2, thickness_nm: 10, active: true}\n  - {n: 2, thickness_nm: 10, active: true}\n  - {n: 1.5}\n",
      4, "two active layers");
  bad("layers:\n  - {n: 1}\n  - {n: 2}\n  - {n: 1.5}\n", 3, "missing thickness");
  bad("layers:\n  - {n: 1, thickness_nm: 5}\n  - {n: 1.5}\n", 2, "cover thickness");
  bad("layers:\n  - {n: 1}\n  - {n: 2, thickness: 10}\n  - {n: 1.5}\n", 3, "unknown key");
  bad("layers:\n  - {n: 1}\n  - {n: 2, material: SiO2, thickness_nm: 10}\n  - {n: 1.5}\n", 3, "n and material");
  bad("layers:\n  - {n: 1}\n  - {material: nothere.yml, thickness_nm: 10}\n  - {n: 1.5}\n", 3, "missing material file");
  bad("layers:\n  - {n: 1}\n  - {material: kryptonite, thickness_nm: 10}\n  - {n: 1.5}\n", 3, "unknown built-in");
  bad("layers:\n  - {n: 1}\n  - {n: -2, thickness_nm: 10}\n  - {n: 1.5}\n", 3, "negative n");
  bad("layers:\n  - {n: 1}\n  - {n: 2, thickness_nm: abc}\n  - {n: 1.5}\n", 3, "thickness not a number");
  bad("layers:\n  - {n: 1}\n  - {n: 2, thickness_nm: 0}\n  - {n: 1.5}\n", 3, "zero thickness");
  bad("layers:\n  - {n: 1}\n", 2, "one layer");
  bad("layers:\n  - {n: 1}\n  - {k: 0.1, thickness_nm: 5}\n  - {n: 1}\n", 3, "k without n");
  bad("wavelength: 540\nlayers:\n  - {n: 1}\n  - {n: 1}\n", 1, "unknown top-level key");
  bad("layers:\n  - {n: 1\n  - {n: 2}\n", 3, "YAML syntax");
  bad("layers:\n  - {n: 1}\n  - {n: 2, thickness_nm: 10, active: maybe}\n  - {n: 1}\n", 3, "active not a boolean");
  bad("- 1\n- 2\n", 1, "not a mapping");
  /* a bad material file reports its own line */
  char mp[256], p[256];
  put("m.yml", "DATA:\n  - type: tabulated nk\n    data: |\n        0.5 2.3\n", mp, sizeof mp);
  put("s.yaml", "layers:\n  - {n: 1}\n  - {material: m.yml, thickness_nm: 10}\n  - {n: 1}\n", p, sizeof p);
  gk_stack s;
  gk_error e;
  CHECK(gk_stack_load(p, &s, &e) == GK_EINPUT);
  CHECK_STR(e.file, mp);
  CHECK_INT(e.line, 4);
  unlink(mp);
  unlink(p);
}

int main(void)
{
  snprintf(dir, sizeof dir, "/tmp/gk-stack-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  RUN(test_good_stack);
  RUN(test_bad_stacks);
  rmdir(dir);
  return gk_test_summary();
}
