/* Spectrally resolved VSL: one fit per wavelength of a matrix. */
#include "gainkit/vsl.h"
#include "vsl_internal.h"
#include "core/core_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void gk_vsl_spectrum_free(gk_vsl_spectrum *s)
{
  if (!s) return;
  free(s->g); free(s->g_se); free(s->converged); free(s->chi2_I);
  memset(s, 0, sizeof *s);
}

/* Wavelengths are fitted in fixed chunks of CHUNK: within a chunk each
 * fit starts from the previous wavelength's converged answer for the same
 * model (neighbouring wavelengths have nearly the same parameters, so a
 * few iterations replace the grid search and the multi-start); the first
 * wavelength of a chunk, and any whose warm start does not converge, use
 * the data-derived starts. The chunks, not the threads, define which
 * fits are warm, so the result does not depend on the thread count. */
enum { CHUNK = 16 };

/* Last converged theta of each model within the current chunk. */
typedef struct warm_state {
  double th[GK_VSL_NMODELS][4];
  int have[GK_VSL_NMODELS];
} warm_state;

/* All models at one wavelength; spec entries and rec[i] written only at
 * index i, so the loop parallelises without synchronisation. */
static void one_wavelength(const double *L, size_t nL, const double *I, gk_weighting w, unsigned mask,
                           gk_vsl_spectrum *spec, int *rec, size_t i, warm_state *ws)
{
  gk_vsl_data d = {.n = nL, .L = L, .intensity = I, .weighting = w};
  gk_vsl_fit fits[GK_VSL_NMODELS];
  memset(fits, 0, sizeof fits);
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    if (!(mask & (1u << m))) continue;
    gk_error e;
    gk_error_clear(&e);
    gk_vsl_fit *f = &fits[m];
    /* models in enum order, so vsl1 and sat are done before sat-exact
     * (those not fitted have ok = 0) */
    int ok = gk_vsl_fit_model_(&d, (gk_vsl_model)m, fits,
                               ws->have[m] ? ws->th[m] : NULL, f, &e) == GK_OK && f->ok;
    /* only a well-determined answer is a start worth handing on: one with
     * an undetermined parameter sits in a flat region that would trap
     * the next fit too */
    ws->have[m] = ok && f->converged && gk_vsl_fit_determined_(f);
    if (ws->have[m]) memcpy(ws->th[m], f->theta, sizeof ws->th[m]);
    size_t gi = m == GK_VSL_SATEXACT ? 4 : 0;
    spec[m].g[i] = ok ? f->value[gi] : NAN;
    spec[m].g_se[i] = ok ? f->se[gi] : NAN;
    spec[m].converged[i] = ok && f->converged;
    spec[m].chi2_I[i] = ok ? f->chi2_I : NAN;
    if (!ok) f->ok = 0;
  }
  if (rec) {
    int reliable;
    char why[8];
    rec[i] = gk_vsl_recommend(&d, fits, &reliable, why, sizeof why);
  }
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_fit_free(&fits[m]);
}

int gk_vsl_spectral(const double *L, size_t nL, const double *z, size_t nw, gk_weighting weighting,
                    unsigned mask, gk_vsl_spectrum *spec, int *rec, const gk_progress *progress,
                    gk_error *err)
{
  gk_gsl_init_();
  if (weighting == GK_WEIGHT_SIGMA)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "a VSL matrix has no sigma column: use weights none or relative");
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    memset(&spec[m], 0, sizeof spec[m]);
    if (!(mask & (1u << m))) continue;
    spec[m].nw = nw;
    spec[m].model = (gk_vsl_model)m;
    spec[m].g = malloc(nw * sizeof(double));
    spec[m].g_se = malloc(nw * sizeof(double));
    spec[m].converged = calloc(nw, sizeof(int));
    spec[m].chi2_I = malloc(nw * sizeof(double));
    if (!spec[m].g || !spec[m].g_se || !spec[m].converged || !spec[m].chi2_I) {
      for (int k = 0; k <= m; k++) gk_vsl_spectrum_free(&spec[k]);
      return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    }
  }
  size_t done = 0;
  int cancel = 0;
  size_t nchunk = (nw + CHUNK - 1) / CHUNK;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t c = 0; c < nchunk; c++) {
    warm_state ws;
    memset(&ws, 0, sizeof ws);
    for (size_t i = c * CHUNK; i < nw && i < (c + 1) * CHUNK; i++) {
      int stop;
#pragma omp atomic read
      stop = cancel;
      if (stop) break;
      one_wavelength(L, nL, z + i * nL, weighting, mask, spec, rec, i, &ws);
      if (progress && progress->update) {
#pragma omp critical(gk_vsl_progress)
        {
          done++;
          if (gk_progress_update(progress, done, nw)) {
#pragma omp atomic write
            cancel = 1;
          }
        }
      }
    }
  }
  if (cancel) {
    for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_spectrum_free(&spec[m]);
    return gk_error_set(err, GK_ECANCELLED, NULL, 0, "cancelled");
  }
  return GK_OK;
}
