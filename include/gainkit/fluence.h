/* gainkit/fluence.h — from pump pulse to carrier density: fluence, beam
 * profiles, pump absorption in a thin-film stack, the fluence -> N -> G(N)
 * chain and the shifting-excitation-spot loss spectrum.
 *
 * Threshold disagreements between labs come largely from "various
 * definitions of spot size and fluence" (Tatarinov et al., Adv. Opt. Mater.
 * 2023; Goldberg et al., Adv. Mater. 2024); every result here therefore
 * carries the definition it used (peak vs average fluence, which area).
 *
 * Units (internal): energy J, power W, frequency Hz, length cm (beam sizes),
 * depth nm (stack coordinates, as in gainkit/modes.h), wavelength nm, time s,
 * fluence J/cm^2, intensity W/cm^2, density cm^-3, gain cm^-1.
 */
#ifndef GAINKIT_FLUENCE_H
#define GAINKIT_FLUENCE_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/fit.h"
#include "gainkit/stack.h"
#include "gainkit/io.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* ---- spot geometry and fluence ----------------------------------------- */
typedef enum {
  GK_SPOT_RECT = 0,     /* top hat a x b (stripe: length x width) */
  GK_SPOT_CIRCLE,       /* top hat, diameter a */
  GK_SPOT_ELLIPSE,      /* top hat, diameters a, b: area pi a b / 4 */
  GK_SPOT_GAUSS,        /* Gaussian, 1/e^2 intensity radii a (x), b (y) */
  GK_SPOT_GAUSS_STRIPE  /* top hat of length a along the stripe, Gaussian
                           across it with 1/e^2 radius b */
} gk_spot_kind;

typedef enum { GK_PULSE_GAUSS = 0, GK_PULSE_SECH2, GK_PULSE_SQUARE } gk_pulse_shape;

/* FWHM of a Gaussian intensity profile -> 1/e^2 radius: w = FWHM/sqrt(2 ln 2). */
double gk_gauss_w_from_fwhm(double fwhm);

typedef struct gk_fluence_in {
  double energy, se_energy;            /* pulse energy at the source, J */
  double transmission, se_transmission;/* product of filters/attenuators (1: none) */
  double absorbed, se_absorbed;        /* absorbed fraction of the film, NAN: not given */
  gk_spot_kind spot;
  double a, se_a, b, se_b;             /* spot sizes, cm (see gk_spot_kind) */
  double pulse_fwhm;                   /* s; NAN: no peak intensity */
  gk_pulse_shape pulse_shape;
} gk_fluence_in;

typedef struct gk_fluence_out {
  double energy, se_energy;     /* on the sample (after transmission), J */
  double area, se_area;         /* the nominal spot area used for the average, cm^2 */
  double area_eff;              /* E / F_peak, cm^2 */
  double f_peak, se_f_peak;     /* peak fluence, J/cm^2 */
  double f_avg, se_f_avg;       /* E / area, J/cm^2 */
  double i_peak, se_i_peak;     /* peak intensity, W/cm^2 (NAN without a pulse width) */
  double peak_over_time;        /* I_peak = peak_over_time * F_peak / FWHM */
  double f_abs_peak, se_f_abs_peak; /* absorbed peak fluence, NAN without absorbed */
  char area_def[160];           /* "area = pi w^2 (1/e^2 radius)" ... */
  char peak_def[160];
} gk_fluence_out;

/* Fluence, intensity and their standard errors (first-order propagation;
 * every quantity is a product of powers of the inputs, so relative errors
 * add in quadrature with the exponents as weights). */
int gk_fluence_compute(const gk_fluence_in *in, gk_fluence_out *out, gk_error *err);
/* Pulse energy from average power and repetition rate, E = P / f. */
double gk_pulse_energy(double power, double rep_rate);
/* Peak power of a pulse of energy 1 and FWHM 1: Gaussian 2 sqrt(ln2/pi) =
 * 0.9394, sech^2 ln(1+sqrt2) = 0.8814, square 1. */
double gk_pulse_peak_factor(gk_pulse_shape s);
/* Absorbed fraction from an absorbance (OD, base 10): 1 - 10^-OD. */
double gk_absorbed_from_od(double od);

/* ---- measured beam profiles -------------------------------------------- */
/* Knife-edge scan P(x) = bg + (P0/2) erfc(s sqrt2 (x - x0)/w), s = +1 when
 * the blade uncovers the beam as x decreases (power falls with x), -1 when
 * it rises with x (chosen from the data). w is the 1/e^2 radius. */
