/* gainkit cavity — resonator numbers from a measured lasing line: Q,
 * photon lifetime, free spectral range of a Fabry-Perot or whispering-gallery
 * resonator. */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/cavity.h"
#include "gainkit/io.h"
#include <stdio.h>
#include <stdlib.h>

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* "V:PLQY:Qem:tau_p" -> 4 positive numbers */
static int parse4(const char *opt, const char *s, double v[4])
{
  char tail;
  if (sscanf(s, "%lf:%lf:%lf:%lf%c", &v[0], &v[1], &v[2], &v[3], &tail) != 4)
    return CLI_QFAIL(opt, "'%s' is not V:PLQY:Q_em:tau_p (four numbers)", s);
  for (int i = 0; i < 4; i++)
    if (!(v[i] > 0 && isfinite(v[i]))) return CLI_QFAIL(opt, "'%s': every value must be positive", s);
  if (v[1] > 1) return CLI_QFAIL(opt, "PLQY %g is above 1", v[1]);
  return 0;
}

/* gainkit cavity --spectrum FILE: fit the lasing line */
static int run_fit(cli_common *c, const char *path, const double *win, int has_win, double iw, int gauss, int free_g,
                   double ng, double len, double rad, int has_l, int has_r)
{
  gk_io_options io = {0};
  gk_specset s = {0};
  gk_error e;
  gk_error_clear(&e);
  if (gk_io_read(path, &io, &s, &e) != GK_OK) return cli_error(&e);
  for (size_t k = 0; k < s.notes.n; k++) fprintf(stderr, "gainkit: note: %s: %s\n", path, s.notes.msg[k]);
  size_t a = 0, b = s.nwl;
  if (has_win) {
    while (a < s.nwl && s.wl[a] < win[0]) a++;
    while (b > a && s.wl[b - 1] > win[1]) b--;
  }
  if (b - a < 6) {
    gk_specset_free(&s);
    return has_win ? CLI_QFAIL("window", "%g:%g nm holds %zu points of %s (need 6)", win[0], win[1], b - a, path)
                   : cli_usage(c->cmd, "%s: %zu points, the line fit needs 6", path, b - a);
  }
  if (s.nspec > 1) fprintf(stderr, "gainkit: note: %s has %zu spectra; fitting the first (%s)\n", path, s.nspec, s.label[0]);
  double g = 0;
  if (free_g) g = -1;
  else if (iw > 0 && gauss) g = iw;
  gk_line_fit f;
  int rc = gk_cavity_line_fit(s.wl + a, s.y + a, b - a, g, &f, &e);
  if (rc != GK_OK) { gk_specset_free(&s); return cli_error(&e); }
  double wL = f.fwhm_lorentz_nm, wL_se = f.fwhm_lorentz_se;
  int det = f.resolved;
  if (iw > 0 && !gauss) {   /* Lorentzian instrument: widths add */
    wL -= iw;
    det = det && wL > 2 * wL_se;
  }
  double Q = det ? f.center_nm / wL : NAN, Qse = det ? Q * wL_se / wL : NAN;
  double tp = det ? gk_cavity_photon_lifetime_s(f.center_nm, Q) : NAN;
  cli_result r;
  cli_result_init(&r, "cavity fit");
  cJSON_AddStringToObject(r.j, "spectrum", path);
  cJSON_AddStringToObject(r.j, "profile", g == 0 ? "lorentzian" : free_g ? "voigt (both widths free)" : "voigt (gaussian instrument fixed)");
  gk_json_num(r.j, "wavelength_nm", f.center_nm);
  gk_json_num(r.j, "wavelength_se_nm", f.center_se);
  gk_json_num(r.j, "fwhm_fit_lorentz_nm", f.fwhm_lorentz_nm);
  if (g != 0) gk_json_num(r.j, "fwhm_gauss_nm", f.fwhm_gauss_nm);
  gk_json_num(r.j, "fwhm_total_nm", f.fwhm_total_nm);
  cli_printf(&r.b, "Lasing line of %s (%zu points, %.4f-%.4f nm), fit: %s\n", path, b - a, s.wl[a], s.wl[b - 1],
             g == 0 ? "Lorentzian" : free_g ? "Voigt, both widths free" : "Voigt, Gaussian instrument fixed");
  cli_print_value(&r.b, "center", f.center_nm, f.center_se, "nm");
  cli_print_value(&r.b, "FWHM total", f.fwhm_total_nm, NAN, g == 0 ? "nm" : "nm (Olivero-Longbothum Voigt width)");
  if (g > 0) cli_printf(&r.b, "  Gaussian instrument %g nm held fixed\n", g);
  if (free_g) cli_print_value(&r.b, "FWHM Gauss", f.fwhm_gauss_nm, f.fwhm_gauss_se, "nm");
  if (iw > 0 && !gauss) cli_printf(&r.b, "  Lorentzian instrument %g nm subtracted from the fitted width\n", iw);
  if (det) {
    gk_json_num(r.j, "linewidth_nm", wL);
    gk_json_num(r.j, "linewidth_se_nm", wL_se);
    gk_json_num(r.j, "q", Q);
    gk_json_num(r.j, "q_se", Qse);
    gk_json_num(r.j, "photon_lifetime_s", tp);
    cli_print_value(&r.b, "FWHM Lorentz", wL, wL_se, "nm (the cavity's linewidth)");
    cli_print_value(&r.b, "Q", Q, Qse, "(lambda / Lorentzian FWHM)");
    cli_print_value(&r.b, "tau_p", tp, NAN, "s (Q lambda / 2 pi c)");
  } else {
    cJSON_AddNullToObject(r.j, "linewidth_nm");
    cJSON_AddNullToObject(r.j, "q");
    cJSON_AddNullToObject(r.j, "photon_lifetime_s");
    char why[200];
    snprintf(why, sizeof why, "the Lorentzian width (%.3g +- %.3g nm) is not resolved by the data%s", wL, wL_se,
             g > 0 || (iw > 0 && !gauss) ? " and the instrument" : "");
    cJSON_AddStringToObject(r.j, "q_reason", why);
    cli_printf(&r.b, "  Q            not determined: %s\n", why);
  }
  if (has_l || has_r) {
    double fsr = has_l ? gk_cavity_fsr_fp_nm(f.center_nm, ng, len) : gk_cavity_fsr_wgm_nm(f.center_nm, ng, rad);
    gk_json_num(r.j, "fsr_nm", fsr);
    cli_print_value(&r.b, "FSR", fsr, NAN, has_l ? "nm (Fabry-Perot, lambda^2/(2 n_g L))" : "nm (whispering gallery, lambda^2/(2 pi R n_g))");
  }
  if (!f.converged) cli_printf(&r.b, "  the fit did not converge: %s\n", f.fit.reason);
  static const char *hdr[] = {"wavelength (nm)", "data", "fit"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < b - a; i++) gk_csv_add_row(&r.csv, (double[]){s.wl[a + i], s.y[a + i], f.fit.yhat[i]});
  int status = f.converged ? CLI_OK : CLI_FAILED;
  if (c->plot) {
    gk_figure *fig = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "wavelength (nm)", s.y_unit[0] ? s.y_unit : "intensity", "lasing line and fit");
    gk_panel_add(p, s.wl + a, s.y + a, NULL, b - a, GK_STYLE_POINTS, 0, "data");
    gk_panel_add(p, s.wl + a, f.fit.yhat, NULL, b - a, GK_STYLE_LINE, 1, g == 0 ? "Lorentzian fit" : "Voigt fit");
    char t[120];
    if (det) snprintf(t, sizeof t, "Q = %.4g +- %.2g", Q, Qse);
    else snprintf(t, sizeof t, "Q not determined");
    gk_panel_text(p, 0.03, 0.92, t);
    int prc = cli_save_figure(c, fig);
    if (prc) { cli_result_free(&r); gk_line_fit_free(&f); gk_specset_free(&s); return prc; }
  }
  gk_line_fit_free(&f);
  gk_specset_free(&s);
  return cli_result_finish(c, &r, status);
}

