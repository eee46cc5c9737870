/* Cancellation: every long-running library function stops when its
 * gk_progress callback returns non-zero, and says so with one code,
 * GK_ECANCELLED (before: vsl answered "usage", simulate "did not converge",
 * the modes sweep GK_OK after finishing every point). */
#include "gk_test.h"
#include "gainkit/gainkit.h"
#include <math.h>

typedef struct { size_t calls, stop_after; } stopper;
static int stop_cb(void *ctx, size_t done, size_t total)
{
  (void)done, (void)total;
  stopper *s = ctx;
  int stop;
#pragma omp critical(test_cancel)
  stop = ++s->calls > s->stop_after;
  return stop;
}

static void test_sim_run(void)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.ncells = 40, c.nbins = 32, c.ntimes = 60;
  stopper s = {0, 3};
  gk_progress p = {stop_cb, &s};
  gk_sim_result r;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_sim_run(&c, &r, &p, &e), GK_ECANCELLED);
  CHECK_INT(e.code, GK_ECANCELLED);
  CHECK(strstr(e.msg, "cancelled") != NULL);
}

static void test_sim_sweep(void)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.ncells = 40, c.nbins = 32, c.ntimes = 60;
  double f[3] = {c.pump_fluence, 2 * c.pump_fluence, 3 * c.pump_fluence};
  gk_sim_result r[3];
  stopper s = {0, 0};
  gk_progress p = {stop_cb, &s};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_sim_sweep(&c, GK_SIM_SWEEP_FLUENCE, f, 3, r, &p, &e), GK_ECANCELLED);
  CHECK_INT(e.code, GK_ECANCELLED);
}

static void test_modes_sweep(void)
{
  gk_stack st;
  memset(&st, 0, sizeof st);
  gk_layer L[3] = {{.name = "air", .n = 1.0}, {.name = "film", .n = 2.4, .k = 0.001, .thickness_nm = 100, .active = 1},
                   {.name = "quartz", .n = 1.45}};
  st.layers = L, st.nlayers = 3, st.active = 1, st.wavelength_nm = 540;
  enum { N = 64 };
  double th[N];
  for (int i = 0; i < N; i++) th[i] = 60 + 5 * i;
  gk_sweep_point P[N];
  int conv = 0;
  stopper s = {0, 2};
  gk_progress p = {stop_cb, &s};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_modes_sweep(&st, 1, th, N, NULL, 0, 540, 500, P, &conv, &p, &e), GK_ECANCELLED);
  CHECK_INT(e.code, GK_ECANCELLED);
  /* the points after the cancel are skipped, not computed */
  CHECK(s.calls < N);
}

static void test_vsl_spectral(void)
{
  enum { NL = 8, NW = 64 };
  double L[NL], z[NW * NL];
  for (int j = 0; j < NL; j++) L[j] = 0.01 * (j + 1);
  for (int i = 0; i < NW; i++)
    for (int j = 0; j < NL; j++) z[i * NL + j] = (expm1(20.0 * L[j]) / 20.0) * (1 + 0.01 * ((i + j) % 3));
  gk_vsl_spectrum spec[GK_VSL_NMODELS];
  memset(spec, 0, sizeof spec);
  stopper s = {0, 2};
  gk_progress p = {stop_cb, &s};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_vsl_spectral(L, NL, z, NW, GK_WEIGHT_RELATIVE, 1u, spec, NULL, &p, &e), GK_ECANCELLED);
  CHECK_INT(e.code, GK_ECANCELLED);
  CHECK(strcmp(gk_strerror(GK_ECANCELLED), "cancelled") == 0);
}

int main(void)
{
  RUN(test_sim_run);
  RUN(test_sim_sweep);
  RUN(test_modes_sweep);
  RUN(test_vsl_spectral);
  return gk_test_summary();
}
