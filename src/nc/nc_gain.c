/* Nanocrystal gain statistics: band-edge occupancy averaged over the
 * number of excitons (uniform or Poisson) and of extra electrons (fixed or
 * Poisson), and the gain threshold as the root of the averaged absorption.
 * [Ahn et al., Chem. Rev. 2023, Eq. 5, §3.2.2, §3.4.1; 001] */
#include <math.h>
#include <gsl/gsl_errno.h>
#include "fit/solve1d.h"
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>

#include "gainkit/nc.h"
#include "core/core_internal.h"

/* GSL's pdf takes log(mu), which is NaN at mu = 0 (an unexcited or
 * uncharged ensemble). */
static double poisson_pdf(unsigned k, double mu)
{
  return mu > 0 ? gsl_ran_poisson_pdf(k, mu) : (k == 0);
}

/* P(X > k), also defined for mu = 0. */
static double poisson_tail(unsigned k, double mu)
{
  return mu > 0 ? gsl_cdf_poisson_Q(k, mu) : 0.0;
}

/* Occupancy of shell k for c carriers when shells hold g(2j+1) each:
 * the shells below hold g k^2 together. */
static double shell_fill(double c, double g, int k)
{
  double below = g * k * k, cap = g * (2 * k + 1);
  double f = (c - below) / cap;
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

static double nc_absorb(const gk_nc_gain_model *m, double n, double extra)
{
  return 1.0 - shell_fill(n + extra, m->ge, m->transition)
             - shell_fill(n, m->gh, m->transition);
}

/* Smallest integer count at or above which a carrier population fills
 * every shell up to k. */
static double sat_count(double g, int k) { return ceil(g * (k + 1) * (k + 1)); }

/* < a >_n for a fixed number of extra electrons. */
static double exciton_average(const gk_nc_gain_model *m, double n_mean, double extra)
{
  if (m->stat == GK_NC_UNIFORM) return nc_absorb(m, n_mean, extra);
  /* Beyond n_sat both shells are full and a = -1 for every n, so the sum
   * is exact with the Poisson tail lumped into one term. */
  double ns_h = sat_count(m->gh, m->transition);
  double ns_e = sat_count(m->ge, m->transition) - extra;
  double n_sat = ns_h > ns_e ? ns_h : ceil(ns_e);
  if (n_sat < 1) n_sat = 1;
  double sum = 0;
  for (unsigned n = 0; n < (unsigned)n_sat; n++)
    sum += poisson_pdf(n, n_mean) * nc_absorb(m, n, extra);
  return sum + poisson_tail((unsigned)n_sat - 1, n_mean) * nc_absorb(m, n_sat, extra);
}

double gk_nc_absorption(const gk_nc_gain_model *m, double n_mean)
{
  if (!m || !(n_mean >= 0) || !isfinite(n_mean) || gk_nc_model_check(m, NULL) != GK_OK)
    return NAN;
  if (!m->ne_poisson) return exciton_average(m, n_mean, m->ne);
  /* Extra electrons Poisson with mean ne: above m_sat the electron shell is
   * full whatever n is, so again the tail is one term. */
  unsigned m_sat = (unsigned)sat_count(m->ge, m->transition);
  double sum = 0;
  for (unsigned k = 0; k < m_sat; k++)
    sum += poisson_pdf(k, m->ne) * exciton_average(m, n_mean, k);
  return sum + poisson_tail(m_sat - 1, m->ne) * exciton_average(m, n_mean, m_sat);
}

int gk_nc_model_check(const gk_nc_gain_model *m, gk_error *err)
{
  if (!(m->ge > 0) || !isfinite(m->ge) || m->ge > 1000)
    return gk_error_option(err, "ge", "degeneracy must be positive (got %g)", m->ge);
  if (!(m->gh > 0) || !isfinite(m->gh) || m->gh > 1000)
    return gk_error_option(err, "gh", "degeneracy must be positive (got %g)", m->gh);
  if (!(m->ne >= 0) || !isfinite(m->ne) || m->ne > 1000)
    return gk_error_option(err, m->ne_poisson ? "ne_mean" : "ne",
                           "extra electrons must be >= 0 (got %g)", m->ne);
  if (m->transition < GK_NC_1S || m->transition > GK_NC_1D)
    return gk_error_option(err, "transition", "must be 1S, 1P or 1D");
  if (m->stat != GK_NC_UNIFORM && m->stat != GK_NC_POISSON)
    return gk_error_option(err, "stat", "must be uniform or poisson");
  return GK_OK;
}

double gk_nc_threshold_uniform(double ge, double gh, double ne)
{
  double n = gh * (ge - ne) / (ge + gh);
  return n > 0 ? n : 0;
}

static double absorb_fn(double n, void *p) { return gk_nc_absorption(p, n); }

int gk_nc_threshold(const gk_nc_gain_model *m, double *n_th, gk_error *err)
{
  gk_gsl_init_();
  int rc = gk_nc_model_check(m, err);
  if (rc) return rc;
  gk_nc_gain_model mm = *m;
  double a0 = absorb_fn(0, &mm);
  if (isnan(a0)) return gk_error_set(err, GK_EDOM, NULL, 0, "absorption is not a number at <N> = 0");
  if (a0 <= 0) { *n_th = 0; return GK_OK; }
  /* The absorption falls monotonically towards -1 as the shells fill; a
   * doubling search finds where it has crossed zero. */
  double lo = 0, hi = 1;
  while (absorb_fn(hi, &mm) >= 0) {
    lo = hi;
    hi *= 2;
    if (hi > 1e5)
      return gk_error_set(err, GK_ENOCONV, NULL, 0, "no gain threshold below <N> = 1e5");
  }
  int status = gk_root_brent(absorb_fn, &mm, lo, hi, 1e-14, 1e-13, 200, n_th);
  if (status == GK_ENOMEM) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  if (status != GK_OK)
    return gk_error_set(err, GK_ENOCONV, NULL, 0, "gain threshold root did not converge");
  return GK_OK;
}

/* 1S (2-fold) fills first, then 1P (6-fold): for 2 <= N <= 8 excitons per
 * NC the 1P electron and hole occupancies are (N - 2)/6 and the 1S ones 1;
 * emission of a level ~ degeneracy x f_e x f_h, so I_1P/I_1S = 6 f²/2 =
 * (N - 2)²/12 (Ahn et al., Chem. Rev. 2023, section 6.1.6). Below N = 2
 * the 1P is empty (0); above 8 it is full (3). */
double gk_nc_emission_ratio_1p1s(double n)
{
  if (!(n > 2)) return 0.0;
  if (n >= 8) return 3.0;
  return (n - 2) * (n - 2) / 12.0;
}

double gk_nc_occupancy_1p(double n)
{
  if (!(n > 2)) return 0.0;
  if (n >= 8) return 1.0;
  return (n - 2) / 6.0;
}

int gk_nc_excitons_from_ratio(double ratio, double *n, double *f1p, gk_error *err)
{
  if (!(ratio >= 0) || !isfinite(ratio))
    return gk_error_option(err, "ratio", "the 1P/1S emission ratio must be >= 0 (got %g)", ratio);
  *n = *f1p = NAN;
  /* 0 (any N <= 2) and 3 (any N >= 8) do not fix N */
  if (ratio == 0 || ratio >= 3) return GK_EDOM;
  *n = 2 + sqrt(12 * ratio);
  *f1p = (*n - 2) / 6.0;
  return GK_OK;
}
