/* sat-exact (Eq. 4 of Milanese et al., Adv. Opt. Mater. 2024, with losses):
 * the global start search over (g, alpha, a) with the scale Is profiled,
 * the KKT tests at alpha = 0 and Is = infinity, the local fit of every
 * start in the homogeneous form (src/vsl/satlimit.c: the limits at
 * infinity as finite points, an active set on their bounds) and the
 * multi-start that chooses the fit. */
#include "gainkit/vsl.h"
#include "vsl_internal.h"
#include "core/core_internal.h"
#include "fit/solve1d.h"
#include "fit/structured.h"
#include "fit/fit_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>  /* snprintf */

#ifndef M_PI_2
#define M_PI_2 1.57079632679489661923
#endif
#include <gsl/gsl_linalg.h>

/* The gradient of chi2/2 along an extra column a (weighted, n) at a point
 * with weighted residual r, after the q <= 3 other columns O (weighted,
 * n x q row-major) are re-optimised to first order (Gauss-Newton):
 * a^T r - a^T O (O^T O)^{-1} O^T r. At a constrained optimum the other
 * columns' gradient is already zero and the projection changes nothing;
 * elsewhere it predicts the gradient at the optimum. NaN when it cannot
 * be formed. curv (optional) receives the Gauss-Newton curvature along a
 * in the same sense, a^T a - a^T O (O^T O)^{-1} O^T a. */
static double reduced_gradient(size_t n, const double *r, const double *a, const double *O, int q, double *curv)
{
  double A[3][3] = {{0}}, b[3] = {0}, ao[3] = {0}, ga = 0, aa = 0;
  for (size_t i = 0; i < n; i++) {
    const double *o = O + q * i;
    ga += a[i] * r[i];
    aa += a[i] * a[i];
    for (int k = 0; k < q; k++) {
      b[k] += o[k] * r[i];
      ao[k] += o[k] * a[i];
      for (int l = 0; l < q; l++) A[k][l] += o[k] * o[l];
    }
  }
  double Ab[9], x[3];
  for (int k = 0; k < q; k++)
    for (int l = 0; l < q; l++) Ab[q * k + l] = A[k][l];
  gsl_matrix_view Am = gsl_matrix_view_array(Ab, q, q);
  gsl_vector_view bv = gsl_vector_view_array(b, q), xv = gsl_vector_view_array(x, q);
  if (gsl_linalg_cholesky_decomp1(&Am.matrix) != GSL_SUCCESS ||
      gsl_linalg_cholesky_solve(&Am.matrix, &bv.vector, &xv.vector) != GSL_SUCCESS)
    return NAN;
  for (int k = 0; k < q; k++) ga -= ao[k] * x[k];
  if (curv) {
    gsl_vector_view av = gsl_vector_view_array(ao, q);
    if (gsl_linalg_cholesky_solve(&Am.matrix, &av.vector, &xv.vector) != GSL_SUCCESS) return NAN;
    *curv = aa;
    for (int k = 0; k < q; k++) *curv -= ao[k] * x[k];
  }
  return isfinite(ga) ? ga : NAN;
}

/* KKT test at the bound alpha = 0 of sat-exact (th: theta; th[0] - th[1]
 * is taken as gamma, so the first start's small alpha offset is
 * ignored): 1 when d chi2/d alpha >= 0 there with gamma, ln A, ln Is
 * re-optimised, i.e. no move into alpha > 0 lowers chi2. */
static int alpha_kkt(const gk_vsl_data *d, const double *th)
{
  size_t n = d->n;
  double t[4] = {th[0] - th[1], 0, th[2], th[3]};
  double *I = malloc(10 * n * sizeof *I);
  if (!I) return 0;
  double *J = I + n, *O = J + 4 * n, *r = O + 3 * n, *a = r + n;
  int ok = gk_vsl_satexact_eval_(t, d->L, n, I, J, 0) == GK_OK;
  for (size_t i = 0; ok && i < n; i++) {
    double s = gk_vsl_sig_I_(d, i), *Ji = J + 4 * i;
    O[3 * i] = Ji[0] / s; O[3 * i + 1] = Ji[2] / s; O[3 * i + 2] = Ji[3] / s;
    r[i] = (I[i] - d->intensity[i]) / s;
    a[i] = Ji[1] / s;
  }
  double g = ok ? reduced_gradient(n, r, a, O, 3, NULL) : NAN, aa = 0, rr = 0;
  for (size_t i = 0; ok && i < n; i++) aa += a[i] * a[i], rr += r[i] * r[i];
  free(I);
  /* With no saturation in the data (Is -> infinity) alpha and gamma are
   * degenerate and the projected gradient is zero up to rounding: its sign
   * is noise there, so a gradient within 1e-9 |a| |r| of zero counts as
   * zero (the global search below still replaces alpha = 0 by any point
   * lower in chi2 beyond rounding). */
  return g >= -1e-9 * sqrt(aa * rr);
}

/* d I/d s at s = 1/Is = 0 of sat (Eq. 3's ODE dI/dx = A + g I/(1 + sI)):
 * u' = g u - g I^2, u(0) = 0, so u = -I^2 R(gx) with
 * R(z) = e^z (e^z - e^{-z} - 2z)/(e^z - 1)^2 = sign(z) F(|z|),
 * F(w) = (1 - e^{-2w} - 2w e^{-w})/(1 - e^{-w})^2; R -> z/3 at z = 0, where
 * the differences cancel and the series of sinh z - z is used. */
