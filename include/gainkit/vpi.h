/* gainkit/vpi.h — global fits of variable-pump-intensity spectra
 * (docs/physics.md §2; Milanese et al., Adv. Opt. Mater. 2024, Eq. 6-8).
 *
 * Data: I[i*np + j] at wavelength lambda[i] (nm) and pump P[j], stripe
 * length L (cm), fluorescence shape F[i]. Model:
 *
 *   g_ij  = gamma_i * dn(P_j) - alpha_i
 *   dn(P) = f(P)/f(Pmax),  f(P) = (P/P1 + (P/P2)^m) / (1 + P/P1 + (P/P2)^n)
 *   vpi1:  I_ij = W1_j F_i (e^{g L} - 1)/g
 *   vpi2:  I_ij = W1_j F_i (e^{g L} - 1)/g + W2_j F_i (1 - e^{-alpha L})/alpha
 *
 * Fitted: gamma_i, alpha_i (alpha_i >= 0, or fixed to a measured spectrum),
 * W1_j >= 0, W2_j >= 0 (vpi2), and the globals P1, P2 > 0, m > n > 0. Pmax
 * is the largest pump of the data.
 *
 * Method (docs/vpi.md): variable projection. For given nonlinear parameters
 * the W of each pump column are a 2-unknown non-negative least squares,
 * solved in closed form. The nonlinear parameters are moved by
 * Levenberg-Marquardt steps whose normal equations have an arrowhead
 * structure: a 2x2 block per wavelength coupled only to the W of every pump
 * and to the 4 globals; the wavelength blocks are eliminated by a Schur
 * complement, leaving a (2 Np + 4) system. Cost per iteration
 * O(N_lambda * (2 Np + 4)^2), memory O(N_lambda * Np).
 *
 * Standard errors come from the linearisation of the full problem (all of
 * gamma, alpha, W, globals) at the optimum, C = s^2 (J^T J)^-1 with
 * s^2 = chi2/dof, evaluated from the same block structure (W that sit on
 * their bound 0 are held fixed and get stderr 0).
 */
#ifndef GAINKIT_VPI_H
#define GAINKIT_VPI_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/data.h"
#include "gainkit/io.h"
#include "gainkit/progress.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef enum { GK_VPI1 = 1, GK_VPI2 = 2 } gk_vpi_model;

#define GK_VPI_GLOB_RELSE 0.5
#define GK_VPI_TH_Z 3.0
#define GK_VPI_NCAND 8

enum { GK_VPI_P1 = 0, GK_VPI_P2, GK_VPI_M, GK_VPI_N, GK_VPI_NGLOB };

typedef struct gk_vpi_data {
  size_t nl, np;
  const double *lambda;      /* nl wavelengths (nm) */
  const double *pump;        /* np pump values (> 0, any unit; P1, P2 share it) */
  const double *intensity;           /* nl*np intensities, intensity[i*np + j] */
  const double *sigma;       /* nl*np uncertainties, or NULL (unweighted) */
  const double *F;           /* nl fluorescence shape (>= 0) */
  const double *alpha_fixed; /* nl losses (cm^-1) to hold fixed, or NULL to fit */
  double L;                  /* stripe length (cm) */
} gk_vpi_data;

typedef struct gk_vpi_options {
  size_t max_iter;           /* LM iterations of the final run (default 500) */
  double xtol;               /* relative step tolerance (default 1e-10) */
  double gtol;               /* scaled gradient tolerance (default 1e-12) */
  /* Optional start (all NULL/0: automatic from the data). */
  const double *gamma0, *alpha0;   /* nl each */
  const double *glob0;             /* GK_VPI_NGLOB: P1, P2, m, n */
} gk_vpi_options;

void gk_vpi_options_default(gk_vpi_options *o);

