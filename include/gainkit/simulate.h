/* gainkit/simulate.h — time-domain, spectrally resolved simulation of a
 * stripe-pumped thin film (docs/physics.md §10; Milanese et al., Adv. Opt. Mater. 2024, §2.4.3–2.4.4).
 *
 * A film (thickness d, index n) is pumped by a stripe of length L and width
 * b ending at the sample edge (x = L). Emitters (density N_tot) sit in the
 * ground state N0, the emitting state N1 (lifetime tau1, radiative fraction
 * eta1, stimulated emission and excited-state absorption) and an optional
 * long-lived state N2 (lifetime tau2, radiative fraction eta2) that only
 * fluoresces: it takes no part in the guided gain [Milanese et al., Adv. Opt. Mater. 2024, §2.4.4]. Forward and
 * backward guided photon fluxes S±(x, λ) (photons/s per wavelength bin, over
 * the stripe cross-section) are solved quasi-statically each time step; the
 * populations are advanced with adaptive explicit steps whose size bounds the
 * change of the single-pass gain (docs/simulate.md explains both choices).
 *
 * Units (internal): cm, s, nm, J/cm², cm², cm^-3, cm^-1. Spectral outputs are
 * photons per second per nm (time-resolved) or photons per nm (integrated).
 */
#ifndef GAINKIT_SIMULATE_H
#define GAINKIT_SIMULATE_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/progress.h"
#include "gainkit/data.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* A spectral input: a Gaussian band (peak value at center, full width fwhm,
 * both nm) or, when ntab > 0, a table (tab_lambda strictly increasing, nm)
 * interpolated linearly, zero outside its range, times peak. peak = 0
 * switches the input off. The table memory belongs to whoever filled it
 * (gk_sim_file for configs read from YAML); runs only read it. */
typedef struct gk_sim_band {
  double peak, center, fwhm;
  size_t ntab;
  const double *tab_lambda, *tab_value;
} gk_sim_band;

enum { GK_SIM_EMITTERS = 0, GK_SIM_BULK = 1 };
enum { GK_SIM_GAIN_LINEAR = 0, GK_SIM_GAIN_SATURATING = 1 };
enum { GK_SIM_TOPHAT = 0, GK_SIM_GAUSS = 1 };
#define GK_SIM_MAX_SLICES 64  /* depth slices of the film */

