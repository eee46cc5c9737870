/* gainkit ses — loss spectrum from a shifting-excitation-spot measurement:
 * edge intensity of a fixed-length stripe versus its distance x from the
 * edge, I = I0 exp(-alpha x), per wavelength (Milanese et al., Adv. Opt.
 * Mater. 2024, Fig. S1). Output in the format `vpi --losses` reads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"


/* ---- options (declarative: --help is generated from this table) ---- */
static int is_matrix;
static cli_qopt q[] = {
  CLI_OPT_FLAG("matrix", &is_matrix,
               "a spectral set: first row 'wavelength (nm) \\ x (mm)' and the distances, then one row per "
               "wavelength; -o FILE.csv writes 'wavelength (nm), alpha (cm^-1), se' for gainkit vpi --losses"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "ses"};
  CLI_RESET(is_matrix);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, CLI_NOPTS(q), &first) < 0) return CLI_USAGE;
  if (argc - first != 1) return cli_usage(c.cmd, "give one data file");
  const char *path = argv[first];
  gk_error e;
  gk_error_clear(&e);
  cli_result r;
  int rc = 0, status = CLI_OK;
  if (!is_matrix) {
    gk_columns col;
    gk_columns_options co = {.xkind = GK_XKIND_LENGTH, .x_unit_default = "cm", .allow_unsorted = 1,
                             .reject_duplicate_x = 1, .min_points = 3, .require_positive_sigma = 1};
    if (gk_columns_read(path, &co, &col, &e) != GK_OK) return cli_error(&e);
    for (size_t i = 0; i < col.n; i++)
      if (!(col.x[i] >= 0) || !(col.y[i] > 0)) {
        gk_error_set(&e, GK_EINPUT, path, col.line[i], "%s", !(col.x[i] >= 0) ? "distance must be >= 0" : "intensity must be > 0");
        gk_columns_free(&col);
        return cli_error(&e);
      }
    gk_ses_fit f;
    if (gk_ses_fit_run(col.x, col.y, col.sigma, col.n, &f, &e) != GK_OK) {
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
      gk_columns_free(&col);
      return cli_error(&e);
    }
    cli_result_init(&r, "ses");
    cJSON_AddStringToObject(r.j, "file", path);
    gk_json_value_se(r.j, "alpha", f.alpha, f.se_alpha);
    gk_json_value_se(r.j, "i0", f.i0, f.se_i0);
    gk_json_value_se(r.j, "alpha_nonlinear", f.alpha_nl, f.se_alpha_nl);
    gk_json_num(r.j, "chi2_red", f.chi2_red);
    cli_printf(&r.b, "Shifting excitation spot: I(x) = I0 exp(-alpha x), %zu positions, %s\n", col.n,
               col.sigma ? "weights from the sigma column" : "equal weights on ln I");
    cli_print_value(&r.b, "alpha", f.alpha, f.se_alpha, "cm^-1 (log-linear)");
    cli_print_value(&r.b, "alpha (NL)", f.alpha_nl, f.se_alpha_nl, "cm^-1 (nonlinear fit of I, check)");
    cli_print_value(&r.b, "I0", f.i0, f.se_i0, col.y_unit[0] ? col.y_unit : "");
    static const char *hdr[] = {"x (cm)", "I", "fit"};
    gk_csv_init(&r.csv, 3, hdr);
    r.has_csv = 1;
    for (size_t i = 0; i < col.n; i++) gk_csv_add_row(&r.csv, (double[]){col.x[i], col.y[i], f.i0 * exp(-f.alpha * col.x[i])});
    if (c.plot) {
      enum { M = 200 };
      double xs[M], ys[M];
      for (int i = 0; i < M; i++) {
        xs[i] = col.x[0] + (col.x[col.n - 1] - col.x[0]) * i / (M - 1);
        ys[i] = f.i0 * exp(-f.alpha * xs[i]);
      }
      gk_figure *fg = gk_figure_new(1, 1, 800, 560, NULL);
      gk_panel *p = gk_figure_panel(fg, 0);
      gk_panel_labels(p, "distance of the stripe from the edge x (cm)", "edge intensity", cli_basename(path));
      gk_panel_log(p, 0, 1);
      gk_panel_add(p, col.x, col.y, col.sigma, col.n, GK_STYLE_POINTS, -1, "data");
      gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, -1, "I0 exp(-alpha x)");
      rc = cli_save_figure(&c, fg);
    }
    gk_columns_free(&col);
    if (rc) { cli_result_free(&r); return rc; }
    return cli_result_finish(&c, &r, CLI_OK);
  }
  gk_matrix m;
  gk_matrix_options mo = {.col_kind = GK_XKIND_LENGTH, .col_unit_default = "cm", .min_cols = 3, .min_rows = 1};
  if (gk_matrix_read(path, &mo, &m, &e) != GK_OK) return cli_error(&e);
  for (size_t j = 0; j < m.ncol; j++)
    if (!(m.col[j] >= 0) || (j && !(m.col[j] > m.col[j - 1]))) {
      gk_error_set(&e, GK_EINPUT, path, 0, "distances must be >= 0 and increasing (column %zu)", j + 2);
      gk_matrix_free(&m);
      return cli_error(&e);
    }
  for (size_t i = 0; i < m.nrow * m.ncol; i++)
    if (!(m.z[i] > 0)) {
      gk_error_set(&e, GK_EINPUT, path, m.line[i / m.ncol], "intensity must be > 0 (got %g at %g nm)", m.z[i],
                   m.row[i / m.ncol]);
      gk_matrix_free(&m);
      return cli_error(&e);
    }
  double *al = malloc(3 * m.nrow * sizeof *al);
  if (!al) { gk_matrix_free(&m); return cli_usage(c.cmd, "out of memory"); }
  double *se = al + m.nrow, *anl = se + m.nrow;
  for (size_t i = 0; i < m.nrow; i++) {
    gk_ses_fit f;
    if (gk_ses_fit_run(m.col, m.z + i * m.ncol, NULL, m.ncol, &f, &e) != GK_OK) {
      snprintf(e.file, sizeof e.file, "%s", path), e.line = m.line[i];
      free(al), gk_matrix_free(&m);
      return cli_error(&e);
    }
    al[i] = f.alpha, se[i] = f.se_alpha, anl[i] = f.alpha_nl;
  }
  cli_result_init(&r, "ses");
  cJSON_AddStringToObject(r.j, "file", path);
  gk_json_array(r.j, "wavelength", m.row, m.nrow);
  gk_json_array(r.j, "alpha", al, m.nrow);
  gk_json_array(r.j, "alpha_se", se, m.nrow);
  gk_json_array(r.j, "alpha_nonlinear", anl, m.nrow);
  cli_printf(&r.b, "Loss spectrum from a shifting excitation spot, %zu wavelengths x %zu positions\n", m.nrow, m.ncol);
  cli_printf(&r.b, "  %10s %12s %12s %14s\n", "lambda (nm)", "alpha (cm^-1)", "se (cm^-1)", "NL fit (cm^-1)");
  size_t neg = 0;
  for (size_t i = 0; i < m.nrow; i++) {
    cli_cell(&r.b, 12, m.row[i]);
    cli_cell(&r.b, 13, al[i]);
    cli_cell(&r.b, 13, se[i]);
    cli_cell(&r.b, 15, anl[i]);
    cli_printf(&r.b, "\n");
    if (al[i] < 0) neg++;
  }
  if (neg) cli_warn("alpha < 0 at %zu wavelengths (gain or noise): vpi --losses refuses negative losses", neg);
  static const char *hdr[] = {"wavelength (nm)", "alpha (cm^-1)", "se_alpha (cm^-1)"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  gk_csv_add_comment(&r.csv, "loss spectrum from %s (gainkit ses); input for gainkit vpi --losses", cli_basename(path));
  for (size_t i = 0; i < m.nrow; i++) gk_csv_add_row(&r.csv, (double[]){m.row[i], al[i], se[i]});
  if (c.plot) {
    gk_figure *fg = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(fg, 0);
    gk_panel_labels(p, "wavelength (nm)", "loss alpha (cm^-1)", "shifting-excitation-spot loss spectrum");
    gk_panel_add(p, m.row, al, se, m.nrow, GK_STYLE_POINTS, -1, "alpha");
    rc = cli_save_figure(&c, fg);
  }
  free(al);
  gk_matrix_free(&m);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, status);
}

const struct cli_command cli_cmd_ses = {
  .name = "ses",
  .summary = "loss spectrum alpha(lambda) from a shifting-excitation-spot measurement (for vpi --losses)",
  .order = 17,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "FILE            distance x, edge intensity [, sigma]\n"
           "       gainkit ses --matrix FILE   wavelength rows x distance columns",
  .about =
    "A stripe of fixed length is moved away from the sample edge; the light it\n"
    "emits is attenuated on its way to the edge, I(x) = I0 exp(-alpha x)\n"
    "(Milanese et al., Adv. Opt. Mater. 2024, Fig. S1: alpha = 1.06 +- 0.01\n"
    "cm^-1 at 531 nm). alpha comes from a weighted straight line through ln I\n"
    "(weights I^2/sigma^2 with a sigma column, equal otherwise; errors scaled\n"
    "by chi2_red), checked by a nonlinear fit of I itself.\n"
    "FILE: distance (cm unless the header names a unit: 'x (mm)'), intensity,\n"
    "optional sigma.",
  .epilog =
    "Examples:\n"
    "  gainkit ses examples/fluence/ses-531nm.csv --plot ses.svg\n"
    "  gainkit ses --matrix examples/fluence/ses-matrix.csv -o losses.csv",
  .run = run,
};
