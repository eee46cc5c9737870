/* gainkit threshold — ASE threshold from a pump series or from spectra
 * (physics.md §3). Reads the input, runs the spectrum processing and the
 * threshold methods of the library, formats text/JSON/CSV and the figure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "gainkit/spectra.h"
#include "gainkit/threshold.h"

enum { M_KINK = 1, M_LINES = 2, M_FWHM = 4, M_ALL = 7 };
enum { OPT_SPECTRA = CLI_OPT_FIRST_FREE, OPT_METHOD, OPT_WINDOW, OPT_BASELINE };

/* The pump series, sorted by pump, as the methods and outputs see it. */
typedef struct series {
  size_t n;
  double *pump, *intensity, *peak_nm, *peak, *fwhm;
  int *flags;            /* GK_FWHM_* per spectrum */
  long *line;            /* source line (series input), 0 for spectra */
  int has_fwhm, spectra;
  char pump_unit[32], int_label[64];
  /* spectra only: normalised spectra for the colour map, n x nwl */
  size_t nwl;
  double *wl, *norm;
} series;

static void series_free(series *s)
{
  free(s->pump); free(s->intensity); free(s->peak_nm); free(s->peak); free(s->fwhm);
  free(s->flags); free(s->line); free(s->wl); free(s->norm);
  memset(s, 0, sizeof *s);
}

static int series_alloc(series *s, size_t n)
{
  s->n = n;
  s->pump = calloc(n, sizeof *s->pump);
  s->intensity = calloc(n, sizeof *s->intensity);
  s->peak_nm = calloc(n, sizeof *s->peak_nm);
  s->peak = calloc(n, sizeof *s->peak);
  s->fwhm = calloc(n, sizeof *s->fwhm);
  s->flags = calloc(n, sizeof *s->flags);
  s->line = calloc(n, sizeof *s->line);
  return s->pump && s->intensity && s->peak_nm && s->peak && s->fwhm && s->flags && s->line ? 0 : -1;
}

/* Order of the pumps (indices), so that tables and plots run low to high. */
static const double *sort_key;
static int cmp_idx(const void *a, const void *b)
{
  double u = sort_key[*(const size_t *)a], v = sort_key[*(const size_t *)b];
  return (u > v) - (u < v);
}
static size_t *pump_order(const double *pump, size_t n)
{
  size_t *ix = malloc(n * sizeof *ix);
  if (!ix) return NULL;
  for (size_t i = 0; i < n; i++) ix[i] = i;
  sort_key = pump;
  qsort(ix, n, sizeof *ix, cmp_idx);
  return ix;
}

/* ---- input ------------------------------------------------------------- */

/* The pump unit is carried to the output unchanged, but it must be one:
 * "pump (furlongs)" or "pump (ns)" is a mislabelled column, not data to
 * fit. Relative pump scales ("a.u.") are allowed. */
static int check_pump_unit(const char *path, long line, const char *unit, gk_error *e)
{
  static const char *const arbitrary[] = {"a.u.", "a.u", "au", "arb. units", "arb.u.", "arb"};
  static const char *const kinds[] = {"fluence", "intensity", "energy", "power", "current density"};
  if (!unit[0]) return GK_OK;
  for (size_t i = 0; i < sizeof arbitrary / sizeof *arbitrary; i++)
    if (strcmp(unit, arbitrary[i]) == 0) return GK_OK;
  gk_unit_info u;
  gk_error ue;
  if (gk_unit_describe(unit, &u, &ue) != GK_OK)
    return gk_error_set(e, GK_EINPUT, path, line, "pump unit: %s", ue.msg);
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(u.dimension, kinds[i]) == 0) return GK_OK;
  return gk_error_set(e, GK_EINPUT, path, line,
                      "pump unit '%s' is %s %s; expected a fluence, intensity, energy, power "
                      "or current density (or a.u.)",
                      unit, strchr("aeiou", u.dimension[0]) ? "an" : "a", u.dimension);
}

