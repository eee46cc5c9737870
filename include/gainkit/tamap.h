/* gainkit/tamap.h — transient-absorption maps dA(lambda, t): reading,
 * background subtraction, chirp (group-velocity dispersion) correction,
 * coherent-artefact exclusion, SVD, and global / target analysis with
 * decay- and species-associated spectra (DAS, SAS).
 *
 * Conventions follow the global/target analysis literature (van Stokkum,
 * Larsen, van Grondelle, Biochim. Biophys. Acta 2004; the Glotaran and
 * KiMoPack programs): a linear kinetic scheme dc/dt = K c + c0 i(t) with an
 * instrument response i(t), concentrations c_i(t) solved through the
 * eigen-decomposition of K (matrix exponential) with the IRF convolved
 * analytically (gk_kin_basis), and the spectra (linear parameters) eliminated
 * by variable projection (Golub and Pereyra, SIAM J. Numer. Anal. 1973) so
 * that gk_fit only sees the rate constants, time zero, IRF width and the
 * dispersion polynomial.
 *
 * Units: wavelength nm, time s, dA in OD (mOD inputs are converted).
 */
#ifndef GAINKIT_TAMAP_H
#define GAINKIT_TAMAP_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/data.h"
#include "gainkit/fit.h"
#include "gainkit/kinetics.h"
#include "gainkit/io.h"
#include "gainkit/progress.h"
#include "gainkit/ta.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* A map: nw wavelengths x nt delays, z[i*nt + j] = dA(wl[i], t[j]) in OD.
 * use[i*nt + j] = 0 marks a point left out of fits (coherent artefact,
 * outside the range after chirp correction); NULL = all used. */
typedef struct gk_tamap {
  char *path;
  size_t nw, nt;
  double *wl;          /* nm, strictly increasing */
  double *t;           /* s, strictly increasing */
  double *z;           /* OD */
  unsigned char *use;  /* nw*nt or NULL */
  long data_line;      /* file line of the first data row (for messages) */
  char t_unit[64];     /* unit the delays were read in ("ps"; "" = seconds or built by gk_tamap_init) */
  long t_line;         /* file line where the delay axis starts (0: none) */
} gk_tamap;

typedef enum {
  GK_TAMAP_AUTO = 0,      /* decide from the axes (a delay axis has t <= 0 values) */
  GK_TAMAP_DELAY_ROW,     /* delays in the first row, one row per wavelength */
  GK_TAMAP_DELAY_COLUMN   /* delays in the first column, one row per delay */
} gk_tamap_layout;

typedef struct gk_tamap_read_options {
  gk_read_options read;
  gk_tamap_layout layout;
  const char *delay_unit;   /* "ps", "fs", "ns"...; NULL = from the corner cell
                               ("wavelength (nm) \ delay (ps)"); none = error */
  const char *signal_unit;  /* "OD" (also dA, dOD) or "mOD"; NULL = OD */
} gk_tamap_read_options;

/* Read a matrix export. The first row and first column are the axes, the
 * corner cell a label or a number (ignored). Wavelengths are sorted
 * increasing (a file with decreasing wavelengths is accepted), delays must
 * be strictly increasing. Errors name file:line. */
int gk_tamap_read(const char *path, const gk_tamap_read_options *o, gk_tamap *m, gk_error *err);
/* Build a map from arrays (copied); use may be NULL. */
int gk_tamap_init(gk_tamap *m, size_t nw, size_t nt, const double *wl, const double *t, const double *z,
                  gk_error *err);
void gk_tamap_free(gk_tamap *m);

/* Subtract, per wavelength, the mean of the points with t < t_before
 * (pre-time-zero background: scatter, long-lived offset from the previous
 * pulse). *npoints = delays averaged. GK_EUSAGE when no delay is earlier. */
int gk_tamap_background(gk_tamap *m, double t_before, size_t *npoints, gk_error *err);

