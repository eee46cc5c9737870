/* Transient-absorption gain analysis: normalised bleach at a probe,
 * threshold crossing, Poisson gain-curve fit (through gk_fit and the
 * nanocrystal model), gain spectra and bandwidth, gain lifetime per pump.
 * See gainkit/ta.h and docs/ta.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_interp.h>

#include "gainkit/nc.h"
#include "gainkit/ta.h"
#include "gainkit/constants.h"
#include "core/core_internal.h"


double gk_ta_n_mean(double sigma_cm2, double photon_fluence_cm2) { return sigma_cm2 * photon_fluence_cm2; }
double gk_ta_photon_fluence(double f, double photon_ev) { return f / (photon_ev * GK_Q_E); }

void gk_ta_options_default(gk_ta_options *o)
{
  memset(o, 0, sizeof *o);
  o->probe_nm = o->win_lo = o->win_hi = NAN;
  o->degeneracy = 2;
  o->fit_ne = 1;
  gk_fit_options_default(&o->fit);
}

int gk_ta_resample(const double *wl0, const double *a0, size_t n0, const double *wl, size_t n,
                   double *out, gk_error *err)
{
  if (n0 < 2) return gk_error_set(err, GK_EINPUT, NULL, 0, "ground spectrum needs 2 or more points");
  for (size_t i = 0; i < n; i++)
    if (wl[i] < wl0[0] || wl[i] > wl0[n0 - 1])
      return gk_error_set(err, GK_EINPUT, NULL, 0,
                          "wavelength %g nm is outside the ground spectrum (%g to %g nm)", wl[i],
                          wl0[0], wl0[n0 - 1]);
  gsl_interp *ip = gsl_interp_alloc(gsl_interp_linear, n0);
  gsl_interp_accel *acc = gsl_interp_accel_alloc();
  if (!ip || !acc) {
    gsl_interp_free(ip);
    gsl_interp_accel_free(acc);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  gsl_interp_init(ip, wl0, a0, n0);
  for (size_t i = 0; i < n; i++) out[i] = gsl_interp_eval(ip, wl0, a0, wl[i], acc);
  gsl_interp_free(ip);
  gsl_interp_accel_free(acc);
  return GK_OK;
}

int gk_ta_crossing(const double *x, const double *y, size_t n, double level, double *value,
                   double *se)
{
  *value = *se = NAN;
  size_t i = n;
  for (size_t k = 0; k + 1 < n; k++)
    if (y[k] < level && y[k + 1] >= level) { i = k; break; }
  if (i == n) return 0;
  *value = x[i] + (level - y[i]) * (x[i + 1] - x[i]) / (y[i + 1] - y[i]);
  size_t a = i >= 1 ? i - 1 : 0, b = i + 2 < n ? i + 2 : n - 1;
  size_t m = b - a + 1;
  if (m < 3) return 1;
  double c0, c1, cov00, cov01, cov11, sumsq;
  gsl_fit_linear(x + a, 1, y + a, 1, m, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
  if (!(c1 != 0)) return 1;
  double xl = (level - c0) / c1;
  /* x_line = (level - c0)/c1: gradient (-1/c1, -(level - c0)/c1^2) */
  double g0 = -1 / c1, g1 = -(level - c0) / (c1 * c1);
  double var = g0 * g0 * cov00 + 2 * g0 * g1 * cov01 + g1 * g1 * cov11;
  double d = xl - *value;
  *se = sqrt((var > 0 ? var : 0) + d * d);
  return 1;
}

double gk_ta_negative_width(const double *wl, const double *v, size_t n)
{
  double w = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    double a = v[i], b = v[i + 1], h = fabs(wl[i + 1] - wl[i]);
    if (a < 0 && b < 0) w += h;
    else if (a < 0 && b >= 0) w += h * a / (a - b);
    else if (a >= 0 && b < 0) w += h * b / (b - a);
  }
  return w;
}

/* Value at wavelength p of column j of a row-major nwl x npump block (or of
 * a plain vector with stride 1), linear between the bracketing rows; the
 * wavelengths may run either way. */
static double at_wavelength(const double *wl, size_t nwl, const double *v, size_t stride, double p)
{
  for (size_t i = 0; i + 1 < nwl; i++) {
    double a = wl[i], b = wl[i + 1];
    if ((p - a) * (p - b) <= 0) {
      double f = (p - a) / (b - a);
      return v[i * stride] + f * (v[(i + 1) * stride] - v[i * stride]);
    }
  }
  return NAN;
}

