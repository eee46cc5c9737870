/* gainkit/dfb.h — a DFB grating etched into a layer of a thin-film stack:
 * its coupling coefficients from the guided mode (gk_dfb_kappa,
 * gainkit/cavity.h), the self-consistent Bragg wavelength of a period, the
 * lowest mode's threshold, and a threshold map over period and duty cycle.
 *
 * The grating layer j is a rectangular grating between the layer's own index
 * (fraction `duty` of the period) and `n_fill`; the unperturbed guide has the
 * period-averaged permittivity there. A grating shallower than its layer
 * (`depth_nm` > 0) is the top depth_nm of the layer (etched from the cover
 * side) as a sub-layer of its own. The coupling follows Kogelnik & Shank,
 * J. Appl. Phys. 1972; the second-order radiation coupling zeta (TE) Kazarinov
 * & Henry, IEEE J. Quantum Electron. 1985. */
#ifndef GAINKIT_DFB_H
#define GAINKIT_DFB_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/modes.h"
#include "gainkit/stack.h"
#include "gainkit/cavity.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* The grating: which layer, its shape and the mode it couples. */
typedef struct gk_dfb_grating {
  size_t layer;     /* index of the grating layer in the stack (interior: not the substrate or the cover) */
  double n_fill;    /* index filling the grooves */
  double duty;      /* fraction of the period at the layer's own index, (0, 1) */
  int order;        /* Bragg order, 1 or 2 */
  gk_pol pol;       /* GK_TE or GK_TM: the fundamental mode of this polarisation */
  double depth_nm;  /* grating depth; 0: the whole layer */
} gk_dfb_grating;

/* What gk_dfb_grating_coupling found. */
typedef enum {
  GK_DFB_COUPLED = 0,      /* kappa, kappa_gain, neff, confinement, zeta set */
  GK_DFB_NO_MODE = 1,      /* no guided mode of that polarisation: the other fields are left as they were */
  GK_DFB_NO_COMPONENT = 2  /* the duty cycle has no order-th Fourier component (no coupling): neff,
                            * confinement set, zeta 0, kappa left as it was */
} gk_dfb_status;

typedef struct gk_dfb_coupling {
  gk_dfb_status status;
  double wavelength_nm;   /* where it was evaluated (the Bragg wavelength for gk_dfb_grating_bragg) */
  double kappa;           /* index coupling, cm^-1, signed (its sign is the grating's phase) */
  double kappa_gain;      /* gain coupling, cm^-1, from the imaginary part of the layer's permittivity
                           * (Kogelnik-Shank sign: > 0 when the teeth have more gain); 0 unless COUPLED */
  double neff;            /* effective index of the mode with the grating layer averaged */
  double confinement;     /* the mode's confinement in the grating layer (region with depth_nm) */
  double _Complex zeta;   /* second-order (TE) radiation coupling, cm^-1; 0 otherwise */
} gk_dfb_coupling;

/* Resolve a grating in a loaded stack: finds the layer `layer_name` (name or
 * 1-based position; interior layers only) into g->layer, checks depth_nm
 * against its thickness, and sets *wavelength_nm to the stack's
 * wavelength_nm when it is not positive (NaN included). Errors (GK_EUSAGE)
 * name the field: "grating_layer", "depth", "wavelength" (no wavelength in
 * either place). Checks in this order. */
int gk_dfb_grating_prepare(const gk_stack *s, const char *layer_name, gk_dfb_grating *g, double *wavelength_nm,
                           gk_error *err);

/* Coupling of the grating at wavelength_nm: c->status says what was found
 * (fields not computed are left as the caller set them). Returns GK_OK or a
 * library error (the guide, the mode solver). */
int gk_dfb_grating_coupling(const gk_stack *s, const gk_dfb_grating *g, double wavelength_nm, gk_dfb_coupling *c,
                            gk_error *err);

/* The same at the Bragg wavelength of period_nm, self-consistent with
 * n_eff(lambda): lambda = 2 n_eff(lambda) period / order, fixed-point
 * iteration from wl0_nm (at most 30 steps, to 1e-9 relative).
 * c->wavelength_nm is NaN when no mode was found during the iteration. */
int gk_dfb_grating_bragg(const gk_stack *s, const gk_dfb_grating *g, double period_nm, double wl0_nm,
                         gk_dfb_coupling *c, gk_error *err);

/* Threshold modal power gain 2 alpha / L (cm^-1) of the lowest mode of a
 * grating of length len_cm without facet reflections (radiation coupling zeta,
 * cm^-1, included: gk_dfb_threshold_rad); NaN when |kappa L| is outside
 * [1e-6, 50] or no mode is found. *delta_L (may be NULL) gets its detuning. */
double gk_dfb_lowest_threshold(double kappa, double kappa_gain, double _Complex zeta, double len_cm,
                               double *delta_L);

/* One cell of a threshold map. */
typedef struct gk_dfb_map_cell {
  double period_nm, duty;
  gk_dfb_coupling c;        /* at the cell's Bragg wavelength */
  double threshold_gain;    /* lowest mode, cm^-1, radiation included; NaN where there is none */
} gk_dfb_map_cell;

/* Threshold map of the lowest mode over nperiod periods evenly spaced over
 * period_nm[0..1] (one: the first) and nduty duty cycles over duty[0..1],
 * each period at its self-consistent Bragg wavelength from wl0_nm; g->duty
 * is ignored. cells has nperiod * nduty entries, duty-major
 * (cells[d * nperiod + p]). Returns GK_OK or the first library error. */
int gk_dfb_map(const gk_stack *s, const gk_dfb_grating *g, const double period_nm[2], size_t nperiod,
               const double duty[2], size_t nduty, double wl0_nm, double len_cm, gk_dfb_map_cell *cells,
               gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif

#endif