typedef struct gk_vpi_result {
  gk_vpi_model model;
  size_t nl, np;
  double L, pmax;
  double glob[GK_VPI_NGLOB], glob_se[GK_VPI_NGLOB];
  double *gamma, *gamma_se;  /* nl */
  double *alpha, *alpha_se;  /* nl (se 0 when alpha is fixed) */
  double *w1, *w1_se;        /* np */
  double *w2, *w2_se;        /* np (vpi2; zeros for vpi1) */
  double *dn;                /* np: dn(P_j) */
  double *yhat;              /* nl*np model */
  double chi2, chi2_red;
  size_t n_free, dof, n_iter;
  int converged, cov_ok;
  /* 1 when the covariance exists and every global has a relative
   * standard error below GK_VPI_GLOB_RELSE: otherwise P1, P2, m, n are not
   * determined by the data (near-degenerate directions such as m -> n or
   * P1 -> 0/infinity) and only the thresholds, gamma, alpha, W mean much. */
  int glob_determined;
  char reason[160];
  /* ASE peak: argmax_i of the ASE term at the highest pump. */
  size_t ipk;
  double peak_nm;
  /* Covariance of (gamma_pk, alpha_pk, P1, P2, m, n), scaled by chi2_red:
   * what the thresholds need. */
  double cov_pk[6 * 6];
  /* Thresholds on the smooth net gain at lambda_pk (NaN when the curve
   * does not cross in [Pmax/1e3, Pmax*1e3]). */
  double th_gl1, th_gl1_se;  /* g L = 1 */
  double th_tr, th_tr_se;    /* g = 0 */
  /* Confidence interval of each threshold at GK_VPI_TH_Z sigma by
   * inverting the pointwise band of the net gain (Fieller-style): the
   * pumps P where h(P) = g(lambda_pk, P) - target is within GK_VPI_TH_Z
   * of its own standard error, up to the first pump where h is
   * significantly above the target (the threshold is the first crossing).
   * Unlike the delta method, this stays valid where the net gain runs
   * nearly flat along the target, so that the crossing is ill-defined
   * (docs/vpi.md). The reported stderr is at least the interval's larger
   * half-width / GK_VPI_TH_Z. *_determined = 0 (and the CLI warns) when
   * the interval is not bounded inside the data's pump range: the data
   * then do not fix the threshold, whatever its stderr says. */
  double th_gl1_lo, th_gl1_hi, th_tr_lo, th_tr_hi;
  int th_gl1_determined, th_tr_determined;
  /* Profile-likelihood intervals of the two thresholds (filled by
   * gk_vpi_profile_thresholds, not by gk_vpi_fit; profiled = 1 then):
   * the pumps P at which the fit with the threshold pinned to P (every
   * other parameter refitted) has chi2 within Delta of the optimum, Delta
   * = the chi-square(1 dof) quantile of `prof_level` times chi2_red (the
   * covariance's scale). The scan runs outwards from the estimate over the
   * data's pump range; a side not closed there is open: *_plo = 0 or
   * *_phi = INFINITY. *_pdet = 1 when both sides close inside the data's
   * pumps. NaN when there is no estimate to profile. After profiling,
   * th_gl1_determined / th_tr_determined are the profile's verdicts and a
   * bounded profile interval sets th_*_se to its larger half-width over
   * the normal quantile of the level. */
  int profiled;
  double prof_level;
  /* globals (P1, P2, m, n) of the other local optima the start search
   * converged to (starts for the profile's pinned fits) */
  double cand[GK_VPI_NCAND][GK_VPI_NGLOB];
  size_t ncand;
  double th_gl1_plo, th_gl1_phi, th_tr_plo, th_tr_phi;
  int th_gl1_pdet, th_tr_pdet;
  size_t prof_fits;          /* pinned fits run (both thresholds) */
  /* Calibration of the profile's criterion (src/vpi/profile.c, docs/vpi.md):
   * Delta = prof_crit_* x chi2_red, prof_crit_* = prof_factor_* x the
   * chi-square(1) quantile of the level. prof_factor_* is a Bartlett
   * factor (>= 1): the mean of the likelihood-ratio statistic over
   * prof_nboot parametric-bootstrap replicates of the fit (boundary-aware:
   * background weights within GK_VPI_BOOT_KAPPA(N) standard errors of 0 are
   * put on 0 in the generating model), 1 with prof_nboot = 0 (the
   * uncorrected chi-square criterion). prof_boot_fits: fits the bootstrap
   * ran; the factors are kept for later calls on the same result. */
  size_t prof_nboot, prof_boot_fits;
  int prof_boot_done;
  double prof_factor_gl1, prof_factor_tr, prof_crit_gl1, prof_crit_tr;
  /* The profile as a search too: every pinned fit bounds the global
   * minimum from above, so one that ends below chi2 shows a valley the
   * start search missed. prof_dchi2_low: the lowest pinned chi2 minus chi2
   * (last profile round; >= 0 when none was lower). When it is below
   * -0.1 chi2_red, the fit is redone from that pinned state and the
   * profile repeated (at most 3 times): prof_refits counts the fits so
   * replaced, prof_chi2_search is the chi2 of the start search's fit.
   * prof_unsettled = 1: still below after the last refit (or a refit
   * that did not confirm it); the thresholds are then not determined. */
  int prof_refits, prof_unsettled;
  double prof_chi2_search, prof_dchi2_low;
  /* vpi2: first pump (interpolated in log P between data pumps) where the
   * ASE term at lambda_pk exceeds the background term; NaN if never or
   * already at the lowest pump (then ase_over_bg_at_lowest = 1). */
  double ase_over_bg;
  int ase_over_bg_at_lowest;
  /* The P1 -> 0 boundary of the model family (src/vpi/limit.c, docs/vpi.md
   * "The P1 -> 0 boundary"). There dn(P) = 1 - P1 phi(P) + O(P1^2),
   * phi(P) = h(P) - h(Pmax), h(P) = (1 + x^n - x^m)/P, x = P/P2; along
   * gamma = kappa P2^m / P1, alpha = gamma - a0 the net gain tends to
   *   g = a0 - kappa psi(P),
   *   psi(P) = P2^m (1/P - 1/Pmax) + P2^(m-n) (P^(n-1) - Pmax^(n-1))
   *            - (P^(m-1) - Pmax^(m-1))      (= P2^m phi(P))
   * and the vpi2 background shape to F / kappa. psi stays finite at
   * P2 = 0 (then g = a0 + kappa (P^(m-1) - Pmax^(m-1))), so the limit
   * model contains P2 -> 0 as its own bound. When the interior fit ends
   * with P1 below the lowest pump, the limit model is fitted too and
   * wins when its chi2 is at or below the interior's: boundary = 1
   * (P1 -> 0) or 2 (P1 -> 0 and P2 -> 0; n then leaves the model),
   * glob[P1] = 0 (at its bound, se NaN; P2 = 0 and n too when boundary
   * = 2), gamma, alpha and their se NaN (they diverge: not determined),
   * a0 (the net gain at Pmax) and kappa per wavelength with their se, w2
   * the amplitude of the limit background F / kappa (the interior W2
   * diverges as 1/P1), dn = 1 at every pump (its limit), glob_determined
   * = 0, ncand = 0, no profile (gk_vpi_profile_thresholds leaves the
   * result unprofiled); the thresholds are those of the limit's net gain
   * with cov_pk the covariance of (kappa_pk, a0_pk, 0, P2, m, n).
   * chi2_interior: the interior fit's chi2; chi2_limit: the limit fit's
   * (NaN when not tried). a0, kappa and their se are NULL unless
   * boundary. */
  int boundary;
  double chi2_interior, chi2_limit;
  double *a0, *a0_se, *kappa, *kappa_se;
} gk_vpi_result;