typedef struct gk_knife_result {
  double w, se_w, x0, se_x0, p0, se_p0, bg, se_bg;
  int direction;                /* +1 falling, -1 rising */
  double w_1090;                /* second method: w = d(10-90%) / 1.28155 (NAN if not bracketed) */
  int converged;
  gk_fit_result fit;            /* free with gk_knife_free */
} gk_knife_result;
int gk_knife_edge_fit(const double *x, const double *p, size_t n, gk_knife_result *r, gk_error *err);
void gk_knife_free(gk_knife_result *r);
/* The model at one position (for plots). */
double gk_knife_model(const gk_knife_result *r, double x);

/* Camera line profile I(x): Gaussian fit bg + A exp(-2 (x - x0)^2 / w^2) and
 * the second-moment (D4sigma) radius w = 2 sigma after subtracting the
 * minimum, as a second method. */
typedef struct gk_profile_result {
  double w, se_w, x0, se_x0, amp, se_amp, bg, se_bg;
  double w_d4s;                 /* 2 sigma of the background-subtracted profile */
  double fwhm;                  /* interpolated at half maximum above bg (NAN if not bracketed) */
  int converged;
  gk_fit_result fit;
} gk_profile_result;
int gk_line_profile_fit(const double *x, const double *y, size_t n, gk_profile_result *r, gk_error *err);
void gk_profile_free(gk_profile_result *r);

/* ---- pump absorption in a stack (normal incidence, coherent) ----------- */
/* Plane wave at normal incidence from layer 0 (the stack's cover; set
 * from_substrate to pump through the substrate), transfer matrix of the
 * layer amplitudes. The cover and substrate are semi-infinite (a thick
 * glass substrate's back face is not included). */
typedef struct gk_absorb {
  size_t nlayers;
  double wavelength_nm;
  double R, T;                  /* reflectance, transmittance into the substrate */
  double *A;                    /* nlayers absorbed fractions (0 for cover/substrate) */
  double _Complex *fwd, *bwd;   /* field amplitudes at the top of each layer (incident = 1) */
  double _Complex *index;       /* n + ik per layer */
  double *thickness_nm;         /* per layer (0 for cover and substrate) */
  int reversed;                 /* 1 when pumped from the substrate side */
} gk_absorb;
int gk_absorb_stack(const gk_stack *s, double wavelength_nm, int from_substrate, gk_absorb *a,
                    gk_error *err);
/* The same from arrays (n, k, thickness per layer, top to bottom). */
int gk_absorb_layers(size_t nlayers, const double *n, const double *k, const double *thickness_nm,
                     double wavelength_nm, gk_absorb *a, gk_error *err);
void gk_absorb_free(gk_absorb *a);
/* Absorbed power per unit depth per unit incident intensity, nm^-1, at
 * depth z_nm (stack coordinates: 0 at the top of layer 1, in the stack's
 * own top-to-bottom orientation even when pumped from the substrate). */
double gk_absorb_density(const gk_absorb *a, double z_nm);

/* Photon energy h c / lambda in J. */
double gk_photon_energy_j(double wavelength_nm);

/* Carrier density profile N(z) in the active layer [zlo, zhi] (nm) for
 * absorbed photons -> carriers (one pair per photon):
 *   TMM:           N(z) = F (dA/dz) / (h nu)
 *   Beer-Lambert:  N(z) = F (1 - R) alpha exp(-alpha z) / (h nu)
 * F incident fluence J/cm^2. */
typedef struct gk_depth_profile {
  size_t n;
  double *z_nm, *N;             /* n points, N in cm^-3 */
  double n_mean;                /* thickness average, cm^-3 */
  double n_mode;                /* weighted by the guided mode's |E|^2 in the layer, NAN if not computed */
  double absorbed;              /* fraction of the incident photons absorbed in the layer */
} gk_depth_profile;
int gk_depth_tmm(const gk_absorb *a, size_t layer, double fluence, size_t npts, gk_depth_profile *p,
                 gk_error *err);
/* alpha in cm^-1 (1/l_p for an 1/e depth, 2/l_p for a 1/e^2 depth as in
 * Tatarinov et al. 2023), thickness in nm, reflectance R of the front face. */
int gk_depth_beer(double fluence, double wavelength_nm, double alpha_cm, double thickness_nm,
                  double R, size_t npts, gk_depth_profile *p, gk_error *err);
void gk_depth_free(gk_depth_profile *p);
/* Mode-weighted density: sum N |E|^2 / sum |E|^2 over the profile's points,
 * with E2 sampled at p->z_nm (trapezoid weights). Sets p->n_mode. */
