/* trpl.c — global fit of PL decays at several fluences: ABC or
 * trap-assisted recombination, optionally convolved with an instrument
 * response (Gaussian or measured). See gainkit/trpl.h.
 *
 * Everything is solved in scaled units: time s = t/tau (tau = the span of
 * the data), densities u = N/Nref (Nref = the largest N0), so that the fit
 * parameters are O(1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "gainkit/trpl.h"
#include "fit/profile1.h"
#include "core/core_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define SQRT2 1.41421356237309504880
#define LN2 0.69314718055994530942
#define EULER_E 2.71828182845904523536
#define MAXP 6           /* fit parameters: up to 4 physical + t0 + fwhm */
#define GRID_MAX 20000   /* fine-grid points for the IRF convolution */

/* ---- the ODEs (scaled) ----------------------------------------------- */
typedef struct kpar {
  gk_trpl_model model;
  double a[4];   /* ABC: a1, a2, a3; TRAP: b2, bT, bD, nT */
} kpar;

/* Solved for y0 = ln u (ABC) or ln u_e (TRAP), so that the decays keep
 * their relative accuracy over any number of decades (the fit compares log
 * PL), and y1 = u_t. */
static int rhs(double t, const double y[], double f[], void *p)
{
  (void)t;
  const kpar *k = p;
  double u = exp(y[0]);
  if (k->model == GK_TRPL_ABC) {
    f[0] = -k->a[0] - k->a[1] * u - k->a[2] * u * u;
  } else {
    double ut = y[1], uh = u + ut;
    f[0] = -k->a[0] * uh - k->a[1] * (k->a[3] - ut);
    f[1] = k->a[1] * u * (k->a[3] - ut) - k->a[2] * ut * uh;
  }
  return GSL_SUCCESS;
}

/* Solve from u0 (traps empty) at scaled times s[0..n-1] (increasing, >= 0);
 * y1[q] = ln u (ABC) or ln u_e (TRAP), y2[q] = u_t (TRAP; may be NULL). */
static int solve_k(const kpar *k, double u0, const double *s, size_t n, double *y1, double *y2)
{
  size_t dim = k->model == GK_TRPL_ABC ? 1 : 2;
  gsl_odeiv2_system sys = {rhs, NULL, dim, (void *)k};
  gsl_odeiv2_driver *dr = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-6, 1e-11, 1e-10);
  if (!dr) return -1;
  double tt = 0, y[2] = {log(u0), 0};
  int rc = 0;
  gk_gsl_init_();  /* the one GSL-handler policy: src/core/gsl.c */
  for (size_t q = 0; q < n; q++) {
    if (s[q] > tt) {
      int st = gsl_odeiv2_driver_apply(dr, &tt, s[q], y);
      if (st != GSL_SUCCESS || !isfinite(y[0])) { rc = -1; break; }
    }
    y1[q] = y[0];
    if (y2) y2[q] = y[1];
  }
  gsl_odeiv2_driver_free(dr);
  return rc;
}

/* log of the PL shape (no scale) at scaled times s >= 0: ln u^2 (ABC) or
 * ln u_e u_h (TRAP). */
static int log_shape(const kpar *k, double u0, const double *s, size_t n, double *out, double *work)
{
  if (solve_k(k, u0, s, n, out, k->model == GK_TRPL_TRAP ? work : NULL)) return -1;
  for (size_t q = 0; q < n; q++) {
    if (k->model == GK_TRPL_ABC) out[q] = 2 * out[q];
    else {
      double uh = exp(out[q]) + work[q];
      if (!(uh > 0)) return -1;
      out[q] = out[q] + log(uh);
    }
  }
  return 0;
}
/* the PL shape itself (for the IRF convolution) */
static int pl_shape(const kpar *k, double u0, const double *s, size_t n, double *out, double *work)
{
  if (log_shape(k, u0, s, n, out, work)) return -1;
  for (size_t q = 0; q < n; q++) out[q] = exp(out[q]);
  return 0;
}

int gk_trpl_density(double k1, double k2, double k3, double n0, const double *t, size_t n, double *out)
{
  if (n == 0 || !(n0 > 0) || k1 < 0 || k2 < 0 || k3 < 0) return GK_EUSAGE;
  double tau = t[n - 1] > 0 ? t[n - 1] : 1;
  kpar k = {GK_TRPL_ABC, {k1 * tau, k2 * n0 * tau, k3 * n0 * n0 * tau, 0}};
  double *s = malloc(n * sizeof *s);
  if (!s) return GK_ENOMEM;
  for (size_t q = 0; q < n; q++) s[q] = t[q] / tau;
  int rc = solve_k(&k, 1.0, s, n, out, NULL);
  for (size_t q = 0; q < n; q++) out[q] = exp(out[q]) * n0;
  free(s);
  return rc ? GK_EDOM : GK_OK;
}

