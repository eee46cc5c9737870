/* fluence.c — pulse energy and spot geometry -> fluence and peak intensity,
 * with first-order uncertainty propagation, and the measured beam profiles
 * (knife-edge erf fit, camera line profile). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fluence.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

#define SQ(x) ((x) * (x))

double gk_gauss_w_from_fwhm(double fwhm) { return fwhm / sqrt(2 * log(2.0)); }
double gk_pulse_energy(double power, double rep_rate) { return power / rep_rate; }
double gk_absorbed_from_od(double od) { return -expm1(-od * log(10.0)); }

double gk_pulse_peak_factor(gk_pulse_shape s)
{
  switch (s) {
  case GK_PULSE_GAUSS: return 2 * sqrt(log(2.0) / M_PI);
  case GK_PULSE_SECH2: return log(1 + sqrt(2.0));
  case GK_PULSE_SQUARE: return 1;
  }
  return NAN;
}

static double rel(double v, double se) { return (se > 0 && v != 0) ? se / fabs(v) : 0; }

int gk_fluence_compute(const gk_fluence_in *in, gk_fluence_out *o, gk_error *err)
{
  memset(o, 0, sizeof *o);
  if (!(in->energy > 0 && isfinite(in->energy)))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "energy must be > 0 (got %g J)", in->energy);
  if (!(in->transmission > 0 && in->transmission <= 1))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "transmission must be in (0, 1] (got %g)", in->transmission);
  if (!isnan(in->absorbed) && !(in->absorbed > 0 && in->absorbed <= 1))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "absorbed fraction must be in (0, 1] (got %g)", in->absorbed);
  int two = in->spot != GK_SPOT_CIRCLE;
  if (!(in->a > 0 && isfinite(in->a)) || (two && !(in->b > 0 && isfinite(in->b))))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "spot sizes must be > 0 (a = %g cm, b = %g cm)", in->a, in->b);
  double ses[] = {in->se_energy, in->se_transmission, in->se_absorbed, in->se_a, in->se_b};
  for (size_t i = 0; i < sizeof ses / sizeof ses[0]; i++)
    if (ses[i] < 0 || !(isfinite(ses[i]) || isnan(ses[i])))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "uncertainties must be >= 0");
  double a = in->a, b = two ? in->b : in->a;
  double ra = rel(a, in->se_a), rb = two ? rel(b, in->se_b) : ra;
  /* area = k a b; peak/avg = ratio */
  double k, ratio;
  switch (in->spot) {
  case GK_SPOT_RECT:
    k = 1, ratio = 1;
    snprintf(o->area_def, sizeof o->area_def, "rectangle: area = L x W (top hat)");
    snprintf(o->peak_def, sizeof o->peak_def, "top hat: peak = average = E/area");
    break;
  case GK_SPOT_CIRCLE:
    k = M_PI / 4, ratio = 1;
    snprintf(o->area_def, sizeof o->area_def, "circle: area = pi D^2/4 (top hat)");
    snprintf(o->peak_def, sizeof o->peak_def, "top hat: peak = average = E/area");
    break;
  case GK_SPOT_ELLIPSE:
    k = M_PI / 4, ratio = 1;
    snprintf(o->area_def, sizeof o->area_def, "ellipse: area = pi Dx Dy/4 (top hat)");
    snprintf(o->peak_def, sizeof o->peak_def, "top hat: peak = average = E/area");
    break;
  case GK_SPOT_GAUSS:
    k = M_PI, ratio = 2;
    snprintf(o->area_def, sizeof o->area_def, "Gaussian: area = pi wx wy (1/e^2 radii); average = E/area");
    snprintf(o->peak_def, sizeof o->peak_def, "Gaussian: peak = 2E/(pi wx wy) = 2 x average");
    break;
  case GK_SPOT_GAUSS_STRIPE:
    /* across the stripe: integral of exp(-2y^2/w^2) dy = w sqrt(pi/2);
     * nominal width 2w (the 1/e^2 full width) */
    k = 2;
    /* F_peak = E / (L w sqrt(pi/2)); average over L x 2w = E/(2 w L); ratio
     * = 2/sqrt(pi/2) = 1.5958 */
    ratio = 2 / sqrt(M_PI / 2);
    snprintf(o->area_def, sizeof o->area_def,
             "stripe, Gaussian across: area = L x 2w (1/e^2 full width); average = E/area");
    snprintf(o->peak_def, sizeof o->peak_def, "peak (stripe axis) = E/(L w sqrt(pi/2)) = 1.596 x average");
    break;
  default:
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "unknown spot kind %d", (int)in->spot);
  }
  double T = in->transmission;
  o->energy = in->energy * T;
  double rE = sqrt(SQ(rel(in->energy, in->se_energy)) + SQ(rel(T, in->se_transmission)));
  o->se_energy = o->energy * rE;
  o->area = k * a * b;
  double rA = in->spot == GK_SPOT_CIRCLE ? 2 * ra : sqrt(ra * ra + rb * rb);
  o->se_area = o->area * rA;
  o->f_avg = o->energy / o->area;
  double rF = sqrt(rE * rE + rA * rA);
  o->se_f_avg = o->f_avg * rF;
  o->f_peak = ratio * o->f_avg;
  o->se_f_peak = o->f_peak * rF;
  o->area_eff = o->energy / o->f_peak;
  o->peak_over_time = NAN;
  o->i_peak = o->se_i_peak = NAN;
  if (!isnan(in->pulse_fwhm)) {
    if (!(in->pulse_fwhm > 0 && isfinite(in->pulse_fwhm)))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "pulse width must be > 0 (got %g s)", in->pulse_fwhm);
    o->peak_over_time = gk_pulse_peak_factor(in->pulse_shape);
    o->i_peak = o->peak_over_time * o->f_peak / in->pulse_fwhm;
    o->se_i_peak = o->i_peak * rF;
  }
  o->f_abs_peak = o->se_f_abs_peak = NAN;
  if (!isnan(in->absorbed)) {
    o->f_abs_peak = o->f_peak * in->absorbed;
    o->se_f_abs_peak = o->f_abs_peak * sqrt(rF * rF + SQ(rel(in->absorbed, in->se_absorbed)));
  }
  return GK_OK;
}

