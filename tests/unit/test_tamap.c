/* Tests of TA maps (gainkit/tamap.h) and the TRPL ABC fit (gainkit/trpl.h)
 * against independent numbers: Bateman closed forms, fixed-step RK4
 * integrations of the rate equations with the IRF as a source term (not the
 * eigen-decomposition and analytic convolution the library uses),
 * brute-force NNLS, and fits recovering the truth of synthetic data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gainkit/tamap.h"
#include "gainkit/trpl.h"
#include "gk_test.h"

/* deterministic Gaussian noise */
static unsigned long long rng_state = 12345;
static double urand(void)
{
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((rng_state >> 11) + 0.5) / 9007199254740992.0;
}
static double grand(void) { return sqrt(-2 * log(urand())) * cos(2 * 3.14159265358979323846 * urand()); }

static void test_sequential_bateman(void)
{
  /* A -> B -> C -> 0, k = 2, 0.5, 0.1 (1/s): Bateman's solution */
  double tau[3] = {0.5, 2.0, 10.0}, k[3] = {2, 0.5, 0.1};
  gk_tamap_scheme s;
  gk_tamap_scheme_sequential(&s, 3, tau);
  double lam[6], V[36];
  CHECK_INT(gk_tamap_scheme_solve(&s, k, lam, V, NULL), GK_OK);
  CHECK_CLOSE(lam[0], 0.1, 1e-12);
  CHECK_CLOSE(lam[2], 2.0, 1e-12);
  for (double t = 0; t <= 20; t += 0.7) {
    double c[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) c[i] += V[i * 3 + j] * exp(-lam[j] * t);
    double a = exp(-2 * t);
    double b = 2 / (0.5 - 2) * (exp(-2 * t) - exp(-0.5 * t));
    double cc = 2 * 0.5 * (exp(-2 * t) / ((0.5 - 2) * (0.1 - 2)) + exp(-0.5 * t) / ((2 - 0.5) * (0.1 - 0.5)) +
                           exp(-0.1 * t) / ((2 - 0.1) * (0.5 - 0.1)));
    CHECK_ABS(c[0], a, 1e-12);
    CHECK_ABS(c[1], b, 1e-12);
    CHECK_ABS(c[2], cc, 1e-12);
  }
}

/* RK4 of dc/dt = K c + c0 g(t) (g: unit-area Gaussian of fwhm at 0, or
 * impulsive when fwhm = 0), sampled at t[] (multiples of h). */
static void rk4_conc(const gk_tamap_scheme *s, const double *k, double fwhm, double h, const double *t, size_t nt,
                     double *out /* nt*ncomp */)
{
  int n = s->ncomp;
  double K[36];
  gk_tamap_scheme_matrix(s, k, K);
  double sg = fwhm / (2 * sqrt(2 * log(2)));
  double c[6] = {0}, tt = fwhm > 0 ? -8 * sg : 0;
  if (fwhm == 0)
    for (int i = 0; i < n; i++) c[i] = s->c0[i];
  size_t q = 0;
  while (q < nt && t[q] < tt) {
    for (int i = 0; i < n; i++) out[q * n + i] = 0;
    q++;
  }
  for (; q < nt;) {
    if (tt >= t[q] - 0.5 * h) {
      for (int i = 0; i < n; i++) out[q * n + i] = c[i];
      q++;
      continue;
    }
    double k1[6], k2[6], k3[6], k4[6], y[6];
#define F(T, Y, D)                                                                      \
  for (int a = 0; a < n; a++) {                                                          \
    double g = fwhm > 0 ? exp(-0.5 * (T) * (T) / (sg * sg)) / (sg * sqrt(2 * 3.14159265358979323846)) : 0; \
    D[a] = g * s->c0[a];                                                                 \
    for (int b = 0; b < n; b++) D[a] += K[a * n + b] * Y[b];                             \
  }
    F(tt, c, k1);
    for (int a = 0; a < n; a++) y[a] = c[a] + 0.5 * h * k1[a];
    F(tt + 0.5 * h, y, k2);
    for (int a = 0; a < n; a++) y[a] = c[a] + 0.5 * h * k2[a];
    F(tt + 0.5 * h, y, k3);
    for (int a = 0; a < n; a++) y[a] = c[a] + h * k3[a];
    F(tt + h, y, k4);
#undef F
    for (int a = 0; a < n; a++) c[a] += h / 6 * (k1[a] + 2 * k2[a] + 2 * k3[a] + k4[a]);
    tt += h;
  }
}

static void test_branching_vs_rk4(void)
{
  /* XX -> X (0.3/ps), XX -> 0 (0.1/ps), X -> 0 (0.02/ps), T -> 0 (0.05/ps) */
  gk_tamap_scheme s;
  CHECK_INT(gk_tamap_scheme_parse("XX->X:0.3/ps, XX->0:10ps, X->0:0.02/ps!, T->GS:20ps", "XX=1,T=0.4", &s, NULL),
            GK_OK);
  CHECK_INT(s.ncomp, 3);
  CHECK_INT(s.ntrans, 4);
  CHECK(s.tr[2].fixed && !s.tr[0].fixed);
  CHECK_CLOSE(s.tr[1].k, 1e11, 1e-12);
  double k[4] = {s.tr[0].k, s.tr[1].k, s.tr[2].k, s.tr[3].k};
  double lam[6], V[36];
  CHECK_INT(gk_tamap_scheme_solve(&s, k, lam, V, NULL), GK_OK);
  double t[5] = {0, 1e-12, 5e-12, 20e-12, 100e-12}, cr[15];
  rk4_conc(&s, k, 0, 1e-15, t, 5, cr);
  for (int q = 0; q < 5; q++)
    for (int i = 0; i < 3; i++) {
      double c = 0;
      for (int j = 0; j < 3; j++) c += V[i * 3 + j] * exp(-lam[j] * t[q]);
      CHECK_ABS(c, cr[q * 3 + i], 1e-9);
    }
  /* bad schemes */
  gk_error e;
  CHECK(gk_tamap_scheme_parse("A->A:1", NULL, &s, &e) == GK_EUSAGE);
  CHECK(gk_tamap_scheme_parse("A-B", NULL, &s, &e) == GK_EUSAGE);
  CHECK(gk_tamap_scheme_parse("A->0:-1", NULL, &s, &e) == GK_EUSAGE);
  CHECK(gk_tamap_scheme_parse("A->0", "B=1", &s, &e) == GK_EUSAGE);
  /* equal rates: not diagonalisable, said so */
  gk_tamap_scheme_parse("A->B:1, B->0:1", NULL, &s, NULL);
  double kk[2] = {1, 1};
  CHECK(gk_tamap_scheme_solve(&s, kk, lam, V, &e) == GK_EDOM);
}

