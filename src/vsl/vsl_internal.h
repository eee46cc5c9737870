/* Shared between the files of src/vsl/ only. */
#ifndef GK_VSL_INTERNAL_H
#define GK_VSL_INTERNAL_H
#include "gainkit/vsl.h"
void gk_vsl_gsl_quiet_(void);
/* sat-exact I(L) and dI/dtheta; with have_I the intensities in I are
 * taken as already solved for theta (the Jacobian after a model call at
 * the same theta, saving the root finding). */
int gk_vsl_satexact_eval_(const double *th, const double *L, size_t n, double *I, double *jac, int have_I);
/* gk_vsl_fit_model with sat's fit of the same data already done (sat-exact
 * starts from it; saves refitting it in spectral runs). sat_done may be NULL. */
int gk_vsl_fit_model_(const gk_vsl_data *d, gk_vsl_model m, const gk_vsl_fit *sat_done, gk_vsl_fit *f,
                      gk_error *err);
#endif
