/* Fit-window analysis: g versus the longest stripe length used
 * (gainkit/vsl.h, gk_vsl_window_scan_run). */
#include "gainkit/vsl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>

void gk_vsl_window_scan_free(gk_vsl_window_scan *ws)
{
  if (!ws) return;
  free(ws->Lmax); free(ws->g); free(ws->g_se); free(ws->chi2_red); free(ws->npts); free(ws->ok); free(ws->acceptable);
  memset(ws, 0, sizeof *ws);
}

/* Wald-Wolfowitz runs test on the residual signs along L: z-score of the
 * number of runs (strongly negative: a systematic misfit). */
static double runs_z(const double *y, const double *yhat, size_t n)
{
  double np = 0, nm = 0, runs = 0;
  int prev = 0;
  for (size_t i = 0; i < n; i++) {
    double r = y[i] - yhat[i];
    int s = r > 0 ? 1 : (r < 0 ? -1 : 0);
    if (!s) continue;
    if (s > 0) np++; else nm++;
    if (s != prev) runs++;
    prev = s;
  }
  double nn = np + nm;
  if (np == 0 || nm == 0) return nn >= 6 ? -(nn - 1) / 2 : 0;
  double mu = 2 * np * nm / nn + 1, var = 2 * np * nm * (2 * np * nm - nn) / (nn * nn * (nn - 1));
  return var > 0 ? (runs - mu) / sqrt(var) : 0;
}

int gk_vsl_window_scan_run(const gk_vsl_data *d, gk_vsl_model m, gk_vsl_window_scan *ws, gk_error *err)
{
  memset(ws, 0, sizeof *ws);
  ws->model = m;
  int rc = gk_vsl_check(d, err);
  if (rc) return rc;
  size_t p = gk_vsl_ntheta(m), kmin = p + 2;
  if (d->n < kmin)
    return gk_error_set(err, GK_EINPUT, d->path, 0, "window scan: %zu points, the shortest window of model %s needs %zu",
                        d->n, gk_vsl_model_name(m), kmin);
  size_t nw = d->n - kmin + 1;
  ws->nw = nw;
  ws->Lmax = malloc(nw * sizeof *ws->Lmax);
  ws->g = malloc(nw * sizeof *ws->g);
  ws->g_se = malloc(nw * sizeof *ws->g_se);
  ws->chi2_red = malloc(nw * sizeof *ws->chi2_red);
  ws->npts = malloc(nw * sizeof *ws->npts);
  ws->ok = calloc(nw, sizeof *ws->ok);
  ws->acceptable = calloc(nw, sizeof *ws->acceptable);
  if (!ws->Lmax || !ws->g || !ws->g_se || !ws->chi2_red || !ws->npts || !ws->ok || !ws->acceptable) {
    gk_vsl_window_scan_free(ws);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  size_t gi = m == GK_VSL_SATEXACT ? 4 : 0;
  for (size_t k = 0; k < nw; k++) {
    gk_vsl_data dk = *d;
    dk.n = kmin + k;
    ws->npts[k] = dk.n;
    ws->Lmax[k] = d->L[dk.n - 1];
    ws->g[k] = ws->g_se[k] = ws->chi2_red[k] = NAN;
    gk_vsl_fit f;
    gk_error e;
    gk_error_clear(&e);
    int frc = gk_vsl_fit_model(&dk, m, &f, &e);
    if (frc == GK_ENOMEM) {
      gk_vsl_fit_free(&f);
      gk_vsl_window_scan_free(ws);
      return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    }
    if (frc == GK_OK && f.ok) {
      ws->g[k] = f.value[gi];
      ws->g_se[k] = f.se[gi];
      ws->chi2_red[k] = f.chi2_red;
      /* a window whose g the data do not determine (short windows in the
       * noise floor) says nothing about the model: not acceptable, and
       * the valid range starts after it */
      ws->ok[k] = f.converged && isfinite(f.se[gi]) && f.se[gi] <= fabs(f.value[gi]);
      if (ws->ok[k]) {
        int good = runs_z(dk.intensity, f.yhat, dk.n) > -2.5;
        if (d->weighting == GK_WEIGHT_SIGMA && f.dof > 0) good = good && gsl_cdf_chisq_Q(f.chi2, (double)f.dof) >= 0.01;
        ws->acceptable[k] = good;
      }
    }
    gk_vsl_fit_free(&f);
  }
  /* Drift test; the longest acceptable window is the answer (an isolated
   * shorter window failing a test at its significance level does not cut
   * the range). The windows are nested: for efficient estimators the
   * difference of g from a window j and a longer window k has variance
   * se_j^2 - se_k^2 (Hausman), so g_k must agree with every shorter
   * acceptable window within 3 of those standard errors (3, not 2: many
   * comparisons per window). */
  ws->longest = nw;
  for (size_t k = 0; k < nw; k++) {
    for (size_t j = 0; j < k && ws->acceptable[k]; j++) {
      if (!ws->acceptable[j]) continue;
      double v = ws->g_se[j] * ws->g_se[j] - ws->g_se[k] * ws->g_se[k];
      if (v > 0 && fabs(ws->g[j] - ws->g[k]) > 3 * sqrt(v)) ws->acceptable[k] = 0;
    }
    if (ws->acceptable[k]) ws->longest = k;
  }
  return GK_OK;
}
