/* Time-domain stripe-pumped film: populations + quasi-static guided fluxes.
 * The equations and the reasons for the numerical choices are written out
 * in docs/simulate.md; comments here point at the non-obvious parts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <gsl/gsl_interp.h>

#include "gainkit/simulate.h"
#include "gainkit/constants.h"
#include "core/core_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif
#define FWHM_TO_SIGMA 0.42466090014400953 /* 1 / (2 sqrt(2 ln 2)) */

void gk_sim_config_default(gk_sim_config *c)
{
  memset(c, 0, sizeof *c);
  c->thickness = 1e-4;
  c->index = 1.55;
  c->confinement = 0.9;
  c->coupling = 0.01;
  c->background_loss = 1.0;
  c->stripe_length = 0.2;
  c->stripe_width = 150e-4;
  c->pump_wavelength = 532;
  c->pump_fwhm = 500e-12;
  c->pump_fluence = 0.5e-3;
  c->pump_cross_section = 1.5e-16;
  c->density = 2e18;
  c->lifetime = 6e-9;
  c->radiative_fraction = 0.9;
  c->emission = (gk_sim_band){.peak = 1, .center = 580, .fwhm = 40};
  c->fl_sigma_e = 1;
  c->sigma_a = (gk_sim_band){.peak = 1.5e-16, .center = 530, .fwhm = 40};
  c->sigma_esa = (gk_sim_band){.peak = 0, .center = 620, .fwhm = 60};
  c->second_fraction = 0;
  c->second_lifetime = 90e-9;
  c->second_radiative_fraction = 0.5;
  c->lambda_min = 540;
  c->lambda_max = 660;
  c->nbins = 128;
  c->ncells = 200;
  c->ntimes = 200;
  c->accuracy = 0.1;
}

static void window(const gk_sim_config *c, double *t0, double *t1);

int gk_sim_config_check(const gk_sim_config *c, gk_error *err)
{
#define POS(field)                                                                          \
  if (!(c->field > 0) || !isfinite(c->field))                                               \
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "%s must be positive and finite (got %g)", \
                        #field, (double)c->field)
#define FRAC(field)                                                                          \
  if (!(c->field >= 0 && c->field <= 1))                                                     \
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "%s must lie in [0, 1] (got %g)", #field, \
                        (double)c->field)
  POS(thickness); POS(index); POS(stripe_length); POS(stripe_width); POS(pump_wavelength);
  POS(pump_fwhm); POS(pump_cross_section); POS(density); POS(lifetime); POS(lambda_min);
  POS(accuracy);
  if (!c->emission.ntab) POS(emission.fwhm);
  FRAC(confinement); FRAC(coupling); FRAC(radiative_fraction); FRAC(second_fraction);
  FRAC(second_radiative_fraction);
  if (!(c->pump_fluence >= 0) || !isfinite(c->pump_fluence))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_fluence must be >= 0 (got %g)", c->pump_fluence);
  if (!(c->background_loss >= 0))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "background_loss must be >= 0");
  if (c->second_fraction > 0) POS(second_lifetime);
  if (!(c->lambda_max > c->lambda_min))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "lambda_max must exceed lambda_min");
  if (c->nbins < 2 || c->ncells < 1 || c->ntimes < 1)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "grids need >= 2 wavelength bins, >= 1 cell, >= 1 time bin");
  if (c->nbins > 100000 || c->ncells > 100000 || c->ntimes > 1000000)
    return gk_error_set(err, GK_ELIMIT, NULL, 0, "grid too large (bins <= 1e5, cells <= 1e5, time bins <= 1e6)");
  /* The flux arrays (forward, backward, source) are cells x bins doubles
   * each, the time-resolved maps time bins x (bins + 2 cells): cap both so
   * a run stays within a few hundred MB (per thread in a sweep). */
  if ((double)c->nbins * (double)c->ncells > GK_SIM_MAX_CELL_BINS)
    return gk_error_set(err, GK_ELIMIT, NULL, 0, "grid too large: bins x cells = %zu x %zu, more than %.0e",
                        c->nbins, c->ncells, (double)GK_SIM_MAX_CELL_BINS);
  if (c->time_resolved && (double)c->ntimes * (double)(c->nbins + 2 * c->ncells) > GK_SIM_MAX_TR_VALUES)
    return gk_error_set(err, GK_ELIMIT, NULL, 0,
                        "time-resolved output too large: time bins x (bins + 2 cells) = %zu x %zu, more than %.0e",
                        c->ntimes, c->nbins + 2 * c->ncells, (double)GK_SIM_MAX_TR_VALUES);
  if (!(c->index >= 1))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "index must be >= 1 (got %g)", c->index);
  if (c->accuracy > 0.5)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "accuracy must be <= 0.5 (got %g)", c->accuracy);
  if (!(c->accuracy >= GK_SIM_MIN_ACCURACY))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "accuracy must be >= %g (got %g)", GK_SIM_MIN_ACCURACY, c->accuracy);
