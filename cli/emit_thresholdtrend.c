/* cli/emit_thresholdtrend.c — output of `gainkit trend`: the thresholds
 * of the series and the straight line (text, JSON, CSV, figure). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_thresholdtrend.h"
#include "qopt.h"

int trend_emit(cli_common *c, const gk_trend_series *ts, const char *param, const char *unit, int lines)
{
  const size_t n = ts->n, m = ts->m;
  const double *x = ts->x, *y = ts->y, *s = ts->se;
  const gk_trend *t = &ts->trend;
  const char *pump_unit = ts->pump_unit;
  const int have_se = !lines;
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
    cJSON_AddStringToObject(o, "file", ts->row[i].file);
    gk_json_num(o, "value", ts->row[i].x);
    if (ts->row[i].ok) gk_json_value_se(o, "threshold", ts->row[i].th, ts->row[i].se);
    else {
      cJSON *th = cJSON_AddObjectToObject(o, "threshold");
      cJSON_AddNullToObject(th, "value");
      cJSON_AddStringToObject(th, "reason", "not determined: no break in the series");
    }
    cJSON_AddItemToArray(arr, o);
    cli_printf(&r.b, "  %-24s", cli_basename(ts->row[i].file));
    cli_cell(&r.b, 13, ts->row[i].x);
    if (ts->row[i].ok) {
      cli_cell(&r.b, 15, ts->row[i].th);
      cli_cell(&r.b, 13, ts->row[i].se);
    } else cli_printf(&r.b, "  not determined");
    cli_printf(&r.b, "\n");
  }
  if (ts->trend_ok) {
    cJSON *o = cJSON_AddObjectToObject(r.j, "trend");
    gk_json_value_se(o, "intercept", t->a, t->se_a);
    gk_json_value_se(o, "slope", t->b, t->se_b);
    gk_json_num(o, "chi2_red", t->chi2_red);
    double lo = x[0], hi = x[m - 1], ylo = t->a + t->b * lo, yhi = t->a + t->b * hi;
    gk_json_num(o, "change_relative", yhi / ylo - 1);
    char u[96];
    cli_printf(&r.b, "Straight-line trend (%s, chi2_red = %.3g):\n",
               have_se ? "weights 1/se^2; errors enlarged when chi2_red > 1" : "equal weights, errors from the scatter",
               t->chi2_red);
    snprintf(u, sizeof u, "%s per %s", pump_unit, unit[0] ? unit : "unit");
    cli_print_value(&r.b, "slope", t->b, t->se_b, u);
    cli_print_value(&r.b, "intercept", t->a, t->se_a, pump_unit);
    cli_printf(&r.b, "  change       %+.1f %% from %g to %g %s (on the line)\n", 100 * (yhi / ylo - 1), lo, hi, unit);
  } else {
    cJSON *o = cJSON_AddObjectToObject(r.j, "trend");
    cJSON_AddNullToObject(o, "slope");
    cJSON_AddStringToObject(o, "reason", ts->trend_reason);
    cli_printf(&r.b, "  trend        not determined: %s\n", ts->trend_reason);
  }
  static const char *hdr[] = {"value", "threshold", "se"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  gk_csv_add_comment(&r.csv, "threshold (%s) versus %s (%s)", pump_unit, pname, unit);
  for (size_t i = 0; i < n; i++) gk_csv_add_row(&r.csv, (double[]){ts->row[i].x, ts->row[i].th, ts->row[i].se});
  int rc = 0;
  if (c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    char xl[96], yl[96];
    snprintf(xl, sizeof xl, "%s%s%s%s", pname, unit[0] ? " (" : "", unit, unit[0] ? ")" : "");
    snprintf(yl, sizeof yl, "ASE threshold%s%s%s", pump_unit[0] ? " (" : "", pump_unit, pump_unit[0] ? ")" : "");
    gk_panel_labels(p, xl, yl, "threshold versus control parameter");
    gk_panel_add(p, x, y, have_se ? s : NULL, m, GK_STYLE_POINTS, -1, "threshold");
    if (ts->trend_ok) {
      double xs[2] = {x[0], x[m - 1]}, ys[2] = {t->a + t->b * x[0], t->a + t->b * x[m - 1]};
      gk_panel_add(p, xs, ys, NULL, 2, GK_STYLE_LINE, -1, "straight line");
    }
    rc = cli_save_figure(c, f);
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, ts->trend_ok ? CLI_OK : CLI_FAILED);
}