double gk_depth_mode_weighted(gk_depth_profile *p, const double *E2);

/* ---- preparation from measurements (for the CLI and bindings) ----------- */
/* A measured beam profile fitted for its 1/e^2 radius: a knife-edge scan
 * (gk_knife_edge_fit) or a camera line profile (gk_line_profile_fit). */
typedef struct gk_beam {
  int knife;                 /* 1 knife edge, 0 camera profile */
  gk_knife_result k;         /* with knife */
  gk_profile_result p;       /* without */
  double w, se_w;            /* the radius, cm */
} gk_beam;
/* Fit x (cm), y (n points; x need not be sorted). A fit that does not
 * converge is an error (GK_ENOCONV: the scan does not determine the radius),
 * the beam then freed; errors carry no file (the caller names it). */
int gk_beam_fit(const double *x, const double *y, size_t n, int knife, gk_beam *b, gk_error *err);
/* The fitted model at x (cm). */
double gk_beam_model(const gk_beam *b, double x);
void gk_beam_free(gk_beam *b);
/* The active layer's absorbed fraction of a pump at wavelength_nm
 * (gk_absorb_stack into a, which the caller frees on success). Errors
 * (GK_EINPUT, the stack's file and the layer's line): no layer marked
 * active, or an active layer that does not absorb there (k = 0). */
int gk_fluence_absorb_active(const gk_stack *s, double wavelength_nm, int from_substrate, gk_absorb *a,
                             double *absorbed, gk_error *err);
/* A round Gaussian spot whose radius comes from one measurement: w enters
 * the area squared (fully correlated), not as two independent radii; the
 * standard errors of out (area, fluences, intensity, absorbed fluence) are
 * recomputed so (in->a, in->se_a: that radius). */
void gk_fluence_correlated_radius(const gk_fluence_in *in, gk_fluence_out *out);
/* Weight the depth profile p (in the stack's active layer) by the |E|^2 of
 * the fundamental TE (tm = 0) or TM guided mode at wavelength_nm: sets
 * p->n_mode and *confinement (the mode's Gamma in that layer) and *found = 1;
 * *found = 0 (nothing set) when there is no guided mode (or the mode search
 * failed: then also an error), 2 when the guide could not be built from the
 * stack at that wavelength (an error) or the mode's field not sampled. */
int gk_depth_mode_from_stack(gk_depth_profile *p, const gk_stack *s, double wavelength_nm, int tm,
                             double *confinement, int *found, gk_error *err);

/* ---- the gain chain: g(F) -> N(F) -> G(N) ------------------------------ */
/* N = c_N F with c_N = absorbed fraction in the active layer / (h nu d)
 * (thickness average) or the mode-weighted equivalent; then the saturating
 * law G = Gamma sigma (N - N_th)/(1 + N/N_s) (Tatarinov et al. 2023 Eq. 1-2)
 * fitted with Gamma fixed, weights from the gain errors. */
typedef struct gk_chain_result {
  double gamma, c_n;            /* confinement used, cm^-3 per J/cm^2 */
  double sigma, se_sigma, n_th, se_n_th, n_s, se_n_s;
  double f_th, se_f_th;         /* threshold fluence N_th / c_N, J/cm^2 */
  double chi2_red;
  int converged;
  gk_fit_result fit;
} gk_chain_result;
int gk_chain_fit(const double *fluence, const double *g, const double *se_g, size_t n, double gamma,
                 double c_n, gk_chain_result *r, gk_error *err);
void gk_chain_free(gk_chain_result *r);


/* ---- shifting excitation spot: loss spectrum --------------------------- */
/* Edge intensity of a fixed-length stripe moved a distance x (cm) away from
 * the edge: I(x) = I0 exp(-alpha x) (Milanese et al., Adv. Opt. Mater. 2024,
 * Fig. S1). Weighted least squares on ln I (weights I^2/sigma^2, or equal
 * for relative errors); the fit of I itself by gk_fit is the second method.
 * Intensities must be > 0. */
typedef struct gk_ses_fit {
  double alpha, se_alpha;       /* cm^-1 */
  double i0, se_i0;
  double alpha_nl, se_alpha_nl; /* nonlinear fit of I(x) */
  double chi2_red;
  int converged;
} gk_ses_fit;
int gk_ses_fit_run(const double *x, const double *intensity, const double *sigma, size_t n,
                   gk_ses_fit *r, gk_error *err);

