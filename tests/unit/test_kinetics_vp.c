/* The kinetics fit's variable-projection stage: its normal equations
 * J^T J, J^T r (Kaufman's projected Jacobian, in u = (t0 / sigma, log tau))
 * from Gram matrices of the derivative columns, against the same formed
 * column by column, and J^T r against central differences of chi2/2 (the
 * gradient of the projected functional is exactly J^T r: the term
 * Kaufman drops is orthogonal to the residual). Any error in a derivative
 * column, a chain factor or the projection shows up here: planting a
 * factor 1.001 on the t0 chain factor of the Gram route, or dropping the
 * projection term of either route, fails these checks. */
#include <math.h>
#include <stdlib.h>

#include "gainkit/kinetics.h"
#include "kinetics/kinetics_internal.h"
#include "gk_test.h"

#define PS 1e-12

static size_t axis(double *t, size_t cap)
{
  size_t n = 0;
  for (double x = -40; x <= 800 && n < cap; x += 2.5) t[n++] = x * PS;
  return n;
}

/* traces: sum_i A_ki E(t - t0, tau_i) + off_k + a deterministic ripple */
static void synth(const gk_kin_irf *irf, const double *t, size_t n, size_t K, int m, double t0,
                  const double *tau, double *y)
{
  for (size_t k = 0; k < K; k++)
    for (size_t j = 0; j < n; j++) {
      double v = 0.02 * (double)k + 0.003 * sin(1.3 * (double)j + (double)k);
      for (int i = 0; i < m; i++) v += (0.4 + 0.3 * (double)i + 0.2 * (double)k) * gk_kin_basis(irf, t[j] - t0, tau[i]);
      y[k * n + j] = v;
    }
}

/* |a - b| <= tol * scale, entry by entry */
static void close_vec(const char *what, const double *a, const double *b, size_t n, double scale, double tol)
{
  for (size_t i = 0; i < n; i++)
    CHECK_MSG(fabs(a[i] - b[i]) <= tol * scale, "%s[%zu]: %.12g vs %.12g (scale %g)", what, i, a[i], b[i], scale);
}

static void probe_case(const char *name, const gk_kin_options *o, const gk_kin_data *d, const double *phi,
                       double fd_tol)
{
  double out[1 + 2 * (5 + 25) + 5];
  int nu = gk_kin_vp_probe(d, o, phi, out);
  CHECK_MSG(nu > 0, "%s: probe failed", name);
  if (nu <= 0) return;
  const size_t u = (size_t)nu;
  const double *jtr_g = out + 1, *jtj_g = jtr_g + u;
  const double *jtr_e = jtj_g + u * u, *jtj_e = jtr_e + u, *fd = jtj_e + u * u;
  CHECK_MSG(isfinite(out[0]) && out[0] > 0, "%s: chi2 %g", name, out[0]);
  double gmax = 0, dmax = 0;
  for (size_t a = 0; a < u; a++) {
    gmax = fmax(gmax, fabs(jtr_e[a]));
    dmax = fmax(dmax, jtj_e[a * u + a]);
    CHECK_MSG(jtj_g[a * u + a] > 0, "%s: J^T J diagonal %zu = %g", name, a, jtj_g[a * u + a]);
  }
  CHECK_MSG(gmax > 0, "%s: zero gradient away from the optimum", name);
  /* the two routes: the same sums in another order */
  close_vec(name, jtr_g, jtr_e, u, gmax, 1e-9);
  for (size_t a = 0; a < u; a++)
    for (size_t b = 0; b < u; b++)
      CHECK_MSG(fabs(jtj_g[a * u + b] - jtj_e[a * u + b]) <=
                    1e-8 * sqrt(jtj_e[a * u + a] * jtj_e[b * u + b]),
                "%s: J^T J[%zu][%zu] %.12g (Gram) vs %.12g (columns)", name, a, b, jtj_g[a * u + b],
                jtj_e[a * u + b]);
  /* the gradient of the projected chi2/2 */
  close_vec(name, jtr_e, fd, u, gmax, fd_tol);
}

