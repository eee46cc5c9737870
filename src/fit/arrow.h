/* arrow.h — arrowhead normal equations of a structured least-squares
 * problem and their damped solve by a Schur complement: the engine's one
 * implementation for the structured solvers (src/vpi/fit.c, the VPI
 * interior fit; src/vpi/limit.c, its P1 -> 0 limit model). Internal to the
 * library.
 *
 * Unknowns: nb blocks of q (q = 1 or 2) parameters each (VPI: gamma_i,
 * alpha_i of one wavelength), coupled only through a "rest" of nr unknowns
 * (VPI: the per-pump W, nk of them, then the globals). The Gauss–Newton
 * normal equations have the arrowhead form
 *
 *     [ A_1          C_1 ] [x_1]   [b_1]
 *     [     ...      ... ] [...] = [...]
 *     [          A_nb C_nb] [x_nb]  [b_nb]
 *     [ C_1^T ...    M    ] [ z ]   [ br]
 *
 * (A_i q x q, C_i q x nr, M nr x nr). The problem fills A, b, C, M, br
 * (gk_arrow_zero, gk_arrow_add per residual, gk_arrow_hold for an unknown
 * held on its bound); gk_arrow_factor(lambda) factors the damped system:
 * with A_i = L_i L_i^T and K the stacked L_i^-1 C_i ((nb q) x nr), the
 * Schur complement is S = M - K^T K, formed by ONE symmetric rank-(nb q)
 * update (the BLAS-3 dsyrk form); gk_arrow_solve returns the step.
 *
 * Damping (Marquardt: lambda times the diagonal, plus lambda times a floor
 * of 1e-10 of the largest diagonal of the unknown's kind — block component
 * a; W; globals — so a ~0 diagonal near a limit of the model cannot take
 * an unbounded step):
 *   GK_ARROW_DAMP_ALL: every unknown damped; S is re-formed for every
 *     lambda (a damping trial costs the whole update);
 *   GK_ARROW_DAMP_REST: the blocks are eliminated undamped — the Schur
 *     complement S0 = M - K^T K is formed once per set of normal equations
 *     and each damping trial only adds lambda (diag M + floor) to its
 *     diagonal and re-factors the nr x nr system. While lambda exceeds
 *     lambda_switch, or when a block is not positive definite undamped,
 *     the trial falls back to GK_ARROW_DAMP_ALL (then a block step shrinks
 *     with lambda too, as LM needs far from a minimum). */
#ifndef GK_FIT_ARROW_H
#define GK_FIT_ARROW_H

#include <stddef.h>

enum { GK_ARROW_DAMP_ALL = 0, GK_ARROW_DAMP_REST = 1 };

typedef struct gk_arrow {
  size_t nb, q, nr, nk;  /* blocks, block size, rest size, rest unknowns of the first kind */
  /* the normal equations, filled by the problem */
  double *A, *b, *C;     /* nb q q, nb q, nb q nr (row a of block i: C + (i q + a) nr) */
  double *M, *br;        /* nr nr (upper triangle and diagonal: the lower one is never read), nr */
  int damp;              /* GK_ARROW_DAMP_* */
  double lambda_switch;  /* GK_ARROW_DAMP_REST: above it, every unknown is damped */
  /* private */
  double *Li, *K, *y;    /* nb q q: L_i^-1 (lower); nb q nr: L_i^-1 C_i; nb q: L_i^-1 b_i */
  double *S0, *S, *z, *G, *T;  /* nr nr, nr nr, nr, q nr, q nr */
  double bfloor[2], rfloor[2];
  int s0_ok;             /* S0 holds the undamped Schur complement of the current equations */
  int s0_tried;
} gk_arrow;

int gk_arrow_alloc(gk_arrow *a, size_t nb, size_t q, size_t nr, size_t nk);
void gk_arrow_free(gk_arrow *a);
/* All of A, b, C, M, br to 0 (new normal equations). */
void gk_arrow_zero(gk_arrow *a);

/* One residual r of block i with gradient th (q entries) in the block,
 * ph (kw entries) in the rest unknowns w0 .. w0 + kw - 1 and h (ng
 * entries) in the rest unknowns nk .. nk + ng - 1 (the globals). */
