/* chol.c — dense Cholesky for small SPD systems (chol.h).
 *
 * Row-oriented: each entry of L is a contiguous dot product of two rows of
 * L. At the sizes the structured solvers need (n ~ 50-350: VPI's W and
 * globals block) it is a few times cheaper than gsl_linalg_cholesky_decomp1
 * over the reference CBLAS (GSL's blocked form calls dtrsm/dsyrk on small
 * panels); the result is GSL's layout. */
#include <math.h>

#include "fit/chol.h"

int gk_chol_decomp(double *S, size_t n, size_t tda)
{
  for (size_t i = 0; i < n; i++) {
    double *Li = S + i * tda;
    for (size_t j = 0; j <= i; j++) {
      const double *Lj = S + j * tda;
      /* four partial sums: the dot product pipelines without -ffast-math */
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      size_t k = 0;
      for (; k + 4 <= j; k += 4) {
        s0 += Li[k] * Lj[k], s1 += Li[k + 1] * Lj[k + 1];
        s2 += Li[k + 2] * Lj[k + 2], s3 += Li[k + 3] * Lj[k + 3];
      }
      for (; k < j; k++) s0 += Li[k] * Lj[k];
      double s = Li[j] - ((s0 + s1) + (s2 + s3));
      if (j < i) {
        Li[j] = s / Lj[j];
      } else {
        if (!(s > 0) || !isfinite(s)) return -1;
        Li[i] = sqrt(s);
      }
    }
  }
  return 0;
}

void gk_chol_solve(const double *S, size_t n, size_t tda, double *x)
{
  for (size_t i = 0; i < n; i++) {
    const double *Li = S + i * tda;
    double s = x[i];
    for (size_t k = 0; k < i; k++) s -= Li[k] * x[k];
    x[i] = s / Li[i];
  }
  for (size_t i = n; i-- > 0;) {
    double s = x[i];
    for (size_t k = i + 1; k < n; k++) s -= S[k * tda + i] * x[k];
    x[i] = s / S[i * tda + i];
  }
}
