/* VSL models (gainkit/vsl.h): model functions against independent
 * numbers (closed forms, GSL ODE integration, finite differences), fits
 * recovering known parameters, the recommendation, spectral fits. */
#include "gk_test.h"
#include "gainkit/vsl.h"
#include "vsl/vsl_internal.h"
#ifdef _OPENMP
#include <omp.h>
#endif
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_multifit.h>

/* Central-difference Jacobian of the intensity with respect to theta. */
static void fd_jac(gk_vsl_model m, const double *th, const double *L, size_t n, double *J)
{
  size_t p = gk_vsl_ntheta(m);
  double *Ip = malloc(n * sizeof *Ip), *Im = malloc(n * sizeof *Im);
  for (size_t k = 0; k < p; k++) {
    double t[4];
    memcpy(t, th, p * sizeof *t);
    double h = 1e-6 * (fabs(th[k]) + 1e-2);
    t[k] = th[k] + h;
    gk_vsl_intensity(m, t, L, n, Ip, NULL);
    t[k] = th[k] - h;
    gk_vsl_intensity(m, t, L, n, Im, NULL);
    for (size_t i = 0; i < n; i++) J[i * p + k] = (Ip[i] - Im[i]) / (2 * h);
  }
  free(Ip);
  free(Im);
}

/* Analytic Jacobian against central differences: each column compared
 * with a tolerance relative to that column's scale (finite differences of
 * step 1e-6 are good to ~1e-8; the sat-exact alpha floor adds ~1e-8). */
static void check_jac(gk_vsl_model m, const double *phys, double Lmax, const char *what)
{
  enum { N = 12 };
  double L[N], I[N], Ja[N * 4], Jn[N * 4], th[4];
  for (size_t i = 0; i < N; i++) L[i] = Lmax * (double)(i + 1) / N;
  CHECK(gk_vsl_theta_from_physical(m, phys, th) == GK_OK);
  int rc = gk_vsl_intensity(m, th, L, N, I, Ja);
  CHECK_MSG(rc == GK_OK, "%s: eval failed", what);
  fd_jac(m, th, L, N, Jn);
  size_t p = gk_vsl_ntheta(m);
  for (size_t k = 0; k < p; k++) {
    double scale = 0;
    for (size_t i = 0; i < N; i++) scale = fmax(scale, fabs(Jn[i * p + k]));
    for (size_t i = 0; i < N; i++) {
      double d = fabs(Ja[i * p + k] - Jn[i * p + k]);
      CHECK_MSG(d <= 1e-5 * scale + 1e-300 && isfinite(Ja[i * p + k]),
                "%s: dI/dtheta[%zu] at L=%g: analytic %.10g, numeric %.10g", what, k, L[i],
                Ja[i * p + k], Jn[i * p + k]);
    }
  }
}

static void test_jacobians(void)
{
  check_jac(GK_VSL_VSL1, (double[]){25, 3}, 0.45, "vsl1");
  check_jac(GK_VSL_VSL1, (double[]){1e-7, 3}, 0.45, "vsl1 g->0");
  check_jac(GK_VSL_VSL1, (double[]){-8, 3}, 0.45, "vsl1 g<0");
  check_jac(GK_VSL_VSL2, (double[]){25, 3, 40}, 0.45, "vsl2");
  check_jac(GK_VSL_EMP, (double[]){25, 3, 0.3}, 0.45, "emp");
  check_jac(GK_VSL_EMP, (double[]){25, 3, 300}, 0.45, "emp large Ls");
  check_jac(GK_VSL_SAT, (double[]){25, 3, 2000}, 0.45, "sat");
  check_jac(GK_VSL_SATEXACT, (double[]){30, 5, 3, 2000}, 0.45, "sat-exact");
  check_jac(GK_VSL_SATEXACT, (double[]){30, 25, 3, 50}, 0.45, "sat-exact plateau");
  /* gL = 2000: A = e^-1990 is not representable, theta carries ln A. */
  double th[2] = {1e4, -1990}, L[3] = {0.1, 0.15, 0.2}, I[3], J[6];
  CHECK(gk_vsl_intensity(GK_VSL_VSL1, th, L, 3, I, J) == GK_OK);
  CHECK_CLOSE(I[2], exp(-1990 + 2000 - log(1e4)), 1e-12);
  CHECK_CLOSE(J[2 * 2], I[2] * (0.2 - 1e-4), 1e-10);
  /* at gL = 1000 the intensity is e^-999 relative: underflows, never NaN */
  CHECK(isfinite(I[0]) && I[0] >= 0);
}

/* Closed forms: vsl1 at g = 0 is A L; at g < 0 it saturates at A/|g|. */
static void test_limits(void)
{
  double L[2] = {0.1, 50}, I[2], th[2] = {0, log(2.0)};
  CHECK(gk_vsl_intensity(GK_VSL_VSL1, th, L, 2, I, NULL) == GK_OK);
  CHECK_CLOSE(I[0], 0.2, 1e-15);
  th[0] = 1e-12;
  CHECK(gk_vsl_intensity(GK_VSL_VSL1, th, L, 1, I, NULL) == GK_OK);
  CHECK_CLOSE(I[0], 0.2 * (1 + 0.5e-13), 1e-15);
  th[0] = -4;
  CHECK(gk_vsl_intensity(GK_VSL_VSL1, th, L, 2, I, NULL) == GK_OK);
  CHECK_CLOSE(I[0], 2.0 / 4 * (1 - exp(-0.4)), 1e-14);
  CHECK_CLOSE(I[1], 0.5, 1e-14);
}

/* ODE right-hand side of Eq. 4 for GSL's integrator. */
static int ode_rhs(double x, const double y[], double f[], void *params)
{
  (void)x;
  const double *p = params;  /* gamma, alpha, A, Is */
  f[0] = p[2] + p[0] * y[0] / (1 + y[0] / p[3]) - p[1] * y[0];
  return GSL_SUCCESS;
}

static double ode_I(const double *phys, double L)
{
  gsl_odeiv2_system sys = {ode_rhs, NULL, 1, (void *)phys};
  gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-6, 1e-13, 1e-13);
  double x = 0, y[1] = {0};
  gsl_odeiv2_driver_apply(d, &x, L, y);
  gsl_odeiv2_driver_free(d);
  return y[0];
}

/* sat-exact's closed-form inversion against a GSL ODE integration of
 * Eq. 4, across growth, saturation and a true plateau. */
static void test_satexact_vs_ode(void)
{
  const double cases[][4] = {{30, 5, 3, 2000}, {40, 10, 1, 50}, {60, 20, 0.5, 5}, {25, 0.01, 3, 1e4}};
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    double th[4], L[8], I[8];
    gk_vsl_theta_from_physical(GK_VSL_SATEXACT, cases[c], th);
    for (int i = 0; i < 8; i++) L[i] = 0.06 * (i + 1);
    CHECK(gk_vsl_intensity(GK_VSL_SATEXACT, th, L, 8, I, NULL) == GK_OK);
    for (int i = 0; i < 8; i++) CHECK_CLOSE(I[i], ode_I(cases[c], L[i]), 1e-9);
  }
  /* Plateau: I(L) -> u+, the positive root of P; reached to rounding. */
  const double *p = cases[2];
  double th[4], L[1] = {5.0}, I[1];
  gk_vsl_theta_from_physical(GK_VSL_SATEXACT, p, th);
  CHECK(gk_vsl_intensity(GK_VSL_SATEXACT, th, L, 1, I, NULL) == GK_OK);
  double b = p[2] + (p[0] - p[1]) * p[3], c = p[2] * p[3];
  double up = (b + sqrt(b * b + 4 * p[1] * c)) / (2 * p[1]);
  CHECK_CLOSE(I[0], up, 1e-12);
  CHECK_CLOSE(gk_vsl_satexact_plateau(th), up, 1e-14);
  /* The plateau solves dI/dx = 0. */
  double f[1], y[1] = {up};
  ode_rhs(0, y, f, (void *)p);
  CHECK_ABS(f[0], 0, 1e-9 * p[2]);
}

/* sat (Eq. 3) is sat-exact with alpha = 0: same L(I) from two formulas,
 * and Eq. 3's L(I) is the ODE's inverse. */
