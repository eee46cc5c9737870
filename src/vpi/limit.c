/* The P1 -> 0 boundary of the VPI model family (docs/vpi.md "The P1 -> 0
 * boundary").
 *
 * With f(P) = (P/P1 + x^m) / (1 + P/P1 + x^n), x = P/P2, one has exactly
 * f(P) = 1 - P1 h(P) / (1 + P1 k(P)), h(P) = (1 + x^n - x^m)/P,
 * k(P) = (1 + x^n)/P, so dn(P) = f(P)/f(Pmax) = 1 - P1 phi(P) + O(P1^2),
 * phi(P) = h(P) - h(Pmax). Along gamma_i = kappa_i / P1,
 * alpha_i = gamma_i - a0_i with P1 -> 0 (kappa_i > 0, a0_i fixed) the net
 * gain gamma_i dn - alpha_i tends to
 *
 *   g_ij = a0_i - kappa_i phi(P_j)         (a0_i: the net gain at Pmax)
 *
 * and the vpi2 background F L E(-alpha L) = F (1 - e^{-alpha L})/alpha to
 * F P1 / kappa_i: with the per-pump W2 free (its scale absorbs P1) the
 * background shape is F_i / kappa_i. gamma, alpha and W2 diverge; a0,
 * kappa, W1, P2, m, n and the thresholds stay finite. On some data
 * (unweighted fits, where the brightest spectra dominate) the least-squares
 * optimum is this limit: the interior fit then creeps towards it without
 * converging. This file fits the limit model itself — the same projected
 * cost (W by the closed-form NNLS per pump), the same arrowhead normal
 * equations eliminated by a Schur complement, the engine's structured LM
 * driver (src/fit/structured.h) — and gk_vpi_fit keeps it when its chi2 is
 * at or below the interior fit's.
 *
 * Internal variables: a0_i, kappa_i (kappa >= kmin by projection), then
 * ln P2, n (n >= 0 by projection: the limit reaches n = 0 on some data),
 * ln(m - n).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "fit/arrow.h"
#include "fit/structured.h"
#include "gainkit/fit.h"
#include "vpi/vpi_internal.h"

double vpi_limit_phi(double P, const double *glob, double pmax, double *grad, double *dP)
{
  double p2 = glob[GK_VPI_P2], m = glob[GK_VPI_M], n = glob[GK_VPI_N];
  double lP = log(P), lX = log(pmax);
  double a = 1 / P - 1 / pmax;                         /* the 1/P term */
  double bn = exp((n - 1) * lP) - exp((n - 1) * lX);   /* P^(n-1) - Pmax^(n-1) */
  double bm = exp((m - 1) * lP) - exp((m - 1) * lX);   /* P^(m-1) - Pmax^(m-1) */
  double sm = p2 > 0 ? pow(p2, m) : 0, smn = p2 > 0 ? pow(p2, m - n) : 0;
  double lp2 = p2 > 0 ? log(p2) : 0;                   /* p2^k ln p2 -> 0 at p2 = 0 */
  if (grad) {
    grad[GK_VPI_P1] = 0;
    grad[GK_VPI_P2] = p2 > 0 ? (m * sm * a + (m - n) * smn * bn) / p2 : 0;
    grad[GK_VPI_M] = lp2 * (sm * a + smn * bn) -
                     (lP * exp((m - 1) * lP) - lX * exp((m - 1) * lX));
    grad[GK_VPI_N] = -lp2 * smn * bn + smn * (lP * exp((n - 1) * lP) - lX * exp((n - 1) * lX));
  }
  if (dP) *dP = -sm / (P * P) + smn * (n - 1) * exp((n - 2) * lP) - (m - 1) * exp((m - 2) * lP);
  return sm * a + smn * bn - bm;
}

enum { NG = 3, LIM_ROUNDS = 20 };  /* limit globals: P2, m, n (indices GK_VPI_P2..N) */
/* The limit model's multi-start (vpi_limit_check): LIM_NGRID starts of
 * (n, m - n), each screened by LIM_SCREEN iterations with the globals
 * frozen and LIM_SCREEN with all free; the LIM_KEEP best run to
 * convergence. */
enum { LIM_NGRID = 4, LIM_SCREEN = 25, LIM_KEEP = 1 };
#define LIM_GRID {{1, 2}, {2, 2}, {4, 2}, {2, 5}}

