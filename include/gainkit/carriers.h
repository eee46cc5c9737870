/* gainkit/carriers.h — carrier dynamics in bulk gain films (ABC model).
 *
 * Sources: Goldberg et al., Adv. Mater. 2024 Eq. 1-3, 5 (ABC rate equation under
 * a Gaussian pulse, PLQY, N_th, J_th); Tatarinov et al., Adv. Opt. Mater. 2023 Eq. 1-2
 * (material gain with saturation) and the Mott density. docs/physics.md §7.
 *
 * Units: density cm^-3, k1 s^-1, k2 cm^3 s^-1, k3 cm^6 s^-1, time s,
 * thickness cm, fluence J/cm^2, photon energy eV, current density A/cm^2,
 * gain cm^-1, cross-section cm^2, temperature K, energies eV.
 */
#ifndef GAINKIT_CARRIERS_H
#define GAINKIT_CARRIERS_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/fit.h"
#include "gainkit/progress.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef struct gk_abc { double k1, k2, k3; } gk_abc;

/* Check k1, k2, k3 >= 0 and finite. */
int gk_abc_check(const gk_abc *k, gk_error *err);
/* PLQY = k2 N^2/(k1 N + k2 N^2 + k3 N^3) [Goldberg et al., Adv. Mater. 2024, Eq. 3]. */
double gk_plqy(const gk_abc *k, double n);
/* N_C = k2/k3: above it Auger outruns radiation (INFINITY if k3 = 0). */
double gk_plqy_nc(const gk_abc *k);
/* Analytic maximum: at N = sqrt(k1/k3), PLQY = k2/(k2 + 2 sqrt(k1 k3)). */
void gk_plqy_max(const gk_abc *k, double *plqy_max, double *n_at_max);
/* The same maximum found numerically (GSL Brent minimiser on log N); a
 * check of the closed form. */
int gk_plqy_max_numeric(const gk_abc *k, double *plqy_max, double *n_at_max, gk_error *err);

/* ---- Gaussian pulse excitation ------------------------------------------ */
/* Carriers generated per cm^3 by one pulse: F A/(hbar omega d) [Goldberg et al., Adv. Mater. 2024, Eq. 1]. */
double gk_pulse_density(double fluence, double absorptance, double photon_ev, double thickness);

typedef struct gk_pulse_opts {
  gk_abc k;
  double n0;            /* carriers per cm^3 the pulse deposits */
  double fwhm;          /* pulse FWHM, s (> 0) */
  double t_end;         /* end of integration (s after the pulse centre); 0 = automatic */
  size_t n_out;         /* samples of N(t) wanted (>= 2); 0 = none */
  double rtol;          /* relative tolerance; 0 = 1e-9 */
} gk_pulse_opts;

typedef struct gk_pulse_result {
  size_t n;             /* samples */
  double *t, *N;        /* malloc'd: time (s, 0 = pulse centre), density (cm^-3) */
  double n_peak, t_peak;
  double plqy_integrated;  /* photons emitted / carriers generated up to t_end */
  double n_end_fraction;   /* N(t_end)/n0: what had not yet recombined */
  double t_start, t_end;
  size_t n_steps;          /* accepted ODE steps */
} gk_pulse_result;

/* Integrate dN/dt = G(t) - k1 N - k2 N^2 - k3 N^3 with G a Gaussian of
 * area n0 centred at t = 0, from -6 sigma to t_end, with GSL's implicit
 * multistep BDF (msbdf) and the analytic Jacobian; stiff-safe when k3 N^2
 * is far above 1/FWHM. The peak is located to the solver tolerance by a
 * Brent search on dN/dt. */
int gk_pulse_run(const gk_pulse_opts *o, gk_pulse_result *r, gk_error *err);
void gk_pulse_result_free(gk_pulse_result *r);

/* Analytic N(t) for k2 = k3 = 0: the Gaussian convolved with exp(-k1 t),
 * N = (n0/2) exp(k1^2 s^2/2 - k1 t) erfc((k1 s^2 - t)/(s sqrt 2)). */
double gk_pulse_analytic_k1(double n0, double fwhm, double k1, double t);

