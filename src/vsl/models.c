/* VSL model functions and their analytic derivatives (gainkit/vsl.h).
 *
 * Everything is evaluated in log form because the interesting regime
 * includes gL ~ 2000 (micrometre stripes at g ~ 1e4 cm^-1): the intensities
 * are ordinary numbers there, but e^{gL} and the amplitude A ~ e^{-gL} are
 * not representable, so products like A e^{gL} are formed as
 * exp(lnA + gL + ...). See docs/vsl.md "Numerics".
 */
#include "gainkit/vsl.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include "fit/solve1d.h"
#include <gsl/gsl_roots.h>
#include "core/core_internal.h"
#include "vsl_internal.h"
#include "vexp.h"


static const char *const model_names[GK_VSL_NMODELS] = {"vsl1", "vsl2", "sat", "sat-exact", "emp", "ahn"};
static const size_t ntheta_[GK_VSL_NMODELS] = {2, 3, 3, 4, 3, 3};
static const size_t nreport_[GK_VSL_NMODELS] = {2, 3, 3, 5, 3, 3};
static const char *const pnames[GK_VSL_NMODELS][GK_VSL_MAXP] = {
  {"g", "A"}, {"g", "A1", "A2"}, {"g", "A", "Is"}, {"gamma", "alpha", "A", "Is", "g"}, {"g", "A", "Ls"}, {"g", "A", "B"}};
static const char *const punits[GK_VSL_NMODELS][GK_VSL_MAXP] = {
  {"cm^-1", "I/cm"}, {"cm^-1", "I/cm", "I/cm"}, {"cm^-1", "I/cm", "I"},
  {"cm^-1", "cm^-1", "I/cm", "I", "cm^-1"}, {"cm^-1", "I", "cm"}, {"cm^-1", "I/cm", "I"}};
/* Which physical parameters are fitted as logarithms. */
static const int logp[GK_VSL_NMODELS][4] = {{0, 1}, {0, 1, 0}, {0, 1, 1}, {0, 0, 1, 1}, {0, 1, 1}, {0, 0, 1}};

const char *gk_vsl_model_name(gk_vsl_model m) { return (unsigned)m < GK_VSL_NMODELS ? model_names[m] : "?"; }
size_t gk_vsl_ntheta(gk_vsl_model m) { return (unsigned)m < GK_VSL_NMODELS ? ntheta_[m] : 0; }
size_t gk_vsl_nreport(gk_vsl_model m) { return (unsigned)m < GK_VSL_NMODELS ? nreport_[m] : 0; }

int gk_vsl_model_from_name(const char *name)
{
  for (int m = 0; m < GK_VSL_NMODELS; m++)
    if (strcmp(name, model_names[m]) == 0) return m;
  return -1;
}

const char *gk_vsl_param_name(gk_vsl_model m, size_t k)
{
  return k < gk_vsl_nreport(m) ? pnames[m][k] : NULL;
}

const char *gk_vsl_param_unit(gk_vsl_model m, size_t k)
{
  return k < gk_vsl_nreport(m) ? punits[m][k] : NULL;
}

int gk_vsl_theta_from_physical(gk_vsl_model m, const double *phys, double *theta)
{
  for (size_t k = 0; k < gk_vsl_ntheta(m); k++) {
    if (logp[m][k]) {
      if (!(phys[k] > 0)) return GK_EDOM;
      theta[k] = log(phys[k]);
    } else {
      theta[k] = phys[k];
    }
  }
  return GK_OK;
}

void gk_vsl_physical_from_theta(gk_vsl_model m, const double *theta, double *phys)
{
  for (size_t k = 0; k < gk_vsl_ntheta(m); k++) phys[k] = logp[m][k] ? exp(theta[k]) : theta[k];
}

/* ln((e^{gL} - 1)/g) and its g-derivative, for L > 0 and any g (g = 0 is
 * the limit ln L). Near gL = 0 the ratio h(x) = expm1(x)/x is summed as a
 * series: the closed forms below lose digits to cancellation there. */
