/* test_fluence — fluence for every spot geometry against hand computation
 * and numerical integration, uncertainty propagation against finite
 * differences, knife-edge and line-profile fits recovering a known waist,
 * the stack transfer matrix against the closed-form Airy film, the G(N)
 * chain recovering the Table 1 parameters of Tatarinov et al. (Adv. Opt.
 * Mater. 2023) and the shifting-spot loss fit recovering a known alpha. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gainkit/fluence.h"
#include "gainkit/carriers.h"
#include "gainkit/vsl.h"
#include "gk_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static gk_fluence_in base_in(gk_spot_kind k, double a, double b)
{
  gk_fluence_in in = {.energy = 10e-6, .transmission = 1, .absorbed = NAN, .spot = k, .a = a, .b = b,
                      .pulse_fwhm = NAN};
  return in;
}

static void test_geometries(void)
{
  gk_fluence_out o;
  gk_error e;
  /* rectangle 4 mm x 100 um, 10 uJ: 10e-6 / (0.4 * 0.01) = 2.5e-3 J/cm2 */
  gk_fluence_in in = base_in(GK_SPOT_RECT, 0.4, 0.01);
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.f_peak, 2.5e-3, 1e-14);
  CHECK_CLOSE(o.f_avg, 2.5e-3, 1e-14);
  /* circle D = 200 um: 4E/(pi D^2) */
  in = base_in(GK_SPOT_CIRCLE, 0.02, NAN);
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.f_peak, 4 * 10e-6 / (M_PI * 0.02 * 0.02), 1e-14);
  /* ellipse 200 x 100 um */
  in = base_in(GK_SPOT_ELLIPSE, 0.02, 0.01);
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.area, M_PI * 0.02 * 0.01 / 4, 1e-14);
  /* Gaussian w = 100 um: F_peak = 2E/(pi w^2) = 0.06366 J/cm2 */
  in = base_in(GK_SPOT_GAUSS, 0.01, 0.01);
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.f_peak, 2 * 10e-6 / (M_PI * 1e-4), 1e-14);
  CHECK_CLOSE(o.f_peak, 0.0636619772, 1e-9);
  CHECK_CLOSE(o.f_avg, o.f_peak / 2, 1e-14);
  /* FWHM -> w: a Gaussian at x = FWHM/2 is at half maximum */
  double w = gk_gauss_w_from_fwhm(1.0);
  CHECK_CLOSE(exp(-2 * 0.25 / (w * w)), 0.5, 1e-14);
  /* numerical check of every Gaussian peak: integrate F_peak * profile
   * over the plane and get E back (second method) */
  in = base_in(GK_SPOT_GAUSS, 0.012, 0.007);
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  double sum = 0, h = 2e-4;
  for (double x = -0.06; x <= 0.06; x += h)
    for (double y = -0.04; y <= 0.04; y += h)
      sum += o.f_peak * exp(-2 * x * x / (0.012 * 0.012) - 2 * y * y / (0.007 * 0.007)) * h * h;
  CHECK_CLOSE(sum, 10e-6, 1e-6);
  in = base_in(GK_SPOT_GAUSS_STRIPE, 0.2, 0.005);
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  sum = 0;
  for (double y = -0.03; y <= 0.03; y += 1e-5) sum += o.f_peak * 0.2 * exp(-2 * y * y / (0.005 * 0.005)) * 1e-5;
  CHECK_CLOSE(sum, 10e-6, 1e-6);
  CHECK_CLOSE(o.f_peak / o.f_avg, 2 / sqrt(M_PI / 2), 1e-12);
  /* transmission, absorption, power and rep rate */
  CHECK_CLOSE(gk_pulse_energy(2e-3, 1e3), 2e-6, 1e-15);
  CHECK_CLOSE(gk_absorbed_from_od(1), 0.9, 1e-14);
  in = base_in(GK_SPOT_RECT, 0.4, 0.01);
  in.transmission = 0.25, in.absorbed = 0.6;
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.f_abs_peak, 2.5e-3 * 0.25 * 0.6, 1e-14);
}