static void test_sat_is_alpha0(void)
{
  double phys[3] = {26.5, 2, 300}, th[3];
  gk_vsl_theta_from_physical(GK_VSL_SAT, phys, th);
  double L[6] = {0.05, 0.1, 0.2, 0.3, 0.4, 0.45}, I[6], Lb[6];
  CHECK(gk_vsl_intensity(GK_VSL_SAT, th, L, 6, I, NULL) == GK_OK);
  CHECK(gk_vsl_sat_length(th, I, 6, Lb, NULL) == GK_OK);
  double ph4[4] = {26.5, 0, 2, 300};
  for (int i = 0; i < 6; i++) {
    CHECK_CLOSE(Lb[i], L[i], 1e-13);
    CHECK_CLOSE(I[i], ode_I(ph4, L[i]), 1e-9);
  }
  /* g < 0 with alpha = 0: Eq. 4 still has a plateau, A/|g + A/Is|; the
   * inversion must get right up to it (regression: it used to fail there) */
  double ph_abs[3] = {-3, 6.7, 1e6}, th_abs[3], ph4a[4] = {-3, 0, 6.7, 1e6};
  double La[3] = {0.2, 0.45, 3.0}, Ia[3];
  gk_vsl_theta_from_physical(GK_VSL_SAT, ph_abs, th_abs);
  CHECK(gk_vsl_intensity(GK_VSL_SAT, th_abs, La, 3, Ia, NULL) == GK_OK);
  for (int i = 0; i < 3; i++) CHECK_CLOSE(Ia[i], ode_I(ph4a, La[i]), 1e-9);
  /* sat's own Jacobian (in L) against central differences */
  double J[18];
  CHECK(gk_vsl_sat_length(th, I, 6, Lb, J) == GK_OK);
  for (int k = 0; k < 3; k++) {
    double t[3] = {th[0], th[1], th[2]}, h = 1e-6 * (fabs(th[k]) + 1e-2), Lp[6], Lm[6];
    t[k] += h;
    gk_vsl_sat_length(t, I, 6, Lp, NULL);
    t[k] -= 2 * h;
    gk_vsl_sat_length(t, I, 6, Lm, NULL);
    for (int i = 0; i < 6; i++) CHECK_ABS(J[3 * i + k], (Lp[i] - Lm[i]) / (2 * h), 1e-6 * fabs(J[3 * i + k]) + 1e-9);
  }
}


/* Synthetic data set: n stripe lengths on [L0, L1], intensities from the
 * model, optional Gaussian noise of relative size rel (fixed-seed RNG). */
typedef struct synth {
  size_t n;
  double L[64], intensity[64], sigma[64];
} synth;

static void make_synth(synth *s, gk_vsl_model m, const double *phys, size_t n, double L0, double L1,
                       double rel, unsigned long seed)
{
  double th[4];
  s->n = n;
  for (size_t i = 0; i < n; i++) s->L[i] = L0 + (L1 - L0) * (double)i / (double)(n - 1);
  gk_vsl_theta_from_physical(m, phys, th);
  CHECK(gk_vsl_intensity(m, th, s->L, n, s->intensity, NULL) == GK_OK);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  double Imax = 0;
  for (size_t i = 0; i < n; i++) Imax = fmax(Imax, s->intensity[i]);
  for (size_t i = 0; i < n; i++) {
    /* noise: relative part plus a floor (detector), as in real VSL data */
    s->sigma[i] = rel > 0 ? rel * s->intensity[i] + 0.002 * Imax : 1;
    if (rel > 0) s->intensity[i] += gsl_ran_gaussian(r, s->sigma[i]);
  }
  gsl_rng_free(r);
}

static gk_vsl_data data_of(const synth *s, gk_weighting w)
{
  gk_vsl_data d = {.n = s->n, .L = s->L, .intensity = s->intensity, .sigma = w == GK_WEIGHT_SIGMA ? s->sigma : NULL,
                   .weighting = w};
  return d;
}

static void recover(gk_vsl_model m, const double *phys, double L1, const char *what)
{
  synth s;
  make_synth(&s, m, phys, 20, 0.02, L1, 0, 0);
  gk_vsl_data d = data_of(&s, GK_WEIGHT_RELATIVE);
  gk_vsl_fit f;
  gk_error e;
  int rc = gk_vsl_fit_model(&d, m, &f, &e);
  CHECK_MSG(rc == GK_OK && f.converged, "%s: rc %d converged %d", what, rc, f.converged);
  for (size_t k = 0; k < gk_vsl_ntheta(m); k++)
    CHECK_MSG(fabs(f.value[k] - phys[k]) <= 1e-8 * fabs(phys[k]), "%s: %s = %.12g, expected %.12g", what,
              gk_vsl_param_name(m, k), f.value[k], phys[k]);
  gk_vsl_fit_free(&f);
}

/* Noise-free data: every model recovers its parameters to 1e-8. */
static void test_recover_exact(void)
{
  recover(GK_VSL_VSL1, (double[]){22.7, 40}, 0.45, "vsl1");
  recover(GK_VSL_VSL2, (double[]){23, 40, 300}, 0.45, "vsl2");
  recover(GK_VSL_SAT, (double[]){26.5, 40, 3000}, 0.45, "sat");
  recover(GK_VSL_SATEXACT, (double[]){40, 12, 20, 500}, 0.45, "sat-exact");
  recover(GK_VSL_SATEXACT, (double[]){60, 20, 5, 50}, 0.45, "sat-exact plateau");
  recover(GK_VSL_EMP, (double[]){30, 5, 0.4}, 0.45, "emp");
  recover(GK_VSL_VSL1, (double[]){1e-6, 40}, 0.45, "vsl1 g -> 0");
  recover(GK_VSL_VSL1, (double[]){-6, 40}, 0.45, "vsl1 g < 0");
  recover(GK_VSL_VSL2, (double[]){-6, 40, 10}, 0.45, "vsl2 g < 0");
  recover(GK_VSL_SAT, (double[]){-3, 40, 3000}, 0.45, "sat g < 0");
  /* gL = 2000 at L = 0.2 cm (g = 1e4 cm^-1, micrometre-scale gain
   * lengths); A = e^-1990 exists only as ln A in theta */
  synth s;
  double th[2] = {1e4, -1990};
  s.n = 20;
  for (size_t i = 0; i < 20; i++) s.L[i] = 0.19 + 0.01 * (double)i / 19;
  CHECK(gk_vsl_intensity(GK_VSL_VSL1, th, s.L, 20, s.intensity, NULL) == GK_OK);
  gk_vsl_data d = data_of(&s, GK_WEIGHT_RELATIVE);
  gk_vsl_fit f;
  gk_error e;
  CHECK(gk_vsl_fit_model(&d, GK_VSL_VSL1, &f, &e) == GK_OK && f.converged);
  CHECK_CLOSE(f.value[0], 1e4, 1e-8);
  CHECK_CLOSE(f.theta[1], -1990, 1e-10);
  CHECK(f.value[1] == 0 && f.nwarn > 0);   /* A underflows; reported as ln A in a warning */
  gk_vsl_fit_free(&f);
  /* the same at gL = 2000 for the saturating models */
  double ths[3] = {1e4, -1990, log(3 * s.intensity[19])};
  CHECK(gk_vsl_intensity(GK_VSL_SAT, ths, s.L, 20, s.intensity, NULL) == GK_OK);
  CHECK(gk_vsl_fit_model(&d, GK_VSL_SAT, &f, &e) == GK_OK && f.converged);
  CHECK_CLOSE(f.value[0], 1e4, 1e-8);
  CHECK_CLOSE(f.theta[1], -1990, 1e-10);
  CHECK(isfinite(f.se[0]) && isfinite(f.chi2_I));
  gk_vsl_fit_free(&f);
}

/* Noisy data (fixed seed): each parameter within 3 of its own standard
 * errors. Absolute sigmas, so the standard errors are not rescaled. */
static void noisy(gk_vsl_model m, const double *phys, unsigned long seed, const char *what)
{
  synth s;
  make_synth(&s, m, phys, 30, 0.02, 0.45, 0.03, seed);
  gk_vsl_data d = data_of(&s, GK_WEIGHT_SIGMA);
  gk_vsl_fit f;
  gk_error e;
  CHECK_MSG(gk_vsl_fit_model(&d, m, &f, &e) == GK_OK && f.converged, "%s: fit", what);
  for (size_t k = 0; k < gk_vsl_ntheta(m); k++)
    CHECK_MSG(fabs(f.value[k] - phys[k]) <= 3 * f.se[k], "%s: %s = %.6g +- %.3g, true %.6g", what,
              gk_vsl_param_name(m, k), f.value[k], f.se[k], phys[k]);
  CHECK(f.chi2_red < 3);
  gk_vsl_fit_free(&f);
}

static void test_recover_noisy(void)
{
  noisy(GK_VSL_VSL1, (double[]){22.7, 40}, 1, "vsl1");
  noisy(GK_VSL_VSL2, (double[]){23, 40, 300}, 2, "vsl2");
  noisy(GK_VSL_SAT, (double[]){26.5, 40, 3000}, 3, "sat");
  noisy(GK_VSL_SATEXACT, (double[]){60, 20, 5, 50}, 4, "sat-exact");
  noisy(GK_VSL_EMP, (double[]){30, 5, 0.4}, 5, "emp");
}

