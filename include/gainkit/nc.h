/* gainkit/nc.h — nanocrystal (quantum dot) gain statistics and thresholds.
 *
 * Sources: Ahn et al., Chem. Rev. 2023 Eq. 1-2 (confinement), 4-6 (thresholds,
 * Auger), 8-9 (current thresholds); Qin et al., Nano Lett. 2021 (charged-exciton
 * gain, Poisson occupancy). See docs/nc.md and docs/physics.md §4.
 *
 * Units: radius cm, time s, photon energy eV, cross-section cm^2, fluence
 * J/cm^2, intensity W/cm^2, current density A/cm^2, energies eV, masses in
 * units of the free-electron mass, chi in ps nm^-3 (the unit the literature
 * quotes; it is only ever multiplied by a volume in nm^3).
 */
#ifndef GAINKIT_NC_H
#define GAINKIT_NC_H

#include <stddef.h>
#include "gainkit/error.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef enum { GK_NC_UNIFORM = 0, GK_NC_POISSON } gk_nc_statistics;

/* Shell model of the band-edge ladder: transition k (0 = 1S, 1 = 1P,
 * 2 = 1D) has electron degeneracy ge*(2k+1) and hole degeneracy gh*(2k+1)
 * ([Ahn et al., Chem. Rev. 2023, §3.4.1]: 2, 6, 10 for 2-fold band edges). Lower shells fill first. */
enum { GK_NC_1S = 0, GK_NC_1P = 1, GK_NC_1D = 2 };

typedef struct gk_nc_gain_model {
  double ge, gh;            /* band-edge degeneracies (> 0) */
  double ne;                /* extra electrons per NC (>= 0); with ne_poisson the mean */
  int ne_poisson;           /* 1: ne is a Poisson-distributed number of mean ne */
  gk_nc_statistics stat;    /* exciton statistics */
  int transition;           /* GK_NC_1S, GK_NC_1P, GK_NC_1D */
} gk_nc_gain_model;

/* Absorption of the chosen transition at mean exciton number N, relative
 * to the unexcited neutral NC: alpha/alpha0 = < 1 - f_e - f_h >.
 * Gain where it is negative. Returns NaN for invalid input. */
double gk_nc_absorption(const gk_nc_gain_model *m, double n_mean);

/* Gain threshold <N_th>: the root of gk_nc_absorption (GSL Brent on a
 * bracket); 0 when the NC is already transparent at N = 0 (charging). */
int gk_nc_threshold(const gk_nc_gain_model *m, double *n_th, gk_error *err);

/* Closed form Eq. 5 of [Ahn et al., Chem. Rev. 2023] (uniform, 1S, fixed ne):
 * g_h (g_e - n_e)/(g_e + g_h), clamped at 0. */
double gk_nc_threshold_uniform(double ge, double gh, double ne);

/* Check a model's parameters (messages name the CLI options). */
int gk_nc_model_check(const gk_nc_gain_model *m, gk_error *err);

/* ---- Auger -------------------------------------------------------------- */
typedef struct gk_nc_material {
  const char *name;      /* "cdse" */
  const char *label;     /* "CdSe" */
  double chi;            /* ps nm^-3 */
  double ge, gh;         /* band-edge degeneracies */
  const char *source;    /* where chi comes from */
} gk_nc_material;

/* The material table; NULL if the name is unknown (case-insensitive). */
const gk_nc_material *gk_nc_material_find(const char *name);
size_t gk_nc_material_count(void);
const gk_nc_material *gk_nc_material_at(size_t i);

/* Sphere volume in nm^3 for a radius in cm. */
double gk_nc_volume_nm3(double radius_cm);
/* tau_A,XX = chi V (chi in ps nm^-3, V in nm^3) in seconds. */
double gk_nc_auger_xx(double chi_ps_nm3, double volume_nm3);
/* Statistical scaling [Ahn et al., Chem. Rev. 2023, Eq. 6]: 1/tau_A = C_A Ne Nh (Ne + Nh - 2), with
 * C_A fixed by the biexciton (Ne = Nh = 2): C_A = 1/(8 tau_A,XX).
 * Returns the Auger lifetime (s) of a NC with Ne electrons and Nh holes;
 * INFINITY where Eq. 6 gives no Auger decay. */
double gk_nc_auger_scaled(double tau_axx, double ne, double nh);

/* Biexciton kinetics: tau_r,XX = tau_r,X/4 (caller), tau_XX = tau_A
 * tau_rXX/(tau_A + tau_rXX), q_XX = tau_XX/tau_rXX. */
double gk_nc_tau_xx(double tau_a, double tau_rxx);
/* Inverse: the Auger lifetime from a measured tau_XX (< tau_rXX). */
double gk_nc_tau_a_from_xx(double tau_xx, double tau_rxx);

/* ---- pump and current thresholds [Ahn et al., Chem. Rev. 2023, §2.3.3, Eq. 4, 8, 9] --------------- */
/* Excitation rate for half-saturated gain, Eq. 4 (s^-1). */
double gk_nc_g_half(double tau_x, double tau_xx);

typedef struct gk_nc_pump {
  double w_th;     /* short-pulse fluence threshold, J/cm^2 */
  double i_th;     /* cw gain threshold, W/cm^2 */
  double i_half;   /* half-saturated gain (lasing proxy), W/cm^2 */
  double g_th, g_half;  /* excitation rates, s^-1 */
} gk_nc_pump;
/* sigma_abs cm^2, photon energy eV, lifetimes s, n_th per NC. */
int gk_nc_pump_thresholds(double sigma_abs, double photon_ev, double tau_x, double tau_xx,
                          double n_th, gk_nc_pump *out, gk_error *err);