static void test_pulse_factor(void)
{
  /* integrate each shape of FWHM 1 and unit peak; peak factor = 1/area */
  double ag = 0, as = 0, h = 1e-4;
  double sg = 1 / (2 * sqrt(2 * log(2.0))), ts = 1 / (2 * log(1 + sqrt(2.0)));
  for (double t = -20; t <= 20; t += h) {
    ag += exp(-t * t / (2 * sg * sg)) * h;
    double c = 1 / cosh(t / ts);
    as += c * c * h;
  }
  CHECK_CLOSE(gk_pulse_peak_factor(GK_PULSE_GAUSS), 1 / ag, 1e-8);
  CHECK_CLOSE(gk_pulse_peak_factor(GK_PULSE_SECH2), 1 / as, 1e-8);
  CHECK_CLOSE(gk_pulse_peak_factor(GK_PULSE_GAUSS), 0.9394, 1e-4);
  gk_fluence_in in = base_in(GK_SPOT_GAUSS, 0.01, 0.01);
  in.pulse_fwhm = 120e-15;
  gk_fluence_out o;
  gk_error e;
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  CHECK_CLOSE(o.i_peak, 0.939437 * o.f_peak / 120e-15, 1e-6);
}

/* uncertainty propagation against central finite differences */
static double fpeak(gk_fluence_in in)
{
  gk_fluence_out o;
  gk_error e;
  gk_fluence_compute(&in, &o, &e);
  return o.f_peak;
}
static void test_uncertainty(void)
{
  gk_fluence_in in = base_in(GK_SPOT_GAUSS_STRIPE, 0.3, 0.004);
  in.se_energy = 0.4e-6, in.transmission = 0.5, in.se_transmission = 0.01, in.se_a = 0.01, in.se_b = 2e-4;
  gk_fluence_out o;
  gk_error e;
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_OK);
  double var = 0;
  double *v[4] = {&in.energy, &in.transmission, &in.a, &in.b};
  double se[4] = {in.se_energy, in.se_transmission, in.se_a, in.se_b};
  for (int k = 0; k < 4; k++) {
    double x0 = *v[k], hh = 1e-6 * x0;
    *v[k] = x0 + hh;
    double fp = fpeak(in);
    *v[k] = x0 - hh;
    double fm = fpeak(in);
    *v[k] = x0;
    var += pow((fp - fm) / (2 * hh) * se[k], 2);
  }
  CHECK_CLOSE(o.se_f_peak, sqrt(var), 1e-6);
  /* bad input */
  in.energy = -1;
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_EUSAGE);
  in = base_in(GK_SPOT_RECT, 0.1, 0);
  CHECK_INT(gk_fluence_compute(&in, &o, &e), GK_EUSAGE);
}

static void test_knife_edge(void)
{
  enum { N = 41 };
  double x[N], p[N];
  gk_error e;
  /* exact data, falling: recovers w to rounding */
  for (int i = 0; i < N; i++) x[i] = (300 + 10 * i) * 1e-4, p[i] = 0.01 + 0.5 * 2.0 * erfc(sqrt(2.0) * (x[i] - 0.05) / 0.0075);
  gk_knife_result r;
  CHECK_INT(gk_knife_edge_fit(x, p, N, &r, &e), GK_OK);
  CHECK(r.converged);
  CHECK_INT(r.direction, 1);
  CHECK_CLOSE(r.w, 0.0075, 1e-7);
  CHECK_CLOSE(r.x0, 0.05, 1e-7);
  CHECK_CLOSE(r.p0, 2.0, 1e-7);
  /* the 10-90 % rule agrees to the sampling (10 um steps on w = 75 um) */
  CHECK_CLOSE(r.w_1090, 0.0075, 0.03);
  gk_knife_free(&r);
  /* rising scan with noise: within 3 standard errors of the truth */
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 3);
  int hits = 0;
  for (int t = 0; t < 20; t++) {
    for (int i = 0; i < N; i++)
      p[i] = 1.0 * 0.5 * erfc(-sqrt(2.0) * (x[i] - 0.047) / 0.006) + 0.005 * gsl_ran_gaussian(g, 1);
    CHECK_INT(gk_knife_edge_fit(x, p, N, &r, &e), GK_OK);
    CHECK_INT(r.direction, -1);
    if (fabs(r.w - 0.006) < 3 * r.se_w) hits++;
    gk_knife_free(&r);
  }
  CHECK(hits >= 18); /* 3-sigma coverage 99.7 %: 18 of 20 is a loose floor */
  gsl_rng_free(g);
  /* a flat scan is an error, not a number */
  for (int i = 0; i < N; i++) p[i] = 1;
  CHECK_INT(gk_knife_edge_fit(x, p, N, &r, &e), GK_EINPUT);
}