/* An independent least-squares solution for vsl1: for fixed g the model
 * is linear in A, so A(g) has a closed form and chi2(g) is one-dimensional;
 * minimise it by GSL's Brent minimiser-free golden search here (plain
 * bisection on the derivative sign), and compare with gk_vsl_fit_model. */
static double vsl1_profile(const synth *s, double g, double *Aout)
{
  double see = 0, sey = 0;
  for (size_t i = 0; i < s->n; i++) {
    double E = g == 0 ? s->L[i] : expm1(g * s->L[i]) / g, w = 1 / (s->sigma[i] * s->sigma[i]);
    see += w * E * E;
    sey += w * E * s->intensity[i];
  }
  double A = sey / see, c2 = 0;
  for (size_t i = 0; i < s->n; i++) {
    double E = g == 0 ? s->L[i] : expm1(g * s->L[i]) / g;
    c2 += pow((A * E - s->intensity[i]) / s->sigma[i], 2);
  }
  *Aout = A;
  return c2;
}

static void test_independent_ls(void)
{
  synth s;
  make_synth(&s, GK_VSL_VSL1, (double[]){22.7, 40}, 25, 0.05, 0.45, 0.05, 11);
  double a = 10, b = 40, A;
  const double phi = (sqrt(5) - 1) / 2;
  for (int it = 0; it < 200 && b - a > 1e-13 * b; it++) {
    double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
    if (vsl1_profile(&s, x1, &A) < vsl1_profile(&s, x2, &A)) b = x2; else a = x1;
  }
  double gref = (a + b) / 2, c2ref = vsl1_profile(&s, gref, &A);
  gk_vsl_data d = data_of(&s, GK_WEIGHT_SIGMA);
  gk_vsl_fit f;
  gk_error e;
  CHECK(gk_vsl_fit_model(&d, GK_VSL_VSL1, &f, &e) == GK_OK && f.converged);
  CHECK_CLOSE(f.value[0], gref, 1e-7);
  CHECK_CLOSE(f.value[1], A, 1e-7);
  CHECK_CLOSE(f.chi2, c2ref, 1e-10);
  /* Standard error of g from the curvature of the profile: for absolute
   * sigmas, chi2(g) rises by 1 at g +- se (Wilks). */
  double cp = vsl1_profile(&s, gref + f.se[0], &A), cm = vsl1_profile(&s, gref - f.se[0], &A);
  /* Not exactly 1: the covariance is Gauss-Newton (J^T W J), the profile
   * has the full Hessian; they differ by the small residual-curvature term. */
  CHECK_ABS((cp + cm) / 2 - c2ref, 1, 0.02);
  gk_vsl_fit_free(&f);
}

/* Hand-derived case: vsl2 with g fixed by construction is linear in
 * (A1, A2); with exactly three points the noise-free fit must pass through
 * them, and A2 is recovered from the linear part (checked above); here:
 * the weighted vsl2 fit and GSL's linear least squares at the fitted g
 * give the same A1, A2. */
static void test_vsl2_linear(void)
{
  synth s;
  make_synth(&s, GK_VSL_VSL2, (double[]){40, 10, 200}, 25, 0.02, 0.3, 0.04, 21);
  gk_vsl_data d = data_of(&s, GK_WEIGHT_SIGMA);
  gk_vsl_fit f;
  gk_error e;
  CHECK(gk_vsl_fit_model(&d, GK_VSL_VSL2, &f, &e) == GK_OK && f.converged);
  double g = f.value[0];
  gsl_matrix *X = gsl_matrix_alloc(s.n, 2);
  gsl_vector *y = gsl_vector_alloc(s.n), *w = gsl_vector_alloc(s.n), *c = gsl_vector_alloc(2);
  gsl_matrix *cov = gsl_matrix_alloc(2, 2);
  for (size_t i = 0; i < s.n; i++) {
    gsl_matrix_set(X, i, 0, expm1(g * s.L[i]) / g);
    gsl_matrix_set(X, i, 1, s.L[i]);
    gsl_vector_set(y, i, s.intensity[i]);
    gsl_vector_set(w, i, 1 / (s.sigma[i] * s.sigma[i]));
  }
  double chisq;
  gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(s.n, 2);
  gsl_multifit_wlinear(X, w, y, c, cov, &chisq, ws);
  if (gsl_vector_get(c, 1) < 0) {
    /* A2 >= 0 is imposed: the constrained linear solution is A2 = 0 and
     * A1 from the first column alone (this seed's noise makes the free
     * A2 negative) */
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < s.n; i++) {
      double x = gsl_matrix_get(X, i, 0), wi = gsl_vector_get(w, i);
      sxx += wi * x * x; sxy += wi * x * s.intensity[i];
    }
    gsl_vector_set(c, 0, sxy / sxx);
    gsl_vector_set(c, 1, 0);
    chisq = 0;
    for (size_t i = 0; i < s.n; i++)
      chisq += gsl_vector_get(w, i) * pow(s.intensity[i] - sxy / sxx * gsl_matrix_get(X, i, 0), 2);
    CHECK(f.a2_at_bound);
    CHECK_ABS(f.value[2], 0, 0);
  } else {
    CHECK_CLOSE(f.value[2], gsl_vector_get(c, 1), 1e-6);
  }
  CHECK_CLOSE(f.value[1], gsl_vector_get(c, 0), 1e-7);
  CHECK_CLOSE(f.chi2, chisq, 1e-9);
  gsl_multifit_linear_free(ws);
  gsl_matrix_free(X); gsl_matrix_free(cov);
  gsl_vector_free(y); gsl_vector_free(w); gsl_vector_free(c);
  gk_vsl_fit_free(&f);
}

static int fit_all(const synth *s, gk_vsl_fit *fits, int *reliable, char *why)
{
  gk_vsl_data d = data_of(s, GK_WEIGHT_SIGMA);
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    gk_error e;
    if (gk_vsl_fit_model(&d, (gk_vsl_model)m, &fits[m], &e) != GK_OK) fits[m].ok = 0;
  }
  return gk_vsl_recommend(&d, fits, reliable, why, 400);
}

static void free_all(gk_vsl_fit *fits)
{
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_fit_free(&fits[m]);
}

/* Table-1 logic on the four data shapes of docs/physics.md §1. */
static void test_recommend(void)
{
  gk_vsl_fit fits[GK_VSL_NMODELS];
  int rel;
  char why[400];
  synth s;
  /* nearly exponential, no saturation: a simple physical model, not emp */
  make_synth(&s, GK_VSL_VSL1, (double[]){22.7, 40}, 25, 0.05, 0.45, 0.02, 31);
  int r = fit_all(&s, fits, &rel, why);
  CHECK_MSG(r == GK_VSL_VSL1 || r == GK_VSL_SAT, "exponential: got %d (%s)", r, why);
  CHECK(rel);
  free_all(fits);
  /* saturating (NC1-like) */
  make_synth(&s, GK_VSL_SAT, (double[]){26.5, 40, 1500}, 25, 0.05, 0.45, 0.02, 32);
  r = fit_all(&s, fits, &rel, why);
  CHECK_MSG(r == GK_VSL_SAT || r == GK_VSL_SATEXACT, "saturating: got %d (%s)", r, why);
  CHECK(rel && strstr(why, "saturat"));
  free_all(fits);
  /* background at short stripes (NC1-HMDS-like): vsl2 */
  make_synth(&s, GK_VSL_VSL2, (double[]){50, 2, 3000}, 25, 0.02, 0.3, 0.02, 33);
  r = fit_all(&s, fits, &rel, why);
  CHECK_MSG(r == GK_VSL_VSL2, "background: got %d (%s)", r, why);
  CHECK(strstr(why, "background") != NULL);
  free_all(fits);
  /* true plateau from Eq. 4: sat-exact */
  make_synth(&s, GK_VSL_SATEXACT, (double[]){60, 20, 5, 50}, 25, 0.02, 0.45, 0.02, 34);
  r = fit_all(&s, fits, &rel, why);
  CHECK_MSG(r == GK_VSL_SATEXACT, "plateau: got %d (%s)", r, why);
  free_all(fits);
  /* a plateau no model reproduces (exponential then abruptly flat, as
   * NC-DDAB): flagged unreliable */
  make_synth(&s, GK_VSL_VSL1, (double[]){40, 40}, 25, 0.02, 0.45, 0, 0);
  double Ip = s.intensity[16];  /* L = 0.307 cm */
  for (size_t i = 0; i < s.n; i++) {
    double v = s.L[i] > 0.3 ? Ip : s.intensity[i];
    s.sigma[i] = 0.02 * v + 0.002 * Ip;
    s.intensity[i] = v + s.sigma[i] * sin(7.0 * (double)i);  /* deterministic +-1 sigma scatter */
  }
  r = fit_all(&s, fits, &rel, why);
  CHECK_MSG(!rel, "extrinsic plateau: got %d reliable (%s)", r, why);
  if (getenv("GK_VSL_DEBUG"))
    for (int m = 0; m < GK_VSL_NMODELS; m++)
      fprintf(stderr, "%s ok %d conv %d g %g %g %g chi2_I %g aicc_I %g\n", gk_vsl_model_name(m), fits[m].ok,
              fits[m].converged, fits[m].value[0], fits[m].value[1], fits[m].value[2], fits[m].chi2_I, fits[m].aicc_I);
  CHECK(r != GK_VSL_EMP);
  free_all(fits);
}

