/* gainkit vpi — global VPI fits of a pump series of spectra (docs/physics.md §2,
 * docs/vpi.md). Reads the matrix, selects wavelengths and pumps, builds
 * F(lambda) and optional fixed losses, runs gk_vpi_fit, formats the result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "input.h"
#include "qopt.h"
#include "gainkit/vpi.h"
#include "emit_vpi.h"


/* --weights: the noise model behind the chi2. Spectra of a pump series span
 * decades (fluorescence far below threshold, ASE far above), so an
 * unweighted fit would see only the brightest spectra. */
static const char *const WNAME[] = {"none", "relative", "poisson"};


/* library fields -> flags */
static const cli_fieldmap fields[] = {{"length", "--length"}, {"window", "--window"}, {"max_pump", "--max-pump"},
                                      {"fluorescence", "--fluorescence"}, {"losses", "--losses"},
                                      {"weights", "--weights"}, {NULL, NULL}};

/* The files (any format, pumps, dark, orientation: gk_io_assemble via
 * cli_input_load) and the selection (gk_vpi_prepare). */
static int load(cli_input *in, const char *const *paths, size_t npaths, const gk_vpi_prepare_options *s, vdata *v,
                gk_error *e)
{
  gk_matrix m;
  int rc = cli_input_load(in, paths, npaths, &m);
  if (rc) return -rc;
  cli_input_offset_check(&m, 0, in->a.dark != NULL, "--dark FILE");
  rc = gk_vpi_prepare(&m, s, v, e);
  gk_matrix_free(&m);
  if (!rc && s->auto_max_pump && v->np_auto_dropped)
    for (size_t k = 0; k < v->notes.n; k++) cli_warn("--auto-max-pump: %s", v->notes.msg[k]);
  return rc;
}

/* ---- options (declarative: --help is generated from this table) ---- */
static gk_vpi_prepare_options s = {.weights = GK_VPI_WEIGHTS_RELATIVE};
static int models = 2; /* 1 vpi1, 2 vpi2, 3 both */
static long profile_boot = GK_VPI_PROF_NBOOT;
static double window[2];
static int opt_model(cli_qopt *o, const char *arg)
{
  if (!strcmp(arg, "vpi1")) models = 1;
  else if (!strcmp(arg, "vpi2")) models = 2;
  else if (!strcmp(arg, "both")) models = 3;
  else return -(cli_usage("vpi", "--model: expected vpi1, vpi2 or both, got '%s'", arg) != 0);
  return 0;
}
static int opt_weights(cli_qopt *o, const char *arg)
{
  int k = 0;
  while (k < 3 && strcmp(arg, WNAME[k])) k++;
  if (k == 3) return -(cli_usage("vpi", "--weights: expected none, relative or poisson, got '%s'", arg) != 0);
  s.weights = (gk_vpi_weights)k;
  return 0;
}
static cli_qopt opts[] = {
  CLI_OPT_GROUP("Fit options"),
  CLI_OPT_QTY("length", "L", "cm", QO_POS, &s.length, "the file's '# stripe_length_cm:' metadata",
              "stripe length"),
  CLI_OPT_CALLBACK("model", "vpi1|vpi2|both", opt_model, "vpi2", "the model(s) fitted"),
  CLI_OPT_STRING("fluorescence", "F", &s.fluorescence, "estimated",
                 "F(lambda) from a two-column file (wavelength nm, value), interpolated. Strongly recommended: "
                 "without it F is estimated from the lowest-pump spectrum / its max, which is biased when that "
                 "spectrum already holds ASE (the bundled example's vpi2 background ratio drops from 2.7 to 0.8); "
                 "a warning then gives the ASE share of it"),
  CLI_OPT_STRING("losses", "A", &s.losses, "fitted", "hold alpha(lambda) (cm^-1) to a measured spectrum"),
  CLI_OPT_RANGE("window", "nm", window, "all", "fit only this wavelength range"),
  CLI_OPT_STRING("max-pump", "P", &s.max_pump, NULL,
                 "drop spectra above pump P (bare number: the file's pump unit; a suffix such as 0.05mJ/cm2 is "
                 "converted)"),
  CLI_OPT_FLAG("auto-max-pump", &s.auto_max_pump, "drop spectra once the FWHM re-broadens by > 10 %"),
  CLI_OPT_CALLBACK("weights", "relative|poisson|none", opt_weights, "relative",
                   "noise model: relative (sigma = |I|), poisson (sigma = sqrt|I|) or none; sigma is floored at "
                   "1e-3 of each spectrum's maximum. chi2_red is in these units"),
  CLI_OPT_INT("profile-boot", "N", &profile_boot, 0, 10000, "40",
              "bootstrap replicates that calibrate the thresholds' profile-likelihood intervals (a Bartlett "
              "factor >= 1 on the chi-square(1) criterion, docs/vpi.md); each costs about one fit and two "
              "pinned fits. 0: the uncalibrated chi-square(1) criterion, which undercovered the transparency "
              "threshold on synthetic data (28 of 40 at 95 %)"),
  CLI_INPUT_FILE_QOPTS,
  CLI_INPUT_SERIES_QOPTS,
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "vpi"};
  CLI_RESET(s), CLI_RESET(models), CLI_RESET(window), CLI_RESET(profile_boot);
  cli_input_reset();
  cli_set_fieldmap(fields);
  int optind;
  if (cli_qopt_parse(&c, argc, argv, opts, CLI_NOPTS(opts), &optind) < 0) return CLI_USAGE;
  cli_input in = cli_input_take();
  if (cli_qopt_find(opts, CLI_NOPTS(opts), "window")->seen) {
    s.window = 1;
    s.window_lo = window[0];
    s.window_hi = window[1];
  }
  if (optind >= argc) return cli_usage(c.cmd, "missing input FILE");
  const char *path = argv[optind];

  vdata v = {0};
  gk_error e;
  gk_error_clear(&e);
  int rc = load(&in, (const char *const *)argv + optind, (size_t)(argc - optind), &s, &v, &e);
  cli_input_free(&in);
  if (rc < 0) {           /* printed already (input layer) */
    gk_vpi_prepared_free(&v);
    return -rc;
  }
  if (rc) {
    gk_vpi_prepared_free(&v);
    return cli_error(&e);
  }
  gk_vpi_data d = gk_vpi_prepared_data(&v);
  gk_vpi_result res[2];
  gk_vpi_result *r[2];
  size_t nr = 0;
  int status = CLI_OK;
  for (int k = 1; k <= 2; k++) {
    if (!(models & k)) continue;
    /* the fit (its start search and refits: 19 s on the issue-14 series)
     * has its own bar and stops at Ctrl-C or GAINKIT_MAX_SECONDS too */
    gk_progress pf = cli_progress(k == 1 ? "vpi1 fit" : "vpi2 fit");
    rc = gk_vpi_fit_ex(&d, k == 1 ? GK_VPI1 : GK_VPI2, NULL, &res[nr], &pf, &e);
    cli_progress_done(&pf);
    if (rc) {
      if (!e.file[0] && !e.option[0] && (rc == GK_EUSAGE || rc == GK_EINPUT)) {
        char msg[sizeof e.msg];
        snprintf(msg, sizeof msg, "%s", e.msg);
        gk_error_set(&e, GK_EINPUT, path, 0, "%s", msg);
      }
      for (size_t a = 0; a < nr; a++) gk_vpi_result_free(&res[a]);
      gk_vpi_prepared_free(&v);
      return cli_error(&e);
    }
    r[nr] = &res[nr];
    /* profile-likelihood intervals of both thresholds (docs/vpi.md): the
     * long part at large sizes (26 s of a 3334 x 30 vpi1 run), so it has
     * the progress bar and stops at Ctrl-C (or GAINKIT_MAX_SECONDS) */
    gk_progress pr = cli_progress(k == 1 ? "vpi1 threshold intervals" : "vpi2 threshold intervals");
    rc = gk_vpi_profile_thresholds_ex(&d, &res[nr], 0.95, (size_t)profile_boot, &pr, &e);
    cli_progress_done(&pr);
    if (rc) {
      for (size_t a = 0; a <= nr; a++) gk_vpi_result_free(&res[a]);
      gk_vpi_prepared_free(&v);
      return cli_error(&e);
    }
    vpi_warn_fit(&res[nr], &v, &status);
    nr++;
  }
  return vpi_emit(&c, path, res, r, nr, &v, status);
}

