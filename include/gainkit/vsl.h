/* gainkit/vsl.h — net optical gain from variable-stripe-length (VSL) data.
 *
 * Edge-emitted intensity I versus stripe length L at fixed pump, five models
 * (docs/physics.md §1, Milanese et al., Adv. Opt. Mater. 2024, Eq. 1–5):
 *   vsl1       I = (A/g)(e^{gL} - 1)
 *   vsl2       I = (A1/g)(e^{gL} - 1) + A2 L
 *   sat        L = (I/Is)/k + g/k^2 ln|1 + k I/A|,  k = g + A/Is   (Eq. 3,
 *              implicit in I: fitted as L versus I, residuals in L)
 *   sat-exact  dI/dx = A + gamma I/(1 + I/Is) - alpha I, I(0) = 0 (Eq. 4),
 *              closed-form x(I) inverted for I; g = gamma - alpha
 *   emp        I = A exp(g Ls (1 - e^{-L/Ls}))
 *   ahn        I = A L + B e^{g L}  (Ahn, Livache, Pinchetti, Klimov,
 *              Chem. Rev. 2023; compared, never recommended: B e^{gL}
 *              does not vanish at L = 0)
 * Units: L in cm, g/gamma/alpha in cm^-1, Ls in cm; I in the data's units,
 * A in I/cm.
 *
 * Fit parameters ("theta") are not always the reported ones: amplitudes
 * (A, A1), Is and Ls are fitted as natural logarithms. That keeps them
 * positive and, above all, lets gL reach thousands: at gL = 2000 the data
 * are ordinary numbers but A ~ e^{-2000} is not representable in double,
 * while ln A = -2000 is. Every model is evaluated in log form so that
 * e^{gL} is never formed. theta layouts:
 *   vsl1 {g, lnA}   vsl2 {g, lnA1, A2}   sat {g, lnA, lnIs}
 *   sat-exact {gamma, alpha, lnA, lnIs}   emp {g, lnA, lnLs}   ahn {g, A, lnB}
 */
#ifndef GAINKIT_VSL_H
#define GAINKIT_VSL_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/fit.h"
#include "gainkit/data.h"
#include "gainkit/io.h"
#include "gainkit/progress.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef enum {
  GK_VSL_VSL1 = 0,
  GK_VSL_VSL2,
  GK_VSL_SAT,
  GK_VSL_SATEXACT,
  GK_VSL_EMP,
  GK_VSL_AHN,
  GK_VSL_NMODELS
} gk_vsl_model;

#define GK_VSL_MAXP 5   /* most reported parameters (sat-exact incl. g) */

const char *gk_vsl_model_name(gk_vsl_model m);          /* "sat-exact" */
/* Model by name; returns -1 if unknown. */
int gk_vsl_model_from_name(const char *name);
size_t gk_vsl_ntheta(gk_vsl_model m);                   /* fit parameters */
size_t gk_vsl_nreport(gk_vsl_model m);                  /* reported parameters */
const char *gk_vsl_param_name(gk_vsl_model m, size_t k); /* reported name, e.g. "Is" */
const char *gk_vsl_param_unit(gk_vsl_model m, size_t k); /* "cm^-1", "cm", "I/cm", "I" */

/* Physical parameters (the reported order without sat-exact's derived g)
 * to theta and back. Fails (GK_EDOM) for non-positive amplitudes/Is/Ls. */
int gk_vsl_theta_from_physical(gk_vsl_model m, const double *phys, double *theta);
void gk_vsl_physical_from_theta(gk_vsl_model m, const double *theta, double *phys);

/* ---- model evaluation -------------------------------------------------- */
/* Intensity I(L[i]) for i < n. For sat, Eq. 3 is inverted (it is sat-exact
 * with alpha = 0). Returns GK_OK, or GK_EDOM when theta is outside the
 * model's domain. jac (optional, n x ntheta row-major) receives dI/dtheta. */
int gk_vsl_intensity(gk_vsl_model m, const double *theta, const double *L, size_t n,
                     double *intensity, double *jac);
/* sat (Eq. 3): stripe length L(I[i]) and optionally dL/dtheta (n x 3). */
int gk_vsl_sat_length(const double *theta, const double *intensity, size_t n, double *L, double *jac);
/* sat-exact closed form: propagation length x at which the intensity
 * reaches I (x = +inf at or beyond the plateau). theta as sat-exact. */
