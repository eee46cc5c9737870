/* structured.c — Levenberg–Marquardt for structured problems and the one
 * multi-start policy (structured.h, docs/fitting.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit/structured.h"

struct gk_sfit_workspace {
  size_t nu;
  double *utry, *dx;
};

gk_sfit_workspace *gk_sfit_alloc(size_t nu)
{
  gk_sfit_workspace *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->nu = nu;
  w->utry = malloc((nu ? nu : 1) * sizeof(double));
  w->dx = malloc((nu ? nu : 1) * sizeof(double));
  if (!w->utry || !w->dx) {
    gk_sfit_free(w);
    return NULL;
  }
  return w;
}

void gk_sfit_free(gk_sfit_workspace *w)
{
  if (!w) return;
  free(w->utry);
  free(w->dx);
  free(w);
}

/* Statistical flatness: when the data do not determine some parameters,
 * the cost can have a valley that descends without end towards a limit of
 * the model family, and LM creeps along it by ever smaller decreases. Once
 * STAT_FLAT successive steps each lower chi2 by less than STAT_TOL of
 * chi2/dof, the fit is statistically at its minimum (the difference is
 * invisible against the noise); the caller reports the undetermined
 * parameters from the covariance. */
enum { STAT_FLAT = 5 };
#define STAT_TOL 1e-6
/* Marquardt damping schedule: start, growth on a rejected step, shrink on
 * an accepted one, floor, and the ceiling at which no direction lowers
 * the cost any more (a minimum to rounding). */
#define LAMBDA0 1e-3
#define LAMBDA_UP 4
#define LAMBDA_DOWN 3
#define LAMBDA_MIN 1e-12
#define LAMBDA_MAX 1e16

gk_sfit_report gk_sfit_run(gk_sfit_workspace *w, const gk_sfit_ops *ops, void *ctx, double *u,
                           const gk_sfit_control *ctl)
{
  const size_t nu = w->nu;
  double *utry = w->utry, *dx = w->dx;
  gk_sfit_report o = {ops->eval(ctx, u), 0, 0, "iteration limit reached"};
  if (!isfinite(o.chi2)) {
    o.reason = "model undefined at the start";
    return o;
  }
  double lambda = LAMBDA0, dof = ctl->dof > 0 ? ctl->dof : 1.0;
  int flat = 0;
  while (o.iter < ctl->max_iter) {
    if (ops->stop && ops->stop(ctx)) {
      o.reason = "cancelled";
      return o;
    }
    o.iter++;
    if (o.chi2 <= ctl->chi2_zero) {
      o.converged = 1, o.reason = "exact fit";
      return o;
    }
    ops->normal(ctx);
    double fnew = INFINITY;
    int solved = 0;  /* a damped step of these normal equations was computed */
    for (;;) {
      if (ops->step(ctx, lambda, dx) == 0) {
        solved = 1;
        for (size_t k = 0; k < nu; k++) utry[k] = u[k] - dx[k];
        if (ops->project) ops->project(ctx, utry);
        fnew = ops->eval(ctx, utry);
        if (fnew < o.chi2) break;
      }
      lambda *= LAMBDA_UP;
      if (lambda > LAMBDA_MAX) {
        ops->eval(ctx, u);  /* the state back at the best point */
        /* Steps that exist but never lower chi2: a minimum to rounding.
         * No step at any damping (up to 1e16 times the diagonal, where
         * every finite system with a positive diagonal is positive
         * definite): the normal equations are singular or not finite (a
         * NaN in the Jacobian), and nothing says this point is a minimum. */
        if (solved) o.converged = 1, o.reason = "cost cannot be lowered further";
        else o.reason = "no damped step at any damping: the normal equations are singular or not finite";
        return o;
      }
    }
    int small = 1;
    for (size_t k = 0; k < nu; k++)
      if (fabs(utry[k] - u[k]) > ctl->xtol * (fabs(u[k]) + ctl->xtol)) small = 0;
    double drop = o.chi2 - fnew;
    memcpy(u, utry, nu * sizeof(double));
    o.chi2 = fnew;
    lambda = fmax(lambda / LAMBDA_DOWN, LAMBDA_MIN);
    if (small) {
      o.converged = 1, o.reason = "step below xtol";
      return o;
    }
    if (drop <= 1e-15 * fnew) {
      o.converged = 1, o.reason = "relative decrease of chi2 below 1e-15";
      return o;
    }
    flat = drop < STAT_TOL * fnew / dof ? flat + 1 : 0;
    if (flat >= STAT_FLAT) {
      o.converged = 1, o.reason = "chi2 flat to 1e-6 of chi2/dof";
      return o;
    }
  }
  return o;
}

