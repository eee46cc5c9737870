/* Sweeps and data preparation for ABC dynamics (src/carriers/carriers_prepare.c):
 * PLQY checks with field-named errors, the curve and map against gk_plqy at
 * the same points, the peak-N sweep's short-pulse limit N0 (no time to decay)
 * and its cancellation, densities from fluences F A/(hbar omega d). */
#include <math.h>
#include <string.h>

#include "gainkit/carriers.h"
#include "gk_test.h"

static int stop_at_2(void *ctx, size_t done, size_t total)
{
  (void)ctx;
  (void)total;
  return done >= 2;
}

int main(void)
{
  gk_error e;
  gk_error_clear(&e);
  double v[5];
  gk_carriers_logspace(v, 5, 1e15, 1e19);
  CHECK_CLOSE(v[2], 1e17, 1e3);
  CHECK_CLOSE(v[4], 1e19, 1e5);
  gk_abc k = {1e7, 2e-10, 1e-28};
  CHECK_INT(gk_plqy_check(&k, &e), GK_OK);
  gk_abc k0 = {1e7, 0, 1e-28};
  CHECK_INT(gk_plqy_check(&k0, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "k2") && !strstr(e.msg, "--"));
  gk_abc kn = {-1, 2e-10, 1e-28};
  CHECK(gk_plqy_check(&kn, &e) != GK_OK);
  double x[7], y[7], range[2] = {1e15, 1e21};
  CHECK_INT(gk_plqy_curve(&k, range, 7, x, y, &e), GK_OK);
  for (int i = 0; i < 7; i++) CHECK_CLOSE(y[i], k.k2 * x[i] / (k.k1 + k.k2 * x[i] + k.k3 * x[i] * x[i]), 1e-12);
  range[0] = 0;
  CHECK_INT(gk_plqy_curve(&k, range, 7, x, y, &e), GK_EUSAGE);
  CHECK(!strcmp(e.option, "range"));
  double xs[4], ys[3], z[12];
  gk_plqy_map(&k, 1e15, 1e18, 4, 1e-30, 1e-28, 3, xs, ys, z);
  CHECK_CLOSE(xs[3], 18, 1e-12);
  CHECK_CLOSE(ys[1], -29, 1e-12);
  gk_abc kk = {k.k1, k.k2, 1e-29};
  CHECK_CLOSE(z[1 * 4 + 2], gk_plqy(&kk, 1e17), 1e-9);
  /* peak N: a pulse far shorter than 1/k1 and without k2, k3 deposits N0 */
  gk_pulse_opts o = {{1e3, 0, 0}, 1e17, 1e-12, 0, 2, 0};
  double w[3], pk[3];
  CHECK_INT(gk_pulse_peak_sweep(&o, 1e-13, 1e-11, 3, w, pk, NULL, &e), GK_OK);
  CHECK_CLOSE(w[1], 1e-12, 1e-24);
  for (int i = 0; i < 3; i++) CHECK_CLOSE(pk[i] / 1e17, 1, 1e-6);
  gk_progress p = {stop_at_2, NULL};
  CHECK_INT(gk_pulse_peak_sweep(&o, 1e-13, 1e-11, 3, w, pk, &p, &e), GK_ECANCELLED);
  double f[2] = {20e-6, 40e-6}, n[2];
  gk_gain_fit_densities(f, 2, 1, 0.5, 3.1, 100e-7, n);
  CHECK_CLOSE(n[1], gk_pulse_density(40e-6, 0.5, 3.1, 100e-7), 1e-6 * n[1]);
  CHECK_CLOSE(n[1], 40e-6 * 0.5 / (3.1 * 1.602176634e-19 * 100e-7), 1e-6 * n[1]);
  gk_gain_fit_densities(f, 2, 0, 0.5, 3.1, 100e-7, n);
  CHECK(n[0] == f[0] && n[1] == f[1]);
  return gk_test_summary();
}