static void test_line_profile(void)
{
  enum { N = 80 };
  double x[N], y[N];
  gk_error e;
  for (int i = 0; i < N; i++) x[i] = 5e-4 * i, y[i] = 50 + 1000 * exp(-2 * pow((x[i] - 0.02) / 0.006, 2));
  gk_profile_result r;
  CHECK_INT(gk_line_profile_fit(x, y, N, &r, &e), GK_OK);
  CHECK(r.converged);
  CHECK_CLOSE(r.w, 0.006, 1e-7);
  CHECK_CLOSE(r.x0, 0.02, 1e-7);
  CHECK_CLOSE(r.w_d4s, 0.006, 0.01);   /* second moment, sampled at w/12 */
  CHECK_CLOSE(r.fwhm, 0.006 * sqrt(2 * log(2.0)), 0.01);
  gk_profile_free(&r);
}

/* Airy formula of one film (index n1 + i k1, thickness d) between n0 and n2 */
static void airy(double n0, double complex n1, double n2, double d, double lam, double *R, double *T)
{
  double complex r01 = (n0 - n1) / (n0 + n1), r12 = (n1 - n2) / (n1 + n2);
  double complex t01 = 2 * n0 / (n0 + n1), t12 = 2 * n1 / (n1 + n2);
  double complex ph = cexp(2 * I * 2 * M_PI * n1 * d / lam);
  double complex r = (r01 + r12 * ph) / (1 + r01 * r12 * ph);
  double complex t = t01 * t12 * csqrt(ph) / (1 + r01 * r12 * ph);
  *R = creal(r * conj(r));
  *T = n2 / n0 * creal(t * conj(t));
}

