/* Internal helpers of the kinetics module. */
#ifndef GK_KINETICS_INTERNAL_H
#define GK_KINETICS_INTERNAL_H

/* Gaussian sigma from its FWHM. */
double gk_kin_sigma_of_fwhm(double fwhm);
/* Gaussian-convolved exponential (IRF sigma s) at t after t0. */
double gk_kin_gauss_e(double t, double tau, double s);
/* The unit-area Gaussian IRF of sigma s at t. */
double gk_kin_gauss_pdf(double t, double s);
/* Gaussian-convolved exponential and its derivatives in t and tau. */
void gk_kin_gauss_derivs(double t, double tau, double s, double *e, double *de_dt, double *de_dtau);

/* The measured IRF (piecewise linear, unit area) at t; 0 outside. */
double gk_kin_irf_value(const gk_kin_irf *irf, double t);

/* Test hook of the fit's variable-projection stage at phi = (t0, tau_1..m)
 * of the fit o describes (o->ncomp components, offset, IRF, t0 held or
 * not), u = (t0 in IRF sigmas, log tau). Writes out[0] = chi2, then J^T r
 * (nu) and J^T J (nu x nu) from the Gram matrices, the same two formed
 * from J column by column, and central differences of chi2/2 in u (nu):
 * 1 + 2 (nu + nu^2) + nu values. Returns nu, or -1. */
int gk_kin_vp_probe(const gk_kin_data *d, const gk_kin_options *o, const double *phi, double *out);

#endif