double gk_vsl_satexact_x(const double *theta, double intensity);
/* Plateau intensity of sat-exact (INFINITY when the solution grows
 * without bound: alpha = 0 and A + g Is >= 0). */
double gk_vsl_satexact_plateau(const double *theta);

/* ---- fitting ----------------------------------------------------------- */
typedef struct gk_vsl_data {
  size_t n;
  const double *L;       /* stripe lengths, cm, strictly increasing, >= 0 */
  const double *intensity;       /* intensities */
  const double *sigma;   /* absolute uncertainties of I, or NULL */
  const long *line;      /* source line of each point (for errors), or NULL */
  const char *path;      /* source file (for errors), or NULL */
  gk_weighting weighting;
  /* 1: fit a constant offset I0 as well, I = model(L) + I0 (dark counts,
   * scattered pump, a baseline). Every model then has residuals in I. */
  int offset;
} gk_vsl_data;

/* Check the data for fitting: lengths >= 0 and strictly increasing (no
 * duplicates), not all intensities zero, finite values, positive sigma.
 * Errors (GK_EINPUT) name the file and line. */
int gk_vsl_check(const gk_vsl_data *d, gk_error *err);

typedef struct gk_vsl_fit {
  gk_vsl_model model;
  int ok;                 /* a fit was obtained (possibly not converged) */
  int converged;
  size_t n, np, ntheta;
  double value[GK_VSL_MAXP], se[GK_VSL_MAXP];   /* reported parameters */
  double theta[4], cov[16];                    /* fit parameters, covariance */
  double chi2, chi2_red, aic, aicc, bic;       /* of the fit itself (sat: in L) */
  size_t dof;
  /* The same statistics for residuals in I with the intensity weights, so
   * that all five models can be compared (sat's own chi2 is in L). */
  double chi2_I, aicc_I;
  double *yhat;           /* n fitted intensities at the data's L */
  int residual_in_L;      /* 1 for sat */
  int a2_at_bound;        /* vsl2: A2 at its bound 0 (A2 >= 0 is imposed) */
  int has_offset;         /* fitted with the offset I0 (data.offset) */
  double I0, I0_se;       /* the offset and its standard error (0 without) */
  size_t nwarn;
  char warn[4][200];
  char reason[160];       /* solver's stop reason */
  /* sat-exact: 1 when the lowest chi2 lies at the model's limit
   * Is -> infinity with gamma, alpha -> infinity, g = gamma - alpha and
   * k = gamma/Is fixed: dI/dx = A + g I - k I^2 (quadratic saturation;
   * gamma, alpha, Is are then NaN ("not determined"), A and g the limit's
   * with standard errors from the covariance of the limit model (NaN when
   * it is singular), limit_k = k, limit_k_se its standard error; the fit is
   * converged; theta is a point 1e-8 inside the limit (in the homogeneous
   * form of src/vsl/satlimit.c), for curves only. 0 otherwise. */
  int limit;
  double limit_k, limit_k_se;
} gk_vsl_fit;

/* Fit one model with automatic initial guesses and multi-start. Returns
 * GK_OK when a fit was obtained (check f->converged), GK_EINPUT/GK_EUSAGE
 * for unusable data (fewer points than parameters, ...), GK_ENOCONV when
 * no start gave any fit. f must be released with gk_vsl_fit_free. */
int gk_vsl_fit_model(const gk_vsl_data *d, gk_vsl_model m, gk_vsl_fit *f, gk_error *err);
/* 1 when f is gk_vsl_fit_model's fit of model m to exactly these data
 * without an offset (same points and weights: its I-space chi2 is
 * recomputed from its curve), 0 otherwise. */
int gk_vsl_fit_is_of(const gk_vsl_fit *f, const gk_vsl_data *d, gk_vsl_model m);
/* gk_vsl_fit_model for d->offset = 1, given nooff, the same data's fit of
 * model m without the offset (or NULL): it is the offset fit's first start
 * (the fit of the unshifted data), so it is not fitted again. The result
 * is the same as gk_vsl_fit_model's; nooff is ignored unless
 * gk_vsl_fit_is_of(nooff, d, m). */
int gk_vsl_fit_offset_from(const gk_vsl_data *d, gk_vsl_model m, const gk_vsl_fit *nooff, gk_vsl_fit *f,
                           gk_error *err);
void gk_vsl_fit_free(gk_vsl_fit *f);