/* ---- multi-start policy -------------------------------------------------- */

void gk_ms_begin(gk_ms *ms, const gk_ms_policy *pol)
{
  memset(ms, 0, sizeof *ms);
  ms->pol = *pol;
  ms->best_chi2 = INFINITY;
}

int gk_ms_record(gk_ms *ms, size_t idx, int ok, int converged, double chi2, int hit_limit)
{
  const gk_ms_policy *p = &ms->pol;
  ms->n_fits++;
  if (!ok) return 0;
  if (hit_limit && !converged) ms->wander++;
  int better;
  if (p->lowest_chi2 == 2) {
    double tol = ms->have ? p->agree_rel * ms->best_chi2 + p->agree_abs : 0;
    better = !ms->have || (converged && !ms->best_conv && chi2 <= ms->best_chi2 + tol) ||
             (converged == ms->best_conv && chi2 < ms->best_chi2) ||
             (!converged && ms->best_conv && chi2 < ms->best_chi2 - tol);
  } else {
    better = !ms->have || (p->lowest_chi2 ? chi2 < ms->best_chi2
                                          : (converged && !ms->best_conv) ||
                                                (converged == ms->best_conv && chi2 < ms->best_chi2));
  }
  double c2 = ms->have ? ms->best_chi2 : INFINITY;
  if (converged && fabs(chi2 - c2) <= p->agree_rel * c2 + p->agree_abs) ms->hits++;
  else if (better && converged) ms->hits = 1;
  if (converged && isfinite(p->target) && chi2 <= p->target * (1 + p->agree_rel) + p->agree_abs)
    ms->hits = p->agree > 0 ? p->agree : 1, ms->stop = 1;
  if (better) {
    ms->have = 1;
    ms->best_conv = converged;
    ms->best_chi2 = chi2;
    ms->best = idx;
  }
  if (p->agree > 0 && ms->hits >= p->agree) ms->stop = 1;
  if (p->max_wander > 0 && ms->wander >= p->max_wander) ms->stop = 1;
  return better;
}

int gk_ms_in_basin(const gk_ms_basin *b, const double *theta, double chi2, const double *g)
{
  const size_t p = b->p;
  double dc = chi2 - b->chi2;
  if (!(dc <= b->dchi2) || p == 0 || p > GK_MS_BASIN_MAXP) return 0;
  double d[GK_MS_BASIN_MAXP], q = 0, tr = 0, r2 = 0, h2 = 0;
  for (size_t j = 0; j < p; j++) {
    d[j] = theta[j] - b->theta[j];
    if (!(fabs(d[j]) <= b->box[j])) return 0;
  }
  for (size_t j = 0; j < p; j++) {
    double s = 0;
    for (size_t k = 0; k < p; k++) s += b->H[j * p + k] * d[k];
    q += d[j] * s;
    tr += b->H[j * p + j];
    r2 += (g[j] - s) * (g[j] - s);
    h2 += s * s;
  }
  if (!(q >= 0) || !(tr > 0)) return 0;
  if (!(fabs(dc - q) <= 0.1 * q + 1e-9 * b->chi2)) return 0;
  double gs = 1e-6 * sqrt(b->chi2 * tr);
  return sqrt(r2) <= 0.1 * sqrt(h2) + gs;
}

int gk_ms_prefer(gk_ms *ms, size_t idx, int converged, double chi2)
{
  const gk_ms_policy *p = &ms->pol;
  ms->n_fits++;
  if (ms->have && ms->best_chi2 < chi2 * (1 - p->agree_rel) - p->agree_abs) return 0;
  ms->have = 1;
  ms->best_conv = converged;
  ms->best_chi2 = chi2;
  ms->best = idx;
  return 1;
}

size_t gk_ms_rank(double *score, void *payload, size_t size, size_t *n, size_t cap, double s,
                  const void *item)
{
  if (!isfinite(s) || cap == 0) return cap;
  size_t k = *n < cap ? *n : cap;
  while (k > 0 && s < score[k - 1]) k--;
  if (k >= cap) return cap;
  size_t last = *n < cap ? *n : cap - 1;  /* the slot that receives the shifted tail */
  char *pl = payload;
  if (last > k) {
    memmove(score + k + 1, score + k, (last - k) * sizeof *score);
    if (pl) memmove(pl + (k + 1) * size, pl + k * size, (last - k) * size);
  }
  score[k] = s;
  if (pl) memcpy(pl + k * size, item, size);
  if (*n < cap) ++*n;
  return k;
}
