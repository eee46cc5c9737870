/* The engine's small dense Levenberg–Marquardt driver (lm_dense.h).
 *
 * Same iteration as GSL's gsl_multifit_nlinear_trust with trs = lm,
 * solver = QR (multifit_nlinear/trust.c, lm.c, nielsen.c, scale.c,
 * convergence.c): step dx from min ||[J; sqrt(mu) D] dx + [f; 0]||, accepted
 * when rho = actual / predicted reduction > 0; mu from Nielsen's rule
 * (accept: mu *= max(1/3, 1 - (2 rho - 1)^3), reject: mu *= nu, nu *= 2),
 * mu0 = 1e-3 max_j (|J_j| / D_j)^2; D by Moré (D_j = max(D_j, |J_j|)),
 * Marquardt (|J_j|) or Levenberg (1). It differs from GSL only in
 * arithmetic order (QR without column pivoting; the damping trials reduce
 * [R; sqrt(mu) D] instead of GSL's MINPACK qrsolv), so both reach the same
 * optimum to rounding; tests/unit/test_nist.c certifies both. */
#include "fit/lm_dense.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

gk_lmd *gk_lmd_alloc(size_t n, size_t p)
{
  if (n == 0 || p == 0 || n < p) return NULL;
  gk_lmd *w = calloc(1, sizeof *w);
  double *b = malloc((3 * n + 2 * n * p + 7 * p + 2 * p * p) * sizeof *b);
  if (!w || !b) {
    free(w);
    free(b);
    return NULL;
  }
  w->n = n;
  w->p = p;
  w->fx = b; b += n;
  w->ft = b; b += n;
  w->qtf = b; b += n;
  w->J = b; b += n * p;
  w->A = b; b += n * p;
  w->x = b; b += p;
  w->xt = b; b += p;
  w->dx = b; b += p;
  w->g = b; b += p;
  w->D = b; b += p;
  w->rhs = b; b += 2 * p;
  w->M = b;
  return w;
}

void gk_lmd_free(gk_lmd *w)
{
  if (!w) return;
  free(w->fx); /* the one block starts at fx (J and A may have been swapped) */
  free(w);
}

/* ||v||, scaled as BLAS dnrm2 so that residuals near 1e200 do not overflow.
 * One pass for the maximum and the plain sum of squares (the same sum, in
 * the same order, as the former second pass); the scaled pass only when
 * the maximum is out of the safe range. */
static double nrm2(const double *v, size_t n)
{
  double mx = 0, s = 0;
  for (size_t i = 0; i < n; i++) {
    double a = fabs(v[i]);
    if (a > mx) mx = a;
    s += v[i] * v[i];
  }
  if (mx == 0 || !isfinite(mx)) return mx;
  if (mx > 1e150 || mx < 1e-150) {
    s = 0;
    for (size_t i = 0; i < n; i++) {
      double a = v[i] / mx;
      s += a * a;
    }
    return mx * sqrt(s);
  }
  return sqrt(s);
}

/* Householder QR in place of A (m x p, row-major, m >= p): R in the upper
 * triangle, the reflectors' tails below it; b (m, may be NULL) <- Q^T b as
 * it goes; vk, vtv (p, may be NULL) receive each reflector's first element
 * and v^T v (0 where column k needed none), for gk_qr_qtvec. The one
 * Householder loop of the engine: qr_apply (the dense driver's steps) and
 * gk_qr_decomp (fit.c's covariance R-SVD) are this with NULLs. */
