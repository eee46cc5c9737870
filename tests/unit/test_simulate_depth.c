/* Depth-resolved carriers of the stripe simulator (film.depth_slices),
 * each against an independent number:
 *  - equal slices absorbing equal shares reproduce the depth-averaged
 *    model (the uniform-absorption limit);
 *  - without light in the guide each slice follows dN/dt = −k2 N², whose
 *    closed form N0/(1 + k2 N0 t) averaged over the Beer–Lambert initial
 *    profile is the film's mean density (and differs from the depth-averaged
 *    model's, which the test also shows);
 *  - the pump absorbed per slice of a film between two claddings (pump.depth:
 *    stack) against the Airy closed form of the field in a single absorbing
 *    layer, integrated analytically;
 *  - the TE0 |E|² share per slice against the cos² field of a symmetric slab;
 *  - the photon budget closes with slices, TE + TM and stack weights.
 * Grids are tiny (well under a second). */
#include <complex.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gk_test.h"
#include "gainkit/modes.h"
#include "gainkit/simulate.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define HNU(lam_nm) (6.62607015e-34 * 2.99792458e10 / ((lam_nm) * 1e-7))

static void bulk(gk_sim_config *c)
{
  gk_sim_config_default(c);
  c->kinetics = GK_SIM_BULK;
  c->thickness = 200e-7;
  c->index = 2.3;
  c->confinement = 0.75;
  c->emission = (gk_sim_band){.peak = 1, .center = 530, .fwhm = 20};
  c->lambda_min = 490;
  c->lambda_max = 570;
  c->pump_wavelength = 400;
  c->pump_absorption = 1e5;
  c->pump_fwhm = 1e-12;
  c->pump_fluence = 40e-6;
  c->background_loss = 20;
  c->nbins = 12;
  c->ncells = 16;
  c->ntimes = 40;
  c->t_start = -3e-12;   /* the ASE and the fast decay; keeps the tests cheap under ASan */
  c->t_end = 3e-9;
}

static double max_rel(const double *a, const double *b, size_t n)
{
  double m = 0, w = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(b[i]));
  for (size_t i = 0; i < n; i++) w = fmax(w, fabs(a[i] - b[i]) / m);
  return w;
}

static void check_budget(const gk_sim_budget *b)
{
  double rhs = b->decay_other + b->out_edge + b->out_far + b->loss_esa + b->loss_bg + b->left;
  CHECK_CLOSE(rhs, b->absorbed, 1e-9);
  CHECK_CLOSE(b->decay_guided + b->stimulated_net, b->out_edge + b->out_far + b->loss_esa + b->loss_bg, 1e-9);
}

/* Equal slices absorbing equal shares of the pump (and uniform mode
 * weights) are the depth-averaged film cut into identical pieces: the same
 * output, above threshold, with TE + TM, a second population. */
static void test_uniform_limit(void)
{
  gk_sim_config c;
  bulk(&c);
  c.npol = 2;
  c.second_fraction = 0.1;
  c.second_lifetime = 20e-9;
  gk_sim_result r1, r8;
  gk_error e;
  gk_error_clear(&e);
  CHECK_MSG(gk_sim_run(&c, &r1, NULL, &e) == GK_OK, "%s", e.msg);
  c.depth_slices = 8;
  double a = -expm1(-c.pump_absorption * c.thickness);
  for (int z = 0; z < 8; z++) c.depth_pump[z] = a / 8;
  CHECK_MSG(gk_sim_run(&c, &r8, NULL, &e) == GK_OK, "%s", e.msg);
  if (r1.lambda && r8.lambda) {
    CHECK(r1.budget.stimulated_net > 0.05 * r1.budget.absorbed);  /* above threshold */
    double d = max_rel(r8.spectrum, r1.spectrum, r1.nbins), dtm = max_rel(r8.spectrum_pol + r8.nbins,
                                                                          r1.spectrum_pol + r1.nbins, r1.nbins);
    printf("  8 equal slices vs depth-averaged: spectrum %.3g, TM %.3g of the peak (%zu steps)\n", d, dtm, r8.steps);
    CHECK_MSG(d < 1e-10 && dtm < 1e-10, "uniform limit: %.3g %.3g", d, dtm);
    CHECK_CLOSE(r8.budget.absorbed, r1.budget.absorbed, 1e-12);
    check_budget(&r8.budget);
  }
  gk_sim_result_free(&r1);
  gk_sim_result_free(&r8);
}

