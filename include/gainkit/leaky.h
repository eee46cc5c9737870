/* gainkit/leaky.h — leaky and Bragg-reflection modes of planar stacks.
 *
 * A leaky mode has Re n_eff below the cover and/or substrate index and
 * radiates into that half-space: its field grows away from the stack there,
 * so it is a zero of the same transfer-matrix dispersion function as the
 * guided modes (gainkit/modes.h) with that cladding's square root on the
 * improper sheet, gamma = -k0 sqrt(n_eff^2 - eps) (Re gamma < 0). The search
 * uses the same argument-principle contour counting and Newton refinement,
 * in boxes Re n_eff in [neff_min, max cladding index), Im n_eff in (0,
 * im_max], split at the cladding branch points so that each box lies on one
 * sheet; for Im n_eff > 0 and x > 0 the boxes never meet a branch cut of a
 * cladding with real (or metallic, Re eps < 0) permittivity.
 *
 * Loss: total alpha = 4 pi Im(n_eff)/lambda. The leakage part is Im(n_eff)
 * of the same stack with every Im(eps) scaled to zero (the zero followed by
 * Newton continuation in 16 steps; |Im| below 1e-13 |n_eff|, the Newton
 * tolerance, is reported as 0); absorption = total - leakage. The split is
 * exact when either part is zero and first-order otherwise.
 *
 * Bragg-reflection modes (Yeh & Yariv, Opt. Commun. 1976; West & Helmy,
 * J. Opt. Soc. Am. B 2006): the stack's longest periodic run (a layer group
 * repeated at least 3 times, e.g. a `repeat:` DBR) is a 1-D photonic crystal;
 * a mode is a Bragg mode when |half trace| of the period's transfer matrix
 * at Re n_eff exceeds 1 (inside a stop band) while Re n_eff lies below every
 * index of the period (the field propagates, rather than decays, in every
 * DBR layer: confinement by Bragg reflection, not by TIR).
 *
 * Confinement of a leaky mode: fractions of integral |E|^2 over the layers,
 * with a radiating half-space (growing field) excluded from the integral.
 */
#ifndef GAINKIT_LEAKY_H
#define GAINKIT_LEAKY_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/modes.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef struct gk_leaky_mode {
  gk_pol pol;
  double _Complex neff;
  double loss_cm;          /* 4 pi Im(neff)/lambda */
  double leak_cm;          /* leakage part; NAN when the lossless continuation failed */
  double absorption_cm;    /* loss_cm - leak_cm; NAN with leak_cm */
  int radiates_cover, radiates_substrate;
  int bragg;               /* inside a stop band of the periodic section, below its indices */
  double half_trace;       /* of the period matrix at Re neff; NAN when there is no periodic section */
  double *confinement;     /* nlayers; radiating half-spaces 0 */
} gk_leaky_mode;

typedef struct gk_leaky_modes {
  size_t n;
  gk_leaky_mode *mode;     /* TE first, then TM; by decreasing Re n_eff */
  size_t nlayers;
  int converged;
  long evaluations;
  /* periodic section found in the stack (periods == 0: none) */
  size_t dbr_first, dbr_cell, dbr_periods;
} gk_leaky_modes;

/* Leaky modes with neff_min <= Re n_eff < the larger cladding index and
 * 0 < Im n_eff <= im_max. neff_min in (0, ...), im_max > 0. */
int gk_modes_find_leaky(const gk_guide *g, int pols, double neff_min, double im_max, gk_leaky_modes *out,
                        gk_error *err);
void gk_leaky_modes_free(gk_leaky_modes *m);

/* Longest periodic run of interior layers (cell of 1..8 layers repeated
 * >= 3 times, equal index and thickness): returns periods (0: none). */
size_t gk_guide_periodic(const gk_guide *g, size_t *first, size_t *cell);
/* Half trace of the transfer matrix of `cell` layers from `first` at a real
 * n_eff (real parts of the indices): |.| > 1 inside a stop band. */
double gk_guide_cell_half_trace(const gk_guide *g, size_t first, size_t cell, gk_pol pol, double neff);

/* |E|^2 of a leaky mode at depths x_nm (same normalisation as its
 * confinement; growing radiating half-spaces are evaluated as they are). */
int gk_leaky_field(const gk_guide *g, const gk_leaky_mode *m, const double *x_nm, size_t nx, double *E2,
                   gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
