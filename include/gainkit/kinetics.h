/* gainkit/kinetics.h — multi-exponential decays, optionally convolved with
 * an instrument response, fitted singly or globally.
 *
 * Model of trace k (k = 0..K-1) at time t:
 *     y_k(t) = sum_i A_ki E(t - t0; tau_i) + c_k
 * where E(t; tau) is exp(-t/tau) for t >= 0 (0 before) convolved with the
 * instrument response (IRF):
 *   none      E = exp(-t/tau) H(t)
 *   Gaussian  E = 1/2 exp(s^2/(2 tau^2) - t/tau) erfc((s/tau - t/s)/sqrt2),
 *             s = FWHM / (2 sqrt(2 ln 2)); evaluated through log erfc so it
 *             neither overflows nor loses precision far from t0.
 *   measured  E = integral irf(u) exp(-(t-u)/tau) du over u <= t, with the
 *             IRF taken as piecewise linear between its samples (any
 *             spacing) and normalised to unit area; the integral over each
 *             piece is done exactly, so the result is a smooth function of
 *             t and t0 (no grid, no interpolation of the model).
 * The IRF has unit area, so A_ki is the amplitude of the bare exponential.
 * Lifetimes tau_i and t0 are shared by all traces (global analysis of
 * pump-dependent traces); amplitudes and offsets are per trace.
 * Times are in seconds.
 */
#ifndef GAINKIT_KINETICS_H
#define GAINKIT_KINETICS_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/fit.h"
#include "gainkit/data.h"
#include "gainkit/io.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

#define GK_KIN_MAX_COMPONENTS 4

typedef enum { GK_KIN_IRF_NONE = 0, GK_KIN_IRF_GAUSS, GK_KIN_IRF_MEASURED } gk_kin_irf_kind;

typedef struct gk_kin_irf {
  gk_kin_irf_kind kind;
  double fwhm;            /* Gaussian FWHM, s */
  const double *t, *y;    /* measured IRF samples (t strictly increasing, s) */
  size_t n;
} gk_kin_irf;

/* One decay basis function E(t; tau) for the IRF (t already relative to
 * t0). For a measured IRF, the samples must have been checked with
 * gk_kin_irf_check. */
double gk_kin_basis(const gk_kin_irf *irf, double t, double tau);

/* E(t_j; tau) for sorted or unsorted t[0..n-1] into out (the measured-IRF
 * form is computed in one O(n + n_irf) sweep). */
int gk_kin_basis_vec(const gk_kin_irf *irf, const double *t, size_t n, double tau, double *out);

/* Validate an IRF: Gaussian FWHM > 0; measured: n >= 2, increasing t,
 * finite values, positive area. */
int gk_kin_irf_check(const gk_kin_irf *irf, gk_error *err);

typedef struct gk_kin_data {
  size_t n;               /* time points */
  const double *t;        /* n times, s */
  size_t ntrace;          /* K traces (columns) */
  const double *y;        /* ntrace*n, trace k at y[k*n + i] */
  const double *sigma;    /* same layout, or NULL */
} gk_kin_data;

typedef struct gk_kin_options {
  int ncomp;              /* 1..4, or 0 for automatic (AICc) */
  int offset;             /* fit a constant offset per trace */
  gk_kin_irf irf;
  int t0_fixed;           /* hold t0 at t0 (always held when there is no IRF) */
  double t0;              /* s; with t0_fixed==0 a starting value, NaN = guess */
  const double *tau_init; /* ncomp starting lifetimes (s), or NULL = automatic */
  gk_fit_options fit;
} gk_kin_options;

void gk_kin_options_default(gk_kin_options *o);

typedef struct gk_kin_result {
  int ncomp, offset;
  size_t ntrace, n;
  double tau[GK_KIN_MAX_COMPONENTS], tau_se[GK_KIN_MAX_COMPONENTS]; /* ascending */
  double *amp, *amp_se;   /* ntrace*ncomp, in the order of tau */
  double *frac;           /* ntrace*ncomp amplitude fractions A_i / sum A */
  double *off, *off_se;   /* ntrace offsets (0 without --offset) */
  double t0, t0_se;
  double tau_amp, tau_amp_se;   /* amplitude-weighted sum A tau / sum A (trace 0) */
  double tau_int, tau_int_se;   /* intensity-weighted sum A tau^2 / sum A tau (trace 0) */
  double *yhat;           /* ntrace*n model */
  double *resid;          /* ntrace*n residuals y - yhat (unweighted) */
  double chi2, chi2_red, aicc;
  size_t dof;
  int converged;
  char reason[160];       /* solver stop reason */
  /* automatic choice */
  int auto_chosen;
  double aicc_by_n[GK_KIN_MAX_COMPONENTS + 1];   /* index = ncomp, NaN if not tried/failed */
  char choice[640];       /* why this number of components (and why others were rejected) */
} gk_kin_result;

