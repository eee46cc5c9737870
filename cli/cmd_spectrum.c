/* gainkit spectrum — per-spectrum peak, FWHM, integrated intensity and
 * centroid of emission spectra in any supported export (gainkit/io.h reads
 * them, gainkit/spectra.h measures them). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "qopt.h"


typedef struct row {
  const char *file, *label;
  gk_spectrum_stats st;
  double centroid;
  int clipped;
  double clip_level;
} row;

static const char *flag_text(int f)
{
  return f == GK_FWHM_LEFT_OUTSIDE ? "left crossing outside window"
         : f == GK_FWHM_RIGHT_OUTSIDE ? "right crossing outside window"
         : f ? "both crossings outside window" : "";
}

/* ---- options (declarative: --help is generated from this table) ---- */
static gk_spectrum_options so;
static double window[2];
static int edges, baseline_set;
static int opt_baseline(cli_qopt *o, const char *arg)
{
  baseline_set = 1;
  return cli_baseline(arg, 0, &edges, "none, edges, N or a value", &so.baseline);
}
static cli_qopt opts[] = {
  CLI_OPT_GROUP("Analysis options"),
  CLI_OPT_RANGE("window", "nm", window, "all", "analyse only this wavelength range"),
  CLI_OPT_CALLBACK("baseline", "none|edges|N|VALUE", opt_baseline, "none",
                   "subtracted from each spectrum: none, edges (mean of the first and last 5%, at least 3 "
                   "samples, of that spectrum), N (mean of the first N samples) or a value"),
  CLI_INPUT_FILE_QOPTS,
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "spectrum"};
  CLI_RESET(so), CLI_RESET(window), CLI_RESET(edges), CLI_RESET(baseline_set);
  cli_input_reset();
  int optind;
  if (cli_qopt_parse(&c, argc, argv, opts, CLI_NOPTS(opts), &optind) < 0) return CLI_USAGE;
  cli_input in = cli_input_take();
  if (cli_qopt_find(opts, CLI_NOPTS(opts), "window")->seen) {
    so.use_window = 1;
    so.window_lo = window[0];
    so.window_hi = window[1];
  }
  if (optind >= argc) return cli_usage(c.cmd, "missing input FILE");
  if (c.plot) return cli_usage(c.cmd, "--plot is not available for spectrum");

  size_t nf = (size_t)(argc - optind);
  gk_specset *sets = calloc(nf, sizeof *sets);
  row *rows = NULL;
  size_t nrows = 0, cap = 0;
  int rc = CLI_OK;
  gk_error e;
  gk_error_clear(&e);
  if (!sets) return CLI_USAGE;
  for (size_t f = 0; f < nf && rc == CLI_OK; f++) {
    const char *path = argv[optind + (int)f];
    if (gk_io_read(path, &in.a.io, &sets[f], &e) != GK_OK) { rc = cli_input_error(&e); break; }
    gk_specset *s = &sets[f];
    for (size_t k = 0; k < s->notes.n; k++) fprintf(stderr, "gainkit: note: %s: %s\n", path, s->notes.msg[k]);
    for (size_t k = 0; k < s->nspec; k++) {
      const double *y = s->y + k * s->nwl;
      if (nrows == cap) {
        cap = cap ? 2 * cap : 16;
        row *nr = realloc(rows, cap * sizeof *nr);
        if (!nr) { rc = CLI_USAGE; break; }
        rows = nr;
      }
      row *r = &rows[nrows];
      memset(r, 0, sizeof *r);
      r->file = path;
      r->label = s->label[k];
      gk_spectrum_options o = so;
      double level = NAN, noise;
      int sig;
      gk_io_offset(s->wl, y, s->nwl, &level, &noise, &sig);
      if (edges) o.baseline.value = level;
      if (!baseline_set && sig)
        cli_warn("%s (%s): background of about %.4g at the spectral edges is not subtracted; "
                 "it inflates the integrated intensity. Subtract it with --baseline edges",
                 path, r->label, level);
      if (gk_spectrum_analyse(s->wl, y, s->nwl, &o, &r->st, &e) != GK_OK) {
        if (!e.file[0] && !e.option[0]) {
          char msg[sizeof e.msg];
          snprintf(msg, sizeof msg, "%s", e.msg);
          gk_error_set(&e, e.code, path, 0, "%s: %.400s", r->label, msg);
        }
        rc = cli_error(&e);
        break;
      }
      r->centroid = gk_spectra_centroid(s->wl, y, r->st.i0, r->st.i1, r->st.baseline);
      size_t cnt;
      r->clipped = gk_io_clipped(y, s->nwl, &r->clip_level, &cnt);
      if (r->clipped)
        cli_warn("%s (%s): clipped: %zu samples at the maximum %g, the detector saturated; "
                 "peak, FWHM and integral are not the true ones",
                 path, r->label, cnt, r->clip_level);
      if (r->st.fwhm_flags) cli_warn("%s (%s): %s; FWHM undefined", path, r->label, flag_text(r->st.fwhm_flags));
      nrows++;
    }
  }
  if (rc == CLI_OK) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "command", "spectrum");
    cJSON *files = cJSON_AddArrayToObject(j, "files");
    for (size_t f = 0; f < nf; f++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "path", sets[f].path);
      cJSON_AddStringToObject(o, "format", sets[f].format);
      cJSON *md = cJSON_AddObjectToObject(o, "metadata");
      for (size_t k = 0; k < sets[f].meta.n; k++)
        cJSON_AddStringToObject(md, sets[f].meta.key[k], sets[f].meta.value[k]);
      cJSON *nt = cJSON_AddArrayToObject(o, "notes");
      for (size_t k = 0; k < sets[f].notes.n; k++) cJSON_AddItemToArray(nt, cJSON_CreateString(sets[f].notes.msg[k]));
      cJSON_AddItemToArray(files, o);
    }
    cJSON *arr = cJSON_AddArrayToObject(j, "spectra");
    cli_buf b = {0};
    cli_printf(&b, "spectrum: %zu spectr%s in %zu file%s\n", nrows, nrows == 1 ? "um" : "a", nf, nf == 1 ? "" : "s");
    cli_printf(&b, "  %-24s %-12s %10s %10s %10s %12s %10s %10s\n", "file", "spectrum", "peak (nm)",
               "peak", "FWHM (nm)", "integral", "centroid", "baseline");
    cli_printf(&b, "  %-24s %-12s %10s %10s %10s %12s %10s %10s\n", "", "", "", "(y unit)", "",
               "(y unit nm)", "(nm)", "(y unit)");
    static const char *const hdr[] = {"spectrum", "peak_nm", "peak", "fwhm_nm", "integrated", "centroid_nm", "baseline", "clipped"};
    gk_csv csv;
    int csv_ok = gk_csv_init(&csv, 8, hdr) == 0;
    for (size_t i = 0; i < nrows; i++) {
      row *r = &rows[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "file", r->file);
      cJSON_AddStringToObject(o, "label", r->label);
      gk_json_num(o, "peak_nm", r->st.peak_nm);
      gk_json_num(o, "peak", r->st.peak);
      gk_json_num(o, "fwhm_nm", r->st.fwhm_nm);
      if (r->st.fwhm_flags) cJSON_AddStringToObject(o, "fwhm_reason", flag_text(r->st.fwhm_flags));
      gk_json_num(o, "integrated", r->st.integrated);
      gk_json_num(o, "centroid_nm", r->centroid);
      gk_json_num(o, "baseline", r->st.baseline);
      cJSON_AddBoolToObject(o, "clipped", r->clipped);
      cJSON_AddItemToArray(arr, o);
      const char *bn = cli_basename(r->file);
      cli_printf(&b, "  %-24.24s %-12.12s", bn, r->label);
      cli_cell(&b, 10, r->st.peak_nm);
      cli_cell(&b, 10, r->st.peak);
      cli_cell(&b, 10, r->st.fwhm_nm);
      cli_cell(&b, 12, r->st.integrated);
      cli_cell(&b, 10, r->centroid);
      cli_cell(&b, 10, r->st.baseline);
      cli_printf(&b, "%s\n", r->clipped ? "  CLIPPED" : "");
      double v[8] = {(double)(i + 1), r->st.peak_nm, r->st.peak, r->st.fwhm_nm, r->st.integrated,
                     r->centroid, r->st.baseline, r->clipped};
      if (csv_ok) gk_csv_add_row(&csv, v);
    }
    if (csv_ok)
      for (size_t i = 0; i < nrows; i++)
        gk_csv_add_comment(&csv, "spectrum %zu: %s %s", i + 1, rows[i].file, rows[i].label);
    rc = cli_emit(&c, j, b.s, csv_ok ? &csv : NULL, CLI_OK);
    if (csv_ok) gk_csv_free(&csv);
    cli_buf_free(&b);
    cJSON_Delete(j);
  }
  for (size_t f = 0; f < nf; f++) gk_specset_free(&sets[f]);
  free(sets);
  free(rows);
  cli_input_free(&in);
  return rc;
}

const struct cli_command cli_cmd_spectrum = {
  .name = "spectrum",
  .summary = "peak, FWHM, integral and centroid of each spectrum in vendor exports",
  .order = 25,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "FILE... [--window NM1:NM2] [--baseline none|edges|N|VALUE]\n"
           "                        [--format-in NAME] [options]",
  .about =
      "Per spectrum: the peak (largest sample refined by the parabola through it\n"
      "and its neighbours), the FWHM (linear interpolation of the half-maximum\n"
      "crossings; undefined when a crossing leaves the window), the integrated\n"
      "intensity (trapezoid, y unit x nm) and the centroid (intensity-weighted\n"
      "mean wavelength), after the baseline is removed. Every spectrum of every\n"
      "file (a kinetic series or LightField frames give several) is one row.\n"
      "Clipped spectra (a flat top at 2^n-1 counts) are flagged.",
  .epilog =
      "Examples:\n"
      "  gainkit spectrum examples/input/ocean-oceanview.txt\n"
      "  gainkit spectrum examples/input/avantes-avasoft.ttt --baseline edges\n"
      "  gainkit spectrum examples/input/andor-kinetic.asc --window 500:560 --format json",
  .run = run,
};
