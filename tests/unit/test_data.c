/* Data input, good paths: every delimiter, comments, CRLF, BOM, header
 * units, metadata, length-unit override, matrices, sigma columns. The bad
 * paths are the catalog in tests/bad-input/ (tests/cli/test_bad_input.sh);
 * a few library-level error details are checked here too. */
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

/* Read a two-column file with default options; the y values must be
 * 10, 20, 30 and x 1, 2, 3 whatever the layout. */
static void same_table(const char *name, const char *content, char delim, int header)
{
  gk_table t;
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_table_read(put(name, content), NULL, &t, &e);
  CHECK_MSG(rc == GK_OK, "%s: %s", name, e.msg);
  if (rc != GK_OK) return;
  CHECK_MSG(t.delim == delim, "%s: delimiter '%c'", name, t.delim);
  CHECK_INT(t.has_header, header);
  CHECK_INT(t.nrows, 3);
  CHECK_INT(t.ncols, 2);
  if (t.nrows == 3 && t.ncols == 2)
    for (size_t r = 0; r < 3; r++) {
      CHECK(t.v[r * 2] == (double)(r + 1));
      CHECK(t.v[r * 2 + 1] == 10.0 * (double)(r + 1));
    }
  gk_table_free(&t);
}

static void test_delimiters(void)
{
  same_table("c.csv", "x,y\n1,10\n2,20\n3,30\n", ',', 1);
  same_table("t.tsv", "x\ty\n1\t10\n2\t20\n3\t30\n", '\t', 1);
  same_table("s.csv", "x;y\n1;10\n2;20\n3;30\n", ';', 1);
  same_table("w.txt", "  1   10\n2 \t 20\n3 30   \n", ' ', 0);
  same_table("cs.csv", "1 , 10\n2,  20\n 3,30\n", ',', 0);
  same_table("crlf.csv", "x,y\r\n1,10\r\n2,20\r\n3,30\r\n", ',', 1);
  same_table("bom.csv", "\xef\xbb\xbfx,y\n1,10\n2,20\n3,30", ',', 1);
  same_table("cm.csv", "# a comment\n\n# another: 1\nx,y # header\n1,10\n  # indented comment\n2,20 # trailing\n\n3,30\n", ',', 1);
  same_table("q.csv", "\"x, m\",\"y\"\n1,10\n2,\"20\"\n3,30\n", ',', 1);
  same_table("exp.csv", "1.0e0,1e1\n2,2.0E+1\n+3,30.\n", ',', 0);
}

static void test_table_details(void)
{
  gk_table t;
  gk_error e;
  gk_error_clear(&e);
  const char *p = put("d.csv", "# sample: CsPbBr3 NCs\n# stripe_length_cm: 0.2\n# stripe_length_cm: 0.3\n"
                               "\"L (mm)\",I (a.u.),sigma\n0.5,1,0.1\n1,2,0.1\n");
  CHECK_INT(gk_table_read(p, NULL, &t, &e), GK_OK);
  CHECK_INT(t.header_line, 4);
  CHECK_INT(t.line[0], 5);
  CHECK_INT(t.line[1], 6);
  CHECK_STR(t.raw[0], "L (mm)");
  CHECK_STR(t.name[0], "L");
  CHECK_STR(t.unit[0], "mm");
  CHECK_STR(t.name[1], "I");
  CHECK_STR(t.unit[1], "a.u.");
  CHECK_STR(t.name[2], "sigma");
  CHECK_STR(t.unit[2], "");
  CHECK_STR(gk_meta_get(&t.meta, "sample"), "CsPbBr3 NCs");
  CHECK_STR(gk_meta_get(&t.meta, "stripe_length_cm"), "0.3"); /* last wins */
  CHECK(gk_meta_get(&t.meta, "nothing") == NULL);
  gk_table_free(&t);

  /* whitespace header with units in brackets: the bracket joins its name */
  p = put("wh.txt", "L (mm)   I [counts]\n1 2\n3 4\n");
  CHECK_INT(gk_table_read(p, NULL, &t, &e), GK_OK);
  CHECK_INT(t.ncols, 2);
  if (t.ncols == 2) {
    CHECK_STR(t.name[0], "L");
    CHECK_STR(t.unit[0], "mm");
    CHECK_STR(t.name[1], "I");
    CHECK_STR(t.unit[1], "counts");
  }
  gk_table_free(&t);
}