/* ---- chirp ----------------------------------------------------------- */
#define GK_TAMAP_MAX_ORDER 4
/* t0(lambda) = sum_k c[k] x^k, x = (lambda - wl_ref)/100 nm. */
typedef struct gk_tamap_chirp {
  int order;                              /* 0..GK_TAMAP_MAX_ORDER */
  double wl_ref;                          /* nm */
  double c[GK_TAMAP_MAX_ORDER + 1];       /* s */
  double se[GK_TAMAP_MAX_ORDER + 1];      /* standard errors (fit), 0 when given */
  size_t npoints, nrejected;              /* wavelengths used / rejected as outliers */
  double rms;                             /* rms deviation of the onsets from the curve, s */
} gk_tamap_chirp;

double gk_tamap_chirp_eval(const gk_tamap_chirp *c, double wl);

/* Onset of the signal at each wavelength: the first delay at which |dA|
 * reaches half of its extreme value, interpolated linearly between
 * samples; NaN where the trace has no clear rise (peak below
 * min_snr x the pre-signal noise, or the peak at the first delay). */
int gk_tamap_onsets(const gk_tamap *m, double min_snr, double *t_on, gk_error *err);

/* Fit the polynomial of `order` to the onsets (least squares, points more
 * than 3 robust standard deviations off rejected, refitted). */
int gk_tamap_chirp_fit(const gk_tamap *m, int order, gk_tamap_chirp *c, gk_error *err);

/* Shift every trace to t' = t - t0(lambda) on the original delay grid
 * (linear interpolation); points that fall outside the measured range
 * are marked unused. */
int gk_tamap_chirp_apply(gk_tamap *m, const gk_tamap_chirp *c, gk_error *err);

/* Mark |t - t0(lambda)| <= half_width unused (coherent artefact around time
 * zero); chirp may be NULL (t0 = 0). Returns the number of points marked. */
size_t gk_tamap_exclude(gk_tamap *m, const gk_tamap_chirp *c, double half_width);

/* ---- preparation: what every analysis does to a map file ------------ */
typedef struct gk_tamap_prepare_options {
  gk_tamap_read_options read;
  double background;   /* s: subtract per wavelength the mean of the delays before
                          it (gk_tamap_background); NaN = none */
  int chirp_order;     /* fit a chirp of this order (0..GK_TAMAP_MAX_ORDER) and shift
                          the traces onto it (gk_tamap_chirp_fit, _apply); -1 = none */
  double exclude;      /* s: mark |t - t0(lambda)| <= exclude unused (coherent
                          artefact); t0 from the chirp, else a quadratic fitted to
                          the half-rise onsets for this only; 0 = none */
  int keep_base;       /* 1: keep the mask before the artefact window (base_use),
                          for gk_tamap_global_fit_passes */
} gk_tamap_prepare_options;
/* background NaN, chirp_order -1, exclude 0, keep_base 0, layout auto */
void gk_tamap_prepare_options_default(gk_tamap_prepare_options *o);

typedef struct gk_tamap_prepared {
  gk_tamap map;
  gk_tamap_chirp chirp;      /* valid when has_chirp */
  int has_chirp;
  unsigned char *base_use;   /* nw*nt with keep_base, else NULL */
  gk_notes notes;            /* a delay axis outside 1 fs .. 1 s (gk_plausible_column:
                                most likely read in the wrong unit); the caller shows them */
} gk_tamap_prepared;

/* Read the map (gk_tamap_read), check the delay axis is plausible, subtract
 * the background, fit the chirp, place the artefact window and apply the
 * chirp, in that order. Errors name file:line or the field
 * ("background": no delay before it; "chirp_order": not 0..4). */
int gk_tamap_prepare(const char *path, const gk_tamap_prepare_options *o, gk_tamap_prepared *p, gk_error *err);
void gk_tamap_prepared_free(gk_tamap_prepared *p);

/* The signal of a fluence series of maps (gk_tamap_sigma_run): for each map
 * (prepared with o) the mean dA over t_lo..t_hi (s) and wl_lo..wl_hi (nm;
 * gk_tamap_window_mean), sign-flipped (*flipped = 1) when every mean is < 0
 * (a bleach). A map without a point in the window, or means of both signs
 * (the window does not hold the same signal in every map), is an error
 * naming the file and the fields `window`/`band`. Notes of the maps
 * (plausibility) are appended to notes (may be NULL). */