static double log_gain_factor(double g, double L, double *dg)
{
  double x = g * L;
  if (fabs(x) < 1e-2) {
    double h = 1, hp = 0, t = 1;  /* h = sum x^k/(k+1)!, hp = h' */
    double fact = 1;
    for (int k = 1; k <= 9; k++) {
      fact *= (double)(k + 1);
      hp += (double)k * t / fact;   /* t = x^{k-1} */
      t *= x;
      h += t / fact;
    }
    if (dg) *dg = L * hp / h;
    return log(L) + log(h);
  }
  if (x > 0) {
    if (dg) *dg = L / -expm1(-x) - 1 / g;
    return x + log(-expm1(-x)) - log(g);
  }
  if (dg) *dg = L * exp(x) / expm1(x) - 1 / g;
  return log(-expm1(x)) - log(-g);
}

/* vexp: the direct form's expm1 two at a time (vexp.h, within a few ulp
 * of libm's; I serves as the scratch array). vsl2 only: vsl1's fits seed
 * sat-exact's local fits and keep libm's bits. */
GK_VEXP_INLINE int vsl1_eval_(const double *th, const double *L, size_t n, double *I, double *jac, size_t stride, int vexp)
{
  /* Where A e^{gL} and e^{gL} are representable (|gL| < 650, |ln A| <
   * 650) the direct form A expm1(gL)/g costs one expm1 per point instead
   * of the log form's expm1, two logs and an exp; the same value to
   * rounding. The log form below takes every other point. */
  double g = th[0], A = exp(th[1]), ig = g != 0 ? 1 / g : 0;
  int direct = fabs(th[1]) < 650 && g != 0 && isfinite(ig);
  if (vexp && direct) {
    for (size_t i = 0; i < n; i++) I[i] = g * L[i];
    gk_vexpm1(I, I, n);
  }
  for (size_t i = 0; i < n; i++) {
    double *J = jac ? jac + i * stride : NULL;
    if (L[i] <= 0) {
      I[i] = 0;
      if (J) J[0] = J[1] = 0;
      continue;
    }
    double x = g * L[i];
    if (direct && fabs(x) >= 1e-2 && fabs(x) < 650) {
      double em = vexp ? I[i] : expm1(x), v = A * em * ig;
      if (isfinite(v) && v > 1e-290) {
        I[i] = v;
        /* vexp: v (L (em + 1)/em - 1/g) with v/em = A/g, no division */
        if (J) { J[0] = vexp ? ig * (A * L[i] * (em + 1) - v) : v * (L[i] * (em + 1) / em - ig); J[1] = v; }
        continue;
      }
    }
    double dg, le = log_gain_factor(th[0], L[i], J ? &dg : NULL);
    double v = exp(th[1] + le);
    if (!isfinite(v)) return GK_EDOM;
    I[i] = v;
    if (J) { J[0] = v * dg; J[1] = v; }
  }
  return GK_OK;
}

static int vsl1_eval(const double *th, const double *L, size_t n, double *I, double *jac, size_t stride)
{
  return vsl1_eval_(th, L, n, I, jac, stride, 0);
}

static int emp_eval(const double *th, const double *L, size_t n, double *I, double *jac)
{
  double g = th[0], Ls = exp(th[2]);
  for (size_t i = 0; i < n; i++) {
    double t = L[i] / Ls;
    double m = -expm1(-t);
    double v = exp(th[1] + g * Ls * m);
    if (!isfinite(v) || !isfinite(Ls)) return GK_EDOM;
    I[i] = v;
    if (jac) {
      /* d(Ls m)/d ln Ls = Ls (m - t e^{-t}) = Ls (1 - e^{-t}(1 + t)); series
       * for small t, where the difference cancels. e^{-t} = 1 - m (no
       * second exponential): for t >= 1e-2, w >= 5e-5 and the absolute
       * error of 1 - m (~eps) costs at most ~1e-13 of w. */
      double w = t < 1e-2 ? t * t * (0.5 + t * (-1.0 / 3 + t * (1.0 / 8 + t * (-1.0 / 30 + t / 144))))
                          : m - t * (1 - m);
      double *J = jac + i * 3;
      J[0] = v * Ls * m;
      J[1] = v;
      J[2] = v * g * Ls * w;
    }
  }
  return GK_OK;
}

/* ln|1 + u| with ln|u| = lu and sign s of u, without forming u when it is
 * huge (u = kI/A with A ~ e^{-gL}). */
static double log_abs_1p(double lu, int s)
{
  if (lu > 700) return lu;  /* ln|1 + u| = ln|u| + O(1/u) */
  double u = s * exp(lu);
  return u > -1 ? log1p(u) : log(-1 - u);
}

