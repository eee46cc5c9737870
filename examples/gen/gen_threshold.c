/* gen_threshold — writes the bundled threshold examples, deterministically.
 *
 *   cc -std=c11 -O2 -o gen_threshold examples/gen/gen_threshold.c $(pkg-config --cflags --libs gsl)
 *   ./gen_threshold spectra > examples/threshold-spectra.csv
 *   ./gen_threshold series  > examples/threshold-series.csv
 *
 * Noise comes from GSL's mt19937 with fixed seeds, so the files are the same
 * on every run (up to the last printed digit where libm differs).
 *
 * spectra: 16 pump fluences, log-spaced 5..200 uJ/cm2, wavelengths 480..600
 * nm in 0.5 nm steps. Each spectrum is spontaneous emission F(λ) (Gaussian,
 * centre 525 nm, FWHM 25 nm, amplitude proportional to pump) amplified
 * along the stripe as in docs/physics.md §2 (vpi1 form):
 *     I(λ, P) = K·P·F(λ)·(e^{G} − 1)/G,
 *     G(λ, P) = Gpk(P)·exp(−(λ − 535)²/(2·5.5²)),
 *     Gpk(P) = 10·(P/35)²/(1 + (P/35)²)   (gain–length product: superlinear
 *              onset like the population term of docs/physics.md §2, saturating)
 * plus a dark offset of 100 counts, shot noise (one count per unit) and
 * 2 counts of read noise. The FWHM collapses from ~25 nm to ~4 nm
 * (docs/physics.md §3, [Qin et al., Nano Lett. 2021]); the red-shifted gain peak pulls the emission peak
 * from 525 towards 535 nm.
 *
 * series: 16 pumps log-spaced 4..250 uJ/cm2 with an exactly known kink and
 * FWHM step, then noise: intensity = 10^(3 + 1.0·min(x − xb, 0) +
 * 3.5·max(x − xb, 0)) × 10^N(0, 0.03) with xb = log10(32), and
 * FWHM = 4 + 21/(1 + exp((x − log10(34))/0.06)) + N(0, 0.3) nm. The true
 * values are written as "# true_...:" metadata lines.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

enum { NP = 16 };

static double logspace(double lo, double hi, int i, int n)
{
  return lo * pow(hi / lo, (double)i / (double)(n - 1));
}

static void spectra(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 535);
  double p[NP];
  for (int j = 0; j < NP; j++) p[j] = logspace(5.0, 200.0, j, NP);
  printf("# Synthetic ASE spectra versus pump fluence: examples/gen/gen_threshold.c spectra\n");
  printf("# rows: wavelength (nm); columns: pump fluence; values: counts with 100-count dark offset\n");
  printf("wavelength (nm) \\ pump (uJ/cm2)");
  for (int j = 0; j < NP; j++) printf(",%.4g", p[j]);
  printf("\n");
  const double sf = 25.0 / (2.0 * sqrt(2.0 * log(2.0)));
  for (int i = 0; i <= 240; i++) {
    double l = 480.0 + 0.5 * i;
    printf("%.1f", l);
    for (int j = 0; j < NP; j++) {
      double F = exp(-0.5 * (l - 525.0) * (l - 525.0) / (sf * sf));
      double q = (p[j] / 35.0) * (p[j] / 35.0), gpk = 10.0 * q / (1.0 + q);
      double G = gpk * exp(-0.5 * (l - 535.0) * (l - 535.0) / (5.5 * 5.5));
      double amp = fabs(G) < 1e-8 ? 1.0 : expm1(G) / G;
      double s = 40.0 * p[j] * F * amp;
      double v = 100.0 + s + gsl_ran_gaussian(r, sqrt(s + 4.0));
      printf(",%.1f", v);
    }
    printf("\n");
  }
  gsl_rng_free(r);
}

static void series(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 32);
  const double xb = log10(32.0), x0 = log10(34.0);
  printf("# Synthetic pump series: examples/gen/gen_threshold.c series\n");
  printf("# true_kink_threshold_uJ_cm2: 32\n# true_kink_slopes: 1.0 3.5\n");
  printf("# true_fwhm_threshold_uJ_cm2: 34\n# true_fwhm_nm: 25 4\n");
  printf("# noise: 0.03 dex on intensity, 0.3 nm on FWHM\n");
  printf("pump (uJ/cm2),intensity (counts nm),fwhm (nm)\n");
  for (int j = 0; j < NP; j++) {
    double p = logspace(4.0, 250.0, j, NP), x = log10(p), d = x - xb;
    double I = pow(10.0, 3.0 + 1.0 * fmin(d, 0.0) + 3.5 * fmax(d, 0.0) + gsl_ran_gaussian(r, 0.03));
    double w = 4.0 + 21.0 / (1.0 + exp((x - x0) / 0.06)) + gsl_ran_gaussian(r, 0.3);
    printf("%.4g,%.5g,%.3f\n", p, I, w);
  }
  gsl_rng_free(r);
}

int main(int argc, char **argv)
{
  if (argc == 2 && strcmp(argv[1], "spectra") == 0) spectra();
  else if (argc == 2 && strcmp(argv[1], "series") == 0) series();
  else {
    fprintf(stderr, "usage: gen_threshold spectra|series\n");
    return 2;
  }
  return 0;
}
