/* test_openmp.c — the library's OpenMP loops (spectral VSL over
 * wavelengths, mode sweeps over grid points, simulate over bins/cells and
 * sweep points) give bit-identical answers with 1 and 4 threads.
 *
 * Why a test of its own: the headers promise "the result does not depend
 * on the thread count", and a data race inside one of these loops (a shared
 * scratch buffer, a cancel flag written without atomics) shows up either
 * as a difference between the thread counts here or, in the ThreadSanitizer
 * build with LLVM's OpenMP runtime and its Archer tool (`make check TSAN=1`
 * with clang; docs/reliability.md), as a TSan report. Without OpenMP the
 * loops are serial and only the determinism checks run. */
#include "gk_test.h"

#include <complex.h>
#include <stdint.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gainkit/modes.h"
#include "gainkit/simulate.h"
#include "gainkit/stack.h"
#include "gainkit/vsl.h"

static void set_threads(int n)
{
#ifdef _OPENMP
  omp_set_num_threads(n);
#else
  (void)n;
#endif
}

static int same_bits(double a, double b)
{
  return memcmp(&a, &b, sizeof a) == 0;
}

/* vsl1 data whose gain varies with wavelength, with a deterministic
 * ripple so every wavelength is a real fit. */
enum { NL = 24, NW = 48 };

static int spectral(int threads, double *g, int *conv)
{
  double L[NL], z[NW * NL];
  for (int j = 0; j < NL; j++) L[j] = 0.005 + 0.3 * j / (NL - 1);
  for (int i = 0; i < NW; i++) {
    double gi = 10 + 20 * exp(-((i - 24.0) / 10) * ((i - 24.0) / 10));
    for (int j = 0; j < NL; j++)
      z[i * NL + j] = 50 * expm1(gi * L[j]) / gi * (1 + 0.01 * sin(7.3 * i + 12.9898 * j));
  }
  set_threads(threads);
  gk_vsl_spectrum spec[GK_VSL_NMODELS];
  memset(spec, 0, sizeof spec);
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_vsl_spectral(L, NL, z, NW, GK_WEIGHT_RELATIVE, 1u << GK_VSL_VSL1, spec, NULL, NULL, &e);
  if (rc != GK_OK) return rc;
  for (int i = 0; i < NW; i++) g[i] = spec[GK_VSL_VSL1].g[i], conv[i] = spec[GK_VSL_VSL1].converged[i];
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_spectrum_free(&spec[m]);
  return GK_OK;
}

static void test_vsl_spectral(void)
{
  double g1[NW], g4[NW];
  int c1[NW], c4[NW];
  CHECK(spectral(1, g1, c1) == GK_OK);
  CHECK(spectral(4, g4, c4) == GK_OK);
  int nconv = 0, differ = 0;
  for (int i = 0; i < NW; i++) {
    nconv += c1[i];
    differ += c1[i] != c4[i] || !same_bits(g1[i], g4[i]);
  }
  CHECK_MSG(nconv == NW, "%d of %d wavelengths converged", nconv, NW);
  CHECK_MSG(differ == 0, "%d wavelengths differ between 1 and 4 threads", differ);
  /* the peak wavelength's gain is the 30 cm^-1 it was made with (1 % ripple) */
  CHECK_CLOSE(g1[24], 30.0, 0.05);
}

static void test_modes_sweep(void)
{
  char path[] = "/tmp/gk-omp-stack.XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *fp = fdopen(fd, "w");
  fprintf(fp, "wavelength_nm: 540\nlayers:\n  - {name: air, n: 1.0}\n"
              "  - {name: film, n: 2.4, k: 0.001, thickness_nm: 250, active: true}\n  - {name: quartz, n: 1.45}\n");
  fclose(fp);
  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_stack_load(path, &s, &e);
  unlink(path);
  CHECK_MSG(rc == GK_OK, "stack: %s", e.msg);
  if (rc != GK_OK) return;
  enum { NT = 12, NWL = 4 };
  double th[NT], wl[NWL];
  for (int i = 0; i < NT; i++) th[i] = 80 + 40 * i;
  for (int i = 0; i < NWL; i++) wl[i] = 500 + 20 * i;
  gk_sweep_point p1[NT * NWL], p4[NT * NWL];
  int conv1 = 0, conv4 = 0;
  set_threads(1);
  CHECK(gk_modes_sweep(&s, 1, th, NT, wl, NWL, 540, 0, p1, &conv1, NULL, &e) == GK_OK);
  set_threads(4);
  CHECK(gk_modes_sweep(&s, 1, th, NT, wl, NWL, 540, 0, p4, &conv4, NULL, &e) == GK_OK);
  CHECK(conv1 && conv4);
  int differ = 0, found = 0;
  for (int i = 0; i < NT * NWL; i++)
    for (int pol = 0; pol < 2; pol++) {
      found += p1[i].found[pol];
      differ += p1[i].found[pol] != p4[i].found[pol] ||
                (p1[i].found[pol] && (!same_bits(creal(p1[i].neff[pol]), creal(p4[i].neff[pol])) ||
                                      !same_bits(cimag(p1[i].neff[pol]), cimag(p4[i].neff[pol]))));
    }
  CHECK_MSG(found > NT * NWL, "only %d of %d TE0/TM0 modes found", found, 2 * NT * NWL);
  CHECK_MSG(differ == 0, "%d sweep points differ between 1 and 4 threads", differ);
  gk_stack_free(&s);
}

static void test_simulate(void)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.ncells = 40, c.nbins = 32, c.ntimes = 40;
  gk_error e;
  gk_error_clear(&e);
  gk_sim_result r1, r4;
  set_threads(1);
  CHECK(gk_sim_run(&c, &r1, NULL, &e) == GK_OK);
  set_threads(4);
  CHECK(gk_sim_run(&c, &r4, NULL, &e) == GK_OK);
  int differ = 0;
  for (size_t j = 0; j < r1.nbins; j++) differ += !same_bits(r1.spectrum[j], r4.spectrum[j]);
  CHECK_MSG(differ == 0, "%d spectrum bins differ between 1 and 4 threads", differ);
  CHECK(r1.steps == r4.steps && r1.steps > 0);
  gk_sim_result_free(&r1);
  gk_sim_result_free(&r4);

  /* a sweep spreads points over threads */
  double F[4];
  for (int i = 0; i < 4; i++) F[i] = c.pump_fluence * (0.5 + 0.5 * i);
  gk_sim_result s1[4], s4[4];
  set_threads(1);
  CHECK(gk_sim_sweep(&c, GK_SIM_SWEEP_FLUENCE, F, 4, s1, NULL, &e) == GK_OK);
  set_threads(4);
  CHECK(gk_sim_sweep(&c, GK_SIM_SWEEP_FLUENCE, F, 4, s4, NULL, &e) == GK_OK);
  differ = 0;
  for (int i = 0; i < 4; i++) {
    differ += !same_bits(s1[i].budget.out_edge, s4[i].budget.out_edge);
    gk_sim_result_free(&s1[i]);
    gk_sim_result_free(&s4[i]);
  }
  CHECK_MSG(differ == 0, "%d sweep points differ between 1 and 4 threads", differ);
}

int main(void)
{
#ifndef _OPENMP
  fprintf(stderr, "test_openmp: built without OpenMP: determinism checks only (loops are serial)\n");
#endif
  RUN(test_vsl_spectral);
  RUN(test_modes_sweep);
  RUN(test_simulate);
  return gk_test_summary();
}
