/* gainkit trpl — PL decays at several fluences fitted globally with the
 * ABC recombination model (gainkit/trpl.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/carriers.h"
#include "gainkit/kinetics.h"
#include "gainkit/trpl.h"
#include "gainkit/units.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* factor of the time column to s: the unit in the header, else --time-unit
 * (the unit of a time column whose header carries none) */
static int time_factor(const char *path, const gk_table *tb, const char *tunit, double *tf, gk_error *e)
{
  char name[64], unit[64] = "";
  if (tb->has_header) gk_header_split(tb->raw[0], name, sizeof name, unit, sizeof unit);
  if (!unit[0] && tunit) snprintf(unit, sizeof unit, "%s", tunit);
  long line = tb->has_header ? tb->header_line : tb->line[0];
  if (!unit[0])
    return gk_error_set(e, GK_EINPUT, path, line, "no time unit: name it in the header (\"t (ns)\") or give --time-unit");
  if (gk_unit_factor(unit, "s", tf, e) != GK_OK)
    return gk_error_set(e, GK_EINPUT, path, line, "time unit '%s' is not a time", unit);
  return GK_OK;
}

/* --charging T1:T2: the degree of charging <n_e> from the PL of a neutral
 * and a charged sample (FILE: time, PL neutral, PL charged) */
static int run_charging(cli_common *c, const char *path, const char *tunit, const double *tail)
{
  gk_error e;
  gk_error_clear(&e);
  gk_table tb;
  gk_read_options ro = {0};
  ro.min_rows = 4;
  if (gk_table_read(path, &ro, &tb, &e) != GK_OK) return cli_error(&e);
  if (tb.ncols != 3) {
    gk_error_set(&e, GK_EINPUT, path, tb.has_header ? tb.header_line : tb.line[0],
                 "%zu columns: --charging reads three (time, PL of the neutral sample, PL of the charged one)", tb.ncols);
    gk_table_free(&tb);
    return cli_error(&e);
  }
  double tf;
  if (time_factor(path, &tb, tunit, &tf, &e) != GK_OK) {
    gk_table_free(&tb);
    return cli_error(&e);
  }
  size_t n = tb.nrows;
  double *t = malloc(n * sizeof *t), *pn = malloc(n * sizeof *pn), *pc = malloc(n * sizeof *pc);
  if (!t || !pn || !pc) { free(t); free(pn); free(pc); gk_table_free(&tb); return CLI_FAILED; }
  for (size_t r = 0; r < n; r++) {
    t[r] = tb.v[r * 3] * tf;
    pn[r] = tb.v[r * 3 + 1];
    pc[r] = tb.v[r * 3 + 2];
    if (r && !(t[r] > t[r - 1])) {
      gk_error_set(&e, GK_EINPUT, path, tb.line[r], "times must increase");
      free(t); free(pn); free(pc); gk_table_free(&tb);
      return cli_error(&e);
    }
  }
  gk_table_free(&tb);
  gk_trpl_charging ch;
  if (gk_trpl_charging_run(t, pn, pc, n, tail[0], tail[1], &ch, &e) != GK_OK) {
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
    if (e.code == GK_EUSAGE) { free(t); free(pn); free(pc); return CLI_QFAIL("charging", "%s", e.msg); }
    free(t); free(pn); free(pc);
    return cli_error(&e);
  }
  cli_result res;
  cli_result_init(&res, "trpl");
  cJSON_AddStringToObject(res.j, "file", path);
  cJSON_AddStringToObject(res.j, "analysis", "charging");
  double tw[2] = {tail[0], tail[1]};
  gk_json_array(res.j, "tail_window_s", tw, 2);
  gk_json_num(res.j, "zero_delay_s", ch.t0);
  gk_json_value_se(res.j, "scale", ch.scale, ch.scale_se);
  gk_json_value_se(res.j, "q0", ch.q0, ch.q0_se);
  cli_printf(&res.b, "Degree of charging from PL dynamics (Ahn et al., Chem. Rev. 2023, Fig. 13b):\n"
                     "  neutral PL scaled onto the charged sample's tail (%g .. %g ns, %zu points)\n",
             tail[0] * 1e9, tail[1] * 1e9, ch.ntail);
  cli_print_value(&res.b, "scale", ch.scale, ch.scale_se, "");
  cli_print_value(&res.b, "q(0)", ch.q0, ch.q0_se, "(uncharged fraction at zero delay)");
  int status = CLI_OK;
  if (isfinite(ch.ne)) {
    gk_json_value_se(res.j, "n_e", ch.ne, ch.ne_se);
    cli_print_value(&res.b, "<n_e>", ch.ne, ch.ne_se, "= -ln q(0) (Poisson-distributed electrons)");
  } else {
    cJSON_AddNullToObject(res.j, "n_e");
    cJSON_AddStringToObject(res.j, "n_e_note", "q(0) >= 1: no charged dots seen");
    cli_printf(&res.b, "  %-12s not determined: q(0) >= 1 (no charged dots seen)\n", "<n_e>");
    status = CLI_FAILED;
  }
  static const char *hdr[] = {"time (s)", "PL neutral", "PL charged", "scaled neutral"};
  gk_csv_init(&res.csv, 4, hdr);
  res.has_csv = 1;
  for (size_t r = 0; r < n; r++) gk_csv_add_row(&res.csv, (double[]){t[r], pn[r], pc[r], ch.scale * pn[r]});
  int rc = 0;
  if (c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 800, 560, cli_basename(path));
    gk_panel *p = gk_figure_panel(f, 0);
    gk_panel_labels(p, "time t (ns)", "PL (a.u.)", "neutral PL scaled onto the charged sample's tail");
    gk_panel_log(p, 0, 1);
    double *tn = malloc(n * sizeof *tn), *sn = malloc(n * sizeof *sn);
    if (tn && sn) {
      for (size_t r = 0; r < n; r++) { tn[r] = t[r] * 1e9; sn[r] = ch.scale * pn[r]; }
      gk_panel_add(p, tn, pc, NULL, n, GK_STYLE_POINTS, 0, "charged");
      gk_panel_add(p, tn, pn, NULL, n, GK_STYLE_POINTS, 1, "neutral");
      gk_panel_add(p, tn, sn, NULL, n, GK_STYLE_LINE, GK_BLACK, "neutral, scaled");
    }
    free(tn);
    free(sn);
    rc = cli_save_figure(c, f);
  }
  free(t); free(pn); free(pc);
  if (rc) { cli_result_free(&res); return rc; }
  return cli_result_finish(c, &res, status);
}