typedef struct gk_sim_config {
  /* film and waveguide */
  double thickness;        /* d, cm */
  double index;            /* n (Füchtbauer–Ladenburg) */
  double confinement;      /* Γ of the guided mode in the film */
  double coupling;         /* β: fraction of spontaneous photons into the guided mode (both directions) */
  double background_loss;  /* α_bg, cm^-1 (wavelength independent part) */
  gk_sim_band background;  /* α_bg(λ), cm^-1, added to background_loss (peak 0: none) */
  /* stripe */
  double stripe_length;    /* L, cm */
  double stripe_width;     /* b, cm */
  /* pump */
  double pump_wavelength;  /* nm */
  double pump_fwhm;        /* τp, s (Gaussian in time) */
  double pump_fluence;     /* J/cm² (time integral of the pulse) */
  double pump_cross_section; /* ground-state absorption at the pump, cm² */
  /* emitters */
  double density;          /* N_tot, cm^-3 */
  double lifetime;         /* τ1, s */
  double radiative_fraction; /* η1 */
  gk_sim_band emission;    /* spontaneous lineshape, photons per unit wavelength
                            * (normalised; a table's peak is ignored) */
  int fl_sigma_e;          /* 1: σ_e from emission by Füchtbauer–Ladenburg */
  gk_sim_band sigma_e;     /* used when fl_sigma_e == 0, cm² */
  gk_sim_band sigma_a;     /* ground-state absorption in the emission window, cm² */
  gk_sim_band sigma_esa;   /* excited-state absorption, cm² */
  /* optional long-lived state: a fraction `second_fraction` of absorbed pump
   * photons populates it instead of N1 */
  double second_fraction;  /* 0 = no second state */
  double second_lifetime;  /* τ2, s */
  double second_radiative_fraction;
  /* Carrier kinetics (docs/simulate.md "Bulk films"). GK_SIM_EMITTERS: the
   * emitter model above (N1, N0 = N_tot - N1 - N2). GK_SIM_BULK: free
   * carriers N of a bulk perovskite film (Goldberg et al., Adv. Mater. 2024,
   * Eq. 2):  dN/dt = G - k1 N - k2 N^2 - k3 N^3 - R_stim, where k2 N^2 is
   * the radiative part that feeds the spontaneous emission (lineshape
   * `emission`, coupling β), k1 trap and k3 Auger recombination are dark.
   * The pump is absorbed with the constant coefficient pump_absorption
   * (Beer–Lambert over the thickness, no bleaching); `density`, `lifetime`,
   * `radiative_fraction` and the cross-section bands are unused. The second
   * population (second_fraction of the absorbed photons) works as for
   * emitters. Material gain of bin j (cm^-1) from N:
   *   GK_SIM_GAIN_LINEAR      G_j = σ_j (N - N_th)
   *   GK_SIM_GAIN_SATURATING  G_j = σ_j (N - N_th) / (1 + N/N_s)
   * (Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1-2), σ_j = gain_sigma(λ_j)
   * (peak σ and the band's shape); below N_th the film absorbs (G < 0) and
   * the absorbed guided photons become carriers. The modal gain is Γ G_j. */
  int kinetics;            /* GK_SIM_EMITTERS (0) or GK_SIM_BULK */
  double k1, k2, k3;       /* s^-1, cm^3 s^-1, cm^6 s^-1 */
  double pump_absorption;  /* α_p at the pump, cm^-1 (bulk) */
  int gain_law;            /* GK_SIM_GAIN_LINEAR or GK_SIM_GAIN_SATURATING */
  gk_sim_band gain_sigma;  /* σ(λ), cm² (peak σ) */
  double gain_nth, gain_ns;/* N_th, N_s, cm^-3 (N_s ignored by the linear law) */
  /* Guided modes. npol 1: one mode (TE0) with confinement, coupling and
   * mode_loss[0]. npol 2: TE0 and TM0 at once, each with its own Γ
   * (confinement, confinement_tm), spontaneous coupling β (coupling,
   * coupling_tm) and modal loss (background_loss + background(λ) +
   * mode_loss[p]); both draw on the same carriers (Milanese et al., Adv.
   * Opt. Mater. 2024, §2.4.1: TE carries the ASE, TM starts later). */
  int npol;                /* 1 or 2 (0 counts as 1) */
  double confinement_tm, coupling_tm; /* TM0 Γ and β */
  double mode_loss[2];     /* extra modal loss of TE0, TM0, cm^-1 (e.g. from the stack) */
  /* Pump beam. Across the stripe: top hat of width stripe_width (one
   * lateral channel, or `channels` equal strips), or Gaussian with FWHM
   * stripe_width sampled by `channels` equal strips over ±1.5 FWHM (each
   * strip its exact mean of the Gaussian; light in different strips does
   * not mix). pump_fluence is the peak fluence. Along the stripe: optional
   * measured profile pump_along (table: position from the far end x = 0 in
   * cm -> relative fluence, scaled so its maximum is 1, zero outside it).
   * Depth: pump absorbed by Beer–Lambert over the thickness (depth-averaged
   * rate; emitters: σ_p N0, bleaching; bulk: pump_absorption). Between the
   * stripe end and the film edge an unpumped film of length unpumped_length
   * (rounded to whole cells) guides and reabsorbs the light (Milanese et
   * al., Adv. Opt. Mater. 2024, §2.4.2). */
  int pump_profile;        /* GK_SIM_TOPHAT (0) or GK_SIM_GAUSS */
  /* Depth. depth_slices 0 or 1: one population per cell, the pump absorbed
   * at the depth-averaged Beer–Lambert rate (emitters (1 − e^{−σ_p N0 d})/d
   * with the bleached ground state, bulk (1 − e^{−α_p d})/d).
   * depth_slices = nz > 1: the film is cut into nz equal slices, each with
   * its own populations (N1, N2 or N, and the second population).
   * Bulk: slice s absorbs the fraction depth_pump[s] of the incident pump
   * photons, or, when depth_pump is all zero, the Beer–Lambert share
   * e^{−α_p z_s} − e^{−α_p z_{s+1}} (z from the pumped face). Emitters
   * (depth_pump must be zero): slice s absorbs
   * Π_{s'<s} e^{−σ_p N0_{s'} Δz} (1 − e^{−σ_p N0_s Δz}) of the incident
   * photons, each slice bleaching its own ground state (the Frantz–Nodvik
   * absorber when nothing else acts; docs/simulate.md). Mode p couples to
   * slice s with the weight depth_mode[p][s] (the share of the mode's |E|²
   * in the film that lies in the slice; the run normalises each row to sum
   * 1; all zero: uniform 1/nz): the modal gain uses Σ_s w_ps of the slice
   * populations (bulk Γ_p σ Σ_s w_ps h(N_s); emitters Γ_p[(σ_e − σ_esa)
   * Σ_s w_ps N1_s − σ_a Σ_s w_ps N0_s]), slice s takes nz w_ps of the
   * mode's stimulated, absorption and ESA transitions per unit volume, and
   * its spontaneous photons couple to mode p with β_p nz w_ps. nz = 1 is the
   * depth-averaged model exactly; equal slices with equal weights
   * reproduce it (bulk: with equal depth_pump; emitters: always, to
   * rounding, since their kinetics are linear in the populations but for
   * the pump, whose film total does not depend on the slicing). */
  size_t depth_slices;
  double depth_pump[GK_SIM_MAX_SLICES];
  double depth_mode[2][GK_SIM_MAX_SLICES];
  /* The film in its stack, for the pump (pump.depth: stack): layers in the
   * order the pump meets them, layer 0 the transparent medium it comes
   * from, the last one the substrate (semi-infinite), 3 doubles each in
   * pump_stack: n, k at the pump wavelength and thickness (nm; ignored for
   * the first and last); the film is layer pump_stack_active (its n is
   * used, its k replaced by the model's absorption). pump_stack_layers 0:
   * none. Emitters: each cell's absorbed share per slice comes from a
   * normal-incidence transfer matrix with slice s's extinction from its
   * own ground state, α_s = σ_p N0_s (reflections and interference
   * included; bleaching changes the shares). A cell's matrix is solved
   * again, while its pump is on, when Σ_s |σ_p ΔN0_s Δz| since its last
   * solve exceeds pump_stack_tol (0: the default, accuracy / 1000;
   * negative: every step); between solves each slice's share follows its
   * own bleaching, q_s (1 − e^{−σ_p N0_s Δz}), q_s the light reaching it
   * at the last solve (docs/simulate.md). Bulk: the shares are depth_pump
   * (fixed; no bleaching) and the stack gives the pump's reflected and
   * transmitted parts (budget). The table memory belongs to whoever
   * filled it (gk_sim_file). */
  size_t pump_stack_layers, pump_stack_active;
  const double *pump_stack;
  double pump_stack_tol;
  size_t channels;         /* lateral strips (0 counts as 1 top hat, 9 Gaussian) */
  gk_sim_band pump_along;  /* ntab > 0: the profile along the stripe */
  double unpumped_length;  /* cm */
  /* grids */
  double lambda_min, lambda_max; /* nm */
  size_t nbins;            /* wavelength bins */
  size_t ncells;           /* cells along the stripe */
  size_t ntimes;           /* output time bins */
  double t_start, t_end;   /* window, s, pump peak at t = 0; 0,0 = automatic */
  double accuracy;         /* ε of the step control (default 0.1); halve to refine */
  int time_resolved;       /* keep edge spectra and populations per output bin */
  /* OpenMP inside a lone run: GK_SIM_THREADS_AUTO (0, default) times serial
   * and threaded flux solves and keeps the faster; GK_SIM_THREADS_ALWAYS
   * threads every step on grids big enough to thread (benchmarks: the
   * threaded path's own balance); GK_SIM_THREADS_NEVER stays serial. The
   * results are the same bits either way. */
  int threading;
} gk_sim_config;

