/* chain.c — modal gain versus fluence -> G(N) saturating law (Tatarinov et
 * al., Adv. Opt. Mater. 2023, Eq. 1-2) with Gamma from the mode solver, and
 * the shifting-excitation-spot loss fit (Milanese et al., Adv. Opt. Mater.
 * 2024, Fig. S1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fluence.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

/* Fitted in fluence units, scaled: G = A (F - Fth)/(1 + F/Fs) with
 * A in gmax/fmax, Fth, Fs in fmax. */
typedef struct { const double *f; size_t n; double fmax, gmax; } cctx;

static int chain_model(const double *th, double *y, void *vc)
{
  const cctx *c = vc;
  for (size_t i = 0; i < c->n; i++) {
    double u = c->f[i] / c->fmax;
    y[i] = c->gmax * th[0] * (u - th[1]) / (1 + u / th[2]);
  }
  return 0;
}
static int chain_jac(const double *th, double *J, void *vc)
{
  const cctx *c = vc;
  for (size_t i = 0; i < c->n; i++) {
    double u = c->f[i] / c->fmax, den = 1 + u / th[2];
    double *r = J + 3 * i;
    r[0] = c->gmax * (u - th[1]) / den;
    r[1] = -c->gmax * th[0] / den;
    r[2] = c->gmax * th[0] * (u - th[1]) / (den * den) * u / (th[2] * th[2]);
  }
  return 0;
}

void gk_chain_free(gk_chain_result *r) { gk_fit_result_free(&r->fit); }

int gk_chain_fit(const double *F, const double *g, const double *se, size_t n, double gamma, double c_n,
                 gk_chain_result *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  if (n < 4) return gk_error_set(err, GK_EINPUT, NULL, 0, "G(N) fit needs at least 4 fluences (got %zu)", n);
  if (!(gamma > 0 && gamma <= 1)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "confinement Gamma must be in (0, 1] (got %g)", gamma);
  if (!(c_n > 0 && isfinite(c_n))) return gk_error_set(err, GK_EUSAGE, NULL, 0, "c_N must be > 0 (got %g)", c_n);
  double fmax = 0, gmax = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(F[i] > 0 && isfinite(F[i])) || !isfinite(g[i]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: fluence must be > 0 and gain finite", i + 1);
    if (se && !(se[i] > 0 && isfinite(se[i])))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: gain error must be > 0", i + 1);
    fmax = fmax > F[i] ? fmax : F[i];
    gmax = gmax > fabs(g[i]) ? gmax : fabs(g[i]);
  }
  if (!(gmax > 0)) return gk_error_set(err, GK_EINPUT, NULL, 0, "all gains are zero");
  /* start: straight line through the points (no saturation), Fth from its root */
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; i++) {
    double u = F[i] / fmax, v = g[i] / gmax;
    sx += u, sy += v, sxx += u * u, sxy += u * v;
  }
  double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx), icpt = (sy - slope * sx) / n;
  if (!(slope > 0)) slope = 1;
  double uth = -icpt / slope;
  if (!(uth > 0 && uth < 1)) uth = 0.1;
  cctx c = {F, n, fmax, gmax};
  gk_param par[3] = {{"A", NULL, slope * 2, 0, INFINITY, 0},
                     {"Fth", NULL, uth, 0, 1e3, 0},
                     {"Fs", NULL, 1, 1e-6, 1e6, 0}};
  double starts[] = {slope * 1.2, uth, 10, slope * 4, uth, 0.3, slope * 20, uth * 0.5, 0.05};
  gk_fit_problem prob = {.n = n, .p = 3, .y = g, .sigma = se, .weighting = se ? GK_WEIGHT_SIGMA : GK_WEIGHT_NONE,
                         .model = chain_model, .jac = chain_jac, .ctx = &c, .param = par,
                         .starts = starts, .n_starts = 3};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  int rc = gk_fit(&prob, &opt, &r->fit, err);
  if (rc) return rc;
  const double *v = r->fit.value, *s = r->fit.se;
  r->gamma = gamma, r->c_n = c_n;
  double A = v[0] * gmax / fmax, seA = s[0] * gmax / fmax;
  r->sigma = A / (gamma * c_n), r->se_sigma = seA / (gamma * c_n);
  r->f_th = v[1] * fmax, r->se_f_th = s[1] * fmax;
  r->n_th = r->f_th * c_n, r->se_n_th = r->se_f_th * c_n;
  r->n_s = v[2] * fmax * c_n, r->se_n_s = s[2] * fmax * c_n;
  r->chi2_red = r->fit.chi2_red;
  r->converged = r->fit.converged && r->fit.cov_ok;
  return GK_OK;
}