/* ---- VSL with a non-uniform pump stripe ------------------------------- */
/* A measured longitudinal pump profile p(x) (x from the collecting edge,
 * cm; normalised here to mean 1 over the longest stripe) makes the local
 * net gain g(x) = gamma p(x) - alpha and the spontaneous source A p(x):
 *   I(L) = integral_0^L A p(x) exp(integral_0^x g(x') dx') dx
 * (longitudinal inhomogeneities as discussed by Dal Negro et al., Opt.
 * Commun. 2004, and Alvarado-Leanos et al., Adv. Opt. Mater. 2021). For
 * p = 1 this is vsl1 with g = gamma - alpha. alpha (cm^-1) is held fixed
 * (from `ses`, or 0). g_uniform = gamma - alpha is the net gain a uniform
 * stripe of the same mean pump would show. */
typedef struct gk_vslp_fit {
  double gamma, se_gamma, A, se_A;
  double g_uniform, se_g_uniform;
  double alpha;
  int converged;
  gk_fit_result fit;
} gk_vslp_fit;
/* Model intensities at L[0..n-1] (cm, within the profile's range). */
int gk_vslp_intensity(const double *px, const double *p, size_t np, double gamma, double alpha, double A,
                      const double *L, size_t n, double *intensity, gk_error *err);
/* Fit gamma and A; sigma NULL: relative weights. */
int gk_vslp_fit_run(const double *L, const double *intensity, const double *sigma, size_t n, const double *px,
                    const double *p, size_t np, double alpha, gk_vslp_fit *r, gk_error *err);
void gk_vslp_free(gk_vslp_fit *r);

/* ---- VSL threshold length and small-signal (saturation) length -------- */
/* Threshold length: the stripe length where the amplified emission equals
 * the unamplified (spontaneous) reference A L, (A/g)(e^{gL} - 1) - A L = A L,
 * i.e. e^{gL} - 1 = 2 g L, g L = 1.25643 (vsl1 gain of the small-signal
 * range). Saturation length, two ways: from the sat fit (Milanese et al.
 * 2024 Eq. 3) the length where I reaches the saturation intensity Is (the
 * gain halved), and from the data the longest stripe up to which vsl1 on the
 * shortest stripes still passes a chi^2 test (p >= 0.01, absolute sigma;
 * needs the sigma column). Lengths in cm; NAN when not determined. */
typedef struct gk_vsl_lengths {
  double l_th;                 /* 1.25643 / g_small; NAN when g_small <= 0 */
  double l_sat_model;          /* sat: L(I = Is); NAN if the sat fit fails or Is is beyond 100 x max I */
  double l_sat_data;           /* last stripe of the small-signal range (NAN without sigma) */
  int saturated;               /* 1 when the chi^2 test failed before the last stripe */
  size_t n_small;              /* points in the small-signal range (all without sigma) */
  double g_small, se_g_small;  /* vsl1 on the small-signal range, cm^-1 */
  double p_value;              /* chi^2 p of the small-signal fit (NAN without sigma) */
} gk_vsl_lengths;
/* d as for gk_vsl_fit_model (vsl.h); lengths sorted ascending. */
struct gk_vsl_data;
int gk_vsl_lengths_compute(const struct gk_vsl_data *d, gk_vsl_lengths *out, gk_error *err);
/* As gk_vsl_lengths_compute, given nknown fits of the same data already
 * done (struct gk_vsl_fit, e.g. the caller's vsl1 and sat fits): a fit the
 * analysis needs that is among them (gk_vsl_fit_is_of) is not repeated.
 * The result is the same. */
struct gk_vsl_fit;
int gk_vsl_lengths_compute_from(const struct gk_vsl_data *d, const struct gk_vsl_fit *known, size_t nknown,
                                gk_vsl_lengths *out, gk_error *err);
/* The root of e^x - 1 = 2x, x > 0 (1.2564...). */
double gk_vsl_threshold_gl(void);

/* The chain's inputs. Fluences (J/cm^2): from a file name, a number
 * directly followed by uJ, mJ or nJ ("vsl-F0120uJcm2.csv", "scan_1.5mJ.csv",
 * per cm^2; NaN when none); for n files (GK_EUSAGE naming the file when
 * one has none); or from a sidecar of "file,fluence" lines (a header
 * "file,fluence (mJ/cm2)" sets the unit, uJ/cm2 without; FILE:LINE errors:
 * not a number > 0, a file not among files, a file without a fluence). */
