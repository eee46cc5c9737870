/* Shared between the files of src/vsl/ only. */
#ifndef GK_VSL_INTERNAL_H
#define GK_VSL_INTERNAL_H
#include "gainkit/vsl.h"
#include "gainkit/fit.h"
#include <math.h>
/* sat-exact I(L) and dI/dtheta; with have_I == 1 the intensities in I are
 * taken as already solved for theta (the Jacobian after a model call at
 * the same theta, saving the root finding); with have_I == 2 they are the
 * solution at a nearby theta, used as the root finder's starts. */
/* gk_vsl_sat_length with lnI[i] = ln|I[i]| given (NULL: computed): a fit
 * evaluates Eq. 3 at the same intensities many times. */
int gk_vsl_sat_length_ln_(const double *theta, const double *I, const double *lnI, size_t n, double *L, double *jac);
/* As gk_vsl_sat_length_ln_, with T[i] = ln|1 + k I_i/A| (Eq. 3's log
 * term) stored (have_T 0) or taken as computed at the same theta
 * (have_T 1: the Jacobian after a model call, without a log per point);
 * T may be NULL. */
int gk_vsl_sat_length_T_(const double *theta, const double *I, const double *lnI, size_t n, double *L, double *jac,
                         double *T, int have_T);
int gk_vsl_satexact_eval_(const double *th, const double *L, size_t n, double *I, double *jac, int have_I);
/* gk_vsl_fit_model with the fits of the same data already done (done:
 * GK_VSL_NMODELS entries, those with ok set are used; sat-exact starts
 * from sat's and tests vsl1's, saving refits in spectral runs) and a start theta
 * (a neighbouring wavelength's answer) tried alone first; when that fit
 * does not converge, the data-derived starts follow. Either may be NULL. */
int gk_vsl_fit_model_(const gk_vsl_data *d, gk_vsl_model m, const gk_vsl_fit *done, const double *warm,
                      gk_vsl_fit *f, gk_error *err);
/* 1 when every fitted parameter has a finite standard error. */
int gk_vsl_fit_determined_(const gk_vsl_fit *f);
/* The Ahn et al. (Chem. Rev. 2023) form I = A L + B e^{gL} (src/vsl/ahn.c):
 * I(L) and dI/d(g, A, ln B); chi2 at fixed g with (A, B) by weighted least
 * squares (INFINITY when B <= 0); starts (one) from a scan of that profile. */
int gk_vsl_ahn_eval_(const double *th, const double *L, size_t n, double *I, double *jac);
double gk_vsl_ahn_profile_(const gk_vsl_data *d, double g, double *A, double *B);
size_t gk_vsl_ahn_guess_(const gk_vsl_data *d, double *st, size_t max, double *target);
/* The reported parameters, chi2 and warnings of f (model, ntheta, yhat set)
 * from the engine's result r (src/vsl/fit.c finish; exposed for tests). */
void gk_vsl_finish_(const gk_vsl_data *d, gk_vsl_fit *f, const gk_fit_result *r);
/* src/vsl/fit.c for src/vsl/satexact.c: the uncertainty of I[i] for the
 * weighting (1 when unweighted), and the sequential multi-start
 * (seq_starts: one start at a time, the engine's policy with agreement). */
double gk_vsl_sig_I_(const gk_vsl_data *d, size_t i);
int gk_vsl_seq_starts_(gk_fit_problem *prob, gk_param *par, const gk_fit_options *opt, const double *st,
                       size_t ns, double yy, int wander, gk_fit_result *best, gk_error *err);
/* sat-exact's fit (src/vsl/satexact.c): guess (ng starts of 4) from
 * guess_, done/warm as for gk_vsl_fit_model_, wander: starts already run
 * out of iterations elsewhere. *limit: 0, or -1 when the lowest chi2 lies
 * at the limit t = 0, q > 0 (Is -> infinity, quadratic saturation) of the
 * homogeneous form; then hlim (8) receives its h, ln I0 and the standard
 * errors of p, q, ln a (NaN if singular), and best holds a stand-in point
 * 1e-8 inside the limit. */
int gk_vsl_fit_satexact_(const gk_vsl_data *d, gk_fit_problem *prob, const gk_fit_options *opt,
                         const double *guess, size_t ng, const gk_vsl_fit *done, const double *warm,
                         int wander, gk_fit_result *best, int *limit, double *hlim, gk_error *err);
/* sat-exact in homogeneous form (src/vsl/satlimit.c): h = (p, q, ln a, t)
 * in J = I/I0, dJ/dx = a + (p J - q J^2)/(cos t + J sin t); its ends
 * t = 0 and pi/2 are the model's limits at infinity. */
int gk_vsl_sxh_eval_(const double *h, const double *L, size_t n, double *J, double *jac, int have_J);
double gk_vsl_sxh_x_(const double *h, double J, double *dx);
double gk_vsl_sxh_plateau_(const double *h);
void gk_vsl_sxh_from_theta_(const double *th, double lnI0, double *h);
int gk_vsl_sxh_to_theta_(const double *h, double lnI0, double *th);
/* ln(1 + e^t) without overflow: the sat-exact evaluators' log terms
 * (models.c, satlimit.c). */
static inline double gk_vsl_softplus_(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }
#endif