/* Initial guesses: writes up to max_starts theta vectors (row-major) and
 * returns how many. The first is the best single guess. */
size_t gk_vsl_guess(const gk_vsl_data *d, gk_vsl_model m, double *starts, size_t max_starts);

/* Recommendation (Milanese et al., Adv. Opt. Mater. 2024, Table 1 and §2.1 plus information criteria).
 * fits[m] for every model, with fits[m].ok = 0 for models not fitted.
 * Returns the recommended model, or -1 when no physical model fits
 * reliably ("none"); *reliable says whether the recommended fit is
 * trustworthy; reason receives one or two sentences. */
int gk_vsl_recommend(const gk_vsl_data *d, const gk_vsl_fit *fits, int *reliable,
                     char *reason, size_t reason_size);

/* ---- fit-window analysis ----------------------------------------------- */
/* g versus the longest stripe length used (the practice of checking that g
 * does not drift with the fit range; Milanese et al., Adv. Opt. Mater.
 * 2024, and the VSL literature they cite): the model is fitted to the
 * points with L <= Lmax[k] for every Lmax from the shortest window with
 * ntheta + 2 points to all the data. A window is acceptable when the fit
 * converged and determines g (standard error <= |g|), its residuals show no
 * systematic trend (Wald-Wolfowitz runs test z > -2.5), with absolute
 * sigmas its chi2 passes (upper-tail probability >= 0.01), and its g agrees
 * with every shorter acceptable window's: |g_j - g_k| <= 3 sqrt(se_j^2 -
 * se_k^2), the variance of the difference of nested-window estimates
 * (Hausman). longest is the longest acceptable window: the longest range
 * where the model holds. */
typedef struct gk_vsl_window_scan {
  gk_vsl_model model;
  size_t nw;              /* windows */
  double *Lmax, *g, *g_se, *chi2_red;   /* nw each; NaN where no fit */
  size_t *npts;           /* points used */
  int *ok;                /* fit converged and g determined */
  int *acceptable;
  size_t longest;         /* index of the longest acceptable window, or nw if none */
} gk_vsl_window_scan;

int gk_vsl_window_scan_run(const gk_vsl_data *d, gk_vsl_model m, gk_vsl_window_scan *ws, gk_error *err);
void gk_vsl_window_scan_free(gk_vsl_window_scan *ws);

/* ---- spectrally resolved VSL ------------------------------------------- */
typedef struct gk_vsl_spectrum {
  size_t nw;
  gk_vsl_model model;
  double *g, *g_se;       /* nw each (NaN where no fit) */
  int *converged;         /* nw */
  double *chi2_I;         /* nw, for the per-wavelength recommendation */
} gk_vsl_spectrum;

/* Fit the models in `mask` (bit m set for model m) at every wavelength:
 * z[i*nL + j] is the intensity at wavelength i and stripe length L[j].
 * spec[m] is filled for every model in the mask; rec (nw, optional)
 * receives the recommended model per wavelength (-1: none). Parallel over
 * wavelengths with OpenMP; the result does not depend on the thread count.
 * Returns GK_OK (individual wavelengths may fail; see converged), or
 * GK_ECANCELLED when progress asked to stop (spec is then freed). */
int gk_vsl_spectral(const double *L, size_t nL, const double *z, size_t nw,
                    gk_weighting weighting, unsigned mask, gk_vsl_spectrum *spec, int *rec,
                    const gk_progress *progress, gk_error *err);
void gk_vsl_spectrum_free(gk_vsl_spectrum *s);

/* ---- input preparation: a column file -> gk_vsl_data -------------------- */
typedef struct gk_vsl_prepare_options {
  int has_range;             /* keep range_lo <= L <= range_hi (cm) */
  double range_lo, range_hi;
  int weights;               /* a gk_weighting, or -1: GK_WEIGHT_SIGMA when the
                                data have a sigma column, else GK_WEIGHT_NONE */
  int offset;                /* gk_vsl_data.offset */
  size_t min_points;         /* points needed after the selection (the
                                parameters of the model); 0: 2 */
  const char *model_name;    /* for that message ("vsl1"); NULL: "the model" */
} gk_vsl_prepare_options;

typedef struct gk_vsl_prepared {
  gk_vsl_data d;             /* views of the arrays below */
  double *L, *intensity, *sigma;
  long *line;
  double background;         /* I extrapolated to L -> 0 (gk_io_offset_vsl) */
  int background_significant;
  gk_notes notes;            /* implausible lengths, a significant background */
} gk_vsl_prepared;