/* No guided light (β = 0), k1 ≈ 0, k3 = 0, a 10 fs pulse: each slice decays
 * as N0 / (1 + k2 N0 t) from its Beer–Lambert initial density
 * N0_s = (F/hν)(e^{−α z_s} − e^{−α z_{s+1}})/Δz; the map holds the depth mean. */
static void test_k2_closed_form(void)
{
  gk_sim_config c;
  bulk(&c);
  c.coupling = 0;
  c.ncells = 1;
  c.nbins = 2;
  c.k1 = 1;
  c.k2 = 2e-9;
  c.k3 = 0;
  c.pump_fwhm = 10e-15;
  c.pump_fluence = 100e-6;
  c.pump_absorption = 1.5e5; /* α d = 3 */
  c.t_start = -50e-15;
  c.t_end = 5e-9;
  c.ntimes = 50;
  c.accuracy = 0.05;
  c.time_resolved = 1;
  c.depth_slices = 16;
  gk_sim_result r, r1;
  gk_error e;
  gk_error_clear(&e);
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  c.depth_slices = 1;
  CHECK_MSG(gk_sim_run(&c, &r1, NULL, &e) == GK_OK, "%s", e.msg);
  if (!r.lambda || !r1.lambda) return;
  double nph = c.pump_fluence / HNU(c.pump_wavelength), dz = c.thickness / 16, a = c.pump_absorption;
  double tbin = (c.t_end - c.t_start) / (double)c.ntimes, worst = 0, worst1 = 0, n0mean = 0;
  for (int z = 0; z < 16; z++) n0mean += nph * (exp(-a * dz * z) - exp(-a * dz * (z + 1))) / dz / 16;
  for (size_t k = 0; k < c.ntimes; k++) {
    double t = c.t_start + (double)(k + 1) * tbin, want = 0;
    for (int z = 0; z < 16; z++) {
      double N0 = nph * (exp(-a * dz * z) - exp(-a * dz * (z + 1))) / dz;
      want += N0 / (1 + c.k2 * N0 * t) / 16;
    }
    worst = fmax(worst, fabs(r.n1_map[k] - want) / n0mean);
    worst1 = fmax(worst1, fabs(r1.n1_map[k] - want) / n0mean);
  }
  printf("  k2 decay of a Beer-Lambert profile (alpha d = 3, 16 slices) vs closed form: %.3g of N0; "
         "depth-averaged model: %.3g\n", worst, worst1);
  CHECK_MSG(worst < 2e-3, "depth-resolved k2 decay: %.3g", worst);
  CHECK_MSG(worst1 > 10 * worst, "the depth profile should matter here: %.3g vs %.3g", worst1, worst);
  gk_sim_result_free(&r);
  gk_sim_result_free(&r1);
}