static int load_series(const char *path, series *s, gk_error *e)
{
  gk_table t;
  gk_read_options ro = {0};
  int rc = gk_table_read(path, &ro, &t, e);
  if (rc) return rc;
  if (t.ncols < 2 || t.ncols > 3) {
    rc = gk_error_set(e, GK_EINPUT, path, t.has_header ? t.header_line : t.line[0],
                      "%zu column(s); expected pump, intensity and optionally FWHM (nm)",
                      t.ncols);
    goto out;
  }
  size_t *ix;
  if ((rc = check_pump_unit(path, t.header_line, t.unit[0], e)) != GK_OK) goto out;
  if (series_alloc(s, t.nrows)) { rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  s->has_fwhm = t.ncols == 3;
  snprintf(s->pump_unit, sizeof s->pump_unit, "%s", t.unit[0]);
  if (t.unit[1][0])
    snprintf(s->int_label, sizeof s->int_label, "intensity (%s)", t.unit[1]);
  else
    snprintf(s->int_label, sizeof s->int_label, "intensity (a.u.)");
  double *col0 = malloc(t.nrows * sizeof *col0);
  if (!col0) { rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  for (size_t r = 0; r < t.nrows; r++) col0[r] = t.v[r * t.ncols];
  ix = pump_order(col0, t.nrows);
  free(col0);
  if (!ix) { rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  for (size_t k = 0; k < t.nrows; k++) {
    size_t r = ix[k];
    const double *row = t.v + r * t.ncols;
    s->pump[k] = row[0];
    s->intensity[k] = row[1];
    s->fwhm[k] = s->has_fwhm ? row[2] : NAN;
    s->peak_nm[k] = s->peak[k] = NAN;
    s->line[k] = t.line[r];
    if (!(row[0] > 0)) {
      rc = gk_error_set(e, GK_EINPUT, path, t.line[r], "pump %g is not positive", row[0]);
      break;
    }
    if (s->has_fwhm && !(row[2] > 0)) {
      rc = gk_error_set(e, GK_EINPUT, path, t.line[r], "FWHM %g nm is not positive", row[2]);
      break;
    }
  }
  free(ix);
out:
  gk_table_free(&t);
  return rc;
}

/* Spectra in the matrix are analysed one column at a time; a decreasing
 * wavelength axis is turned around first (the library wants increasing). */
static int load_spectra(cli_input *in, const char *const *paths, size_t npaths,
                        const gk_spectrum_options *so, series *s, gk_error *e)
{
  gk_matrix m;
  /* files, vendor formats, pumps, dark, orientation: the library's (gainkit/io.h) */
  int rc = cli_input_load(in, paths, npaths, &m);
  if (rc) return -rc;
  cli_input_offset_check(&m, so->baseline.kind != GK_BASELINE_NONE, in->a.dark != NULL,
                         "--dark FILE or --baseline N (mean of the first N samples)");
  const char *path = paths[0];
  size_t nr = m.nrow, nc = m.ncol;
  int rev = nr > 1 && m.row[1] < m.row[0];
  /* the corner cell's line is not recorded by the reader: name the file */
  if ((rc = check_pump_unit(path, 0, m.col_unit_in, e)) != GK_OK) {
    gk_matrix_free(&m);
    return rc;
  }
  s->spectra = 1;
  s->has_fwhm = 1;
  s->nwl = nr;
  snprintf(s->pump_unit, sizeof s->pump_unit, "%s", m.col_unit_in[0] ? m.col_unit_in : m.col_unit);
  snprintf(s->int_label, sizeof s->int_label, "integrated intensity (a.u.)");
  s->wl = malloc(nr * sizeof *s->wl);
  s->norm = malloc(nr * nc * sizeof *s->norm);
  double *y = malloc(nr * sizeof *y);
  size_t *ix = pump_order(m.col, nc);
  if (series_alloc(s, nc) || !s->wl || !s->norm || !y || !ix) {
    rc = gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < nr; i++) s->wl[i] = m.row[rev ? nr - 1 - i : i];
  for (size_t k = 0; k < nc && rc == GK_OK; k++) {
    size_t j = ix[k];
    if (!(m.col[j] > 0)) {
      rc = gk_error_set(e, GK_EINPUT, path, 0, "pump %g (column %zu) is not positive", m.col[j],
                        j + 2);
      break;
    }
    for (size_t i = 0; i < nr; i++) y[i] = m.z[(rev ? nr - 1 - i : i) * nc + j];
    gk_spectrum_stats st;
    rc = gk_spectrum_analyse(s->wl, y, nr, so, &st, e);
    if (rc) {
      if (!e->option[0] && !e->file[0]) {
        char msg[sizeof e->msg];
        memcpy(msg, e->msg, sizeof msg);
        gk_error_set(e, rc, path, 0, "spectrum at pump %g %s: %.400s", m.col[j], s->pump_unit,
                     msg);
      }
      break;
    }
    s->pump[k] = m.col[j];
    s->intensity[k] = st.integrated;
    s->peak_nm[k] = st.peak_nm;
    s->peak[k] = st.peak;
    s->fwhm[k] = st.fwhm_nm;
    s->flags[k] = st.fwhm_flags;
    /* normalised (baseline removed, peak = 1) for the colour map */
    for (size_t i = 0; i < nr; i++)
      s->norm[k * nr + i] = st.peak > 0 ? (y[i] - st.baseline) / st.peak : NAN;
  }
out:
  free(y);
  free(ix);
  gk_matrix_free(&m);
  return rc;
}

/* ---- options ----------------------------------------------------------- */

static int parse_method(const char *arg, int *m)
{
  if (!strcmp(arg, "kink")) *m = M_KINK;
  else if (!strcmp(arg, "lines")) *m = M_LINES;
  else if (!strcmp(arg, "fwhm")) *m = M_FWHM;
  else if (!strcmp(arg, "all")) *m = M_ALL;
  else {
    fprintf(stderr, "gainkit: --method: '%s' is not a method (use kink, lines, fwhm or all)\n", arg);
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

typedef struct results {
  int run_kink, run_lines, run_fwhm;
  int kink_rc, lines_rc, fwhm_rc;
  gk_threshold_kink kink;
  gk_threshold_lines lines;
  gk_threshold_fwhm fwhm;
  size_t n_fwhm;         /* points used by the fwhm method */
  char lines_reason[sizeof ((gk_error *)0)->msg]; /* why lines found no threshold (GK_ENOCONV) */
} results;

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
  return CLI_OK;
}

/* A threshold counts only when its fit converged and the data determine it
 * (finite standard error). */
static int kink_ok(const results *r)
{
  return r->kink_rc == GK_OK && r->kink.converged && r->kink.cov_ok;
}
static int fwhm_ok(const results *r)
{
  return r->fwhm_rc == GK_OK && r->fwhm.converged && r->fwhm.cov_ok;
}

static int all_converged(const results *r)
{
  return (!r->run_kink || kink_ok(r)) && (!r->run_lines || r->lines_rc == GK_OK) &&
         (!r->run_fwhm || fwhm_ok(r));
}

/* Why a method gave no threshold: the text of the warning and the JSON
 * "reason" (a failed method must say why, never just print null). */
static const char *kink_reason(const results *r)
{
  return !r->kink.converged ? r->kink.reason
                            : "break point not determined by the data (no change of slope?)";
}
static const char *fwhm_reason(const results *r)
{
  return !r->fwhm.converged ? r->fwhm.reason : "step not determined by the data (no FWHM collapse?)";
}

static void warn_failures(const results *r)
{
  if (r->run_kink && r->kink_rc == GK_OK && !kink_ok(r)) cli_warn("kink: %s", kink_reason(r));
  if (r->run_fwhm && r->fwhm_rc == GK_OK && !fwhm_ok(r)) cli_warn("fwhm: %s", fwhm_reason(r));
}

/* ---- output ------------------------------------------------------------ */

static const char *flag_text(int f)
{
  switch (f) {
  case GK_FWHM_LEFT_OUTSIDE: return "left crossing outside window";
  case GK_FWHM_RIGHT_OUTSIDE: return "right crossing outside window";
  case GK_FWHM_LEFT_OUTSIDE | GK_FWHM_RIGHT_OUTSIDE: return "both crossings outside window";
  default: return "";
  }
}

static cJSON *make_json(const char *path, const series *s, const results *r)
{
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "threshold");
  cJSON_AddStringToObject(j, "input", path);
  cJSON_AddStringToObject(j, "pump_unit", s->pump_unit);
  cJSON_AddBoolToObject(j, "converged", all_converged(r));
  cJSON *arr = cJSON_AddArrayToObject(j, "series");
  for (size_t i = 0; i < s->n; i++) {
    cJSON *o = cJSON_CreateObject();
    gk_json_num(o, "pump", s->pump[i]);
    gk_json_num(o, "intensity", s->intensity[i]);
    if (s->spectra) {
      gk_json_num(o, "peak_nm", s->peak_nm[i]);
      gk_json_num(o, "peak_intensity", s->peak[i]);
    }
    if (s->has_fwhm) gk_json_num(o, "fwhm_nm", s->fwhm[i]);
    if (s->flags[i]) cJSON_AddStringToObject(o, "fwhm_flag", flag_text(s->flags[i]));
    cJSON_AddItemToArray(arr, o);
  }
  cJSON *t = cJSON_AddObjectToObject(j, "thresholds");
  if (r->run_kink) {
    cJSON *k = gk_json_value_se(t, "kink", r->kink.value, r->kink.stderr_);
    cJSON_AddBoolToObject(k, "converged", kink_ok(r));
    if (!kink_ok(r)) cJSON_AddStringToObject(k, "reason", kink_reason(r));
    gk_json_num(k, "slope_below", r->kink.p[GK_KINK_B1]);
    gk_json_num(k, "slope_above", r->kink.p[GK_KINK_B2]);
  }
  if (r->run_lines) {
    cJSON *l = cJSON_AddObjectToObject(t, "lines");
    gk_json_num(l, "value", r->lines.value);
    cJSON_AddBoolToObject(l, "converged", r->lines_rc == GK_OK);
    if (r->lines_rc != GK_OK) cJSON_AddStringToObject(l, "reason", r->lines_reason);
    cJSON_AddNumberToObject(l, "n_below", (double)r->lines.n_below);
  }
  if (r->run_fwhm) {
    cJSON *f = gk_json_value_se(t, "fwhm", r->fwhm.value, r->fwhm.stderr_);
    cJSON_AddBoolToObject(f, "converged", fwhm_ok(r));
    if (!fwhm_ok(r)) cJSON_AddStringToObject(f, "reason", fwhm_reason(r));
    gk_json_num(f, "fwhm_below_nm", r->fwhm.p[GK_LOGI_WLO]);
    gk_json_num(f, "fwhm_above_nm", r->fwhm.p[GK_LOGI_WHI]);
  }
  return j;
}

static void make_text(cli_buf *b, const char *path, const series *s, const results *r)
{
  const char *u = s->pump_unit[0] ? s->pump_unit : "as given";
  cli_printf(b, "threshold: %s (%zu %s, pump in %s)\n\n", path, s->n,
             s->spectra ? "spectra" : "points", u);
  char ph[64];
  snprintf(ph, sizeof ph, "pump (%s)", s->pump_unit[0] ? s->pump_unit : "a.u.");
  int iw = (int)strlen(s->int_label);
  cli_printf(b, "  %14s  %*s", ph, iw, s->int_label);
  if (s->spectra) cli_printf(b, "  %10s", "peak (nm)");
  if (s->has_fwhm) cli_printf(b, "  %10s", "FWHM (nm)");
  cli_printf(b, "\n");
  for (size_t i = 0; i < s->n; i++) {
    cli_cell(b, 14, s->pump[i]);
    cli_cell(b, iw, s->intensity[i]);
    /* wavelengths: 0.01 nm, finer than any spectrometer resolves */
    if (s->spectra) cli_printf(b, "  %10.2f", s->peak_nm[i]);
    if (s->has_fwhm) cli_cell(b, 10, isfinite(s->fwhm[i]) ? s->fwhm[i] : NAN);
    if (s->flags[i]) cli_printf(b, "  (%s)", flag_text(s->flags[i]));
    cli_printf(b, "\n");
  }
  cli_printf(b, "\nThresholds:\n");
  if (r->run_kink) {
    cli_print_value(b, "kink", r->kink.value, r->kink.stderr_, s->pump_unit);
    cli_printf(b, "  %-12s log-log slopes %.3g below, %.3g above%s\n", "",
               r->kink.p[GK_KINK_B1], r->kink.p[GK_KINK_B2],
               kink_ok(r) ? "" : " (not determined)");
  }
  if (r->run_lines) {
    if (r->lines_rc == GK_OK) cli_print_value(b, "lines", r->lines.value, NAN, s->pump_unit);
    else cli_printf(b, "  %-12s none (the two lines are parallel)\n", "lines");
  }
  if (r->run_fwhm) {
    cli_print_value(b, "fwhm", r->fwhm.value, r->fwhm.stderr_, s->pump_unit);
    cli_printf(b, "  %-12s FWHM %.3g nm below, %.3g nm above%s\n", "", r->fwhm.p[GK_LOGI_WLO],
               r->fwhm.p[GK_LOGI_WHI], fwhm_ok(r) ? "" : " (not determined)");
  }
}

static int make_csv(gk_csv *c, const series *s, const results *r)
{
  char h0[64];
  snprintf(h0, sizeof h0, "pump (%s)", s->pump_unit);
  const char *hdr[] = {h0, s->int_label, "peak (nm)", "fwhm (nm)"};
  if (gk_csv_init(c, 4, hdr)) return -1;
  /* a method without a threshold says "none" and why, never "nan" */
  if (r->run_kink && kink_ok(r))
    gk_csv_add_comment(c, "kink_threshold: %.6g +- %.3g %s", r->kink.value, r->kink.stderr_,
                       s->pump_unit);
  else if (r->run_kink)
    gk_csv_add_comment(c, "kink_threshold: none (%s)", kink_reason(r));
  if (r->run_lines && r->lines_rc == GK_OK)
    gk_csv_add_comment(c, "lines_threshold: %.6g %s", r->lines.value, s->pump_unit);
  else if (r->run_lines)
    gk_csv_add_comment(c, "lines_threshold: none (%s)", r->lines_reason);
  if (r->run_fwhm && fwhm_ok(r))
    gk_csv_add_comment(c, "fwhm_threshold: %.6g +- %.3g %s", r->fwhm.value, r->fwhm.stderr_,
                       s->pump_unit);
  else if (r->run_fwhm)
    gk_csv_add_comment(c, "fwhm_threshold: none (%s)", fwhm_reason(r));
  for (size_t i = 0; i < s->n; i++) {
    double row[4] = {s->pump[i], s->intensity[i], s->peak_nm[i], s->fwhm[i]};
    if (gk_csv_add_row(c, row)) return -1;
  }
  return 0;
}

/* ---- figure ------------------------------------------------------------ */

enum { NCURVE = 200 };

static int make_plot(const char *out, const series *s, const results *r)
{
  int npanel = 1 + (s->has_fwhm ? 1 : 0) + (s->spectra ? 1 : 0);
  gk_figure *f = gk_figure_new(npanel, 1, 520 * npanel, 460, "ASE threshold");
  if (!f) return -1;
  char xl[96], lab[96];
  snprintf(xl, sizeof xl, "pump (%s)", s->pump_unit[0] ? s->pump_unit : "as given");
  double lo = s->pump[0], hi = s->pump[s->n - 1], cx[NCURVE], cy[NCURVE];
  for (int i = 0; i < NCURVE; i++) cx[i] = lo * pow(hi / lo, (double)i / (NCURVE - 1));

  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_labels(p, xl, s->int_label, "S-curve");
  gk_panel_log(p, 1, 1);
  gk_panel_add(p, s->pump, s->intensity, NULL, s->n, GK_STYLE_POINTS, 0, "data");
  if (r->run_kink && r->kink_rc == GK_OK) {
    for (int i = 0; i < NCURVE; i++) cy[i] = gk_threshold_kink_eval(&r->kink, cx[i]);
    gk_panel_add(p, cx, cy, NULL, NCURVE, GK_STYLE_LINE, 1, "kink fit");
    snprintf(lab, sizeof lab, "kink %.3g", r->kink.value);
    gk_panel_vline(p, r->kink.value, 1, lab);
  }
  if (r->run_lines && r->lines_rc == GK_OK) {
    /* the two lines of the linear-scale construction, each on its side */
    const gk_threshold_lines *L = &r->lines;
    double t = L->value, xa[NCURVE], ya[NCURVE], xb[NCURVE], yb[NCURVE];
    size_t na = 0, nb = 0;
    for (int i = 0; i < NCURVE; i++) {
      if (cx[i] <= t) { xa[na] = cx[i]; ya[na++] = L->c_lo + L->m_lo * cx[i]; }
      else { xb[nb] = cx[i]; yb[nb++] = L->c_hi + L->m_hi * cx[i]; }
    }
    gk_panel_add(p, xa, ya, NULL, na, GK_STYLE_DASHED, 2, "lines (below)");
    gk_panel_add(p, xb, yb, NULL, nb, GK_STYLE_DASHED, 3, "lines (above)");
    snprintf(lab, sizeof lab, "lines %.3g", t);
    gk_panel_vline(p, t, 2, lab);
  }
  int next = 1;
  if (s->has_fwhm) {
    p = gk_figure_panel(f, next++);
    gk_panel_labels(p, xl, "FWHM (nm)", "spectral narrowing");
    gk_panel_log(p, 1, 0);
    gk_panel_add(p, s->pump, s->fwhm, NULL, s->n, GK_STYLE_POINTS, 0, "FWHM");
    if (r->run_fwhm && r->fwhm_rc == GK_OK) {
      for (int i = 0; i < NCURVE; i++) cy[i] = gk_threshold_fwhm_eval(&r->fwhm, cx[i]);
      gk_panel_add(p, cx, cy, NULL, NCURVE, GK_STYLE_LINE, 1, "logistic fit");
      snprintf(lab, sizeof lab, "fwhm %.3g", r->fwhm.value);
      gk_panel_vline(p, r->fwhm.value, 1, lab);
    }
  }
  if (s->spectra) {
    p = gk_figure_panel(f, next);
    double *lp = malloc(s->n * sizeof *lp);
    if (!lp) { gk_figure_free(f); return -1; }
    for (size_t i = 0; i < s->n; i++) lp[i] = log10(s->pump[i]);
    snprintf(lab, sizeof lab, "log10 pump (%s)", s->pump_unit);
    gk_panel_labels(p, "wavelength (nm)", lab, "normalised spectra");
    gk_panel_image(p, s->wl, s->nwl, lp, s->n, s->norm, "I / I_peak");
    free(lp);
  }
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_figure_save(f, out, &e);
  gk_figure_free(f);
  if (rc) { cli_error(&e); return -1; }
  return 0;
}

/* ---- command ----------------------------------------------------------- */

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "threshold"};
  static const struct option longopts[] = {
      {"spectra", no_argument, NULL, OPT_SPECTRA},
      {"method", required_argument, NULL, OPT_METHOD},
      {"window", required_argument, NULL, OPT_WINDOW},
      {"baseline", required_argument, NULL, OPT_BASELINE},
      CLI_INPUT_FILE_LONGOPTS,
      CLI_INPUT_SERIES_LONGOPTS,
      CLI_COMMON_LONGOPTS,
      {0, 0, 0, 0}};
  int spectra = 0, methods = M_ALL, opt;
  const char *window = NULL, *baseline = NULL;
  gk_spectrum_options so = {0};
  cli_input in = {0};
  optind = 1;
  while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, c.cmd)) != -1) {
    switch (opt) {
    case '?': return CLI_USAGE;
    case OPT_SPECTRA: spectra = 1; break;
    case OPT_METHOD: if (parse_method(optarg, &methods) < 0) return CLI_USAGE; break;
    case OPT_WINDOW:
      window = optarg;
      if (cli_range("--window", optarg, "nm", &so.window_lo, &so.window_hi) < 0) return CLI_USAGE;
      so.use_window = 1;
      break;
    case OPT_BASELINE:
      baseline = optarg;
      if (parse_baseline(optarg, &so.baseline) < 0) return CLI_USAGE;
      break;
    default: {
      int h = cli_input_option(&in, opt, optarg);
      if (h < 0) return CLI_USAGE;
      if (h) break;
      h = cli_common_option(&c, opt, optarg);
      if (h < 0) return CLI_USAGE;
      if (h == 0) return cli_usage(c.cmd, "unexpected option");
    }
    }
  }
  if (optind >= argc) return cli_usage(c.cmd, "missing input FILE");
  if (optind + 1 < argc && !spectra)
    return cli_usage(c.cmd, "%d input files: did you mean --spectra? (several files are one "
                            "spectrum each)", argc - optind);
  if (!spectra && in.series_opts)
    return cli_usage(c.cmd, "the pump, dark and orientation options apply to spectra: did you "
                            "mean --spectra?");
  if (!spectra && (window || baseline))
    return cli_usage(c.cmd, "%s applies to spectra; add --spectra",
                     window ? "--window" : "--baseline");
  if (cli_common_check(&c) < 0) return CLI_USAGE;
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
  results r;
  rc = run_methods(path, &s, methods, &r);
  if (rc != CLI_OK) {
    series_free(&s);
    return rc;
  }
  for (size_t i = 0; i < s.n; i++)
    if (s.flags[i])
      cli_warn("spectrum at pump %g %s: %s; FWHM undefined", s.pump[i], s.pump_unit,
               flag_text(s.flags[i]));
  warn_failures(&r);
  int status = all_converged(&r) ? CLI_OK : CLI_FAILED;
  if (c.plot && make_plot(c.plot, &s, &r) < 0) {
    series_free(&s);
    return CLI_USAGE;
  }
  cJSON *j = make_json(path, &s, &r);
  cli_buf b = {0};
  make_text(&b, path, &s, &r);
  gk_csv csv;
  int csv_ok = make_csv(&csv, &s, &r) == 0;
  rc = cli_emit(&c, j, b.s, csv_ok ? &csv : NULL, status);
  if (csv_ok) gk_csv_free(&csv);
  cli_buf_free(&b);
  cJSON_Delete(j);
  series_free(&s);
  return rc;
}