static inline __attribute__((always_inline)) void
gk_arrow_add_(gk_arrow *a, size_t i, size_t q, const double *th, size_t w0, size_t kw,
              const double *ph, size_t ng, const double *h, double r)
{
  const size_t nr = a->nr, nk = a->nk;
  double *A = a->A + i * q * q, *b = a->b + i * q, *C = a->C + i * q * nr;
  for (size_t s = 0; s < q; s++) {
    for (size_t e = 0; e < q; e++) A[s * q + e] += th[s] * th[e];
    b[s] += th[s] * r;
    for (size_t e = 0; e < kw; e++) C[s * nr + w0 + e] += th[s] * ph[e];
    for (size_t t = 0; t < ng; t++) C[s * nr + nk + t] += th[s] * h[t];
  }
  double *M = a->M;
  for (size_t s = 0; s < kw; s++) {
    for (size_t e = 0; e < kw; e++) M[(w0 + s) * nr + w0 + e] += ph[s] * ph[e];
    for (size_t t = 0; t < ng; t++) M[(w0 + s) * nr + nk + t] += ph[s] * h[t];
    a->br[w0 + s] += ph[s] * r;
  }
  for (size_t t = 0; t < ng; t++) {
    for (size_t e = t; e < ng; e++) M[(nk + t) * nr + nk + e] += h[t] * h[e];
    a->br[nk + t] += h[t] * r;
  }
}

/* The same with the common sizes as constants (the loops unrolled: the
 * hot loop of a VPI fit's assembly); identical arithmetic. */
static inline void gk_arrow_add(gk_arrow *a, size_t i, const double *th, size_t w0, size_t kw,
                                const double *ph, size_t ng, const double *h, double r)
{
  if (a->q == 2 && kw == 2 && ng == 4) gk_arrow_add_(a, i, 2, th, w0, 2, ph, 4, h, r);
  else if (a->q == 2 && kw == 2 && ng == 3) gk_arrow_add_(a, i, 2, th, w0, 2, ph, 3, h, r);
  else gk_arrow_add_(a, i, a->q, th, w0, kw, ph, ng, h, r);
}

/* Rest unknown w held (on its bound, or frozen): it leaves the system
 * (identity row and column in M, 0 in br and in every C_i). */
void gk_arrow_hold(gk_arrow *a, size_t w);

/* Factor the system damped by lambda (see above). 0, or -1 when the damped
 * system is not positive definite. lambda = 0 with GK_ARROW_DAMP_ALL: the
 * undamped linearisation (covariances). */
int gk_arrow_factor(gk_arrow *a, double lambda);

/* The solution of the last factored system: x (nb q, block by block) and
 * z (nr) (either may be NULL). */
void gk_arrow_solve(gk_arrow *a, double *x, double *z);

/* Covariances from the last factorisation (lambda = 0): the rest block
 * (J^T J)^-1 = S^-1, returned (nr x nr, both triangles; NULL when S is
 * singular); it overwrites the factor. Then per block i: cv (q x q) =
 * A_i^-1 + G_i S^-1 G_i^T with G_i = A_i^-1 C_i, and T (q x nr) =
 * G_i S^-1 (the block's covariance with the rest is -T). */
const double *gk_arrow_rest_inverse(gk_arrow *a);
/* The undamped linearisation (lambda = 0, every unknown's damping rule
 * ignored) factored and its rest block inverted: gk_arrow_factor(a, 0)
 * under GK_ARROW_DAMP_ALL then gk_arrow_rest_inverse, the covariance step
 * both VPI fits take; a->damp is left as it was. NULL when singular. */
const double *gk_arrow_cov_rest(gk_arrow *a);
void gk_arrow_block_cov(gk_arrow *a, size_t i, double *cv, const double **T);

/* The rank-k update S -= K^T K (upper triangle) of gk_arrow_factor, K
 * k x nr row-major: exposed for tests/unit/test_arrow.c, which checks it
 * against gsl_blas_dsyrk. */
void gk_arrow_syrk(double *S, const double *K, size_t k, size_t nr);

#endif
