/* gainkit gain-chain — a fluence series of VSL scans -> g(F) with errors ->
 * N(F) -> G(N) = Gamma sigma (N - N_th)/(1 + N/N_s) with Gamma from the mode
 * solver (Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1-2, Table 1,
 * Fig. 3a). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"
#include "gainkit/vsl.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* Fluence from a file name: a number directly followed by a fluence unit
 * ("vsl-F0120uJcm2.csv", "scan_1.5mJ.csv"; uJ, mJ, nJ, J, taken per cm^2).
 * Returns J/cm^2 or NAN. */
static double fluence_from_name(const char *path)
{
  const char *b = cli_basename(path);
  for (const char *s = b; *s; s++) {
    if (!isdigit((unsigned char)*s) || (s > b && (isdigit((unsigned char)s[-1]) || s[-1] == '.'))) continue;
    char *end;
    double v = strtod(s, &end);
    double f = NAN;
    if (!strncmp(end, "uJ", 2)) f = 1e-6;
    else if (!strncmp(end, "mJ", 2)) f = 1e-3;
    else if (!strncmp(end, "nJ", 2)) f = 1e-9;
    if (!isnan(f)) return v * f;
  }
  return NAN;
}

static int read_sidecar(const char *side, char **files, size_t n, double *F)
{
  /* "file,fluence (uJ/cm2)" lines; the unit in the header, uJ/cm2 without */
  FILE *fp = fopen(side, "r");
  if (!fp) {
    gk_error e;
    gk_error_set(&e, GK_EIO, side, 0, "cannot open the sidecar");
    return cli_error(&e);
  }
  char line[1024];
  long ln = 0;
  double fac = 1e-6;
  int header = 0;
  for (size_t i = 0; i < n; i++) F[i] = NAN;
  while (fgets(line, sizeof line, fp)) {
    ln++;
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0] || line[0] == '#') continue;
    char *comma = strchr(line, ',');
    gk_error e;
    gk_error_clear(&e);
    if (!comma) {
      fclose(fp);
      gk_error_set(&e, GK_EINPUT, side, ln, "expected 'file,fluence'");
      return cli_error(&e);
    }
    *comma = 0;
    const char *val = comma + 1;
    while (*val == ' ') val++;
    double v;
    if (!header && gk_parse_number(val, &v, &e) != GK_OK) {
      header = 1;
      char name[64], unit[32];
      gk_header_split(val, name, sizeof name, unit, sizeof unit);
      if (unit[0] && gk_unit_factor(unit, "J/cm2", &fac, &e) != GK_OK) {
        fclose(fp);
        snprintf(e.file, sizeof e.file, "%s", side), e.line = ln;
        return cli_error(&e);
      }
      continue;
    }
    header = 1;
    if (gk_parse_number(val, &v, &e) != GK_OK || !(v > 0)) {
      fclose(fp);
      gk_error_set(&e, GK_EINPUT, side, ln, "fluence must be a number > 0 (got '%s')", val);
      return cli_error(&e);
    }
    int hit = 0;
    for (size_t i = 0; i < n; i++)
      if (!strcmp(cli_basename(files[i]), cli_basename(line))) F[i] = v * fac, hit = 1;
    if (!hit) {
      fclose(fp);
      gk_error_set(&e, GK_EINPUT, side, ln, "'%s' is not among the files given", line);
      return cli_error(&e);
    }
  }
  fclose(fp);
  for (size_t i = 0; i < n; i++)
    if (isnan(F[i])) {
      gk_error e;
      gk_error_set(&e, GK_EINPUT, side, 0, "no fluence for '%s'", cli_basename(files[i]));
      return cli_error(&e);
    }
  return 0;
}

typedef struct point { double F, g, se, N; const char *file; int converged; gk_vsl_lengths len; } point;
static int cmp_point(const void *a, const void *b)
{
  double u = ((const point *)a)->F, w = ((const point *)b)->F;
  return (u > w) - (u < w);
}

