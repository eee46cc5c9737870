/* DFB coupled-wave threshold (src/cavity/dfb.c) against a transfer-matrix
 * simulation of the physical grating, and kappa against a closed form. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gainkit/cavity.h"
#include "gk_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Kogelnik-Shank index-coupled threshold vs the transfer matrix of N
 * periods of n0 +- dn/2 (first order, kappa = 2 dn / lambda, so dn =
 * kappa L n0 / N). The two agree up to the coupled-wave approximation,
 * O(dn/n0) = 5e-4 relative at kappa L = 2 and N = 8000. */
static void test_ks_vs_tmm(void)
{
  static const double kls[] = {0.5, 1, 2, 4, 8};
  for (size_t i = 0; i < sizeof kls / sizeof *kls; i++) {
    gk_dfb_mode m[6];
    size_t n = 0;
    gk_error e;
    gk_error_clear(&e);
    CHECK_INT(gk_dfb_threshold(kls[i], 0, 8, 15, m, 6, &n, &e), GK_OK);
    CHECK(n >= 4);
    /* index coupling: degenerate pairs +-delta, no mode at the Bragg condition */
    CHECK_CLOSE(m[0].alpha_L, m[1].alpha_L, 1e-9);
    CHECK_CLOSE(m[0].delta_L, -m[1].delta_L, 1e-9);
    CHECK(fabs(m[0].delta_L) > 1);
    CHECK(m[2].alpha_L > m[0].alpha_L);
    for (int k = 0; k < 4; k += 2) {
      long N = 8000;
      gk_dfb_mode t = {m[k].alpha_L * 1.01, m[k].delta_L * 0.99};
      CHECK_INT(gk_dfb_threshold_tmm(1.8, kls[i] * 1.8 / N, 540, N, &t, &e), GK_OK);
      CHECK_CLOSE(t.alpha_L, m[k].alpha_L, 2e-3);
      CHECK_CLOSE(t.delta_L, m[k].delta_L, 2e-3);
    }
  }
}

/* The Kogelnik-Shank index-coupling threshold table (alpha L, delta L of
 * the three lowest mode pairs N = 1, 2, 3 at kappa L = 0.25 ... 5), to 1e-6
 * absolute (>= 6 significant digits where alpha L >= 0.3).
 * Source of the reference values: NOT a published table -- Kogelnik & Shank
 * (J. Appl. Phys. 43, 2327 (1972)) give them only as a figure (their Fig. 3,
 * kappa L = 0.25, 1, 4), and no tabulation was found. They are computed by a
 * second method, tests/ks_reference.py: direct numerical integration of the
 * coupled-wave equations (scipy DOP853, rtol 1e-13) with shooting on the
 * boundary conditions R(-L/2) = S(L/2) = 0, independent of the closed-form
 * transcendental equation solved by gk_dfb_threshold. The kappa L = 0.25, 1,
 * 4 rows agree with the paper's Fig. 3 within its line width (~0.05; see
 * docs/cavities.md). */
