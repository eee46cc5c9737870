/* gen_fluence — deterministic generator of the bundled fluence-chain data.
 *
 *   examples/fluence/knife-edge.csv      knife-edge scan of a Gaussian beam,
 *                                        w = 75 um (1/e^2), x0 = 500 um,
 *                                        P0 = 1 mW on 0.002 mW, 0.3 % noise
 *   examples/fluence/stripe-profile.csv  camera line across a stripe, w = 60 um,
 *                                        5.5 um pixels, 12-bit-like counts
 *   examples/fluence/series/vsl-F*.csv   VSL scans at 10 fluences (10-4000
 *                                        uJ/cm2) of the LG-thin film of
 *                                        Tatarinov et al., Adv. Opt. Mater.
 *                                        2023 (Table 1: sigma = 4e-16 cm^2,
 *                                        N_th = 1e18, N_s = 5e19 cm^-3), Gamma
 *                                        and c_N computed from
 *                                        stack-pump.yaml exactly as
 *                                        `gainkit gain-chain --stack` does;
 *                                        vsl1 with 2 % noise, sigma column
 *   examples/fluence/ses-531nm.csv       shifting spot at 531 nm, alpha = 1.06
 *                                        cm^-1 (Milanese et al. 2024, Fig. S1)
 *   examples/fluence/ses-matrix.csv      the same over 500-560 nm,
 *                                        alpha = 1.06 + 4 exp(-(lambda-500)/12)
 *   examples/fluence/pump-along-stripe.csv, vsl-nonuniform.csv  a VSL scan
 *                                        under a Gaussian pump along the
 *                                        stripe (gamma 30, alpha 1.06 cm^-1)
 *   examples/fluence/trend/series-*V.csv pump series at 0-20 V, kink threshold
 *                                        68 - 1.8 V uJ/cm2 (Qin et al., Nano
 *                                        Lett. 2021, Fig. 2f: 68 -> 32)
 * Noise from GSL's mt19937 with fixed seeds. Build and run from the
 * repository root (after `make`):
 *   cc -O2 -Iinclude examples/gen/gen_fluence.c build/libgainkit.a \
 *      $(pkg-config --libs gsl libcjson yaml-0.1 plplot) -lm -fopenmp -o /tmp/gen_fluence
 *   /tmp/gen_fluence examples
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "gainkit/fluence.h"
#include "gainkit/modes.h"
#include "gainkit/vsl.h"

static FILE *open_out(const char *dir, const char *name)
{
  char path[512];
  snprintf(path, sizeof path, "%s/fluence/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) { perror(path); exit(1); }
  return f;
}

int main(int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : "examples";
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

  /* knife edge: falling power as the blade covers the beam */
  gsl_rng_set(r, 11);
  FILE *f = open_out(dir, "knife-edge.csv");
  fprintf(f, "# Synthetic knife-edge scan (examples/gen/gen_fluence.c): Gaussian beam,\n"
             "# w = 75 um (1/e^2 radius), centre 500 um, P0 = 1 mW, background 0.002 mW,\n"
             "# noise 0.3 %% of P0 (mt19937, seed 11).\n"
             "x (um),P (mW)\n");
  for (int i = 0; i <= 40; i++) {
    double x = 300 + 10 * i, p = 0.002 + 0.5 * erfc(M_SQRT2 * (x - 500) / 75);
    fprintf(f, "%.1f,%.5f\n", x, p + 0.003 * gsl_ran_gaussian(r, 1));
  }
  fclose(f);

  gsl_rng_set(r, 12);
  f = open_out(dir, "stripe-profile.csv");
  fprintf(f, "# Synthetic camera line profile across a pump stripe (examples/gen/gen_fluence.c):\n"
             "# Gaussian, w = 60 um (1/e^2 radius), 5.5 um pixels, 3000 counts on 100, noise 15 counts.\n"
             "x (um),counts\n");
  for (int i = 0; i < 64; i++) {
    double x = 5.5 * i, y = 100 + 3000 * exp(-2 * pow((x - 170) / 60, 2));
    fprintf(f, "%.2f,%.1f\n", x, y + 15 * gsl_ran_gaussian(r, 1));
  }
  fclose(f);

  /* gain chain series */
  char spath[512];
  snprintf(spath, sizeof spath, "%s/fluence/stack-pump.yaml", dir);
  gk_stack st;
  gk_error e;
  if (gk_stack_load(spath, &st, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
  gk_absorb ab;
  gk_depth_profile dp;
  gk_guide g;
  gk_modes m;
  if (gk_absorb_stack(&st, 400, 0, &ab, &e) || gk_depth_tmm(&ab, (size_t)st.active, 1.0, 400, &dp, &e) ||
      gk_guide_from_stack(&g, &st, 540, &e) || gk_modes_find(&g, GK_MODES_TE, &m, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    return 1;
  }
  double gamma = m.mode[0].confinement[st.active], c_n = dp.n_mean;
  const double sigma = 4e-16, n_th = 1e18, n_s = 5e19;
  static const double F[] = {10, 15, 30, 60, 120, 250, 500, 1000, 2000, 4000}; /* uJ/cm2 */
  gsl_rng_set(r, 13);
  for (size_t k = 0; k < sizeof F / sizeof F[0]; k++) {
    double N = c_n * F[k] * 1e-6, G = gamma * sigma * (N - n_th) / (1 + N / n_s);
    char name[64];
    snprintf(name, sizeof name, "series/vsl-F%04guJcm2.csv", F[k]);
    f = open_out(dir, name);
    fprintf(f, "# Synthetic VSL scan at %g uJ/cm2 (examples/gen/gen_fluence.c): LG-thin CsPbBr3 of\n"
               "# Tatarinov et al. 2023, Table 1 (sigma 4e-16 cm2, N_th 1e18, N_s 5e19 cm-3),\n"
               "# Gamma = %.4f, c_N = %.4e cm-3 per J/cm2 (stack-pump.yaml) -> N = %.4e cm-3,\n"
               "# G = %.2f cm-1; vsl1, A = 1e4 counts/cm, 2 %% noise (mt19937, seed 13).\n"
               "L (um),I (counts),sigma (counts)\n", F[k], gamma, c_n, N, G);
    /* stripe lengths up to G L = 3.5 (10-300 um) */
    double Lmax = fmin(300e-4, fmax(20e-4, 3.5 / fabs(G)));
    for (int i = 1; i <= 12; i++) {
      double L = Lmax * i / 12.0, th[2] = {G, log(1e4)}, I;
      gk_vsl_intensity(GK_VSL_VSL1, th, &L, 1, &I, NULL);
      double s = 0.02 * I;
      fprintf(f, "%.3f,%.5g,%.3g\n", L * 1e4, I + s * gsl_ran_gaussian(r, 1), s);
    }
    fclose(f);
  }
  gk_modes_free(&m), gk_guide_free(&g), gk_depth_free(&dp), gk_absorb_free(&ab), gk_stack_free(&st);

  gsl_rng_set(r, 14);
  f = open_out(dir, "ses-531nm.csv");
  fprintf(f, "# Synthetic shifting-excitation-spot scan at 531 nm (examples/gen/gen_fluence.c):\n"
             "# I = 5000 exp(-1.06 x), alpha = 1.06 cm^-1 as in Milanese et al. 2024 Fig. S1,\n"
             "# 1 %% noise (mt19937, seed 14).\n"
             "x (mm),I (counts),sigma (counts)\n");
  for (int i = 0; i <= 15; i++) {
    double x = 0.2 * i, I = 5000 * exp(-1.06 * x / 10), s = 0.01 * I;
    fprintf(f, "%.2f,%.2f,%.2f\n", x, I + s * gsl_ran_gaussian(r, 1), s);
  }
  fclose(f);
  gsl_rng_set(r, 15);
  f = open_out(dir, "ses-matrix.csv");
  fprintf(f, "# Synthetic spectral shifting-excitation-spot set (examples/gen/gen_fluence.c):\n"
             "# alpha(lambda) = 1.06 + 4 exp(-(lambda - 500)/12) cm^-1, I0 a Gaussian at 525 nm,\n"
             "# 1 %% noise (mt19937, seed 15).\n"
             "wavelength (nm) \\ x (mm)");
  for (int j = 0; j <= 15; j++) fprintf(f, ",%.1f", 0.2 * j);
  fputc('\n', f);
  for (int i = 0; i <= 30; i++) {
    double lam = 500 + 2 * i, a = 1.06 + 4 * exp(-(lam - 500) / 12), I0 = 100 + 5000 * exp(-pow((lam - 525) / 12, 2));
    fprintf(f, "%.0f", lam);
    for (int j = 0; j <= 15; j++)
      fprintf(f, ",%.5g", I0 * exp(-a * 0.02 * j) * (1 + 0.01 * gsl_ran_gaussian(r, 1)));
    fputc('\n', f);
  }
  fclose(f);
  /* threshold versus bias: kink thresholds 68 -> 32 uJ/cm2 from 0 to 20 V
   * (Qin et al., Nano Lett. 2021, Fig. 2f), linear in between */
  gsl_rng_set(r, 16);
  for (int v = 0; v <= 20; v += 5) {
    double th = 68 - 1.8 * v;
    char name[64];
    snprintf(name, sizeof name, "trend/series-%02dV.csv", v);
    f = open_out(dir, name);
    fprintf(f, "# Synthetic pump series at %d V (examples/gen/gen_fluence.c): log-log kink at %g uJ/cm2,\n"
               "# slopes 1 and 4, 0.02 dex noise (mt19937, seed 16).\n"
               "pump (uJ/cm2),intensity (counts)\n", v, th);
    for (int i = 0; i < 18; i++) {
      double p = 10 * pow(30.0, i / 17.0), x = log10(p / th);
      double y = 3 + (x < 0 ? x : 4 * x) + 0.02 * gsl_ran_gaussian(r, 1);
      fprintf(f, "%.4g,%.5g\n", p, pow(10, y));
    }
    fclose(f);
  }
  /* VSL under a non-uniform pump: Gaussian along the stripe centred 1.5 mm
   * from the edge, 1/e^2 radius 2.5 mm; gamma = 30 cm^-1 at the mean pump,
   * alpha = 1.06 cm^-1, A = 1000 counts/cm */
  enum { NPX = 101, NL = 15 };
  double px[NPX], pp[NPX], Ls[NL], Is[NL];
  gsl_rng_set(r, 17);
  f = open_out(dir, "pump-along-stripe.csv");
  fprintf(f, "# Synthetic pump profile along the stripe (examples/gen/gen_fluence.c): Gaussian centred\n"
             "# 1.5 mm from the collecting edge, 1/e^2 radius 2.5 mm, 0.5 %% noise (mt19937, seed 17).\n"
             "x (mm),pump (counts)\n");
  for (int i = 0; i < NPX; i++) {
    px[i] = 0.005 * i;
    pp[i] = 1000 * exp(-2 * pow((px[i] - 0.15) / 0.25, 2));
    fprintf(f, "%.3f,%.2f\n", 10 * px[i], pp[i] * (1 + 0.005 * gsl_ran_gaussian(r, 1)));
  }
  fclose(f);
  for (int i = 0; i < NL; i++) Ls[i] = 0.03 * (i + 1);
  if (gk_vslp_intensity(px, pp, NPX, 30, 1.06, 1000, Ls, NL, Is, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
  f = open_out(dir, "vsl-nonuniform.csv");
  fprintf(f, "# Synthetic VSL scan under the pump of pump-along-stripe.csv (examples/gen/gen_fluence.c):\n"
             "# local gain 30 p(x) - 1.06 cm^-1 (p of mean 1 over 0-4.5 mm), source 1000 p(x) counts/cm,\n"
             "# 2 %% noise (mt19937, seed 18).\n"
             "L (mm),I (counts),sigma (counts)\n");
  gsl_rng_set(r, 18);
  for (int i = 0; i < NL; i++) fprintf(f, "%.2f,%.5g,%.3g\n", 10 * Ls[i], Is[i] * (1 + 0.02 * gsl_ran_gaussian(r, 1)), 0.02 * Is[i]);
  fclose(f);
  gsl_rng_free(r);
  return 0;
}
