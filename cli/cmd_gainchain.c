/* gainkit gain-chain — a fluence series of VSL scans -> g(F) with errors ->
 * N(F) -> G(N) = Gamma sigma (N - N_th)/(1 + N/N_s) with Gamma from the mode
 * solver (Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1-2, Table 1,
 * Fig. 3a): the options, the library's fluences, density and chain
 * (gainkit/fluence.h), and the output (cli/emit_gainchain.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"
#include "gainkit/vsl.h"
#include "emit_gainchain.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* ---- options (declarative: --help is generated from this table) ---- */
static double pump_wl = 400, emis_wl = NAN, gamma_in = NAN, absorbed = NAN, thick = NAN, lp = NAN;
static const char *flist, *side, *stackf, *pol, *model, *density;
static cli_qopt q[] = {
  CLI_OPT_GROUP("Fluences (peak incident, uJ/cm2 as `gainkit fluence` reports them; default: from the file names,\n"
                "a number with uJ/mJ/nJ: vsl-F120uJcm2.csv)"),
  CLI_OPT_STRING("fluences", "F1,F2,...", &flist, NULL, "in the order of the files (uJ/cm2; units accepted)"),
  CLI_OPT_STRING("sidecar", "FILE", &side, NULL, "lines 'file,fluence' (header 'file,fluence (mJ/cm2)' sets the unit)"),
  CLI_OPT_GROUP("Density and Gamma"),
  CLI_OPT_STRING("stack", "FILE", &stackf, NULL,
                 "the stack (YAML, as for `modes`): pump absorption of the active layer by the transfer matrix "
                 "at --pump-wavelength, Gamma of TE0 (--pol tm: TM0) at --emission-wavelength"),
  CLI_OPT_QTY("pump-wavelength", "nm", "nm", QO_POS, &pump_wl, "400", "pump wavelength"),
  CLI_OPT_QTY("emission-wavelength", "nm", "nm", QO_POS, &emis_wl, "the stack's wavelength_nm", "emission wavelength"),
  CLI_OPT_STRING("pol", "te|tm", &pol, "te", "the guided mode's polarisation"),
  CLI_OPT_STRING("density", "mean|mode", &density, "mean", "thickness average or weighted by the mode's |E|^2"),
  CLI_OPT_NUM("gamma", "G", QO_FRACTION, &gamma_in, NULL, "confinement factor, without a stack"),
  CLI_OPT_QTY("thickness", "d", "nm", QO_POS, &thick, NULL, "film thickness, without a stack"),
  CLI_OPT_NUM("absorbed", "A", QO_FRACTION, &absorbed, NULL, "absorbed fraction, without a stack"),
  CLI_OPT_QTY("lp", "l", "nm", QO_POS, &lp, NULL, "1/e^2 penetration depth (Beer-Lambert), without a stack"),
  CLI_OPT_GROUP("VSL fits"),
  CLI_OPT_STRING("model", "M", &model, "vsl1", "VSL model for each scan (see gainkit vsl)"),
  CLI_OPT_FLAG("small-signal", NULL,
               "vsl1 only on the stripes where it holds (chi^2 test on the shortest stripes, p >= 0.01; needs "
               "a sigma column)"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "gain-chain"};
  CLI_RESET(pump_wl), CLI_RESET(emis_wl), CLI_RESET(gamma_in), CLI_RESET(absorbed), CLI_RESET(thick);
  CLI_RESET(lp), CLI_RESET(flist), CLI_RESET(side), CLI_RESET(stackf), CLI_RESET(pol), CLI_RESET(model);
  CLI_RESET(density);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  size_t n = (size_t)(argc - first);
  if (n < 4) return cli_usage(c.cmd, "give at least 4 VSL files (one per fluence)");
  char **files = argv + first;
  if (flist && side) return cli_usage(c.cmd, "give either --fluences or --sidecar");
  int tm = 0;
  if (pol) {
    if (!strcmp(pol, "tm")) tm = 1;
    else if (strcmp(pol, "te")) return CLI_QFAIL("pol", "te or tm (got '%s')", pol);
  }
  int use_mode = 0;
  if (density) {
    if (!strcmp(density, "mode")) use_mode = 1;
    else if (strcmp(density, "mean")) return CLI_QFAIL("density", "mean or mode (got '%s')", density);
  }
  int small = cli_qopt_find(q, NQ(q), "small-signal")->seen;
  gk_vsl_model vm = GK_VSL_VSL1;
  if (model) {
    int m = gk_vsl_model_from_name(model);
    if (m < 0) return CLI_QFAIL("model", "unknown VSL model '%s'", model);
    vm = (gk_vsl_model)m;
    if (small && vm != GK_VSL_VSL1) return CLI_QFAIL("small-signal", "uses vsl1 on the small-signal range: drop --model");
  }
  /* where N and Gamma come from */
  int have_stack = stackf != NULL;
#define SEEN(nm) (cli_qopt_find(q, NQ(q), nm)->seen)
  if (have_stack && (SEEN("gamma") || SEEN("absorbed") || SEEN("lp")))
    return cli_usage(c.cmd, "--stack gives Gamma and the absorption: drop --gamma, --absorbed and --lp");
  if (!have_stack) {
    if (!SEEN("gamma")) return cli_usage(c.cmd, "give --stack (Gamma from the mode solver) or --gamma");
    if (!SEEN("thickness")) return cli_usage(c.cmd, "without --stack, give --thickness of the active layer");
    if (SEEN("absorbed") == SEEN("lp")) return cli_usage(c.cmd, "without --stack, give --absorbed or --lp");
    if (use_mode) return CLI_QFAIL("density", "mode needs --stack");
  } else if (!SEEN("emission-wavelength")) {
    emis_wl = NAN; /* the stack's wavelength_nm below */
  }
  double *F = calloc(n, sizeof *F);
  gk_chain_point *pt = calloc(n, sizeof *pt);
  if (!F || !pt) { free(F), free(pt); return cli_usage(c.cmd, "out of memory"); }
  gk_error e;
  gk_error_clear(&e);
  int rc = 0;
  if (flist) {
    double *v = NULL;
    size_t nv = 0;
    if (cli_list("--fluences", flist, "uJ/cm2", &v, &nv) < 0) { free(F), free(pt); return CLI_USAGE; }
    if (nv != n) { free(v), free(F), free(pt); return CLI_QFAIL("fluences", "%zu values for %zu files", nv, n); }
    for (size_t i = 0; i < n; i++) {
      if (!(v[i] > 0)) { free(v), free(F), free(pt); return CLI_QFAIL("fluences", "must be > 0"); }
      F[i] = v[i] * 1e-6;
    }
    free(v);
  } else if (side) rc = gk_chain_sidecar_read(side, (const char *const *)files, n, F, &e);
  else if (gk_chain_fluences_from_names((const char *const *)files, n, F, &e)) {
    free(F), free(pt);
    return cli_lib_error(c.cmd, &e);
  }
  /* ---- N per fluence and Gamma ---- */
  gk_chain_density_options dopt;
  gk_chain_density_options_default(&dopt);
  dopt.stack = stackf;
  dopt.pump_wavelength = pump_wl;
  dopt.emission_wavelength = emis_wl;
  dopt.tm = tm;
  dopt.mode_weighted = use_mode;
  dopt.gamma = gamma_in;
  dopt.thickness = thick;
  dopt.absorbed = SEEN("lp") ? NAN : absorbed;
  dopt.lp = SEEN("lp") ? lp : NAN;
  gk_chain_density dens;
  if (!rc) rc = gk_chain_density_compute(&dopt, &dens, &e);
  /* ---- one VSL fit per file, the G(N) fit ---- */
  gk_chain_result cr;
  gk_notes notes = {0};
  if (!rc) {
    rc = gk_chain_run((const char *const *)files, n, F, &dens, (int)vm, small, pt, &cr, &notes, &e);
    cli_notes_warn(&notes, NULL);
    gk_notes_free(&notes);
  }
  free(F);
  if (rc) {
    free(pt);
    return cli_error(&e);
  }
  rc = gainchain_emit(&c, gk_vsl_model_name(vm), &dens, pt, n, &cr);
  gk_chain_free(&cr);
  free(pt);
  return rc;
}