int gk_trpl_trap_density(double k2, double kt, double kd, double nt_total, double n0, const double *t,
                         size_t n, double *ne, double *ntrap)
{
  if (n == 0 || !(n0 > 0) || k2 < 0 || kt < 0 || kd < 0 || nt_total < 0) return GK_EUSAGE;
  double tau = t[n - 1] > 0 ? t[n - 1] : 1;
  kpar k = {GK_TRPL_TRAP, {k2 * n0 * tau, kt * n0 * tau, kd * n0 * tau, nt_total / n0}};
  double *s = malloc(n * sizeof *s), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  int rc = GK_ENOMEM;
  if (s && a && b) {
    for (size_t q = 0; q < n; q++) s[q] = t[q] / tau;
    rc = solve_k(&k, 1.0, s, n, a, b) ? GK_EDOM : GK_OK;
    for (size_t q = 0; q < n && rc == GK_OK; q++) {
      if (ne) ne[q] = exp(a[q]) * n0;
      if (ntrap) ntrap[q] = b[q] * n0;
    }
  }
  free(s);
  free(a);
  free(b);
  return rc;
}

double gk_trpl_charged_occupancy(double q0)
{
  return q0 > 0 && q0 <= 1 ? -log(q0) : NAN;
}

void gk_trpl_options_default(gk_trpl_options *o)
{
  memset(o, 0, sizeof *o);
  gk_fit_options_default(&o->fit);
}

static const char *const pname[GK_TRPL_NPAR] = {"k1", "k2", "k3", "kT", "kD", "NT"};
static const char *const punit[GK_TRPL_NPAR] = {"s^-1", "cm^3 s^-1", "cm^6 s^-1", "cm^3 s^-1", "cm^3 s^-1",
                                                 "cm^-3"};
const char *gk_trpl_param_name(int i) { return i >= 0 && i < GK_TRPL_NPAR ? pname[i] : "?"; }
const char *gk_trpl_param_unit(int i) { return i >= 0 && i < GK_TRPL_NPAR ? punit[i] : ""; }

/* ---- the fit ----------------------------------------------------------- */
typedef struct tctx {
  const gk_trpl_data *d;
  gk_trpl_model model;
  int nphys;             /* 3 (ABC) or 4 (TRAP) */
  gk_trpl_irf irf;
  int i_t0, i_fw;        /* indices of t0 and fwhm in theta (-1: absent) */
  double tau, nref;
  double *s;             /* scaled data times */
  size_t *idx;           /* for each residual: decay*n + q */
  size_t m;              /* residuals */
  int shared;
  double scale[GK_TRPL_MAX_DECAYS];   /* log scales */
  double *logy;          /* log data at the residual points */
  /* IRF convolution */
  double h;              /* fine-grid step (scaled) */
  double *grid, *pg, *work;   /* GRID_MAX */
  double *shape;         /* n: PL shape of one decay at the data times */
  double *lu;            /* m */
  /* measured IRF: scaled times relative to the centroid, unit area */
  size_t irf_n;
  double *irf_s, *irf_r, irf_h;
} tctx;

static double phi(double z) { return exp(-0.5 * z * z) / sqrt(2 * M_PI); }

/* measured IRF at scaled time u (relative to its centroid), linear
 * interpolation, 0 outside */
static double irf_at(const tctx *c, double u)
{
  /* c->irf_s is uniform (resampled in setup_irf) */
  double f = (u - c->irf_s[0]) / c->irf_h;
  if (!(f >= 0)) return 0;
  size_t lo = (size_t)f;
  if (lo >= c->irf_n - 1) return lo == c->irf_n - 1 && f == (double)lo ? c->irf_r[lo] : 0;
  f -= (double)lo;
  return c->irf_r[lo] + f * (c->irf_r[lo + 1] - c->irf_r[lo]);
}

