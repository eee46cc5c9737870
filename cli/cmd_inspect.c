/* gainkit inspect — show how gainkit reads a data file: delimiter, header,
 * columns with their units, ranges and metadata. It runs the same readers
 * (and checks) as the analysis commands, so a file that inspects cleanly
 * reads cleanly everywhere, and every input error can be reproduced here. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "input.h"
#include "qopt.h"


static const char *delim_name(char d)
{
  switch (d) {
  case ',': return "comma";
  case '\t': return "tab";
  case ';': return "semicolon";
  default: return "whitespace";
  }
}

static void minmax(const double *v, size_t n, size_t stride, double *lo, double *hi)
{
  *lo = *hi = v[0];
  for (size_t i = 1; i < n; i++) {
    double x = v[i * stride];
    if (x < *lo) *lo = x;
    if (x > *hi) *hi = x;
  }
}

/* Describe one unit string for the report: dimension and internal unit, or
 * "passed through" when it is not a unit expression (a.u., counts). */
static void add_unit(cJSON *o, cli_buf *b, const char *unit)
{
  gk_unit_info u;
  cJSON_AddStringToObject(o, "unit", unit);
  if (!*unit) {
    cli_printf(b, "(no unit)");
    return;
  }
  if (gk_unit_describe(unit, &u, NULL) == GK_OK) {
    cJSON_AddStringToObject(o, "dimension", u.dimension);
    cJSON_AddStringToObject(o, "internal_unit", u.internal);
    gk_json_num(o, "factor", u.factor);
    cli_printf(b, "%s (%s; internal %s, x %g)", unit, u.dimension, u.internal, u.factor);
  } else {
    cJSON_AddNullToObject(o, "dimension");
    cli_printf(b, "%s (not a unit expression; passed through)", unit);
  }
}

static void add_meta(cJSON *j, cli_buf *b, const gk_meta *m)
{
  cJSON *o = cJSON_AddObjectToObject(j, "metadata");
  if (m->n) cli_printf(b, "metadata:\n");
  for (size_t i = 0; i < m->n; i++) {
    cJSON_DeleteItemFromObjectCaseSensitive(o, m->key[i]);  /* last one wins, as gk_meta_get */
    cJSON_AddStringToObject(o, m->key[i], m->value[i]);
    cli_printf(b, "  %s: %s\n", m->key[i], m->value[i]);
  }
}

static int is_length(const char *unit)
{
  double f;
  return *unit && gk_unit_factor(unit, "cm", &f, NULL) == GK_OK;
}