static void test_ks_table(void)
{
  static const struct { double kL; int N; double aL, dL; } T[] = {
    {0.25, 1, 3.4779635, 2.1217224},
    {0.25, 2, 4.0151942, 5.6704114},
    {0.25, 3, 4.3790507, 8.9734656},
    {0.5, 1, 2.6094647, 2.3150102},
    {0.5, 2, 3.2700206, 5.7837741},
    {0.5, 3, 3.6596988, 9.0519883},
    {1, 1, 1.7548151, 2.6663323},
    {1, 2, 2.5243196, 5.9489083},
    {1, 3, 2.9390350, 9.1623567},
    {2, 1, 0.9846691, 3.3797188},
    {2, 2, 1.7692046, 6.2956323},
    {2, 3, 2.2081783, 9.3924579},
    {3, 1, 0.6226151, 4.1485650},
    {3, 2, 1.3279278, 6.7383979},
    {3, 3, 1.7721637, 9.6937661},
    {4, 1, 0.4224363, 4.9699073},
    {4, 2, 1.0273949, 7.2784569},
    {4, 3, 1.4611257, 10.0754951},
    {5, 1, 0.3019043, 5.8321742},
    {5, 2, 0.8113807, 7.9006549},
    {5, 3, 1.2230961, 10.5333517},
  };
  size_t nt = sizeof T / sizeof *T;
  for (size_t i = 0; i < nt; i++) {
    if (i && T[i].kL == T[i - 1].kL) continue;
    gk_dfb_mode m[8];
    size_t n = 0;
    gk_error e;
    gk_error_clear(&e);
    CHECK_INT(gk_dfb_threshold(T[i].kL, 0, 8, 15, m, 8, &n, &e), GK_OK);
    CHECK(n >= 6);
    /* modes come in +-delta pairs sorted by alpha L: pair N is m[2N-2], m[2N-1] */
    for (size_t j = i; j < nt && T[j].kL == T[i].kL; j++) {
      size_t k = 2 * (size_t)(T[j].N - 1);
      if (k + 1 >= n) { CHECK(0); continue; }
      CHECK_ABS(m[k].alpha_L, T[j].aL, 1e-6);
      CHECK_ABS(fabs(m[k].delta_L), T[j].dL, 1e-6);
      CHECK_ABS(m[k + 1].alpha_L, T[j].aL, 1e-6);
      CHECK_ABS(m[k + 1].delta_L, -m[k].delta_L, 1e-9);
    }
  }
}

/* Threshold falls with kappa L: weak coupling needs much gain; for strong
 * coupling the band-edge mode tends to alpha L ~ pi^2/(kappa L)^2 (leading
 * order of the large-kappa L expansion; checked within a factor 2). */
static void test_ks_trends(void)
{
  gk_dfb_mode m[2];
  size_t n;
  gk_error e;
  gk_error_clear(&e);
  double prev = INFINITY;
  for (double kl = 0.25; kl <= 16; kl *= 2) {
    CHECK_INT(gk_dfb_threshold(kl, 0, 10, 25, m, 2, &n, &e), GK_OK);
    if (kl == 16) fprintf(stderr, "kappa L 16: alpha L %.6f (pi^2/(kL)^2 = %.6f)\n", m[0].alpha_L, M_PI * M_PI / 256);
    CHECK(n == 2);
    CHECK(m[0].alpha_L < prev);
    prev = m[0].alpha_L;
  }
  CHECK(prev > 0.5 * M_PI * M_PI / (16.0 * 16.0) && prev < 2 * M_PI * M_PI / (16.0 * 16.0));
  /* pure gain coupling: the lowest mode sits at the Bragg condition */
  CHECK_INT(gk_dfb_threshold(0, 1, 8, 15, m, 2, &n, &e), GK_OK);
  CHECK(n >= 1);
  CHECK_ABS(m[0].delta_L, 0, 1e-9);
  /* bad input */
  CHECK_INT(gk_dfb_threshold(0, 0, 8, 15, m, 2, &n, &e), GK_EUSAGE);
  CHECK_INT(gk_dfb_threshold(NAN, 0, 8, 15, m, 2, &n, &e), GK_EUSAGE);
}

/* kappa of a sinusoidal index grating n_f + dn cos(Kz) filling the core of a
 * symmetric slab: kappa = k0 (n_f dn) Gamma / (2 n_eff) with the closed-form
 * TE0 confinement Gamma = (d + sin(kd)/k) / (d + sin(kd)/k + 2 cos^2(kd/2)/g)
 * (k, g transverse wavenumbers in core and cladding). */