enum { GK_SIM_THREADS_AUTO = 0, GK_SIM_THREADS_ALWAYS = 1, GK_SIM_THREADS_NEVER = 2 };

/* Memory caps checked by gk_sim_config_check: bins x cells (three
 * double arrays of that size per run: 1e7 -> 240 MB) and, time-resolved,
 * time bins x (bins + 2 cells) doubles (2e7 -> 160 MB). */
#define GK_SIM_MAX_CELL_BINS 1e7
#define GK_SIM_MAX_TR_VALUES 2e7
/* Time budgets, checked before any work (a 1e-300 accuracy or lifetime, or
 * a 1e300 s pulse, used to run until killed): accuracy in
 * [GK_SIM_MIN_ACCURACY, 0.5]; lifetimes and pump FWHM in
 * [GK_SIM_MIN_TIME, GK_SIM_MAX_TIME] s, |t_start|, |t_end| <= 10 x
 * GK_SIM_MAX_TIME; the step count the step control needs at least
 * (gk_sim_steps_estimate) at most GK_SIM_MAX_STEPS, and that times bins x
 * cells at most GK_SIM_MAX_WORK cell-bin updates (~4 ns each here: 2e11 is
 * about 15 minutes on one core). During the run the step count is capped at
 * GK_SIM_MAX_STEPS as well (stimulated emission can make the steps far
 * shorter than the estimate): GK_ELIMIT. */
