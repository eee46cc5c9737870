/* gainkit trend — the ASE threshold of several pump series, each
 * labelled by a control parameter (voltage, temperature, stripe length,
 * time), tabulated, plotted and fitted with a straight line (Qin et al.,
 * Nano Lett. 2021, Fig. 2f: 68 -> 32 uJ cm^-2 from 0 to 20 V; Goldberg et
 * al., Adv. Mater. 2024: threshold versus excitation length): the options,
 * gk_trend_run (gainkit/fluence.h) and the output
 * (cli/emit_thresholdtrend.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"
#include "emit_thresholdtrend.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

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
  double *xv = calloc(n, sizeof *xv);
  if (!xv) return cli_usage(c.cmd, "out of memory");
  char unit[32] = "";
  gk_error e;
  gk_error_clear(&e);
  if (vals) {
    /* plain numbers: the parameter's unit is the user's */
    size_t nv = 0;
    const char *pp = vals;
    while (*pp) {
      char tok[64];
      size_t k = strcspn(pp, ",");
      if (k == 0 || k >= sizeof tok) { free(xv); return CLI_QFAIL("values", "expected numbers separated by commas"); }
      memcpy(tok, pp, k), tok[k] = 0;
      double v;
      gk_error e0;
      if (gk_parse_number(tok, &v, &e0) != GK_OK) { free(xv); return CLI_QFAIL("values", "'%s': %s", tok, e0.msg); }
      if (nv < n) xv[nv] = v;
      nv++;
      pp += k;
      if (*pp == ',') pp++;
    }
    if (nv != n) { free(xv); return CLI_QFAIL("values", "%zu values for %zu files", nv, n); }
  } else if (gk_trend_values_from_names((const char *const *)files, n, xv, unit, sizeof unit, &e) != GK_OK) {
    free(xv);
    return cli_lib_error(c.cmd, &e);
  }
  gk_trend_series ts;
  int rc = gk_trend_run((const char *const *)files, xv, n, lines, &ts, &e);
  free(xv);
  cli_notes_warn(&ts.notes, NULL);
  if (rc) rc = e.code == GK_EUSAGE && !e.file[0] ? cli_lib_error(c.cmd, &e) : cli_error(&e);
  else rc = trend_emit(&c, &ts, param, unit, lines);
  gk_trend_series_free(&ts);
  return rc;
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