int gk_tamap_series_signal(const char *const *paths, size_t n, const gk_tamap_prepare_options *o, double t_lo,
                           double t_hi, double wl_lo, double wl_hi, double *y, int *flipped, gk_notes *notes,
                           gk_error *err);

/* The delay of the first map nearest `delay` (s), which every other map
 * must also have (within 1e-6 relative); an error naming the map that has
 * not, and the fields `delay` and `window`. */
int gk_tamap_common_delay(const gk_tamap *const *maps, size_t n, double delay, double *t, gk_error *err);

/* ---- SVD ------------------------------------------------------------- */
typedef struct gk_tamap_svd {
  size_t nw, nt;        /* nt = delays used (columns with every point usable) */
  size_t k;             /* vectors kept */
  double *s;            /* min(nw, nt) singular values, descending */
  double *u;            /* nw*k left (spectral) vectors, u[i*k + r] */
  double *v;            /* nt*k right (kinetic) vectors, v[j*k + r] */
  double *t;            /* nt delays used */
  size_t rank;          /* singular values above the noise level */
  double noise;         /* threshold: omega(beta) x median singular value (Gavish-Donoho 2014) */
} gk_tamap_svd;

int gk_tamap_svd_run(const gk_tamap *m, size_t k, gk_tamap_svd *s, gk_error *err);
void gk_tamap_svd_free(gk_tamap_svd *s);

/* ---- kinetic scheme -------------------------------------------------- */
#define GK_TAMAP_MAX_COMP 6
#define GK_TAMAP_MAX_TRANS 16
#define GK_TAMAP_MAX_SETS 8

typedef struct gk_tamap_trans {
  int from, to;           /* compartment indices; to = -1: the ground state */
  double k;               /* rate constant, s^-1 (starting value) */
  int fixed;
} gk_tamap_trans;

typedef struct gk_tamap_scheme {
  int ncomp;
  char name[GK_TAMAP_MAX_COMP][32];
  int ntrans;
  gk_tamap_trans tr[GK_TAMAP_MAX_TRANS];
  double c0[GK_TAMAP_MAX_COMP];   /* initial populations (per unit IRF area) */
} gk_tamap_scheme;

/* Parse "X->0:1e12, XX->X:2e11, T->0" (rates in s^-1, or with a unit of
 * inverse time, "5ps" meaning a lifetime: k = 1/5 ps; a trailing '!' fixes
 * the rate) and "XX=1,X=0.5" initial populations (NULL: 1 for the first
 * compartment). Names are created in order of appearance; "0" or "GS" is
 * the ground state. */
int gk_tamap_scheme_parse(const char *text, const char *init, gk_tamap_scheme *s, gk_error *err);
/* Read a scheme from a small YAML file (through the library's YAML loader:
 * 16 MiB, depth 64, 200 000 nodes at most; errors FILE:LINE):
 *
 *   compartments: [H, XX, X]        # optional: order and check of the names
 *   transitions:
 *     - {from: H,  to: X,      lifetime: 0.4ps}
 *     - {from: XX, to: X,      rate: 2.5e10}          # s^-1, or 0.025/ps
 *     - {from: X,  to: ground, lifetime: 3ns, fixed: true}
 *   initial: {H: 1, XX: 0.1}        # or a list, one mapping per data set
 *
 * Branching is two transitions from one compartment; "ground", "GS" or "0"
 * is the ground state. The transitions mean what the text form
 * "H->X:0.4ps, XX->X:2.5e10, X->0:3ns!" means. With a list of populations,
 * c0_sets (max_sets x GK_TAMAP_MAX_COMP, row-major) receives them and
 * *nsets their number (0 for a single mapping, which goes to s->c0). */
int gk_tamap_scheme_read(const char *path, gk_tamap_scheme *s, double *c0_sets, size_t max_sets,
                         size_t *nsets, gk_error *err);