#define TIME(field)                                                                                   \
  if (!(c->field >= GK_SIM_MIN_TIME && c->field <= GK_SIM_MAX_TIME))                                  \
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "%s must lie in [%g, %g] s (got %g s)", #field,      \
                        GK_SIM_MIN_TIME, GK_SIM_MAX_TIME, c->field)
  TIME(lifetime); TIME(pump_fwhm);
  if (c->second_fraction > 0) TIME(second_lifetime);
#undef TIME
  if (!(fabs(c->t_start) <= 10 * GK_SIM_MAX_TIME) || !(fabs(c->t_end) <= 10 * GK_SIM_MAX_TIME))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "t_start and t_end must lie within +-%g s", 10 * GK_SIM_MAX_TIME);
  if ((c->t_start != 0 || c->t_end != 0) && !(c->t_end > c->t_start))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "t_end must exceed t_start");
  double steps = gk_sim_steps_estimate(c);
  if (!(steps <= GK_SIM_MAX_STEPS))
    return gk_error_set(err, GK_ELIMIT, NULL, 0,
                        "the run needs at least %.3g time steps (window / (accuracy x lifetime or pump FWHM)), "
                        "more than %.0e: raise accuracy or shorten t_end - t_start", steps, GK_SIM_MAX_STEPS);
  if (!(steps * (double)c->nbins * (double)c->ncells <= GK_SIM_MAX_WORK))
    return gk_error_set(err, GK_ELIMIT, NULL, 0,
                        "the run needs at least %.3g time steps x %zu bins x %zu cells = %.3g updates, more than %.0e: "
                        "raise accuracy or use a coarser grid", steps, c->nbins, c->ncells,
                        steps * (double)c->nbins * (double)c->ncells, GK_SIM_MAX_WORK);
  const gk_sim_band *bands[] = {&c->sigma_a, &c->sigma_esa, &c->sigma_e, &c->background, &c->emission};
  for (int k = 0; k < 5; k++) {
    const gk_sim_band *b = bands[k];
    if (b->peak < 0 || (b->peak > 0 && !b->ntab && !(b->fwhm > 0)))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "spectral bands need peak >= 0 and fwhm > 0");
    for (size_t i = 0; i < b->ntab; i++)
      if (!(b->tab_value[i] >= 0) || (i && !(b->tab_lambda[i] > b->tab_lambda[i - 1])))
        return gk_error_set(err, GK_EUSAGE, NULL, 0,
                            "spectral tables need increasing wavelengths and values >= 0");
    if (b->ntab == 1) return gk_error_set(err, GK_EUSAGE, NULL, 0, "spectral tables need >= 2 points");
  }
  if (!(gk_sim_band_integral(&(gk_sim_band){1, c->emission.center, c->emission.fwhm, c->emission.ntab,
                                            c->emission.tab_lambda, c->emission.tab_value},
                             -INFINITY, INFINITY) > 0))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "the emission spectrum has zero area");
  /* all of the spontaneous emission outside the grid: nothing to simulate */
  gk_sim_band em = c->emission;
  em.peak = 1;
  if (!(gk_sim_band_integral(&em, c->lambda_min, c->lambda_max) > 1e-6 * gk_sim_band_integral(&em, -INFINITY, INFINITY)))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "the emission spectrum lies outside the wavelength grid %g-%g nm",
                        c->lambda_min, c->lambda_max);
  return GK_OK;
#undef POS
#undef FRAC
}

/* Linear interpolation of a table, zero outside it. */
static double table_eval(const gk_sim_band *b, double x)
{
  const double *l = b->tab_lambda, *v = b->tab_value;
  size_t n = b->ntab;
  if (!(x >= l[0] && x <= l[n - 1])) return 0;
  size_t i = gsl_interp_bsearch(l, x, 0, n - 1);
  if (i + 1 >= n) return v[n - 1];
  return v[i] + (v[i + 1] - v[i]) * (x - l[i]) / (l[i + 1] - l[i]);
}

