/* fit.c — fit the stripe simulation to a measured VPI or VSL set through the
 * project's least-squares engine (gk_fit): a few named parameters in
 * ln(p), a Jacobian by forward differences of whole sweeps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fit.h"
#include "gainkit/simulate.h"

typedef struct fit_ctx {
  gk_sim_config base;
  size_t nf, nl, np, n;          /* fluences, data wavelengths, parameters, used points */
  const double *fluence, *lambda; /* fluence: the sweep values (fluences or stripe lengths) */
  gk_sim_sweep_kind kind;
  gk_sim_sweep_fn sweep;         /* NULL: gk_sim_sweep */
  void *sweep_ctx;
  size_t *idx;                   /* used points: index j*nf + k into the data */
  double *p0;                    /* starting values (theta = ln(p/p0)) */
  int which[GK_SIM_FIT_MAX];
  gk_sim_result *rs;
  const gk_progress *prog;
  int status;                    /* first run error (stops the fit) */
  gk_error err;
  size_t sweeps;
} fit_ctx;

enum { P_SIGMA, P_K1, P_K2, P_K3, P_NTH, P_NS, P_BG, P_COUPLING, P_CONF, P_LIFETIME, P_DENSITY, P_PABS, P_PSIGMA,
       P_SCALE, P_COUNT };
static const char *const NAMES[P_COUNT] = {"sigma", "k1", "k2", "k3", "n_th", "n_s", "background_loss", "coupling",
                                           "confinement", "lifetime", "density", "pump_absorption",
                                           "pump_cross_section", "scale"};
static const char *const UNITS[P_COUNT] = {"cm2", "s^-1", "cm^3/s", "cm^6/s", "cm^-3", "cm^-3", "cm^-1", "", "",
                                           "s", "cm^-3", "cm^-1", "cm2", ""};

/* The config field a name stands for (NULL: scale or not used by c). */
static double *field(gk_sim_config *c, int w)
{
  int bulk = c->kinetics == GK_SIM_BULK;
  switch (w) {
  case P_SIGMA: return bulk ? &c->gain_sigma.peak : c->fl_sigma_e ? NULL : &c->sigma_e.peak;
  case P_K1: return bulk ? &c->k1 : NULL;
  case P_K2: return bulk ? &c->k2 : NULL;
  case P_K3: return bulk ? &c->k3 : NULL;
  case P_NTH: return bulk ? &c->gain_nth : NULL;
  case P_NS: return bulk && c->gain_law == GK_SIM_GAIN_SATURATING ? &c->gain_ns : NULL;
  case P_BG: return &c->background_loss;
  case P_COUPLING: return &c->coupling;
  case P_CONF: return &c->confinement;
  case P_LIFETIME: return bulk ? NULL : &c->lifetime;
  case P_DENSITY: return bulk ? NULL : &c->density;
  case P_PABS: return bulk ? &c->pump_absorption : NULL;
  case P_PSIGMA: return bulk ? NULL : &c->pump_cross_section;
  default: return NULL;
  }
}

/* Simulated data at theta; yhat over the used points. */
static int model(const double *theta, double *yhat, void *vctx)
{
  fit_ctx *x = vctx;
  if (x->status) return 1;
  gk_sim_config c = x->base;
  double scale = 1;
  for (size_t k = 0; k < x->np; k++) {
    double v = x->p0[k] * exp(theta[k]);
    if (!isfinite(v)) return 1;
    if (x->which[k] == P_SCALE) scale = v;
    else *field(&c, x->which[k]) = v;
  }
  /* a trial outside the physics (a fraction > 1, ...) is a failed step */
  gk_error e;
  gk_error_clear(&e);
  if (gk_sim_config_check(&c, &e)) return 1;
  int st = x->sweep ? x->sweep(x->sweep_ctx, &c, x->kind, x->fluence, x->nf, x->rs, x->prog, &e)
                    : gk_sim_sweep(&c, x->kind, x->fluence, x->nf, x->rs, x->prog, &e);
  x->sweeps++;
  if (st) {
    /* cancellation and out of memory stop the fit; a run that hits its
     * step limit at a trial point is a failed step */
    if (st == GK_ECANCELLED || st == GK_ENOMEM) {
      x->status = st;
      x->err = e;
    }
    return 1;
  }
  for (size_t i = 0; i < x->n; i++) {
    size_t j = x->idx[i] / x->nf, k = x->idx[i] % x->nf;
    const gk_sim_result *r = &x->rs[k];
    double lam = x->lambda[j], dl = r->lambda[1] - r->lambda[0];
    /* linear interpolation between bin centres; flat beyond the outer
     * centres (the data lie inside the grid, checked before) */
    double u = (lam - r->lambda[0]) / dl;
    size_t a = u <= 0 ? 0 : (size_t)u;
    if (a >= r->nbins - 1) a = r->nbins - 2;
    double w = u - (double)a;
    if (w < 0) w = 0;
    if (w > 1) w = 1;
    yhat[i] = scale * ((1 - w) * r->spectrum[a] + w * r->spectrum[a + 1]);
  }
  for (size_t k = 0; k < x->nf; k++) gk_sim_result_free(&x->rs[k]);
  return 0;
}

