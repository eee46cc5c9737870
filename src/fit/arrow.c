/* arrow.c — arrowhead normal equations and their damped Schur solve
 * (arrow.h, docs/fitting.md "Structured solvers"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "fit/arrow.h"
#include "fit/chol.h"

int gk_arrow_alloc(gk_arrow *a, size_t nb, size_t q, size_t nr, size_t nk)
{
  memset(a, 0, sizeof *a);
  a->nb = nb, a->q = q, a->nr = nr, a->nk = nk;
  a->damp = GK_ARROW_DAMP_ALL;
  a->lambda_switch = INFINITY;
  size_t nbq = nb * q > 0 ? nb * q : 1, nrr = nr > 0 ? nr : 1;
  a->A = malloc(nbq * q * sizeof(double)), a->b = malloc(nbq * sizeof(double));
  a->C = malloc(nbq * nrr * sizeof(double)), a->M = malloc(nrr * nrr * sizeof(double));
  a->br = malloc(nrr * sizeof(double)), a->Li = malloc(nbq * q * sizeof(double));
  a->K = malloc(nbq * nrr * sizeof(double)), a->y = malloc(nbq * sizeof(double));
  a->S0 = malloc(nrr * nrr * sizeof(double)), a->S = malloc(nrr * nrr * sizeof(double));
  a->z = malloc(nrr * sizeof(double)), a->G = malloc(q * nrr * sizeof(double));
  a->T = malloc(q * nrr * sizeof(double));
  if (!a->A || !a->b || !a->C || !a->M || !a->br || !a->Li || !a->K || !a->y || !a->S0 || !a->S ||
      !a->z || !a->G || !a->T) {
    gk_arrow_free(a);
    return -1;
  }
  return 0;
}

void gk_arrow_free(gk_arrow *a)
{
  free(a->A), free(a->b), free(a->C), free(a->M), free(a->br), free(a->Li), free(a->K);
  free(a->y), free(a->S0), free(a->S), free(a->z), free(a->G), free(a->T);
  memset(a, 0, sizeof *a);
}

void gk_arrow_zero(gk_arrow *a)
{
  size_t q = a->q, nr = a->nr;
  memset(a->A, 0, a->nb * q * q * sizeof(double));
  memset(a->b, 0, a->nb * q * sizeof(double));
  memset(a->C, 0, a->nb * q * nr * sizeof(double));
  memset(a->M, 0, nr * nr * sizeof(double));
  memset(a->br, 0, nr * sizeof(double));
  a->s0_ok = a->s0_tried = 0;
}

void gk_arrow_hold(gk_arrow *a, size_t w)
{
  size_t nr = a->nr;
  for (size_t e = 0; e < nr; e++) a->M[w * nr + e] = a->M[e * nr + w] = 0;
  a->M[w * nr + w] = 1;
  a->br[w] = 0;
  for (size_t k = 0; k < a->nb * a->q; k++) a->C[k * nr + w] = 0;
  a->s0_ok = a->s0_tried = 0;
}

/* S -= K^T K on the upper triangle, 8 rows of K at a time: S (nr^2, beyond
 * the L1 cache at 40 pumps) is streamed k / 8 times. Branch-free inner
 * loops over a row of S, vectorisable (restrict: S and K never overlap).
 * The same update as gsl_blas_dsyrk(CblasUpper, CblasTrans, -1, K, 1, S)
 * (tests/unit/test_arrow.c), 4-8 times cheaper than it over GSL's or the
 * reference CBLAS at nr = 84, k = 800 (docs/fitting.md). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__)
/* GCC's -O2 vectorises only loops without a remainder; this one has one.
 * An AVX2 clone is chosen at load time where the CPU has it (4 lanes
 * instead of SSE2's 2: 0.38 -> 0.23 ms per update at nr = 84, k = 800).
 * The arithmetic is the same in every clone (ISO C: no contraction into
 * FMA; no reduction across lanes), so the results are bit-identical. */
#define GK_VECTORISE                                                          \
  __attribute__((optimize("tree-loop-vectorize", "vect-cost-model=dynamic"), \
                 target_clones("avx2", "default")))