/* ---- options (declarative: --help is generated from this table) ---- */
static struct {
  double wl, lw, iw, ng, len, rad, win[2];
  const char *ishape, *spec, *ja, *jb;
} A = {.ishape = "gauss"};

static cli_qopt q[] = {
  CLI_OPT_GROUP("Line given by its width"),
  CLI_OPT_QTY("wavelength", "NM", "nm", QO_POS, &A.wl, NULL, "lasing wavelength"),
  CLI_OPT_QTY("linewidth", "W", "nm", QO_POS, &A.lw, NULL, "measured FWHM (0.3nm works)"),
  CLI_OPT_GROUP("Line fitted from a spectrum"),
  CLI_OPT_STRING("spectrum", "FILE", &A.spec, NULL, "lasing spectrum (any format gainkit reads; the first spectrum)"),
  CLI_OPT_RANGE("window", "nm", A.win, "the whole spectrum", "fit only inside A:B"),
  CLI_OPT_FLAG("voigt", NULL, "fit a Voigt with a free Gaussian width"),
  CLI_OPT_GROUP("Instrument and resonator"),
  CLI_OPT_QTY("instrument-width", "G", "nm", QO_NONNEG, &A.iw, NULL, "spectrometer FWHM, deconvolved"),
  CLI_OPT_CHOICE("instrument", "gauss|lorentz", &A.ishape, "gauss", "shape of the instrument function"),
  CLI_OPT_NUM("ng", "n_g", QO_POS, &A.ng, NULL, "group index, for the free spectral range"),
  CLI_OPT_QTY("length", "L", "nm", QO_POS, &A.len, NULL, "Fabry-Perot cavity length"),
  CLI_OPT_QTY("radius", "R", "nm", QO_POS, &A.rad, NULL, "microdisk/ring radius"),
  CLI_OPT_GROUP("Threshold scaling"),
  CLI_OPT_STRING("jth-a", "V:PLQY:Q_em:tau_p", &A.ja, NULL, "design a (Goldberg et al. Eq. 7)"),
  CLI_OPT_STRING("jth-b", "V:PLQY:Q_em:tau_p", &A.jb, NULL, "design b: prints J_th(b)/J_th(a)"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "cavity"};
  CLI_RESET(A);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (first < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first]);
  double wl = A.wl, lw = A.lw, iw = A.iw, ng = A.ng, len = A.len, rad = A.rad;
  const double *win = A.win;
  const char *ishape = A.ishape, *spec = A.spec, *ja = A.ja, *jb = A.jb;
  if (ja || jb) {
    if (!ja || !jb) return cli_usage(c.cmd, "--jth-a and --jth-b go together (two designs to compare)");
    for (size_t i = 0; i < NQ(q); i++)
      if (q[i].seen && strcmp(q[i].name, "jth-a") && strcmp(q[i].name, "jth-b"))
        return cli_usage(c.cmd, "--jth-a/--jth-b compare two designs; --%s does not apply", q[i].name);
    if (c.plot) { cli_no_plot(&c, "--jth-a/--jth-b"); return CLI_USAGE; }
    double A[4], B[4];
    int prc = parse4("jth-a", ja, A);
    if (prc) return prc;
    if ((prc = parse4("jth-b", jb, B))) return prc;
    double rr = gk_cavity_jth_ratio(A[0], A[1], A[2], A[3], B[0], B[1], B[2], B[3]);
    cli_result r;
    cli_result_init(&r, "cavity jth");
    gk_json_num(r.j, "jth_ratio", rr);
    cli_printf(&r.b, "Threshold scaling J_th ∝ V / (PLQY Q_em tau_p) (Goldberg et al., Adv. Mater. 2024, Eq. 7)\n");
    cli_printf(&r.b, "  design a: V %g, PLQY %g, Q_em %g, tau_p %g\n  design b: V %g, PLQY %g, Q_em %g, tau_p %g\n", A[0],
               A[1], A[2], A[3], B[0], B[1], B[2], B[3]);
    cli_print_value(&r.b, "J_th(b)/J_th(a)", rr, NAN, "");
    return cli_result_finish(&c, &r, CLI_OK);
  }
  int gauss = !strcmp(ishape, "gauss");
  if (!gauss && strcmp(ishape, "lorentz")) return CLI_QFAIL("instrument", "'%s' is not gauss or lorentz", ishape);
  int has_l = cli_qopt_find(q, NQ(q), "length")->seen, has_r = cli_qopt_find(q, NQ(q), "radius")->seen;
  if (has_l && has_r) return cli_usage(c.cmd, "give --length (Fabry-Perot) or --radius (microdisk/ring), not both");
  if ((has_l || has_r) && !cli_qopt_find(q, NQ(q), "ng")->seen) return CLI_QFAIL("ng", "the free spectral range needs the group index --ng");
  int voigt = cli_qopt_find(q, NQ(q), "voigt")->seen, has_w = cli_qopt_find(q, NQ(q), "window")->seen;
  if (spec) {
    if (cli_qopt_find(q, NQ(q), "wavelength")->seen || cli_qopt_find(q, NQ(q), "linewidth")->seen)
      return cli_usage(c.cmd, "--spectrum fits the line: --wavelength and --linewidth come from the fit");
    if (voigt && iw > 0) return CLI_QFAIL("voigt", "fits the Gaussian width freely: leave out --instrument-width (or --voigt)");
    return run_fit(&c, spec, win, has_w, iw, gauss, voigt, ng, len, rad, has_l, has_r);
  }
  if (voigt || has_w) return cli_usage(c.cmd, "--voigt and --window apply to --spectrum");
  if (cli_qopt_require(&c, q, NQ(q), "wavelength") < 0 || cli_qopt_require(&c, q, NQ(q), "linewidth") < 0)
    return CLI_USAGE;
  if (!(lw < wl)) return CLI_QFAIL("linewidth", "must be narrower than the wavelength");
  double w = lw;
  if (iw > 0) {
    w = gk_cavity_deconvolve_lorentz_nm(lw, iw, gauss);
    if (!(w > 0)) return CLI_QFAIL("instrument-width", "%g nm is not narrower than the measured line (%g nm): the linewidth is not resolved", iw, lw);
  }
  double Q = gk_cavity_q(wl, w), tp = gk_cavity_photon_lifetime_s(wl, Q);
  cli_result r;
  cli_result_init(&r, "cavity");
  gk_json_num(r.j, "wavelength_nm", wl);
  gk_json_num(r.j, "linewidth_nm", w);
  gk_json_num(r.j, "q", Q);
  gk_json_num(r.j, "photon_lifetime_s", tp);
  cli_printf(&r.b, "Resonator from the lasing line at %g nm\n", wl);
  if (iw > 0) cli_printf(&r.b, "  measured FWHM %g nm, %s instrument %g nm -> Lorentzian FWHM %.6g nm\n", lw, gauss ? "Gaussian" : "Lorentzian", iw, w);
  cli_print_value(&r.b, "Q", Q, NAN, "(lambda / FWHM)");
  cli_print_value(&r.b, "tau_p", tp, NAN, "s (Q lambda / 2 pi c)");
  if (has_l || has_r) {
    double fsr = has_l ? gk_cavity_fsr_fp_nm(wl, ng, len) : gk_cavity_fsr_wgm_nm(wl, ng, rad);
    gk_json_num(r.j, "fsr_nm", fsr);
    cli_print_value(&r.b, "FSR", fsr, NAN, has_l ? "nm (Fabry-Perot, lambda^2/(2 n_g L))" : "nm (whispering gallery, lambda^2/(2 pi R n_g))");
  }
  return cli_result_finish(&c, &r, CLI_OK);
}

