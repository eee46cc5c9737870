/* Fitting the VSL models: data checks, automatic initial guesses, the
 * gk_fit problem for each model, reported parameters. */
#include "gainkit/vsl.h"
#include "vsl_internal.h"
#include "vexp.h"
#include "core/core_internal.h"
#include "fit/solve1d.h"
#include "fit/structured.h"
#include "fit/finish.h"
#include <float.h>
#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

/* Internal parameter names and units for gk_fit (theta). */
static const char *const tnames[GK_VSL_NMODELS][4] = {
  {"g", "lnA"}, {"g", "lnA1", "A2"}, {"g", "lnA", "lnIs"}, {"gamma", "alpha", "lnA", "lnIs"}, {"g", "lnA", "lnLs"}, {"g", "A", "lnB"}};

int gk_vsl_check(const gk_vsl_data *d, gk_error *err)
{
  const char *path = d->path;
#define LINE(i) (d->line ? d->line[i] : 0)
  int any = 0;
  for (size_t i = 0; i < d->n; i++) {
    if (!isfinite(d->L[i]) || !isfinite(d->intensity[i]))
      return gk_error_set(err, GK_EINPUT, path, LINE(i), "stripe length and intensity must be finite numbers");
    if (d->L[i] < 0)
      return gk_error_set(err, GK_EINPUT, path, LINE(i), "negative stripe length %g", d->L[i]);
    if (i > 0 && d->L[i] == d->L[i - 1])
      return gk_error_set(err, GK_EINPUT, path, LINE(i), "duplicate stripe length %g (also on the previous row)", d->L[i]);
    if (i > 0 && d->L[i] < d->L[i - 1])
      return gk_error_set(err, GK_EINPUT, path, LINE(i),
                          "stripe lengths must increase (%g after %g)", d->L[i], d->L[i - 1]);
    if (d->sigma && !(d->sigma[i] > 0 && isfinite(d->sigma[i])))
      return gk_error_set(err, GK_EINPUT, path, LINE(i), "sigma must be positive (got %g)", d->sigma[i]);
    if (d->intensity[i] != 0) any = 1;
  }
  if (d->n && !any)
    return gk_error_set(err, GK_EINPUT, path, LINE(0), "all intensities are zero: no gain can be measured");
  if (d->weighting == GK_WEIGHT_SIGMA && !d->sigma)
    return gk_error_set(err, GK_EUSAGE, path, 0, "weights 'sigma' need a sigma column");
  if (d->weighting == GK_WEIGHT_RELATIVE)
    for (size_t i = 0; i < d->n; i++)
      if (d->intensity[i] == 0)
        return gk_error_set(err, GK_EINPUT, path, LINE(i), "relative weights need non-zero intensities");
#undef LINE
  return GK_OK;
}

/* Uncertainty of I[i] for the weighting (1 when unweighted). */
static double sig_I(const gk_vsl_data *d, size_t i)
{
  switch (d->weighting) {
  case GK_WEIGHT_SIGMA: return d->sigma[i];
  case GK_WEIGHT_RELATIVE: return fabs(d->intensity[i]);
  default: return 1;
  }
}

/* ---- initial guesses ---------------------------------------------------
 * The amplitude enters linearly, so for a trial g (and Ls for emp) the best
 * amplitude has a closed form: a profile of chi2 over a grid of g. The
 * shape is scaled by its value at the longest stripe, so the profile works
 * at gL in the thousands (A itself comes out in log form). */
static double lgf(double g, double L)  /* ln((e^{gL}-1)/g), L > 0 */
{
  double x = g * L;
  if (fabs(x) < 1e-8) return log(L) + x / 2;
  if (x > 0) return x + log(-expm1(-x)) - log(g);
  return log(-expm1(x)) - log(-g);
}

typedef struct prof {
  double chi2, lnamp, a2;
  double amp;         /* the scaled shape's amplitude (lnamp set by prof_lnamp) */
} prof;

/* What the profile needs of the data, computed once per grid search: the
 * weights, the g-independent sums and (emp) the shape's Ls part
 * m_i = 1 - e^{-L_i/Ls}, so that a trial g costs one or two exponentials
 * per point. */
typedef struct prof_ws {
  const gk_vsl_data *d;
  int kind;           /* 0: vsl, (e^{gL} - 1)/g; 1: emp, e^{g Ls m(L)} */
  int with_bg;        /* + a2 L */
  double Ls;
  double *w, *m;      /* n each */
  double *wy, *wl;    /* w y, w L (n each) */
  double *vx;         /* NULL, or n scratch: the exponentials two at a time
                       * (vexp.h; vsl2's grid, see grid_g2) */
  double syy, sll, sly;
} prof_ws;