#elif defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#define GK_VECTORISE __attribute__((optimize("tree-loop-vectorize", "vect-cost-model=dynamic")))
#else
#define GK_VECTORISE
#endif
GK_VECTORISE
static void syrk(double *restrict S, const double *restrict K, size_t k, size_t nr)
{
  size_t t0 = 0;
  for (; t0 + 8 <= k; t0 += 8) {
    const double *restrict G0 = K + t0 * nr, *restrict G1 = G0 + nr, *restrict G2 = G1 + nr,
                 *restrict G3 = G2 + nr, *restrict G4 = G3 + nr, *restrict G5 = G4 + nr,
                 *restrict G6 = G5 + nr, *restrict G7 = G6 + nr;
    for (size_t a = 0; a < nr; a++) {
      double *restrict Srow = S + a * nr;
      const double c0 = G0[a], c1 = G1[a], c2 = G2[a], c3 = G3[a];
      const double c4 = G4[a], c5 = G5[a], c6 = G6[a], c7 = G7[a];
      for (size_t e = a; e < nr; e++)
        Srow[e] -= ((c0 * G0[e] + c1 * G1[e]) + (c2 * G2[e] + c3 * G3[e])) +
                   ((c4 * G4[e] + c5 * G5[e]) + (c6 * G6[e] + c7 * G7[e]));
    }
  }
  for (; t0 < k; t0++) {
    const double *restrict Gt = K + t0 * nr;
    for (size_t a = 0; a < nr; a++) {
      double *restrict Srow = S + a * nr;
      const double ct = Gt[a];
      for (size_t e = a; e < nr; e++) Srow[e] -= ct * Gt[e];
    }
  }
}

/* (the clones' load-time resolver stays local to this file: a static
 * kernel behind the library-internal name) */
void gk_arrow_syrk(double *S, const double *K, size_t k, size_t nr)
{
  syrk(S, K, k, nr);
}

/* L^-1 of the Cholesky factor of the block A (q = 1, 2) damped by lambda;
 * 0 when not positive definite (for q = 2: det <= 1e-15 a00 a11). */
static int block_factor(const double *A, size_t q, double lambda, const double *fl, double *Li)
{
  if (q == 1) {
    double d = A[0] * (1 + lambda) + lambda * fl[0] + 1e-300;
    if (!(d > 0) || !isfinite(d)) return 0;
    Li[0] = 1 / sqrt(d);
    return 1;
  }
  double a00 = A[0] * (1 + lambda) + lambda * fl[0] + 1e-300;
  double a11 = A[3] * (1 + lambda) + lambda * fl[1] + 1e-300, a10 = A[2];
  double det = a00 * a11 - a10 * A[1];
  if (!(a00 > 0) || !(det > 1e-15 * a00 * a11) || !isfinite(det)) return 0;
  double l00 = sqrt(a00), l10 = a10 / l00, l11 = sqrt(det / a00);
  Li[0] = 1 / l00, Li[1] = 0;
  Li[2] = -l10 / (l00 * l11), Li[3] = 1 / l11;
  return 1;
}

/* S0 = M - K^T K with the blocks damped by lambda; 0, or -1 when a block
 * is not positive definite. */
static int form(gk_arrow *a, double lambda)
{
  size_t q = a->q, nr = a->nr;
  a->s0_ok = 0;
  for (size_t i = 0; i < a->nb; i++) {
    double *Li = a->Li + i * q * q, *K = a->K + i * q * nr, *y = a->y + i * q;
    const double *C = a->C + i * q * nr, *b = a->b + i * q;
    if (!block_factor(a->A + i * q * q, q, lambda, a->bfloor, Li)) return -1;
    if (q == 1) {
      for (size_t e = 0; e < nr; e++) K[e] = Li[0] * C[e];
      y[0] = Li[0] * b[0];
      continue;
    }
    const double l00 = Li[0], l10 = Li[2], l11 = Li[3];
    double *restrict K0 = K, *restrict K1 = K + nr;
    const double *C0 = C, *C1 = C + nr;
    for (size_t e = 0; e < nr; e++) {
      K0[e] = l00 * C0[e];
      K1[e] = l10 * C0[e] + l11 * C1[e];
    }
    y[0] = l00 * b[0], y[1] = l10 * b[0] + l11 * b[1];
  }
  memcpy(a->S0, a->M, nr * nr * sizeof(double));
  syrk(a->S0, a->K, a->nb * q, nr);  /* the Schur complement: one rank-(nb q) update */
  return 0;
}

