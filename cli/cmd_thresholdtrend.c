/* gainkit trend — the ASE threshold of several pump series, each
 * labelled by a control parameter (voltage, temperature, stripe length,
 * time), tabulated, plotted and fitted with a straight line (Qin et al.,
 * Nano Lett. 2021, Fig. 2f: 68 -> 32 uJ cm^-2 from 0 to 20 V; Goldberg et
 * al., Adv. Mater. 2024: threshold versus excitation length). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* The last number in a file name (before the extension), with the letters
 * right after it as its unit: "series-20V.csv" -> 20, "V";
 * "T295K.csv" -> 295, "K"; "run_-5V" -> -5. NAN when there is none. */
static double value_from_name(const char *path, char *unit, size_t usz)
{
  const char *b = cli_basename(path), *dot = strrchr(b, '.');
  size_t len = dot ? (size_t)(dot - b) : strlen(b);
  double v = NAN;
  unit[0] = 0;
  for (size_t i = 0; i < len; i++) {
    if (!isdigit((unsigned char)b[i]) || (i && (isdigit((unsigned char)b[i - 1]) || b[i - 1] == '.'))) continue;
    size_t st = i;
    if (i && b[i - 1] == '-' && (i == 1 || !isalnum((unsigned char)b[i - 2]))) st = i - 1;
    char *end;
    v = strtod(b + st, &end);
    size_t k = 0;
    while (end < b + len && isalpha((unsigned char)*end) && k + 1 < usz) unit[k++] = *end++;
    unit[k] = 0;
    i = (size_t)(end - b);
  }
  return v;
}

typedef struct row { double x, th, se; const char *file; int ok; } row;
static int cmp_row(const void *a, const void *b)
{
  double u = ((const row *)a)->x, w = ((const row *)b)->x;
  return (u > w) - (u < w);
}