static inline void qr_core(double *A, size_t m, size_t p, double *b, double *vk, double *vtv)
{
  for (size_t k = 0; k < p; k++) {
    double s = 0;
    for (size_t i = k; i < m; i++) s += A[i * p + k] * A[i * p + k];
    if (vk) vk[k] = vtv[k] = 0;
    if (s == 0) continue;
    const double akk = A[k * p + k], nrm = sqrt(s);
    const double alpha = akk > 0 ? -nrm : nrm;
    const double v0 = akk - alpha, vv = s - akk * akk + v0 * v0;
    if (!(vv > 0)) continue;
    A[k * p + k] = v0;
    for (size_t j = k + 1; j < p; j++) {
      double d = 0;
      for (size_t i = k; i < m; i++) d += A[i * p + k] * A[i * p + j];
      d = 2 * d / vv;
      for (size_t i = k; i < m; i++) A[i * p + j] -= d * A[i * p + k];
    }
    if (b) {
      double d = 0;
      for (size_t i = k; i < m; i++) d += A[i * p + k] * b[i];
      d = 2 * d / vv;
      for (size_t i = k; i < m; i++) b[i] -= d * A[i * p + k];
    }
    A[k * p + k] = alpha;
    if (vk) vk[k] = v0, vtv[k] = vv;
  }
}

/* The same loop with p a constant for the common small sizes (the
 * compiler unrolls the column loops; the same operations in the same
 * order). */
static void qr_apply(double *A, size_t m, size_t p, double *b)
{
  switch (p) {
  case 2: qr_core(A, m, 2, b, NULL, NULL); break;
  case 3: qr_core(A, m, 3, b, NULL, NULL); break;
  case 4: qr_core(A, m, 4, b, NULL, NULL); break;
  default: qr_core(A, m, p, b, NULL, NULL); break;
  }
}

/* The gradient g = J^T f and the column norms of J into D by the scaling
 * rule (init: D set from the norms), in one pass over J: each sum in the
 * same order as separate passes would form it. nj (p, may be NULL)
 * receives the column norms before the zero-norm floor. */
enum { LMD_SMALLP = 8 };
/* g += J^T f, ss += column sums of squares (called with p a constant for
 * the common sizes, so the column loop unrolls) */
static inline void gd_sums(const double *J, const double *f, size_t n, size_t p, double *g, double *ss)
{
  for (size_t i = 0; i < n; i++) {
    const double fi = f[i], *Ji = J + i * p;
    for (size_t j = 0; j < p; j++) {
      g[j] += Ji[j] * fi;
      ss[j] += Ji[j] * Ji[j];
    }
  }
}
static void gradient_diag(gk_lmd *w, int init, double *nj)
{
  const size_t n = w->n, p = w->p;
  double ss[LMD_SMALLP], *g = w->g;
  if (p > LMD_SMALLP) {
    for (size_t j = 0; j < p; j++) g[j] = 0;
    for (size_t i = 0; i < n; i++) {
      const double fi = w->fx[i], *Ji = w->J + i * p;
      for (size_t j = 0; j < p; j++) g[j] += Ji[j] * fi;
    }
    for (size_t j = 0; j < p; j++) {
      double s = 0;
      for (size_t i = 0; i < n; i++) s += w->J[i * p + j] * w->J[i * p + j];
      double v = sqrt(s);
      if (nj) nj[j] = v;
      if (v == 0) v = 1;
      if (w->scale == 2) w->D[j] = 1;
      else if (w->scale == 1 || init) w->D[j] = v;
      else w->D[j] = fmax(w->D[j], v);
    }
    return;
  }
  for (size_t j = 0; j < p; j++) g[j] = ss[j] = 0;
  switch (p) {
  case 2: gd_sums(w->J, w->fx, n, 2, g, ss); break;
  case 3: gd_sums(w->J, w->fx, n, 3, g, ss); break;
  default: gd_sums(w->J, w->fx, n, p, g, ss); break;
  }
  for (size_t j = 0; j < p; j++) {
    double v = sqrt(ss[j]);
    if (nj) nj[j] = v;
    if (v == 0) v = 1;
    if (w->scale == 2) w->D[j] = 1;
    else if (w->scale == 1 || init) w->D[j] = v;
    else w->D[j] = fmax(w->D[j], v);
  }
}

