/* gainkit vsl-profile — VSL gain corrected for a measured longitudinal pump
 * profile (a not sufficiently expanded beam, fringes at the stripe ends):
 * local gain gamma p(x) - alpha and source A p(x) along the stripe. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"
#include "gainkit/vsl.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* ---- options (declarative: --help is generated from this table) ---- */
static const char *prof;
static double alpha;
static cli_qopt q[] = {
  CLI_OPT_STRING("profile", "PUMP", &prof, NULL,
                 "position from the collecting edge (um unless the header names a unit), pump intensity (any "
                 "scale); must cover 0..longest L. Required"),
  CLI_OPT_QTY("alpha", "A", "cm^-1", QO_NONNEG, &alpha, "0", "losses held fixed (e.g. from gainkit ses)"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "vsl-profile"};
  CLI_RESET(prof), CLI_RESET(alpha);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (argc - first != 1) return cli_usage(c.cmd, "give one VSL file");
  if (!prof) return cli_usage(c.cmd, "--profile is required (the pump along the stripe)");
  const char *path = argv[first];
  gk_error e;
  gk_error_clear(&e);
  gk_columns col, pc;
  gk_columns_options co = {.xkind = GK_XKIND_LENGTH, .x_unit_default = "cm", .allow_unsorted = 1,
                           .reject_duplicate_x = 1, .min_points = 3, .require_positive_x = 1};
  if (gk_columns_read(path, &co, &col, &e) != GK_OK) return cli_error(&e);
  gk_columns_options po = {.allow_unsorted = 1, .reject_duplicate_x = 1, .min_points = 2};
  int rc = cli_read_xy(prof, &po, "cm", &pc);
  if (rc) { gk_columns_free(&col); return rc; }
  if (!pc.x_unit_in[0])
    for (size_t i = 0; i < pc.n; i++) pc.x[i] *= 1e-4; /* micrometres without a header unit */
  for (size_t i = 0; i < col.n; i++)
    if (!(col.y[i] > 0)) {
      gk_error_set(&e, GK_EINPUT, path, col.line[i], "intensity must be > 0");
      gk_columns_free(&col), gk_columns_free(&pc);
      return cli_error(&e);
    }
  gk_vslp_fit f;
  if (gk_vslp_fit_run(col.x, col.y, col.sigma, col.n, pc.x, pc.y, pc.n, alpha, &f, &e) != GK_OK) {
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", strstr(e.msg, "profile") ? prof : path);
    gk_columns_free(&col), gk_columns_free(&pc);
    return cli_error(&e);
  }
  /* the uncorrected vsl1 fit for comparison */
  gk_vsl_data d = {.n = col.n, .L = col.x, .intensity = col.y, .sigma = col.sigma, .line = col.line, .path = path,
                   .weighting = col.sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_RELATIVE};
  gk_vsl_fit v1;
  memset(&v1, 0, sizeof v1);
  int have_v1 = gk_vsl_fit_model(&d, GK_VSL_VSL1, &v1, &e) == GK_OK && v1.ok;
  gk_error_clear(&e);
  cli_result r;
  cli_result_init(&r, "vsl-profile");
  cJSON_AddStringToObject(r.j, "file", path);
  cJSON_AddStringToObject(r.j, "profile", prof);
  gk_json_value_se(r.j, "gamma", f.gamma, f.se_gamma);
  gk_json_num(r.j, "alpha", alpha);
  gk_json_value_se(r.j, "g_uniform", f.g_uniform, f.se_g_uniform);
  gk_json_value_se(r.j, "a", f.A, f.se_A);
  gk_json_num(r.j, "chi2_red", f.fit.chi2_red);
  cJSON_AddBoolToObject(r.j, "converged", f.converged);
  if (have_v1) gk_json_value_se(r.j, "g_vsl1", v1.value[0], v1.se[0]);
  cli_printf(&r.b, "VSL with the measured pump profile %s (normalised to mean 1 over 0-%g cm):\n"
                   "  I(L) = int_0^L A p(x) exp(int_0^x (gamma p - alpha) dx') dx, %zu stripe lengths\n",
             cli_basename(prof), col.x[col.n - 1], col.n);
  cli_print_value(&r.b, "gamma", f.gamma, f.se_gamma, "cm^-1 (gain at the mean pump)");
  cli_print_value(&r.b, "alpha", alpha, NAN, "cm^-1 (held)");
  cli_print_value(&r.b, "g", f.g_uniform, f.se_g_uniform, "cm^-1 net gain of a uniform stripe");
  if (have_v1) cli_print_value(&r.b, "g (vsl1)", v1.value[0], v1.se[0], "cm^-1 uncorrected, for comparison");
  if (!f.converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", f.fit.reason);
  static const char *hdr[] = {"L (cm)", "I", "fit (profile)", "fit (vsl1)"};
  gk_csv_init(&r.csv, 4, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < col.n; i++)
    gk_csv_add_row(&r.csv, (double[]){col.x[i], col.y[i], f.fit.yhat[i], have_v1 ? v1.yhat[i] : NAN});
  rc = 0;
  if (c.plot) {
    gk_figure *fg = gk_figure_new(2, 1, 1200, 560, NULL);
    gk_panel *p = gk_figure_panel(fg, 0);
    gk_panel_labels(p, "stripe length L (cm)", "edge intensity", cli_basename(path));
    gk_panel_log(p, 0, 1);
    gk_panel_add(p, col.x, col.y, col.sigma, col.n, GK_STYLE_POINTS, -1, "data");
    gk_panel_add(p, col.x, f.fit.yhat, NULL, col.n, GK_STYLE_LINE, -1, "profile-corrected");
    if (have_v1) gk_panel_add(p, col.x, v1.yhat, NULL, col.n, GK_STYLE_LINE, -1, "vsl1 (uniform)");
    gk_panel *p2 = gk_figure_panel(fg, 1);
    gk_panel_labels(p2, "position from the edge x (cm)", "pump (as measured)", cli_basename(prof));
    gk_panel_add(p2, pc.x, pc.y, NULL, pc.n, GK_STYLE_LINE, -1, "p(x)");
    gk_panel_vline(p2, col.x[col.n - 1], -1, "longest stripe");
    rc = cli_save_figure(&c, fg);
  }
  int status = f.converged ? CLI_OK : CLI_FAILED;
  gk_vsl_fit_free(&v1);
  gk_vslp_free(&f);
  gk_columns_free(&col), gk_columns_free(&pc);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, status);
}

