/* bench_carriers: cost of the stiff pulse integration (Goldberg et al., Adv. Mater. 2024, Fig. 1d
 * needs one per pulse width), the Poisson gain threshold (one per point of
 * a gain-curve or a parameter scan) and the G(N) fit. A 16-width sweep and a
 * 201-point gain curve should both take well under a second. */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "gainkit/carriers.h"
#include "gainkit/nc.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
  gk_error e;
  const double n0[3] = {1e17, 1e19, 1e20};
  for (int k = 0; k < 3; k++) {
    gk_pulse_opts o = {{1e7, 2e-10, 1e-28}, n0[k], 1e-9, 0, 2, 0};
    const int reps = 50;
    size_t steps = 0;
    double t0 = now();
    for (int r = 0; r < reps; r++) {
      gk_pulse_result pr;
      if (gk_pulse_run(&o, &pr, &e) != GK_OK) return 1;
      steps = pr.n_steps;
      gk_pulse_result_free(&pr);
    }
    printf("pulse ODE, N0 = %.0e cm^-3, 1 ns FWHM, to 1 us: %8.3f ms/run, %zu steps (k3 N0^2 = %.0e s^-1)\n",
           n0[k], 1e3 * (now() - t0) / reps, steps, 1e-28 * n0[k] * n0[k]);
  }
  gk_nc_gain_model m = {2, 2, 0.5, 1, GK_NC_POISSON, GK_NC_1S};
  const int reps = 2000;
  double t0 = now(), n;
  for (int r = 0; r < reps; r++) gk_nc_threshold(&m, &n, &e);
  printf("Poisson threshold with Poisson charging (2,2,<n_e>=0.5): %8.2f us/solve (N_th = %.4f)\n",
         1e6 * (now() - t0) / reps, n);
  enum { M = 25 };
  double x[M], g[M];
  for (int i = 0; i < M; i++) {
    x[i] = 1.6e19 + 0.8e19 * i;
    g[i] = gk_gain_saturated(0.65, 4e-16, 1.5e19, 5e19, x[i]) * (1 + 0.02 * sin(1.7 * i));
  }
  t0 = now();
  for (int r = 0; r < 200; r++) {
    gk_gain_fit f;
    gk_gain_fit_run(x, g, M, 0.65, 0, 0, 0, &f, &e);
    gk_gain_fit_free(&f);
  }
  printf("G(N) saturation fit, 25 points, 5 starts: %8.3f ms/fit\n", 1e3 * (now() - t0) / 200);
  return 0;
}
