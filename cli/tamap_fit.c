/* gainkit tamap fit — global (DAS) and target (SAS) analysis of one or more
 * maps: options, the model and IRF from them (gk_tamap_model,
 * gk_kin_irf_read), the maps (gk_tamap_prepare) and the fit with its
 * artefact-window passes (gk_tamap_global_fit_passes); output in
 * emit_tamap_fit.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tamap_cli.h"

/* ---- fit -------------------------------------------------------------- */

/* the artefact-window passes stop on an interrupt */
static int fit_stop(void *ctx, size_t done, size_t total)
{
  (void)ctx, (void)done, (void)total;
  return cli_interrupted();
}

static struct {
  const char *scheme, *init, *tau, *t0, *irf, *tunit;
  double das, seq, fwhm, disp;
} FIT = {.fwhm = 100e-15};

int tamap_cmd_fit(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap fit"};
  cli_qopt *q = tamap_q_fit; const size_t nq = TAMAP_NQ_FIT;   /* the table below */
  int first;
  if (tamap_start(&c, argc, argv, q, nq, &FIT, sizeof FIT, &first) < 0) return CLI_USAGE;
  gk_tamap_prepare_options po;
  const char *scheme = FIT.scheme, *init = FIT.init, *tau_s = FIT.tau, *t0_s = FIT.t0, *irf_s = FIT.irf,
             *tunit = FIT.tunit;
  const double das = FIT.das, seq = FIT.seq, fwhm = FIT.fwhm, disp = FIT.disp;
  size_t nsets = (size_t)(argc - first);
  if (nsets < 1) return cli_usage(c.cmd, "give one or more map FILEs");
  if (nsets > GK_TAMAP_MAX_SETS) return cli_usage(c.cmd, "at most %d maps in one fit", GK_TAMAP_MAX_SETS);
  int nmodel = (scheme != NULL) + (das > 0) + (seq > 0);
  if (nmodel != 1) return cli_usage(c.cmd, "give exactly one of --scheme, --das N, --sequential N");
  if (init && !scheme) return CLI_QFAIL("init", "goes with --scheme");
  if (disp != floor(disp) || disp > 3) return CLI_QFAIL("dispersion", "must be an integer 0..3");
  gk_error e;
  gk_error_clear(&e);
  /* the model (gk_tamap_model); a non-integer count is refused there */
  gk_tamap_scheme s;
  double c0_pack[GK_TAMAP_MAX_SETS * GK_TAMAP_MAX_COMP], *tauv = NULL, nc = das > 0 ? das : seq;
  static const double given[1] = {0};
  size_t ntau = 0;
  int per_set_init = 0, nci = nc == floor(nc) && nc <= GK_TAMAP_MAX_COMP ? (int)nc : GK_TAMAP_MAX_COMP + 1;
  if (tau_s && !scheme && nci <= GK_TAMAP_MAX_COMP && cli_list("--tau", tau_s, "s", &tauv, &ntau) < 0) return CLI_USAGE;
  gk_tamap_model_options mopt = {scheme, init, das > 0 ? nci : 0, seq > 0 ? nci : 0, tauv ? tauv : tau_s ? given : NULL, ntau};
  cli_set_fieldmap(tamap_fields);
  int mrc = gk_tamap_model(&mopt, nsets, &s, c0_pack, &per_set_init, &e);
  free(tauv);
  if (mrc) return cli_error(&e);
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  gk_kin_prepared irfp;
  memset(&irfp, 0, sizeof irfp);
  if (irf_s) {
    if (cli_qopt_find(q, nq, "irf-fwhm")->seen) return CLI_QFAIL("irf", "give either --irf FILE (measured) or --irf-fwhm");
    if (cli_qopt_find(q, nq, "fix-irf")->seen || cli_qopt_find(q, nq, "irf-per-set")->seen)
      return CLI_QFAIL("irf", "a measured IRF has no width to fit (--fix-irf, --irf-per-set go with --irf-fwhm)");
    o.irf.kind = GK_KIN_IRF_MEASURED;   /* read below, after the option checks */
  } else if (tunit) {
    return CLI_QFAIL("time-unit", "goes with --irf (the unit of its time column when the header names none)");
  } else if (fwhm > 0) o.irf.fwhm = fwhm;
  else o.irf.kind = GK_KIN_IRF_NONE;
  o.fwhm_fixed = cli_qopt_find(q, nq, "fix-irf")->seen;
  o.irf_per_set = cli_qopt_find(q, nq, "irf-per-set")->seen;
  o.t0_fixed = cli_qopt_find(q, nq, "fix-t0")->seen;
  o.nnls = cli_qopt_find(q, nq, "nnls")->seen;
  o.disp_order = (int)disp;
  if (per_set_init) o.c0_sets = c0_pack;
  if (t0_s) {
    double *tv;
    size_t nt;
    if (cli_list("--t0", t0_s, "s", &tv, &nt) < 0) return CLI_USAGE;
    if (nt != 1 && nt != nsets) { free(tv); return CLI_QFAIL("t0", "give one time zero or one per map (%zu)", nsets); }
    for (size_t d = 0; d < nsets; d++) o.t0[d] = tv[nt == 1 ? 0 : d];
    free(tv);
  }
  if (o.irf.kind == GK_KIN_IRF_NONE && !o.t0_fixed)
    return CLI_QFAIL("irf-fwhm", "0 (no IRF) needs --fix-t0: without an instrument response time zero is not determined");
  if (irf_s) {
    /* the library's IRF reader (gainkit kinetics and trpl use it too) */
    if (gk_kin_irf_read(irf_s, tunit, &irfp, &e) != GK_OK) {
      gk_kin_prepared_free(&irfp);
      if (strstr(e.msg, "no time unit")) strncat(e.msg, " (--time-unit)", sizeof e.msg - strlen(e.msg) - 1);
      return cli_error(&e);
    }
    o.irf.t = irfp.t;
    o.irf.y = irfp.y;
    o.irf.n = irfp.d.n;
  }
  int rc = tamap_prep_options(&tamap_mo, &po);
  po.keep_base = 1;
  gk_tamap_prepared maps[GK_TAMAP_MAX_SETS];
  size_t loaded = 0;
  for (size_t d = 0; !rc && d < nsets; d++, loaded++) rc = tamap_load(argv[first + (int)d], &po, &maps[d]);
  if (rc && loaded) loaded--;
  gk_tamap_global_result res;
  int refit = 0;
  if (!rc) {
    gk_progress pr = cli_progress("global fit"), stop = {fit_stop, NULL};
    o.profile = cli_qopt_find(q, nq, "profile")->seen;
    rc = gk_tamap_global_fit_passes(maps, nsets, &s, &o, tamap_mo.exclude, &stop, &res, &refit, &e) != GK_OK ? cli_error(&e) : 0;
    cli_progress_done(&pr);
  }
  gk_kin_prepared_free(&irfp);
  o.irf.t = o.irf.y = NULL;
  if (!rc) {
    tamap_fit_view v = {argv + first, nsets, maps, &s, &o, &res, scheme != NULL, das > 0, refit, tamap_mo.exclude};
    rc = emit_tamap_fit(&c, &v);
    gk_tamap_global_result_free(&res);
  }
  for (size_t d = 0; d < loaded; d++) gk_tamap_prepared_free(&maps[d]);
  return rc;
}