static void test_nnls(void)
{
  /* brute force over all active sets of a random 4-column problem */
  for (int trial = 0; trial < 20; trial++) {
    double A[30 * 4], b[30], G[16] = {0}, h[4] = {0};
    for (int i = 0; i < 30; i++) {
      b[i] = grand();
      for (int j = 0; j < 4; j++) A[i * 4 + j] = grand() + (j == trial % 4 ? 1 : 0);
    }
    for (int i = 0; i < 30; i++)
      for (int a = 0; a < 4; a++) {
        h[a] += A[i * 4 + a] * b[i];
        for (int c = 0; c < 4; c++) G[a * 4 + c] += A[i * 4 + a] * A[i * 4 + c];
      }
    double x[4];
    CHECK_INT(gk_nnls_gram(G, h, 4, x), 0);
    double best = INFINITY;
    for (int mask = 0; mask < 16; mask++) {
      /* unconstrained LS on the subset, feasible if all >= 0 */
      int idx[4], m = 0;
      for (int j = 0; j < 4; j++)
        if (mask >> j & 1) idx[m++] = j;
      double z[4] = {0};
      if (m) {
        double M[16], r[4];
        for (int a = 0; a < m; a++) {
          r[a] = h[idx[a]];
          for (int c = 0; c < m; c++) M[a * m + c] = G[idx[a] * 4 + idx[c]];
        }
        /* Gauss elimination */
        for (int p = 0; p < m; p++)
          for (int a = p + 1; a < m; a++) {
            double f = M[a * m + p] / M[p * m + p];
            for (int c = p; c < m; c++) M[a * m + c] -= f * M[p * m + c];
            r[a] -= f * r[p];
          }
        for (int a = m - 1; a >= 0; a--) {
          double v = r[a];
          for (int c = a + 1; c < m; c++) v -= M[a * m + c] * z[idx[c]];
          z[idx[a]] = v / M[a * m + a];
        }
      }
      int feas = 1;
      for (int j = 0; j < 4; j++) feas &= z[j] >= 0;
      if (!feas) continue;
      double ss = 0;
      for (int i = 0; i < 30; i++) {
        double v = -b[i];
        for (int j = 0; j < 4; j++) v += A[i * 4 + j] * z[j];
        ss += v * v;
      }
      best = fmin(best, ss);
    }
    double ss = 0;
    for (int i = 0; i < 30; i++) {
      double v = -b[i];
      for (int j = 0; j < 4; j++) v += A[i * 4 + j] * x[j];
      ss += v * v;
    }
    CHECK_CLOSE(ss, best, 1e-10);
    for (int j = 0; j < 4; j++) CHECK(x[j] >= 0);
  }
}

/* Gaussian band */
static double band(double wl, double c, double w, double a) { return a * exp(-0.5 * (wl - c) * (wl - c) / (w * w)); }

static void test_svd_rank(void)
{
  size_t nw = 60, nt = 80;
  double wl[60], t[80], z[60 * 80];
  for (size_t i = 0; i < nw; i++) wl[i] = 480 + 2.0 * i;
  for (size_t j = 0; j < nt; j++) t[j] = (double)j * 1e-12;
  for (size_t i = 0; i < nw; i++)
    for (size_t j = 0; j < nt; j++)
      z[i * nt + j] = band(wl[i], 510, 8, -0.02) * exp(-t[j] / 5e-12) + band(wl[i], 540, 10, 0.01) * exp(-t[j] / 50e-12) +
                      2e-4 * grand();
  gk_tamap m;
  CHECK_INT(gk_tamap_init(&m, nw, nt, wl, t, z, NULL), GK_OK);
  gk_tamap_svd s;
  CHECK_INT(gk_tamap_svd_run(&m, 4, &s, NULL), GK_OK);
  CHECK_INT((long)s.rank, 2);
  CHECK(s.s[1] > 5 * s.s[2]);
  /* singular values: the Frobenius norm is their root sum of squares */
  double fro = 0, ss = 0;
  for (size_t i = 0; i < nw * nt; i++) fro += z[i] * z[i];
  for (size_t r = 0; r < 60; r++) ss += s.s[r] * s.s[r];
  CHECK_CLOSE(ss, fro, 1e-10);
  gk_tamap_svd_free(&s);
  /* a pure one-component map has rank 1 */
  for (size_t i = 0; i < nw; i++)
    for (size_t j = 0; j < nt; j++) m.z[i * nt + j] = band(wl[i], 510, 8, -0.02) * exp(-t[j] / 5e-12) + 2e-4 * grand();
  CHECK_INT(gk_tamap_svd_run(&m, 3, &s, NULL), GK_OK);
  CHECK_INT((long)s.rank, 1);
  gk_tamap_svd_free(&s);
  gk_tamap_free(&m);
}

static void test_chirp(void)
{
  size_t nw = 50, nt = 300;
  double wl[50], t[300], *z = malloc(nw * nt * sizeof *z);
  for (size_t i = 0; i < nw; i++) wl[i] = 450 + 5.0 * i;
  for (size_t j = 0; j < nt; j++) t[j] = -1e-12 + (double)j * 10e-15;   /* -1 .. 2 ps, 10 fs steps */
  gk_tamap_chirp truth = {.order = 2, .wl_ref = 572.5, .c = {0.2e-12, -0.15e-12, 0.06e-12}};
  gk_kin_irf irf = {GK_KIN_IRF_GAUSS, 60e-15, NULL, NULL, 0};
  for (size_t i = 0; i < nw; i++) {
    double t0 = gk_tamap_chirp_eval(&truth, wl[i]);
    for (size_t j = 0; j < nt; j++)
      z[i * nt + j] = band(wl[i], 540, 60, -0.01) * gk_kin_basis(&irf, t[j] - t0, 1e-9) + 1e-5 * grand();
  }
  gk_tamap m;
  CHECK_INT(gk_tamap_init(&m, nw, nt, wl, t, z, NULL), GK_OK);
  gk_tamap_chirp c;
  CHECK_INT(gk_tamap_chirp_fit(&m, 2, &c, NULL), GK_OK);
  /* the half-rise of a step convolved with the IRF is the IRF centre
   * (to s^2/tau = 6e-19 s here); sampling/noise limits to a few fs */
  CHECK_ABS(c.c[0], truth.c[0], 3e-15);
  CHECK_ABS(c.c[1], truth.c[1], 3e-15);
  CHECK_ABS(c.c[2], truth.c[2], 3e-15);
  CHECK_MSG(c.npoints >= 45, "%zu used, %zu rejected", c.npoints, c.nrejected);
  /* after correction every trace rises at t = 0 */
  CHECK_INT(gk_tamap_chirp_apply(&m, &c, NULL), GK_OK);
  double on[50];
  gk_tamap_onsets(&m, 5, on, NULL);
  for (size_t i = 0; i < nw; i++)
    if (isfinite(on[i])) CHECK_ABS(on[i], 0, 5e-15);
  /* exclusion window marks |t| <= 50 fs */
  size_t nx = gk_tamap_exclude(&m, NULL, 50e-15);
  CHECK(nx >= nw * 9);
  gk_tamap_free(&m);
  free(z);
}

