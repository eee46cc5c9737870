/* ABC carrier dynamics: PLQY checks of docs/physics.md §7, the pulse ODE against
 * the analytic k2 = k3 = 0 solution and the short-pulse limit, thresholds,
 * Mott density. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include "gk_test.h"
#include "gainkit/carriers.h"

static const gk_abc K = {1e7, 2e-10, 1e-28};

static void test_plqy(void)
{
  /* physics.md prints 3 digits: tolerance half a unit of the 3rd digit. */
  CHECK_ABS(gk_plqy(&K, 1e16), 0.167, 0.5e-3);
  CHECK_ABS(gk_plqy(&K, 1e17), 0.645, 0.5e-3);
  CHECK_ABS(gk_plqy(&K, 1e18), 0.645, 0.5e-3);
  /* The two are equal exactly (N1 N2 = k1/k3). */
  CHECK_CLOSE(gk_plqy(&K, 1e17), gk_plqy(&K, 1e18), 1e-12);
  CHECK_CLOSE(gk_plqy_nc(&K), 2e18, 1e-12);
  double pm, nm, pn, nn;
  gk_plqy_max(&K, &pm, &nm);
  CHECK_ABS(pm, 0.760, 0.5e-3);
  CHECK_ABS(nm / 1e17, 3.16, 0.005);
  gk_error e;
  CHECK_INT(gk_plqy_max_numeric(&K, &pn, &nn, &e), GK_OK);
  /* The minimiser's interval test is 3e-6 in ln N (a flat maximum cannot
   * be located better than ~sqrt(eps) |ln N|); PLQY agrees far better. */
  CHECK_CLOSE(nn, nm, 3e-6);
  CHECK_CLOSE(pn, pm, 1e-12);
  gk_abc bad = {1e7, -1, 0};
  CHECK_INT(gk_abc_check(&bad, &e), GK_EUSAGE);
  CHECK_STR(e.option, "k2");
}

static void test_pulse_vs_analytic(void)
{
  /* k2 = k3 = 0 with a pulse comparable to the lifetime: every sample and
   * the peak against the erfc closed form. */
  gk_pulse_opts o = {{1e9, 0, 0}, 1e18, 2e-9, 0, 200, 1e-10};
  gk_pulse_result r;
  gk_error e;
  CHECK_INT(gk_pulse_run(&o, &r, &e), GK_OK);
  double worst = 0;
  for (size_t i = 0; i < r.n; i++) {
    double a = gk_pulse_analytic_k1(o.n0, o.fwhm, o.k.k1, r.t[i]);
    double d = fabs(r.N[i] - a) / o.n0;
    if (d > worst) worst = d;
  }
  /* rtol 1e-10 per step, a few thousand steps: 1e-7 of N0 is generous
   * but far below any physical effect. */
  CHECK_MSG(worst < 1e-7, "max |N - analytic|/N0 = %g", worst);
  /* Peak: the analytic maximum satisfies G(t) = k1 N(t); compare the ODE
   * peak value with the analytic curve at the ODE peak time (N is flat
   * there, so this also checks t_peak to first order). */
  double a_pk = gk_pulse_analytic_k1(o.n0, o.fwhm, o.k.k1, r.t_peak);
  CHECK_CLOSE(r.n_peak, a_pk, 1e-7);
  double s = o.fwhm / 2.3548200450309493;
  double g = o.n0 * exp(-0.5 * r.t_peak * r.t_peak / (s * s)) / (s * sqrt(2 * M_PI));
  CHECK_CLOSE(g, o.k.k1 * a_pk, 1e-5);   /* dN/dt = 0 at the peak */
  /* With no radiative channel the integrated PLQY is 0; all decayed. */
  CHECK_ABS(r.plqy_integrated, 0, 1e-15);
  CHECK(r.n_end_fraction < 1e-4);
  gk_pulse_result_free(&r);
}

