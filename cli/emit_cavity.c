/* cli/emit_cavity.c — output of `gainkit cavity`: the fitted lasing line
 * (text, JSON, CSV, figure), Q from a given width, the J_th scaling. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_cavity.h"
#include "qopt.h"

/* the free spectral range, when a length or a radius is given */
static void fsr(cli_result *r, double wl, const cavity_resonator *res)
{
  if (!res->has_l && !res->has_r) return;
  double v = res->has_l ? gk_cavity_fsr_fp_nm(wl, res->ng, res->len) : gk_cavity_fsr_wgm_nm(wl, res->ng, res->rad);
  gk_json_num(r->j, "fsr_nm", v);
  cli_print_value(&r->b, "FSR", v, NAN, res->has_l ? "nm (Fabry-Perot, lambda^2/(2 n_g L))" : "nm (whispering gallery, lambda^2/(2 pi R n_g))");
}

int cavity_emit_fit(cli_common *c, const char *path, const gk_specset *s, size_t a, size_t n,
                    const gk_cavity_line_options *o, const cavity_resonator *res, const gk_cavity_line *L)
{
  const size_t b = a + n;
  const gk_line_fit *f = &L->fit;
  const double g = L->gauss, iw = o->instrument_width, wL = L->linewidth_nm, wL_se = L->linewidth_se;
  const double Q = L->q, Qse = L->q_se, tp = L->photon_lifetime_s;
  const int free_g = o->free_gauss, gauss = o->instrument_gauss, det = L->determined;
  cli_result r;
  cli_result_init(&r, "cavity fit");
  cJSON_AddStringToObject(r.j, "spectrum", path);
  cJSON_AddStringToObject(r.j, "profile", g == 0 ? "lorentzian" : free_g ? "voigt (both widths free)" : "voigt (gaussian instrument fixed)");
  gk_json_num(r.j, "wavelength_nm", f->center_nm);
  gk_json_num(r.j, "wavelength_se_nm", f->center_se);
  gk_json_num(r.j, "fwhm_fit_lorentz_nm", f->fwhm_lorentz_nm);
  if (g != 0) gk_json_num(r.j, "fwhm_gauss_nm", f->fwhm_gauss_nm);
  gk_json_num(r.j, "fwhm_total_nm", f->fwhm_total_nm);
  cli_printf(&r.b, "Lasing line of %s (%zu points, %.4f-%.4f nm), fit: %s\n", path, b - a, s->wl[a], s->wl[b - 1],
             g == 0 ? "Lorentzian" : free_g ? "Voigt, both widths free" : "Voigt, Gaussian instrument fixed");
  cli_print_value(&r.b, "center", f->center_nm, f->center_se, "nm");
  cli_print_value(&r.b, "FWHM total", f->fwhm_total_nm, NAN, g == 0 ? "nm" : "nm (Olivero-Longbothum Voigt width)");
  if (g > 0) cli_printf(&r.b, "  Gaussian instrument %g nm held fixed\n", g);
  if (free_g) cli_print_value(&r.b, "FWHM Gauss", f->fwhm_gauss_nm, f->fwhm_gauss_se, "nm");
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
  fsr(&r, f->center_nm, res);
  if (!f->converged) cli_printf(&r.b, "  the fit did not converge: %s\n", f->fit.reason);
  static const char *hdr[] = {"wavelength (nm)", "data", "fit"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < b - a; i++) gk_csv_add_row(&r.csv, (double[]){s->wl[a + i], s->y[a + i], f->fit.yhat[i]});
  int status = f->converged ? CLI_OK : CLI_FAILED;
  if (c->plot) {
    gk_figure *fig = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "wavelength (nm)", s->y_unit[0] ? s->y_unit : "intensity", "lasing line and fit");
    gk_panel_add(p, s->wl + a, s->y + a, NULL, b - a, GK_STYLE_POINTS, 0, "data");
    gk_panel_add(p, s->wl + a, f->fit.yhat, NULL, b - a, GK_STYLE_LINE, 1, g == 0 ? "Lorentzian fit" : "Voigt fit");
    char t[120];
    if (det) snprintf(t, sizeof t, "Q = %.4g +- %.2g", Q, Qse);
    else snprintf(t, sizeof t, "Q not determined");
    gk_panel_text(p, 0.03, 0.92, t);
    int prc = cli_save_figure(c, fig);
    if (prc) { cli_result_free(&r); return prc; }
  }
  return cli_result_finish(c, &r, status);
}

int cavity_emit_width(cli_common *c, double wl, double lw, double iw, int gauss, double w, const cavity_resonator *res)
{
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
  fsr(&r, wl, res);
  return cli_result_finish(c, &r, CLI_OK);
}

int cavity_emit_jth(cli_common *c, const double *A, const double *B, double rr)
{
  cli_result r;
  cli_result_init(&r, "cavity jth");
  gk_json_num(r.j, "jth_ratio", rr);
  cli_printf(&r.b, "Threshold scaling J_th ∝ V / (PLQY Q_em tau_p) (Goldberg et al., Adv. Mater. 2024, Eq. 7)\n");
  cli_printf(&r.b, "  design a: V %g, PLQY %g, Q_em %g, tau_p %g\n  design b: V %g, PLQY %g, Q_em %g, tau_p %g\n", A[0],
             A[1], A[2], A[3], B[0], B[1], B[2], B[3]);
  cli_print_value(&r.b, "J_th(b)/J_th(a)", rr, NAN, "");
  return cli_result_finish(c, &r, CLI_OK);
}