/* PL shape of decay dd at every data time into c->shape. */
static int decay_shape(tctx *c, const double *th, size_t dd)
{
  const gk_trpl_data *d = c->d;
  kpar k = {c->model, {th[0], th[1], th[2], c->nphys > 3 ? th[3] : 0}};
  for (int i = 0; i < c->nphys; i++)
    if (!(k.a[i] >= 0)) return -1;
  double u0 = d->n0[dd] / c->nref;
  if (c->irf == GK_TRPL_IRF_NONE) return log_shape(&k, u0, c->s, d->n, c->shape, c->work);
  double t0 = th[c->i_t0];
  double sig = c->i_fw >= 0 ? th[c->i_fw] / (2 * sqrt(2 * LN2)) : 0;
  if (c->irf == GK_TRPL_IRF_GAUSS && !(sig > 0)) return -1;
  double reach = c->irf == GK_TRPL_IRF_GAUSS ? 6 * sig : -c->irf_s[0];
  double span = c->s[d->n - 1] - t0 + reach;
  if (!(span > 0)) {
    for (size_t q = 0; q < d->n; q++) c->shape[q] = -INFINITY;
    return 0;
  }
  size_t K = (size_t)ceil(span / c->h) + 2;
  if (K > GRID_MAX) return -1;
  for (size_t q = 0; q < K; q++) c->grid[q] = (double)q * c->h;
  if (pl_shape(&k, u0, c->grid, K, c->pg, c->work)) return -1;
  double h = c->h;
  for (size_t q = 0; q < d->n; q++) {
    double x = c->s[q] - t0, acc = 0;
    if (c->irf == GK_TRPL_IRF_GAUSS) {
      /* exact convolution of the piecewise-linear PL with the Gaussian */
      if (x + 6 * sig <= 0) { c->shape[q] = -INFINITY; continue; }
      double lo = fmax(0, x - 6 * sig), hi = x + 6 * sig;
      size_t k0 = (size_t)floor(lo / h), k1 = (size_t)ceil(hi / h);
      if (k1 > K - 1) k1 = K - 1;
      /* boundary values shared by adjacent segments; the upper tail
       * (z > 0) through erfc of the complement for accuracy */
      double za = (x - (double)k0 * h) / sig;
      double Qa = 0.5 * erfc(fabs(za) / SQRT2), pa = phi(za);
      for (size_t kk = k0; kk < k1; kk++) {
        double ta = (double)kk * h, zb = (x - ta - h) / sig;
        double Qb = 0.5 * erfc(fabs(zb) / SQRT2), pb = phi(zb);
        /* I0 = Phi(za) - Phi(zb), Phi(z) = Q(|z|) for z < 0, 1 - Q(z) else */
        double I0 = za > 0 && zb > 0 ? Qb - Qa : za <= 0 ? Qa - Qb : (1 - Qa) - Qb;
        double I1 = x * I0 - sig * (pb - pa);
        acc += c->pg[kk] * I0 + (c->pg[kk + 1] - c->pg[kk]) / h * (I1 - ta * I0);
        za = zb;
        Qa = Qb;
        pa = pb;
      }
    } else {
      /* trapezoid over the PL grid (starting exactly at the excitation)
       * times the interpolated measured response */
      double lo = fmax(0, x - c->irf_s[c->irf_n - 1]), hi = x - c->irf_s[0];
      if (hi <= 0) { c->shape[q] = -INFINITY; continue; }
      size_t k0 = (size_t)floor(lo / h), k1 = (size_t)ceil(hi / h);
      if (k1 > K - 1) k1 = K - 1;
      for (size_t kk = k0; kk <= k1; kk++) {
        double w = kk == 0 ? 0.5 * h : h;
        acc += w * c->pg[kk] * irf_at(c, x - kk * h);
      }
    }
    c->shape[q] = acc > 0 ? log(acc) : -INFINITY;
  }
  return 0;
}

/* Model on log scale: log(scale_d shape); log scale_d by least squares on
 * the log residuals (mean of log y - log shape). */
static int tmodel(const double *th, double *yhat, void *ctx)
{
  tctx *c = ctx;
  const gk_trpl_data *d = c->d;
  double *lu = c->lu;
  size_t r = 0;
  double gsum = 0;
  size_t gn = 0;
  for (size_t dd = 0; dd < d->ndecay; dd++) {
    if (decay_shape(c, th, dd)) return -1;
    double sum = 0;
    size_t cnt = 0, r0 = r;
    while (r < c->m && c->idx[r] / d->n == dd) {
      double u = c->shape[c->idx[r] % d->n];
      if (!isfinite(u)) return -1;
      lu[r] = u;
      sum += c->logy[r] - lu[r];
      cnt++;
      r++;
    }
    double ls = cnt ? sum / (double)cnt : 0;
    c->scale[dd] = ls;
    gsum += sum;
    gn += cnt;
    if (!c->shared)
      for (size_t q = r0; q < r; q++) yhat[q] = lu[q] + ls;
  }
  if (c->shared) {
    double ls = gn ? gsum / (double)gn : 0;
    for (size_t dd = 0; dd < d->ndecay; dd++) c->scale[dd] = ls;
    for (size_t q = 0; q < c->m; q++) yhat[q] = lu[q] + ls;
  }
  return 0;
}

void gk_trpl_result_free(gk_trpl_result *r)
{
  if (!r) return;
  free(r->fit);
  memset(r, 0, sizeof *r);
}

/* physical value of fit parameter i (scaled -> cgs) */
static double unscale(const tctx *c, int i, double v)
{
  double T = c->tau, N = c->nref;
  if (c->model == GK_TRPL_ABC) {
    return i == 0 ? v / T : i == 1 ? v / (N * T) : v / (N * N * T);
  }
  return i == 3 ? v * N : v / (N * T);
}
/* index in the report (k1 k2 k3 kT kD NT) of fit parameter i */
static int report_index(const tctx *c, int i)
{
  static const int abc[3] = {0, 1, 2}, trap[4] = {1, 3, 4, 5};
  return c->model == GK_TRPL_ABC ? abc[i] : trap[i];
}

