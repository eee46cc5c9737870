/* gainkit inspect — show how gainkit reads a data file: delimiter, header,
 * columns with their units, ranges and metadata. It runs the same readers
 * (and checks) as the analysis commands, so a file that inspects cleanly
 * reads cleanly everywhere, and every input error can be reproduced here. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "qopt.h"
#include "emit_inspect.h"


static int inspect_columns(const char *path, gk_read_options ro, const char *length_unit, int xmode,
                           int increasing, int positive, cJSON *j, cli_buf *b)
{
  gk_error e;
  gk_error_clear(&e);
  gk_table t;
  if (gk_table_read(path, &ro, &t, &e) != GK_OK) return cli_error(&e);
  /* x kind: what a command would choose; --x forces it */
  gk_xkind kind = xmode >= 0 ? (gk_xkind)xmode : gk_columns_guess_xkind(&t, length_unit);
  gk_columns_options co = {.read = ro, .xkind = kind, .x_unit_override = length_unit,
                           .reject_duplicate_x = 1, .require_increasing = increasing,
                           .require_positive_x = positive, .require_positive_sigma = 1};
  gk_columns c;
  if (gk_columns_read(path, &co, &c, &e) != GK_OK) {
    gk_table_free(&t);
    return cli_error(&e);
  }
  inspect_emit_columns(path, &t, &c, kind, j, b);
  gk_columns_free(&c);
  gk_table_free(&t);
  return CLI_OK;
}

static int inspect_matrix(const char *path, gk_read_options ro, const char *length_unit, cJSON *j,
                          cli_buf *b)
{
  gk_error e;
  gk_error_clear(&e);
  gk_matrix_options mo = {.read = ro, .col_kind = length_unit ? GK_XKIND_LENGTH : GK_XKIND_PLAIN,
                          .col_unit_override = length_unit, .require_increasing_rows = 1};
  gk_matrix m;
  if (gk_matrix_read(path, &mo, &m, &e) != GK_OK) return cli_error(&e);
  inspect_emit_matrix(path, &m, length_unit, j, b);
  gk_matrix_free(&m);
  return CLI_OK;
}

/* A vendor export (or any file read with --format-in): the spectra as the
 * commands that read spectra see them (gainkit/io.h). */
static int inspect_spectra(const char *path, const cli_input *in, cJSON *j, cli_buf *b)
{
  gk_error e;
  gk_error_clear(&e);
  gk_specset s;
  if (gk_io_read(path, &in->a.io, &s, &e) != GK_OK) return cli_input_error(&e);
  inspect_emit_spectra(path, &s, j, b);
  gk_specset_free(&s);
  return CLI_OK;
}

/* ---- options (declarative: --help is generated from this table) ---- */
static int matrix, increasing, positive, xmode = -1;
static const char *length_unit;
static long max_bytes;
static int opt_length_unit(cli_qopt *o, const char *arg)
{
  double f;
  gk_error e;
  gk_error_clear(&e);
  if (gk_unit_factor(arg, "cm", &f, &e) != GK_OK) return cli_qopt_fail("length-unit", "%s", e.msg);
  length_unit = arg;
  return 0;
}
static int opt_x(cli_qopt *o, const char *arg)
{
  if (!strcmp(arg, "plain")) xmode = GK_XKIND_PLAIN;
  else if (!strcmp(arg, "length")) xmode = GK_XKIND_LENGTH;
  else if (!strcmp(arg, "wavelength")) xmode = GK_XKIND_WAVELENGTH;
  else return -(cli_usage("inspect", "--x: '%s' is not plain, length or wavelength", arg) != 0);
  return 0;
}
static cli_qopt opts[] = {
  CLI_OPT_FLAG("matrix", &matrix,
               "read a matrix (first row: corner label, then column parameters; then one row per wavelength)"),
  CLI_OPT_FLAG("spectra", &matrix, "the same as --matrix"),
  CLI_OPT_CALLBACK("length-unit", "UNIT", opt_length_unit, NULL,
                   "the x column (or the matrix column parameter) is a length in UNIT (um, mm, cm), whatever "
                   "the header says"),
  CLI_OPT_CALLBACK("x", "plain|length|wavelength", opt_x, "from its header unit", "how to treat x"),
  CLI_OPT_FLAG("increasing", &increasing, "require strictly increasing x (as VSL/fit commands may)"),
  CLI_OPT_FLAG("positive", &positive, "require x > 0"),
  CLI_OPT_INT("max-bytes", "N", &max_bytes, 1, GK_DATA_DEFAULT_MAX_BYTES * 16L,
              "the environment variable GAINKIT_MAX_INPUT_BYTES, else 256 MiB", "refuse files larger than N bytes"),
  CLI_INPUT_FILE_QOPTS,
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "inspect"};
  CLI_RESET(matrix), CLI_RESET(increasing), CLI_RESET(positive), CLI_RESET(xmode);
  CLI_RESET(length_unit), CLI_RESET(max_bytes);
  cli_input_reset();
  int optind;
  if (cli_qopt_parse(&c, argc, argv, opts, CLI_NOPTS(opts), &optind) < 0) return CLI_USAGE;
  cli_input in = cli_input_take();
  if (optind >= argc) return cli_usage(c.cmd, "missing FILE");
  if (optind + 1 < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[optind + 1]);
  if (c.plot) return cli_usage(c.cmd, "--plot: inspect draws no figure");
  const char *path = argv[optind];
  gk_read_options ro = {.max_bytes = max_bytes};
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "inspect");
  cJSON_AddStringToObject(j, "file", path);
  cli_buf b = {0};
  /* vendor exports (detected) and --format-in/--x-col...: the spectrum readers */
  int spectra = !matrix && (in.a.io.format || in.a.io.x_col || in.a.io.y_col ||
                            in.a.io.sigma_col || in.a.io.decimal_comma);
  char fmt[16] = "csv";
  if (!matrix && !spectra) {
    gk_error de;
    if (gk_io_detect(path, &ro, fmt, sizeof fmt, &de) == GK_OK && strcmp(fmt, "csv")) spectra = 1;
  }
  in.a.io.read = ro;
  int rc = matrix    ? inspect_matrix(path, ro, length_unit, j, &b)
           : spectra ? inspect_spectra(path, &in, j, &b)
                     : inspect_columns(path, ro, length_unit, xmode, increasing, positive, j, &b);
  if (rc == CLI_OK) rc = cli_emit(&c, j, b.s, NULL, CLI_OK);
  cli_buf_free(&b);
  cJSON_Delete(j);
  return rc;
}

const struct cli_command cli_cmd_inspect = {
  .name = "inspect",
  .summary = "show how gainkit reads a data file (delimiter, header, units, ranges)",
  .order = 900,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "FILE [--matrix] [--length-unit um|mm|cm] [--format text|json] [-o OUT.json]",
  .about =
    "Read FILE exactly as the analysis commands do and report what gainkit sees:\n"
    "the delimiter, the header line, each column with its unit and gainkit's internal\n"
    "unit, the row count and ranges, and '# key: value' metadata. Any problem is\n"
    "reported as FILE:LINE: message (exit 2). See docs/input-formats.md.",
  .epilog =
    "A vendor export (detected) or a file read with one of the input file options is\n"
    "shown as spectra: format, wavelength range, each spectrum (clipped? background?),\n"
    "the reader's notes and the metadata it kept.\n\n"
    "Examples:\n"
    "  gainkit inspect examples/input/vsl-mm.csv\n"
    "  gainkit inspect examples/threshold-spectra.csv --matrix --format json\n"
    "  gainkit inspect examples/input/avantes-avasoft.ttt",
  .run = run,
};