#define GK_SIM_MIN_ACCURACY 1e-6
#define GK_SIM_MIN_TIME 1e-15
#define GK_SIM_MAX_TIME 1.0
#define GK_SIM_MAX_STEPS 1e8
#define GK_SIM_MAX_WORK 2e11
/* Lower bound of the number of time steps a run takes: the decay rates and
 * the pump pulse each limit the step to accuracy x their time scale. */
double gk_sim_steps_estimate(const gk_sim_config *c);

/* The share of the pump pulse's photons that falls inside the run's time
 * window (t_start..t_end, or the automatic window): 1 but for the far
 * tails when the window brackets the pulse (peak at t = 0). A window that
 * starts at t = 0 (t_end given, t_start not) holds only half the pulse. */
double gk_sim_pump_share(const gk_sim_config *c);
/* Cells of the unpumped film beyond the stripe (unpumped_length rounded to
 * whole cells of the stripe's size, at least one when positive) and the
 * number of lateral strips the run uses. */
size_t gk_sim_unpumped_cells(const gk_sim_config *c);
size_t gk_sim_channels(const gk_sim_config *c);
/* Bytes a run allocates (grids, fluxes, outputs), reported before it starts. */
double gk_sim_memory_bytes(const gk_sim_config *c);

/* Defaults: the dye-doped polymer film of Milanese et al., Adv. Opt. Mater. 2024 (examples/sim-500ps.yaml
 * documents every value and its source). */
void gk_sim_config_default(gk_sim_config *c);
/* Check ranges; errors are GK_EUSAGE naming the field. */
int gk_sim_config_check(const gk_sim_config *c, gk_error *err);

/* Photon bookkeeping over the whole run, in photons (whole stripe). */
typedef struct gk_sim_budget {
  double absorbed;         /* pump photons absorbed */
  double decay_guided;     /* spontaneous photons into the guided mode */
  double decay_other;      /* spontaneous photons not guided + non-radiative decays */
  double stimulated_net;   /* stimulated emission − ground-state absorption of guided photons */
  double out_edge, out_far;/* guided photons leaving at x = L (collected) and x = 0 */
  double loss_esa, loss_bg;/* guided photons lost to excited-state absorption and background */
  double left;             /* excitations (N1 + N2) left at t_end */
  /* the pump's own balance, with a stack (pump_stack_layers > 0) only:
   * photons incident on the pumped cells = reflected + absorbed above the
   * film + absorbed (the film) + passed below the film (into the
   * substrate or the layers under the film) */
  double pump_incident, pump_reflected, pump_above, pump_below;
  size_t pump_solves;      /* transfer-matrix solves (cells x times) */
} gk_sim_budget;

