/* bench_vpi — time and peak memory of the vpi2 global fit (issue 5 targets:
 * N_lambda = 400, Np = 40 under 5 s on one core and under 200 MB), and the
 * scaling with N_lambda = 100, 200, 400, 800 at Np = 40, on noise-free
 * synthetic data (tests/vpi_synth.h), and on 1 % noise at 400 x 40. */
#include <stdio.h>
#include <time.h>
#include <sys/resource.h>
#include <gsl/gsl_errno.h>
#include "gainkit/vpi.h"
#include "vpi_synth.h"

/* CPU time of this process: the machine is shared, wall time is not the
 * fit's cost. */
static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void one(size_t nl, size_t np, double noise)
{
  vpi_truth t;
  synth_make(&t, nl, np, 2.0, noise, 11);
  gk_vpi_data d = {.nl = nl, .np = np, .lambda = t.lambda, .pump = t.pump, .I = t.I,
                   .sigma = noise > 0 ? t.sigma : NULL, .F = t.F, .L = t.L};
  gk_vpi_result r;
  gk_error e;
  double t0 = now();
  int rc = gk_vpi_fit(&d, GK_VPI2, NULL, &r, &e);
  double dt = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%6zu %4zu %6.2f %8.3f %6zu %9d %10.4g %10.4g %8.1f\n", nl, np, noise * 100, dt, r.n_iter,
         rc == GK_OK && r.converged, r.chi2_red, r.th_gl1, ru.ru_maxrss / 1024.0);
  if (rc == GK_OK) gk_vpi_result_free(&r);
  synth_free(&t);
}

int main(void)
{
  gsl_set_error_handler_off();
  printf("vpi2 global fit, one core (peak RSS is cumulative over the runs)\n");
  printf("%6s %4s %6s %8s %6s %9s %10s %10s %8s\n", "Nl", "Np", "noise%", "cpu_s", "iter",
         "converged", "chi2_red", "gl1", "maxrss_MB");
  size_t nls[] = {100, 200, 400, 800};
  for (size_t k = 0; k < 4; k++) one(nls[k], 40, 0);
  one(400, 40, 0.01);
  return 0;
}
