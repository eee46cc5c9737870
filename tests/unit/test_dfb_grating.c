/* A DFB grating in a stack (src/cavity/dfb_grating.c, gainkit/dfb.h):
 * preparation and its field-named errors, a partial-depth grating against the
 * layer split by hand, the self-consistent Bragg wavelength, the lowest
 * threshold against the Kogelnik-Shank table, map cells against direct calls. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/dfb.h"
#include "gk_test.h"

static const char *STACK = "wavelength_nm: 530\nlayers:\n  - {name: air, n: 1.0}\n"
                           "  - {name: CsPbBr3, n: 2.30, thickness_nm: 120, active: true}\n"
                           "  - {name: grating, n: 1.46, thickness_nm: 40}\n  - {name: quartz, n: 1.46}\n";

static void test_prepare_errors(void)
{
  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_stack_load(gk_test_write_temp("a.yaml", STACK), &s, &e), GK_OK);
  gk_dfb_grating g = {.n_fill = 2.3, .duty = 0.75, .order = 2};
  double wl = NAN;
  CHECK_INT(gk_dfb_grating_prepare(&s, "grating", &g, &wl, &e), GK_OK);
  CHECK_INT((int)g.layer, 2);
  CHECK_CLOSE(wl, 530, 0);
  CHECK(gk_dfb_grating_prepare(&s, "nope", &g, &wl, &e) != GK_OK);
  CHECK(!strcmp(e.option, "grating_layer") && strstr(e.msg, "no interior layer 'nope'"));
  gk_error_clear(&e);
  CHECK(gk_dfb_grating_prepare(&s, "air", &g, &wl, &e) != GK_OK); /* the cover is not interior */
  CHECK(!strcmp(e.option, "grating_layer"));
  gk_error_clear(&e);
  g.depth_nm = 40;
  CHECK(gk_dfb_grating_prepare(&s, "grating", &g, &wl, &e) != GK_OK);
  CHECK(!strcmp(e.option, "depth") && strstr(e.msg, "`depth`") && !strstr(e.msg, "--"));
  gk_stack_free(&s);
  gk_error_clear(&e);
  CHECK_INT(gk_stack_load(gk_test_write_temp("b.yaml", strchr(STACK, '\n') + 1), &s, &e), GK_OK);
  g.depth_nm = 0;
  wl = 0;
  CHECK(gk_dfb_grating_prepare(&s, "grating", &g, &wl, &e) != GK_OK);
  CHECK(!strcmp(e.option, "wavelength"));
  gk_stack_free(&s);
}

/* The top 15 nm of the grating layer as the grating (depth_nm) equals the
 * layer split by hand into 15 + 25 nm with the grating in the first part. */
static void test_depth_vs_split(void)
{
  static const char *SPLIT = "wavelength_nm: 530\nlayers:\n  - {name: air, n: 1.0}\n"
                             "  - {name: CsPbBr3, n: 2.30, thickness_nm: 120, active: true}\n"
                             "  - {name: g1, n: 1.46, thickness_nm: 15}\n  - {name: g2, n: 1.46, thickness_nm: 25}\n"
                             "  - {name: quartz, n: 1.46}\n";
  gk_stack s1, s2;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_stack_load(gk_test_write_temp("c.yaml", STACK), &s1, &e), GK_OK);
  CHECK_INT(gk_stack_load(gk_test_write_temp("d.yaml", SPLIT), &s2, &e), GK_OK);
  for (int pol = 0; pol < 2; pol++) {
    gk_dfb_grating a = {.n_fill = 2.3, .duty = 0.6, .order = 1, .pol = (gk_pol)pol, .depth_nm = 15}, b = a;
    b.depth_nm = 0;
    double wl = 0;
    CHECK_INT(gk_dfb_grating_prepare(&s1, "grating", &a, &wl, &e), GK_OK);
    CHECK_INT(gk_dfb_grating_prepare(&s2, "g1", &b, &wl, &e), GK_OK);
    gk_dfb_coupling ca = {0}, cb = {0};
    CHECK_INT(gk_dfb_grating_coupling(&s1, &a, wl, &ca, &e), GK_OK);
    CHECK_INT(gk_dfb_grating_coupling(&s2, &b, wl, &cb, &e), GK_OK);
    CHECK_INT(ca.status, GK_DFB_COUPLED);
    CHECK(fabs(ca.kappa) > 1);
    CHECK_CLOSE(ca.kappa, cb.kappa, 1e-9 * fabs(cb.kappa));
    CHECK_CLOSE(ca.neff, cb.neff, 1e-12);
    CHECK_CLOSE(ca.confinement, cb.confinement, 1e-9);
  }
  /* duty 0.5 has no second Fourier component */
  gk_dfb_grating h = {.layer = 2, .n_fill = 2.3, .duty = 0.5, .order = 2};
  gk_dfb_coupling ch = {0};
  CHECK_INT(gk_dfb_grating_coupling(&s1, &h, 530, &ch, &e), GK_OK);
  CHECK_INT(ch.status, GK_DFB_NO_COMPONENT);
  gk_stack_free(&s1);
  gk_stack_free(&s2);
}

/* Bragg wavelength self-consistent (lambda = 2 n_eff(lambda) Lambda / m);
 * map cells equal direct calls; lowest threshold at kappa L = 2 equals the
 * Kogelnik-Shank value alpha L = 0.984669. */
static void test_bragg_map_lowest(void)
{
  double dL = NAN;
  CHECK_CLOSE(gk_dfb_lowest_threshold(40, 0, 0, 0.05, &dL), 2 * 0.984669 / 0.05, 2e-4);
  CHECK(fabs(dL) > 1);
  CHECK(isnan(gk_dfb_lowest_threshold(2000, 0, 0, 0.05, NULL))); /* kappa L = 100: outside */
  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_stack_load(gk_test_write_temp("e.yaml", STACK), &s, &e), GK_OK);
  gk_dfb_grating g = {.layer = 2, .n_fill = 2.3, .duty = 0.3, .order = 2};
  gk_dfb_coupling c = {0};
  CHECK_INT(gk_dfb_grating_bragg(&s, &g, 270, 530, &c, &e), GK_OK);
  CHECK_INT(c.status, GK_DFB_COUPLED);
  CHECK_CLOSE(c.wavelength_nm, 2 * c.neff * 270 / 2, 1e-6);
  CHECK(creal(c.zeta) > 0); /* second order TE: radiation */
  const double pr[2] = {260, 280}, dr[2] = {0.3, 0.7};
  gk_dfb_map_cell cells[6];
  CHECK_INT(gk_dfb_map(&s, &g, pr, 3, dr, 2, 530, 0.02, cells, &e), GK_OK);
  CHECK_CLOSE(cells[4].period_nm, 270, 1e-12);
  CHECK_CLOSE(cells[4].duty, 0.7, 1e-12);
  CHECK_CLOSE(cells[1].duty, 0.3, 1e-12);
  CHECK_CLOSE(cells[1].c.kappa, c.kappa, 1e-12 * fabs(c.kappa));
  CHECK_CLOSE(cells[1].threshold_gain, gk_dfb_lowest_threshold(c.kappa, c.kappa_gain, c.zeta, 0.02, NULL), 1e-9);
  CHECK(isfinite(cells[1].threshold_gain) && cells[1].threshold_gain > 0);
  gk_stack_free(&s);
}

int main(void)
{
  if (!gk_test_temp_dir("dfbg")) return 1;
  RUN(test_prepare_errors);
  RUN(test_depth_vs_split);
  RUN(test_bragg_map_lowest);
  gk_test_temp_cleanup();
  return gk_test_summary();
}