static void test_short_pulse_limit(void)
{
  /* 100 fs pulse, 1e16 cm^-3, 100 ns lifetime: the peak is the deposited
   * density less what decays during the pulse, ~ k1 * FWHM = 1e-6. */
  gk_pulse_opts o = {K, 0, 100e-15, 0, 50, 0};
  o.n0 = gk_pulse_density(1e-6, 0.5, 2.4, 100e-7);
  CHECK_CLOSE(o.n0, 1e-6 * 0.5 / (2.4 * 1.602176634e-19 * 100e-7), 1e-12);
  gk_pulse_result r;
  gk_error e;
  CHECK_INT(gk_pulse_run(&o, &r, &e), GK_OK);
  CHECK_CLOSE(r.n_peak, o.n0, 1e-4);
  /* At this density PLQY(N) ~ k2 N/k1 is small; integrated over the decay
   * it is below PLQY(N0) because N only falls. */
  CHECK(r.plqy_integrated > 0 && r.plqy_integrated < gk_plqy(&K, o.n0));
  gk_pulse_result_free(&r);
}

static void test_pulse_stiff(void)
{
  /* 1e20 cm^-3 in 1 ns: k3 N^2 = 1e12 s^-1, 3 orders above 1/FWHM. The
   * long pulse caps the peak well below N0 (Goldberg et al., Adv. Mater. 2024, Fig. 1d), and the
   * integrated PLQY cannot exceed the PLQY maximum. */
  gk_pulse_opts o = {K, 1e20, 1e-9, 0, 100, 0};
  gk_pulse_result r;
  gk_error e;
  CHECK_INT(gk_pulse_run(&o, &r, &e), GK_OK);
  CHECK(r.n_peak < 0.2 * o.n0);
  double pm, nm;
  gk_plqy_max(&K, &pm, &nm);
  CHECK(r.plqy_integrated > 0 && r.plqy_integrated < pm);
  /* Halving the tolerance changes nothing visible: the solution is
   * converged, not an artefact of a lax stepper. */
  gk_pulse_opts o2 = o;
  o2.rtol = 1e-11;
  gk_pulse_result r2;
  CHECK_INT(gk_pulse_run(&o2, &r2, &e), GK_OK);
  CHECK_CLOSE(r.n_peak, r2.n_peak, 1e-6);
  CHECK_CLOSE(r.plqy_integrated, r2.plqy_integrated, 1e-6);
  /* Longer pulses give lower peaks (monotone, Fig. 1d). */
  gk_pulse_opts o3 = o;
  o3.fwhm = 10e-9;
  gk_pulse_result r3;
  CHECK_INT(gk_pulse_run(&o3, &r3, &e), GK_OK);
  CHECK(r3.n_peak < r.n_peak);
  gk_pulse_result_free(&r);
  gk_pulse_result_free(&r2);
  gk_pulse_result_free(&r3);
  o.fwhm = -1;
  CHECK_INT(gk_pulse_run(&o, &r, &e), GK_EUSAGE);
  CHECK_STR(e.option, "fwhm");
}

static void test_thresholds(void)
{
  /* N_th 7.3e17, 150 nm, k2 2e-10, IQE 1 -> J_th ~ 256 A/cm^2 (3 digits). */
  CHECK_ABS(gk_current_threshold(7.3e17, 150e-7, 2e-10, 0, 1), 256, 0.5);
  /* The lifetime form with tau = 1/(k2 N) is the same number. */
  CHECK_CLOSE(gk_current_threshold(7.3e17, 150e-7, 0, 1 / (2e-10 * 7.3e17), 1),
              gk_current_threshold(7.3e17, 150e-7, 2e-10, 0, 1), 1e-12);
  /* Mott density of CsPbBr3 ~ 1e19 cm^-3 (one significant digit in [Tatarinov et al., Adv. Opt. Mater. 2023]);
   * a_B = 3.5 nm, E_b = 35 meV, 300 K. */
  double nm = gk_mott_density(300, 3.5e-7, 0.035);
  CHECK(nm > 0.5e19 && nm < 1.5e19);
  CHECK_CLOSE(gk_gain_saturated(1, 4e-16, 1.5e19, 5e19, 1.5e19), 0, 1e-12);
}

