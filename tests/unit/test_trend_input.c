/* The threshold trend's inputs: parameter values from file names, the
 * field-named errors of gk_trend_run, and a run on the bundled bias series
 * (examples/fluence/trend: thresholds falling with the bias, as in Qin et
 * al., Nano Lett. 2021, Fig. 2f) checked against the straight line
 * recomputed here from the returned thresholds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fluence.h"
#include "gk_test.h"

static void test_names(void)
{
  char u[32];
  CHECK_CLOSE(gk_trend_value_from_name("/d/series-20V.csv", u, sizeof u), 20, 0);
  CHECK_STR(u, "V");
  CHECK_CLOSE(gk_trend_value_from_name("T295K.csv", u, sizeof u), 295, 0);
  CHECK_STR(u, "K");
  CHECK_CLOSE(gk_trend_value_from_name("run_-5V", u, sizeof u), -5, 0);
  CHECK(isnan(gk_trend_value_from_name("series.csv", u, sizeof u)));
  const char *files[3] = {"a-1V.csv", "b-2K.csv", "c.csv"};
  double x[3];
  gk_error e;
  CHECK_INT(gk_trend_values_from_names(files, 2, x, u, sizeof u, &e), GK_OK);
  CHECK_STR(u, "");   /* units disagree */
  CHECK_INT(gk_trend_values_from_names(files, 3, x, u, sizeof u, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "'c.csv'") && strstr(e.msg, "`values`"));
}

static void test_run(void)
{
  const char *src = getenv("GK_SOURCE_DIR");
  char p[5][512];
  const char *files[5];
  double v[5] = {0, 5, 10, 15, 20};
  for (int i = 0; i < 5; i++) {
    snprintf(p[i], sizeof p[i], "%s/examples/fluence/trend/series-%02dV.csv", src ? src : "..", (int)v[i]);
    files[i] = p[i];
  }
  gk_trend_series t;
  gk_error e;
  /* equal values: refused before anything is read */
  double dup[5] = {0, 5, 5, 15, 20};
  CHECK_INT(gk_trend_run(files, dup, 5, 0, &t, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "same parameter value 5") != NULL);
  gk_trend_series_free(&t);
  /* given out of order: rows sorted by value */
  const char *rev[5] = {files[4], files[3], files[2], files[1], files[0]};
  double vr[5] = {20, 15, 10, 5, 0};
  CHECK_INT(gk_trend_run(rev, vr, 5, 0, &t, &e), GK_OK);
  CHECK_INT(t.n, 5);
  for (size_t i = 1; i < t.n; i++) CHECK(t.row[i].x > t.row[i - 1].x);
  CHECK_INT(t.m, 5);
  CHECK(t.trend_ok);
  CHECK(t.trend.b < 0);   /* the threshold falls with the bias */
  /* the weighted line from the returned points, by the normal equations */
  double S = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
  for (size_t i = 0; i < t.m; i++) {
    double w = 1 / (t.se[i] * t.se[i]);
    S += w, Sx += w * t.x[i], Sy += w * t.y[i], Sxx += w * t.x[i] * t.x[i], Sxy += w * t.x[i] * t.y[i];
  }
  double b = (S * Sxy - Sx * Sy) / (S * Sxx - Sx * Sx);
  CHECK_CLOSE(t.trend.b, b, 1e-9);
  CHECK_STR(t.pump_unit, "uJ/cm2");
  gk_trend_series_free(&t);
}

int main(void)
{
  RUN(test_names);
  RUN(test_run);
  return gk_test_summary();
}
