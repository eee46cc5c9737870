/* Lumped heating: tau_T check of docs/physics.md §8 and the closed forms against
 * a numerical integration of Eq. 10. */
#include <gsl/gsl_errno.h>
#include "gk_test.h"
#include "gainkit/heat.h"

static void test_tau(void)
{
  gk_heat h = {4.8e-3, 1.9e-8, 0.1};
  /* K = 4.8e-3 W/K, C = 1.9e-8 J/K -> tau_T = 3.9 us in [Ahn et al., Chem. Rev. 2023]: C/K is
   * 3.958 us, which the review truncates (not rounds) to two digits, so
   * the check is that truncation, plus the exact quotient. */
  CHECK_ABS(floor(gk_heat_tau(&h) * 1e7) / 10, 3.9, 1e-12);
  CHECK_CLOSE(gk_heat_tau(&h), 1.9e-8 / 4.8e-3, 1e-15);
  CHECK_CLOSE(gk_heat_dc(&h), 0.1 / 4.8e-3, 1e-15);
  /* Eq. 13: short pulses heat by tp/tau_T of the d.c. value. */
  double tp = 1e-9;
  CHECK_CLOSE(gk_heat_pulse(&h, tp), gk_heat_dc(&h) * tp / gk_heat_tau(&h), 1e-3);
  gk_error e;
  gk_heat b = {-1, 1, 1};
  CHECK_INT(gk_heat_check(&b, &e), GK_EUSAGE);
  CHECK_STR(e.option, "k");
}

static void test_train_vs_ode(void)
{
  gk_heat h = {4.8e-3, 1.9e-8, 0.1};
  gk_heat_train tr = {2e-6, 5e-6};
  enum { N = 97 };
  double t[N], ode[N];
  for (int i = 0; i < N; i++) t[i] = 0.37e-6 * (i + 1);   /* off the edges */
  gk_error e;
  CHECK_INT(gk_heat_train_ode(&h, &tr, t, N, ode, &e), GK_OK);
  double worst = 0;
  for (int i = 0; i < N; i++) {
    double d = fabs(gk_heat_train_at(&h, &tr, t[i]) - ode[i]) / gk_heat_dc(&h);
    if (d > worst) worst = d;
  }
  /* rk8pd at rtol 1e-11 over ~20 edges: 1e-8 of the d.c. rise. */
  CHECK_MSG(worst < 1e-8, "closed form vs ODE: %g", worst);
  /* First pulse end is Eq. 12. */
  CHECK_CLOSE(gk_heat_train_at(&h, &tr, tr.tp), gk_heat_pulse(&h, tr.tp), 1e-12);
  /* After many periods the train reaches the periodic steady state. */
  double mx, mn;
  gk_heat_train_steady(&h, &tr, &mx, &mn);
  CHECK_CLOSE(gk_heat_train_at(&h, &tr, 200 * tr.period + tr.tp), mx, 1e-10);
  CHECK_CLOSE(gk_heat_train_at(&h, &tr, 200 * tr.period + 1e-15), mn, 1e-6);
  /* Duty cycle 1 is d.c.; the steady maximum lies between the single pulse
   * and d.c. values. */
  CHECK(mx > gk_heat_pulse(&h, tr.tp) && mx < gk_heat_dc(&h));
  gk_heat_train full = {5e-6, 5e-6 * (1 + 1e-12)};
  gk_heat_train_steady(&h, &full, &mx, &mn);
  CHECK_CLOSE(mx, gk_heat_dc(&h), 1e-9);
}

/* --fit: K and C of the review's example recovered from DT/P versus
 * pulse length generated with Eq. 12 (exact, then with a 3 % ripple). */