double gk_sim_band_eval(const gk_sim_band *b, double lambda_nm)
{
  if (b->peak == 0) return 0;
  if (b->ntab) return b->peak * table_eval(b, lambda_nm);
  double u = (lambda_nm - b->center) / b->fwhm;
  return b->peak * exp(-4 * M_LN2 * u * u);
}

double gk_sim_band_integral(const gk_sim_band *b, double l0, double l1)
{
  if (b->peak == 0 || !(l1 > l0)) return 0;
  if (!b->ntab) {
    double w = b->fwhm * FWHM_TO_SIGMA * M_SQRT2;
    return b->peak * 0.5 * sqrt(M_PI) * w * (erf((l1 - b->center) / w) - erf((l0 - b->center) / w));
  }
  /* exact integral of the piecewise-linear interpolant: trapezoids over the
   * table nodes inside [l0, l1] plus the two clipped end pieces */
  const double *l = b->tab_lambda;
  size_t n = b->ntab;
  double a = l0 > l[0] ? l0 : l[0], e = l1 < l[n - 1] ? l1 : l[n - 1];
  if (!(e > a)) return 0;
  double sum = 0, x = a, y = table_eval(b, a);
  size_t i = gsl_interp_bsearch(l, a, 0, n - 1) + 1;
  for (; i < n && l[i] < e; i++) {
    double yi = b->tab_value[i];
    sum += 0.5 * (y + yi) * (l[i] - x);
    x = l[i];
    y = yi;
  }
  sum += 0.5 * (y + table_eval(b, e)) * (e - x);
  return b->peak * sum;
}

/* Füchtbauer–Ladenburg: σ_e(λ) = λ⁴ E(λ) / (8π n² c τ_rad) with E the
 * emission spectrum in photons per unit wavelength normalised to unit area
 * (E = F/∫F dλ) and τ_rad = τ1/η1. The area is taken over the whole band or
 * table, not over the simulation window, so σ_e does not depend on the grid. */
double gk_sim_sigma_e(const gk_sim_config *c, double lambda_nm)
{
  if (!c->fl_sigma_e) return gk_sim_band_eval(&c->sigma_e, lambda_nm);
  if (!(c->radiative_fraction > 0)) return 0;
  gk_sim_band shape = c->emission;
  shape.peak = 1;
  double area_cm = gk_sim_band_integral(&shape, -INFINITY, INFINITY) * 1e-7;
  if (!(area_cm > 0)) return 0;
  double lam = lambda_nm * 1e-7, E = gk_sim_band_eval(&shape, lambda_nm) / area_cm;
  double tau_rad = c->lifetime / c->radiative_fraction;
  return lam * lam * lam * lam * E / (8 * M_PI * c->index * c->index * GK_C_CM_S * tau_rad);
}

void gk_sim_result_free(gk_sim_result *r)
{
  if (!r) return;
  free(r->lambda); free(r->t); free(r->pump); free(r->spectrum); free(r->intensity);
  free(r->fwhm); free(r->spectrum_t); free(r->n1_map); free(r->n2_map); free(r->x);
  memset(r, 0, sizeof *r);
}

/* FWHM of a sampled spectrum by linear interpolation at half maximum; NaN
 * when the half-maximum crossing lies outside the grid. */
static double spectrum_fwhm(const double *lam, const double *s, size_t n)
{
  size_t m = 0;
  for (size_t j = 1; j < n; j++) if (s[j] > s[m]) m = j;
  if (!(s[m] > 0)) return NAN;
  double h = 0.5 * s[m], lo = NAN, hi = NAN;
  for (size_t j = m; j > 0; j--)
    if (s[j - 1] <= h) { lo = lam[j - 1] + (h - s[j - 1]) / (s[j] - s[j - 1]) * (lam[j] - lam[j - 1]); break; }
  for (size_t j = m; j + 1 < n; j++)
    if (s[j + 1] <= h) { hi = lam[j] + (s[j] - h) / (s[j] - s[j + 1]) * (lam[j + 1] - lam[j]); break; }
  return hi - lo;
}

/* Working state of one run. */
typedef struct sim {
  const gk_sim_config *c;
  size_t nx, nl;
  double dx, dlam, area, vol;      /* area = b d (cm²), vol = area dx */
  double *ce, *ca, *cesa, *f;      /* Γσ_e, Γσ_a, Γσ_esa per bin; f: lineshape fractions */
  double *abg;                     /* α_bg per bin, cm^-1 */
  double *n1, *n2;                 /* populations per cell */
  double *phi, *psi, *J;           /* nl*nx: cell integrals of the flux */
  double *edge, *far;              /* nl: S+ at x = L, S- at x = 0 */
  double *we, *wa, *wesa, *wbg;    /* per cell: stimulated rates per molecule, bg photons/s */
  double *stiff;                   /* per cell: gain-feedback rate bound (see the step control) */
  int parallel;                    /* OpenMP over bins/cells inside this run */
} sim;

