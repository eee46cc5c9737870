/* Second-order DFB: the radiation coupling zeta (src/cavity/dfb.c) against
 * an independent finite-difference solution of the radiated field, and the
 * threshold with radiation against a direct integration of the coupled-wave
 * equations (shooting). */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gainkit/cavity.h"
#include "gainkit/modes.h"
#include "gk_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef double complex cplx;

/* air / film 2.0 (120 nm) / grating layer (40 nm, averaged index) / 1.46 at 530 nm */
static void make_guide(gk_guide *g, double ngr)
{
  const double n[] = {1.0, 2.0, ngr, 1.46}, k[] = {0, 0, 0, 0}, t[] = {0, 120, 40, 0};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_guide_init(g, 4, n, k, t, 530, &e), GK_OK);
}

/* Thomas algorithm for a complex tridiagonal system (a sub, b diag, c super) */
static void tridiag(size_t n, cplx *a, cplx *b, cplx *c, cplx *d)
{
  for (size_t i = 1; i < n; i++) {
    cplx w = a[i] / b[i - 1];
    b[i] -= w * c[i - 1];
    d[i] -= w * d[i - 1];
  }
  d[n - 1] /= b[n - 1];
  for (size_t i = n - 1; i-- > 0;) d[i] = (d[i] - c[i] * d[i + 1]) / b[i];
}

/* zeta from E_r'' + k0^2 eps E_r = -k0^2 eps1 E0 on a grid over the finite
 * layers, exact outgoing (Robin) conditions at both ends, e^{-i omega t}. */
static void test_zeta_vs_fd(void)
{
  double nhi = 1.46, nlo = 2.0, duty = 0.3;
  double eavg = duty * nhi * nhi + (1 - duty) * nlo * nlo;
  gk_guide g;
  make_guide(&g, sqrt(eavg));
  gk_modes m = {0};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_modes_find(&g, GK_MODES_TE, &m, &e), GK_OK);
  CHECK(m.n >= 1);
  double eps1 = gk_dfb_rect_eps_m(nhi * nhi, nlo * nlo, duty, 1);
  cplx z = 0;
  CHECK_INT(gk_dfb_radiation(&g, &m.mode[0], 2, eps1, &z, &e), GK_OK);
  fprintf(stderr, "zeta = %.8g %+.8gi cm^-1\n", creal(z), cimag(z));
  CHECK(creal(z) > 0);

  double h = 0.02, X = 160, k0 = 2 * M_PI / 530;
  size_t n = (size_t)lround(X / h) + 1;
  cplx *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b), *c = calloc(n, sizeof *c), *d = calloc(n, sizeof *d);
  double *x = malloc(n * sizeof *x), *E2 = malloc(n * sizeof *E2), *src = calloc(n, sizeof *src);
  for (size_t i = 0; i < n; i++) x[i] = i * h;
  CHECK_INT(gk_mode_field(&g, &m.mode[0], x, n, E2, NULL, &e), GK_OK);
  double kc = k0 * 1.0, ks = k0 * 1.46;
  for (size_t i = 0; i < n; i++) {
    double xi = x[i], ep, s1;
    /* eps and eps1 at the node, averaged on an interface */
    if (fabs(xi - 120) < 1e-9) { ep = 0.5 * (4.0 + eavg); s1 = 0.5 * eps1; }
    else if (fabs(xi) < 1e-9) { ep = 0.5 * (1.0 + 4.0); s1 = 0; }
    else if (fabs(xi - 160) < 1e-9) { ep = 0.5 * (eavg + 1.46 * 1.46); s1 = 0.5 * eps1; }
    else if (xi < 120) { ep = 4.0; s1 = 0; }
    else { ep = eavg; s1 = eps1; }
    double E0 = sqrt(E2[i]);
    src[i] = s1 * E0;
    a[i] = 1 / (h * h);
    c[i] = 1 / (h * h);
    b[i] = -2 / (h * h) + k0 * k0 * ep;
    d[i] = -k0 * k0 * s1 * E0;
  }
  /* ghost points: E_{-1} = E_1 + 2 i h kc E_0 (E' = -i kc E at the top),
   * E_{n} = E_{n-2} + 2 i h ks E_{n-1} (E' = +i ks E at the bottom) */
  c[0] = 2 / (h * h);
  b[0] += 2 * I * kc / h;
  a[n - 1] = 2 / (h * h);
  b[n - 1] += 2 * I * ks / h;
  a[0] = 0;
  c[n - 1] = 0;
  tridiag(n, a, b, c, d);
  cplx acc = 0;
  for (size_t i = 0; i + 1 < n; i++) acc += 0.5 * (src[i] * d[i] + src[i + 1] * d[i + 1]) * h;
  double beta = k0 * creal(m.mode[0].neff);
  cplx zp = -I * k0 * k0 * acc / (2 * beta);   /* e^{-i omega t} */
  cplx zfd = conj(zp) * 1e7;
  fprintf(stderr, "zeta (finite differences) = %.8g %+.8gi cm^-1\n", creal(zfd), cimag(zfd));
  CHECK_CLOSE(creal(z), creal(zfd), 1e-3);
  CHECK(cabs(z - zfd) < 1e-3 * cabs(zfd));
  free(a); free(b); free(c); free(d); free(x); free(E2); free(src);
  gk_modes_free(&m);
  gk_guide_free(&g);
}

