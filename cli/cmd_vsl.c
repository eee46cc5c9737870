/* gainkit vsl — net optical gain from variable-stripe-length data: fit
 * one or all of the five VSL models (gainkit/vsl.h), recommend one, or fit
 * the gain spectrum g(lambda) of a spectrally resolved matrix. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/vsl.h"
#include "emit_vsl.h"

/* The user's options for the library (reading, range, weights, model). */
static gk_vsl_options lib_options(const vsl_opts *o)
{
  return (gk_vsl_options){.model = o->model, .range = o->range, .weights = o->weights,
                          .length_unit = o->length_unit, .offset = o->offset};
}

static int run_columns(vsl_opts *o)
{
  gk_error e = {0};
  gk_columns col;
  const gk_vsl_options vo = lib_options(o);
  if (gk_vsl_read(o->file, &vo, &col, &e) != GK_OK) return cli_error(&e);
  if (col.note[0]) fprintf(stderr, "gainkit: note: %s: %s\n", cli_basename(o->file), col.note);
  int rc = CLI_USAGE;
  gk_vsl_prepared pv = {0};
  gk_vsl_fit fits[GK_VSL_NMODELS];
  int have[GK_VSL_NMODELS] = {0};
  memset(fits, 0, sizeof fits);
  /* range, weights, selection, background and plausibility: the library's */
  gk_vsl_prepare_options po;
  if (gk_vsl_options_resolve(&vo, col.x_unit_in, col.x_factor, col.sigma != NULL, o->file, &po, &e) != GK_OK ||
      gk_vsl_prepare(&col, &po, &pv, &e) != GK_OK) {
    rc = cli_error(&e);
    goto out;
  }
  cli_notes_warn(&pv.notes, "--length-unit");
  if (pv.background_significant)
    cli_warn("%s: the intensity extrapolates to %.4g %s at L -> 0 (straight line through the "
             "first points): a background that the VSL models do not have; subtract it from "
             "the intensities (a dark/offset level) before fitting",
             cli_basename(o->file), pv.background, col.y_unit);
  gk_vsl_data d = pv.d;
  if (o->window_scan) {
    rc = vsl_emit_window_scan(o, &d, col.y_unit);
    goto out;
  }
  for (int m = 0; m < GK_VSL_NMODELS; m++) {
    if (o->model >= 0 && m != o->model) continue;
    have[m] = 1;
    int frc = gk_vsl_fit_model(&d, (gk_vsl_model)m, &fits[m], &e);
    if (frc != GK_OK && frc != GK_ENOCONV) { rc = cli_error(&e); goto out; }
    gk_error_clear(&e);
  }
  rc = vsl_emit_columns(o, &col, &d, fits, have, d.weighting);
out:
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_fit_free(&fits[m]);
  gk_vsl_prepared_free(&pv);
  gk_columns_free(&col);
  return rc;
}

/* ---- spectrally resolved (--matrix) ---- */
static int run_matrix(vsl_opts *o)
{
  gk_error e = {0};
  gk_matrix mx;
  const gk_vsl_options vo = lib_options(o);
  if (gk_vsl_read_matrix(o->matrix, &vo, &mx, &e) != GK_OK) return cli_error(&e);
  if (mx.note[0]) fprintf(stderr, "gainkit: note: %s: %s\n", cli_basename(o->matrix), mx.note);
  int rc = CLI_USAGE;
  double *gsel = NULL, *sesel = NULL;
  int *rec = NULL;
  gk_vsl_prepared_matrix pm = {0};
  gk_vsl_spectrum spec[GK_VSL_NMODELS];
  memset(spec, 0, sizeof spec);
  gk_progress prog = {NULL, NULL};
  size_t nw = mx.nrow;
  /* range, weights (a matrix has no sigma), the stripe lengths kept, repacked and checked: the library's */
  gk_vsl_prepare_options po;
  if (gk_vsl_options_resolve(&vo, mx.col_unit_in, mx.col_factor, 0, o->matrix, &po, &e) != GK_OK ||
      gk_vsl_prepare_matrix(&mx, &po, &pm, &e) != GK_OK) {
    rc = cli_error(&e);
    goto out;
  }
  const gk_weighting w = po.weights < 0 ? GK_WEIGHT_NONE : (gk_weighting)po.weights;
  const double *L = pm.L, *z = pm.z;
  size_t nL = pm.nL;
  rec = malloc(nw * sizeof *rec);
  gsel = malloc(nw * sizeof *gsel);
  sesel = malloc(nw * sizeof *sesel);
  if (!rec || !gsel || !sesel) { fprintf(stderr, "gainkit: out of memory\n"); goto out; }
  unsigned mask = o->model < 0 ? (1u << GK_VSL_NMODELS) - 1 : 1u << o->model;
  prog = cli_progress("vsl");
  if (gk_vsl_spectral(L, nL, z, nw, w, mask, spec, o->model < 0 ? rec : NULL, &prog, &e) != GK_OK) {
    cli_progress_done(&prog);
    rc = cli_error(&e);
    goto out;
  }
  cli_progress_done(&prog);
  if (cli_interrupted()) goto out;
  rc = vsl_emit_spectrum(o, &mx, L, nL, spec, rec, gsel, sesel, w);
out:
  for (int m = 0; m < GK_VSL_NMODELS; m++) gk_vsl_spectrum_free(&spec[m]);
  free(rec); free(gsel); free(sesel);
  gk_vsl_prepared_matrix_free(&pm);
  gk_matrix_free(&mx);
  return rc;
}