typedef struct gk_sim_result {
  size_t nbins, ntimes, ncells;
  double *lambda;          /* nbins bin centres, nm */
  double *t;               /* ntimes output-bin centres, s */
  double *pump;            /* ntimes pump photon flux averaged over the bin, photons cm^-2 s^-1 */
  double *spectrum;        /* nbins time-integrated edge spectrum, photons/nm */
  double *intensity;       /* ntimes edge output (all λ), photons/s */
  double *fwhm;            /* ntimes FWHM of the edge spectrum, nm (NaN if undefined) */
  size_t npol;             /* guided modes (1, or 2: TE0 then TM0) */
  double *spectrum_pol;    /* npol*nbins [p*nbins + j], photons/nm (sums to spectrum) */
  double *intensity_pol;   /* npol*ntimes [p*ntimes + k], photons/s */
  size_t nchannels;        /* lateral strips */
  double unpumped_length;  /* cm, as simulated (whole cells) */
  /* time_resolved only (else NULL): */
  double *spectrum_t;      /* ntimes*nbins, [k*nbins + j], photons s^-1 nm^-1 */
  double *n1_map, *n2_map; /* ntimes*ncells at the end of each output bin, cm^-3
                            * (bulk: N in n1_map; lateral strips: the central one) */
  double *x;               /* ncells cell centres, cm (pumped and unpumped cells) */
  gk_sim_budget budget;
  size_t steps;            /* time steps taken */
  size_t nslices;          /* depth slices (1: depth-averaged) */
  double *absorbed_slice;  /* nslices pump photons absorbed in each slice (slice 0 at the pumped
                            * face), whole stripe; they sum to budget.absorbed */
  /* nslices > 1 (else NULL): each slice's population, cm^-3, the mean over
   * the pumped cells of the central lateral strip: N1 (bulk: the carrier
   * density N) and N2, their largest value over the run and their value at
   * the pump peak t = 0 (linear between the two steps around it; NaN when
   * the window does not contain t = 0) */
  double *slice_n1_max, *slice_n1_at_peak, *slice_n2_max, *slice_n2_at_peak;
} gk_sim_result;

/* Run one simulation. Memory is independent of the number of time steps
 * unless c->time_resolved. The result is bit-identical for any number of
 * OpenMP threads. GK_ECANCELLED when prog asked to stop (r is then freed). */
int gk_sim_run(const gk_sim_config *c, gk_sim_result *r, const gk_progress *prog, gk_error *err);
void gk_sim_result_free(gk_sim_result *r);

/* The spectral inputs on the simulation grid (for docs and tests). */
double gk_sim_band_eval(const gk_sim_band *b, double lambda_nm);
/* ∫ band dλ over [l0, l1] (nm; exact for both Gaussians and tables; l0 may
 * be -INFINITY and l1 INFINITY). */
double gk_sim_band_integral(const gk_sim_band *b, double l0, double l1);
/* σ_e(λ) in cm² as the simulation uses it (Füchtbauer–Ladenburg or given). */
double gk_sim_sigma_e(const gk_sim_config *c, double lambda_nm);

/* Sweeps: every point is an independent run; results[i] for values[i]. The
 * kind is which parameter the values replace. Points are spread over OpenMP
 * threads; each result is identical to a single gk_sim_run. GK_ECANCELLED when
 * prog asked to stop (every result is then freed). */
typedef enum { GK_SIM_SWEEP_FLUENCE = 0, GK_SIM_SWEEP_LENGTH } gk_sim_sweep_kind;
int gk_sim_sweep(const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values, size_t n,
                 gk_sim_result *results, const gk_progress *prog, gk_error *err);

