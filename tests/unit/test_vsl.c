/* VSL models (gainkit/vsl.h): model functions against independent
 * numbers (closed forms, GSL ODE integration, finite differences), fits
 * recovering known parameters, the recommendation, spectral fits. */
#include "gk_test.h"
#include "gainkit/vsl.h"
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

int main(void)
{
  RUN(test_jacobians);
  RUN(test_limits);
  RUN(test_satexact_vs_ode);
  RUN(test_sat_is_alpha0);
  return gk_test_summary();
}