/* The theta-dependent constants of Eq. 3, computed once per parameter
 * vector (the model is evaluated at every stripe length). */
typedef struct sat_k {
  double g, a, r, k, lnk, A, invIs;   /* r = A/Is, k = g + r, lnk = ln|k| */
  double kinvA;                       /* k/A when finite and non-zero (else 0) */
  double ik;                          /* 1/k */
} sat_k;

static int sat_setup(const double *th, sat_k *c)
{
  c->g = th[0];
  c->a = th[1];
  c->r = exp(th[1] - th[2]);
  c->k = c->g + c->r;
  if (c->k == 0 || !isfinite(c->k)) return GK_EDOM;
  c->lnk = log(fabs(c->k));
  c->ik = 1 / c->k;
  c->A = exp(th[1]);
  c->invIs = exp(-th[2]);
  /* u = kI/A directly (one multiplication instead of exp(ln|k| + ln I -
   * ln A)) wherever A and k/A are ordinary numbers */
  c->kinvA = c->A > 0 && fabs(th[1]) < 700 ? c->k * exp(-th[1]) : 0;
  if (!isfinite(c->kinvA)) c->kinvA = 0;
  return GK_OK;
}

/* ln|1 + kI/A| of Eq. 3 (lnI = ln|I|). */
static double sat_T(const sat_k *c, double I, double lnI)
{
  if (I == 0) return 0;
  if (c->kinvA != 0) {
    double u = c->kinvA * I;
    if (isfinite(u) && fabs(u) < 1e300) return u > -1 ? log1p(u) : log(-1 - u);
  }
  return log_abs_1p(c->lnk + lnI - c->a, (c->k * I > 0) ? 1 : -1);
}

/* Eq. 3 at one intensity; lnI = ln|I| (the Newton inversion iterates in
 * ln I, so it has it without a log). *Tio (may be NULL): ln|1 + kI/A|,
 * taken from there when have_T, else stored there. */
static int sat_length1_T(const sat_k *c, double I, double lnI, double *Lout, double *J, double *Tio, int have_T)
{
  double g = c->g, r = c->r, k = c->k, ik = c->ik;
  double Jn = I * c->invIs;
  double T = 0;
  if (I != 0) T = have_T ? *Tio : sat_T(c, I, lnI);
  if (Tio && !have_T) *Tio = T;
  if (!isfinite(T)) return GK_EDOM;
  double ik2 = ik * ik, ik3 = ik2 * ik, gT = g * T;
  *Lout = Jn * ik + gT * ik2;
  if (J) {
    double q = I != 0 ? 1 / (c->A / I + k) : 0;   /* I/(A + kI) */
    J[0] = -Jn * ik2 + T * ik2 - 2 * gT * ik3 + g * ik2 * q;
    J[1] = -Jn * r * ik2 + g * ik2 * (q * r - k * q) - 2 * gT * r * ik3;
    J[2] = -Jn * ik + Jn * r * ik2 - g * ik2 * q * r + 2 * gT * r * ik3;
  }
  return isfinite(*Lout) ? GK_OK : GK_EDOM;
}

static int sat_length1(const sat_k *c, double I, double lnI, double *Lout, double *J)
{
  return sat_length1_T(c, I, lnI, Lout, J, NULL, 0);
}

int gk_vsl_sat_length(const double *theta, const double *I, size_t n, double *L, double *jac)
{
  return gk_vsl_sat_length_ln_(theta, I, NULL, n, L, jac);
}

int gk_vsl_sat_length_ln_(const double *theta, const double *I, const double *lnI, size_t n, double *L, double *jac)
{
  return gk_vsl_sat_length_T_(theta, I, lnI, n, L, jac, NULL, 0);
}

int gk_vsl_sat_length_T_(const double *theta, const double *I, const double *lnI, size_t n, double *L, double *jac,
                         double *T, int have_T)
{
  sat_k c;
  if (sat_setup(theta, &c)) return GK_EDOM;
  for (size_t i = 0; i < n; i++) {
    int rc = sat_length1_T(&c, I[i], lnI ? lnI[i] : log(fabs(I[i])), &L[i], jac ? jac + 3 * i : NULL,
                           T ? T + i : NULL, have_T);
    if (rc) return rc;
  }
  return GK_OK;
}