/* ---- options (declarative: --help is generated from this table) ---- */
static double pump_wl = 400, emis_wl = NAN, gamma_in = NAN, absorbed = NAN, thick = NAN, lp = NAN;
static const char *flist, *side, *stackf, *pol, *model, *density;
static cli_qopt q[] = {
  CLI_OPT_GROUP("Fluences (peak incident, uJ/cm2 as `gainkit fluence` reports them; default: from the file names,\n"
                "a number with uJ/mJ/nJ: vsl-F120uJcm2.csv)"),
  CLI_OPT_STRING("fluences", "F1,F2,...", &flist, NULL, "in the order of the files (uJ/cm2; units accepted)"),
  CLI_OPT_STRING("sidecar", "FILE", &side, NULL, "lines 'file,fluence' (header 'file,fluence (mJ/cm2)' sets the unit)"),
  CLI_OPT_GROUP("Density and Gamma"),
  CLI_OPT_STRING("stack", "FILE", &stackf, NULL,
                 "the stack (YAML, as for `modes`): pump absorption of the active layer by the transfer matrix "
                 "at --pump-wavelength, Gamma of TE0 (--pol tm: TM0) at --emission-wavelength"),
  CLI_OPT_QTY("pump-wavelength", "nm", "nm", QO_POS, &pump_wl, "400", "pump wavelength"),
  CLI_OPT_QTY("emission-wavelength", "nm", "nm", QO_POS, &emis_wl, "the stack's wavelength_nm", "emission wavelength"),
  CLI_OPT_STRING("pol", "te|tm", &pol, "te", "the guided mode's polarisation"),
  CLI_OPT_STRING("density", "mean|mode", &density, "mean", "thickness average or weighted by the mode's |E|^2"),
  CLI_OPT_NUM("gamma", "G", QO_FRACTION, &gamma_in, NULL, "confinement factor, without a stack"),
  CLI_OPT_QTY("thickness", "d", "nm", QO_POS, &thick, NULL, "film thickness, without a stack"),
  CLI_OPT_NUM("absorbed", "A", QO_FRACTION, &absorbed, NULL, "absorbed fraction, without a stack"),
  CLI_OPT_QTY("lp", "l", "nm", QO_POS, &lp, NULL, "1/e^2 penetration depth (Beer-Lambert), without a stack"),
  CLI_OPT_GROUP("VSL fits"),
  CLI_OPT_STRING("model", "M", &model, "vsl1", "VSL model for each scan (see gainkit vsl)"),
  CLI_OPT_FLAG("small-signal", NULL,
               "vsl1 only on the stripes where it holds (chi^2 test on the shortest stripes, p >= 0.01; needs "
               "a sigma column)"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "gain-chain"};
  CLI_RESET(pump_wl), CLI_RESET(emis_wl), CLI_RESET(gamma_in), CLI_RESET(absorbed), CLI_RESET(thick);
  CLI_RESET(lp), CLI_RESET(flist), CLI_RESET(side), CLI_RESET(stackf), CLI_RESET(pol), CLI_RESET(model);
  CLI_RESET(density);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  size_t n = (size_t)(argc - first);
  if (n < 4) return cli_usage(c.cmd, "give at least 4 VSL files (one per fluence)");
  char **files = argv + first;
  if (flist && side) return cli_usage(c.cmd, "give either --fluences or --sidecar");
  int tm = 0;
  if (pol) {
    if (!strcmp(pol, "tm")) tm = 1;
    else if (strcmp(pol, "te")) return CLI_QFAIL("pol", "te or tm (got '%s')", pol);
  }
  int use_mode = 0;
  if (density) {
    if (!strcmp(density, "mode")) use_mode = 1;
    else if (strcmp(density, "mean")) return CLI_QFAIL("density", "mean or mode (got '%s')", density);
  }
  int small = cli_qopt_find(q, NQ(q), "small-signal")->seen;
  gk_vsl_model vm = GK_VSL_VSL1;
  if (model) {
    int m = gk_vsl_model_from_name(model);
    if (m < 0) return CLI_QFAIL("model", "unknown VSL model '%s'", model);
    vm = (gk_vsl_model)m;
    if (small && vm != GK_VSL_VSL1) return CLI_QFAIL("small-signal", "uses vsl1 on the small-signal range: drop --model");
  }
  /* where N and Gamma come from */
  int have_stack = stackf != NULL;
#define SEEN(nm) (cli_qopt_find(q, NQ(q), nm)->seen)
  if (have_stack && (SEEN("gamma") || SEEN("absorbed") || SEEN("lp")))
    return cli_usage(c.cmd, "--stack gives Gamma and the absorption: drop --gamma, --absorbed and --lp");
  if (!have_stack) {
    if (!SEEN("gamma")) return cli_usage(c.cmd, "give --stack (Gamma from the mode solver) or --gamma");
    if (!SEEN("thickness")) return cli_usage(c.cmd, "without --stack, give --thickness of the active layer");
    if (SEEN("absorbed") == SEEN("lp")) return cli_usage(c.cmd, "without --stack, give --absorbed or --lp");
    if (use_mode) return CLI_QFAIL("density", "mode needs --stack");
  } else if (!SEEN("emission-wavelength")) {
    emis_wl = NAN; /* the stack's wavelength_nm below */
  }
  double *F = calloc(n, sizeof *F);
  point *pt = calloc(n, sizeof *pt);
  if (!F || !pt) { free(F), free(pt); return cli_usage(c.cmd, "out of memory"); }
  int rc = 0;
  if (flist) {
    double *v = NULL;
    size_t nv = 0;
    if (cli_list("--fluences", flist, "uJ/cm2", &v, &nv) < 0) { free(F), free(pt); return CLI_USAGE; }
    if (nv != n) { free(v), free(F), free(pt); return CLI_QFAIL("fluences", "%zu values for %zu files", nv, n); }
    for (size_t i = 0; i < n; i++) {
      if (!(v[i] > 0)) { free(v), free(F), free(pt); return CLI_QFAIL("fluences", "must be > 0"); }
      F[i] = v[i] * 1e-6;
    }
    free(v);
  } else if (side) {
    if ((rc = read_sidecar(side, files, n, F))) { free(F), free(pt); return rc; }
  } else {
    for (size_t i = 0; i < n; i++) {
      F[i] = fluence_from_name(files[i]);
      if (isnan(F[i])) {
        free(F), free(pt);
        return cli_usage(c.cmd, "no fluence in the name '%s' (e.g. vsl-F120uJcm2.csv): give --fluences or --sidecar",
                         cli_basename(files[i]));
      }
    }
  }
  gk_error e;
  gk_error_clear(&e);
  /* ---- N per fluence and Gamma ---- */
  double c_n = NAN, gamma = gamma_in, A_act = NAN, dnm = thick;
  char how[256];
  if (have_stack) {
    gk_stack st;
    if (gk_stack_load(stackf, &st, &e) != GK_OK) { free(F), free(pt); return cli_error(&e); }
    if (st.active < 0) {
      gk_error_set(&e, GK_EINPUT, stackf, 0, "the stack has no layer marked active: true");
      goto stack_fail;
    }
    if (isnan(emis_wl)) emis_wl = st.wavelength_nm;
    if (isnan(emis_wl)) {
      gk_error_set(&e, GK_EUSAGE, stackf, 0, "no wavelength_nm in the stack: give --emission-wavelength");
      goto stack_fail;
    }
    gk_absorb ab;
    if (gk_absorb_stack(&st, pump_wl, 0, &ab, &e) != GK_OK) goto stack_fail;
    A_act = ab.A[st.active];
    dnm = st.layers[st.active].thickness_nm;
    gk_depth_profile dp;
    if (gk_depth_tmm(&ab, (size_t)st.active, 1.0, 400, &dp, &e) != GK_OK) { gk_absorb_free(&ab); goto stack_fail; }
    gk_guide g;
    gk_modes m = {0};
    if (gk_guide_from_stack(&g, &st, emis_wl, &e) != GK_OK) { gk_depth_free(&dp), gk_absorb_free(&ab); goto stack_fail; }
    rc = gk_modes_find(&g, tm ? GK_MODES_TM : GK_MODES_TE, &m, &e);
    if (rc == GK_OK && m.n == 0)
      rc = gk_error_set(&e, GK_EINPUT, stackf, 0, "no guided %s mode at %g nm", tm ? "TM" : "TE", emis_wl);
    if (rc == GK_OK) {
      gamma = m.mode[0].confinement[st.active];
      double *E2 = malloc(dp.n * sizeof *E2);
      if (E2 && gk_mode_field(&g, &m.mode[0], dp.z_nm, dp.n, E2, NULL, &e) == GK_OK) gk_depth_mode_weighted(&dp, E2);
      free(E2);
      c_n = use_mode ? dp.n_mode : dp.n_mean; /* per J/cm^2 (profile at F = 1) */
      snprintf(how, sizeof how,
               "transfer matrix at %g nm (absorbed %.4f in '%s', %g nm), %s; Gamma of %s0 at %g nm from the mode solver",
               pump_wl, A_act, st.layers[st.active].name, dnm,
               use_mode ? "density weighted by the mode's |E|^2" : "thickness-average density", tm ? "TM" : "TE", emis_wl);
    }
    gk_modes_free(&m), gk_guide_free(&g), gk_depth_free(&dp), gk_absorb_free(&ab);
    if (rc) goto stack_fail;
    gk_stack_free(&st);
    if (0) {
    stack_fail:
      gk_stack_free(&st);
      free(F), free(pt);
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", stackf);
      return cli_error(&e);
    }
  } else {
    double hv = gk_photon_energy_j(pump_wl);
    if (SEEN("lp")) {
      gk_depth_profile dp;
      if (gk_depth_beer(1.0, pump_wl, 2 / (lp * 1e-7), thick, 0, 2, &dp, &e) != GK_OK) { free(F), free(pt); return cli_error(&e); }
      A_act = dp.absorbed;
      gk_depth_free(&dp);
    } else A_act = absorbed;
    c_n = A_act / (hv * thick * 1e-7);
    snprintf(how, sizeof how, "%s, absorbed %.4f over %g nm, thickness average; Gamma given",
             SEEN("lp") ? "Beer-Lambert with alpha = 2/l_p (1/e^2 depth)" : "absorbed fraction given", A_act, thick);
  }
  if (!(c_n > 0 && isfinite(c_n))) {
    free(F), free(pt);
    gk_error_set(&e, GK_EINPUT, stackf ? stackf : "", 0, "the active layer absorbs nothing at %g nm", pump_wl);
    return cli_error(&e);
  }
  /* ---- one VSL fit per file ---- */
  for (size_t i = 0; i < n; i++) {
    gk_columns col;
    gk_columns_options co = {.xkind = GK_XKIND_LENGTH, .x_unit_default = "cm", .require_increasing = 0,
                             .allow_unsorted = 1, .reject_duplicate_x = 1, .min_points = 4};
    if (gk_columns_read(files[i], &co, &col, &e) != GK_OK) { free(F), free(pt); return cli_error(&e); }
    gk_vsl_data d = {.n = col.n, .L = col.x, .intensity = col.y, .sigma = col.sigma, .line = col.line,
                     .path = files[i], .weighting = col.sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_RELATIVE};
    gk_vsl_fit vf;
    memset(&vf, 0, sizeof vf);
    rc = gk_vsl_fit_model(&d, vm, &vf, &e);
    if (rc != GK_OK) {
      gk_vsl_fit_free(&vf);
      gk_columns_free(&col);
      free(F), free(pt);
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", files[i]);
      return cli_error(&e);
    }
    memset(&pt[i], 0, sizeof pt[i]);
    pt[i].F = F[i], pt[i].g = vf.value[0], pt[i].se = vf.se[0], pt[i].N = F[i] * c_n;
    pt[i].file = files[i], pt[i].converged = vf.converged;
    gk_error e3;
    gk_error_clear(&e3);
    if (gk_vsl_lengths_compute(&d, &pt[i].len, &e3) != GK_OK) {
      memset(&pt[i].len, 0, sizeof pt[i].len);
      pt[i].len.l_th = pt[i].len.l_sat_model = pt[i].len.l_sat_data = pt[i].len.g_small = NAN;
    }
    if (small) {
      if (pt[i].len.n_small < 3 || !isfinite(pt[i].len.g_small)) {
        pt[i].converged = 0;
        cli_warn("%s: no small-signal range (the shortest stripes already fail the vsl1 test)", cli_basename(files[i]));
      } else {
        pt[i].g = pt[i].len.g_small, pt[i].se = pt[i].len.se_g_small;
        if (pt[i].len.saturated)
          cli_warn("%s: vsl1 on the %zu shortest stripes (up to %g um); the longer ones saturate", cli_basename(files[i]),
                   pt[i].len.n_small, pt[i].len.l_sat_data * 1e4);
      }
    }
    gk_vsl_fit_free(&vf);
    gk_columns_free(&col);
  }
  free(F);
  qsort(pt, n, sizeof *pt, cmp_point);
  double *fx = malloc(3 * n * sizeof *fx);
  if (!fx) { free(pt); return cli_usage(c.cmd, "out of memory"); }
  double *gy = fx + n, *gs = gy + n;
  int all_vsl = 1;
  for (size_t i = 0; i < n; i++) {
    fx[i] = pt[i].F, gy[i] = pt[i].g, gs[i] = pt[i].se;
    if (!pt[i].converged || !(gs[i] > 0 && isfinite(gs[i]))) {
      all_vsl = 0;
      cli_warn("%s: the %s fit did not converge or has no error; excluded from the G(N) fit",
               cli_basename(pt[i].file), gk_vsl_model_name(vm));
    }
  }
  /* keep only the points with a usable gain error */
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (pt[i].converged && gs[i] > 0 && isfinite(gs[i])) fx[m] = fx[i], gy[m] = gy[i], gs[m] = gs[i], m++;
  gk_chain_result cr;
  if (gk_chain_fit(fx, gy, gs, m, gamma, c_n, &cr, &e) != GK_OK) { free(fx), free(pt); return cli_error(&e); }
  (void)all_vsl;
  /* ---- report ---- */
  cli_result r;
  cli_result_init(&r, "gain-chain");
  cJSON_AddStringToObject(r.j, "density_from", how);
  gk_json_num(r.j, "gamma", gamma);
  gk_json_num(r.j, "c_n", c_n);
  gk_json_num(r.j, "absorbed", A_act);
  cJSON_AddStringToObject(r.j, "vsl_model", gk_vsl_model_name(vm));
  cli_printf(&r.b, "Gain chain: %zu VSL scans (%s) -> g(F) -> N = c_N F -> G = Gamma sigma (N - N_th)/(1 + N/N_s)\n", n,
             gk_vsl_model_name(vm));
  cli_printf(&r.b, "  N from: %s\n", how);
  cli_print_value(&r.b, "Gamma", gamma, NAN, "");
  cli_print_value(&r.b, "c_N", c_n * 1e-6, NAN, "cm^-3 per uJ/cm2");
  cli_printf(&r.b, "  %-22s %12s %12s %12s %12s %12s %12s\n", "file", "F (uJ/cm2)", "G (cm^-1)", "se (cm^-1)",
             "N (cm^-3)", "L_th (um)", "L_ss (um)");
  cJSON *arr = cJSON_AddArrayToObject(r.j, "points");
  for (size_t i = 0; i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", pt[i].file);
    gk_json_num(o, "fluence", pt[i].F);
    gk_json_value_se(o, "g", pt[i].g, pt[i].se);
    gk_json_num(o, "n", pt[i].N);
    cJSON_AddBoolToObject(o, "converged", pt[i].converged);
    gk_json_num(o, "l_threshold", pt[i].len.l_th);
    gk_json_num(o, "l_small_signal", pt[i].len.l_sat_data);
    gk_json_num(o, "l_saturation_model", pt[i].len.l_sat_model);
    cJSON_AddBoolToObject(o, "saturated", pt[i].len.saturated);
    cJSON_AddItemToArray(arr, o);
    cli_printf(&r.b, "  %-22s", cli_basename(pt[i].file));
    cli_cell(&r.b, 13, pt[i].F * 1e6);
    cli_cell(&r.b, 13, pt[i].g);
    cli_cell(&r.b, 13, pt[i].se);
    cli_cell(&r.b, 13, pt[i].N);
    cli_cell(&r.b, 13, pt[i].len.l_th * 1e4);
    if (pt[i].len.saturated || isnan(pt[i].len.l_sat_data)) cli_cell(&r.b, 13, pt[i].len.l_sat_data * 1e4);
    else cli_printf(&r.b, "%13s", "not reached");
    cli_printf(&r.b, "\n");
  }
  int status = cr.converged ? CLI_OK : CLI_FAILED;
  cli_printf(&r.b, "G(N) fit (weights 1/se^2, errors scaled by chi2_red = %.3g):\n", cr.chi2_red);
  gk_json_value_se(r.j, "sigma", cr.sigma, cr.se_sigma);
  gk_json_value_se(r.j, "n_th", cr.n_th, cr.se_n_th);
  gk_json_value_se(r.j, "f_th", cr.f_th, cr.se_f_th);
  gk_json_num(r.j, "chi2_red", cr.chi2_red);
  cJSON_AddBoolToObject(r.j, "converged", cr.converged);
  cli_print_value(&r.b, "sigma", cr.sigma, cr.se_sigma, "cm^2");
  cli_print_value(&r.b, "N_th", cr.n_th, cr.se_n_th, "cm^-3");
  cli_print_value(&r.b, "F_th", cr.f_th * 1e6, cr.se_f_th * 1e6, "uJ/cm2 (G = 0)");
  /* N_s: not determined when the data show no saturation */
  int ns_ok = cr.converged && isfinite(cr.se_n_s) && cr.se_n_s < cr.n_s && !cr.fit.at_bound;
  if (ns_ok) {
    gk_json_value_se(r.j, "n_s", cr.n_s, cr.se_n_s);
    cli_print_value(&r.b, "N_s", cr.n_s, cr.se_n_s, "cm^-3");
  } else {
    cJSON *o = cJSON_AddObjectToObject(r.j, "n_s");
    cJSON_AddNullToObject(o, "value");
    cJSON_AddStringToObject(o, "reason", "not determined: no saturation in the data (N_s beyond the range)");
    gk_json_num(o, "lower_bound", pt[n - 1].N);
    cli_printf(&r.b, "  N_s          not determined (no saturation seen; N_s >~ %.3g cm^-3)\n", pt[n - 1].N);
  }
  if (!cr.converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", cr.fit.reason);
  static const char *hdr[] = {"F (uJ/cm2)", "G (cm^-1)", "se_G (cm^-1)", "N (cm^-3)", "G_fit (cm^-1)"};
  gk_csv_init(&r.csv, 5, hdr);
  r.has_csv = 1;
  gk_csv_add_comment(&r.csv, "gain chain: %s", how);
  for (size_t i = 0; i < n; i++) {
    double Nn = pt[i].N;
    double gf = gamma * cr.sigma * (Nn - cr.n_th) / (1 + Nn / cr.n_s);
    gk_csv_add_comment(&r.csv, "%s: %g uJ/cm2", cli_basename(pt[i].file), pt[i].F * 1e6);
    gk_csv_add_row(&r.csv, (double[]){pt[i].F * 1e6, pt[i].g, pt[i].se, Nn, gf});
  }
  rc = 0;
  if (c.plot) {
    enum { M = 300 };
    double xs[M], ys[M], *nx = malloc(n * sizeof *nx), *gg = malloc(2 * n * sizeof *gg);
    if (nx && gg) {
      double lo = pt[0].N * 0.5, hi = pt[n - 1].N * 1.5;
      for (int i = 0; i < M; i++) {
        xs[i] = lo * pow(hi / lo, (double)i / (M - 1));
        ys[i] = gamma * cr.sigma * (xs[i] - cr.n_th) / (1 + xs[i] / cr.n_s);
      }
      for (size_t i = 0; i < n; i++) nx[i] = pt[i].N, gg[i] = pt[i].g, gg[n + i] = pt[i].se;
      gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
      gk_panel *p = gk_figure_panel(f, 0);
      char t[200];
      snprintf(t, sizeof t, "G(N): sigma = %.3g cm2, N_th = %.3g cm-3, Gamma = %.3f", cr.sigma, cr.n_th, gamma);
      gk_panel_labels(p, "carrier density N (cm^-3)", "modal gain G (cm^-1)", t);
      gk_panel_log(p, 1, 0);
      gk_panel_add(p, nx, gg, gg + n, n, GK_STYLE_POINTS, -1, "VSL");
      gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, -1, "Gamma sigma (N - N_th)/(1 + N/N_s)");
      gk_panel_hline(p, 0, -1, NULL);
      rc = cli_save_figure(&c, f);
    } else rc = cli_usage(c.cmd, "out of memory");
    free(nx), free(gg);
  }
  gk_chain_free(&cr);
  free(fx), free(pt);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, status);
}

