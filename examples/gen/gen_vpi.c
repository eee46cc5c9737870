/* gen_vpi — writes examples/vpi-ddab.csv, deterministically.
 *
 *   cc -std=c11 -O2 -Itests -o gen_vpi examples/gen/gen_vpi.c $(pkg-config --cflags --libs gsl) -lm
 *   ./gen_vpi > examples/vpi-ddab.csv
 *   ./gen_vpi fl > examples/vpi-ddab-fl.csv
 *
 * A variable-pump-intensity series resembling sample NC-DDAB of Milanese et al., Adv. Opt. Mater. 2024
 * (§2.2, Fig. 3), computed from Eq. 6-8 (vpi2) by tests/vpi_synth.h (the
 * generator the unit tests use): stripe L = 0.45 cm, 121 wavelengths
 * 500-560 nm, PL centred at 515 nm, gross gain peaking at 530 nm, alpha =
 * 1.05 cm^-1 at 531 nm rising to the blue, dn(P) with P1 = 3, P2 = 1
 * mJ/cm2, m = 3, n = 1.5, W1 = 1000 P and a background W2 = 3 W1, 1 %
 * relative Gaussian noise (GSL mt19937, seed 2024; the CLI's default
 * relative weights match it). The true values go into "# true_...:"
 * metadata lines.
 * Designed like a real measurement: 30 pumps log-spaced over 0.02-2
 * mJ/cm2, from pure fluorescence (dn = 0.003 at the lowest) to twice the
 * threshold (gL = 1 at ~0.9). Even so P1, P2, m, n are not determined
 * (docs/vpi.md explains why); the fit says so, and recovers the threshold
 * and alpha within its (large) standard errors.
 *
 * `fl` writes the fluorescence shape F(lambda) (a weakly excited, short
 * stripe measurement in the lab) for --fluorescence: the default F, the
 * lowest-pump spectrum, carries the lambda-dependent E(gL) and E(-alpha L)
 * factors of this strongly absorbing blue edge (alpha up to 20 cm^-1).
 */
#include <stdio.h>
#include <string.h>
#include "vpi_synth.h"

int main(int argc, char **argv)
{
  vpi_truth t;
  synth_make_full(&t, 121, 30, 3.0, 0.01, 2024, 0.02, 2.0, NULL);
  if (argc > 1 && !strcmp(argv[1], "fl")) {
    printf("# F(lambda) for examples/vpi-ddab.csv (examples/gen/gen_vpi.c)\n");
    printf("wavelength (nm),F\n");
    for (size_t i = 0; i < t.nl; i++) printf("%.2f,%.6g\n", t.lambda[i], t.F[i]);
    synth_free(&t);
    return 0;
  }
  printf("# gainkit example: VPI series like NC-DDAB (Milanese et al., Adv. Opt. Mater. 2024, Fig. 3); examples/gen/gen_vpi.c\n");
  printf("# stripe_length_cm: 0.45\n");
  printf("# true_P1_mJ_cm2: %g\n# true_P2_mJ_cm2: %g\n# true_m: %g\n# true_n: %g\n", t.glob[0],
         t.glob[1], t.glob[2], t.glob[3]);
  printf("# true_background_ratio: 3\n");
  printf("wavelength (nm) \\ pump (mJ/cm2)");
  for (size_t j = 0; j < t.np; j++) printf(",%.6g", t.pump[j]);
  printf("\n");
  for (size_t i = 0; i < t.nl; i++) {
    printf("%.2f", t.lambda[i]);
    for (size_t j = 0; j < t.np; j++) printf(",%.6g", t.intensity[i * t.np + j]);
    printf("\n");
  }
  synth_free(&t);
  return 0;
}