static void columns(const char *name, const char *content, const gk_columns_options *o, gk_columns *c)
{
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_columns_read(put(name, content), o, c, &e);
  CHECK_MSG(rc == GK_OK, "%s: %s", name, e.msg);
  if (rc != GK_OK) memset(c, 0, sizeof *c);
}

static void test_header_units(void)
{
  gk_columns_options o = {.xkind = GK_XKIND_LENGTH, .reject_duplicate_x = 1};
  gk_columns c;
  columns("mm.csv", "L (mm),I\n0.5,1\n4.5,2\n", &o, &c);
  if (c.n == 2) {
    CHECK_CLOSE(c.x[0], 0.05, 1e-15);
    CHECK_CLOSE(c.x[1], 0.45, 1e-15);
    CHECK_STR(c.x_unit, "cm");
    CHECK_STR(c.x_unit_in, "mm");
    CHECK_CLOSE(c.x_factor, 0.1, 1e-15);
    CHECK_STR(c.x_name, "L");
    CHECK(c.sigma == NULL);
  }
  gk_columns_free(&c);
  columns("um.csv", "L_um,I\n100,1\n250,2\n", &o, &c);
  if (c.n == 2) { CHECK_CLOSE(c.x[0], 0.01, 1e-15); CHECK_CLOSE(c.x[1], 0.025, 1e-15); }
  gk_columns_free(&c);
  columns("cm.csv", "length [cm],I\n0.1,1\n0.2,2\n", &o, &c);
  if (c.n == 2) { CHECK(c.x[0] == 0.1); CHECK(c.x[1] == 0.2); CHECK_STR(c.x_unit_in, "cm"); }
  gk_columns_free(&c);
  /* no unit in the header: the default, else cm */
  columns("none.csv", "L,I\n1,1\n2,2\n", &o, &c);
  if (c.n == 2) { CHECK(c.x[1] == 2); CHECK_STR(c.x_unit_in, "cm"); }
  gk_columns_free(&c);
  o.x_unit_default = "mm";
  columns("none2.csv", "L,I\n1,1\n2,2\n", &o, &c);
  if (c.n == 2) { CHECK_CLOSE(c.x[1], 0.2, 1e-15); CHECK_STR(c.x_unit_in, "mm"); }
  gk_columns_free(&c);
  /* --length-unit um wins over the header */
  o.x_unit_override = "um";
  columns("ovr.csv", "L (mm),I\n100,1\n200,2\n", &o, &c);
  if (c.n == 2) { CHECK_CLOSE(c.x[0], 0.01, 1e-15); CHECK_STR(c.x_unit_in, "um"); }
  gk_columns_free(&c);

  /* fluence x passed through in its own unit when PLAIN; y unit kept */
  gk_columns_options p = {.xkind = GK_XKIND_PLAIN};
  columns("fl.csv", "fluence (uJ/cm2),I (counts)\n1,5\n2,6\n", &p, &c);
  if (c.n == 2) {
    CHECK(c.x[1] == 2);
    CHECK_STR(c.x_unit, "uJ/cm2");
    CHECK_STR(c.y_unit, "counts");
    CHECK_STR(c.y_name, "I");
  }
  gk_columns_free(&c);
  /* wavelengths to nm */
  gk_columns_options w = {.xkind = GK_XKIND_WAVELENGTH};
  columns("wl.csv", "wavelength (um),n\n0.5,2.1\n0.6,2.0\n", &w, &c);
  if (c.n == 2) { CHECK_CLOSE(c.x[0], 500, 1e-15); CHECK_STR(c.x_unit, "nm"); }
  gk_columns_free(&c);
}

