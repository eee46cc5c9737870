/* Lasing-line fit for the cavity Q (see gainkit/cavity.h): a Lorentzian, or
 * a Voigt profile (Lorentzian convolved with a Gaussian instrument or a free
 * Gaussian), plus a constant baseline, by the project's fitting engine
 * (gk_fit). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "gainkit/cavity.h"
#include "gainkit/fit.h"
#include "core/core_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct lctx {
  const double *x;
  size_t n;
  int voigt;
  gsl_integration_workspace *w;
} lctx;

typedef struct vpar { double u, gam, sig; } vpar;

static double vint(double t, void *p)
{
  const vpar *v = p;
  double d = v->u - t;
  return exp(-0.5 * t * t / (v->sig * v->sig)) * v->gam / (d * d + v->gam * v->gam);
}

/* Unnormalised Voigt: Int exp(-t^2/2 sigma^2) gam/((u-t)^2+gam^2) dt over
 * |t| <= 9 sigma (the Gaussian beyond is < 3e-18 of its peak), break at
 * t = u where the Lorentzian peaks. */
static double voigt_raw(gsl_integration_workspace *w, double u, double gam, double sig)
{
  vpar v = {u, gam, sig};
  gsl_function F = {vint, &v};
  double lo = -9 * sig, hi = 9 * sig, r = 0, ae = 0;
  if (u > lo && u < hi) {
    double pts[3] = {lo, u, hi};
    if (gsl_integration_qagp(&F, pts, 3, 0, 1e-10, w->limit, w, &r, &ae) != GSL_SUCCESS) return NAN;
  } else if (gsl_integration_qag(&F, lo, hi, 0, 1e-10, w->limit, GSL_INTEG_GAUSS31, w, &r, &ae) != GSL_SUCCESS) {
    return NAN;
  }
  return r;
}

/* theta: amplitude, center, fwhm_L, fwhm_G, baseline; peak height =
 * amplitude above the baseline */
static int line_model(const double *th, double *yhat, void *p)
{
  const lctx *c = p;
  double A = th[0], x0 = th[1], gam = 0.5 * th[2], wg = th[3], B = th[4];
  if (!(gam > 0)) return 1;
  if (!c->voigt || wg <= 0) {
    for (size_t i = 0; i < c->n; i++) {
      double d = (c->x[i] - x0) / gam;
      yhat[i] = B + A / (1 + d * d);
    }
    return 0;
  }
  double sig = wg / (2 * sqrt(2 * log(2)));
  double v0 = voigt_raw(c->w, 0, gam, sig);
  if (!(v0 > 0)) return 1;
  for (size_t i = 0; i < c->n; i++) {
    double v = voigt_raw(c->w, c->x[i] - x0, gam, sig);
    if (!isfinite(v)) return 1;
    yhat[i] = B + A * v / v0;
  }
  return 0;
}

double gk_cavity_voigt_fwhm(double fwhm_l, double fwhm_g)
{
  return 0.5346 * fwhm_l + sqrt(0.2166 * fwhm_l * fwhm_l + fwhm_g * fwhm_g);
}