/* Table 1 of [Tatarinov et al., Adv. Opt. Mater. 2023]: the fit recovers the parameters it was generated
 * with, from exact data and from data with a deterministic +-2 % ripple. */
static void test_gain_fit(void)
{
  const double tab[3][4] = {{4e-16, 1.5e19, 5e19, 0.65}, {4e-16, 0.1e19, 5e19, 0.75}, {1.5e-16, 0.1e19, 7e19, 0.96}};
  for (int k = 0; k < 3; k++) {
    enum { M = 25 };
    double n[M], g[M], gn[M];
    for (int i = 0; i < M; i++) {
      n[i] = tab[k][1] * 1.05 + 1e19 * 0.8 * i;   /* above threshold up to ~2e20 */
      g[i] = gk_gain_saturated(tab[k][3], tab[k][0], tab[k][1], tab[k][2], n[i]);
      gn[i] = g[i] * (1 + 0.02 * sin(1.7 * i + k));
    }
    gk_gain_fit f;
    gk_error e;
    CHECK_INT(gk_gain_fit_run(n, g, M, tab[k][3], 0, 0, 0, &f, &e), GK_OK);
    CHECK(f.converged);
    /* Exact data: the optimum is the generating point to solver precision. */
    CHECK_CLOSE(f.sigma, tab[k][0], 1e-6);
    CHECK_CLOSE(f.n_th, tab[k][1], 1e-5);
    CHECK_CLOSE(f.n_s, tab[k][2], 1e-6);
    gk_gain_fit_free(&f);
    CHECK_INT(gk_gain_fit_run(n, gn, M, tab[k][3], 0, 0, 0, &f, &e), GK_OK);
    /* 2 % ripple: parameters within 4 standard errors of the truth. */
    CHECK_MSG(fabs(f.sigma - tab[k][0]) < 4 * f.se_sigma, "sigma %g +- %g vs %g", f.sigma, f.se_sigma, tab[k][0]);
    CHECK_MSG(fabs(f.n_s - tab[k][2]) < 4 * f.se_n_s, "N_s %g +- %g vs %g", f.n_s, f.se_n_s, tab[k][2]);
    CHECK_MSG(fabs(f.n_th - tab[k][1]) < 4 * f.se_n_th + 1e17, "N_th %g +- %g vs %g", f.n_th, f.se_n_th, tab[k][1]);
    gk_gain_fit_free(&f);
  }
  gk_gain_fit f;
  gk_error e;
  double n[3] = {1, 2, 3}, g[3] = {1, 2, 3};
  CHECK_INT(gk_gain_fit_run(n, g, 3, 0.5, 0, 0, 0, &f, &e), GK_EINPUT);
  CHECK_INT(gk_gain_fit_run(n, g, 3, 1.5, 0, 0, 0, &f, &e), GK_EUSAGE);
}

/* Every density far above saturation: the law's limit N_s -> 0,
 * G = G_sat (1 - N_th/N), and data beyond it (generated with N_s < 0 and
 * Gamma sigma N_s = G_sat > 0, a gain that rises more steeply near N_th and
 * flattens faster than the limit allows) put the optimum on the bound
 * N_s = 0, where sigma runs to infinity. The fit reports the bound with
 * G_sat and N_th of the closed-form limit; the interior Table 1 case stays
 * off the bound. */
