/* Emitter films pumped through their stack (pump.depth: stack with
 * emitters: gk_sim_config.pump_stack), and the per-slice populations of
 * depth-resolved runs. Each check against an independent number:
 *  - weak pump (unbleached film): the absorbed share of each slice, the
 *    reflectance and the transmittance equal the Airy closed form of one
 *    absorbing layer between two different claddings (integrated
 *    analytically over each slice);
 *  - an index-matched stack (cover, film and substrate of one n): the run
 *    reduces to the slice-by-slice Beer–Lambert bleaching (itself checked
 *    against Frantz–Nodvik in test_simulate_edepth.c), the difference
 *    falling with the film's extinction k/n (the only reflections left are
 *    those of the k contrast); the solve tolerance against re-solving every
 *    step (error and cost);
 *  - the photon budget with the pump's reflected, above and below parts
 *    (an absorbing layer above the film, a reflecting substrate, guided
 *    light above threshold): incident = reflected + above + absorbed +
 *    below, and the film's own budget closes;
 *  - the same bits on 1, 2 and 3 threads;
 *  - slice populations: equal slices (bulk, equal shares) are equal; in the
 *    weak-pump Beer–Lambert limit adjacent slices are in the ratio
 *    e^{−α Δz} (bulk, linear kinetics: exactly; emitters: to the bleaching
 *    σ_p F); the value at the pump peak lies below the maximum.
 * Grids are tiny (well under a second each; cheap under ASan). */
#include <complex.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gk_test.h"
#include "gainkit/simulate.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define HNU(lam_nm) (6.62607015e-34 * 2.99792458e10 / ((lam_nm) * 1e-7))

/* An emitter film (σ_p N_tot d = 3 at the pump) on a small grid. */
static void film(gk_sim_config *c, double d_cm)
{
  gk_sim_config_default(c);
  c->thickness = d_cm;
  c->index = 1.9;
  c->confinement = 0.6;
  c->coupling = 0.01;
  c->background_loss = 10;
  c->stripe_length = 0.05;
  c->pump_wavelength = 400;
  c->pump_fwhm = 100e-12;
  c->density = 1e18;
  c->pump_cross_section = 3 / (1e18 * d_cm);
  c->lifetime = 0.4e-9;
  c->radiative_fraction = 0.55;
  c->emission = (gk_sim_band){.peak = 1, .center = 516, .fwhm = 20};
  c->sigma_a = (gk_sim_band){.peak = 2e-15, .center = 495, .fwhm = 25};
  c->sigma_esa = (gk_sim_band){.peak = 3e-16, .center = 512, .fwhm = 20};
  c->lambda_min = 480;
  c->lambda_max = 560;
  c->nbins = 12;
  c->ncells = 16;
  c->ntimes = 20;
  c->t_start = -0.3e-9;
  c->t_end = 1.5e-9;
}

/* cover n0 / film (n1, thickness d nm, k from the model) / substrate n2 */
static void three_layers(double *T, double n0, double n1, double dnm, double n2)
{
  double v[9] = {n0, 0, 0, n1, 0, dnm, n2, 0, 0};
  memcpy(T, v, sizeof v);
}

