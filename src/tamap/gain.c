/* gain.c — gain thresholds on a fluence series of TA maps (gainkit/tamap.h,
 * gk_tamap_gain). Per probe wavelength, the normalised bleach
 * -dA/A0 at the analysed delays is followed through the pump series and its
 * first upward crossing of 1 (A0 + dA = 0: transparency of the pumped
 * sample, the onset of gain) is the threshold <N_th>(lambda) (Qin et al.,
 * Nano Lett. 2021, Fig. 3c; Ahn et al., Chem. Rev. 2023, section 3.1.2),
 * interpolated with gk_ta_crossing as `gainkit ta` does at one probe. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/ta.h"
#include "gainkit/tamap.h"

void gk_tamap_gain_free(gk_tamap_gain_result *r)
{
  if (!r) return;
  free(r->wl);
  free(r->a0);
  free(r->da);
  free(r->nth);
  free(r->nth_se);
  free(r->gain);
  memset(r, 0, sizeof *r);
}

size_t gk_tamap_window_mean(const gk_tamap *m, double t_lo, double t_hi, double wl_lo, double wl_hi, double *mean)
{
  double s = 0;
  size_t c = 0;
  for (size_t i = 0; i < m->nw; i++) {
    if (!(m->wl[i] >= wl_lo && m->wl[i] <= wl_hi)) continue;
    for (size_t j = 0; j < m->nt; j++)
      if (m->t[j] >= t_lo && m->t[j] <= t_hi && (!m->use || m->use[i * m->nt + j]) && isfinite(m->z[i * m->nt + j])) {
        s += m->z[i * m->nt + j];
        c++;
      }
  }
  *mean = c ? s / (double)c : NAN;
  return c;
}

int gk_tamap_gain(const gk_tamap *const *maps, size_t nsets, const double *n_mean, const double *wl0,
                  const double *a0, size_t n0, double t_lo, double t_hi, double thickness_cm,
                  gk_tamap_gain_result *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  if (nsets < 2) return gk_error_set(err, GK_EUSAGE, NULL, 0, "nsets: a threshold needs >= 2 maps (got %zu)", nsets);
  if (!(t_hi >= t_lo)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "t_lo, t_hi: empty delay window");
  for (size_t k = 0; k < nsets; k++) {
    if (!(n_mean[k] >= 0) || !isfinite(n_mean[k]) || (k && !(n_mean[k] > n_mean[k - 1])))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "n_mean: must be >= 0 and strictly increasing (map %zu)", k + 1);
    if (maps[k]->nw != maps[0]->nw)
      return gk_error_set(err, GK_EINPUT, maps[k]->path, maps[k]->data_line,
                          "%zu wavelengths, the first map has %zu", maps[k]->nw, maps[0]->nw);
    for (size_t i = 0; i < maps[0]->nw; i++)
      if (fabs(maps[k]->wl[i] - maps[0]->wl[i]) > 1e-9 * fabs(maps[0]->wl[i]))
        return gk_error_set(err, GK_EINPUT, maps[k]->path, maps[k]->data_line,
                            "wavelength %g nm differs from the first map's %g nm", maps[k]->wl[i], maps[0]->wl[i]);
  }
  size_t nw = maps[0]->nw;
  r->nw = nw;
  r->nsets = nsets;
  r->wl = malloc(nw * sizeof *r->wl);
  r->a0 = malloc(nw * sizeof *r->a0);
  r->da = malloc(nw * nsets * sizeof *r->da);
  r->nth = malloc(nw * sizeof *r->nth);
  r->nth_se = malloc(nw * sizeof *r->nth_se);
  r->gain = malloc(nw * nsets * sizeof *r->gain);
  if (!r->wl || !r->a0 || !r->da || !r->nth || !r->nth_se || !r->gain) {
    gk_tamap_gain_free(r);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  memcpy(r->wl, maps[0]->wl, nw * sizeof *r->wl);
  int rc = gk_ta_resample(wl0, a0, n0, r->wl, nw, r->a0, err);
  if (rc != GK_OK) { gk_tamap_gain_free(r); return rc; }
  /* dA averaged over the delay window, per wavelength and map */
  for (size_t k = 0; k < nsets; k++) {
    const gk_tamap *m = maps[k];
    for (size_t i = 0; i < nw; i++) {
      double mean;
      size_t c = gk_tamap_window_mean(m, t_lo, t_hi, m->wl[i], m->wl[i], &mean);
      if (!c) {
        gk_tamap_gain_free(r);
        return gk_error_set(err, GK_EINPUT, m->path, m->data_line,
                            "no usable delay in the window at %g nm", maps[0]->wl[i]);
      }
      r->da[i * nsets + k] = mean;
    }
  }
  /* thresholds */
  r->best = (size_t)-1;
  double y[GK_TAMAP_MAX_GAIN_SETS];
  if (nsets > GK_TAMAP_MAX_GAIN_SETS) {
    gk_tamap_gain_free(r);
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "nsets: at most %d maps", GK_TAMAP_MAX_GAIN_SETS);
  }
  double amax = 0;
  for (size_t i = 0; i < nw; i++) amax = fmax(amax, r->a0[i]);
  for (size_t i = 0; i < nw; i++) {
    r->nth[i] = r->nth_se[i] = NAN;
    /* the ratio means nothing where the sample hardly absorbs */
    if (!(r->a0[i] > GK_TAMAP_GAIN_MIN_A0 * amax)) continue;
    for (size_t k = 0; k < nsets; k++) y[k] = -r->da[i * nsets + k] / r->a0[i];
    double v, se;
    if (gk_ta_crossing(n_mean, y, nsets, 1.0, &v, &se) && isfinite(v)) {
      r->nth[i] = v;
      r->nth_se[i] = se;
      if (r->best == (size_t)-1 || v < r->nth[r->best]) r->best = i;
    }
  }
  /* material gain -(A0 + dA) ln10 / d (cm^-1), where positive; NaN without
   * a thickness */
  for (size_t i = 0; i < nw; i++)
    for (size_t k = 0; k < nsets; k++) {
      double g = -(r->a0[i] + r->da[i * nsets + k]) * log(10.0) / thickness_cm;
      r->gain[i * nsets + k] = thickness_cm > 0 ? g : NAN;
    }
  return GK_OK;
}