/* (e^x - 1)/x, accurate at x -> 0, and its derivative. The ASE term is
 * L * gk_vpi_e(g L); the background term L * gk_vpi_e(-alpha L). */
double gk_vpi_e(double x);
double gk_vpi_de(double x);

/* dn(P) for globals glob[] normalised at pmax; grad (may be NULL) gets
 * d dn / d (P1, P2, m, n). */
double gk_vpi_dn(double P, const double *glob, double pmax, double *grad);

/* Model intensity split at one point: ASE and background terms (the
 * background is 0 for vpi1). */
void gk_vpi_terms(const gk_vpi_result *r, const double *F, size_t i, double P, double w1,
                  double w2, double *ase, double *bg);

/* Net gain g(lambda_i, P) of a fit. */
double gk_vpi_gain(const gk_vpi_result *r, size_t i, double P);

/* The fit. Returns GK_OK with res filled (check res->converged; a
 * non-converged fit still fills res), GK_EUSAGE for ill-posed input
 * (sizes, L <= 0, pumps <= 0, F all zero, fewer points than parameters),
 * GK_ENOMEM. Free res with gk_vpi_result_free. */
int gk_vpi_fit(const gk_vpi_data *d, gk_vpi_model model, const gk_vpi_options *opt,
               gk_vpi_result *res, gk_error *err);
