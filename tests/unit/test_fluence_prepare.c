/* Fluence inputs from measurements (src/fluence/fluence_prepare.c): a
 * knife-edge scan's radius recovered, the active layer's absorption and its
 * errors (file and line), the correlated-radius error (w enters squared),
 * the mode-weighted density inside the profile's range. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fluence.h"
#include "gk_test.h"

static void test_beam(void)
{
  enum { N = 41 };
  double x[N], y[N], w = 50e-4;
  for (int i = 0; i < N; i++) {
    x[i] = (-100 + 5.0 * i) * 1e-4;
    y[i] = 0.01 + 0.5 * erfc(sqrt(2) * (x[i] - 3e-4) / w);
  }
  gk_error e;
  gk_error_clear(&e);
  gk_beam b;
  CHECK_INT(gk_beam_fit(x, y, N, 1, &b, &e), GK_OK);
  CHECK_CLOSE(b.w, w, 1e-6 * w);
  CHECK_CLOSE(gk_beam_model(&b, x[7]), y[7], 1e-6);
  gk_beam_free(&b);
  /* a camera profile of the same radius */
  for (int i = 0; i < N; i++) y[i] = 2 + 10 * exp(-2 * (x[i] - 1e-4) * (x[i] - 1e-4) / (w * w));
  CHECK_INT(gk_beam_fit(x, y, N, 0, &b, &e), GK_OK);
  CHECK_CLOSE(b.w, w, 1e-6 * w);
  gk_beam_free(&b);
}

static void test_absorb_and_mode(void)
{
  gk_error e;
  gk_error_clear(&e);
  gk_stack s;
  const char *p = gk_test_write_temp("a.yaml", "wavelength_nm: 530\nlayers:\n  - {name: air, n: 1.0}\n"
                                       "  - {name: film, n: 2.3, k: 0.3, thickness_nm: 200}\n  - {name: glass, n: 1.5}\n");
  CHECK_INT(gk_stack_load(p, &s, &e), GK_OK);
  gk_absorb ab;
  double A = NAN;
  CHECK_INT(gk_fluence_absorb_active(&s, 400, 0, &ab, &A, &e), GK_EINPUT); /* no active layer */
  CHECK(strstr(e.file, "a.yaml") && strstr(e.msg, "active"));
  gk_stack_free(&s);
  p = gk_test_write_temp("b.yaml", "wavelength_nm: 530\nlayers:\n  - {name: air, n: 1.0}\n"
                           "  - {name: film, n: 2.3, k: 0.3, thickness_nm: 200, active: true}\n  - {name: glass, n: 1.5}\n");
  gk_error_clear(&e);
  CHECK_INT(gk_stack_load(p, &s, &e), GK_OK);
  CHECK_INT(gk_fluence_absorb_active(&s, 400, 0, &ab, &A, &e), GK_OK);
  CHECK(A > 0 && A < 1);
  CHECK_CLOSE(A, 1 - ab.R - ab.T, 1e-9); /* the only absorbing layer takes what is not reflected or transmitted */
  gk_depth_profile dp = {0};
  CHECK_INT(gk_depth_tmm(&ab, 1, 1e-5, 50, &dp, &e), GK_OK);
  double gam = NAN, lo = INFINITY, hi = 0;
  int found = -1;
  CHECK_INT(gk_depth_mode_from_stack(&dp, &s, 540, 0, &gam, &found, &e), GK_OK);
  CHECK_INT(found, 1);
  for (size_t i = 0; i < dp.n; i++) lo = fmin(lo, dp.N[i]), hi = fmax(hi, dp.N[i]);
  CHECK(dp.n_mode >= lo && dp.n_mode <= hi && gam > 0 && gam < 1);
  gk_depth_free(&dp);
  gk_absorb_free(&ab);
  gk_stack_free(&s);
  p = gk_test_write_temp("c.yaml", "wavelength_nm: 530\nlayers:\n  - {name: air, n: 1.0}\n"
                           "  - {name: film, n: 2.3, thickness_nm: 200, active: true}\n  - {name: glass, n: 1.5}\n");
  CHECK_INT(gk_stack_load(p, &s, &e), GK_OK);
  CHECK_INT(gk_fluence_absorb_active(&s, 400, 0, &ab, &A, &e), GK_EINPUT); /* k = 0: no carriers */
  CHECK(e.line == 4 && strstr(e.msg, "does not absorb"));
  gk_stack_free(&s);
}

static void test_correlated(void)
{
  gk_fluence_in in = {.energy = 1e-6, .se_energy = 0, .transmission = 1, .absorbed = NAN, .spot = GK_SPOT_GAUSS,
                      .a = 50e-4, .se_a = 1e-4, .b = 50e-4, .se_b = 1e-4, .pulse_fwhm = NAN};
  gk_fluence_out o;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  gk_fluence_correlated_radius(&in, &o);
  /* F = 2E/(pi w^2): dF/F = 2 dw/w when one radius enters twice */
  CHECK_CLOSE(o.se_f_peak / o.f_peak, 2 * 1e-4 / 50e-4, 1e-12);
  CHECK_CLOSE(o.se_area / o.area, 2 * 1e-4 / 50e-4, 1e-12);
}

int main(void)
{
  if (!gk_test_temp_dir("flp")) return 1;
  RUN(test_beam);
  RUN(test_absorb_and_mode);
  RUN(test_correlated);
  gk_test_temp_cleanup();
  return gk_test_summary();
}