static void test_fit(void)
{
  enum { M = 12 };
  double tp[M], y[M], yn[M];
  gk_heat h = {4.8e-3, 1.9e-8, 1};
  for (int i = 0; i < M; i++) {
    tp[i] = 1e-7 * pow(10, 3.0 * i / (M - 1));     /* 100 ns .. 100 us */
    y[i] = gk_heat_pulse(&h, tp[i]);
    yn[i] = y[i] * (1 + 0.03 * cos(2.3 * i));
  }
  gk_heat_fit f;
  gk_error e;
  CHECK_INT(gk_heat_fit_run(tp, y, M, &f, &e), GK_OK);
  CHECK(f.converged);
  CHECK_CLOSE(f.k, 4.8e-3, 1e-7);
  CHECK_CLOSE(f.c, 1.9e-8, 1e-7);
  gk_heat_fit_free(&f);
  CHECK_INT(gk_heat_fit_run(tp, yn, M, &f, &e), GK_OK);
  CHECK_MSG(fabs(f.k - 4.8e-3) < 4 * f.se_k, "K %g +- %g", f.k, f.se_k);
  CHECK_MSG(fabs(f.c - 1.9e-8) < 4 * f.se_c, "C %g +- %g", f.c, f.se_c);
  CHECK(f.se_c > 0);
  gk_heat_fit_free(&f);
  y[3] = -1;
  CHECK_INT(gk_heat_fit_run(tp, y, M, &f, &e), GK_EINPUT);
}

/* Issue 14: the pulse-averaged rise (Ahn et al., Chem. Rev. 2023, section
 * 6.1.5, Fig. 34b) against the average of the transient DT(t) of one
 * pulse by composite Simpson quadrature; then each observable recovers K
 * and C from data of its kind, and the wrong one does not (end-of-pulse
 * fit of averaged data gave tau_T ~7 us and C ~3.9e-8, the numbers). */
static void test_fit_observables(void)
{
  gk_heat h = {4.8e-3, 1.9e-8, 1};
  gk_heat_train one = {1, 1e9};
  for (int k = 0; k < 7; k++) {
    double tp = 1e-8 * pow(10, 0.5 * k);
    one.tp = tp;
    one.period = 1e3 * tp;
    enum { Q = 2000 };
    double sum = 0;
    for (int i = 0; i <= Q; i++) {
      double w = (i == 0 || i == Q) ? 1 : (i % 2 ? 4 : 2);
      sum += w * gk_heat_train_at(&h, &one, tp * i / Q * (1 - 1e-12));
    }
    double avg = sum * (tp / Q) / 3 / tp;
    CHECK_CLOSE(gk_heat_pulse_average(&h, tp), avg, 1e-9);
  }
  enum { M = 12 };
  double tp[M], ye[M], ya[M];
  for (int i = 0; i < M; i++) {
    tp[i] = 1e-7 * pow(10, 3.0 * i / (M - 1));
    ye[i] = gk_heat_pulse(&h, tp[i]) * (1 + 0.03 * cos(2.3 * i));
    ya[i] = gk_heat_pulse_average(&h, tp[i]) * (1 + 0.03 * cos(2.3 * i));
  }
  gk_heat_fit f;
  gk_error e;
  CHECK_INT(gk_heat_fit_observable(tp, ya, M, GK_HEAT_AVERAGE, &f, &e), GK_OK);
  CHECK(f.converged);
  CHECK_MSG(fabs(f.k - 4.8e-3) < 4 * f.se_k, "average: K %g +- %g", f.k, f.se_k);
  CHECK_MSG(fabs(f.c - 1.9e-8) < 4 * f.se_c, "average: C %g +- %g", f.c, f.se_c);
  CHECK_MSG(fabs(f.tau - 1.9e-8 / 4.8e-3) < 4 * f.se_tau, "average: tau %g +- %g", f.tau, f.se_tau);
  gk_heat_fit_free(&f);
  CHECK_INT(gk_heat_fit_observable(tp, ye, M, GK_HEAT_END, &f, &e), GK_OK);
  CHECK_MSG(fabs(f.c - 1.9e-8) < 4 * f.se_c, "end: C %g +- %g", f.c, f.se_c);
  gk_heat_fit_free(&f);
  /* the wrong observable is many standard errors off */
  CHECK_INT(gk_heat_fit_observable(tp, ya, M, GK_HEAT_END, &f, &e), GK_OK);
  CHECK_MSG(fabs(f.c - 1.9e-8) > 10 * f.se_c, "end fit of averaged data: C %g +- %g", f.c, f.se_c);
  gk_heat_fit_free(&f);
}

int main(void)
{
  gsl_set_error_handler_off();
  RUN(test_tau);
  RUN(test_train_vs_ode);
  RUN(test_fit);
  RUN(test_fit_observables);
  return gk_test_summary();
}
