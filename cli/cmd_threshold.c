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

/* A pump value of --range/--max-pump: a bare number is in the file's pump
 * unit; a number with a unit is converted to it (when the file has a
 * physical unit). */
static int pump_value(const char *opt, const char *arg, const char *unit, double *v)
{
  gk_error e;
  gk_error_clear(&e);
  gk_unit_info ui;
  gk_error ue;
  if (unit[0] && gk_unit_describe(unit, &ui, &ue) == GK_OK) return cli_quantity(opt, arg, unit, v);
  if (gk_parse_number(arg, v, &e) != GK_OK) {
    fprintf(stderr, "gainkit: %s: '%s' is not a number (the pump unit '%s' takes no suffix)\n", opt, arg, unit);
    return -1;
  }
  return 0;
}

/* ---- options ----------------------------------------------------------- */

/* One method, a comma-separated list, "default" or "all". */
static int parse_method(const char *arg, int *m)
{
  char buf[128];
  snprintf(buf, sizeof buf, "%s", arg);
  *m = 0;
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (!strcmp(tok, "kink")) *m |= M_KINK;
    else if (!strcmp(tok, "lines")) *m |= M_LINES;
    else if (!strcmp(tok, "fwhm")) *m |= M_FWHM;
    else if (!strcmp(tok, "peak")) *m |= M_PEAK;
    else if (!strcmp(tok, "default")) *m |= M_DEFAULT;
    else if (!strcmp(tok, "all")) *m |= M_ALL;
    else {
      fprintf(stderr, "gainkit: --method: '%s' is not a method (use kink, lines, fwhm, peak, default or all)\n",
              tok);
      return -1;
    }
  }
  if (!*m) {
    fprintf(stderr, "gainkit: --method: '%s' names no method\n", arg);
    return -1;
  }
  return 0;
}

/* N (an integer count of leading points), none, or a value (any other
 * number: "100.0", "-3", "1e2"). */
static int parse_baseline(const char *arg, gk_baseline *b)
{
  if (!strcmp(arg, "none")) {
    b->kind = GK_BASELINE_NONE;
    return 0;
  }
  if (!strcmp(arg, "auto")) {
    b->kind = GK_BASELINE_AUTO;
    return 0;
  }
  if (arg[0] && strspn(arg, "0123456789") == strlen(arg)) {
    long n;
    if (cli_int("--baseline", arg, 1, 1000000000L, &n) < 0) return -1;
    b->kind = GK_BASELINE_FIRST_N;
    b->n = (size_t)n;
    return 0;
  }
  double v;
  gk_error e;
  gk_error_clear(&e);
  if (gk_parse_number(arg, &v, &e) != GK_OK) {
    fprintf(stderr, "gainkit: --baseline: '%s' is not N, none or a value\n", arg);
    return -1;
  }
  b->kind = GK_BASELINE_VALUE;
  b->value = v;
  return 0;
}

/* ---- the methods ------------------------------------------------------- */


/* An error from the library about the data belongs to the input file. */
static int file_error(gk_error *e, const char *path)
{
  if (!e->file[0] && !e->option[0]) {
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", e->msg);
    gk_error_set(e, e->code, path, 0, "%s", msg);
  }
  return cli_error(e);
}