/* Fit. Returns GK_OK when a fit was obtained (check res->converged),
 * GK_EUSAGE/GK_EINPUT for bad options or data. */
int gk_kin_fit(const gk_kin_data *d, const gk_kin_options *o, gk_kin_result *res, gk_error *err);
void gk_kin_result_free(gk_kin_result *res);

/* A component the data do not resolve: a lifetime beyond
 * GK_KIN_TAU_MAX_WINDOWS times the time window t[n-1] - t[0], or an
 * amplitude within two standard errors of zero in every trace. Returns 1
 * and says which in why (may be NULL). ncomp = 0 (auto) never picks such
 * a fit while a resolved one exists; when none is resolved it returns the
 * best of all with converged = 0. */
#define GK_KIN_TAU_MAX_WINDOWS 10
int gk_kin_degenerate(const gk_kin_data *d, const gk_kin_result *r, char *why, size_t why_size);
/* Initial lifetimes for ncomp components: greedy search over a log-spaced
 * grid of lifetimes between the time step and three times the span, each
 * candidate scored by a linear least-squares fit of the amplitudes (and
 * offsets) of all traces. tau_out ascending. */
int gk_kin_guess(const gk_kin_data *d, const gk_kin_irf *irf, double t0, int ncomp, int offset,
                 double *tau_out, gk_error *err);

/* Rough time zero: the time at which trace 0 first reaches half its
 * extremum (for data with a rise). */
double gk_kin_guess_t0(const gk_kin_data *d);

/* ---- input preparation: a table of traces -> gk_kin_data -------------- */

/* What to take from a table (time column first, then trace columns). */
typedef struct gk_kin_prepare_options {
  const char *time_unit;  /* unit of the time column when its header names
                             none ("ps", "ns", "s"); NULL = "s". A unit in
                             the header wins. */
  int global;             /* every trace column (a global fit) */
  size_t trace;           /* 1-based trace column when !global; 0 = 1 */
  int poisson;            /* sigma = sqrt(max(|y|, 1)) (counting statistics) */
} gk_kin_prepare_options;

/* Prepared data: owns its arrays; `d` points into them. */
typedef struct gk_kin_prepared {
  gk_kin_data d;          /* t in s, y, sigma (NULL unless poisson) */
  double *t, *y, *sigma;
  size_t first_trace;     /* 0-based table column of the first trace used */
  size_t ntrace_in_file;  /* trace columns in the table */
  double time_factor;     /* table time unit -> s */
  char time_unit[32];     /* the unit the time column was read in */
  int unit_from_header;   /* 1 when the header named it */
  gk_notes notes;         /* what was decided or looks wrong (implausible
                             times: gk_plausible_column); the caller shows them */
} gk_kin_prepared;

/* Turn a table (gk_table_read) into fit data. Preconditions: t read
 * without error. Checks: at least a time and one trace column (else
 * GK_EINPUT at the first data line); `trace` names an existing column
 * (GK_EUSAGE, option field "trace"); the time unit (header, else
 * time_unit) is a time (GK_EINPUT at the header line, or GK_EUSAGE on
 * field "time_unit"); times strictly increase (GK_EINPUT at the offending
 * line); values finite. Units: t in seconds. Errors name the struct field
 * (gk_error.option without dashes) or the file and line; the CLI maps
 * fields to its flags. Free with gk_kin_prepared_free (also after an
 * error). */
int gk_kin_prepare(const gk_table *t, const gk_kin_prepare_options *o, gk_kin_prepared *out, gk_error *err);
void gk_kin_prepared_free(gk_kin_prepared *p);

/* A measured instrument response file: two columns, time and response
 * (>= 3 rows). The time unit is the header's ("t (ps)"), else time_unit;
 * with neither: GK_EINPUT "no time unit" at the header (or first) line.
 * Times strictly increase (GK_EINPUT "IRF times must increase" at the
 * line), the response has a positive area (GK_EINPUT). out->t (s) and
 * out->y, out->d.n samples: ready for gk_kin_irf (GK_KIN_IRF_MEASURED).
 * Shared by gainkit kinetics, tamap fit and trpl. Free with
 * gk_kin_prepared_free (also after an error). */
int gk_kin_irf_read(const char *path, const char *time_unit, gk_kin_prepared *out, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
