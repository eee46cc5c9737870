/* gainkit threshold — ASE threshold from a pump series or from spectra
 * (docs/physics.md §3). Reads the input, runs the spectrum processing and the
 * threshold methods of the library, formats text/JSON/CSV and the figure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "qopt.h"
#include "gainkit/spectra.h"
#include "gainkit/threshold.h"

#include "emit_threshold.h"

/* ---- input ------------------------------------------------------------- */

static int load_series(const char *path, series *s, gk_error *e)
{
  gk_table t;
  gk_read_options ro = {0};
  int rc = gk_table_read(path, &ro, &t, e);
  if (rc) return rc;
  rc = gk_threshold_prepare_table(&t, s, e);
  gk_table_free(&t);
  return rc;
}

/* Files, vendor formats, pumps, dark, orientation (gk_io_assemble via
 * cli_input_load), then each spectrum analysed (gk_threshold_prepare_matrix). */
static int load_spectra(cli_input *in, const char *const *paths, size_t npaths,
                        const gk_spectrum_options *so, series *s, gk_error *e)
{
  gk_matrix m;
  int rc = cli_input_load(in, paths, npaths, &m);
  if (rc) return -rc;
  cli_input_offset_check(&m, so->baseline.kind != GK_BASELINE_NONE, in->a.dark != NULL,
                         "--dark FILE or --baseline N (mean of the first N samples)");
  rc = gk_threshold_prepare_matrix(&m, so, s, e);
  gk_matrix_free(&m);
  return rc;
}

/* ---- options (declarative: --help is generated from this table) ---- */
static int spectra, methods = GK_THRESHOLD_DEFAULT;
static const char *window, *baseline, *range, *max_pump, *smooth;
/* defaults: automatic baseline from the spectrum ends, peak and FWHM from
 * an automatic Savitzky-Golay smooth */
static gk_spectrum_options so = {.baseline = {.kind = GK_BASELINE_AUTO}, .smooth = -1};
static int opt_method(cli_qopt *o, const char *arg)
{
  gk_error e;
  gk_error_clear(&e);
  return gk_threshold_methods_parse(arg, &methods, &e) ? (cli_error(&e), -1) : 0;
}
static int opt_window(cli_qopt *o, const char *arg)
{
  window = arg;
  if (cli_range("--window", arg, "nm", &so.window_lo, &so.window_hi) < 0) return -1;
  so.use_window = 1;
  return 0;
}
static int opt_baseline(cli_qopt *o, const char *arg)
{
  baseline = arg;
  return cli_baseline(arg, 1, NULL, "N, none or a value", &so.baseline);
}
static int opt_smooth(cli_qopt *o, const char *arg)
{
  smooth = arg;
  if (!strcmp(arg, "auto")) so.smooth = -1;
  else if (!strcmp(arg, "none")) so.smooth = 0;
  else {
    long v;
    if (cli_int("--smooth", arg, 1, 1000, &v) < 0) return -1;
    so.smooth = (int)v;
  }
  return 0;
}
/* the library's fields (gk_threshold_options) that are not "--" + the field */
static const cli_fieldmap fields[] = {{"methods", "--method"}, {NULL, NULL}};
static cli_qopt opts[] = {
  CLI_OPT_GROUP("Options"),
  CLI_OPT_FLAG("spectra", &spectra,
               "the input is spectra: a matrix (first row the pump values, unit in the corner cell, e.g. "
               "\"wavelength (nm) \\ pump (uJ/cm2)\", first column the wavelength in nm, one spectrum per column; "
               "the orientation is detected) or several files (or a directory), one spectrum each, in any "
               "format below, with their pumps; each spectrum gives its integrated intensity, peak wavelength "
               "and FWHM. Without it: columns pump, intensity and optionally FWHM (nm), the pump unit in the "
               "header (\"pump (uJ/cm2)\") carried to the output"),
  CLI_OPT_CALLBACK("method", "M[,M...]", opt_method, "kink, fwhm when widths exist, peak with --spectra",
                   "kink, fwhm, peak, lines, default or all, or a list (kink,lines); lines only by name or all"),
  CLI_OPT_STRING("range", "P1:P2", &range, "all",
                 "use only pumps P1 <= P <= P2 (file's pump unit; a unit suffix is converted: 0.1mJ/cm2)"),
  CLI_OPT_STRING("max-pump", "P", &max_pump, NULL, "use only pumps <= P (same units)"),
  CLI_OPT_CALLBACK("window", "NM1:NM2", opt_window, "all", "analyse only this wavelength range (nm; with --spectra)"),
  CLI_OPT_CALLBACK("baseline", "auto|N|none|VALUE", opt_baseline, "auto",
                   "subtracted from each spectrum (with --spectra): auto = the lower of the means of the first "
                   "and last 5 % of the samples, reported; N = mean of the first N points (an integer); none; "
                   "or a VALUE (100.0)"),
  CLI_OPT_CALLBACK("smooth", "auto|M|none", opt_smooth, "auto",
                   "peak and FWHM from a Savitzky-Golay quadratic smooth (with --spectra): auto = half-width "
                   "~FWHM/6, M samples each side, or none (raw samples)"),
  CLI_INPUT_FILE_QOPTS,
  CLI_INPUT_SERIES_QOPTS,
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "threshold"};
  CLI_RESET(spectra), CLI_RESET(methods), CLI_RESET(window), CLI_RESET(baseline), CLI_RESET(range);
  CLI_RESET(max_pump), CLI_RESET(smooth), CLI_RESET(so);
  cli_input_reset();
  cli_set_fieldmap(fields);
  int optind;
  if (cli_qopt_parse(&c, argc, argv, opts, CLI_NOPTS(opts), &optind) < 0) return CLI_USAGE;
  cli_input in = cli_input_take();
  if (optind >= argc) return cli_usage(c.cmd, "missing input FILE");
  if (optind + 1 < argc && !spectra)
    return cli_usage(c.cmd, "%d input files: did you mean --spectra? (several files are one "
                            "spectrum each)", argc - optind);
  if (!spectra && in.series_opts)
    return cli_usage(c.cmd, "the pump, dark and orientation options apply to spectra: did you "
                            "mean --spectra?");
  if (!spectra && (window || baseline || smooth))
    return cli_usage(c.cmd, "%s applies to spectra; add --spectra",
                     window ? "--window" : baseline ? "--baseline" : "--smooth");
  if (range && max_pump) return cli_usage(c.cmd, "--range and --max-pump exclude each other");
  const char *path = argv[optind];

  series s = {0};
  gk_error e;
  gk_error_clear(&e);
  int rc = spectra ? load_spectra(&in, (const char *const *)argv + optind, (size_t)(argc - optind),
                                  &so, &s, &e)
                   : load_series(path, &s, &e);
  cli_input_free(&in);
  if (rc < 0) {           /* printed already (input layer) */
    series_free(&s);
    return -rc;
  }
  if (rc) {
    series_free(&s);
    if (!spectra && gk_io_looks_like_spectra(path, NULL)) {
      size_t l = strlen(e.msg);
      snprintf(e.msg + l, sizeof e.msg - l, "; this looks like spectra: did you mean --spectra?");
    }
    return cli_error(&e);
  }
  /* --range / --max-pump (text with units, in the series' pump unit), then the methods */
  const gk_threshold_options to = {.methods = methods, .range = range, .max_pump = max_pump, .path = path};
  prange pr = {0};
  if (gk_threshold_select(&s, &to, &e) != GK_OK) {
    series_free(&s);
    if (e.code != GK_EUSAGE) return cli_error(&e);
    char buf[80];
    return cli_usage(c.cmd, "%s: %s", cli_field_flag(e.option, buf, sizeof buf), e.msg);
  }
  if (range || max_pump) pr = (prange){s.range_lo, s.range_hi, s.n_total, s.n_out};
  results r;
  gk_notes notes = {0};
  rc = gk_threshold_run(&s, &to, &r, &notes, &e);
  cli_notes_warn(&notes, NULL);
  gk_notes_free(&notes);
  if (rc != GK_OK) {
    gk_threshold_results_free(&r);
    series_free(&s);
    return cli_error(&e);
  }
  return thr_emit(&c, path, &s, &r, &pr, &so);
}