/* closed form in a homogeneous medium: a thin sheet (t << lambda) of
 * eps1 at the field E0: Re zeta = k0^4 (eps1 t)^2 E0^2 / (4 beta k). Here
 * the "stack" is uniform n = 1.5 around a thin grating layer of the same
 * average index inside a film, so the radiated field sees no interfaces
 * near the sheet only when all indices are equal: use a 3-layer uniform
 * medium with a weakly guiding core (the field is still a mode). */
static void test_zeta_thin_sheet(void)
{
  /* cover 1.5 / core 1.5001 (2 um) / sheet 1.5 (1 nm, at the core's bottom) / 1.5:
   * all interfaces index-matched to 1e-4 for the radiated field */
  const double n[] = {1.5, 1.5001, 1.5001, 1.5}, k[] = {0, 0, 0, 0}, t[] = {0, 2000, 1, 0};
  gk_guide g;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_guide_init(&g, 4, n, k, t, 1000, &e), GK_OK);
  gk_modes m = {0};
  CHECK_INT(gk_modes_find(&g, GK_MODES_TE, &m, &e), GK_OK);
  CHECK(m.n >= 1);
  double eps1 = 0.01;
  cplx z = 0;
  CHECK_INT(gk_dfb_radiation(&g, &m.mode[0], 2, eps1, &z, &e), GK_OK);
  double xs = 2000.5, E2;
  CHECK_INT(gk_mode_field(&g, &m.mode[0], &xs, 1, &E2, NULL, &e), GK_OK);
  double k0 = 2 * M_PI / 1000, beta = k0 * creal(m.mode[0].neff), kk = k0 * 1.5001;
  double zc = pow(k0, 4) * eps1 * eps1 * 1.0 * E2 / (4 * beta * kk) * 1e7;
  fprintf(stderr, "thin sheet: zeta %.8g%+.3gi, closed form %.8g\n", creal(z), cimag(z), zc);
  CHECK_CLOSE(creal(z), zc, 2e-3);
  gk_modes_free(&m);
  gk_guide_free(&g);
}

/* RK4 integration of the coupled-wave equations (K-S convention, z in
 * units of L from -1/2): R(-1/2) = 0, S(-1/2) = 1 must give S(1/2) = 0 at
 * a threshold (alpha L, delta L). Returns |S(1/2)| / max |S|. */
static double shoot(cplx kL, cplx zL, double aL, double dL)
{
  int N = 20000;
  double hz = 1.0 / N, smax = 1;
  cplx R = 0, S = 1, s = aL - I * dL;
#define FR(R, S) (s * (R) - I * kL * (S) - zL * ((R) + (S)))
#define FS(R, S) (-(s * (S) - I * kL * (R) - zL * ((R) + (S))))
  for (int i = 0; i < N; i++) {
    cplx r1 = FR(R, S), s1 = FS(R, S);
    cplx r2 = FR(R + 0.5 * hz * r1, S + 0.5 * hz * s1), s2 = FS(R + 0.5 * hz * r1, S + 0.5 * hz * s1);
    cplx r3 = FR(R + 0.5 * hz * r2, S + 0.5 * hz * s2), s3 = FS(R + 0.5 * hz * r2, S + 0.5 * hz * s2);
    cplx r4 = FR(R + hz * r3, S + hz * s3), s4 = FS(R + hz * r3, S + hz * s3);
    R += hz / 6 * (r1 + 2 * r2 + 2 * r3 + r4);
    S += hz / 6 * (s1 + 2 * s2 + 2 * s3 + s4);
    if (cabs(S) > smax) smax = cabs(S);
  }
#undef FR
#undef FS
  return cabs(S) / smax;
}