/* The parallel model of n lifetimes (DAS): n compartments, each -> ground,
 * all initially 1. */
void gk_tamap_scheme_parallel(gk_tamap_scheme *s, int n, const double *tau);
/* Sequential A -> B -> C -> ... -> ground with the given lifetimes (EADS). */
void gk_tamap_scheme_sequential(gk_tamap_scheme *s, int n, const double *tau);

/* The kinetic model of a fit from its description: exactly one of a
 * target scheme (text for gk_tamap_scheme_parse, or a YAML file ending in
 * .yaml/.yml for gk_tamap_scheme_read), `das` parallel or `sequential`
 * compartments (with `tau` starting lifetimes, s; NULL: 1, 10, 100 ps ...). */
typedef struct gk_tamap_model_options {
  const char *scheme;
  const char *init;        /* text scheme only: "A=1,XX=0.3", one set per map separated
                              by '/' ("H=1,XX=0.1/H=1,XX=0.6"); NULL = the scheme's */
  int das, sequential;     /* 1..GK_TAMAP_MAX_COMP, 0 = not this model */
  const double *tau;       /* ntau lifetimes (das/sequential only) */
  size_t ntau;
} gk_tamap_model_options;
/* The scheme for nsets maps. With one population set per map (a '/' list
 * in init, or a list under 'initial' in the YAML file), c0 (nsets x
 * s->ncomp, row-major, room for GK_TAMAP_MAX_SETS x GK_TAMAP_MAX_COMP)
 * receives them and *per_set = 1 (for gk_tamap_global_options.c0_sets).
 * Errors name the field (scheme, init, tau, das, sequential) or the YAML
 * file:line. */
int gk_tamap_model(const gk_tamap_model_options *o, size_t nsets, gk_tamap_scheme *s, double *c0, int *per_set,
                   gk_error *err);

/* The transfer matrix K (ncomp x ncomp, row-major) of the scheme with
 * rates k[0..ntrans-1]. */
void gk_tamap_scheme_matrix(const gk_tamap_scheme *s, const double *k, double *K);

/* Concentrations as sums of exponentials: c_i(t) = sum_j V[i*n + j]
 * exp(-lam[j] t) for t >= 0 (impulsive excitation), lam ascending.
 * From the eigen-decomposition of K (GSL, nonsymmetric); GK_EDOM when K
 * has complex or (nearly) repeated eigenvalues. */
int gk_tamap_scheme_solve(const gk_tamap_scheme *s, const double *k, double *lam, double *V, gk_error *err);

/* ---- global / target fit -------------------------------------------- */
typedef struct gk_tamap_global_options {
  gk_kin_irf irf;           /* GK_KIN_IRF_GAUSS (fwhm = start), NONE, or MEASURED (t, y,
                               n: the sampled response, convolved with every decay by
                               gk_kin_basis_vec; its centroid is placed at t0) */
  int fwhm_fixed;
  int irf_per_set;          /* one FWHM per data set instead of one shared */
  double t0[GK_TAMAP_MAX_SETS];  /* time zero per data set (start), s */
  int t0_fixed;
  /* Wavelength-dependent IRF shift (dispersion): t0(lambda) = t0_set +
   * sum_{k=1..disp_order} disp[k] x^k, x = (lambda - disp_ref)/100 nm. */
  int disp_order;           /* 0..3 */
  double disp_ref;          /* nm; NaN = the mean wavelength */
  double disp[4];           /* starting values (index 1..3), s */
  int disp_fixed;
  int nnls;                 /* non-negative amplitudes (Lawson-Hanson) */
  /* Initial populations per data set (nsets x ncomp, row-major), e.g. the
   * biexciton fraction growing with fluence; NULL = the scheme's c0 for all. */
  const double *c0_sets;
  /* Profile-likelihood 68 % intervals of the free rates (each held in turn,
   * everything else refitted, until chi2 has risen by chi2/dof; the
   * fitting core's search, src/fit/profile1.c). Costs ~20 fits per rate. */
  int profile;
  /* 1: central differences instead of the analytic Jacobian of the
   * projected problem (for checks; the analytic one applies to a Gaussian
   * or no IRF without nnls, the others always use differences) */
  int fd_jacobian;
  gk_fit_options fit;
} gk_tamap_global_options;

