/* gainkit/trpl.h — time-resolved photoluminescence at several fluences,
 * fitted globally with the ABC recombination model.
 *
 * After an excitation short against the decay, the carrier density obeys
 *     dN/dt = -k1 N - k2 N^2 - k3 N^3,   N(0) = N0 = F A / (h nu d)
 * (Goldberg et al., Adv. Mater. 2024, Eq. 1-3; Tatarinov et al., Adv. Opt.
 * Mater. 2023, Fig. 3), and the PL is proportional to k2 N^2. With N0 known
 * in absolute units for every fluence, the shapes of the decays fix k1, k2
 * and k3; the PL scale (collection efficiency) is eliminated per decay by
 * linear least squares (variable projection), or shared by all decays.
 * Units: time s, density cm^-3, k1 s^-1, k2 cm^3 s^-1, k3 cm^6 s^-1.
 */
#ifndef GAINKIT_TRPL_H
#define GAINKIT_TRPL_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/fit.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

#define GK_TRPL_MAX_DECAYS 16

typedef struct gk_trpl_data {
  size_t n;              /* time points (shared by all decays), t >= 0 */
  const double *t;       /* s */
  size_t ndecay;
  const double *pl;      /* ndecay*n, decay d at pl[d*n + q] */
  const double *n0;      /* ndecay initial densities, cm^-3 */
} gk_trpl_data;

typedef struct gk_trpl_options {
  double k1, k2, k3;     /* starting values (0 = automatic) */
  int fix_k1, fix_k2, fix_k3;
  int shared_scale;      /* one PL scale for every decay (absolute intensities comparable) */
  gk_fit_options fit;
} gk_trpl_options;

void gk_trpl_options_default(gk_trpl_options *o);

typedef struct gk_trpl_result {
  double k1, k2, k3, k1_se, k2_se, k3_se;
  double scale[GK_TRPL_MAX_DECAYS];
  double *fit;           /* ndecay*n model */
  double chi2_red;
  size_t dof;
  int converged;
  char reason[160];
} gk_trpl_result;

/* Fit (relative weights: each decay spans decades, so the residuals are
 * taken on log PL — points with PL <= 0 are left out). */
int gk_trpl_fit(const gk_trpl_data *d, const gk_trpl_options *o, gk_trpl_result *r, gk_error *err);
void gk_trpl_result_free(gk_trpl_result *r);

/* N(t) of the ABC model for N(0) = n0 at times t[0..n-1] >= 0 (GSL
 * rk8pd, relative tolerance 1e-10). */
int gk_trpl_density(double k1, double k2, double k3, double n0, const double *t, size_t n, double *out);

/* Mean number of charged excitons per dot from the zero-delay amplitude of
 * the normalised single-exciton decay, q(0) = exp(-<n_e>) (Ahn et al.,
 * Chem. Rev. 2023, Fig. 13b). NaN unless 0 < q0 <= 1. */
double gk_trpl_charged_occupancy(double q0);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
