/* lm_dense.h — the engine's own small dense Levenberg–Marquardt driver
 * (gk_fit_options.method = GK_FIT_LM_DENSE).
 *
 * The same iteration as GSL's gsl_multifit_nlinear trust region with the
 * "lm" subproblem and the QR linear solver (Nielsen's damping update,
 * Moré/Marquardt/Levenberg scaling, at most 15 rejected trials per
 * iteration, GSL's xtol/gtol tests), on plain arrays in one allocation:
 * for problems of a few parameters (VSL's 2–4) GSL's workspace,
 * vector/matrix views and BLAS calls cost more than the arithmetic.
 * J = Q R is factored once per iteration; each damping trial then only
 * reduces the 2p x p matrix [R; sqrt(mu) D] (Moré 1978), O(p^3).
 *
 * Internal to src/fit: fit.c's run_start drives it like GSL's workspace. */
#ifndef GK_FIT_LM_DENSE_H
#define GK_FIT_LM_DENSE_H

#include <stddef.h>

/* f(x) -> f[n] (always succeeds: a failed model gives huge residuals);
 * df(x) -> J[n*p] row-major, non-zero when the Jacobian cannot be had. */
typedef void (*gk_lmd_f_fn)(const double *x, double *f, void *ctx);
typedef int (*gk_lmd_df_fn)(const double *x, double *J, void *ctx);

typedef struct gk_lmd {
  size_t n, p;
  int scale;            /* 0 Moré, 1 Marquardt, 2 Levenberg (gk_fit_options.scale) */
  gk_lmd_f_fn f;
  gk_lmd_df_fn df;
  void *ctx;
  double mu;
  long nu;
  double normf;         /* ||fx||, kept with fx */
  size_t nevalf, nevaldf;
  /* n-sized */
  double *fx, *ft, *qtf;
  /* n*p */
  double *J, *A;
  /* p-sized */
  double *x, *xt, *dx, *g, *D;
  double *rhs;          /* 2p */
  /* 2p*p */
  double *M;
} gk_lmd;

/* NULL when out of memory. */
gk_lmd *gk_lmd_alloc(size_t n, size_t p);
void gk_lmd_free(gk_lmd *w);
/* Evaluate f and J at x0 and set up the damping. Returns 0, or -1 when
 * the Jacobian cannot be evaluated. */
int gk_lmd_init(gk_lmd *w, const double *x0, gk_lmd_f_fn f, gk_lmd_df_fn df, void *ctx, int scale);
/* One iteration: trials until one lowers ||f|| (0), or more than 15 in a
 * row are rejected (GK_LMD_NOPROG), or the Jacobian at the accepted point
 * cannot be evaluated (GK_LMD_EJAC; x and f stay at the previous point). */
enum { GK_LMD_NOPROG = 1, GK_LMD_EJAC = 2 };
int gk_lmd_iterate(gk_lmd *w);
/* GSL's gsl_multifit_nlinear_test: 1 (info 1: |dx_i| < xtol^2 + xtol |x_i|,
 * info 2: max |g_i| max(x_i, 1) <= gtol max(||f||^2/2, 1)) or 0. */
int gk_lmd_test(const gk_lmd *w, double xtol, double gtol, int *info);

/* Householder QR in place of A (m x p row-major, m >= p): R in the upper
 * triangle, the reflectors' tails below it, their first elements in vk and
 * v^T v in vtv (p each; 0 for a zero column: no reflection). */
void gk_qr_decomp(double *A, size_t m, size_t p, double *vk, double *vtv);
/* b (m) <- Q^T b with gk_qr_decomp's factors. */
void gk_qr_qtvec(const double *A, size_t m, size_t p, const double *vk, const double *vtv, double *b);

/* Largest condition bound ||R||_F ||R^-1||_F (>= the 2-norm condition
 * number smax/smin, as ||A||_2 <= ||A||_F) of a column-scaled R for which
 * the engine takes the covariance (R^T R)^-1 = R^-1 R^-T and the
 * Gauss-Newton refinement step -R^-1 Q^T f from R^-1 instead of an SVD of
 * R (Golub & Van Loan, Matrix Computations, 4th ed., Johns Hopkins
 * University Press 2013, ISBN 978-1-4214-0794-4). The SVD decides rank at
 * smin <= 1e-13 smax (cond >= 1e13, fit.c/finish.c RCOND_ANALYTIC); under
 * a bound of 1e8 its answer is "full rank" with five decades to spare, far
 * beyond its own rounding (~eps smax in each singular value), so both
 * paths decide the same, and their numbers agree to ~cond eps.
 * Worse-conditioned R, and so every rank decision and every "weakest
 * parameter" report, still go through the SVD. A 3 x 3 SVD was 9 k of a
 * 30-point vsl2 fit's 107 k instructions. */
#define GK_TRI_MAXCOND 1e8

/* R^-1 of the upper triangle of A (nf x nf leading block, row stride nf)
 * into Ri (nf x nf, row-major, upper; lower part zeroed) by back
 * substitution, column by column. Returns 1 when R is nonsingular with
 * ||R||_F ||R^-1||_F <= GK_TRI_MAXCOND, else 0 (then Ri is scratch). */
int gk_tri_inverse(const double *A, size_t nf, double *Ri);

/* Entry (a, b) of (R^T R)^-1 = R^-1 R^-T from gk_tri_inverse's Ri: the
 * product of rows a and b of the upper R^-1 (the covariance of the dense
 * driver and of the finisher on their R^-1 path). */
static inline double gk_tri_gram(const double *Ri, size_t nf, size_t a, size_t b)
{
  double s = 0;
  for (size_t m = a > b ? a : b; m < nf; m++) s += Ri[a * nf + m] * Ri[b * nf + m];
  return s;
}

#endif