/* ---- sat-exact ---------------------------------------------------------
 * dI/dx = A + gamma I/(1 + I/Is) - alpha I. Multiplying by (Is + I):
 * dx = (Is + I)/P(I) dI with the quadratic P(u) = -alpha u^2 + b u + c,
 * b = A + (gamma - alpha) Is, c = A Is > 0. For alpha > 0 its roots are
 * u+ > 0 (the plateau) and u- < 0, and partial fractions give
 *   x(I) = [(Is + u-) ln(1 - I/u-) - (Is + u+) ln(1 - I/u+)] / sqrt(D),
 *   D = b^2 + 4 alpha c.
 * For alpha = 0 the integral is Eq. 3 (sat) with g = gamma: sat is the
 * alpha = 0 member of this family. Roots use the cancellation-free forms
 * and ln|u-| is kept in log form (c underflows when A ~ e^{-gL}). */
typedef struct sx_roots {
  double alpha, A, Is, b, c, lnc, sD, up, um, lnup, lnum; /* um < 0, lnum = ln|u-| */
  double c_up, c_um;                                 /* c/u+, c/u- */
} sx_roots;

static void sx_setup(const double *th, double alpha, sx_roots *r)
{
  double gamma = th[0];
  r->alpha = alpha;
  r->A = exp(th[2]);
  r->Is = exp(th[3]);
  r->b = r->A + (gamma - alpha) * r->Is;
  r->lnc = th[2] + th[3];
  r->c = exp(r->lnc);
  r->sD = sqrt(r->b * r->b + 4 * alpha * r->c);
  double b = r->b, sD = r->sD;
  if (b >= 0) {
    double w = b + sD;
    r->up = w / (2 * alpha);
    r->lnup = log(w) - log(2 * alpha);
    r->lnum = M_LN2 + r->lnc - log(w);
    r->um = -exp(r->lnum);
    r->c_um = -w / 2;
    r->c_up = 2 * alpha * r->c / w;
  } else {
    double w = sD - b;
    r->lnup = M_LN2 + r->lnc - log(w);
    r->up = exp(r->lnup);
    r->um = -w / (2 * alpha);
    r->lnum = log(w) - log(2 * alpha);
    r->c_up = w / 2;
    r->c_um = -2 * alpha * r->c / w;
  }
}

/* ln(1 + e^t) without overflow. */
/* x(I) for alpha > 0, I > 0 below the plateau; dx (optional) receives the
 * derivatives with respect to (alpha, b, ln c, Is). */
static double sx_x(const sx_roots *r, double I, double lnI, double *dx)
{
  double rp = exp(lnI - r->lnup);       /* I/u+ < 1 */
  if (rp >= 1) return INFINITY;
  double lp = log1p(-rp);
  double lm = gk_vsl_softplus_(lnI - r->lnum);  /* ln(1 + I/|u-|) */
  double Is = r->Is, sD = r->sD;
  double N = (Is + r->um) * lm - (Is + r->up) * lp;
  double x = N / sD;
  if (dx) {
    /* u_v/u for v = alpha, b, ln c (sign +1 for u+, -1 for u-), from
     * P(u) = 0; lam = u dl/du = I/(u - I). */
    double rm = exp(lnI - r->lnum);     /* I/|u-| (may be inf: then lam_m = -1) */
    double lam_p = rp / (1 - rp), lam_m = isfinite(rm) ? -rm / (1 + rm) : -1;
    double rel_p[3] = {-r->up / sD, 1 / sD, r->c_up / sD};
    double rel_m[3] = {r->um / sD, -1 / sD, -r->c_um / sD};
    double dsD[3] = {2 * r->c / sD, r->b / sD, 2 * r->alpha * r->c / sD};
    for (int v = 0; v < 3; v++) {
      double dtm = rel_m[v] * r->um * lm + (Is + r->um) * lam_m * rel_m[v];
      double dtp = rel_p[v] * r->up * lp + (Is + r->up) * lam_p * rel_p[v];
      dx[v] = (dtm - dtp) / sD - x * dsD[v] / sD;
    }
    dx[3] = (lm - lp) / sD;
  }
  return x;
}

/* Smallest alpha at which the closed form's derivatives are used: below
 * it the alpha-derivative cancels (terms of size u+/I), so the Jacobian is
 * taken at this alpha (model error ~1e-8 relative, Jacobian only). */
