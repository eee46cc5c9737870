/* gainkit kinetics — multi-exponential fits of decay traces, with a
 * Gaussian or measured instrument response, single or global. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/kinetics.h"
#include "emit_kinetics.h"

/* ---- options (declarative: --help is generated from this table) ---- */
static gk_kin_options fitopt;
static struct {
  const char *irf, *time_unit;
  double irf_fwhm, t0;
  long trace;
  int offset, global, poisson;
} A = {.time_unit = "ps", .trace = 1, .irf_fwhm = NAN, .t0 = NAN};

static int parse_components(cli_qopt *o, const char *arg)
{
  if (!strcmp(arg, "auto")) { fitopt.ncomp = 0; return 0; }
  long v;
  if (cli_int("--components", arg, 1, GK_KIN_MAX_COMPONENTS, &v) < 0) return -1;
  fitopt.ncomp = (int)v;
  return 0;
}

static int parse_time_unit(cli_qopt *o, const char *arg)
{
  double f;
  if (gk_unit_factor(arg, "s", &f, NULL) != GK_OK) return cli_qopt_fail(o->name, "'%s' is not a time unit", arg);
  A.time_unit = arg;
  return 0;
}

static cli_qopt opts[] = {
  CLI_OPT_CALLBACK("components", "N|auto", parse_components, "1",
                   "number of exponentials; auto: 1..4 by AICc"),
  CLI_OPT_QTY("irf-fwhm", "T", "s", QO_POS, &A.irf_fwhm, NULL, "Gaussian IRF of this FWHM, e.g. 5ps or 0.5ns"),
  CLI_OPT_STRING("irf", "FILE", &A.irf, NULL, "measured IRF: time, value (normalised to unit area)"),
  CLI_OPT_FLAG("offset", &A.offset, "fit a constant offset per trace"),
  CLI_OPT_FLAG("global", &A.global, "fit all trace columns with shared lifetimes and t0"),
  CLI_OPT_INT("trace", "N", &A.trace, 1, 1000, "1", "fit trace column N when not --global"),
  CLI_OPT_QTY("t0", "T", "s", QO_ANY, &A.t0, "fitted with an IRF, 0 without", "hold time zero at T"),
  CLI_OPT_FLAG("poisson", &A.poisson, "weight by counting statistics, sigma = sqrt(max(|y|, 1))"),
  CLI_OPT_CALLBACK("time-unit", "UNIT", parse_time_unit, "ps",
                   "unit of the time columns (data and --irf) when their header has none"),
};

/* library struct fields -> this command's flags */
static const cli_fieldmap fields[] = {{"trace", "--trace"}, {"time_unit", "--time-unit"},
                                      {"irf.fwhm", "--irf-fwhm"}, {"irf", "--irf"},
                                      {"ncomp", "--components"}, {NULL, NULL}};