void gk_tamap_global_options_default(gk_tamap_global_options *o);

typedef struct gk_tamap_global_result {
  int ncomp, ntrans;
  size_t nsets;
  double k[GK_TAMAP_MAX_TRANS], k_se[GK_TAMAP_MAX_TRANS];
  /* with options.profile: the profile interval of each free rate, s^-1;
   * k_lo 0 when the profile stays low down to 1e-4 k (or k is 0), k_hi NaN
   * when it is not bounded within 1e4 k (fixed rates: NaN both) */
  double k_lo[GK_TAMAP_MAX_TRANS], k_hi[GK_TAMAP_MAX_TRANS];
  int profiled;
  double lam[GK_TAMAP_MAX_COMP];   /* decay rates of the eigen-modes, ascending, s^-1 */
  double lam_se[GK_TAMAP_MAX_COMP];
  double V[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP];  /* c_i = sum_j V_ij exp(-lam_j t) (set 0) */
  double t0[GK_TAMAP_MAX_SETS], t0_se[GK_TAMAP_MAX_SETS];
  double fwhm[GK_TAMAP_MAX_SETS], fwhm_se[GK_TAMAP_MAX_SETS];
  double disp[4], disp_se[4], disp_ref;
  /* per set s: nw[s] wavelengths, sas[s][i*ncomp + c], das[s][i*ncomp + j] */
  size_t nw[GK_TAMAP_MAX_SETS];
  double *sas[GK_TAMAP_MAX_SETS], *sas_se[GK_TAMAP_MAX_SETS], *das[GK_TAMAP_MAX_SETS];
  double *fit[GK_TAMAP_MAX_SETS];    /* nw*nt model (NaN where unused) */
  double chi2, rms;
  size_t npoints, dof;
  int cov_ok;              /* 0: the covariance is singular (standard errors NaN) */
  int converged;
  char reason[160];
} gk_tamap_global_result;

/* Fit the scheme to nsets maps at once: rates shared, t0 (and optionally
 * the IRF width) per set, spectra per set and wavelength. */
int gk_tamap_global_fit(const gk_tamap *const *maps, size_t nsets, const gk_tamap_scheme *s,
                        const gk_tamap_global_options *o, gk_tamap_global_result *r, gk_error *err);
void gk_tamap_global_result_free(gk_tamap_global_result *r);

/* gk_tamap_global_fit on prepared maps, then, with exclude > 0, up to two
 * more fits with the artefact window (|t - t0(lambda)| <= exclude) placed on
 * the fitted time zero and dispersion of every map not shifted by a chirp
 * (p[d].has_chirp 0, p[d].base_use kept by gk_tamap_prepare), until the
 * window stops moving: the onsets' time zero is biased where the spectrum
 * evolves within the IRF. A pass that fails keeps the previous result.
 * With o->profile, the profile intervals of the rates from one more fit at
 * the optimum (only when it converged). s and o are updated to the start
 * of the last fit. *passes = the extra window passes. stop (may be NULL):
 * its update returning non-zero ends the passes (interrupted). */
int gk_tamap_global_fit_passes(gk_tamap_prepared *p, size_t nsets, gk_tamap_scheme *s, gk_tamap_global_options *o,
                               double exclude, const gk_progress *stop, gk_tamap_global_result *r, int *passes,
                               gk_error *err);

/* Non-negative least squares min |A x - b|, x >= 0, from the normal
 * equations G = A^T A (n x n) and h = A^T b (Lawson and Hanson, Solving
 * Least Squares Problems, 1974, ch. 23, on the Gram matrix). */
int gk_nnls_gram(const double *G, const double *h, size_t n, double *x);

/* ---- fluence series: absorption cross-section ------------------------ */
/* S(F) = S_inf (1 - exp(-<N>)), <N> = sigma F / (h nu): the single-exciton
 * signal (long-delay bleach) saturates with the mean number of excitons
 * per nanocrystal (Poisson statistics; Klimov, Science 2000; Ahn et al.,
 * Chem. Rev. 2023, Fig. 26b). F in J/cm^2, photon energy in eV. */
