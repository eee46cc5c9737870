/* K and C from the temperature rise per watt versus pulse length, through
 * gk_fit: at the end of the pulse, DT/P = (1 - exp(-tp K/C))/K (Ahn et al.,
 * Chem. Rev. 2023, Eq. 12), or averaged over the pulse, <DT>/P = (1/K)(1 -
 * (tau/tp)(1 - exp(-tp/tau))) (their section 6.1.5, Fig. 34b). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/heat.h"

/* Scaled parameters: u = K K0 (K0 = 1/max DT/P, so u ~ 1) and
 * v = tau_T/t0 with t0 a typical pulse length; K and C differ by orders of
 * magnitude in SI and would starve the smaller of Jacobian weight. */
struct hctx { const double *tp; size_t n; double k0, t0; gk_heat_observable obs; };

/* 1 - (1 - e^-x)/x, the pulse-averaged rise over the d.c. one, without
 * cancellation at small x (series x/2 - x²/6 + x³/24 - x⁴/120). */
static double avg_factor(double x)
{
  if (x < 1e-3) return x / 2 - x * x / 6 + x * x * x / 24 - x * x * x * x / 120;
  return 1 + expm1(-x) / x;
}

double gk_heat_pulse_average(const gk_heat *h, double tp)
{
  return gk_heat_dc(h) * avg_factor(tp / gk_heat_tau(h));
}

static int hmodel(const double *th, double *y, void *p)
{
  const struct hctx *c = p;
  /* tau_T = 0 is the bound: every pulse is long, DT/P = 1/K (the fit can
   * end there on flat data, and must evaluate it) */
  if (!(th[0] > 0 && th[1] >= 0)) return 1;
  double k = th[0] / c->k0, tau = th[1] * c->t0;
  for (size_t i = 0; i < c->n; i++)
    y[i] = tau == 0 ? 1 / k : c->obs == GK_HEAT_AVERAGE ? avg_factor(c->tp[i] / tau) / k : -expm1(-c->tp[i] / tau) / k;
  return 0;
}

int gk_heat_fit_run(const double *tp, const double *y, size_t n, gk_heat_fit *out, gk_error *err)
{
  return gk_heat_fit_observable(tp, y, n, GK_HEAT_END, out, err);
}

int gk_heat_fit_observable(const double *tp, const double *y, size_t n, gk_heat_observable obs, gk_heat_fit *out,
                           gk_error *err)
{
  memset(out, 0, sizeof *out);
  if (n < 3) return gk_error_set(err, GK_EINPUT, NULL, 0, "need at least 3 points to fit K and C (got %zu)", n);
  double ymax = 0, tsum = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(tp[i] > 0) || !isfinite(tp[i]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: pulse length must be positive", i + 1);
    if (!(y[i] > 0) || !isfinite(y[i]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: DT/P must be positive", i + 1);
    if (y[i] > ymax) ymax = y[i];
    tsum += log(tp[i]);
  }
  struct hctx c = {tp, n, 1 / ymax, exp(tsum / (double)n), obs};
  gk_param par[2] = {{"k", "W/K", 1.0, 0, INFINITY, 0}, {"tau", "s", 1.0, 0, INFINITY, 0}};
  /* tau_T anywhere across the measured pulse lengths. */
  const double starts[] = {0.5, 0.01, 0.5, 100, 0.9, 1};
  gk_fit_problem prob = {.n = n, .p = 2, .y = y, .weighting = GK_WEIGHT_RELATIVE, .model = hmodel,
                         .ctx = &c, .param = par, .starts = starts, .n_starts = 3};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  int rc = gk_fit(&prob, &opt, &out->fit, err);
  if (rc != GK_OK) return rc;
  const double *v = out->fit.value, *se = out->fit.se, *cv = out->fit.cov;
  out->k = v[0] / c.k0;
  out->tau = v[1] * c.t0;
  out->c = out->k * out->tau;
  out->se_k = se[0] / c.k0;
  out->se_tau = se[1] * c.t0;
  /* C = K tau: first-order propagation with the covariance. */
  /* (absolute form: also at the bound tau_T = 0, where C = 0) */
  double var = pow(v[1] * se[0], 2) + pow(v[0] * se[1], 2) + 2 * v[0] * v[1] * cv[1];
  out->se_c = c.t0 / c.k0 * sqrt(var > 0 ? var : 0);
  out->converged = out->fit.converged;
  return GK_OK;
}

void gk_heat_fit_free(gk_heat_fit *f) { gk_fit_result_free(&f->fit); }