/* Several FILEs: one result per file (collected), then a table of the net
 * gain of each (the model asked for, or the recommended one). An input
 * error in any file stops everything (exit 2, nothing printed). */
static int run_series(vsl_opts *o, char **files, size_t n)
{
  if (o->c.plot) return cli_usage(o->c.cmd, "--plot draws one scan: give one FILE");
  cJSON *arr = cJSON_CreateArray();
  cli_buf text = {0};
  double *g = calloc(n, sizeof *g), *se = calloc(n, sizeof *se);
  const char **model = calloc(n, sizeof *model);
  int *conv = calloc(n, sizeof *conv);
  int rc = CLI_OK;
  if (!arr || !g || !se || !model || !conv) { rc = CLI_USAGE; goto out; }
  o->series = arr;
  o->series_text = &text;
  for (size_t i = 0; i < n; i++) {
    o->file = files[i];
    o->g = o->g_se = NAN;
    o->g_model = "none";
    int r = run_columns(o);
    if (r != CLI_OK && r != CLI_FAILED) { rc = r; goto out; }
    g[i] = o->g;
    se[i] = o->g_se;
    model[i] = o->g_model;
    conv[i] = r == CLI_OK;
    if (r == CLI_FAILED) rc = CLI_FAILED;
  }
  rc = vsl_emit_series(o, files, n, arr, &text, g, se, model, conv, rc);
  arr = NULL;
out:
  cJSON_Delete(arr);
  cli_buf_free(&text);
  free(g); free(se); free(model); free(conv);
  return rc;
}

/* ---- options (declarative: --help is generated from this table) ---- */
static vsl_opts o = {.c = {.cmd = "vsl"}, .model = -1};
static int opt_model(cli_qopt *q, const char *arg)
{
  if (!strcmp(arg, "all")) o.model = -1;
  else if ((o.model = gk_vsl_model_from_name(arg)) < 0)
    return cli_qopt_fail("model", "'%s' is not one of vsl1, vsl2, sat, sat-exact, emp, ahn, all", arg);
  return 0;
}
static int opt_weights(cli_qopt *q, const char *arg)
{
  if (strcmp(arg, "none") && strcmp(arg, "sigma") && strcmp(arg, "relative"))
    return cli_qopt_fail("weights", "'%s' is not one of none, sigma, relative", arg);
  o.weights = arg;
  return 0;
}
static int opt_length_unit(cli_qopt *q, const char *arg)
{
  if (strcmp(arg, "um") && strcmp(arg, "mm") && strcmp(arg, "cm"))
    return cli_qopt_fail("length-unit", "'%s' is not one of um, mm, cm", arg);
  o.length_unit = arg;
  return 0;
}
static cli_qopt opts[] = {
  CLI_OPT_CALLBACK("model", "M", opt_model, "all: fit every model and recommend one, with the reason",
                   "vsl1, vsl2, sat, sat-exact, emp, ahn or all (ahn = A L + B e^{gL} of Ahn et al., Chem. Rev. "
                   "2023, shown for comparison, never recommended)"),
  CLI_OPT_STRING("range", "LMIN:LMAX", &o.range, "all", "use only stripe lengths in this range (input's unit)"),
  CLI_OPT_CALLBACK("weights", "W", opt_weights, "sigma with a sigma column, else none",
                   "none, sigma (absolute) or relative"),
  CLI_OPT_CALLBACK("length-unit", "U", opt_length_unit, NULL,
                   "unit of the stripe lengths (um, mm, cm) when the header has none; lengths outside 1 um to "
                   "5 cm are warned about"),
  CLI_OPT_STRING("matrix", "FILE", &o.matrix, NULL,
                 "spectrally resolved: first row stripe lengths, first column wavelength (nm); fits every "
                 "wavelength -> g(lambda), one model at every wavelength (--model all: the one recommended most "
                 "often; the per-wavelength recommendation listed apart)"),
  CLI_OPT_FLAG("offset", &o.offset,
               "fit a constant offset I0 as well, I = model + I0 (dark counts, scattered pump, a baseline); every "
               "model is then fitted in I. Without it the headline model is refitted with I0 and --offset is "
               "suggested when I0 is significant (|I0| > 3 se and AICc lower by > 10)"),
  CLI_OPT_FLAG("window-scan", &o.window_scan,
               "fit-window analysis: g versus the longest stripe length used (Lmax), with its 95 % band, and the "
               "longest range where the model (default vsl1, the small-signal model) holds: converged, no "
               "residual trend (runs test), chi2 test with sigmas, g within 2 standard errors of the shortest "
               "window's. Exit 1 when no window qualifies"),
};