/* Select and check the points of a VSL scan read by gk_columns_read
 * (x = stripe length in cm, GK_XKIND_LENGTH). Preconditions: col read
 * without error (sorted, duplicates averaged by the reader when asked).
 * Does: the range (cm), the weighting (sigma needs a sigma column: error
 * on field "weights"), the background estimate I(L -> 0) and plausibility
 * of the lengths (1 um .. 5 cm) as notes, gk_vsl_check. Errors: too few
 * points (field "range" when a range is set, else the file), and those of
 * gk_vsl_check (file:line). Free with gk_vsl_prepared_free. */
int gk_vsl_prepare(const gk_columns *col, const gk_vsl_prepare_options *o, gk_vsl_prepared *p, gk_error *err);
void gk_vsl_prepared_free(gk_vsl_prepared *p);

/* ---- input preparation: a spectrally resolved matrix -> gk_vsl_spectral -- */
typedef struct gk_vsl_prepared_matrix {
  size_t nL, nw;             /* stripe lengths kept, wavelengths */
  double *L;                 /* nL stripe lengths, cm, increasing */
  double *z;                 /* nw x nL intensities, z[i * nL + k] (wavelength i) */
} gk_vsl_prepared_matrix;

/* Select and check the stripe lengths of a VSL matrix read by
 * gk_matrix_read (rows wavelengths, columns stripe lengths in cm,
 * GK_XKIND_LENGTH). Uses o->has_range/range_lo/range_hi (cm),
 * o->min_points and o->model_name; weights and offset are not used.
 * Checks (GK_EINPUT at the file, line 0: the lengths are the first row):
 * at least min_points lengths kept (the message names `range` when it is
 * set), lengths strictly increasing, none negative. Free with
 * gk_vsl_prepared_matrix_free (also after an error). */
int gk_vsl_prepare_matrix(const gk_matrix *m, const gk_vsl_prepare_options *o, gk_vsl_prepared_matrix *p,
                          gk_error *err);
void gk_vsl_prepared_matrix_free(gk_vsl_prepared_matrix *p);

/* ---- the user's options, as text: reading and resolving them ------------ */

/* What a user gives (`gainkit vsl` and gainkit.vsl in Python). Errors name
 * these fields ("range", "weights"), never a command-line flag. */
typedef struct gk_vsl_options {
  int model;                 /* a gk_vsl_model, or -1: every model (the
                                point count of sat-exact is needed) */
  const char *range;         /* "LMIN:LMAX" in the input's length unit; a
                                suffix converts ("0.5mm:2mm"); NULL: all */
  const char *weights;       /* "none", "sigma" or "relative"; NULL: sigma
                                with a sigma column, else none */
  const char *length_unit;   /* unit of the stripe lengths when the header
                                names none ("um", "mm", "cm"); NULL: cm */
  int offset;                /* fit a constant offset I0 as well */
} gk_vsl_options;

/* Read a scan as `gainkit vsl FILE` does (gk_columns_read: stripe length,
 * intensity, optional sigma > 0; lengths to cm from the header's unit, else
 * o->length_unit, else cm; decreasing or repeated lengths sorted and
 * averaged with a note in col->note; >= 2 points). */
int gk_vsl_read(const char *path, const gk_vsl_options *o, gk_columns *col, gk_error *err);
/* Read a spectrally resolved matrix as `gainkit vsl --matrix` does
 * (gk_matrix_read: first row stripe lengths to cm, first column wavelength,
 * wavelengths increasing, orientation detected with a note in m->note). */
int gk_vsl_read_matrix(const char *path, const gk_vsl_options *o, gk_matrix *m, gk_error *err);
/* The options resolved against the input read: o->range parsed in unit_in
 * (the input's length unit, "" = cm) and scaled by factor to cm, the
 * weighting checked against has_sigma (a sigma column), the point count of
 * o->model and its name for messages. Errors (GK_EUSAGE) name `range`
 * (not FROM:TO, a bad quantity, empty) or `weights` (unknown; 'sigma'
 * without a sigma column in path). po is then ready for gk_vsl_prepare or
 * gk_vsl_prepare_matrix; po->weights stays -1 when o->weights is NULL. */
int gk_vsl_options_resolve(const gk_vsl_options *o, const char *unit_in, double factor, int has_sigma,
                           const char *path, gk_vsl_prepare_options *po, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