/* 200 wavelengths x 30 stripe lengths: a Gaussian gain spectrum g(lambda)
 * recovered wavelength by wavelength; the result is deterministic. */
static void test_spectral(void)
{
  enum { NW = 200, NL = 30 };
  double L[NL], *z = malloc(NW * NL * sizeof *z), gtrue[NW];
  for (size_t j = 0; j < NL; j++) L[j] = 0.02 + 0.43 * (double)j / (NL - 1);
  for (size_t i = 0; i < NW; i++) {
    double lam = 500 + 0.25 * (double)i;
    gtrue[i] = 5 + 20 * exp(-pow((lam - 525) / 10, 2));
    double th[2] = {gtrue[i], log(10.0)};
    gk_vsl_intensity(GK_VSL_VSL1, th, L, NL, z + i * NL, NULL);
  }
  gk_vsl_spectrum spec[GK_VSL_NMODELS];
  gk_error e;
  int rec[NW];
  unsigned mask = 1u << GK_VSL_VSL1 | 1u << GK_VSL_SAT;
  CHECK(gk_vsl_spectral(L, NL, z, NW, GK_WEIGHT_RELATIVE, mask, spec, rec, NULL, &e) == GK_OK);
  int allconv = 1;
  double maxerr = 0;
  for (size_t i = 0; i < NW; i++) {
    allconv &= spec[GK_VSL_VSL1].converged[i];
    maxerr = fmax(maxerr, fabs(spec[GK_VSL_VSL1].g[i] - gtrue[i]) / gtrue[i]);
  }
  CHECK(allconv);
  CHECK_MSG(maxerr < 1e-8, "max relative error of g(lambda) %g", maxerr);
  CHECK(spec[GK_VSL_SAT].g != NULL && spec[GK_VSL_VSL2].g == NULL);
  /* deterministic: a second run gives bit-identical results */
  gk_vsl_spectrum spec2[GK_VSL_NMODELS];
  CHECK(gk_vsl_spectral(L, NL, z, NW, GK_WEIGHT_RELATIVE, mask, spec2, NULL, NULL, &e) == GK_OK);
  CHECK(memcmp(spec[GK_VSL_SAT].g, spec2[GK_VSL_SAT].g, NW * sizeof(double)) == 0);
  for (int m = 0; m < GK_VSL_NMODELS; m++) { gk_vsl_spectrum_free(&spec[m]); gk_vsl_spectrum_free(&spec2[m]); }
  free(z);
}

/* The spectral mode with every model: 200 wavelengths x 30 stripe
 * lengths generated noise-free from the model itself, its parameters
 * varying smoothly with wavelength (a Gaussian gain band). Each model
 * recovers g(lambda) to 1e-8 (sat and sat-exact on data that saturate, so
 * that Is and alpha are identified), and the result is bit-identical for
 * 1 and 2 OpenMP threads. */
static void test_spectral_all_models(void)
{
  enum { NW = 200, NL = 30 };
  double L[NL], *z = malloc(NW * NL * sizeof *z), gtrue[NW];
  for (size_t j = 0; j < NL; j++) L[j] = 0.02 + 0.43 * (double)j / (NL - 1);
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    int gen_ok = 1;
    for (size_t i = 0; i < NW; i++) {
      double band = exp(-pow((500 + 0.25 * (double)i - 525) / 10, 2)), th[4];
      double phys[GK_VSL_NMODELS][4] = {
        {5 + 20 * band, 10}, {5 + 20 * band, 40, 300}, {20 + 10 * band, 40, 3000},
        {35 + 10 * band, 12, 20, 500}, {25 + 10 * band, 5, 0.4}};
      gk_vsl_theta_from_physical((gk_vsl_model)m, phys[m], th);
      gen_ok &= gk_vsl_intensity((gk_vsl_model)m, th, L, NL, z + i * NL, NULL) == GK_OK;
      gtrue[i] = m == GK_VSL_SATEXACT ? phys[m][0] - phys[m][1] : phys[m][0];
    }
    CHECK(gen_ok);
    gk_vsl_spectrum s1[GK_VSL_NMODELS], s2[GK_VSL_NMODELS];
    gk_error e;
    unsigned mask = 1u << m;
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    CHECK(gk_vsl_spectral(L, NL, z, NW, GK_WEIGHT_RELATIVE, mask, s1, NULL, NULL, &e) == GK_OK);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    CHECK(gk_vsl_spectral(L, NL, z, NW, GK_WEIGHT_RELATIVE, mask, s2, NULL, NULL, &e) == GK_OK);
    size_t nconv = 0;
    double maxerr = 0;
    for (size_t i = 0; i < NW; i++) {
      nconv += (size_t)s1[m].converged[i];
      maxerr = fmax(maxerr, fabs(s1[m].g[i] - gtrue[i]) / gtrue[i]);
    }
    CHECK_MSG(nconv == NW, "%s: %zu of %d wavelengths converged", gk_vsl_model_name((gk_vsl_model)m), nconv, NW);
    if (getenv("GK_TEST_VERBOSE")) printf("  %s: max relative error of g(lambda) %.2g\n", gk_vsl_model_name((gk_vsl_model)m), maxerr);
    CHECK_MSG(maxerr < 1e-8, "%s: max relative error of g(lambda) %g", gk_vsl_model_name((gk_vsl_model)m), maxerr);
    CHECK_MSG(memcmp(s1[m].g, s2[m].g, NW * sizeof(double)) == 0 &&
                memcmp(s1[m].g_se, s2[m].g_se, NW * sizeof(double)) == 0 &&
                memcmp(s1[m].converged, s2[m].converged, NW * sizeof(int)) == 0,
              "%s: 1 and 2 threads differ", gk_vsl_model_name((gk_vsl_model)m));
    for (int k = 0; k < GK_VSL_NMODELS; k++) { gk_vsl_spectrum_free(&s1[k]); gk_vsl_spectrum_free(&s2[k]); }
  }
  free(z);
}

/* --matrix --model emp: every wavelength is fitted on its own data. Noisy
 * emp data whose parameters jump between neighbouring wavelengths (g 10
 * to 60 cm^-1, Ls 0.05 to 2 cm, 3 % noise): each wavelength's chi2 in I
 * must equal that of a fit of the same column alone (the independent
 * number), never a neighbour's answer carried over at a higher chi2. */
static void test_spectral_own_data(void)
{
  enum { NW = 48, NL = 25 };
  double L[NL], *z = malloc(NW * NL * sizeof *z);
  for (size_t j = 0; j < NL; j++) L[j] = 0.01 + 0.49 * (double)j / (NL - 1);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  for (size_t i = 0; i < NW; i++) {
    double phys[3] = {10 + 50 * gsl_rng_uniform(r), 5, 0.05 * pow(40, gsl_rng_uniform(r))}, th[3];
    gk_vsl_theta_from_physical(GK_VSL_EMP, phys, th);
    gk_vsl_intensity(GK_VSL_EMP, th, L, NL, z + i * NL, NULL);
    for (size_t j = 0; j < NL; j++) z[i * NL + j] *= 1 + 0.03 * gsl_ran_gaussian(r, 1);
  }
  gsl_rng_free(r);
  gk_vsl_spectrum spec[GK_VSL_NMODELS];
  gk_error e;
  CHECK(gk_vsl_spectral(L, NL, z, NW, GK_WEIGHT_RELATIVE, 1u << GK_VSL_EMP, spec, NULL, NULL, &e) == GK_OK);
  int nbad = 0;
  for (size_t i = 0; i < NW; i++) {
    gk_vsl_data d = {.n = NL, .L = L, .intensity = z + i * NL, .weighting = GK_WEIGHT_RELATIVE};
    gk_vsl_fit f;
    int ok = gk_vsl_fit_model(&d, GK_VSL_EMP, &f, &e) == GK_OK && f.ok && f.converged;
    if (ok) {
      int same = spec[GK_VSL_EMP].converged[i] && spec[GK_VSL_EMP].chi2_I[i] <= f.chi2_I * (1 + 1e-6) + 1e-12;
      nbad += !same;
      CHECK_MSG(same, "wavelength %zu: matrix g %.6g chi2 %.6g, alone g %.6g chi2 %.6g", i, spec[GK_VSL_EMP].g[i],
                spec[GK_VSL_EMP].chi2_I[i], f.value[0], f.chi2_I);
    } else {
      /* a failed wavelength is reported as failed, not copied */
      CHECK(!spec[GK_VSL_EMP].converged[i] || spec[GK_VSL_EMP].chi2_I[i] > 0);
    }
    gk_vsl_fit_free(&f);
  }
  if (getenv("GK_TEST_VERBOSE")) printf("  emp matrix: %d of %d wavelengths differ from their own fit\n", nbad, NW);
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_spectrum_free(&spec[m]);
  free(z);
}

