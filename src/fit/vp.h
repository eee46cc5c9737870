/* vp.h — variable projection of linear amplitudes on a fixed dictionary of
 * basis columns, for scoring starting values without a fit: the Gram
 * matrix G = B^T W B (entries on first use) and projections b = B^T W y are computed once; the
 * least-squares chi2 of any subset S of columns is then
 *     chi2(S) = y^T W y - b_S^T G_SS^-1 b_S
 * from a |S| x |S| Cholesky factorisation, with no workspace allocation. */
#ifndef GK_FIT_VP_H
#define GK_FIT_VP_H

#include <stddef.h>

typedef struct gk_vp_dict {
  size_t nb, ntr, n;  /* columns, traces (right-hand sides with their own weights), points */
  const double *basis, *w;  /* the caller's, kept alive while the dictionary is used */
  double *G;        /* (ntr with weights, else 1) x nb x nb, filled on first use */
  unsigned char *done;
  double *b;        /* ntr x nb */
  double *yy;       /* ntr */
} gk_vp_dict;

/* basis: nb columns of n values each (column c at basis + c*n); y: ntr
 * traces of n values; w: ntr*n weights 1/sigma^2 or NULL (all 1).
 * Returns 0, or -1 when out of memory. */
int gk_vp_dict_init(gk_vp_dict *v, const double *basis, size_t nb, size_t n, const double *y,
                    const double *w, size_t ntr);
void gk_vp_dict_free(gk_vp_dict *v);

/* Total chi2 over the traces of the best linear combination of the k
 * (<= 8) columns cols; INFINITY when those columns are linearly dependent
 * to 1e-12 (relative pivot of the Cholesky factorisation). */
double gk_vp_chi2(const gk_vp_dict *v, const size_t *cols, size_t k);

#endif