/* ---- thresholds [Goldberg et al., Adv. Mater. 2024, Eq. 1, 5] ------------------------------------------ */
/* J_th = q d k2 N_th^2 / IQE (A/cm^2); tau > 0 instead uses q d N_th/(tau IQE). */
double gk_current_threshold(double n_th, double thickness, double k2, double tau, double iqe);

/* ---- gain saturation law [Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1-2] ---------------------------------- */
/* G = Gamma sigma (N - N_th)/(1 + N/N_s). */
double gk_gain_saturated(double gamma, double sigma, double n_th, double n_s, double n);

typedef struct gk_gain_fit {
  double sigma, n_th, n_s;         /* best fit */
  double se_sigma, se_n_th, se_n_s;
  double chi2_red;
  int converged;
  gk_fit_result fit;               /* the full engine result (free with gk_gain_fit_free) */
  /* 1 when the optimum lies on the bound N_s = 0 (every density far above
   * saturation): then n_s = 0 (se NaN), sigma and se_sigma are NaN (sigma
   * runs to infinity), and only g_sat = Gamma sigma N_s (cm^-1) with
   * se_g_sat is determined, G = g_sat (1 - N_th/N); fit.yhat, fit.chi2 and
   * chi2_red are those of that limit. 0 otherwise (g_sat NaN). */
  int n_s_at_bound;
  double g_sat, se_g_sat;
} gk_gain_fit;
/* Fit modal gain G(N) with Gamma fixed. Initial values <= 0 are guessed
 * from the data. The boundary N_s -> 0 is fitted in closed form as well
 * (the engine can only approach it: sigma runs off to infinity there) and
 * reported (n_s_at_bound) when no interior fit is better. */
int gk_gain_fit_run(const double *n, const double *g, size_t len, double gamma,
                    double sigma0, double n_th0, double n_s0, gk_gain_fit *out, gk_error *err);
void gk_gain_fit_free(gk_gain_fit *f);

/* Mott density n_M = 1.19^2 k_B T/(2 a_B^3 E_b) [Tatarinov et al., Adv. Opt. Mater. 2023]; a_B cm, E_b eV, T K. */
double gk_mott_density(double t_kelvin, double a_b_cm, double e_b_ev);

/* ---- preparation of sweeps and data (for the CLI and bindings) ----------- */
/* n values log-spaced from a to b (a, b > 0; n = 1: a). */
void gk_carriers_logspace(double *v, size_t n, double a, double b);
/* The parameters usable for a PLQY: gk_abc_check, and k2 > 0 (k2 = 0, or one
 * that underflows, makes the PLQY 0 at every N: no maximum). Errors name
 * "k1", "k2", "k3". */
int gk_plqy_check(const gk_abc *k, gk_error *err);
/* PLQY at n densities log-spaced over range[0..1] (x, y); error (field
 * "range") unless range[0] > 0. */
int gk_plqy_curve(const gk_abc *k, const double range[2], size_t n, double *x, double *y, gk_error *err);
/* PLQY over log10 N (nx points, n_lo..n_hi) and log10 k3 (ny points,
 * k3_lo..k3_hi), k1 and k2 from k: xs = log10 N, ys = log10 k3,
 * z[i * nx + j] at (xs[j], ys[i]) (Goldberg et al., Adv. Mater. 2024, Fig. 1e). */
void gk_plqy_map(const gk_abc *k, double n_lo, double n_hi, size_t nx, double k3_lo, double k3_hi, size_t ny,
                 double *xs, double *ys, double *z);
/* Peak density of o's pulse at n widths log-spaced from fwhm_lo to fwhm_hi
 * (fwhm, n_peak). progress (may be NULL) is told after each width; when it
 * asks to stop: GK_ECANCELLED. */
int gk_pulse_peak_sweep(const gk_pulse_opts *o, double fwhm_lo, double fwhm_hi, size_t n, double *fwhm,
                        double *n_peak, const gk_progress *progress, gk_error *err);
/* The carrier densities of a gain-versus-pump column: x itself (densities,
 * cm^-3) or, with x_is_fluence, F A/(hbar omega d) of each fluence (J/cm^2). */
void gk_gain_fit_densities(const double *x, size_t n, int x_is_fluence, double absorptance, double photon_ev,
                           double thickness_cm, double *density);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