static double sx_alpha_floor(const sx_roots *r, double I)
{
  double s = r->Is + I;
  return 1e-8 * (fabs(r->b) + r->c / s) / s;
}

double gk_vsl_satexact_plateau(const double *theta)
{
  if (theta[1] > 0) {
    sx_roots r;
    sx_setup(theta, theta[1], &r);
    return r.up;
  }
  double b = exp(theta[2]) + theta[0] * exp(theta[3]);
  return b < 0 ? exp(theta[2] + theta[3]) / -b : INFINITY;
}

double gk_vsl_satexact_x(const double *theta, double I)
{
  if (I <= 0) return I == 0 ? 0 : NAN;
  if (theta[1] < 0) return NAN;
  if (theta[1] == 0) {
    double th3[3] = {theta[0], theta[2], theta[3]}, L;
    double plat = gk_vsl_satexact_plateau(theta);
    if (I >= plat) return INFINITY;
    sat_k k;
    return sat_setup(th3, &k) == GK_OK && sat_length1(&k, I, log(I), &L, NULL) == GK_OK ? L : NAN;
  }
  sx_roots r;
  sx_setup(theta, theta[1], &r);
  return sx_x(&r, I, log(I), NULL);
}

/* x(I) at fixed theta with the roots computed once (the root finder
 * evaluates it many times per stripe length). */
typedef struct sx_root_ctx {
  const double *th;
  int alpha0;       /* alpha == 0: Eq. 3 */
  sat_k k3;         /* Eq. 3's constants (alpha = 0) */
  int k3_ok;
  double b, c, Is;  /* P(u) = c + b u (alpha = 0) */
  sx_roots r;
  double L;
} sx_root_ctx;

static double sx_ctx_xy(const sx_root_ctx *c, double I, double y)
{
  if (I <= 0) return I == 0 ? 0 : NAN;
  if (c->alpha0) {
    double L;
    return c->k3_ok && sat_length1(&c->k3, I, y, &L, NULL) == GK_OK ? L : NAN;
  }
  return sx_x(&c->r, I, y, NULL);
}

static double sx_ctx_x(const sx_root_ctx *c, double I) { return sx_ctx_xy(c, I, I > 0 ? log(I) : 0); }

/* dx/dy at I = e^y: I (Is + I)/P(I). */
static double sx_ctx_dxdy(const sx_root_ctx *c, double I)
{
  double P = c->alpha0 ? c->c + c->b * I : c->r.alpha * (c->r.up - I) * (I - c->r.um);
  return I * (c->Is + I) / P;
}

/* x(e^y) - L and its y-derivative, for the safeguarded Newton solve of
 * x(I) = L in y = ln I (gk_root_newton_safe). x is increasing and convex
 * in y (d/dI of I(Is + I)/P(I) has the numerator
 * Is c + 2 I c + b I^2 + alpha Is I^2 > 0 below the plateau), so from a
 * start right of the root the iterates decrease monotonically to it, and
 * from the left the first step lands on the right. A y where e^y
 * underflows, or beyond the plateau (x not finite), is outside the domain
 * on the high side for the helper (NaN). */
static double sx_newton_fdf(double y, void *p, double *df)
{
  const sx_root_ctx *c = p;
  double I = exp(y);
  if (!(I > 0)) return NAN;
  double f = sx_ctx_xy(c, I, y) - c->L;
  if (isfinite(f) && f != 0) *df = sx_ctx_dxdy(c, I);
  return f;
}

/* Solve x(I) = L from y0 = ln I0 within [ylo, yhi]: Newton steps smaller
 * than 1e-10 max(|y|, 1) end it (the error is then ~1e-20 times the
 * curvature scale, far below rounding, away from the plateau; within ~1e-3
 * of the plateau x(ln I) is nearly vertical and two different starts agree
 * only to ~1e-4 relative in I, measured: immaterial for the fits, since
 * dI/dL is tiny there), as do steps that stop shrinking
 * below 1e-6 (rounding noise in x). GK_EDOM when it fails to settle (the
 * caller then falls back to the bracketing solver, e.g. on the plateau to
 * rounding). */
static int sx_newton(sx_root_ctx *c, double L, double y, double ylo, double yhi, double *out)
{
  c->L = L;
  double yr;
  int rc = gk_root_newton_safe_inl(sx_newton_fdf, c, y, ylo, yhi, 1e-10, 1e-6, 60, &yr);
  if (rc == GK_OK) *out = exp(yr);
  return rc;
}