static void test_gain_fit_bound(void)
{
  enum { M = 14 };
  double n[M], g[M], gb[M], gi[M];
  for (int i = 0; i < M; i++) {
    n[i] = 1.75e19 + 2.5e18 * i;
    g[i] = 1000 * (1 - 1.5e19 / n[i]) * (1 + 0.002 * sin(1.3 * i));   /* G_sat 1000, N_th 1.5e19 */
    gb[i] = 1000 * (n[i] - 1.5e19) / (n[i] - 2.5e18);   /* the law with N_s = -2.5e18: beyond the bound */
    gi[i] = gk_gain_saturated(0.65, 4e-16, 1.5e19, 5e19, n[i]);
  }
  gk_gain_fit f;
  gk_error e;
  CHECK_INT(gk_gain_fit_run(n, g, M, 0.5, 0, 0, 0, &f, &e), GK_OK);
  CHECK(f.n_s_at_bound == 1 && f.n_s == 0 && isnan(f.sigma) && f.converged);
  CHECK_MSG(fabs(f.g_sat - 1000) < 4 * f.se_g_sat && f.se_g_sat < 5, "G_sat %g +- %g", f.g_sat, f.se_g_sat);
  CHECK_MSG(fabs(f.n_th - 1.5e19) < 4 * f.se_n_th && f.se_n_th < 1e17, "N_th %g +- %g", f.n_th, f.se_n_th);
  /* the reported curve is the limit's, and its chi2 the one reported */
  double c2 = 0;
  for (int i = 0; i < M; i++) {
    CHECK_CLOSE(f.fit.yhat[i], f.g_sat * (1 - f.n_th / n[i]), 1e-9);
    c2 += (g[i] - f.fit.yhat[i]) * (g[i] - f.fit.yhat[i]);
  }
  CHECK_CLOSE(f.fit.chi2, c2, 1e-9);
  gk_gain_fit_free(&f);
  CHECK_INT(gk_gain_fit_run(n, gb, M, 0.5, 0, 0, 0, &f, &e), GK_OK);
  CHECK(f.n_s_at_bound == 1 && f.n_s == 0 && isnan(f.sigma));
  /* no interior point does better than the bound: a scan of N_s > 0 with
   * (Gamma sigma, N_th) by linear least squares at each N_s (G (1 + N/N_s)
   * = Gamma sigma N - Gamma sigma N_th is linear in them for fixed N_s,
   * weighted back by 1/(1 + N/N_s) to compare chi2 in G) */
  double best = INFINITY;
  for (int k = 0; k <= 120; k++) {
    double ns = 1e15 * pow(10, 6.0 * k / 120), s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
    for (int i = 0; i < M; i++) {
      double w = 1 / (1 + n[i] / ns), a = n[i] * w, b = -w;
      s11 += a * a, s12 += a * b, s22 += b * b, s1y += a * gb[i], s2y += b * gb[i];
    }
    double det = s11 * s22 - s12 * s12, A = (s22 * s1y - s12 * s2y) / det, B = (s11 * s2y - s12 * s1y) / det, c = 0;
    for (int i = 0; i < M; i++) {
      double r = gb[i] - (A * n[i] - B) / (1 + n[i] / ns);
      c += r * r;
    }
    if (A > 0) best = fmin(best, c);
  }
  CHECK_MSG(f.fit.chi2 <= best * (1 + 1e-9), "bound chi2 %g above an interior point's %g", f.fit.chi2, best);
  gk_gain_fit_free(&f);
  CHECK_INT(gk_gain_fit_run(n, gi, M, 0.65, 0, 0, 0, &f, &e), GK_OK);
  CHECK(f.n_s_at_bound == 0 && isnan(f.g_sat));
  CHECK_CLOSE(f.n_s, 5e19, 1e-6);
  gk_gain_fit_free(&f);
}

int main(void)
{
  gsl_set_error_handler_off();
  RUN(test_plqy);
  RUN(test_pulse_vs_analytic);
  RUN(test_short_pulse_limit);
  RUN(test_pulse_stiff);
  RUN(test_thresholds);
  RUN(test_gain_fit);
  RUN(test_gain_fit_bound);
  return gk_test_summary();
}
