/* Sweeps and data preparation for ABC carrier dynamics (gainkit/carriers.h). */
#include <math.h>

#include "gainkit/carriers.h"

void gk_carriers_logspace(double *v, size_t n, double a, double b)
{
  for (size_t i = 0; i < n; i++) v[i] = a * pow(b / a, n > 1 ? (double)i / (double)(n - 1) : 0);
}

int gk_plqy_check(const gk_abc *k, gk_error *err)
{
  int rc = gk_abc_check(k, err);
  if (rc != GK_OK) return rc;
  if (!(k->k2 > 0))
    return gk_error_option(err, "k2", "must be positive for the PLQY (k2 = 0: no radiative recombination, PLQY 0 "
                           "at every N)");
  return GK_OK;
}

int gk_plqy_curve(const gk_abc *k, const double range[2], size_t n, double *x, double *y, gk_error *err)
{
  if (!(range[0] > 0)) return gk_error_option(err, "range", "densities must be positive");
  gk_carriers_logspace(x, n, range[0], range[1]);
  for (size_t i = 0; i < n; i++) y[i] = gk_plqy(k, x[i]);
  return GK_OK;
}

void gk_plqy_map(const gk_abc *k, double n_lo, double n_hi, size_t nx, double k3_lo, double k3_hi, size_t ny,
                 double *xs, double *ys, double *z)
{
  double lx0 = log10(n_lo), lx1 = log10(n_hi), ly0 = log10(k3_lo), ly1 = log10(k3_hi);
  for (size_t j = 0; j < nx; j++) xs[j] = lx0 + (lx1 - lx0) * (double)j / (double)(nx - 1);
  for (size_t i = 0; i < ny; i++) ys[i] = ly0 + (ly1 - ly0) * (double)i / (double)(ny - 1);
  for (size_t i = 0; i < ny; i++)
    for (size_t j = 0; j < nx; j++) {
      gk_abc kk = {k->k1, k->k2, pow(10, ys[i])};
      z[i * nx + j] = gk_plqy(&kk, pow(10, xs[j]));
    }
}

int gk_pulse_peak_sweep(const gk_pulse_opts *o0, double lo, double hi, size_t n, double *w, double *pk,
                        const gk_progress *prog, gk_error *err)
{
  gk_pulse_opts o = *o0;
  gk_carriers_logspace(w, n, lo, hi);
  for (size_t i = 0; i < n; i++) {
    o.fwhm = w[i];
    o.n_out = 2;
    gk_pulse_result pr;
    int rc = gk_pulse_run(&o, &pr, err);
    if (rc != GK_OK) return rc;
    pk[i] = pr.n_peak;
    gk_pulse_result_free(&pr);
    if (gk_progress_update(prog, i + 1, n)) return gk_error_set(err, GK_ECANCELLED, NULL, 0, "cancelled");
  }
  return GK_OK;
}

void gk_gain_fit_densities(const double *x, size_t n, int fluence, double absorb, double ev, double d, double *out)
{
  for (size_t i = 0; i < n; i++) out[i] = fluence ? gk_pulse_density(x[i], absorb, ev, d) : x[i];
}
