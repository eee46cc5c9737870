/* gk_vsl_prepare_matrix: the stripe lengths of a VSL matrix selected by
 * range, the rows repacked to the kept lengths, and the checks (too few
 * lengths, lengths not increasing, a negative length). The expected values
 * are the matrix's own cells, picked by hand. */
#include <string.h>

#include "gk_test.h"
#include "gainkit/vsl.h"

/* 2 wavelengths x 5 stripe lengths (cm); z = 10 * wavelength row + column */
static void matrix(gk_matrix *m, double *col, double *z, double *row)
{
  memset(m, 0, sizeof *m);
  m->path = "vsl-matrix.csv";
  m->nrow = 2;
  m->ncol = 5;
  m->row = row;
  m->col = col;
  m->z = z;
  for (size_t i = 0; i < 2; i++)
    for (size_t k = 0; k < 5; k++) z[i * 5 + k] = 10.0 * (double)i + (double)k;
}

static void test_range_and_repack(void)
{
  double col[5] = {0.01, 0.02, 0.03, 0.04, 0.05}, z[10], row[2] = {520, 530};
  gk_matrix m;
  matrix(&m, col, z, row);
  gk_vsl_prepare_options o = {.has_range = 1, .range_lo = 0.015, .range_hi = 0.045, .min_points = 3};
  gk_vsl_prepared_matrix p;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_vsl_prepare_matrix(&m, &o, &p, &e), GK_OK);
  CHECK_INT((long)p.nL, 3);
  CHECK_INT((long)p.nw, 2);
  CHECK_CLOSE(p.L[0], 0.02, 0);
  CHECK_CLOSE(p.L[2], 0.04, 0);
  /* row 1 of the kept columns 1..3: 11, 12, 13, at stride 3 */
  CHECK_CLOSE(p.z[0], 1, 0);
  CHECK_CLOSE(p.z[3], 11, 0);
  CHECK_CLOSE(p.z[5], 13, 0);
  gk_vsl_prepared_matrix_free(&p);
  /* no range: every length */
  o.has_range = 0;
  CHECK_INT(gk_vsl_prepare_matrix(&m, &o, &p, &e), GK_OK);
  CHECK_INT((long)p.nL, 5);
  CHECK_CLOSE(p.z[9], 14, 0);
  gk_vsl_prepared_matrix_free(&p);
}

static void test_checks(void)
{
  double col[5] = {0.01, 0.02, 0.03, 0.04, 0.05}, z[10], row[2] = {520, 530};
  gk_matrix m;
  matrix(&m, col, z, row);
  gk_vsl_prepared_matrix p;
  gk_error e;
  gk_error_clear(&e);
  /* too few lengths in the range: the message names the field */
  gk_vsl_prepare_options o = {.has_range = 1, .range_lo = 0.015, .range_hi = 0.025, .min_points = 3,
                              .model_name = "vsl2"};
  CHECK_INT(gk_vsl_prepare_matrix(&m, &o, &p, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "1 stripe lengths in `range` are fewer than the 3 parameters of vsl2") != NULL);
  CHECK_STR(e.file, "vsl-matrix.csv");
  CHECK(p.L == NULL && p.z == NULL);
  /* not increasing */
  o = (gk_vsl_prepare_options){.min_points = 2};
  col[3] = 0.025;
  CHECK_INT(gk_vsl_prepare_matrix(&m, &o, &p, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "must increase (0.025 after 0.03 cm)") != NULL);
  /* negative */
  col[3] = 0.04;
  col[0] = -0.01;
  CHECK_INT(gk_vsl_prepare_matrix(&m, &o, &p, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "negative stripe length -0.01 cm") != NULL);
}

/* gk_vsl_options_resolve: the range text in the input's unit (a suffix
 * converts), scaled to cm; weights against the sigma column; the point
 * count of the model. 0.5 mm:2 mm = 0.05:0.2 cm by hand. */
static void test_resolve(void)
{
  gk_vsl_prepare_options po;
  gk_error e;
  gk_error_clear(&e);
  gk_vsl_options o = {.model = -1, .range = "0.5:2mm"};
  CHECK_INT(gk_vsl_options_resolve(&o, "mm", 0.1, 1, "s.csv", &po, &e), GK_OK);
  CHECK_INT(po.has_range, 1);
  CHECK_CLOSE(po.range_lo, 0.05, 1e-12);
  CHECK_CLOSE(po.range_hi, 0.2, 1e-12);
  CHECK_INT(po.weights, -1);
  CHECK_INT((long)po.min_points, (long)gk_vsl_ntheta(GK_VSL_SATEXACT));
  CHECK(strstr(po.model_name, "`model`") != NULL);   /* a field, not a flag */
  o = (gk_vsl_options){.model = GK_VSL_VSL1, .range = "500um:0.2cm", .weights = "relative", .offset = 1};
  CHECK_INT(gk_vsl_options_resolve(&o, "", 1, 0, "s.csv", &po, &e), GK_OK);  /* "" = cm */
  CHECK_CLOSE(po.range_lo, 0.05, 1e-12);
  CHECK_INT(po.weights, GK_WEIGHT_RELATIVE);
  CHECK_INT(po.offset, 1);
  CHECK_INT((long)po.min_points, (long)gk_vsl_ntheta(GK_VSL_VSL1));
  CHECK_STR(po.model_name, "vsl1");
  /* errors name the field */
  o = (gk_vsl_options){.model = -1, .range = "5"};
  CHECK_INT(gk_vsl_options_resolve(&o, "mm", 0.1, 1, "s.csv", &po, &e), GK_EUSAGE);
  CHECK_STR(e.option, "range");
  o = (gk_vsl_options){.model = -1, .range = "2:1"};
  CHECK_INT(gk_vsl_options_resolve(&o, "mm", 0.1, 1, "s.csv", &po, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "is empty") != NULL);
  o = (gk_vsl_options){.model = -1, .weights = "sigma"};
  CHECK_INT(gk_vsl_options_resolve(&o, "mm", 0.1, 0, "m.csv", &po, &e), GK_EUSAGE);
  CHECK_STR(e.option, "weights");
  CHECK(strstr(e.msg, "m.csv") != NULL);
  o = (gk_vsl_options){.model = -1, .weights = "chi2"};
  CHECK_INT(gk_vsl_options_resolve(&o, "mm", 0.1, 1, "m.csv", &po, &e), GK_EUSAGE);
}

int main(void)
{
  RUN(test_resolve);
  RUN(test_range_and_repack);
  RUN(test_checks);
  return gk_test_summary();
}