/* (e^z − 1)/z and (e^z − 1 − z)/z²; the series avoids cancellation near 0. */
static inline void phipsi(double z, double *phi, double *psi)
{
  if (fabs(z) < 1e-2) {
    *psi = 0.5 + z * (1.0 / 6 + z * (1.0 / 24 + z * (1.0 / 120 + z / 720)));
    *phi = 1 + z * *psi;
  } else {
    *phi = expm1(z) / z;
    *psi = (*phi - 1) / z;
  }
}

/* Quasi-static guided fluxes for the current populations. Within a cell the
 * populations are constant, so dS/dx = g S + s integrates exactly:
 * S_out = S_in e^{z} + s dx φ(z), ∫S dx = S_in dx φ(z) + s dx² ψ(z) with
 * z = g dx. This keeps amplification exact for any g dx (no step limit in x)
 * and makes S_out − S_in = g ∫S dx + s dx hold identically, which is what the
 * photon bookkeeping rests on. Bins are independent: parallel over λ. */
static void solve_flux(sim *S)
{
  const gk_sim_config *c = S->c;
  size_t nx = S->nx, nl = S->nl;
  double dx = S->dx, ntot = c->density;
  double k1 = 1 / c->lifetime, k2 = c->second_fraction > 0 ? 1 / c->second_lifetime : 0;
  double srcfac = 0.5 * c->coupling * S->area;
  double eta1 = c->radiative_fraction * k1, eta2 = c->second_radiative_fraction * k2;
  double inv = 1 / S->vol;
  /* One parallel region per step, not one per loop: each fork/join is a
   * barrier, and on a shared machine a barrier waits for the slowest
   * (descheduled) thread. Static schedules give each thread the same
   * contiguous block of bins (then of cells) every step; threads write
   * disjoint contiguous ranges, so only block edges share cache lines. */
#pragma omp parallel if (S->parallel)
  {
#pragma omp for schedule(static)
  for (size_t j = 0; j < nl; j++) {
    double ce = S->ce[j] - S->cesa[j], ca = S->ca[j], fs = srcfac * S->f[j], abg = S->abg[j];
    double *phi = S->phi + j * nx, *psi = S->psi + j * nx, *J = S->J + j * nx;
    double s = 0;
    for (size_t i = 0; i < nx; i++) {
      double n1 = S->n1[i], n2 = S->n2[i];
      double g = ce * n1 - ca * (ntot - n1 - n2) - abg;
      double src = fs * (eta1 * n1 + eta2 * n2);
      double z = g * dx;
      phipsi(z, &phi[i], &psi[i]);
      J[i] = s;
      s = s * (1 + z * phi[i]) + src * dx * phi[i];
    }
    S->edge[j] = s;
    s = 0;
    for (size_t i = nx; i-- > 0;) {
      double n1 = S->n1[i], n2 = S->n2[i];
      double g = ce * n1 - ca * (ntot - n1 - n2) - abg;
      double src = fs * (eta1 * n1 + eta2 * n2);
      double z = g * dx;
      J[i] = (J[i] + s) * dx * phi[i] + 2 * src * dx * dx * psi[i];
      s = s * (1 + z * phi[i]) + src * dx * phi[i];
    }
    S->far[j] = s;
  }
  /* Rates per cell: the sum over λ runs in a fixed order in every thread
   * layout, so results do not depend on the number of threads. */
#pragma omp for schedule(static)
  for (size_t i = 0; i < nx; i++) {
    double we = 0, wa = 0, wesa = 0, wbg = 0, st = 0;
    double n1 = S->n1[i], n0 = ntot - n1 - S->n2[i];
    for (size_t j = 0; j < nl; j++) {
      double Jj = S->J[j * nx + i];
      double e = S->ce[j] * Jj, a = S->ca[j] * Jj;
      we += e;
      wa += a;
      wesa += S->cesa[j] * Jj;
      wbg += S->abg[j] * Jj;
      st += (S->ce[j] + S->ca[j]) * (e * n1 + a * n0);
    }
    S->stiff[i] = st * inv * c->stripe_length;
    S->we[i] = we * inv;
    S->wa[i] = wa * inv;
    S->wesa[i] = wesa * inv;
    S->wbg[i] = wbg;
  }
  }
}