static double window_mean(const double *wl, size_t nwl, const double *v, size_t stride, double lo,
                          double hi)
{
  double s = 0;
  size_t c = 0;
  for (size_t i = 0; i < nwl; i++)
    if (wl[i] >= lo && wl[i] <= hi) { s += v[i * stride]; c++; }
  return c ? s / (double)c : NAN;
}

/* alpha0 and Delta alpha (column j, delay d) at the probe or window. */
static void probe_values(const gk_ta_set *s, const gk_ta_result *r, size_t d, size_t j, double *a0,
                         double *da)
{
  const double *blk = s->dod + d * s->nwl * s->npump + j;
  if (r->window) {
    *a0 = window_mean(s->wl, s->nwl, s->alpha0, 1, r->win_lo, r->win_hi);
    *da = window_mean(s->wl, s->nwl, blk, s->npump, r->win_lo, r->win_hi);
  } else {
    *a0 = at_wavelength(s->wl, s->nwl, s->alpha0, 1, r->probe_nm);
    *da = at_wavelength(s->wl, s->nwl, blk, s->npump, r->probe_nm);
  }
}

/* ---- Poisson gain-curve fit ---------------------------------------------- */
struct gc_ctx { const double *n; size_t np; int ne_poisson, own; };

static void gc_model(const double *theta, int ne_poisson, gk_nc_gain_model *m)
{
  *m = (gk_nc_gain_model){.ge = theta[0], .gh = theta[0], .ne = theta[1], .ne_poisson = ne_poisson,
                          .stat = GK_NC_POISSON, .transition = GK_NC_1S};
}

static int gc_fn(const double *theta, double *yhat, void *ctx)
{
  const struct gc_ctx *c = ctx;
  gk_nc_gain_model m;
  gc_model(theta, c->ne_poisson, &m);
  /* own: Delta alpha and alpha0 of the sample itself (pump off, already
   * charged): -Delta alpha/alpha0 = 1 - a(N)/a(0), zero at N = 0; neutral:
   * both referred to the neutral, unexcited film, 1 - a(N) */
  double a00 = c->own ? gk_nc_absorption(&m, 0.0) : 1.0;
  if (!(a00 > 1e-9)) return 1;   /* charged into transparency at N = 0 */
  for (size_t j = 0; j < c->np; j++) {
    yhat[j] = 1 - gk_nc_absorption(&m, c->n[j]) / a00;
    if (!isfinite(yhat[j])) return 1;
  }
  return 0;
}

static double gc_threshold(const double *theta, void *ctx)
{
  const struct gc_ctx *c = ctx;
  gk_nc_gain_model m;
  gc_model(theta, c->ne_poisson, &m);
  double t;
  return gk_nc_threshold(&m, &t, NULL) == GK_OK ? t : NAN;
}

int gk_ta_gain_curve_fit(const double *n_mean, const double *y, size_t np, const gk_ta_options *o,
                         gk_ta_gain_curve *gc, gk_error *err)
{
  memset(gc, 0, sizeof *gc);
  struct gc_ctx c = {n_mean, np, o->ne_poisson, o->alpha0_ref == GK_TA_ALPHA0_OWN};
  double ne0 = o->ne > 0.05 || !o->fit_ne ? o->ne : 0.05;
  gk_param par[2] = {
    {"g", NULL, o->degeneracy, GK_TA_DEGENERACY_MIN, GK_TA_DEGENERACY_MAX, !o->fit_degeneracy},
    {"ne", NULL, ne0, 0, GK_TA_CHARGING_MAX, !o->fit_ne},
  };
  /* the curve is piecewise in n_e (kinks at integers): start on both sides */
  double starts[3 * 2] = {o->degeneracy, 0.5, o->degeneracy, 1.0, o->degeneracy, 1.5};
  gk_fit_problem prob = {.n = np, .p = 2, .y = y, .model = gc_fn, .ctx = &c,
                         .param = par, .starts = o->fit_ne ? starts : NULL,
                         .n_starts = o->fit_ne ? 3 : 0};
  gk_fit_result fr;
  int rc = gk_fit(&prob, &o->fit, &fr, err);
  if (rc) return rc;
  gc->g = fr.value[0];
  gc->g_se = fr.se[0];
  gc->ne = fr.value[1];
  gc->ne_se = fr.se[1];
  gc->chi2_red = fr.chi2_red;
  gc->threshold = gc_threshold(fr.value, &c);
  gc->threshold_se = gk_fit_derived_se(&fr, gc_threshold, &c);
  gc->converged = fr.converged && isfinite(gc->threshold);
  snprintf(gc->reason, sizeof gc->reason, "%s", fr.reason);
  gc->curve = malloc(np * sizeof *gc->curve);
  if (gc->curve) memcpy(gc->curve, fr.yhat, np * sizeof *gc->curve);
  gk_fit_result_free(&fr);
  if (!gc->curve) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  return GK_OK;
}