static double sat_ds_ratio(double z)
{
  if (fabs(z) < 0.5) {
    double z2 = z * z, sh = z * z2 / 6 * (1 + z2 / 20 * (1 + z2 / 42 * (1 + z2 / 72 * (1 + z2 / 110 * (1 + z2 / 156)))));
    double em = expm1(z);
    return exp(z) * 2 * sh / (em * em);
  }
  double w = fabs(z), e = exp(-w), em = -expm1(-w);
  double F = (-expm1(-2 * w) - 2 * w * e) / (em * em);
  return z > 0 ? F : -F;
}

/* Is Is = infinity (no saturation at all) the alpha = 0 optimum? At that
 * bound sat is vsl1, so with vsl1's fit (theta1) the test is the KKT
 * condition in s = 1/Is >= 0: d chi2/d s >= 0 with g and ln A
 * re-optimised. Then the data cannot show saturation, whatever Is.
 * Otherwise *s_gn receives the Gauss-Newton step in s from there (> 0):
 * an estimate of where along s the optimum lies. */
static int no_saturation_kkt(const gk_vsl_data *d, const double *theta1, double *s_gn)
{
  size_t n = d->n;
  double *I = malloc(5 * n * sizeof *I);
  if (!I) return 0;
  double *J = I + n, *r = J + 2 * n, *a = r + n;
  int ok = gk_vsl_intensity(GK_VSL_VSL1, theta1, d->L, n, I, J) == GK_OK;
  for (size_t i = 0; ok && i < n; i++) {
    double s = gk_vsl_sig_I_(d, i);
    r[i] = (I[i] - d->intensity[i]) / s;
    a[i] = -I[i] * I[i] * sat_ds_ratio(theta1[0] * d->L[i]) / s;
    J[2 * i] /= s;
    J[2 * i + 1] /= s;
  }
  double h = NAN, g = ok ? reduced_gradient(n, r, a, J, 2, &h) : NAN;
  free(I);
  *s_gn = h > 0 && g < 0 ? -g / h : NAN;
  return g >= 0;
}

/* sat-exact global start search. With I = Is u the model becomes
 * du/dx = a + gamma u/(1 + u) - alpha u, a = A/Is, so for given
 * (g = gamma - alpha, alpha, a) the scale Is enters linearly and has a
 * closed-form least-squares value: chi2 is profiled over a grid in
 * (g, alpha, a) wide enough for every regime (g Lmax -6 to 1e5, alpha
 * Lmax 0 and 1e-2 to 1e7, a Lmax 1e-14 to 1e7), and the grid's local
 * minima, best first, are the starts. The large values reach towards
 * the model's limits at infinity (gamma, alpha -> infinity with gamma/Is
 * fixed: quadratic saturation; gamma -> infinity with gamma Is fixed: a
 * linear relaxation to the plateau), where noisy data can have their
 * lowest chi2. A local search from sat's answer alone can stop in a local
 * minimum (alpha = 0 typically) far above the global one. Writes up to
 * max theta vectors to st, returns how many. */
enum { SXG_NG = 20, SXG_NR = 12, SXG_NA = 14 };
static double sxg_g(int a)
{
  static const double big[] = {90, 150, 300, 1e3, 1e4, 1e5, 1e6, 1e7};
  return a < 12 ? -6 + 6 * a : big[a - 12];
}
static double sxg_al(int b) { return b == 0 ? 0 : 1e-2 * pow(1e9, (b - 1) / (double)(SXG_NR - 2)); }
static double sxg_a(int c) { return 1e-14 * pow(1e21, c / (double)(SXG_NA - 1)); }
static size_t satexact_grid_starts(const gk_vsl_data *d, double *st, size_t max)
{
  size_t n = d->n, ng = (size_t)SXG_NG * SXG_NR * SXG_NA;
  double Lm = d->L[n - 1];
  double *c2 = malloc(ng * sizeof *c2), *lis = malloc(ng * sizeof *lis), *u = malloc(2 * n * sizeof *u);
  size_t nout = 0;
  if (!c2 || !lis || !u) goto out;
  double *w = u + n, syy = 0;
  for (size_t i = 0; i < n; i++) {
    double s = gk_vsl_sig_I_(d, i);
    w[i] = 1 / (s * s);
    syy += w[i] * d->intensity[i] * d->intensity[i];
  }
#define GIDX(a, b, c) (((size_t)(a) * SXG_NR + (size_t)(b)) * SXG_NA + (size_t)(c))
  for (int a = 0; a < SXG_NG; a++)
    for (int b = 0; b < SXG_NR; b++)
      for (int c = 0; c < SXG_NA; c++) {
        double al = sxg_al(b) / Lm, th[4] = {sxg_g(a) / Lm + al, al, log(sxg_a(c) / Lm), 0}, suu = 0, syu = 0;
        size_t k = GIDX(a, b, c);
        c2[k] = INFINITY;
        if (gk_vsl_satexact_eval_(th, d->L, n, u, NULL, 0) != GK_OK) continue;
        for (size_t i = 0; i < n; i++) {
          suu += w[i] * u[i] * u[i];
          syu += w[i] * u[i] * d->intensity[i];
        }
        if (!(suu > 0) || !(syu > 0) || !isfinite(suu)) continue;
        c2[k] = fmax(syy - syu * syu / suu, 0);
        lis[k] = log(syu / suu);
      }
  /* local minima of the grid (26 neighbours), best first */
  size_t cand[64];
  size_t nc = 0;
  for (int a = 0; a < SXG_NG; a++)
    for (int b = 0; b < SXG_NR; b++)
      for (int c = 0; c < SXG_NA; c++) {
        size_t k = GIDX(a, b, c);
        if (!isfinite(c2[k])) continue;
        int is_min = 1;
        for (int da = -1; da <= 1 && is_min; da++)
          for (int db = -1; db <= 1 && is_min; db++)
            for (int dc = -1; dc <= 1 && is_min; dc++) {
              int a2 = a + da, b2 = b + db, c3 = c + dc;
              if ((!da && !db && !dc) || a2 < 0 || b2 < 0 || c3 < 0 || a2 >= SXG_NG || b2 >= SXG_NR || c3 >= SXG_NA)
                continue;
              size_t k2 = GIDX(a2, b2, c3);
              if (c2[k2] < c2[k] || (c2[k2] == c2[k] && k2 < k)) is_min = 0;
            }
        if (!is_min) continue;
        /* insertion into the sorted candidate list (kept to 64) */
        size_t pos = nc;
        while (pos > 0 && c2[cand[pos - 1]] > c2[k]) pos--;
        if (pos >= 64) continue;
        size_t end = nc < 64 ? nc : 63;
        memmove(cand + pos + 1, cand + pos, (end - pos) * sizeof *cand);
        cand[pos] = k;
        if (nc < 64) nc++;
      }
  /* half the starts from the best minima at moderate parameters
   * (g Lmax, alpha Lmax, a Lmax <= 1e3), the rest from the best overall:
   * the minima nearest the limits at infinity are many and would
   * otherwise crowd out a finite optimum */
  int used[64] = {0};
  for (int pass = 0; pass < 2; pass++)
  for (size_t j = 0; j < nc && nout < (pass ? max : (max + 1) / 2); j++) {
    size_t k = cand[j];
    int a = (int)(k / ((size_t)SXG_NR * SXG_NA)), b = (int)(k / SXG_NA % SXG_NR), c = (int)(k % SXG_NA);
    if (used[j] || (!pass && (sxg_g(a) > 1e3 || sxg_al(b) > 1e3 || sxg_a(c) > 1e3))) continue;
    used[j] = 1;
    double al = sxg_al(b) / Lm, *t = st + 4 * nout++;
    t[0] = sxg_g(a) / Lm + al;
    /* alpha = 0 exactly is the bound: start just inside */
    t[1] = b == 0 ? 1e-3 / Lm : al;
    t[2] = log(sxg_a(c) / Lm) + lis[k];
    t[3] = lis[k];
  }
#undef GIDX
out:
  free(c2);
  free(lis);
  free(u);
  return nout;
}