static void test_tmm(void)
{
  gk_error e;
  gk_absorb a;
  /* CsPbBr3-like film on glass at 400 nm */
  double n[3] = {1, 2.2, 1.52}, k[3] = {0, 0.318, 0}, d[3] = {0, 100, 0};
  CHECK_INT(gk_absorb_layers(3, n, k, d, 400, &a, &e), GK_OK);
  double R, T;
  airy(1, 2.2 + 0.318 * I, 1.52, 100, 400, &R, &T);
  CHECK_CLOSE(a.R, R, 1e-12);
  CHECK_CLOSE(a.T, T, 1e-12);
  CHECK_CLOSE(a.A[1], 1 - R - T, 1e-12);
  /* second method: the absorption density integrated over the film */
  double s = 0, h = 100.0 / 20000;
  for (int i = 0; i < 20000; i++) s += gk_absorb_density(&a, (i + 0.5) * h) * h;
  CHECK_CLOSE(s, a.A[1], 1e-7);
  gk_absorb_free(&a);
  /* energy conservation in a 5-layer stack, and reversed incidence */
  double n5[5] = {1, 1.9, 2.3, 1.9, 1.52}, k5[5] = {0, 0.01, 0.2, 0.01, 0}, d5[5] = {0, 20, 150, 20, 0};
  CHECK_INT(gk_absorb_layers(5, n5, k5, d5, 450, &a, &e), GK_OK);
  double sum = a.R + a.T;
  for (int j = 0; j < 5; j++) sum += a.A[j];
  CHECK_CLOSE(sum, 1, 1e-12);
  gk_absorb_free(&a);
  /* quarter-wave antireflection layer: R = 0 */
  double nq[3] = {1, sqrt(1.5), 1.5}, kq[3] = {0, 0, 0}, dq[3] = {0, 550 / (4 * sqrt(1.5)), 0};
  CHECK_INT(gk_absorb_layers(3, nq, kq, dq, 550, &a, &e), GK_OK);
  CHECK_ABS(a.R, 0, 1e-14);
  CHECK_CLOSE(a.T, 1, 1e-12);
  gk_absorb_free(&a);
  /* a semi-infinite thick absorber: Beer-Lambert with the front reflectance */
  double nb[3] = {1, 2.2, 2.2}, kb[3] = {0, 0.318, 0.318}, db[3] = {0, 300, 0};
  CHECK_INT(gk_absorb_layers(3, nb, kb, db, 400, &a, &e), GK_OK);
  double complex nn = 2.2 + 0.318 * I, r = (1 - nn) / (1 + nn);
  double R0 = creal(r * conj(r)), alpha = 4 * M_PI * 0.318 / 400e-7;
  CHECK_CLOSE(a.R, R0, 1e-12);
  CHECK_CLOSE(a.A[1], (1 - R0) * -expm1(-alpha * 300e-7), 1e-10);
  gk_depth_profile pt, pb;
  CHECK_INT(gk_depth_tmm(&a, 1, 1e-3, 50, &pt, &e), GK_OK);
  CHECK_INT(gk_depth_beer(1e-3, 400, alpha, 300, R0, 50, &pb, &e), GK_OK);
  CHECK_CLOSE(pt.n_mean, pb.n_mean, 1e-9);
  CHECK_CLOSE(pt.N[10], pb.N[10], 1e-6);
  /* N_mean = F A/(h nu d) by hand: 1e-3 J/cm2, h nu at 400 nm = 4.966e-19 J */
  CHECK_CLOSE(gk_photon_energy_j(400), 4.96611e-19, 1e-5);
  CHECK_CLOSE(pb.n_mean, 1e-3 * pb.absorbed / (4.96611e-19 * 300e-7), 1e-5);
  /* mode weighting with a flat |E|^2 is the plain average */
  double *E2 = malloc(pb.n * sizeof *E2);
  for (size_t i = 0; i < pb.n; i++) E2[i] = 1;
  double nm = gk_depth_mode_weighted(&pb, E2);
  CHECK_CLOSE(nm, pb.n_mean, 1e-3); /* trapezoid on 50 points */
  free(E2);
  gk_depth_free(&pt), gk_depth_free(&pb);
  gk_absorb_free(&a);
  /* bad input */
  double kbad[3] = {0.1, 0, 0};
  CHECK_INT(gk_absorb_layers(3, n, kbad, d, 400, &a, &e), GK_EUSAGE);
}

/* The chain against Tatarinov et al. 2023 Table 1: sigma (1e-16 cm2), N_th,
 * N_s (1e19 cm-3), Gamma for SG 70 nm, LG 100 nm, LG 250 nm. */