static void test_kappa_slab(void)
{
  double nf = 1.9, nc = 1.46, d = 150, wl = 540, dn = 0.01;
  double n[3] = {nc, nf, nc}, k[3] = {0, 0, 0}, t[3] = {0, d, 0};
  gk_guide g;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_guide_init(&g, 3, n, k, t, wl, &e), GK_OK);
  gk_modes m;
  CHECK_INT(gk_modes_find(&g, GK_MODES_TE, &m, &e), GK_OK);
  CHECK(m.n >= 1);
  double ne = creal(m.mode[0].neff), k0 = 2 * M_PI / wl;
  double kf = k0 * sqrt(nf * nf - ne * ne), gc = k0 * sqrt(ne * ne - nc * nc);
  double core = d + sin(kf * d) / kf, Gam = core / (core + 2 * pow(cos(kf * d / 2), 2) / gc);
  double kappa;
  CHECK_INT(gk_dfb_kappa(&g, &m.mode[0], 1, nf * dn, &kappa, &e), GK_OK);
  double ref = (2 * M_PI / (wl * 1e-7)) * nf * dn * Gam / (2 * ne);
  CHECK_CLOSE(kappa, ref, 1e-9);
  /* uniform-medium limit pi dn / lambda when Gamma -> 1 and n_eff -> n_f */
  CHECK(kappa < M_PI * dn / (wl * 1e-7));
  /* rectangular grating: first-order Fourier component of a 50 % square wave */
  CHECK_CLOSE(gk_dfb_rect_eps_m(4, 2, 0.5, 1), 2 * 2 / M_PI / 2 * 1.0, 1e-15);
  CHECK_ABS(gk_dfb_rect_eps_m(4, 2, 0.5, 2), 0, 1e-15);   /* even orders vanish at 50 % */
  CHECK_CLOSE(gk_dfb_bragg_nm(1.6, 170, 1), 544, 1e-15);
  gk_modes_free(&m);
  gk_guide_free(&g);
}

/* TM kappa of a sinusoidal index grating filling the core of a symmetric
 * slab against the closed form. Even TM0: H = cos(k x) in the core (|x| <
 * d/2), cos(k d/2) e^{-g(|x| - d/2)} outside; with
 *   A = beta^2 Int_core H^2 / eps_f^2,  B = Int_core H'^2 / eps_f^2,
 *   N = Int H^2 / eps (core + both tails),
 * kappa_TM = eps_m (A - B) / (2 beta N) (the longitudinal field couples the
 * two directions with the opposite sign). The same normalisation gives the
 * first-order shift of a uniform change of the core permittivity,
 * d beta / d eps_f = (A + B) / (2 beta N), checked here against the mode
 * solver's own n_eff (central difference), so the closed form's field and
 * normalisation are tied to an independent computation. */
