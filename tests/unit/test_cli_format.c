/* The shared text formatting of cli/common.c (compiled in here: the CLI is
 * not a library): uncertainty rounding and significant digits. */
#include "../../cli/common.c"
#include "../../cli/provenance.c" /* cli_emit adds the provenance block */
#include "../../cli/qopt.c"       /* cli_quantity: units of bare numbers */
#include "gk_test.h"

static const char *val(double v, double se, const char *unit)
{
  static char buf[128];
  return cli_fmt_value(buf, sizeof buf, v, se, unit);
}

static void test_uncertainty_rounding(void)
{
  /* leading digits 355-949: one significant digit (brief example) */
  CHECK_STR(val(22.714, 0.69, "cm^-1"), "22.7 ± 0.7 cm^-1");
  /* 100-354: two */
  CHECK_STR(val(33.6435, 0.3426, "uJ/cm2"), "33.64 ± 0.34 uJ/cm2");
  CHECK_STR(val(1.2344, 0.0123, NULL), "1.234 ± 0.012");
  /* 950-999 round up to 1000 with two digits */
  CHECK_STR(val(33.6079, 0.969, "uJ/cm2"), "33.6 ± 1.0 uJ/cm2");
  /* uncertainty larger than one: integer rounding, no decimals */
  CHECK_STR(val(14532, 123, "s"), "14530 ± 120 s");
  /* large and small magnitudes share one exponent */
  CHECK_STR(val(3.1308e18, 1.2e17, "cm^-3"), "(3.13 ± 0.12)e18 cm^-3");
  CHECK_STR(val(2.4e-11, 6e-13, "s"), "(2.40 ± 0.06)e-11 s");
  /* a value that rounds to zero has no sign */
  CHECK_STR(val(-0.04, 1.3, "cm^-1"), "not determined (best fit -0.04 cm^-1, standard error 1.3 cm^-1)");
  CHECK_STR(val(0.9, 1.3, "cm^-1"), "not determined (best fit 0.9 cm^-1, standard error 1.3 cm^-1)");
  CHECK_STR(val(-0.04, 0.013, "cm^-1"), "-0.040 ± 0.013 cm^-1");
  CHECK_STR(val(2e-5, 1.3e-5, NULL), "(2.0 ± 1.3)e-5");
  /* no usable uncertainty: value with CLI_SIG digits */
  CHECK_STR(val(0.583074, NAN, ""), "0.5831");
  CHECK_STR(val(2.48869e6, 0, "W/cm^2"), "2.489e6 W/cm^2");
  CHECK_STR(val(1.6021e-4, -1, "J/cm^2"), "1.602e-4 J/cm^2");
  CHECK_STR(val(140520, NAN, "W/cm^2"), "140500 W/cm^2");
}

/* The value of issue 14: a standard error far beyond the value used to
 * print as "(0.0 ± 1.9)e12", hiding the best fit 31.5. Value and error are
 * printed apart, and JSON says "determined": false. */
static void test_undetermined(void)
{
  CHECK_STR(val(31.5, 1.9e12, "s"), "not determined (best fit 31.5 s, standard error 1.9e12 s)");
  CHECK(!cli_determined(31.5, 1.9e12));
  CHECK(cli_determined(31.5, 31.5));
  CHECK(cli_determined(31.5, NAN));      /* no error given: a closed-form value */
  CHECK(!cli_determined(NAN, 1));
  CHECK(!cli_determined(31.5, INFINITY));
  char b[256];
  CHECK_STR(cli_fmt_undetermined(b, sizeof b, 1e-6, NAN, "s", "at its lower bound"),
            "not determined (best fit 1e-6 s, no standard error; at its lower bound)");
  cJSON *o = cJSON_CreateObject();
  cJSON *v = cli_json_value(o, "tau", 31.5, 1.9e12, 1, NULL);
  CHECK(cJSON_IsFalse(cJSON_GetObjectItem(v, "determined")));
  CHECK_ABS(cJSON_GetObjectItem(v, "value")->valuedouble, 31.5, 0);
  v = cli_json_value(o, "k", 3.0, 0.1, 1, NULL);
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(v, "determined")));
  v = cli_json_value(o, "b", 3.0, 0.1, 0, "at a bound");
  CHECK(cJSON_IsFalse(cJSON_GetObjectItem(v, "determined")));
  CHECK_STR(cJSON_GetObjectItem(v, "reason")->valuestring, "at a bound");
  cJSON_Delete(o);
  /* a location (t0, offset, charge count): zero is a value, the form stays */
  CHECK_STR(cli_fmt_location(b, sizeof b, -0.002627, 0.0052, "ps"), "-0.003 ± 0.005 ps");
}

static void test_numbers(void)
{
  char b[64];
  CHECK_STR(cli_fmt_num(b, sizeof b, 1.4296e6, 4), "1.43e6");
  CHECK_STR(cli_fmt_num(b, sizeof b, -2.5e-12, 3), "-2.5e-12");
  CHECK_STR(cli_fmt_num(b, sizeof b, 1e100, 4), "1e100");
  CHECK_STR(cli_fmt_num(b, sizeof b, INFINITY, 4), "infinite");
  CHECK_STR(cli_fmt_num(b, sizeof b, NAN, 4), "not determined");
  CHECK_STR(cli_fmt_value(b, sizeof b, NAN, 0.1, "mJ/cm2"), "not determined");
  CHECK_STR(cli_fmt_num(b, sizeof b, 534.445, 4), "534.4");
  /* no flip to exponent form inside 1e-3..1e6; trailing zeros dropped */
  CHECK_STR(cli_fmt_num(b, sizeof b, 13002, 4), "13000");
  CHECK_STR(cli_fmt_num(b, sizeof b, 5.0, 4), "5");
  CHECK_STR(cli_fmt_num(b, sizeof b, 0.00123456, 4), "0.001235");
  CHECK_STR(cli_fmt_num(b, sizeof b, -0.00001, 2), "-1e-5");
  CHECK_STR(cli_fmt_num(b, sizeof b, 0, 4), "0");
}

int main(void)
{
  RUN(test_uncertainty_rounding);
  RUN(test_numbers);
  RUN(test_undetermined);
  return gk_test_summary();
}