typedef struct lctx {
  const gk_vpi_data *d;
  gk_vpi_model model;
  size_t nl, np, kw, nw, nr, nu;
  double pmax, kmin;
  double *a0, *ka, glob[GK_VPI_NGLOB];
  double *phi, *dphi;               /* np, np*GK_VPI_NGLOB (real) */
  double *E, *bg, *ase, *W, *r;     /* nl*np, nl, nl, 2np, nl*np */
  unsigned char *wfix;              /* nw */
  gk_arrow ar;                      /* arrowhead normal equations (src/fit/arrow.h) */
  gk_vpi_result *res;               /* covariance target */
  gk_fit_workspace *fw;
  vpi_poll *poll;                   /* cancellation (may be NULL) */
  int freeze;                       /* hold the globals (a start's first stage) */
} lctx;

static double lwt(const lctx *c, size_t k)
{
  return c->d->sigma ? 1.0 / c->d->sigma[k] : 1.0;
}

static void lunpack(lctx *c, const double *u)
{
  for (size_t i = 0; i < c->nl; i++) c->a0[i] = u[2 * i], c->ka[i] = u[2 * i + 1];
  const double *g = u + 2 * c->nl;
  c->glob[GK_VPI_P1] = 0;
  c->glob[GK_VPI_P2] = g[0];
  c->glob[GK_VPI_N] = g[1];
  c->glob[GK_VPI_M] = g[1] + exp(g[2]);
}

static double leval(void *ctx, const double *u)
{
  lctx *c = ctx;
  const gk_vpi_data *d = c->d;
  lunpack(c, u);
  if (!(c->glob[GK_VPI_M] > c->glob[GK_VPI_N]) || !isfinite(c->glob[GK_VPI_M]) ||
      !(c->glob[GK_VPI_P2] >= 0) || !isfinite(c->glob[GK_VPI_P2]))
    return INFINITY;
  for (size_t j = 0; j < c->np; j++) {
    c->phi[j] = vpi_limit_phi(d->pump[j], c->glob, c->pmax, c->dphi + j * GK_VPI_NGLOB, NULL);
    if (!isfinite(c->phi[j])) return INFINITY;
  }
  for (size_t i = 0; i < c->nl; i++) {
    if (!(c->ka[i] > 0)) return INFINITY;
    c->bg[i] = c->model == GK_VPI2 ? d->F[i] / c->ka[i] : 0;
  }
  double chi2 = 0;
  for (size_t j = 0; j < c->np; j++) {
    double aa = 0, ab = 0, bb = 0, ay = 0, by = 0;
    for (size_t i = 0; i < c->nl; i++) {
      size_t k = i * c->np + j;
      double x = (c->a0[i] - c->ka[i] * c->phi[j]) * d->L;
      if (!(x < GL_MAX)) return INFINITY;
      double e = gk_vpi_e(x), s = lwt(c, k);
      c->E[k] = e;
      c->ase[i] = d->F[i] * d->L * e;
      double as = c->ase[i] * s, bs = c->bg[i] * s, ys = d->intensity[k] * s;
      aa += as * as, ab += as * bs, bb += bs * bs, ay += as * ys, by += bs * ys;
    }
    double w1, w2;
    vpi_nnls2(aa, ab, bb, ay, by, &w1, &w2);
    c->W[2 * j] = w1, c->W[2 * j + 1] = w2;
    c->wfix[j * c->kw] = !(w1 > 0);
    if (c->kw == 2) c->wfix[j * 2 + 1] = !(w2 > 0);
    for (size_t i = 0; i < c->nl; i++) {
      size_t k = i * c->np + j;
      double rr = (w1 * c->ase[i] + w2 * c->bg[i] - d->intensity[k]) * lwt(c, k);
      c->r[k] = rr;
      chi2 += rr * rr;
    }
  }
  return isfinite(chi2) ? chi2 : INFINITY;
}

/* Globals on their bound (order P2, m, n): P2 = 0 (then n too), n = 0. */
static void lhold(const lctx *c, unsigned char *hold)
{
  hold[0] = !(c->glob[GK_VPI_P2] > 0);
  hold[1] = 0;
  hold[2] = hold[0] || !(c->glob[GK_VPI_N] > 0);
}

/* Normal equations in the internal variables (chain = 1) or in the real
 * parameters a0, kappa, W, P2, m, n (chain = 0, the covariance). */