/* the 3-compartment target test: data from RK4 with the IRF as source */
static void make_target_map(gk_tamap *m, const gk_tamap_scheme *s, const double *k, double fwhm, double t0,
                            double scale, double noise, double *sas /* nw*3 */)
{
  size_t nw = 40, nt = 160;
  double wl[40], t[160];
  double h = 2e-15;
  for (size_t i = 0; i < nw; i++) wl[i] = 470 + 4.0 * i;
  for (size_t j = 0; j < nt; j++) {
    double v = j < 60 ? -0.5e-12 + j * 0.05e-12 : 2.5e-12 * pow(1.04, (double)(j - 59)) + 0.0;
    t[j] = round(v / h) * h;
  }
  for (size_t i = 0; i < nw; i++) {
    sas[i * 3 + 0] = scale * band(wl[i], 500, 12, -0.02);
    sas[i * 3 + 1] = scale * (band(wl[i], 520, 15, -0.012) + band(wl[i], 580, 20, 0.004));
    sas[i * 3 + 2] = scale * band(wl[i], 545, 18, 0.008);
  }
  double tl[160], *c = malloc(nt * 3 * sizeof *c), *z = malloc(nw * nt * sizeof *z);
  for (size_t j = 0; j < nt; j++) tl[j] = t[j] - t0;
  rk4_conc(s, k, fwhm, h, tl, nt, c);
  for (size_t i = 0; i < nw; i++)
    for (size_t j = 0; j < nt; j++) {
      double v = 0;
      for (int a = 0; a < 3; a++) v += sas[i * 3 + a] * c[j * 3 + a];
      z[i * nt + j] = v + noise * grand();
    }
  gk_tamap_init(m, nw, nt, wl, t, z, NULL);
  free(c);
  free(z);
}

static void test_target_and_das(void)
{
  gk_tamap_scheme truth;
  gk_tamap_scheme_parse("A->B:0.4ps, B->C:3ps, C->0:40ps", NULL, &truth, NULL);
  double k[3] = {truth.tr[0].k, truth.tr[1].k, truth.tr[2].k};
  double sas[120];
  gk_tamap m;
  make_target_map(&m, &truth, k, 120e-15, 0.1e-12, 1, 1e-5, sas);
  /* start 30 % off */
  gk_tamap_scheme s = truth;
  s.tr[0].k *= 1.3;
  s.tr[1].k *= 0.7;
  s.tr[2].k *= 1.3;
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  o.irf.fwhm = 100e-15;
  o.t0[0] = 0;
  const gk_tamap *maps[1] = {&m};
  gk_tamap_global_result r;
  gk_error e;
  CHECK_MSG(gk_tamap_global_fit(maps, 1, &s, &o, &r, &e) == GK_OK, "%s", e.msg);
  if (!r.sas[0]) return;
  CHECK(r.converged);
  for (int i = 0; i < 3; i++) {
    CHECK_CLOSE(r.k[i], k[i], 2e-3);
    CHECK(fabs(r.k[i] - k[i]) < 5 * r.k_se[i] + 1e-3 * k[i]);
  }
  CHECK_ABS(r.t0[0], 0.1e-12, 0.5e-15);
  CHECK_CLOSE(r.fwhm[0], 120e-15, 5e-3);
  double smax = 0, dmax = 0;
  for (size_t i = 0; i < 40; i++)
    for (int a = 0; a < 3; a++) {
      smax = fmax(smax, fabs(sas[i * 3 + a]));
      dmax = fmax(dmax, fabs(r.sas[0][i * 3 + a] - sas[i * 3 + a]));
    }
  CHECK_MSG(dmax < 5e-3 * smax, "SAS deviation %g of max %g", dmax, smax);
  CHECK(r.rms < 1.2e-5 && r.rms > 0.8e-5);
  /* DAS of the parallel model = the target SAS transformed by V */
  double tau[3] = {1 / r.lam[0], 1 / r.lam[1], 1 / r.lam[2]};
  gk_tamap_scheme par;
  gk_tamap_scheme_parallel(&par, 3, tau);
  for (int j = 0; j < 3; j++) par.tr[j].k *= 1.1;
  gk_tamap_global_result rp;
  CHECK_INT(gk_tamap_global_fit(maps, 1, &par, &o, &rp, &e), GK_OK);
  for (int j = 0; j < 3; j++) CHECK_CLOSE(rp.lam[j], r.lam[j], 1e-5);
  double ddev = 0, dref = 0;
  for (size_t i = 0; i < 40; i++)
    for (int j = 0; j < 3; j++) {
      dref = fmax(dref, fabs(r.das[0][i * 3 + j]));
      ddev = fmax(ddev, fabs(rp.das[0][i * 3 + j] - r.das[0][i * 3 + j]));
      /* in a parallel model DAS and SAS coincide */
      CHECK_ABS(rp.das[0][i * 3 + j], rp.sas[0][i * 3 + j], 1e-12 * dref + 1e-15);
    }
  CHECK_MSG(ddev < 1e-4 * dref, "DAS(parallel) - V SAS(target): %g of %g", ddev, dref);
  CHECK_CLOSE(rp.chi2, r.chi2, 1e-6);
  gk_tamap_global_result_free(&rp);
  gk_tamap_global_result_free(&r);
  gk_tamap_free(&m);
}

/* A two-compartment scheme fitted to data with a third, rising species
 * (C -> B at 40 ps feeds B): the best B -> 0 rate is at its bound 0 (B
 * grows within the delays). The fit used to fail there ("model failed to
 * evaluate at the best-fit parameters", a rate of 0 was outside the
 * model's domain); a non-decaying state is the IRF-convolved step. */
