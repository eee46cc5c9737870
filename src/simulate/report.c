/* What a simulation reports, and the sweep axis of data to fit
 * (gainkit/simulate.h). */
#include <math.h>

#include "gainkit/simulate.h"
#include "gainkit/units.h"

gk_sim_summary gk_sim_result_summary(const gk_sim_result *r)
{
  gk_sim_summary s = {NAN, 0, NAN, 0};
  size_t m = 0;
  for (size_t j = 0; j < r->nbins; j++) {
    if (r->spectrum[j] > r->spectrum[m]) m = j;
    s.total += r->spectrum[j] * (r->nbins > 1 ? r->lambda[1] - r->lambda[0] : 1);
  }
  s.peak_nm = r->lambda[m];
  s.peak = r->spectrum[m];
  /* FWHM of the integrated spectrum: same interpolation as the per-time
   * FWHM, applied through a one-bin "time-resolved" view. */
  double h = 0.5 * s.peak, lo = NAN, hi = NAN;
  for (size_t j = m; j > 0; j--)
    if (r->spectrum[j - 1] <= h) {
      lo = r->lambda[j - 1] + (h - r->spectrum[j - 1]) / (r->spectrum[j] - r->spectrum[j - 1]) * (r->lambda[j] - r->lambda[j - 1]);
      break;
    }
  for (size_t j = m; j + 1 < r->nbins; j++)
    if (r->spectrum[j + 1] <= h) {
      hi = r->lambda[j] + (r->spectrum[j] - h) / (r->spectrum[j] - r->spectrum[j + 1]) * (r->lambda[j + 1] - r->lambda[j]);
      break;
    }
  s.fwhm = hi - lo;
  return s;
}

int gk_sim_fit_axis(const gk_matrix *m, const char *path, int *vsl, double *axis, gk_error *e)
{
  /* a VSL set when the corner cell names a length ("L (cm)", what
   * simulate --vsl writes); else fluences in the corner's unit
   * ("fluence (uJ/cm2)"), mJ/cm2 (what simulate writes) when it names none */
  double f = 1e-3;
  gk_error le;
  gk_error_clear(&le);
  *vsl = m->col_unit_in[0] && gk_unit_factor(m->col_unit_in, "cm", &f, &le) == GK_OK;
  if (!*vsl && m->col_unit_in[0] && gk_unit_factor(m->col_unit_in, "J/cm2", &f, e))
    return gk_error_set(e, GK_EINPUT, path, 1,
                        "the column unit '%s' is neither a fluence (J/cm2, mJ/cm2, uJ/cm2) nor a stripe length (cm, "
                        "mm, um)", m->col_unit_in);
  for (size_t k = 0; k < m->ncol; k++) axis[k] = m->col[k] * f;
  return GK_OK;
}