static int run_methods(const char *path, const series *s, int methods, results *r)
{
  gk_error e;
  gk_error_clear(&e);
  memset(r, 0, sizeof *r);
  if (s->n < GK_THRESHOLD_MIN_POINTS) {
    gk_error_set(&e, GK_EINPUT, path, 0, "a threshold needs at least %d points, got %zu",
                 GK_THRESHOLD_MIN_POINTS, s->n);
    return cli_error(&e);
  }
  if ((methods & M_KINK)) {
    for (size_t i = 0; i < s->n; i++)
      if (!(s->intensity[i] > 0)) {
        if (s->spectra)
          gk_error_set(&e, GK_EINPUT, path, 0,
                       "spectrum at pump %g %s: integrated intensity %g is not positive "
                       "(the kink method works in log-log; check --baseline and --window)",
                       s->pump[i], s->pump_unit, s->intensity[i]);
        else
          gk_error_set(&e, GK_EINPUT, path, s->line[i],
                       "intensity %g is not positive (the kink method works in log-log)",
                       s->intensity[i]);
        return cli_error(&e);
      }
  }
  if (methods == M_FWHM && !s->has_fwhm) {
    gk_error_set(&e, GK_EINPUT, path, 0,
                 "--method fwhm needs a FWHM column (pump, intensity, fwhm) or --spectra");
    return cli_error(&e);
  }
  if (methods & M_KINK) {
    r->run_kink = 1;
    r->n_kink = s->n;
    r->kink_rc = gk_threshold_kink_fit(s->pump, s->intensity, s->n, &r->kink, &e);
    if (r->kink_rc && r->kink_rc != GK_ENOCONV) return file_error(&e, path);
  }
  if (methods & M_LINES) {
    r->run_lines = 1;
    r->lines_rc = gk_threshold_lines_fit(s->pump, s->intensity, s->n, &r->lines, &e);
    if (r->lines_rc == GK_ENOCONV) {
      /* the library's message already starts with "lines: " */
      const char *why = strncmp(e.msg, "lines: ", 7) == 0 ? e.msg + 7 : e.msg;
      snprintf(r->lines_reason, sizeof r->lines_reason, "%s", why);
      cli_warn("lines: %s", why);
    }
    else if (r->lines_rc) return file_error(&e, path);
  }
  if ((methods & M_FWHM) && s->has_fwhm) {
    /* widths whose half-maximum crossing left the window are not data */
    double *p = malloc(s->n * sizeof *p), *w = malloc(s->n * sizeof *w);
    if (!p || !w) { free(p); free(w); gk_error_set(&e, GK_ENOMEM, NULL, 0, "out of memory"); return cli_error(&e); }
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
      if (isfinite(s->fwhm[i])) { p[m] = s->pump[i]; w[m] = s->fwhm[i]; m++; }
    r->n_fwhm = m;
    if (m < s->n)
      cli_warn("%zu of %zu spectra have a half-maximum crossing outside the window; "
               "their FWHM is left out", s->n - m, s->n);
    if (m < GK_THRESHOLD_MIN_POINTS && methods != M_FWHM) {
      cli_warn("fwhm: only %zu widths, at least %d needed; method skipped", m,
               GK_THRESHOLD_MIN_POINTS);
    } else {
      r->run_fwhm = 1;
      r->fwhm_rc = gk_threshold_fwhm_fit(p, w, m, &r->fwhm, &e);
    }
    free(p);
    free(w);
    if (r->run_fwhm && r->fwhm_rc && r->fwhm_rc != GK_ENOCONV) return file_error(&e, path);
  }
  if ((methods & M_PEAK) && s->spectra) {
    /* Milanese et al., Adv. Opt. Mater. 2024, section 2.2: the emission at
     * the ASE peak wavelength (fixed: the peak of the highest-pump
     * spectrum) versus pump, threshold at its slope change (kink method) */
    r->peak_wl = s->peak_nm[s->n - 1];
    r->peak_int = malloc(s->n * sizeof *r->peak_int);
    double *p = malloc(s->n * sizeof *p), *v = malloc(s->n * sizeof *v);
    if (!p || !v || !r->peak_int) {
      free(p); free(v);
      gk_error_set(&e, GK_ENOMEM, NULL, 0, "out of memory");
      return cli_error(&e);
    }
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
      double val = s->peak[i] > 0
                       ? s->peak[i] * gk_spectra_value_at(s->wl, s->norm + i * s->nwl, s->nwl, r->peak_wl)
                       : NAN;
      r->peak_int[i] = val > 0 ? val : NAN;
      if (val > 0) { p[m] = s->pump[i]; v[m] = val; m++; }
    }
    r->n_peak = m;
    if (m < s->n)
      cli_warn("peak: %zu of %zu spectra have no positive intensity at %.2f nm; left out", s->n - m, s->n,
               r->peak_wl);
    if (m < GK_THRESHOLD_MIN_POINTS && methods != M_PEAK) {
      cli_warn("peak: only %zu usable spectra, at least %d needed; method skipped", m, GK_THRESHOLD_MIN_POINTS);
    } else {
      r->run_peak = 1;
      r->peak_rc = gk_threshold_kink_fit(p, v, m, &r->peak, &e);
    }
    free(p);
    free(v);
    if (r->run_peak && r->peak_rc && r->peak_rc != GK_ENOCONV) return file_error(&e, path);
  } else if (methods == M_PEAK) {
    gk_error_set(&e, GK_EINPUT, path, 0, "--method peak needs spectra (--spectra)");
    return cli_error(&e);
  }
  return CLI_OK;
}

/* ---- command ----------------------------------------------------------- */

/* ---- options (declarative: --help is generated from this table) ---- */
static int spectra, methods = M_DEFAULT;
static const char *window, *baseline, *range, *max_pump, *smooth;
/* defaults: automatic baseline from the spectrum ends, peak and FWHM from
 * an automatic Savitzky-Golay smooth */
static gk_spectrum_options so = {.baseline = {.kind = GK_BASELINE_AUTO}, .smooth = -1};
static int opt_method(cli_qopt *o, const char *arg) { return parse_method(arg, &methods); }
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
  return parse_baseline(arg, &so.baseline);
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
  prange pr = {0};
  if (range || max_pump) {
    double lo = -INFINITY, hi = INFINITY;
    if (range) {
      const char *colon = strchr(range, ':');
      char left[128];
      size_t k = colon ? (size_t)(colon - range) : 0;
      if (!colon || k >= sizeof left || strchr(colon + 1, ':')) {
        series_free(&s);
        return cli_usage(c.cmd, "--range: '%s' is not a range (expected P1:P2)", range);
      }
      memcpy(left, range, k);
      left[k] = '\0';
      if (pump_value("--range", left, s.pump_unit, &lo) < 0 ||
          pump_value("--range", colon + 1, s.pump_unit, &hi) < 0) {
        series_free(&s);
        return CLI_USAGE;
      }
      if (!(lo < hi)) {
        series_free(&s);
        return cli_usage(c.cmd, "--range: '%s' is empty (P1 must be less than P2)", range);
      }
    } else if (pump_value("--max-pump", max_pump, s.pump_unit, &hi) < 0) {
      series_free(&s);
      return CLI_USAGE;
    }
    gk_threshold_series_restrict(&s, lo, hi);
    pr = (prange){s.range_lo, s.range_hi, s.n_total, s.n_out};
  }
  results r;
  rc = run_methods(path, &s, methods, &r);
  if (rc != CLI_OK) {
    free(r.peak_int);
    series_free(&s);
    return rc;
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
