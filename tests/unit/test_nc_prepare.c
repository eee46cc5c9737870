/* Gain models, gain curves and Auger lifetimes from user choices
 * (src/nc/nc_prepare.c): field-named errors, the curves' zero crossings at
 * the thresholds (Eq. 5 closed form for uniform statistics), the Auger
 * lifetime from a measured tau_XX against 1/(1/tau_XX - 1/tau_rXX). */
#include <math.h>
#include <string.h>

#include "gainkit/nc.h"
#include "gk_test.h"

static void test_model_resolve(void)
{
  gk_error e;
  gk_error_clear(&e);
  gk_nc_model_options o = gk_nc_model_options_default();
  gk_nc_gain_model m;
  CHECK_INT(gk_nc_model_resolve(&o, &m, &e), GK_OK);
  CHECK(m.ge == 2 && m.gh == 2 && m.ne == 0 && m.stat == GK_NC_POISSON && m.transition == GK_NC_1S);
  o.material = "pbs";
  o.transition = "1p";
  o.ne_mean = 0.5;
  CHECK_INT(gk_nc_model_resolve(&o, &m, &e), GK_OK);
  CHECK(m.ge == 8 && m.gh == 8 && m.ne_poisson && m.ne == 0.5 && m.transition == GK_NC_1P);
  CHECK(!strcmp(gk_nc_transition_name(m.transition), "1P"));
  o.ne = 1;
  CHECK_INT(gk_nc_model_resolve(&o, &m, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "ne_mean") && !strstr(e.msg, "--"));
  o = gk_nc_model_options_default();
  o.material = "unobtainium";
  CHECK_INT(gk_nc_model_resolve(&o, &m, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "material") && strstr(e.msg, "cdse"));
  o.material = NULL;
  o.statistics = "boltzmann";
  CHECK_INT(gk_nc_model_resolve(&o, &m, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "statistics"));
  o.statistics = "Uniform";
  o.transition = "2S";
  CHECK_INT(gk_nc_model_resolve(&o, &m, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "transition"));
  CHECK(gk_nc_material_lookup("CdSe", &e) != NULL);
}

static void test_gain_curve(void)
{
  gk_nc_gain_model m = {.ge = 2, .gh = 2, .stat = GK_NC_POISSON, .transition = GK_NC_1S};
  CHECK_CLOSE(gk_nc_gain_curve_max(&m), 4, 0);
  enum { N = 4001 };
  static double x[N], gu[N], gp[N];
  gk_nc_gain_curve(&m, 0, 4, N, x, gu, gp);
  CHECK_CLOSE(x[N - 1], 4, 0);
  CHECK_CLOSE(gu[0], -1, 1e-12); /* unexcited: absorption alpha0 */
  CHECK_CLOSE(gp[0], -1, 1e-12);
  /* zero crossings: uniform at Eq. 5's g_h g_e/(g_e + g_h) = 1, Poisson at gk_nc_threshold */
  double tp;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_nc_threshold(&m, &tp, &e), GK_OK);
  size_t iu = 0, ip = 0;
  while (iu + 1 < N && gu[iu + 1] <= 0) iu++;
  while (ip + 1 < N && gp[ip + 1] <= 0) ip++;
  CHECK(fabs(x[iu] - gk_nc_threshold_uniform(2, 2, 0)) <= 1e-3);
  CHECK(fabs(x[ip] - tp) <= 1e-3);
}

static void test_auger(void)
{
  gk_error e;
  gk_error_clear(&e);
  gk_nc_auger_in in = {.chi = 1, .volume_nm3 = NAN, .tau_rxx = 3e-9, .tau_xx = 1.3e-9, .ne = 0, .max_n = 4};
  gk_nc_auger_out o;
  CHECK_INT(gk_nc_auger_calc(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.tau_a, 1 / (1 / 1.3e-9 - 1 / 3e-9), 1e-21);
  CHECK_CLOSE(o.q_xx, 1.3 / 3, 1e-12);
  CHECK(isnan(o.chi_implied));
  CHECK(isinf(o.tau_n[0]));               /* one exciton: no Auger decay */
  CHECK_CLOSE(o.tau_n[1], o.tau_a, 1e-21); /* calibrated on the biexciton */
  in.volume_nm3 = 100;
  CHECK_INT(gk_nc_auger_calc(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.chi_implied, o.tau_a * 1e12 / 100, 1e-12);
  in.tau_xx = NAN;
  in.tau_rxx = NAN;
  CHECK_INT(gk_nc_auger_calc(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.tau_a, 100e-12, 1e-21); /* chi V: 1 ps nm^-3 x 100 nm^3 */
  CHECK(isnan(o.tau_xx));
  in.tau_xx = 4e-9;
  in.tau_rxx = 3e-9;
  CHECK_INT(gk_nc_auger_calc(&in, &o, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "tau_xx"));
  in.tau_rxx = NAN;
  CHECK_INT(gk_nc_auger_calc(&in, &o, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "tau_xx"));
  in.tau_xx = NAN;
  in.volume_nm3 = NAN;
  CHECK_INT(gk_nc_auger_calc(&in, &o, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "volume_nm3"));
  in.max_n = 101;
  CHECK_INT(gk_nc_auger_calc(&in, &o, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "max_n"));
}

int main(void)
{
  RUN(test_model_resolve);
  RUN(test_gain_curve);
  RUN(test_auger);
  return gk_test_summary();
}
