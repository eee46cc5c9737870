/* Optical constants: the nine refractiveindex.info formulas against known
 * values, tables and interpolation, combined n/k sources, range errors,
 * malformed files with their lines, and the database files in ../shared
 * (skipped when absent). */
#include <stdio.h>
#include <unistd.h>

#include "gainkit/material.h"
#include "gk_test.h"

static const char *write_tmp(const char *text, char *path, size_t size)
{
  snprintf(path, size, "/tmp/gk-material-XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) return NULL;
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  return path;
}

static double formula(int f, const double *c, size_t nc, double L)
{
  double n = NAN;
  gk_error e;
  if (gk_material_formula(f, c, nc, L, &n, &e) != GK_OK) return NAN;
  return n;
}

static void test_formulas_known_values(void)
{
  const double d = 0.5875618;   /* helium d line, µm */
  /* 1: fused silica, Malitson 1965: n_d = 1.45846 */
  double sio2[] = {0, 0.6961663, 0.0684043, 0.4079426, 0.1162414, 0.8974794, 9.896161};
  CHECK_ABS(formula(1, sio2, 7, d), 1.45846, 2e-5);
  /* 2: SCHOTT N-BK7, catalogue n_d = 1.51680 */
  double bk7[] = {0, 1.03961212, 0.00600069867, 0.231792344, 0.0200179144, 1.01046945, 103.560653};
  CHECK_ABS(formula(2, bk7, 7, d), 1.51680, 2e-5);
  /* 6: standard air, Ciddor 1996: n - 1 = 2.7718e-4 at 587.6 nm */
  double air[] = {0, 0.05792105, 238.0185, 0.00167917, 57.362};
  CHECK_ABS(formula(6, air, 5, d) - 1, 2.7718e-4, 2e-8);
  /* 9: rutile ordinary ray, DeVore 1951: n_o = 2.613 at 589 nm */
  double tio2[] = {5.913, 0.2441, 0.0803, 0, 0, 0};
  CHECK_ABS(formula(9, tio2, 6, 0.589), 2.613, 2e-3);
  /* 9's Lorentzian term: C4 (L-C5)/((L-C5)^2 + C6) */
  double ex[] = {2.0, 0, 0, 0.5, 0.25, 0.0625};
  CHECK_CLOSE(formula(9, ex, 6, 0.5), sqrt(2.0 + 0.5 * 0.25 / (0.0625 + 0.0625)), 1e-14);
  /* 3: polynomial n^2 = 2.25 + 0.01 L^-2 */
  double poly[] = {2.25, 0.01, -2};
  CHECK_CLOSE(formula(3, poly, 3, 0.5), sqrt(2.29), 1e-14);
  /* 4 with powers 2 reduces to the Sellmeier form plus a polynomial term */
  double ri[] = {1, 0.6961663, 2, 0.0684043, 2, 0.4079426, 2, 0.1162414, 2, 0.01, -2};
  double s1 = formula(1, sio2, 5, 0.6);  /* first two Sellmeier terms only */
  CHECK_CLOSE(formula(4, ri, 11, 0.6), sqrt(s1 * s1 + 0.01 / 0.36), 1e-13);
  /* 5: Cauchy n = 1.5 + 0.004 L^-2 */
  double cau[] = {1.5, 0.004, -2};
  CHECK_CLOSE(formula(5, cau, 3, 0.5), 1.516, 1e-14);
  /* 7: Herzberger, 0.00222/(0.25 - 0.028) = 0.01 */
  double hz[] = {1.5, 0.00222, 0, 0, 0, 0};
  CHECK_CLOSE(formula(7, hz, 6, 0.5), 1.51, 1e-14);
  double hz2[] = {1.5, 0, 0, 0.01, 0.001, 0.0001};
  CHECK_CLOSE(formula(7, hz2, 6, 2.0), 1.5 + 0.04 + 0.016 + 0.0064, 1e-14);
  /* 8: retro (Lorentz-Lorenz), (n^2-1)/(n^2+2) = 0.25 -> n^2 = 2 */
  double re[] = {0.25, 0, 0, 0};
  CHECK_CLOSE(formula(8, re, 4, 0.5), sqrt(2.0), 1e-14);
  double n;
  gk_error e;
  CHECK(gk_material_formula(10, re, 4, 0.5, &n, &e) == GK_EUSAGE);
  double neg[] = {-3.0};
  CHECK(gk_material_formula(3, neg, 1, 0.5, &n, &e) == GK_EDOM);
}

static void test_builtins(void)
{
  gk_material *m;
  gk_error e;
  double n, k;
  CHECK(gk_material_builtin("quartz", &m, &e) == GK_OK);
  CHECK(gk_material_nk(m, 587.5618, &n, &k, &e) == GK_OK);
  CHECK_ABS(n, 1.45846, 2e-5);
  CHECK(k == 0);
  CHECK(gk_material_nk(m, 100, &n, &k, &e) == GK_EUSAGE);
  CHECK(strstr(e.msg, "outside") != NULL);
  gk_material_free(m);
  CHECK(gk_material_builtin("unobtainium", &m, &e) == GK_EUSAGE);
  CHECK(strstr(e.msg, "SiO2") != NULL);
  for (size_t i = 0; gk_material_builtin_name(i); i++) {
    CHECK(gk_material_builtin(gk_material_builtin_name(i), &m, &e) == GK_OK);
    CHECK(gk_material_builtin_reference(i) != NULL);
    double lo, hi;
    gk_material_range(m, &lo, &hi);
    CHECK(gk_material_nk(m, 0.5 * (lo + hi), &n, &k, &e) == GK_OK && n >= 1 && n < 3);
    gk_material_free(m);
  }
}

static void test_tables_and_combined(void)
{
  char p[64];
  const char *yml =
      "# test\n"
      "DATA:\n"
      "  - type: tabulated nk\n"
      "    data: |\n"
      "        0.50 2.0 0.10\n"
      "        0.60 2.2 0.30\n"
      "        0.70 2.1 0.20\n";
  gk_material *m;
  gk_error e;
  double n, k;
  CHECK(write_tmp(yml, p, sizeof p) != NULL);
  CHECK(gk_material_load(p, &m, &e) == GK_OK);
  CHECK(gk_material_nk(m, 550, &n, &k, &e) == GK_OK);
  CHECK_CLOSE(n, 2.1, 1e-13);
  CHECK_CLOSE(k, 0.2, 1e-13);
  CHECK(gk_material_nk(m, 700, &n, &k, &e) == GK_OK);
  CHECK_CLOSE(n, 2.1, 1e-13);
  CHECK(gk_material_nk(m, 480, &n, &k, &e) == GK_EUSAGE);
  gk_material_free(m);
  unlink(p);

  /* formula for n combined with a table for k: range is the overlap */
  const char *comb =
      "DATA:\n"
      "  - type: formula 2\n"
      "    wavelength_range: 0.3 2.5\n"
      "    coefficients: 0 1.03961212 0.00600069867 0.231792344 0.0200179144 1.01046945 103.560653\n"
      "  - type: tabulated k\n"
      "    data: |\n"
      "        0.4 1e-6\n"
      "        0.8 3e-6\n";
  CHECK(write_tmp(comb, p, sizeof p) != NULL);
  CHECK(gk_material_load(p, &m, &e) == GK_OK);
  double lo, hi;
  gk_material_range(m, &lo, &hi);
  CHECK_CLOSE(lo, 400, 1e-12);
  CHECK_CLOSE(hi, 800, 1e-12);
  CHECK(gk_material_nk(m, 587.5618, &n, &k, &e) == GK_OK);
  CHECK_ABS(n, 1.51680, 2e-5);
  CHECK_CLOSE(k, 1e-6 + 2e-6 * (587.5618 - 400) / 400, 1e-9);
  CHECK(gk_material_nk(m, 900, &n, &k, &e) == GK_EUSAGE);
  gk_material_free(m);
  unlink(p);
}

static void expect_bad(const char *yml, long line, const char *what)
{
  char p[64];
  gk_material *m = NULL;
  gk_error e;
  gk_error_clear(&e);
  CHECK(write_tmp(yml, p, sizeof p) != NULL);
  int rc = gk_material_load(p, &m, &e);
  CHECK_MSG(rc == GK_EINPUT, "%s: rc %d", what, rc);
  CHECK_MSG(e.line == line, "%s: line %ld, expected %ld (%s)", what, e.line, line, e.msg);
  CHECK_STR(e.file, p);
  CHECK(m == NULL);
  unlink(p);
}

static void test_malformed(void)
{
  /* libyaml marks an unclosed flow sequence where it gives up: end of file */
  expect_bad("DATA:\n  - type: tabulated nk\n    data: [1, 2\n\n", 5, "unclosed flow sequence");
  expect_bad("DATA:\n  - type: tabulated nk\n  bad: x: y\n", 3, "mapping value in plain scalar");
  expect_bad("DATA:\n  - type: tabulated nk\n    data: |\n        0.5 2.0 0.1\n        0.6 2.1\n", 5, "short row");
  expect_bad("DATA:\n  - type: tabulated nk\n    data: |\n        0.5 2.0 0.1\n        0.4 2.1 0.1\n", 5, "decreasing");
  expect_bad("DATA:\n  - type: tabulated n\n    data: |\n        0.5 2.0\n        0.6 x\n", 5, "not a number");
  expect_bad("DATA:\n  - type: formula 12\n    wavelength_range: 0.3 1\n    coefficients: 1\n", 2, "formula 12");
  expect_bad("DATA:\n  - type: formula 1\n    wavelength_range: 1 0.3\n    coefficients: 1\n", 3, "range");
  expect_bad("DATA:\n  - type: formula 1\n    wavelength_range: 0.3 1\n    coefficients: 0 a\n", 4, "coefficient");
  expect_bad("REFERENCES: x\n", 1, "no DATA");
  expect_bad("DATA:\n  - type: tabulated k\n    data: |\n        0.5 0.1\n        0.6 0.1\n", 2, "k only");
  expect_bad("DATA:\n  - type: formula 1\n    wavelength_range: 0.3 1\n    coefficients: 0 1 0.1\n"
             "  - type: tabulated n\n    data: |\n        0.5 1\n        0.6 1\n", 5, "two n sources");
  gk_material *m;
  gk_error e;
  CHECK(gk_material_load("/nonexistent/x.yml", &m, &e) == GK_EIO);
}

/* The refractiveindex.info subset in ../shared, when present. */
static void test_database_files(void)
{
  char buf[1024];
  gk_material *m, *b;
  gk_error e;
  double n = NAN, k = NAN, nb = NAN, kb = NAN;
  if (gk_test_shared("refractiveindex/SiO2-Malitson.yml", buf, sizeof buf)) {
    CHECK(gk_material_load(buf, &m, &e) == GK_OK);
    CHECK(gk_material_builtin("SiO2", &b, &e) == GK_OK);
    CHECK(gk_material_nk(m, 540, &n, &k, &e) == GK_OK && gk_material_nk(b, 540, &nb, &kb, &e) == GK_OK);
    CHECK_CLOSE(n, nb, 1e-15);
    CHECK_ABS(n, 1.4603, 1e-4);   /* refractiveindex.info page: 1.4603 at 0.54 um */
    gk_material_free(m);
    gk_material_free(b);
  } else {
    printf("skip: ../shared/refractiveindex absent\n");
    return;
  }
  if (gk_test_shared("refractiveindex/Si3N4-Luke.yml", buf, sizeof buf)) {
    CHECK(gk_material_load(buf, &m, &e) == GK_OK);
    CHECK(gk_material_builtin("Si3N4", &b, &e) == GK_OK);
    CHECK(gk_material_nk(m, 1550, &n, &k, &e) == GK_OK && gk_material_nk(b, 1550, &nb, &kb, &e) == GK_OK);
    CHECK_CLOSE(n, nb, 1e-15);
    CHECK_ABS(n, 1.996, 2e-3);   /* Luke et al.: n ~ 1.996 at 1550 nm */
    gk_material_free(m);
    gk_material_free(b);
  }
  /* tabulated nk: first row exactly, midpoint of the first two rows */
  if (gk_test_shared("refractiveindex/ITO-Konig.yml", buf, sizeof buf)) {
    CHECK(gk_material_load(buf, &m, &e) == GK_OK);
    CHECK(gk_material_nk(m, 251.57, &n, &k, &e) == GK_OK);
    CHECK_CLOSE(n, 2.31717213, 1e-12);
    CHECK_CLOSE(k, 0.57780161, 1e-12);
    CHECK(gk_material_nk(m, 252.365, &n, &k, &e) == GK_OK);
    CHECK_CLOSE(n, 0.5 * (2.31717213 + 2.33168536), 1e-9);
    CHECK_CLOSE(k, 0.5 * (0.57780161 + 0.56970180), 1e-9);
    CHECK(gk_material_nk(m, 1200, &n, &k, &e) == GK_EUSAGE);
    CHECK(strstr(e.msg, "1000") != NULL);
    gk_material_free(m);
  }
  /* tabulated n + tabulated k */
  if (gk_test_shared("refractiveindex/PEDOT-PSS-Chen.yml", buf, sizeof buf)) {
    CHECK(gk_material_load(buf, &m, &e) == GK_OK);
    CHECK(gk_material_nk(m, 540, &n, &k, &e) == GK_OK);
    CHECK(n > 1.4 && n < 1.6 && k > 0 && k < 0.1);
    gk_material_free(m);
  }
  /* every file of the subset loads */
  const char *files[] = {"Ag-Johnson", "Al-Rakic", "Al2O3-Malitson", "Au-Johnson", "BK7-Lane", "Cr-Johnson",
                         "CsPbBr3-Brennan", "CsPbBr3-Ermolaev-o", "ITO-Moerland", "MAPbBr3-McCleese",
                         "MAPbI3-Phillips", "MoO3-Stelling", "Nb2O5-Lemarchand", "TiO2-Sarkar", "ZnO-Stelling"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char rel[128];
    snprintf(rel, sizeof rel, "refractiveindex/%s.yml", files[i]);
    if (!gk_test_shared(rel, buf, sizeof buf)) continue;
    int rc = gk_material_load(buf, &m, &e);
    CHECK_MSG(rc == GK_OK, "%s: %s (line %ld)", files[i], e.msg, e.line);
    if (rc == GK_OK) gk_material_free(m);
  }
}

int main(void)
{
  RUN(test_formulas_known_values);
  RUN(test_builtins);
  RUN(test_tables_and_combined);
  RUN(test_malformed);
  RUN(test_database_files);
  return gk_test_summary();
}