static int prof_init(prof_ws *ws, const gk_vsl_data *d, int kind, double Ls, int with_bg, int vx)
{
  size_t n = d->n;
  *ws = (prof_ws){.d = d, .kind = kind, .with_bg = with_bg, .Ls = Ls};
  /* w, m, wy, wl, (vx), then the grid scan's 2 n (grid_g2): one block */
  ws->w = malloc((vx ? 7 : 6) * n * sizeof *ws->w);
  if (!ws->w) return GK_ENOMEM;
  ws->m = ws->w + n;
  ws->wy = ws->m + n;
  ws->wl = ws->wy + n;
  for (size_t i = 0; i < n; i++) {
    double s = sig_I(d, i), w = 1 / (s * s), y = d->intensity[i], l = d->L[i];
    ws->w[i] = w;
    ws->m[i] = 0;
    ws->wy[i] = w * y;
    ws->wl[i] = w * l;
    ws->syy += w * y * y; ws->sll += w * l * l; ws->sly += w * l * y;
  }
  if (kind) {
    /* emp: m_i = -expm1(-L_i/Ls), two at a time (vexp.h) */
    for (size_t i = 0; i < n; i++) ws->m[i] = -(d->L[i] / Ls);
    /* (GCC 12 warns that the malloc'd array may be uninitialised when
     * passed as const: every element < n was set just above) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
    gk_vexpm1(ws->m, ws->m, n);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    for (size_t i = 0; i < n; i++) ws->m[i] = -ws->m[i];
  }
  if (vx) ws->vx = ws->wl + n;
  return GK_OK;
}

/* Weighted least squares of y ~ amp * shape (+ a2 * L) at trial g, the
 * shape scaled to 1 at the longest stripe (so that it stays representable
 * at gL in the thousands; A comes out in log form). chi2 from the normal
 * equations (syy - amp sey - a2 sly): rounding limits it to ~1e-16 syy,
 * ample for choosing a starting point. */
static prof profile_e(const prof_ws *ws, double g, double *eg, const double *es, prof *other);
static prof profile_vx(const prof_ws *ws, double g);
static prof profile(const prof_ws *ws, double g)
{
  return ws->vx ? profile_vx(ws, g) : profile_e(ws, g, NULL, NULL, NULL);
}

/* As profile, with eg[i] = e^{g x_i} given (x_i = L_i - Lmax, or
 * Ls (m_i - m_n) for emp): the grid search steps g uniformly, so these come
 * from a running product (one multiplication per point instead of an
 * exponential; relative error <= k eps after k steps, far below what
 * choosing a start needs). */
static inline prof prof_solve(const prof_ws *ws, int with_bg, double see, double sey, double sel)
{
  prof r = {INFINITY, 0, 0, 0};
  double amp, a2 = 0;
  if (with_bg) {
    double det = see * ws->sll - sel * sel;
    if (!(fabs(det) > 1e-14 * see * ws->sll)) return r;
    amp = (sey * ws->sll - ws->sly * sel) / det;
    a2 = (see * ws->sly - sel * sey) / det;
  } else {
    amp = sey / see;
  }
  if (!(amp > 0)) return r;
  /* fmax(c2, 0) without the library call (NaN -> 0 as fmax) */
  double c2 = ws->syy - amp * sey - a2 * ws->sly;
  r.chi2 = c2 > 0 ? c2 : 0;
  r.amp = amp;
  r.a2 = a2;
  return r;
}

/* emp's grid step (profile_e without background): the sums of the
 * scaled shape at the grid point, eg advanced to the next point in the
 * same pass, two chains (as vsl1's loop below). */
static inline void emp_sums(const prof_ws *ws, double *eg, const double *es, double *see_out, double *sey_out)
{
  size_t n = ws->d->n;
  const double *w = ws->w, *wy = ws->wy;
  double see = 0, sey = 0;
  /* emp's grid: no L sum; the next grid point's eg in the same pass, two
   * chains (as vsl1's loop below) */
  double see2 = 0, sey2 = 0;
  size_t i = 0;
#ifdef GK_VEXP_VEC
  /* lane 0 the even points' sums, lane 1 the odd points': the same
   * operations in the same order as the two scalar chains below */
  __m128d vee = _mm_setzero_pd(), vey = _mm_setzero_pd();
  for (; i + 1 < n; i += 2) {
    __m128d e = _mm_loadu_pd(eg + i);
    _mm_storeu_pd(eg + i, _mm_mul_pd(e, _mm_loadu_pd(es + i)));
    vee = _mm_add_pd(vee, _mm_mul_pd(_mm_mul_pd(_mm_loadu_pd(w + i), e), e));
    vey = _mm_add_pd(vey, _mm_mul_pd(e, _mm_loadu_pd(wy + i)));
  }
  see = _mm_cvtsd_f64(vee); see2 = _mm_cvtsd_f64(_mm_unpackhi_pd(vee, vee));
  sey = _mm_cvtsd_f64(vey); sey2 = _mm_cvtsd_f64(_mm_unpackhi_pd(vey, vey));
#endif
  for (; i + 1 < n; i += 2) {
    double e = eg[i], f = eg[i + 1];
    eg[i] *= es[i];
    eg[i + 1] *= es[i + 1];
    see += w[i] * e * e; sey += e * wy[i];
    see2 += w[i + 1] * f * f; sey2 += f * wy[i + 1];
  }
  if (i < n) {
    double e = eg[i];
    eg[i] *= es[i];
    see += w[i] * e * e; sey += e * wy[i];
  }
  see += see2; sey += sey2;
  *see_out = see;
  *sey_out = sey;
}

/* emp_sums at four successive grid points in one pass over the data
 * (eg advanced by four steps): each point's sums are the same chains, in
 * the same order, as four calls of emp_sums form them, and eg[i] is
 * multiplied by es[i] four times in turn, so the results are the same
 * bits; the weights, data and steps are loaded once for the four. */
enum { EMP_GRID_K = 4 };
static void emp_sums4(const prof_ws *ws, double *eg, const double *es, double *see_out, double *sey_out)
{
#ifdef GK_VEXP_VEC
  size_t n = ws->d->n;
  const double *w = ws->w, *wy = ws->wy;
  __m128d ve0 = _mm_setzero_pd(), vy0 = _mm_setzero_pd(), ve1 = _mm_setzero_pd(), vy1 = _mm_setzero_pd();
  __m128d ve2 = _mm_setzero_pd(), vy2 = _mm_setzero_pd(), ve3 = _mm_setzero_pd(), vy3 = _mm_setzero_pd();
  size_t i = 0;
  for (; i + 1 < n; i += 2) {
    const __m128d st = _mm_loadu_pd(es + i), wi = _mm_loadu_pd(w + i), yi = _mm_loadu_pd(wy + i);
    const __m128d e0 = _mm_loadu_pd(eg + i), e1 = _mm_mul_pd(e0, st), e2 = _mm_mul_pd(e1, st),
                  e3 = _mm_mul_pd(e2, st);
    _mm_storeu_pd(eg + i, _mm_mul_pd(e3, st));
    ve0 = _mm_add_pd(ve0, _mm_mul_pd(_mm_mul_pd(wi, e0), e0));
    vy0 = _mm_add_pd(vy0, _mm_mul_pd(e0, yi));
    ve1 = _mm_add_pd(ve1, _mm_mul_pd(_mm_mul_pd(wi, e1), e1));
    vy1 = _mm_add_pd(vy1, _mm_mul_pd(e1, yi));
    ve2 = _mm_add_pd(ve2, _mm_mul_pd(_mm_mul_pd(wi, e2), e2));
    vy2 = _mm_add_pd(vy2, _mm_mul_pd(e2, yi));
    ve3 = _mm_add_pd(ve3, _mm_mul_pd(_mm_mul_pd(wi, e3), e3));
    vy3 = _mm_add_pd(vy3, _mm_mul_pd(e3, yi));
  }
  const __m128d ve[4] = {ve0, ve1, ve2, ve3}, vy[4] = {vy0, vy1, vy2, vy3};
  for (int k = 0; k < EMP_GRID_K; k++) {
    double see = _mm_cvtsd_f64(ve[k]), see2 = _mm_cvtsd_f64(_mm_unpackhi_pd(ve[k], ve[k]));
    double sey = _mm_cvtsd_f64(vy[k]), sey2 = _mm_cvtsd_f64(_mm_unpackhi_pd(vy[k], vy[k]));
    if (i < n) {
      double e = eg[i];
      eg[i] *= es[i];
      see += w[i] * e * e; sey += e * wy[i];
    }
    see_out[k] = see + see2;
    sey_out[k] = sey + sey2;
  }
#else
  for (int k = 0; k < EMP_GRID_K; k++) emp_sums(ws, eg, es, see_out + k, sey_out + k);
#endif
}

/* profile_e's result for emp's grid from its sums (prof_solve without
 * background, inlined: the same operations) */
static inline prof emp_grid_solve(const prof_ws *ws, double see, double sey)
{
  prof r = {INFINITY, 0, 0, 0};
  double amp = sey / see;
  if (!(amp > 0)) return r;
  double c2 = ws->syy - amp * sey - 0.0 * ws->sly;
  r.chi2 = c2 > 0 ? c2 : 0;
  r.amp = amp;
  return r;
}

static inline prof emp_grid_point(const prof_ws *ws, double *eg, const double *es)
{
  double see, sey;
  emp_sums(ws, eg, es, &see, &sey);
  return emp_grid_solve(ws, see, sey);
}

/* The k-th of npts successive emp grid points (k = 0, 1, ... in turn):
 * whole blocks of EMP_GRID_K from one emp_sums4 pass (at each block's
 * first point), the points of a last partial block one at a time. */
static inline prof emp_grid_next(const prof_ws *ws, double *eg, const double *es, int k, int npts, double *s4e,
                                 double *s4y)
{
  const int j = k % EMP_GRID_K;
  if (k - j + EMP_GRID_K > npts) return emp_grid_point(ws, eg, es);
  if (j == 0) emp_sums4(ws, eg, es, s4e, s4y);
  return emp_grid_solve(ws, s4e[j], s4y[j]);
}

/* other (may be NULL) receives the profile of the other variant (with_bg
 * toggled) from the same sums. */
/* With es (the grid's scan, eg not NULL): eg[i] *= es[i] afterwards, for
 * the next grid point (in the same pass where the sums use eg). */
static prof profile_e(const prof_ws *ws, double g, double *eg, const double *es, prof *other)
{
  int stepped = 0;
  const gk_vsl_data *d = ws->d;
  size_t n = d->n;
  double Lm = d->L[n - 1];
  double see = 0, sey = 0, sel = 0;
  const double *w = ws->w, *wy = ws->wy, *wl = ws->wl;
  if (ws->kind && eg && es && !ws->with_bg && !other) {
    emp_sums(ws, eg, es, &see, &sey);
    stepped = 1;
  } else if (ws->kind) {
    for (size_t i = 0; i < n; i++) {
      double e = eg ? eg[i] : exp(g * ws->Ls * (ws->m[i] - ws->m[n - 1]));
      double we = w[i] * e;
      see += we * e; sey += e * wy[i]; sel += e * wl[i];
    }
  } else if (fabs(g * Lm) > 1e-3) {
    /* e_i = (e^{g L_i} - 1)/(e^{g Lm} - 1) from x_i = e^{g (L_i - Lm)}:
     * (x_i - e^{-g Lm})/(1 - e^{-g Lm}) for g > 0 (stays representable at
     * g Lm in the thousands), (x_i e^{g Lm} - 1)/(e^{g Lm} - 1) for g < 0.
     * The difference costs ~eps/|g L_i| relative in e_i (<= 1e-10 here),
     * far below what choosing a start needs; |g Lm| <= 1e-3 takes the
     * expm1 form below. */
    double a, b, inv;
    if (g > 0) {
      a = 1; b = exp(-g * Lm); inv = 1 / (1 - b);
    } else {
      a = exp(g * Lm); b = 1; inv = 1 / (a - 1);
    }
    double ai = a * inv, bi = b * inv;
    if (eg && es && !ws->with_bg && !other) {
      /* the grid's loop without background (vsl1): no L sum; the next
       * grid point's eg in the same pass */
      double see2 = 0, sey2 = 0;
      size_t i = 0;
#ifdef GK_VEXP_VEC
      /* two lanes = the two scalar chains below, the same operations */
      __m128d vee = _mm_setzero_pd(), vey = _mm_setzero_pd(), va = _mm_set1_pd(ai), vb = _mm_set1_pd(bi);
      for (; i + 1 < n; i += 2) {
        __m128d x = _mm_loadu_pd(eg + i), e = _mm_sub_pd(_mm_mul_pd(x, va), vb);
        _mm_storeu_pd(eg + i, _mm_mul_pd(x, _mm_loadu_pd(es + i)));
        vee = _mm_add_pd(vee, _mm_mul_pd(_mm_mul_pd(_mm_loadu_pd(w + i), e), e));
        vey = _mm_add_pd(vey, _mm_mul_pd(e, _mm_loadu_pd(wy + i)));
      }
      see = _mm_cvtsd_f64(vee); see2 = _mm_cvtsd_f64(_mm_unpackhi_pd(vee, vee));
      sey = _mm_cvtsd_f64(vey); sey2 = _mm_cvtsd_f64(_mm_unpackhi_pd(vey, vey));
#endif
      for (; i + 1 < n; i += 2) {
        double e = eg[i] * ai - bi, f = eg[i + 1] * ai - bi;
        eg[i] *= es[i];
        eg[i + 1] *= es[i + 1];
        see += w[i] * e * e; sey += e * wy[i];
        see2 += w[i + 1] * f * f; sey2 += f * wy[i + 1];
      }
      if (i < n) {
        double e = eg[i] * ai - bi;
        eg[i] *= es[i];
        see += w[i] * e * e; sey += e * wy[i];
      }
      see += see2; sey += sey2;
      stepped = 1;
    } else if (eg && es) {
      /* the grid's loop with the L sum (vsl2's two variants): as above */
      double see2 = 0, sey2 = 0, sel2 = 0;
      size_t i = 0;
#ifdef GK_VEXP_VEC
      /* two lanes = the two scalar chains below, the same operations */
      __m128d vee = _mm_setzero_pd(), vey = _mm_setzero_pd(), vel = _mm_setzero_pd(), va = _mm_set1_pd(ai),
              vb = _mm_set1_pd(bi);
      for (; i + 1 < n; i += 2) {
        __m128d x = _mm_loadu_pd(eg + i), e = _mm_sub_pd(_mm_mul_pd(x, va), vb);
        _mm_storeu_pd(eg + i, _mm_mul_pd(x, _mm_loadu_pd(es + i)));
        vee = _mm_add_pd(vee, _mm_mul_pd(_mm_mul_pd(_mm_loadu_pd(w + i), e), e));
        vey = _mm_add_pd(vey, _mm_mul_pd(e, _mm_loadu_pd(wy + i)));
        vel = _mm_add_pd(vel, _mm_mul_pd(e, _mm_loadu_pd(wl + i)));
      }
      see = _mm_cvtsd_f64(vee); see2 = _mm_cvtsd_f64(_mm_unpackhi_pd(vee, vee));
      sey = _mm_cvtsd_f64(vey); sey2 = _mm_cvtsd_f64(_mm_unpackhi_pd(vey, vey));
      sel = _mm_cvtsd_f64(vel); sel2 = _mm_cvtsd_f64(_mm_unpackhi_pd(vel, vel));
#endif
      for (; i + 1 < n; i += 2) {
        double e = eg[i] * ai - bi, f = eg[i + 1] * ai - bi;
        eg[i] *= es[i];
        eg[i + 1] *= es[i + 1];
        see += w[i] * e * e; sey += e * wy[i]; sel += e * wl[i];
        see2 += w[i + 1] * f * f; sey2 += f * wy[i + 1]; sel2 += f * wl[i + 1];
      }
      if (i < n) {
        double e = eg[i] * ai - bi;
        eg[i] *= es[i];
        see += w[i] * e * e; sey += e * wy[i]; sel += e * wl[i];
      }
      see += see2; sey += sey2; sel += sel2;
      stepped = 1;
    } else {
      for (size_t i = 0; i < n; i++) {
        double e = exp(g * (d->L[i] - Lm)) * ai - bi;
        see += w[i] * e * e; sey += e * wy[i]; sel += e * wl[i];
      }
    }
  } else {
    double ref = g > 0 ? expm1(-g * Lm) : expm1(g * Lm);
    for (size_t i = 0; i < n; i++) {
      double l = d->L[i], e;
      if (g == 0) e = l / Lm;
      else if (g > 0) e = (eg ? eg[i] : exp(g * (l - Lm))) * (expm1(-g * l) / ref);
      else e = expm1(g * l) / ref;
      double we = w[i] * e;
      see += we * e; sey += e * wy[i]; sel += e * wl[i];
    }
  }
  if (eg && es && !stepped)
    for (size_t i = 0; i < n; i++) eg[i] *= es[i];
  if (other) *other = prof_solve(ws, !ws->with_bg, see, sey, sel);
  return prof_solve(ws, ws->with_bg, see, sey, sel);
}

/* profile for vsl2's grid refinement (ws->vx, kind 0): profile_e's sums
 * at g with the exponentials two at a time (vexp.h), the same scaled
 * shape; out of line, so that profile_e (vsl1, emp) compiles as before. */
static prof profile_vx(const prof_ws *ws, double g)
{
  const gk_vsl_data *d = ws->d;
  size_t n = d->n;
  double Lm = d->L[n - 1], see = 0, sey = 0, sel = 0, *x = ws->vx, a, b, inv;
  if (!(fabs(g * Lm) > 1e-3)) return profile_e(ws, g, NULL, NULL, NULL);
  if (g > 0) {
    a = 1; b = exp(-g * Lm); inv = 1 / (1 - b);
  } else {
    a = exp(g * Lm); b = 1; inv = 1 / (a - 1);
  }
  const double ai = a * inv, bi = b * inv, *w = ws->w, *wy = ws->wy, *wl = ws->wl;
  for (size_t i = 0; i < n; i++) x[i] = g * (d->L[i] - Lm);
  gk_vexp(x, x, n);
  for (size_t i = 0; i < n; i++) {
    double e = x[i] * ai - bi;
    see += w[i] * e * e; sey += e * wy[i]; sel += e * wl[i];
  }
  return prof_solve(ws, ws->with_bg, see, sey, sel);
}

/* ln of the unscaled amplitude of a profile point at g: the shape was
 * scaled to 1 at the longest stripe. */
static double prof_lnamp(const prof_ws *ws, double g, double amp)
{
  size_t n = ws->d->n;
  double lnref = ws->kind ? g * ws->Ls * ws->m[n - 1] : lgf(g, ws->d->L[n - 1]);
  return log(amp) - lnref;
}

/* Log-slope of the upper part of the data: the gain if the growth is
 * exponential, a scale for the g grid otherwise. */
static double slope_estimate(const gk_vsl_data *d)
{
  size_t n = d->n, i0 = n / 2, m = 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = i0 > 0 ? i0 - 1 : 0; i < n; i++) {
    if (!(d->intensity[i] > 0)) continue;
    double x = d->L[i], y = log(d->intensity[i]);
    sx += x; sy += y; sxx += x * x; sxy += x * y; m++;
  }
  if (m < 2) return 1 / d->L[n - 1];
  double den = m * sxx - sx * sx;
  return den > 0 ? (m * sxy - sx * sy) / den : 1 / d->L[n - 1];
}

/* Best g for vsl1/vsl2/emp; fills the profile. A grid locates the global
 * basin of the (exact, amplitudes eliminated) chi2 profile; successive
 * parabolas (gk_min_parabolic) then refine inside the bracketing grid cell
 * to ~1e-6 of the grid step, close enough that the fit's first step meets
 * its 1e-7 step test: the fit does the rest. The grid has 40 cells
 * (g Lmax steps >= 1.1) plus 8 points at 0.1 gs steps around the slope
 * estimate gs, where the gain usually is: it only has to find the basin,
 * and the profile is smooth between its points. (It had 80 cells until
 * 2026-12-05; 40 gave byte-identical output on 1000 synthetic batch files
 * and the bundled matrix, every test passing, at 16 % fewer instructions
 * per vsl1 fit.) */
#ifndef GK_VSL_PROFILE_NG
#define GK_VSL_PROFILE_NG 40
#endif
#ifndef GK_VSL_PARAB_STEPS
#define GK_VSL_PARAB_STEPS 5
#endif
#ifndef GK_VSL_SAT_XTOL
#define GK_VSL_SAT_XTOL 1e-7
#endif
#ifndef GK_VSL_PARAB_TOL
#define GK_VSL_PARAB_TOL 1e-6
#endif
typedef struct prof_min {
  const prof_ws *ws;
  prof best;
  double bestg;
} prof_min;

static double prof_f(double g, void *ctx)
{
  prof_min *pm = ctx;
  prof p = profile(pm->ws, g);
  if (p.chi2 < pm->best.chi2) { pm->best = p; pm->bestg = g; }
  return isfinite(p.chi2) ? p.chi2 : HUGE_VAL;
}

/* One profile variant's grid search state. */
typedef struct grid_best {
  prof best;
  double bestg, cl, cr, cprev;
  int kbest;
} grid_best;

static void grid_seen(grid_best *b, int k, double g, prof p)
{
  if (k >= 0 && k == b->kbest + 1 && b->kbest >= 0) b->cr = p.chi2;
  if (p.chi2 < b->best.chi2) { b->best = p; b->bestg = g; b->kbest = k; b->cl = b->cprev; b->cr = INFINITY; }
  if (k >= 0) b->cprev = p.chi2;
}

/* Brent inside the bracketing cell (or the pattern search) from the grid's
 * best point; returns the refined g, *best its profile (lnamp set). */
static double grid_refine(prof_ws *ws, grid_best *b, double h, int ng, prof *best)
{
  *best = b->best;
  double bestg = b->bestg;
  int kbest = b->kbest;
  prof_min pm = {.ws = ws, .best = *best, .bestg = bestg};
  int ok = 0;
  if (kbest >= 0 && b->cl > best->chi2 && b->cr > best->chi2) {
    /* bracketed by the grid cell: the profile is smooth there, so
     * successive parabolas reach ~1e-6 of the cell in at most 5
     * evaluations (Brent spent ~12 to reach 1e-4) */
    gk_min_parabolic(prof_f, &pm, bestg, h, b->cl, best->chi2, b->cr, GK_VSL_PARAB_TOL * h, GK_VSL_PARAB_STEPS, NULL);
    ok = 1;
  } else if (kbest < 0 || (kbest > 0 && kbest < ng)) {
    /* off the grid, or a flat cell: a bracket of half a cell */
    double fl = prof_f(bestg - 0.5 * h, &pm), fh = prof_f(bestg + 0.5 * h, &pm);
    if (fl > best->chi2 && fh > best->chi2) {
      gk_min_parabolic(prof_f, &pm, bestg, 0.5 * h, fl, best->chi2, fh, GK_VSL_PARAB_TOL * h, GK_VSL_PARAB_STEPS, NULL);
      ok = 1;
    }
  }
  if (pm.best.chi2 < best->chi2 || pm.bestg != bestg) { *best = pm.best; bestg = pm.bestg; }
  if (!ok) {
    /* at the edge of the range or no bracket: the pattern search (steps
     * of 0.6^k h, 18 rounds); prof_f keeps the best profile seen */
    gk_min_pattern(prof_f, &pm, bestg, best->chi2, h, 0.6, 18, NULL);
    *best = pm.best;
    bestg = pm.bestg;
  }
  if (isfinite(best->chi2)) best->lnamp = prof_lnamp(ws, bestg, best->amp);
  return bestg;
}

/* The grid scan's exponentials: eg[i] = e^{a x_i}, eg[n + i] = e^{b x_i}
 * with x_i = L_i - Lmax, or Ls (m_i - m_{n-1}) for emp (ws->kind). emp and
 * vsl2's scan (ws->vx) take them two at a time (vexp.h); vsl1's keeps
 * libm's: its start also seeds sat-exact's grid (guess_), whose fits
 * follow the seed's last bits. */
static void grid_exps(const prof_ws *ws, double a, double b, double *eg)
{
  const gk_vsl_data *d = ws->d;
  size_t n = d->n;
  double Lm = d->L[n - 1], *es = eg + n;
  if (!ws->kind && !ws->vx) {
    for (size_t i = 0; i < n; i++) {
      double x = d->L[i] - Lm;
      eg[i] = exp(a * x);
      es[i] = exp(b * x);
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    double x = ws->kind ? ws->Ls * (ws->m[i] - ws->m[n - 1]) : d->L[i] - Lm;
    eg[i] = a * x;
    es[i] = b * x;
  }
  gk_vexp(eg, eg, 2 * n);
}

/* grid_g's search; with best2 (kind 0 without background only) the same
 * scan also scores the with-background profile (vsl2: same shape sums),
 * refined on its own into best2 / *g2. */
static double grid_g2(const gk_vsl_data *d, int kind, double Ls, int with_bg, prof *best, prof *best2, double *g2,
                      int refine, double gs_in)
{
  /* gs_in: the slope estimate when the caller has it (emp's four grids),
   * NAN otherwise */
  double Lm = d->L[d->n - 1], gs = isnan(gs_in) ? slope_estimate(d) : gs_in;
  double ghi = fmax(3 * fabs(gs), 40 / Lm), glo = -5 / Lm;
  enum { NG = GK_VSL_PROFILE_NG };
  best->chi2 = INFINITY;
  if (best2) { best2->chi2 = INFINITY; *g2 = gs; }
  /* vsl2 (best2): the exponentials of its grid and refinement two at a
   * time (grid_exps, profile_vx) */
  const int vx = best2 != NULL && kind == 0;
  prof_ws ws;
  if (prof_init(&ws, d, kind, Ls, with_bg, vx) != GK_OK) return gs;
  double h = (ghi - glo) / NG;
  grid_best b[2];
  for (int v = 0; v < 2; v++)
    b[v] = (grid_best){.best = {INFINITY, 0, 0, 0}, .bestg = gs, .cl = INFINITY, .cr = INFINITY, .cprev = INFINITY,
                       .kbest = -1};
  size_t n = d->n;
  prof p2, *o2 = best2 ? &p2 : NULL;
  double *eg = ws.w + (vx ? 5 : 4) * n, *es = eg + n; /* (prof_init's block) */
  grid_exps(&ws, glo, h, eg);
  const int empg = kind && !with_bg && !o2;
  /* emp: four grid points per pass (emp_sums4, the same bits) */
  double s4e[EMP_GRID_K], s4y[EMP_GRID_K];
  for (int k = 0; k <= NG; k++) {
    double g = glo + h * k;
    prof p = empg ? emp_grid_next(&ws, eg, es, k, NG + 1, s4e, s4y) : profile_e(&ws, g, eg, es, o2);
    grid_seen(&b[0], k, g, p);
    if (o2) grid_seen(&b[1], k, g, p2);
  }
  /* the slope estimate's neighbourhood, where the grid is coarse relative
   * to the gain itself */
  if (empg) {
    /* emp: the step's exponentials e^{0.1 gs x_i}, the first point's
     * e^{0.7 gs x_i} their seventh powers (relative error ~1e-15, far
     * below what choosing a start needs): half the exponentials */
    for (size_t i = 0; i < n; i++) es[i] = 0.1 * gs * (ws.Ls * (ws.m[i] - ws.m[n - 1]));
    gk_vexp(es, es, n);
    for (size_t i = 0; i < n; i++) {
      double e2 = es[i] * es[i], e4 = e2 * e2;
      eg[i] = e4 * e2 * es[i];
    }
  } else {
    grid_exps(&ws, 0.7 * gs, 0.1 * gs, eg);
  }
  enum { NS = 8 };
  for (int k = 0; k < NS; k++) {
    double g = gs * (0.7 + 0.1 * k);
    prof p = empg ? emp_grid_next(&ws, eg, es, k, NS, s4e, s4y) : profile_e(&ws, g, eg, es, o2);
    grid_seen(&b[0], -1, g, p);
    if (o2) grid_seen(&b[1], -1, g, p2);
  }
  double bestg;
  if (best2 || !refine) {
    /* vsl2: the variant without background is only its fallback start
     * (the fit from the with-background start reaches the profile's
     * minimum): the grid's point, unrefined */
    *best = b[0].best;
    bestg = b[0].bestg;
    if (isfinite(best->chi2)) best->lnamp = prof_lnamp(&ws, bestg, best->amp);
  } else {
    bestg = grid_refine(&ws, &b[0], h, NG, best);
  }
  if (best2) {
    ws.with_bg = !with_bg;
    *g2 = grid_refine(&ws, &b[1], h, NG, best2);
  }
  free(ws.w);
  return bestg;
}

static double grid_g(const gk_vsl_data *d, int kind, double Ls, int with_bg, prof *best)
{
  return grid_g2(d, kind, Ls, with_bg, best, NULL, NULL, 1, NAN);
}

static size_t guess_(const gk_vsl_data *d, gk_vsl_model m, double *st, size_t max, double *target, int vp);
size_t gk_vsl_guess(const gk_vsl_data *d, gk_vsl_model m, double *st, size_t max)
{
  return guess_(d, m, st, max, NULL, 0);
}

/* target (may be NULL): for vsl1 and vsl2, the profile's minimum chi2 over
 * g, i.e. the model's global minimum up to the grid's resolution;
 * INFINITY otherwise. */
static size_t guess_(const gk_vsl_data *d, gk_vsl_model m, double *st, size_t max, double *target, int vp)
{
  size_t ns = 0;
  if (target) *target = INFINITY;
  double Imax = 0, Lm = d->L[d->n - 1];
  for (size_t i = 0; i < d->n; i++) Imax = fmax(Imax, d->intensity[i]);
  if (!(Imax > 0)) Imax = 1;
  prof p1 = {INFINITY, 0, 0, 0}, p2;
  double g2 = 0, g1 = 0;
  /* emp's starts come from its own grids (vsl1's profile only when none
   * of them gives a point) */
  if (m != GK_VSL_EMP) {
    g1 = m == GK_VSL_VSL2 ? grid_g2(d, 0, 0, 0, &p1, &p2, &g2, 1, NAN) : grid_g(d, 0, 0, 0, &p1);
    if (!isfinite(p1.chi2)) { g1 = slope_estimate(d); p1.lnamp = log(Imax / Lm) - g1 * Lm; }
  }
#define ADD(...) do { if (ns < max) { double v_[] = {__VA_ARGS__}; memcpy(st + ns * gk_vsl_ntheta(m), v_, sizeof v_); ns++; } } while (0)
  switch (m) {
  case GK_VSL_VSL1:
    ADD(g1, p1.lnamp);
    if (target) *target = p1.chi2;
    break;
  case GK_VSL_VSL2: {
    if (isfinite(p2.chi2)) ADD(g2, p2.lnamp, p2.a2);
    if (target) *target = p2.chi2;
    ADD(g1, p1.lnamp, 0.0);
    break;
  }
  case GK_VSL_SAT: {
    /* Saturation pulls the apparent (vsl1) gain below the true one. */
    const double fI[] = {3, 0.5, 100};
    for (size_t k = 0; k < sizeof fI / sizeof *fI; k++) ADD(g1, p1.lnamp, log(fI[k] * Imax));
    ADD(2 * g1, p1.lnamp - g1 * Lm, log(0.5 * Imax));
    break;
  }
  case GK_VSL_SATEXACT: {
    double g = g1 > 0 ? g1 : 1 / Lm;
    const double fI[] = {3, 30, 0.5};
    for (size_t k = 0; k < sizeof fI / sizeof *fI; k++) ADD(1.1 * g, 0.1 * g, p1.lnamp, log(fI[k] * Imax));
    /* Plateau starts: alpha chosen so that P(u+) = 0 just above the last
     * point, i.e. alpha = A/Ip + gamma Is/(Is + Ip). */
    const double fg[] = {2, 4}, fs[] = {0.3, 3};
    double Ip = 1.02 * Imax;
    for (size_t a = 0; a < 2; a++)
      for (size_t b = 0; b < 2; b++) {
        double gam = fg[a] * g, Is = fs[b] * Imax, lnA = p1.lnamp - (fg[a] - 1) * g * Lm * 0.5;
        double al = exp(lnA) / Ip + gam * Is / (Is + Ip);
        ADD(gam, al, lnA, log(Is));
      }
    break;
  }
  case GK_VSL_EMP: {
    /* one profile grid over g per Ls; the starts ranked by their profile
     * chi2 (the engine's multi-start policy: cheap scores first, full fits
     * from the best, gk_ms_rank), so the fits that follow begin at the
     * best-scored basin */
    const double fL[] = {1, 0.3, 3, 30};
    enum { NL = sizeof fL / sizeof *fL };
    double sc[NL], pay[NL][3];
    size_t nk = 0;
    const double gs = slope_estimate(d);
    for (size_t k = 0; k < NL; k++) {
      prof pe;
      double ge = grid_g2(d, 1, fL[k] * Lm, 0, &pe, NULL, NULL, !vp, gs);
      double item[3] = {ge, pe.lnamp, log(fL[k] * Lm)};
      if (isfinite(pe.chi2)) gk_ms_rank(sc, pay, sizeof pay[0], &nk, NL, pe.chi2, item);
    }
    for (size_t k = 0; k < nk; k++) ADD(pay[k][0], pay[k][1], pay[k][2]);
    if (ns == 0) {
      g1 = grid_g(d, 0, 0, 0, &p1);
      if (!isfinite(p1.chi2)) g1 = slope_estimate(d);
      ADD(g1, log(Imax) - g1 * Lm, log(Lm));
    }
    break;
  }
  case GK_VSL_AHN: {
    double sa[3];
    if (gk_vsl_ahn_guess_(d, sa, 1, target)) ADD(sa[0], sa[1], sa[2]);
    ADD(g1, 0.0, p1.lnamp - log(fabs(g1) > 0 ? fabs(g1) : 1 / Lm));
    break;
  }
  default:
    break;
  }
#undef ADD
  return ns;
}

/* ---- the gk_fit problem ------------------------------------------------ */
typedef struct fctx {
  gk_vsl_model m;
  const gk_vsl_data *d;
  /* sat-exact: intensities of the last model call, reused by the Jacobian
   * at the same theta (the engine asks for both at each accepted step) */
  double last_th[4];
  double *last_I;
  int last_ok;
  double *tmp;        /* n scratch intensities for the Jacobian call */
  double *lnI;        /* sat: ln|I_i| of the data (NULL: computed per call) */
  double *satT;       /* sat: Eq. 3's log terms at last_th (n; NULL: none) */
  int satT_ok;
  /* vsl1, vsl2, emp: the Jacobian formed with each model call (the same
   * exponentials; a few multiplications more per point), handed to the
   * Jacobian call at the same theta, which the engine makes after every
   * accepted step and in its refinement (n x p; NULL: none) */
  double *jc;
  int jc_ok;
} fctx;

static int f_model(const double *th, double *yhat, void *p)
{
  fctx *c = p;
  if (c->m == GK_VSL_SAT) {
    /* the log terms kept for the Jacobian at the same theta */
    int rc = gk_vsl_sat_length_T_(th, c->d->intensity, c->lnI, c->d->n, yhat, NULL, c->satT, 0);
    if (c->satT) {
      c->satT_ok = rc == GK_OK;
      memcpy(c->last_th, th, 3 * sizeof *th);
    }
    return rc;
  }
  if (c->jc) {
    int rc = gk_vsl_intensity(c->m, th, c->d->L, c->d->n, yhat, c->jc);
    c->jc_ok = rc == GK_OK;
    memcpy(c->last_th, th, gk_vsl_ntheta(c->m) * sizeof *th);
    return rc;
  }
  int rc;
  if (c->last_I && c->last_ok) {
    /* the previous evaluation's intensities start the inversion */
    memcpy(yhat, c->last_I, c->d->n * sizeof *yhat);
    rc = gk_vsl_satexact_eval_(th, c->d->L, c->d->n, yhat, NULL, 2);
  } else {
    rc = gk_vsl_intensity(c->m, th, c->d->L, c->d->n, yhat, NULL);
  }
  if (c->last_I) {
    c->last_ok = rc == GK_OK;
    memcpy(c->last_th, th, 4 * sizeof *th);
    memcpy(c->last_I, yhat, c->d->n * sizeof *yhat);
  }
  return rc;
}

static int f_jac(const double *th, double *J, void *p)
{
  fctx *c = p;
  size_t n = c->d->n;
  if (c->jc && c->jc_ok && memcmp(th, c->last_th, gk_vsl_ntheta(c->m) * sizeof *th) == 0) {
    memcpy(J, c->jc, n * gk_vsl_ntheta(c->m) * sizeof *J);
    return GK_OK;
  }
  if (c->last_I && c->last_ok && memcmp(th, c->last_th, 4 * sizeof *th) == 0) {
    double *tmp = malloc(n * sizeof *tmp);
    if (!tmp) return GK_ENOMEM;
    memcpy(tmp, c->last_I, n * sizeof *tmp);
    int rc = gk_vsl_satexact_eval_(th, c->d->L, n, tmp, J, 1);
    free(tmp);
    return rc;
  }
  if (c->m == GK_VSL_SAT) {
    int same = c->satT && c->satT_ok && memcmp(th, c->last_th, 3 * sizeof *th) == 0;
    return gk_vsl_sat_length_T_(th, c->d->intensity, c->lnI, n, c->tmp, J, same ? c->satT : NULL, same);
  }
  return gk_vsl_intensity(c->m, th, c->d->L, n, c->tmp, J);
}

/* dL/dI of Eq. 3: (Is + I)/(Is (A + k I)), for propagating sigma(I) into
 * sigma(L) when sat is fitted as L versus I. */
static double sat_dLdI(const double *th, double I)
{
  double A = exp(th[1]), Is = exp(th[2]), k = th[0] + exp(th[1] - th[2]);
  return (Is + I) / (Is * (A + k * I));
}

static void add_warn(gk_vsl_fit *f, const char *fmt, double a, double b)
{
  if (f->nwarn >= sizeof f->warn / sizeof *f->warn) return;
  snprintf(f->warn[f->nwarn++], sizeof f->warn[0], fmt, a, b);
}

void gk_vsl_fit_free(gk_vsl_fit *f)
{
  if (!f) return;
  free(f->yhat);
  f->yhat = NULL;
}

/* Fill the reported parameters, I-space statistics and warnings. */
static void finish_(const gk_vsl_data *d, gk_vsl_fit *f, const gk_fit_result *r, int yhat_is_I);
static void finish(const gk_vsl_data *d, gk_vsl_fit *f, const gk_fit_result *r)
{
  finish_(d, f, r, 0);
}

/* yhat_is_I: r->yhat is gk_vsl_intensity at r->value (a model fitted in I
 * without offset through f_model), so it is not evaluated again. */
static void finish_(const gk_vsl_data *d, gk_vsl_fit *f, const gk_fit_result *r, int yhat_is_I)
{
  gk_vsl_model m = f->model;
  size_t p = f->ntheta;
  memcpy(f->theta, r->value, p * sizeof *f->theta);
  memcpy(f->cov, r->cov, p * p * sizeof *f->cov);
  double phys[4];
  gk_vsl_physical_from_theta(m, f->theta, phys);
  for (size_t k = 0; k < p; k++) {
    f->value[k] = phys[k];
    /* ln-fitted parameters: se(X) = X se(ln X), the delta method, exact
     * to first order for this monotone map. */
    int islog = strncmp(tnames[m][k], "ln", 2) == 0;
    f->se[k] = islog ? phys[k] * r->se[k] : r->se[k];
    if (islog && phys[k] == 0)
      add_warn(f, "A underflows double (ln A = %.6g +- %.2g); see theta", f->theta[k], r->se[k]);
  }
  if (m == GK_VSL_SATEXACT) {
    f->value[4] = phys[0] - phys[1];
    double v = r->cov[0] + r->cov[5] - 2 * r->cov[1];
    /* var(gamma - alpha) by cancellation: where gamma and alpha run off
     * together (se ~ 1e9 cm^-1 on a plateau that fixes only their
     * difference), v is below the rounding of its own terms and its value
     * is noise (32 on one build, 0 on another for the same fit). Then the
     * covariance does not resolve se(g): NaN, printed "not determined",
     * never a number. */
    double vround = 64 * DBL_EPSILON * (fabs(r->cov[0]) + fabs(r->cov[5]) + 2 * fabs(r->cov[1]));
    f->se[4] = v > vround ? sqrt(v) : NAN;
  }
  f->chi2 = r->chi2;
  f->chi2_red = r->chi2_red;
  f->aic = r->aic;
  f->aicc = r->aicc;
  f->bic = r->bic;
  f->dof = r->dof;
  f->converged = r->converged;
  snprintf(f->reason, sizeof f->reason, "%s", r->reason);
  /* Intensities at the data's L for every model (sat: Eq. 3 inverted). */
  if (yhat_is_I && r->yhat && r->n == d->n)
    memcpy(f->yhat, r->yhat, d->n * sizeof *f->yhat);
  else if (gk_vsl_intensity(m, f->theta, d->L, d->n, f->yhat, NULL) != GK_OK)
    for (size_t i = 0; i < d->n; i++) f->yhat[i] = NAN;
  double c2 = 0;
  for (size_t i = 0; i < d->n; i++) {
    double e = (f->yhat[i] - d->intensity[i]) / sig_I(d, i);
    c2 += e * e;
  }
  double k = (double)p, n = (double)d->n;
  f->chi2_I = c2;
  /* Models fitted in I minimise exactly these residuals: the reported chi2
   * is theirs (never a non-finite value from the engine's last step). */
  if (m != GK_VSL_SAT && isfinite(c2) && !(isfinite(f->chi2) && fabs(f->chi2 - c2) <= 1e-8 * c2 + 1e-300)) {
    double kf = (double)(r->n_free ? r->n_free : p);
    f->chi2 = c2;
    f->chi2_red = f->dof > 0 ? c2 / (double)f->dof : NAN;
    f->aic = (d->weighting == GK_WEIGHT_SIGMA ? c2 : n * log(c2 / n)) + 2 * kf;
    f->aicc = n - kf - 1 > 0 ? f->aic + 2 * kf * (kf + 1) / (n - kf - 1) : INFINITY;
    f->bic = f->aic - 2 * kf + kf * log(n);
  }
  double aic = (d->weighting == GK_WEIGHT_SIGMA ? c2 : n * log(c2 / n)) + 2 * k;
  f->aicc_I = n - k - 1 > 0 ? aic + 2 * k * (k + 1) / (n - k - 1) : INFINITY;
  if (!r->converged) add_warn(f, "the fit did not converge", 0, 0);
  if (!r->cov_ok) add_warn(f, "covariance is singular: parameters are not all determined by the data", 0, 0);
  double Imax = 0;
  for (size_t i = 0; i < d->n; i++) Imax = fmax(Imax, fabs(d->intensity[i]));
  if (m == GK_VSL_VSL2 && f->value[2] * d->L[d->n - 1] <= 1e-12 * Imax) {
    f->a2_at_bound = 1;
    f->value[2] = 0;
    add_warn(f, "A2 at its bound 0 (A2 >= 0: a background signal cannot be negative): no background, vsl2 = vsl1", 0, 0);
  }
  if (m == GK_VSL_SATEXACT && f->value[1] <= 1e-12 * fabs(f->value[0]))
    add_warn(f, "alpha = 0: the data do not determine the losses (no saturation, or alpha at its bound), so gamma = g", 0, 0);
  if (m == GK_VSL_AHN && f->value[1] < 0)
    add_warn(f, "A < 0: a negative spontaneous-emission term is unphysical; the form's B e^{gL} does not vanish at L = 0 and can take up an offset (compare vsl2 with --offset)", 0, 0);
  if (m == GK_VSL_EMP)
    add_warn(f, "emp is empirical (no physical model) and tends to overestimate g (Milanese et al., Adv. Opt. Mater. 2024)", 0, 0);
  if (m == GK_VSL_SAT)
    add_warn(f, "fitted as L versus I (Eq. 3 is implicit in I): chi2 and criteria are in L", 0, 0);
}

/* Multi-start, one start at a time (p = prob->p values each in st): the
 * search stops once the best chi2 has been reached (to 1e-6) from two
 * different starts, or both at rounding level of yy = sum (y/s)^2
 * (noise-free data), or after two starts that ran out of iterations
 * (wander counts those already run elsewhere): the remaining starts would
 * only find the same optimum again, or wander the same flat valley. par
 * (p entries, installed as prob->param) receives each start. A start at
 * or below a lower bound is moved just inside it. */
static int seq_starts_ws(gk_fit_workspace *ws, gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt,
                         const double *st, size_t ns, double yy, int wander, double target, gk_fit_result *best,
                         gk_error *err);
static int seq_starts(gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt, const double *st,
                      size_t ns, double yy, int wander, gk_fit_result *best, gk_error *err)
{
  return seq_starts_ws(NULL, prob, par, opt, st, ns, yy, wander, INFINITY, best, err);
}
int gk_vsl_seq_starts_(gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt, const double *st,
                       size_t ns, double yy, int wander, gk_fit_result *best, gk_error *err)
{
  return seq_starts(prob, par, opt, st, ns, yy, wander, best, err);
}
double gk_vsl_sig_I_(const gk_vsl_data *d, size_t i) { return sig_I(d, i); }

/* The basin of a converged fit r (structured.h gk_ms_basin: its point,
 * chi2 and J^T W J) into b; 0 when it has none. */
typedef int (*basin_fn)(const gk_fit_result *r, gk_ms_basin *b, void *ctx);
static int seq_starts_b(gk_fit_workspace *ws, gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt,
                        const double *st, size_t ns, double yy, int wander, double target, gk_fit_result *best,
                        basin_fn bfn, void *bctx, gk_error *err);

/* As seq_starts, running every start in the workspace ws (when not NULL:
 * no solver allocation per start), and stopping after the first converged
 * fit whose chi2 reaches target (to 1e-6): target is the global minimum of
 * the exact chi2 profile over g with the amplitudes eliminated, so no
 * other start can do better. */
static int seq_starts_ws(gk_fit_workspace *ws, gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt,
                         const double *st, size_t ns, double yy, int wander, double target, gk_fit_result *best,
                         gk_error *err)
{
  return seq_starts_b(ws, prob, par, opt, st, ns, yy, wander, target, best, NULL, NULL, err);
}

/* As seq_starts_ws; with bfn (and ws), the starts after the best converged
 * fit stop as soon as they reach its basin (bfn gives it; the dense
 * driver's test, structured.h gk_ms_basin), which counts as agreeing with
 * it: the policy's second fit without the iterations that only polish its
 * convergence. */
static int seq_starts_b(gk_fit_workspace *ws, gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt,
                        const double *st, size_t ns, double yy, int wander, double target, gk_fit_result *best,
                        basin_fn bfn, void *bctx, gk_error *err)
{
  gk_ms_basin basin;
  if (!ws) bfn = NULL;
  size_t p = prob->p;
  prob->param = par;
  prob->starts = NULL;
  prob->n_starts = 0;
  /* the engine's one multi-start policy (src/fit/structured.h) */
  gk_ms_policy pol = {.agree = 2, .agree_rel = 1e-6, .agree_abs = 1e-24 * yy, .target = target,
                      .max_wander = 2};
  gk_ms ms;
  gk_ms_begin(&ms, &pol);
  ms.wander = wander;
  ms.stop = wander >= pol.max_wander;
  int have = 0, rc = GK_EDOM;
  for (size_t k = 0; k < ns && !gk_ms_done(&ms); k++) {
    for (size_t j = 0; j < p; j++) {
      par[j].init = st[p * k + j];
      if (par[j].init <= par[j].lo) par[j].init = par[j].lo + 1e-6;
    }
    gk_fit_result r;
    memset(&r, 0, sizeof r);
    basin.hit = 0;
    int frc = ws ? gk_fit_run(ws, prob, &r, err) : gk_fit(prob, opt, &r, err);
    if (frc == GK_EUSAGE || frc == GK_ENOMEM) {
      gk_fit_result_free(&r);
      if (have) gk_fit_result_free(best);
      if (bfn) gk_fit_basin_(ws, NULL);
      return frc;
    }
    if (frc != GK_OK) { gk_fit_result_free(&r); continue; }
    if (bfn && basin.hit) {
      /* stopped in the best fit's basin: it agrees with the best */
      gk_ms_record(&ms, k, 1, 1, ms.best_chi2, 0);
      gk_fit_result_free(&r);
      continue;
    }
    /* Ran out of iterations: along a flat valley (sat-exact: gamma and
     * alpha growing together, or Is -> 0 with gamma Is fixed) where the
     * data do not determine the parameters. */
    int hit_limit = r.n_iter >= opt->max_iter;
    if (gk_ms_record(&ms, k, 1, r.converged, r.chi2, hit_limit)) {
      if (have) gk_fit_result_free(best);
      *best = r;
      best->best_start = k;
      have = 1;
      rc = GK_OK;
      /* the new best's basin for the starts that follow */
      if (bfn) gk_fit_basin_(ws, best->converged && !gk_ms_done(&ms) && bfn(best, &basin, bctx) ? &basin : NULL);
    } else {
      gk_fit_result_free(&r);
    }
  }
  if (bfn) gk_fit_basin_(ws, NULL);
  return rc;
}


/* ---- emp by variable projection ------------------------------------------
 * emp's amplitude enters linearly: at given (g, ln Ls) its best value is
 * the weighted least-squares a = (s.W y)/(s.W s) with the shape
 * s_i = e^{g Ls (m_i - m_n)}, m_i = 1 - e^{-L_i/Ls} (scaled to 1 at the
 * longest stripe). The fit then runs over the two nonlinear parameters
 * with the projected model a(theta) s(theta) and its exact Jacobian
 * a ds + s da (Golub & Pereyra, SIAM J. Numer. Anal. 1973): a start off
 * the optimum in the amplitude costs no iterations, and the two starts
 * the multi-start policy needs to agree converge in a few steps each. The
 * winner is handed to the engine's finisher (gk_fit_finish) on the full
 * three-parameter problem: its Gauss-Newton steps and the covariance of
 * (g, ln A, ln Ls) by the dense driver's rules, as a full fit reports. */
#ifndef GK_VSL_EMP_XTOL
#define GK_VSL_EMP_XTOL 1e-5
#endif
typedef struct empvp {
  const gk_vsl_data *d;
  double *w, *wy, *jc;          /* n each; jc: n x 2 */
  double *m, *s;                /* n each: the last call's m_i and shape s_i */
  double amp, lnref;            /* the last call's amplitude, g Ls m_n */
  double mn, qn, Ls, gLs, iLs, ss;
  double Lc;                    /* inv: the data's mean stripe length */
  double E, g;                  /* inv: the last call's e^u and g */
  int inv;                      /* theta = (g e^{-u}, u = Lc/Ls) (1) or (g, ln Ls) (0) */
  double last[2];
  int at_ok;                    /* m, s, amp... are those of last[] */
} empvp;

/* The projected model a(theta) s(theta): the shape s_i = e^{g Ls (m_i - mn)}
 * and the sums a = s.W y / s.W s needs. Its Jacobian (empvp_jac) is formed
 * from the same m, s only when the engine asks for it, at an accepted point
 * or in its refinement: a rejected trial step costs the two exponentials
 * per point and no more. */
static int empvp_model(const double *th, double *yhat, void *p)
{
  empvp *c = p;
  const gk_vsl_data *d = c->d;
  size_t n = d->n;
  c->at_ok = 0; /* m and s are overwritten below, also when the call fails */
  double g, Ls, iLs, E = 1;
  if (c->inv) {
    /* u of either sign: u < 0 (Ls < 0) continues the model analytically
     * through u = 0 (Ls = infinity, a pure exponential), so that a fit
     * whose optimum lies at that edge is not stalled by a wall there
     * (emp_vp_fit then takes the ln Ls variables) */
    double u = th[1];
    if (!isfinite(u) || u == 0) return GK_EDOM;
    Ls = c->Lc / u;
    iLs = u / c->Lc;
    E = exp(u);
    g = th[0] * E;
    if (!isfinite(g) || !isfinite(Ls)) return GK_EDOM;
  } else {
    g = th[0];
    Ls = exp(th[1]);
    if (!isfinite(Ls) || !(Ls > 0)) return GK_EDOM;
    iLs = 1 / Ls;
  }
  double ss = 0, sy = 0, gLs = g * Ls;
  double *m = c->m, *s = c->s;
  /* the exponentials two at a time (vexp.h) */
  for (size_t i = 0; i < n; i++) s[i] = -(d->L[i] * iLs);
  gk_vexpm1(s, m, n);
  for (size_t i = 0; i < n; i++) m[i] = -m[i];
  double tn = d->L[n - 1] * iLs, mn = m[n - 1];
  double qn = fabs(tn) < 1e-2 ? tn * tn * (0.5 + tn * (-1.0 / 3 + tn * (1.0 / 8 + tn * (-1.0 / 30 + tn / 144))))
                        : mn - tn * (1 - mn);
  for (size_t i = 0; i < n; i++) s[i] = gLs * (m[i] - mn);
  gk_vexp(s, s, n);
#ifdef GK_VEXP_VEC
  /* (ss, sy) as one pair of lanes: each sum its own chain in the order
   * of the scalar loop below (the same bits) */
  __m128d acc = _mm_setzero_pd();
  for (size_t i = 0; i < n; i++) {
    __m128d si = _mm_set1_pd(s[i]);
    acc = _mm_add_pd(acc, _mm_mul_pd(_mm_set_pd(c->wy[i], c->w[i] * s[i]), si));
  }
  ss = _mm_cvtsd_f64(acc);
  sy = _mm_cvtsd_f64(_mm_unpackhi_pd(acc, acc));
#else
  for (size_t i = 0; i < n; i++) {
    double ws = c->w[i] * s[i];
    ss += ws * s[i];
    sy += c->wy[i] * s[i];
  }
#endif
  double a = sy / ss;
  if (!isfinite(ss) || !(a > 0) || !isfinite(a)) return GK_EDOM;
  for (size_t i = 0; i < n; i++) yhat[i] = a * s[i];
  c->amp = a;
  c->lnref = g * Ls * mn;
  c->mn = mn;
  c->qn = qn;
  c->Ls = Ls;
  c->gLs = gLs;
  c->iLs = iLs;
  c->ss = ss;
  c->E = E;
  c->g = g;
  c->last[0] = th[0];
  c->last[1] = th[1];
  c->at_ok = 1;
  return GK_OK;
}

/* The exact Jacobian a ds + s da of the projected model at the last
 * call's point: ds/dg = s Ls (m - mn), ds/d ln Ls = s g Ls (q - qn) (q as
 * in emp's own Jacobian, models.c), da from the normal equation,
 * da = (ds.W y - 2 a ds.W s)/(s.W s). */
static void empvp_form_jac(empvp *c, double *J)
{
  const gk_vsl_data *d = c->d;
  size_t n = d->n;
  const double *m = c->m, *s = c->s;
  double mn = c->mn, qn = c->qn, Ls = c->Ls, gLs = c->gLs, iLs = c->iLs, a = c->amp, ss = c->ss;
  double dg_y = 0, dg_s = 0, dl_y = 0, dl_s = 0;
#ifdef GK_VEXP_VEC
  /* a row of J, (ds/dg, ds/d ln Ls), is a pair of lanes: the sums
   * (dg_y, dl_y) and (dg_s, dl_s) each a chain in the scalar loop's order
   * (the same bits) */
  __m128d vy = _mm_setzero_pd(), vs = _mm_setzero_pd();
  for (size_t i = 0; i < n; i++) {
    double t = d->L[i] * iLs, mi = m[i], si = s[i];
    double q = fabs(t) < 1e-2 ? t * t * (0.5 + t * (-1.0 / 3 + t * (1.0 / 8 + t * (-1.0 / 30 + t / 144))))
                        : mi - t * (1 - mi);
    __m128d r = _mm_set_pd(si * gLs * (q - qn), si * Ls * (mi - mn));
    _mm_storeu_pd(J + 2 * i, r);
    vy = _mm_add_pd(vy, _mm_mul_pd(r, _mm_set1_pd(c->wy[i])));
    vs = _mm_add_pd(vs, _mm_mul_pd(_mm_set1_pd(c->w[i] * si), r));
  }
  dg_y = _mm_cvtsd_f64(vy); dl_y = _mm_cvtsd_f64(_mm_unpackhi_pd(vy, vy));
  dg_s = _mm_cvtsd_f64(vs); dl_s = _mm_cvtsd_f64(_mm_unpackhi_pd(vs, vs));
#else
  for (size_t i = 0; i < n; i++) {
    double t = d->L[i] * iLs, mi = m[i], si = s[i];
    double q = fabs(t) < 1e-2 ? t * t * (0.5 + t * (-1.0 / 3 + t * (1.0 / 8 + t * (-1.0 / 30 + t / 144))))
                        : mi - t * (1 - mi);
    double ws = c->w[i] * si, ag = si * Ls * (mi - mn), al = si * gLs * (q - qn);
    J[2 * i] = ag;
    J[2 * i + 1] = al;
    dg_y += ag * c->wy[i]; dg_s += ws * ag;
    dl_y += al * c->wy[i]; dl_s += ws * al;
  }
#endif
  double dag = (dg_y - 2 * a * dg_s) / ss, dal = (dl_y - 2 * a * dl_s) / ss;
#ifdef GK_VEXP_VEC
  {
    const __m128d va = _mm_set1_pd(a), vd = _mm_set_pd(dal, dag);
    for (size_t i = 0; i < n; i++)
      _mm_storeu_pd(J + 2 * i, _mm_add_pd(_mm_mul_pd(va, _mm_loadu_pd(J + 2 * i)), _mm_mul_pd(_mm_set1_pd(s[i]), vd)));
  }
#else
  for (size_t i = 0; i < n; i++) {
    J[2 * i] = a * J[2 * i] + s[i] * dag;
    J[2 * i + 1] = a * J[2 * i + 1] + s[i] * dal;
  }
#endif
  if (c->inv) {
    /* the chain rule to (g e^{-u}, u): dg/du = g, d ln Ls/du = -1/u */
    double E = c->E, g = c->g, iu = -c->Ls / c->Lc;
    for (size_t i = 0; i < n; i++) {
      double j0 = J[2 * i];
      J[2 * i] = E * j0;
      J[2 * i + 1] = iu * J[2 * i + 1] + g * j0;
    }
  }
}

static int empvp_jac(const double *th, double *J, void *p)
{
  empvp *c = p;
  if (!(c->at_ok && th[0] == c->last[0] && th[1] == c->last[1])) {
    int rc = empvp_model(th, c->jc, c);
    if (rc != GK_OK) return rc;
  }
  empvp_form_jac(c, J);
  return GK_OK;
}

/* The basin of a converged projected fit (seq_starts_b): its point, chi2
 * and H = J^T W J from the exact projected Jacobian there; the region is
 * the 1-sigma contour of the scaled covariance, chi2 - chi2_1 <= chi2_1/(n-2).
 * The amplitude at that point is kept for the finisher. */
typedef struct empvp_basin {
  empvp *c;
  double *J;                    /* n x 2 scratch */
  double th[2], amp, lnref;     /* the basin's point and its amplitude */
  int have;
} empvp_basin;

static int empvp_basin_fn(const gk_fit_result *r, gk_ms_basin *b, void *ctx)
{
  empvp_basin *eb = ctx;
  empvp *c = eb->c;
  size_t n = c->d->n;
  eb->have = 0;
  if (!(c->at_ok && c->last[0] == r->value[0] && c->last[1] == r->value[1]) &&
      empvp_model(r->value, eb->J, c) != GK_OK)
    return 0;
  eb->th[0] = r->value[0];
  eb->th[1] = r->value[1];
  eb->amp = c->amp;
  eb->lnref = c->lnref;
  eb->have = 1;
  if (!(n > 2) || !(r->chi2 > 0) || !isfinite(r->chi2)) return 0;
  empvp_form_jac(c, eb->J);
  double h00 = 0, h01 = 0, h11 = 0;
  for (size_t i = 0; i < n; i++) {
    double a = eb->J[2 * i], l = eb->J[2 * i + 1], w = c->w[i];
    h00 += w * a * a; h01 += w * a * l; h11 += w * l * l;
  }
  /* a degenerate optimum (g and Ls not both determined: a valley towards
   * Ls -> infinity) has no basin to trust: the later starts run in full */
  if (!(h00 > 0 && h11 > 0 && h00 * h11 - h01 * h01 > 1e-9 * h00 * h11)) return 0;
  /* the scale of the bowl: a quarter of g (or of 1/Lmax), a factor e^0.5 in Ls */
  double Lm = c->d->L[n - 1];
  *b = (gk_ms_basin){.p = 2, .theta = {r->value[0], r->value[1]}, .H = {h00, h01, h01, h11},
                     .box = {0.25 * fmax(fabs(r->value[0]), 1 / Lm) * (c->inv ? 1 / c->E : 1),
                             c->inv ? 0.5 * fabs(r->value[1]) : 0.5},
                     .chi2 = r->chi2, .dchi2 = r->chi2 / (double)(n - 2)};
  return 1;
}

/* The projected fits from the starts st (ns (g, ln A, ln Ls) triples) in
 * c's variables (c->inv), through seq_starts_b; *r the winner, *amp and
 * *lnref its amplitude. */
static int emp_vp_run(empvp *c, gk_fit_workspace *ws, gk_fit_problem *prob, gk_param *par,
                      const gk_fit_options *opt, const double *st, size_t ns, double *st2, double yy, double *Jb,
                      gk_fit_result *r, double *amp, double *lnref, double *yh, gk_error *err)
{
  for (size_t k = 0; k < ns; k++) {
    if (c->inv) {
      double u = c->Lc * exp(-st[3 * k + 2]);
      st2[2 * k] = st[3 * k] * exp(-u);
      st2[2 * k + 1] = u;
    } else {
      st2[2 * k] = st[3 * k];
      st2[2 * k + 1] = st[3 * k + 2];
    }
  }
  par[0].init = st2[0];
  par[1].init = st2[1];
  memset(r, 0, sizeof *r);
  /* the starts after the first converged one stop in its basin */
  empvp_basin eb = {.c = c, .J = Jb};
  int rc = seq_starts_b(ws, prob, par, opt, st2, ns, yy, 0, INFINITY, r, empvp_basin_fn, &eb, err);
  if (rc != GK_OK) return rc;
  /* the amplitude at the winner: usually the engine's last call, or the
   * basin's point */
  if (eb.have && eb.th[0] == r->value[0] && eb.th[1] == r->value[1]) {
    *amp = eb.amp;
    *lnref = eb.lnref;
    return GK_OK;
  }
  if (!(c->at_ok && c->last[0] == r->value[0] && c->last[1] == r->value[1])) rc = empvp_model(r->value, yh, c);
  *amp = c->amp;
  *lnref = c->lnref;
  return rc;
}

/* emp's fit from the guesses st (ns (g, ln A, ln Ls) triples) by variable
 * projection, the starts through seq_starts_b (the one multi-start
 * policy: two converged starts agreeing on chi2), the winner finished on
 * full (the three-parameter problem; its param[] receives the point).
 * Returns GK_EUSAGE when the finisher does not handle the point (the
 * caller then runs the full fit).
 *
 * The projected fits' variables are theta = (g e^{-u}, u) with u = Lc/Ls
 * and Lc the mean stripe length: g e^{-Lc/Ls} is the model's logarithmic
 * slope d ln I/dL at L = Lc, which the data fix whatever Ls is, and u
 * its relative curvature there (d^2 ln I/dL^2 = -(u/Lc) d ln I/dL). In
 * (g, ln Ls) the chi2 valley between the grids' Ls and the optimum is
 * curved (g and Ls trade off) and Gauss-Newton steps in ln Ls overshoot
 * (the residuals are nearly linear in 1/Ls, not in ln Ls), so a start
 * three times off in Ls took six iterations and four rejected trial
 * steps; in these variables the valley runs along u and the same start
 * takes two. At the model's two edges, where the data do not bound the
 * parameters, the winner is taken in (g, ln Ls) as before: Ls -> infinity
 * (u -> 0, a pure exponential) and Ls -> 0 (g -> infinity with the shape
 * saturated before the shortest stripe). A winner with u <= Lc/(EMP_VP_EDGE
 * Lmax) or Ls below the shortest stripe, or no converged winner, runs the
 * starts again in those variables, whose fits walk along the edge to where
 * the data stop telling the points apart (in (g e^{-u}, u) they stopped
 * earlier, at a chi2 up to 1e-2 higher: 86 of 640 stress fits at the first
 * edge, 1 of 600 at the second). */
#define EMP_VP_EDGE 100.0
/* The finisher's Gauss-Newton steps at most (gk_fit_finish_steps): the
 * projected fits skip the engine's refinement (intermediate = 2), and on a
 * poorly fitting curve (chi2/dof >> 1) Gauss-Newton on the full problem
 * converges only linearly (each step halving the distance on the bundled
 * fluence/vsl-nonuniform.csv), so three steps left it ~1e-4 se short of the
 * optimum; a point already within 1e-8 se (the bench data) takes none. */
#define EMP_FINISH_STEPS 12
static int emp_vp_fit(const gk_vsl_data *d, gk_fit_problem *full, gk_param *fpar, const gk_fit_options *opt,
                      const double *st, size_t ns, double yy, gk_fit_result *res, gk_error *err)
{
  size_t n = d->n;
  double *buf = malloc(9 * n * sizeof *buf), *st2 = malloc(2 * (ns ? ns : 1) * sizeof *st2);
  if (!buf || !st2) { free(buf); free(st2); return GK_ENOMEM; }
  empvp c = {.d = d, .w = buf, .wy = buf + n, .jc = buf + 2 * n, .m = buf + 5 * n, .s = buf + 6 * n, .inv = 1};
  double Lc = 0;
  for (size_t i = 0; i < n; i++) {
    double s = sig_I(d, i);
    c.w[i] = 1 / (s * s);
    c.wy[i] = c.w[i] * d->intensity[i];
    Lc += d->L[i];
  }
  c.Lc = Lc / (double)n;
  gk_param par[2] = {{.name = "gc", .lo = -INFINITY, .hi = INFINITY}, {.name = "u", .lo = -INFINITY, .hi = INFINITY}};
  gk_fit_problem prob = {.n = n, .p = 2, .y = d->intensity, .sigma = d->sigma, .weighting = d->weighting,
                         .absolute_sigma = full->absolute_sigma, .model = empvp_model, .jac = empvp_jac, .ctx = &c,
                         .param = par};
  /* the step test at 1e-5: the finisher's Gauss-Newton steps (up to three,
   * each at most 1e-4 relative) land on the optimum to rounding, and two
   * starts ending within 1e-5 of it agree on chi2 to ~1e-10, far inside
   * the policy's 1e-6; at 1e-7 each fit spent one more iteration */
  gk_fit_options o = *opt;
  o.xtol = GK_VSL_EMP_XTOL;
  /* only the finisher's point and covariance are reported: the projected
   * fits skip the engine's Gauss-Newton refinement and covariance
   * (intermediate 2; the finisher takes its own Gauss-Newton steps) */
  o.intermediate = 2;
  opt = &o;
  gk_fit_workspace *ws = ns > 1 ? gk_fit_alloc(NULL, opt, n, 2) : NULL;
  gk_fit_result r;
  double amp = 0, lnref = 0, *yh = buf + 4 * n, *Jb = buf + 7 * n;
  double Lmin = d->L[0];  /* lengths increase (gk_vsl_check) */
  int rc = emp_vp_run(&c, ws, &prob, par, opt, st, ns, st2, yy, Jb, &r, &amp, &lnref, yh, err);
  if (rc != GK_ENOMEM && rc != GK_EUSAGE &&
      !(rc == GK_OK && r.converged && r.value[1] > c.Lc / (EMP_VP_EDGE * d->L[n - 1]) &&
        r.value[1] < c.Lc / Lmin)) {
    /* at an edge (Ls -> infinity or Ls -> 0): the fits in (g, ln Ls) */
    gk_fit_result_free(&r);
    c.inv = 0;
    c.at_ok = 0;
    par[0].name = "g";
    par[1].name = "lnLs";
    rc = emp_vp_run(&c, ws, &prob, par, opt, st, ns, st2, yy, Jb, &r, &amp, &lnref, yh, err);
  }
  gk_fit_free(ws);
  if (rc == GK_OK) {
    double th[3] = {r.value[0], log(amp) - lnref, r.value[1]};
    if (c.inv) {
      th[0] = r.value[0] * exp(r.value[1]);
      th[2] = log(c.Lc / r.value[1]);
    }
    for (size_t k = 0; k < 3; k++) fpar[k].init = th[k];
    full->param = fpar;
    full->starts = NULL;
    full->n_starts = 0;
    rc = gk_fit_finish_steps(full, th, r.converged, r.reason, EMP_FINISH_STEPS, res, err);
  }
  gk_fit_result_free(&r);
  free(buf);
  free(st2);
  return rc;
}
int gk_vsl_fit_model(const gk_vsl_data *d, gk_vsl_model m, gk_vsl_fit *f, gk_error *err)
{
  return gk_vsl_fit_model_(d, m, NULL, NULL, f, err);
}

static int fit_offset(const gk_vsl_data *d0, gk_vsl_model m, const gk_vsl_fit *nooff, gk_vsl_fit *f, gk_error *err);
int gk_vsl_fit_offset_from(const gk_vsl_data *d, gk_vsl_model m, const gk_vsl_fit *nooff, gk_vsl_fit *f,
                           gk_error *err)
{
  if (!d || !d->offset) return gk_vsl_fit_model_(d, m, NULL, NULL, f, err);
  if (!f) return gk_error_set(err, GK_EUSAGE, NULL, 0, "vsl: no fit structure");
  gk_vsl_data d0 = *d;
  d0.offset = 0;
  return fit_offset(d, m, gk_vsl_fit_is_of(nooff, &d0, m) ? nooff : NULL, f, err);
}

static int fit_once(const gk_vsl_data *d, gk_vsl_model m, const gk_vsl_fit *done, const double *warm,
                    int wander, gk_vsl_fit *f, gk_error *err);

int gk_vsl_fit_determined_(const gk_vsl_fit *f)
{
  for (size_t k = 0; k < f->ntheta; k++)
    if (!isfinite(f->se[k])) return 0;
  return 1;
}

/* ---- the offset I0 -------------------------------------------------------
 * I = model(L; theta) + I0, fitted in I for every model (sat too, through
 * Eq. 3 inverted). Starts: the model's own fit without offset (I0 = 0) and
 * its fit to the data minus I0s, the straight-line extrapolation of the
 * three shortest stripes to L = 0 (and half of it). */
typedef struct octx {
  gk_vsl_model m;
  const gk_vsl_data *d;
  size_t q;          /* model parameters; I0 is theta[q] */
  double *J;         /* n x q */
} octx;

static int o_model(const double *th, double *yhat, void *p)
{
  octx *c = p;
  int rc = gk_vsl_intensity(c->m, th, c->d->L, c->d->n, yhat, NULL);
  for (size_t i = 0; rc == GK_OK && i < c->d->n; i++) yhat[i] += th[c->q];
  return rc;
}

static int o_jac(const double *th, double *J, void *p)
{
  octx *c = p;
  size_t n = c->d->n, q = c->q;
  double *tmp = malloc(n * sizeof *tmp);
  if (!tmp) return GK_ENOMEM;
  int rc = gk_vsl_intensity(c->m, th, c->d->L, n, tmp, c->J);
  free(tmp);
  for (size_t i = 0; rc == GK_OK && i < n; i++) {
    for (size_t k = 0; k < q; k++) J[i * (q + 1) + k] = c->J[i * q + k];
    J[i * (q + 1) + q] = 1;
  }
  return rc;
}

int gk_vsl_fit_is_of(const gk_vsl_fit *f, const gk_vsl_data *d, gk_vsl_model m)
{
  if (!f || !d || !f->ok || f->model != m || f->n != d->n || f->has_offset || !f->yhat || d->offset) return 0;
  double c2 = 0;
  for (size_t i = 0; i < d->n; i++) {
    double e = (f->yhat[i] - d->intensity[i]) / sig_I(d, i);
    c2 += e * e;
  }
  return isfinite(c2) && c2 == f->chi2_I;
}

static int fit_offset(const gk_vsl_data *d0, gk_vsl_model m, const gk_vsl_fit *nooff, gk_vsl_fit *f, gk_error *err)
{
  gk_vsl_data d = *d0;
  d.offset = 0;
  size_t n = d.n, q = gk_vsl_ntheta(m), p = q + 1;
  memset(f, 0, sizeof *f);
  if (n < p + 1)
    return gk_error_set(err, GK_EINPUT, d.path, 0, "%zu points are too few for model %s with an offset (%zu parameters)",
                        n, gk_vsl_model_name(m), p);
  int rc = gk_vsl_check(&d, err);
  if (rc) return rc;
  double *Is = malloc(n * sizeof *Is), *st = malloc(3 * 5 * sizeof *st), *J = malloc(n * q * sizeof *J);
  if (!Is || !st || !J) {
    free(Is); free(st); free(J);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  size_t ns = 0;
  double I0s = n >= 3 ? d.intensity[0] - d.L[0] * ((d.intensity[2] - d.intensity[0]) / (d.L[2] - d.L[0])) : 0;
  const double shift[3] = {0, I0s, 0.5 * I0s};
  for (int k = 0; k < 3; k++) {
    if (k > 0 && !(fabs(shift[k]) > 0)) continue;
    for (size_t i = 0; i < n; i++) Is[i] = d.intensity[i] - shift[k];
    gk_vsl_data ds = d;
    ds.intensity = Is;
    if (d.weighting == GK_WEIGHT_RELATIVE) ds.weighting = GK_WEIGHT_RELATIVE;
    gk_vsl_fit fk;
    gk_error ek;
    gk_error_clear(&ek);
    /* shift 0: the data themselves, already fitted by the caller */
    int known = k == 0 && nooff && gk_vsl_fit_is_of(nooff, &d, m);
    if (known) {
      fk = *nooff;
      fk.yhat = NULL;
    }
    if (known || (gk_vsl_fit_model_(&ds, m, NULL, NULL, &fk, &ek) == GK_OK && fk.ok)) {
      memcpy(st + p * ns, fk.theta, q * sizeof *st);
      st[p * ns + q] = shift[k];
      /* an Is run off to where e^{ln Is} overflows (no saturation seen):
       * start at Is = e^30 max I, where saturation is just as invisible */
      double Imax = 0;
      for (size_t i = 0; i < n; i++) Imax = fmax(Imax, fabs(d.intensity[i]));
      size_t kis = m == GK_VSL_SAT ? 2 : m == GK_VSL_SATEXACT ? 3 : q;
      if (kis < q && Imax > 0 && !(st[p * ns + kis] <= log(Imax) + 30)) st[p * ns + kis] = log(Imax) + 30;
      ns++;
    }
    gk_vsl_fit_free(&fk);
  }
  free(Is);
  if (!ns) {
    free(st); free(J);
    return gk_error_set(err, GK_ENOCONV, d.path, 0, "model %s with offset: no start gave a fit", gk_vsl_model_name(m));
  }
  static const char *const on[GK_VSL_NMODELS][5] = {
    {"g", "lnA", "I0"}, {"g", "lnA1", "A2", "I0"}, {"g", "lnA", "lnIs", "I0"}, {"gamma", "alpha", "lnA", "lnIs", "I0"},
    {"g", "lnA", "lnLs", "I0"}, {"g", "A", "lnB", "I0"}};
  gk_param par[5];
  for (size_t k = 0; k < p; k++) par[k] = (gk_param){.name = on[m][k], .init = st[k], .lo = -INFINITY, .hi = INFINITY};
  if (m == GK_VSL_SATEXACT) par[1].lo = 0;
  octx c = {.m = m, .d = &d, .q = q, .J = J};
  /* the engine's multi-start policy: the starts ranked by their chi2,
   * fitted best first, stopping once two converged fits agree on the
   * best chi2 */
  gk_fit_problem prob = {.n = n, .p = p, .y = d.intensity, .sigma = d.sigma, .weighting = d.weighting,
                         .absolute_sigma = d.weighting == GK_WEIGHT_SIGMA, .model = o_model, .jac = o_jac, .ctx = &c,
                         .param = par, .starts = ns > 1 ? st + p : NULL, .n_starts = ns > 1 ? ns - 1 : 0,
                         .refine = ns};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  opt.max_iter = 300;
  if (m != GK_VSL_SATEXACT) opt.method = GK_FIT_LM_DENSE; /* as fit_once */
  gk_fit_result r;
  memset(&r, 0, sizeof r);
  rc = gk_fit(&prob, &opt, &r, err);
  free(st);
  if (rc != GK_OK) {
    free(J);
    if (rc == GK_EDOM) {
      gk_error_clear(err);
      return gk_error_set(err, GK_ENOCONV, d.path, 0, "model %s with offset: no start gave a fit", gk_vsl_model_name(m));
    }
    return rc;
  }
  /* vsl2: A2 >= 0 as without offset (refit on the bound) */
  if (m == GK_VSL_VSL2 && r.value[2] < 0) {
    for (size_t k = 0; k < p; k++) par[k].init = r.value[k];
    par[2].init = 0;
    par[2].fixed = 1;
    prob.starts = NULL;
    prob.n_starts = 0;
    gk_fit_result rb;
    memset(&rb, 0, sizeof rb);
    if (gk_fit(&prob, &opt, &rb, err) == GK_OK) {
      gk_fit_result_free(&r);
      r = rb;
    }
  }
  free(J);
  /* the reported model parameters through finish() on the first q */
  f->model = m;
  f->n = n;
  f->ntheta = q;
  f->np = gk_vsl_nreport(m);
  f->yhat = malloc(n * sizeof *f->yhat);
  double cq[16];
  for (size_t a = 0; a < q; a++)
    for (size_t b = 0; b < q; b++) cq[a * q + b] = r.cov[a * p + b];
  gk_fit_result rq = r;
  rq.cov = cq;
  rq.p = q;
  if (!f->yhat) {
    gk_fit_result_free(&r);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  f->ok = 1;
  finish(&d, f, &rq);
  /* sat is fitted in I here: drop its "fitted as L versus I" note */
  for (size_t k = 0; k < f->nwarn; k++)
    if (strstr(f->warn[k], "fitted as L versus I")) {
      memmove(f->warn[k], f->warn[k + 1], (f->nwarn - k - 1) * sizeof f->warn[0]);
      f->nwarn--;
      break;
    }
  f->residual_in_L = 0;
  f->has_offset = 1;
  f->I0 = r.value[q];
  f->I0_se = r.se[q];
  double c2 = 0, kk = (double)r.n_free, nn = (double)n;
  for (size_t i = 0; i < n; i++) {
    f->yhat[i] += f->I0;
    double e = (f->yhat[i] - d.intensity[i]) / sig_I(&d, i);
    c2 += e * e;
  }
  f->chi2 = f->chi2_I = c2;
  f->chi2_red = r.dof > 0 ? c2 / (double)r.dof : NAN;
  f->dof = r.dof;
  f->aic = r.aic;
  f->aicc = r.aicc;
  f->bic = r.bic;
  double aic = (d.weighting == GK_WEIGHT_SIGMA ? c2 : nn * log(c2 / nn)) + 2 * kk;
  f->aicc_I = nn - kk - 1 > 0 ? aic + 2 * kk * (kk + 1) / (nn - kk - 1) : INFINITY;
  gk_fit_result_free(&r);
  return GK_OK;
}

int gk_vsl_fit_model_(const gk_vsl_data *d, gk_vsl_model m, const gk_vsl_fit *done, const double *warm,
                      gk_vsl_fit *f, gk_error *err)
{
  if (d->offset) return fit_offset(d, m, NULL, f, err);
  /* Every wavelength is fitted on its own data from the data-derived
   * starts; a neighbour's answer (warm) is only an extra candidate, kept
   * when it reaches a lower chi2. (Trusting a converged warm start alone
   * let a fit stay at the neighbour's optimum, chi2 far above this
   * wavelength's own.) */
  int rc = fit_once(d, m, done, NULL, 0, f, err);
  if (!warm || rc == GK_EINPUT || rc == GK_EUSAGE || rc == GK_ENOMEM) return rc;
  gk_vsl_fit fw;
  gk_error ew;
  gk_error_clear(&ew);
  if (fit_once(d, m, done, warm, 0, &fw, &ew) == GK_OK && fw.ok && fw.converged &&
      (rc != GK_OK || !f->ok || !f->converged || fw.chi2 < f->chi2 * (1 - 1e-9))) {
    if (rc == GK_OK) gk_vsl_fit_free(f);
    *f = fw;
    gk_error_clear(err);
    return GK_OK;
  }
  if (fw.ok || fw.yhat) gk_vsl_fit_free(&fw);
  return rc;
}

/* One fit from the data-derived starts, or from warm alone. */
static int fit_once(const gk_vsl_data *d, gk_vsl_model m, const gk_vsl_fit *done, const double *warm,
                    int wander, gk_vsl_fit *f, gk_error *err)
{
  memset(f, 0, sizeof *f);
  f->model = m;
  f->n = d->n;
  f->ntheta = gk_vsl_ntheta(m);
  f->np = gk_vsl_nreport(m);
  f->residual_in_L = m == GK_VSL_SAT;
  size_t p = f->ntheta, n = d->n;
  if (n < p)
    return gk_error_set(err, GK_EINPUT, d->path, 0, "%zu points are fewer than the %zu parameters of model %s",
                        n, p, gk_vsl_model_name(m));
  int rc = gk_vsl_check(d, err);
  if (rc) return rc;
  gk_gsl_init_();
  f->yhat = malloc(n * sizeof *f->yhat);
  /* starts, then sig: sigma(L) of sat; the Jacobian call's scratch; sat's
   * ln|I|, log terms; then (vsl1, vsl2, emp) the n x p Jacobian formed with
   * each model call: one block */
  int with_jc = m == GK_VSL_VSL1 || m == GK_VSL_VSL2 || m == GK_VSL_EMP;
  double *starts = malloc((16 * 4 + 4 * n + (with_jc ? n * p : 0)) * sizeof *starts);
  double *sig = starts ? starts + 16 * 4 : NULL;
  if (!f->yhat || !starts) {
    free(starts);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  size_t ns;
  double target = INFINITY;
  if (warm) {
    memcpy(starts, warm, p * sizeof *starts);
    ns = 1;
  } else {
    ns = guess_(d, m, starts, 16, &target, m == GK_VSL_EMP);
  }
  gk_param par[4];
  for (size_t k = 0; k < p; k++) {
    par[k] = (gk_param){.name = tnames[m][k], .unit = NULL, .init = starts[k], .lo = -INFINITY, .hi = INFINITY};
  }
  if (m == GK_VSL_SATEXACT) par[1].lo = 0;
  fctx c = {.m = m, .d = d, .tmp = sig + n};
  if (m == GK_VSL_SAT && sig) {
    c.lnI = sig + 2 * n;
    c.satT = sig + 3 * n;
    for (size_t i = 0; i < n; i++) c.lnI[i] = log(fabs(d->intensity[i]));
  }
  if (m == GK_VSL_SATEXACT) c.last_I = malloc(n * sizeof *c.last_I);
  if (with_jc) c.jc = sig + 4 * n;
  gk_fit_problem prob = {
    .n = n, .p = p, .y = d->intensity, .sigma = d->sigma, .weighting = d->weighting,
    .absolute_sigma = d->weighting == GK_WEIGHT_SIGMA, .model = f_model, .jac = f_jac, .ctx = &c,
    .param = par, .starts = ns > 1 ? starts + p : NULL, .n_starts = ns > 1 ? ns - 1 : 0};
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  /* Enough for every well-posed case here; more only lets degenerate
   * sat-exact fits wander along their flat valley. */
  opt.max_iter = 300;
  /* 2-4 parameters, tens of points: the engine's dense LM driver (GSL's
   * iteration without its workspace overhead, certified on NIST StRD).
   * sat-exact keeps GSL's: its degenerate valleys make the end point
   * depend on rounding. */
  if (m != GK_VSL_SATEXACT) opt.method = GK_FIT_LM_DENSE;
  gk_fit_result r;
  memset(&r, 0, sizeof r);
  int sx_lim = 0;
  double sx_h[8];
  if (m == GK_VSL_SAT) {
    /* Residuals in L: y = L, the intensities are the abscissa. Intensity
     * uncertainties map to L through dL/dI at the current estimate
     * (effective variance), so fit twice: at the guess, then at the fit. */
    prob.y = d->L;
    prob.sigma = d->weighting == GK_WEIGHT_NONE ? NULL : sig;
    prob.weighting = d->weighting == GK_WEIGHT_NONE ? GK_WEIGHT_NONE : GK_WEIGHT_SIGMA;
    double th[3] = {starts[0], starts[1], starts[2]};
    /* the step test at 1e-7 as for vsl1/vsl2/emp below: the engine's
     * Gauss-Newton refinement lands on the optimum to rounding, where a
     * 1e-12 step test spent ~3 model evaluations per iteration on
     * rejected rounding-level trial steps */
    opt.xtol = GK_VSL_SAT_XTOL;
    /* one solver workspace for every start of both passes */
    gk_fit_workspace *sws = gk_fit_alloc(NULL, &opt, n, p);
    for (int pass = 0; pass < 2; pass++) {
      int bad = 0;
      for (size_t i = 0; i < n; i++) {
        sig[i] = sig_I(d, i) * sat_dLdI(th, d->intensity[i]);
        if (!(sig[i] > 0) || !isfinite(sig[i])) bad = 1;
      }
      if (bad) { prob.sigma = NULL; prob.weighting = GK_WEIGHT_NONE; }
      if (pass) {
        /* second pass: only the new weights change, start at the optimum */
        for (size_t k = 0; k < 3; k++) par[k].init = r.value[k];
        prob.starts = NULL;
        prob.n_starts = 0;
      }
      int conv1 = pass ? r.converged : 0;
      if (pass) gk_fit_result_free(&r);
      if (pass) {
        rc = sws ? gk_fit_run(sws, &prob, &r, err) : gk_fit(&prob, &opt, &r, err);
      } else {
        memset(&r, 0, sizeof r);
        double yy = 0;
        for (size_t i = 0; i < n; i++) {
          double s = prob.sigma ? prob.sigma[i] : 1;
          yy += d->L[i] / s * (d->L[i] / s);
        }
        rc = seq_starts_ws(sws, &prob, par, &opt, starts, ns, yy, 0, INFINITY, &r, err);
      }
      /* Started at a converged optimum whose weights barely changed, the
       * engine may find no step that lowers chi2 at all (noise-free data:
       * chi2 ~ 1e-30) and reports no convergence; the start is then the
       * minimum under the new weights as well. */
      if (rc == GK_OK && pass && conv1 && !r.converged && r.n_iter <= 1) {
        r.converged = 1;
        snprintf(r.reason, sizeof r.reason, "start (first-pass optimum) already minimal");
      }
      if (rc != GK_OK || prob.weighting == GK_WEIGHT_NONE) break;
      memcpy(th, r.value, sizeof th);
    }
    gk_fit_free(sws);
  } else if (m == GK_VSL_SATEXACT) {
    rc = gk_vsl_fit_satexact_(d, &prob, &opt, starts, ns, done, warm, wander, &r, &sx_lim, sx_h, err);
  } else {
    double yy = 0;
    for (size_t i = 0; i < n; i++) yy += d->intensity[i] / sig_I(d, i) * (d->intensity[i] / sig_I(d, i));
    /* The profile's start is within ~1e-4 of a grid step of the optimum.
     * From there GSL's trust region spends ~15 model evaluations on
     * rejected rounding-level trial steps before its 1e-12 step test
     * holds; a step test at 1e-7 stops after the first accepted steps and
     * the engine's final Gauss-Newton refinement (at most 1e-4 relative,
     * docs/fitting.md) lands on the optimum to rounding. */
    opt.xtol = 1e-7;
    rc = GK_EUSAGE;
    if (m == GK_VSL_EMP && !warm) {
      rc = emp_vp_fit(d, &prob, par, &opt, starts, ns, yy, &r, err);
      if (rc == GK_EUSAGE || rc == GK_EDOM) {
        /* the finisher does not take the point (or no projected start
         * gave a fit): the full fit below decides */
        gk_error_clear(err);
        memset(&r, 0, sizeof r);
        ns = guess_(d, m, starts, 16, &target, 0);
        prob.param = par;
        prob.starts = ns > 1 ? starts + p : NULL;
        prob.n_starts = ns > 1 ? ns - 1 : 0;
        for (size_t k = 0; k < p; k++) par[k].init = starts[k];
        rc = GK_EUSAGE;
      }
    }
    if (rc == GK_EUSAGE) {
      gk_fit_workspace *ws = ns > 1 ? gk_fit_alloc(NULL, &opt, n, p) : NULL;
      rc = seq_starts_ws(ws, &prob, par, &opt, starts, ns, yy, 0, target, &r, err);
      gk_fit_free(ws);
    }
    /* vsl2's background A2 L is a second, non-amplified emission: A2 >= 0
     * (Milanese et al., Adv. Opt. Mater. 2024, Eq. 2). The problem is
     * linear in A2 at fixed g, so when the free optimum has A2 < 0 the
     * constrained one lies on the bound: refit with A2 held at 0 (vsl1)
     * and report the bound. (A transformed bound would let the solver
     * creep towards 0 without meeting a convergence test.) */
    if (m == GK_VSL_VSL2 && rc == GK_OK && r.value[2] < 0) {
      par[0].init = r.value[0];
      par[1].init = r.value[1];
      par[2].init = 0;
      par[2].fixed = 1;
      prob.param = par;
      prob.starts = NULL;
      prob.n_starts = 0;
      gk_fit_result rb;
      memset(&rb, 0, sizeof rb);
      int brc = gk_fit(&prob, &opt, &rb, err);
      if (brc == GK_OK) {
        gk_fit_result_free(&r);
        r = rb;
      } else {
        rc = brc;
      }
    }
  }
  free(starts); /* with sig and c.jc */
  free(c.last_I);
  if (rc != GK_OK) {
    gk_fit_result_free(&r);
    if (rc == GK_EDOM) {
      gk_error_clear(err);
      return gk_error_set(err, GK_ENOCONV, d->path, 0, "model %s: no start gave a fit", gk_vsl_model_name(m));
    }
    return rc;
  }
  f->ok = 1;
  /* vsl1, vsl2, emp, ahn: f_model is gk_vsl_intensity itself */
  finish_(d, f, &r, m != GK_VSL_SAT && m != GK_VSL_SATEXACT);
  gk_fit_result_free(&r);
  if (m == GK_VSL_SATEXACT && sx_lim) {
    /* the lowest chi2 lies at the limit Is -> infinity of the model
     * (quadratic saturation): the parameters that diverge there are not
     * determined, the limit's own ones are reported (gainkit/vsl.h
     * gk_vsl_fit.limit) */
    double I0 = exp(sx_h[4]);
    f->limit = 1;
    for (size_t k = 0; k < f->np; k++) f->se[k] = NAN;
    f->nwarn = 0;
    f->value[0] = f->value[1] = f->value[3] = NAN;
    f->value[2] = exp(sx_h[2]) * I0;
    f->value[4] = sx_h[0];
    f->limit_k = sx_h[1] / I0;
    /* standard errors from the face t = 0 (NaN when its covariance is
     * singular) */
    f->se[4] = sx_h[5];
    f->se[2] = f->value[2] * sx_h[7];
    f->limit_k_se = sx_h[6] / I0;
    add_warn(f, "lowest chi2 at the limit of unbounded Is (gamma, alpha unbounded): dI/dx = A + g I - k I^2 with k = gamma/Is = %.6g cm^-1 per intensity unit; gamma, alpha, Is not determined", f->limit_k, 0);
    snprintf(f->reason, sizeof f->reason, "the lowest chi2 lies at the limit of unbounded Is (quadratic saturation)");
  }
  return GK_OK;
}



/* finish() for the tests (tests/unit/test_vsl.c test_chi2_from_residuals):
 * the reported statistics from an engine result. */
void gk_vsl_finish_(const gk_vsl_data *d, gk_vsl_fit *f, const gk_fit_result *r)
{
  finish(d, f, r);
}