/* The measured IRF: its file read as a one-trace table in --time-unit. */
static int read_irf(const char *path, gk_kin_prepared *irf)
{
  gk_error e;
  gk_error_clear(&e);
  gk_read_options ro = {.min_rows = 2};
  gk_table t;
  if (gk_table_read(path, &ro, &t, &e) != GK_OK) return cli_error(&e);
  gk_kin_prepare_options po = {.time_unit = A.time_unit, .trace = 1};
  int rc = gk_kin_prepare(&t, &po, irf, &e) != GK_OK ? cli_error(&e) : 0;
  gk_table_free(&t);
  return rc;
}

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "kinetics"};
  CLI_RESET(A);
  cli_set_fieldmap(fields);
  gk_kin_options_default(&fitopt);
  gk_kin_options o;
  int first;
  if (cli_qopt_parse(&c, argc, argv, opts, CLI_NOPTS(opts), &first) < 0) return CLI_USAGE;
  o = fitopt;
  if (first >= argc) return cli_usage(c.cmd, "missing FILE");
  if (first + 1 < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first + 1]);
  if (isfinite(A.irf_fwhm)) o.irf = (gk_kin_irf){.kind = GK_KIN_IRF_GAUSS, .fwhm = A.irf_fwhm};
  if (isfinite(A.t0)) { o.t0 = A.t0; o.t0_fixed = 1; }
  o.offset = A.offset;
  if (A.irf && o.irf.kind == GK_KIN_IRF_GAUSS) return cli_usage(c.cmd, "--irf and --irf-fwhm exclude each other");
  if (A.global && A.trace != 1) return cli_usage(c.cmd, "--trace and --global exclude each other");
  const char *path = argv[first], *irf_path = A.irf;
  const int global = A.global;

  gk_error e;
  gk_error_clear(&e);
  gk_read_options ro = {.min_rows = 3};
  gk_table t;
  if (gk_table_read(path, &ro, &t, &e) != GK_OK) return cli_error(&e);
  int rc = CLI_OK;
  double *tps = NULL;
  gk_kin_result r;
  memset(&r, 0, sizeof r);
  gk_kin_prepared in, irf;
  memset(&in, 0, sizeof in);
  memset(&irf, 0, sizeof irf);
  gk_kin_prepare_options po = {.time_unit = A.time_unit, .global = global, .trace = (size_t)A.trace,
                               .poisson = A.poisson};
  if (gk_kin_prepare(&t, &po, &in, &e) != GK_OK) {
    rc = cli_error(&e);
    goto out;
  }
  cli_notes_warn(&in.notes, "--time-unit");
  const size_t n = in.d.n;
  const double *tt = in.d.t;
  tps = malloc(n * sizeof *tps);
  for (size_t i = 0; tps && i < n; i++) tps[i] = tt[i] * 1e12;
  if (!global && t.ncols > 2 && A.trace == 1)
    cli_warn("%s has %zu trace columns; fitting the first (use --global or --trace N)", path, t.ncols - 1);
  if (irf_path) {
    if ((rc = read_irf(irf_path, &irf))) goto out;
    cli_notes_warn(&irf.notes, "--time-unit");
    o.irf = (gk_kin_irf){.kind = GK_KIN_IRF_MEASURED, .t = irf.t, .y = irf.y, .n = irf.d.n};
    if (gk_kin_irf_check(&o.irf, &e) != GK_OK) {
      snprintf(e.file, sizeof e.file, "%s", irf_path);
      e.option[0] = '\0';
      rc = cli_error(&e);
      goto out;
    }
  }
  gk_kin_data d = in.d;
  if (gk_kin_fit(&d, &o, &r, &e) != GK_OK) {
    /* a complaint about the data belongs to the file */
    if (e.code == GK_EINPUT && !e.file[0] && !e.option[0]) {
      char msg[sizeof e.msg];
      snprintf(msg, sizeof msg, "%s", e.msg);
      gk_error_set(&e, GK_EINPUT, path, 0, "%s", msg);
    }
    rc = cli_error(&e);
    goto out;
  }

  rc = kin_emit(&c, path, &t, &d, &r, &o, irf_path, tps);
out:
  gk_kin_result_free(&r);
  gk_table_free(&t);
  gk_kin_prepared_free(&in);
  gk_kin_prepared_free(&irf);
  free(tps);
  return rc;
}

const struct cli_command cli_cmd_kinetics = {
  .name = "kinetics",
  .summary = "multi-exponential decay fits with IRF convolution (single or global)",
  .order = 410,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "FILE [--components 1..4|auto] [--irf-fwhm T | --irf FILE]\n"
           "                        [--offset] [--global] [--t0 T] [--poisson]",
  .about =
    "Fit y(t) = sum_i A_i exp(-(t - t0)/tau_i) (+ offset), convolved with a Gaussian\n"
    "instrument response (closed erfc form) or a measured one (exact convolution of the\n"
    "piecewise-linear IRF). FILE: a time column (unit from the header, e.g. 't (ps)',\n"
    "else --time-unit) and one or more trace columns. A time axis outside 1 fs to 1 s\n"
    "(largest |t|) is warned about with the likely unit. See docs/kinetics.md.",
  .epilog =
    "JSON: {\"command\":\"kinetics\",\"components\":[{\"tau\",\"tau_stderr\",\"amplitude\",\n"
    "\"fraction\"}],\"offset\",\"chi2_red\",\"converged\", ...} with tau in seconds.\n"
    "Examples:\n"
    "  gainkit kinetics examples/kinetics/pump_series.csv --global --components 2 \\\n"
    "      --irf-fwhm 5ps --plot kinetics.png\n"
    "  gainkit kinetics examples/kinetics/pump_series.csv --trace 3 --components auto",
  .run = run,
};