static void lassemble(lctx *c, int chain)
{
  const gk_vpi_data *d = c->d;
  size_t nw = c->nw;
  gk_arrow *ar = &c->ar;
  gk_arrow_zero(ar);
  double m = c->glob[GK_VPI_M], n = c->glob[GK_VPI_N], L = d->L;
  for (size_t i = 0; i < c->nl; i++) {
    for (size_t j = 0; j < c->np; j++) {
      size_t k = i * c->np + j;
      double s = lwt(c, k), w1 = c->W[2 * j], w2 = c->W[2 * j + 1];
      double x = (c->a0[i] - c->ka[i] * c->phi[j]) * L;
      double dase = w1 * d->F[i] * L * L * vpi_de_from_e(x, c->E[k]);
      const double *dp = c->dphi + j * GK_VPI_NGLOB;
      double th[2], h[NG], ph[2];
      th[0] = dase * s;
      th[1] = (-c->phi[j] * dase - (c->model == GK_VPI2 ? w2 * d->F[i] / (c->ka[i] * c->ka[i]) : 0)) * s;
      double gP2 = -dase * c->ka[i] * dp[GK_VPI_P2], gm = -dase * c->ka[i] * dp[GK_VPI_M];
      double gn = -dase * c->ka[i] * dp[GK_VPI_N];
      if (chain) {
        h[0] = gP2;
        h[1] = gn + gm;
        h[2] = (m - n) * gm;
      } else {
        h[0] = gP2, h[1] = gm, h[2] = gn;
      }
      for (int t = 0; t < NG; t++) h[t] *= s;
      ph[0] = d->F[i] * L * c->E[k] * s;
      ph[1] = c->bg[i] * s;
      gk_arrow_add(ar, i, th, j * c->kw, c->kw, ph, NG, h, c->r[k]);
    }
  }
  /* The covariance holds a global on its bound (it leaves the system):
   * P2 = 0 takes n with it (P2^(m-n) = 0: n leaves the model). */
  unsigned char hold[NG];
  lhold(c, hold);
  for (int t = 0; t < NG && !chain; t++)
    if (hold[t]) gk_arrow_hold(ar, nw + t);
  for (int t = 0; t < NG && chain && c->freeze; t++) gk_arrow_hold(ar, nw + t);
  for (size_t w = 0; w < nw; w++)
    if (c->wfix[w]) gk_arrow_hold(ar, w);
}

static void lnormal(void *ctx)
{
  lassemble(ctx, 1);
}

/* The damped step from the arrowhead system (src/fit/arrow.h: Marquardt
 * with the same per-kind floor as the interior fit, src/vpi/fit.c). */
static int lstep(void *ctx, double lambda, double *dx)
{
  lctx *c = ctx;
  if (gk_arrow_factor(&c->ar, lambda) != 0) return -1;
  const double *z = c->ar.z;
  gk_arrow_solve(&c->ar, dx, NULL);
  for (int t = 0; t < NG; t++) dx[2 * c->nl + t] = z[c->nw + t];
  return 0;
}

static void lproject(void *ctx, double *u)
{
  lctx *c = ctx;
  for (size_t i = 0; i < c->nl; i++) u[2 * i + 1] = fmax(u[2 * i + 1], c->kmin);
  u[2 * c->nl] = fmax(u[2 * c->nl], 0);
  u[2 * c->nl + 1] = fmax(u[2 * c->nl + 1], 0);
}

/* Covariance of (a0, kappa, W, P2, m, n) in real units, as the interior
 * fit's (the rest block of (J^T J)^-1 is S^-1, a wavelength block
 * Ainv + G S^-1 G^T). cov_pk of the result gets the layout the
 * thresholds read at the boundary: (kappa, a0, P1 = 0, P2, m, n). */