/* ---- lifetimes (Tatarinov et al.) -------------------------------------- */
int gk_trpl_lifetimes(const gk_trpl_data *d, double *tau, double *n_peak, gk_error *err)
{
  *n_peak = NAN;
  if (d->ndecay < 1 || d->n < 2) return gk_error_set(err, GK_EUSAGE, NULL, 0, "ndecay, n: need decays");
  for (size_t k = 1; k < d->ndecay; k++)
    if (!(d->n0[k] > d->n0[k - 1]))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "n0: must increase for the lifetime analysis");
  for (size_t k = 0; k < d->ndecay; k++) {
    const double *y = d->pl + k * d->n;
    size_t ip = 0;
    for (size_t q = 1; q < d->n; q++)
      if (y[q] > y[ip]) ip = q;
    tau[k] = NAN;
    double lev = y[ip] / EULER_E;
    for (size_t q = ip + 1; q < d->n; q++)
      if (y[q] < lev) {
        double ya = y[q - 1], yb = y[q], f;
        if (yb > 0 && ya > 0) f = log(ya / lev) / log(ya / yb);
        else f = (ya - lev) / (ya - yb);
        tau[k] = d->t[q - 1] + f * (d->t[q] - d->t[q - 1]) - d->t[ip];
        break;
      }
  }
  size_t best = d->ndecay;
  for (size_t k = 0; k < d->ndecay; k++)
    if (isfinite(tau[k]) && (best == d->ndecay || tau[k] > tau[best])) best = k;
  if (best == d->ndecay || best == 0 || best == d->ndecay - 1) return GK_OK;
  if (!isfinite(tau[best - 1]) || !isfinite(tau[best + 1])) return GK_OK;
  /* vertex of the parabola through the three points in x = ln N0 */
  double x0 = log(d->n0[best - 1]), x1 = log(d->n0[best]), x2 = log(d->n0[best + 1]);
  double y0 = tau[best - 1], y1 = tau[best], y2 = tau[best + 1];
  double den = (x0 - x1) * (x0 - x2) * (x1 - x2);
  double A = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / den;
  double B = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / den;
  if (!(A < 0)) return GK_OK;
  double xv = -B / (2 * A);
  if (xv < x0 || xv > x2) return GK_OK;
  *n_peak = exp(xv);
  return GK_OK;
}

