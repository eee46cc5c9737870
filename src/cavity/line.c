/* The lasing line of a measured spectrum (gainkit/cavity.h): the points
 * inside a window, the line fit, the instrument correction and Q. */
#include <math.h>
#include <string.h>

#include "gainkit/cavity.h"

int gk_cavity_line_window(const double *wl, size_t n, double lo, double hi, const char *path, size_t *first,
                          size_t *count, gk_error *err)
{
  size_t a = 0, b = n;
  const int has_win = !isnan(lo);
  if (has_win) {
    while (a < n && wl[a] < lo) a++;
    while (b > a && wl[b - 1] > hi) b--;
  }
  *first = a;
  *count = b - a;
  if (b - a >= 6) return GK_OK;
  if (has_win) return gk_error_option(err, "window", "%g:%g nm holds %zu points of %s (need 6)", lo, hi, b - a, path);
  return gk_error_option(err, "", "%s: %zu points, the line fit needs 6", path, b - a);
}

int gk_cavity_line_analyze(const double *wl, const double *y, size_t n, const gk_cavity_line_options *o,
                           gk_cavity_line *out, gk_error *err)
{
  memset(out, 0, sizeof *out);
  const double iw = o->instrument_width;
  double g = 0;
  if (o->free_gauss) g = -1;
  else if (iw > 0 && o->instrument_gauss) g = iw;
  out->gauss = g;
  int rc = gk_cavity_line_fit(wl, y, n, g, &out->fit, err);
  if (rc != GK_OK) return rc;
  const gk_line_fit *f = &out->fit;
  double wL = f->fwhm_lorentz_nm, wL_se = f->fwhm_lorentz_se;
  int det = f->resolved;
  if (iw > 0 && !o->instrument_gauss) {   /* Lorentzian instrument: widths add */
    wL -= iw;
    det = det && wL > 2 * wL_se;
  }
  out->linewidth_nm = wL;
  out->linewidth_se = wL_se;
  out->determined = det;
  out->q = det ? f->center_nm / wL : NAN;
  out->q_se = det ? out->q * wL_se / wL : NAN;
  out->photon_lifetime_s = det ? gk_cavity_photon_lifetime_s(f->center_nm, out->q) : NAN;
  return GK_OK;
}

void gk_cavity_line_free(gk_cavity_line *l)
{
  if (l) gk_line_fit_free(&l->fit);
}