/* The old --matrix condition re-created: a neighbour's answer tried alone
 * as the start, and trusted when the fit from it converged. For emp data
 * of 48 wavelengths with parameters jumping between them, every other
 * wavelength's fitted theta is tried as the warm start of each wavelength.
 * A plain single-start gk_fit from it (the old code's behaviour) must fall
 * into a worse converged minimum for some pairs (so this test bites: the
 * old code returned that minimum), and gk_vsl_fit_model_ with that warm
 * start must still reach the wavelength's own optimum. */
typedef struct emp_ctx { const double *L; size_t n; } emp_ctx;
static int emp_model(const double *th, double *y, void *c)
{
  const emp_ctx *e = c;
  return gk_vsl_intensity(GK_VSL_EMP, th, e->L, e->n, y, NULL) == GK_OK ? 0 : 1;
}

static void test_matrix_warm_trap(void)
{
  enum { NW = 16, NL = 25 };
  double L[NL], z[NW * NL], th[NW][3];
  for (size_t j = 0; j < NL; j++) L[j] = 0.01 + 0.49 * (double)j / (NL - 1);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  for (size_t i = 0; i < NW; i++) {
    double phys[3] = {10 + 50 * gsl_rng_uniform(r), 5, 0.05 * pow(40, gsl_rng_uniform(r))}, t[3];
    gk_vsl_theta_from_physical(GK_VSL_EMP, phys, t);
    gk_vsl_intensity(GK_VSL_EMP, t, L, NL, z + i * NL, NULL);
    for (size_t j = 0; j < NL; j++) z[i * NL + j] *= 1 + 0.03 * gsl_ran_gaussian(r, 1);
  }
  gsl_rng_free(r);
  double own[NW];
  gk_error e;
  for (size_t i = 0; i < NW; i++) {
    gk_vsl_data d = {.n = NL, .L = L, .intensity = z + i * NL, .weighting = GK_WEIGHT_RELATIVE};
    gk_vsl_fit f;
    CHECK_INT(gk_vsl_fit_model(&d, GK_VSL_EMP, &f, &e), GK_OK);
    own[i] = f.chi2;
    memcpy(th[i], f.theta, sizeof th[i]);
    gk_vsl_fit_free(&f);
  }
  size_t traps = 0, bad = 0;
  emp_ctx ec = {L, NL};
  for (size_t i = 0; i < NW; i++)
    for (size_t k = 0; k < NW; k++) {
      if (k == i) continue;
      gk_param par[3] = {{"g", NULL, th[k][0], -INFINITY, INFINITY, 0}, {"lnA", NULL, th[k][1], -INFINITY, INFINITY, 0},
                         {"lnLs", NULL, th[k][2], -INFINITY, INFINITY, 0}};
      gk_fit_problem pr = {.n = NL, .p = 3, .y = z + i * NL, .weighting = GK_WEIGHT_RELATIVE, .model = emp_model,
                           .ctx = &ec, .param = par};
      gk_fit_result fr;
      if (gk_fit(&pr, NULL, &fr, NULL) == GK_OK) {
        traps += fr.converged && fr.chi2 > own[i] * (1 + 1e-3);
        gk_fit_result_free(&fr);
      }
      gk_vsl_data d = {.n = NL, .L = L, .intensity = z + i * NL, .weighting = GK_WEIGHT_RELATIVE};
      gk_vsl_fit f;
      CHECK_INT(gk_vsl_fit_model_(&d, GK_VSL_EMP, NULL, th[k], &f, &e), GK_OK);
      int same = f.converged && f.chi2 <= own[i] * (1 + 1e-6) + 1e-12;
      bad += !same;
      if (!same) printf("  wavelength %zu, warm from %zu: chi2 %.8g vs own %.8g\n", i, k, f.chi2, own[i]);
      gk_vsl_fit_free(&f);
    }
  printf("  warm starts that trap a plain single-start fit: %zu of %d\n", traps, NW * (NW - 1));
  CHECK_MSG(traps > 0, "no warm start traps a single-start fit: the test would not fail on the old code");
  CHECK_MSG(bad == 0, "%zu warm-started fits missed their own optimum", bad);
}

/* The reported chi2 is the chi2 of the residuals minimised, whatever the
 * engine's own number says. The old code copied the engine's chi2, and a
 * non-finite value from its last step was printed as "chi2": null for a
 * finite fit: that condition is re-created here (an engine result with
 * chi2 = INFINITY at a good theta), and the reported chi2, chi2_red and
 * AICc must be the residuals' (computed here independently). */
static void test_chi2_from_residuals(void)
{
  enum { N = 15 };
  double L[N], I[N], sg[N], th[2] = {20, log(50)};
  for (size_t i = 0; i < N; i++) {
    L[i] = 0.02 * (i + 1);
    I[i] = 50 / 20.0 * expm1(20 * L[i]) * (1 + 0.02 * ((i % 3) - 1.0));
    sg[i] = 0.02 * I[i] + 1;
  }
  gk_vsl_data d = {.n = N, .L = L, .intensity = I, .sigma = sg, .weighting = GK_WEIGHT_SIGMA};
  double c2 = 0, y[N];
  gk_vsl_intensity(GK_VSL_VSL1, th, L, N, y, NULL);
  for (size_t i = 0; i < N; i++) c2 += pow((y[i] - I[i]) / sg[i], 2);
  double val[2] = {th[0], th[1]}, se[2] = {0.1, 0.01}, cov[4] = {0.01, 0, 0, 1e-4};
  gk_fit_result r = {.n = N, .p = 2, .n_free = 2, .value = val, .se = se, .cov = cov, .chi2 = INFINITY,
                     .chi2_red = INFINITY, .aic = INFINITY, .aicc = INFINITY, .bic = INFINITY, .dof = N - 2,
                     .converged = 1, .cov_ok = 1};
  gk_vsl_fit f;
  memset(&f, 0, sizeof f);
  f.model = GK_VSL_VSL1, f.ntheta = 2, f.n = N, f.ok = 1;
  f.yhat = malloc(N * sizeof *f.yhat);
  gk_vsl_finish_(&d, &f, &r);
  CHECK_MSG(isfinite(f.chi2), "chi2 %g", f.chi2);
  CHECK_CLOSE(f.chi2, c2, 1e-12);
  CHECK_CLOSE(f.chi2_red, c2 / (N - 2), 1e-12);
  CHECK(isfinite(f.aicc));
  CHECK_CLOSE(f.chi2_I, c2, 1e-12);
  free(f.yhat);
}

/* ---- sat-exact: the global optimum in every regime --------------------
 * Reference: an independent multi-start of the plain sat-exact least
 * squares (gk_fit on gk_vsl_intensity, no gainkit start logic) from the
 * truth and 26 points around it (gamma x {0.5, 1, 2}, alpha x {0.2, 1, 5},
 * Is x {0.1, 1, 10}); the lowest chi2 reached is the reference optimum.
 * gk_vsl_fit_model must reach it (to 1e-6 relative) in every regime:
 * A/(gamma Is) from 1e-6 to 1, gamma L from 0.5 to 50, alpha/gamma 0.05
 * (no plateau in range), 0.2 and 0.6 (plateau reached at long gamma L). */
static int sx_model(const double *th, double *y, void *ctx)
{
  const synth *s = ctx;
  return gk_vsl_intensity(GK_VSL_SATEXACT, th, s->L, s->n, y, NULL);
}
static int sx_jac(const double *th, double *J, void *ctx)
{
  const synth *s = ctx;
  double I[64];
  return gk_vsl_intensity(GK_VSL_SATEXACT, th, s->L, s->n, I, J);
}