static void test_chain(void)
{
  static const double tab[3][4] = {{4, 1.5, 5, 0.65}, {4, 0.1, 5, 0.75}, {1.5, 0.1, 7, 0.96}};
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 7);
  gk_error e;
  for (int s = 0; s < 3; s++) {
    double sigma = tab[s][0] * 1e-16, nth = tab[s][1] * 1e19, ns = tab[s][2] * 1e19, gam = tab[s][3];
    double c_n = 1.15e23; /* cm^-3 per J/cm2 */
    enum { N = 12 };
    double F[N], G[N], se[N], Ncar[N];
    for (int i = 0; i < N; i++) {
      F[i] = nth / c_n * 1.3 * pow(400.0, (double)i / (N - 1));
      Ncar[i] = c_n * F[i];
      double g0 = gam * sigma * (Ncar[i] - nth) / (1 + Ncar[i] / ns);
      se[i] = 0.01 * fabs(g0) + 5;
      G[i] = g0 + se[i] * gsl_ran_gaussian(g, 1);
    }
    gk_chain_result r;
    CHECK_INT(gk_chain_fit(F, G, se, N, gam, c_n, &r, &e), GK_OK);
    CHECK(r.converged);
    CHECK_MSG(fabs(r.sigma - sigma) < 3 * r.se_sigma, "sample %d sigma %g +- %g vs %g", s, r.sigma, r.se_sigma, sigma);
    CHECK_MSG(fabs(r.n_th - nth) < 3 * r.se_n_th, "sample %d N_th %g +- %g vs %g", s, r.n_th, r.se_n_th, nth);
    CHECK_MSG(fabs(r.n_s - ns) < 3 * r.se_n_s, "sample %d N_s %g +- %g vs %g", s, r.n_s, r.se_n_s, ns);
    CHECK_CLOSE(r.f_th * c_n, r.n_th, 1e-12);
    /* second method: the carriers module's unweighted G(N) fit */
    gk_gain_fit gf;
    CHECK_INT(gk_gain_fit_run(Ncar, G, N, gam, 0, 0, 0, &gf, &e), GK_OK);
    /* unweighted, so its errors are larger: agreement within the combined
     * standard errors */
    CHECK_MSG(fabs(gf.sigma - r.sigma) < 3 * hypot(gf.se_sigma, r.se_sigma), "sigma %g vs %g", gf.sigma, r.sigma);
    CHECK_MSG(fabs(gf.n_th - r.n_th) < 3 * hypot(gf.se_n_th, r.se_n_th), "N_th %g +- %g vs %g", gf.n_th, gf.se_n_th, r.n_th);
    gk_gain_fit_free(&gf);
    gk_chain_free(&r);
  }
  gsl_rng_free(g);
}

static void test_ses(void)
{
  enum { N = 16 };
  double x[N], I0[N], sg[N];
  for (int i = 0; i < N; i++) x[i] = 0.02 * i, I0[i] = 5000 * exp(-1.06 * x[i]), sg[i] = 0.01 * I0[i];
  gk_ses_fit r;
  gk_error e;
  CHECK_INT(gk_ses_fit_run(x, I0, sg, N, &r, &e), GK_OK);
  CHECK_CLOSE(r.alpha, 1.06, 1e-10);
  CHECK_CLOSE(r.alpha_nl, 1.06, 1e-6);
  CHECK_CLOSE(r.i0, 5000, 1e-10);
  /* noisy: both methods within 3 se; the standard error matches the
   * closed form for a straight line with equal relative errors */
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 9);
  int hits = 0, agree = 0;
  for (int t = 0; t < 100; t++) {
    for (int i = 0; i < N; i++) I0[i] = 5000 * exp(-1.06 * x[i]) * (1 + 0.01 * gsl_ran_gaussian(g, 1));
    CHECK_INT(gk_ses_fit_run(x, I0, NULL, N, &r, &e), GK_OK);
    if (fabs(r.alpha - 1.06) < 2 * r.se_alpha) hits++;
    if (fabs(r.alpha_nl - r.alpha) < 0.2 * r.se_alpha) agree++;
  }
  /* 2-sigma coverage is 95 % (t distribution, 14 dof: 93.5 %); 85 of 100
   * leaves room for the sampling spread (binomial sd 2.5) */
  CHECK_MSG(hits >= 85, "coverage %d/100", hits);
  CHECK_MSG(agree >= 95, "log-linear and nonlinear fits agree in %d/100", agree);
  gsl_rng_free(g);
  I0[3] = -1;
  CHECK_INT(gk_ses_fit_run(x, I0, NULL, N, &r, &e), GK_EINPUT);
}