static void test_rate_at_bound(void)
{
  gk_tamap_scheme truth;
  CHECK_INT(gk_tamap_scheme_parse("A->B:0.4ps, C->B:40ps, B->0:3ns", "A=1,C=0.5", &truth, NULL), GK_OK);
  double k[3] = {truth.tr[0].k, truth.tr[1].k, truth.tr[2].k};
  double sas[120];
  gk_tamap m;
  make_target_map(&m, &truth, k, 120e-15, 0.1e-12, 1, 1e-5, sas);
  gk_tamap_scheme s;
  CHECK_INT(gk_tamap_scheme_parse("A->B:1ps, B->0:1ns", NULL, &s, NULL), GK_OK);
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  o.irf.fwhm = 120e-15;
  o.fwhm_fixed = 1;
  o.t0[0] = 0.1e-12;
  o.t0_fixed = 1;
  const gk_tamap *maps[1] = {&m};
  gk_tamap_global_result r;
  gk_error e;
  int rc = gk_tamap_global_fit(maps, 1, &s, &o, &r, &e);
  CHECK_MSG(rc == GK_OK, "%s", e.msg);
  if (rc) { gk_tamap_free(&m); return; }
  CHECK(r.converged);
  CHECK(r.k[1] == 0);
  CHECK(r.lam[0] == 0);
  CHECK(!r.profiled && isnan(r.k_lo[1]));
  /* the bound is the optimum: holding B -> 0 at small positive rates
   * (lifetimes 10 ns, 1 ns) raises chi2 */
  double chi0 = r.chi2;
  gk_tamap_global_result_free(&r);
  for (double kb = 1e8; kb <= 1e9; kb *= 10) {
    gk_tamap_scheme sf = s;
    sf.tr[1].k = kb;
    sf.tr[1].fixed = 1;
    CHECK_INT(gk_tamap_global_fit(maps, 1, &sf, &o, &r, &e), GK_OK);
    CHECK_MSG(r.chi2 > chi0, "chi2 %g at k_B = %g, %g at the bound", r.chi2, kb, chi0);
    gk_tamap_global_result_free(&r);
  }
  /* profile of the rate at 0: [0, upper limit]; at the upper limit chi2
   * has risen by chi2/dof (checked by a fit with the rate held there) */
  o.profile = 1;
  CHECK_INT(gk_tamap_global_fit(maps, 1, &s, &o, &r, &e), GK_OK);
  CHECK(r.profiled);
  CHECK(r.k_lo[1] == 0);
  CHECK(r.k_hi[1] > 0 && isfinite(r.k_hi[1]));
  double khi = r.k_hi[1], lev = r.chi2 + r.chi2 / (double)r.dof;
  CHECK(r.k_lo[0] > 0 && r.k_lo[0] < r.k[0] && r.k_hi[0] > r.k[0]);
  gk_tamap_global_result_free(&r);
  o.profile = 0;
  {
    gk_tamap_scheme sf = s;
    sf.tr[1].k = khi;
    sf.tr[1].fixed = 1;
    CHECK_INT(gk_tamap_global_fit(maps, 1, &sf, &o, &r, &e), GK_OK);
    CHECK_MSG(fabs(r.chi2 - lev) < 2e-3 * (lev - chi0), "chi2 at the limit %.10g, level %.10g", r.chi2, lev);
    gk_tamap_global_result_free(&r);
  }
  /* the basis of a state that does not decay: the Gaussian-convolved step
   * 0.5 erfc(-t/(sigma sqrt 2)), and for a measured (here triangular) IRF
   * its running integral */
  gk_kin_irf g = {.kind = GK_KIN_IRF_GAUSS, .fwhm = 100e-15};
  double sg = 100e-15 / (2 * sqrt(2 * log(2)));
  for (double t = -300e-15; t <= 300e-15; t += 37e-15)
    CHECK_ABS(gk_kin_basis(&g, t, INFINITY), 0.5 * erfc(-t / (sg * sqrt(2))), 1e-14);
  double it[3] = {-1, 0, 1}, iy[3] = {0, 1, 0};
  gk_kin_irf mi = {.kind = GK_KIN_IRF_MEASURED, .t = it, .y = iy, .n = 3};
  for (double t = -0.9; t < 1; t += 0.3) {
    double want = t < 0 ? 0.5 * (t + 1) * (t + 1) : 1 - 0.5 * (1 - t) * (1 - t);
    CHECK_ABS(gk_kin_basis(&mi, t, INFINITY), want, 1e-14);
  }
  gk_tamap_free(&m);
}

/* Profile intervals of well-determined rates: the profile of a nearly
 * linear problem is the parabola of the covariance, so each side matches
 * the standard error (and the interval holds the truth). */
static void test_profile_intervals(void)
{
  gk_tamap_scheme truth;
  gk_tamap_scheme_parse("A->B:0.4ps, B->C:3ps, C->0:40ps", NULL, &truth, NULL);
  double k[3] = {truth.tr[0].k, truth.tr[1].k, truth.tr[2].k};
  double sas[120];
  gk_tamap m;
  rng_state = 777;
  make_target_map(&m, &truth, k, 120e-15, 0.1e-12, 1, 2e-4, sas);
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  o.irf.fwhm = 120e-15;
  o.t0[0] = 0.1e-12;
  o.profile = 1;
  const gk_tamap *maps[1] = {&m};
  gk_tamap_global_result r;
  gk_error e;
  CHECK_MSG(gk_tamap_global_fit(maps, 1, &truth, &o, &r, &e) == GK_OK, "%s", e.msg);
  if (!r.sas[0]) { gk_tamap_free(&m); return; }
  CHECK(r.profiled);
  for (int i = 0; i < 3; i++) {
    double se = r.k_se[i];
    CHECK_MSG(fabs((r.k_hi[i] - r.k[i]) / se - 1) < 0.15 && fabs((r.k[i] - r.k_lo[i]) / se - 1) < 0.15,
              "rate %d: [%g, %g] around %g, se %g", i, r.k_lo[i], r.k_hi[i], r.k[i], se);
    CHECK(fabs(r.k[i] - k[i]) < 4 * se);
  }
  gk_tamap_global_result_free(&r);
  gk_tamap_free(&m);
}

/* The analytic Jacobian of the projected problem (Golub-Pereyra, with the
 * basis derivatives in closed form) against central differences of the
 * model: two maps with their own t0 and IRF width, a dispersion term and
 * an artefact window on one map (masked traces) exercise every column. */