/* ---- knife edge -------------------------------------------------------- */
typedef struct { const double *x; size_t n; int s; } kctx;

static int knife_model(const double *th, double *y, void *vc)
{
  const kctx *c = vc;
  for (size_t i = 0; i < c->n; i++)
    y[i] = th[0] + 0.5 * th[1] * erfc(c->s * M_SQRT2 * (c->x[i] - th[2]) / th[3]);
  return 0;
}
static int knife_jac(const double *th, double *J, void *vc)
{
  const kctx *c = vc;
  for (size_t i = 0; i < c->n; i++) {
    double u = c->s * M_SQRT2 * (c->x[i] - th[2]) / th[3];
    double d = -2 / sqrt(M_PI) * exp(-u * u); /* d erfc/du */
    double *r = J + 4 * i;
    r[0] = 1;
    r[1] = 0.5 * erfc(u);
    r[2] = 0.5 * th[1] * d * (-c->s * M_SQRT2 / th[3]);
    r[3] = 0.5 * th[1] * d * (-u / th[3]);
  }
  return 0;
}

/* x where the (monotonic) data cross level, linear interpolation; NAN if not */
static double crossing(const double *x, const double *y, size_t n, double level)
{
  for (size_t i = 0; i + 1 < n; i++) {
    double a = y[i] - level, b = y[i + 1] - level;
    if (a == 0) return x[i];
    if ((a < 0) != (b < 0)) return x[i] + (x[i + 1] - x[i]) * a / (a - b);
  }
  return NAN;
}

static int check_xy(const double *x, const double *y, size_t n, size_t nmin, const char *what, gk_error *err)
{
  if (n < nmin) return gk_error_set(err, GK_EINPUT, NULL, 0, "%s needs at least %zu points (got %zu)", what, nmin, n);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "%s: point %zu is not finite", what, i + 1);
    if (i && !(x[i] > x[i - 1]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "%s: positions must increase (point %zu)", what, i + 1);
  }
  return GK_OK;
}

