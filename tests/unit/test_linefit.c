/* Lasing-line fit (src/cavity/linefit.c): Q from synthetic Lorentzian lines
 * of known width (with and without noise), the Lorentzian width of a Voigt
 * line with a known Gaussian instrument (data built by direct numerical
 * convolution, a second method), unresolved lines flagged, J_th scaling. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gainkit/cavity.h"
#include "gk_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static unsigned long long rs = 88172645463325252ULL;
static double urand(void)
{
  rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
  return ((rs >> 11) + 0.5) / 9007199254740992.0;
}
static double grand(void) { return sqrt(-2 * log(urand())) * cos(2 * M_PI * urand()); }

static void test_lorentz(void)
{
  enum { N = 401 };
  double x[N], y[N];
  double x0 = 530.02, w = 0.3, A = 1000, B = 50;
  for (int i = 0; i < N; i++) {
    x[i] = 528 + 4.0 * i / (N - 1);
    double d = (x[i] - x0) / (0.5 * w);
    y[i] = B + A / (1 + d * d);
  }
  gk_line_fit f;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_cavity_line_fit(x, y, N, 0, &f, &e), GK_OK);
  CHECK(f.converged && f.resolved);
  CHECK_CLOSE(f.fwhm_lorentz_nm, w, 1e-8);
  CHECK_CLOSE(f.center_nm, x0, 1e-10);
  CHECK_CLOSE(f.q, x0 / w, 1e-8);
  gk_line_fit_free(&f);
  /* noise sigma 1 % of the peak: width within 3 standard errors, and the
   * standard error itself of the right size (a few 1e-3 relative) */
  for (int i = 0; i < N; i++) y[i] += 10 * grand();
  CHECK_INT(gk_cavity_line_fit(x, y, N, 0, &f, &e), GK_OK);
  fprintf(stderr, "noisy Lorentzian: FWHM %.5f +- %.5f nm (true %.3f), Q %.1f +- %.1f\n", f.fwhm_lorentz_nm,
          f.fwhm_lorentz_se, w, f.q, f.q_se);
  CHECK(fabs(f.fwhm_lorentz_nm - w) < 3 * f.fwhm_lorentz_se);
  CHECK(f.fwhm_lorentz_se > 1e-4 * w && f.fwhm_lorentz_se < 2e-2 * w);
  CHECK(fabs(f.q - x0 / w) < 3 * f.q_se);
  gk_line_fit_free(&f);
}

/* Voigt data by a direct Riemann sum of L(x - t) G(t) on a 1e-4 nm grid
 * over +-12 sigma (independent of the library's adaptive quadrature). */
static void voigt_data(const double *x, double *y, int n, double x0, double wl, double wg)
{
  double gam = 0.5 * wl, sig = wg / (2 * sqrt(2 * log(2))), h = 1e-4;
  int m = (int)(12 * sig / h);
  double peak = 0;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < (pass ? n : 1); i++) {
      double u = pass ? x[i] - x0 : 0, s = 0;
      for (int k = -m; k <= m; k++) {
        double t = k * h, d = u - t;
        s += exp(-0.5 * t * t / (sig * sig)) * gam / (d * d + gam * gam);
      }
      if (!pass) peak = s;
      else y[i] = 20 + 500 * s / peak;
    }
}

static void test_voigt(void)
{
  enum { N = 301 };
  double x[N], y[N];
  for (int i = 0; i < N; i++) x[i] = 529 + 2.0 * i / (N - 1);
  voigt_data(x, y, N, 530, 0.1, 0.3);
  gk_line_fit f;
  gk_error e;
  gk_error_clear(&e);
  /* instrument (Gaussian 0.3 nm) fixed: the Lorentzian width deconvolved */
  CHECK_INT(gk_cavity_line_fit(x, y, N, 0.3, &f, &e), GK_OK);
  fprintf(stderr, "Voigt, instrument fixed: w_L %.6f (true 0.1), total %.5f\n", f.fwhm_lorentz_nm, f.fwhm_total_nm);
  CHECK(f.converged && f.resolved);
  CHECK_CLOSE(f.fwhm_lorentz_nm, 0.1, 1e-4);
  CHECK_CLOSE(f.q, 530 / 0.1, 1e-4);
  /* total width vs the Olivero-Longbothum deconvolution run backwards */
  CHECK_CLOSE(gk_cavity_deconvolve_lorentz_nm(f.fwhm_total_nm, 0.3, 1), f.fwhm_lorentz_nm, 1e-9);
  gk_line_fit_free(&f);
  /* both widths free */
  CHECK_INT(gk_cavity_line_fit(x, y, N, -1, &f, &e), GK_OK);
  fprintf(stderr, "Voigt, both free: w_L %.6f w_G %.6f\n", f.fwhm_lorentz_nm, f.fwhm_gauss_nm);
  CHECK_CLOSE(f.fwhm_lorentz_nm, 0.1, 1e-3);
  CHECK_CLOSE(f.fwhm_gauss_nm, 0.3, 1e-3);
  gk_line_fit_free(&f);
  /* a Lorentzian fit of the same Voigt line is wider than w_L: the
   * instrument must be given to get the cavity's width */
  CHECK_INT(gk_cavity_line_fit(x, y, N, 0, &f, &e), GK_OK);
  CHECK(f.fwhm_lorentz_nm > 0.2);
  gk_line_fit_free(&f);
}

static void test_unresolved_and_errors(void)
{
  enum { N = 201 };
  double x[N], y[N];
  for (int i = 0; i < N; i++) x[i] = 529 + 2.0 * i / (N - 1);
  /* w_L 1e-4 nm under a 0.3 nm instrument with 1 % noise: not determined */
  voigt_data(x, y, N, 530, 1e-4, 0.3);
  for (int i = 0; i < N; i++) y[i] += 5 * grand();
  gk_line_fit f;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_cavity_line_fit(x, y, N, 0.3, &f, &e), GK_OK);
  fprintf(stderr, "unresolved: w_L %.3g +- %.3g, resolved %d\n", f.fwhm_lorentz_nm, f.fwhm_lorentz_se, f.resolved);
  CHECK(!f.resolved);
  gk_line_fit_free(&f);
  CHECK_INT(gk_cavity_line_fit(x, y, 4, 0, &f, &e), GK_EUSAGE);
  double flat[N];
  for (int i = 0; i < N; i++) flat[i] = 3;
  CHECK_INT(gk_cavity_line_fit(x, flat, N, 0, &f, &e), GK_EUSAGE);
  double xb[N];
  for (int i = 0; i < N; i++) xb[i] = x[N - 1 - i];
  CHECK_INT(gk_cavity_line_fit(xb, y, N, 0, &f, &e), GK_EUSAGE);
}

static void test_jth(void)
{
  /* J_th ∝ V / (PLQY Q_em tau_p): doubling tau_p halves it, doubling V doubles it */
  CHECK_CLOSE(gk_cavity_jth_ratio(1, 0.5, 50, 1e-12, 1, 0.5, 50, 2e-12), 0.5, 1e-15);
  CHECK_CLOSE(gk_cavity_jth_ratio(1, 0.5, 50, 1e-12, 2, 0.25, 50, 1e-12), 4, 1e-15);
  CHECK(isnan(gk_cavity_jth_ratio(1, 0, 50, 1e-12, 1, 0.5, 50, 1e-12)));
}

int main(void)
{
  test_lorentz();
  test_voigt();
  test_unresolved_and_errors();
  test_jth();
  return gk_test_summary();
}
