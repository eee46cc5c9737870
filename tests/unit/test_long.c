/* Long-format TA sets (gk_long_read): the pivot against values computed
 * from the coordinates of each row, with shuffled rows, reordered columns
 * and units; then every error with its line. */
#include "gk_test.h"
#include "gainkit/gainkit.h"
#include <stdlib.h>
#include <unistd.h>

static char dir[256];

static const char *put(const char *name, const char *content)
{
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); exit(1); }
  fwrite(content, 1, strlen(content), f);
  fclose(f);
  return path;
}

/* Delta OD of the synthetic grid, in mOD as written: every cell distinct,
 * so any mix-up of rows, columns or delays changes a value. */
static double zval(double wl_um, double d_ps, double pump) { return wl_um * 1000 + d_ps * 0.01 + pump * 7; }

static void test_pivot(void)
{
  static const double wl_um[] = {0.52, 0.51, 0.53};  /* written unsorted */
  static const double d_ps[] = {8, -1, 2.5};
  static const double pump[] = {30, 10};
  enum { NW = 3, ND = 3, NP = 2, N = NW * ND * NP };
  /* rows in a scrambled order: stride 7 through 0..17 (7 and 18 coprime) */
  char buf[4096];
  size_t len = (size_t)snprintf(buf, sizeof buf,
                                "# long-format test\n# sample: A\n"
                                "Pump (uJ/cm2)\tdOD (mOD)\tDelay (ps)\tWavelength (um)\n");
  long line_of[N];
  for (int k = 0; k < N; k++) {
    int c = (k * 7) % N, w = c % NW, p = c / NW % NP, d = c / NW / NP;
    line_of[c] = 4 + k;
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%g\t%.10g\t%g\t%g\n", pump[p],
                            zval(wl_um[w], d_ps[d], pump[p]), d_ps[d], wl_um[w]);
  }
  gk_long l;
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_long_read(put("pivot.tsv", buf), NULL, &l, &e);
  CHECK_MSG(rc == GK_OK, "%s:%ld: %s", e.file, e.line, e.msg);
  if (rc != GK_OK) return;
  CHECK_INT(l.ndelay, 3);
  CHECK_INT(l.header_line, 3);
  CHECK_STR(l.delay_unit_in, "ps");
  CHECK_STR(gk_meta_get(&l.meta, "sample"), "A");
  static const double want_d[] = {-1e-12, 2.5e-12, 8e-12};
  static const double want_w[] = {510, 520, 530};  /* nm, increasing */
  static const double want_p[] = {10, 30};
  static const int wsrc[] = {1, 0, 2}, dsrc[] = {1, 2, 0}, psrc[] = {1, 0};
  for (size_t d = 0; d < 3; d++) {
    CHECK_CLOSE(l.delay[d], want_d[d], 1e-14);
    const gk_matrix *m = &l.m[d];
    CHECK_INT(m->nrow, 3);
    CHECK_INT(m->ncol, 2);
    CHECK_STR(m->col_unit_in, "uJ/cm2");
    CHECK_STR(m->row_unit_in, "um");
    for (size_t j = 0; j < 2; j++) CHECK_CLOSE(m->col[j], want_p[j], 1e-15);
    for (size_t i = 0; i < 3; i++) {
      CHECK_CLOSE(m->row[i], want_w[i], 1e-12);
      long first = 0;
      for (size_t j = 0; j < 2; j++) {
        int c = (dsrc[d] * NP + psrc[j]) * NW + wsrc[i];
        CHECK_CLOSE(m->z[i * 2 + j], 1e-3 * zval(wl_um[wsrc[i]], d_ps[dsrc[d]], pump[psrc[j]]), 1e-13);
        if (!first || line_of[c] < first) first = line_of[c];
      }
      CHECK_INT(m->line[i], first);
    }
  }
  /* the first line of each delay: -1 ps is cell 6.. of the writing order */
  for (size_t d = 0; d < 3; d++) {
    long first = 0;
    for (int c = 0; c < N; c++)
      if (c / NW / NP == dsrc[d] && (!first || line_of[c] < first)) first = line_of[c];
    CHECK_INT(l.delay_line[d], first);
  }
  gk_long_free(&l);

  /* header spellings: <N> with no unit, ΔOD in OD, delay in ns, comma-separated */
  rc = gk_long_read(put("names.csv", "\xce\xbb (nm),<N>,t (ns),\xce\x94OD\n"
                                      "500,1,0.001,-0.1\n510,1,0.001,-0.2\n"
                                      "510,2,0.001,-0.4\n500,2,0.001,-0.3\n"),
                    NULL, &l, &e);
  CHECK_MSG(rc == GK_OK, "%s:%ld: %s", e.file, e.line, e.msg);
  if (rc != GK_OK) return;
  CHECK_INT(l.ndelay, 1);
  CHECK_CLOSE(l.delay[0], 1e-12, 1e-14);
  CHECK_STR(l.m[0].col_unit_in, "");
  static const double z2[] = {-0.1, -0.3, -0.2, -0.4};
  for (int i = 0; i < 4; i++) CHECK_CLOSE(l.m[0].z[i], z2[i], 1e-15);
  gk_long_free(&l);
}

