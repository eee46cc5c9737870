/* What the mode analyses report: guiding layer, layer at a depth, mode
 * profiles, the TE0 net-gain design numbers of a sweep (gainkit/modes.h). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>

#include "gainkit/modes.h"

size_t gk_modes_core_layer(const gk_guide *g, int active)
{
  size_t core = 1;
  for (size_t j = 1; j + 1 < g->nlayers; j++) if (creal(g->index[j]) > creal(g->index[core])) core = j;
  if (active > 0) core = (size_t)active;
  return core;
}

size_t gk_guide_layer_at(const gk_guide *g, double x)
{
  double top = 0;
  size_t j = 0;
  if (x >= 0) {
    j = 1;
    while (j + 1 < g->nlayers && x >= top + g->thickness_nm[j]) top += g->thickness_nm[j++];
  }
  return j;
}

void gk_modes_profiles_free(const gk_modes *m, double *x, double **E)
{
  free(x);
  for (size_t i = 0; E && i < m->n; i++) free(E[i]);
  free(E);
}

int gk_modes_profiles(const gk_guide *g, const gk_modes *m, size_t np, double **xo, double ***Eo, gk_error *err)
{
  double D = 0;
  for (size_t j = 1; j + 1 < g->nlayers; j++) D += g->thickness_nm[j];
  double margin = fmax(g->wavelength_nm / 2, D / 4);
  double *x = malloc(np * sizeof *x);
  double **E = calloc(m->n + 1, sizeof *E);
  if (!x || !E) {
    gk_modes_profiles_free(m, x, E);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t i = 0; i < np; i++) x[i] = -margin + (D + 2 * margin) * (double)i / (double)(np - 1);
  for (size_t i = 0; i < m->n; i++) {
    E[i] = malloc(np * sizeof *E[i]);
    int rc = E[i] ? gk_mode_field(g, &m->mode[i], x, np, E[i], NULL, err)
                  : gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    if (rc != GK_OK) {
      gk_modes_profiles_free(m, x, E);
      return rc;
    }
    double mx = 0;
    for (size_t k = 0; k < np; k++) mx = fmax(mx, E[i][k]);
    for (size_t k = 0; k < np; k++) E[i][k] /= mx > 0 ? mx : 1;
  }
  *xo = x;
  *Eo = E;
  return GK_OK;
}

void gk_modes_sweep_te0_gain(const gk_sweep_point *P, size_t np, double *from_nm, double *zero_nm)
{
  double dmin = NAN, gnet0 = NAN;
  for (size_t i = 0; i < np; i++)
    if (P[i].found[0] && P[i].net_gain[0] > 0) { dmin = P[i].thickness_nm; break; }
  for (size_t i = 1; i < np && gnet0 != gnet0; i++)
    if (P[i - 1].found[0] && P[i].found[0] && P[i - 1].net_gain[0] <= 0 && P[i].net_gain[0] > 0)
      gnet0 = P[i - 1].thickness_nm + (0 - P[i - 1].net_gain[0]) * (P[i].thickness_nm - P[i - 1].thickness_nm) /
                                        (P[i].net_gain[0] - P[i - 1].net_gain[0]);
  *from_nm = dmin;
  *zero_nm = gnet0;
}
