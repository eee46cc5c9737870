/* bench_vpi_stress: random vpi2 designs (globals, size, weighting) fitted by
 * gk_vpi_fit from the automatic start (or, with "user", from the perturbed
 * truth); prints chi2 per case. Compare two builds of the library by running
 * each build tree's bench/bench_vpi_stress on the same cases (session-9 use:
 * docs/benchmarks.md, vpi9 and vpig9). Usage: bench_vpi_stress N [first_seed [user]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include "gainkit/vpi.h"
#include "vpi_synth.h"

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
  gsl_set_error_handler_off();
  int n = argc > 1 ? atoi(argv[1]) : 10;
  unsigned long s0 = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  for (int c = 0; c < n; c++) {
    unsigned long seed = s0 + c;
    synth_design s = synth_random_design(r, seed);
    size_t nl = s.nl, np = s.np;
    int w = s.w;
    vpi_truth t;
    synth_make_full(&t, nl, np, s.bg, 0.01, seed, 0.1, 2.0, s.g);
    gk_vpi_data d;
    synth_weighting(&t, w, &d);
    gk_vpi_result res;
    gk_error e;
    gk_vpi_options o;
    gk_vpi_options_default(&o);
    double g0[GK_VPI_NGLOB];  /* user start (argv[3] = user): bench_vpi's perturbed truth */
    synth_user_start(&t, g0);
    if (argc > 3 && !strcmp(argv[3], "user")) o.glob0 = g0;
    double t0 = now();
    int rc = gk_vpi_fit(&d, GK_VPI2, &o, &res, &e);
    double dt = now() - t0;
    if (rc == GK_OK) {
      printf("case %lu nl %zu np %zu w %d chi2 %.12e cpu %.3f conv %d bnd %d\n", seed, nl, np, w, res.chi2, dt,
             res.converged, res.boundary);
      gk_vpi_result_free(&res);
    } else printf("case %lu nl %zu np %zu w %d FAIL rc %d\n", seed, nl, np, w, rc);
    fflush(stdout);
    synth_free(&t);
  }
  gsl_rng_free(r);
  return 0;
}
