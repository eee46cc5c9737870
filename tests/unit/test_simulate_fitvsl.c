/* --fit-to on a VSL set (gk_sim_fit_sweep, GK_SIM_SWEEP_LENGTH): edge
 * spectra of a bulk film at six stripe lengths, 2 % multiplicative noise,
 * the fit started 30-50 % off: σ, the background loss and the collection
 * scale come back within 3 standard errors, with errors of the size the
 * noise implies. The engine is the one of the VPI fit (gk_fit, LM in ln p). */
#include <stdio.h>
#include <stdlib.h>

#include "gk_test.h"
#include "gainkit/simulate.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double lcg_u(unsigned long long *s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((*s >> 11) + 0.5) / 9007199254740992.0;
}

static void bulk(gk_sim_config *c)
{
  gk_sim_config_default(c);
  c->kinetics = GK_SIM_BULK;
  c->thickness = 100e-7;
  c->index = 2.3;
  c->confinement = 0.75;
  c->emission = (gk_sim_band){.peak = 1, .center = 530, .fwhm = 20};
  c->lambda_min = 500;
  c->lambda_max = 564;
  c->pump_wavelength = 400;
  c->pump_absorption = 1e5;
  c->pump_fwhm = 1e-12;
  c->pump_fluence = 30e-6;
  c->background_loss = 40;
  c->nbins = 16;
  c->ncells = 10;
  c->ntimes = 10;
  c->t_start = -3e-12;   /* the ASE and the fast decay (cheap under ASan) */
  c->t_end = 2e-9;
}

static void test_fit_vsl(void)
{
  gk_sim_config c;
  bulk(&c);
  enum { NL = 6 };
  double len[NL] = {0.005, 0.01, 0.02, 0.03, 0.05, 0.08};
  gk_sim_result rs[NL];
  CHECK(gk_sim_sweep(&c, GK_SIM_SWEEP_LENGTH, len, NL, rs, NULL, NULL) == GK_OK);
  size_t nl = c.nbins;
  double *lam = malloc(nl * sizeof *lam), *y = malloc(nl * NL * sizeof *y), scale = 3.7;
  /* fixed seed (SEED overrides). Seeds 1-4 and 777 were run: every
   * parameter of every seed within 3 se of the truth, on both sides (the
   * largest: sigma 2.7 se for seed 3, scale 2.6 se for seed 777) */
  unsigned long long seed = getenv("SEED") ? strtoull(getenv("SEED"), NULL, 10) : 1;
  for (size_t j = 0; j < nl; j++) {
    lam[j] = rs[0].lambda[j];
    for (size_t k = 0; k < NL; k++) {
      double u1 = lcg_u(&seed), u2 = lcg_u(&seed), g = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
      y[j * NL + k] = scale * rs[k].spectrum[j] * (1 + 0.02 * g);
    }
  }
  /* the set spans gain: the longest stripe gives far more than 16x the shortest */
  double r = 0, r0 = 0;
  for (size_t j = 0; j < nl; j++) r += rs[NL - 1].spectrum[j], r0 += rs[0].spectrum[j];
  printf("  VSL set: edge output ratio L = 0.8 mm / 0.05 mm: %.3g\n", r / r0);
  CHECK(r / r0 > 32);
  for (size_t k = 0; k < NL; k++) gk_sim_result_free(&rs[k]);
  gk_sim_config s = c;
  s.gain_sigma.peak = c.gain_sigma.peak * 1.3;
  s.background_loss = c.background_loss * 1.5;
  const char *names[3] = {"sigma", "background_loss", "scale"};
  double truth[3] = {c.gain_sigma.peak, c.background_loss, scale};
  gk_sim_fit_result fr;
  gk_error e;
  gk_error_clear(&e);
  int st = gk_sim_fit_sweep(&s, GK_SIM_SWEEP_LENGTH, len, NL, lam, nl, y, names, 3, 1e-6, &fr, NULL, &e);
  CHECK_MSG(st == GK_OK, "%s", e.msg);
  if (st == GK_OK) {
    CHECK(fr.converged);
    CHECK(fr.cov_ok);
    for (int k = 0; k < 3; k++) {
      printf("  VSL fit %s: %.5g +- %.2g (true %.5g, start %.4g)\n", fr.name[k], fr.value[k], fr.se[k], truth[k],
             fr.start[k]);
      CHECK_MSG(fabs(fr.value[k] - truth[k]) < 3 * fr.se[k], "%s: %g vs %g +- %g", fr.name[k], fr.value[k], truth[k],
                fr.se[k]);
      CHECK_MSG(fr.se[k] < 0.1 * truth[k] && fr.se[k] > 1e-5 * truth[k], "%s se %g", fr.name[k], fr.se[k]);
    }
    printf("  VSL fit: chi2_red %.3g (noise 0.02^2 = 4e-4), %zu points, %zu sweeps\n", fr.chi2_red, fr.n_used,
           fr.n_sweeps);
  }
  /* lengths must be positive */
  len[0] = 0;
  CHECK(gk_sim_fit_sweep(&s, GK_SIM_SWEEP_LENGTH, len, NL, lam, nl, y, names, 3, 1e-6, &fr, NULL, &e) == GK_EUSAGE);
  free(lam);
  free(y);
}

int main(void)
{
  RUN(test_fit_vsl);
  return gk_test_summary();
}
