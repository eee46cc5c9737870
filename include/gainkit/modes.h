/* gainkit/modes.h — guided modes of planar multilayer waveguides.
 *
 * Geometry: layers 0..n-1 from top to bottom; layer 0 (cover) and layer n-1
 * (substrate) are semi-infinite. x is the depth in nm, 0 at the top of
 * layer 1 (the cover/first-film interface), increasing downwards. Fields vary
 * as exp(i(beta z - omega t)) with beta = k0 n_eff, so a complex index n + ik
 * with k > 0 absorbs and Im(n_eff) > 0 means modal loss.
 *
 * Dispersion relation: the transfer matrix of (psi, psi'/p) across each
 * layer, psi = E_y, p = 1 (TE) or psi = H_y, p = eps (TM), with fields
 * decaying as exp(-gamma |x|) in cover and substrate, gamma = k0
 * sqrt(n_eff^2 - eps) on the principal branch (Re gamma > 0: guided, not
 * leaky). All roots in the search box are found by the argument principle
 * (contour integration of F'/F on the complex n_eff plane, recursive
 * subdivision) and refined by Newton's method; see docs/modes.md.
 *
 * Confinement Gamma_j is the fraction of integral |E|^2 dx in layer j
 * (TE: |E_y|^2; TM: |E_x|^2 + |E_z|^2). Modal power loss alpha = 4 pi
 * Im(n_eff)/lambda (cm^-1).
 */
#ifndef GAINKIT_MODES_H
#define GAINKIT_MODES_H

/* Only the _Complex keyword here, never <complex.h>: that header defines a
 * macro `I`, which would break every includer with a field or variable of
 * that name (vsl.h, vpi.h: intensities). */
#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/progress.h"
#include "gainkit/stack.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef enum { GK_TE = 0, GK_TM = 1 } gk_pol;
enum { GK_MODES_TE = 1, GK_MODES_TM = 2, GK_MODES_BOTH = 3 };

/* A waveguide at one wavelength. */
typedef struct gk_guide {
  size_t nlayers;
  double _Complex *index;   /* n + ik per layer */
  double *thickness_nm;     /* per layer; entries 0 and n-1 unused */
  double wavelength_nm;
} gk_guide;

/* Range limits, checked by gk_guide_init (and so by every solve and sweep)
 * before any work: outside them the contour and cutoff scans have no
 * bounded cost (a 1e200 index or a 4.9e-324 nm wavelength used to make the
 * scans run forever). wavelength in [GK_MODES_WL_MIN_NM, GK_MODES_WL_MAX_NM];
 * |n + ik| of every layer in [GK_MODES_INDEX_MIN, GK_MODES_INDEX_MAX];
 * a finite layer's thickness 0 or in [GK_MODES_THICK_MIN_NM,
 * GK_MODES_THICK_MAX_NM]; the optical thickness sum_j |n_j| d_j of the
 * finite layers at most GK_MODES_MAX_OPTICAL wavelengths (about twice that
 * many guided modes per polarisation: 200 wavelengths take ~2 s, the cost
 * grows faster than quadratically beyond). */
#define GK_MODES_WL_MIN_NM 1.0
#define GK_MODES_WL_MAX_NM 1e6
#define GK_MODES_INDEX_MIN 1e-6
#define GK_MODES_INDEX_MAX 1e3
#define GK_MODES_THICK_MIN_NM 1e-6
#define GK_MODES_THICK_MAX_NM 1e7
#define GK_MODES_MAX_OPTICAL 200.0
/* The cutoff scan (gk_modes_cutoff_nm) takes at most this many steps. */
#define GK_MODES_MAX_SCAN 1000000

/* Build from arrays (copied); nlayers >= 2. GK_EUSAGE outside the range
 * limits above (the message names the layer and the field). */
int gk_guide_init(gk_guide *g, size_t nlayers, const double *n, const double *k,
                  const double *thickness_nm, double wavelength_nm, gk_error *err);
/* Build from a stack at a wavelength (materials evaluated there). */
int gk_guide_from_stack(gk_guide *g, const gk_stack *s, double wavelength_nm, gk_error *err);
void gk_guide_free(gk_guide *g);

/* The dispersion function F(n_eff) whose zeros are the guided modes. */
double _Complex gk_modes_dispersion(const gk_guide *g, gk_pol pol, double _Complex neff);

typedef struct gk_mode {
  gk_pol pol;
  int order;                /* 0, 1, ... by decreasing Re(n_eff) within pol */
  double _Complex neff;
  double loss_cm;           /* 4 pi Im(neff)/lambda */
  double *confinement;      /* nlayers fractions of |E|^2, summing to 1 */
} gk_mode;