static int run(int argc, char **argv)
{
  CLI_RESET(o);
  int optind;
  if (cli_qopt_parse(&o.c, argc, argv, opts, CLI_NOPTS(opts), &optind) < 0) return CLI_USAGE;
  if (optind < argc) o.file = argv[optind++];
  if (optind < argc && o.matrix) return cli_usage(o.c.cmd, "unexpected argument '%s'", argv[optind]);
  if (!o.file && !o.matrix) return cli_usage(o.c.cmd, "missing FILE (or --matrix FILE)");
  if (o.file && o.matrix) return cli_usage(o.c.cmd, "give either FILE or --matrix FILE, not both");
  if (o.offset && o.matrix) return cli_usage(o.c.cmd, "--offset works on one data set (FILE), not --matrix");
  if (o.window_scan && o.matrix) return cli_usage(o.c.cmd, "--window-scan works on one data set (FILE), not --matrix");
  if (optind < argc) return run_series(&o, argv + optind - 1, (size_t)(argc - optind + 1));
  return o.matrix ? run_matrix(&o) : run_columns(&o);
}

const struct cli_command cli_cmd_vsl = {
  .name = "vsl",
  .summary = "net gain from variable-stripe-length data (vsl1, vsl2, sat, sat-exact, emp, ahn)",
  .order = 10,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "FILE [--model vsl1|vsl2|sat|sat-exact|emp|ahn|all] [--range LMIN:LMAX]\n"
           "                   [--weights none|sigma|relative] [--length-unit um|mm|cm] [options]\n"
           "       gainkit vsl FILE1 FILE2 ... [same options]   (a series of scans)\n"
           "       gainkit vsl --matrix FILE [same options]",
  .about =
    "Fit the edge-emitted intensity I versus stripe length L with the VSL models of\n"
    "Milanese et al., Adv. Opt. Mater. 2024 (Eq. 1-5) and report the net gain g (cm^-1) with its standard error.\n"
    "FILE: columns stripe length, intensity, optional sigma (selection and checks:\n"
    "gk_vsl_prepare, gainkit/vsl.h).",
  .epilog =
    "Also reported for one FILE (text, JSON in cm, CSV comments): the threshold\n"
    "length L_th = 1.25643/g, where e^{gL} - 1 = 2 g L (amplified emission equals the\n"
    "unamplified A L; g of vsl1 on the small-signal range), the saturation length\n"
    "L_ss, the last stripe up to which vsl1 on the shortest stripes passes a chi^2\n"
    "test (p >= 0.001, needs a sigma column; \"not reached\" when every stripe\n"
    "passes), and the sat fit's length where I = Is. JSON threshold_length_cm,\n"
    "saturation_length_cm, saturation_length_model_cm (null + reason when not\n"
    "determined), small_signal. --window-scan is stricter (runs test, p >= 0.01,\n"
    "no drift of g): its longest valid range is usually shorter than L_ss.\n\n"
    "Examples:\n"
    "  gainkit vsl examples/vsl-nc1.csv --model all --plot vsl.png\n"
    "  gainkit vsl --matrix examples/vsl-matrix.csv -o gain-spectrum.csv\n"
    "  gainkit vsl examples/vsl-nc1.csv --window-scan --plot window.png\n"
    "  gainkit vsl examples/vsl-nc1.csv examples/input/vsl-mm.csv --model vsl1\n\n"
    "Several FILEs: each is fitted as above and reported in turn, then a table of\n"
    "the net gain per file (the --model given, or each file's recommended model);\n"
    "JSON \"files\" + \"table\", CSV the table. Stripe lengths that decrease or\n"
    "repeat are sorted and averaged, with a note. A scan whose intensity\n"
    "extrapolates to a clear background at L -> 0 is warned about. A matrix saved\n"
    "one spectrum per row is read transposed, with a note.",
  .run = run,
};