static void test_threshold_rad(void)
{
  static const double kls[] = {1, 3, -3, 8};
  static const cplx zls[] = {0.3, 1.0 + 0.2 * I, 1.0 + 0.2 * I, 2.0 - 0.5 * I};
  for (size_t i = 0; i < 4; i++) {
    gk_dfb_mode m[4];
    size_t n = 0;
    gk_error e;
    gk_error_clear(&e);
    CHECK_INT(gk_dfb_threshold_rad(kls[i], 0, zls[i], 10, 25, m, 4, &n, &e), GK_OK);
    CHECK(n >= 2);
    for (size_t k = 0; k < n && k < 2; k++) {
      double r = shoot(kls[i], zls[i], m[k].alpha_L, m[k].delta_L);
      fprintf(stderr, "kL %g zL %g%+gi: mode %zu alpha L %.6f delta L %.6f shoot residual %.2e\n", kls[i],
              creal(zls[i]), cimag(zls[i]), k, m[k].alpha_L, m[k].delta_L, r);
      CHECK(r < 1e-7);
    }
    /* radiation splits the index-coupled pair: the two band-edge modes differ */
    CHECK(m[1].alpha_L > m[0].alpha_L * (1 + 1e-6));
    /* with radiation the threshold is above the radiation-free one */
    gk_dfb_mode m0[2];
    size_t n0;
    CHECK_INT(gk_dfb_threshold(fabs(kls[i]), 0, 10, 25, m0, 2, &n0, &e), GK_OK);
    CHECK(m[0].alpha_L > m0[0].alpha_L);
  }
  /* sign of kappa (duty above/below 1/2) mirrors delta: same thresholds */
  gk_dfb_mode a[2], b[2];
  size_t na, nb;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_dfb_threshold_rad(4, 0, 1.5, 10, 25, a, 2, &na, &e), GK_OK);
  CHECK_INT(gk_dfb_threshold_rad(-4, 0, 1.5, 10, 25, b, 2, &nb, &e), GK_OK);
  CHECK_CLOSE(a[0].alpha_L, b[0].alpha_L, 1e-9);
  CHECK_CLOSE(a[0].delta_L, -b[0].delta_L, 1e-9);
  /* long grating: the lowest mode approaches the non-radiating band edge
   * (alpha -> 0), the other edge tends to 2 Re zeta (infinite-grating
   * limit gamma = 0: alpha - i delta = 2 zeta + i kappa) */
  gk_dfb_mode c[40];
  size_t nc;
  double kl = 30, zl = 3;   /* zeta / kappa = 0.1 */
  CHECK_INT(gk_dfb_threshold_rad(kl, 0, zl, 12, 45, c, 40, &nc, &e), GK_OK);
  CHECK(c[0].alpha_L < 0.05 * zl);
  int found = 0;
  for (size_t k = 0; k < nc; k++)
    if (fabs(c[k].delta_L + kl) < 1.5 && c[k].alpha_L > zl) {
      found = 1;
      fprintf(stderr, "radiating edge: alpha L %.4f (2 zeta L = %.1f), delta L %.4f\n", c[k].alpha_L, 2 * zl, c[k].delta_L);
      CHECK(c[k].alpha_L < 2 * zl * 1.2);
    }
  CHECK(found);
  /* bad input */
  CHECK_INT(gk_dfb_threshold_rad(1, 0, -0.1, 10, 25, a, 2, &na, &e), GK_EUSAGE);
  CHECK_INT(gk_dfb_threshold_rad(1, 0, NAN, 10, 25, a, 2, &na, &e), GK_EUSAGE);
}

int main(void)
{
  test_zeta_vs_fd();
  test_zeta_thin_sheet();
  test_threshold_rad();
  return gk_test_summary();
}
