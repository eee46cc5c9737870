/* One side of a profile-likelihood interval (src/fit/profile1.h). */
#include "fit/profile1.h"
#include "fit/solve1d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Farthest a side is followed from the optimum (factor in the value). */
#define PROF_RANGE 1e4
#define PROF_STEPS 40

typedef struct pctx {
  gk_fit_workspace *ws;
  const gk_fit_problem *prob;
  gk_param *par;        /* p: the problem's parameters, j held */
  double *warm;         /* p: start of the next profile fit */
  size_t j;
  double level;
  int logv;             /* the root finder's variable is ln v (else v) */
  int fail;
} pctx;

/* chi2 with parameter j held at v (or exp(v)), the others refitted, minus
 * the level */
static double prof_f(double x, void *ctx)
{
  pctx *P = ctx;
  const gk_fit_problem *pr = P->prob;
  for (size_t i = 0; i < pr->p; i++) {
    P->par[i] = pr->param[i];
    P->par[i].init = P->warm[i];
  }
  P->par[P->j].init = P->logv ? exp(x) : x;
  P->par[P->j].fixed = 1;
  gk_fit_problem fp = *pr;
  fp.param = P->par;
  fp.starts = NULL;
  fp.n_starts = 0;
  fp.refine = 0;
  gk_fit_result fr;
  if (gk_fit_run(P->ws, &fp, &fr, NULL) != GK_OK) {
    P->fail = 1;
    return NAN;
  }
  double v = fr.chi2;
  /* a refit that did not find a lower chi2 than its start still bounds the
   * profile from above; its values are the next warm start */
  memcpy(P->warm, fr.value, pr->p * sizeof *P->warm);
  gk_fit_result_free(&fr);
  return v - P->level;
}

int gk_fit_profile_side(gk_fit_workspace *ws, const gk_fit_problem *prob, const double *best, size_t j,
                        double level, double se, int dir, double zero_scale, double *bound)
{
  *bound = NAN;
  const size_t p = prob->p;
  pctx P = {ws, prob, calloc(p, sizeof(gk_param)), calloc(p, sizeof(double)), j, level, 1, 0};
  if (!P.par || !P.warm) {
    free(P.par);
    free(P.warm);
    return GK_ENOMEM;
  }
  memcpy(P.warm, best, p * sizeof *best);
  const double v = best[j];
  const double rel = isfinite(se) && se > 0 && v > 0 ? se / v : 0.1;
  int rc = GK_OK;
  if (!(v > 0)) {
    /* on the bound 0: the lower end is 0; the upper end from zero_scale up */
    if (dir < 0) {
      *bound = 0;
      goto out;
    }
    double prev = 0, x = zero_scale > 0 ? zero_scale : 1;
    for (int k = 0; k < PROF_STEPS && x <= PROF_RANGE * zero_scale; k++, x *= 2) {
      P.logv = 1;
      double f = prof_f(log(x), &P);
      if (!isfinite(f)) { rc = GK_EDOM; goto out; }
      if (f > 0) {
        double root;
        memcpy(P.warm, best, p * sizeof *best);
        P.logv = prev > 0;
        double a = P.logv ? log(prev) : 0, b = P.logv ? log(x) : x;
        int st = gk_root_brent(prof_f, &P, a, b, P.logv ? 1e-3 * log(2.0) : 1e-3 * x, 0, 60, &root);
        if (st == GK_OK || st == GK_ENOCONV) *bound = P.logv ? exp(root) : root;
        else rc = GK_EDOM;
        goto out;
      }
      prev = x;
    }
    goto out;   /* not bounded */
  }
  double r = fmin(fmax(rel, 0.02), 1.0);
  const double lv = log(v);
  double prev = lv;
  for (int k = 0; k < PROF_STEPS; k++) {
    double nl = prev + dir * log1p(r);
    /* a non-negative parameter whose profile stays under the level down to
     * 1e-4 of its value: the interval reaches 0 */
    if (fabs(nl - lv) > log(PROF_RANGE)) {
      if (dir < 0) *bound = 0;
      goto out;
    }
    double f = prof_f(nl, &P);
    if (!isfinite(f)) { rc = GK_EDOM; goto out; }
    if (f > 0) {
      double root, a = dir > 0 ? prev : nl, b = dir > 0 ? nl : prev;
      memcpy(P.warm, best, p * sizeof *best);
      /* tolerance in ln v: a small fraction of the first step (the interval
       * may be far narrower than ln v itself) */
      int st = gk_root_brent(prof_f, &P, a, b, 1e-3 * log1p(fmin(fmax(rel, 1e-6), 1.0)), 0, 60, &root);
      if (st == GK_OK || st == GK_ENOCONV) *bound = exp(root);
      else rc = GK_EDOM;
      goto out;
    }
    prev = nl;
    r *= 2;
  }
out:
  free(P.par);
  free(P.warm);
  return rc;
}
