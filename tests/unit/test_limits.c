/* Resource budgets of the library (docs/reliability.md "Resource budgets"):
 * each of these inputs used to hang or run for minutes; now it is refused
 * before any work with the field named. */
#include "gk_test.h"
#include "gainkit/gainkit.h"
#include <math.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static int guide(double n1, double d1, double wl, gk_error *e)
{
  double n[3] = {1, n1, 1.45}, k[3] = {0, 0, 0}, d[3] = {0, d1, 0};
  gk_guide g;
  gk_error_clear(e);
  int rc = gk_guide_init(&g, 3, n, k, d, wl, e);
  if (rc == GK_OK) gk_guide_free(&g);
  return rc;
}

static void test_modes_ranges(void)
{
  gk_error e;
  CHECK_INT(guide(2.4, 100, 540, &e), GK_OK);
  CHECK_INT(guide(1e200, 100, 540, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "layer 2") != NULL);
  CHECK_INT(guide(2.4, 100, 4.9e-324, &e), GK_EUSAGE);
  CHECK_INT(guide(2.4, 100, 1e308, &e), GK_EUSAGE);
  CHECK_INT(guide(2.4, 1e300, 540, &e), GK_EUSAGE);
  CHECK_INT(guide(2.4, 1e-300, 540, &e), GK_EUSAGE);
  /* the limit itself: sum |n| d = 200 wavelengths is allowed, 201 is not */
  CHECK_INT(guide(2.0, 200 * 540 / 2.0, 540, &e), GK_OK);
  CHECK_INT(guide(2.0, 201 * 540 / 2.0, 540, &e), GK_ELIMIT);
  /* the cutoff scan: steps capped */
  double n[3] = {1, 2.4, 1.45}, d[3] = {0, 100, 0};
  gk_guide g;
  CHECK_INT(gk_guide_init(&g, 3, n, NULL, d, 540, &e), GK_OK);
  double dc;
  CHECK_INT(gk_modes_cutoff_nm(&g, GK_TE, 1, 1, 1e9, &dc, &e), GK_ELIMIT);
  CHECK_INT(gk_modes_cutoff_nm(&g, GK_TE, 1, 1, 20 * 540, &dc, &e), GK_OK);
  /* TE1 cutoff of an asymmetric slab, closed form:
   * k0 d sqrt(n1^2 - n3^2) = pi + atan(sqrt((n3^2 - n0^2)/(n1^2 - n3^2))) */
  double k0 = 2 * M_PI / 540, q = sqrt(2.4 * 2.4 - 1.45 * 1.45);
  CHECK_CLOSE(dc, (M_PI + atan(sqrt((1.45 * 1.45 - 1) / (q * q)))) / (k0 * q), 1e-9);
  gk_guide_free(&g);
}

static void test_sim_budgets(void)
{
  gk_sim_config c;
  gk_error e;
  gk_sim_config_default(&c);
  CHECK_INT(gk_sim_config_check(&c, &e), GK_OK);
  CHECK(gk_sim_steps_estimate(&c) > (double)c.ntimes);
  gk_sim_config_default(&c);
  c.accuracy = 1e-300;
  CHECK_INT(gk_sim_config_check(&c, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "accuracy") != NULL);
  gk_sim_config_default(&c);
  c.lifetime = 1e-300;
  CHECK_INT(gk_sim_config_check(&c, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "lifetime") != NULL);
  gk_sim_config_default(&c);
  c.pump_fwhm = 1e300;
  CHECK_INT(gk_sim_config_check(&c, &e), GK_EUSAGE);
  gk_sim_config_default(&c);
  c.t_start = -1e-9, c.t_end = 1;
  CHECK_INT(gk_sim_config_check(&c, &e), GK_ELIMIT);
  CHECK(strstr(e.msg, "time steps") != NULL);
  /* the estimate is a lower bound: a real run takes at least that many steps */
  gk_sim_config_default(&c);
  c.ncells = 10, c.nbins = 16, c.ntimes = 20;
  gk_sim_result r;
  CHECK_INT(gk_sim_run(&c, &r, NULL, &e), GK_OK);
  CHECK_MSG((double)r.steps >= 0.5 * gk_sim_steps_estimate(&c), "steps %zu, estimate %g", r.steps,
            gk_sim_steps_estimate(&c));
  gk_sim_result_free(&r);
}

int main(void)
{
  RUN(test_modes_ranges);
  RUN(test_sim_budgets);
  return gk_test_summary();
}
