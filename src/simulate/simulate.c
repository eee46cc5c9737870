/* Time-domain stripe-pumped film: populations + quasi-static guided fluxes.
 * The equations and the reasons for the numerical choices are written out
 * in docs/simulate.md; comments here point at the non-obvious parts. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getcpu, CPU_SET, pthread_attr_setaffinity_np (flux_team_start) */
#endif
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#endif

#include <gsl/gsl_interp.h>

#include "gainkit/simulate.h"
#include "gainkit/constants.h"
#include "core/core_internal.h"
#include "simulate/sim_internal.h"

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
  /* TE/TM and bulk kinetics: used only when npol = 2 / kinetics = bulk.
   * Bulk values: CsPbBr3 film of Tatarinov et al., Adv. Opt. Mater. 2023,
   * Table 1 (100 nm large grain: σ 4e-16 cm², N_th 1e18, N_s 5e19 cm^-3);
   * k1, k2, k3 from Goldberg et al., Adv. Mater. 2024 (physics checks). */
  c->npol = 1;
  c->confinement_tm = 0.8;
  c->coupling_tm = 0.005;
  c->kinetics = GK_SIM_EMITTERS;
  c->k1 = 1e7;
  c->k2 = 2e-10;
  c->k3 = 1e-28;
  c->pump_absorption = 1e5;
  c->gain_law = GK_SIM_GAIN_SATURATING;
  c->gain_sigma = (gk_sim_band){.peak = 4e-16, .center = 535, .fwhm = 15};
  c->gain_nth = 1e18;
  c->gain_ns = 5e19;
}