static void test_kappa_slab_tm(void)
{
  double nf = 1.9, nc = 1.46, d = 150, wl = 540, dn = 0.01;
  double n[3] = {nc, nf, nc}, k[3] = {0, 0, 0}, t[3] = {0, d, 0};
  gk_guide g;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_guide_init(&g, 3, n, k, t, wl, &e), GK_OK);
  gk_modes m;
  CHECK_INT(gk_modes_find(&g, GK_MODES_BOTH, &m, &e), GK_OK);
  const gk_mode *te = NULL, *tm = NULL;
  for (size_t i = 0; i < m.n; i++) {
    if (m.mode[i].pol == GK_TM && m.mode[i].order == 0) tm = &m.mode[i];
    if (m.mode[i].pol == GK_TE && m.mode[i].order == 0) te = &m.mode[i];
  }
  CHECK(tm != NULL && te != NULL);
  if (!tm || !te) return;
  double ne = creal(tm->neff), k0 = 2 * M_PI / wl, beta = k0 * ne, ef = nf * nf, ec = nc * nc;
  double kf = k0 * sqrt(ef - ne * ne), gc = k0 * sqrt(ne * ne - ec);
  double Ih = d / 2 + sin(kf * d) / (2 * kf), Id = kf * kf * (d / 2 - sin(kf * d) / (2 * kf));
  double A = beta * beta * Ih / (ef * ef), B = Id / (ef * ef);
  double N = Ih / ef + pow(cos(kf * d / 2), 2) / (gc * ec);
  double em = 2 * nf * dn, kappa;
  CHECK_INT(gk_dfb_kappa(&g, tm, 1, em, &kappa, &e), GK_OK);
  double ref = em * (A - B) / (2 * beta * N) * 1e7;
  fprintf(stderr, "TM kappa %.9g cm^-1 (closed form %.9g)\n", kappa, ref);
  CHECK_CLOSE(kappa, ref, 1e-9);
  /* the normalisation against the solver: d beta / d eps_f */
  double h = 1e-5, nep[2];
  for (int s = 0; s < 2; s++) {
    double n2[3] = {nc, sqrt(ef + (s ? h : -h)), nc};
    gk_guide g2;
    gk_modes m2;
    CHECK_INT(gk_guide_init(&g2, 3, n2, k, t, wl, &e), GK_OK);
    CHECK_INT(gk_modes_find(&g2, GK_MODES_TM, &m2, &e), GK_OK);
    CHECK(m2.n >= 1);
    nep[s] = m2.n ? creal(m2.mode[0].neff) : NAN;
    gk_modes_free(&m2);
    gk_guide_free(&g2);
  }
  double dbeta = k0 * (nep[1] - nep[0]) / (2 * h);
  CHECK_CLOSE(dbeta, (A + B) / (2 * beta * N), 1e-6);
  /* TM couples less than TE here (the e_z^2 term; smaller confinement) */
  double kte;
  CHECK_INT(gk_dfb_kappa(&g, te, 1, em, &kte, &e), GK_OK);
  CHECK(kappa < kte);
  /* thick core: both tend to the plane-wave value k0 eps_m / (2 n_f) */
  double t2[3] = {0, 20000, 0};
  gk_guide gt;
  gk_modes mt;
  CHECK_INT(gk_guide_init(&gt, 3, n, k, t2, wl, &e), GK_OK);
  CHECK_INT(gk_modes_find(&gt, GK_MODES_TM, &mt, &e), GK_OK);
  CHECK(mt.n >= 1);
  double kt;
  CHECK_INT(gk_dfb_kappa(&gt, &mt.mode[0], 1, em, &kt, &e), GK_OK);
  CHECK_CLOSE(kt, 2 * M_PI / (wl * 1e-7) * em / (2 * nf), 1e-3);
  /* bad input: the cover is not an interior layer for TM */
  CHECK_INT(gk_dfb_kappa(&g, tm, 0, em, &kappa, &e), GK_EUSAGE);
  gk_modes_free(&mt);
  gk_guide_free(&gt);
  gk_modes_free(&m);
  gk_guide_free(&g);
}

/* RK4 integration of the coupled-wave equations with facets and a grating
 * phase jump at the centre (z in units of L from -1/2): (R, S)(-1/2) =
 * (r1, 1); returns |S(1/2) - r2 R(1/2)| / max(|R|, |S|) -- zero at a
 * threshold. Independent of the closed-form section matrices. */