const struct cli_command cli_cmd_threshold = {
  .name = "threshold",
  .summary = "ASE threshold from a pump series or spectra (kink, lines, FWHM)",
  .order = 30,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "FILE [--spectra] [--method M[,M...]] [--range P1:P2 | --max-pump P]\n"
           "       gainkit threshold FILE...|DIR --spectra [--pump-from-name] [--dark F]\n"
           "                         [--window NM1:NM2] [--baseline auto|N|none|VALUE] [--smooth auto|M|none]\n"
           "                         [options]",
  .about = "ASE threshold from emission versus pump (docs/threshold.md). The series is prepared by\n"
           "gk_threshold_prepare_table/_matrix (gainkit/threshold.h).",
  .epilog =
      "Methods (at least 6 points):\n"
      "  kink    continuous two-segment line in log10(intensity) vs log10(pump);\n"
      "          threshold 10^xb ± se. A saturating S-curve (slope falling again at\n"
      "          high pump, three-segment F-test) is cut above its saturation; a\n"
      "          slope above the break not steeper than below is no threshold (exit 1)\n"
      "  peak    the kink method on the intensity at one fixed wavelength, the ASE\n"
      "          peak of the highest-pump spectrum (Milanese et al., Adv. Opt.\n"
      "          Mater. 2024, section 2.2); --spectra only\n"
      "  fwhm    logistic step of the FWHM in log10(pump); threshold 10^x0 ± se;\n"
      "          a step sharper than the pump spacing is reported as unresolved\n"
      "  lines   linear scale: best split into two least-squares lines (>= 3\n"
      "          points each); threshold where the upper line meets the lower\n"
      "          one (also reported: where it meets zero output)\n\n"
      "Examples:\n"
      "  gainkit threshold examples/threshold-series.csv --plot s-curve.png\n"
      "  gainkit threshold examples/threshold-series.csv --method all --range 5:200\n"
      "  gainkit threshold examples/threshold-spectra.csv --spectra --window 490:590 \\\n"
      "      --method kink,peak --format json\n"
      "  gainkit threshold examples/fluence-series --spectra --pump-from-name \\\n"
      "      --dark examples/fluence-series/dark.txt --method kink",
  .run = run,
};