static void put(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

/* ∫_{z0}^{z1} |A e^{iqz} + B e^{−iqz}|² dz, analytically. */
static double field_integral(double complex A, double complex B, double complex q, double z0, double z1)
{
  double qi = cimag(q), qr = creal(q);
  double complex AB = A * conj(B);
  double t1 = cabs(A) * cabs(A) * (exp(-2 * qi * z0) - exp(-2 * qi * z1)) / (2 * qi);
  double t2 = cabs(B) * cabs(B) * (exp(2 * qi * z1) - exp(2 * qi * z0)) / (2 * qi);
  double complex t3 = AB * (cexp(2 * I * qr * z1) - cexp(2 * I * qr * z0)) / (2 * I * qr);
  return t1 + t2 + 2 * creal(t3);
}

/* pump.depth: stack and the mode weights, for a film between two equal
 * claddings: pump shares against the Airy field of one absorbing layer,
 * TE0 weights against cos²(κ(z − d/2)) with κ = k0 √(n² − n_eff²). Then a
 * run from this config closes its budget and differs from the depth-
 * averaged film. */
static void test_stack(void)
{
  char dir[] = "/tmp/gk-simdepth-XXXXXX", p[2][1200];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(p[0], sizeof p[0], "%s/stack.yaml", dir);
  snprintf(p[1], sizeof p[1], "%s/sim.yaml", dir);
  const double n0 = 1.45, n1 = 2.3, k1 = 0.3, dnm = 180, lp = 400;
  const size_t nz = 6;
  put(p[0], "wavelength_nm: 530\nlayers:\n  - {name: glass, n: 1.45}\n"
            "  - {name: film, n: 2.3, k: 0.3, thickness_nm: 180, active: true}\n  - {name: quartz, n: 1.45}\n");
  put(p[1], "film:\n  thickness: 180 nm\n  confinement_from: stack.yaml\n  modes: te+tm\n  coupling_tm: 0.004\n"
            "  depth_slices: 6\n"
            "stripe:\n  length: 1 mm\n"
            "pump:\n  wavelength: 400 nm\n  fwhm: 1 ps\n  fluence: 40 uJ/cm2\n  absorption: 1.2e5 cm^-1\n"
            "  depth: stack\n"
            "carriers:\n  k1: 1e7 s^-1\n  k2: 2e-10 cm^3/s\n  k3: 1e-28 cm^6/s\n  gain: saturating\n"
            "  sigma: {peak: 4e-16 cm2, center: 535 nm, fwhm: 15 nm}\n  n_th: 1e18 cm^-3\n  n_s: 5e19 cm^-3\n"
            "  emission: {center: 530 nm, fwhm: 20 nm}\n"
            "grid:\n  lambda_min: 500 nm\n  lambda_max: 560 nm\n  bins: 8\n  cells: 12\n  time_bins: 10\n"
            "  t_start: -3 ps\n  t_end: 3 ns\n");
  gk_sim_file f;
  gk_error e;
  gk_error_clear(&e);
  int st = gk_sim_config_read(p[1], &f, &e);
  if (st == GK_OK) st = gk_sim_file_confinement(&f, &e);
  CHECK_MSG(st == GK_OK, "%s:%ld: %s", e.file, e.line, e.msg);
  if (st) return;
  const gk_sim_config *c = &f.cfg;
  CHECK_INT(c->depth_slices, nz);
  /* Airy: incident amplitude 1 from the cladding, film [0, d] */
  double complex nf = n1 + I * k1, q = 2 * M_PI * nf / lp;
  double complex r01 = (n0 - nf) / (n0 + nf), t01 = 2 * n0 / (n0 + nf), r12 = (nf - n0) / (nf + n0);
  double complex ph = cexp(2 * I * q * dnm);
  double complex A = t01 / (1 + r01 * r12 * ph), B = A * r12 * ph;
  double worst = 0, tot = 0;
  for (size_t z = 0; z < nz; z++) {
    double z0 = dnm * (double)z / nz, z1 = dnm * (double)(z + 1) / nz;
    double want = 4 * M_PI * n1 * k1 / lp * field_integral(A, B, q, z0, z1) / n0;
    worst = fmax(worst, fabs(c->depth_pump[z] - want) / want);
    tot += want;
  }
  printf("  pump absorbed per slice vs Airy closed form: %.3g relative (film absorbs %.4f of the pump)\n", worst, tot);
  CHECK_MSG(worst < 1e-7, "stack pump absorption: %.3g", worst);
  CHECK(c->depth_pump[0] > 2 * c->depth_pump[nz - 1]);   /* absorbed near the pumped face */
  /* TE0 of the symmetric slab (the config zeroes the film's k for modes) */
  gk_guide g;
  gk_modes md = {0};
  double nn[3] = {n0, n1, n0}, kk[3] = {0, 0, 0}, th[3] = {0, dnm, 0};
  CHECK(gk_guide_init(&g, 3, nn, kk, th, 530, &e) == GK_OK);
  CHECK(gk_modes_find(&g, GK_MODES_TE, &md, &e) == GK_OK);
  double neff = 0;
  for (size_t i = 0; i < md.n; i++)
    if (md.mode[i].order == 0) neff = creal(md.mode[i].neff);
  double kap = 2 * M_PI / 530 * sqrt(n1 * n1 - neff * neff), wsum = 0, w[GK_SIM_MAX_SLICES];
  for (size_t z = 0; z < nz; z++) {
    double u0 = dnm * (double)z / nz - dnm / 2, u1 = dnm * (double)(z + 1) / nz - dnm / 2;
    w[z] = (u1 - u0) / 2 + (sin(2 * kap * u1) - sin(2 * kap * u0)) / (4 * kap);
    wsum += w[z];
  }
  double worstw = 0;
  for (size_t z = 0; z < nz; z++) worstw = fmax(worstw, fabs(c->depth_mode[0][z] - w[z] / wsum) / (w[z] / wsum));
  printf("  TE0 |E|^2 share per slice vs cos^2 of the symmetric slab (n_eff %.6f): %.3g relative\n", neff, worstw);
  CHECK_MSG(worstw < 1e-7, "mode weights: %.3g", worstw);
  CHECK(c->depth_mode[1][0] > 0);
  gk_modes_free(&md);
  gk_guide_free(&g);
  /* a run with these profiles */
  gk_sim_config cc = *c;
  gk_sim_result r, r1;
  CHECK_MSG(gk_sim_run(&cc, &r, NULL, &e) == GK_OK, "%s", e.msg);
  cc.depth_slices = 1;
  cc.pump_absorption = -log1p(-tot) / (dnm * 1e-7); /* the same absorbed total, depth-averaged */
  CHECK_MSG(gk_sim_run(&cc, &r1, NULL, &e) == GK_OK, "%s", e.msg);
  if (r.lambda && r1.lambda) {
    check_budget(&r.budget);
    CHECK_CLOSE(r.budget.absorbed, r1.budget.absorbed, 1e-6);
    double o = r.budget.out_edge, o1 = r1.budget.out_edge;
    printf("  edge output, depth-resolved / depth-averaged at the same absorbed dose: %.4g\n", o / o1);
    CHECK(fabs(o / o1 - 1) > 1e-3);
  }
  gk_sim_result_free(&r);
  gk_sim_result_free(&r1);
  gk_sim_file_free(&f);
  unlink(p[0]);
  unlink(p[1]);
  rmdir(dir);
}

/* Refusals: fixed pump shares with emitters, too many slices, shares above 1. */
static void test_checks(void)
{
  gk_sim_config c;
  gk_error e;
  gk_sim_config_default(&c);
  c.depth_slices = 4;
  c.depth_pump[0] = 0.5;
  CHECK(gk_sim_config_check(&c, &e) == GK_EUSAGE);
  bulk(&c);
  c.depth_slices = GK_SIM_MAX_SLICES + 1;
  CHECK(gk_sim_config_check(&c, &e) == GK_EUSAGE);
  bulk(&c);
  c.depth_slices = 2;
  c.depth_pump[0] = c.depth_pump[1] = 0.6;
  CHECK(gk_sim_config_check(&c, &e) == GK_EUSAGE);
  c.depth_pump[1] = 0.3;
  CHECK(gk_sim_config_check(&c, &e) == GK_OK);
}

/* The SIMD kernel threaded inside a run (a grid above the threading
 * threshold; GK_SIM_THREADS_ALWAYS: the run's threads solve every step)
 * and a sweep over threads: the same bits on 1, 2 and 3 threads,
 * with TE + TM, Gaussian strips and depth slices. */
static void test_threads(void)
{
#ifdef _OPENMP
  gk_sim_config c;
  bulk(&c);
  c.npol = 2;
  c.pump_profile = GK_SIM_GAUSS;
  c.channels = 3;
  c.depth_slices = 3;
  c.ncells = 62;      /* 62 x 50 bins x 2 modes x 3 strips = 18600 >= the threading threshold */
  c.nbins = 50;       /* not a multiple of the SIMD block or of 4 */
  c.ntimes = 10;
  c.t_end = 0.1e-9;
  c.accuracy = 0.3;
  c.threading = GK_SIM_THREADS_ALWAYS; /* the run's threads on every step */
  gk_sim_result r[3];
  gk_error e;
  gk_error_clear(&e);
  int differ = 0;
  for (int th = 1; th <= 3; th++) {
    omp_set_num_threads(th);
    CHECK_MSG(gk_sim_run(&c, &r[th - 1], NULL, &e) == GK_OK, "%s", e.msg);
  }
  for (int th = 2; th <= 3; th++)
    if (r[0].lambda && r[th - 1].lambda) {
      for (size_t j = 0; j < 2 * r[0].nbins; j++)
        differ += memcmp(&r[0].spectrum_pol[j], &r[th - 1].spectrum_pol[j], sizeof(double)) != 0;
      differ += r[0].steps != r[th - 1].steps;
    }
  CHECK_MSG(differ == 0, "%d values differ between thread counts", differ);
  CHECK(r[0].lambda && r[0].budget.stimulated_net > 0);
  printf("  threads: %zu steps\n", r[0].steps);
  for (int k = 0; k < 3; k++) gk_sim_result_free(&r[k]);
  omp_set_num_threads(2);
#endif
}

int main(void)
{
  RUN(test_uniform_limit);
  RUN(test_k2_closed_form);
  RUN(test_stack);
  RUN(test_checks);
  RUN(test_threads);
  return gk_test_summary();
}