/* Serial or threaded flux solves, chosen by measurement. A probe runs
 * CHOOSER_PROBE steps serial, then up to CHOOSER_PROBE threaded, timed; the
 * steps until the next probe use the faster. A threaded step slower than
 * twice the serial average ends the probe at once (one step lost), and each
 * lost probe makes the interval to the next 8x longer (up to CHOOSER_MAX), so a
 * loaded machine costs a few steps per run. Re-probing follows changes of
 * the load. The results are bit-identical either way (fixed summation
 * order): only the speed depends on this choice. */
enum { CHOOSER_PROBE = 8, CHOOSER_MIN = 256, CHOOSER_MAX = 16384 };
typedef struct flux_chooser {
  int enabled, threaded, probing;
  size_t next, k, period;      /* step of the next probe; probe step; interval */
  double t_serial, t_threaded;
} flux_chooser;

static void flux_timed(sim *S, flux_chooser *fc, size_t step)
{
#ifdef _OPENMP
  if (fc->enabled) {
    if (!fc->period) fc->period = CHOOSER_MIN;
    if (!fc->probing && step >= fc->next) {
      fc->probing = 1;
      fc->k = 0;
      fc->t_serial = fc->t_threaded = 0;
    }
    if (!fc->probing) {
      S->parallel = fc->threaded;
      solve_flux(S);
      return;
    }
    S->parallel = fc->k >= CHOOSER_PROBE;
    double t0 = omp_get_wtime();
    solve_flux(S);
    double dt = omp_get_wtime() - t0;
    if (!S->parallel) {
      fc->t_serial += dt;
    } else {
      fc->t_threaded += dt;
      int lost = dt > 2 * fc->t_serial / CHOOSER_PROBE;
      if (lost || fc->k + 1 == 2 * CHOOSER_PROBE) {
        fc->threaded = !lost && fc->t_threaded < fc->t_serial;
        if (!fc->threaded && fc->period < CHOOSER_MAX) fc->period *= 8;
        if (fc->threaded) fc->period = CHOOSER_MIN;
        fc->next = step + fc->period;
        fc->probing = 0;
      }
    }
    fc->k++;
    return;
  }
#endif
  (void)step;
  S->parallel = 0;
  solve_flux(S);
}

/* Pump photons per cm² delivered in [t0, t1] by a Gaussian pulse centred
 * at t = 0 (exact integral, so the delivered dose does not depend on dt). */
static double pump_dose(const gk_sim_config *c, double t0, double t1)
{
  double nph = c->pump_fluence / (GK_H_J_S * GK_C_CM_S / (c->pump_wavelength * 1e-7));
  double s = c->pump_fwhm * FWHM_TO_SIGMA * M_SQRT2;
  double a = t0 / s, b = t1 / s;
  /* erfc differences in the far tails keep relative precision there */
  if (a > 0) return 0.5 * nph * (erfc(a) - erfc(b));
  if (b < 0) return 0.5 * nph * (erfc(-b) - erfc(-a));
  return 0.5 * nph * (erf(b) - erf(a));
}

static double pump_rate(const gk_sim_config *c, double t)
{
  double nph = c->pump_fluence / (GK_H_J_S * GK_C_CM_S / (c->pump_wavelength * 1e-7));
  double s = c->pump_fwhm * FWHM_TO_SIGMA;
  return nph / (s * sqrt(2 * M_PI)) * exp(-0.5 * t * t / (s * s));
}

static void sim_free(sim *S)
{
  free(S->ce); free(S->abg); free(S->ca); free(S->cesa); free(S->f); free(S->n1); free(S->n2);
  free(S->phi); free(S->psi); free(S->J); free(S->edge); free(S->far);
  free(S->we); free(S->wa); free(S->wesa); free(S->wbg); free(S->stiff);
}

static int alloc_all(double **p[], const size_t *n, size_t k)
{
  int ok = 1;
  for (size_t i = 0; i < k; i++) {
    *p[i] = calloc(n[i] ? n[i] : 1, sizeof(double));
    ok &= *p[i] != NULL;
  }
  return ok;
}

static void window(const gk_sim_config *c, double *t0, double *t1)
{
  if (c->t_start != 0 || c->t_end != 0) {
    *t0 = c->t_start;
    *t1 = c->t_end;
    return;
  }
  double tmax = c->lifetime;
  if (c->second_fraction > 0 && c->second_lifetime > tmax) tmax = c->second_lifetime;
  *t0 = -2.5 * c->pump_fwhm;
  *t1 = 2.5 * c->pump_fwhm + 8 * tmax;
}

