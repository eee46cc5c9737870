/* gainkit/cavity.h — distributed-feedback (DFB) cavities by coupled-wave
 * theory (Kogelnik & Shank, J. Appl. Phys. 1972).
 *
 * Fields R e^{-i beta0 z} + S e^{+i beta0 z} near the Bragg condition
 * beta0 = m pi / Lambda obey
 *   -R' + (alpha - i delta) R = i kappa S,   S' + (alpha - i delta) S = i kappa R
 * with alpha the amplitude (field) gain, 2 alpha the modal power gain, and
 * delta = beta - beta0 the detuning. A grating of length L without facet
 * reflections (R(-L/2) = S(L/2) = 0) lases when
 *   gamma cosh(gamma L) - (alpha - i delta) sinh(gamma L) = 0,
 *   gamma^2 = kappa^2 + (alpha - i delta)^2,
 * a transcendental equation in the two real unknowns (alpha L, delta L) for a
 * given kappa L (complex: index coupling real, gain coupling imaginary). Its
 * zeros are located by a grid scan and refined with GSL's hybrid
 * multidimensional root finder.
 *
 * kappa from the guide: for a permittivity modulation in layer j with
 * Fourier component eps_m at the grating vector m K (K = 2 pi / Lambda),
 * kappa = k0 eps_m Gamma_j / (2 n_eff) (TE), Gamma_j the mode's confinement in
 * layer j. A rectangular grating between eps_hi (fraction D of the period)
 * and eps_lo has eps_m = (eps_hi - eps_lo) sin(pi m D)/(pi m).
 */
#ifndef GAINKIT_CAVITY_H
#define GAINKIT_CAVITY_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/modes.h"
#include "gainkit/fit.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef struct gk_dfb_mode {
  double alpha_L;   /* field gain x length at threshold (power gain = 2 alpha) */
  double delta_L;   /* detuning from the Bragg condition x length */
} gk_dfb_mode;

/* The lowest-threshold longitudinal modes of a uniform DFB grating, up to
 * `max` of them, sorted by alpha_L (ties: delta_L >= 0 first), found in
 * alpha_L in (0, alpha_max], |delta_L| <= delta_max. Index coupling gives
 * pairs +-delta. *n: how many were found. kappa_L = kappa L (complex). */
int gk_dfb_threshold(double kappa_re_L, double kappa_im_L, double alpha_max, double delta_max, gk_dfb_mode *out,
                     size_t max, size_t *n, gk_error *err);

/* The same with the radiation (surface-emission) coupling zeta of a
 * second-order grating (gk_dfb_radiation), zeta_L = zeta L, Re >= 0: the
 * coupled-wave equations become (Kazarinov & Henry, IEEE J. Quantum
 * Electron. 1985)
 *   R' = (alpha - i delta) R - i kappa S - zeta (R + S),
 *  -S' = (alpha - i delta) S - i kappa R - zeta (R + S),
 * i.e. Kogelnik-Shank with alpha -> alpha - zeta and kappa -> kappa - i zeta.
 * alpha_L is the total field gain at threshold (radiation included). */
int gk_dfb_threshold_rad(double kappa_re_L, double kappa_im_L, double _Complex zeta_L, double alpha_max,
                         double delta_max, gk_dfb_mode *out, size_t max, size_t *n, gk_error *err);

/* Facet reflections and a phase shift. The same equations, with
 * R(-L/2) = r1 S(-L/2) and S(L/2) = r2 R(L/2): r1, r2 the amplitude
 * reflections in the frame of the coupled-wave amplitudes (their phase
 * includes the grating phase at the facet), |r| < 1; and the grating phase
 * jumping by shift_rad at the centre (the coupling of the second half is
 * kappa e^{+-i shift}: a quarter-wave-shifted grating, the grating moved by
 * half a period, is shift_rad = pi, and lases at delta = 0). r1 = r2 = 0
 * and no shift is gk_dfb_threshold. Transfer matrices of the two uniform
 * sections (closed form), zeros by the same grid scan and GSL hybrid
 * refinement. No radiation coupling here. */
int gk_dfb_threshold_facets(double kappa_re_L, double kappa_im_L, double _Complex r1, double _Complex r2,
                            double shift_rad, double alpha_max, double delta_max, gk_dfb_mode *out, size_t max,
                            size_t *n, gk_error *err);

