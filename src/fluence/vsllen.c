/* vsllen.c — VSL threshold length and the length where the small-signal
 * model stops holding (model: sat fit reaching Is; data: a chi^2 test of
 * vsl1 on growing prefixes of the scan). Uses the public vsl API only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>

#include "gainkit/fluence.h"
#include "gainkit/vsl.h"

double gk_vsl_threshold_gl(void)
{
  /* Newton on f(x) = e^x - 1 - 2x from x = 1.5 (f convex, f(1.5) > 0) */
  double x = 1.5;
  for (int i = 0; i < 50; i++) {
    double f = expm1(x) - 2 * x, df = exp(x) - 2, dx = f / df;
    x -= dx;
    if (fabs(dx) < 1e-15 * x) break;
  }
  return x;
}

int gk_vsl_lengths_compute(const gk_vsl_data *d, gk_vsl_lengths *o, gk_error *err)
{
  return gk_vsl_lengths_compute_from(d, NULL, 0, o, err);
}

/* the fit of model m to ds among known (NULL if none) */
static const gk_vsl_fit *known_fit(const gk_vsl_fit *known, size_t nknown, const gk_vsl_data *ds, gk_vsl_model m)
{
  for (size_t k = 0; known && k < nknown; k++)
    if (gk_vsl_fit_is_of(&known[k], ds, m)) return &known[k];
  return NULL;
}

/* vsl1's chi2 on d (sigma weights) at gain g with the amplitude best for
 * that g (closed form), from the residuals: an upper bound of the fit's
 * minimum. INFINITY when that amplitude is not positive. e: n scratch. */
static double vsl1_chi2_at(const gk_vsl_data *d, double g, double *e)
{
  const double th[2] = {g, 0};
  size_t n = d->n;
  if (gk_vsl_intensity(GK_VSL_VSL1, th, d->L, n, e, NULL) != GK_OK) return INFINITY;
  double see = 0, sey = 0, c2 = 0;
  for (size_t i = 0; i < n; i++) {
    double w = 1 / (d->sigma[i] * d->sigma[i]);
    see += w * e[i] * e[i];
    sey += w * e[i] * d->intensity[i];
  }
  double amp = sey / see;
  if (!(amp > 0) || !isfinite(amp)) return INFINITY;
  for (size_t i = 0; i < n; i++) {
    double r = (d->intensity[i] - amp * e[i]) / d->sigma[i];
    c2 += r * r;
  }
  return isfinite(c2) ? c2 : INFINITY;
}

/* The first k points of d with their sigma weights: the data of the
 * small-signal range's chi2 test. */
static gk_vsl_data sigma_prefix(const gk_vsl_data *d, size_t k)
{
  gk_vsl_data dk = *d;
  dk.n = k;
  dk.weighting = GK_WEIGHT_SIGMA;
  return dk;
}

/* The chi2 test's p value of vsl1 fitted to d (NAN when the fit fails);
 * g (may be NULL) receives the fitted gain when there is one. */
static double vsl1_prefix_p(const gk_vsl_data *d, double *g)
{
  gk_vsl_fit f;
  memset(&f, 0, sizeof f);
  gk_error e2;
  gk_error_clear(&e2);
  double p = NAN;
  if (gk_vsl_fit_model(d, GK_VSL_VSL1, &f, &e2) == GK_OK && f.ok) {
    p = gsl_cdf_chisq_Q(f.chi2, (double)(d->n - 2));
    if (g && isfinite(f.theta[0])) *g = f.theta[0];
  }
  gk_vsl_fit_free(&f);
  return p;
}