/* Sweep defaults carried by a config file. */
typedef struct gk_sim_file {
  gk_sim_config cfg;       /* its tables point into `tables` below */
  double *tables[7];       /* emission, σ_e, σ_a, σ_esa, α_bg, gain σ tables (λ then value) and
                            * the pump profile along the stripe (x then value), or NULL */
  double *pump_stack;      /* cfg.pump_stack's table (gk_sim_file_confinement), or NULL */
  char confinement_from[512]; /* stack file Γ is computed from, "" if given */
  double confinement_nm;   /* wavelength of that mode calculation */
  int pump_depth_stack;    /* pump.depth: stack: depth_pump from the stack's absorption */
  long pump_depth_line;    /* its line */
  char config_path[512];   /* the config file, and the line of confinement_from */
  long confinement_line;   /*   (where gk_sim_file_confinement reports errors) */
  gk_sim_sweep_kind sweep_kind;
  double *sweep;           /* malloc'd, NULL when the file has no sweep */
  size_t nsweep;
} gk_sim_file;

/* Read a YAML config (docs/simulate.md lists the keys). Values may carry
 * units ("1 um", "500 ps", "0.5 mJ/cm2"). Spectral inputs may name
 * two-column files ({file: x.csv}), and film.confinement_from a stack YAML
 * whose TE0 active-layer confinement at the emission peak becomes Γ; paths
 * are relative to the config's folder. Errors carry file:line. Free with
 * gk_sim_file_free (after the last run using f->cfg).
 * Reading never solves waveguide modes: with confinement_from, f->cfg.
 * confinement is NaN (rejected by every run) until the caller chains
 * gk_sim_file_confinement (config -> stack -> modes). */
int gk_sim_config_read(const char *path, gk_sim_file *f, gk_error *err);
/* Γ of a config read with film.confinement_from: loads the stack, solves
 * (with film.depth_slices > 1 also each mode's |E|² share per slice of the
 * active layer -> depth_mode, and with pump.depth: stack the stack at the
 * pump wavelength -> pump_stack (f->pump_stack), for bulk films also the
 * share of the incident pump photons absorbed in each slice -> depth_pump;
 * the film's absorption at the pump is the stack's k there when it has
 * one (it replaces pump_absorption, or sets pump_cross_section = α/N_tot),
 * else the model's own) */
/* Γ of a config read with film.confinement_from: loads the stack, solves
 * its TE modes at the emission peak (f->confinement_nm) and sets
 * f->cfg.confinement to TE0's active-layer share; with npol = 2 also TM0's
 * share (confinement_tm). Each mode's loss with the active layer's
 * extinction set to zero (the model supplies the active layer's gain and
 * absorption) becomes mode_loss[p]. GK_OK and nothing done without
 * confinement_from. Errors (GK_EINPUT) at the config's line. */
int gk_sim_file_confinement(gk_sim_file *f, gk_error *err);
/* The depth profiles behind depth_slices (used by gk_sim_file_confinement):
 * the share of the incident pump photons absorbed in each of nz equal
 * slices of stack layer `layer` (slice 0 at the pumped face), from a
 * normal-incidence transfer matrix (gainkit/fluence.h), and the share of a
 * guided mode's |E|² in the layer that lies in each slice (rows sum to 1).
 * Simpson's rule with 64 intervals per slice. */
struct gk_absorb;
struct gk_guide;
struct gk_mode;
void gk_sim_depth_absorbed(const struct gk_absorb *a, size_t layer, size_t nz, double *share);
int gk_sim_depth_weights(const struct gk_guide *g, const struct gk_mode *m, size_t layer, size_t nz, double *w,
                         gk_error *err);
/* "FROM:TO:N" -> N geometrically spaced values (FROM and TO included), each
 * a quantity in `base`; *v is malloc'd. Errors are GK_EUSAGE. */
int gk_sim_parse_range(const char *text, const char *base, double **v, size_t *nv, gk_error *err);
void gk_sim_file_free(gk_sim_file *f);

