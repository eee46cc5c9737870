/* Which VSL model to trust: Milanese et al., Adv. Opt. Mater. 2024, Table 1 and its conclusions (§2.1),
 * plus information criteria on a common footing (chi2 in I for all five).
 *
 * Table 1: vsl1 and vsl2 need unsaturated data, vsl2 captures a second
 * (background) signal, sat handles moderate saturation and also works in
 * the small-signal regime, emp has no physical model and overestimates g.
 * Conclusions: prefer sat; if sat under-predicts the shortest stripes a
 * background is present -> vsl2 on the short-stripe range; never emp; a
 * plateau that no saturation model reproduces means extrinsic effects and
 * no reliable gain. sat-exact (Eq. 4 solved exactly) is the one physical
 * model with a true plateau, so it is preferred when the data plateau and
 * it fits. */
#include "gainkit/vsl.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "core/core_internal.h"

static double sig_I(const gk_vsl_data *d, size_t i)
{
  if (d->weighting == GK_WEIGHT_SIGMA) return d->sigma[i];
  if (d->weighting == GK_WEIGHT_RELATIVE) return fabs(d->intensity[i]);
  return 1;
}

static int usable(const gk_vsl_fit *f)
{
  return f->ok && f->converged && isfinite(f->chi2_I) && isfinite(f->value[0]) &&
         isfinite(f->se[f->model == GK_VSL_SATEXACT ? 4 : 0]);
}

/* Wald-Wolfowitz runs test on the residual signs along L: z-score of the
 * number of runs (strongly negative = systematic misfit). */
static double runs_z(const gk_vsl_data *d, const gk_vsl_fit *f)
{
  double np = 0, nm = 0, runs = 0;
  int prev = 0;
  for (size_t i = 0; i < d->n; i++) {
    double r = d->intensity[i] - f->yhat[i];
    int s = r > 0 ? 1 : (r < 0 ? -1 : 0);
    if (!s) continue;
    if (s > 0) np++; else nm++;
    if (s != prev) runs++;
    prev = s;
  }
  double n = np + nm;
  if (np == 0 || nm == 0) return n >= 6 ? -(n - 1) / 2 : 0;
  double mu = 2 * np * nm / n + 1;
  double var = 2 * np * nm * (2 * np * nm - n) / (n * n * (n - 1));
  return var > 0 ? (runs - mu) / sqrt(var) : 0;
}

/* Does the fit describe the data? With absolute sigmas: chi2 test; always:
 * no long runs of same-sign residuals; without sigmas, also within a
 * factor 4 in chi2 of the best model (the scatter sets the scale). */
static int fits_well(const gk_vsl_data *d, const gk_vsl_fit *f, double best_chi2)
{
  if (!usable(f)) return 0;
  if (d->weighting == GK_WEIGHT_SIGMA) {
    size_t dof = d->n > f->ntheta ? d->n - f->ntheta : 0;
    if (dof > 0 && gsl_cdf_chisq_Q(f->chi2_I, (double)dof) < 1e-3) return 0;
  } else if (f->chi2_I > 4 * best_chi2 + 1e-300) {
    return 0;
  }
  return runs_z(d, f) > -3;
}

/* Mean normalised residual (data - model)/sigma over points [i0, i1),
 * scaled by sqrt(count): > 2 means the model under-predicts there. */
static double segment_excess(const gk_vsl_data *d, const gk_vsl_fit *f, size_t i0, size_t i1)
{
  double s = 0, scale = 0;
  for (size_t i = 0; i < d->n; i++) scale += pow((d->intensity[i] - f->yhat[i]) / sig_I(d, i), 2);
  scale = sqrt(scale / (double)(d->n > f->ntheta ? d->n - f->ntheta : 1));
  if (d->weighting == GK_WEIGHT_SIGMA) scale = fmax(scale, 1);
  if (!(scale > 0)) return 0;
  for (size_t i = i0; i < i1; i++) s += (d->intensity[i] - f->yhat[i]) / sig_I(d, i) / scale;
  return i1 > i0 ? s / sqrt((double)(i1 - i0)) : 0;
}