/* ---- local fits in the homogeneous form (src/vsl/satlimit.c) ---------- */
typedef struct sxh_fctx {
  const gk_vsl_data *d;
  double I0;
  double *J, *tmp;   /* the last model call's J; scratch */
  int have;
} sxh_fctx;

static int sxh_model(const double *h, double *y, void *p)
{
  sxh_fctx *c = p;
  size_t n = c->d->n;
  int rc = gk_vsl_sxh_eval_(h, c->d->L, n, c->J, NULL, c->have);
  c->have = rc == GK_OK;
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    y[i] = c->I0 * c->J[i];
    if (!(fabs(y[i]) < 1e150)) {
      c->have = 0;
      return GK_EDOM;
    }
  }
  return GK_OK;
}

static int sxh_jac(const double *h, double *Jm, void *p)
{
  sxh_fctx *c = p;
  size_t n = c->d->n;
  if (c->have) memcpy(c->tmp, c->J, n * sizeof *c->tmp);
  int rc = gk_vsl_sxh_eval_(h, c->d->L, n, c->tmp, Jm, c->have);
  if (rc) return rc;
  for (size_t k = 0; k < 4 * n; k++) Jm[k] *= c->I0;
  return GK_OK;
}

/* One local fit in h = (p, q, ln a, t) from h0 at the scale I0 = e^lnI0,
 * the parameters with fix[k] held at h0[k], at most max_iter iterations
 * (an intermediate fit: no covariance). */
static int sxh_fit_cov(const gk_vsl_data *d, const gk_fit_problem *prob0, const gk_fit_options *opt, double lnI0,
                       const double *h0, const int *fix, size_t max_iter, int cov, gk_fit_result *r, gk_error *err);
static int sxh_fit(const gk_vsl_data *d, const gk_fit_problem *prob0, const gk_fit_options *opt, double lnI0,
                   const double *h0, const int *fix, size_t max_iter, gk_fit_result *r, gk_error *err)
{
  return sxh_fit_cov(d, prob0, opt, lnI0, h0, fix, max_iter, 0, r, err);
}
/* sxh_fit, with the covariance when cov (the limit's standard errors) */
static int sxh_fit_cov(const gk_vsl_data *d, const gk_fit_problem *prob0, const gk_fit_options *opt, double lnI0,
                       const double *h0, const int *fix, size_t max_iter, int cov, gk_fit_result *r, gk_error *err)
{
  size_t n = d->n;
  double *buf = malloc(2 * n * sizeof *buf);
  if (!buf) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  sxh_fctx c = {.d = d, .I0 = exp(lnI0), .J = buf, .tmp = buf + n};
  gk_param par[4] = {{.name = "p", .init = h0[0], .lo = -INFINITY, .hi = INFINITY},
                     {.name = "q", .init = h0[1], .lo = 0, .hi = INFINITY},
                     {.name = "ln a", .init = h0[2], .lo = -INFINITY, .hi = INFINITY},
                     {.name = "t", .init = h0[3], .lo = 0, .hi = M_PI_2}};
  for (int k = 0; k < 4; k++)
    if (fix[k]) {
      par[k].fixed = 1;
      par[k].lo = -INFINITY;
      par[k].hi = INFINITY;
    }
  /* a free start on a bound: just inside (the engine's transforms) */
  if (!fix[1] && !(par[1].init > 0)) par[1].init = 1e-6 * (fabs(h0[0]) + 1);
  if (!fix[3] && !(par[3].init > 1e-9)) par[3].init = 1e-6;
  if (!fix[3] && !(par[3].init < M_PI_2 - 1e-9)) par[3].init = M_PI_2 - 1e-6;
  gk_fit_problem prob = *prob0;
  prob.model = sxh_model;
  prob.jac = sxh_jac;
  prob.ctx = &c;
  prob.param = par;
  prob.starts = NULL;
  prob.n_starts = 0;
  gk_fit_options o = *opt;
  o.intermediate = !cov;
  o.max_iter = max_iter;
  int rc = gk_fit(&prob, &o, r, err);
  free(buf);
  return rc;
}

