/* What the mode analyses report (src/modes/modes_report.c): the guiding
 * layer, the layer at a depth, profiles normalised to a peak of 1 whose
 * TE0 confinement matches the solver's, and the TE0 net-gain design numbers
 * of a sweep against a hand-made linear crossing. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>

#include "gainkit/modes.h"
#include "gk_test.h"

int main(void)
{
  gk_guide g;
  gk_error e;
  gk_error_clear(&e);
  const double n[4] = {1.0, 2.3, 1.7, 1.46}, k[4] = {0, 0, 0, 0}, t[4] = {0, 150, 50, 0};
  CHECK_INT(gk_guide_init(&g, 4, n, k, t, 540, &e), GK_OK);
  CHECK_INT((int)gk_modes_core_layer(&g, -1), 1);
  CHECK_INT((int)gk_modes_core_layer(&g, 2), 2);
  CHECK_INT((int)gk_guide_layer_at(&g, -5), 0);
  CHECK_INT((int)gk_guide_layer_at(&g, 0), 1);
  CHECK_INT((int)gk_guide_layer_at(&g, 149.9), 1);
  CHECK_INT((int)gk_guide_layer_at(&g, 150), 2);
  CHECK_INT((int)gk_guide_layer_at(&g, 500), 3);
  gk_modes m = {0};
  CHECK_INT(gk_modes_find(&g, GK_MODES_TE, &m, &e), GK_OK);
  CHECK(m.n >= 1);
  double *x = NULL, **E = NULL;
  size_t np = 2001;
  CHECK_INT(gk_modes_profiles(&g, &m, np, &x, &E, &e), GK_OK);
  double mx = 0, in1 = 0, all = 0;
  for (size_t i = 0; i < np; i++) {
    mx = fmax(mx, E[0][i]);
    all += E[0][i];
    if (gk_guide_layer_at(&g, x[i]) == 1) in1 += E[0][i];
  }
  CHECK_CLOSE(mx, 1, 1e-12);
  CHECK_CLOSE(x[0], -fmax(270, 50), 1e-9); /* margin lambda/2 */
  /* the sampled field's share in layer 1 agrees with the solver's confinement
   * to the grid's resolution (the window holds all but a tail of the field) */
  CHECK(fabs(in1 / all - m.mode[0].confinement[1]) < 0.02);
  gk_modes_profiles_free(&m, x, E);
  gk_modes_free(&m);
  gk_guide_free(&g);
  /* TE0 net gain -30, -10, +10, +30 at 10, 20, 30, 40 nm: positive from 30, zero at 25 */
  gk_sweep_point P[4] = {{0}};
  for (int i = 0; i < 4; i++) {
    P[i].thickness_nm = 10 * (i + 1);
    P[i].found[0] = 1;
    P[i].net_gain[0] = -30 + 20 * i;
  }
  double from, zero;
  gk_modes_sweep_te0_gain(P, 4, &from, &zero);
  CHECK_CLOSE(from, 30, 0);
  CHECK_CLOSE(zero, 25, 1e-12);
  for (int i = 0; i < 4; i++) P[i].net_gain[0] = -1;
  gk_modes_sweep_te0_gain(P, 4, &from, &zero);
  CHECK(isnan(from) && isnan(zero));
  return gk_test_summary();
}