static void test_gauss(void)
{
  double t[400];
  size_t n = axis(t, 400);
  const double tau[3] = {4 * PS, 24 * PS, 290 * PS};
  double *y = malloc(3 * n * sizeof *y), *sg = malloc(3 * n * sizeof *sg);
  gk_kin_options o;
  gk_kin_options_default(&o);
  o.irf = (gk_kin_irf){.kind = GK_KIN_IRF_GAUSS, .fwhm = 5 * PS};
  synth(&o.irf, t, n, 3, 3, 1 * PS, tau, y);
  for (size_t j = 0; j < 3 * n; j++) sg[j] = 0.01 * (1 + 0.5 * sin(0.7 * (double)j));
  /* away from the optimum: t0 off by 0.8 ps, lifetimes off by 10-30 % */
  const double phi3[4] = {1.8 * PS, 5 * PS, 20 * PS, 350 * PS};
  const double phi2[3] = {0.4 * PS, 15 * PS, 250 * PS};
  for (int off = 0; off < 2; off++) {
    o.offset = off;
    o.ncomp = 3;
    gk_kin_data d = {n, t, 3, y, NULL};
    probe_case(off ? "gauss 3 global offset" : "gauss 3 global", &o, &d, phi3, 1e-6);
    d.sigma = sg;
    probe_case(off ? "gauss 3 weighted offset" : "gauss 3 weighted", &o, &d, phi3, 1e-6);
    o.ncomp = 2;
    gk_kin_data d1 = {n, t, 1, y, NULL};
    probe_case(off ? "gauss 2 single offset" : "gauss 2 single", &o, &d1, phi2, 1e-6);
    o.t0_fixed = 1;
    probe_case("gauss 2 t0 held", &o, &d1, phi2, 1e-6);
    o.t0_fixed = 0;
  }
  free(y);
  free(sg);
}

static void test_no_irf(void)
{
  double t[300], y[300];
  size_t n = 0;
  for (double x = 0; x < 300; x += 1) t[n++] = x * 1e-9;
  for (size_t j = 0; j < n; j++) y[j] = 2.5 * exp(-t[j] / 80e-9) + 0.7 * exp(-t[j] / 9e-9) + 0.1 + 0.01 * sin((double)j);
  gk_kin_options o;
  gk_kin_options_default(&o);
  o.ncomp = 2;
  o.offset = 1;
  gk_kin_data d = {n, t, 1, y, NULL};
  const double phi[3] = {0, 12e-9, 60e-9};
  probe_case("no IRF", &o, &d, phi, 1e-6);
}

static void test_measured(void)
{
  double t[400], y[400], it[200], iy[200];
  size_t n = axis(t, 400), m = 0;
  const double s = 5 / (2 * sqrt(2 * log(2.0)));
  for (double u = -6 * s; u <= 6 * s && m < 200; u += 0.3, m++) {
    it[m] = u * PS;
    iy[m] = exp(-u * u / (2 * s * s));
  }
  gk_kin_irf g = {.kind = GK_KIN_IRF_GAUSS, .fwhm = 5 * PS};
  const double tau[2] = {24 * PS, 290 * PS};
  synth(&g, t, n, 1, 2, 2 * PS, tau, y);
  gk_kin_options o;
  gk_kin_options_default(&o);
  o.irf = (gk_kin_irf){.kind = GK_KIN_IRF_MEASURED, .t = it, .y = iy, .n = m};
  o.ncomp = 2;
  gk_kin_data d = {n, t, 1, y, NULL};
  const double phi[3] = {2.9 * PS, 30 * PS, 240 * PS};
  /* dE/dtau by central differences of the exact convolution there */
  probe_case("measured IRF", &o, &d, phi, 1e-5);
}

int main(void)
{
  RUN(test_gauss);
  RUN(test_no_irf);
  RUN(test_measured);
  return gk_test_summary();
}