double gk_sim_steps_estimate(const gk_sim_config *c)
{
  double t0, t1;
  window(c, &t0, &t1);
  double k = 1 / c->lifetime + (c->second_fraction > 0 ? 1 / c->second_lifetime : 0);
  double eps = c->accuracy;
  double decay = (t1 - t0) * k / eps;
  /* within 4 FWHM of the pump peak the step is at most eps x FWHM */
  double lo = fmax(t0, -4 * c->pump_fwhm), hi = fmin(t1, 4 * c->pump_fwhm);
  double pulse = hi > lo ? (hi - lo) / (eps * c->pump_fwhm) : 0;
  return fmax(decay, pulse) + (double)c->ntimes;
}

int gk_sim_run(const gk_sim_config *c, gk_sim_result *r, const gk_progress *prog, gk_error *err)
{
  gk_gsl_init_();
  memset(r, 0, sizeof *r);
  int st = gk_sim_config_check(c, err);
  if (st) return st;
  sim S = {.c = c, .nx = c->ncells, .nl = c->nbins};
  /* Threads inside a run only for a lone run (a sweep spreads its points
   * instead, see gk_sim_sweep) and only on grids whose per-step work
   * (~4 µs per 1000 cell-bins) can pay for a fork/join. Whether it does
   * depends on the machine's load: a barrier waits for the slowest thread,
   * and on an oversubscribed machine that is a scheduler time slice, ten
   * times a step. So flux_chooser times both and keeps the faster. */
  flux_chooser fc = {0};
#ifdef _OPENMP
  fc.enabled = S.nx * S.nl >= 16384 && !omp_in_parallel() && omp_get_max_threads() > 1;
#endif
  size_t nx = S.nx, nl = S.nl, nt = c->ntimes;
  S.dx = c->stripe_length / (double)nx;
  S.dlam = (c->lambda_max - c->lambda_min) / (double)nl;
  S.area = c->stripe_width * c->thickness;
  S.vol = S.area * S.dx;
  int tr = c->time_resolved;
  double **ptrs[] = {&S.ce, &S.abg, &S.ca, &S.cesa, &S.f, &S.n1, &S.n2, &S.phi, &S.psi, &S.J, &S.edge,
                     &S.far, &S.we, &S.wa, &S.wesa, &S.wbg, &S.stiff, &r->lambda, &r->t, &r->pump,
                     &r->spectrum, &r->intensity, &r->fwhm};
  size_t sizes[] = {nl, nl, nl, nl, nl, nx, nx, nl * nx, nl * nx, nl * nx, nl, nl, nx, nx, nx, nx, nx,
                    nl, nt, nt, nl, nt, nt};
  int ok = alloc_all(ptrs, sizes, sizeof sizes / sizeof *sizes);
  double *bin = calloc(nl, sizeof *bin);
  ok &= bin != NULL;
  if (tr) {
    double **p2[] = {&r->spectrum_t, &r->n1_map, &r->n2_map, &r->x};
    size_t s2[] = {nt * nl, nt * nx, nt * nx, nx};
    ok &= alloc_all(p2, s2, 4);
  }
  if (!ok) {
    sim_free(&S);
    free(bin);
    gk_sim_result_free(r);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory for the simulation grids");
  }
  r->nbins = nl;
  r->ntimes = nt;
  r->ncells = nx;
  if (tr)
    for (size_t i = 0; i < nx; i++) r->x[i] = (i + 0.5) * S.dx;

  /* Lineshape fractions: the exact Gaussian area of each bin, renormalised
   * over the window so that Σf = 1 — every spontaneous photon coupled to the
   * mode lands in some bin and the bookkeeping closes. */
  double fsum = 0;
  gk_sim_band shape = c->emission;
  shape.peak = 1;
  for (size_t j = 0; j < nl; j++) {
    double l0 = c->lambda_min + j * S.dlam, l1 = l0 + S.dlam, lam = l0 + 0.5 * S.dlam;
    r->lambda[j] = lam;
    S.f[j] = gk_sim_band_integral(&shape, l0, l1);
    fsum += S.f[j];
    S.abg[j] = c->background_loss + gk_sim_band_eval(&c->background, lam);
    S.ce[j] = c->confinement * gk_sim_sigma_e(c, lam);
    S.ca[j] = c->confinement * gk_sim_band_eval(&c->sigma_a, lam);
    S.cesa[j] = c->confinement * gk_sim_band_eval(&c->sigma_esa, lam);
  }
  for (size_t j = 0; j < nl; j++) S.f[j] = fsum > 0 ? S.f[j] / fsum : 1.0 / nl;

  double t0, t1;
  window(c, &t0, &t1);
  double tbin = (t1 - t0) / (double)nt;
  double k1 = 1 / c->lifetime, k2 = c->second_fraction > 0 ? 1 / c->second_lifetime : 0;
  double phi2 = c->second_fraction, eps = c->accuracy, ntot = c->density;
  double sp = c->pump_cross_section, d = c->thickness;
  double vol = S.vol, beta = c->coupling;
  double eta1 = c->radiative_fraction, eta2 = c->second_radiative_fraction;
  gk_sim_budget B = {0};
  double t = t0;
  size_t steps = 0;
  st = GK_OK;
  for (size_t k = 0; k < nt; k++) {
    double tk1 = (k + 1 == nt) ? t1 : t0 + (double)(k + 1) * tbin;
    double ebin = 0;
    memset(bin, 0, nl * sizeof *bin);
    r->t[k] = t0 + (k + 0.5) * tbin;
    r->pump[k] = pump_dose(c, t, tk1) / (tk1 - t);
    while (t < tk1) {
      /* a cancel is honoured within one step, not one output bin: on a
       * fine grid a bin can take seconds (the call is cheap next to a
       * step's cells x bins work) */
      if (gk_progress_update(prog, k, nt)) {
        st = gk_error_set(err, GK_ECANCELLED, NULL, 0, "simulation cancelled");
        break;
      }
      if ((double)steps >= GK_SIM_MAX_STEPS) {
        st = gk_error_set(err, GK_ELIMIT, NULL, 0,
                          "more than %.0e time steps (stiff stimulated emission): raise accuracy", GK_SIM_MAX_STEPS);
        break;
      }
      flux_timed(&S, &fc, steps);
      /* Step size: explicit updates stay accurate and positive while dt times
       * every per-molecule rate is <= ε. Stimulated emission adds a stiffer
       * mode: a change δN1 alters the gain-length product of bin j by at most
       * Γ(σe+σa)_j L δN1 and the flux of that bin by the same factor, so the
       * stimulated transition rate moves by Σ_j Γ(σe+σa)_j L (stimulated
       * rate of bin j) per unit δN1 — S.stiff, weighted by where the
       * photons actually are. Near the pulse, dt also
       * resolves the pump (ε τp). */
      double rmax = k1 + k2;
      double prate = sp * pump_rate(c, t);
      for (size_t i = 0; i < nx; i++) {
        double rr = prate + S.wa[i] + S.we[i] + k1 + k2 + S.stiff[i];
        if (rr > rmax) rmax = rr;
      }
      double dt = eps / rmax;
      if (fabs(t) < 4 * c->pump_fwhm && dt > eps * c->pump_fwhm) dt = eps * c->pump_fwhm;
      if (t + dt > tk1 || tk1 - (t + dt) < 1e-9 * dt) dt = tk1 - t;
      double dose = pump_dose(c, t, t + dt);
      for (size_t i = 0; i < nx; i++) {
        double n1 = S.n1[i], n2 = S.n2[i], n0 = ntot - n1 - n2;
        double nabs = dose * -expm1(-sp * n0 * d) / d;
        double dec1 = dt * k1 * n1, dec2 = dt * k2 * n2;
        double stim = dt * (S.we[i] * n1 - S.wa[i] * n0);
        S.n1[i] = n1 + (1 - phi2) * nabs - dec1 - stim;
        S.n2[i] = n2 + phi2 * nabs - dec2;
        B.absorbed += nabs * vol;
        B.decay_guided += beta * (eta1 * dec1 + eta2 * dec2) * vol;
        B.decay_other += ((1 - beta * eta1) * dec1 + (1 - beta * eta2) * dec2) * vol;
        B.stimulated_net += stim * vol;
        B.loss_esa += dt * S.wesa[i] * n1 * vol;
        B.loss_bg += dt * S.wbg[i];
      }
      double e = 0, fsum2 = 0;
      for (size_t j = 0; j < nl; j++) {
        bin[j] += dt * S.edge[j];
        e += S.edge[j];
        fsum2 += S.far[j];
      }
      B.out_edge += dt * e;
      B.out_far += dt * fsum2;
      ebin += dt * e;
      t += dt;
      steps++;
    }
    if (st) break;
    t = tk1;
    double span = tk1 - (t0 + (double)k * tbin);
    r->intensity[k] = ebin / span;
    for (size_t j = 0; j < nl; j++) {
      r->spectrum[j] += bin[j] / S.dlam;
      bin[j] /= span * S.dlam;
    }
    r->fwhm[k] = spectrum_fwhm(r->lambda, bin, nl);
    if (tr) {
      memcpy(r->spectrum_t + k * nl, bin, nl * sizeof *bin);
      memcpy(r->n1_map + k * nx, S.n1, nx * sizeof *S.n1);
      memcpy(r->n2_map + k * nx, S.n2, nx * sizeof *S.n2);
    }
    if (gk_progress_update(prog, k + 1, nt)) {
      st = gk_error_set(err, GK_ECANCELLED, NULL, 0, "simulation cancelled");
      break;
    }
  }
  for (size_t i = 0; i < nx; i++) B.left += (S.n1[i] + S.n2[i]) * vol;
  r->budget = B;
  r->steps = steps;
  sim_free(&S);
  free(bin);
  if (st) gk_sim_result_free(r);
  return st;
}