static void lcov(void *ctx, double s2)
{
  lctx *c = ctx;
  gk_vpi_result *res = c->res;
  size_t nr = c->nr, nw = c->nw;
  gk_arrow *ar = &c->ar;
  lassemble(c, 0);
  const double *Si = gk_arrow_cov_rest(ar);
  res->cov_ok = Si != NULL;
  for (int k = 0; k < 36; k++) res->cov_pk[k] = NAN;
  for (int k = 0; k < GK_VPI_NGLOB; k++) res->glob_se[k] = NAN;
  for (size_t i = 0; i < c->nl; i++) res->a0_se[i] = res->kappa_se[i] = NAN;
  for (size_t j = 0; j < c->np; j++) res->w1_se[j] = res->w2_se[j] = NAN;
  if (!res->cov_ok) return;
  for (size_t j = 0; j < c->np; j++) {
    size_t w = j * c->kw;
    res->w1_se[j] = c->wfix[w] ? 0 : sqrt(s2 * Si[w * nr + w]);
    if (c->kw == 2) res->w2_se[j] = c->wfix[w + 1] ? 0 : sqrt(s2 * Si[(w + 1) * nr + w + 1]);
    else res->w2_se[j] = 0;
  }
  static const int gi[NG] = {GK_VPI_P2, GK_VPI_M, GK_VPI_N};
  unsigned char hold[NG];
  lhold(c, hold);
  for (int t = 0; t < NG; t++) res->glob_se[gi[t]] = hold[t] ? NAN : sqrt(s2 * Si[(nw + t) * nr + nw + t]);
  for (size_t i = 0; i < c->nl; i++) {
    double cv[4];
    const double *T;  /* G S^-1 */
    gk_arrow_block_cov(ar, i, cv, &T);
    for (int k = 0; k < 4; k++) cv[k] *= s2;
    res->a0_se[i] = sqrt(cv[0]);
    res->kappa_se[i] = sqrt(cv[3]);
    if (i == res->ipk) {
      /* position 0: kappa (internal index 1), 1: a0 (internal 0) */
      static const int pos[2] = {1, 0};
      for (int k = 0; k < 36; k++) res->cov_pk[k] = 0;
      for (size_t a = 0; a < 2; a++) {
        for (size_t e = 0; e < 2; e++) res->cov_pk[pos[a] * 6 + pos[e]] = cv[a * 2 + e];
        for (int t = 0; t < NG; t++)
          res->cov_pk[pos[a] * 6 + 2 + gi[t]] = res->cov_pk[(2 + gi[t]) * 6 + pos[a]] =
              -s2 * T[a * nr + nw + t];
      }
      for (int t = 0; t < NG; t++)
        for (int e = 0; e < NG; e++)
          res->cov_pk[(2 + gi[t]) * 6 + 2 + gi[e]] = s2 * Si[(nw + t) * nr + nw + e];
    }
  }
}

static int lstop(void *ctx)
{
  return vpi_poll_stop(((lctx *)ctx)->poll);
}

static const gk_sfit_ops lim_ops = {leval, lnormal, lstep, lproject, lcov, lstop};

static void lfree(lctx *c)
{
  free(c->a0), free(c->ka), free(c->phi), free(c->dphi), free(c->E), free(c->bg), free(c->ase);
  free(c->W), free(c->r), free(c->wfix);
  gk_arrow_free(&c->ar);
  gk_fit_free(c->fw);
}

static int linit(lctx *c, const gk_vpi_data *d, gk_vpi_model model)
{
  memset(c, 0, sizeof *c);
  c->d = d, c->model = model, c->nl = d->nl, c->np = d->np;
  c->kw = model == GK_VPI2 ? 2 : 1;
  c->nw = c->kw * d->np;
  c->nr = c->nw + NG;
  c->nu = 2 * d->nl + NG;
  c->pmax = d->pump[0];
  for (size_t j = 1; j < d->np; j++) c->pmax = fmax(c->pmax, d->pump[j]);
  size_t nl = d->nl, np = d->np, nr = c->nr;
  c->a0 = malloc(nl * sizeof(double)), c->ka = malloc(nl * sizeof(double));
  c->phi = malloc(np * sizeof(double)), c->dphi = malloc(np * GK_VPI_NGLOB * sizeof(double));
  c->E = malloc(nl * np * sizeof(double)), c->bg = malloc(nl * sizeof(double));
  c->ase = malloc(nl * sizeof(double)), c->W = calloc(2 * np, sizeof(double));
  c->r = malloc(nl * np * sizeof(double)), c->wfix = calloc(c->nw, 1);
  int ar_ok = gk_arrow_alloc(&c->ar, nl, 2, nr, c->nw) == 0;
  c->fw = gk_fit_alloc(&gk_fit_structured, NULL, nl * np, c->nu);
  if (!c->a0 || !c->ka || !c->phi || !c->dphi || !c->E || !c->bg || !c->ase || !c->W || !c->r ||
      !c->wfix || !ar_ok || !c->fw) {
    lfree(c);
    return GK_ENOMEM;
  }
  return GK_OK;
}