int gk_knife_edge_fit(const double *x, const double *p, size_t n, gk_knife_result *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  int rc = check_xy(x, p, n, 5, "knife-edge scan", err);
  if (rc) return rc;
  double lo = p[0], hi = p[0];
  for (size_t i = 0; i < n; i++) lo = fmin(lo, p[i]), hi = fmax(hi, p[i]);
  if (!(hi > lo)) return gk_error_set(err, GK_EINPUT, NULL, 0, "knife-edge scan: the power does not change");
  /* direction from the ends: falling (+1) when the first points are higher */
  size_t m = n / 4 ? n / 4 : 1;
  double head = 0, tail = 0;
  for (size_t i = 0; i < m; i++) head += p[i], tail += p[n - 1 - i];
  int s = head > tail ? 1 : -1;
  r->direction = s;
  double span = x[n - 1] - x[0];
  /* second method: 10-90 % clip distance (w = d / 1.28155 for a Gaussian) */
  double c10 = crossing(x, p, n, lo + 0.1 * (hi - lo)), c90 = crossing(x, p, n, lo + 0.9 * (hi - lo));
  double z90 = 0.9061938024368232; /* u with erfc(u)/2 = 0.1 */
  r->w_1090 = (isnan(c10) || isnan(c90)) ? NAN : fabs(c10 - c90) / (2 * z90 / M_SQRT2);
  double x50 = crossing(x, p, n, 0.5 * (lo + hi));
  if (isnan(x50)) x50 = 0.5 * (x[0] + x[n - 1]);
  double w0 = isnan(r->w_1090) || r->w_1090 <= 0 ? span / 4 : r->w_1090;
  kctx c = {x, n, s};
  double scale = hi - lo;
  gk_param par[4] = {{"bg", NULL, lo, -INFINITY, INFINITY, 0},
                     {"P0", NULL, scale, 0, INFINITY, 0},
                     {"x0", "cm", x50, x[0] - span, x[n - 1] + span, 0},
                     {"w", "cm", w0, 0, 10 * span, 0}};
  double starts[8] = {lo, scale, x50, w0 * 0.3, lo, scale, x50, w0 * 3};
  gk_fit_problem prob = {.n = n, .p = 4, .y = p, .weighting = GK_WEIGHT_NONE, .model = knife_model,
                         .jac = knife_jac, .ctx = &c, .param = par, .starts = starts, .n_starts = 2};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  rc = gk_fit(&prob, &opt, &r->fit, err);
  if (rc) return rc;
  r->bg = r->fit.value[0], r->se_bg = r->fit.se[0];
  r->p0 = r->fit.value[1], r->se_p0 = r->fit.se[1];
  r->x0 = r->fit.value[2], r->se_x0 = r->fit.se[2];
  r->w = r->fit.value[3], r->se_w = r->fit.se[3];
  r->converged = r->fit.converged && r->fit.cov_ok;
  return GK_OK;
}

double gk_knife_model(const gk_knife_result *r, double x)
{
  return r->bg + 0.5 * r->p0 * erfc(r->direction * M_SQRT2 * (x - r->x0) / r->w);
}
void gk_knife_free(gk_knife_result *r) { gk_fit_result_free(&r->fit); }

/* ---- camera line profile ----------------------------------------------- */
typedef struct { const double *x; size_t n; } pctx;
static int prof_model(const double *th, double *y, void *vc)
{
  const pctx *c = vc;
  for (size_t i = 0; i < c->n; i++) y[i] = th[0] + th[1] * exp(-2 * SQ(c->x[i] - th[2]) / SQ(th[3]));
  return 0;
}
static int prof_jac(const double *th, double *J, void *vc)
{
  const pctx *c = vc;
  for (size_t i = 0; i < c->n; i++) {
    double d = c->x[i] - th[2], e = exp(-2 * d * d / SQ(th[3]));
    double *r = J + 4 * i;
    r[0] = 1;
    r[1] = e;
    r[2] = th[1] * e * 4 * d / SQ(th[3]);
    r[3] = th[1] * e * 4 * d * d / (th[3] * th[3] * th[3]);
  }
  return 0;
}