/* Radiation coupling zeta (cm^-1, complex, K-S sign convention) of a
 * second-order rectangular grating filling layer `layer` with first
 * Fourier component eps1 (gk_dfb_rect_eps_m(..., 1)): the first-order
 * diffraction of R and S into the field radiated normal to the guide,
 * from the normal-incidence Green's function of the layered stack
 *   zeta = i k0^4/(2 beta) Int Int eps1 E0(x) G(x,x') eps1 E0(x') dx dx',
 * E0 normalised to Int E0^2 dx = 1 (TE only). An infinite grating's band
 * edges: one at alpha = 0 (no radiation), the other at alpha = 2 Re zeta. */
int gk_dfb_radiation(const gk_guide *g, const gk_mode *m, size_t layer, double eps1, double _Complex *zeta_cm,
                     gk_error *err);

/* The same threshold by a transfer matrix of the physical grating, as an
 * independent check: N periods of two layers (n_avg +- dn/2, each Lambda/2,
 * first order), in a medium n_avg; Newton/secant on the complex propagation
 * constant from the start (alpha_L, delta_L). Returns the refined pair. */
int gk_dfb_threshold_tmm(double n_avg, double dn, double wavelength_nm, long periods, gk_dfb_mode *mode,
                         gk_error *err);

/* Coupling coefficient kappa (cm^-1) of a grating in layer `layer` of the
 * guide for mode m: Fourier component eps_m of the permittivity modulation.
 * TE: kappa = k0 eps_m Gamma_j / (2 n_eff). TM (an interior layer): from the
 * magnetic field H_y, kappa = (1/2 beta) Int_j eps_m (beta^2 |H|^2 - |H'|^2)
 * / eps_j^2 / Int |H|^2/eps, i.e. the overlap with e_x^2 - e_z^2 (the
 * longitudinal field couples with the opposite sign), first order in eps_m
 * (the normal-field corrections of deep high-contrast gratings, Streifer et
 * al., IEEE J. Quantum Electron. 1976, are not included). A partial-depth
 * grating is a sub-layer of its own: split the layer in the guide. */
int gk_dfb_kappa(const gk_guide *g, const gk_mode *m, size_t layer, double eps_m, double *kappa_cm,
                 gk_error *err);
/* Fourier component of a rectangular grating of order m and duty cycle D. */
double gk_dfb_rect_eps_m(double eps_hi, double eps_lo, double duty, int order);
/* Bragg wavelength 2 n_eff Lambda / m and the index-coupled stop band
 * half-width in wavelength, lambda^2 |kappa| / (2 pi n_g) (n_g: group index;
 * callers without dispersion data pass n_eff). */
double gk_dfb_bragg_nm(double neff, double period_nm, int order);
double gk_dfb_stopband_halfwidth_nm(double lambda_nm, double kappa_cm, double ng);

/* ---- resonator calculators --------------------------------------------------
 * Q = lambda / dlambda (FWHM); photon lifetime tau_p = Q lambda / (2 pi c);
 * free spectral range of a Fabry-Perot cavity lambda^2 / (2 n_g L) and of a
 * whispering-gallery (microdisk/ring) resonator lambda^2 / (2 pi R n_g).
 * Instrument deconvolution of a Lorentzian line of measured FWHM w_meas:
 * Lorentzian instrument w_L = w_meas - w_instr; Gaussian instrument from the
 * Voigt width w_V = 0.5346 w_L + sqrt(0.2166 w_L^2 + w_G^2) (Olivero &
 * Longbothum, J. Quant. Spectrosc. Radiat. Transfer 1977; 0.02 % accuracy)
 * solved for w_L. NAN when the instrument is wider than the measured line. */
double gk_cavity_q(double lambda_nm, double fwhm_nm);
double gk_cavity_photon_lifetime_s(double lambda_nm, double q);
double gk_cavity_fsr_fp_nm(double lambda_nm, double ng, double length_nm);
double gk_cavity_fsr_wgm_nm(double lambda_nm, double ng, double radius_nm);
double gk_cavity_deconvolve_lorentz_nm(double fwhm_meas_nm, double fwhm_instr_nm, int gaussian_instrument);