/* Forward differences with a step of 1e-3 in ln p: far above the run's
 * discretisation noise (step-count changes move the output by ~1e-9),
 * small next to the parameters' uncertainties. */
static int jac(const double *theta, double *J, void *vctx)
{
  fit_ctx *x = vctx;
  size_t n = x->n, p = x->np;
  double *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1), *t = malloc(p * sizeof *t);
  int st = !y0 || !y1 || !t;
  if (!st) st = model(theta, y0, x);
  for (size_t k = 0; k < p && !st; k++) {
    memcpy(t, theta, p * sizeof *t);
    const double h = 1e-3;
    t[k] += h;
    st = model(t, y1, x);
    for (size_t i = 0; i < n && !st; i++) J[i * p + k] = (y1[i] - y0[i]) / h;
  }
  free(y0);
  free(y1);
  free(t);
  return st;
}

int gk_sim_fit(const gk_sim_config *c, const double *fluence, size_t nf, const double *lambda, size_t nl,
               const double *y, const char *const *names, size_t np, double min_fraction,
               gk_sim_fit_result *res, const gk_progress *prog, gk_error *err)
{
  return gk_sim_fit_sweep(c, GK_SIM_SWEEP_FLUENCE, fluence, nf, lambda, nl, y, names, np, min_fraction, res, prog,
                          err);
}

int gk_sim_fit_sweep(const gk_sim_config *c, gk_sim_sweep_kind kind, const double *fluence, size_t nf,
                     const double *lambda, size_t nl, const double *y, const char *const *names, size_t np,
                     double min_fraction, gk_sim_fit_result *res, const gk_progress *prog, gk_error *err)
{
  return gk_sim_fit_sweep_ex(c, kind, fluence, nf, lambda, nl, y, names, np, min_fraction, NULL, NULL, res, prog,
                             err);
}