const struct cli_command cli_cmd_gainchain = {
  .name = "gain-chain",
  .summary = "fluence series of VSL scans -> g(F) -> N(F) -> G(N) fit (sigma, N_th, N_s)",
  .order = 16,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "VSL1.csv VSL2.csv ... [--fluences F1,F2,... | --sidecar FILE]\n"
           "                          (--stack FILE | --gamma G --thickness d (--absorbed A | --lp l))",
  .about =
    "The measurement chain of Tatarinov et al., Adv. Opt. Mater. 2023 (Fig. 3a,\n"
    "Table 1): every VSL scan (one per pump fluence) is fitted (vsl1 by default),\n"
    "giving the modal gain g(F) with its error; the fluence becomes a carrier\n"
    "density N = c_N F (one pair per absorbed pump photon, c_N = absorbed /\n"
    "(h nu d)); the saturating law G = Gamma sigma (N - N_th)/(1 + N/N_s) is\n"
    "fitted with Gamma held at the mode solver's confinement.",
  .epilog =
    "Per scan also: L_th, the threshold length (g L = 1.2564: amplified emission\n"
    "equals the unamplified A L), and L_ss, the longest stripe up to which vsl1\n"
    "passes the chi^2 test (p >= 0.001, the range ending where two successive\n"
    "stripes fail; \"not reached\" when every stripe passes; JSON also\n"
    "l_saturation_model: the sat fit's length where I = Is).\n"
    "Text and JSON: the g(F), N table and sigma, N_th, F_th, N_s with errors (N_s\n"
    "\"not determined\" when the data show no saturation). -o FILE.csv writes the\n"
    "table with the fitted curve; --plot draws G versus N (Fig. 3a of the paper).\n"
    "Examples:\n"
    "  gainkit gain-chain examples/fluence/series/*.csv --stack examples/fluence/stack-pump.yaml --plot gn.svg\n"
    "  gainkit gain-chain examples/fluence/series/*.csv --gamma 0.74 --thickness 100 --lp 200",
  .run = run,
};
