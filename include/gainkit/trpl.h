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
#include "gainkit/io.h"
#include "gainkit/fit.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

#define GK_TRPL_MAX_DECAYS 16

/* Recombination model.
 *   ABC   dN/dt = -k1 N - k2 N^2 - k3 N^3, PL ~ k2 N^2 (Goldberg et al.,
 *         Adv. Mater. 2024, Eq. 1-3).
 *   TRAP  trap-assisted recombination through NT deep electron traps
 *         (Stranks et al., Phys. Rev. Applied 2014; the trap-filling picture
 *         of Tatarinov et al., Adv. Opt. Mater. 2023, Fig. 3b-d):
 *           dn_e/dt = -k2 n_e n_h - kT n_e (NT - n_t)
 *           dn_t/dt =  kT n_e (NT - n_t) - kD n_t n_h
 *           n_h     =  n_e + n_t   (charge neutrality, traps empty at t = 0)
 *         n_e(0) = n_h(0) = N0, PL ~ k2 n_e n_h. kT (cm^3 s^-1) captures
 *         electrons into empty traps, kD (cm^3 s^-1) empties them by
 *         recombination with free holes. While N0 << NT the decay is
 *         mono-exponential with rate kT NT; once N0 exceeds NT the traps
 *         fill and the lifetime first lengthens, then shortens again by the
 *         bimolecular term: the lifetime maximum near N0 ~ NT is how
 *         Tatarinov et al. estimate NT (1.75e18 and 14.2e18 cm^-3 for their
 *         large- and small-grain films). */
typedef enum { GK_TRPL_ABC = 0, GK_TRPL_TRAP = 1 } gk_trpl_model;

/* Instrument response. NONE: t = 0 is the excitation (points before it must
 * be cut). GAUSS: the model PL, impulsively excited at t0, is convolved with
 * a Gaussian of FWHM fwhm (piecewise-linear PL convolved exactly). MEASURED:
 * convolved with a measured response (irf_t, irf_y; resampled linearly,
 * normalised to unit area, its centroid placed at t0). */
typedef enum { GK_TRPL_IRF_NONE = 0, GK_TRPL_IRF_GAUSS, GK_TRPL_IRF_MEASURED } gk_trpl_irf;

typedef struct gk_trpl_data {
  size_t n;              /* time points (shared by all decays), increasing;
                            t >= 0 without an IRF */
  const double *t;       /* s */
  size_t ndecay;
  const double *pl;      /* ndecay*n, decay d at pl[d*n + q] */
  const double *n0;      /* ndecay initial densities, cm^-3 */
} gk_trpl_data;

typedef struct gk_trpl_options {
  gk_trpl_model model;
  double k1, k2, k3;     /* starting values (0 = automatic); k2 also for TRAP */
  int fix_k1, fix_k2, fix_k3;
  double kt, kd, nt;     /* TRAP starting values (0 = automatic) */
  int fix_kd;
  int shared_scale;      /* one PL scale for every decay (absolute intensities comparable) */
  gk_trpl_irf irf;
  double fwhm;           /* GAUSS: start (s) */
  int fix_fwhm;
  const double *irf_t, *irf_y;   /* MEASURED: irf_n samples (s, any scale) */
  size_t irf_n;
  double t0;             /* IRF: time of the excitation (start, s) */
  int fix_t0;
  int profile;           /* profile-likelihood intervals of the free rates (and NT) */
  gk_fit_options fit;
} gk_trpl_options;

void gk_trpl_options_default(gk_trpl_options *o);

/* Parameters reported by index: 0 k1, 1 k2, 2 k3, 3 kT, 4 kD, 5 NT. */
#define GK_TRPL_NPAR 6
typedef struct gk_trpl_result {
  gk_trpl_model model;
  double k1, k2, k3, k1_se, k2_se, k3_se;
  double kt, kd, nt, kt_se, kd_se, nt_se;
  /* same values by index (GK_TRPL_NPAR); used[i] = 1 if the model has it,
   * fixed[i] = 1 if held */
  double val[GK_TRPL_NPAR], se[GK_TRPL_NPAR];
  int used[GK_TRPL_NPAR], fixed[GK_TRPL_NPAR];
  /* profile-likelihood 68 % interval (chi2 rises by chi2_red: the noise is
   * estimated from the residuals); the upper end NaN where the profile
   * stays below the level up to 1e4 times the value (not bounded), the
   * lower end 0 where it stays below down to 1e-4 times the value (all
   * parameters are >= 0) */
  int profiled;
  double prof_lo[GK_TRPL_NPAR], prof_hi[GK_TRPL_NPAR];
  double t0, t0_se, fwhm, fwhm_se;   /* IRF (s) */
  double scale[GK_TRPL_MAX_DECAYS];
  double *fit;           /* ndecay*n model (NaN at points not fitted) */
  size_t npoints;        /* residuals fitted */
  double chi2, chi2_red;
  size_t dof;
  int converged;
  char reason[160];
} gk_trpl_result;

/* Names and units of the parameters by index (for reports). */
const char *gk_trpl_param_name(int i);
const char *gk_trpl_param_unit(int i);