static double sx_reference(const synth *s, const double *truth_theta, double *best_theta)
{
  gk_param par[4] = {{.name = "gamma", .lo = -INFINITY, .hi = INFINITY},
                     {.name = "alpha", .lo = 0, .hi = INFINITY},
                     {.name = "lnA", .lo = -INFINITY, .hi = INFINITY},
                     {.name = "lnIs", .lo = -INFINITY, .hi = INFINITY}};
  gk_fit_problem prob = {.n = s->n, .p = 4, .y = s->intensity, .sigma = s->sigma, .weighting = GK_WEIGHT_SIGMA,
                         .absolute_sigma = 1, .model = sx_model, .jac = sx_jac, .ctx = (void *)s, .param = par};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  opt.max_iter = 400;  /* starts running off towards infinity stop sooner */
  double best = INFINITY;
  const double fg[] = {1, 0.5, 2}, fa[] = {1, 0.2, 5}, fs[] = {1, 0.1, 10};
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 3; c++) {
        par[0].init = truth_theta[0] * fg[a];
        par[1].init = truth_theta[1] * fa[b];
        par[3].init = truth_theta[3] + log(fs[c]);
        par[2].init = truth_theta[2] + log(fs[c]);
        gk_fit_result r;
        gk_error e;
        memset(&r, 0, sizeof r);
        if (gk_fit(&prob, &opt, &r, &e) == GK_OK) {
          if (r.chi2 < best) { best = r.chi2; memcpy(best_theta, r.value, 4 * sizeof *best_theta); }
          gk_fit_result_free(&r);
        }
      }
  return best;
}

static void test_satexact_regimes(void)
{
  const double ratio[] = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1}, gl[] = {0.5, 2, 5, 10, 20, 50}, af[] = {0.05, 0.2, 0.6};
  int nbad = 0, nall = 0;
  for (size_t a = 0; a < 6; a++)
    for (size_t b = 0; b < 6; b++)
      for (size_t c = 0; c < 3; c++) {
        double Lm = 0.1, gam = gl[b] / Lm, Is = 2e4, A = ratio[a] * gam * Is;
        double phys[4] = {gam, af[c] * gam, A, Is}, th[4], ref_th[4];
        synth s;
        make_synth(&s, GK_VSL_SATEXACT, phys, 20, Lm / 20, Lm, 0.03, 100 + 18 * a + 3 * b + c);
        gk_vsl_theta_from_physical(GK_VSL_SATEXACT, phys, th);
        double ref = sx_reference(&s, th, ref_th);
        gk_vsl_data d = data_of(&s, GK_WEIGHT_SIGMA);
        gk_vsl_fit f;
        gk_error e;
        int rc = gk_vsl_fit_model(&d, GK_VSL_SATEXACT, &f, &e);
        nall++;
        /* (A/(gamma Is) = 1, gamma L = 0.5, alpha/gamma = 0.6 — nearly
         * linear data — was a known miss: a converged local minimum, chi2
         * 12.56 at alpha = 0 without saturation, replaced the lower
         * non-converged valley towards gamma -> infinity, alpha = 0
         * (11.68; the reference 11.85). test_satexact_valley checks that
         * case against a dense grid.) */
        /* converged: exactly the global optimum; not converged (the
         * lowest chi2 lies at parameters running off to infinity, the
         * reference's as well): within 0.5 of it in chi2 */
        /* (converged: + 1e-3 in chi2 for flat valleys towards infinity,
         * where the convergence test stops ~1e-4 short of the reference;
         * statistically immaterial, 1e-3 << 1) */
        int good = rc == GK_OK && f.ok &&
                   (f.chi2 <= ref * (1 + 1e-6) + 1e-3 || (!f.converged && f.chi2 <= ref + 0.5));
        if (!good) nbad++;
        CHECK_MSG(good, "A/(gamma Is) %g, gamma L %g, alpha/gamma %g: chi2 %.6g (conv %d, g %.5g, alpha %.4g), global %.6g "
                        "(g %.5g, alpha %.4g)", ratio[a], gl[b], af[c], rc == GK_OK ? f.chi2 : NAN, rc == GK_OK ? f.converged : -1,
                  rc == GK_OK ? f.value[4] : NAN, rc == GK_OK ? f.value[1] : NAN, ref, ref_th[0] - ref_th[1], ref_th[1]);
        if (rc == GK_OK) {
          /* the chi2 reported is that of the residuals minimised */
          double c2 = 0;
          for (size_t i = 0; i < s.n; i++) c2 += pow((f.yhat[i] - s.intensity[i]) / s.sigma[i], 2);
          CHECK_MSG(isfinite(f.chi2) && fabs(f.chi2 - c2) <= 1e-6 * c2 + 1e-12, "chi2 %g, recomputed %g", f.chi2, c2);
          gk_vsl_fit_free(&f);
        }
      }
  if (getenv("GK_TEST_VERBOSE")) printf("  sat-exact regime scan: %d of %d fits short of the global optimum\n", nbad, nall);
}

/* The regime scan's former miss (A/(gamma Is) = 1, gamma L = 0.5,
 * alpha/gamma = 0.6, its noise draw): the lowest chi2 lies on a valley
 * towards gamma -> infinity at alpha = 0, so the fit must end there, below
 * the converged local minimum at alpha = 0 without saturation (12.56),
 * and say it did not converge. Independent number: chi2 profiled on a
 * dense grid of (g Lmax, alpha Lmax, A Lmax/Is) with the scale Is in
 * closed form (I = Is u is linear in Is), written here, not the library's
 * start grid. */
static void test_satexact_valley(void)
{
  double Lm = 0.1, gam = 5, phys[4] = {gam, 0.6 * gam, gam * 2e4, 2e4};
  synth s;
  make_synth(&s, GK_VSL_SATEXACT, phys, 20, Lm / 20, Lm, 0.03, 100 + 18 * 5 + 0 + 2);
  double grid = INFINITY, grid_gl = 0, at_small = INFINITY;
  const double als[] = {0, 0.03, 0.3, 3};
  for (size_t ia = 0; ia < 4; ia++)
    for (int ig = 0; ig <= 40; ig++) {
      double gl = 0.05 * pow(1e4, ig / 40.0);  /* g Lmax 0.05 .. 500 */
      for (double la = -8; la <= 10; la += 0.1) {
        double al = als[ia] / Lm, th[4] = {gl / Lm + al, al, la - log(Lm), 0}, u[64], suu = 0, syu = 0, syy = 0;
        if (gk_vsl_intensity(GK_VSL_SATEXACT, th, s.L, s.n, u, NULL) != GK_OK) continue;
        for (size_t i = 0; i < s.n; i++) {
          double w = 1 / (s.sigma[i] * s.sigma[i]);
          suu += w * u[i] * u[i], syu += w * u[i] * s.intensity[i], syy += w * s.intensity[i] * s.intensity[i];
        }
        if (!(syu > 0) || !(suu > 0)) continue;
        double c2 = syy - syu * syu / suu;
        if (c2 < grid) grid = c2, grid_gl = gl;
        if (gl < 0.1 && c2 < at_small) at_small = c2;
      }
    }
  gk_vsl_data d = data_of(&s, GK_WEIGHT_SIGMA);
  gk_vsl_fit f;
  gk_error e;
  CHECK_INT(gk_vsl_fit_model(&d, GK_VSL_SATEXACT, &f, &e), GK_OK);
  printf("  valley case: fit chi2 %.5g (converged %d, g %.4g), grid minimum %.5g at g Lmax %.3g, grid near g -> 0 %.5g\n",
         f.chi2, f.converged, f.value[4], grid, grid_gl, at_small);
  /* the grid's lowest point is at its largest g (the valley goes on) and
   * well below the alpha = 0 no-saturation minimum: the case tests what
   * it should */
  CHECK(grid_gl > 100 && grid < 12.56 - 0.5);
  CHECK_MSG(f.chi2 <= grid + 0.2, "fit chi2 %g above the grid's %g", f.chi2, grid);
  /* Session 8 (the local fits in the homogeneous form, src/vsl/satlimit.c):
   * the valley does not go on to infinity. Beyond the grid's end (g Lmax
   * 500) it has a finite minimum at alpha = 0, g Lmax ~ 1377, chi2 11.6786
   * below the grid's 11.683, and rises again to the limit g -> infinity
   * (I = B L, chi2 14.79); checked independently with scipy's solve_ivp
   * along g (note s8-satx8). The session-7 assertion "not converged"
   * held only while no start reached that minimum. Now: either a fit that
   * says it did not converge (sinking towards a limit), or a converged one
   * whose chi2, recomputed by GSL ODE integration of Eq. 4 at its
   * parameters, is at or below the grid's minimum. */
  if (f.converged) {
    double fp[4] = {f.value[0], f.value[1], f.value[2], f.value[3]}, c2 = 0;
    for (size_t i = 0; i < s.n; i++) c2 += pow((ode_I(fp, s.L[i]) - s.intensity[i]) / s.sigma[i], 2);
    CHECK_MSG(fabs(c2 - f.chi2) <= 1e-6 * f.chi2 && c2 <= grid, "converged: ODE chi2 %.8g, fit %.8g, grid %.8g", c2,
              f.chi2, grid);
  }
  gk_vsl_fit_free(&f);
}

/* vsl2's background amplitude A2 >= 0: on data without background whose
 * noise pulls the unconstrained A2 negative, A2 sits at its bound 0, the
 * bound is reported, and the fit is then vsl1's (same g and chi2: the
 * independent number). */
