/* Variable projection on a dictionary of basis columns (src/fit/vp.h). */
#include "fit/vp.h"

#include <math.h>
#include <stdlib.h>

int gk_vp_dict_init(gk_vp_dict *v, const double *basis, size_t nb, size_t n, const double *y,
                    const double *w, size_t ntr)
{
  v->nb = nb;
  v->ntr = ntr;
  v->G = calloc(ntr * nb * nb, sizeof *v->G);
  v->b = calloc(ntr * nb, sizeof *v->b);
  v->yy = calloc(ntr, sizeof *v->yy);
  if (!v->G || !v->b || !v->yy) {
    gk_vp_dict_free(v);
    return -1;
  }
  for (size_t k = 0; k < ntr; k++) {
    const double *yk = y + k * n, *wk = w ? w + k * n : NULL;
    double *G = v->G + k * nb * nb, *b = v->b + k * nb, yy = 0;
    for (size_t j = 0; j < n; j++) yy += (wk ? wk[j] : 1.0) * yk[j] * yk[j];
    v->yy[k] = yy;
    for (size_t c = 0; c < nb; c++) {
      const double *bc = basis + c * n;
      double s = 0;
      for (size_t j = 0; j < n; j++) s += (wk ? wk[j] : 1.0) * bc[j] * yk[j];
      b[c] = s;
      for (size_t d = 0; d <= c; d++) {
        const double *bd = basis + d * n;
        double g = 0;
        for (size_t j = 0; j < n; j++) g += (wk ? wk[j] : 1.0) * bc[j] * bd[j];
        G[c * nb + d] = G[d * nb + c] = g;
      }
    }
  }
  return 0;
}

void gk_vp_dict_free(gk_vp_dict *v)
{
  free(v->G);
  free(v->b);
  free(v->yy);
  v->G = v->b = v->yy = NULL;
}

#define VP_MAXK 8
#define VP_PIVOT 1e-12

double gk_vp_chi2(const gk_vp_dict *v, const size_t *cols, size_t k)
{
  if (k > VP_MAXK) return INFINITY;
  double total = 0;
  for (size_t t = 0; t < v->ntr; t++) {
    const double *G = v->G + t * v->nb * v->nb, *b = v->b + t * v->nb;
    double L[VP_MAXK][VP_MAXK], z[VP_MAXK];
    /* G_SS = L L^T; then b^T G^-1 b = |L^-1 b|^2 */
    for (size_t i = 0; i < k; i++) {
      for (size_t j = 0; j <= i; j++) {
        double s = G[cols[i] * v->nb + cols[j]];
        for (size_t m = 0; m < j; m++) s -= L[i][m] * L[j][m];
        if (i == j) {
          if (!(s > VP_PIVOT * G[cols[i] * v->nb + cols[i]])) return INFINITY;
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
