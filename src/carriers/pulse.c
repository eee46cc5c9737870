/* ABC rate equation under a Gaussian pulse [Goldberg et al., Adv. Mater. 2024, Eq. 2], integrated with
 * GSL's implicit BDF stepper: at high density k3 N^2 exceeds 1e12 s^-1
 * while the decay we want to follow lasts microseconds, a stiff problem. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_odeiv2.h>
#include "fit/solve1d.h"
#include <gsl/gsl_sf_erf.h>

#include "gainkit/carriers.h"
#include "core/core_internal.h"

#define FWHM_TO_SIGMA 0.42466090014400953   /* 1/(2 sqrt(2 ln 2)) */

/* Scaled problem: y0 = N/n0 and y1 = photons emitted per generated
 * carrier, so tolerances are relative to the pulse's own density. */
struct pulse_ctx { double k1, k2n, k3n2, sigma; };

static double gauss(double t, double s) { return exp(-0.5 * t * t / (s * s)) / (s * sqrt(2 * M_PI)); }

static int rhs(double t, const double y[], double f[], void *p)
{
  const struct pulse_ctx *c = p;
  double n = y[0];
  f[0] = gauss(t, c->sigma) - n * (c->k1 + c->k2n * n + c->k3n2 * n * n);
  f[1] = c->k2n * n * n;
  return GSL_SUCCESS;
}

static int jac(double t, const double y[], double *dfdy, double dfdt[], void *p)
{
  const struct pulse_ctx *c = p;
  double n = y[0];
  dfdy[0] = -c->k1 - 2 * c->k2n * n - 3 * c->k3n2 * n * n;
  dfdy[1] = 0;
  dfdy[2] = 2 * c->k2n * n;
  dfdy[3] = 0;
  dfdt[0] = -t / (c->sigma * c->sigma) * gauss(t, c->sigma);
  dfdt[1] = 0;
  return GSL_SUCCESS;
}

double gk_pulse_analytic_k1(double n0, double fwhm, double k1, double t)
{
  double s = fwhm * FWHM_TO_SIGMA;
  double x = (k1 * s * s - t) / (s * M_SQRT2);
  /* exp(a) erfc(x) in logs: each factor alone overflows for k1 s >> 1. */
  return 0.5 * n0 * exp(0.5 * k1 * k1 * s * s - k1 * t + gsl_sf_log_erfc(x));
}

struct peak_ctx {
  gsl_odeiv2_driver *d;
  double t0, y0[2];
  const struct pulse_ctx *c;
  int fail;
};

/* dN/dt at time t, integrating afresh from the step that bracketed the
 * sign change (the multistep solver gives no dense output). */
static double slope_at(double t, void *p)
{
  struct peak_ctx *k = p;
  double tt = k->t0, y[2] = {k->y0[0], k->y0[1]}, f[2];
  gsl_odeiv2_driver_reset(k->d);
  if (t > tt && gsl_odeiv2_driver_apply(k->d, &tt, t, y) != GSL_SUCCESS) k->fail = 1;
  rhs(t, y, f, (void *)k->c);
  return f[0];
}

static int refine_peak(gsl_odeiv2_system *sys, double rtol, double ta, const double ya[2], double tb,
                       double *t_peak, double *n_peak)
{
  const struct pulse_ctx *c = sys->params;
  struct peak_ctx k = {NULL, ta, {ya[0], ya[1]}, c, 0};
  k.d = gsl_odeiv2_driver_alloc_y_new(sys, gsl_odeiv2_step_msbdf, (tb - ta) / 20, 1e-14, rtol);
  if (!k.d) return GK_ENOMEM;
  double t;
  int rc = gk_root_brent(slope_at, &k, ta, tb, 0, 1e-10, 100, &t);
  if (rc == GK_ENOMEM) { gsl_odeiv2_driver_free(k.d); return GK_ENOMEM; }
  if (rc != GK_OK) rc = GK_ENOCONV;
  if (rc == GK_OK && !k.fail) {
    double tt = ta, y[2] = {ya[0], ya[1]};
    gsl_odeiv2_driver_reset(k.d);
    if (t > tt) gsl_odeiv2_driver_apply(k.d, &tt, t, y);
    *t_peak = t;
    *n_peak = y[0];
  } else if (rc == GK_OK) {
    rc = GK_ENOCONV;
  }
  gsl_odeiv2_driver_free(k.d);
  return rc;
}

/* Output times: a third inside the pulse window, the rest spaced
 * geometrically through the decay, which is orders of magnitude longer. */
static void output_times(double *t, size_t n, double t0, double t_pulse, double t_end)
{
  size_t n1 = n / 3 > 1 ? n / 3 : 1;
  for (size_t i = 0; i < n1; i++) t[i] = t0 + (t_pulse - t0) * (double)i / (double)n1;
  size_t n2 = n - n1;
  double d0 = (t_pulse - t0) / (double)n1, span = t_end - t_pulse;
  for (size_t i = 0; i < n2; i++) {
    double u = n2 > 1 ? (double)i / (double)(n2 - 1) : 1.0;
    t[n1 + i] = (span > d0) ? t_pulse + d0 * pow(span / d0, u) - d0 * (1 - u) : t_pulse + span * u;
  }
  t[n - 1] = t_end;
}