int gk_line_profile_fit(const double *x, const double *y, size_t n, gk_profile_result *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  int rc = check_xy(x, y, n, 5, "beam profile", err);
  if (rc) return rc;
  double lo = y[0], hi = y[0];
  size_t imax = 0;
  for (size_t i = 0; i < n; i++) {
    lo = fmin(lo, y[i]);
    if (y[i] > hi) hi = y[i], imax = i;
  }
  if (!(hi > lo)) return gk_error_set(err, GK_EINPUT, NULL, 0, "beam profile is flat");
  /* second moment (ISO 11146 style): baseline from the outer 10 % of the
   * points on each side, integration window +-3w around the centroid,
   * iterated (the wings' noise otherwise dominates x^2 weights) */
  size_t ne = n / 10 ? n / 10 : 1;
  double base = 0;
  for (size_t i = 0; i < ne; i++) base += y[i] + y[n - 1 - i];
  base /= (double)(2 * ne);
  double mu = x[imax], wd = x[n - 1] - x[0];
  for (int it = 0; it < 20; it++) {
    double s0 = 0, s1 = 0, s2 = 0, lo_x = mu - 3 * wd, hi_x = mu + 3 * wd;
    for (size_t i = 0; i + 1 < n; i++) {
      if (x[i] < lo_x || x[i + 1] > hi_x) continue;
      double dx = x[i + 1] - x[i], ya = y[i] - base, yb = y[i + 1] - base;
      s0 += 0.5 * dx * (ya + yb);
      s1 += 0.5 * dx * (ya * x[i] + yb * x[i + 1]);
    }
    if (!(s0 > 0)) break;
    double m1 = s1 / s0;
    for (size_t i = 0; i + 1 < n; i++) {
      if (x[i] < lo_x || x[i + 1] > hi_x) continue;
      double dx = x[i + 1] - x[i], ya = y[i] - base, yb = y[i + 1] - base;
      s2 += 0.5 * dx * (ya * SQ(x[i] - m1) + yb * SQ(x[i + 1] - m1));
    }
    if (!(s2 > 0)) break;
    double wn = 2 * sqrt(s2 / s0);
    mu = m1;
    if (fabs(wn - wd) < 1e-6 * wn) { wd = wn; break; }
    wd = wn;
  }
  r->w_d4s = wd;
  double half = lo + 0.5 * (hi - lo);
  double left = NAN, right = NAN;
  for (size_t i = imax; i > 0; i--)
    if (y[i - 1] < half) { left = x[i - 1] + (x[i] - x[i - 1]) * (half - y[i - 1]) / (y[i] - y[i - 1]); break; }
  for (size_t i = imax; i + 1 < n; i++)
    if (y[i + 1] < half) { right = x[i] + (x[i + 1] - x[i]) * (y[i] - half) / (y[i] - y[i + 1]); break; }
  r->fwhm = (isnan(left) || isnan(right)) ? NAN : right - left;
  double w0 = !isnan(r->fwhm) ? gk_gauss_w_from_fwhm(r->fwhm) : r->w_d4s;
  double span = x[n - 1] - x[0];
  if (!(w0 > 0)) w0 = span / 4;
  pctx c = {x, n};
  gk_param par[4] = {{"bg", NULL, lo, -INFINITY, INFINITY, 0},
                     {"A", NULL, hi - lo, 0, INFINITY, 0},
                     {"x0", "cm", x[imax], x[0] - span, x[n - 1] + span, 0},
                     {"w", "cm", w0, 0, 10 * span, 0}};
  gk_fit_problem prob = {.n = n, .p = 4, .y = y, .weighting = GK_WEIGHT_NONE, .model = prof_model,
                         .jac = prof_jac, .ctx = &c, .param = par};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  rc = gk_fit(&prob, &opt, &r->fit, err);
  if (rc) return rc;
  r->bg = r->fit.value[0], r->se_bg = r->fit.se[0];
  r->amp = r->fit.value[1], r->se_amp = r->fit.se[1];
  r->x0 = r->fit.value[2], r->se_x0 = r->fit.se[2];
  r->w = r->fit.value[3], r->se_w = r->fit.se[3];
  r->converged = r->fit.converged && r->fit.cov_ok;
  return GK_OK;
}
void gk_profile_free(gk_profile_result *r) { gk_fit_result_free(&r->fit); }
