/* trpl.c — global ABC fit of PL decays at several fluences. See
 * gainkit/trpl.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "gainkit/trpl.h"

typedef struct abc3 { double a1, a2, a3; } abc3;

static int rhs(double t, const double y[], double f[], void *p)
{
  (void)t;
  const abc3 *k = p;
  double u = y[0];
  f[0] = -k->a1 * u - k->a2 * u * u - k->a3 * u * u * u;
  return GSL_SUCCESS;
}

/* u(s) for du/ds = -a1 u - a2 u^2 - a3 u^3, u(0) = u0 (dimensionless). */
static int solve_u(const abc3 *k, double u0, const double *s, size_t n, double *out)
{
  gsl_odeiv2_system sys = {rhs, NULL, 1, (void *)k};
  gsl_odeiv2_driver *dr = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-6, 1e-14, 1e-10);
  if (!dr) return -1;
  double tt = 0, y[1] = {u0};
  int rc = 0;
  for (size_t q = 0; q < n; q++) {
    if (s[q] > tt) {
      gsl_error_handler_t *old = gsl_set_error_handler_off();
      int st = gsl_odeiv2_driver_apply(dr, &tt, s[q], y);
      gsl_set_error_handler(old);
      if (st != GSL_SUCCESS) { rc = -1; break; }
    }
    out[q] = y[0];
  }
  gsl_odeiv2_driver_free(dr);
  return rc;
}