static double shoot_fp(double complex kL, double complex r1, double complex r2, double om, double aL, double dL)
{
  int N = 20000;
  double h = 1.0 / N, mx = 1;
  double complex R = r1, S = 1, s = aL - I * dL;
  for (int i = 0; i < N; i++) {
    double complex e = (i >= N / 2) ? cexp(I * om) : 1, kf = kL * e, kb = kL / e;
#define FR(R, S) (s * (R) - I * kf * (S))
#define FS(R, S) (-s * (S) + I * kb * (R))
    double complex r1_ = FR(R, S), s1 = FS(R, S);
    double complex r2_ = FR(R + 0.5 * h * r1_, S + 0.5 * h * s1), s2 = FS(R + 0.5 * h * r1_, S + 0.5 * h * s1);
    double complex r3 = FR(R + 0.5 * h * r2_, S + 0.5 * h * s2), s3 = FS(R + 0.5 * h * r2_, S + 0.5 * h * s2);
    double complex r4 = FR(R + h * r3, S + h * s3), s4 = FS(R + h * r3, S + h * s3);
#undef FR
#undef FS
    R += h / 6 * (r1_ + 2 * r2_ + 2 * r3 + r4);
    S += h / 6 * (s1 + 2 * s2 + 2 * s3 + s4);
    mx = fmax(mx, fmax(cabs(R), cabs(S)));
  }
  return cabs(S - r2 * R) / mx;
}

/* Facets and a quarter-wave phase shift (gk_dfb_threshold_facets):
 * - no facets, no shift: the Kogelnik-Shank thresholds (1e-9);
 * - the Fabry-Perot limit (kappa L 1e-6, r1 = r2 = 0.5): alpha L = ln 2 =
 *   -ln(r1 r2)/2 and delta L a multiple of pi (1e-5);
 * - a quarter-wave-shifted grating (grating phase jump pi): the lowest mode
 *   lases exactly at the Bragg condition, alone (the next mode well above),
 *   below the uniform grating's threshold; every mode found is a zero of an
 *   RK4 shooting of the equations (residual < 1e-7);
 * - facets break the symmetry of the index-coupled pair.
 * Bad input: |r| >= 1. */
static void test_facets_shift(void)
{
  gk_dfb_mode a[6], b[6];
  size_t na, nb;
  gk_error e;
  gk_error_clear(&e);
  for (double kl = 1; kl <= 2; kl += 1) {
    CHECK_INT(gk_dfb_threshold(kl, 0, 8, 15, a, 4, &na, &e), GK_OK);
    CHECK_INT(gk_dfb_threshold_facets(kl, 0, 0, 0, 0, 8, 15, b, 4, &nb, &e), GK_OK);
    CHECK(na == nb && na >= 2);
    for (size_t i = 0; i < na && i < nb; i++) {
      CHECK_ABS(b[i].alpha_L, a[i].alpha_L, 1e-9);
      CHECK_ABS(b[i].delta_L, a[i].delta_L, 1e-9);
    }
  }
  CHECK_INT(gk_dfb_threshold_facets(1e-6, 0, 0.5, 0.5, 0, 3, 8, b, 6, &nb, &e), GK_OK);
  CHECK(nb >= 3);
  for (size_t i = 0; i < nb && i < 3; i++) {
    CHECK_ABS(b[i].alpha_L, log(2.0), 1e-5);
    double m = b[i].delta_L / M_PI;
    CHECK_ABS(m, round(m), 1e-5);
  }
  for (double kl = 1; kl <= 3; kl += 1) {
    CHECK_INT(gk_dfb_threshold_facets(kl, 0, 0, 0, M_PI, 8, 15, b, 4, &nb, &e), GK_OK);
    CHECK_INT(gk_dfb_threshold(kl, 0, 8, 15, a, 2, &na, &e), GK_OK);
    CHECK(nb >= 3);
    if (nb < 3) continue;
    fprintf(stderr, "quarter-wave shift, kappa L %g: alpha L %.6f delta L %.2e; next %.6f %+.6f (uniform %.6f)\n", kl,
            b[0].alpha_L, b[0].delta_L, b[1].alpha_L, b[1].delta_L, a[0].alpha_L);
    CHECK_ABS(b[0].delta_L, 0, 1e-9);
    CHECK(b[1].alpha_L > 1.2 * b[0].alpha_L);
    CHECK(b[0].alpha_L < a[0].alpha_L);
    for (size_t i = 0; i < 3; i++) CHECK(shoot_fp(kl, 0, 0, M_PI, b[i].alpha_L, b[i].delta_L) < 1e-7);
  }
  CHECK_INT(gk_dfb_threshold_facets(2, 0, 0.3 * cexp(I * 0.7), 0.55 * cexp(-I * 1.9), 0, 8, 15, b, 4, &nb, &e), GK_OK);
  CHECK(nb >= 2);
  if (nb >= 2) {
    CHECK(fabs(b[1].alpha_L - b[0].alpha_L) > 1e-3);
    for (size_t i = 0; i < 2; i++)
      CHECK(shoot_fp(2, 0.3 * cexp(I * 0.7), 0.55 * cexp(-I * 1.9), 0, b[i].alpha_L, b[i].delta_L) < 1e-7);
  }
  CHECK_INT(gk_dfb_threshold_facets(2, 0, 1.0, 0, 0, 8, 15, b, 4, &nb, &e), GK_EUSAGE);
  CHECK_INT(gk_dfb_threshold_facets(0, 0, 0, 0, 0, 8, 15, b, 4, &nb, &e), GK_EUSAGE);
}