int gk_arrow_factor(gk_arrow *a, double lambda)
{
  size_t q = a->q, nr = a->nr;
  /* the floors: 1e-10 of the largest diagonal per kind */
  a->bfloor[0] = a->bfloor[1] = a->rfloor[0] = a->rfloor[1] = 0;
  for (size_t k = 0; k < a->nb * q; k++)
    a->bfloor[k % q] = fmax(a->bfloor[k % q], 1e-10 * a->A[(k / q) * q * q + (k % q) * (q + 1)]);
  for (size_t e = 0; e < nr; e++)
    a->rfloor[e >= a->nk] = fmax(a->rfloor[e >= a->nk], 1e-10 * a->M[e * nr + e]);
  int rest = a->damp == GK_ARROW_DAMP_REST && lambda <= a->lambda_switch;
  if (rest && !a->s0_tried) {
    a->s0_tried = 1;
    a->s0_ok = form(a, 0) == 0;
  }
  if (!rest || !a->s0_ok) {
    if (form(a, lambda) != 0) return -1;
  }
  memcpy(a->S, a->S0, nr * nr * sizeof(double));
  for (size_t e = 0; e < nr; e++) {
    a->S[e * nr + e] += lambda * (a->M[e * nr + e] + a->rfloor[e >= a->nk]);
    /* An unknown whose Jacobian column is 0 (M_ee = 0, hence its C column,
     * row of S0 and br_e are 0 too: e.g. the limit model's globals where
     * no pump has ASE) takes no step. Its kind's floor is 0 when every
     * unknown of the kind is such, and S_ee = 0 then failed the
     * factorisation at every damping; 1 decouples it (z_e = 0, nothing
     * else changes). Only for steps: at lambda = 0 (the covariance) such an
     * unknown is undetermined and the factorisation fails, as it must. */
    if (lambda > 0 && a->M[e * nr + e] == 0) a->S[e * nr + e] = 1;
  }
  if (!rest) a->s0_tried = 1;  /* K and S0 are the damped ones now: not reusable */
  for (size_t r = 0; r < nr; r++)
    for (size_t e = 0; e < r; e++) a->S[r * nr + e] = a->S[e * nr + r];
  return gk_chol_decomp(a->S, nr, nr);  /* GSL's layout: gk_arrow_rest_inverse inverts it */
}

void gk_arrow_solve(gk_arrow *a, double *x, double *z)
{
  size_t q = a->q, nr = a->nr, nbq = a->nb * q;
  double *zz = a->z;
  memcpy(zz, a->br, nr * sizeof(double));
  for (size_t k = 0; k < nbq; k++) {
    const double *Kk = a->K + k * nr, yk = a->y[k];
    for (size_t e = 0; e < nr; e++) zz[e] -= Kk[e] * yk;
  }
  gk_chol_solve(a->S, nr, nr, zz);
  if (x) {
    for (size_t i = 0; i < a->nb; i++) {
      const double *Li = a->Li + i * q * q, *K = a->K + i * q * nr, *y = a->y + i * q;
      double t[2];
      for (size_t s = 0; s < q; s++) {
        double v = y[s];
        const double *Ks = K + s * nr;
        for (size_t e = 0; e < nr; e++) v -= Ks[e] * zz[e];
        t[s] = v;
      }
      if (q == 1) {
        x[i] = Li[0] * t[0];
      } else {  /* L^-T t */
        x[2 * i] = Li[0] * t[0] + Li[2] * t[1];
        x[2 * i + 1] = Li[3] * t[1];
      }
    }
  }
  if (z) memcpy(z, zz, nr * sizeof(double));
}

const double *gk_arrow_rest_inverse(gk_arrow *a)
{
  gsl_matrix_view Sv = gsl_matrix_view_array(a->S, a->nr, a->nr);
  return gsl_linalg_cholesky_invert(&Sv.matrix) == GSL_SUCCESS ? a->S : NULL;
}

const double *gk_arrow_cov_rest(gk_arrow *a)
{
  int damp = a->damp;
  a->damp = GK_ARROW_DAMP_ALL;  /* lambda = 0: the undamped linearisation */
  int ok = gk_arrow_factor(a, 0) == 0;
  a->damp = damp;
  return ok ? gk_arrow_rest_inverse(a) : NULL;
}

void gk_arrow_block_cov(gk_arrow *a, size_t i, double *cv, const double **T)
{
  size_t q = a->q, nr = a->nr;
  const double *Li = a->Li + i * q * q, *K = a->K + i * q * nr, *Si = a->S;
  double Ai[4];
  /* A^-1 = L^-T L^-1, G = A^-1 C = L^-T K */
  if (q == 1) {
    Ai[0] = Li[0] * Li[0];
    for (size_t e = 0; e < nr; e++) a->G[e] = Li[0] * K[e];
  } else {
    Ai[0] = Li[0] * Li[0] + Li[2] * Li[2];
    Ai[1] = Ai[2] = Li[2] * Li[3];
    Ai[3] = Li[3] * Li[3];
    for (size_t e = 0; e < nr; e++) {
      a->G[e] = Li[0] * K[e] + Li[2] * K[nr + e];
      a->G[nr + e] = Li[3] * K[nr + e];
    }
  }
  for (size_t s = 0; s < q; s++)
    for (size_t e = 0; e < nr; e++) {
      double v = 0;
      for (size_t t = 0; t < nr; t++) v += a->G[s * nr + t] * Si[t * nr + e];
      a->T[s * nr + e] = v;
    }
  for (size_t s = 0; s < q; s++)
    for (size_t e = 0; e < q; e++) {
      double v = Ai[s * q + e];
      for (size_t t = 0; t < nr; t++) v += a->T[s * nr + t] * a->G[e * nr + t];
      cv[s * q + e] = v;
    }
  *T = a->T;
}