/* ---- fitting the simulation to a measured VPI set ---------------------
 * Adjust a few named parameters so that the simulated time-integrated edge
 * spectra match measured ones at the measured fluences (one spectrum per
 * fluence; y[j*nf + k] at lambda[j], fluence[k] in J/cm², every λ inside the
 * simulation's grid; the simulated spectra are interpolated linearly onto
 * lambda). Names: sigma (bulk: gain σ peak; emitters: σ_e peak when given),
 * k1, k2, k3, n_th, n_s, background_loss, coupling, confinement, lifetime,
 * density, pump_absorption, pump_cross_section and scale (a collection
 * factor multiplying every simulated spectrum; 1 unless named). The fit runs
 * in ln(parameter) through the project's engine (gk_fit, Levenberg–
 * Marquardt, forward-difference Jacobian with a step of 1e-3 in ln p, one
 * sweep per parameter), relative weights (each point's σ ∝ its value), on
 * the points above min_fraction of the data's maximum. Standard errors are
 * the engine's (covariance scaled by χ²_red), mapped back: se(p) = p se(ln p). */
#define GK_SIM_FIT_MAX 8
typedef struct gk_sim_fit_result {
  size_t np;
  char name[GK_SIM_FIT_MAX][24], unit[GK_SIM_FIT_MAX][16];
  double start[GK_SIM_FIT_MAX], value[GK_SIM_FIT_MAX], se[GK_SIM_FIT_MAX];
  int cov_ok, converged;
  double chi2_red;
  size_t n_used, n_iter, n_sweeps;
  char reason[160];
  gk_sim_config best;      /* the input config with the fitted values */
} gk_sim_fit_result;
/* Errors: GK_EUSAGE for an unknown or repeated name, a parameter the
 * config does not use or that starts at <= 0, λ outside the grid, fewer
 * points than parameters; run errors as gk_sim_sweep (GK_ECANCELLED). A fit
 * that does not converge returns GK_OK with converged = 0. */
int gk_sim_fit(const gk_sim_config *c, const double *fluence, size_t nf, const double *lambda, size_t nl,
               const double *y, const char *const *names, size_t np, double min_fraction,
               gk_sim_fit_result *res, const gk_progress *prog, gk_error *err);
/* The same for a VSL set (kind GK_SIM_SWEEP_LENGTH: values are stripe
 * lengths in cm, y[j*nv + k] the edge spectrum at lambda[j] for length k)
 * or a VPI set (GK_SIM_SWEEP_FLUENCE: gk_sim_fit). */
int gk_sim_fit_sweep(const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values, size_t nv,
                     const double *lambda, size_t nl, const double *y, const char *const *names, size_t np,
                     double min_fraction, gk_sim_fit_result *res, const gk_progress *prog, gk_error *err);
/* The same with the sweeps run by `sweep` (signature of gk_sim_sweep, with
 * ctx first; NULL: gk_sim_sweep): how the CLI spreads a fit's sweeps over
 * MPI ranks. It must return results identical to gk_sim_sweep's. */
typedef int (*gk_sim_sweep_fn)(void *ctx, const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values,
                               size_t n, gk_sim_result *results, const gk_progress *prog, gk_error *err);
int gk_sim_fit_sweep_ex(const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values, size_t nv,
                        const double *lambda, size_t nl, const double *y, const char *const *names, size_t np,
                        double min_fraction, gk_sim_sweep_fn sweep, void *sweep_ctx, gk_sim_fit_result *res,
                        const gk_progress *prog, gk_error *err);

/* ---- what a run reports; fit data (for the CLI and bindings) ------------- */
/* The integrated spectrum's peak (wavelength, height), FWHM (linear
 * interpolation at half maximum; NaN where the half maximum is not crossed
 * on a side, e.g. a spectrum of zeros) and total (sum x bin width). */
typedef struct gk_sim_summary { double peak_nm, peak, fwhm, total; } gk_sim_summary;
gk_sim_summary gk_sim_result_summary(const gk_sim_result *r);
/* The sweep axis of a measured matrix for gk_sim_fit_sweep_ex: a VSL set
 * when the matrix's column unit is a length (*vsl = 1, lengths in cm), else
 * fluences in that unit (mJ/cm2 when it names none) in J/cm2. axis has
 * m->ncol entries. Error (GK_EINPUT, path:1) for a unit that is neither. */
int gk_sim_fit_axis(const gk_matrix *m, const char *path, int *vsl, double *axis, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