/* ---- options (declarative: --help is generated from this table) ---- */
static const char *n0_s, *fl_s, *tunit, *model_s, *irf_s;
static double absorb, thick, hnu, k1, k2, k3, kt, kd, ntr, fwhm, t0;
static double tail[2] = {NAN, NAN};

static cli_qopt opts[] = {
  CLI_OPT_GROUP("Initial densities"),
  CLI_OPT_STRING("n0", "LIST", &n0_s, NULL, "initial densities (cm^-3), one per PL column"),
  CLI_OPT_STRING("fluence", "LIST", &fl_s, NULL,
                 "pump fluences (J/cm2; uJ/cm2 suffix accepted), with --absorptance, --thickness and "
                 "--photon-energy: N0 = F A/(h nu d)"),
  CLI_OPT_QTY("absorptance", "A", NULL, QO_FRACTION, &absorb, NULL, "fraction of the pump absorbed (0..1]"),
  CLI_OPT_QTY("thickness", "d", "cm", QO_POS, &thick, NULL, "film thickness"),
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &hnu, NULL, "pump photon energy"),
  CLI_OPT_STRING("time-unit", "U", &tunit, NULL, "unit of the time column (and of an --irf file) when the header names none"),
  CLI_OPT_GROUP("Model"),
  CLI_OPT_STRING("model", "abc|trap", &model_s, "abc", "recombination model"),
  CLI_OPT_QTY("k1", "K", "1/s", QO_NONNEG, &k1, "automatic", "start of k1"),
  CLI_OPT_QTY("k2", "K", "cm3/s", QO_NONNEG, &k2, "automatic", "start of k2"),
  CLI_OPT_QTY("k3", "K", "cm6/s", QO_NONNEG, &k3, "automatic", "start of k3"),
  CLI_OPT_FLAG("fix-k1", NULL, "hold k1 at --k1 (e.g. from a low-fluence mono-exponential tail)"),
  CLI_OPT_FLAG("fix-k3", NULL, "hold k3 at --k3 (0 when --k3 is not given: no Auger term)"),
  CLI_OPT_QTY("kt", "K", "cm3/s", QO_NONNEG, &kt, "from the data", "trap model: start of the trapping constant kT"),
  CLI_OPT_QTY("kd", "K", "cm3/s", QO_NONNEG, &kd, "from the data", "trap model: start of the detrapping constant kD"),
  CLI_OPT_QTY("nt", "N", "cm^-3", QO_POS, &ntr, "from the data", "trap model: start of the trap density NT"),
  CLI_OPT_FLAG("fix-kd", NULL, "hold kD at --kd (0 when --kd is not given)"),
  CLI_OPT_FLAG("shared-scale", NULL, "one PL scale for all decays (absolute intensities comparable)"),
  CLI_OPT_GROUP("Instrument response"),
  CLI_OPT_QTY("irf-fwhm", "T", "s", QO_POS, &fwhm, NULL, "convolve with a Gaussian IRF of this FWHM (a start value, fitted unless --fix-irf)"),
  CLI_OPT_STRING("irf", "FILE", &irf_s, NULL,
                 "or with a measured IRF (time, response; unit in the header or --time-unit; its centroid is "
                 "t0); earlier times may then be fitted"),
  CLI_OPT_QTY("t0", "T", "s", QO_ANY, &t0, "the steepest rise", "excitation time, start"),
  CLI_OPT_FLAG("fix-t0", NULL, "hold t0 at --t0"),
  CLI_OPT_FLAG("fix-irf", NULL, "hold the Gaussian FWHM"),
  CLI_OPT_GROUP("Intervals and other analyses"),
  CLI_OPT_FLAG("profile", NULL, "profile-likelihood 68 % intervals of the free rates (and NT)"),
  CLI_OPT_RANGE("charging", "s", tail, NULL,
                "instead of a fit: the degree of charging of nanocrystals from the PL of a neutral and a "
                "charged sample (FILE: time, PL neutral, PL charged). The neutral PL is scaled onto the "
                "charged one over the tail FROM..TO, e.g. 20ns:80ns (only neutral dots emit there); at zero delay (the charged "
                "PL maximum) the ratio is the uncharged fraction q(0), and <n_e> = -ln q(0) for "
                "Poisson-distributed electrons (Ahn et al., Chem. Rev. 2023, Fig. 13b)"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "trpl"};
  CLI_RESET(n0_s), CLI_RESET(fl_s), CLI_RESET(tunit), CLI_RESET(model_s), CLI_RESET(irf_s);
  CLI_RESET(absorb), CLI_RESET(thick), CLI_RESET(hnu), CLI_RESET(k1), CLI_RESET(k2), CLI_RESET(k3);
  CLI_RESET(kt), CLI_RESET(kd), CLI_RESET(ntr), CLI_RESET(fwhm), CLI_RESET(t0), CLI_RESET(tail);
  int first;
  if (cli_qopt_parse(&c, argc, argv, opts, NQ(opts), &first) < 0) return CLI_USAGE;
  if (first >= argc) return cli_usage(c.cmd, "give a FILE of PL decays");
  if (first + 1 < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first + 1]);
  if (cli_qopt_find(opts, NQ(opts), "charging")->seen) {
    for (size_t i = 0; i < NQ(opts); i++)
      if (opts[i].seen && strcmp(opts[i].name, "charging") != 0 && strcmp(opts[i].name, "time-unit") != 0)
        return CLI_QFAIL(opts[i].name, "does not go with --charging");
    return run_charging(&c, argv[first], tunit, tail);
  }
  if ((n0_s != NULL) == (fl_s != NULL)) return cli_usage(c.cmd, "give either --n0 or --fluence (with --absorptance, --thickness, --photon-energy)");
  if (fl_s) {
    static const char *const req[] = {"absorptance", "thickness", "photon-energy"};
    for (size_t i = 0; i < NQ(req); i++)
      if (cli_qopt_require(&c, opts, NQ(opts), req[i]) < 0) return CLI_USAGE;
  }
  int fix1 = cli_qopt_find(opts, NQ(opts), "fix-k1")->seen, fix3 = cli_qopt_find(opts, NQ(opts), "fix-k3")->seen;
  gk_trpl_model model = GK_TRPL_ABC;
  if (model_s && strcmp(model_s, "abc") == 0) model = GK_TRPL_ABC;
  else if (model_s && strcmp(model_s, "trap") == 0) model = GK_TRPL_TRAP;
  else if (model_s) return CLI_QFAIL("model", "'%s' is not abc or trap", model_s);
  if (model == GK_TRPL_TRAP) {
    static const char *const abc_only[] = {"k1", "k3", "fix-k1", "fix-k3"};
    for (size_t i = 0; i < NQ(abc_only); i++)
      if (cli_qopt_find(opts, NQ(opts), abc_only[i])->seen) return CLI_QFAIL(abc_only[i], "goes with --model abc");
  } else {
    static const char *const trap_only[] = {"kt", "kd", "nt", "fix-kd"};
    for (size_t i = 0; i < NQ(trap_only); i++)
      if (cli_qopt_find(opts, NQ(opts), trap_only[i])->seen) return CLI_QFAIL(trap_only[i], "goes with --model trap");
  }
  int fixkd = cli_qopt_find(opts, NQ(opts), "fix-kd")->seen;
  if (fwhm > 0 && irf_s) return CLI_QFAIL("irf", "give either --irf FILE (measured) or --irf-fwhm (Gaussian)");
  int has_irf = fwhm > 0 || irf_s;
  if (!has_irf) {
    static const char *const irf_only[] = {"t0", "fix-t0", "fix-irf"};
    for (size_t i = 0; i < NQ(irf_only); i++)
      if (cli_qopt_find(opts, NQ(opts), irf_only[i])->seen) return CLI_QFAIL(irf_only[i], "goes with --irf-fwhm or --irf");
  }
  if (cli_qopt_find(opts, NQ(opts), "fix-irf")->seen && !(fwhm > 0)) return CLI_QFAIL("fix-irf", "goes with --irf-fwhm");
  if (cli_qopt_find(opts, NQ(opts), "fix-t0")->seen && !cli_qopt_find(opts, NQ(opts), "t0")->seen)
    return CLI_QFAIL("fix-t0", "needs --t0 (the value to hold)");
  if (fix1 && !cli_qopt_find(opts, NQ(opts), "k1")->seen) return CLI_QFAIL("fix-k1", "needs --k1 (the value to hold)");
  if (fix3 && !cli_qopt_find(opts, NQ(opts), "k3")->seen) k3 = 0;   /* --fix-k3 alone: no Auger */
  double *lst;
  size_t nl;
  if (cli_list(n0_s ? "--n0" : "--fluence", n0_s ? n0_s : fl_s, n0_s ? "cm^-3" : "J/cm2", &lst, &nl) < 0)
    return CLI_USAGE;
  for (size_t i = 0; i < nl; i++)
    if (!(lst[i] > 0)) { free(lst); return CLI_QFAIL(n0_s ? "n0" : "fluence", "values must be > 0"); }
  if (nl > GK_TRPL_MAX_DECAYS) { free(lst); return CLI_QFAIL(n0_s ? "n0" : "fluence", "at most %d decays", GK_TRPL_MAX_DECAYS); }
  double n0[GK_TRPL_MAX_DECAYS];
  for (size_t i = 0; i < nl; i++) n0[i] = n0_s ? lst[i] : gk_pulse_density(lst[i], absorb, hnu, thick);
  free(lst);
  const char *path = argv[first];
  gk_error e;
  gk_error_clear(&e);
  gk_table tb;
  gk_read_options ro = {0};
  ro.min_rows = 4;
  if (gk_table_read(path, &ro, &tb, &e) != GK_OK) return cli_error(&e);
  if (tb.ncols - 1 != nl) {
    gk_error_set(&e, GK_EINPUT, path, tb.has_header ? tb.header_line : tb.line[0],
                 "%zu PL columns but %zu %s given", tb.ncols - 1, nl, n0_s ? "densities" : "fluences");
    gk_table_free(&tb);
    return cli_error(&e);
  }
  double tf;
  if (time_factor(path, &tb, tunit, &tf, &e) != GK_OK) {
    gk_table_free(&tb);
    return cli_error(&e);
  }
  size_t n = tb.nrows, nd = nl;
  double *t = malloc(n * sizeof *t), *pl = malloc(n * nd * sizeof *pl);
  if (!t || !pl) { free(t); free(pl); gk_table_free(&tb); return CLI_FAILED; }
  for (size_t r = 0; r < n; r++) {
    t[r] = tb.v[r * tb.ncols] * tf;
    if ((!has_irf && !(t[r] >= 0)) || (r && !(t[r] > t[r - 1]))) {
      gk_error_set(&e, GK_EINPUT, path, tb.line[r], has_irf ? "times must increase"
                   : "times must be >= 0 (the decay starts at t = 0; with --irf-fwhm or --irf earlier points are fitted) and increasing");
      free(t); free(pl); gk_table_free(&tb);
      return cli_error(&e);
    }
    for (size_t d = 0; d < nd; d++) pl[d * n + r] = tb.v[r * tb.ncols + 1 + d];
  }
  gk_trpl_data dd = {n, t, nd, pl, n0};
  gk_trpl_options o;
  gk_trpl_options_default(&o);
  o.model = model;
  o.k1 = k1;
  o.k2 = k2;
  o.k3 = k3;
  o.fix_k1 = fix1;
  o.fix_k3 = fix3;
  o.kt = kt;
  o.kd = kd;
  o.nt = ntr;
  o.fix_kd = fixkd;
  o.shared_scale = cli_qopt_find(opts, NQ(opts), "shared-scale")->seen;
  o.profile = cli_qopt_find(opts, NQ(opts), "profile")->seen;
  gk_kin_prepared irfp;
  memset(&irfp, 0, sizeof irfp);
  if (fwhm > 0) {
    o.irf = GK_TRPL_IRF_GAUSS;
    o.fwhm = fwhm;
    o.fix_fwhm = cli_qopt_find(opts, NQ(opts), "fix-irf")->seen;
  } else if (irf_s) {
    o.irf = GK_TRPL_IRF_MEASURED;
    /* the library's IRF reader (gainkit kinetics and tamap fit use it too) */
    if (gk_kin_irf_read(irf_s, tunit, &irfp, &e) != GK_OK) {
      gk_kin_prepared_free(&irfp);
      free(t); free(pl); gk_table_free(&tb);
      if (strstr(e.msg, "no time unit")) strncat(e.msg, " (--time-unit)", sizeof e.msg - strlen(e.msg) - 1);
      return cli_error(&e);
    }
    o.irf_t = irfp.t;
    o.irf_y = irfp.y;
    o.irf_n = irfp.d.n;
  }
  o.t0 = t0;
  o.fix_t0 = cli_qopt_find(opts, NQ(opts), "fix-t0")->seen;
  gk_trpl_result r;
  int frc = gk_trpl_fit(&dd, &o, &r, &e);
  gk_kin_prepared_free(&irfp);
  if (frc != GK_OK) {
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
    free(t); free(pl); gk_table_free(&tb);
    return cli_error(&e);
  }
  /* lifetime method of Tatarinov et al. (needs increasing N0) */
  double taus[GK_TRPL_MAX_DECAYS], npeak = NAN;
  int have_tau = 1;
  for (size_t d = 1; d < nd; d++)
    if (!(n0[d] > n0[d - 1])) have_tau = 0;
  if (have_tau && gk_trpl_lifetimes(&dd, taus, &npeak, NULL) != GK_OK) have_tau = 0;
  gk_abc abc = {r.k1, r.k2, r.k3};
  double qmax = NAN, nmax = NAN;
  if (model == GK_TRPL_ABC) gk_plqy_max(&abc, &qmax, &nmax);
  cli_result res;
  cli_result_init(&res, "trpl");
  cJSON_AddStringToObject(res.j, "file", path);
  cJSON_AddStringToObject(res.j, "model", model == GK_TRPL_ABC ? "abc" : "trap");
  /* a rate whose standard error is not finite or not smaller than the
   * rate is not determined by these decays: null, "not determined", exit 1;
   * with --profile also when the profile does not close within x1e4 */
  int det[GK_TRPL_NPAR] = {0}, undetermined = 0;
  for (int i = 0; i < GK_TRPL_NPAR; i++) {
    if (!r.used[i]) continue;
    det[i] = r.fixed[i] || (isfinite(r.se[i]) && r.se[i] > 0 && r.se[i] < r.val[i] &&
                            (!r.profiled || (isfinite(r.prof_lo[i]) && isfinite(r.prof_hi[i]))));
    undetermined += !det[i];
    if (det[i]) {
      cJSON *v = gk_json_value_se(res.j, gk_trpl_param_name(i), r.val[i], r.fixed[i] ? 0 : r.se[i]);
      if (r.profiled && !r.fixed[i]) {
        double iv[2] = {r.prof_lo[i], r.prof_hi[i]};
        gk_json_array(v, "profile_interval", iv, 2);
      }
    } else if (!r.fixed[i] && cli_bound_side(r.val[i], 0, INFINITY)) {
      /* a rate on its bound 0 (src/carriers/trpl.c: every rate >= 0) */
      cli_json_bounded(res.j, gk_trpl_param_name(i), gk_trpl_param_name(i), r.val[i], r.se[i], 0, INFINITY, 0, NULL);
    } else {
      cJSON_AddNullToObject(res.j, gk_trpl_param_name(i));
    }
  }
  if (o.irf != GK_TRPL_IRF_NONE) {
    cJSON *ij = cJSON_AddObjectToObject(res.j, "irf");
    cJSON_AddStringToObject(ij, "kind", o.irf == GK_TRPL_IRF_GAUSS ? "gaussian" : "measured");
    if (irf_s) cJSON_AddStringToObject(ij, "file", irf_s);
    gk_json_value_se(ij, "t0", r.t0, o.fix_t0 ? 0 : r.t0_se);
    if (o.irf == GK_TRPL_IRF_GAUSS) gk_json_value_se(ij, "fwhm", r.fwhm, o.fix_fwhm ? 0 : r.fwhm_se);
  }
  gk_json_array(res.j, "n0", n0, nd);
  double qy[GK_TRPL_MAX_DECAYS];
  for (size_t d = 0; d < nd; d++)
    qy[d] = model == GK_TRPL_ABC ? gk_plqy(&abc, n0[d]) : r.k2 * n0[d] / (r.k2 * n0[d] + r.kt * r.nt);
  if (!undetermined) {
    gk_json_array(res.j, "plqy_at_n0", qy, nd);
    if (model == GK_TRPL_ABC) {
      gk_json_num(res.j, "plqy_max", qmax);
      gk_json_num(res.j, "n_at_plqy_max", nmax);
    }
  }
  if (have_tau) {
    cJSON *lj = cJSON_AddObjectToObject(res.j, "lifetimes");
    gk_json_array(lj, "tau_1e", taus, nd);
    gk_json_num(lj, "n_at_longest", npeak);
    if (!isfinite(npeak))
      cJSON_AddStringToObject(lj, "reason", "the longest lifetime is at the lowest or highest N0 (no turnover)");
  }
  gk_json_num(res.j, "chi2_red", r.chi2_red);
  cJSON_AddBoolToObject(res.j, "converged", r.converged);
  if (model == GK_TRPL_ABC)
    cli_printf(&res.b, "Global ABC fit of %zu PL decays: dN/dt = -k1 N - k2 N^2 - k3 N^3, PL ~ k2 N^2\n", nd);
  else
    cli_printf(&res.b, "Global trap-assisted fit of %zu PL decays (Stranks et al. 2014):\n"
                       "  dn_e/dt = -k2 n_e n_h - kT n_e (NT - n_t), dn_t/dt = kT n_e (NT - n_t) - kD n_t n_h,\n"
                       "  n_h = n_e + n_t, PL ~ k2 n_e n_h\n", nd);
  cli_printf(&res.b, "  (residuals on log PL; PL scale %s", o.shared_scale ? "shared by all decays" : "free per decay");
  if (o.irf == GK_TRPL_IRF_GAUSS) cli_printf(&res.b, "; Gaussian IRF convolved");
  if (o.irf == GK_TRPL_IRF_MEASURED) cli_printf(&res.b, "; measured IRF %s convolved", irf_s);
  cli_printf(&res.b, ")\n");
  for (int i = 0; i < GK_TRPL_NPAR; i++) {
    if (!r.used[i]) continue;
    const char *nm = gk_trpl_param_name(i), *un = gk_trpl_param_unit(i);
    char u[48], opt[8];
    snprintf(u, sizeof u, "%s%s", un, r.fixed[i] ? " (fixed)" : "");
    snprintf(opt, sizeof opt, "%s", nm);
    for (char *p = opt; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    if (det[i]) cli_print_value(&res.b, nm, r.val[i], r.fixed[i] ? NAN : r.se[i], u);
    else if (!r.fixed[i] && cli_bound_side(r.val[i], 0, INFINITY)) cli_print_bounded(&res.b, nm, r.val[i], NAN, un, 0, INFINITY);
    else if (isfinite(r.se[i]) && i != 1)
      cli_printf(&res.b, "  %-12s not determined (%s +- %s %s; fix it with --%s/--fix-%s)\n", nm,
                 cli_fmt_num((char[32]){0}, 32, r.val[i], 2), cli_fmt_num((char[32]){0}, 32, r.se[i], 2), un, opt, opt);
    else cli_printf(&res.b, "  %-12s not determined by these decays\n", nm);
    if (r.profiled && !r.fixed[i])
      cli_printf(&res.b, "  %-12s profile-likelihood 68%% interval [%s, %s] %s\n", "",
                 isfinite(r.prof_lo[i]) ? cli_fmt_num((char[32]){0}, 32, r.prof_lo[i], 3) : "not bounded",
                 isfinite(r.prof_hi[i]) ? cli_fmt_num((char[32]){0}, 32, r.prof_hi[i], 3) : "not bounded", un);
  }
  if (o.irf != GK_TRPL_IRF_NONE) {
    cli_print_value(&res.b, "IRF t0", r.t0 * 1e9, o.fix_t0 ? NAN : r.t0_se * 1e9, o.fix_t0 ? "ns (fixed)" : "ns");
    if (o.irf == GK_TRPL_IRF_GAUSS)
      cli_print_value(&res.b, "IRF fwhm", r.fwhm * 1e12, o.fix_fwhm ? NAN : r.fwhm_se * 1e12, o.fix_fwhm ? "ps (fixed)" : "ps");
  }
  if (!undetermined && model == GK_TRPL_ABC) {
    cli_print_value(&res.b, "PLQY max", qmax, NAN, "");
    cli_print_value(&res.b, "at N", nmax, NAN, "cm^-3 (sqrt(k1/k3))");
  }
  if (!undetermined)
    cli_printf(&res.b, "  decay  N0 (cm^-3)    %s%s\n", model == GK_TRPL_ABC ? "PLQY(N0)" : "PLQY(t=0)",
               have_tau ? "    tau_1/e (ns)" : "");
  for (size_t d = 0; d < nd && !undetermined; d++) {
    cli_printf(&res.b, "  %-5zu", d + 1);
    cli_cell(&res.b, 12, n0[d]);
    cli_cell(&res.b, 12, qy[d]);
    if (have_tau) cli_cell(&res.b, 12, taus[d] * 1e9);
    cli_printf(&res.b, "\n");
  }
  if (have_tau && nd >= 3) {
    if (isfinite(npeak))
      cli_print_value(&res.b, "N at longest tau", npeak, NAN, "cm^-3 (trap density estimate, Tatarinov et al. 2023)");
    else
      cli_printf(&res.b, "  %-12s not determined (the longest 1/e lifetime is at the lowest or highest N0)\n",
                 "N at longest tau");
  }
  if (!r.converged) cli_printf(&res.b, "  NOT CONVERGED: %s\n", r.reason);
  const char **hdr = calloc(1 + 2 * nd, sizeof *hdr);
  char (*hb)[48] = calloc(1 + 2 * nd, sizeof *hb);
  if (hdr && hb) {
    hdr[0] = "t (s)";
    for (size_t d = 0; d < nd; d++) {
      snprintf(hb[1 + d], 48, "PL %.3g", n0[d]);
      snprintf(hb[1 + nd + d], 48, "fit %.3g", n0[d]);
      hdr[1 + d] = hb[1 + d];
      hdr[1 + nd + d] = hb[1 + nd + d];
    }
    gk_csv_init(&res.csv, 1 + 2 * nd, hdr);
    res.has_csv = 1;
    double row[1 + 2 * GK_TRPL_MAX_DECAYS];
    for (size_t i = 0; i < n; i++) {
      row[0] = t[i];
      for (size_t d = 0; d < nd; d++) { row[1 + d] = pl[d * n + i]; row[1 + nd + d] = r.fit[d * n + i]; }
      gk_csv_add_row(&res.csv, row);
    }
  }
  free(hdr);
  free(hb);
  int rc = 0;
  if (c.plot) {
    gk_figure *f = gk_figure_new(2, 1, 1400, 600, cli_basename(path));
    gk_panel *p = gk_figure_panel(f, 0), *p2 = gk_figure_panel(f, 1);
    gk_panel_labels(p, "time t (ns)", "PL (a.u.)", model == GK_TRPL_ABC ? "(a) decays and global ABC fit" : "(a) decays and global trap-assisted fit");
    gk_panel_log(p, 0, 1);
    double *tn = malloc(n * sizeof *tn);
    for (size_t i = 0; i < n && tn; i++) tn[i] = t[i] * 1e9;
    for (size_t d = 0; d < nd && tn; d++) {
      char lb[48];
      snprintf(lb, sizeof lb, "N_{0} = %.2g cm^-3", n0[d]);
      gk_panel_add(p, tn, pl + d * n, NULL, n, GK_STYLE_POINTS, (int)d, lb);
    }
    for (size_t d = 0; d < nd && tn; d++) gk_panel_add(p, tn, r.fit + d * n, NULL, n, GK_STYLE_LINE, GK_BLACK, NULL);
    free(tn);
    enum { M = 200 };
    double xs[M], ys[M];
    double lo = n0[0], hi = n0[0];
    for (size_t d = 0; d < nd; d++) { lo = fmin(lo, n0[d]); hi = fmax(hi, n0[d]); }
    lo /= 100;
    hi *= 10;
    for (int i = 0; i < M; i++) {
      xs[i] = lo * pow(hi / lo, (double)i / (M - 1));
      ys[i] = model == GK_TRPL_ABC ? gk_plqy(&abc, xs[i]) : r.k2 * xs[i] / (r.k2 * xs[i] + r.kt * r.nt);
      if (!isfinite(ys[i])) ys[i] = NAN;
    }
    gk_panel_labels(p2, "carrier density N (cm^-3)", "PLQY",
                    model == GK_TRPL_ABC ? "(b) PLQY(N) = k2 N/(k1 + k2 N + k3 N^2)"
                                         : "(b) PLQY at t = 0: k2 N/(k2 N + kT NT)");
    gk_panel_log(p2, 1, 0);
    gk_panel_add(p2, xs, ys, NULL, M, GK_STYLE_LINE, -1, NULL);
    gk_panel_add(p2, n0, qy, NULL, nd, GK_STYLE_POINTS, GK_VERMILLION, "N_{0} of the decays");
    rc = cli_save_figure(&c, f);
  }
  int status = r.converged && !undetermined ? CLI_OK : CLI_FAILED;
  gk_trpl_result_free(&r);
  free(t);
  free(pl);
  gk_table_free(&tb);
  if (rc) { cli_result_free(&res); return rc; }
  return cli_result_finish(&c, &res, status);
}

