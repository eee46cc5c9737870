/* gainkit trpl — PL decays at several fluences fitted globally with the
 * ABC recombination model (gainkit/trpl.h): the options, gk_trpl_read,
 * gk_trpl_fit (or gk_trpl_charging_run) and the output (cli/emit_trpl.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/carriers.h"
#include "gainkit/kinetics.h"
#include "gainkit/trpl.h"
#include "emit_trpl.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* The decays (or the charging file): notes on the time axis are warned
 * (with the flag that fixes a --time-unit), errors printed. */
static int read_decays(const char *path, const gk_trpl_read_options *ro, gk_trpl_table *tb)
{
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_trpl_read(path, ro, tb, &e);
  cli_notes_warn(&tb->notes, tb->unit_from_option ? "another --time-unit" : NULL);
  if (rc) {
    gk_trpl_table_free(tb);
    return cli_error(&e);
  }
  return 0;
}

/* --charging T1:T2: the degree of charging <n_e> from the PL of a neutral
 * and a charged sample (FILE: time, PL neutral, PL charged) */
static int run_charging(cli_common *c, const char *path, const char *tunit, const double *tail)
{
  gk_error e;
  gk_error_clear(&e);
  gk_trpl_table tb;
  const gk_trpl_read_options ro = {.time_unit = tunit};
  int rc = read_decays(path, &ro, &tb);
  if (rc) return rc;
  gk_trpl_charging ch;
  if (gk_trpl_charging_run(tb.t, tb.pl, tb.pl + tb.n, tb.n, tail[0], tail[1], &ch, &e) != GK_OK) {
    gk_trpl_table_free(&tb);
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
    if (e.code == GK_EUSAGE) return CLI_QFAIL("charging", "%s", e.msg);
    return cli_error(&e);
  }
  rc = trpl_emit_charging(c, path, tail, &tb, &ch);
  gk_trpl_table_free(&tb);
  return rc;
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
  gk_trpl_table tb;
  const gk_trpl_read_options ro = {.time_unit = tunit, .ndecay = nl, .what = n0_s ? "densities" : "fluences",
                                   .allow_negative_time = has_irf};
  int rc = read_decays(path, &ro, &tb);
  if (rc) return rc;
  gk_trpl_data dd = {tb.n, tb.t, tb.ndecay, tb.pl, n0};
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
      gk_trpl_table_free(&tb);
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
    gk_trpl_table_free(&tb);
    return cli_error(&e);
  }
  /* lifetime method of Tatarinov et al. (needs increasing N0) */
  double taus[GK_TRPL_MAX_DECAYS], npeak = NAN;
  int have_tau = 1;
  for (size_t d = 1; d < nl; d++)
    if (!(n0[d] > n0[d - 1])) have_tau = 0;
  if (have_tau && gk_trpl_lifetimes(&dd, taus, &npeak, NULL) != GK_OK) have_tau = 0;
  rc = trpl_emit_fit(&c, path, irf_s, &tb, n0, &o, &r, taus, npeak, have_tau);
  gk_trpl_result_free(&r);
  gk_trpl_table_free(&tb);
  return rc;
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