/* Complex (index + gain/loss) coupling against a transfer matrix of the
 * physical grating: N periods of n0 + dn/2 | n0 - dn/2 (each Lambda/2, first
 * order) in a medium n0, dn complex in gainkit's convention (n + ik, k > 0
 * absorbs, fields e^{i(Kz - omega t)}): the "a" layers absorb more when
 * Im dn > 0. The Kogelnik-Shank coupling of this grating is the complex
 * conjugate of k0 eps_1 / (2 n0) = 2 dn / lambda (K-S use e^{+i omega t}):
 * kappa_KS = 2 conj(dn) / lambda. Index-coupled pairs split: the test
 * fails if the conjugation (the sign of the gain part) were wrong, since
 * then the threshold of the +delta and -delta members would be swapped. */
static double complex tmm_c(double complex na, double complex nb, double n0, double Lam, long N, double complex Kc)
{
  double complex ka = Kc * na / n0, kb = Kc * nb / n0, M[2][2] = {{1, 0}, {0, 1}};
#define MULC(X, a, b, c, d)                                                              \
  do {                                                                                   \
    double complex m00 = (a) * X[0][0] + (b) * X[1][0], m01 = (a) * X[0][1] + (b) * X[1][1]; \
    double complex m10 = (c) * X[0][0] + (d) * X[1][0], m11 = (c) * X[0][1] + (d) * X[1][1]; \
    X[0][0] = m00; X[0][1] = m01; X[1][0] = m10; X[1][1] = m11;                          \
  } while (0)
#define IFACE(X, ni, nj)                                                                 \
  do {                                                                                   \
    double complex r_ = ((nj) - (ni)) / ((ni) + (nj)), t_ = 2 * (nj) / ((ni) + (nj));    \
    MULC(X, 1 / t_, r_ / t_, r_ / t_, 1 / t_);                                           \
  } while (0)
  double complex pa = cexp(I * ka * Lam / 2), pb = cexp(I * kb * Lam / 2);
  IFACE(M, n0, na);
  for (long p = 0; p < N; p++) {
    MULC(M, pa, 0, 0, 1 / pa);
    IFACE(M, na, nb);
    MULC(M, pb, 0, 0, 1 / pb);
    if (p + 1 < N) IFACE(M, nb, na);
  }
  IFACE(M, nb, n0);
#undef IFACE
#undef MULC
  return M[1][1];
}