static void test_sigma_and_sorting(void)
{
  gk_columns_options o = {.xkind = GK_XKIND_LENGTH, .allow_unsorted = 1, .require_positive_sigma = 1};
  gk_columns c;
  columns("sig.csv", "L (cm)\tI\tdI\n0.3\t30\t3\n0.1\t10\t1\n0.2\t20\t2\n", &o, &c);
  if (c.n == 3) {
    CHECK(c.sigma != NULL);
    for (size_t i = 0; i < 3; i++) {
      CHECK_CLOSE(c.x[i], 0.1 * (double)(i + 1), 1e-15);
      CHECK_CLOSE(c.y[i], 10.0 * (double)(i + 1), 1e-15);
      CHECK_CLOSE(c.sigma[i], (double)(i + 1), 1e-15);
    }
    CHECK_INT(c.line[0], 3);  /* lines travel with their points */
    CHECK_INT(c.line[2], 2);
  }
  gk_columns_free(&c);
}

static void expect_error(const char *name, const char *content, const gk_columns_options *o,
                         int code, long line, const char *want)
{
  gk_columns c;
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_columns_read(put(name, content), o, &c, &e);
  CHECK_MSG(rc == code, "%s: rc %d, expected %d (%s)", name, rc, code, e.msg);
  CHECK_MSG(e.line == line, "%s: line %ld, expected %ld (%s)", name, e.line, line, e.msg);
  CHECK_MSG(strstr(e.msg, want) != NULL, "%s: '%s' lacks '%s'", name, e.msg, want);
  CHECK_MSG(strstr(e.file, name) != NULL, "%s: file '%s'", name, e.file);
  if (rc == GK_OK) gk_columns_free(&c);
}

static void test_errors(void)
{
  gk_columns_options o = {.xkind = GK_XKIND_LENGTH, .reject_duplicate_x = 1,
                          .require_positive_x = 1, .require_positive_sigma = 1};
  expect_error("e1.csv", "x,y\n1,2\n2,abc\n", &o, GK_EINPUT, 3, "column 2: 'abc' is not a number");
  expect_error("e2.csv", "x,y\n1,2\n2,2\n1,3\n", &o, GK_EINPUT, 4, "duplicate x = 1 cm (also on line 2)");
  expect_error("e3.csv", "x,y\n0,2\n2,2\n", &o, GK_EINPUT, 2, "not positive");
  expect_error("e4.csv", "x,y,s\n1,2,0.1\n2,2,0\n", &o, GK_EINPUT, 3, "sigma");
  expect_error("e5.csv", "L (ns),y\n1,2\n2,2\n", &o, GK_EINPUT, 1, "'ns' is a time, expected a length (cm)");
  expect_error("e6.csv", "x,y\n1,2\n", &o, GK_EINPUT, 2, "too few data rows: 1, at least 2");
  expect_error("e7.csv", "1,2,3,4\n2,3,4,5\n", &o, GK_EINPUT, 1, "4 columns");
  expect_error("e8.csv", "x;y\n1;2\n2;1,5\n", &o, GK_EINPUT, 3, "decimal separator");
  o.require_increasing = 1;
  expect_error("e9.csv", "x,y\n1,2\n3,2\n2,3\n", &o, GK_EINPUT, 4, "x must increase");
  gk_read_options small = {.max_bytes = 10};
  o.read = small;
  expect_error("e10.csv", "x,y\n1,2\n2,3\n", &o, GK_ELIMIT, 0, "limit of 10 bytes");
  o.read.max_bytes = 0;
  char missing[600];
  snprintf(missing, sizeof missing, "%s/missing.csv", dir);
  gk_columns c;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_columns_read(missing, &o, &c, &e), GK_EIO);
  CHECK(strstr(e.msg, "No such file") != NULL);
  /* the environment variable sets the limit when the option does not */
  setenv("GAINKIT_MAX_INPUT_BYTES", "5", 1);
  expect_error("e11.csv", "x,y\n1,2\n2,3\n", &o, GK_ELIMIT, 0, "limit of 5 bytes");
  unsetenv("GAINKIT_MAX_INPUT_BYTES");
}