static void use_stack(gk_sim_config *c, const double *T, size_t layers, size_t active)
{
  c->pump_stack = T;
  c->pump_stack_layers = layers;
  c->pump_stack_active = active;
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

static void pump_balance(const gk_sim_budget *b, double tol)
{
  double s = b->pump_reflected + b->pump_above + b->absorbed + b->pump_below;
  CHECK_MSG(fabs(s - b->pump_incident) <= tol * b->pump_incident, "pump balance: %.3g relative",
            fabs(s - b->pump_incident) / b->pump_incident);
}

static void film_budget(const gk_sim_budget *b, double tol)
{
  double rhs = b->decay_other + b->out_edge + b->out_far + b->loss_esa + b->loss_bg + b->left;
  CHECK_CLOSE(rhs, b->absorbed, tol);
  CHECK_CLOSE(b->decay_guided + b->stimulated_net, b->out_edge + b->out_far + b->loss_esa + b->loss_bg, tol);
}

/* (1) The unbleached film: shares, R and T against Airy. */
static void test_weak_airy(void)
{
  gk_sim_config c;
  const double d = 180e-7, n0 = 1.0, n1 = 2.3, n2 = 1.52, lp = 400;
  const size_t nz = 6;
  film(&c, d);
  c.depth_slices = nz;
  c.coupling = 0;
  /* σ_p F = 1e-12 photons per emitter: the bleaching is below rounding */
  c.pump_fluence = 1e-12 / c.pump_cross_section * HNU(lp);
  double T[9];
  three_layers(T, n0, n1, 180, n2);
  use_stack(&c, T, 3, 1);
  gk_sim_result r;
  gk_error e;
  gk_error_clear(&e);
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  if (!r.lambda) return;
  /* Airy: the film's k from the model's α = σ_p N_tot */
  double alpha = c.pump_cross_section * c.density, k1 = alpha * lp * 1e-7 / (4 * M_PI), dnm = 180;
  double complex nf = n1 + I * k1, q = 2 * M_PI * nf / lp;
  double complex r01 = (n0 - nf) / (n0 + nf), t01 = 2 * n0 / (n0 + nf), r12 = (nf - n2) / (nf + n2);
  double complex ph = cexp(2 * I * q * dnm), den = 1 + r01 * r12 * ph;
  double complex A = t01 / den, B = A * r12 * ph;
  double complex rr = (r01 + r12 * ph) / den, tt = t01 * (2 * nf / (nf + n2)) * cexp(I * q * dnm) / den;
  double R = creal(rr * conj(rr)), Tr = n2 / n0 * creal(tt * conj(tt));
  double inc = r.budget.pump_incident, worst = 0, tot = 0;
  for (size_t z = 0; z < nz; z++) {
    double want = 4 * M_PI * n1 * k1 / lp * field_integral(A, B, q, dnm * z / nz, dnm * (z + 1) / nz) / n0;
    worst = fmax(worst, fabs(r.absorbed_slice[z] / inc - want) / want);
    tot += want;
  }
  double eR = fabs(r.budget.pump_reflected / inc - R) / R, eT = fabs(r.budget.pump_below / inc - Tr) / Tr;
  printf("  weak pump through air / 180 nm n 2.3 (alpha d = %.2f) / glass: slice shares vs Airy %.3g, R %.4f (%.3g), "
         "T %.4f (%.3g), film %.4f; %zu solves\n", alpha * d, worst, R, eR, Tr, eT, tot, r.budget.pump_solves);
  /* rounding: the shares come from one solve (the unbleached film), the
   * bleaching changes them by σ_p F = 1e-12 */
  CHECK_MSG(worst < 1e-10, "slice shares vs Airy: %.3g", worst);
  CHECK_MSG(eR < 1e-10 && eT < 1e-10, "R, T vs Airy: %.3g %.3g", eR, eT);
  CHECK(fabs(r.budget.pump_above) <= 1e-12 * inc); /* nothing above the film absorbs */
  pump_balance(&r.budget, 1e-12);
  CHECK(r.absorbed_slice[0] > 1.5 * r.absorbed_slice[nz - 1]);
  gk_sim_result_free(&r);
}

/* (2) Index-matched: the stack run against Beer–Lambert bleaching, the
 * Frantz–Nodvik problem of test_simulate_edepth.c (σ_p F_in = 3,
 * σ_p N d = 3, 16 slices, no decay, no guided light) in films 2 µm and
 * 20 µm thick (k = 0.048 and 0.0048 at 400 nm; n 1.6 everywhere): the
 * difference is the film's own k contrast, so it falls with k. And the
 * solve tolerance: default (accuracy / 1000), accuracy / 100, accuracy / 10, and
 * every step, against every step. */
static void run_fn(gk_sim_config *c, const double *T, double tol, gk_sim_result *r)
{
  gk_error e;
  gk_error_clear(&e);
  gk_sim_config cc = *c;
  if (T) use_stack(&cc, T, 3, 1);
  cc.pump_stack_tol = tol;
  CHECK_MSG(gk_sim_run(&cc, r, NULL, &e) == GK_OK, "%s", e.msg);
}

static void test_index_matched(void)
{
  const size_t nz = 16;
  double diff[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    double d = k ? 20e-4 : 2e-4;
    gk_sim_config c;
    film(&c, d);
    c.index = 1.6;
    c.coupling = 0;
    c.lifetime = 1.0;
    c.ncells = 1;
    c.nbins = 2;
    c.ntimes = 4;
    c.pump_fwhm = 1e-12;
    c.t_start = -5e-12;
    c.t_end = 5e-12;
    c.depth_slices = nz;
    c.accuracy = 0.02;
    double fin = 3 / c.pump_cross_section;
    c.pump_fluence = fin * HNU(c.pump_wavelength);
    double T[9];
    three_layers(T, 1.6, 1.6, d * 1e7, 1.6);
    gk_sim_result bl, every, st;
    run_fn(&c, NULL, 0, &bl);
    run_fn(&c, T, -1, &every);
    run_fn(&c, T, 0, &st);
    if (!bl.lambda || !every.lambda || !st.lambda) return;
    double worst = 0, wtol = 0, sig = c.pump_cross_section, n = c.density, dz = d / (double)nz, fnw = 0;
    double area = c.stripe_length * c.stripe_width;
    for (size_t z = 0; z < nz; z++) {
      worst = fmax(worst, fabs(every.absorbed_slice[z] / bl.absorbed_slice[z] - 1));
      wtol = fmax(wtol, fabs(st.absorbed_slice[z] / every.absorbed_slice[z] - 1));
      double want = log1p(exp(-sig * n * dz * z) * expm1(sig * fin)) / sig -
                    log1p(exp(-sig * n * dz * (z + 1)) * expm1(sig * fin)) / sig;
      fnw = fmax(fnw, fabs(st.absorbed_slice[z] / area - want) / want);
    }
    diff[k] = worst;
    printf("  index-matched, d = %g um (k = %.3g): stack vs Beer-Lambert per slice %.3g; default tolerance vs "
           "every step %.3g (%zu vs %zu solves); vs Frantz-Nodvik %.3g; R %.3g\n", d * 1e4,
           sig * n * 400e-7 / (4 * M_PI), worst, wtol, st.budget.pump_solves, every.budget.pump_solves, fnw,
           every.budget.pump_reflected / every.budget.pump_incident);
    /* the stated accuracy of the Beer–Lambert slices against
     * Frantz–Nodvik is 0.15 ε per slice (test_simulate_edepth.c); the stack
     * run keeps it */
    CHECK_MSG(fnw < 0.15 * c.accuracy, "stack run vs Frantz-Nodvik: %.3g", fnw);
    pump_balance(&every.budget, 1e-12);
    pump_balance(&st.budget, 0.01 * c.accuracy);
    CHECK_CLOSE(st.budget.left, st.budget.absorbed, 1e-9);
    CHECK(st.budget.pump_solves < every.budget.pump_solves);
    /* the tolerance's error: well inside the step's own (0.09 ε) */
    CHECK_MSG(wtol < 0.002 * c.accuracy, "default tolerance vs every step: %.3g", wtol);
    for (int t = 0; t < 2; t++) { /* looser tolerances: cheaper, less accurate (measured, printed) */
      gk_sim_result lo;
      run_fn(&c, T, (t ? 0.1 : 0.01) * c.accuracy, &lo);
      double w = 0;
      for (size_t z = 0; lo.lambda && z < nz; z++)
        w = fmax(w, fabs(lo.absorbed_slice[z] / every.absorbed_slice[z] - 1));
      printf("    tolerance %g x accuracy: %.3g vs every step, %zu solves\n", t ? 0.1 : 0.01, w,
             lo.budget.pump_solves);
      gk_sim_result_free(&lo);
    }
    gk_sim_result_free(&bl);
    gk_sim_result_free(&every);
    gk_sim_result_free(&st);
  }
  /* k/n: 10x smaller extinction, the difference falls by far more than 3x */
  CHECK_MSG(diff[1] < diff[0] / 3, "no reduction to Beer-Lambert: %.3g (2 um), %.3g (20 um)", diff[0], diff[1]);
  CHECK_MSG(diff[1] < 2e-3, "20 um index-matched film vs Beer-Lambert: %.3g", diff[1]);
}

/* (3) and (4): an absorbing layer above the film, a reflecting substrate,
 * guided light above threshold, TE + TM and Gaussian strips: the pump's
 * balance and the film's budget close; 1, 2, 3 threads give the same bits. */
static void stack5(double *T)
{
  double v[15] = {1.0, 0, 0, 1.8, 0.05, 30, 1.9, 0, 200, 1.45, 0, 120, 2.5, 0.3, 0};
  memcpy(T, v, sizeof v);
}

static void test_budget_threads(void)
{
  gk_sim_config c;
  film(&c, 200e-7);
  c.depth_slices = 3;
  c.pump_fluence = 20e-6;
  c.npol = 2;
  c.confinement_tm = 0.45;
  c.coupling_tm = 0.004;
  double T[15];
  stack5(T);
  use_stack(&c, T, 5, 2);
  gk_sim_result r;
  gk_error e;
  gk_error_clear(&e);
  c.pump_stack_tol = -1;
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  if (r.lambda) {
    printf("  5-layer stack, every step: of the incident %.4f reflected, %.4f above, %.4f film, %.4f below; "
           "stimulated_net %.3g\n", r.budget.pump_reflected / r.budget.pump_incident,
           r.budget.pump_above / r.budget.pump_incident, r.budget.absorbed / r.budget.pump_incident,
           r.budget.pump_below / r.budget.pump_incident, r.budget.stimulated_net);
    pump_balance(&r.budget, 1e-12);
    film_budget(&r.budget, 1e-9);
    CHECK(r.budget.pump_above > 0.01 * r.budget.pump_incident);
    CHECK(r.budget.stimulated_net > 0);
  }
  gk_sim_result_free(&r);
  c.pump_stack_tol = 0;
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  if (r.lambda) {
    pump_balance(&r.budget, 0.01 * c.accuracy);
    film_budget(&r.budget, 1e-9);
  }
  gk_sim_result_free(&r);
#ifdef _OPENMP
  c.pump_profile = GK_SIM_GAUSS;
  c.channels = 3;
  c.ncells = 62; /* 62 x 50 bins x 2 modes x 3 strips = 18600 >= the threading threshold */
  c.nbins = 50;
  c.ntimes = 10;
  c.t_end = 0.1e-9;
  c.accuracy = 0.3;
  c.threading = GK_SIM_THREADS_ALWAYS;
  gk_sim_result rr[3];
  int differ = 0;
  for (int th = 1; th <= 3; th++) {
    omp_set_num_threads(th);
    CHECK_MSG(gk_sim_run(&c, &rr[th - 1], NULL, &e) == GK_OK, "%s", e.msg);
  }
  for (int th = 2; th <= 3; th++)
    if (rr[0].lambda && rr[th - 1].lambda) {
      const gk_sim_result *a = &rr[0], *b = &rr[th - 1];
      differ += memcmp(a->spectrum_pol, b->spectrum_pol, 2 * a->nbins * sizeof(double)) != 0;
      differ += memcmp(a->absorbed_slice, b->absorbed_slice, 3 * sizeof(double)) != 0;
      differ += memcmp(a->slice_n1_max, b->slice_n1_max, 3 * sizeof(double)) != 0;
      differ += memcmp(a->slice_n1_at_peak, b->slice_n1_at_peak, 3 * sizeof(double)) != 0;
      differ += memcmp(&a->budget, &b->budget, sizeof a->budget) != 0;
      differ += a->steps != b->steps;
    }
  CHECK_MSG(differ == 0, "%d values differ between thread counts", differ);
  CHECK(rr[0].lambda && rr[0].budget.pump_solves > 0);
  for (int k = 0; k < 3; k++) gk_sim_result_free(&rr[k]);
  omp_set_num_threads(2);
#endif
}

/* (b) slice populations */
static void test_slice_populations(void)
{
  gk_sim_config c;
  gk_error e;
  gk_error_clear(&e);
  const size_t nz = 5;
  /* bulk, linear kinetics (k2 = k3 = 0), no guided light: N_s ∝ the slice's
   * Beer–Lambert share, adjacent slices in the ratio e^{α Δz} */
  gk_sim_config_default(&c);
  c.kinetics = GK_SIM_BULK;
  c.k2 = c.k3 = 0;
  c.coupling = 0;
  c.thickness = 200e-7;
  c.pump_absorption = 1e5;
  c.depth_slices = nz;
  c.ncells = 8;
  c.nbins = 8;
  c.ntimes = 10;
  c.pump_fluence = 1e-6;
  gk_sim_result r;
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  if (!r.lambda) return;
  double ratio = exp(c.pump_absorption * c.thickness / nz), worst = 0, wpk = 0;
  for (size_t z = 0; z + 1 < nz; z++) {
    worst = fmax(worst, fabs(r.slice_n1_max[z] / r.slice_n1_max[z + 1] / ratio - 1));
    wpk = fmax(wpk, fabs(r.slice_n1_at_peak[z] / r.slice_n1_at_peak[z + 1] / ratio - 1));
    CHECK(r.slice_n1_at_peak[z] > 0 && r.slice_n1_at_peak[z] < r.slice_n1_max[z]);
  }
  printf("  bulk, linear, Beer-Lambert: N_s / N_s+1 vs e^(alpha dz) = %.6f: max %.3g, at the pump peak %.3g\n", ratio,
         worst, wpk);
  CHECK_MSG(worst < 1e-12 && wpk < 1e-12, "slice ratio: %.3g %.3g", worst, wpk);
  gk_sim_result_free(&r);
  /* equal shares: equal slices, to the bit */
  for (size_t z = 0; z < nz; z++) c.depth_pump[z] = 0.1;
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  if (r.lambda)
    for (size_t z = 1; z < nz; z++) {
      CHECK(r.slice_n1_max[z] == r.slice_n1_max[0]);
      CHECK(r.slice_n1_at_peak[z] == r.slice_n1_at_peak[0]);
    }
  gk_sim_result_free(&r);
  /* emitters, weak pump: the ratio e^{σ_p N Δz}, to the bleaching σ_p F */
  film(&c, 200e-7);
  c.depth_slices = nz;
  c.coupling = 0;
  c.second_fraction = 0.3;
  c.second_lifetime = 20e-9;
  c.pump_fluence = 1e-9 / c.pump_cross_section * HNU(c.pump_wavelength);
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  if (r.lambda) {
    ratio = exp(c.pump_cross_section * c.density * c.thickness / nz);
    worst = 0;
    for (size_t z = 0; z + 1 < nz; z++) {
      worst = fmax(worst, fabs(r.slice_n1_at_peak[z] / r.slice_n1_at_peak[z + 1] / ratio - 1));
      worst = fmax(worst, fabs(r.slice_n2_max[z] / r.slice_n2_max[z + 1] / ratio - 1));
    }
    printf("  emitters, weak pump: N1, N2 of adjacent slices vs e^(sigma_p N dz): %.3g\n", worst);
    CHECK_MSG(worst < 1e-8, "emitter slice ratio: %.3g", worst);
  }
  gk_sim_result_free(&r);
  /* a window without the pump peak: no value at the peak (NaN), maxima kept */
  c.t_start = 0.5e-9;
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  if (r.lambda) CHECK(isnan(r.slice_n1_at_peak[0]) && r.slice_n1_max[0] > 0);
  gk_sim_result_free(&r);
  /* one slice: no slice output */
  c.depth_slices = 1;
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  CHECK(r.slice_n1_max == NULL);
  gk_sim_result_free(&r);
}

/* The config's rule (gk_sim_file_confinement): the film's absorption at the
 * pump is the stack's k when it has one there (bulk: pump.absorption
 * replaced by 4πk/λ_p; emitters: σ_p = 4πk/(λ_p N_tot)), else the model's
 * own (bulk: the fixed shares with k = α_p λ_p/4π, against Airy; before,
 * a stack without k was refused for bulk films). */
static void put(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static void test_config_rule(void)
{
  char dir[] = "/tmp/gk-simestack-XXXXXX", p[3][1200];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(p[0], sizeof p[0], "%s/stack.yaml", dir);
  snprintf(p[1], sizeof p[1], "%s/bulk.yaml", dir);
  snprintf(p[2], sizeof p[2], "%s/emit.yaml", dir);
  const char *common = "grid:\n  lambda_min: 500 nm\n  lambda_max: 560 nm\n  bins: 8\n  cells: 4\n  time_bins: 4\n"
                       "stripe:\n  length: 1 mm\n";
  char text[4096];
  for (int k = 0; k < 2; k++) {
    /* k = 0: no extinction in the stack; k = 1: k = 0.3 at every wavelength */
    put(p[0], k ? "wavelength_nm: 530\nlayers:\n  - {name: air, n: 1.0}\n"
                  "  - {name: film, n: 2.3, k: 0.3, thickness_nm: 180, active: true}\n  - {name: glass, n: 1.52}\n"
                : "wavelength_nm: 530\nlayers:\n  - {name: air, n: 1.0}\n"
                  "  - {name: film, n: 2.3, thickness_nm: 180, active: true}\n  - {name: glass, n: 1.52}\n");
    snprintf(text, sizeof text,
             "film:\n  thickness: 180 nm\n  confinement_from: stack.yaml\n  depth_slices: 6\n"
             "pump:\n  wavelength: 400 nm\n  absorption: 1.2e5 cm^-1\n  depth: stack\n"
             "carriers:\n  sigma: {peak: 4e-16 cm2, center: 535 nm, fwhm: 15 nm}\n"
             "  emission: {center: 530 nm, fwhm: 20 nm}\n%s", common);
    put(p[1], text);
    snprintf(text, sizeof text,
             "film:\n  thickness: 180 nm\n  confinement_from: stack.yaml\n  depth_slices: 6\n"
             "pump:\n  wavelength: 400 nm\n  cross_section: 1e-16 cm2\n  depth: stack\n"
             "emitter:\n  density: 1e18 cm^-3\n  emission: {center: 530 nm, fwhm: 20 nm}\n%s", common);
    put(p[2], text);
    for (int b = 0; b < 2; b++) {
      gk_sim_file f;
      gk_error e;
      gk_error_clear(&e);
      int st = gk_sim_config_read(p[1 + b], &f, &e);
      if (st == GK_OK) st = gk_sim_file_confinement(&f, &e);
      CHECK_MSG(st == GK_OK, "%s:%ld: %s", e.file, e.line, e.msg);
      if (st) continue;
      const gk_sim_config *c = &f.cfg;
      CHECK_INT(c->pump_stack_layers, 3);
      CHECK_INT(c->pump_stack_active, 1);
      double alpha = b ? c->pump_cross_section * c->density : c->pump_absorption;
      if (k) CHECK_CLOSE(alpha, 4 * M_PI * 0.3 / 400e-7, 1e-12); /* the stack's k */
      else CHECK_CLOSE(alpha, b ? 1e-16 * 1e18 : 1.2e5, 1e-12); /* the model's own */
      if (!b) { /* bulk: the fixed shares against Airy with that α */
        double k1 = alpha * 400e-7 / (4 * M_PI), lp = 400, dnm = 180, n1 = 2.3, n0 = 1, n2 = 1.52, worst = 0;
        double complex nf = n1 + I * k1, q = 2 * M_PI * nf / lp;
        double complex r01 = (n0 - nf) / (n0 + nf), t01 = 2 * n0 / (n0 + nf), r12 = (nf - n2) / (nf + n2);
        double complex ph = cexp(2 * I * q * dnm), A = t01 / (1 + r01 * r12 * ph), B = A * r12 * ph;
        for (size_t z = 0; z < 6; z++) {
          double want = 4 * M_PI * n1 * k1 / lp * field_integral(A, B, q, dnm * z / 6, dnm * (z + 1) / 6) / n0;
          worst = fmax(worst, fabs(c->depth_pump[z] - want) / want);
        }
        CHECK_MSG(worst < 1e-7, "bulk shares (stack k %s) vs Airy: %.3g", k ? "0.3" : "0", worst);
      }
      gk_sim_result r;
      CHECK_MSG(gk_sim_run(c, &r, NULL, &e) == GK_OK, "%s", e.msg);
      if (r.lambda) pump_balance(&r.budget, b ? 1e-3 : 1e-7);
      gk_sim_result_free(&r);
      gk_sim_file_free(&f);
    }
  }
  for (int i = 0; i < 3; i++) unlink(p[i]);
  rmdir(dir);
}

/* The share of the pump inside the window: half for a window starting at
 * the peak (what examples/sim-cspbbr3-nc.yaml had), ~1 for the automatic
 * window (from −2.5 FWHM: erfc(2.5 · 2 √ln2)/2 = 2e-9 of the pulse before
 * it; it ends 8 lifetimes after the pulse). */
static void test_pump_share(void)
{
  gk_sim_config c;
  film(&c, 200e-7);
  c.t_start = 0;
  c.t_end = 400e-9;
  CHECK_CLOSE(gk_sim_pump_share(&c), 0.5, 1e-12);
  c.t_start = c.t_end = 0;
  double tail = 0.5 * erfc(2.5 * 2 * sqrt(log(2.0)));
  CHECK_CLOSE(gk_sim_pump_share(&c), 1 - tail, 1e-12);
}

/* Refusals of a malformed stack. */
static void test_checks(void)
{
  gk_sim_config c;
  gk_error e;
  film(&c, 180e-7);
  c.depth_slices = 4;
  double T[9];
  three_layers(T, 1.0, 2.3, 180, 1.5);
  use_stack(&c, T, 3, 1);
  CHECK(gk_sim_config_check(&c, &e) == GK_OK);
  /* the memory report counts the per-cell stack state: 2 nz + 3 doubles a cell */
  double m1 = gk_sim_memory_bytes(&c);
  c.pump_stack_layers = 0;
  double m0 = gk_sim_memory_bytes(&c);
  c.pump_stack_layers = 3;
  CHECK_CLOSE(m1 - m0, (2.0 * 4 + 3) * (double)c.ncells * sizeof(double), 1e-12);
  c.pump_stack_active = 2;
  CHECK(gk_sim_config_check(&c, &e) == GK_EUSAGE);
  c.pump_stack_active = 1;
  T[5] = 150; /* the film layer's thickness differs from the film's */
  CHECK(gk_sim_config_check(&c, &e) == GK_EUSAGE);
  T[5] = 180;
  T[1] = 0.1; /* the pump would come from an absorbing medium */
  CHECK(gk_sim_config_check(&c, &e) == GK_EUSAGE);
  T[1] = 0;
  /* an opaque film (optical depth 2000 per slice): finite fields, the
   * first slice takes all that enters, nothing passes below */
  c.depth_slices = 2;
  c.pump_cross_section = 4000 / (c.density * c.thickness);
  c.ncells = 2;
  c.nbins = 4;
  c.ntimes = 4;
  gk_sim_result r;
  CHECK_MSG(gk_sim_run(&c, &r, NULL, &e) == GK_OK, "%s", e.msg);
  if (r.lambda) {
    printf("  opaque film: absorbed %g, slices %g %g, below %g\n", r.budget.absorbed, r.absorbed_slice[0], r.absorbed_slice[1], r.budget.pump_below);
    CHECK(isfinite(r.budget.absorbed) && r.budget.absorbed > 0 && r.absorbed_slice[1] < 1e-200 * r.absorbed_slice[0]);
    CHECK(r.budget.pump_below == 0);
    pump_balance(&r.budget, 1e-12);
  }
  gk_sim_result_free(&r);
}

int main(void)
{
  RUN(test_weak_airy);
  RUN(test_index_matched);
  RUN(test_budget_threads);
  RUN(test_slice_populations);
  RUN(test_config_rule);
  RUN(test_pump_share);
  RUN(test_checks);
  return gk_test_summary();
}