/* ---- options (declarative: --help is generated from this table) ---- */
static const char *vals, *param, *method;
static cli_qopt q[] = {
  CLI_OPT_STRING("values", "v1,v2,...", &vals, "the last number in each file name with its unit",
                 "the parameter of each file, in order (series-20V.csv: 20 V without it)"),
  CLI_OPT_STRING("param", "NAME", &param, NULL, "what the parameter is (\"bias\", \"temperature\"), for labels"),
  CLI_OPT_STRING("method", "kink|lines", &method, "kink",
                 "kink: log-log broken line, with standard errors; lines: two straight lines, no errors "
                 "(equal weights)"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "trend"};
  CLI_RESET(vals), CLI_RESET(param), CLI_RESET(method);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, CLI_NOPTS(q), &first) < 0) return CLI_USAGE;
  size_t n = (size_t)(argc - first);
  if (n < 3) return cli_usage(c.cmd, "give at least 3 pump series (one per value of the control parameter)");
  int lines = 0;
  if (method) {
    if (!strcmp(method, "lines")) lines = 1;
    else if (strcmp(method, "kink")) return CLI_QFAIL("method", "kink or lines (got '%s')", method);
  }
  char **files = argv + first;
  row *rw = calloc(n, sizeof *rw);
  if (!rw) return cli_usage(c.cmd, "out of memory");
  char unit[32] = "";
  if (vals) {
    /* plain numbers: the parameter's unit is the user's */
    size_t nv = 0;
    const char *pp = vals;
    while (*pp) {
      char tok[64];
      size_t k = strcspn(pp, ",");
      if (k == 0 || k >= sizeof tok) { free(rw); return CLI_QFAIL("values", "expected numbers separated by commas"); }
      memcpy(tok, pp, k), tok[k] = 0;
      double v;
      gk_error e0;
      if (gk_parse_number(tok, &v, &e0) != GK_OK) { free(rw); return CLI_QFAIL("values", "'%s': %s", tok, e0.msg); }
      if (nv < n) rw[nv].x = v;
      nv++;
      pp += k;
      if (*pp == ',') pp++;
    }
    if (nv != n) { free(rw); return CLI_QFAIL("values", "%zu values for %zu files", nv, n); }
  } else {
    for (size_t i = 0; i < n; i++) {
      char u[32];
      rw[i].x = value_from_name(files[i], u, sizeof u);
      if (isnan(rw[i].x)) {
        free(rw);
        return cli_usage(c.cmd, "no number in the name '%s' (e.g. series-20V.csv): give --values", cli_basename(files[i]));
      }
      if (i == 0) snprintf(unit, sizeof unit, "%s", u);
      else if (strcmp(unit, u)) unit[0] = 0;
    }
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      if (rw[i].x == rw[j].x) {
        double dup = rw[i].x;
        free(rw);
        return cli_usage(c.cmd, "'%s' and '%s' have the same parameter value %g", cli_basename(files[j]),
                         cli_basename(files[i]), dup);
      }
  gk_error e;
  gk_error_clear(&e);
  char pump_unit[32] = "";
  for (size_t i = 0; i < n; i++) {
    gk_columns col;
    gk_columns_options co = {.allow_unsorted = 1, .reject_duplicate_x = 1, .require_positive_x = 1,
                             .min_points = GK_THRESHOLD_MIN_POINTS};
    if (gk_columns_read(files[i], &co, &col, &e) != GK_OK) { free(rw); return cli_error(&e); }
    if (i == 0) snprintf(pump_unit, sizeof pump_unit, "%s", col.x_unit_in);
    else if (strcmp(pump_unit, col.x_unit_in)) {
      gk_error_set(&e, GK_EINPUT, files[i], 0, "pump unit '%s' differs from '%s' in %s", col.x_unit_in, pump_unit,
                   cli_basename(files[0]));
      gk_columns_free(&col), free(rw);
      return cli_error(&e);
    }
    rw[i].file = files[i];
    int rc;
    if (lines) {
      gk_threshold_lines l;
      rc = gk_threshold_lines_fit(col.x, col.y, col.n, &l, &e);
      if (rc == GK_OK) rw[i].th = l.value, rw[i].se = NAN, rw[i].ok = 1;
    } else {
      gk_threshold_kink k;
      rc = gk_threshold_kink_fit(col.x, col.y, col.n, &k, &e);
      if (rc == GK_OK) rw[i].th = k.value, rw[i].se = k.stderr_, rw[i].ok = k.converged && k.cov_ok;
    }
    gk_columns_free(&col);
    if (rc == GK_ENOCONV) {
      rw[i].ok = 0, rw[i].th = NAN, rw[i].se = NAN;
      gk_error_clear(&e);
    } else if (rc) {
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", files[i]);
      free(rw);
      return cli_error(&e);
    }
    if (!rw[i].ok) cli_warn("%s: no threshold determined (no break in the series); left out of the trend", cli_basename(files[i]));
  }
  qsort(rw, n, sizeof *rw, cmp_row);
  double *x = malloc(3 * n * sizeof *x);
  if (!x) { free(rw); return cli_usage(c.cmd, "out of memory"); }
  double *y = x + n, *s = y + n;
  size_t m = 0;
  int have_se = !lines;
  for (size_t i = 0; i < n; i++)
    if (rw[i].ok) x[m] = rw[i].x, y[m] = rw[i].th, s[m] = rw[i].se, m++;
  gk_trend t;
  int trc = gk_trend_linear(x, y, have_se ? s : NULL, m, &t, &e);
  const char *pname = param ? param : "parameter";
  cli_result r;
  cli_result_init(&r, "trend");
  cJSON_AddStringToObject(r.j, "parameter", pname);
  cJSON_AddStringToObject(r.j, "parameter_unit", unit);
  cJSON_AddStringToObject(r.j, "pump_unit", pump_unit);
  cJSON_AddStringToObject(r.j, "method", lines ? "lines" : "kink");
  cli_printf(&r.b, "ASE threshold (%s method) versus %s, %zu series\n", lines ? "two-line" : "log-log kink", pname, n);
  cli_printf(&r.b, "  %-24s %12s %14s %12s\n", "file", unit[0] ? unit : pname, pump_unit[0] ? pump_unit : "threshold", "se");
  cJSON *arr = cJSON_AddArrayToObject(r.j, "series");
  for (size_t i = 0; i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", rw[i].file);
    gk_json_num(o, "value", rw[i].x);
    if (rw[i].ok) gk_json_value_se(o, "threshold", rw[i].th, rw[i].se);
    else {
      cJSON *th = cJSON_AddObjectToObject(o, "threshold");
      cJSON_AddNullToObject(th, "value");
      cJSON_AddStringToObject(th, "reason", "not determined: no break in the series");
    }
    cJSON_AddItemToArray(arr, o);
    cli_printf(&r.b, "  %-24s", cli_basename(rw[i].file));
    cli_cell(&r.b, 13, rw[i].x);
    if (rw[i].ok) {
      cli_cell(&r.b, 15, rw[i].th);
      cli_cell(&r.b, 13, rw[i].se);
    } else cli_printf(&r.b, "  not determined");
    cli_printf(&r.b, "\n");
  }
  if (trc == GK_OK) {
    cJSON *o = cJSON_AddObjectToObject(r.j, "trend");
    gk_json_value_se(o, "intercept", t.a, t.se_a);
    gk_json_value_se(o, "slope", t.b, t.se_b);
    gk_json_num(o, "chi2_red", t.chi2_red);
    double lo = x[0], hi = x[m - 1], ylo = t.a + t.b * lo, yhi = t.a + t.b * hi;
    gk_json_num(o, "change_relative", yhi / ylo - 1);
    char u[96];
    cli_printf(&r.b, "Straight-line trend (%s, chi2_red = %.3g):\n",
               have_se ? "weights 1/se^2; errors enlarged when chi2_red > 1" : "equal weights, errors from the scatter",
               t.chi2_red);
    snprintf(u, sizeof u, "%s per %s", pump_unit, unit[0] ? unit : "unit");
    cli_print_value(&r.b, "slope", t.b, t.se_b, u);
    cli_print_value(&r.b, "intercept", t.a, t.se_a, pump_unit);
    cli_printf(&r.b, "  change       %+.1f %% from %g to %g %s (on the line)\n", 100 * (yhi / ylo - 1), lo, hi, unit);
  } else {
    cJSON *o = cJSON_AddObjectToObject(r.j, "trend");
    cJSON_AddNullToObject(o, "slope");
    cJSON_AddStringToObject(o, "reason", e.msg);
    cli_printf(&r.b, "  trend        not determined: %s\n", e.msg);
  }
  static const char *hdr[] = {"value", "threshold", "se"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  gk_csv_add_comment(&r.csv, "threshold (%s) versus %s (%s)", pump_unit, pname, unit);
  for (size_t i = 0; i < n; i++) gk_csv_add_row(&r.csv, (double[]){rw[i].x, rw[i].th, rw[i].se});
  int rc = 0;
  if (c.plot) {
    gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    char xl[96], yl[96];
    snprintf(xl, sizeof xl, "%s%s%s%s", pname, unit[0] ? " (" : "", unit, unit[0] ? ")" : "");
    snprintf(yl, sizeof yl, "ASE threshold%s%s%s", pump_unit[0] ? " (" : "", pump_unit, pump_unit[0] ? ")" : "");
    gk_panel_labels(p, xl, yl, "threshold versus control parameter");
    gk_panel_add(p, x, y, have_se ? s : NULL, m, GK_STYLE_POINTS, -1, "threshold");
    if (trc == GK_OK) {
      double xs[2] = {x[0], x[m - 1]}, ys[2] = {t.a + t.b * x[0], t.a + t.b * x[m - 1]};
      gk_panel_add(p, xs, ys, NULL, 2, GK_STYLE_LINE, -1, "straight line");
    }
    rc = cli_save_figure(&c, f);
  }
  free(x), free(rw);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, trc == GK_OK ? CLI_OK : CLI_FAILED);
}

const struct cli_command cli_cmd_thresholdtrend = {
  .name = "trend",
  .summary = "ASE threshold versus a control parameter (voltage, temperature, length, time)",
  .order = 31,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "SERIES1.csv SERIES2.csv ... [--values v1,v2,...]\n"
           "                               [--param NAME] [--method kink|lines]",
  .about =
    "The threshold of every pump series (pump, intensity columns, as for\n"
    "`gainkit threshold`), tabulated against the control parameter the series\n"
    "are labelled by, with a weighted straight line through them (Qin et al.,\n"
    "Nano Lett. 2021, Fig. 2f: 68 -> 32 uJ cm^-2 from 0 to 20 V).",
  .epilog =
    "A series whose threshold is not determined is reported as such and left\n"
    "out of the line. -o FILE.csv writes value, threshold, se; --plot the trend.\n"
    "Examples:\n"
    "  gainkit trend examples/fluence/trend/series-*V.csv --param bias --plot trend.svg\n"
    "  gainkit trend examples/fluence/trend/series-*V.csv --values 0,5,10,15,20 -o trend.csv",
  .run = run,
};