const struct cli_command cli_cmd_threshold = {
  .name = "threshold",
  .summary = "ASE threshold from a pump series or spectra (kink, lines, FWHM)",
  .order = 30,
  .help =
      "Usage: gainkit threshold FILE [--spectra] [--method kink|lines|fwhm|all]\n"
      "       gainkit threshold FILE...|DIR --spectra [--pump-from-name] [--dark F]\n"
      "                         [--window NM1:NM2] [--baseline N|none|VALUE] [options]\n\n"
      "ASE threshold from emission versus pump (physics.md section 3).\n\n"
      "Input FILE:\n"
      "  default     columns pump, intensity and optionally FWHM (nm); the pump unit\n"
      "              in the header (\"pump (uJ/cm2)\") is carried to the output\n"
      "  --spectra   a matrix: first row the pump values (unit in the corner cell,\n"
      "              e.g. \"wavelength (nm) \\ pump (uJ/cm2)\"), first column the\n"
      "              wavelength in nm, one spectrum per column; each spectrum gives\n"
      "              its integrated intensity, peak wavelength and FWHM. The\n"
      "              orientation is detected (one spectrum per row is read\n"
      "              transposed, with a note). Or several files (or a\n"
      "              directory), one spectrum each, in any format below, with\n"
      "              their pumps from --pumps, --pumps-file or --pump-from-name\n\n"
      "Options:\n"
      "  --method M         kink, lines, fwhm or all (default all; fwhm needs widths)\n"
      "  --window NM1:NM2   analyse only this wavelength range (with --spectra)\n"
      "  --baseline B       subtracted from each spectrum (with --spectra):\n"
      "                     N = mean of the first N points (an integer), none\n"
      "                     (default), or a fixed VALUE (any other number: 100.0)\n\n"
      CLI_INPUT_FILE_HELP CLI_INPUT_SERIES_HELP "\n"
      "Methods (at least 6 points):\n"
      "  kink    continuous two-segment line in log10(intensity) vs log10(pump);\n"
      "          threshold 10^xb with its standard error\n"
      "  lines   two least-squares lines in linear scale (>= 3 points each, best\n"
      "          split); threshold where they intersect\n"
      "  fwhm    logistic step of the FWHM in log10(pump); threshold 10^x0 ± se\n\n"
      "Examples:\n"
      "  gainkit threshold examples/threshold-series.csv --plot s-curve.png\n"
      "  gainkit threshold examples/threshold-spectra.csv --spectra --baseline 10 \\\n"
      "      --window 490:590 --method kink --format json\n"
      "  gainkit threshold examples/fluence-series --spectra --pump-from-name \\\n"
      "      --dark examples/fluence-series/dark.txt --method kink\n\n" CLI_COMMON_HELP,
  .run = run,
};