/* KKT test at h for the parameters on a bound (act[k]: -1 lower, +1
 * upper, 0 free): d chi2/d h_k with the free ones re-optimised to first
 * order must not point into the interior (reduced_gradient). 1 holds,
 * 0 fails, -1 undecided (no Jacobian, or a singular projection). */
static int sxh_kkt(const gk_vsl_data *d, double lnI0, const double *h, const int *act)
{
  size_t n = d->n;
  double *J = malloc(10 * n * sizeof *J);
  if (!J) return -1;
  double *jac = J + n, *r = jac + 4 * n, *a = r + n, *O = a + n;  /* O: n x 3 */
  int res = gk_vsl_sxh_eval_(h, d->L, n, J, jac, 0) == GK_OK ? 1 : -1;
  double I0 = exp(lnI0);
  for (int k = 0; k < 4 && res == 1; k++) {
    if (!act[k]) continue;
    int q = 0, cols[3];
    for (int l = 0; l < 4; l++)
      if (!act[l] && q < 3) cols[q++] = l;
    double aa = 0, rr = 0;
    for (size_t i = 0; i < n; i++) {
      double s = gk_vsl_sig_I_(d, i);
      r[i] = (I0 * J[i] - d->intensity[i]) / s;
      a[i] = I0 * jac[4 * i + k] / s;
      for (int l = 0; l < q; l++) O[q * i + l] = I0 * jac[4 * i + cols[l]] / s;
      aa += a[i] * a[i];
      rr += r[i] * r[i];
    }
    double g = q ? reduced_gradient(n, r, a, O, q, NULL) : NAN;
    if (!q) {
      g = 0;
      for (size_t i = 0; i < n; i++) g += a[i] * r[i];
    }
    if (!isfinite(g)) { res = -1; break; }
    double tol = 1e-9 * sqrt(aa * rr);
    if (act[k] < 0 ? g < -tol : g > tol) res = 0;
  }
  free(J);
  return res;
}

/* The local search from one start th0 (published parameters): in h the
 * limits at infinity are the bounds t = 0, pi/2 and alpha = 0 is q = 0.
 * The engine approaches an active bound only slowly through its
 * transforms, so this is an active-set search: a free fit of a few dozen
 * iterations; if it has not converged, the parameters near a bound are
 * held there and the face is fitted; a face optimum whose KKT test holds
 * (no move into the interior lowers chi2) is a local minimum of the
 * closed model; one whose test fails frees those parameters and goes on.
 * Writes the end point to h, *act its bounds, returns the engine's code
 * with r (intermediate: no covariance). Falls back to one free fit to the
 * full iteration limit. */