int gk_vsl_recommend(const gk_vsl_data *d, const gk_vsl_fit *fits, int *reliable, char *reason,
                     size_t rsize)
{
  gk_gsl_init_();
  const gk_vsl_fit *v1 = &fits[GK_VSL_VSL1], *v2 = &fits[GK_VSL_VSL2], *sat = &fits[GK_VSL_SAT],
                   *sx = &fits[GK_VSL_SATEXACT];
  static const int physical[] = {GK_VSL_VSL1, GK_VSL_SAT, GK_VSL_VSL2, GK_VSL_SATEXACT}; /* simplest first */
  size_t n = d->n, third = n / 3 > 2 ? n / 3 : (n >= 6 ? 2 : 1);
  double best = INFINITY;
  for (int m = 0; m < GK_VSL_NMODELS; m++)
    if (usable(&fits[m])) best = fmin(best, fits[m].chi2_I);
  int good[GK_VSL_NMODELS] = {0};
  int ngood = 0;
  for (size_t k = 0; k < 4; k++) {
    int m = physical[k];
    good[m] = fits_well(d, &fits[m], best);
    ngood += good[m];
  }
  *reliable = 0;
  /* Background: vsl2's linear term significant and a sizeable part of the
   * shortest stripe's signal, or sat under-predicting the short stripes. */
  int bg_v2 = usable(v2) && v2->value[2] > 0 && v2->value[2] > 3 * v2->se[2] &&
              v2->value[2] * d->L[0] > 0.1 * fabs(d->intensity[0]);
  int bg_sat = usable(sat) && segment_excess(d, sat, 0, third) > 2.5;
  int background = bg_v2 || bg_sat;
  /* Saturation: the data fall below the exponential (vsl1) at the longest
   * stripes, or sat is clearly better than vsl1 by AICc. */
  int sat_v1 = usable(v1) && segment_excess(d, v1, n - third, n) < -2.5;
  int sat_ic = usable(v1) && usable(sat) && sat->aicc_I < v1->aicc_I - 10;
  int saturation = sat_v1 || sat_ic;
  /* Plateau: the last stripes' log-slope is a small fraction of the gain. */
  int plateau = 0;
  if (n >= 4 && usable(v1) && d->intensity[n - 1] > 0 && d->intensity[n - 3] > 0) {
    double sl = log(d->intensity[n - 1] / d->intensity[n - 3]) / (d->L[n - 1] - d->L[n - 3]);
    double gref = usable(sx) ? sx->value[0] : v1->value[0];
    plateau = saturation && gref > 0 && sl < 0.15 * gref;
  }
  int rec = -1;
  char why[400] = "";
  if (ngood == 0) {
    /* least bad physical model, flagged unreliable */
    double ab = INFINITY;
    for (size_t k = 0; k < 4; k++)
      if (usable(&fits[physical[k]]) && fits[physical[k]].aicc_I < ab) { ab = fits[physical[k]].aicc_I; rec = physical[k]; }
    snprintf(why, sizeof why,
             "No physical model fits these data reliably%s. %s",
             plateau ? " (the intensity plateaus in a way no gain-saturation model reproduces, which points to "
                       "extrinsic effects such as film inhomogeneity, as Milanese et al., Adv. Opt. Mater. 2024 found for NC-DDAB)" : "",
             rec >= 0 ? "The least bad physical fit is reported, but its g should not be trusted; try `range` to "
                        "restrict the stripe lengths." : "No physical model converged.");
    snprintf(reason, rsize, "%s", why);
    return rec;
  }
  if (background) {
    rec = GK_VSL_VSL2;
    *reliable = good[GK_VSL_VSL2];
    snprintf(why, sizeof why, "A background (second, non-amplified) signal is present (%s)%s.%s",
             bg_v2 ? "vsl2's A2 is significant" : "sat under-predicts the shortest stripes",
             bg_v2 && bg_sat ? " and sat under-predicts the shortest stripes" : "",
             saturation ? " The long stripes also saturate: fit vsl2 on the short-stripe range only (`range`), as "
                          "Milanese et al., Adv. Opt. Mater. 2024 recommend." : " vsl2 accounts for it (Milanese et al., Adv. Opt. Mater. 2024, Table 1).");
    if (!usable(v2)) { rec = -1; snprintf(why + strlen(why), sizeof why - strlen(why), " But vsl2 did not converge."); }
  } else if (saturation) {
    if (plateau && good[GK_VSL_SATEXACT] && (!good[GK_VSL_SAT] || sx->aicc_I < sat->aicc_I - 2)) {
      rec = GK_VSL_SATEXACT;
      snprintf(why, sizeof why, "The intensity saturates to a plateau; sat-exact (Eq. 4 solved exactly) is the "
                                "physical model that reproduces a true plateau and it fits.");
    } else if (good[GK_VSL_SAT]) {
      rec = GK_VSL_SAT;
      snprintf(why, sizeof why, "Gain saturation at long stripes (the data fall below the exponential); sat is the "
                                "physical model for moderate saturation (Milanese et al., Adv. Opt. Mater. 2024, Table 1) and it fits.");
    } else if (good[GK_VSL_SATEXACT]) {
      rec = GK_VSL_SATEXACT;
      snprintf(why, sizeof why, "Strong gain saturation that Eq. 3 (sat) does not capture; sat-exact fits.");
    }
    if (rec >= 0) *reliable = 1;
  }
  if (rec < 0 && !background) {
    /* No saturation or background: the smallest AICc among the physical
     * models that fit, the simpler model within 2 units. */
    double ab = INFINITY;
    for (size_t k = 0; k < 4; k++) {
      int m = physical[k];
      if (good[m] && fits[m].aicc_I < ab - 2) { ab = fits[m].aicc_I; rec = m; }
    }
    *reliable = rec >= 0;
    snprintf(why, sizeof why, "%s fits with the lowest information criterion (AICc, simpler model preferred "
                              "within 2)%s; %s.", rec >= 0 ? gk_vsl_model_name(rec) : "none",
             saturation ? "" : ", no saturation or background detected",
             "emp is never recommended when a physical model fits");
  }
  snprintf(reason, rsize, "%s", why);
  return rec;
}