int gk_lmd_init(gk_lmd *w, const double *x0, gk_lmd_f_fn f, gk_lmd_df_fn df, void *ctx, int scale)
{
  const size_t n = w->n, p = w->p;
  w->f = f;
  w->df = df;
  w->ctx = ctx;
  w->scale = scale;
  w->nevalf = w->nevaldf = 0;
  memcpy(w->x, x0, p * sizeof *x0);
  memset(w->dx, 0, p * sizeof *w->dx);
  f(w->x, w->fx, ctx);
  w->nevalf++;
  w->normf = nrm2(w->fx, n);
  if (df(w->x, w->J, ctx) != 0) return -1;
  w->nevaldf++;
  /* Nielsen: mu0 = 1e-3 max_j (|J_j| / D_j)^2 (the norms before the
   * zero floor, as a separate pass over J gave them) */
  double nbuf[LMD_SMALLP], *nj = p <= LMD_SMALLP ? nbuf : NULL;
  gradient_diag(w, 1, nj);
  double mx = 0;
  for (size_t j = 0; j < p; j++) {
    double sj;
    if (nj) sj = nj[j];
    else {
      double s = 0;
      for (size_t i = 0; i < n; i++) s += w->J[i * p + j] * w->J[i * p + j];
      sj = sqrt(s);
    }
    double r = sj / w->D[j];
    if (r > mx) mx = r;
  }
  w->mu = 1e-3 * mx * mx;
  w->nu = 2;
  return 0;
}

/* dx from [R; sqrt(mu) D] dx = [-Q^T f; 0] (R, qtf: the iteration's QR of
 * J in A). -1 when the damped matrix is singular (mu D underflowed). */
static int damped_step(gk_lmd *w)
{
  const size_t p = w->p;
  double *M = w->M, *rb = w->rhs, *r = w->dx;
  const double sm = sqrt(w->mu);
  for (size_t k = 0; k < p; k++) {
    for (size_t j = 0; j < p; j++) M[k * p + j] = j >= k ? w->A[k * p + j] : 0;
    for (size_t j = 0; j < p; j++) M[(p + k) * p + j] = j == k ? sm * w->D[k] : 0;
    rb[k] = -w->qtf[k];
    rb[p + k] = 0;
  }
  qr_apply(M, 2 * p, p, rb);
  for (size_t k = p; k-- > 0;) {
    double s = rb[k];
    for (size_t j = k + 1; j < p; j++) s -= M[k * p + j] * r[j];
    const double d = M[k * p + k];
    if (d == 0 || !isfinite(s)) {
      for (size_t j = 0; j < p; j++) r[j] = INFINITY; /* no step: never "small" */
      return -1;
    }
    r[k] = s / d;
  }
  return 0;
}

