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

#endif