typedef struct gk_nc_current {
  double sigma_g;  /* geometric cross-section pi R^2, cm^2 */
  double j_th;     /* A/cm^2, Eq. 8 */
  double j_half;   /* A/cm^2, Eq. 9 */
} gk_nc_current;
int gk_nc_current_thresholds(double radius_cm, double fill, double tau_x, double tau_xx,
                             gk_nc_current *out, gk_error *err);

/* ---- quantum confinement [Ahn et al., Chem. Rev. 2023, Eq. 1-2] ---------------------------------- */
/* phi_{n,L}: n-th zero of the spherical Bessel function j_L (GSL zeros of
 * J_{L+1/2}). */
double gk_nc_bessel_zero(int L, int n);

typedef struct gk_nc_confinement {
  double phi[3];       /* 1S, 1P, 1D */
  double e_e[3];       /* electron energies, eV */
  double e_h[3];       /* hole energies, eV */
  double e_conf;       /* E_e,1S + E_h,1S, eV */
  double e_g;          /* E_g0 + e_conf, eV */
} gk_nc_confinement;
int gk_nc_confinement_calc(double radius_cm, double me, double mh, double eg0,
                           gk_nc_confinement *out, gk_error *err);

/* 1P/1S emission of a NC holding N excitons with the 1S (2-fold) and 1P
 * (6-fold) levels filled in order (Ahn et al., Chem. Rev. 2023, section
 * 6.1.6): 1P occupancy f = (N - 2)/6 and I_1P/I_1S = (N - 2)²/12 for
 * 2 <= N <= 8 (equal at N = 2 + sqrt(12) = 5.46); 0 below N = 2, 1 and 3
 * above N = 8. */
double gk_nc_emission_ratio_1p1s(double n);
double gk_nc_occupancy_1p(double n);
/* The inverse: N = 2 + sqrt(12 R), f = sqrt(R/3) for 0 < R < 3. GK_EDOM
 * (n, f1p NaN) when R = 0 (any N <= 2) or R >= 3 (any N >= 8): the ratio
 * does not determine N. GK_EUSAGE for R < 0 or not finite. */
int gk_nc_excitons_from_ratio(double ratio, double *n, double *f1p, gk_error *err);

/* ---- preparation from options (for the CLI and bindings) ------------------ */
/* A gain model from user choices. NaN in a number means "not given". */
typedef struct gk_nc_model_options {
  const char *material;    /* NULL, or a name of the material table: its g_e, g_h */
  double ge, gh;           /* override the material's (default 2, 2) */
  double ne, ne_mean;      /* fixed extra electrons, or the mean of a Poisson number; not both */
  const char *statistics;  /* "uniform" or "poisson" (default; case-insensitive) */
  const char *transition;  /* "1S" (default), "1P", "1D" (case-insensitive) */
} gk_nc_model_options;
/* The options every field "not given": fill what the user gave. */
gk_nc_model_options gk_nc_model_options_default(void);
/* Build the model (not checked further: gk_nc_model_check). Errors (GK_EUSAGE)
 * name the field: "material" (unknown; the message lists the known ones),
 * "ne_mean" (both ne and ne_mean), "statistics", "transition"; in this order. */
int gk_nc_model_resolve(const gk_nc_model_options *o, gk_nc_gain_model *m, gk_error *err);
/* The material of that name, or NULL with an error naming field "material"
 * and the known names. */
const gk_nc_material *gk_nc_material_lookup(const char *name, gk_error *err);
/* "1S", "1P" or "1D". */
const char *gk_nc_transition_name(int transition);

/* Normalised gain -alpha/alpha0 of the model's transition under uniform
 * (gain_uniform) and Poisson (gain_poisson) statistics at n evenly spaced
 * <N> from n_lo to n_hi (x; n >= 2). */
void gk_nc_gain_curve(const gk_nc_gain_model *m, double n_lo, double n_hi, size_t n, double *x,
                      double *gain_uniform, double *gain_poisson);
/* Far enough to see both curves saturate: twice the states up to the
 * model's shell, 2 max(g_e, g_h) (k + 1)^2. */
double gk_nc_gain_curve_max(const gk_nc_gain_model *m);

/* Biexciton Auger lifetime and the multiexciton ladder (Eq. 6). NaN: not given. */
typedef struct gk_nc_auger_in {
  double chi;          /* ps nm^-3 (V-scaling tau_A,XX = chi V) */
  double volume_nm3;   /* NC volume; needed unless tau_xx is given */
  double tau_rxx;      /* radiative biexciton lifetime, s (tau_r,X / 4) */
  double tau_xx;       /* measured biexciton lifetime, s: tau_A from it instead (needs tau_rxx) */
  double ne;           /* extra electrons for the ladder */
  int max_n;           /* ladder from N = 1 to max_n (2..100) */
} gk_nc_auger_in;
typedef struct gk_nc_auger_out {
  double tau_a;        /* biexciton Auger lifetime, s */
  double tau_xx, q_xx; /* biexciton lifetime and emission yield; NaN without tau_rxx */
  double chi_implied;  /* ps nm^-3 from a measured tau_xx and the volume; NaN otherwise */
  double tau_n[100];   /* Auger lifetime of N = 1..max_n excitons (+ ne electrons); INFINITY: none */
} gk_nc_auger_out;
/* Errors (GK_EUSAGE) name fields: "tau_xx" (not below tau_rxx, or given
 * without tau_rxx), "volume_nm3" (neither it nor tau_xx), "max_n". */
int gk_nc_auger_calc(const gk_nc_auger_in *in, gk_nc_auger_out *out, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