/* ---- lasing-line fit ---------------------------------------------------------
 * y = baseline + amplitude * P(x - center) / P(0), P a Lorentzian of FWHM
 * fwhm_lorentz, or its convolution with a Gaussian of FWHM fwhm_gauss (a
 * Voigt profile, evaluated by adaptive quadrature of the convolution
 * integral): gauss_fwhm_nm = 0 fits a Lorentzian; > 0 a Voigt with that
 * Gaussian (instrument) width held fixed, so the cavity's Lorentzian width
 * comes out deconvolved; < 0 a Voigt with both widths free. Unweighted
 * least squares by gk_fit (the project's engine), two starts. Q =
 * center / fwhm_lorentz with its standard error; total FWHM from the
 * Olivero-Longbothum formula. resolved = 0 when the Lorentzian width is not
 * above twice its standard error or below a tenth of the sample step, or a
 * fixed Gaussian is not narrower than the data's half-maximum width: the
 * width is then not determined by the data. x_nm strictly increasing, n >= 6. */
typedef struct gk_line_fit {
  double amplitude, baseline;
  double center_nm, center_se;
  double fwhm_lorentz_nm, fwhm_lorentz_se;
  double fwhm_gauss_nm, fwhm_gauss_se;   /* fixed: se 0 */
  double fwhm_total_nm;
  double q, q_se;
  int converged, resolved;
  gk_fit_result fit;
} gk_line_fit;
int gk_cavity_line_fit(const double *x_nm, const double *y, size_t n, double gauss_fwhm_nm, gk_line_fit *out,
                       gk_error *err);
void gk_line_fit_free(gk_line_fit *f);
/* A measured lasing spectrum (wl increasing, nm): the points inside
 * lo..hi (NaN: all), *first and *count; at least 6, else GK_EUSAGE naming
 * the field window (or none without a window; path names the spectrum). */
int gk_cavity_line_window(const double *wl, size_t n, double lo, double hi, const char *path, size_t *first,
                          size_t *count, gk_error *err);
/* The line fit of those points: a Lorentzian (plus a constant), or with a
 * Gaussian instrument of instrument_width a Voigt with that width held,
 * or with free_gauss a Voigt with both widths free; a Lorentzian
 * instrument is subtracted from the fitted Lorentzian width. Q = center /
 * Lorentzian FWHM and tau_p (gk_cavity_photon_lifetime_s) when the width
 * is resolved (and above twice its error after the subtraction), else
 * NaN with determined 0. Free with gk_cavity_line_free. */
typedef struct gk_cavity_line_options {
  double instrument_width;   /* nm; 0 none */
  int instrument_gauss;      /* 1 Gaussian instrument, 0 Lorentzian */
  int free_gauss;            /* Voigt with a free Gaussian width */
} gk_cavity_line_options;
typedef struct gk_cavity_line {
  double gauss;              /* the fit's Gaussian: 0 none (Lorentzian), -1 free, > 0 held (nm) */
  gk_line_fit fit;
  double linewidth_nm, linewidth_se;   /* the cavity's Lorentzian FWHM */
  int determined;
  double q, q_se, photon_lifetime_s;
} gk_cavity_line;
int gk_cavity_line_analyze(const double *wl, const double *y, size_t n, const gk_cavity_line_options *o,
                           gk_cavity_line *out, gk_error *err);
void gk_cavity_line_free(gk_cavity_line *l);
/* Olivero & Longbothum Voigt FWHM: 0.5346 w_L + sqrt(0.2166 w_L^2 + w_G^2). */
double gk_cavity_voigt_fwhm(double fwhm_l, double fwhm_g);

/* Threshold scaling of Goldberg et al., Adv. Mater. 2024, Eq. 7:
 * J_th ∝ P_th ∝ V / (PLQY Q_em tau_p). Returns the ratio J_th(b)/J_th(a) of
 * two designs (mode volume V, PLQY, emitter Q_em = lambda / spontaneous
 * FWHM, photon lifetime tau_p, in any consistent units); NAN if any is not
 * positive. */
double gk_cavity_jth_ratio(double V_a, double plqy_a, double qem_a, double taup_a, double V_b, double plqy_b,
                           double qem_b, double taup_b);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