static void test_matrix(void)
{
  gk_matrix m;
  gk_error e;
  gk_error_clear(&e);
  gk_matrix_options o = {.col_kind = GK_XKIND_LENGTH, .require_increasing_rows = 1};
  const char *p = put("m.csv", "# pump_uJ_cm2: 20\nwavelength (nm) \\ L (mm),0.5,1.0,1.5\n"
                               "520,1,2,3\n521,4,5,6\n522,7,8,9\n523,1,1,1\n");
  CHECK_INT(gk_matrix_read(p, &o, &m, &e), GK_OK);
  if (m.nrow == 4 && m.ncol == 3) {
    CHECK_CLOSE(m.col[0], 0.05, 1e-15);
    CHECK_CLOSE(m.col[2], 0.15, 1e-15);
    CHECK_STR(m.col_unit, "cm");
    CHECK_STR(m.col_unit_in, "mm");
    CHECK_STR(m.col_name, "L");
    CHECK_STR(m.row_name, "wavelength");
    CHECK(m.row[0] == 520 && m.row[3] == 523);
    CHECK(m.z[1 * 3 + 2] == 6);
    CHECK(m.z[2 * 3 + 0] == 7);
    CHECK_INT(m.line[0], 3);
    CHECK_STR(gk_meta_get(&m.meta, "pump_uJ_cm2"), "20");
  } else {
    CHECK_MSG(0, "matrix shape %zu x %zu: %s", m.nrow, m.ncol, e.msg);
  }
  gk_matrix_free(&m);

  /* a single non-wavelength corner label names the columns; rows in um,
   * decreasing (allowed: monotonic), whitespace-separated corner words */
  gk_matrix_options f = {.col_kind = GK_XKIND_PLAIN, .require_increasing_rows = 1,
                         .row_unit_override = "um"};
  p = put("f.txt", "pump fluence (uJ/cm2)  10 20\n0.53 1 2\n0.52 3 4\n");
  CHECK_INT(gk_matrix_read(p, &f, &m, &e), GK_OK);
  if (m.nrow == 2 && m.ncol == 2) {
    CHECK_STR(m.corner, "pump fluence (uJ/cm2)");
    CHECK_STR(m.col_name, "pump fluence");
    CHECK_STR(m.col_unit_in, "uJ/cm2");
    CHECK_STR(m.col_unit, "uJ/cm2");
    CHECK(m.col[1] == 20);
    CHECK_CLOSE(m.row[0], 530, 1e-15);
    CHECK_CLOSE(m.row[1], 520, 1e-15);
  } else {
    CHECK_MSG(0, "matrix f.txt: %s", e.msg);
  }
  gk_matrix_free(&m);

  /* a wavelength-only corner describes the rows */
  p = put("g.csv", "lambda (um),1,2\n0.5,1,2\n0.6,3,4\n");
  gk_matrix_options g = {.col_kind = GK_XKIND_PLAIN};
  CHECK_INT(gk_matrix_read(p, &g, &m, &e), GK_OK);
  if (m.nrow == 2) { CHECK_CLOSE(m.row[1], 600, 1e-15); CHECK_STR(m.row_unit_in, "um"); CHECK_STR(m.col_name, ""); }
  gk_matrix_free(&m);

  p = put("h.csv", "wl,1,2,1\n500,1,2,3\n501,1,2,3\n");
  CHECK_INT(gk_matrix_read(p, &g, &m, &e), GK_EINPUT);
  CHECK_INT(e.line, 1);
  CHECK(strstr(e.msg, "appears twice") != NULL);
  p = put("i.csv", "wl,1,2\n500,1,2\n501,1,2\n500,1,2\n");
  CHECK_INT(gk_matrix_read(p, &g, &m, &e), GK_EINPUT);
  CHECK_INT(e.line, 4);
  CHECK(strstr(e.msg, "duplicate wavelength 500 nm (also on line 2)") != NULL);
}

int main(void)
{
  snprintf(dir, sizeof dir, "%s/gk-test-data.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  RUN(test_delimiters);
  RUN(test_table_details);
  RUN(test_header_units);
  RUN(test_sigma_and_sorting);
  RUN(test_errors);
  RUN(test_matrix);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return gk_test_summary();
}