int gk_pulse_run(const gk_pulse_opts *o, gk_pulse_result *r, gk_error *err)
{
  gk_gsl_init_();
  memset(r, 0, sizeof *r);
  int rc = gk_abc_check(&o->k, err);
  if (rc) return rc;
  if (!(o->n0 > 0) || !isfinite(o->n0))
    return gk_error_option(err, "n0", "the pulse must deposit carriers (N0 = %g cm^-3)", o->n0);
  if (!(o->fwhm > 0) || !isfinite(o->fwhm))
    return gk_error_option(err, "fwhm", "must be positive (got %g s)", o->fwhm);
  double sigma = o->fwhm * FWHM_TO_SIGMA;
  double t0 = -6 * sigma, t_pulse = 6 * sigma;
  double t_end = o->t_end;
  if (t_end <= 0) {
    /* Ten lifetimes of the slowest channel still active at N0. */
    double rate = o->k.k1 > 0 ? o->k.k1 : (o->k.k2 * o->n0 + o->k.k3 * o->n0 * o->n0) / 100;
    if (!(rate > 0))
      return gk_error_option(err, "t_end", "needed when k1 = k2 = k3 = 0 (nothing decays)");
    t_end = t_pulse + 10 / rate;
  }
  if (!(t_end > t_pulse) || !isfinite(t_end))
    return gk_error_option(err, "t_end", "must lie after the pulse (> %g s)", t_pulse);
  double rtol = o->rtol > 0 ? o->rtol : 1e-9;
  size_t n_out = o->n_out >= 2 ? o->n_out : 2;

  struct pulse_ctx c = {o->k.k1, o->k.k2 * o->n0, o->k.k3 * o->n0 * o->n0, sigma};
  gsl_odeiv2_system sys = {rhs, jac, 2, &c};
  gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_msbdf, sigma / 50, 1e-14, rtol);
  r->t = malloc(n_out * sizeof *r->t);
  r->N = malloc(n_out * sizeof *r->N);
  if (!d || !r->t || !r->N) {
    if (d) gsl_odeiv2_driver_free(d);
    gk_pulse_result_free(r);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  output_times(r->t, n_out, t0, t_pulse, t_end);
  r->n = n_out;
  r->t_start = t0;
  r->t_end = t_end;

  double t = t0, y[2] = {0, 0}, h = sigma / 50, f[2];
  double tp = t0, yp[2] = {0, 0}, fp = 0;
  int have_peak = 0;
  double best_t = t0, best_n = 0, peak_a = 0, peak_b = 0, peak_y[2] = {0, 0};
  for (size_t i = 0; i < n_out && rc == GK_OK; i++) {
    while (t < r->t[i]) {
      /* The stepper must not stride across the pulse before it has seen it. */
      if (t < t_pulse && h > sigma / 5) h = sigma / 5;
      int s = gsl_odeiv2_evolve_apply(d->e, d->c, d->s, &sys, &t, r->t[i], &h, y);
      if (s != GSL_SUCCESS) {
        rc = gk_error_set(err, GK_ENOCONV, NULL, 0, "ODE integration failed at t = %g s (GSL: %s)",
                          t, gsl_strerror(s));
        break;
      }
      r->n_steps++;
      rhs(t, y, f, &c);
      if (y[0] > best_n) { best_n = y[0]; best_t = t; }
      if (!have_peak && fp > 0 && f[0] <= 0) {
        have_peak = 1;
        peak_a = tp;
        peak_b = t;
        peak_y[0] = yp[0];
        peak_y[1] = yp[1];
      }
      tp = t; yp[0] = y[0]; yp[1] = y[1]; fp = f[0];
    }
    r->N[i] = y[0] * o->n0;
  }
  gsl_odeiv2_driver_free(d);
  if (rc) { gk_pulse_result_free(r); return rc; }
  r->plqy_integrated = y[1];
  r->n_end_fraction = y[0];
  r->t_peak = best_t;
  r->n_peak = best_n * o->n0;
  if (have_peak) {
    double tpk, npk;
    int prc = refine_peak(&sys, rtol, peak_a, peak_y, peak_b, &tpk, &npk);
    if (prc == GK_OK && npk * o->n0 >= r->n_peak * (1 - 1e-6)) {
      r->t_peak = tpk;
      r->n_peak = npk * o->n0;
    }
  }
  return GK_OK;
}

void gk_pulse_result_free(gk_pulse_result *r)
{
  free(r->t);
  free(r->N);
  r->t = r->N = NULL;
  r->n = 0;
}
