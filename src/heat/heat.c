/* Lumped device heating [Ahn et al., Chem. Rev. 2023, Eq. 10-13]: closed forms for d.c., one square
 * pulse and pulse trains, and a numerical ODE cross-check. */
#include <math.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "gainkit/heat.h"
#include "core/core_internal.h"

int gk_heat_check(const gk_heat *h, gk_error *err)
{
  if (!(h->k > 0) || !isfinite(h->k))
    return gk_error_option(err, "k", "heat exchange constant must be positive (got %g W/K)", h->k);
  if (!(h->c > 0) || !isfinite(h->c))
    return gk_error_option(err, "c", "heat capacity must be positive (got %g J/K)", h->c);
  if (!(h->power >= 0) || !isfinite(h->power))
    return gk_error_option(err, "power", "power must be >= 0 (got %g W)", h->power);
  return GK_OK;
}

double gk_heat_tau(const gk_heat *h) { return h->c / h->k; }
double gk_heat_dc(const gk_heat *h) { return h->power / h->k; }
double gk_heat_pulse(const gk_heat *h, double tp)
{
  return gk_heat_dc(h) * -expm1(-tp / gk_heat_tau(h));
}

double gk_heat_train_at(const gk_heat *h, const gk_heat_train *tr, double t)
{
  if (t <= 0) return 0;
  double tau = gk_heat_tau(h), dc = gk_heat_dc(h);
  double k = floor(t / tr->period), s = t - k * tr->period;
  /* Temperature at the start of pulse k: the k-term geometric series of
   * one period's heating (Eq. 12) cooled by exp(-(period - tp)/tau). */
  double q = exp(-tr->period / tau);
  double rise = dc * -expm1(-tr->tp / tau) * exp(-(tr->period - tr->tp) / tau);
  /* k = 0: no earlier pulse (0 * log(0) would be NaN when period >> tau) */
  double start = (k > 0 && q < 1) ? rise * -expm1(k * log(q)) / (1 - q) : 0;
  if (s < tr->tp) return dc + (start - dc) * exp(-s / tau);
  double end = dc + (start - dc) * exp(-tr->tp / tau);
  return end * exp(-(s - tr->tp) / tau);
}

void gk_heat_train_steady(const gk_heat *h, const gk_heat_train *tr, double *dt_max, double *dt_min)
{
  double tau = gk_heat_tau(h);
  *dt_max = gk_heat_pulse(h, tr->tp) / -expm1(-tr->period / tau);
  *dt_min = *dt_max * exp(-(tr->period - tr->tp) / tau);
}

struct heat_ode { double k, c, p; };
static int heat_rhs(double t, const double y[], double f[], void *p)
{
  (void)t;
  const struct heat_ode *c = p;
  f[0] = (c->p - c->k * y[0]) / c->c;
  return GSL_SUCCESS;
}

int gk_heat_train_ode(const gk_heat *h, const gk_heat_train *tr, const double *t, size_t n,
                      double *dt, gk_error *err)
{
  gk_gsl_init_();
  struct heat_ode c = {h->k, h->c, 0};
  gsl_odeiv2_system sys = {heat_rhs, NULL, 1, &c};
  double tau = gk_heat_tau(h);
  gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, tau * 1e-3, 1e-13, 1e-11);
  if (!d) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  double tt = 0, y[1] = {0};
  int rc = GK_OK;
  for (size_t i = 0; i < n && rc == GK_OK; i++) {
    /* The forcing is discontinuous: integrate edge to edge so that no step
     * straddles a switch. */
    while (tt < t[i]) {
      double k = floor(tt / tr->period + 1e-12), s = tt - k * tr->period;
      double next = (s < tr->tp * (1 - 1e-12)) ? k * tr->period + tr->tp : (k + 1) * tr->period;
      c.p = (s < tr->tp * (1 - 1e-12)) ? h->power : 0;
      double stop = next < t[i] ? next : t[i];
      gsl_odeiv2_driver_reset(d);
      if (gsl_odeiv2_driver_apply(d, &tt, stop, y) != GSL_SUCCESS) {
        rc = gk_error_set(err, GK_ENOCONV, NULL, 0, "heat ODE failed at t = %g s", tt);
        break;
      }
      tt = stop;
    }
    dt[i] = y[0];
  }
  gsl_odeiv2_driver_free(d);
  return rc;
}