static void test_analytic_jacobian(void)
{
  gk_tamap_scheme truth;
  gk_tamap_scheme_parse("A->B:0.4ps, B->C:3ps, C->0:40ps", NULL, &truth, NULL);
  double k[3] = {truth.tr[0].k, truth.tr[1].k, truth.tr[2].k};
  double sas[120];
  gk_tamap m1, m2;
  rng_state = 4242;
  make_target_map(&m1, &truth, k, 120e-15, 0.1e-12, 1, 1e-4, sas);
  make_target_map(&m2, &truth, k, 150e-15, 0.2e-12, 2, 1e-4, sas);
  gk_tamap_chirp cw = {0};
  cw.order = 0;
  cw.c[0] = 0.2e-12;
  gk_tamap_exclude(&m2, &cw, 0.03e-12);
  const gk_tamap *maps[2] = {&m1, &m2};
  gk_tamap_scheme s = truth;
  s.tr[0].k *= 1.2;
  s.tr[2].k *= 0.8;
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  o.irf.fwhm = 130e-15;
  o.irf_per_set = 1;
  o.t0[0] = 0.09e-12;
  o.t0[1] = 0.21e-12;
  o.disp_order = 1;
  gk_tamap_global_result ra, rf;
  gk_error e;
  CHECK_MSG(gk_tamap_global_fit(maps, 2, &s, &o, &ra, &e) == GK_OK, "%s", e.msg);
  o.fd_jacobian = 1;
  CHECK_MSG(gk_tamap_global_fit(maps, 2, &s, &o, &rf, &e) == GK_OK, "%s", e.msg);
  CHECK(ra.converged && rf.converged);
  CHECK_CLOSE(ra.chi2, rf.chi2, 1e-9);
  for (int i = 0; i < 3; i++) {
    CHECK_CLOSE(ra.k[i], rf.k[i], 1e-6);
    CHECK_CLOSE(ra.k_se[i], rf.k_se[i], 1e-4);
  }
  for (int d = 0; d < 2; d++) {
    CHECK_ABS(ra.t0[d], rf.t0[d], 1e-20);
    CHECK_CLOSE(ra.t0_se[d], rf.t0_se[d], 1e-4);
    CHECK_CLOSE(ra.fwhm[d], rf.fwhm[d], 1e-6);
    CHECK_CLOSE(ra.fwhm_se[d], rf.fwhm_se[d], 1e-4);
  }
  CHECK_ABS(ra.disp[1], rf.disp[1], 1e-20);
  CHECK_CLOSE(ra.disp_se[1], rf.disp_se[1], 1e-4);
  gk_tamap_global_result_free(&ra);
  gk_tamap_global_result_free(&rf);
  gk_tamap_free(&m1);
  gk_tamap_free(&m2);
}

/* The library's measured-IRF reader (tamap fit, trpl): units from the
 * header or the argument, and each refusal at its line. */
