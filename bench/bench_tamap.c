/* bench_tamap: one target fit of a 200 wavelength x 500 delay map with a
 * sequential 3-compartment scheme (0.5 ps, 8 ps, 300 ps) and a Gaussian IRF
 * (120 fs FWHM; rates, t0 and FWHM free, 600 spectra by variable
 * projection), started 20-30 % off: issue 21's speed case. The same fit in
 * scipy (least_squares on the projected residual) is bench/bench_tamap.py,
 * which prints the ratio. CPU time (clock()), best of 3: wall time on a
 * shared machine measures the neighbours. The fit uses the analytic
 * Jacobian of the projected problem; GK_TAMAP_FD=1 in the environment
 * differences the model instead. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gainkit/tamap.h"

#define NW 200
#define NT 500

int main(void)
{
  static double wl[NW], t[NT], z[NW * NT];
  for (int i = 0; i < NW; i++) wl[i] = 450 + 0.5 * i;
  for (int j = 0; j < NT; j++) t[j] = j < 100 ? -1e-12 + j * 0.03e-12 : 2e-12 * pow(1.0114, j - 100);
  double tau[3] = {0.5e-12, 8e-12, 300e-12};
  gk_tamap_scheme s;
  gk_tamap_scheme_sequential(&s, 3, tau);
  double lam[6], V[36], k[3] = {1 / tau[0], 1 / tau[1], 1 / tau[2]};
  gk_tamap_scheme_solve(&s, k, lam, V, NULL);
  gk_kin_irf irf = {GK_KIN_IRF_GAUSS, 120e-15, NULL, NULL, 0};
  unsigned long long st = 7;
  for (int i = 0; i < NW; i++) {
    double x = wl[i];
    double sas[3] = {-exp(-0.5 * pow((x - 500) / 15, 2)), -0.7 * exp(-0.5 * pow((x - 510) / 10, 2)) + 0.2,
                     0.4 * exp(-0.5 * pow((x - 530) / 20, 2))};
    for (int j = 0; j < NT; j++) {
      double v = 0;
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) v += sas[a] * V[a * 3 + b] * gk_kin_basis(&irf, t[j] - 0.1e-12, 1 / lam[b]);
      st = st * 6364136223846793005ULL + 1442695040888963407ULL;
      z[i * NT + j] = 1e-3 * v + 1e-6 * (((double)(st >> 11) / 9007199254740992.0) - 0.5);
    }
  }
  gk_tamap m;
  gk_tamap_init(&m, NW, NT, wl, t, z, NULL);
  double best = INFINITY;
  gk_tamap_global_result r;
  for (int rep = 0; rep < 3; rep++) {
    gk_tamap_scheme s0 = s;
    s0.tr[0].k *= 1.3;
    s0.tr[1].k *= 0.8;
    s0.tr[2].k *= 1.2;
    gk_tamap_global_options o;
    gk_tamap_global_options_default(&o);
    o.irf.fwhm = 100e-15;
    if (getenv("GK_TAMAP_FD")) o.fd_jacobian = 1;   /* the model differenced, for comparison */
    const gk_tamap *mp[1] = {&m};
    clock_t c0 = clock();
    if (gk_tamap_global_fit(mp, 1, &s0, &o, &r, NULL) != GK_OK) return 1;
    double dt = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (dt < best) best = dt;
    if (rep < 2) gk_tamap_global_result_free(&r);
  }
  printf("tamap target fit 200x500, 3 compartments: %.3f s CPU (lifetimes %.4g %.4g %.4g ps, converged %d)\n", best,
         1e12 / r.k[0], 1e12 / r.k[1], 1e12 / r.k[2], r.converged);
  gk_tamap_global_result_free(&r);
  gk_tamap_free(&m);
  return 0;
}
