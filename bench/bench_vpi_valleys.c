/* bench_vpi_valleys: how far the automatic start search of the vpi2 fit
 * ends from the lowest chi2 known, in the automatic fit's own standard
 * errors. Each design is fitted from the automatic start, from the user
 * start bench_vpi uses (true globals perturbed: P1 x 1.3, P2 x 0.8,
 * n x 1.2, m - n x 0.8) and from the exact true globals; printed per fit:
 * chi2 and the headline numbers (P1, P2, m, n, the gL = 1 and g = 0
 * thresholds, gamma at the ASE peak) with their standard errors; per design
 * (SUMMARY) the automatic fit's chi2 excess over the lowest and its
 * headline differences over its own standard errors (nan: the automatic
 * fit has no covariance).
 * Usage: bench_vpi_valleys bench   (the 400 x 40 bench_vpi case in the three
 *                                   weightings and the issue-14 case)
 *        bench_vpi_valleys bench1 W (one weighting: 0 none, 1 relative, 2 Poisson)
 *        bench_vpi_valleys N [FIRST] (N random designs from FIRST: 130-300 x
 *        20-40, P1 0.1-20, P2 0.3-3, n 0.8-2.5, m - n 0.5-2.5, background
 *        0.5-3.5, 1 % noise, weighting by number mod 3 as W)
 * Environment: PROF=1 adds the automatic fit's profile intervals (95 %,
 * uncalibrated: no bootstrap), CANDS=1 refits every converged start of its
 * search alone. docs/vpi.md, "Near-degenerate valleys of dn(P)". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include "gainkit/vpi.h"
/* gcc 12 -O2 sees np - 1 wrap around for a run-time np (it is >= 20 here);
 * clang has no such warning group (and -Werror refuses unknown ones) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "vpi_synth.h"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static const char *nm[] = {"P1", "P2", "m", "n", "gl1", "tr", "peakg"};
static void head(const gk_vpi_result *r, double *v, double *se)
{
  for (int k = 0; k < 4; k++) v[k] = r->glob[k], se[k] = r->glob_se[k];
  v[4] = r->th_gl1, se[4] = r->th_gl1_se, v[5] = r->th_tr, se[5] = r->th_tr_se;
  v[6] = r->boundary ? NAN : r->gamma[r->ipk], se[6] = r->boundary ? NAN : r->gamma_se[r->ipk];
}

static void one(const char *label, size_t nl, size_t np, double bg, double pmin, unsigned long seed,
                const double *glob, int w)
{
  if (nl < 4 || np < 4) return;
  vpi_truth t;
  synth_make_full(&t, nl, np, bg, 0.01, seed, pmin, 2.0, glob);
  gk_vpi_data d;
  synth_weighting(&t, w, &d);
  double g0[GK_VPI_NGLOB];
  synth_user_start(&t, g0);
  const double *starts[3] = {NULL, g0, t.glob};
  const char *sn[3] = {"auto", "user", "truth"};
  double v[3][7], se[3][7], chi[3], cr[3] = {1, 1, 1};
  int ok[3];
  for (int s = 0; s < 3; s++) {
    gk_vpi_options o;
    gk_vpi_options_default(&o);
    o.glob0 = starts[s];
    gk_vpi_result r;
    gk_error e;
    ok[s] = gk_vpi_fit(&d, GK_VPI2, &o, &r, &e) == GK_OK;
    if (!ok[s]) { chi[s] = INFINITY; continue; }
    chi[s] = r.chi2, cr[s] = r.chi2_red;
    head(&r, v[s], se[s]);
    printf("%s %s w %d chi2 %.10e chi2red %.6f bnd %d conv %d globdet %d |", label, sn[s], w, r.chi2,
           r.chi2_red, r.boundary, r.converged, r.glob_determined);
    for (int k = 0; k < 7; k++) printf(" %s %.5g±%.2g", nm[k], v[s][k], se[s][k]);
    printf("\n");
    if (s == 0 && getenv("PROF")) {  /* the CLI's profile intervals (uncalibrated: nboot 0, f = 1) */
      int pr = gk_vpi_profile_thresholds_boot(&d, &r, 0.95, 0, &e);
      /* the profile redoes the fit when a pinned fit ends below it
       * (prof_refits; docs/vpi.md "The profile as a search") */
      printf("%s PROFILE rc %d refits %d chi2 %.10e (search %.10e) gl1 %.5g [%.5g, %.5g] det %d tr %.5g [%.5g, %.5g] det %d\n",
             label, pr, r.prof_refits, r.chi2, r.prof_refits ? r.prof_chi2_search : r.chi2, r.th_gl1,
             r.th_gl1_plo, r.th_gl1_phi, r.th_gl1_pdet, r.th_tr, r.th_tr_plo, r.th_tr_phi, r.th_tr_pdet);
    }
    if (s == 0 && getenv("CANDS"))  /* each converged start of the automatic search, refitted alone */
      for (size_t k = 0; k < r.ncand; k++) {
        gk_vpi_options oc;
        gk_vpi_options_default(&oc);
        oc.glob0 = r.cand[k];
        gk_vpi_result q;
        if (gk_vpi_fit(&d, GK_VPI2, &oc, &q, &e) != GK_OK) continue;
        double qv[7], qs[7];
        head(&q, qv, qs);
        printf("%s cand%zu dchi2 %.5g dchi2/chi2red %.3g |", label, k, q.chi2 - r.chi2, (q.chi2 - r.chi2) / r.chi2_red);
        for (int j = 0; j < 7; j++) printf(" %s %.5g z %.2f", nm[j], qv[j], (qv[j] - v[0][j]) / se[0][j]);
        printf("\n");
        gk_vpi_result_free(&q);
      }
    gk_vpi_result_free(&r);
  }
  int b = 0;
  for (int s = 1; s < 3; s++) if (chi[s] < chi[b]) b = s;
  printf("%s SUMMARY w %d best %s dchi2_auto %.4g (rel %.2e) dchi2/chi2red %.3g | z(auto-best)/se_auto:", label,
         w, sn[b], chi[0] - chi[b], (chi[0] - chi[b]) / chi[b], (chi[0] - chi[b]) / cr[0]);
  for (int k = 0; k < 7; k++) printf(" %s %.2f", nm[k], ok[0] ? (v[0][k] - v[b][k]) / se[0][k] : NAN);
  printf("\n");
  fflush(stdout);
  synth_free(&t);
}

int main(int argc, char **argv)
{
  gsl_set_error_handler_off();
  if (argc > 1 && !strcmp(argv[1], "bench")) {
    for (int w = 0; w < 3; w++) one("bench400x40", 400, 40, 2.0, 0.1, 11, NULL, w);
    const double g[4] = {0.5, 1.0, 3.0, 1.5};
    one("issue14", 400, 40, 2.0, 0.1, 14, g, 0);
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "bench1")) {
    one("bench400x40", 400, 40, 2.0, 0.1, 11, NULL, atoi(argv[2]));
    return 0;
  }
  int n = argc > 1 ? atoi(argv[1]) : 10;
  unsigned long s0 = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  for (int c = 0; c < n; c++) {
    unsigned long seed = s0 + c;
    synth_design s = synth_random_design(r, seed);
    char lab[32];
    snprintf(lab, sizeof lab, "case%lu", seed);
    one(lab, s.nl, s.np, s.bg, 0.1, seed, s.g, s.w);
  }
  gsl_rng_free(r);
  return 0;
}