static void test_complex_coupling_tmm(void)
{
  double n0 = 1.8, wl = 540, Lam = wl / (2 * n0), b0 = M_PI / Lam;
  long N = 8000;
  double L = N * Lam;
  double complex kKS = 2.0 * (1 - 0.6 * I);   /* kappa L */
  double complex dn = conj(kKS) / L * wl / 2;   /* kappa_KS = 2 conj(dn) / lambda */
  gk_dfb_mode m[4];
  size_t n = 0;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_dfb_threshold(creal(kKS), cimag(kKS), 8, 15, m, 4, &n, &e), GK_OK);
  CHECK(n >= 2);
  if (n < 2) return;
  CHECK(fabs(m[1].alpha_L - m[0].alpha_L) > 0.05);   /* the pair is split */
  for (int k = 0; k < 2; k++) {
    double complex z0 = b0 + m[k].delta_L / L - I * m[k].alpha_L / L, z1 = z0 * (1 + 1e-9);
    double complex f0 = tmm_c(n0 + dn / 2, n0 - dn / 2, n0, Lam, N, z0), f1 = tmm_c(n0 + dn / 2, n0 - dn / 2, n0, Lam, N, z1);
    for (int it = 0; it < 60 && f1 != f0; it++) {
      double complex z2 = z1 - f1 * (z1 - z0) / (f1 - f0);
      z0 = z1; f0 = f1; z1 = z2;
      f1 = tmm_c(n0 + dn / 2, n0 - dn / 2, n0, Lam, N, z1);
      if (cabs(z1 - z0) < 1e-14 * cabs(z1)) break;
    }
    double aT = -cimag(z1) * L, dT = (creal(z1) - b0) * L;
    fprintf(stderr, "complex coupling kappa L 2(1-0.6i): K-S %.6f %+.6f, TMM %.6f %+.6f\n", m[k].alpha_L, m[k].delta_L,
            aT, dT);
    CHECK_ABS(aT, m[k].alpha_L, 3e-3);
    CHECK_ABS(dT, m[k].delta_L, 3e-3);
  }
}

/* Resonator calculators: Q, photon lifetime, FSR, and the Voigt
 * deconvolution checked by forward evaluation of the Olivero-Longbothum
 * width (and its exact limits). */
static void test_resonator(void)
{
  CHECK_CLOSE(gk_cavity_q(530, 0.3), 530 / 0.3, 1e-15);
  /* tau_p = Q lambda / (2 pi c): Q = 1767, 530 nm -> 0.497 ps */
  CHECK_CLOSE(gk_cavity_photon_lifetime_s(530, 530 / 0.3), (530 / 0.3) * 530e-9 / (2 * M_PI * 299792458.0), 1e-12);
  CHECK_CLOSE(gk_cavity_fsr_fp_nm(530, 2.5, 100e3), 530.0 * 530 / (2 * 2.5 * 100e3), 1e-15);
  CHECK_CLOSE(gk_cavity_fsr_wgm_nm(530, 2.5, 5e3), 530.0 * 530 / (2 * M_PI * 5e3 * 2.5), 1e-15);
  CHECK_CLOSE(gk_cavity_deconvolve_lorentz_nm(1.0, 0.3, 0), 0.7, 1e-15);
  double wl = gk_cavity_deconvolve_lorentz_nm(1.0, 0.6, 1);
  CHECK_CLOSE(0.5346 * wl + sqrt(0.2166 * wl * wl + 0.36), 1.0, 1e-12);
  /* no instrument: the Voigt formula returns the Lorentzian itself to its
   * 0.02 % accuracy (0.5346 + sqrt(0.2166) = 1.00001) */
  CHECK_CLOSE(gk_cavity_deconvolve_lorentz_nm(1.0, 0, 1), 1.0, 2e-4);
  CHECK(isnan(gk_cavity_deconvolve_lorentz_nm(0.5, 0.6, 1)));
  CHECK(isnan(gk_cavity_q(530, 0)));
}

int main(void)
{
  RUN(test_resonator);
  RUN(test_ks_vs_tmm);
  RUN(test_ks_table);
  RUN(test_ks_trends);
  RUN(test_facets_shift);
  RUN(test_complex_coupling_tmm);
  RUN(test_kappa_slab);
  RUN(test_kappa_slab_tm);
  return gk_test_summary();
}