double gk_sim_memory_bytes(const gk_sim_config *c)
{
  double nl = (double)c->nbins, nb = nl * (c->npol == 2 ? 2 : 1), ny = (double)gk_sim_channels(c);
  double nx = (double)c->ncells + (double)gk_sim_unpumped_cells(c), nt = (double)c->ntimes;
  double np = c->npol == 2 ? 2 : 1, nz = c->depth_slices > 1 ? (double)c->depth_slices : 1;
  double n = 6 * nb + nl + (2 * nz + 6 * np + 6) * nx * ny + 3 * nb * ny * nx + 2 * nb * ny + nb + 1 + ny + 2 * nl + 4 * nt +
             np * (nl + nt);
  n += 5 * np * nx * ny * ceil(nl / 64); /* rate sums per bin block (FLUX_BLK) */
  n += 2 * np * nx * ny + nz;             /* per-mode Γσ_a J, Γσ_esa J sums; absorbed per slice */
  /* (not counted, as the per-chunk budget sums are not: the 4 nz slice
   * populations of the result, the 3 stack shares of a bulk film, and the
   * two-thread stripe split's boundary fluxes, 2 nb ny rounded up to whole
   * 64-bin blocks) */
  if (c->pump_stack_layers && c->kinetics != GK_SIM_BULK)
    n += (2 * nz + 3) * nx * ny;           /* per cell: optical depths and light per slice, R/above/below */
  if (c->time_resolved) n += nt * nl + 2 * nt * nx + nx;
  return n * sizeof(double);
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
  int bulk = c->kinetics == GK_SIM_BULK;
  if (c->kinetics != GK_SIM_EMITTERS && !bulk)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "kinetics must be GK_SIM_EMITTERS or GK_SIM_BULK");
  POS(thickness); POS(index); POS(stripe_length); POS(stripe_width); POS(pump_wavelength);
  POS(pump_fwhm); POS(lambda_min);
  if (bulk) {
    POS(k1); POS(pump_absorption);
    if (!(c->k2 >= 0 && isfinite(c->k2)) || !(c->k3 >= 0 && isfinite(c->k3)))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "k2 and k3 must be >= 0 and finite");
    if (c->gain_law != GK_SIM_GAIN_LINEAR && c->gain_law != GK_SIM_GAIN_SATURATING)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "gain_law must be linear or saturating");
    if (!(c->gain_nth >= 0 && isfinite(c->gain_nth)))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "gain_nth must be >= 0 and finite (got %g)", c->gain_nth);
    if (c->gain_law == GK_SIM_GAIN_SATURATING) POS(gain_ns);
    if (!(1 / c->k1 >= GK_SIM_MIN_TIME && 1 / c->k1 <= GK_SIM_MAX_TIME))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "1/k1 must lie in [%g, %g] s (got %g s)", GK_SIM_MIN_TIME,
                          GK_SIM_MAX_TIME, 1 / c->k1);
  } else {
    POS(pump_cross_section); POS(density); POS(lifetime);
  }
  if (c->npol != 0 && c->npol != 1 && c->npol != 2)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "npol must be 1 or 2 (got %d)", c->npol);
  if (c->npol == 2) {
    FRAC(confinement_tm); FRAC(coupling_tm);
  }
  for (int p = 0; p < 2; p++)
    if (!(c->mode_loss[p] >= 0 && isfinite(c->mode_loss[p])))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "mode_loss[%d] must be >= 0 and finite", p);
  if (c->depth_slices > GK_SIM_MAX_SLICES)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "depth_slices must be <= %d (got %zu)", GK_SIM_MAX_SLICES,
                        c->depth_slices);
  /* Emitters bleach: each slice absorbs by Beer–Lambert with its own σ_p N0,
   * attenuated by the slices above, so fixed shares cannot describe it. */
  if (c->depth_slices > 1 && !bulk)
    for (size_t s = 0; s < GK_SIM_MAX_SLICES; s++)
      if (c->depth_pump[s] != 0)
        return gk_error_set(err, GK_EUSAGE, NULL, 0, "depth_pump (fixed absorbed shares) needs kinetics = "
                            "GK_SIM_BULK: emitter slices absorb sigma_p N0 of their own ground state, attenuated "
                            "by the bleached slices above");
  if (c->pump_stack_layers) {
    size_t L = c->pump_stack_layers, a = c->pump_stack_active;
    const double *T = c->pump_stack;
    if (L < 3 || L > 10000 || !T || a == 0 || a + 1 >= L)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_stack needs 3 to 10000 layers with the film "
                          "(pump_stack_active) between the first and the last (got %zu layers, film %zu)", L, a);
    for (size_t j = 0; j < L; j++) {
      double n = T[3 * j], k = T[3 * j + 1], th = T[3 * j + 2];
      if (!(n > 0 && isfinite(n)) || !(k >= 0 && isfinite(k)) || (j == 0 && k != 0) ||
          (j > 0 && j + 1 < L && !(th > 0 && isfinite(th))))
        return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_stack layer %zu: n must be > 0, k >= 0 (0 for the "
                            "first layer, where the pump comes from) and the thickness > 0", j);
      /* a layer that lets no light through: the transfer matrix would
       * overflow, and nothing reaches the film (as gk_absorb_layers) */
      if (j > 0 && j + 1 < L && j != a && 2 * M_PI / c->pump_wavelength * k * th > 300)
        return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_stack layer %zu is opaque at the pump (k0 k d > 300)", j);
    }
    if (!(fabs(T[3 * a + 2] * 1e-7 - c->thickness) <= 1e-6 * c->thickness))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_stack: the film layer is %g nm thick, thickness %g nm",
                          T[3 * a + 2], c->thickness * 1e7);
    if (!(c->pump_stack_tol <= 10) || isnan(c->pump_stack_tol))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_stack_tol must be <= 10 (got %g)", c->pump_stack_tol);
  }
  {
    double sum = 0;
    for (size_t s = 0; s < GK_SIM_MAX_SLICES; s++) {
      if (!(c->depth_pump[s] >= 0 && c->depth_pump[s] <= 1) || !(c->depth_mode[0][s] >= 0) ||
          !(c->depth_mode[1][s] >= 0) || !isfinite(c->depth_mode[0][s]) || !isfinite(c->depth_mode[1][s]))
        return gk_error_set(err, GK_EUSAGE, NULL, 0, "depth_pump must lie in [0, 1] and depth_mode be >= 0 and "
                            "finite (slice %zu)", s);
      sum += c->depth_pump[s];
    }
    if (!(sum <= 1 + 1e-9))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "depth_pump sums to %g, more than 1 (the absorbed shares of the "
                          "incident pump photons)", sum);
  }
  if (c->threading != GK_SIM_THREADS_AUTO && c->threading != GK_SIM_THREADS_ALWAYS &&
      c->threading != GK_SIM_THREADS_NEVER)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "threading must be GK_SIM_THREADS_AUTO, _ALWAYS or _NEVER");
  if (c->pump_profile != GK_SIM_TOPHAT && c->pump_profile != GK_SIM_GAUSS)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_profile must be GK_SIM_TOPHAT or GK_SIM_GAUSS");
  if (c->channels > 1000)
    return gk_error_set(err, GK_ELIMIT, NULL, 0, "channels must be <= 1000 (got %zu)", c->channels);
  if (!(c->unpumped_length >= 0 && c->unpumped_length <= 100))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "unpumped_length must lie in [0, 100] cm (got %g)",
                        c->unpumped_length);
  if (c->pump_along.ntab == 1) return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_along needs >= 2 points");
  if (c->pump_along.ntab) {
    double mx = 0;
    for (size_t i = 0; i < c->pump_along.ntab; i++) {
      if (!(c->pump_along.tab_value[i] >= 0) || (i && !(c->pump_along.tab_lambda[i] > c->pump_along.tab_lambda[i - 1])))
        return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_along needs increasing positions and values >= 0");
      mx = fmax(mx, c->pump_along.tab_value[i]);
    }
    if (!(mx > 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "pump_along is zero everywhere");
  }
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
  double lines = (double)c->nbins * (c->npol == 2 ? 2.0 : 1.0) * (double)gk_sim_channels(c);
  double cells = (double)c->ncells + (double)gk_sim_unpumped_cells(c);
  if (lines * cells > GK_SIM_MAX_CELL_BINS)
    return gk_error_set(err, GK_ELIMIT, NULL, 0,
                        "grid too large: bins x cells = %.0f x %.0f (bins x modes x lateral strips, cells + "
                        "unpumped cells), more than %.0e", lines, cells, (double)GK_SIM_MAX_CELL_BINS);
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
  if (!bulk) TIME(lifetime);
  TIME(pump_fwhm);
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
  if (!(steps * lines * cells <= GK_SIM_MAX_WORK))
    return gk_error_set(err, GK_ELIMIT, NULL, 0,
                        "the run needs at least %.3g time steps x %.0f lines x %.0f cells = %.3g updates, more than %.0e: "
                        "raise accuracy or use a coarser grid", steps, lines, cells, steps * lines * cells,
                        GK_SIM_MAX_WORK);
  const gk_sim_band *bands[] = {&c->sigma_a, &c->sigma_esa, &c->sigma_e, &c->background, &c->emission,
                                &c->gain_sigma};
  for (int k = 0; k < 6; k++) {
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
  free(r->spectrum_pol); free(r->intensity_pol); free(r->absorbed_slice);
  free(r->slice_n1_max); free(r->slice_n1_at_peak); free(r->slice_n2_max); free(r->slice_n2_at_peak);
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

enum { SIM_THREADS_MAX = 64, RPART_STRIDE = 8 };
struct pop_args;

/* Working state of one run. Lines = lateral strips x modes x wavelength
 * bins: line l belongs to strip l / nb and mode bin l % nb (mode p = bin
 * / nl). Cells: strip y's cells are y*nx ... y*nx + nx - 1. */
typedef struct sim {
  _Alignas(64) const gk_sim_config *c;
  size_t nx, nl, nb, ny, npol;     /* cells per strip, λ bins, mode bins (npol*nl), strips */
  double dx, dlam, area, vol, len; /* area = strip width x d (cm²), vol = area dx, len = nx dx */
  double *ce, *ca, *cesa, *cu;     /* per mode bin: Γσ_e (bulk Γσ), Γσ_a, Γσ_esa, gain coefficient of u */
  double *fs, *abg;                /* per mode bin: ½β A f_j, α_bg + mode loss */
  double *f;                       /* nl lineshape fractions */
  size_t nz;                       /* depth slices (1: depth-averaged) */
  double *n1, *n2;                 /* populations per cell and slice [ci*nz + s] (bulk: N in n1) */
  double *u, *v, *q, *du, *dv;     /* per mode and cell [p*ncell + ci]: g = cu u − ca v − abg;
                                    * source ∝ q; bounds of d|u|/dN, dv/dN */
  double *wep, *wap, *wxp;         /* per mode and cell: stimulated, ground- and excited-state
                                    * absorption rate coefficients of mode p (Γσ J / V summed over λ) */
  double wg[2][GK_SIM_MAX_SLICES]; /* mode-slice weights w_ps (rows sum to 1) */
  double mw[2][GK_SIM_MAX_SLICES]; /* nz w_ps */
  double *pm;                      /* per cell: pump multiplier (profiles; 0 unpumped) */
  double *phi, *psi, *J;           /* nlines*nx: cell integrals of the flux */
  double *rsum;                    /* per mode, cell and bin block: 5 rate sums */
  double *edge, *far;              /* nlines: S+ at the film edge, S- at x = 0 */
  double *we, *wa, *wesa, *wbg;    /* per cell: stimulated rate coefficients, bg photons/s */
  double *stiff;                   /* per cell: gain-feedback rate bound (see the step control) */
  double rfloor;                   /* step control: the rate floor, k1 + k2 */
  const double *pabs, *bsl;        /* per slice: pump absorption, spontaneous coupling (pop_cells) */
  double *bpart;                   /* per chunk of POP_CHUNK cells: their budget sums (pop_chunks) */
  size_t h, nca, ncr, nch;         /* chunks (sim_chunks): each strip's cells [0, h) in nca chunks,
                                    * [h, nx) in the rest of its ncr; nch in all */
  size_t bstride;                  /* doubles per chunk in bpart (6 + nz, to a cache line) */
  struct flux_team *team;          /* the run's own threads (flux_team_start), NULL: none */
  /* pump.depth: stack for emitters (pstack_solve): per cell and slice the
   * optical depth σ_p N0 Δz at the cell's last solve (sA) and the light
   * reaching the slice then (sq: absorbed share / (1 − e^{−A})); per cell
   * its reflected, absorbed-above and passed-below shares (srto) */
  const struct pstack *ps;
  double *sA, *sq, *srto;
  size_t pc0, pc1;                 /* the central strip's pumped cells (slice populations) */
  /* Written at every step (by the caller; dt by thread 0), on cache lines
   * of their own: the run's threads read the fields above throughout a
   * step, and a line they share with a field written every step is taken
   * from them (a cross-core miss, 0.2-0.45 µs here) once per step and per
   * thread. S lives on the caller's stack: the alignment also keeps the
   * caller's other locals off these lines. */
  _Alignas(64) double t, tk1;     /* this step's start and the end of its output bin (sim_step) */
  double prate;                    /* step control: emitters' pump rate bound σ_p P(t) max pm */
  double dt;                       /* the step's size, set by sim_step */
  double qmax;                     /* step control: the largest sq of the last step's solves */
  int terms;                       /* u, v, q, du, dv are those of the current populations */
  int parallel;                    /* this step's flux solve and population update on the run's threads */
  /* step control: the largest per-cell rate bound of each thread's cells
   * (rates_share; taken in thread order: a max is exact), thread t's at
   * [t · RPART_STRIDE], one cache line each */
  _Alignas(64) double rpart[SIM_THREADS_MAX * RPART_STRIDE];
} sim;

/* The film's stack for the pump (gk_sim_config.pump_stack), reduced once
 * per run: the layers above the film to one characteristic matrix M (the
 * fields at the top of the film -> those at the face the pump enters), the
 * layers below to the field (Eb, Hb) at the bottom of the film for a unit
 * wave leaving into the substrate. Fields: E = f + b, H = N (f − b) for
 * the forward and backward amplitudes of a layer of index N (as
 * src/fluence/absorb.c), so a layer of phase thickness δ = k0 N d maps the
 * fields at its bottom to those at its top by
 *   E_t = E cos δ − i (H/N) sin δ,   H_t = −i N E sin δ + H cos δ.
 * Complex numbers as pairs of doubles: the run's arithmetic is plain IEEE
 * operations (no library complex multiply with its NaN checks). */
typedef struct cx { double r, i; } cx;
static inline cx cx_mul(cx a, cx b) { return (cx){a.r * b.r - a.i * b.i, a.r * b.i + a.i * b.r}; }
static inline cx cx_add(cx a, cx b) { return (cx){a.r + b.r, a.i + b.i}; }
static inline cx cx_div(cx a, cx b)
{
  double d = 1 / (b.r * b.r + b.i * b.i);
  return (cx){(a.r * b.r + a.i * b.i) * d, (a.i * b.r - a.r * b.i) * d};
}
/* the layer matrix of phase thickness δ = dr + i di and index N:
 * cos δ = (e + 1/e)/2, −i sin δ = (1/e − e)/2 with e = e^{iδ} */
static void layer_cs(double dr, double di, cx *c, cx *ms)
{
  double m = exp(-di), ci = cos(dr), si = sin(dr);
  cx e = {m * ci, m * si}, ei = {ci / m, -si / m};
  *c = (cx){0.5 * (e.r + ei.r), 0.5 * (e.i + ei.i)};
  *ms = (cx){0.5 * (ei.r - e.r), 0.5 * (ei.i - e.i)};
}
/* Fields grown beyond 1e100 (thick absorbing layers below) scaled by
 * 1e-100, so the product stays finite; the light far below is then ~0.
 * Returns whether it scaled. */
static int cx_rescale(cx *E, cx *H)
{
  double m = fmax(fabs(E->r) + fabs(E->i), fabs(H->r) + fabs(H->i));
  if (!(m > 1e100)) return 0;
  *E = (cx){E->r * 1e-100, E->i * 1e-100};
  *H = (cx){H->r * 1e-100, H->i * 1e-100};
  return 1;
}
static void layer_up(cx *E, cx *H, cx N, double dr, double di)
{
  cx c, ms;
  layer_cs(dr, di, &c, &ms);
  cx Et = cx_add(cx_mul(*E, c), cx_mul(cx_div(*H, N), ms));
  cx Ht = cx_add(cx_mul(cx_mul(N, *E), ms), cx_mul(*H, c));
  *E = Et;
  *H = Ht;
}

typedef struct pstack {
  double n0;         /* the entrance medium's index (real) */
  double nf;         /* the film's real index */
  double k0dz;       /* 2π/λ_p × slice thickness (nm) */
  cx M[2][2];        /* top layers */
  cx Eb, Hb;         /* fields at the film's bottom */
  double A0;         /* bulk: the film's own optical depth per slice from the table */
} pstack;

static void pstack_init(pstack *K, const gk_sim_config *c, size_t nz)
{
  size_t L = c->pump_stack_layers, a = c->pump_stack_active;
  const double *T = c->pump_stack;
  double k0 = 2 * M_PI / c->pump_wavelength;
  K->n0 = T[0];
  K->nf = T[3 * a];
  K->k0dz = k0 * T[3 * a + 2] / (double)nz;
  K->A0 = 2 * K->k0dz * T[3 * a + 1];
  /* below: a unit forward wave in the substrate, E = 1, H = N_sub */
  cx E = {1, 0}, H = {T[3 * (L - 1)], T[3 * (L - 1) + 1]};
  for (size_t j = L - 1; j-- > a + 1;) {
    cx N = {T[3 * j], T[3 * j + 1]};
    layer_up(&E, &H, N, k0 * T[3 * j] * T[3 * j + 2], k0 * T[3 * j + 1] * T[3 * j + 2]);
    cx_rescale(&E, &H);
  }
  K->Eb = E;
  K->Hb = H;
  /* above: M = M_1 M_2 ... M_{a-1} (checked: no layer is opaque) */
  cx M[2][2] = {{{1, 0}, {0, 0}}, {{0, 0}, {1, 0}}};
  for (size_t j = a - 1; j >= 1; j--) {
    cx N = {T[3 * j], T[3 * j + 1]}, cc, ms;
    double th = T[3 * j + 2];
    layer_cs(k0 * T[3 * j] * th, k0 * T[3 * j + 1] * th, &cc, &ms);
    cx Mj[2][2] = {{cc, cx_div(ms, N)}, {cx_mul(N, ms), cc}}, R[2][2];
    for (int r = 0; r < 2; r++)
      for (int q = 0; q < 2; q++) R[r][q] = cx_add(cx_mul(Mj[r][0], M[0][q]), cx_mul(Mj[r][1], M[1][q]));
    memcpy(M, R, sizeof M);
  }
  memcpy(K->M, M, sizeof M);
}

/* Optical depths A[0..nz) of the film's slices (pumped face first) ->
 * the light reaching each slice, q[s] = (its absorbed share)/(1 − e^{−A_s})
 * (1 for the first slice of a bare film), and rto = {reflected, absorbed
 * in the layers above the film, passed below it}, shares of the incident
 * photons; Σ_s q_s (1 − e^{−A_s}) + rto[0] + rto[1] + rto[2] = 1 (energy
 * conservation of the matrix, to rounding). The absorbed share of slice s
 * is the drop of the Poynting flux Re(E H*)/n0 across it. Returns the
 * largest q. A slice's A is floored at 1e-9 (a bleached slice: q stays
 * defined, the share it sets is A-proportional). */
static double pstack_solve(const pstack *K, const double *A, size_t nz, double *q, double *rto)
{
  cx Es[GK_SIM_MAX_SLICES + 1], Hs[GK_SIM_MAX_SLICES + 1], E = K->Eb, H = K->Hb;
  double Af[GK_SIM_MAX_SLICES];
  Es[nz] = E;
  Hs[nz] = H;
  for (size_t z = nz; z-- > 0;) {
    /* (above 600 nothing passes the slice: e^{-600}; the cap keeps the
     * layer matrix finite) */
    double Az = A[z] > 1e-9 ? (A[z] < 600 ? A[z] : 600) : 1e-9;
    Af[z] = Az;
    /* α = 2 k0 k: k0 k Δz = A/2 */
    cx N = {K->nf, 0.5 * Az / K->k0dz};
    layer_up(&E, &H, N, K->k0dz * K->nf, 0.5 * Az);
    if (cx_rescale(&E, &H)) /* and everything so far */
      for (size_t w = z + 1; w <= nz; w++) {
        Es[w] = (cx){Es[w].r * 1e-100, Es[w].i * 1e-100};
        Hs[w] = (cx){Hs[w].r * 1e-100, Hs[w].i * 1e-100};
      }
    Es[z] = E;
    Hs[z] = H;
  }
  cx Ec = cx_add(cx_mul(K->M[0][0], E), cx_mul(K->M[0][1], H));
  cx Hc = cx_add(cx_mul(K->M[1][0], E), cx_mul(K->M[1][1], H));
  cx hn = {Hc.r / K->n0, Hc.i / K->n0};
  cx a0 = {0.5 * (Ec.r + hn.r), 0.5 * (Ec.i + hn.i)}, b0 = {0.5 * (Ec.r - hn.r), 0.5 * (Ec.i - hn.i)};
  double inc = a0.r * a0.r + a0.i * a0.i, w = 1 / (K->n0 * inc);
  double fc = (Ec.r * Hc.r + Ec.i * Hc.i) * w, fprev = (Es[0].r * Hs[0].r + Es[0].i * Hs[0].i) * w, qm = 0;
  rto[0] = (b0.r * b0.r + b0.i * b0.i) / inc;
  rto[1] = fc - fprev;
  for (size_t z = 0; z < nz; z++) {
    double fz = (Es[z + 1].r * Hs[z + 1].r + Es[z + 1].i * Hs[z + 1].i) * w;
    q[z] = (fprev - fz) / -expm1(-Af[z]);
    if (q[z] > qm) qm = q[z];
    fprev = fz;
  }
  rto[2] = fprev;
  return qm;
}


/* e^x without a branch or a library call, so that the flux recurrences of
 * many wavelength bins run side by side in SIMD lanes: x = k ln2 + r with
 * |r| <= ln2/2 (k by the 1.5·2^52 rounding trick, ln2 in two parts), e^r by
 * its Taylor series to r^13 (truncation < 4e-18 relative; Estrin's scheme),
 * 2^k from the
 * exponent bits. Within 2 ulp of libm's exp on [-708, 708]; x is clamped
 * there (e^-708 ~ 3e-308 is zero for every use here, and a gain of 708 per
 * cell would overflow the fluxes anyway). Only IEEE +, −, ×, so every lane
 * and every SIMD width gives the same bits. */
static inline double exp_simd(double x)
{
  const double shift = 0x1.8p52, log2e = 1.4426950408889634, ln2hi = 6.93147180369123816490e-01,
               ln2lo = 1.90821492927058770002e-10;
  x = x < -708 ? -708 : x > 708 ? 708 : x;
  double t = x * log2e + shift, kf = t - shift;
  double r = (x - kf * ln2hi) - kf * ln2lo;
  /* Estrin's scheme: a short dependency chain, so that the lanes of
   * consecutive cells overlap in the pipeline */
  double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  double a0 = 1 + r, a1 = 0.5 + r * (1.0 / 6), a2 = 1.0 / 24 + r * (1.0 / 120), a3 = 1.0 / 720 + r * (1.0 / 5040),
         a4 = 1.0 / 40320 + r * (1.0 / 362880), a5 = 1.0 / 3628800 + r * (1.0 / 39916800),
         a6 = 1.0 / 479001600 + r * (1.0 / 6227020800.0);
  double b0 = a0 + a1 * r2, b1 = a2 + a3 * r2, b2 = a4 + a5 * r2;
  double p = (b0 + b1 * r4) + (b2 + a6 * r4) * r8;
  int64_t ti, si;
  memcpy(&ti, &t, sizeof ti);
  memcpy(&si, &shift, sizeof si);
  int64_t bits = (ti - si + 1023) << 52;
  double sc;
  memcpy(&sc, &bits, sizeof sc);
  return p * sc;
}

/* (e^z − 1)/z and (e^z − 1 − z)/z², branch-free (both forms computed, one
 * kept): the series below |z| = 1e-2 avoids the cancellation; above, e^z
 * and one reciprocal (for |z| >= 1e-2 the cancellation in e^z − 1 costs at
 * most 2 digits: φ to ~2e-14, ψ to ~4e-12 relative), and ψ = (φ − 1)/z keeps
 * z ψ + 1 = φ, the identity the photon bookkeeping rests on, to rounding. */
static inline void phipsi(double z, double *phi, double *psi)
{
  int small = fabs(z) < 1e-2;
  double z2 = z * z; /* Estrin, and no division by 720 */
  double psis = (0.5 + z * (1.0 / 6)) + z2 * ((1.0 / 24 + z * (1.0 / 120)) + z2 * (1.0 / 720));
  double phis = 1 + z * psis;
  double r = 1 / (small ? 1.0 : z);
  double phil = (exp_simd(z) - 1) * r;
  double psil = (phil - 1) * r;
  *phi = small ? phis : phil;
  *psi = small ? psis : psil;
}

/* Saturating gain law h(N) = (N − N_th)/(1 + N/N_s) (linear: N − N_th) and
 * its derivative (Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1–2). */
static inline double gain_h(const gk_sim_config *c, double n, double *dh)
{
  if (c->gain_law == GK_SIM_GAIN_SATURATING) {
    double s = 1 + n / c->gain_ns;
    *dh = (1 + c->gain_nth / c->gain_ns) / (s * s);
    return (n - c->gain_nth) / s;
  }
  *dh = 1;
  return n - c->gain_nth;
}

/* Per-cell quantities the flux solve reads, from the populations, per mode
 * p ([p*ncell + ci]). Emitters: u = N1, v = N0 (the products are the ones
 * the model has always used, so results are unchanged bit for bit); bulk:
 * u = Σ_s w_ps h(N_s), the mode-weighted gain law over the depth slices,
 * v = 0, du the largest nz w_ps h'(N_s) (the step control's bound), and the
 * source q = Σ_s w_ps (k2 N_s² + η2 N2_s / τ2). Cells [i0, i1): each cell's
 * terms depend on its own populations only. */
/* *p = x, written only if it changes: a term that stays constant (du, dv
 * of emitters, v and dv of bulk films) then leaves its cache line shared
 * by the threads that read it, instead of taking it away from them every
 * step (docs/simulate.md, "Two cores for one run"). The same value either
 * way. */
static inline void keep(double *p, double x)
{
  if (*p != x || signbit(*p) != signbit(x)) *p = x;
}

static void cell_terms(sim *S, size_t i0, size_t i1)
{
  const gk_sim_config *c = S->c;
  size_t n = S->nx * S->ny, nz = S->nz;
  double k2nd = c->second_fraction > 0 ? 1 / c->second_lifetime : 0;
  double eta2 = c->second_radiative_fraction * k2nd;
  if (c->kinetics == GK_SIM_BULK) {
    for (size_t p = 0; p < S->npol; p++) {
      const double *w = S->wg[p], *mw = S->mw[p];
      double *u = S->u + p * n, *du = S->du + p * n, *v = S->v + p * n, *dv = S->dv + p * n, *q = S->q + p * n;
      for (size_t i = i0; i < i1; i++) {
        double su = 0, sdu = 0, sq = 0;
        for (size_t z = 0; z < nz; z++) {
          double N = S->n1[i * nz + z], dh;
          double h = gain_h(c, N, &dh);
          su += w[z] * h;
          if (mw[z] * dh > sdu) sdu = mw[z] * dh;
          sq += w[z] * (c->k2 * N * N + eta2 * S->n2[i * nz + z]);
        }
        u[i] = su;
        du[i] = sdu;
        keep(&v[i], 0);
        keep(&dv[i], 0);
        q[i] = sq;
      }
    }
    return;
  }
  /* Emitters: per mode the slice-weighted N1 and N0 and the source
   * Σ_s w_ps (η1 N1_s/τ1 + η2 N2_s/τ2); du = dv the largest nz w_ps (how
   * strongly one slice's change moves the mode's gain). nz = 1: w = 1, the
   * depth-averaged N1, N0 (0 + 1·x = x: the same bits as before). */
  double eta1 = c->radiative_fraction * (1 / c->lifetime), ntot = c->density;
  for (size_t p = 0; p < S->npol; p++) {
    const double *w = S->wg[p], *mw = S->mw[p];
    double *u = S->u + p * n, *du = S->du + p * n, *v = S->v + p * n, *dv = S->dv + p * n, *q = S->q + p * n;
    double dmax = 0;
    for (size_t z = 0; z < nz; z++) dmax = fmax(dmax, mw[z]);
    for (size_t i = i0; i < i1; i++) {
      double su = 0, sv = 0, sq = 0;
      for (size_t z = 0; z < nz; z++) {
        double n1 = S->n1[i * nz + z], n2 = S->n2[i * nz + z];
        su += w[z] * n1;
        sv += w[z] * (ntot - n1 - n2);
        sq += w[z] * (eta1 * n1 + eta2 * n2);
      }
      u[i] = su;
      v[i] = sv;
      keep(&du[i], dmax);
      keep(&dv[i], dmax);
      q[i] = sq;
    }
  }
}

/* Quasi-static guided fluxes for the current populations. Within a cell the
 * populations are constant, so dS/dx = g S + s integrates exactly:
 * S_out = S_in e^{z} + s dx φ(z), ∫S dx = S_in dx φ(z) + s dx² ψ(z) with
 * z = g dx. This keeps amplification exact for any g dx (no step limit in x)
 * and makes S_out − S_in = g ∫S dx + s dx hold identically, which is what the
 * photon bookkeeping rests on.
 *
 * Layout: the cell integrals are stored wavelength-innermost within a
 * block of FLUX_BLK bins (width m, the last block narrower) of one strip y
 * and mode p: [((y · npol + p) · nl + j0) · nx + cell i · m + k] for bin
 * j0 + k, so that the block's recurrences advance cell by cell side by side
 * in SIMD lanes (exp_simd, one reciprocal, no branch), the rates of a cell
 * read its bins contiguously, and each block (one thread's work) is one
 * contiguous stretch of memory. The earlier layout, whole rows of nb bins
 * per cell, interleaved the threads' blocks every nb bins: two threads
 * sweeping the same cells at the same time then fought over neighbouring
 * cache lines (and the prefetchers' lines), and a threaded step took as
 * long as a serial one (docs/simulate.md, "Two cores for one run"). */
enum { FLUX_BLK = 64 };

/* The block body is inlined twice, once with m = FLUX_BLK as a constant
 * (full blocks: the lane loops have a fixed trip count, no remainder or
 * peeling code, and the 64 running fluxes stay in registers) and once
 * with the run-time width of the last block. 64 bins rather than 32: more
 * independent lanes per cell hide the latency of the e^z chain. Measured
 * 5.75e8 -> 6.1e8 cell-updates per CPU-second (docs/simulate.md); the
 * arithmetic and its order are unchanged, so the results are the same bits. */
enum { RATE_LANES = 8 };
static inline double lanes_sum(const double *a)
{
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

#if defined(__GNUC__)
#define GK_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define GK_ALWAYS_INLINE inline
#endif

/* On x86-64 the kernel is compiled for AVX-512, AVX2 and the baseline
 * (SSE2), picked at load time for the machine. Floating-point contraction
 * is off (ISO C11), so every version performs the same IEEE operations
 * per lane: the results are the same bits on any x86-64 machine. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define GK_FLUX_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GK_FLUX_CLONES
#endif

/* The two passes of one block over cells [i0, i1) of strip y, mode p,
 * bins j0 .. j0 + m, in either direction (rev: from i1 − 1 down to i0),
 * with the running fluxes s[] entering at the first cell visited and
 * leaving after the last one.
 *
 * Pass A computes the cell's φ, ψ and stores the flux entering the cell in
 * J; pass B adds the flux entering from the other side, J ← (J + s) dx φ +
 * s_src 2dx² ψ (the cell integral of both directions), and this cell's rate
 * sums. The serial solve runs A forward over the whole stripe, then B
 * backward (flux_block_m). Each cell's arithmetic does not depend on the
 * direction or on where a range starts, given its inflow; J + s is the
 * same sum either way round (IEEE addition commutes). So the stripe split
 * between two threads (stripe_unit) — A forward on [0, h) and A backward
 * on [h, nx), the boundary fluxes exchanged, then B the other way — gives
 * the serial solve's bits. */
static GK_ALWAYS_INLINE void pass_a(sim *S, size_t y, size_t p, size_t j0, size_t m, size_t i0, size_t i1, int rev,
                                    double *s)
{
  size_t nx = S->nx, ncell = nx * S->ny, off = p * ncell + y * nx, b0 = p * S->nl + j0;
  const double *cu = S->cu + b0, *ca = S->ca + b0, *fs = S->fs + b0, *abg = S->abg + b0;
  const double *u = S->u + off, *v = S->v + off, *q = S->q + off;
  double dx = S->dx;
  /* φ, ψ, ∫S of this block: one contiguous stretch, cell after cell
   * (m bins each), so that a thread's blocks share no cache line with
   * another thread's (see sim_step) */
  size_t blk_base = ((y * S->npol + p) * S->nl + j0) * nx;
  /* (the loops as the serial solve always had them: rev is a constant
   * where this is inlined) */
  for (size_t n = rev ? i1 : i0, i; rev ? n-- > i0 : n < i1; n += !rev) {
    i = n;
    double uu = u[i], vv = v[i], qq = q[i];
    size_t o = blk_base + i * m;
    double *restrict ph = S->phi + o, *restrict ps = S->psi + o, *restrict J = S->J + o;
#pragma omp simd
    for (size_t k = 0; k < m; k++) {
      double g = cu[k] * uu - ca[k] * vv - abg[k];
      double src = fs[k] * qq, z = g * dx, f, h;
      phipsi(z, &f, &h);
      ph[k] = f;
      ps[k] = h;
      J[k] = s[k];
      s[k] = s[k] * (1 + z * f) + src * dx * f;
    }
  }
}

static GK_ALWAYS_INLINE void pass_b(sim *S, size_t y, size_t p, size_t j0, size_t m, size_t i0, size_t i1, int rev,
                                    double *s)
{
  size_t nx = S->nx, ncell = nx * S->ny, off = p * ncell + y * nx, b0 = p * S->nl + j0;
  const double *cu = S->cu + b0, *ca = S->ca + b0, *fs = S->fs + b0, *abg = S->abg + b0;
  const double *u = S->u + off, *v = S->v + off, *q = S->q + off;
  double dx = S->dx, dx2 = 2 * S->dx * S->dx;
  size_t blk_base = ((y * S->npol + p) * S->nl + j0) * nx;
  const double *ce = S->ce + b0, *cx = S->cesa + b0;
  const double *du = S->du + off, *dv = S->dv + off;
  size_t blk = j0 / FLUX_BLK, nblk = (S->nl + FLUX_BLK - 1) / FLUX_BLK;
  for (size_t n = rev ? i1 : i0, i; rev ? n-- > i0 : n < i1; n += !rev) {
    i = n;
    double uu = u[i], vv = v[i], qq = q[i], ua = fabs(uu), dd = du[i], dw = dv[i];
    size_t o = blk_base + i * m;
    const double *restrict ph = S->phi + o, *restrict ps = S->psi + o;
    double *restrict J = S->J + o;
#pragma omp simd
    for (size_t k = 0; k < m; k++) {
      double g = cu[k] * uu - ca[k] * vv - abg[k];
      double src = fs[k] * qq, z = g * dx, f = ph[k];
      J[k] = (J[k] + s[k]) * dx * f + src * dx2 * ps[k];
      s[k] = s[k] * (1 + z * f) + src * dx * f;
    }
    /* this cell's rate sums over the block's bins while J is in cache:
     * eight fixed partial sums (bin k in lane k mod 8), the same order for
     * any SIMD width; cell_rates adds the blocks in order */
    double ae[RATE_LANES] = {0}, aa[RATE_LANES] = {0}, ax[RATE_LANES] = {0}, ab[RATE_LANES] = {0},
           as[RATE_LANES] = {0};
    size_t k = 0;
    for (; k + RATE_LANES <= m; k += RATE_LANES)
#pragma omp simd
      for (size_t l = 0; l < RATE_LANES; l++) {
        double Jj = J[k + l], e = ce[k + l] * Jj, a = ca[k + l] * Jj;
        ae[l] += e;
        aa[l] += a;
        ax[l] += cx[k + l] * Jj;
        ab[l] += abg[k + l] * Jj;
        as[l] += (ce[k + l] * dd + ca[k + l] * dw) * (e * ua + a * vv);
      }
    for (size_t l = 0; k < m; k++, l++) {
      double Jj = J[k], e = ce[k] * Jj, a = ca[k] * Jj;
      ae[l] += e;
      aa[l] += a;
      ax[l] += cx[k] * Jj;
      ab[l] += abg[k] * Jj;
      as[l] += (ce[k] * dd + ca[k] * dw) * (e * ua + a * vv);
    }
    double *R = S->rsum + ((p * ncell + y * nx + i) * nblk + blk) * 5;
    R[0] = lanes_sum(ae);
    R[1] = lanes_sum(aa);
    R[2] = lanes_sum(ax);
    R[3] = lanes_sum(ab);
    R[4] = lanes_sum(as);
  }
}

static GK_ALWAYS_INLINE void flux_block_m(sim *S, size_t y, size_t p, size_t j0, size_t m)
{
  size_t nx = S->nx, nb = S->nb, b0 = p * S->nl + j0;
  double s[FLUX_BLK];
  for (size_t k = 0; k < m; k++) s[k] = 0;
  pass_a(S, y, p, j0, m, 0, nx, 0, s);
  for (size_t k = 0; k < m; k++) {
    S->edge[y * nb + b0 + k] = s[k];
    s[k] = 0;
  }
  pass_b(S, y, p, j0, m, 0, nx, 1, s);
  for (size_t k = 0; k < m; k++) S->far[y * nb + b0 + k] = s[k];
}

GK_FLUX_CLONES static void flux_block(sim *S, size_t y, size_t p, size_t j0, size_t j1)
{
  if (j1 - j0 == FLUX_BLK) flux_block_m(S, y, p, j0, FLUX_BLK);
  else flux_block_m(S, y, p, j0, j1 - j0);
}

/* Rates of cell ci from the per-block sums flux_block left in rsum, the
 * blocks added in order: the same for any SIMD width and thread layout. */
static void cell_rates(sim *S, size_t ci, double inv)
{
  size_t ncell = S->nx * S->ny, nblk = (S->nl + FLUX_BLK - 1) / FLUX_BLK;
  double we = 0, wa = 0, wesa = 0, wbg = 0, st = 0;
  for (size_t p = 0; p < S->npol; p++) {
    size_t pc = p * ncell + ci;
    const double *R = S->rsum + pc * nblk * 5;
    double wp = 0, ap = 0, xp = 0;
    for (size_t b = 0; b < nblk; b++, R += 5) {
      wp += R[0];
      wa += R[1];
      wesa += R[2];
      wbg += R[3];
      st += R[4];
      ap += R[1];
      xp += R[2];
    }
    we += wp;
    S->wep[pc] = wp * inv;
    S->wap[pc] = ap * inv;
    S->wxp[pc] = xp * inv;
  }
  S->stiff[ci] = st * inv * S->len;
  S->we[ci] = we * inv;
  S->wa[ci] = wa * inv;
  S->wesa[ci] = wesa * inv;
  S->wbg[ci] = wbg;
}

/* Step-control bound of cells [i0, i1): the largest per-molecule rate
 * (see the time loop in gk_sim_run). 0 for no cells; the caller takes the
 * max with its floor k1 + k2. A max is exact, so splitting the cells
 * between threads gives the same number. */
static double step_bound(const sim *S, size_t i0, size_t i1)
{
  const gk_sim_config *c = S->c;
  size_t ncell = S->nx * S->ny, nz = S->nz, npol = S->npol;
  double k2 = c->second_fraction > 0 ? 1 / c->second_lifetime : 0, rmax = 0;
  if (c->kinetics == GK_SIM_BULK) {
    double kb1 = c->k1, kb2 = c->k2, kb3 = c->k3;
    for (size_t i = i0; i < i1; i++)
      for (size_t z = 0; z < nz; z++) {
        double N = S->n1[i * nz + z], dh, W = 0;
        gain_h(c, N, &dh);
        for (size_t p = 0; p < npol; p++) W += S->mw[p][z] * S->wep[p * ncell + i];
        double rr = kb1 + N * (2 * kb2 + 3 * kb3 * N) + fabs(W * dh) + k2 + S->stiff[i];
        if (rr > rmax) rmax = rr;
      }
    return rmax;
  }
  double k1 = 1 / c->lifetime, prate = S->prate;
  for (size_t i = i0; i < i1; i++) {
    double rr;
    if (nz == 1) {
      rr = prate + S->wa[i] + S->we[i] + k1 + k2 + S->stiff[i];
    } else { /* the fastest slice: Σ_p nz w_ps (W_a + W_e of mode p) */
      double wmax = 0;
      for (size_t z = 0; z < nz; z++) {
        double w = 0;
        for (size_t p = 0; p < npol; p++) w += S->mw[p][z] * (S->wap[p * ncell + i] + S->wep[p * ncell + i]);
        wmax = fmax(wmax, w);
      }
      rr = prate + wmax + k1 + k2 + S->stiff[i];
    }
    if (rr > rmax) rmax = rr;
  }
  return rmax;
}

/* The cells are split between threads in whole chunks of POP_CHUNK cells,
 * the same split for the rates and the population update, so that a cell's
 * data stay with one core; the step's budget sums are taken per chunk and
 * the chunks' sums added in chunk order (pop_chunks): the same bits for any
 * number of threads. */
enum { POP_CHUNK = 16 };

/* The chunks of a run: each strip's cells [0, h) in chunks of POP_CHUNK
 * from x = 0, then [h, nx) in chunks from h, strip after strip, so that
 * chunk order is cell order. h = nx/2 once both halves have a chunk's
 * cells (the two threads' sides in the stripe split, stripe_flux: their
 * rates and populations are then whole chunks), else nx. Fixed by the
 * grid, whatever the number of threads, so the budget's chunk sums are
 * the same bits for any thread count. */
static void sim_chunks(sim *S)
{
  size_t nx = S->nx;
  S->h = nx >= 2 * POP_CHUNK ? nx / 2 : nx;
  S->nca = (S->h + POP_CHUNK - 1) / POP_CHUNK;
  S->ncr = S->nca + (nx - S->h + POP_CHUNK - 1) / POP_CHUNK;
  S->nch = S->ny * S->ncr;
}

/* The first cell of chunk ch (the cell count for ch = nch); chunk ch's
 * cells are [chunk_at(ch), chunk_at(ch + 1)). */
static inline size_t chunk_at(const sim *S, size_t ch)
{
  size_t y = ch / S->ncr, k = ch % S->ncr;
  return y * S->nx + (k < S->nca ? k * POP_CHUNK : S->h + (k - S->nca) * POP_CHUNK);
}

/* Thread t of n (the spectrum split): its chunks [c0, c1). */
static void chunk_share(const sim *S, size_t t, size_t n, size_t *c0, size_t *c1)
{
  *c0 = t * S->nch / n;
  *c1 = (t + 1) * S->nch / n;
}

/* The rates of cells [i0, i1) and their step bound. */
static double rates_range(sim *S, size_t i0, size_t i1)
{
  double inv = 1 / S->vol;
  for (size_t ci = i0; ci < i1; ci++) cell_rates(S, ci, inv);
  return step_bound(S, i0, i1);
}

/* Thread t of n: the rates of its share of the cells and their step bound. */
static void rates_share(sim *S, size_t t, size_t n)
{
  size_t c0, c1;
  chunk_share(S, t, n, &c0, &c1);
  S->rpart[t * RPART_STRIDE] = rates_range(S, chunk_at(S, c0), chunk_at(S, c1));
}

/* One time step's population update (gk_sim_run's time loop fills it). */
typedef struct pop_args {
  double dt, dose, dose_h;
  const double *pabs, *bsl;
} pop_args;

/* bpart slots of a chunk after the 6 budget sums and the nz absorbed per
 * slice: the pump's balance with a stack (incident, reflected, above,
 * below, solves, the largest q), then the slice populations of the central
 * strip's pumped cells (N1 sums, N2 sums; nz > 1) */
enum { PB_INC = 0, PB_REFL, PB_ABOVE, PB_BELOW, PB_SOLVES, PB_QMAX, PB_N };
static inline size_t pb_off(size_t nz) { return 6 + nz; }
static inline size_t pn_off(size_t nz) { return 6 + nz + PB_N; }

/* The pump's balance of one cell and step into P: inc incident photons,
 * rto their reflected, above and below shares. */
static inline void add_pump_balance(double *P, size_t nz, double inc, const double *rto)
{
  double *B = P + pb_off(nz);
  B[PB_INC] += inc;
  B[PB_REFL] += inc * rto[0];
  B[PB_ABOVE] += inc * rto[1];
  B[PB_BELOW] += inc * rto[2];
}

/* The central strip's pumped cell i adds its slice populations to P
 * (depth-resolved runs only). */
static inline void add_slice_pops(const sim *S, size_t i, double *P)
{
  size_t nz = S->nz;
  if (nz > 1 && i >= S->pc0 && i < S->pc1)
    for (size_t z = 0; z < nz; z++) {
      P[pn_off(nz) + z] += S->n1[i * nz + z];
      P[pn_off(nz) + nz + z] += S->n2[i * nz + z];
    }
}

/* Emitter cell ci with a stack: solve its transfer matrix again when its
 * slices' optical depths moved by more than the tolerance since the last
 * solve (every cell starts from the run's unbleached solve). Counts the
 * solves and keeps the largest q in P. */
static void pstack_cell(sim *S, size_t ci, double *P)
{
  const gk_sim_config *c = S->c;
  size_t nz = S->nz;
  double sdz = c->pump_cross_section * c->thickness / (double)nz, ntot = c->density;
  double A[GK_SIM_MAX_SLICES], dA = 0, *sA = S->sA + ci * nz;
  double tol = c->pump_stack_tol == 0 ? 1e-3 * c->accuracy : c->pump_stack_tol;
  for (size_t z = 0; z < nz; z++) {
    double n0 = ntot - S->n1[ci * nz + z] - S->n2[ci * nz + z];
    A[z] = sdz * (n0 > 0 ? n0 : 0);
    dA += fabs(A[z] - sA[z]);
  }
  if (tol >= 0 && !(dA > tol)) return;
  double qm = pstack_solve(S->ps, A, nz, S->sq + ci * nz, S->srto + ci * 3);
  memcpy(sA, A, nz * sizeof *A);
  P[pb_off(nz) + PB_SOLVES] += 1;
  if (qm > P[pb_off(nz) + PB_QMAX]) P[pb_off(nz) + PB_QMAX] = qm;
}

/* Populations of cells [i0, i1) (one chunk) advanced over one step, and
 * the step's budget terms added up in cell and slice order into P: [0]
 * absorbed, [1] guided decay, [2] other decay, [3] net stimulated, [4] ESA
 * loss, [5] background loss, [6 + z] slice z's absorbed photons. The run
 * adds the chunks' sums in chunk order, so the budget is the same bits
 * however the chunks were split between threads. Each cell depends only on
 * its own state. */
static void pop_cells(sim *S, size_t i0, size_t i1, double *P, const pop_args *a)
{
  const gk_sim_config *c = S->c;
  size_t ncell = S->nx * S->ny, nz = S->nz, npol = S->npol;
  double dt = a->dt, dose = a->dose;
  double k2 = c->second_fraction > 0 ? 1 / c->second_lifetime : 0;
  double phi2 = c->second_fraction, ntot = c->density, sp = c->pump_cross_section, d = c->thickness;
  double vol = S->vol, beta = c->coupling;
  double eta1 = c->radiative_fraction, eta2 = c->second_radiative_fraction;
  const double *pabs = a->pabs, *bsl = a->bsl;
  if (c->kinetics == GK_SIM_BULK) {
    /* The local carrier equation dN/dt = G − k1N − k2N² − k3N³ − R_stim
     * by the explicit midpoint rule (second order; pump dose of each
     * half exact, stimulated term frozen over the step, as the fluxes
     * are). Every term is booked with the value it used, so the photon
     * budget closes exactly; the guided spontaneous photons are the
     * ones the fluxes carried (β k2 N² at the start of the step), the
     * rest of the radiative decay is "other". */
    double kb1 = c->k1, kb2 = c->k2, kb3 = c->k3;
    double dose_h = a->dose_h, vz = vol / (double)nz;
    for (size_t i = i0; i < i1; i++) {
      double pmi = S->pm[i];
      for (size_t z = 0; z < nz; z++) {
        size_t iz = i * nz + z;
        double N = S->n1[iz], n2 = S->n2[iz], dh, W = 0, bs = bsl[z];
        double nabs = dose * pmi * pabs[z], nabs_h = dose_h * pmi * pabs[z];
        for (size_t p = 0; p < npol; p++) W += S->mw[p][z] * S->wep[p * ncell + i];
        double stim = dt * (W * gain_h(c, N, &dh));
        double rec0 = N * (kb1 + N * (kb2 + kb3 * N));
        double Nh = N + (1 - phi2) * nabs_h - 0.5 * dt * rec0 - 0.5 * stim;
        double d1 = dt * kb1 * Nh, dr = dt * kb2 * Nh * Nh, d3 = dt * kb3 * Nh * Nh * Nh;
        double dec2 = dt * k2 * n2;
        double guided = dt * kb2 * N * N;
        S->n1[iz] = N + (1 - phi2) * nabs - d1 - dr - d3 - stim;
        S->n2[iz] = n2 + phi2 * nabs - dec2;
        P[0] += nabs * vz;
        P[6 + z] += nabs * vz;
        P[1] += (bs * guided + bs * eta2 * dec2) * vz;
        P[2] += (d1 + dr + d3 - bs * guided + (1 - bs * eta2) * dec2) * vz;
        P[3] += stim * vz;
      }
      P[5] += dt * S->wbg[i];
      if (S->srto) /* the stack's reflected, above and below shares (fixed: no bleaching) */
        add_pump_balance(P, nz, dose * pmi * vol / d, S->srto);
      add_slice_pops(S, i, P);
    }
    return;
  }
  /* Emitter slices, from the pumped face down: slice s absorbs the
   * pump that the slices above let through, Π_{s'<s} e^{−σ_p N0_s' Δz},
   * times 1 − e^{−σ_p N0_s Δz} (Beer–Lambert over the slice with its
   * own, bleached, ground state; the film's total is 1 − e^{−σ_p Σ N0 Δz}
   * whatever the slicing). Its stimulated, absorption and ESA rates are
   * the modes' rate coefficients weighted nz w_ps. nz = 1: the depth-
   * averaged model, the same operations as before. */
  double k1 = 1 / c->lifetime;
  double bsum = beta + (npol == 2 ? c->coupling_tm : 0);
  double dz = d / (double)nz, vz = vol / (double)nz;
  for (size_t i = i0; i < i1; i++) {
    double att = 1;
    const double *sq = NULL;
    if (S->ps && dose * S->pm[i] > 0) {
      pstack_cell(S, i, P);
      sq = S->sq + i * nz;
      add_pump_balance(P, nz, dose * S->pm[i] * vol / d, S->srto + i * 3);
    }
    for (size_t z = 0; z < nz; z++) {
      size_t iz = i * nz + z;
      double n1 = S->n1[iz], n2 = S->n2[iz], n0 = ntot - n1 - n2;
      double We = S->we[i], Wa = S->wa[i], Wx = S->wesa[i], bs = bsum;
      if (nz > 1) {
        We = Wa = Wx = 0;
        for (size_t p = 0; p < npol; p++) {
          size_t q = p * ncell + i;
          We += S->mw[p][z] * S->wep[q];
          Wa += S->mw[p][z] * S->wap[q];
          Wx += S->mw[p][z] * S->wxp[q];
        }
        bs = bsl[z];
      }
      double em = expm1(-sp * n0 * dz), nabs;
      if (sq) { /* the stack: the light reaching the slice at the cell's last solve */
        nabs = dose * S->pm[i] * sq[z] * -(n0 > 0 ? em : 0) / dz;
      } else {
        nabs = dose * S->pm[i] * att * -em / dz;
        att *= 1 + em;
      }
      double dec1 = dt * k1 * n1, dec2 = dt * k2 * n2;
      double stim = dt * (We * n1 - Wa * n0);
      S->n1[iz] = n1 + (1 - phi2) * nabs - dec1 - stim;
      S->n2[iz] = n2 + phi2 * nabs - dec2;
      P[0] += nabs * vz;
      P[6 + z] += nabs * vz;
      P[1] += bs * (eta1 * dec1 + eta2 * dec2) * vz;
      P[2] += ((1 - bs * eta1) * dec1 + (1 - bs * eta2) * dec2) * vz;
      P[3] += stim * vz;
      P[4] += dt * Wx * n1 * vz;
    }
    P[5] += dt * S->wbg[i];
    add_slice_pops(S, i, P);
  }
}

/* Populations of chunks [c0, c1) with each chunk's budget sums into
 * S->bpart (pop_cells), and the next flux solve's terms of their cells. */
static void pop_chunks(sim *S, size_t c0, size_t c1, const pop_args *pa)
{
  size_t nz = S->nz;
  for (size_t ch = c0; ch < c1; ch++) {
    size_t a = chunk_at(S, ch), b = chunk_at(S, ch + 1);
    double *P = S->bpart + ch * S->bstride;
    /* (the pump balance's and slice populations' slots only when used: a
     * plain run zeroes what it did before) */
    size_t used = S->srto ? pn_off(nz) : pb_off(nz);
    if (nz > 1) used = pn_off(nz) + 2 * nz;
    for (size_t k = 0; k < used; k++) P[k] = 0;
    pop_cells(S, a, b, P, pa);
  }
  cell_terms(S, chunk_at(S, c0), chunk_at(S, c1));
}

static double pump_dose(const gk_sim_config *c, double t0, double t1);

/* The step's size and pump doses (pop_args) from the per-thread rate
 * bounds rpart[0 .. nparts) of the fluxes just solved and the step's start
 * S->t. Every thread of a threaded step computes them itself, from the same
 * numbers by the same operations: the same bits. Step size: explicit
 * updates stay accurate and positive while dt times every per-molecule
 * rate is <= ε. Stimulated emission adds a stiffer mode: a change δN1
 * alters the gain-length product of bin j by at most Γ(σe+σa)_j L δN1 and
 * the flux of that bin by the same factor, so the stimulated transition
 * rate moves by Σ_j Γ(σe+σa)_j L (stimulated rate of bin j) per unit δN1 —
 * S->stiff, weighted by where the photons actually are. Bulk: the
 * recombination rate's derivative k1 + 2 k2 N + 3 k3 N² and the stimulated
 * rate's dG/dN. Near the pulse, dt also resolves the pump (ε τp). The
 * per-cell bounds are step_bound's, taken with the rates (rates_share). */
static void step_args(const sim *S, size_t nparts, pop_args *pa)
{
  const gk_sim_config *c = S->c;
  double t = S->t, tk1 = S->tk1, eps = c->accuracy;
  double rb = 0;
  for (size_t k = 0; k < nparts; k++)
    if (S->rpart[k * RPART_STRIDE] > rb) rb = S->rpart[k * RPART_STRIDE];
  double rmax = S->rfloor;
  if (rb > rmax) rmax = rb;
  double dt;
  dt = eps / rmax;
  if (fabs(t) <= 4 * c->pump_fwhm && dt > eps * c->pump_fwhm) dt = eps * c->pump_fwhm;
  /* a window starting before the pulse: do not step over it */
  if (t < -4 * c->pump_fwhm && t + dt > -4 * c->pump_fwhm) dt = -4 * c->pump_fwhm - t;
  if (t + dt > tk1 || tk1 - (t + dt) < 1e-9 * dt) dt = tk1 - t;
  *pa = (pop_args){.dt = dt, .dose = pump_dose(c, t, t + dt), .pabs = S->pabs, .bsl = S->bsl};
  if (c->kinetics == GK_SIM_BULK) pa->dose_h = pump_dose(c, t, t + 0.5 * dt);
}

/* Flux blocks [w0, w1) of the run's ny · npol · nblk blocks (strip-major,
 * then mode, then bin block). */
static void flux_blocks(sim *S, size_t w0, size_t w1)
{
  size_t nl = S->nl, nblk = (nl + FLUX_BLK - 1) / FLUX_BLK;
  for (size_t w = w0; w < w1; w++) {
    size_t blk = w % nblk, p = (w / nblk) % S->npol, y = w / (nblk * S->npol);
    size_t j0 = blk * FLUX_BLK, j1 = j0 + FLUX_BLK < nl ? j0 + FLUX_BLK : nl;
    flux_block(S, y, p, j0, j1);
  }
}

#ifdef _OPENMP
/* The run's own threads. A lone run on two cores has ~40 µs of flux work
 * per time step between serial population updates, so what a threaded
 * step costs beyond its share of the work decides the speed-up. An OpenMP
 * parallel region per step costs a fork, a barrier between the fluxes and
 * the rates, and a join; and a region around the whole time loop would have
 * to move the loop's serial physics into single/masked blocks. Instead the
 * run starts its worker threads once (flux_team_start, from the
 * OpenMP thread count), the caller runs the time loop as before, and each
 * threaded flux solve is one hand-off: the caller bumps a generation
 * counter, every thread (the caller too) solves its own contiguous range
 * of flux blocks, and the caller waits until the workers have counted
 * down; then it adds the per-cell rates itself (cell_rates, fixed order).
 * Waiting threads spin briefly (a step's serial part is a few µs), then
 * sleep on a condition variable; the caller yields its core while it waits
 * for a descheduled worker on a loaded machine. Which thread solves which
 * block never changes the arithmetic, so results are the same bits for any
 * thread count. */
enum { FLUX_TEAM_MAX = SIM_THREADS_MAX };
#define FLUX_TEAM_SPIN_NS 200000 /* a worker spins this long, then sleeps: 0.2 ms */
/* Spinning threads yield their core every FLUX_TEAM_YIELD pauses (a few µs):
 * on a busy machine the scheduler may put two of a run's threads on one
 * core, and a thread spinning for the other would hold it off for the rest
 * of its time slice. On an idle core sched_yield returns at once. */
enum { FLUX_TEAM_YIELD = 128 };

typedef struct flux_team flux_team;
typedef struct flux_slot { flux_team *team; size_t idx; } flux_slot;
struct flux_team {
  sim *S;
  size_t n, nwork;                /* threads (the caller is thread 0), flux blocks */
  atomic_uint go;                 /* generation: bumped once per threaded step */
  atomic_int left;                /* workers still on this generation */
  atomic_int sleepers, quit;
  atomic_int hold;                /* 1: workers keep spinning (a probe's serial steps, flux_chooser) */
  atomic_int bar[2];              /* the step's two barriers: threads still before each */
  /* The stripe split (two threads, stripe_unit): thread 0 owns cells
   * [0, h) of every strip, thread 1 cells [h, nx) (h = S->h, sim_chunks);
   * xf, xb the boundary fluxes of every block (forward at h from thread 0,
   * backward at h from thread 1), xpub their publication counters */
  int stripe;
  size_t h;
  unsigned long long epoch;       /* threaded steps so far (set by the caller before each hand-off) */
  double *xf, *xb;
  struct flux_xpub *xpub;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t started;                 /* worker threads running */
  pthread_t th[FLUX_TEAM_MAX];
  flux_slot slot[FLUX_TEAM_MAX];
};

static atomic_size_t stripe_steps; /* gk_sim_stripe_steps_ */
size_t gk_sim_stripe_steps_(void) { return atomic_load(&stripe_steps); }

/* The two publication counters on cache lines of their own. */
struct flux_xpub {
  _Alignas(64) atomic_ullong f;
  _Alignas(64) atomic_ullong b;
};

static inline void cpu_relax(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_pause();
#elif defined(__GNUC__) && defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static double mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/* Thread t's share: a contiguous range of blocks (adjacent blocks are
 * adjacent memory), the same split on every step. */
static void flux_share(flux_team *T, size_t t)
{
  flux_blocks(T->S, t * T->nwork / T->n, (t + 1) * T->nwork / T->n);
}

/* A spinning barrier of the team's n threads (the counter is reset by
 * flux_team_run before each step). */
static void team_barrier(atomic_int *bar)
{
  atomic_fetch_sub_explicit(bar, 1, memory_order_acq_rel);
  for (unsigned k = 1; atomic_load_explicit(bar, memory_order_acquire) > 0; k++) {
    cpu_relax();
    if (k % FLUX_TEAM_YIELD == 0) sched_yield();
  }
}

/* Waits until the counter c reaches v (the other thread published). */
static void team_wait(atomic_ullong *c, unsigned long long v)
{
  for (unsigned k = 1; atomic_load_explicit(c, memory_order_acquire) < v; k++) {
    cpu_relax();
    if (k % FLUX_TEAM_YIELD == 0) sched_yield();
  }
}

/* One unit (strip y, mode p, bins [j0, j1)) of the stripe split for
 * thread t, pass A (b = 0) or B (b = 1); see pass_a. Thread 0: A forward
 * over [0, h) from the zero inflow at x = 0, its outflow at h to xf; B
 * backward over [0, h) from xb, the outflow at x = 0 to far. Thread 1: A
 * backward over [h, nx) from the zero inflow at the edge, the outflow at h
 * to xb; B forward from xf, the outflow at the edge to edge. */
static GK_ALWAYS_INLINE void stripe_unit_m(sim *S, size_t y, size_t p, size_t j0, size_t m, size_t h, int t, int b,
                                           double *x)
{
  size_t nx = S->nx, i0 = t ? h : 0, i1 = t ? nx : h, at = y * S->nb + p * S->nl + j0;
  double s[FLUX_BLK];
  if (!b) {
    for (size_t k = 0; k < m; k++) s[k] = 0;
    pass_a(S, y, p, j0, m, i0, i1, t, s);
    for (size_t k = 0; k < m; k++) x[k] = s[k];
    return;
  }
  for (size_t k = 0; k < m; k++) s[k] = x[k];
  pass_b(S, y, p, j0, m, i0, i1, !t, s);
  double *out = t ? S->edge + at : S->far + at;
  for (size_t k = 0; k < m; k++) out[k] = s[k];
}

GK_FLUX_CLONES static void stripe_unit(sim *S, size_t y, size_t p, size_t j0, size_t j1, size_t h, int t, int b,
                                       double *x)
{
  if (j1 - j0 == FLUX_BLK) {
    if (t) stripe_unit_m(S, y, p, j0, FLUX_BLK, h, 1, b, x);
    else stripe_unit_m(S, y, p, j0, FLUX_BLK, h, 0, b, x);
  } else {
    if (t) stripe_unit_m(S, y, p, j0, j1 - j0, h, 1, b, x);
    else stripe_unit_m(S, y, p, j0, j1 - j0, h, 0, b, x);
  }
}

/* Thread t's flux solve in the stripe split: pass A of every unit, each
 * unit's boundary flux published as soon as it is known, and pass B of
 * each unit one unit later (so that the other thread's boundary flux of
 * that unit has had a unit's time to arrive). Only the boundary fluxes
 * (m doubles per unit and direction) cross between the cores; each
 * thread's cells' u, v, q, φ, ψ, J and rate sums stay in its own cache. */
static void stripe_flux(flux_team *T, size_t t)
{
  sim *S = T->S;
  size_t nl = S->nl, nblk = (nl + FLUX_BLK - 1) / FLUX_BLK, nw = S->ny * S->npol * nblk;
  unsigned long long base = T->epoch * nw;
  atomic_ullong *mine = t ? &T->xpub->b : &T->xpub->f, *theirs = t ? &T->xpub->f : &T->xpub->b;
  double *xo = t ? T->xb : T->xf, *xi = t ? T->xf : T->xb;
  for (size_t w = 0; w <= nw; w++) {
    if (w < nw) {
      size_t blk = w % nblk, p = (w / nblk) % S->npol, y = w / (nblk * S->npol);
      size_t j0 = blk * FLUX_BLK, j1 = j0 + FLUX_BLK < nl ? j0 + FLUX_BLK : nl;
      stripe_unit(S, y, p, j0, j1, T->h, (int)t, 0, xo + w * FLUX_BLK);
      atomic_store_explicit(mine, base + w + 1, memory_order_release);
    }
    if (w > 0) {
      size_t v = w - 1, blk = v % nblk, p = (v / nblk) % S->npol, y = v / (nblk * S->npol);
      size_t j0 = blk * FLUX_BLK, j1 = j0 + FLUX_BLK < nl ? j0 + FLUX_BLK : nl;
      team_wait(theirs, base + v + 1);
      stripe_unit(S, y, p, j0, j1, T->h, (int)t, 1, xi + v * FLUX_BLK);
    }
  }
}

/* Thread t's chunks in the stripe split (those of its side of h in every
 * strip, sim_chunks): pa NULL, the rates and the step bound of their cells
 * (rpart[t]); else their population update (pop_chunks). */
static void stripe_cells(flux_team *T, size_t t, const pop_args *pa)
{
  sim *S = T->S;
  double rb = 0;
  for (size_t y = 0; y < S->ny; y++) {
    size_t c0 = y * S->ncr + (t ? S->nca : 0), c1 = y * S->ncr + (t ? S->ncr : S->nca);
    if (pa) {
      pop_chunks(S, c0, c1, pa);
    } else {
      double r = rates_range(S, chunk_at(S, c0), chunk_at(S, c1));
      if (r > rb) rb = r;
    }
  }
  if (!pa) S->rpart[t * RPART_STRIDE] = rb;
}

/* Thread t's part of a threaded time step: its flux blocks; once every
 * thread's blocks are done (barrier: the rates of a cell need all its
 * blocks), the rates and step bound of its share of the cells; once every
 * thread's bound is known (barrier), the step size and pump doses
 * (step_args, computed by each thread alike) and the population update of
 * its share of the cells with the next step's cell terms. One hand-off per
 * step: the caller's serial part between two steps is only the budget and
 * edge sums. */
static void team_share(flux_team *T, size_t t)
{
  sim *S = T->S;
  if (T->stripe) {
    stripe_flux(T, t);
    stripe_cells(T, t, NULL);
  } else {
    flux_share(T, t);
    team_barrier(&T->bar[0]);
    rates_share(S, t, T->n);
  }
  team_barrier(&T->bar[1]);
  pop_args pa;
  step_args(S, T->n, &pa);
  if (t == 0) S->dt = pa.dt;
  if (T->stripe) {
    stripe_cells(T, t, &pa);
    return;
  }
  size_t c0, c1;
  chunk_share(S, t, T->n, &c0, &c1);
  pop_chunks(S, c0, c1, &pa);
}

static void *flux_worker(void *arg)
{
  flux_slot *ws = arg;
  flux_team *T = ws->team;
  unsigned seen = 0;
  for (;;) {
    unsigned g = atomic_load_explicit(&T->go, memory_order_acquire);
    double t0 = mono_ns();
    for (unsigned k = 1; g == seen; k++) {
      cpu_relax();
      if (k % FLUX_TEAM_YIELD == 0) sched_yield();
      if (k % 64 == 0 && mono_ns() - t0 > FLUX_TEAM_SPIN_NS && !atomic_load(&T->hold)) {
        /* sleep; the sleepers count (sequentially consistent, before the
         * re-checks) pairs with flux_team_run's bump-then-check and with
         * flux_team_hold's set-then-check */
        pthread_mutex_lock(&T->mu);
        atomic_fetch_add(&T->sleepers, 1);
        while ((g = atomic_load(&T->go)) == seen && !atomic_load(&T->hold)) pthread_cond_wait(&T->cv, &T->mu);
        atomic_fetch_sub(&T->sleepers, 1);
        pthread_mutex_unlock(&T->mu);
        t0 = mono_ns(); /* (woken for a hold: spin again) */
      }
      if (g == seen) g = atomic_load_explicit(&T->go, memory_order_acquire);
    }
    seen = g;
    if (atomic_load_explicit(&T->quit, memory_order_acquire)) return NULL;
    team_share(T, ws->idx);
    atomic_fetch_sub_explicit(&T->left, 1, memory_order_release);
  }
}

static void flux_team_wake(flux_team *T)
{
  if (atomic_load(&T->sleepers) > 0) {
    pthread_mutex_lock(&T->mu);
    pthread_cond_broadcast(&T->cv);
    pthread_mutex_unlock(&T->mu);
  }
}

/* hold 1: the workers spin instead of sleeping (and sleeping ones wake
 * up) until hold 0; for a probe's serial steps (flux_chooser). */
static void flux_team_hold(flux_team *T, int hold)
{
  atomic_store(&T->hold, hold);
  if (hold) flux_team_wake(T);
}

/* One threaded time step: every thread its share, the caller included. */
static void flux_team_run(flux_team *T)
{
  atomic_store_explicit(&T->bar[0], (int)T->n, memory_order_relaxed);
  atomic_store_explicit(&T->bar[1], (int)T->n, memory_order_relaxed);
  atomic_store_explicit(&T->left, (int)T->started, memory_order_relaxed);
  T->epoch++; /* (published to the workers by the bump of go) */
  if (T->stripe) atomic_fetch_add_explicit(&stripe_steps, 1, memory_order_relaxed);
  atomic_fetch_add(&T->go, 1);
  flux_team_wake(T);
  team_share(T, 0);
  for (unsigned k = 1; atomic_load_explicit(&T->left, memory_order_acquire) > 0; k++) {
    cpu_relax();
    if (k % FLUX_TEAM_YIELD == 0) sched_yield();
  }
}

/* A team's memory, whatever part of it was allocated (T from calloc). */
static void flux_team_release(flux_team *T)
{
  free(T->xf);
  free(T->xpub);
  free(T);
}

/* Stops and joins the started workers (also a start that got fewer threads). */
static void flux_team_stop(flux_team *T)
{
  if (!T) return;
  atomic_store(&T->quit, 1);
  atomic_fetch_add(&T->go, 1);
  pthread_mutex_lock(&T->mu);
  pthread_cond_broadcast(&T->cv);
  pthread_mutex_unlock(&T->mu);
  for (size_t t = 0; t < T->started; t++) pthread_join(T->th[t], NULL);
  pthread_cond_destroy(&T->cv);
  pthread_mutex_destroy(&T->mu);
  flux_team_release(T);
}

/* n threads for S (the caller and n - 1 workers). Fewer if threads cannot
 * be created; NULL (serial) if none. Workers block every signal: Ctrl-C and
 * the like stay with the program's own threads. */
static flux_team *flux_team_start(sim *S, size_t n)
{
  size_t nwork = S->ny * S->npol * ((S->nl + FLUX_BLK - 1) / FLUX_BLK), nx = S->nx;
  /* Two threads split the stripe (stripe_flux) once each side has a
   * chunk of cells; other counts split the spectrum (flux_share). */
  int stripe = n == 2 && S->h < nx;
  if (!stripe && n > nwork) n = nwork;
  if (n > FLUX_TEAM_MAX) n = FLUX_TEAM_MAX;
  if (n < 2) return NULL;
  flux_team *T = calloc(1, sizeof *T);
  if (!T) return NULL;
  T->S = S;
  T->nwork = nwork;
  if (stripe) {
    size_t bytes = (2 * nwork * FLUX_BLK * sizeof(double) + 63) / 64 * 64;
    T->stripe = 1;
    T->h = S->h;
    T->xf = aligned_alloc(64, bytes);
    T->xpub = aligned_alloc(64, sizeof *T->xpub);
    if (!T->xf || !T->xpub) {
      flux_team_release(T);
      return NULL;
    }
    T->xb = T->xf + nwork * FLUX_BLK;
    atomic_init(&T->xpub->f, 0);
    atomic_init(&T->xpub->b, 0);
  }
  atomic_init(&T->go, 0);
  atomic_init(&T->left, 0);
  atomic_init(&T->sleepers, 0);
  atomic_init(&T->quit, 0);
  atomic_init(&T->hold, 0);
  atomic_init(&T->bar[0], 0);
  atomic_init(&T->bar[1], 0);
  if (pthread_mutex_init(&T->mu, NULL)) {
    flux_team_release(T);
    return NULL;
  }
  if (pthread_cond_init(&T->cv, NULL)) {
    pthread_mutex_destroy(&T->mu);
    flux_team_release(T);
    return NULL;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  /* the shares are fixed at n before any worker reads them */
  T->n = n;
  pthread_attr_t attr, *pa = NULL;
#ifdef __linux__
  /* Workers start on the CPUs allowed to this process other than the
   * caller's: left to the scheduler, a new worker (and one woken from
   * sleep) was often placed on the caller's CPU, both then shared one core
   * and the measured choice fell back to serial: one run with
   * OMP_NUM_THREADS=2 on the quiet 2-core machine took the serial time in
   * most runs, and every time on the loaded one (caller and worker on the
   * same CPU at every threaded step, sched_getcpu). Nothing changes where
   * the process may run only on one CPU. */
  cpu_set_t away;
  int me = sched_getcpu();
  if (me >= 0 && me < CPU_SETSIZE && sched_getaffinity(0, sizeof away, &away) == 0 && CPU_ISSET(me, &away) &&
      CPU_COUNT(&away) > 1 && pthread_attr_init(&attr) == 0) {
    CPU_CLR(me, &away);
    if (pthread_attr_setaffinity_np(&attr, sizeof away, &away) == 0) pa = &attr;
    else pthread_attr_destroy(&attr);
  }
#endif
  for (size_t t = 1; t < n; t++) {
    T->slot[t] = (flux_slot){T, t};
    if (pthread_create(&T->th[t - 1], pa, flux_worker, &T->slot[t])) break;
    T->started++;
  }
  if (pa) pthread_attr_destroy(pa);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (T->started + 1 < n) {
    /* fewer threads than planned: stop them and run serial (the shares were
     * computed for n) */
    flux_team_stop(T);
    return NULL;
  }
  return T;
}

#else
typedef struct flux_team flux_team;
static void flux_team_stop(flux_team *T) { (void)T; }
size_t gk_sim_stripe_steps_(void) { return 0; }
#endif

/* One time step from the current populations: fluxes, per-cell rates and
 * step bounds, the step size S->dt with its pump doses (step_args), the
 * populations with the budget sums of each chunk (S->bpart) and the next
 * step's cell terms. Serial, or on the run's threads in one hand-off
 * (S->parallel). Every bin's recurrence and every cell's sums are computed
 * by the same operations in the same order whichever thread does them, so
 * results do not depend on the number of threads. */
static void sim_step(sim *S)
{
  size_t nblk = (S->nl + FLUX_BLK - 1) / FLUX_BLK, nwork = S->ny * S->npol * nblk;
  if (!S->terms) cell_terms(S, 0, S->nx * S->ny); /* (a step leaves them for the next one) */
  S->terms = 0;
#ifdef _OPENMP
  if (S->parallel && S->team) {
    flux_team_run(S->team);
    S->terms = 1;
    return;
  }
#endif
  flux_blocks(S, 0, nwork);
  rates_share(S, 0, 1); /* rates per cell (cell_rates: fixed summation order) */
  pop_args pa;
  step_args(S, 1, &pa);
  S->dt = pa.dt;
  pop_chunks(S, 0, S->nch, &pa);
  S->terms = 1;
}

/* Serial or threaded time steps, chosen by measurement. A probe runs
 * CHOOSER_PROBE steps serial, then up to CHOOSER_PROBE threaded (the first
 * one untimed), timed; the
 * steps until the next probe use the faster. A threaded step slower than
 * twice the serial average ends the probe at once (one step lost), and each
 * lost probe makes the interval to the next 8x longer (up to CHOOSER_MAX), so a
 * loaded machine costs a few steps per run; each won probe after a won one
 * doubles it. Re-probing follows changes of
 * the load. While threads are chosen, the threaded steps are timed anyway
 * (two clock reads a step), and a probe comes at once when the mean of the
 * last CHOOSER_WATCH of them exceeds 0.9 times the serial mean of the last
 * probe and 1.2 times its threaded mean (so that threads winning narrowly
 * do not bring a probe every CHOOSER_WATCH steps); otherwise the next one only after CHOOSER_MAX steps (a probe's 8
 * serial steps cost ~1 % of a 700-step run at half speed: the 200 x 128
 * run lost 1.84x -> 1.80x to its two probes). The results are bit-
 * identical either way (fixed summation order): only the speed depends on
 * this choice. */
enum { CHOOSER_PROBE = 8, CHOOSER_WARM = 2, CHOOSER_MIN = 256, CHOOSER_MAX = 16384, CHOOSER_WATCH = 64 };
typedef struct flux_chooser {
  int enabled, threaded, probing;
  size_t next, k, period;      /* step of the next probe; probe step; interval */
  double t_serial, t_threaded;
  double serial_mean, thr_mean; /* mean serial and threaded step of the last probe */
  double w_sum;                /* threaded steps since the last check: their time, count */
  size_t w_n;
} flux_chooser;

static void step_timed(sim *S, flux_chooser *fc, size_t step)
{
#ifdef _OPENMP
  if (fc->enabled) {
    if (!fc->period) fc->period = CHOOSER_MIN;
    if (!fc->probing && step >= fc->next) {
      fc->probing = 1;
      fc->k = 0;
      fc->t_serial = fc->t_threaded = 0;
      /* the workers spin through the probe's serial steps instead of
       * falling asleep: a sleeping worker's core (an idle virtual CPU)
       * takes long to come back, and the threaded steps would be timed
       * against that */
      flux_team_hold(S->team, 1);
    }
    if (!fc->probing) {
      S->parallel = fc->threaded;
      if (!fc->threaded || fc->serial_mean <= 0) {
        sim_step(S);
        return;
      }
      double t0 = omp_get_wtime();
      sim_step(S);
      fc->w_sum += omp_get_wtime() - t0;
      if (++fc->w_n == CHOOSER_WATCH) {
        double w = fc->w_sum / CHOOSER_WATCH;
        if (w > 0.9 * fc->serial_mean && w > 1.2 * fc->thr_mean) fc->next = step + 1; /* probe now */
        fc->w_sum = 0;
        fc->w_n = 0;
      }
      return;
    }
    S->parallel = fc->k >= CHOOSER_PROBE;
    double t0 = omp_get_wtime();
    sim_step(S);
    double dt = omp_get_wtime() - t0;
    if (!S->parallel) {
      fc->t_serial += dt;
    } else if (fc->k >= CHOOSER_PROBE + CHOOSER_WARM) {
      /* (the probe's first CHOOSER_WARM threaded steps are not timed: the
       * serial steps have pulled every block's data into the caller's
       * cache) */
      fc->t_threaded += dt;
      int lost = dt > 2 * fc->t_serial / CHOOSER_PROBE;
      if (lost || fc->k + 2 == 2 * CHOOSER_PROBE + CHOOSER_WARM) {
        fc->threaded = !lost && fc->t_threaded / (CHOOSER_PROBE - 1) < fc->t_serial / CHOOSER_PROBE;
        if (!fc->threaded && fc->period < CHOOSER_MAX) fc->period *= 8;
        /* threads won: they are watched (above), and the next probe is
         * far; lost: probe threads again after the period */
        fc->serial_mean = fc->t_serial / CHOOSER_PROBE;
        fc->thr_mean = fc->t_threaded / (CHOOSER_PROBE - 1);
        fc->w_sum = 0;
        fc->w_n = 0;
        if (fc->threaded) fc->period = CHOOSER_MIN;
        fc->next = step + (fc->threaded ? (size_t)CHOOSER_MAX : fc->period);
        fc->probing = 0;
        flux_team_hold(S->team, 0);
      }
    }
    fc->k++;
    return;
  }
#endif
  (void)step;
  S->parallel = 0;
  sim_step(S);
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
  flux_team_stop(S->team);
  S->team = NULL;
  double *p[] = {S->ce, S->ca, S->cesa, S->cu, S->fs, S->abg, S->f, S->n1, S->n2, S->u, S->v, S->q, S->du,
                 S->dv, S->pm, S->phi, S->psi, S->J, S->rsum, S->edge, S->far, S->we, S->wa, S->wesa, S->wbg, S->stiff,
                 S->wep, S->wap, S->wxp, S->bpart, S->sA, S->sq, S->srto};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) free(p[i]);
}

/* Zeroed arrays aligned to a cache line (64 bytes; freed with free): the
 * flux kernel's 64-bin rows then start on a line, so its SIMD loads and
 * stores never straddle two lines, and two threads' blocks never share one.
 * Measured on the 200 x 128 run (per-step flux solve, best decile): serial
 * 77.6 -> 73.2 us, two threads 44.2 -> 40.7 us (calloc's blocks sit 16 bytes
 * past a line). */
static int alloc_all(double **p[], const size_t *n, size_t k)
{
  int ok = 1;
  for (size_t i = 0; i < k; i++) {
    size_t bytes = ((n[i] ? n[i] : 1) * sizeof(double) + 63) / 64 * 64;
    *p[i] = aligned_alloc(64, bytes);
    if (*p[i]) memset(*p[i], 0, bytes);
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
  double tmax = c->kinetics == GK_SIM_BULK ? 1 / c->k1 : c->lifetime;
  if (c->second_fraction > 0 && c->second_lifetime > tmax) tmax = c->second_lifetime;
  *t0 = -2.5 * c->pump_fwhm;
  *t1 = 2.5 * c->pump_fwhm + 8 * tmax;
}

double gk_sim_steps_estimate(const gk_sim_config *c)
{
  double t0, t1;
  window(c, &t0, &t1);
  double k = (c->kinetics == GK_SIM_BULK ? c->k1 : 1 / c->lifetime) +
             (c->second_fraction > 0 ? 1 / c->second_lifetime : 0);
  double eps = c->accuracy;
  double decay = (t1 - t0) * k / eps;
  /* within 4 FWHM of the pump peak the step is at most eps x FWHM */
  double lo = fmax(t0, -4 * c->pump_fwhm), hi = fmin(t1, 4 * c->pump_fwhm);
  double pulse = hi > lo ? (hi - lo) / (eps * c->pump_fwhm) : 0;
  return fmax(decay, pulse) + (double)c->ntimes;
}

double gk_sim_pump_share(const gk_sim_config *c)
{
  double t0, t1;
  window(c, &t0, &t1);
  double s = c->pump_fwhm * FWHM_TO_SIGMA * M_SQRT2;
  return 0.5 * (erf(t1 / s) - erf(t0 / s));
}

size_t gk_sim_unpumped_cells(const gk_sim_config *c)
{
  if (!(c->unpumped_length > 0) || !(c->ncells > 0)) return 0;
  double dx = c->stripe_length / (double)c->ncells, n = floor(c->unpumped_length / dx + 0.5);
  if (!(n >= 1)) n = 1;           /* a positive length is at least one cell */
  return n > 1e6 ? (size_t)1e6 : (size_t)n;
}

size_t gk_sim_channels(const gk_sim_config *c)
{
  if (c->channels) return c->channels;
  return c->pump_profile == GK_SIM_GAUSS ? 9 : 1;
}

/* Pump multipliers: lateral strip y times the profile along the stripe at
 * cell i; 0 in the unpumped cells. */
static void pump_map(const gk_sim_config *c, sim *S, double *wy)
{
  size_t np = c->ncells, ny = S->ny;
  double tmax = 0;
  if (c->pump_along.ntab)
    for (size_t k = 0; k < c->pump_along.ntab; k++)
      if (c->pump_along.tab_value[k] > tmax) tmax = c->pump_along.tab_value[k];
  for (size_t y = 0; y < ny; y++) {
    double py = 1;
    if (c->pump_profile == GK_SIM_GAUSS) {
      /* exact mean of exp(-4 ln2 y²/w²) over the strip [y0, y1] */
      double w = c->stripe_width, span = 3 * w, y0 = -0.5 * span + span * (double)y / (double)ny,
             y1 = y0 + span / (double)ny, a = sqrt(4 * M_LN2) / w;
      py = 0.5 * sqrt(M_PI) / a * (erf(a * y1) - erf(a * y0)) / (y1 - y0);
    }
    wy[y] = py;
    for (size_t i = 0; i < S->nx; i++) {
      double p = 0;
      if (i < np) {
        p = py;
        if (c->pump_along.ntab) {
          gk_sim_band b = c->pump_along;
          b.peak = 1;
          p = tmax > 0 ? py * (gk_sim_band_eval(&b, (i + 0.5) * S->dx) / tmax) : 0;
        }
      }
      S->pm[y * S->nx + i] = p;
    }
  }
}

int gk_sim_run(const gk_sim_config *c, gk_sim_result *r, const gk_progress *prog, gk_error *err)
{
  gk_gsl_init_();
  memset(r, 0, sizeof *r);
  int st = gk_sim_config_check(c, err);
  if (st) return st;
  int bulk = c->kinetics == GK_SIM_BULK;
  size_t npol = c->npol == 2 ? 2 : 1, ny = gk_sim_channels(c), nu = gk_sim_unpumped_cells(c);
  size_t nz = c->depth_slices > 1 ? c->depth_slices : 1;
  sim S = {.c = c, .nx = c->ncells + nu, .nl = c->nbins, .npol = npol, .nb = npol * c->nbins, .ny = ny, .nz = nz};
  sim_chunks(&S);
  /* Threads inside a run only for a lone run (a sweep spreads its points
   * instead, see gk_sim_sweep) and only on grids whose per-step work
   * (~1.5 µs per 1000 cell-bins) can pay for a hand-off to the run's
   * threads (flux_team) and back. Whether it does
   * depends on the machine's load: a barrier waits for the slowest thread,
   * and on an oversubscribed machine that is a scheduler time slice, ten
   * times a step. So flux_chooser times both and keeps the faster. */
  size_t nx = S.nx, nl = S.nl, nb = S.nb, nt = c->ntimes, ncell = nx * ny, nlines = nb * ny;
  flux_chooser fc = {0};
#ifdef _OPENMP
  fc.enabled = ncell * nb >= 16384 && !omp_in_parallel() && omp_get_max_threads() > 1 &&
               c->threading != GK_SIM_THREADS_NEVER;
  if (fc.enabled) S.team = flux_team_start(&S, (size_t)omp_get_max_threads());
  fc.enabled = S.team != NULL;
  if (fc.enabled && c->threading == GK_SIM_THREADS_ALWAYS) {
    fc.threaded = 1;     /* never probe: the next probe is past any run */
    fc.next = (size_t)-1;
    fc.period = CHOOSER_MAX;
  }
#endif
  S.dx = c->stripe_length / (double)c->ncells;
  S.len = S.dx * (double)nx;
  S.dlam = (c->lambda_max - c->lambda_min) / (double)nl;
  double width = c->pump_profile == GK_SIM_GAUSS ? 3 * c->stripe_width : c->stripe_width;
  S.area = (ny > 1 ? width / (double)ny : width) * c->thickness;
  S.vol = S.area * S.dx;
  int tr = c->time_resolved;
  double **ptrs[] = {&S.ce, &S.ca, &S.cesa, &S.cu, &S.fs, &S.abg, &S.f, &S.n1, &S.n2, &S.u, &S.v, &S.q,
                     &S.du, &S.dv, &S.pm, &S.phi, &S.psi, &S.J, &S.rsum, &S.edge, &S.far, &S.we, &S.wa, &S.wesa,
                     &S.wbg, &S.stiff, &r->lambda, &r->t, &r->pump, &r->spectrum, &r->intensity, &r->fwhm,
                     &r->spectrum_pol, &r->intensity_pol, &S.wep, &S.wap, &S.wxp, &r->absorbed_slice, &S.bpart};
  size_t pc = npol * ncell;
  S.bstride = (pn_off(nz) + 2 * nz + 7) / 8 * 8;
  size_t sizes[] = {nb, nb, nb, nb, nb, nb, nl, ncell * nz, ncell * nz, pc, pc, pc, pc, pc, ncell,
                    nlines * nx, nlines * nx, nlines * nx, 5 * pc * ((nl + FLUX_BLK - 1) / FLUX_BLK), nlines, nlines, ncell, ncell, ncell, ncell, ncell,
                    nl, nt, nt, nl, nt, nt, npol * nl, npol * nt, pc, pc, pc, nz, S.nch * S.bstride};
  int ok = alloc_all(ptrs, sizes, sizeof sizes / sizeof *sizes);
  double *bin = calloc(nb + 1, sizeof *bin), *wy = calloc(ny, sizeof *wy);
  ok &= bin != NULL && wy != NULL;
  if (tr) {
    double **p2[] = {&r->spectrum_t, &r->n1_map, &r->n2_map, &r->x};
    size_t s2[] = {nt * nl, nt * nx, nt * nx, nx};
    ok &= alloc_all(p2, s2, 4);
  }
  if (nz > 1) {
    double **p3[] = {&r->slice_n1_max, &r->slice_n1_at_peak, &r->slice_n2_max, &r->slice_n2_at_peak};
    size_t s3[] = {nz, nz, nz, nz};
    ok &= alloc_all(p3, s3, 4);
  }
  pstack K;
  int stk = c->pump_stack_layers > 0;
  if (stk) {
    pstack_init(&K, c, nz);
    if (bulk) {
      S.srto = calloc(3, sizeof *S.srto);
      ok &= S.srto != NULL;
    } else {
      double **p4[] = {&S.sA, &S.sq, &S.srto};
      size_t s4[] = {ncell * nz, ncell * nz, ncell * 3};
      ok &= alloc_all(p4, s4, 3);
    }
  }
  if (!ok) {
    sim_free(&S);
    free(bin);
    free(wy);
    gk_sim_result_free(r);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory for the simulation grids");
  }
  r->nbins = nl;
  r->ntimes = nt;
  r->ncells = nx;
  r->npol = npol;
  r->nchannels = ny;
  r->nslices = nz;
  r->unpumped_length = (double)nu * S.dx;
  if (tr)
    for (size_t i = 0; i < nx; i++) r->x[i] = (i + 0.5) * S.dx;
  pump_map(c, &S, wy);
  size_t ymid = ny / 2;   /* the strip whose populations the maps keep */
  S.pc0 = ymid * nx;      /* and whose pumped cells the slice populations average */
  S.pc1 = ymid * nx + c->ncells;
  /* Depth slices: mode weights (rows normalised; all zero: uniform), the
   * pump photons each slice absorbs per incident photon and unit volume
   * (Beer–Lambert from the pumped face, or the given shares), and the
   * spontaneous coupling of each slice summed over the modes. nz = 1:
   * weight 1, (1 − e^{−α_p d})/d, β — the depth-averaged model. */
  double pabs[GK_SIM_MAX_SLICES], bsl[GK_SIM_MAX_SLICES];
  {
    double dz = c->thickness / (double)nz, psum = 0;
    for (size_t z = 0; z < nz; z++) psum += c->depth_pump[z];
    for (size_t p = 0; p < npol; p++) {
      double ws = 0;
      for (size_t z = 0; z < nz; z++) ws += c->depth_mode[p][z];
      for (size_t z = 0; z < nz; z++) {
        S.wg[p][z] = nz == 1 ? 1 : ws > 0 ? c->depth_mode[p][z] / ws : 1 / (double)nz;
        S.mw[p][z] = nz == 1 ? 1 : (double)nz * S.wg[p][z];
      }
    }
    for (size_t z = 0; z < nz; z++) {
      if (nz > 1 && psum > 0) pabs[z] = c->depth_pump[z] / dz;
      else pabs[z] = exp(-c->pump_absorption * dz * (double)z) * -expm1(-c->pump_absorption * dz) / dz;
      bsl[z] = 0;
      for (size_t p = 0; p < npol; p++) bsl[z] += (p ? c->coupling_tm : c->coupling) * S.mw[p][z];
    }
  }

  /* The stack: emitters start unbleached (N0 = N_tot in every cell), so
   * one solve serves every cell until its own populations move; bulk films
   * take their fixed shares (pabs) and the stack's reflected, above and
   * below parts of the pump from one solve with the film's own extinction
   * from the table. */
  S.qmax = 1;
  if (stk) {
    S.ps = bulk ? NULL : &K;
    double A[GK_SIM_MAX_SLICES], q[GK_SIM_MAX_SLICES], rto[3];
    for (size_t z = 0; z < nz; z++)
      A[z] = bulk ? K.A0 : c->pump_cross_section * c->density * c->thickness / (double)nz;
    double qm = pstack_solve(&K, A, nz, q, rto);
    if (bulk) {
      memcpy(S.srto, rto, sizeof rto);
    } else {
      S.qmax = qm > 1 ? qm : 1;
      for (size_t i = 0; i < ncell; i++) {
        memcpy(S.sA + i * nz, A, nz * sizeof *A);
        memcpy(S.sq + i * nz, q, nz * sizeof *q);
        memcpy(S.srto + i * 3, rto, sizeof rto);
      }
    }
  }

  /* Lineshape fractions: the exact Gaussian area of each bin, renormalised
   * over the window so that Σf = 1 — every spontaneous photon coupled to the
   * mode lands in some bin and the bookkeeping closes. */
  double fsum = 0;
  gk_sim_band shape = c->emission;
  shape.peak = 1;
  for (size_t j = 0; j < nl; j++) {
    double l0 = c->lambda_min + j * S.dlam, l1 = l0 + S.dlam;
    r->lambda[j] = l0 + 0.5 * S.dlam;
    S.f[j] = gk_sim_band_integral(&shape, l0, l1);
    fsum += S.f[j];
  }
  for (size_t j = 0; j < nl; j++) S.f[j] = fsum > 0 ? S.f[j] / fsum : 1.0 / nl;
  for (size_t p = 0; p < npol; p++) {
    double gam = p ? c->confinement_tm : c->confinement, beta = p ? c->coupling_tm : c->coupling;
    double srcfac = 0.5 * beta * S.area;
    for (size_t j = 0; j < nl; j++) {
      size_t b = p * nl + j;
      double lam = r->lambda[j];
      S.abg[b] = c->background_loss + gk_sim_band_eval(&c->background, lam);
      if (c->mode_loss[p] != 0) S.abg[b] += c->mode_loss[p];
      S.fs[b] = srcfac * S.f[j];
      if (bulk) {
        S.ce[b] = gam * gk_sim_band_eval(&c->gain_sigma, lam);
        S.ca[b] = S.cesa[b] = 0;
        S.cu[b] = S.ce[b];
      } else {
        S.ce[b] = gam * gk_sim_sigma_e(c, lam);
        S.ca[b] = gam * gk_sim_band_eval(&c->sigma_a, lam);
        S.cesa[b] = gam * gk_sim_band_eval(&c->sigma_esa, lam);
        S.cu[b] = S.ce[b] - S.cesa[b];
      }
    }
  }

  double t0, t1;
  window(c, &t0, &t1);
  double tbin = (t1 - t0) / (double)nt;
  double k1 = bulk ? 0 : 1 / c->lifetime, k2 = c->second_fraction > 0 ? 1 / c->second_lifetime : 0;
  double sp = c->pump_cross_section, vol = S.vol;
  /* bulk: the absorbed share of the pump is fixed (no bleaching), pabs[] */
  S.rfloor = bulk ? c->k1 + k2 : k1 + k2;
  S.pabs = pabs;
  S.bsl = bsl;
  double pmax = 0;
  for (size_t i = 0; i < ncell; i++) pmax = fmax(pmax, S.pm[i]);
  gk_sim_budget B = {0};
  double t = t0;
  size_t steps = 0;
  /* slice populations (nz > 1): the central strip's pumped-cell means after
   * each step (sums from the chunks, in chunk order), their maxima, and the
   * value at t = 0 interpolated between the steps around it */
  double sl_prev[2 * GK_SIM_MAX_SLICES] = {0}, sl_now[2 * GK_SIM_MAX_SLICES];
  int peak_done = nz < 2 || !(t0 <= 0 && t1 >= 0);
  if (nz > 1)
    for (size_t z = 0; z < nz; z++) {
      r->slice_n1_max[z] = r->slice_n2_max[z] = 0;
      r->slice_n1_at_peak[z] = r->slice_n2_at_peak[z] = peak_done ? NAN : 0;
    }
  if (nz > 1 && t0 == 0) peak_done = 1; /* the populations are 0 at the peak */
  st = GK_OK;
  for (size_t k = 0; k < nt; k++) {
    double tk1 = (k + 1 == nt) ? t1 : t0 + (double)(k + 1) * tbin;
    double ebin = 0, epol[2] = {0, 0};
    memset(bin, 0, (nb + 1) * sizeof *bin);
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
      if (!bulk) S.prate = sp * pump_rate(c, t) * pmax; /* bleaching and the slices above only lower it */
      if (S.ps) S.prate *= S.qmax; /* a stack: interference may raise the light in a slice above Φ */
      /* one step: fluxes, step size (step_args), populations; then the
       * chunks' budget sums added in chunk order */
      S.t = t;
      S.tk1 = tk1;
      step_timed(&S, &fc, steps);
      double dt = S.dt;
      for (size_t ch = 0; ch < S.nch; ch++) {
        const double *P = S.bpart + ch * S.bstride;
        B.absorbed += P[0];
        B.decay_guided += P[1];
        B.decay_other += P[2];
        B.stimulated_net += P[3];
        if (!bulk) B.loss_esa += P[4];
        B.loss_bg += P[5];
        for (size_t z = 0; z < nz; z++) r->absorbed_slice[z] += P[6 + z];
        if (stk) {
          const double *Q = P + pb_off(nz);
          B.pump_incident += Q[PB_INC];
          B.pump_reflected += Q[PB_REFL];
          B.pump_above += Q[PB_ABOVE];
          B.pump_below += Q[PB_BELOW];
          B.pump_solves += (size_t)Q[PB_SOLVES];
          if (Q[PB_QMAX] > S.qmax) S.qmax = Q[PB_QMAX];
        }
      }
      if (nz > 1) { /* slice populations: means over the central strip's pumped cells */
        size_t ch0 = ymid * S.ncr, ch1 = ch0 + S.ncr; /* the central strip's chunks */
        for (size_t z = 0; z < 2 * nz; z++) sl_now[z] = 0;
        for (size_t ch = ch0; ch < ch1; ch++)
          for (size_t z = 0; z < 2 * nz; z++) sl_now[z] += S.bpart[ch * S.bstride + pn_off(nz) + z];
        for (size_t z = 0; z < 2 * nz; z++) sl_now[z] /= (double)c->ncells;
        for (size_t z = 0; z < nz; z++) {
          if (sl_now[z] > r->slice_n1_max[z]) r->slice_n1_max[z] = sl_now[z];
          if (sl_now[nz + z] > r->slice_n2_max[z]) r->slice_n2_max[z] = sl_now[nz + z];
        }
        if (!peak_done && t + dt >= 0) {
          double w = (0 - t) / dt;
          for (size_t z = 0; z < nz; z++) {
            r->slice_n1_at_peak[z] = sl_prev[z] + w * (sl_now[z] - sl_prev[z]);
            r->slice_n2_at_peak[z] = sl_prev[nz + z] + w * (sl_now[nz + z] - sl_prev[nz + z]);
          }
          peak_done = 1;
        }
        memcpy(sl_prev, sl_now, 2 * nz * sizeof *sl_now);
      }
      /* edge output per mode bin, summed over the strips in a fixed order */
      double e = 0, fsum2 = 0;
      for (size_t p = 0, b = 0; p < npol; p++) /* (b = p nl + j, in order; no division) */
        for (size_t j = 0; j < nl; j++, b++) {
          double eb = S.edge[b];
          for (size_t y = 1; y < ny; y++) eb += S.edge[y * nb + b];
          bin[b] += dt * eb;
          e += eb;
          epol[p] += dt * eb;
        }
      for (size_t l = 0; l < nlines; l++) fsum2 += S.far[l];
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
    for (size_t p = 0; p < npol; p++) r->intensity_pol[p * nt + k] = epol[p] / span;
    for (size_t j = 0; j < nl; j++) {
      double tot = bin[j];
      for (size_t p = 1; p < npol; p++) tot += bin[p * nl + j];
      for (size_t p = 0; p < npol; p++) r->spectrum_pol[p * nl + j] += bin[p * nl + j] / S.dlam;
      r->spectrum[j] += tot / S.dlam;
      bin[j] = tot / (span * S.dlam);
    }
    r->fwhm[k] = spectrum_fwhm(r->lambda, bin, nl);
    if (tr) {
      memcpy(r->spectrum_t + k * nl, bin, nl * sizeof *bin);
      for (size_t i = 0; i < nx; i++) {  /* depth means */
        double a1 = 0, a2 = 0;
        for (size_t z = 0; z < nz; z++) {
          a1 += S.n1[(ymid * nx + i) * nz + z];
          a2 += S.n2[(ymid * nx + i) * nz + z];
        }
        r->n1_map[k * nx + i] = a1 / (double)nz;
        r->n2_map[k * nx + i] = a2 / (double)nz;
      }
    }
    if (gk_progress_update(prog, k + 1, nt)) {
      st = gk_error_set(err, GK_ECANCELLED, NULL, 0, "simulation cancelled");
      break;
    }
  }
  for (size_t i = 0; i < ncell * nz; i++) B.left += (S.n1[i] + S.n2[i]) * (vol / (double)nz);
  r->budget = B;
  r->steps = steps;
  sim_free(&S);
  free(bin);
  free(wy);
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
   * which scales even on an oversubscribed machine. A point's cost (its
   * time steps) grows with fluence, 7x over the bundled 64-point VPI
   * sweep, and sweeps are usually ordered by fluence: the points are taken
   * from the last one backwards, each by the next free thread (dynamic,
   * dearest first: the longest-processing-time rule), so the threads end
   * within about one cheap point of each other. Static round robin left
   * the time steps 8 % uneven on 2 threads for the 20-point sweep of
   * bench_simulate. One point: the run itself uses the threads. Either way
   * each point computes exactly what gk_sim_run computes, whichever thread
   * runs it. */
#pragma omp parallel for schedule(dynamic, 1) if (n >= 2)
  for (size_t it = 0; it < n; it++) {
    size_t i = n - 1 - it;
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
