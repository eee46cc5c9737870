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
#include "simulate/sim_internal.h"

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

/* Every output of two runs the same bits (spectra per mode, intensity,
 * budget, steps); the number of values that differ. */
static int sim_differ(const gk_sim_result *a, const gk_sim_result *b)
{
  int d = a->steps != b->steps || a->nbins != b->nbins || a->ntimes != b->ntimes || a->npol != b->npol;
  if (d) return d;
  for (size_t j = 0; j < a->npol * a->nbins; j++) d += !same_bits(a->spectrum_pol[j], b->spectrum_pol[j]);
  for (size_t k = 0; k < a->ntimes; k++) d += !same_bits(a->intensity[k], b->intensity[k]);
  const gk_sim_budget *x = &a->budget, *y = &b->budget;
  d += !same_bits(x->absorbed, y->absorbed) + !same_bits(x->decay_guided, y->decay_guided) +
       !same_bits(x->decay_other, y->decay_other) + !same_bits(x->stimulated_net, y->stimulated_net) +
       !same_bits(x->out_edge, y->out_edge) + !same_bits(x->out_far, y->out_far) +
       !same_bits(x->loss_esa, y->loss_esa) + !same_bits(x->loss_bg, y->loss_bg) + !same_bits(x->left, y->left);
  return d;
}

/* The stripe split of one run over two threads (src/simulate/simulate.c,
 * stripe_flux: thread 0 solves the cells before the chunk boundary h
 * nearest the middle, thread 1 those after it, first from its own end,
 * and the fluxes crossing h are handed over) gives the serial solve's
 * bits; 3 threads split the spectrum instead, also the same bits. Every
 * threaded run solves every step on its threads (GK_SIM_THREADS_ALWAYS),
 * and gk_sim_stripe_steps_ shows that the 2-thread runs used the stripe
 * split for all their steps and the others never. Configs: an emitter film
 * far above threshold (the flux crossing h carries most of the edge output:
 * asserted below, so a lost or wrong hand-over changes the output, not only
 * its last bits), TE + TM with depth slices, bulk films with Gaussian strips
 * (ny = 3; 50 cells: h = 25 is no multiple of the 16-cell chunk), and an
 * unpumped end that reabsorbs. */
static void test_simulate_stripe(void)
{
#ifdef _OPENMP
  gk_error e;
  gk_error_clear(&e);
  for (int cfg = 0; cfg < 4; cfg++) {
    gk_sim_config c;
    gk_sim_config_default(&c);
    c.ncells = 128;
    c.nbins = 128; /* 128 x 128 = 16384 cell-bins: the threading threshold */
    c.ntimes = 12;
    c.pump_fluence = 0.5e-3; /* ~2x threshold: gain far from saturation */
    c.stripe_length = 0.3;
    c.t_start = -0.3e-9;
    c.t_end = 0.3e-9;
    c.accuracy = 0.3;
    c.threading = GK_SIM_THREADS_ALWAYS;
    if (cfg == 1) { /* TE + TM, depth slices, bins not a multiple of the 64-bin block */
      c.npol = 2;
      c.nbins = 70;
      c.depth_slices = 3;
    } else if (cfg == 2) { /* bulk, Gaussian strips, 50 cells */
      c.kinetics = GK_SIM_BULK;
      c.thickness = 200e-7;
      c.index = 2.3;
      c.confinement = 0.75;
      c.emission = (gk_sim_band){.peak = 1, .center = 530, .fwhm = 20};
      c.lambda_min = 490;
      c.lambda_max = 570;
      c.pump_wavelength = 400;
      c.pump_fwhm = 1e-12;
      c.pump_fluence = 40e-6;
      c.background_loss = 20;
      c.t_start = -3e-12;
      c.t_end = 0.1e-9;
      c.npol = 2;
      c.pump_profile = GK_SIM_GAUSS;
      c.channels = 3;
      c.depth_slices = 2;
      c.ncells = 50;
      c.nbins = 60; /* 50 x 3 x 2 x 60 = 18000 */
    } else if (cfg == 3) { /* an unpumped end */
      c.unpumped_length = 0.05;
    }
    gk_sim_result r[3];
    size_t stripe[3];
    for (int th = 1; th <= 3; th++) {
      size_t s0 = gk_sim_stripe_steps_();
      set_threads(th);
      CHECK_MSG(gk_sim_run(&c, &r[th - 1], NULL, &e) == GK_OK, "config %d: %s", cfg, e.msg);
      stripe[th - 1] = gk_sim_stripe_steps_() - s0;
    }
    int differ = sim_differ(&r[0], &r[1]) + sim_differ(&r[0], &r[2]);
    CHECK_MSG(differ == 0, "config %d: %d values differ between 1, 2 and 3 threads", cfg, differ);
    CHECK_MSG(stripe[0] == 0 && stripe[1] == r[1].steps && stripe[2] == 0 && r[1].steps > 10,
              "config %d: stripe-split steps %zu, %zu, %zu of %zu", cfg, stripe[0], stripe[1], stripe[2],
              r[1].steps);
    CHECK(r[0].budget.stimulated_net > 0);
    if (cfg == 0) {
      /* the same film cut after the cells thread 0 solves (h = nx/2 = 64): its
       * edge output is the forward flux thread 0 hands to thread 1. The
       * whole stripe giving > 10 times that, the hand-over amplified by
       * the second half is > 90 % of the output */
      gk_sim_config h = c;
      gk_sim_result rh;
      h.ncells = 64;
      h.stripe_length = c.stripe_length / 2;
      set_threads(1);
      CHECK(gk_sim_run(&h, &rh, NULL, &e) == GK_OK);
      double ratio = r[0].budget.out_edge / rh.budget.out_edge;
      printf("  stripe split: edge output %.3g x that of the first half\n", ratio);
      CHECK_MSG(ratio > 10, "the first half's flux is only 1/%.3g of the output", ratio);
      gk_sim_result_free(&rh);
    }
    for (int k = 0; k < 3; k++) gk_sim_result_free(&r[k]);
  }
  set_threads(1);
#endif
}

int main(void)
{
#ifndef _OPENMP
  fprintf(stderr, "test_openmp: built without OpenMP: determinism checks only (loops are serial)\n");
#endif
  RUN(test_vsl_spectral);
  RUN(test_modes_sweep);
  RUN(test_simulate);
  RUN(test_simulate_stripe);
  return gk_test_summary();
}