static void test_vsl2_bound(void)
{
  int nbound = 0;
  for (unsigned long seed = 40; seed < 52; seed++) {
    synth s;
    make_synth(&s, GK_VSL_VSL1, (double[]){30, 40}, 25, 0.02, 0.3, 0.04, seed);
    gk_vsl_data d = data_of(&s, GK_WEIGHT_SIGMA);
    gk_vsl_fit f2, f1;
    gk_error e;
    CHECK(gk_vsl_fit_model(&d, GK_VSL_VSL2, &f2, &e) == GK_OK && f2.ok);
    CHECK(gk_vsl_fit_model(&d, GK_VSL_VSL1, &f1, &e) == GK_OK && f1.converged);
    CHECK_MSG(f2.value[2] >= 0, "seed %lu: A2 = %g < 0", seed, f2.value[2]);
    /* the unconstrained linear least squares at vsl1's g: the sign of
     * its A2 says whether the bound must be active */
    double g = f1.value[0], see = 0, sel = 0, sll = 0, sey = 0, sly = 0;
    for (size_t i = 0; i < s.n; i++) {
      double w = 1 / (s.sigma[i] * s.sigma[i]), x = expm1(g * s.L[i]) / g;
      see += w * x * x; sel += w * x * s.L[i]; sll += w * s.L[i] * s.L[i];
      sey += w * x * s.intensity[i]; sly += w * s.L[i] * s.intensity[i];
    }
    double a2_free = (see * sly - sel * sey) / (see * sll - sel * sel);
    if (f2.a2_at_bound) {
      nbound++;
      CHECK_CLOSE(f2.value[0], f1.value[0], 1e-5);
      CHECK_CLOSE(f2.chi2, f1.chi2, 1e-7);
      CHECK(f2.nwarn > 0 && strstr(f2.warn[f2.nwarn - 1], "bound") != NULL);
    } else {
      CHECK_MSG(f2.value[2] > 0 && f2.chi2 <= f1.chi2, "seed %lu: A2 %g, chi2 %g vs vsl1 %g", seed, f2.value[2], f2.chi2, f1.chi2);
    }
    (void)a2_free;
    gk_vsl_fit_free(&f2);
    gk_vsl_fit_free(&f1);
  }
  CHECK_MSG(nbound > 0, "no seed put A2 at its bound (the test needs one)");
}

/* The issue's case: Eq. 4 data with gamma 300, alpha 60, A 10, Is 2e4,
 * L <= 0.1 cm, 3 % noise. The fit reaches the global optimum (against the
 * independent multi-start above) with alpha > 0, and the recommendation
 * does not blame "extrinsic effects" on data of the model itself. */
static void test_satexact_issue_case(void)
{
  double phys[4] = {300, 60, 10, 2e4}, th[4], ref_th[4];
  synth s;
  make_synth(&s, GK_VSL_SATEXACT, phys, 20, 0.005, 0.1, 0.03, 1);
  gk_vsl_theta_from_physical(GK_VSL_SATEXACT, phys, th);
  double ref = sx_reference(&s, th, ref_th);
  gk_vsl_fit fits[GK_VSL_NMODELS];
  int rel;
  char why[400];
  int r = fit_all(&s, fits, &rel, why);
  const gk_vsl_fit *f = &fits[GK_VSL_SATEXACT];
  CHECK_MSG(f->ok && f->converged && f->chi2 <= ref * (1 + 1e-6), "chi2 %g, global %g", f->chi2, ref);
  CHECK_MSG(fabs(f->value[4] - 240) <= 3 * f->se[4] && f->value[1] > 3 * f->se[1], "g %g +- %g, alpha %g +- %g",
            f->value[4], f->se[4], f->value[1], f->se[1]);
  CHECK_MSG(strstr(why, "xtrinsic") == NULL && r >= 0, "recommendation %d: %s", r, why);
  free_all(fits);
}

/* Fit-window scan: on exponential (vsl1) data the small-signal model holds
 * over the whole range; on saturating data (sat, Eq. 3, Is reached inside
 * the range) the scan stops before the end, and g of the longest valid
 * window is nearer the generator's g (the independent number) than the
 * full-range fit's. 10 noise seeds each; up to 2 false alarms on the
 * exponential data are allowed for (the tests run at fixed significance:
 * 1 % chi2, runs z -2.5, drift 3 sigma). */
static void test_window_scan(void)
{
  int full = 0, stops = 0, covers = 0;
  for (unsigned long seed = 0; seed < 10; seed++) {
    synth s;
    make_synth(&s, GK_VSL_VSL1, (double[]){25, 40}, 30, 0.02, 0.45, 0.03, 200 + seed);
    gk_vsl_data d = data_of(&s, GK_WEIGHT_SIGMA);
    gk_vsl_window_scan ws;
    gk_error e;
    CHECK(gk_vsl_window_scan_run(&d, GK_VSL_VSL1, &ws, &e) == GK_OK);
    CHECK(ws.nw == 30 - 4 + 1 && ws.Lmax[ws.nw - 1] == s.L[29]);
    full += ws.longest == ws.nw - 1;
    gk_vsl_window_scan_free(&ws);
    /* saturating: g = 25, I(0.45) ~ 8e4 against Is = 2e3 */
    make_synth(&s, GK_VSL_SAT, (double[]){25, 40, 2000}, 30, 0.02, 0.45, 0.03, 300 + seed);
    d = data_of(&s, GK_WEIGHT_SIGMA);
    CHECK(gk_vsl_window_scan_run(&d, GK_VSL_VSL1, &ws, &e) == GK_OK);
    if (ws.longest < ws.nw - 1) stops++;
    /* g of the valid range is nearer the truth than the full-range fit's
     * (saturation already lowers it slightly inside the range where the
     * noise hides it: no exact coverage is to be expected) */
    if (ws.longest < ws.nw && fabs(ws.g[ws.longest] - 25) < fabs(ws.g[ws.nw - 1] - 25)) covers++;
    if (getenv("GK_TEST_VERBOSE"))
      printf("  window scan seed %lu: saturating data valid to L = %g cm, g = %g +- %g\n", seed,
             ws.longest < ws.nw ? ws.Lmax[ws.longest] : NAN, ws.longest < ws.nw ? ws.g[ws.longest] : NAN,
             ws.longest < ws.nw ? ws.g_se[ws.longest] : NAN);
    gk_vsl_window_scan_free(&ws);
  }
  CHECK_MSG(full >= 8, "exponential data: whole range valid in %d of 10 seeds", full);
  CHECK_MSG(stops == 10, "saturating data: the scan stopped before the end in %d of 10 seeds", stops);
  CHECK_MSG(covers == 10, "saturating data: g of the longest valid window nearer 25 than the full range's in %d of 10", covers);
}

/* The offset I0 (issue case: an 800-count offset under true g = 30): with
 * data.offset every model's fit is I = model + I0. vsl1 + I0 recovers g
 * within 3 se in every one of 10 noise seeds while plain vsl1 is biased;
 * and at the fitted g, A and I0 equal the closed-form two-column weighted
 * linear least squares (the independent number). */
static void test_offset(void)
{
  int covered = 0, biased = 0;
  for (unsigned long seed = 0; seed < 10; seed++) {
    synth s;
    make_synth(&s, GK_VSL_VSL1, (double[]){30, 400}, 25, 0.02, 0.3, 0.02, 500 + seed);
    for (size_t i = 0; i < s.n; i++) s.intensity[i] += 800;
    gk_vsl_data d = data_of(&s, GK_WEIGHT_SIGMA);
    gk_vsl_fit f0, f1;
    gk_error e;
    CHECK(gk_vsl_fit_model(&d, GK_VSL_VSL1, &f0, &e) == GK_OK);
    d.offset = 1;
    CHECK(gk_vsl_fit_model(&d, GK_VSL_VSL1, &f1, &e) == GK_OK && f1.converged && f1.has_offset);
    covered += fabs(f1.value[0] - 30) <= 3 * f1.se[0];
    biased += fabs(f0.value[0] - 30) > 3 * f0.se[0];
    double g = f1.value[0], see = 0, se1 = 0, s11 = 0, sey = 0, s1y = 0;
    for (size_t i = 0; i < s.n; i++) {
      double w = 1 / (s.sigma[i] * s.sigma[i]), x = expm1(g * s.L[i]) / g;
      see += w * x * x; se1 += w * x; s11 += w; sey += w * x * s.intensity[i]; s1y += w * s.intensity[i];
    }
    double det = see * s11 - se1 * se1, A = (sey * s11 - se1 * s1y) / det, I0 = (see * s1y - se1 * sey) / det;
    CHECK_CLOSE(f1.value[1], A, 1e-6);
    CHECK_CLOSE(f1.I0, I0, 1e-6);
    /* every model accepts the offset */
    for (int m = 0; m < GK_VSL_NMODELS; m++) {
      gk_vsl_fit fm;
      int rc = gk_vsl_fit_model(&d, (gk_vsl_model)m, &fm, &e);
      CHECK_MSG(rc == GK_OK && fm.ok && fm.has_offset && !fm.residual_in_L, "%s with offset: rc %d",
                gk_vsl_model_name((gk_vsl_model)m), rc);
      gk_vsl_fit_free(&fm);
    }
    gk_vsl_fit_free(&f0);
    gk_vsl_fit_free(&f1);
  }
  CHECK_MSG(covered >= 9, "vsl1 + I0: g within 3 se of 30 in %d of 10 seeds", covered);
  CHECK_MSG(biased == 10, "plain vsl1 biased in %d of 10 seeds (the test needs the offset to matter)", biased);
}