int gk_cavity_line_fit(const double *x_nm, const double *y, size_t n, double gauss_fwhm_nm, gk_line_fit *out,
                       gk_error *err)
{
  memset(out, 0, sizeof *out);
  if (n < 6) return gk_error_set(err, GK_EUSAGE, NULL, 0, "line fit: need at least 6 points (got %zu)", n);
  if (!(gauss_fwhm_nm >= 0) && !(gauss_fwhm_nm < 0 && isfinite(gauss_fwhm_nm)))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "line fit: gauss_fwhm_nm must be finite");
  size_t imax = 0, imin = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x_nm[i]) || !isfinite(y[i]))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "line fit: x_nm[%zu] or y[%zu] is not finite", i, i);
    if (i && !(x_nm[i] > x_nm[i - 1]))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "line fit: x_nm must increase strictly (x_nm[%zu])", i);
    if (y[i] > y[imax]) imax = i;
    if (y[i] < y[imin]) imin = i;
  }
  double span = x_nm[n - 1] - x_nm[0], A0 = y[imax] - y[imin], B0 = y[imin];
  if (!(A0 > 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "line fit: the spectrum is flat (no line)");
  /* FWHM start: the half-maximum crossings around the peak */
  double half = B0 + 0.5 * A0;
  size_t a = imax, b = imax;
  while (a > 0 && y[a] > half) a--;
  while (b + 1 < n && y[b] > half) b++;
  double w0 = x_nm[b] - x_nm[a];
  double dx = span / (double)(n - 1);
  if (!(w0 > 0)) w0 = 2 * dx;
  int voigt = gauss_fwhm_nm != 0;
  int free_g = gauss_fwhm_nm < 0;
  lctx c = {x_nm, n, voigt, NULL};
  if (voigt && !(c.w = gsl_integration_workspace_alloc(200)))
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  double wl_init = w0, wg_init = free_g ? 0.5 * w0 : gauss_fwhm_nm;
  if (voigt && !free_g) {
    double d = gk_cavity_deconvolve_lorentz_nm(w0, gauss_fwhm_nm, 1);
    wl_init = d > 0 ? d : 0.2 * w0;
    if (wl_init < 0.05 * dx) wl_init = 0.05 * dx;
  } else if (free_g) {
    wl_init = 0.5 * w0;
  }
  gk_param par[5] = {
    {"amplitude", NULL, A0, 0, INFINITY, 0},
    {"center", "nm", x_nm[imax], x_nm[0], x_nm[n - 1], 0},
    {"fwhm_lorentz", "nm", wl_init, 1e-6 * dx, 10 * span, 0},
    {"fwhm_gauss", "nm", wg_init, free_g ? 1e-6 * dx : -INFINITY, free_g ? 10 * span : INFINITY, !free_g},
    {"baseline", NULL, B0, -INFINITY, INFINITY, 0},
  };
  if (!voigt) { par[3].init = 0; par[3].fixed = 1; }
  /* a second start: narrower Lorentzian (a resolution-limited line) */
  double starts[5] = {A0, x_nm[imax], 0.3 * wl_init, wg_init, B0};
  if (starts[2] < par[2].lo) starts[2] = par[2].lo * 2;
  gk_fit_problem prob = {0};
  prob.n = n;
  prob.p = 5;
  prob.y = y;
  prob.weighting = GK_WEIGHT_NONE;
  prob.model = line_model;
  prob.ctx = &c;
  prob.param = par;
  prob.starts = starts;
  prob.n_starts = 1;
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  gk_gsl_init_();  /* the one GSL-handler policy: src/core/gsl.c */
  int rc = gk_fit(&prob, &opt, &out->fit, err);
  if (c.w) gsl_integration_workspace_free(c.w);
  if (rc != GK_OK) return rc;
  const gk_fit_result *r = &out->fit;
  out->amplitude = r->value[0];
  out->center_nm = r->value[1];
  out->center_se = r->se[1];
  out->fwhm_lorentz_nm = r->value[2];
  out->fwhm_lorentz_se = r->se[2];
  out->fwhm_gauss_nm = r->value[3];
  out->fwhm_gauss_se = free_g ? r->se[3] : 0;
  out->baseline = r->value[4];
  out->fwhm_total_nm = voigt ? gk_cavity_voigt_fwhm(out->fwhm_lorentz_nm, out->fwhm_gauss_nm) : out->fwhm_lorentz_nm;
  out->q = out->center_nm / out->fwhm_lorentz_nm;
  /* Q = x0 / w: relative errors add in quadrature (x0's is negligible) */
  out->q_se = out->q * hypot(out->fwhm_lorentz_se / out->fwhm_lorentz_nm, out->center_se / out->center_nm);
  out->converged = r->converged;
  /* resolved: the Lorentzian width must exceed its own uncertainty and
   * (with a fixed instrument) a tenth of a sample step */
  out->resolved = r->cov_ok && isfinite(out->fwhm_lorentz_se) && out->fwhm_lorentz_nm > 2 * out->fwhm_lorentz_se &&
                  out->fwhm_lorentz_nm > 0.1 * dx;
  /* an instrument at least as wide as the measured line (half-maximum
   * width of the data) leaves nothing to deconvolve */
  if (voigt && !free_g && !(gauss_fwhm_nm < w0)) out->resolved = 0;
  return GK_OK;
}

void gk_line_fit_free(gk_line_fit *f)
{
  if (f) gk_fit_result_free(&f->fit);
}