/* In y = ln I: along the exponential part x is nearly linear in y, so
 * Brent's interpolation steps work from the first iteration. */
static double sx_root_fy(double y, void *p)
{
  const sx_root_ctx *c = p;
  return sx_ctx_xy(c, exp(y), y) - c->L;
}

/* Solve x(I) = L for I by Brent's method on a bracket: below, the previous
 * (shorter) stripe's intensity, since I(L) is increasing; above, the
 * smaller of the plateau and the unsaturated curve (A/g)(e^{gL} - 1),
 * which bounds the solution because dI/dx <= A + (max(gamma,0) - alpha) I. */
static int sx_invert(sx_root_ctx *c, double plat, double L, double lo, double *out)
{
  const double *th = c->th;
  double g = (th[0] > 0 ? th[0] : 0) - th[1];
  double lnhi = th[2] + log_gain_factor(g, L, NULL) + 1e-12;
  double hi = lnhi > 700 ? INFINITY : exp(lnhi) * (1 + 1e-12);
  if (plat < hi) hi = plat * (1 - 4 * DBL_EPSILON);
  if (!(hi > 0) || !isfinite(hi)) return GK_EDOM;
  c->L = L;
  double fhi = sx_ctx_x(c, hi) - L;
  /* Just below the plateau ln(1 - I/u+) can still round to -inf (or Eq. 3
   * report a domain error): back off
   * by growing multiples of the rounding error until x is finite. */
  for (double back = 8 * DBL_EPSILON; !isfinite(fhi) && back < 1e-6; back *= 4) {
    hi = plat * (1 - back);
    fhi = sx_ctx_x(c, hi) - L;
  }
  if (!isfinite(fhi)) return GK_EDOM;
  if (fhi <= 0) { *out = hi; return GK_OK; }   /* at the plateau to rounding */
  if (lo > 0 && sx_ctx_x(c, lo) - L >= 0) { *out = lo; return GK_OK; }
  if (!(lo > 0)) {
    lo = hi;
    do {
      lo *= 1e-8;
    } while (lo > 1e-300 && sx_ctx_x(c, lo) - L >= 0);
    if (!(lo > 1e-300)) return GK_EDOM;
  }
  double y;
  int st = gk_root_brent(sx_root_fy, c, log(lo), log(hi), 2 * DBL_EPSILON, 0, 200, &y);
  if (st != GK_OK && st != GK_ENOCONV) return st;
  *out = exp(y);
  return GK_OK;
}

/* I(L) for sat-exact, and dI/dtheta by the implicit-function theorem:
 * dI/dtheta = -(dx/dtheta)/(dx/dI), dx/dI = (Is + I)/P(I). */