static int inspect_columns(const char *path, gk_read_options ro, const char *length_unit, int xmode,
                           int increasing, int positive, cJSON *j, cli_buf *b)
{
  gk_error e;
  gk_error_clear(&e);
  gk_table t;
  if (gk_table_read(path, &ro, &t, &e) != GK_OK) return cli_error(&e);
  /* x kind: what a command would choose; --x forces it */
  gk_xkind kind = GK_XKIND_PLAIN;
  if (xmode >= 0) kind = (gk_xkind)xmode;
  else if (length_unit || is_length(t.unit[0]))
    kind = (!length_unit && (!strcasecmp(t.name[0], "wavelength") || !strcasecmp(t.name[0], "lambda") ||
                             !strcmp(t.name[0], "\xce\xbb")))
               ? GK_XKIND_WAVELENGTH : GK_XKIND_LENGTH;
  gk_columns_options co = {.read = ro, .xkind = kind, .x_unit_override = length_unit,
                           .reject_duplicate_x = 1, .require_increasing = increasing,
                           .require_positive_x = positive, .require_positive_sigma = 1};
  gk_columns c;
  if (gk_columns_read(path, &co, &c, &e) != GK_OK) {
    gk_table_free(&t);
    return cli_error(&e);
  }
  cJSON_AddStringToObject(j, "shape", "columns");
  cJSON_AddStringToObject(j, "delimiter", delim_name(t.delim));
  if (t.has_header) cJSON_AddNumberToObject(j, "header_line", (double)t.header_line);
  else cJSON_AddNullToObject(j, "header_line");
  cJSON_AddNumberToObject(j, "rows", (double)t.nrows);
  cli_printf(b, "file:      %s\nshape:     columns (x, y%s)\ndelimiter: %s\n", path,
             c.sigma ? ", sigma" : "", delim_name(t.delim));
  if (t.has_header) cli_printf(b, "header:    line %ld\n", t.header_line);
  else cli_printf(b, "header:    none\n");
  cli_printf(b, "rows:      %zu (lines %ld to %ld)\ncolumns:\n", t.nrows, t.line[0], t.line[t.nrows - 1]);
  static const char *const role[] = {"x", "y", "sigma"};
  cJSON *cols = cJSON_AddArrayToObject(j, "columns");
  for (size_t k = 0; k < t.ncols; k++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(cols, o);
    cJSON_AddStringToObject(o, "role", role[k]);
    cJSON_AddStringToObject(o, "header", t.raw[k]);
    cJSON_AddStringToObject(o, "name", t.name[k]);
    double lo, hi;
    minmax(t.v + k, t.nrows, t.ncols, &lo, &hi);
    gk_json_num(o, "min", lo);
    gk_json_num(o, "max", hi);
    cli_printf(b, "  %zu %-5s %-16s %12.6g .. %-12.6g ", k + 1, role[k],
               *t.raw[k] ? t.raw[k] : "-", lo, hi);
    add_unit(o, b, k == 0 ? c.x_unit_in : t.unit[k]);
    cli_printf(b, "\n");
  }
  double lo, hi;
  minmax(c.x, c.n, 1, &lo, &hi);
  cJSON *x = cJSON_AddObjectToObject(j, "x");
  static const char *const kinds[] = {"plain", "length", "wavelength"};
  cJSON_AddStringToObject(x, "kind", kinds[kind]);
  cJSON_AddStringToObject(x, "unit_in_file", c.x_unit_in);
  cJSON_AddStringToObject(x, "unit", c.x_unit);
  gk_json_num(x, "factor", c.x_factor);
  gk_json_num(x, "min", lo);
  gk_json_num(x, "max", hi);
  int sorted = 1;
  for (size_t i = 1; i < c.n; i++) sorted &= c.x[i] > c.x[i - 1];
  cJSON_AddBoolToObject(x, "increasing", sorted);
  cli_printf(b, "x:         %s, %g .. %g %s%s%s\n", kinds[kind], lo, hi, c.x_unit,
             sorted ? ", increasing" : ", not sorted", c.x_factor != 1 ? " (converted)" : "");
  add_meta(j, b, &c.meta);
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
  cJSON_AddStringToObject(j, "shape", "matrix");
  cJSON_AddStringToObject(j, "delimiter", delim_name(m.delim));
  cJSON_AddStringToObject(j, "corner", m.corner);
  cli_printf(b, "file:      %s\nshape:     matrix (%zu wavelengths x %zu columns)\ndelimiter: %s\n"
                "corner:    %s\n",
             path, m.nrow, m.ncol, delim_name(m.delim), m.corner);
  double lo, hi;
  minmax(m.row, m.nrow, 1, &lo, &hi);
  cJSON *r = cJSON_AddObjectToObject(j, "rows");
  cJSON_AddStringToObject(r, "name", m.row_name);
  cJSON_AddStringToObject(r, "unit_in_file", m.row_unit_in);
  cJSON_AddStringToObject(r, "unit", "nm");
  cJSON_AddNumberToObject(r, "count", (double)m.nrow);
  gk_json_num(r, "min", lo);
  gk_json_num(r, "max", hi);
  cli_printf(b, "rows:      %zu wavelengths, %g .. %g nm (lines %ld to %ld; file unit %s)\n", m.nrow,
             lo, hi, m.line[0], m.line[m.nrow - 1], m.row_unit_in);
  minmax(m.col, m.ncol, 1, &lo, &hi);
  cJSON *c = cJSON_AddObjectToObject(j, "columns");
  cJSON_AddStringToObject(c, "name", m.col_name);
  cJSON_AddNumberToObject(c, "count", (double)m.ncol);
  gk_json_num(c, "min", lo);
  gk_json_num(c, "max", hi);
  cli_printf(b, "columns:   %zu, %s %g .. %g %s; ", m.ncol, *m.col_name ? m.col_name : "parameter",
             lo, hi, m.col_unit);
  if (length_unit) {
    cJSON_AddStringToObject(c, "unit_in_file", m.col_unit_in);
    cJSON_AddStringToObject(c, "unit", m.col_unit);
    cli_printf(b, "file unit %s", m.col_unit_in);
  } else {
    add_unit(c, b, m.col_unit_in);
  }
  cli_printf(b, "\n");
  minmax(m.z, m.nrow * m.ncol, 1, &lo, &hi);
  cJSON *z = cJSON_AddObjectToObject(j, "values");
  gk_json_num(z, "min", lo);
  gk_json_num(z, "max", hi);
  cli_printf(b, "values:    %g .. %g\n", lo, hi);
  add_meta(j, b, &m.meta);
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
  cJSON_AddStringToObject(j, "format", s.format);
  cli_printf(b, "file:      %s\nformat:    %s\n", path, s.format);
  cJSON_AddNumberToObject(j, "spectra", (double)s.nspec);
  cJSON_AddNumberToObject(j, "wavelengths", (double)s.nwl);
  gk_json_num(j, "wavelength_min_nm", s.wl[0]);
  gk_json_num(j, "wavelength_max_nm", s.wl[s.nwl - 1]);
  cJSON_AddStringToObject(j, "y_unit", s.y_unit);
  cli_printf(b, "data:      from line %ld, %zu wavelengths %g .. %g nm, %zu spectr%s (%s)\n",
             s.data_line, s.nwl, s.wl[0], s.wl[s.nwl - 1], s.nspec, s.nspec == 1 ? "um" : "a",
             *s.y_unit ? s.y_unit : "no unit");
  cJSON *arr = cJSON_AddArrayToObject(j, "spectra_list");
  for (size_t k = 0; k < s.nspec; k++) {
    const double *y = s.y + k * s.nwl;
    double lev, noise, lo, hi;
    size_t cnt;
    int sig;
    minmax(y, s.nwl, 1, &lo, &hi);
    int clip = gk_io_clipped(y, s.nwl, &lev, &cnt);
    gk_io_offset(s.wl, y, s.nwl, &lev, &noise, &sig);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", s.label[k]);
    gk_json_num(o, "min", lo);
    gk_json_num(o, "max", hi);
    cJSON_AddBoolToObject(o, "clipped", clip);
    gk_json_num(o, "edge_level", lev);
    cJSON_AddBoolToObject(o, "offset_significant", sig);
    cJSON_AddItemToArray(arr, o);
    cli_printf(b, "  %-16s %g .. %g%s%s\n", s.label[k], lo, hi, clip ? "  CLIPPED" : "",
               sig ? "  (background at the edges)" : "");
  }
  cJSON *nt = cJSON_AddArrayToObject(j, "notes");
  for (size_t k = 0; k < s.notes.n; k++) {
    cJSON_AddItemToArray(nt, cJSON_CreateString(s.notes.msg[k]));
    cli_printf(b, "note:      %s\n", s.notes.msg[k]);
  }
  add_meta(j, b, &s.meta);
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