static gk_sfit_report lrun(lctx *c, double *u, size_t max_iter, double xtol, double yy, double dof,
                           int cov_only)
{
  gk_sfit_problem sp = {&lim_ops, c, u, {max_iter, xtol, 1e-28 * yy, dof}, cov_only, 0, cov_only,
                        {INFINITY, 0, 0, ""}};
  gk_fit_problem pr = {.n = c->nl * c->np, .p = c->nu, .ctx = &sp};
  gk_fit_result fr;
  sp.rep = (gk_sfit_report){INFINITY, 0, 0, "model undefined at the start"};
  gk_fit_run(c->fw, &pr, &fr, NULL);
  return sp.rep;
}

/* LM from u in up to LIM_ROUNDS runs of chunk iterations, each with fresh
 * damping, until one converges (see vpi_limit_check). *iters accumulates. */
static gk_sfit_report lfull(lctx *c, double *u, size_t chunk, double xtol, double yy, double dof,
                            size_t *iters)
{
  gk_sfit_report o = {INFINITY, 0, 0, ""};
  for (int r = 0; r < LIM_ROUNDS && !o.converged; r++) {
    o = lrun(c, u, chunk, xtol, yy, dof, 0);
    *iters += o.iter;
    if (!isfinite(o.chi2) || (c->poll && c->poll->cancelled)) break;
  }
  return o;
}

/* Grid start s: (n, m - n) of LIM_GRID at start 0's P2; a0_i, kappa_i by
 * least squares of start 0's net gain a0_i - kappa_i phi(P_j) over the
 * pumps on the new phi (so the net gain stays as close as the new shape
 * allows). Returns -1 when the new phi is undefined or constant. */
static int lgrid_start(lctx *c, const double *u0, size_t s, double *u)
{
  static const double grid[LIM_NGRID][2] = LIM_GRID;
  const gk_vpi_data *d = c->d;
  size_t np = c->np, nl = c->nl;
  double g0[GK_VPI_NGLOB], g1[GK_VPI_NGLOB];
  g0[GK_VPI_P1] = g1[GK_VPI_P1] = 0;
  g0[GK_VPI_P2] = g1[GK_VPI_P2] = u0[2 * nl];
  g0[GK_VPI_N] = u0[2 * nl + 1], g0[GK_VPI_M] = u0[2 * nl + 1] + exp(u0[2 * nl + 2]);
  g1[GK_VPI_N] = grid[s][0], g1[GK_VPI_M] = grid[s][0] + grid[s][1];
  double s0 = 0, s1 = 0, s11 = 0, s01 = 0;
  for (size_t j = 0; j < np; j++) {
    double p0 = vpi_limit_phi(d->pump[j], g0, c->pmax, NULL, NULL);
    double p1 = vpi_limit_phi(d->pump[j], g1, c->pmax, NULL, NULL);
    if (!isfinite(p0) || !isfinite(p1)) return -1;
    s0 += p0, s1 += p1, s11 += p1 * p1, s01 += p0 * p1;
  }
  /* g0_ij = a0_i - k0_i p0_j fitted by a_i - k_i p1_j: k_i = k0_i b,
   * a_i = a0_i - k0_i c, with b, c the regression of p0 on p1 */
  double N = (double)np, var = s11 - s1 * s1 / N;
  if (!(var > 0)) return -1;
  double b = (s01 - s0 * s1 / N) / var, cc = (s0 - b * s1) / N;
  if (!(b > 0) || !isfinite(b)) return -1;
  for (size_t i = 0; i < nl; i++) {
    u[2 * i] = u0[2 * i] - u0[2 * i + 1] * cc;
    u[2 * i + 1] = fmax(u0[2 * i + 1] * b, c->kmin);
  }
  u[2 * nl] = u0[2 * nl];
  u[2 * nl + 1] = grid[s][0];
  u[2 * nl + 2] = log(grid[s][1]);
  return 0;
}

int vpi_limit_alloc(gk_vpi_result *r)
{
  size_t nl = r->nl;
  r->a0 = calloc(nl, sizeof(double)), r->a0_se = calloc(nl, sizeof(double));
  r->kappa = calloc(nl, sizeof(double)), r->kappa_se = calloc(nl, sizeof(double));
  return r->a0 && r->a0_se && r->kappa && r->kappa_se ? GK_OK : GK_ENOMEM;
}