/* ---- driver ------------------------------------------------------------- */
static int setup_irf(tctx *c, const gk_trpl_options *o, gk_error *err)
{
  const gk_trpl_data *d = c->d;
  double dtmin = INFINITY;
  for (size_t q = 1; q < d->n; q++) dtmin = fmin(dtmin, c->s[q] - c->s[q - 1]);
  if (o->irf == GK_TRPL_IRF_GAUSS) {
    if (!(o->fwhm > 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "fwhm: the IRF FWHM start must be > 0");
    c->h = fmin(dtmin, o->fwhm / c->tau / 2.3548 / 3);
  } else {
    if (o->irf_n < 3 || !o->irf_t || !o->irf_y)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "irf_t, irf_y: a measured IRF needs >= 3 points");
    double sw = 0, st = 0, mx = 0;
    for (size_t q = 0; q < o->irf_n; q++) {
      if (!isfinite(o->irf_t[q]) || !isfinite(o->irf_y[q]) || (q && !(o->irf_t[q] > o->irf_t[q - 1])))
        return gk_error_set(err, GK_EUSAGE, NULL, 0, "irf_t: IRF times must increase (point %zu)", q + 1);
      double y = fmax(o->irf_y[q], 0);
      double w = q == 0 ? 0 : o->irf_t[q] - o->irf_t[q - 1];
      sw += y * w;
      st += y * o->irf_t[q] * w;
      mx = fmax(mx, y);
      if (q) dtmin = fmin(dtmin, (o->irf_t[q] - o->irf_t[q - 1]) / c->tau);
    }
    if (!(sw > 0) || !(mx > 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "irf_y: the measured IRF has no positive signal");
    double cen = st / sw;
    /* resample on a uniform grid (step: the finest of data and IRF steps,
     * at least 1/4000 of the IRF span), in scaled time relative to the
     * centroid, unit area (trapezoid) */
    double a = (o->irf_t[0] - cen) / c->tau, b = (o->irf_t[o->irf_n - 1] - cen) / c->tau;
    double hh = fmax(dtmin, (b - a) / 4000);
    size_t m = (size_t)floor((b - a) / hh) + 1;
    c->irf_n = m;
    c->irf_h = hh;
    c->irf_s = malloc(m * sizeof *c->irf_s);
    c->irf_r = malloc(m * sizeof *c->irf_r);
    if (!c->irf_s || !c->irf_r) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    size_t j = 0;
    double area = 0;
    for (size_t q = 0; q < m; q++) {
      double tq = cen + (a + (double)q * hh) * c->tau;
      while (j + 2 < o->irf_n && o->irf_t[j + 1] < tq) j++;
      double f = (tq - o->irf_t[j]) / (o->irf_t[j + 1] - o->irf_t[j]);
      f = fmin(fmax(f, 0), 1);
      c->irf_s[q] = a + (double)q * hh;
      c->irf_r[q] = fmax(o->irf_y[j], 0) + f * (fmax(o->irf_y[j + 1], 0) - fmax(o->irf_y[j], 0));
      if (q) area += 0.5 * (c->irf_r[q] + c->irf_r[q - 1]) * hh;
    }
    if (!(area > 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "irf_y: the measured IRF has no positive signal");
    for (size_t q = 0; q < m; q++) c->irf_r[q] /= area;
    c->h = dtmin;
  }
  double span = c->s[d->n - 1] - c->s[0];
  if (c->h < span / (GRID_MAX / 2)) c->h = span / (GRID_MAX / 2);
  c->grid = malloc(GRID_MAX * sizeof *c->grid);
  c->pg = malloc(GRID_MAX * sizeof *c->pg);
  free(c->work);
  c->work = malloc(GRID_MAX * sizeof *c->work);
  if (!c->grid || !c->pg || !c->work) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  return GK_OK;
}

int gk_trpl_fit(const gk_trpl_data *d, const gk_trpl_options *o, gk_trpl_result *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  if (d->ndecay < 1 || d->ndecay > GK_TRPL_MAX_DECAYS)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "ndecay: %zu is not in 1..%d", d->ndecay, GK_TRPL_MAX_DECAYS);
  if (d->n < 4) return gk_error_set(err, GK_EINPUT, NULL, 0, "TRPL fit: needs >= 4 time points (got %zu)", d->n);
  int has_irf = o->irf != GK_TRPL_IRF_NONE;
  for (size_t q = 0; q < d->n; q++)
    if (!isfinite(d->t[q]) || (!has_irf && !(d->t[q] >= 0)) || (q && !(d->t[q] > d->t[q - 1])))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "TRPL fit: times must be %sincreasing (point %zu)",
                          has_irf ? "" : ">= 0 and ", q + 1);
  double nref = 0;
  for (size_t k = 0; k < d->ndecay; k++) {
    if (!(d->n0[k] > 0) || !isfinite(d->n0[k]))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "n0[%zu]: initial density must be > 0", k);
    nref = fmax(nref, d->n0[k]);
  }
  tctx c = {0};
  c.d = d;
  c.model = o->model;
  c.nphys = o->model == GK_TRPL_TRAP ? 4 : 3;
  c.irf = o->irf;
  c.i_t0 = has_irf ? c.nphys : -1;
  c.i_fw = o->irf == GK_TRPL_IRF_GAUSS ? c.nphys + 1 : -1;
  c.tau = d->t[d->n - 1] - fmin(d->t[0], 0);
  c.nref = nref;
  c.shared = o->shared_scale;
  size_t nn = d->n * d->ndecay;
  c.s = malloc(d->n * sizeof *c.s);
  c.shape = malloc(d->n * sizeof *c.shape);
  c.work = malloc(d->n * sizeof *c.work);
  c.idx = malloc(nn * sizeof *c.idx);
  c.logy = malloc(nn * sizeof *c.logy);
  c.lu = malloc(nn * sizeof *c.lu);
  r->fit = malloc(nn * sizeof *r->fit);
  gk_fit_workspace *ws = NULL;
  int rc = GK_OK;
  if (!c.s || !c.shape || !c.work || !c.idx || !c.logy || !c.lu || !r->fit) {
    rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  for (size_t q = 0; q < d->n; q++) c.s[q] = d->t[q] / c.tau;
  if (has_irf && (rc = setup_irf(&c, o, err)) != GK_OK) goto out;
  /* with an IRF, the points before the rise carry only background: fit
   * from (decay maximum - the IRF's leading width) on */
  double lead = 0;
  if (o->irf == GK_TRPL_IRF_GAUSS) lead = 1.5 * o->fwhm / c.tau;
  else if (o->irf == GK_TRPL_IRF_MEASURED) {
    size_t ip = 0;
    for (size_t q = 1; q < c.irf_n; q++)
      if (c.irf_r[q] > c.irf_r[ip]) ip = q;
    size_t q0 = ip;
    while (q0 > 0 && c.irf_r[q0 - 1] > 0.01 * c.irf_r[ip]) q0--;
    lead = c.irf_s[ip] - c.irf_s[q0];
  }
  for (size_t k = 0; k < d->ndecay; k++) {
    const double *y = d->pl + k * d->n;
    size_t ip = 0;
    for (size_t q = 1; q < d->n; q++)
      if (y[q] > y[ip]) ip = q;
    for (size_t q = 0; q < d->n; q++)
      if (y[q] > 0 && isfinite(y[q]) && (!has_irf || c.s[q] >= c.s[ip] - lead)) {
        c.idx[c.m] = k * d->n + q;
        c.logy[c.m] = log(y[q]);
        c.m++;
      }
  }
  size_t npar = (size_t)c.nphys + (has_irf ? 1 : 0) + (o->irf == GK_TRPL_IRF_GAUSS ? 1 : 0);
  if (c.m < npar + d->ndecay + 1) {
    rc = gk_error_set(err, GK_EINPUT, NULL, 0, "TRPL fit: too few points with PL > 0");
    goto out;
  }
  gk_param par[MAXP];
  double starts[6 * MAXP];
  size_t fp_refine = 0;
  size_t nst = 0;
  memset(par, 0, sizeof par);
  double T = c.tau, N = nref;
  if (c.model == GK_TRPL_ABC) {
    double a1 = o->k1 > 0 ? o->k1 * T : 1.0, a2 = o->k2 > 0 ? o->k2 * N * T : 1.0,
           a3 = o->k3 > 0 ? o->k3 * N * N * T : 0.1;
    if (o->fix_k3 && !(o->k3 > 0)) a3 = 0;
    par[0] = (gk_param){"a1", NULL, a1, 0, INFINITY, o->fix_k1};
    par[1] = (gk_param){"a2", NULL, a2, 0, INFINITY, o->fix_k2};
    par[2] = (gk_param){"a3", NULL, a3, 0, INFINITY, o->fix_k3};
    const double sm[4][3] = {{10, 0.1, 1}, {0.1, 10, 10}, {1, 1, 0.01}, {3, 3, 0.1}};
    for (nst = 0; nst < 4; nst++)
      for (int i = 0; i < 3; i++) starts[nst * npar + i] = par[i].fixed ? par[i].init : par[i].init * sm[nst][i] + (i == 2 && nst == 2 ? 1e-3 : 0);
  } else {
    /* starts from the data: at the lowest N0 the PL decays with the
     * capture rate kT NT (1/e time), at the highest bimolecularly
     * (PL ~ (1 + k2 N0 t)^-2 falls to 1/e at k2 N0 t = 0.6487); NT from the
     * lifetime maximum (Tatarinov et al.) or the median N0 */
    double tl[GK_TRPL_MAX_DECAYS], np_ = NAN;
    int inc = 1;
    for (size_t k = 1; k < d->ndecay; k++) inc &= d->n0[k] > d->n0[k - 1];
    if (!inc || gk_trpl_lifetimes(d, tl, &np_, NULL) != GK_OK)
      for (size_t k = 0; k < d->ndecay; k++) tl[k] = NAN;
    double nmed = d->n0[d->ndecay / 2];
    double nt = o->nt > 0 ? o->nt / N : (isfinite(np_) ? np_ / N : nmed / N);
    double tlo = isfinite(tl[0]) && tl[0] > 0 ? tl[0] / T : 0.1;
    double thi = isfinite(tl[d->ndecay - 1]) && tl[d->ndecay - 1] > 0 ? tl[d->ndecay - 1] / T : 0.1;
    double b2 = o->k2 > 0 ? o->k2 * N * T : 0.6487 / (d->n0[d->ndecay - 1] / N * thi);
    double bt = o->kt > 0 ? o->kt * N * T : 1.0 / (tlo * nt);
    double bd = o->kd > 0 ? o->kd * N * T : (o->fix_kd ? 0 : 0.01 * b2);
    par[0] = (gk_param){"b2", NULL, b2, 0, INFINITY, o->fix_k2};
    par[1] = (gk_param){"bT", NULL, bt, 0, INFINITY, 0};
    par[2] = (gk_param){"bD", NULL, bd, 0, INFINITY, o->fix_kd};
    par[3] = (gk_param){"nT", NULL, nt, 0, INFINITY, 0};
    /* NT varied with kT NT (the low-fluence rate) kept */
    const double sm[6][4] = {{1, 3, 1, 1.0 / 3}, {1, 1.0 / 3, 1, 3}, {1, 10, 1, 0.1}, {1, 0.1, 1, 10},
                             {0.3, 1, 10, 1}, {3, 1, 0.1, 1}};
    for (nst = 0; nst < 6; nst++)
      for (int i = 0; i < 4; i++) starts[nst * npar + i] = par[i].fixed ? par[i].init : par[i].init * sm[nst][i];
    fp_refine = 3;
  }
  if (has_irf) {
    /* t0 start: given, else the steepest rise of the first decay */
    double t0 = o->t0;
    if (!o->fix_t0 && t0 == 0) {
      const double *y = d->pl;
      size_t ib = 1;
      for (size_t q = 1; q < d->n; q++)
        if (y[q] - y[q - 1] > y[ib] - y[ib - 1]) ib = q;
      t0 = 0.5 * (d->t[ib] + d->t[ib - 1]);
    }
    par[c.i_t0] = (gk_param){"t0", NULL, t0 / T, -INFINITY, INFINITY, o->fix_t0};
    if (c.i_fw >= 0) par[c.i_fw] = (gk_param){"fwhm", NULL, o->fwhm / T, 0, INFINITY, o->fix_fwhm};
    for (size_t k = 0; k < nst; k++)
      for (size_t i = (size_t)c.nphys; i < npar; i++) starts[k * npar + i] = par[i].init;
  }
  gk_fit_problem fp = {0};
  fp.n = c.m;
  fp.p = npar;
  fp.y = c.logy;
  fp.model = tmodel;
  fp.ctx = &c;
  fp.param = par;
  fp.starts = starts;
  fp.n_starts = nst;
  fp.refine = fp_refine ? fp_refine : 2;
  ws = gk_fit_alloc(NULL, &o->fit, c.m, npar);
  if (!ws) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  gk_fit_result fr;
  rc = gk_fit_run(ws, &fp, &fr, err);
  if (rc) goto out;
  if (o->profile && fr.converged) {
    /* polish: the profile level is relative to the minimum, so restart once
     * from the optimum (a stop by the step-size test can leave chi2 a
     * little above it, which widens the intervals) */
    gk_param pp[MAXP];
    memcpy(pp, par, sizeof pp);
    for (size_t i = 0; i < npar; i++) pp[i].init = fr.value[i];
    gk_fit_problem f2 = fp;
    f2.param = pp;
    f2.starts = NULL;
    f2.n_starts = 0;
    f2.refine = 0;
    gk_fit_result fr2 = {0};
    if (gk_fit_run(ws, &f2, &fr2, NULL) == GK_OK && fr2.converged && fr2.chi2 < fr.chi2) {
      gk_fit_result_free(&fr);
      fr = fr2;
    } else if (fr2.value) {
      gk_fit_result_free(&fr2);
    }
  }
  if (tmodel(fr.value, c.lu, &c)) {
    gk_fit_result_free(&fr);
    rc = gk_error_set(err, GK_EDOM, NULL, 0, "TRPL fit: the model failed at the optimum");
    goto out;
  }
  r->model = c.model;
  for (int i = 0; i < GK_TRPL_NPAR; i++) r->val[i] = r->se[i] = r->prof_lo[i] = r->prof_hi[i] = NAN;
  for (int i = 0; i < c.nphys; i++) {
    int j = report_index(&c, i);
    r->used[j] = 1;
    r->fixed[j] = par[i].fixed;
    r->val[j] = unscale(&c, i, fr.value[i]);
    r->se[j] = fr.cov_ok ? unscale(&c, i, fr.se[i]) : NAN;
  }
  r->k1 = r->val[0]; r->k1_se = r->se[0];
  r->k2 = r->val[1]; r->k2_se = r->se[1];
  r->k3 = r->val[2]; r->k3_se = r->se[2];
  r->kt = r->val[3]; r->kt_se = r->se[3];
  r->kd = r->val[4]; r->kd_se = r->se[4];
  r->nt = r->val[5]; r->nt_se = r->se[5];
  r->t0 = r->t0_se = r->fwhm = r->fwhm_se = NAN;
  if (has_irf) {
    r->t0 = fr.value[c.i_t0] * T;
    r->t0_se = fr.cov_ok ? fr.se[c.i_t0] * T : NAN;
  }
  if (c.i_fw >= 0) {
    r->fwhm = fr.value[c.i_fw] * T;
    r->fwhm_se = fr.cov_ok ? fr.se[c.i_fw] * T : NAN;
  }
  r->chi2 = fr.chi2;
  r->chi2_red = fr.chi2_red;
  r->dof = fr.dof;
  r->npoints = c.m;
  r->converged = fr.converged;
  snprintf(r->reason, sizeof r->reason, "%s", fr.reason);
  for (size_t dd = 0; dd < d->ndecay; dd++) r->scale[dd] = exp(c.scale[dd]);
  double best[MAXP];
  memcpy(best, fr.value, npar * sizeof *best);
  double bse[MAXP];
  memcpy(bse, fr.se, npar * sizeof *bse);
  gk_fit_result_free(&fr);
  for (size_t dd = 0; dd < d->ndecay; dd++) {
    if (decay_shape(&c, best, dd)) {
      rc = gk_error_set(err, GK_EDOM, NULL, 0, "TRPL fit: the model failed at the optimum");
      goto out;
    }
    for (size_t q = 0; q < d->n; q++) r->fit[dd * d->n + q] = r->scale[dd] * exp(c.shape[q]);
  }
  if (o->profile && r->dof > 0) {
    /* profile intervals: the fitting core's search (src/fit/profile1.c) on
     * this fit's workspace, from the (polished) optimum */
    gk_param pp[MAXP];
    memcpy(pp, par, npar * sizeof *par);
    for (size_t i = 0; i < npar; i++) pp[i].init = best[i];
    gk_fit_problem f3 = fp;
    f3.param = pp;
    double level = r->chi2 + r->chi2_red;
    for (int i = 0; i < c.nphys; i++) {
      if (par[i].fixed) continue;
      double lo = NAN, hi = NAN;
      gk_fit_profile_side(ws, &f3, best, (size_t)i, level, bse[i], -1, 1, &lo);
      gk_fit_profile_side(ws, &f3, best, (size_t)i, level, bse[i], +1, 1, &hi);
      int j = report_index(&c, i);
      r->prof_lo[j] = isfinite(lo) ? unscale(&c, i, lo) : NAN;
      r->prof_hi[j] = isfinite(hi) ? unscale(&c, i, hi) : NAN;
    }
    r->profiled = 1;
  }
out:
  gk_fit_free(ws);
  free(c.s);
  free(c.shape);
  free(c.work);
  free(c.idx);
  free(c.logy);
  free(c.lu);
  free(c.grid);
  free(c.pg);
  free(c.irf_s);
  free(c.irf_r);
  if (rc) gk_trpl_result_free(r);
  return rc;
}