/* Fit (relative weights: each decay spans decades, so the residuals are
 * taken on log PL — points with PL <= 0 are left out; with an IRF also the
 * points earlier than 1.5 FWHM (start value) before the decay's maximum,
 * where only background is measured). */
int gk_trpl_fit(const gk_trpl_data *d, const gk_trpl_options *o, gk_trpl_result *r, gk_error *err);
void gk_trpl_result_free(gk_trpl_result *r);

/* ---- reading decays ----
 * A table of PL decays (gk_table_read, >= 4 rows): first column time (unit
 * in the header, "t (ns)", or time_unit when the header names none), then
 * ndecay PL columns; with ndecay = 0 the file of the degree-of-charging
 * analysis: exactly time, PL of the neutral sample, PL of the charged one
 * (pl holds neutral then charged). Times must increase, and without
 * allow_negative_time (no IRF) be >= 0. A time axis outside 1 fs .. 1 s
 * adds a note (gk_plausible_column). Errors (FILE:LINE, GK_EINPUT) name
 * the fields time_unit, irf_fwhm/irf and charging in backquotes. */
typedef struct gk_trpl_read_options {
  const char *time_unit;     /* NULL: the header must name it */
  size_t ndecay;             /* PL columns expected; 0: a charging file */
  const char *what;          /* what gave ndecay ("densities", "fluences"), for the message */
  int allow_negative_time;   /* an IRF is fitted: times before 0 allowed */
} gk_trpl_read_options;
typedef struct gk_trpl_table {
  size_t n, ndecay;
  double *t;                 /* n times, s */
  double *pl;                /* ndecay*n, decay d at pl[d*n + q] */
  int unit_from_option;      /* the time unit came from time_unit */
  gk_notes notes;            /* plausibility of the time axis (also kept after an error) */
} gk_trpl_table;
int gk_trpl_read(const char *path, const gk_trpl_read_options *o, gk_trpl_table *out, gk_error *err);
void gk_trpl_table_free(gk_trpl_table *t);

/* N(t) of the ABC model for N(0) = n0 at times t[0..n-1] >= 0 (GSL
 * rk8pd, relative tolerance 1e-10). */
int gk_trpl_density(double k1, double k2, double k3, double n0, const double *t, size_t n, double *out);

/* Mean number of charged excitons per dot from the zero-delay amplitude of
 * the normalised single-exciton decay, q(0) = exp(-<n_e>) (Ahn et al.,
 * Chem. Rev. 2023, Fig. 13b). NaN unless 0 < q0 <= 1. */
double gk_trpl_charged_occupancy(double q0);

/* Densities of the TRAP model at times t >= 0: ne[q], nt[q] (either may be
 * NULL); n_h = n_e + n_t. */
int gk_trpl_trap_density(double k2, double kt, double kd, double nt_total, double n0, const double *t,
                         size_t n, double *ne, double *ntrap);

/* The lifetime method of Tatarinov et al. (Adv. Opt. Mater. 2023, Fig. 3d):
 * tau[d] = the 1/e time of each decay (from its maximum to the first point
 * below max/e, log-linear interpolation; NaN if it never falls that far),
 * then the density at which tau(N0) is longest (vertex of the parabola in
 * log N0 through the longest lifetime and its neighbours) as the trap
 * density. *n_peak = NaN when the longest lifetime is at the lowest or the
 * highest N0 (the lifetime has not turned over: not determined). n0 must
 * increase. Returns GK_OK or GK_EUSAGE. */
int gk_trpl_lifetimes(const gk_trpl_data *d, double *tau, double *n_peak, gk_error *err);

/* Degree of charging from PL dynamics (Ahn et al., Chem. Rev. 2023,
 * Fig. 13b and Section 3.3.2): the PL of the neutral sample, scaled so
 * that its long-time tail matches the charged sample's (there only the
 * neutral dots of the charged sample still emit: charged excitons decay
 * fast), gives at zero delay the fraction of uncharged dots,
 *     q(0) = s N(t0) / C(t0),
 * t0 the maximum of the charged trace, and with Poisson-distributed extra
 * electrons <n_e> = -ln q(0). The scale s is the least-squares ratio
 * C ~ s N over tail_lo <= t <= tail_hi (>= 3 points); its standard error
 * from the tail residuals, and the zero-delay values' error from the
 * tail's relative scatter (C/(s N) - 1: conservative for additive noise),
 * give the errors of q(0) and <n_e>. q(0) >= 1 (no charged dots
 * seen): ne is NaN ("not determined"). Errors: GK_EINPUT (tail window
 * with < 3 points, non-positive signals), GK_EUSAGE (bad window). */
typedef struct gk_trpl_charging {
  double scale, scale_se;  /* s */
  double t0;               /* zero delay used (s) */
  double q0, q0_se;        /* fraction of uncharged dots */
  double ne, ne_se;        /* <n_e> = -ln q(0); NaN when q(0) >= 1 */
  size_t ntail;            /* points in the tail window */
} gk_trpl_charging;
int gk_trpl_charging_run(const double *t, const double *pl_neutral, const double *pl_charged, size_t n,
                         double tail_lo, double tail_hi, gk_trpl_charging *r, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
