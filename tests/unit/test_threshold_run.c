/* gk_threshold_methods_parse, gk_threshold_select and gk_threshold_run:
 * the method names, the pump range given as text with units (converted to
 * the series' pump unit), and the method dispatch with its input checks.
 * The kink of an exact broken power law (slope 1 below 5 uJ/cm2, slope 3
 * above) must be found at 5, its closed-form break. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gk_test.h"
#include "gainkit/threshold.h"

/* n pumps 1..n (unit), intensity p below 5 and 5 (p/5)^3 above, lines 2.. */
static void series(gk_threshold_series *s, size_t n, const char *unit)
{
  memset(s, 0, sizeof *s);
  s->n = n;
  s->pump = malloc(n * sizeof *s->pump);
  s->intensity = malloc(n * sizeof *s->intensity);
  s->peak_nm = malloc(n * sizeof *s->peak_nm);
  s->peak = malloc(n * sizeof *s->peak);
  s->fwhm = malloc(n * sizeof *s->fwhm);
  s->baseline = malloc(n * sizeof *s->baseline);
  s->flags = calloc(n, sizeof *s->flags);
  s->line = malloc(n * sizeof *s->line);
  for (size_t i = 0; i < n; i++) {
    double p = (double)(i + 1);
    s->pump[i] = p;
    s->intensity[i] = p < 5 ? p : 5 * pow(p / 5, 3);
    s->peak_nm[i] = s->peak[i] = s->fwhm[i] = NAN;
    s->baseline[i] = 0;
    s->line[i] = (long)i + 2;
  }
  snprintf(s->pump_unit, sizeof s->pump_unit, "%s", unit);
}

static void test_methods_parse(void)
{
  gk_error e;
  gk_error_clear(&e);
  int m = 0;
  CHECK_INT(gk_threshold_methods_parse("kink,lines", &m, &e), GK_OK);
  CHECK_INT(m, GK_THRESHOLD_KINK | GK_THRESHOLD_LINES);
  CHECK_INT(gk_threshold_methods_parse("all", &m, &e), GK_OK);
  CHECK_INT(m, GK_THRESHOLD_ALL);
  CHECK_INT(gk_threshold_methods_parse("kink,slope", &m, &e), GK_EUSAGE);
  CHECK(strcmp(e.option, "methods") == 0);
  CHECK(strstr(e.msg, "'slope' is not a method") != NULL);
}

static void test_select(void)
{
  gk_threshold_series s;
  gk_error e;
  gk_error_clear(&e);
  /* 3 uJ/cm2 to 0.008 mJ/cm2 = 8 uJ/cm2: pumps 3..8 kept */
  series(&s, 12, "uJ/cm2");
  gk_threshold_options o = {.range = "3:0.008mJ/cm2", .path = "s.csv"};
  CHECK_INT(gk_threshold_select(&s, &o, &e), GK_OK);
  CHECK_INT((long)s.n, 6);
  CHECK_INT((long)s.n_total, 12);
  CHECK_INT((long)s.n_out, 6);
  CHECK_CLOSE(s.pump[0], 3, 0);
  CHECK_CLOSE(s.pump[5], 8, 1e-12);
  CHECK_INT((long)s.line[0], 4);
  gk_threshold_series_free(&s);
  /* max_pump with a unit */
  series(&s, 12, "uJ/cm2");
  o = (gk_threshold_options){.max_pump = "0.01 mJ/cm2"};
  CHECK_INT(gk_threshold_select(&s, &o, &e), GK_OK);
  CHECK_INT((long)s.n, 10);
  gk_threshold_series_free(&s);
  /* the errors name the field */
  series(&s, 12, "uJ/cm2");
  o = (gk_threshold_options){.range = "5"};
  CHECK_INT(gk_threshold_select(&s, &o, &e), GK_EUSAGE);
  CHECK(strcmp(e.option, "range") == 0);
  o = (gk_threshold_options){.range = "9:3"};
  CHECK_INT(gk_threshold_select(&s, &o, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "is empty") != NULL);
  o = (gk_threshold_options){.max_pump = "2uJ"};  /* an energy, not a fluence */
  CHECK_INT(gk_threshold_select(&s, &o, &e), GK_EINPUT);
  CHECK(strcmp(e.option, "max_pump") == 0);
  CHECK_INT((long)s.n, 12);  /* untouched on error */
  gk_threshold_series_free(&s);
  /* an arbitrary pump unit takes no suffix */
  series(&s, 12, "a.u.");
  o = (gk_threshold_options){.max_pump = "5uJ/cm2"};
  CHECK_INT(gk_threshold_select(&s, &o, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "takes no suffix") != NULL);
  gk_threshold_series_free(&s);
}

static void test_run(void)
{
  gk_threshold_series s;
  gk_threshold_results r;
  gk_notes notes = {0};
  gk_error e;
  gk_error_clear(&e);
  series(&s, 12, "uJ/cm2");
  gk_threshold_options o = {.methods = GK_THRESHOLD_KINK | GK_THRESHOLD_LINES, .path = "s.csv"};
  CHECK_INT(gk_threshold_run(&s, &o, &r, &notes, &e), GK_OK);
  CHECK_INT(r.run_kink, 1);
  CHECK_INT(r.run_lines, 1);
  CHECK_INT(r.run_fwhm, 0);
  CHECK_CLOSE(r.kink.value, 5, 1e-6);
  gk_threshold_results_free(&r);
  gk_notes_free(&notes);
  /* fwhm alone without widths; peak alone without spectra: the input's name */
  o.methods = GK_THRESHOLD_FWHM;
  CHECK_INT(gk_threshold_run(&s, &o, &r, NULL, &e), GK_EINPUT);
  CHECK(strcmp(e.file, "s.csv") == 0);
  CHECK(strstr(e.msg, "`methods` fwhm needs a FWHM column") != NULL);
  o.methods = GK_THRESHOLD_PEAK;
  CHECK_INT(gk_threshold_run(&s, &o, &r, NULL, &e), GK_EINPUT);
  /* a non-positive intensity for the kink method: file and line */
  s.intensity[3] = 0;
  o.methods = 0;  /* default */
  CHECK_INT(gk_threshold_run(&s, &o, &r, NULL, &e), GK_EINPUT);
  CHECK_INT(e.line, 5);
  gk_threshold_results_free(&r);
  /* too few points */
  s.n = 5;
  CHECK_INT(gk_threshold_run(&s, &o, &r, NULL, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "at least 6 points") != NULL);
  s.n = 12;
  gk_threshold_series_free(&s);
}

int main(void)
{
  RUN(test_methods_parse);
  RUN(test_select);
  RUN(test_run);
  return gk_test_summary();
}