int gk_sim_fit_sweep_ex(const gk_sim_config *c, gk_sim_sweep_kind kind, const double *fluence, size_t nf,
                        const double *lambda, size_t nl, const double *y, const char *const *names, size_t np,
                        double min_fraction, gk_sim_sweep_fn sweep, void *sweep_ctx, gk_sim_fit_result *res,
                        const gk_progress *prog, gk_error *err)
{
  memset(res, 0, sizeof *res);
  int st = gk_sim_config_check(c, err);
  if (st) return st;
  if (np < 1 || np > GK_SIM_FIT_MAX)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "name 1 to %d parameters to fit (got %zu)", GK_SIM_FIT_MAX, np);
  if (nf < 1 || nl < 2) return gk_error_set(err, GK_EUSAGE, NULL, 0, "the data need >= 1 fluence and >= 2 wavelengths");
  if (!(min_fraction >= 0 && min_fraction < 1))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "min_fraction must lie in [0, 1) (got %g)", min_fraction);
  if (kind != GK_SIM_SWEEP_FLUENCE && kind != GK_SIM_SWEEP_LENGTH)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "kind must be GK_SIM_SWEEP_FLUENCE or GK_SIM_SWEEP_LENGTH");
  fit_ctx x = {.base = *c, .nf = nf, .nl = nl, .np = np, .fluence = fluence, .lambda = lambda, .prog = prog,
               .kind = kind, .sweep = sweep, .sweep_ctx = sweep_ctx};
  double dl = (c->lambda_max - c->lambda_min) / (double)c->nbins;
  for (size_t j = 0; j < nl; j++)
    if (!(lambda[j] >= c->lambda_min + 0.5 * dl && lambda[j] <= c->lambda_max - 0.5 * dl))
      return gk_error_set(err, GK_EUSAGE, NULL, 0,
                          "data wavelength %g nm lies outside the simulated bin centres %g-%g nm (grid lambda_min, "
                          "lambda_max)", lambda[j], c->lambda_min + 0.5 * dl, c->lambda_max - 0.5 * dl);
  for (size_t k = 0; k < nf; k++) {
    if (kind == GK_SIM_SWEEP_FLUENCE && (!(fluence[k] >= 0) || !isfinite(fluence[k])))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "fluences must be >= 0 (got %g)", fluence[k]);
    if (kind == GK_SIM_SWEEP_LENGTH && (!(fluence[k] > 0) || !isfinite(fluence[k])))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "stripe lengths must be positive (got %g cm)", fluence[k]);
  }
  gk_param par[GK_SIM_FIT_MAX];
  double p0[GK_SIM_FIT_MAX];
  for (size_t k = 0; k < np; k++) {
    int w = 0;
    while (w < P_COUNT && strcmp(names[k], NAMES[w])) w++;
    if (w == P_COUNT)
      return gk_error_set(err, GK_EUSAGE, NULL, 0,
                          "unknown fit parameter '%s' (sigma, k1, k2, k3, n_th, n_s, background_loss, coupling, "
                          "confinement, lifetime, density, pump_absorption, pump_cross_section, scale)", names[k]);
    for (size_t m = 0; m < k; m++)
      if (x.which[m] == w) return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit parameter '%s' named twice", names[k]);
    gk_sim_config tmp = *c;
    double *f = w == P_SCALE ? NULL : field(&tmp, w);
    if (w != P_SCALE && !f)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit parameter '%s' is not used by this configuration%s", names[k],
                          w == P_SIGMA ? " (sigma_e follows from Fuchtbauer-Ladenburg: fit lifetime instead)" : "");
    p0[k] = f ? *f : 1;
    if (!(p0[k] > 0))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "fit parameter '%s' starts at %g: it must start > 0 (fitted in ln)",
                          names[k], p0[k]);
    x.which[k] = w;
    snprintf(res->name[k], sizeof res->name[k], "%s", NAMES[w]);
    snprintf(res->unit[k], sizeof res->unit[k], "%s", UNITS[w]);
    res->start[k] = p0[k];
    par[k] = (gk_param){.name = NAMES[w], .unit = UNITS[w], .init = 0, .lo = -INFINITY, .hi = INFINITY};
  }
  res->np = np;
  x.p0 = p0;
  double ymax = 0;
  for (size_t i = 0; i < nf * nl; i++)
    if (isfinite(y[i]) && y[i] > ymax) ymax = y[i];
  x.idx = malloc(nf * nl * sizeof *x.idx);
  double *yu = malloc(nf * nl * sizeof *yu);
  x.rs = calloc(nf, sizeof *x.rs);
  if (!x.idx || !yu || !x.rs) {
    free(x.idx);
    free(yu);
    free(x.rs);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t i = 0; i < nf * nl; i++)
    if (isfinite(y[i]) && y[i] > min_fraction * ymax && y[i] > 0) {
      yu[x.n] = y[i];
      x.idx[x.n++] = i;
    }
  res->n_used = x.n;
  if (x.n <= np) {
    st = gk_error_set(err, GK_EUSAGE, NULL, 0, "only %zu data points above %g of the maximum for %zu parameters",
                      x.n, min_fraction, np);
  } else {
    gk_fit_problem prob = {.n = x.n, .p = np, .y = yu, .weighting = GK_WEIGHT_RELATIVE, .model = model,
                           .jac = jac, .ctx = &x, .param = par};
    gk_fit_options o;
    gk_fit_options_default(&o);
    o.max_iter = 60;
    /* the parameters need ~1e-6 relative, far below their errors; the
     * default 1e-12 asks for more than a discretised run can give */
    o.xtol = 1e-7;
    o.gtol = 1e-10;
    gk_fit_result fr;
    memset(&fr, 0, sizeof fr);
    st = gk_fit(&prob, &o, &fr, err);
    if (!st && x.status) {
      st = x.status;
      if (err) *err = x.err;
    }
    if (!st) {
      res->converged = fr.converged;
      res->cov_ok = fr.cov_ok;
      res->chi2_red = fr.chi2_red;
      res->n_iter = fr.n_iter;
      snprintf(res->reason, sizeof res->reason, "%s", fr.reason);
      res->best = *c;
      for (size_t k = 0; k < np; k++) {
        res->value[k] = p0[k] * exp(fr.value[k]);
        res->se[k] = fr.cov_ok ? res->value[k] * fr.se[k] : NAN;
        if (x.which[k] != P_SCALE) *field(&res->best, x.which[k]) = res->value[k];
      }
    }
    gk_fit_result_free(&fr);
  }
  res->n_sweeps = x.sweeps;
  for (size_t k = 0; k < nf; k++) gk_sim_result_free(&x.rs[k]);
  free(x.rs);
  free(x.idx);
  free(yu);
  return st;
}