/* The same with progress reporting and cancellation: progress (may be
 * NULL) is told done of total work units (the start search's LM runs and
 * the refits of its converged starts; the total is an upper bound until
 * the search knows how many starts it keeps) and is polled once per LM
 * iteration; a non-zero return stops the fit within one iteration with
 * GK_ECANCELLED ("VPI fit cancelled"), res then holds nothing to free.
 * Without a callback it is gk_vpi_fit, to the same bits. */
int gk_vpi_fit_ex(const gk_vpi_data *d, gk_vpi_model model, const gk_vpi_options *opt,
                  gk_vpi_result *res, const gk_progress *progress, gk_error *err);
void gk_vpi_result_free(gk_vpi_result *res);

/* Profile-likelihood intervals of the gL = 1 and transparency thresholds
 * at confidence `level` (e.g. 0.95) for a fit res of the data d (src/vpi/
 * profile.c, docs/vpi.md): fills res->th_*_plo/phi, th_*_pdet, sets
 * profiled and replaces th_*_determined by the profile's verdict. Costs
 * some tens of refits of the full problem per threshold. When a pinned
 * fit ends below the optimum, *res is REPLACED by the fit redone from
 * there (prof_refits, prof_chi2_search; pointers into the old result's
 * arrays are then stale) and the intervals are those of the new fit. GK_OK, GK_EUSAGE
 * (level outside (0, 1), res not a fit of d), GK_ENOMEM, GK_ECANCELLED
 * (only from gk_vpi_profile_thresholds_ex's progress). */
int gk_vpi_profile_thresholds(const gk_vpi_data *d, gk_vpi_result *res, double level,
                              gk_error *err);
/* Bootstrap replicates of the criterion's calibration by default. */
#define GK_VPI_PROF_NBOOT 40
/* The same with nboot replicates for the calibration (0: the uncorrected
 * chi-square(1) criterion). gk_vpi_profile_thresholds uses
 * GK_VPI_PROF_NBOOT. The bootstrap is deterministic (fixed generator
 * seed) and runs once per result: a second call (another level) reuses
 * its factors. A threshold without an estimate (the fitted gain never
 * crosses its target in [Pmax/1e3, 1e3 Pmax]) is still profiled, from the
 * end of the pumps it lies beyond: its interval is one-sided (open
 * towards the missing estimate) and it is not determined. */
int gk_vpi_profile_thresholds_boot(const gk_vpi_data *d, gk_vpi_result *res, double level,
                                   size_t nboot, gk_error *err);
/* The same with progress reporting and cancellation: progress (may be
 * NULL) is told done of total work units (bootstrap replicates and the
 * four sides of the two intervals) before every refit; a non-zero return
 * stops the computation within one refit with GK_ECANCELLED; res's
 * interval fields are then partial and its profiled flag is 0. */
int gk_vpi_profile_thresholds_ex(const gk_vpi_data *d, gk_vpi_result *res, double level,
                                 size_t nboot, const gk_progress *progress, gk_error *err);

/* Default F: the spectrum of the lowest pump normalised to unit maximum
 * (negative samples clipped to 0). F has nl entries. */
int gk_vpi_default_fluorescence(const gk_vpi_data *d, double *F, gk_error *err);

