/* stripe.c — VSL with a measured longitudinal pump profile: the local gain
 * and spontaneous source follow the pump, I(L) = int_0^L A p(x)
 * exp(int_0^x (gamma p - alpha) dx') dx, integrated on a fine grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fluence.h"

enum { GRID = 4000 };

typedef struct vctx {
  const double *L;
  size_t n;
  double alpha, lmax;
  double xs[GRID + 1], ps[GRID + 1];   /* grid and normalised profile on it */
} vctx;

static double interp(const double *x, const double *y, size_t n, double t)
{
  if (t <= x[0]) return y[0];
  if (t >= x[n - 1]) return y[n - 1];
  size_t lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (x[mid] <= t) lo = mid; else hi = mid;
  }
  return y[lo] + (y[hi] - y[lo]) * (t - x[lo]) / (x[hi] - x[lo]);
}

static int setup(vctx *c, const double *px, const double *p, size_t np, double lmax, gk_error *err)
{
  if (np < 2) return gk_error_set(err, GK_EINPUT, NULL, 0, "the pump profile needs at least 2 points");
  for (size_t i = 0; i < np; i++) {
    if (!isfinite(px[i]) || !isfinite(p[i]) || p[i] < 0)
      return gk_error_set(err, GK_EINPUT, NULL, 0, "profile point %zu: position finite, value >= 0", i + 1);
    if (i && !(px[i] > px[i - 1])) return gk_error_set(err, GK_EINPUT, NULL, 0, "profile positions must increase (point %zu)", i + 1);
  }
  if (px[0] > 0 || px[np - 1] < lmax)
    return gk_error_set(err, GK_EINPUT, NULL, 0,
                        "the pump profile covers %g-%g cm but the stripes reach from 0 to %g cm", px[0], px[np - 1], lmax);
  c->lmax = lmax;
  double mean = 0;
  for (int i = 0; i <= GRID; i++) {
    c->xs[i] = lmax * i / GRID;
    c->ps[i] = interp(px, p, np, c->xs[i]);
    mean += (i == 0 || i == GRID ? 0.5 : 1) * c->ps[i];
  }
  mean /= GRID;
  if (!(mean > 0)) return gk_error_set(err, GK_EINPUT, NULL, 0, "the pump profile is zero over the stripe");
  for (int i = 0; i <= GRID; i++) c->ps[i] /= mean;
  return GK_OK;
}

/* I at the grid, trapezoid in both integrals */
static int eval(const vctx *c, double gamma, double A, double *I)
{
  double h = c->lmax / GRID, G = 0, acc = 0;
  double prev = A * c->ps[0];
  double Ig[GRID + 1];
  Ig[0] = 0;
  for (int i = 1; i <= GRID; i++) {
    G += 0.5 * h * ((gamma * c->ps[i - 1] - c->alpha) + (gamma * c->ps[i] - c->alpha));
    if (G > 700) return GK_EDOM;
    double cur = A * c->ps[i] * exp(G);
    acc += 0.5 * h * (prev + cur);
    prev = cur;
    Ig[i] = acc;
  }
  for (size_t k = 0; k < c->n; k++) {
    double t = c->L[k] / h;
    int i = (int)floor(t);
    if (i >= GRID) I[k] = Ig[GRID];
    else I[k] = Ig[i] + (Ig[i + 1] - Ig[i]) * (t - i);
  }
  return GK_OK;
}

int gk_vslp_intensity(const double *px, const double *p, size_t np, double gamma, double alpha, double A,
                      const double *L, size_t n, double *I, gk_error *err)
{
  double lmax = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(L[i] >= 0 && isfinite(L[i]))) return gk_error_set(err, GK_EUSAGE, NULL, 0, "stripe lengths must be >= 0");
    lmax = fmax(lmax, L[i]);
  }
  vctx *c = malloc(sizeof *c);
  if (!c) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  c->L = L, c->n = n, c->alpha = alpha;
  int rc = setup(c, px, p, np, lmax > 0 ? lmax : 1e-9, err);
  if (rc == GK_OK && eval(c, gamma, A, I) != GK_OK) rc = gk_error_set(err, GK_EDOM, NULL, 0, "gain-length product beyond 700");
  free(c);
  return rc;
}

static int model(const double *th, double *y, void *vc)
{
  const vctx *c = vc;
  return eval(c, th[0], exp(th[1]), y);
}

void gk_vslp_free(gk_vslp_fit *r) { gk_fit_result_free(&r->fit); }

int gk_vslp_fit_run(const double *L, const double *I, const double *sigma, size_t n, const double *px, const double *p,
                    size_t np, double alpha, gk_vslp_fit *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  if (n < 3) return gk_error_set(err, GK_EINPUT, NULL, 0, "a VSL fit needs at least 3 stripe lengths (got %zu)", n);
  if (!(alpha >= 0 && isfinite(alpha))) return gk_error_set(err, GK_EUSAGE, NULL, 0, "alpha must be >= 0 (got %g cm^-1)", alpha);
  double lmax = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(L[i] > 0 && isfinite(L[i]))) return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: stripe length must be > 0", i + 1);
    if (!(I[i] > 0 && isfinite(I[i]))) return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: intensity must be > 0", i + 1);
    lmax = fmax(lmax, L[i]);
  }
  vctx *c = malloc(sizeof *c);
  if (!c) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  c->L = L, c->n = n, c->alpha = alpha;
  int rc = setup(c, px, p, np, lmax, err);
  if (rc) { free(c); return rc; }
  /* start: vsl1-like slope of ln I between the two longest stripes */
  size_t imax = 0;
  for (size_t i = 0; i < n; i++) if (L[i] > L[imax]) imax = i;
  size_t i2 = imax == 0 ? 1 : 0;
  for (size_t i = 0; i < n; i++) if (i != imax && L[i] > L[i2]) i2 = i;
  double g0 = (L[imax] > L[i2]) ? log(I[imax] / I[i2]) / (L[imax] - L[i2]) : 1 / lmax;
  if (!(g0 > 0)) g0 = 1 / lmax;
  double A0 = I[imax] * g0 / expm1(fmin(g0 * lmax, 600));
  gk_param par[2] = {{"gamma", "cm^-1", g0 + alpha, -INFINITY, 650 / lmax, 0},
                     {"lnA", NULL, log(A0), -INFINITY, INFINITY, 0}};
  if (!(par[0].init < par[0].hi)) par[0].init = 0.5 * par[0].hi;
  double starts[4] = {0.3 * (g0 + alpha), log(A0), 0, log(I[imax] / lmax)};
  gk_fit_problem prob = {.n = n, .p = 2, .y = I, .sigma = sigma, .weighting = sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_RELATIVE,
                         .model = model, .ctx = c, .param = par, .starts = starts, .n_starts = 2};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  rc = gk_fit(&prob, &opt, &r->fit, err);
  free(c);
  if (rc) return rc;
  r->alpha = alpha;
  r->gamma = r->fit.value[0], r->se_gamma = r->fit.se[0];
  r->A = exp(r->fit.value[1]), r->se_A = r->A * r->fit.se[1];
  r->g_uniform = r->gamma - alpha, r->se_g_uniform = r->se_gamma;
  r->converged = r->fit.converged && r->fit.cov_ok;
  return GK_OK;
}