static void expect_error(const char *name, const char *content, long line, const char *want)
{
  gk_long l;
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_long_read(put(name, content), NULL, &l, &e);
  CHECK_MSG(rc == GK_EINPUT, "%s: rc %d, expected GK_EINPUT (%s)", name, rc, e.msg);
  CHECK_MSG(e.line == line, "%s: line %ld, expected %ld (%s)", name, e.line, line, e.msg);
  CHECK_MSG(strstr(e.msg, want) != NULL, "%s: '%s' lacks '%s'", name, e.msg, want);
  CHECK_MSG(strstr(e.file, name) != NULL, "%s: file '%s'", name, e.file);
  if (rc == GK_OK) gk_long_free(&l);
}

#define H "wavelength (nm),delay (ps),pump,dod\n"
#define GRID "500,1,1,0\n510,1,1,0\n500,1,2,0\n510,1,2,0\n"

static void test_errors(void)
{
  expect_error("miss.csv", "# c\nwavelength (nm),delay (ps),dod\n500,1,0\n510,1,0\n500,2,0\n510,2,0\n", 2,
               "no pump column");
  expect_error("unknown.csv", "wavelength,delay (ps),pump,dod,sigma\n500,1,1,0,1\n510,1,1,0,1\n"
                              "500,1,2,0,1\n510,1,2,0,1\n", 1, "column 5 'sigma' is not one of");
  expect_error("twice.csv", "wavelength,delay (ps),n_mean,pump\n" GRID, 1,
               "columns 3 and 4 both name the pump");
  expect_error("cell.csv", H "500,1,1,0\n510,1,abc,0\n500,1,2,0\n510,1,2,0\n", 3,
               "'abc' is not a number");
  expect_error("noheader.csv", "500,1,1,0\n510,1,1,0\n500,1,2,0\n510,1,2,0\n", 1, "needs a header");
  expect_error("nounit.csv", "wavelength,delay,pump,dod\n" GRID, 1, "has no unit");
  expect_error("tunit.csv", "wavelength,delay (nm),pump,dod\n" GRID, 1, "'nm' is not a time");
  expect_error("zunit.csv", "wavelength,delay (ps),pump,dod (cm-1)\n" GRID, 1, "not OD or mOD");
  expect_error("wunit.csv", "wavelength (ps),delay (ps),pump,dod\n" GRID, 1, "column 1 (wavelength)");
  expect_error("neg.csv", H "500,1,1,0\n-510,1,1,0\n500,1,2,0\n510,1,2,0\n", 3, "not positive");
  /* the second occurrence of the earliest-completed duplicate: line 6 */
  expect_error("dup.csv", H "500,1,1,0\n510,1,1,0\n500,1,2,0\n510,1,2,0\n500,1,1,5\n510,1,1,0\n", 6,
               "duplicate row for wavelength 500 nm, delay 1 ps, pump 1 (also on line 2)");
  expect_error("onewl.csv", H "500,1,1,0\n500,1,2,0\n500,1,3,0\n500,2,1,0\n", 2,
               "1 wavelength in 4 rows; at least 2 needed");
  expect_error("onepump.csv", H "500,1,1,0\n510,1,1,0\n520,1,1,0\n530,1,1,0\n", 2,
               "1 pump level in 4 rows");
  /* (delay 2, pump 2) lacks 510 nm; that block is line 8 */
  expect_error("hole.csv", H GRID "500,2,1,0\n510,2,1,0\n500,2,2,0\n", 8,
               "delay 2 ps, pump 2: no row for wavelength 510 nm (the grid has that wavelength from line 3)");
  /* a wavelength only one block has: the first block lacks it */
  expect_error("extrawl.csv", H GRID "520,1,2,0\n", 2,
               "delay 1 ps, pump 1: no row for wavelength 520 nm (the grid has that wavelength from line 6)");
  /* a pump missing at a whole delay: pointed at that delay's first line */
  expect_error("block.csv", H GRID "500,2,1,0\n510,2,1,0\n", 6,
               "delay 2 ps has no rows for pump 2 (the grid has that pump from line 4)");
}

int main(void)
{
  snprintf(dir, sizeof dir, "%s/gk-test-long.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  RUN(test_pivot);
  RUN(test_errors);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return gk_test_summary();
}