/* --auto-max-pump: FWHM of each spectrum (src/spectra); the pump where the
 * FWHM reaches its minimum, after which it re-broadens by more than `tol`
 * (relative, e.g. 0.1) is the last one kept. *np_keep gets the number of
 * leading pumps to keep (all of them when the FWHM never re-broadens). Pumps
 * must be increasing. */
int gk_vpi_auto_max_pump(const double *lambda, const double *intensity, size_t nl, size_t np,
                         double tol, size_t *np_keep, gk_error *err);

/* ---- input preparation: a pump-series matrix -> gk_vpi_data -------------
 * What the user selects and supplies besides the spectra. Units: nm for
 * wavelengths, cm for the stripe length, the matrix's own pump unit for
 * pumps (max_pump as text may carry a unit suffix, converted to it). */
typedef enum {
  GK_VPI_WEIGHTS_NONE = 0,   /* unweighted: the brightest spectra dominate */
  GK_VPI_WEIGHTS_RELATIVE,   /* sigma = |I| (floored), the default of the CLI */
  GK_VPI_WEIGHTS_POISSON     /* sigma = sqrt|I| (floored) */
} gk_vpi_weights;
#define GK_VPI_SIGMA_FLOOR 1e-3  /* sigma floor, fraction of the column's max |I| */

typedef struct gk_vpi_prepare_options {
  int window;                /* select window_lo..window_hi (nm) */
  double window_lo, window_hi;
  const char *max_pump;      /* keep pumps <= this ("50", "0.05mJ/cm2"): a bare
                                number is in the matrix's pump unit; NULL: all */
  int auto_max_pump;         /* drop pumps past the FWHM minimum (gk_vpi_auto_max_pump) */
  double length;             /* stripe length, cm; 0: the matrix's metadata
                                "stripe_length_cm" */
  const char *fluorescence;  /* file (wavelength nm, F) interpolated onto the
                                data; NULL: estimated from the lowest-pump spectrum */
  const char *losses;        /* file (wavelength nm, alpha cm^-1) held fixed; NULL: fitted */
  gk_vpi_weights weights;
} gk_vpi_prepare_options;

/* The prepared data: owns its arrays; gk_vpi_prepared_data() gives the
 * gk_vpi_data view. Wavelengths increasing, pumps increasing. */
typedef struct gk_vpi_prepared {
  size_t nl, np;
  double *lambda, *pump, *intensity, *F, *alpha, *sigma;  /* alpha NULL without losses,
                                                             sigma NULL unweighted */
  double L;                  /* cm */
  char pump_unit[32];        /* the matrix's pump unit ("" if none) */
  const char *weights;       /* "none", "relative" or "poisson" */
  int F_estimated;           /* F from the lowest-pump spectrum */
  size_t np_matrix;          /* pumps in the matrix before selection */
  size_t np_auto_dropped;    /* pumps dropped by auto_max_pump */
  gk_notes notes;            /* what was decided (auto_max_pump) */
} gk_vpi_prepared;

/* Select, sort and check the data of a pump-series matrix (gk_io_assemble
 * or gk_matrix_read; rows wavelengths, columns pumps) for gk_vpi_fit.
 * Preconditions: m read without error. Does: the wavelength window
 * (increasing order), pumps sorted increasing and cut at max_pump /
 * auto_max_pump, the stripe length (option or metadata), F(lambda) read
 * and linearly interpolated (or estimated), fixed losses read and
 * interpolated, the weights' sigmas. Checks (error names the struct field
 * in gk_error.option, or the file and line): at least 2 positive, finite
 * pumps (file:line of the pump row), a positive length ("length"), >= 3
 * wavelengths in the window ("window"), >= 2 pumps kept ("max_pump"),
 * finite intensities (file:line), F and losses files covering the data
 * ("fluorescence"/"losses" files: file:line), losses >= 0. Free with
 * gk_vpi_prepared_free (also after an error). */
int gk_vpi_prepare(const gk_matrix *m, const gk_vpi_prepare_options *o, gk_vpi_prepared *p, gk_error *err);
void gk_vpi_prepared_free(gk_vpi_prepared *p);
gk_vpi_data gk_vpi_prepared_data(const gk_vpi_prepared *p);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