const struct cli_command cli_cmd_vpi = {
  .name = "vpi",
  .summary = "global VPI fits of a pump series of spectra (gamma, alpha, thresholds)",
  .order = 35,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "FILE...|DIR [--length L] [--model vpi1|vpi2|both]\n"
           "                   [--fluorescence F.csv] [--losses ALPHA.csv] [--window NM1:NM2]\n"
           "                   [--max-pump P | --auto-max-pump] [options]",
  .about =
      "Fits all spectra of a pump series at once (docs/physics.md section 2, Milanese et al., Adv. Opt. Mater. 2024\n"
      "Eq. 6-8): g = gamma(lambda) dn(P) - alpha(lambda),\n"
      "  vpi1: I = W1(P) F (e^{gL} - 1)/g,  vpi2: + W2(P) F (1 - e^{-alpha L})/alpha.\n\n"
      "Input FILE: a matrix, first row the pump values (unit in the corner cell),\n"
      "first column the wavelength in nm, one spectrum per column (orientation\n"
      "detected); or several files / a directory, one spectrum each, any format.\n"
      "The selection (window, pumps, F, losses, weights) is gk_vpi_prepare (gainkit/vpi.h).",
  .epilog =
      "Thresholds from the smooth net gain at the ASE peak: gl1 (g L = 1) and\n"
      "transparency (g = 0), with standard errors. CSV (-o .csv): gamma and alpha\n"
      "per wavelength. With --model both the JSON holds \"fits\" and\n"
      "\"background_ratio\" = median(W_fl/W_ASE) of vpi2.\n\n"
      "When the best fit is the limit P1 -> 0 of the model (seen on unweighted data,\n"
      "--weights none) it is fitted as such: \"converged at the boundary (P1 -> 0)\",\n"
      "gamma, alpha and W_fl diverge and print as not determined (exit 1), the net\n"
      "gain is a0 - kappa psi(P) (JSON \"boundary\"; docs/vpi.md).\n\n"
      "Examples:\n"
      "  gainkit vpi examples/vpi-ddab.csv --model vpi1 --fluorescence examples/vpi-ddab-fl.csv --plot vpi.png\n"
      "  gainkit vpi examples/vpi-ddab.csv --model vpi1 --window 515:545 --format json",
  .run = run,
};