int gk_vsl_lengths_compute_from(const gk_vsl_data *d, const gk_vsl_fit *known, size_t nknown, gk_vsl_lengths *o,
                                gk_error *err)
{
  memset(o, 0, sizeof *o);
  o->l_th = o->l_sat_model = o->l_sat_data = o->p_value = o->g_small = o->se_g_small = NAN;
  int rc = gk_vsl_check(d, err);
  if (rc) return rc;
  if (d->n < 4) return gk_error_set(err, GK_EINPUT, d->path, 0, "VSL lengths need at least 4 stripe lengths");
  size_t k_ok = d->n;
  if (d->sigma) {
    /* grow the prefix from 4 points; the range ends before the first k
     * that fails the test when k + 1 fails too (saturation persists, a
     * noise spike does not); p >= 0.001 keeps the chance of a false end
     * small over the ~n tests of one scan */
    k_ok = 0;
    int prev_fail = 0, p_due = 0;
    double g0 = NAN, *e = malloc(d->n * sizeof *e);
    if (!e) return gk_error_set(err, GK_ENOMEM, d->path, 0, "VSL lengths: out of memory");
    for (size_t k = 4; k <= d->n; k++) {
      gk_vsl_data dk = sigma_prefix(d, k);
      /* A pass needs no fit when the last fitted gain already passes:
       * vsl1's minimum chi2 is at most its chi2 there, and Q falls with
       * chi2. (The fit's own minimum could only be lower: the same
       * verdict.) Only failures, and the last pass's p value, are fitted. */
      if (isfinite(g0) && gsl_cdf_chisq_Q(vsl1_chi2_at(&dk, g0, e), (double)(k - 2)) >= 1e-3) {
        k_ok = k, prev_fail = 0, p_due = 1;
        continue;
      }
      double p = vsl1_prefix_p(&dk, &g0);
      if (p >= 1e-3) {
        k_ok = k, o->p_value = p, prev_fail = 0, p_due = 0;
        continue;
      }
      if (prev_fail || k == d->n) break;
      prev_fail = 1;
    }
    free(e);
    /* the reported p value: the fit's, as for a prefix that was fitted */
    if (p_due) {
      gk_vsl_data dk = sigma_prefix(d, k_ok);
      o->p_value = vsl1_prefix_p(&dk, NULL);
    }
    if (k_ok < 4) {
      o->n_small = 0;
      o->saturated = 1;
      return GK_OK; /* even the four shortest stripes do not follow vsl1 */
    }
    o->saturated = k_ok < d->n;
    o->l_sat_data = d->L[k_ok - 1];
  }
  o->n_small = k_ok;
  gk_vsl_data ds = *d;
  ds.n = k_ok;
  gk_vsl_fit f;
  memset(&f, 0, sizeof f);
  gk_error e2;
  gk_error_clear(&e2);
  const gk_vsl_fit *kf = known_fit(known, nknown, &ds, GK_VSL_VSL1);
  if (kf) {
    o->g_small = kf->value[0], o->se_g_small = kf->se[0];
    if (o->g_small > 0) o->l_th = gk_vsl_threshold_gl() / o->g_small;
  } else if (gk_vsl_fit_model(&ds, GK_VSL_VSL1, &f, &e2) == GK_OK && f.ok) {
    o->g_small = f.value[0], o->se_g_small = f.se[0];
    if (o->g_small > 0) o->l_th = gk_vsl_threshold_gl() / o->g_small;
  }
  gk_vsl_fit_free(&f);
  /* sat fit on every point: L where I = Is */
  memset(&f, 0, sizeof f);
  gk_error_clear(&e2);
  kf = known_fit(known, nknown, d, GK_VSL_SAT);
  const gk_vsl_fit *sf = kf;
  if (!sf && d->n >= 4 && gk_vsl_fit_model(d, GK_VSL_SAT, &f, &e2) == GK_OK) sf = &f;
  if (d->n >= 4 && sf && sf->ok && sf->converged) {
    double Is = sf->value[2], imax = 0;
    for (size_t i = 0; i < d->n; i++) imax = fmax(imax, d->intensity[i]);
    double L;
    if (Is > 0 && Is < 100 * imax && gk_vsl_sat_length(sf->theta, &Is, 1, &L, NULL) == GK_OK && L > 0 && isfinite(L))
      o->l_sat_model = L;
  }
  gk_vsl_fit_free(&f);
  return GK_OK;
}