static int sx_local(const gk_vsl_data *d, const gk_fit_problem *prob, const gk_fit_options *opt, double lnI0,
                    const double *th0, double *h, int *act, gk_fit_result *r, gk_error *err)
{
  int fix[4] = {0, 0, 0, 0};
  gk_vsl_sxh_from_theta_(th0, lnI0, h);
  memset(act, 0, 4 * sizeof *act);
  size_t used = 0, first = 40;
  int rc = sxh_fit(d, prob, opt, lnI0, h, fix, first, r, err);
  if (rc != GK_OK) return rc;
  used += r->n_iter;
  memcpy(h, r->value, 4 * sizeof *h);
  for (int round = 0; round < 12 && !r->converged && used < opt->max_iter; round++) {
    /* near a bound: q below 1e-4 of the growth rates' scale (J <= 1),
     * t within 1e-3 of 0 or pi/2 */
    double qs = 1e-4 * (fabs(h[0]) + exp(h[2]));
    int nact = 0;
    act[1] = h[1] <= qs ? -1 : 0;
    act[3] = h[3] <= 1e-3 ? -1 : h[3] >= M_PI_2 - 1e-3 ? 1 : 0;
    act[0] = act[2] = 0;
    for (int k = 0; k < 4; k++) nact += act[k] != 0;
    if (!nact) {
      /* no bound near: the free fit goes on for another stretch */
      gk_fit_result rn;
      memset(&rn, 0, sizeof rn);
      int frc = sxh_fit(d, prob, opt, lnI0, h, fix, first, &rn, err);
      if (frc != GK_OK) break;
      used += rn.n_iter;
      gk_fit_result_free(r);
      *r = rn;
      memcpy(h, r->value, 4 * sizeof *h);
      continue;
    }
    double hf[4];
    memcpy(hf, h, sizeof hf);
    if (act[1]) hf[1] = 0;
    if (act[3]) hf[3] = act[3] < 0 ? 0 : M_PI_2;
    int ff[4] = {0, act[1] != 0, 0, act[3] != 0};
    /* at t = pi/2 only a + p is determined: ln a is held as well */
    if (act[3] > 0) ff[2] = 1;
    gk_fit_result rf;
    memset(&rf, 0, sizeof rf);
    int frc = sxh_fit(d, prob, opt, lnI0, hf, ff, opt->max_iter, &rf, err);
    if (frc != GK_OK) break;
    used += rf.n_iter;
    int kkt = rf.converged ? sxh_kkt(d, lnI0, rf.value, act) : -2;
    if (!rf.converged) { gk_fit_result_free(&rf); break; }
    if (kkt == 1) {
      gk_fit_result_free(r);
      *r = rf;
      memcpy(h, r->value, 4 * sizeof *h);
      return GK_OK;
    }
    /* the face is left: a free fit from its optimum */
    double hs[4];
    memcpy(hs, rf.value, sizeof hs);
    gk_fit_result_free(&rf);
    gk_fit_result rn;
    memset(&rn, 0, sizeof rn);
    frc = sxh_fit(d, prob, opt, lnI0, hs, fix, first, &rn, err);
    if (frc != GK_OK) break;
    used += rn.n_iter;
    gk_fit_result_free(r);
    *r = rn;
    memcpy(h, r->value, 4 * sizeof *h);
  }
  memset(act, 0, 4 * sizeof *act);
  if (r->converged) {
    act[1] = r->value[1] <= 0 ? -1 : 0;
    act[3] = r->value[3] <= 0 ? -1 : r->value[3] >= M_PI_2 ? 1 : 0;
    return GK_OK;
  }
  /* fallback: the free fit goes on to the full limit */
  size_t left = used < opt->max_iter ? opt->max_iter - used : 1;
  gk_fit_result rn;
  memset(&rn, 0, sizeof rn);
  rc = sxh_fit(d, prob, opt, lnI0, h, fix, left, &rn, err);
  if (rc != GK_OK) return GK_OK;  /* keep what there is */
  gk_fit_result_free(r);
  *r = rn;
  memcpy(h, r->value, 4 * sizeof *h);
  act[1] = h[1] <= 0 ? -1 : 0;
  act[3] = h[3] <= 0 ? -1 : h[3] >= M_PI_2 ? 1 : 0;
  return GK_OK;
}

/* The quadratic-saturation limit (t = 0, q > 0: Is -> infinity with
 * gamma, alpha -> infinity, g = gamma - alpha and k = gamma/Is fixed) as
 * the engine's result in the published parameters: the point t = 1e-8
 * inside stands in for it (chi2 and curve equal to ~1e-8 relative; the
 * parameters that diverge are reported "not determined", src/vsl/fit.c).
 * Converged: g, A and k are finite, a local minimum of the model's closure
 * (KKT-tested or compared with the interior fit). */
static int sx_limit_result(const gk_vsl_data *d, double lnI0, const double *h, gk_fit_result *r)
{
  size_t n = d->n;
  double hin[4] = {h[0], h[1], h[2], 1e-8}, th[4];
  if (gk_vsl_sxh_to_theta_(hin, lnI0, th) != GK_OK) return GK_EDOM;
  if (gk_fit_result_alloc_(r, n, 4) != GK_OK) return GK_ENOMEM;
  if (gk_vsl_satexact_eval_(th, d->L, n, r->yhat, NULL, 0) != GK_OK) {
    gk_fit_result_free(r);
    return GK_EDOM;
  }
  memcpy(r->value, th, sizeof th);
  double c2 = 0;
  for (size_t i = 0; i < n; i++) {
    double s = gk_vsl_sig_I_(d, i);
    r->resid[i] = (r->yhat[i] - d->intensity[i]) / s;
    c2 += r->resid[i] * r->resid[i];
  }
  for (int k = 0; k < 4; k++) r->se[k] = NAN;
  for (int k = 0; k < 16; k++) r->cov[k] = NAN;
  r->chi2 = c2;
  r->n_free = 4;
  r->dof = n > 4 ? n - 4 : 0;
  r->chi2_red = r->dof ? c2 / (double)r->dof : NAN;
  /* -2 ln L as the engine's fits (src/fit/fit.c fill_stats): chi2 with
   * absolute sigmas, else n ln(chi2/n) (the common variance unknown) */
  double m2lnl = d->weighting == GK_WEIGHT_SIGMA ? c2 : (double)n * log(c2 / (double)n);
  r->aic = m2lnl + 8;
  r->aicc = n > 5 ? r->aic + 40.0 / (double)(n - 5) : INFINITY;
  r->bic = m2lnl + 4 * log((double)n);
  /* g = p, A and k = gamma/Is are the limit's converged parameters (the
   * headline g is determined) */
  r->n_iter = 1;
  r->converged = 1;
  r->cov_ok = 0;
  snprintf(r->reason, sizeof r->reason, "the lowest chi2 lies at the limit of unbounded Is (quadratic saturation)");
  return GK_OK;
}

/* The published fit from th with alpha held at 0 when a0 (its bound;
 * the finish of a start whose optimum has q = 0), else free. */
static int sx_finish(gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt, double *th, int a0, double yy,
                     gk_fit_result *r, gk_error *err)
{
  if (!a0) return gk_vsl_seq_starts_(prob, par, opt, th, 1, yy, 0, r, err);
  gk_param keep = par[1];
  par[1].fixed = 1;
  par[1].lo = -INFINITY;
  th[1] = 0;
  int rc = gk_vsl_seq_starts_(prob, par, opt, th, 1, yy, 0, r, err);
  par[1] = keep;
  prob->param = par;
  return rc;
}