int gk_lmd_iterate(gk_lmd *w)
{
  const size_t n = w->n, p = w->p;
  /* J = Q R once per iteration; the damping trials reuse it */
  memcpy(w->A, w->J, n * p * sizeof *w->A);
  memcpy(w->qtf, w->fx, n * sizeof *w->qtf);
  qr_apply(w->A, n, p, w->qtf);
  const double normf = w->normf; /* ||f|| at x (init, or the accepted trial's) */
  int bad = 0;
  for (;;) {
    double rho = -1, normft = 0;
    /* ||f|| = 0: no step can lower it (GSL rejects every trial too) */
    if (normf > 0 && damped_step(w) == 0) {
      for (size_t j = 0; j < p; j++) w->xt[j] = w->x[j] + w->dx[j];
      w->f(w->xt, w->ft, w->ctx);
      w->nevalf++;
      normft = nrm2(w->ft, n);
      if (normft < normf) {
        /* |J dx| = |R dx| */
        double sj = 0, sd = 0;
        for (size_t k = 0; k < p; k++) {
          double s = 0;
          for (size_t j = k; j < p; j++) s += w->A[k * p + j] * w->dx[j];
          sj += s * s;
          double dd = w->D[k] * w->dx[k];
          sd += dd * dd;
        }
        const double u = normft / normf, actual = 1 - u * u;
        const double pred = sj / (normf * normf) + 2 * w->mu * sd / (normf * normf);
        if (pred > 0) rho = actual / pred;
      }
    } else if (normf == 0) {
      return GK_LMD_NOPROG;
    }
    if (rho > 0) {
      /* the Jacobian at the accepted point into A (scratch), then swapped
       * in: on failure J, x and f stay those of the previous point */
      if (w->df(w->xt, w->A, w->ctx) != 0) return GK_LMD_EJAC;
      w->nevaldf++;
      double *t = w->J;
      w->J = w->A;
      w->A = t;
      memcpy(w->x, w->xt, p * sizeof *w->x);
      memcpy(w->fx, w->ft, n * sizeof *w->fx);
      w->normf = normft;
      gradient_diag(w, 0, NULL);
      double b = 2 * rho - 1;
      b = 1 - b * b * b;
      w->mu *= b > 1.0 / 3.0 ? b : 1.0 / 3.0;
      w->nu = 2;
      return 0;
    }
    w->mu *= (double)w->nu;
    w->nu <<= 1;
    if (++bad > 15) return GK_LMD_NOPROG;
  }
}

int gk_lmd_test(const gk_lmd *w, double xtol, double gtol, int *info)
{
  const size_t p = w->p;
  *info = 0;
  int ok = 1;
  for (size_t j = 0; j < p && ok; j++) ok = fabs(w->dx[j]) < xtol * xtol + xtol * fabs(w->x[j]);
  if (ok) {
    *info = 1;
    return 1;
  }
  double gn = 0;
  for (size_t j = 0; j < p; j++) {
    double t = fabs(fmax(w->x[j], 1.0) * w->g[j]);
    if (t > gn) gn = t;
  }
  const double fn = w->normf, phi = 0.5 * fn * fn;
  if (gn <= gtol * fmax(phi, 1.0)) {
    *info = 2;
    return 1;
  }
  return 0;
}

void gk_qr_decomp(double *A, size_t m, size_t p, double *vk, double *vtv) { qr_core(A, m, p, NULL, vk, vtv); }

void gk_qr_qtvec(const double *A, size_t m, size_t p, const double *vk, const double *vtv, double *b)
{
  for (size_t k = 0; k < p; k++) {
    if (!(vtv[k] > 0)) continue;
    double d = vk[k] * b[k];
    for (size_t i = k + 1; i < m; i++) d += A[i * p + k] * b[i];
    d = 2 * d / vtv[k];
    b[k] -= d * vk[k];
    for (size_t i = k + 1; i < m; i++) b[i] -= d * A[i * p + k];
  }
}

int gk_tri_inverse(const double *A, size_t nf, double *Ri)
{
  double rr = 0, ii = 0;
  for (size_t k = 0; k < nf; k++) {
    const double rkk = A[k * nf + k];
    if (!(rkk != 0) || !isfinite(rkk)) return 0;
    for (size_t j = k; j < nf; j++) rr += A[k * nf + j] * A[k * nf + j];
    for (size_t i = k + 1; i < nf; i++) Ri[i * nf + k] = 0;
    Ri[k * nf + k] = 1.0 / rkk;
    for (size_t i = k; i-- > 0;) {
      double s = 0;
      for (size_t m = i + 1; m <= k; m++) s += A[i * nf + m] * Ri[m * nf + k];
      Ri[i * nf + k] = -s / A[i * nf + i];
    }
    for (size_t i = 0; i <= k; i++) ii += Ri[i * nf + k] * Ri[i * nf + k];
  }
  return rr * ii <= GK_TRI_MAXCOND * GK_TRI_MAXCOND;
}