typedef struct gk_modes {
  size_t n;
  gk_mode *mode;            /* TE modes first, then TM */
  size_t nlayers;
  int converged;            /* 0 if part of the search failed */
  long evaluations;         /* dispersion-function evaluations used */
} gk_modes;

/* All guided modes of the requested polarisations (GK_MODES_TE|TM).
 * Returns GK_OK even when converged == 0 (what was found is kept). */
int gk_modes_find(const gk_guide *g, int pols, gk_modes *out, gk_error *err);
void gk_modes_free(gk_modes *m);

/* |E|^2 of a mode at depths x_nm[0..nx-1], normalised so that the integral
 * over all x is 1 (unit nm^-1). Also the analytic per-layer integrals
 * (what confinement is made of) for the same normalisation, when
 * layer_power != NULL (nlayers entries). */
int gk_mode_field(const gk_guide *g, const gk_mode *m, const double *x_nm, size_t nx,
                  double *E2, double *layer_power, gk_error *err);

/* ---- helpers ------------------------------------------------------------- */
double gk_modes_loss_cm(double _Complex neff, double wavelength_nm);
/* DFB grating period of Bragg order m: Lambda = m lambda / (2 Re n_eff). */
double gk_modes_dfb_period_nm(int m, double wavelength_nm, double neff);
/* Critical TIR angle asin(n_clad/n_wg) and modal (Bragg-reflection) angle
 * asin(n_eff/n_wg), degrees [Ahn et al., Chem. Rev. 2023, Eq. 14, 15]; NAN when undefined. */
double gk_modes_critical_angle_deg(double n_clad, double n_wg);
double gk_modes_modal_angle_deg(double neff, double n_wg);
/* Thickness of `layer` at which the mode `order` of polarisation pol reaches
 * cutoff (Re n_eff -> the larger cladding index), using the real parts of
 * the indices; 0 if that mode has no cutoff. Searched up to max_nm in steps
 * of wavelength/(40 n_layer); GK_ELIMIT when that is more than
 * GK_MODES_MAX_SCAN steps. */
int gk_modes_cutoff_nm(const gk_guide *g, gk_pol pol, size_t layer, int order, double max_nm,
                       double *d_nm, gk_error *err);

/* ---- sweeps -------------------------------------------------------------- */
typedef struct gk_sweep_point {
  double thickness_nm;      /* NAN when no layer is swept */
  double wavelength_nm;
  int found[2];             /* TE0, TM0 exists */
  double _Complex neff[2];
  double gamma_active[2], loss_cm[2], net_gain[2];
} gk_sweep_point;

/* Fundamental TE and TM modes over a grid: thickness of `layer` (-1: none;
 * then nthick must be 0) times wavelengths (nwl == 0: the stack's or
 * default_wavelength_nm). out has max(nthick,1)*max(nwl,1) points, thickness
 * varying slowest. net_gain = Gamma_active * material_gain - loss. Points
 * are independent and computed in parallel (OpenMP) with identical results
 * for any thread count. *converged is cleared if any point failed.
 * GK_ECANCELLED when progress asked to stop (the points are then undefined). */
int gk_modes_sweep(const gk_stack *s, int layer, const double *thick, size_t nthick,
                   const double *wl, size_t nwl, double default_wavelength_nm,
                   double material_gain, gk_sweep_point *out, int *converged,
                   const gk_progress *progress, gk_error *err);

/* Sweep options. continuation = 0: gk_modes_sweep (the full search at
 * every point). continuation = 1: along each chain of points (the thickness
 * at one wavelength; a wavelength-only sweep is one chain) Newton's method
 * starts from the previous points' n_eff (linear extrapolation). A
 * continued zero counts as the fundamental mode when the continuation is
 * smooth (small step, Newton correction under a quarter of the predicted
 * change) or, otherwise, when the argument principle finds no zero with a
 * larger Re n_eff in the full search's region ("certified"); else that
 * point gets the full search. The full search also runs every check_every
 * points (0: 32) and at each chain's last point, and a segment whose
 * continuation disagrees with it there is recomputed with the full search
 * at every point (docs/modes.md). The n_eff equal independent full solves
 * to Newton's tolerance (~1e-14 relative), with the same results for any
 * number of threads. The counters are filled in: full searches, continued
 * points, segments redone, continued points that needed the certificate. */
typedef struct gk_modes_sweep_opts {
  int continuation;
  size_t check_every;
  size_t full_solves, newton_solves, redone_segments, certified;
} gk_modes_sweep_opts;

int gk_modes_sweep_ex(const gk_stack *s, int layer, const double *thick, size_t nthick,
                      const double *wl, size_t nwl, double default_wavelength_nm,
                      double material_gain, gk_sweep_point *out, int *converged,
                      gk_modes_sweep_opts *opts, const gk_progress *progress, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
