/* ABC recombination: PLQY, its maximum, thresholds, Mott density.
 * [Goldberg et al., Adv. Mater. 2024, Eq. 1, 3, 5; 003] */
#include <math.h>
#include <gsl/gsl_errno.h>
#include "fit/solve1d.h"

#include "gainkit/carriers.h"
#include "gainkit/constants.h"
#include "core/core_internal.h"

int gk_abc_check(const gk_abc *k, gk_error *err)
{
  if (!(k->k1 >= 0) || !isfinite(k->k1))
    return gk_error_option(err, "k1", "must be >= 0 s^-1 (got %g)", k->k1);
  if (!(k->k2 >= 0) || !isfinite(k->k2))
    return gk_error_option(err, "k2", "must be >= 0 cm^3/s (got %g)", k->k2);
  if (!(k->k3 >= 0) || !isfinite(k->k3))
    return gk_error_option(err, "k3", "must be >= 0 cm^6/s (got %g)", k->k3);
  return GK_OK;
}

double gk_plqy(const gk_abc *k, double n)
{
  /* Divided through by N so that N -> 0 gives the finite limit 0 (k1 > 0)
   * or 1 (k1 = 0). */
  return k->k2 * n / (k->k1 + k->k2 * n + k->k3 * n * n);
}

double gk_plqy_nc(const gk_abc *k) { return k->k3 > 0 ? k->k2 / k->k3 : INFINITY; }

void gk_plqy_max(const gk_abc *k, double *plqy_max, double *n_at_max)
{
  /* d/dN [k2 N/(k1 + k2 N + k3 N^2)] = 0 at k1 = k3 N^2. */
  if (k->k1 > 0 && k->k3 > 0) {
    *n_at_max = sqrt(k->k1 / k->k3);
    *plqy_max = k->k2 / (k->k2 + 2 * sqrt(k->k1 * k->k3));
  } else {
    /* Monotonic: the supremum is approached at 0 (k1 = 0) or infinity (k3 = 0). */
    *n_at_max = k->k1 > 0 ? INFINITY : 0;
    *plqy_max = 1;
  }
}

static double neg_plqy_log(double x, void *p) { return -gk_plqy(p, exp(x)); }

int gk_plqy_max_numeric(const gk_abc *k, double *plqy_max, double *n_at_max, gk_error *err)
{
  gk_gsl_init_();
  if (!(k->k1 > 0 && k->k3 > 0))
    return gk_error_set(err, GK_EDOM, NULL, 0, "PLQY has no interior maximum unless k1 > 0 and k3 > 0");
  /* A bracket from the scale k2/k3 and k1/k2 where the terms cross: the
   * maximum lies between the two crossings' geometric neighbourhood. */
  double lo = log(k->k1 / k->k2) - 20, hi = log(k->k2 / k->k3) + 20;
  double x = 0.5 * (log(k->k1) - log(k->k3));
  if (!(x > lo && x < hi)) { lo = x - 40; hi = x + 40; }
  /* Start the minimiser off the centre so that it is not handed the answer. */
  double guess = lo + 0.382 * (hi - lo);
  void *kp = (void *)k;
  if (!(neg_plqy_log(guess, kp) < neg_plqy_log(lo, kp) && neg_plqy_log(guess, kp) < neg_plqy_log(hi, kp)))
    guess = x + 0.3 * (hi - x);
  /* Brent brackets a minimum only to ~sqrt(DBL_EPSILON) |x| (the
   * function is flat to second order there), ~1e-6 at x = ln N ~ 40,
   * so ask for 3e-6 in ln N, i.e. 3e-6 relative in N. */
  double xm;
  int st = gk_min_brent(neg_plqy_log, kp, guess, lo, hi, 3e-6, 0, 500, &xm);
  if (st == GK_ENOMEM) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  if (st == GK_EDOM) return gk_error_set(err, GK_ENOCONV, NULL, 0, "PLQY maximum not bracketed");
  if (st != GK_OK)
    return gk_error_set(err, GK_ENOCONV, NULL, 0, "PLQY maximum search did not converge");
  *n_at_max = exp(xm);
  *plqy_max = gk_plqy(k, *n_at_max);
  return GK_OK;
}

double gk_pulse_density(double fluence, double absorptance, double photon_ev, double thickness)
{
  return fluence * absorptance / (photon_ev * GK_Q_E * thickness);
}

double gk_current_threshold(double n_th, double thickness, double k2, double tau, double iqe)
{
  /* Below threshold the carriers recombine radiatively at rate k2 N_th,
   * so tau = 1/(k2 N_th) [Goldberg et al., Adv. Mater. 2024, Eq. 5]. */
  double rate = tau > 0 ? 1.0 / tau : k2 * n_th;
  return GK_Q_E * thickness * n_th * rate / iqe;
}

double gk_gain_saturated(double gamma, double sigma, double n_th, double n_s, double n)
{
  return gamma * sigma * (n - n_th) / (1.0 + n / n_s);
}

double gk_mott_density(double t_kelvin, double a_b_cm, double e_b_ev)
{
  return 1.19 * 1.19 * GK_KB_EV * t_kelvin / (2.0 * a_b_cm * a_b_cm * a_b_cm * e_b_ev);
}