static int irf_file(char *path, const char *text)
{
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void test_irf_read(void)
{
  char p[] = "/tmp/gk_irf_XXXXXX";
  gk_kin_prepared r;
  gk_error e;
  CHECK_INT(irf_file(p, "t (fs),y\n-100,0\n0,1\n100,0\n"), 0);
  CHECK_INT(gk_kin_irf_read(p, NULL, &r, &e), GK_OK);
  CHECK_INT((int)r.d.n, 3);
  CHECK_ABS(r.t[0], -100e-15, 1e-27);
  CHECK_ABS(r.y[1], 1, 0);
  gk_kin_prepared_free(&r);
  unlink(p);
  char q[] = "/tmp/gk_irf_XXXXXX";
  CHECK_INT(irf_file(q, "-1,0\n0,1\n1,0\n"), 0);
  CHECK_INT(gk_kin_irf_read(q, NULL, &r, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "no time unit") != NULL && e.line == 1);
  gk_kin_prepared_free(&r);
  CHECK_INT(gk_kin_irf_read(q, "ps", &r, &e), GK_OK);
  CHECK_ABS(r.t[2], 1e-12, 1e-24);
  gk_kin_prepared_free(&r);
  unlink(q);
  char b1[] = "/tmp/gk_irf_XXXXXX", b2[] = "/tmp/gk_irf_XXXXXX", b3[] = "/tmp/gk_irf_XXXXXX";
  CHECK_INT(irf_file(b1, "t (ps),y\n0,0\n1,1\n1,0\n"), 0);
  CHECK_INT(gk_kin_irf_read(b1, NULL, &r, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "IRF times must increase") != NULL && e.line == 4);
  gk_kin_prepared_free(&r);
  CHECK_INT(irf_file(b2, "t (ps),y,z\n0,0,1\n1,1,1\n2,0,1\n"), 0);
  CHECK_INT(gk_kin_irf_read(b2, NULL, &r, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "an IRF file has two") != NULL);
  gk_kin_prepared_free(&r);
  CHECK_INT(irf_file(b3, "t (ps),y\n0,0\n1,-1\n2,0\n"), 0);
  CHECK_INT(gk_kin_irf_read(b3, NULL, &r, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "no positive area") != NULL);
  gk_kin_prepared_free(&r);
  unlink(b1);
  unlink(b2);
  unlink(b3);
}

/* Degree of charging from PL dynamics: exact two-population decays give
 * q(0) = exp(-<n_e>) and <n_e> back; a sample without charged dots has
 * q(0) = 1 and <n_e> not determined. */
static void test_charging(void)
{
  double t[300], pn[300], pc[300], ne = 1.3, q0 = exp(-1.3);
  for (int i = 0; i < 300; i++) {
    t[i] = i * 0.25e-9;
    pn[i] = 5.0 * exp(-t[i] / 25e-9);
    pc[i] = q0 * exp(-t[i] / 25e-9) + (1 - q0) * exp(-t[i] / 0.8e-9);
  }
  gk_trpl_charging r;
  gk_error e;
  CHECK_INT(gk_trpl_charging_run(t, pn, pc, 300, 30e-9, 70e-9, &r, &e), GK_OK);
  CHECK_CLOSE(r.q0, q0, 1e-12);
  CHECK_ABS(r.ne, ne, 1e-12);
  CHECK_CLOSE(r.scale, 0.2 * q0, 1e-12);
  CHECK(r.t0 == 0 && r.ntail > 100);
  CHECK_INT(gk_trpl_charging_run(t, pn, pn, 300, 30e-9, 70e-9, &r, &e), GK_OK);
  CHECK_CLOSE(r.q0, 1, 1e-12);
  CHECK(isnan(r.ne));
  CHECK_INT(gk_trpl_charging_run(t, pn, pc, 300, 80e-9, 80.1e-9, &r, &e), GK_EINPUT);
  CHECK_INT(gk_trpl_charging_run(t, pn, pc, 300, 70e-9, 30e-9, &r, &e), GK_EUSAGE);
}

static void test_joint_sets_nnls(void)
{
  /* two fluences: shared rates, their own t0 and amplitudes */
  gk_tamap_scheme truth;
  gk_tamap_scheme_parse("A->B:0.5ps, B->0:8ps, C->0:60ps", "A=1,C=0.5", &truth, NULL);
  double k[3] = {truth.tr[0].k, truth.tr[1].k, truth.tr[2].k};
  double sas1[120], sas2[120];
  gk_tamap m1, m2;
  make_target_map(&m1, &truth, k, 100e-15, 0.05e-12, 1, 1e-5, sas1);
  make_target_map(&m2, &truth, k, 100e-15, 0.25e-12, 2.5, 1e-5, sas2);
  /* the third SAS is positive: with NNLS the A and B spectra (negative)
   * would be clipped, so flip the map signs to use the constraint here */
  for (size_t i = 0; i < m1.nw * m1.nt; i++) { m1.z[i] = -m1.z[i]; m2.z[i] = -m2.z[i]; }
  gk_tamap_scheme s = truth;
  for (int j = 0; j < 3; j++) s.tr[j].k *= 0.8;
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  o.irf.fwhm = 150e-15;
  o.t0[0] = o.t0[1] = 0.1e-12;
  const gk_tamap *maps[2] = {&m1, &m2};
  gk_tamap_global_result r;
  CHECK_INT(gk_tamap_global_fit(maps, 2, &s, &o, &r, NULL), GK_OK);
  CHECK(r.converged);
  for (int i = 0; i < 3; i++) CHECK_CLOSE(r.k[i], k[i], 3e-3);
  CHECK_ABS(r.t0[0], 0.05e-12, 0.5e-15);
  CHECK_ABS(r.t0[1], 0.25e-12, 0.5e-15);
  /* per-set spectra: the second is 2.5 x the first */
  size_t ib = 15;   /* a wavelength where SAS A is large (530 nm) */
  CHECK_CLOSE(r.sas[1][ib * 3 + 1] / r.sas[0][ib * 3 + 1], 2.5, 1e-2);
  gk_tamap_global_result_free(&r);
  /* NNLS: where some true amplitude is negative, it is clipped at 0 */
  for (size_t i = 0; i < m1.nw * m1.nt; i++) { m1.z[i] = -m1.z[i]; m2.z[i] = -m2.z[i]; }
  o.nnls = 1;
  s = truth;
  CHECK_INT(gk_tamap_global_fit(maps, 2, &s, &o, &r, NULL), GK_OK);
  int nonneg = 1;
  for (size_t i = 0; i < 40 * 3; i++) nonneg &= r.sas[0][i] >= 0 && r.sas[1][i] >= 0;
  CHECK(nonneg);
  gk_tamap_global_result_free(&r);
  gk_tamap_free(&m1);
  gk_tamap_free(&m2);
}

static void test_per_set_populations(void)
{
  /* the biexciton fraction differs between the maps (0.1 and 0.6): with
   * per-set initial populations both SAS sets are the true ones */
  gk_tamap_scheme t1, t2;
  gk_tamap_scheme_parse("H->X:0.4ps, XX->X:20ps, X->0:200ps", "H=1,XX=0.1", &t1, NULL);
  gk_tamap_scheme_parse("H->X:0.4ps, XX->X:20ps, X->0:200ps", "H=1,XX=0.6", &t2, NULL);
  double k[3] = {t1.tr[0].k, t1.tr[1].k, t1.tr[2].k};
  double sas1[120], sas2[120];
  gk_tamap m1, m2;
  make_target_map(&m1, &t1, k, 100e-15, 0.1e-12, 1, 1e-5, sas1);
  make_target_map(&m2, &t2, k, 100e-15, 0.1e-12, 1, 1e-5, sas2);
  double c0s[2 * 3];
  memcpy(c0s, t1.c0, 3 * sizeof(double));
  memcpy(c0s + 3, t2.c0, 3 * sizeof(double));
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  o.t0[0] = o.t0[1] = 0.05e-12;
  o.c0_sets = c0s;
  gk_tamap_scheme s = t1;
  for (int j = 0; j < 3; j++) s.tr[j].k *= 1.2;
  const gk_tamap *maps[2] = {&m1, &m2};
  gk_tamap_global_result r;
  CHECK_INT(gk_tamap_global_fit(maps, 2, &s, &o, &r, NULL), GK_OK);
  for (int i = 0; i < 3; i++) CHECK_CLOSE(r.k[i], k[i], 3e-3);
  double dmax = 0, smax = 0;
  for (size_t i = 0; i < 120; i++) {
    smax = fmax(smax, fabs(sas1[i]));
    dmax = fmax(dmax, fmax(fabs(r.sas[0][i] - sas1[i]), fabs(r.sas[1][i] - sas2[i])));
  }
  CHECK_MSG(dmax < 5e-3 * smax, "SAS deviation %g of %g", dmax, smax);
  gk_tamap_global_result_free(&r);
  gk_tamap_free(&m1);
  gk_tamap_free(&m2);
}

static void test_dispersion_in_fit(void)
{
  /* wavelength-dependent time zero fitted inside the global model */
  gk_tamap_scheme truth;
  gk_tamap_scheme_parse("A->0:2ps, B->0:30ps", "A=1,B=1", &truth, NULL);
  size_t nw = 30, nt = 120;
  double wl[30], t[120], *z = malloc(nw * nt * sizeof *z);
  for (size_t i = 0; i < nw; i++) wl[i] = 480 + 5.0 * i;
  for (size_t j = 0; j < nt; j++) t[j] = j < 50 ? -0.5e-12 + j * 0.04e-12 : 1.5e-12 * pow(1.05, (double)(j - 49));
  gk_kin_irf irf = {GK_KIN_IRF_GAUSS, 90e-15, NULL, NULL, 0};
  double d1 = -0.12e-12, d2 = 0.05e-12, ref = 552.5;
  for (size_t i = 0; i < nw; i++) {
    double x = (wl[i] - ref) / 100, sh = 0.1e-12 + d1 * x + d2 * x * x;
    for (size_t j = 0; j < nt; j++)
      z[i * nt + j] = band(wl[i], 520, 20, -0.01) * gk_kin_basis(&irf, t[j] - sh, 2e-12) +
                      band(wl[i], 560, 25, 0.006) * gk_kin_basis(&irf, t[j] - sh, 30e-12) + 1e-5 * grand();
  }
  gk_tamap m;
  gk_tamap_init(&m, nw, nt, wl, t, z, NULL);
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  o.irf.fwhm = 120e-15;
  o.disp_order = 2;
  o.disp_ref = ref;
  const gk_tamap *maps[1] = {&m};
  gk_tamap_scheme s = truth;
  s.tr[0].k *= 1.2;
  gk_tamap_global_result r;
  CHECK_INT(gk_tamap_global_fit(maps, 1, &s, &o, &r, NULL), GK_OK);
  CHECK_CLOSE(r.k[0], 0.5e12, 2e-3);
  CHECK_CLOSE(r.k[1], 1 / 30e-12, 2e-3);
  CHECK_ABS(r.t0[0], 0.1e-12, 0.5e-15);
  CHECK_ABS(r.disp[1], d1, 1e-15);
  CHECK_ABS(r.disp[2], d2, 2e-15);
  gk_tamap_global_result_free(&r);
  gk_tamap_free(&m);
  free(z);
}

static void test_sigma(void)
{
  double F[10], S[10], sig = 3e-14, hnu = 3.1 * 1.602176634e-19;
  for (int i = 0; i < 10; i++) {
    F[i] = 2e-6 * pow(1.6, i);
    S[i] = 0.05 * -expm1(-sig * F[i] / hnu) * (1 + 0.005 * grand());
  }
  gk_tamap_sigma_fit f;
  CHECK_INT(gk_tamap_sigma_run(F, S, 10, 3.1, &f, NULL), GK_OK);
  CHECK(f.converged);
  CHECK_CLOSE(f.sigma, sig, 0.02);
  CHECK(fabs(f.sigma - sig) < 4 * f.sigma_se);
  CHECK_CLOSE(f.s_inf, 0.05, 0.02);
}

static void test_read_layouts(void)
{
  char p1[] = "/tmp/gk_tamap_XXXXXX", p2[] = "/tmp/gk_tamap_XXXXXX";
  int f1 = mkstemp(p1), f2 = mkstemp(p2);
  FILE *a = fdopen(f1, "w"), *b = fdopen(f2, "w");
  /* delays in the first row, ps, mOD, wavelengths decreasing */
  fprintf(a, "wavelength (nm) \\ delay (ps),-1,0,1,10\n");
  fprintf(a, "520,0.1,2,-3,4\n510,0.5,6,7,-8\n500,9,10,11,12\n");
  /* the same transposed: delays in the first column, numeric corner */
  fprintf(b, "0,500,510,520\n-1,9,0.5,0.1\n0,10,6,2\n1,11,7,-3\n10,12,-8,4\n");
  fclose(a);
  fclose(b);
  gk_tamap m1, m2;
  gk_tamap_read_options o = {0};
  o.signal_unit = "mOD";
  gk_error e;
  CHECK_INT(gk_tamap_read(p1, &o, &m1, &e), GK_OK);
  o.delay_unit = "ps";
  CHECK_INT(gk_tamap_read(p2, &o, &m2, &e), GK_OK);
  CHECK_INT((long)m1.nw, 3);
  CHECK_INT((long)m1.nt, 4);
  CHECK_INT((long)m2.nw, 3);
  CHECK_CLOSE(m1.wl[0], 500, 0);
  CHECK_CLOSE(m1.t[3], 10e-12, 1e-12);
  for (size_t i = 0; i < 12; i++) CHECK_ABS(m1.z[i], m2.z[i], 0);
  CHECK_CLOSE(m1.z[1 * 4 + 2], 7e-3, 1e-12);
  /* background from t < 0: the first column becomes zero */
  size_t nb;
  CHECK_INT(gk_tamap_background(&m1, 0, &nb, &e), GK_OK);
  CHECK_INT((long)nb, 1);
  CHECK_ABS(m1.z[4], 0, 1e-18);
  CHECK(gk_tamap_background(&m1, -5e-12, &nb, &e) == GK_EUSAGE);
  gk_tamap_free(&m1);
  gk_tamap_free(&m2);
  /* no time unit anywhere: refused */
  o.delay_unit = NULL;
  CHECK(gk_tamap_read(p2, &o, &m2, &e) == GK_EINPUT);
  CHECK(e.line == 1);
  /* non-increasing delays: line named */
  b = fopen(p2, "w");
  fprintf(b, "0,500,510\n-1,1,2\n2,3,4\n1,5,6\n");
  fclose(b);
  o.delay_unit = "ps";
  CHECK(gk_tamap_read(p2, &o, &m2, &e) == GK_EINPUT);
  CHECK_INT(e.line, 4);
  unlink(p1);
  unlink(p2);
}

/* ---- TRPL ---- */

static void test_trpl_closed_form(void)
{
  /* k3 = 0: N(t) = k1 N0 e^{-k1 t} / (k1 + k2 N0 (1 - e^{-k1 t})) */
  double k1 = 2e7, k2 = 3e-10, n0s[3] = {2e16, 1e17, 5e17};
  size_t n = 150;
  double t[150], pl[450], out[150];
  for (size_t q = 0; q < n; q++) t[q] = q * 1e-9;
  for (int d = 0; d < 3; d++) {
    CHECK_INT(gk_trpl_density(k1, k2, 0, n0s[d], t, n, out), GK_OK);
    for (size_t q = 0; q < n; q++) {
      double ex = exp(-k1 * t[q]), nn = k1 * n0s[d] * ex / (k1 + k2 * n0s[d] * (1 - ex));
      CHECK_CLOSE(out[q], nn, 1e-8);
      pl[d * n + q] = 7.0 * (d + 1) * k2 * nn * nn * (1 + 0.01 * grand());
    }
  }
  gk_trpl_data dd = {n, t, 3, pl, n0s};
  gk_trpl_options o;
  gk_trpl_options_default(&o);
  o.fix_k3 = 1;   /* k3 = 0 held */
  gk_trpl_result r;
  CHECK_INT(gk_trpl_fit(&dd, &o, &r, NULL), GK_OK);
  CHECK(r.converged);
  CHECK_CLOSE(r.k1, k1, 0.01);
  CHECK_CLOSE(r.k2, k2, 0.01);
  CHECK(fabs(r.k2 - k2) < 4 * r.k2_se);
  gk_trpl_result_free(&r);
}

static void rk4_abc(double k1, double k2, double k3, double n0, const double *t, size_t n, double *out)
{
  double N = n0, tt = 0, h = 1e-12;
  for (size_t q = 0; q < n; q++) {
    while (tt < t[q] - 0.5 * h) {
#define G(x) (-k1 * (x) - k2 * (x) * (x) - k3 * (x) * (x) * (x))
      double a = G(N), b = G(N + 0.5 * h * a), c = G(N + 0.5 * h * b), d = G(N + h * c);
#undef G
      N += h / 6 * (a + 2 * b + 2 * c + d);
      tt += h;
    }
    out[q] = N;
  }
}

static void test_trpl_abc(void)
{
  /* k1, k2, k3 of a perovskite film: 1e7 s^-1, 5e-10 cm^3/s, 1e-28 cm^6/s */
  double k1 = 1e7, k2 = 5e-10, k3 = 1e-28, n0s[4] = {1e17, 5e17, 2e18, 8e18};
  size_t n = 120;
  double t[120], pl[480], N[120];
  for (size_t q = 0; q < n; q++) t[q] = q < 40 ? q * 0.05e-9 : 2e-9 * pow(1.05, (double)(q - 40));
  for (int d = 0; d < 4; d++) {
    rk4_abc(k1, k2, k3, n0s[d], t, n, N);
    for (size_t q = 0; q < n; q++) pl[d * n + q] = 1e3 * k2 * N[q] * N[q] * (1 + 0.005 * grand());
  }
  gk_trpl_data dd = {n, t, 4, pl, n0s};
  gk_trpl_options o;
  gk_trpl_options_default(&o);
  gk_trpl_result r;
  CHECK_INT(gk_trpl_fit(&dd, &o, &r, NULL), GK_OK);
  CHECK(r.converged);
  CHECK_CLOSE(r.k1, k1, 0.01);
  CHECK_CLOSE(r.k2, k2, 0.01);
  CHECK_CLOSE(r.k3, k3, 0.05);
  CHECK(fabs(r.k3 - k3) < 4 * r.k3_se);
  /* shared scale: the same answer, and the scales all equal */
  o.shared_scale = 1;
  gk_trpl_result r2;
  CHECK_INT(gk_trpl_fit(&dd, &o, &r2, NULL), GK_OK);
  CHECK_CLOSE(r2.k2, k2, 0.01);
  CHECK_CLOSE(r2.scale[0], r2.scale[3], 1e-12);
  CHECK_CLOSE(gk_trpl_charged_occupancy(exp(-0.3)), 0.3, 1e-12);
  CHECK(isnan(gk_trpl_charged_occupancy(1.5)));
  gk_trpl_result_free(&r);
  gk_trpl_result_free(&r2);
}

static void test_gain_thresholds(void)
{
  /* -dA/A0 = c(lambda) <N>: threshold 1/c exactly (linear interpolation is
   * exact for a linear curve); material gain -(A0 + dA) ln10/d */
  enum { NW = 5, NT = 4, NS = 4 };
  double wl[NW] = {500, 505, 510, 515, 520}, t[NT] = {-1e-12, 1e-12, 2e-12, 3e-12};
  double c[NW] = {0.1, 0.4, 0.8, 0.3, 0.001}, nm[NS] = {0.5, 1.5, 2.5, 4.0};
  double wl0[3] = {490, 510, 530}, a0[3] = {0.2, 0.3, 0.4};
  gk_tamap maps[NS];
  const gk_tamap *mp[NS];
  for (int k = 0; k < NS; k++) {
    double z[NW * NT];
    for (int i = 0; i < NW; i++) {
      double A0 = 0.2 + 0.1 * (wl[i] - 490) / 20;
      for (int j = 0; j < NT; j++) z[i * NT + j] = t[j] > 0 ? -A0 * c[i] * nm[k] : 0;
    }
    CHECK_INT(gk_tamap_init(&maps[k], NW, NT, wl, t, z, NULL), GK_OK);
    mp[k] = &maps[k];
  }
  gk_tamap_gain_result r;
  CHECK_INT(gk_tamap_gain(mp, NS, nm, wl0, a0, 3, 0.5e-12, 3e-12, 1e-5, &r, NULL), GK_OK);
  CHECK(isnan(r.nth[0]));                 /* 0.1 x 4 < 1: no crossing */
  CHECK_CLOSE(r.nth[1], 1 / 0.4, 1e-12);
  CHECK_CLOSE(r.nth[2], 1 / 0.8, 1e-12);
  CHECK_CLOSE(r.nth[3], 1 / 0.3, 1e-12);
  CHECK(isnan(r.nth[4]));
  CHECK_INT((int)r.best, 2);
  double A0 = 0.2 + 0.1 * 20 / 20.0;
  CHECK_CLOSE(r.gain[2 * NS + 3], -(A0 - A0 * 0.8 * 4.0) * log(10.0) / 1e-5, 1e-12);
  gk_tamap_gain_free(&r);
  /* errors: one map, decreasing <N>, a window without delays */
  gk_error e;
  CHECK_INT(gk_tamap_gain(mp, 1, nm, wl0, a0, 3, 0, 3e-12, 0, &r, &e), GK_EUSAGE);
  double bad[NS] = {1, 0.5, 2, 3};
  CHECK_INT(gk_tamap_gain(mp, NS, bad, wl0, a0, 3, 0, 3e-12, 0, &r, &e), GK_EUSAGE);
  CHECK_INT(gk_tamap_gain(mp, NS, nm, wl0, a0, 3, 5e-12, 6e-12, 0, &r, &e), GK_EINPUT);
  for (int k = 0; k < NS; k++) gk_tamap_free(&maps[k]);
}

int main(void)
{
  RUN(test_sequential_bateman);
  RUN(test_branching_vs_rk4);
  RUN(test_nnls);
  RUN(test_svd_rank);
  RUN(test_chirp);
  RUN(test_target_and_das);
  RUN(test_rate_at_bound);
  RUN(test_profile_intervals);
  RUN(test_analytic_jacobian);
  RUN(test_irf_read);
  RUN(test_charging);
  RUN(test_joint_sets_nnls);
  RUN(test_per_set_populations);
  RUN(test_dispersion_in_fit);
  RUN(test_sigma);
  RUN(test_read_layouts);
  RUN(test_trpl_closed_form);
  RUN(test_trpl_abc);
  RUN(test_gain_thresholds);
  return gk_test_summary();
}