/* Inside a sweep's points: a run asks the caller's callback, under the
 * sweep's lock, whether to stop (with the sweep's own count: the caller sees
 * points done, never a point's time bins), so a cancel takes effect within
 * one output time bin rather than at the end of a point. */
typedef struct sweep_poll { const gk_progress *outer; int *cancel; size_t *done, n, calls; } sweep_poll;

static int sweep_poll_update(void *ctx, size_t done, size_t total)
{
  (void)done;
  (void)total;
  sweep_poll *sp = ctx;
  int stop;
  /* the lock every 64th step of a point: steps on a coarse grid take a
   * microsecond, and a cancel 64 steps late is still immediate */
  if (sp->calls++ % 64) return 0;
#pragma omp critical(gk_sim_progress)
  {
    int c0;
#pragma omp atomic read
    c0 = *sp->cancel;
    if (!c0 && gk_progress_update(sp->outer, *sp->done, sp->n)) {
#pragma omp atomic write
      *sp->cancel = 1;
      c0 = 1;
    }
    stop = c0;
  }
  return stop;
}

int gk_sim_sweep(const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values, size_t n,
                 gk_sim_result *results, const gk_progress *prog, gk_error *err)
{
  gk_gsl_init_();
  int st = gk_sim_config_check(c, err);
  if (st) return st;
  for (size_t i = 0; i < n; i++) memset(&results[i], 0, sizeof results[i]);
  int *status = calloc(n ? n : 1, sizeof *status);
  gk_error *errs = calloc(n ? n : 1, sizeof *errs);
  if (!status || !errs) {
    free(status);
    free(errs);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  size_t done = 0;
  int cancel = 0;
  /* Two or more points: threads over points, none inside a run (gk_sim_run
   * sees omp_in_parallel()). Points are independent runs without barriers,
   * which scales even on an oversubscribed machine. schedule(static, 1)
   * deals points round robin: sweeps ordered by fluence get slower towards
   * the end, and interleaving evens that out without a shared work counter.
   * One point: the run itself uses the threads. Either way each point
   * computes exactly what gk_sim_run computes. */
#pragma omp parallel for schedule(static, 1) if (n >= 2)
  for (size_t i = 0; i < n; i++) {
    int stop;
#pragma omp atomic read
    stop = cancel;
    if (stop) { status[i] = GK_ECANCELLED; continue; }
    gk_sim_config ci = *c;
    if (kind == GK_SIM_SWEEP_FLUENCE) ci.pump_fluence = values[i];
    else ci.stripe_length = values[i];
    sweep_poll sp = {prog, &cancel, &done, n, 0};
    gk_progress inner = {sweep_poll_update, &sp};
    status[i] = gk_sim_run(&ci, &results[i], prog && prog->update ? &inner : NULL, &errs[i]);
#pragma omp critical(gk_sim_progress)
    {
      done++;
      if (gk_progress_update(prog, done, n)) {
#pragma omp atomic write
        cancel = 1;
      }
    }
  }
  for (size_t i = 0; i < n && !st; i++)
    if (status[i]) {
      st = status[i];
      if (err) *err = errs[i];
      if (cancel) st = gk_error_set(err, GK_ECANCELLED, NULL, 0, "simulation cancelled");
    }
  if (st)
    for (size_t i = 0; i < n; i++) gk_sim_result_free(&results[i]);
  free(status);
  free(errs);
  return st;
}
