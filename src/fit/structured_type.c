/* structured_type.c — the structured Levenberg–Marquardt (structured.c) as
 * a solver type of the engine's driver (gk_fit_alloc / gk_fit_run /
 * gk_fit_free, include/gainkit/fit.h): one convergence report
 * (gk_fit_result) and one covariance rule for dense and structured fits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fit.h"
#include "fit/structured.h"

typedef struct sstate {
  size_t n, p;
  gk_sfit_workspace *w;
} sstate;

static void *s_alloc(const gk_fit_options *opt, size_t n, size_t p)
{
  (void)opt;
  sstate *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->n = n, s->p = p;
  s->w = gk_sfit_alloc(p);
  if (!s->w) {
    free(s);
    return NULL;
  }
  return s;
}

static void s_free(void *st)
{
  sstate *s = st;
  if (!s) return;
  gk_sfit_free(s->w);
  free(s);
}

static int s_run(void *st, const gk_fit_problem *prob, const gk_fit_options *opt,
                 gk_fit_result *res, gk_error *err)
{
  sstate *s = st;
  if (!prob || !prob->ctx)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit: a structured fit needs its gk_sfit_problem as ctx");
  gk_sfit_problem *sp = prob->ctx;
  (void)opt;  /* the problem's ctl is the structured run's control */
  gk_sfit_control ctl = sp->ctl;
  gk_sfit_report rep = {0, 0, 1, "covariance at the given point"};
  if (sp->cov_only) rep.chi2 = sp->ops->eval(sp->ctx, sp->u);
  else rep = gk_sfit_run(s->w, sp->ops, sp->ctx, sp->u, &ctl);
  sp->rep = rep;
  res->n = s->n, res->p = s->p, res->n_free = s->p;
  res->chi2 = rep.chi2;
  res->n_iter = rep.iter;
  res->n_fits = 1;
  res->converged = rep.converged;
  snprintf(res->reason, sizeof res->reason, "%s", rep.reason);
  double dof = ctl.dof > 0 ? ctl.dof : 1.0;
  res->dof = (size_t)dof;
  res->chi2_red = rep.chi2 / dof;
  if (!isfinite(rep.chi2)) return gk_error_set(err, GK_EDOM, NULL, 0, "fit: %s", rep.reason);
  if (sp->want_cov && sp->ops->covariance) {
    sp->ops->eval(sp->ctx, sp->u);  /* the state at the best point */
    sp->ops->covariance(sp->ctx, sp->absolute ? 1.0 : res->chi2_red);
    res->cov_ok = 1;
  }
  return GK_OK;
}

const gk_fit_type gk_fit_structured = {"structured (Schur complement)", s_alloc, s_run, s_free};