const struct cli_command cli_cmd_gainchain = {
  .name = "gain-chain",
  .summary = "fluence series of VSL scans -> g(F) -> N(F) -> G(N) fit (sigma, N_th, N_s)",
  .order = 16,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "VSL1.csv VSL2.csv ... [--fluences F1,F2,... | --sidecar FILE]\n"
           "                          (--stack FILE | --gamma G --thickness d (--absorbed A | --lp l))",
  .about =
    "The measurement chain of Tatarinov et al., Adv. Opt. Mater. 2023 (Fig. 3a,\n"
    "Table 1): every VSL scan (one per pump fluence) is fitted (vsl1 by default),\n"
    "giving the modal gain g(F) with its error; the fluence becomes a carrier\n"
    "density N = c_N F (one pair per absorbed pump photon, c_N = absorbed /\n"
    "(h nu d)); the saturating law G = Gamma sigma (N - N_th)/(1 + N/N_s) is\n"
    "fitted with Gamma held at the mode solver's confinement.",
  .epilog =
    "Per scan also: L_th, the threshold length (g L = 1.2564: amplified emission\n"
    "equals the unamplified A L), and L_ss, the longest stripe up to which vsl1\n"
    "passes the chi^2 test (p >= 0.001, the range ending where two successive\n"
    "stripes fail; \"not reached\" when every stripe passes; JSON also\n"
    "l_saturation_model: the sat fit's length where I = Is).\n"
    "Text and JSON: the g(F), N table and sigma, N_th, F_th, N_s with errors (N_s\n"
    "\"not determined\" when the data show no saturation). -o FILE.csv writes the\n"
    "table with the fitted curve; --plot draws G versus N (Fig. 3a of the paper).\n"
    "Examples:\n"
    "  gainkit gain-chain examples/fluence/series/*.csv --stack examples/fluence/stack-pump.yaml --plot gn.svg\n"
    "  gainkit gain-chain examples/fluence/series/*.csv --gamma 0.74 --thickness 100 --lp 200",
  .run = run,
};