static void test_vsl_profile(void)
{
  gk_error e;
  /* flat profile: vsl1, I = (A/g)(e^{gL} - 1) with g = gamma - alpha */
  double px[2] = {0, 1}, pf[2] = {5, 5}, L[6] = {0.05, 0.1, 0.2, 0.3, 0.4, 0.5}, Iv[6];
  CHECK_INT(gk_vslp_intensity(px, pf, 2, 21, 1, 300, L, 6, Iv, &e), GK_OK);
  for (int i = 0; i < 6; i++) CHECK_CLOSE(Iv[i], 300 / 20.0 * expm1(20 * L[i]), 1e-6); /* trapezoid, 4000 steps */
  /* linear pump p = 1 + s (x - L/2) over [0, Lmax]: the gain integral has
   * a closed form; compare I at the longest stripe with a fine Simpson sum */
  double pl[2] = {0.5, 1.5}; /* p from 0.5 to 1.5 over 0..1 cm: mean 1 */
  double Lm[1] = {1.0}, Im;
  CHECK_INT(gk_vslp_intensity(px, pl, 2, 4, 0.5, 10, Lm, 1, &Im, &e), GK_OK);
  double sum = 0;
  int M = 20000;
  for (int i = 0; i <= M; i++) {
    double x = (double)i / M, p = 0.5 + x, G = 4 * (0.5 * x + 0.5 * x * x) - 0.5 * x;
    sum += (i == 0 || i == M ? 1 : (i % 2 ? 4 : 2)) * 10 * p * exp(G);
  }
  sum /= 3.0 * M;
  CHECK_CLOSE(Im, sum, 1e-6);
  /* fit recovers gamma on exact data from a Gaussian pump */
  enum { NP = 101 };
  double gx[NP], gp[NP], LL[12], II[12];
  for (int i = 0; i < NP; i++) gx[i] = 0.005 * i, gp[i] = exp(-2 * pow((gx[i] - 0.15) / 0.25, 2));
  for (int i = 0; i < 12; i++) LL[i] = 0.035 * (i + 1);
  CHECK_INT(gk_vslp_intensity(gx, gp, NP, 30, 1.06, 1000, LL, 12, II, &e), GK_OK);
  gk_vslp_fit f;
  CHECK_INT(gk_vslp_fit_run(LL, II, NULL, 12, gx, gp, NP, 1.06, &f, &e), GK_OK);
  CHECK(f.converged);
  CHECK_CLOSE(f.gamma, 30, 1e-6);
  CHECK_CLOSE(f.A, 1000, 1e-6);
  gk_vslp_free(&f);
  /* a profile that does not reach the longest stripe is an input error */
  double shortx[2] = {0, 0.2};
  CHECK_INT(gk_vslp_fit_run(LL, II, NULL, 12, shortx, pf, 2, 0, &f, &e), GK_EINPUT);
}

