/* Variable projection on a dictionary of basis columns (src/fit/vp.h).
 * Gram entries are computed on first use: a greedy search over a grid of
 * nb columns touches O(nb * k) of the nb^2 pairs. */
#include "fit/vp.h"

#include <math.h>
#include <stdlib.h>

int gk_vp_dict_init(gk_vp_dict *v, const double *basis, size_t nb, size_t n, const double *y,
                    const double *w, size_t ntr)
{
  v->nb = nb;
  v->ntr = ntr;
  v->n = n;
  v->basis = basis;
  v->w = w;
  /* without weights one Gram matrix serves every trace */
  const size_t ng = w ? ntr : 1;
  v->G = calloc(ng * nb * nb, sizeof *v->G);
  v->done = calloc(ng * nb * nb, sizeof *v->done);
  v->b = calloc(ntr * nb, sizeof *v->b);
  v->yy = calloc(ntr, sizeof *v->yy);
  if (!v->G || !v->done || !v->b || !v->yy) {
    gk_vp_dict_free(v);
    return -1;
  }
  for (size_t k = 0; k < ntr; k++) {
    const double *yk = y + k * n, *wk = w ? w + k * n : NULL;
    double *b = v->b + k * nb, yy = 0;
    for (size_t j = 0; j < n; j++) yy += (wk ? wk[j] : 1.0) * yk[j] * yk[j];
    v->yy[k] = yy;
    for (size_t c = 0; c < nb; c++) {
      const double *bc = basis + c * n;
      double s = 0;
      if (wk)
        for (size_t j = 0; j < n; j++) s += wk[j] * bc[j] * yk[j];
      else
        for (size_t j = 0; j < n; j++) s += bc[j] * yk[j];
      b[c] = s;
    }
  }
  return 0;
}

void gk_vp_dict_free(gk_vp_dict *v)
{
  free(v->G);
  free(v->done);
  free(v->b);
  free(v->yy);
  v->G = v->b = v->yy = NULL;
  v->done = NULL;
}

/* Gram entry (c, d) of trace t, computed on first use. */
static double gram(const gk_vp_dict *v, size_t t, size_t c, size_t d)
{
  const size_t g = v->w ? t : 0, nb = v->nb, ix = g * nb * nb + c * nb + d;
  if (!v->done[ix]) {
    const double *bc = v->basis + c * v->n, *bd = v->basis + d * v->n;
    const double *wk = v->w ? v->w + t * v->n : NULL;
    double s = 0;
    if (wk)
      for (size_t j = 0; j < v->n; j++) s += wk[j] * bc[j] * bd[j];
    else
      for (size_t j = 0; j < v->n; j++) s += bc[j] * bd[j];
    const size_t ix2 = g * nb * nb + d * nb + c;
    v->G[ix] = v->G[ix2] = s;
    v->done[ix] = v->done[ix2] = 1;
  }
  return v->G[ix];
}

#define VP_MAXK 8
#define VP_PIVOT 1e-12

double gk_vp_chi2(const gk_vp_dict *v, const size_t *cols, size_t k)
{
  if (k > VP_MAXK) return INFINITY;
  double total = 0;
  for (size_t t = 0; t < v->ntr; t++) {
    const double *b = v->b + t * v->nb;
    double L[VP_MAXK][VP_MAXK], z[VP_MAXK];
    /* G_SS = L L^T; then b^T G^-1 b = |L^-1 b|^2 */
    for (size_t i = 0; i < k; i++) {
      for (size_t j = 0; j <= i; j++) {
        double s = gram(v, t, cols[i], cols[j]);
        for (size_t m = 0; m < j; m++) s -= L[i][m] * L[j][m];
        if (i == j) {
          if (!(s > VP_PIVOT * gram(v, t, cols[i], cols[i]))) return INFINITY;
          L[i][i] = sqrt(s);
        } else {
          L[i][j] = s / L[j][j];
        }
      }
      double s = b[cols[i]];
      for (size_t m = 0; m < i; m++) s -= L[i][m] * z[m];
      z[i] = s / L[i][i];
    }
    double proj = 0;
    for (size_t i = 0; i < k; i++) proj += z[i] * z[i];
    total += fmax(v->yy[t] - proj, 0.0);
  }
  return total;
}