/* ---- degree of charging from PL dynamics (Ahn et al., Chem. Rev. 2023) --- */
int gk_trpl_charging_run(const double *t, const double *pl_neutral, const double *pl_charged, size_t n,
                         double tail_lo, double tail_hi, gk_trpl_charging *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  r->ne = r->ne_se = NAN;
  if (!(tail_hi > tail_lo)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "tail_lo, tail_hi: need tail_lo < tail_hi");
  if (n < 4) return gk_error_set(err, GK_EINPUT, NULL, 0, "charging: need >= 4 time points");
  double snn = 0, snc = 0;
  size_t m = 0, i0 = 0;
  for (size_t q = 0; q < n; q++) {
    if (!isfinite(t[q]) || !isfinite(pl_neutral[q]) || !isfinite(pl_charged[q]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "charging: point %zu is not finite", q + 1);
    if (pl_charged[q] > pl_charged[i0]) i0 = q;
    if (t[q] >= tail_lo && t[q] <= tail_hi) {
      snn += pl_neutral[q] * pl_neutral[q];
      snc += pl_neutral[q] * pl_charged[q];
      m++;
    }
  }
  if (m < 3) return gk_error_set(err, GK_EINPUT, NULL, 0, "charging: %zu points in the tail window (need >= 3)", m);
  if (!(snn > 0) || !(snc > 0))
    return gk_error_set(err, GK_EINPUT, NULL, 0, "charging: no positive PL of both samples in the tail window");
  double s = snc / snn, ss = 0;
  for (size_t q = 0; q < n; q++)
    if (t[q] >= tail_lo && t[q] <= tail_hi) ss += (pl_charged[q] - s * pl_neutral[q]) * (pl_charged[q] - s * pl_neutral[q]);
  double sig2 = ss / (double)(m - 1), rel2 = 0;
  /* relative scatter of the tail about the scaled neutral PL: the error of
   * a single value (conservative for additive noise, whose relative size
   * is smaller at zero delay than in the tail) */
  for (size_t q = 0; q < n; q++)
    if (t[q] >= tail_lo && t[q] <= tail_hi && s * pl_neutral[q] > 0) {
      double d = pl_charged[q] / (s * pl_neutral[q]) - 1;
      rel2 += d * d;
    }
  rel2 /= (double)(m - 1);
  double c0 = pl_charged[i0], n0 = pl_neutral[i0];
  if (!(c0 > 0) || !(n0 > 0))
    return gk_error_set(err, GK_EINPUT, NULL, 0, "charging: the PL at zero delay (t = %g s) is not positive", t[i0]);
  r->ntail = m;
  r->t0 = t[i0];
  r->scale = s;
  r->scale_se = sqrt(sig2 / snn);
  r->q0 = s * n0 / c0;
  /* relative errors: the tail ratio, and the two zero-delay values (each
   * with the tail's relative scatter; rel2 holds the noise of both traces,
   * so it stands for one value of each) */
  r->q0_se = r->q0 * sqrt(pow(r->scale_se / s, 2) + rel2);
  if (r->q0 < 1) {
    r->ne = -log(r->q0);
    r->ne_se = r->q0_se / r->q0;
  }
  return GK_OK;
}