int gk_tamap_gain_curve(const gk_tamap_gain_result *r, const double *n_mean, double probe, double degeneracy,
                        size_t *ip, gk_ta_gain_curve *gc, gk_error *err)
{
  size_t nw = r->nw, nsets = r->nsets, i0 = (size_t)-1;
  memset(gc, 0, sizeof *gc);
  double amax = 0;
  for (size_t i = 0; i < nw; i++) amax = fmax(amax, r->a0[i]);
  if (isfinite(probe)) {
    for (size_t i = 0; i < nw; i++)
      if (i0 == (size_t)-1 || fabs(r->wl[i] - probe) < fabs(r->wl[i0] - probe)) i0 = i;
  } else if (r->best != (size_t)-1) {
    i0 = r->best;
  } else {
    /* no crossing: the largest -dA/A0 at the highest pump */
    for (size_t i = 0; i < nw; i++)
      if (r->a0[i] > GK_TAMAP_GAIN_MIN_A0 * amax &&
          (i0 == (size_t)-1 || -r->da[i * nsets + nsets - 1] / r->a0[i] > -r->da[i0 * nsets + nsets - 1] / r->a0[i0]))
        i0 = i;
  }
  if (i0 != (size_t)-1 && !(r->a0[i0] > GK_TAMAP_GAIN_MIN_A0 * amax)) i0 = (size_t)-1;
  *ip = i0;
  if (i0 == (size_t)-1) return GK_OK;
  double y[GK_TAMAP_MAX_GAIN_SETS];
  if (nsets > GK_TAMAP_MAX_GAIN_SETS)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "at most %d maps", GK_TAMAP_MAX_GAIN_SETS);
  for (size_t k = 0; k < nsets; k++) y[k] = -r->da[i0 * nsets + k] / r->a0[i0];
  gk_ta_options to;
  gk_ta_options_default(&to);
  to.degeneracy = degeneracy;
  to.fit_degeneracy = 1;
  to.fit_ne = 0;
  to.ne = 0;
  return gk_ta_gain_curve_fit(n_mean, y, nsets, &to, gc, err);
}