/* Bad inputs are reported with file and line. */
/* chi2 of the Ahn et al. form at fixed g with (A, B) from an independent
 * weighted linear least squares (GSL's multifit), for the brute-force
 * optimum below. */
static double ahn_ls(const double *L, const double *I, const double *sg, size_t n, double g, double *A, double *B)
{
  gsl_matrix *X = gsl_matrix_alloc(n, 2), *cov = gsl_matrix_alloc(2, 2);
  gsl_vector *y = gsl_vector_alloc(n), *w = gsl_vector_alloc(n), *c = gsl_vector_alloc(2);
  gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, 2);
  for (size_t i = 0; i < n; i++) {
    gsl_matrix_set(X, i, 0, L[i]);
    gsl_matrix_set(X, i, 1, exp(g * L[i]));
    gsl_vector_set(y, i, I[i]);
    gsl_vector_set(w, i, 1 / (sg[i] * sg[i]));
  }
  double chi2;
  gsl_multifit_wlinear(X, w, y, c, cov, &chi2, ws);
  *A = gsl_vector_get(c, 0), *B = gsl_vector_get(c, 1);
  gsl_matrix_free(X), gsl_matrix_free(cov), gsl_vector_free(y), gsl_vector_free(w), gsl_vector_free(c);
  gsl_multifit_linear_free(ws);
  return *B > 0 ? chi2 : INFINITY;
}

/* The form I = A L + B e^{gL} of Ahn, Livache, Pinchetti, Klimov, Chem.
 * Rev. 2023 as the model "ahn": exact data are recovered to 1e-6; on
 * noisy data (3 % relative noise, sigma weights, 10 seeds) the fit's chi2
 * equals the brute-force global minimum (a scan of g on a 1e-4 cm^-1 grid
 * around the best of a coarse scan, with (A, B) by GSL's weighted linear
 * least squares at each g) to 1e-6, its A and B equal that linear solution
 * at its own g, and the truth lies within 3 standard errors of g in at
 * least 8 of 10 seeds. The recommendation never picks it. */
static void test_ahn(void)
{
  check_jac(GK_VSL_AHN, (double[]){20, 50, 3}, 0.3, "ahn");
  CHECK_STR(gk_vsl_model_name(GK_VSL_AHN), "ahn");
  CHECK_INT(gk_vsl_model_from_name("ahn"), GK_VSL_AHN);
  enum { N = 24 };
  const double gt = 25, At = 100, Bt = 5;
  double L[N], I[N], sg[N];
  for (size_t i = 0; i < N; i++) {
    L[i] = 0.3 * (i + 1) / N;
    I[i] = At * L[i] + Bt * exp(gt * L[i]);
    sg[i] = 1;
  }
  gk_vsl_data d = {.n = N, .L = L, .intensity = I, .weighting = GK_WEIGHT_NONE};
  gk_vsl_fit f;
  gk_error e;
  CHECK_INT(gk_vsl_fit_model(&d, GK_VSL_AHN, &f, &e), GK_OK);
  CHECK(f.converged);
  CHECK_CLOSE(f.value[0], gt, 1e-6);
  CHECK_CLOSE(f.value[1], At, 1e-6);
  CHECK_CLOSE(f.value[2], Bt, 1e-6);
  gk_vsl_fit_free(&f);
  size_t covered = 0;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  for (unsigned long seed = 1; seed <= 10; seed++) {
    gsl_rng_set(rng, seed);
    for (size_t i = 0; i < N; i++) {
      double y = At * L[i] + Bt * exp(gt * L[i]);
      sg[i] = 0.03 * y;
      I[i] = y + gsl_ran_gaussian(rng, sg[i]);
    }
    gk_vsl_data dn = {.n = N, .L = L, .intensity = I, .sigma = sg, .weighting = GK_WEIGHT_SIGMA};
    CHECK_INT(gk_vsl_fit_model(&dn, GK_VSL_AHN, &f, &e), GK_OK);
    CHECK_MSG(f.converged, "seed %lu: %s", seed, f.reason);
    /* brute force: coarse scan of g over -20..200, then 1e-4 steps */
    double best = INFINITY, bg = 0, A, B;
    for (double g = -20; g <= 200; g += 0.05) {
      double c = ahn_ls(L, I, sg, N, g, &A, &B);
      if (c < best) best = c, bg = g;
    }
    for (double g = bg - 0.05; g <= bg + 0.05; g += 1e-4) {
      double c = ahn_ls(L, I, sg, N, g, &A, &B);
      if (c < best) best = c;
    }
    CHECK_MSG(f.chi2 <= best * (1 + 1e-6), "seed %lu: chi2 %.10g vs brute-force %.10g", seed, f.chi2, best);
    ahn_ls(L, I, sg, N, f.value[0], &A, &B);
    CHECK_CLOSE(f.value[1], A, 1e-6);
    CHECK_CLOSE(f.value[2], B, 1e-6);
    covered += fabs(f.value[0] - gt) <= 3 * f.se[0];
    gk_vsl_fit_free(&f);
  }
  gsl_rng_free(rng);
  CHECK_MSG(covered >= 8, "g within 3 se in %zu of 10 seeds", covered);
  /* in a full comparison it is fitted but never the recommendation */
  gk_vsl_fit fits[GK_VSL_NMODELS];
  gk_vsl_data dn = {.n = N, .L = L, .intensity = I, .sigma = sg, .weighting = GK_WEIGHT_SIGMA};
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    memset(&fits[m], 0, sizeof fits[m]);
    if (gk_vsl_fit_model(&dn, m, &fits[m], &e) != GK_OK) fits[m].ok = 0;
  }
  CHECK(fits[GK_VSL_AHN].ok);
  int rel;
  char why[512];
  CHECK(gk_vsl_recommend(&dn, fits, &rel, why, sizeof why) != GK_VSL_AHN);
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_fit_free(&fits[m]);
}

static void test_bad_input(void)
{
  double L[4] = {0.1, 0.2, 0.2, 0.4}, I[4] = {1, 2, 3, 4};
  long line[4] = {3, 4, 5, 6};
  gk_vsl_data d = {.n = 4, .L = L, .intensity = I, .line = line, .path = "x.csv"};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_vsl_check(&d, &e), GK_EINPUT);
  CHECK_INT(e.line, 5);
  L[2] = 0.15;
  CHECK_INT(gk_vsl_check(&d, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "increase") != NULL);
  L[2] = 0.3; L[0] = -0.1;
  CHECK_INT(gk_vsl_check(&d, &e), GK_EINPUT);
  CHECK_INT(e.line, 3);
  L[0] = 0.1;
  double Z[4] = {0};
  d.intensity = Z;
  CHECK_INT(gk_vsl_check(&d, &e), GK_EINPUT);
  d.intensity = I;
  CHECK_INT(gk_vsl_check(&d, &e), GK_OK);
  gk_vsl_fit f;
  d.n = 3;
  CHECK_INT(gk_vsl_fit_model(&d, GK_VSL_SATEXACT, &f, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "fewer") != NULL);
}

/* GK_TEST_ONLY=substring runs only the matching tests (development) */
#define RUNF(fn) do { const char *o_ = getenv("GK_TEST_ONLY"); if (!o_ || strstr(#fn, o_)) RUN(fn); } while (0)

int main(void)
{
  RUNF(test_jacobians);
  RUNF(test_limits);
  RUNF(test_satexact_vs_ode);
  RUNF(test_sat_is_alpha0);
  RUNF(test_recover_exact);
  RUNF(test_recover_noisy);
  RUNF(test_independent_ls);
  RUNF(test_vsl2_linear);
  RUNF(test_recommend);
  RUNF(test_spectral);
  RUNF(test_spectral_all_models);
  RUNF(test_spectral_own_data);
  RUNF(test_matrix_warm_trap);
  RUNF(test_chi2_from_residuals);
  RUNF(test_satexact_regimes);
  RUNF(test_satexact_valley);
  RUNF(test_vsl2_bound);
  RUNF(test_satexact_issue_case);
  RUNF(test_window_scan);
  RUNF(test_offset);
  RUNF(test_ahn);
  RUNF(test_bad_input);
  return gk_test_summary();
}