const struct cli_command cli_cmd_trpl = {
  .name = "trpl",
  .summary = "PL decays at several fluences: global ABC or trap-assisted fit (k1..k3, NT, PLQY)",
  .order = 62,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "FILE (--n0 N1,N2,... | --fluence F1,F2,... --absorptance A\n"
           "                    --thickness d --photon-energy E) [options]\n"
           "       gainkit trpl FILE --charging T1:T2 [--time-unit U]",
  .about =
    "Time-resolved PL at several excitation densities, fitted globally with\n"
    "  dN/dt = -k1 N - k2 N^2 - k3 N^3,  N(0) = N0,  PL ~ k2 N^2\n"
    "(Goldberg et al., Adv. Mater. 2024, Eq. 1-3; Tatarinov et al., Adv. Opt. Mater. 2023,\n"
    "Fig. 3). N0 is known in absolute units, so the decay shapes fix k1, k2 and k3; the PL\n"
    "scale (collection) is free per decay unless --shared-scale. Residuals are taken on log PL\n"
    "(the decays span decades). Reports PLQY(N) = k2 N/(k1 + k2 N + k3 N^2) and its maximum.\n"
    "Without an IRF the excitation is taken as short against the decay: t = 0 is the end of\n"
    "the pulse (the peak of the PL); points before it must be cut.\n\n"
    "--model trap: trap-assisted recombination through NT electron traps (Stranks et al.,\n"
    "Phys. Rev. Applied 2014; Tatarinov et al., Adv. Opt. Mater. 2023, Fig. 3b-d):\n"
    "  dn_e/dt = -k2 n_e n_h - kT n_e (NT - n_t),  dn_t/dt = kT n_e (NT - n_t) - kD n_t n_h,\n"
    "  n_h = n_e + n_t,  PL ~ k2 n_e n_h; fits k2, kT, kD and the trap density NT.\n"
    "Always reported: the 1/e lifetime of every decay and the N0 where it is longest (the\n"
    "trap density estimate of Tatarinov et al.; an estimate, the model fit measures NT).\n\n"
    "FILE: first column time (unit in the header, \"t (ns)\", or --time-unit), then one PL\n"
    "column per decay, in the order of --n0/--fluence. See docs/tamap.md.",
  .epilog =
    "Examples:\n"
    "  gainkit trpl examples/tamap/trpl.csv --n0 1e17,5e17,2e18,8e18 --plot trpl.svg\n"
    "  gainkit trpl examples/tamap/trpl.csv --fluence 0.621uJ/cm2,3.10uJ/cm2,12.4uJ/cm2,49.7uJ/cm2 --absorptance 0.8 --thickness 100nm --photon-energy 3.1eV\n"
    "  gainkit trpl examples/tamap/trpl_trap.csv --n0 1e17,5e17,1e18,2e18,4e18,8e18,1.6e19,3.2e19 --model trap\n"
    "  gainkit trpl examples/tamap/trpl_irfm.csv --n0 1e17,1e18,5e18 --irf examples/tamap/irf.csv\n"
    "  gainkit trpl examples/tamap/trpl_charging.csv --charging 20ns:80ns",
  .run = run,
};