const struct cli_command cli_cmd_cavity = {
  .name = "cavity",
  .summary = "resonator Q, photon lifetime and free spectral range from a lasing line",
  .order = 65,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "--wavelength NM --linewidth W [--instrument-width G [--instrument gauss|lorentz]]\n"
           "                      [--ng n_g (--length L | --radius R)]\n"
           "       gainkit cavity --spectrum FILE [--window A:B] [--instrument-width G [--instrument ...] | --voigt]\n"
           "                      [--ng n_g (--length L | --radius R)]\n"
           "       gainkit cavity --jth-a V:PLQY:Q_em:tau_p --jth-b V:PLQY:Q_em:tau_p [-o FILE]",
  .about = "Q = lambda/FWHM and the photon lifetime tau_p = Q lambda/(2 pi c) of a lasing line of\n"
           "Lorentzian FWHM W; with the instrument width G deconvolved (Gaussian instrument:\n"
           "Voigt width of Olivero & Longbothum 1977 solved for the Lorentzian; Lorentzian: W - G).\n"
           "Free spectral range of a Fabry-Perot cavity lambda^2/(2 n_g L) or of a microdisk/ring\n"
           "lambda^2/(2 pi R n_g).\n"
           "--spectrum fits the lasing line (first spectrum of the file, inside --window) by\n"
           "least squares (the project's fitting engine): a Lorentzian plus a constant, or with\n"
           "a Gaussian --instrument-width a Voigt profile with that Gaussian held fixed (the\n"
           "cavity's Lorentzian width comes out deconvolved), or with --voigt both widths free.\n"
           "Q = center / Lorentzian FWHM with its standard error; a width the data do not\n"
           "resolve (not above twice its error) gives Q \"not determined\" (JSON null).\n"
           "--jth-a/--jth-b: J_th(b)/J_th(a) from J_th ∝ V/(PLQY Q_em tau_p) (Goldberg et al.,\n"
           "Adv. Mater. 2024, Eq. 7; V and tau_p in any units used for both designs).",
  .epilog =
    "JSON: q, q_se (fit), photon_lifetime_s, linewidth_nm (deconvolved), fsr_nm, jth_ratio.\n"
    "--plot (with --spectrum): the data and the fitted line.\n"
    "Examples:\n"
    "  gainkit cavity --wavelength 530 --linewidth 0.3             (Q = 1767)\n"
    "  gainkit cavity --wavelength 530 --linewidth 0.3 --instrument-width 0.1 --ng 2.6 --radius 5\n"
    "  gainkit cavity --spectrum examples/lasing-line.csv --instrument-width 0.1\n"
    "  gainkit cavity --jth-a 1:0.5:50:1e-12 --jth-b 1:0.5:50:3e-12     (ratio 1/3)",
  .run = run,
};
