/* Shared between the files of src/vsl/ only. */
#ifndef GK_VSL_INTERNAL_H
#define GK_VSL_INTERNAL_H
void gk_vsl_gsl_quiet_(void);
/* sat-exact I(L) and dI/dtheta; with have_I the intensities in I are
 * taken as already solved for theta (the Jacobian after a model call at
 * the same theta, saving the root finding). */
int gk_vsl_satexact_eval_(const double *th, const double *L, size_t n, double *I, double *jac, int have_I);
#endif