double gk_chain_fluence_from_name(const char *path);
int gk_chain_fluences_from_names(const char *const *files, size_t n, double *F, gk_error *err);
int gk_chain_sidecar_read(const char *path, const char *const *files, size_t n, double *F, gk_error *err);
/* c_N (cm^-3 per J/cm^2) and Gamma: from a stack (YAML, gk_stack_load:
 * pump absorption of the active layer by the transfer matrix, Gamma of
 * TE0/TM0 at the emission wavelength, the stack's wavelength_nm when NaN;
 * density the thickness average or weighted by the mode's |E|^2), or
 * without one from gamma, thickness (nm) and the absorbed fraction or the
 * 1/e^2 penetration depth lp (nm, Beer-Lambert; absorbed then NaN). Errors
 * name the stack file (no active layer, no wavelength, no guided mode) or
 * say that the active layer absorbs nothing. */
typedef struct gk_chain_density_options {
  const char *stack;            /* NULL: the numbers below */
  double pump_wavelength;       /* nm (default 400) */
  double emission_wavelength;   /* nm; NaN: the stack's wavelength_nm */
  int tm, mode_weighted;
  double gamma, thickness, absorbed, lp;   /* without a stack */
} gk_chain_density_options;
typedef struct gk_chain_density {
  double c_n, gamma, absorbed, thickness;  /* cm^-3 per J/cm^2, -, -, nm */
  char how[256];                /* where N comes from, in words */
} gk_chain_density;
void gk_chain_density_options_default(gk_chain_density_options *o);
int gk_chain_density_compute(const gk_chain_density_options *o, gk_chain_density *d, gk_error *err);
/* One VSL fit per scan (vsl_model a gk_vsl_model; with small_signal vsl1
 * on the small-signal range of gk_vsl_lengths_compute), pt (n points)
 * sorted by fluence, then gk_chain_fit of the points that converged with a
 * finite gain error. Notes: scans without a small-signal range, saturated
 * ones, points excluded. Errors: the readers' and fits' (FILE:LINE). */
typedef struct gk_chain_point {
  double F, g, se, N;           /* J/cm^2, cm^-1, cm^-1, cm^-3 */
  const char *file;
  int converged;
  gk_vsl_lengths len;
} gk_chain_point;
int gk_chain_run(const char *const *files, size_t n, const double *F, const gk_chain_density *dens, int vsl_model,
                 int small_signal, gk_chain_point *pt, gk_chain_result *r, gk_notes *notes, gk_error *err);

/* ---- threshold versus a control parameter ----------------------------- */
/* Straight line y = a + b x through thresholds y_i(x_i) (voltage,
 * temperature, stripe length, time), weighted by 1/se_i^2 when se != NULL
 * (errors from the se_i, multiplied by sqrt(chi2_red) only when chi2_red > 1),
 * equal weights otherwise (errors from the scatter). Needs n >= 3 and two
 * distinct x. */
typedef struct gk_trend {
  double a, se_a, b, se_b, chi2_red;
  size_t n;
} gk_trend;
int gk_trend_linear(const double *x, const double *y, const double *se, size_t n, gk_trend *t, gk_error *err);
/* The control parameter from a file name: its last number (before the
 * extension) with the letters right after it as unit ("series-20V.csv" ->
 * 20, "V"; "run_-5V" -> -5); NaN when none. For n files: GK_EUSAGE naming
 * the first file without one; unit "" unless all agree. */
double gk_trend_value_from_name(const char *path, char *unit, size_t usz);
int gk_trend_values_from_names(const char *const *files, size_t n, double *x, char *unit, size_t usz, gk_error *err);
/* The trend of n pump series (pump, intensity columns, one pump unit for
 * all) at parameter values (distinct, else GK_EUSAGE): the threshold of
 * each (gk_threshold_kink_fit, or gk_threshold_lines_fit with lines: no
 * error), rows sorted by value; a series without a threshold is noted and
 * left out; the straight line (gk_trend_linear, weighted by the kink's
 * errors) through the m determined ones (trend_ok 0 with trend_reason
 * when it cannot be drawn: not an error). Errors: the readers' and fits'
 * (FILE:LINE), a pump unit differing from the first file's. */
typedef struct gk_trend_row { double x, th, se; const char *file; int ok; } gk_trend_row;
typedef struct gk_trend_series {
  size_t n;
  gk_trend_row *row;
  size_t m;
  double *x, *y, *se;          /* the m determined thresholds */
  char pump_unit[32];          /* as in the files */
  int trend_ok;
  gk_trend trend;
  char trend_reason[512];
  gk_notes notes;
} gk_trend_series;
int gk_trend_run(const char *const *files, const double *values, size_t n, int lines, gk_trend_series *t, gk_error *err);
void gk_trend_series_free(gk_trend_series *t);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