int vpi_limit_check(const gk_vpi_data *d, gk_vpi_model model, size_t max_iter, double xtol,
                    gk_vpi_result *res, int search, vpi_poll *poll)
{
  res->chi2_interior = res->chi2;
  res->chi2_limit = NAN;
  if (d->alpha_fixed) return 0;  /* alpha cannot diverge */
  double pmin = d->pump[0];
  for (size_t j = 1; j < d->np; j++) pmin = fmin(pmin, d->pump[j]);
  /* the interior fit heads for the boundary: P1 below the lowest pump,
   * or it ran out of iterations (creeping towards P1 -> 0 is slow: P1
   * still 1-2 x the lowest pump after 500 iterations on some data) */
  if (!(res->glob[GK_VPI_P1] < pmin) && res->converged) return 0;
  lctx c;
  if (linit(&c, d, model)) return -1;
  c.poll = poll;
  double *u = malloc(c.nu * sizeof(double)), *u0 = malloc(c.nu * sizeof(double));
  double *ub = malloc(c.nu * sizeof(double)), *keep = malloc(LIM_KEEP * c.nu * sizeof(double));
  int won = 0;
  if (!u || !u0 || !ub || !keep) {
    free(u), free(u0), free(ub), free(keep);
    lfree(&c);
    return -1;
  }
  double P1 = res->glob[GK_VPI_P1], yy = 0;
  for (size_t k = 0; k < c.nl * c.np; k++) yy += d->intensity[k] * d->intensity[k] * lwt(&c, k) * lwt(&c, k);
  /* kappa = gamma P1 / P2^m; kmin (kappa >= kmin > 0, the background
   * F / kappa stays finite) 1e-10 of the largest start */
  double sm = pow(res->glob[GK_VPI_P2], res->glob[GK_VPI_M]), kmax = 0;
  for (size_t i = 0; i < c.nl; i++) kmax = fmax(kmax, res->gamma[i] * P1 / sm);
  c.kmin = kmax > 0 && isfinite(kmax) ? 1e-10 * kmax : 1e-300;
  for (size_t i = 0; i < c.nl; i++) {
    u[2 * i] = res->gamma[i] - res->alpha[i];
    u[2 * i + 1] = fmax(res->gamma[i] * P1 / sm, c.kmin);
  }
  u[2 * c.nl] = res->glob[GK_VPI_P2];
  u[2 * c.nl + 1] = res->glob[GK_VPI_N];
  u[2 * c.nl + 2] = log(res->glob[GK_VPI_M] - res->glob[GK_VPI_N]);
  size_t nobs = c.nl * c.np, npar = c.nu + c.nw;
  /* The limit's valley (a0, kappa, m) is long and narrow: LM needs ~1000
   * iterations (the 400 x 40 unweighted case of docs/vpi.md, the 40 x 40
   * set of tests/unit/test_vpi_limit.c), and one long run lets its damping
   * grow until it crawls. So up to LIM_ROUNDS runs of max_iter / 5
   * iterations, each with fresh damping, until one converges. */
  double dof = nobs > npar ? (double)(nobs - npar) : 1.0;
  size_t chunk = max_iter / 5 > 20 ? max_iter / 5 : 20, iters = 0;
  /* The limit model has valleys of its own (n -> 0 on its bound, P2 -> 0,
   * or n ~ 4 on the 400 x 40 unweighted bench: chi2 668157.9 against
   * 667896.5, docs/vpi.md "The P1 -> 0 boundary"): the mapped interior
   * result alone falls into the one the interior fit was heading for. So
   * the engine's one multi-start policy (src/fit/structured.h): start 0,
   * the mapped interior result, always runs to convergence; the grid's
   * starts are screened (gk_ms_rank) and the best runs to convergence; a
   * grid fit replaces start 0's when its chi2 is lower and it is converged
   * where start 0's is (gk_ms_record: converged first when start 0
   * converged, lowest chi2 when not) — the rule of gk_vpi_fit_ex's refits. */
  memcpy(u0, u, c.nu * sizeof(double));
  gk_sfit_report o = lfull(&c, u, chunk, xtol, yy, dof, &iters);
  if (poll && poll->cancelled) goto done;  /* res untouched; the caller stops */
  gk_ms_policy pol = {.target = INFINITY, .lowest_chi2 = !o.converged};
  gk_ms ms;
  gk_ms_begin(&ms, &pol);
  gk_ms_record(&ms, 0, isfinite(o.chi2), o.converged, o.chi2, !o.converged);
  /* Starts 1..LIM_NGRID: the same limit model from other (n, m - n). */
  double keep_chi[LIM_KEEP];
  size_t nkeep = 0;
  for (size_t s = 0; search && s < LIM_NGRID && isfinite(o.chi2); s++) {
    if (lgrid_start(&c, u0, s, ub) != 0) continue;
    c.freeze = 1;
    gk_sfit_report so = lrun(&c, ub, LIM_SCREEN, xtol, yy, dof, 0);
    c.freeze = 0;
    iters += so.iter;
    so = lrun(&c, ub, LIM_SCREEN, xtol, yy, dof, 0);
    iters += so.iter;
    if (poll && poll->cancelled) goto done;
    gk_ms_rank(keep_chi, keep, c.nu * sizeof(double), &nkeep, LIM_KEEP, so.chi2, ub);
  }
  for (size_t k = 0; k < nkeep; k++) {
    memcpy(ub, keep + k * c.nu, c.nu * sizeof(double));
    gk_sfit_report ok = lfull(&c, ub, chunk, xtol, yy, dof, &iters);
    if (poll && poll->cancelled) goto done;
    if (gk_ms_record(&ms, k + 1, isfinite(ok.chi2), ok.converged, ok.chi2, !ok.converged))
      o = ok, memcpy(u, ub, c.nu * sizeof(double));
  }
  o.iter = iters;
  res->chi2_limit = o.chi2;
  res->n_iter += o.iter;
  if (!(o.chi2 <= res->chi2)) goto done;
  if (vpi_limit_alloc(res) != GK_OK) {
    won = -1;
    goto done;
  }
  won = 1;
  leval(&c, u);
  res->chi2 = o.chi2;
  res->converged = o.converged;
  res->boundary = c.glob[GK_VPI_P2] > 0 ? 1 : 2;
  const char *where = res->boundary == 2 ? "P1 -> 0, P2 -> 0" : "P1 -> 0";
  if (o.converged)
    snprintf(res->reason, sizeof res->reason, "converged at the boundary (%s)", where);
  else
    snprintf(res->reason, sizeof res->reason, "not converged at the boundary (%s): %s", where, o.reason);
  memcpy(res->glob, c.glob, sizeof c.glob);
  size_t nfix = 0;
  for (size_t w = 0; w < c.nw; w++) nfix += c.wfix[w];
  for (size_t i = 0; i < c.nl; i++) {
    res->a0[i] = c.a0[i], res->kappa[i] = c.ka[i];
    res->gamma[i] = res->alpha[i] = res->gamma_se[i] = res->alpha_se[i] = NAN;
  }
  for (size_t j = 0; j < c.np; j++) {
    res->w1[j] = c.W[2 * j], res->w2[j] = c.W[2 * j + 1];
    res->dn[j] = 1;  /* the population term's limit at every pump */
  }
  for (size_t k = 0; k < nobs; k++) res->yhat[k] = d->intensity[k] + c.r[k] / lwt(&c, k);
  unsigned char hold[NG];
  lhold(&c, hold);
  for (int t = 0; t < NG; t++) nfix += hold[t];
  res->n_free = 2 * c.nl + NG + c.nw - nfix;
  res->dof = nobs > res->n_free ? nobs - res->n_free : 0;
  res->chi2_red = res->dof ? res->chi2 / res->dof : NAN;
  size_t jmax = 0;
  for (size_t j = 1; j < c.np; j++)
    if (d->pump[j] > d->pump[jmax]) jmax = j;
  double best = -INFINITY;
  for (size_t i = 0; i < c.nl; i++) {
    double ase, bg;
    gk_vpi_terms(res, d->F, i, d->pump[jmax], res->w1[jmax], 0, &ase, &bg);
    if (ase > best) best = ase, res->ipk = i;
  }
  res->peak_nm = d->lambda[res->ipk];
  c.res = res;
  lrun(&c, u, 0, xtol, yy, (double)res->dof, 1);
  /* P1 sits on its bound and W2 diverges with 1/P1: never determined */
  res->glob_determined = 0;
  res->ncand = 0;
done:
  free(u), free(u0), free(ub), free(keep);
  lfree(&c);
  return won;
}
