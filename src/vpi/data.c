/* VPI input helpers: the default fluorescence shape and the automatic
 * maximum pump from the FWHM trend. */
#include <math.h>
#include <stdlib.h>

#include "gainkit/spectra.h"
#include "gainkit/vpi.h"

int gk_vpi_default_fluorescence(const gk_vpi_data *d, double *F, gk_error *err)
{
  size_t jmin = 0;
  for (size_t j = 1; j < d->np; j++)
    if (d->pump[j] < d->pump[jmin]) jmin = j;
  double mx = 0;
  for (size_t i = 0; i < d->nl; i++) mx = fmax(mx, d->intensity[i * d->np + jmin]);
  if (!(mx > 0))
    return gk_error_set(err, GK_EINPUT, NULL, 0,
                        "the lowest-pump spectrum has no positive value to serve as F(lambda); "
                        "give a measured one (`fluorescence`)");
  for (size_t i = 0; i < d->nl; i++) F[i] = fmax(d->intensity[i * d->np + jmin], 0) / mx;
  return GK_OK;
}

int gk_vpi_auto_max_pump(const double *lambda, const double *I, size_t nl, size_t np, double tol,
                         size_t *np_keep, gk_error *err)
{
  /* gk_spectrum_analyse wants increasing wavelengths */
  int rev = nl > 1 && lambda[1] < lambda[0];
  double *x = malloc(nl * sizeof(double)), *y = malloc(nl * sizeof(double));
  double *w = malloc(np * sizeof(double));
  int st = GK_OK;
  if (!x || !y || !w) {
    st = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    goto done;
  }
  gk_spectrum_options so = {.baseline = {.kind = GK_BASELINE_NONE}};
  for (size_t j = 0; j < np; j++) {
    for (size_t i = 0; i < nl; i++) {
      size_t s = rev ? nl - 1 - i : i;
      x[i] = lambda[s];
      y[i] = I[s * np + j];
    }
    gk_spectrum_stats ss;
    st = gk_spectrum_analyse(x, y, nl, &so, &ss, err);
    if (st) goto done;
    w[j] = ss.fwhm_nm;
  }
  /* The narrowest spectrum, then the first later one that is broader by
   * more than tol: spectra from there on are dropped. */
  size_t jmin = np;
  for (size_t j = 0; j < np; j++)
    if (isfinite(w[j]) && (jmin == np || w[j] < w[jmin])) jmin = j;
  *np_keep = np;
  if (jmin < np)
    for (size_t j = jmin + 1; j < np; j++)
      if (isfinite(w[j]) && w[j] > w[jmin] * (1 + tol)) {
        *np_keep = j;
        break;
      }
done:
  free(x), free(y), free(w);
  return st;
}