/* ---- shifting excitation spot ------------------------------------------ */
typedef struct { const double *x; size_t n; } sctx;
static int ses_model(const double *th, double *y, void *vc)
{
  const sctx *c = vc;
  for (size_t i = 0; i < c->n; i++) y[i] = th[0] * exp(-th[1] * c->x[i]);
  return 0;
}

int gk_ses_fit_run(const double *x, const double *I, const double *sigma, size_t n, gk_ses_fit *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  if (n < 3) return gk_error_set(err, GK_EINPUT, NULL, 0, "loss fit needs at least 3 positions (got %zu)", n);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !(x[i] >= 0))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: distance must be >= 0", i + 1);
    if (!(I[i] > 0 && isfinite(I[i])))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: intensity must be > 0 (got %g)", i + 1, I[i]);
    if (sigma && !(sigma[i] > 0 && isfinite(sigma[i])))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "point %zu: uncertainty must be > 0", i + 1);
  }
  /* weighted linear regression of ln I on x */
  double S = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
  for (size_t i = 0; i < n; i++) {
    double w = sigma ? (I[i] / sigma[i]) * (I[i] / sigma[i]) : 1, y = log(I[i]);
    S += w, Sx += w * x[i], Sy += w * y, Sxx += w * x[i] * x[i], Sxy += w * x[i] * y;
  }
  double D = S * Sxx - Sx * Sx;
  if (!(D > 0)) return gk_error_set(err, GK_EINPUT, NULL, 0, "the distances are all equal");
  double b = (S * Sxy - Sx * Sy) / D, a = (Sxx * Sy - Sx * Sxy) / D;
  double chi2 = 0;
  for (size_t i = 0; i < n; i++) {
    double w = sigma ? (I[i] / sigma[i]) * (I[i] / sigma[i]) : 1, res = log(I[i]) - a - b * x[i];
    chi2 += w * res * res;
  }
  r->chi2_red = n > 2 ? chi2 / (double)(n - 2) : NAN;
  /* scipy convention: scale by chi2_red (relative errors) */
  double scale = r->chi2_red;
  r->alpha = -b, r->se_alpha = sqrt(S / D * scale);
  r->i0 = exp(a), r->se_i0 = r->i0 * sqrt(Sxx / D * scale);
  /* second method: nonlinear fit of I itself */
  sctx c = {x, n};
  gk_param par[2] = {{"I0", NULL, r->i0, 0, INFINITY, 0}, {"alpha", "cm^-1", r->alpha, -INFINITY, INFINITY, 0}};
  gk_fit_problem prob = {.n = n, .p = 2, .y = I, .sigma = sigma,
                         .weighting = sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_RELATIVE, .model = ses_model,
                         .ctx = &c, .param = par};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  gk_fit_result fr;
  gk_error e2;
  gk_error_clear(&e2);
  r->alpha_nl = r->se_alpha_nl = NAN;
  if (gk_fit(&prob, &opt, &fr, &e2) == GK_OK) {
    r->alpha_nl = fr.value[1], r->se_alpha_nl = fr.se[1];
    r->converged = fr.converged;
    gk_fit_result_free(&fr);
  }
  return GK_OK;
}