const struct cli_command cli_cmd_vslprofile = {
  .name = "vsl-profile",
  .summary = "VSL gain corrected for a measured pump profile along the stripe",
  .order = 21,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "FILE --profile PUMP.csv [--alpha A]",
  .about =
    "A VSL scan whose pump is not uniform along the stripe (a beam not expanded\n"
    "enough, fringes at the stripe ends; Dal Negro et al., Opt. Commun. 2004;\n"
    "Alvarado-Leanos et al., Adv. Opt. Mater. 2021): with the measured profile\n"
    "p(x) (normalised to mean 1 over the longest stripe) the local net gain is\n"
    "gamma p(x) - alpha and the spontaneous source A p(x):\n"
    "  I(L) = int_0^L A p(x) exp(int_0^x (gamma p(x') - alpha) dx') dx\n"
    "fitted for gamma and A; for a flat profile this is vsl1 with g = gamma - alpha.\n"
    "The uncorrected vsl1 gain is printed beside it.\n"
    "FILE: L (cm unless the header names a unit), I [, sigma].",
  .epilog =
    "Examples:\n"
    "  gainkit vsl-profile examples/fluence/vsl-nonuniform.csv --profile examples/fluence/pump-along-stripe.csv\n"
    "  gainkit vsl-profile examples/fluence/vsl-nonuniform.csv --profile examples/fluence/pump-along-stripe.csv --alpha 1.06 --plot vp.svg",
  .run = run,
};