static void test_vsl_lengths(void)
{
  double x = gk_vsl_threshold_gl();
  CHECK_CLOSE(expm1(x), 2 * x, 1e-14);
  CHECK_CLOSE(x, 1.25643121, 1e-8);
  gk_error e;
  enum { N = 20 };
  double L[N], In[N], s[N], th[3];
  /* sat (Eq. 3) with g = 40 cm^-1, A = 100, Is = 2e4: the true length at
   * which I = Is from the model itself */
  for (int i = 0; i < N; i++) L[i] = 0.01 * (i + 1);
  CHECK_INT(gk_vsl_theta_from_physical(GK_VSL_SAT, (double[]){40, 100, 2e4}, th), GK_OK);
  CHECK_INT(gk_vsl_intensity(GK_VSL_SAT, th, L, N, In, NULL), GK_OK);
  double Is = 2e4, Ltrue;
  CHECK_INT(gk_vsl_sat_length(th, &Is, 1, &Ltrue, NULL), GK_OK);
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 21);
  for (int i = 0; i < N; i++) s[i] = 0.01 * In[i], In[i] += s[i] * gsl_ran_gaussian(g, 1);
  gk_vsl_data d = {.n = N, .L = L, .intensity = In, .sigma = s, .weighting = GK_WEIGHT_SIGMA};
  gk_vsl_lengths o;
  CHECK_INT(gk_vsl_lengths_compute(&d, &o, &e), GK_OK);
  CHECK(o.saturated);
  CHECK_MSG(fabs(o.l_sat_model - Ltrue) < 0.1 * Ltrue, "L(Is) %g vs %g", o.l_sat_model, Ltrue);
  /* the small-signal range ends before the intensity reaches Is */
  CHECK_MSG(o.l_sat_data < Ltrue && o.n_small >= 4, "L_ss %g (n %zu) vs L(Is) %g", o.l_sat_data, o.n_small, Ltrue);
  /* on that range vsl1 sees the small-signal gain (within 3 se of 40) */
  CHECK_MSG(fabs(o.g_small - 40) < 3 * o.se_g_small + 2, "g_small %g +- %g", o.g_small, o.se_g_small);
  CHECK_CLOSE(o.l_th, x / o.g_small, 1e-12);
  /* pure vsl1 data: never saturated, in 20 noisy trials at most 2 false ends */
  int false_end = 0;
  for (int t = 0; t < 20; t++) {
    double t1[2] = {40, log(100.0)};
    CHECK_INT(gk_vsl_intensity(GK_VSL_VSL1, t1, L, N, In, NULL), GK_OK);
    for (int i = 0; i < N; i++) s[i] = 0.01 * In[i], In[i] += s[i] * gsl_ran_gaussian(g, 1);
    CHECK_INT(gk_vsl_lengths_compute(&d, &o, &e), GK_OK);
    if (o.saturated) false_end++;
  }
  CHECK_MSG(false_end <= 2, "%d of 20 unsaturated scans called saturated", false_end);
  gsl_rng_free(g);
}

static void test_trend(void)
{
  gk_trend t;
  gk_error e;
  /* exact line: a, b to rounding */
  double x[5] = {0, 5, 10, 15, 20}, y[5], se[5] = {1, 1, 0.5, 0.5, 0.3};
  for (int i = 0; i < 5; i++) y[i] = 68 - 1.8 * x[i];
  CHECK_INT(gk_trend_linear(x, y, se, 5, &t, &e), GK_OK);
  CHECK_CLOSE(t.a, 68, 1e-12);
  CHECK_CLOSE(t.b, -1.8, 1e-12);
  /* chi2_red = 0 < 1: the errors stay those of the weights, sqrt(1/Sxx_w) */
  double S = 0, Sx = 0;
  for (int i = 0; i < 5; i++) S += 1 / (se[i] * se[i]), Sx += x[i] / (se[i] * se[i]);
  double xm = Sx / S, D = 0;
  for (int i = 0; i < 5; i++) D += (x[i] - xm) * (x[i] - xm) / (se[i] * se[i]);
  CHECK_CLOSE(t.se_b, sqrt(1 / D), 1e-12);
  /* equal weights, three points by hand: (0,1), (1,2), (2,4): b = 1.5,
   * a = 5/6, residuals 1/6, -1/3, 1/6 -> chi2 = 1/6, se_b = sqrt(chi2/2) */
  double x3[3] = {0, 1, 2}, y3[3] = {1, 2, 4};
  CHECK_INT(gk_trend_linear(x3, y3, NULL, 3, &t, &e), GK_OK);
  CHECK_CLOSE(t.b, 1.5, 1e-14);
  CHECK_CLOSE(t.a, 5.0 / 6, 1e-14);
  CHECK_CLOSE(t.se_b, sqrt(1.0 / 6 / 1 / 2), 1e-12);
  double xs[3] = {1, 1, 1};
  CHECK_INT(gk_trend_linear(xs, y3, NULL, 3, &t, &e), GK_EINPUT);
}

int main(void)
{
  RUN(test_geometries);
  RUN(test_pulse_factor);
  RUN(test_uncertainty);
  RUN(test_knife_edge);
  RUN(test_line_profile);
  RUN(test_tmm);
  RUN(test_chain);
  RUN(test_ses);
  RUN(test_trend);
  RUN(test_vsl_profile);
  RUN(test_vsl_lengths);
  return gk_test_summary();
}