/* One start of the global search: the local search in h (sx_local).
 * - A local minimum inside (0 < t < pi/2) is mapped back and finished in
 *   the published parameters (a few iterations from the optimum:
 *   covariance, the finisher; alpha = 0 held at its bound when q = 0).
 * - A minimum at, or converged within 1e-3 of, t = 0 or pi/2 is compared
 *   with the limit itself (the face fitted with t held there), which wins
 *   when it is not higher in chi2 (to 1e-9):
 *   t = 0 with q > 0 (quadratic saturation, Is -> infinity) has no
 *   published parameters: *limit = -1, hlim its h and ln I0, r a stand-in
 *   (sx_limit_result). t = 0 with q = 0 is dI/dx = A + g I, no
 *   saturation, and t = pi/2 is dI/dx = (a + p) I0 - q I, the same curve
 *   with g = -q: both are finished as today's no-saturation answer,
 *   alpha = 0 at its bound and Is = e^30 I0, where the model is vsl1 to
 *   rounding. At t = pi/2 today's fit from the start runs as well and the
 *   lower chi2 wins: with a -> 0 as well (r ln(1/a) finite) the curve has
 *   an onset delay, a limit the face does not contain (seen in the regime
 *   scan: face 14.99, the delayed onset 9.44).
 * - Without convergence in h: today's fit from the start. */
static int sx_start(const gk_vsl_data *d, gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt,
                    double lnI0, const double *th0, double yy, gk_fit_result *r, int *limit, double *hlim,
                    gk_error *err)
{
  double h[4], th[4];
  int act[4];
  gk_fit_result hr;
  memset(&hr, 0, sizeof hr);
  *limit = 0;
  int hrc = sx_local(d, prob, opt, lnI0, th0, h, act, &hr, err);
  if (hrc == GK_EUSAGE || hrc == GK_ENOMEM) return hrc;
  int conv = hrc == GK_OK && hr.converged;
  double c2h = conv ? hr.chi2 : INFINITY;
  if (hrc == GK_OK) gk_fit_result_free(&hr);
  if (!conv) return gk_vsl_seq_starts_(prob, par, opt, th0, 1, yy, 0, r, err);
  int side = 0;
  if (h[3] < 1e-3 || h[3] > M_PI_2 - 1e-3) {
    int sd = h[3] < 1e-3 ? -1 : 1;
    if (act[3]) {
      side = sd;
    } else {
      double hf[4] = {h[0], h[1], h[2], sd < 0 ? 0 : M_PI_2};
      int ff[4] = {0, act[1] != 0, sd > 0, 1};
      gk_fit_result rf;
      memset(&rf, 0, sizeof rf);
      if (sxh_fit(d, prob, opt, lnI0, hf, ff, opt->max_iter, &rf, err) == GK_OK) {
        if (rf.converged && rf.chi2 <= c2h * (1 + 1e-9)) {
          side = sd;
          memcpy(h, rf.value, sizeof h);
        }
        gk_fit_result_free(&rf);
      }
    }
  }
  if (side < 0 && h[1] > 0) {
    memcpy(hlim, h, 4 * sizeof *hlim);
    hlim[4] = lnI0;
    /* the limit's standard errors: the face t = 0 refitted from its
     * optimum with the covariance (p = g, q = k I0, ln a = ln(A/I0)) */
    hlim[5] = hlim[6] = hlim[7] = NAN;
    {
      int ff[4] = {0, 0, 0, 1};
      double hf[4] = {h[0], h[1], h[2], 0};
      gk_fit_result rc2;
      memset(&rc2, 0, sizeof rc2);
      if (sxh_fit_cov(d, prob, opt, lnI0, hf, ff, opt->max_iter, 1, &rc2, err) == GK_OK) {
        if (rc2.converged && rc2.cov_ok && rc2.chi2 <= c2h * (1 + 1e-9) + 1e-24 * yy) {
          memcpy(h, rc2.value, 4 * sizeof *h);
          memcpy(hlim, h, 4 * sizeof *hlim);
          hlim[5] = rc2.se[0];
          hlim[6] = rc2.se[1];
          hlim[7] = rc2.se[2];
        }
        gk_fit_result_free(&rc2);
      }
    }
    *limit = -1;
    if (sx_limit_result(d, lnI0, h, r) == GK_OK) return GK_OK;
    *limit = 0;
    return gk_vsl_seq_starts_(prob, par, opt, th0, 1, yy, 0, r, err);
  }
  if (side) {
    /* no saturation: dI/dx = A + g I */
    double B = side < 0 ? exp(h[2]) : exp(h[2]) + h[0], g = side < 0 ? h[0] : -h[1];
    if (!(B > 0)) return gk_vsl_seq_starts_(prob, par, opt, th0, 1, yy, 0, r, err);
    double tn[4] = {g, 0, log(B) + lnI0, lnI0 + 30};
    int rc = sx_finish(prob, par, opt, tn, 1, yy, r, err);
    if (side < 0 || rc == GK_EUSAGE || rc == GK_ENOMEM) return rc;
    gk_fit_result ro;
    memset(&ro, 0, sizeof ro);
    int orc = gk_vsl_seq_starts_(prob, par, opt, th0, 1, yy, 0, &ro, err);
    if (orc == GK_EUSAGE || orc == GK_ENOMEM) {
      if (rc == GK_OK) gk_fit_result_free(r);
      return orc;
    }
    if (orc == GK_OK && (rc != GK_OK || ro.chi2 < r->chi2 * (1 - 1e-9) - 1e-24 * yy)) {
      if (rc == GK_OK) gk_fit_result_free(r);
      *r = ro;
      return GK_OK;
    }
    if (orc == GK_OK) gk_fit_result_free(&ro);
    return rc;
  }
  if (gk_vsl_sxh_to_theta_(h, lnI0, th) != GK_OK) return gk_vsl_seq_starts_(prob, par, opt, th0, 1, yy, 0, r, err);
  return sx_finish(prob, par, opt, th, act[1] != 0 || h[1] <= 0, yy, r, err);
}