int gk_vsl_satexact_eval_(const double *th, const double *L, size_t n, double *I, double *jac, int have_I)
{
  if (th[1] < 0 || !isfinite(th[0]) || !isfinite(th[2]) || !isfinite(th[3])) return GK_EDOM;
  int rc = GK_OK;
  double prev = 0, prevL = -1;
  sx_root_ctx ctx = {.th = th, .alpha0 = th[1] == 0, .Is = exp(th[3]),
                     .c = exp(th[2] + th[3]), .b = exp(th[2]) + th[0] * exp(th[3])};
  if (th[1] > 0) sx_setup(th, th[1], &ctx.r);
  else {
    double th3[3] = {th[0], th[2], th[3]};
    ctx.k3_ok = sat_setup(th3, &ctx.k3) == GK_OK;
  }
  double plat = gk_vsl_satexact_plateau(th), yhi = isfinite(plat) ? log(plat) : INFINITY;
  double lnprev = NAN;  /* ln prev, taken once per length */
  sx_roots r0;      /* the roots at theta, for the Jacobian (set up once) */
  int have_r0 = 0;
  for (size_t i = 0; i < n && rc == GK_OK; i++) {
    if (L[i] <= 0) {
      I[i] = 0;
      if (jac) memset(jac + 4 * i, 0, 4 * sizeof *jac);
      continue;
    }
    if (have_I != 1) {
      /* Start: one Newton step along x(y) from the previous stripe (or
       * from x ~ I/A near I = 0), i.e. the tangent's prediction; by
       * convexity it lies right of the root. With have_I == 2, I holds
       * the solution at a nearby theta (the fit's previous evaluation):
       * near convergence one evaluation of x then confirms it. */
      if (prev > 0) lnprev = log(prev);
      double y0 = have_I == 2 && I[i] > 0 ? log(I[i])
                  : prev > 0 ? lnprev + (L[i] - prevL) / sx_ctx_dxdy(&ctx, prev) : th[2] + log(L[i]);
      double ylo = prev > 0 && L[i] >= prevL ? lnprev : -INFINITY;
      if (!(y0 < yhi)) y0 = isfinite(ylo) ? 0.5 * (ylo + yhi) : yhi - 1;
      if (sx_newton(&ctx, L[i], y0, ylo, yhi, &I[i]) != GK_OK)  /* Brent as the fallback */
        rc = sx_invert(&ctx, plat, L[i], L[i] >= prevL ? prev : 0, &I[i]);
    }
    if (rc) break;
    prev = I[i];
    prevL = L[i];
    if (!jac) continue;
    double *J = jac + 4 * i;
    if (!have_r0) { sx_setup(th, th[1], &r0); have_r0 = 1; }
    sx_roots r = r0;
    double al = th[1], fl = sx_alpha_floor(&r0, I[i]);
    if (al < fl) { al = fl; sx_setup(th, al, &r); }
    double dx[4];
    double x = sx_x(&r, I[i], log(I[i]), dx);
    /* dx/dI = (Is + I)/P(I), P = alpha (u+ - I)(I - u-) */
    double P = al * (r.up - I[i]) * (I[i] - r.um);
    double xI = (r.Is + I[i]) / P;
    double gamma = th[0], Is = r.Is;
    if (!isfinite(x) || !(P > 0)) {
      /* On the plateau to rounding: I = u+, so dI/dtheta = du+/dtheta
       * (the limit of -x_theta/x_I), from P(u+) = 0. */
      dx[0] = r.up * r.up / r.sD;
      dx[1] = -r.up / r.sD;
      dx[2] = -r.c_up * r.up / r.sD;
      dx[3] = 0;
      xI = 1;
    }
    double dth[4];
    dth[0] = Is * dx[1];                                   /* gamma */
    dth[1] = dx[0] - Is * dx[1];                           /* alpha */
    dth[2] = r.A * dx[1] + dx[2];                          /* ln A */
    dth[3] = (gamma - al) * Is * dx[1] + dx[2] + Is * dx[3]; /* ln Is */
    for (int k = 0; k < 4; k++) J[k] = -dth[k] / xI;
  }
  return rc;
}

int gk_vsl_intensity(gk_vsl_model m, const double *theta, const double *L, size_t n,
                     double *I, double *jac)
{
  gk_gsl_init_();
  switch (m) {
  case GK_VSL_VSL1:
    return vsl1_eval(theta, L, n, I, jac, 2);
  case GK_VSL_VSL2: {
    int rc = vsl1_eval_(theta, L, n, I, jac, 3, 1);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
      I[i] += theta[2] * L[i];
      if (jac) jac[3 * i + 2] = L[i];
    }
    return GK_OK;
  }
  case GK_VSL_SAT: {
    double th4[4] = {theta[0], 0, theta[1], theta[2]};
    double *j4 = NULL;
    int rc;
    if (jac) {
      /* sat is sat-exact at alpha = 0: reuse its inversion, drop the alpha
       * column of the Jacobian. */
      j4 = malloc(4 * n * sizeof *j4);
      if (!j4) return GK_ENOMEM;
    }
    rc = gk_vsl_satexact_eval_(th4, L, n, I, j4, 0);
    if (j4) {
      for (size_t i = 0; i < n; i++) {
        jac[3 * i] = j4[4 * i];
        jac[3 * i + 1] = j4[4 * i + 2];
        jac[3 * i + 2] = j4[4 * i + 3];
      }
      free(j4);
    }
    return rc;
  }
  case GK_VSL_SATEXACT:
    return gk_vsl_satexact_eval_(theta, L, n, I, jac, 0);
  case GK_VSL_EMP:
    return emp_eval(theta, L, n, I, jac);
  case GK_VSL_AHN:
    return gk_vsl_ahn_eval_(theta, L, n, I, jac);
  default:
    return GK_EUSAGE;
  }
}