typedef struct gk_tamap_sigma_fit {
  double sigma, sigma_se;   /* cm^2 */
  double s_inf, s_inf_se;
  double chi2_red;
  int converged;
  /* 1 when the lowest fluence already gives >= 95 % of S_inf at the
   * fitted sigma: the rise is not sampled, the fit follows the noise on
   * the plateau, and sigma is only bounded from below (not determined) */
  int saturated;
  char reason[160];
} gk_tamap_sigma_fit;
/* Mean of dA over the delays t_lo <= t <= t_hi (s) and the wavelengths
 * wl_lo <= wl <= wl_hi (nm) of one map, skipping masked (use == 0) and
 * non-finite points. Returns the number of points averaged; 0 leaves
 * *mean NaN. The signal of a fluence series of maps for
 * gk_tamap_sigma_run is this mean at a late delay window (the
 * single-exciton bleach; Ahn et al., Chem. Rev. 2023, Fig. 26b). */
size_t gk_tamap_window_mean(const gk_tamap *m, double t_lo, double t_hi, double wl_lo, double wl_hi, double *mean);

int gk_tamap_sigma_run(const double *fluence, const double *signal, size_t n, double photon_ev,
                       gk_tamap_sigma_fit *f, gk_error *err);

/* ---- gain thresholds on a fluence series of maps ---------------------- */
#define GK_TAMAP_MAX_GAIN_SETS 64
/* wavelengths where A0 < this fraction of its maximum get no threshold */
#define GK_TAMAP_GAIN_MIN_A0 0.02
typedef struct gk_tamap_gain_result {
  size_t nw, nsets;
  double *wl;           /* nw, nm */
  double *a0;           /* nw ground-state absorbance on the map grid (OD) */
  double *da;           /* nw*nsets dA averaged over the delay window, da[i*nsets + k] */
  double *nth, *nth_se; /* nw threshold <N> per wavelength (NaN: never crosses 1, or A0
                           below GK_TAMAP_GAIN_MIN_A0 of its maximum) */
  size_t best;          /* wavelength index of the lowest threshold ((size_t)-1: none) */
  double *gain;         /* nw*nsets material gain -(A0 + dA) ln10 / d, cm^-1 (NaN without d;
                           negative = absorption) */
} gk_tamap_gain_result;

/* Gain thresholds from maps at increasing <N> (n_mean[k] for maps[k], same
 * wavelengths): dA averaged over t_lo <= t <= t_hi (points in use), A0
 * interpolated from the ground spectrum (wl0, a0; gk_ta_resample), and per
 * wavelength the first upward crossing of -dA/A0 = 1 along <N>
 * (gk_ta_crossing: linear interpolation, se from the neighbours). With
 * thickness_cm > 0 the material gain -(A0 + dA) ln10/d of every map. */
int gk_tamap_gain(const gk_tamap *const *maps, size_t nsets, const double *n_mean, const double *wl0,
                  const double *a0, size_t n0, double t_lo, double t_hi, double thickness_cm,
                  gk_tamap_gain_result *r, gk_error *err);
void gk_tamap_gain_free(gk_tamap_gain_result *r);
/* The Poisson gain-curve fit (gk_ta_gain_curve_fit: -dA/A0 along <N>
 * against 1 - a(<N>)/a(0) of a g-fold degenerate band edge, n_e = 0, g
 * free from `degeneracy`) at one wavelength of r: the nearest to probe
 * (nm), else (probe NaN) the lowest threshold's, else the largest -dA/A0 at
 * the highest pump. *ip = its index, or (size_t)-1 with nothing fitted
 * (GK_OK) when A0 there is below GK_TAMAP_GAIN_MIN_A0 of its maximum. */
int gk_tamap_gain_curve(const gk_tamap_gain_result *r, const double *n_mean, double probe, double degeneracy,
                        size_t *ip, gk_ta_gain_curve *gc, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