cli_qopt tamap_q_fit[] = {
  CLI_OPT_GROUP("Model (exactly one)"),
  CLI_OPT_NUM("das", "N", QO_POS, &FIT.das, NULL, "N parallel decays (decay-associated spectra)"),
  CLI_OPT_NUM("sequential", "N", QO_POS, &FIT.seq, NULL, "A -> B -> ... (evolution-associated spectra)"),
  CLI_OPT_STRQ("tau", "T1,T2,...", "s", &FIT.tau, "1, 10, 100 ps ...", "starting lifetimes for --das/--sequential"),
  CLI_OPT_STRING("scheme", "TEXT|FILE.yaml", &FIT.scheme, NULL,
                 "target model \"XX->X:40ps, X->0:3ns, H->X:0.4ps\": FROM->TO:RATE, RATE a rate (0.025/ps, "
                 "2.5e10) or a lifetime (40ps); '!' after it fixes it; 0 or GS is the ground state; branching = "
                 "two transitions. Or the same as a YAML file (docs/tamap.md): transitions: - {from: XX, to: X, "
                 "lifetime: 40ps[, fixed: true]} (or rate: 2.5e10), initial: {XX: 1, X: 0.3} or a list of such "
                 "mappings, one per map"),
  CLI_OPT_STRING("init", "A=1,XX=0.3", &FIT.init, "1 in the first species",
                 "initial populations of the scheme; one set per map separated by '/' (\"H=1,XX=0.1/H=1,XX=0.6\")"),
  CLI_OPT_GROUP("Instrument response and time zero"),
  CLI_OPT_QTY("irf-fwhm", "T", "s", QO_NONNEG, &FIT.fwhm, "100 fs", "Gaussian IRF FWHM, start value (0: no IRF)"),
  CLI_OPT_FLAG("fix-irf", NULL, "hold the FWHM"),
  CLI_OPT_FLAG("irf-per-set", NULL, "one FWHM per map"),
  CLI_OPT_STRING("irf", "FILE", &FIT.irf, NULL,
                 "measured IRF instead (time, response; its centroid is t0), convolved with every decay"),
  CLI_OPT_STRING("time-unit", "U", &FIT.tunit, NULL, "time unit of the --irf file when its header has none"),
  CLI_OPT_STRQ("t0", "T[,T2...]", "s", &FIT.t0, "0", "time zero start, one or one per map"),
  CLI_OPT_FLAG("fix-t0", NULL, "hold time zero"),
  CLI_OPT_NUM("dispersion", "N", QO_NONNEG, &FIT.disp, "0",
              "fit a wavelength-dependent IRF shift, polynomial of order N (1..3)"),
  CLI_OPT_GROUP("Fit"),
  CLI_OPT_FLAG("nnls", NULL, "non-negative spectra (Lawson-Hanson) per map and wavelength"),
  CLI_OPT_FLAG("profile", NULL,
               "profile-likelihood 68 % intervals of the rates (each held in turn, the rest refitted, until chi2 "
               "rises by chi2/dof); a rate whose interval reaches 0 is reported as a limit (lifetime >= ...)"),
  MAP_QOPTS,
};