void gk_ta_gain_curve_free(gk_ta_gain_curve *gc)
{
  if (!gc) return;
  free(gc->curve);
  gc->curve = NULL;
}

static int gain_fit(const gk_ta_set *s, const gk_ta_options *o, gk_ta_result *r, gk_error *err)
{
  gk_ta_gain_curve gc;
  int rc = gk_ta_gain_curve_fit(s->n_mean, r->normalized, s->npump, o, &gc, err);
  if (rc) return rc;
  r->fit_done = 1;
  r->g = gc.g;
  r->g_se = gc.g_se;
  r->ne = gc.ne;
  r->ne_se = gc.ne_se;
  r->fit_chi2_red = gc.chi2_red;
  r->fit_threshold = gc.threshold;
  r->fit_threshold_se = gc.threshold_se;
  r->fit_converged = gc.converged;
  snprintf(r->fit_reason, sizeof r->fit_reason, "%s", gc.reason);
  r->fit_curve = gc.curve;   /* ownership moves to the result */
  return GK_OK;
}

/* ---- checks ------------------------------------------------------------ */
static int check_set(const gk_ta_set *s, const gk_ta_options *o, gk_error *err)
{
  if (!s->wl || !s->alpha0 || !s->n_mean || !s->dod || s->nwl < 2 || s->npump < 1 || s->ndelay < 1)
    return gk_error_set(err, GK_EINPUT, NULL, 0, "need 2 or more wavelengths and 1 or more pump levels");
  for (size_t i = 1; i < s->nwl; i++)
    if ((s->wl[i] - s->wl[i - 1]) * (s->wl[1] - s->wl[0]) <= 0)
      return gk_error_set(err, GK_EINPUT, NULL, 0, "wavelengths must be strictly monotonic");
  for (size_t j = 0; j < s->npump; j++) {
    if (!(s->n_mean[j] >= 0) || !isfinite(s->n_mean[j]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "<N> must be >= 0 (pump %zu is %g)", j + 1, s->n_mean[j]);
    if (j && !(s->n_mean[j] > s->n_mean[j - 1]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "pump levels must increase (pump %zu)", j + 1);
  }
  if (s->ndelay > 1) {
    if (!s->delay) return gk_error_set(err, GK_EINPUT, NULL, 0, "several delays but no delay values");
    for (size_t d = 1; d < s->ndelay; d++)
      if (!(s->delay[d] > s->delay[d - 1]))
        return gk_error_set(err, GK_EINPUT, NULL, 0, "delays must increase (delay %zu)", d + 1);
  }
  if (o->delay_index >= s->ndelay)
    return gk_error_option(err, "delay_index", "delay index %zu out of range", o->delay_index);
  double wmin = fmin(s->wl[0], s->wl[s->nwl - 1]), wmax = fmax(s->wl[0], s->wl[s->nwl - 1]);
  if (!isnan(o->probe_nm) && (o->probe_nm < wmin || o->probe_nm > wmax))
    return gk_error_option(err, "probe_nm", "%g nm is outside the data (%g to %g nm)", o->probe_nm, wmin, wmax);
  if (!isnan(o->win_lo)) {
    size_t c = 0;
    for (size_t i = 0; i < s->nwl; i++) c += s->wl[i] >= o->win_lo && s->wl[i] <= o->win_hi;
    if (!c) return gk_error_option(err, "window", "no wavelengths between %g and %g nm", o->win_lo, o->win_hi);
  }
  return GK_OK;
}

/* Probe by default: the band-edge bleach maximum, the wavelength of the
 * largest normalised bleach -Delta alpha/alpha0 averaged over every pump
 * and every delay (one choice for the whole data set, whatever delay or
 * pump subset is analysed), among wavelengths with alpha0 above 2 % of its
 * maximum, refined by the vertex of the parabola through the largest
 * sample and its neighbours. State filling bleaches the band-edge
 * transition in proportion to its absorption; excited-state absorption and
 * higher transitions lower the ratio elsewhere, so its maximum marks the
 * band edge (and, where -Delta alpha/alpha0 is the occupancy term alone,
 * the wavelength at which the threshold crossing has its meaning).
 * (It used to be the lowest alpha0 + Delta alpha at the highest pump of
 * the analysed delay, which moved with the delay and the pump range: 537
 * or 522.5 nm on one data set.) */
static double auto_probe(const gk_ta_set *s)
{
  double amax = 0;
  for (size_t i = 0; i < s->nwl; i++) amax = fmax(amax, s->alpha0[i]);
  size_t best = 0, nv = s->npump * s->ndelay;
  double bv = -INFINITY;
  double *b = malloc(s->nwl * sizeof *b);
  if (!b) return s->wl[0];
  for (size_t i = 0; i < s->nwl; i++) {
    double sum = 0;
    for (size_t d = 0; d < s->ndelay; d++)
      for (size_t j = 0; j < s->npump; j++) sum -= s->dod[(d * s->nwl + i) * s->npump + j];
    b[i] = s->alpha0[i] > 0 ? sum / (double)nv / s->alpha0[i] : -INFINITY;
    if (s->alpha0[i] > 0.02 * amax && b[i] > bv) { bv = b[i]; best = i; }
  }
  double w = s->wl[best];
  if (best > 0 && best + 1 < s->nwl) {
    double x0 = s->wl[best - 1], x1 = s->wl[best], x2 = s->wl[best + 1];
    double y0 = b[best - 1], y1 = b[best], y2 = b[best + 1];
    double d01 = (y1 - y0) / (x1 - x0), d12 = (y2 - y1) / (x2 - x1), c2 = (d12 - d01) / (x2 - x0);
    if (c2 < 0) {
      double v = 0.5 * (x0 + x1) - d01 / (2 * c2);
      if (v > fmin(x0, x2) && v < fmax(x0, x2)) w = v;
    }
  }
  free(b);
  return w;
}

void gk_ta_result_free(gk_ta_result *r)
{
  if (!r) return;
  free(r->pumped);
  free(r->normalized);
  free(r->fit_curve);
  free(r->gain);
  free(r->bandwidth);
  free(r->pumped_t);
  free(r->threshold_t);
  free(r->threshold_t_se);
  free(r->gain_lifetime);
  free(r->lifetime_censored);
  memset(r, 0, sizeof *r);
}

int gk_ta_analyze(const gk_ta_set *s, const gk_ta_options *o, gk_ta_result *r, gk_error *err)
{
  gk_gsl_init_();
  memset(r, 0, sizeof *r);
  int rc = check_set(s, o, err);
  if (rc) return rc;
  const size_t nw = s->nwl, np = s->npump, nd = s->ndelay, d0 = o->delay_index;
  r->npump = np;
  r->nwl = nw;
  r->ndelay = nd;
  r->delay_index = d0;
  r->pumped = malloc(np * sizeof *r->pumped);
  r->normalized = malloc(np * sizeof *r->normalized);
  r->gain = malloc(nw * np * sizeof *r->gain);
  r->bandwidth = malloc(np * sizeof *r->bandwidth);
  r->pumped_t = malloc(nd * np * sizeof *r->pumped_t);
  r->threshold_t = malloc(nd * sizeof *r->threshold_t);
  r->threshold_t_se = malloc(nd * sizeof *r->threshold_t_se);
  r->gain_lifetime = malloc(np * sizeof *r->gain_lifetime);
  r->lifetime_censored = calloc(np, sizeof *r->lifetime_censored);
  double *col = malloc(nw * sizeof *col), *norm_t = malloc(np * sizeof *norm_t);
  if (!r->pumped || !r->normalized || !r->gain || !r->bandwidth || !r->pumped_t || !r->threshold_t ||
      !r->threshold_t_se || !r->gain_lifetime || !r->lifetime_censored || !col || !norm_t) {
    rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  if (!isnan(o->win_lo)) {
    r->window = 1;
    r->win_lo = o->win_lo;
    r->win_hi = o->win_hi;
    r->probe_nm = 0.5 * (o->win_lo + o->win_hi);
  } else if (!isnan(o->probe_nm)) {
    r->probe_nm = o->probe_nm;
  } else {
    r->probe_nm = auto_probe(s);
    r->probe_auto = 1;
  }
  r->win_lo = r->window ? o->win_lo : NAN;
  r->win_hi = r->window ? o->win_hi : NAN;

  /* per delay: pumped absorption and normalised bleach at the probe */
  for (size_t d = 0; d < nd; d++) {
    for (size_t j = 0; j < np; j++) {
      double a0, da;
      probe_values(s, r, d, j, &a0, &da);
      if (!(a0 > 0)) {
        rc = gk_error_option(err, r->window ? "window" : "probe_nm",
                             "ground-state absorbance at %g nm is %g; -Delta alpha/alpha0 needs alpha0 > 0",
                             r->probe_nm, a0);
        goto out;
      }
      r->alpha0_probe = a0;
      r->pumped_t[d * np + j] = a0 + da;
      norm_t[j] = -da / a0;
      if (d == d0) {
        r->pumped[j] = a0 + da;
        r->normalized[j] = -da / a0;
      }
    }
    gk_ta_crossing(s->n_mean, norm_t, np, 1.0, &r->threshold_t[d], &r->threshold_t_se[d]);
  }
  r->threshold_found = gk_ta_crossing(s->n_mean, r->normalized, np, 1.0, &r->threshold, &r->threshold_se);

  /* sensitivity to the probe: the threshold with the probe moved by
   * GK_TA_PROBE_SHIFT_NM (or one grid step, if coarser) to either side */
  r->sens_nm[0] = r->sens_nm[1] = r->sens_threshold[0] = r->sens_threshold[1] = NAN;
  if (!r->window) {
    double step = 0;
    for (size_t i = 0; i + 1 < nw; i++) step = fmax(step, fabs(s->wl[i + 1] - s->wl[i]));
    double shift = fmax(GK_TA_PROBE_SHIFT_NM, step), keep = r->probe_nm;
    double wmin = fmin(s->wl[0], s->wl[nw - 1]), wmax = fmax(s->wl[0], s->wl[nw - 1]);
    for (int side = 0; side < 2; side++) {
      double w = keep + (side ? shift : -shift);
      if (w < wmin || w > wmax) continue;
      r->probe_nm = w;
      int okp = 1;
      for (size_t j = 0; j < np; j++) {
        double a0, da;
        probe_values(s, r, d0, j, &a0, &da);
        if (!(a0 > 0)) { okp = 0; break; }
        norm_t[j] = -da / a0;
      }
      r->sens_nm[side] = w;
      double se;
      if (okp) gk_ta_crossing(s->n_mean, norm_t, np, 1.0, &r->sens_threshold[side], &se);
    }
    r->probe_nm = keep;
  }

  /* gain spectra and bandwidth at the analysed delay */
  for (size_t j = 0; j < np; j++) {
    for (size_t i = 0; i < nw; i++) {
      col[i] = s->alpha0[i] + s->dod[(d0 * nw + i) * np + j];
      r->gain[i * np + j] = col[i] < 0 ? -col[i] : 0;
    }
    r->bandwidth[j] = gk_ta_negative_width(s->wl, col, nw);
  }
  r->gain_bandwidth_nm = r->bandwidth[np - 1];

  /* gain lifetime: from the first delay in gain to the (interpolated) delay
   * at which alpha0 + Delta alpha at the probe is back to >= 0 */
  for (size_t j = 0; j < np; j++) {
    r->gain_lifetime[j] = NAN;
    if (nd < 2) continue;
    size_t d = 0;
    while (d < nd && r->pumped_t[d * np + j] >= 0) d++;
    if (d == nd) continue;
    for (; d + 1 < nd; d++) {
      double a = r->pumped_t[d * np + j], b = r->pumped_t[(d + 1) * np + j];
      if (a < 0 && b >= 0) {
        r->gain_lifetime[j] = s->delay[d] + (s->delay[d + 1] - s->delay[d]) * (-a) / (b - a);
        break;
      }
    }
    if (d + 1 >= nd) {
      r->gain_lifetime[j] = s->delay[nd - 1];
      r->lifetime_censored[j] = 1;
    }
  }

  if (o->gain_fit) {
    if (np < 3) {
      rc = gk_error_set(err, GK_EINPUT, NULL, 0, "the gain-curve fit needs 3 or more pump levels");
      goto out;
    }
    rc = gain_fit(s, o, r, err);
  }
out:
  free(col);
  free(norm_t);
  if (rc) gk_ta_result_free(r);
  return rc;
}