/* sat-exact: four parameters of which, without saturation, only
 * g = gamma - alpha is determined, so the surface has long flat valleys
 * and a plain multi-start spends most of its time wandering along them.
 * Since sat (Eq. 3) is sat-exact's alpha = 0 member, sat's fit is the best
 * first start; the remaining starts (plateau and generic) run one at a
 * time and the search stops once the best chi2 has been reached (to 1e-6)
 * from two different starts, or after five starts: along a flat valley
 * further starts only find the same g with slightly different gamma/alpha. */
int gk_vsl_fit_satexact_(const gk_vsl_data *d, gk_fit_problem *prob, const gk_fit_options *opt,
                          const double *guess, size_t ng, const gk_vsl_fit *done, const double *warm,
                        int wander, gk_fit_result *best, int *limit, double *hlim, gk_error *err)
{
  *limit = 0;
  const gk_vsl_fit *sat_done = done && done[GK_VSL_SAT].ok ? &done[GK_VSL_SAT] : NULL;
  double st[17 * 4];
  size_t ns = 0;
  const gk_param *orig = prob->param;
  gk_vsl_fit fs;
  gk_error e2;
  int have_sat, have0 = 0;
  gk_fit_result cand0;
  memset(&cand0, 0, sizeof cand0);
  if (sat_done && sat_done->ok) {
    fs = *sat_done;
    fs.yhat = NULL;  /* borrowed: freed by the caller */
    have_sat = 1;
  } else {
    have_sat = gk_vsl_fit_model(d, GK_VSL_SAT, &fs, &e2) == GK_OK;
  }
  if (have_sat && fs.ok && isfinite(fs.theta[0])) {
    double Lm = d->L[d->n - 1], a0 = 1e-2 * fmax(fabs(fs.theta[0]), 1 / Lm);
    double v[4] = {fs.theta[0] + a0, a0, fs.theta[1], fs.theta[2]};
    memcpy(st, v, sizeof v);
    ns = 1;
  }
  double Imax = 0;
  for (size_t i = 0; i < d->n; i++) Imax = fmax(Imax, d->intensity[i]);
  int weak = ns == 1 && fs.converged && (fs.value[2] > 100 * Imax || !(fs.se[2] < fs.value[2]));
  int sat_conv = ns == 1 && fs.converged;
  gk_vsl_fit_free(&fs);
  /* Is alpha = 0 (sat, in I) already the answer? Without saturation only
   * g = gamma - alpha is determined (weak). Otherwise alpha = 0 is a local
   * minimum of the bounded (alpha >= 0) problem exactly when
   * d chi2/d alpha >= 0 there with the other parameters at their optimum
   * (the KKT condition at the bound): predicted first at sat's answer by a
   * Gauss-Newton projection (one Jacobian), then checked at the alpha = 0
   * fit's own optimum. Either way the four-parameter multi-start is not
   * needed: along alpha the data can only raise chi2. */
  /* No saturation at all (Is = infinity the alpha = 0 optimum, tested
   * with vsl1's fit): the alpha = 0 fit starts there, at Is = e^39 max I
   * (the model is vsl1 to rounding), and stops at once; started at sat's
   * answer it would creep along the flat ln Is direction for ~50
   * iterations to end anywhere beyond e^25 max I. */
  double th1[2], s_gn = NAN;
  int inf_is = 0, have1 = 0;
  if (sat_conv && weak && Imax > 0) {
    if (done && done[GK_VSL_VSL1].ok && done[GK_VSL_VSL1].converged) {
      memcpy(th1, done[GK_VSL_VSL1].theta, sizeof th1);
      inf_is = 1;
    } else {
      gk_vsl_fit f1;
      gk_error e1;
      if (gk_vsl_fit_model(d, GK_VSL_VSL1, &f1, &e1) == GK_OK && f1.ok && f1.converged) {
        memcpy(th1, f1.theta, sizeof th1);
        inf_is = 1;
      }
      gk_vsl_fit_free(&f1);
    }
    have1 = inf_is;
    inf_is = inf_is && no_saturation_kkt(d, th1, &s_gn);
  }
  if (sat_conv && (weak || alpha_kkt(d, st))) {
    gk_param par[4];
    memcpy(par, prob->param, sizeof par);
    for (int j = 0; j < 4; j++) par[j].init = st[j];
    par[1].init = 0;
    par[1].fixed = 1;
    par[1].lo = -INFINITY;
    par[0].init = st[0] - st[1];
    /* sat may have run Is off to where e^{lnIs} overflows (the data show
     * no saturation at all); start at Is = e^30 max I instead, where
     * saturation is just as invisible but the model evaluates. */
    if (Imax > 0 && par[3].init > log(Imax) + 30) par[3].init = log(Imax) + 30;
    /* Beyond Is = e^40 max I (I/Is < 1e-17) the model is vsl1 to
     * rounding; the bound stops lnIs drifting towards overflow, where the
     * Jacobian can no longer be evaluated and the fit would be lost. */
    if (Imax > 0) par[3].hi = log(Imax) + 40;
    if (inf_is) {
      par[0].init = th1[0];
      par[2].init = th1[1];
      par[3].init = log(Imax) + 30;
    } else if (have1 && s_gn > 0 && -log(s_gn) < par[3].init) {
      /* finite Is, nearer than sat's (fitted in L, where the flat
       * direction lies elsewhere): start at the Gauss-Newton estimate */
      par[0].init = th1[0];
      par[2].init = th1[1];
      par[3].init = -log(s_gn);
    }
    prob->param = par;
    prob->starts = NULL;
    prob->n_starts = 0;
    int frc = gk_fit(prob, opt, best, err);
    /* A local minimum at the bound only: the global search below decides
     * (alpha_kkt is a local condition; far from alpha = 0 a much lower
     * minimum can exist, e.g. a plateau reached at long stripes). */
    if (frc == GK_OK && best->converged && (weak || alpha_kkt(d, best->value))) {
      cand0 = *best;
      have0 = 1;
    } else if (frc == GK_OK) {
      gk_fit_result_free(best);
    }
    memset(best, 0, sizeof *best);
    prob->param = NULL;
  }
  /* A neighbour's answer (spectral runs) replaces the data-derived starts;
   * the caller falls back to them when it does not converge. */
  if (warm) {
    memcpy(st, warm, 4 * sizeof *st);
    ns = 1;
    ng = 0;
  }
  /* guesses: [0..2] generic, [3..] plateau; plateau ones first when the
   * data flatten at the long stripes */
  size_t n = d->n;
  int flat = n >= 4 && d->intensity[n - 1] > 0 && d->intensity[n - 3] > 0 && d->intensity[n / 2] > 0 && d->intensity[0] > 0 &&
             log(d->intensity[n - 1] / d->intensity[n - 3]) / (d->L[n - 1] - d->L[n - 3]) <
               0.3 * log(d->intensity[n / 2] / d->intensity[0]) / (d->L[n / 2] - d->L[0]);
  for (int pass = 0; pass < 2; pass++)
    for (size_t k = 0; k < ng; k++)
      if ((k >= 3) == (pass == 0 ? flat : !flat)) memcpy(st + 4 * ns++, guess + 4 * k, 4 * sizeof *st);
  gk_param par[4];
  memcpy(par, prob->param ? prob->param : orig, sizeof par);
  prob->param = par;
  prob->starts = NULL;
  prob->n_starts = 0;
  double yy = 0;
  for (size_t i = 0; i < n; i++) yy += d->intensity[i] / gk_vsl_sig_I_(d, i) * (d->intensity[i] / gk_vsl_sig_I_(d, i));
  /* the grid's basins first, then the local starts (at most 5 of them) */
  double all[(8 + 5) * 4];
  size_t na = warm ? 0 : satexact_grid_starts(d, all, 8);  /* warm: the caller ran the data-derived search */
  for (size_t k = 0; k < ns && k < 5; k++) memcpy(all + 4 * na++, st + 4 * k, 4 * sizeof *st);
  /* The engine's multi-start policy (src/fit/structured.h), in its
   * lowest-chi2 form: every start runs (a start wandering towards the
   * model's limits at infinity says nothing about the others), the lowest
   * chi2 wins, and a converged fit is preferred unless a non-converged one
   * (sinking towards a limit at infinity) is lower beyond rounding. (A
   * converged fit replaces a non-converged one only when its chi2 is not
   * higher beyond rounding: a local minimum found after a start that sank
   * lower towards a limit at infinity is no optimum — seen on nearly
   * linear data, A/(gamma Is) = 1, gamma L = 0.5: converged 12.56 had
   * replaced the valley's 11.68.) */
  double lnI0 = log(Imax > 0 ? Imax : 1);
  gk_ms_policy pol = {.agree = 0, .agree_rel = 1e-6, .agree_abs = 1e-24 * yy, .target = INFINITY,
                      .max_wander = 0, .lowest_chi2 = 2};
  gk_ms ms;
  gk_ms_begin(&ms, &pol);
  int rc = GK_EDOM;
  for (size_t k = 0; k < na; k++) {
    gk_fit_result r;
    memset(&r, 0, sizeof r);
    int lim = 0;
    double hl[8];
    int frc = sx_start(d, prob, par, opt, lnI0, all + 4 * k, yy, &r, &lim, hl, err);
    if (frc == GK_EUSAGE || frc == GK_ENOMEM) {
      if (rc == GK_OK) gk_fit_result_free(best);
      rc = frc;
      break;
    }
    if (frc != GK_OK) continue;
    if (gk_ms_record(&ms, k, 1, r.converged, r.chi2, r.n_iter >= opt->max_iter)) {
      if (rc == GK_OK) gk_fit_result_free(best);
      *best = r;
      best->best_start = k;
      rc = GK_OK;
      *limit = lim;
      if (lim) memcpy(hlim, hl, sizeof hl);
    } else {
      gk_fit_result_free(&r);
    }
  }
  if (rc == GK_EUSAGE || rc == GK_ENOMEM) {
    if (have0) gk_fit_result_free(&cand0);
    return rc;
  }
  gk_error_clear(err);
  if (have0) {
    /* alpha = 0 (the simpler answer) unless the search found a lower chi2
     * by more than rounding-level differences (also when that search did
     * not converge: its chi2 still sinks towards a limit at infinity, and
     * alpha = 0 is then no optimum; the fit is reported as not converged,
     * not as the higher minimum) */
    if (gk_ms_prefer(&ms, na, cand0.converged, cand0.chi2)) {
      if (rc == GK_OK) gk_fit_result_free(best);
      *limit = 0;
      *best = cand0;
      rc = GK_OK;
    } else {
      gk_fit_result_free(&cand0);
    }
  }
  return rc;
}