int gk_trpl_density(double k1, double k2, double k3, double n0, const double *t, size_t n, double *out)
{
  if (n == 0 || !(n0 > 0) || k1 < 0 || k2 < 0 || k3 < 0) return GK_EUSAGE;
  double tau = t[n - 1] > 0 ? t[n - 1] : 1;
  abc3 k = {k1 * tau, k2 * n0 * tau, k3 * n0 * n0 * tau};
  double *s = malloc(n * sizeof *s);
  if (!s) return GK_ENOMEM;
  for (size_t q = 0; q < n; q++) s[q] = t[q] / tau;
  int rc = solve_u(&k, 1.0, s, n, out);
  for (size_t q = 0; q < n; q++) out[q] *= n0;
  free(s);
  return rc ? GK_EDOM : GK_OK;
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

typedef struct tctx {
  const gk_trpl_data *d;
  double tau, nref;
  double *s;             /* scaled times */
  double *u;             /* work */
  size_t *idx;           /* for each residual: decay*n + q */
  size_t m;              /* residuals */
  int shared;
  double scale[GK_TRPL_MAX_DECAYS];
  double *logy;          /* log data at the residual points */
} tctx;

/* Model on log scale: log(scale_d u^2); scale_d by least squares on the
 * log residuals (log scale = mean of log y - log u^2). */
static int tmodel(const double *th, double *yhat, void *ctx)
{
  tctx *c = ctx;
  const gk_trpl_data *d = c->d;
  abc3 k = {th[0], th[1], th[2]};
  if (k.a1 < 0 || k.a2 < 0 || k.a3 < 0) return -1;
  double *lu = malloc(c->m * sizeof *lu);
  if (!lu) return -1;
  size_t r = 0;
  double gsum = 0;
  size_t gn = 0;
  for (size_t dd = 0; dd < d->ndecay; dd++) {
    double u0 = d->n0[dd] / c->nref;
    if (solve_u(&k, u0, c->s, d->n, c->u)) { free(lu); return -1; }
    double sum = 0;
    size_t cnt = 0, r0 = r;
    while (r < c->m && c->idx[r] / d->n == dd) {
      double u = c->u[c->idx[r] % d->n];
      if (!(u > 0)) { free(lu); return -1; }
      lu[r] = 2 * log(u);
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
  free(lu);
  return 0;
}

void gk_trpl_result_free(gk_trpl_result *r)
{
  if (!r) return;
  free(r->fit);
  memset(r, 0, sizeof *r);
}

int gk_trpl_fit(const gk_trpl_data *d, const gk_trpl_options *o, gk_trpl_result *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  if (d->ndecay < 1 || d->ndecay > GK_TRPL_MAX_DECAYS)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "ndecay: %zu is not in 1..%d", d->ndecay, GK_TRPL_MAX_DECAYS);
  if (d->n < 4) return gk_error_set(err, GK_EINPUT, NULL, 0, "TRPL fit: needs >= 4 time points (got %zu)", d->n);
  for (size_t q = 0; q < d->n; q++)
    if (!(d->t[q] >= 0) || (q && !(d->t[q] > d->t[q - 1])))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "TRPL fit: times must be >= 0 and increasing (point %zu)", q + 1);
  double nref = 0;
  for (size_t k = 0; k < d->ndecay; k++) {
    if (!(d->n0[k] > 0) || !isfinite(d->n0[k]))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "n0[%zu]: initial density must be > 0", k);
    nref = fmax(nref, d->n0[k]);
  }
  tctx c = {0};
  c.d = d;
  c.tau = d->t[d->n - 1];
  c.nref = nref;
  c.shared = o->shared_scale;
  c.s = malloc(d->n * sizeof *c.s);
  c.u = malloc(d->n * sizeof *c.u);
  c.idx = malloc(d->n * d->ndecay * sizeof *c.idx);
  c.logy = malloc(d->n * d->ndecay * sizeof *c.logy);
  r->fit = malloc(d->n * d->ndecay * sizeof *r->fit);
  int rc = GK_OK;
  if (!c.s || !c.u || !c.idx || !c.logy || !r->fit) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  for (size_t q = 0; q < d->n; q++) c.s[q] = d->t[q] / c.tau;
  for (size_t k = 0; k < d->ndecay; k++)
    for (size_t q = 0; q < d->n; q++)
      if (d->pl[k * d->n + q] > 0) {
        c.idx[c.m] = k * d->n + q;
        c.logy[c.m] = log(d->pl[k * d->n + q]);
        c.m++;
      }
  if (c.m < 3 + d->ndecay + 1) { rc = gk_error_set(err, GK_EINPUT, NULL, 0, "TRPL fit: too few points with PL > 0"); goto out; }
  /* dimensionless rates a1 = k1 tau, a2 = k2 Nref tau, a3 = k3 Nref^2 tau */
  double a1 = o->k1 > 0 ? o->k1 * c.tau : 1.0, a2 = o->k2 > 0 ? o->k2 * nref * c.tau : 1.0,
         a3 = o->k3 > 0 ? o->k3 * nref * nref * c.tau : 0.1;
  gk_param par[3] = {{"a1", NULL, a1, 0, INFINITY, o->fix_k1},
                     {"a2", NULL, a2, 0, INFINITY, o->fix_k2},
                     {"a3", NULL, a3, 0, INFINITY, o->fix_k3}};
  double starts[12] = {a1 * 10, a2 * 0.1, a3, a1 * 0.1, a2 * 10, a3 * 10, a1, a2, a3 * 0.01 + 1e-3,
                       a1 * 3, a2 * 3, a3 * 0.1};
  gk_fit_problem fp = {0};
  fp.n = c.m;
  fp.p = 3;
  fp.y = c.logy;
  fp.model = tmodel;
  fp.ctx = &c;
  fp.param = par;
  fp.starts = starts;
  fp.n_starts = 4;
  gk_fit_result fr;
  rc = gk_fit(&fp, &o->fit, &fr, err);
  if (rc) goto out;
  double *yh = malloc(c.m * sizeof *yh);
  if (!yh || tmodel(fr.value, yh, &c)) {
    free(yh);
    gk_fit_result_free(&fr);
    rc = gk_error_set(err, GK_EDOM, NULL, 0, "TRPL fit: the model failed at the optimum");
    goto out;
  }
  free(yh);
  r->k1 = fr.value[0] / c.tau;
  r->k2 = fr.value[1] / (nref * c.tau);
  r->k3 = fr.value[2] / (nref * nref * c.tau);
  r->k1_se = fr.se[0] / c.tau;
  r->k2_se = fr.se[1] / (nref * c.tau);
  r->k3_se = fr.se[2] / (nref * nref * c.tau);
  abc3 k = {fr.value[0], fr.value[1], fr.value[2]};
  for (size_t dd = 0; dd < d->ndecay; dd++) {
    r->scale[dd] = exp(c.scale[dd]);
    solve_u(&k, d->n0[dd] / nref, c.s, d->n, c.u);
    for (size_t q = 0; q < d->n; q++) r->fit[dd * d->n + q] = r->scale[dd] * c.u[q] * c.u[q];
  }
  r->chi2_red = fr.chi2_red;
  r->dof = fr.dof;
  r->converged = fr.converged;
  snprintf(r->reason, sizeof r->reason, "%s", fr.reason);
  gk_fit_result_free(&fr);
out:
  free(c.s);
  free(c.u);
  free(c.idx);
  free(c.logy);
  if (rc) gk_trpl_result_free(r);
  return rc;
}
