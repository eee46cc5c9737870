/* Output of `gainkit dfb`: text, JSON, CSV and figures (cli/emit_dfb.h). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>

#include "emit_dfb.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int dfb_emit_map(cli_common *c, const dfb_map_out *d)
{
  size_t np = d->np, nd = d->nd, ncell = np * nd;
  int has_ase = d->has_ase;
  double g_ase = d->g_ase;
  double *P = malloc(np * sizeof *P), *D = malloc(nd * sizeof *D), *G = malloc(ncell * sizeof *G);
  if (!P || !D || !G) {
    free(P); free(D); free(G);
    return cli_usage("dfb", "out of memory");
  }
  for (size_t i = 0; i < np; i++) P[i] = d->cells[i].period_nm;
  for (size_t i = 0; i < nd; i++) D[i] = d->cells[i * np].duty;
  cli_result r;
  cli_result_init(&r, "dfb map");
  static const char *hdr[] = {"period (nm)", "duty", "wavelength (nm)", "n_eff", "kappa (cm^-1)",
                              "zeta re (cm^-1)", "zeta im (cm^-1)", "g_th (cm^-1)"};
  gk_csv_init(&r.csv, 8, hdr);
  r.has_csv = 1;
  cJSON_AddStringToObject(r.j, "stack", d->stack);
  cJSON_AddStringToObject(r.j, "grating_layer", d->glayer);
  gk_json_num(r.j, "order", d->order);
  gk_json_num(r.j, "length", d->len);
  if (has_ase) gk_json_num(r.j, "ase_threshold_gain", g_ase);
  cli_printf(&r.b, "DFB threshold map of %s, grating in '%s' (fill index %g, order %d), L = %g um\n", d->stack,
             d->glayer, d->nfill, d->order, d->len * 1e4);
  cli_printf(&r.b, "threshold modal gain g_th (cm^-1) of the lowest mode%s; rows: duty, columns: period (nm)\n",
             d->order == 2 ? ", second-order radiation loss included" : "");
  cli_printf(&r.b, "%8s", "duty");
  for (size_t i = 0; i < np; i++) cli_printf(&r.b, " %9.1f", P[i]);
  cli_printf(&r.b, "\n");
  cJSON *cells = cJSON_AddArrayToObject(r.j, "map");
  double best = INFINITY, bp = NAN, bd = NAN, bw = NAN;
  int status = CLI_OK, nbelow = 0;
  for (size_t a = 0; a < nd; a++) {
    cli_printf(&r.b, "%8.3f", D[a]);
    for (size_t b = 0; b < np; b++) {
      const gk_dfb_map_cell *x = &d->cells[a * np + b];
      int rc = (int)x->c.status;
      double wl = x->c.wavelength_nm, kap = x->c.kappa, ne = x->c.neff, gth = x->threshold_gain;
      double complex z = x->c.zeta;
      G[a * np + b] = gth;
      cJSON *o = cJSON_CreateObject();
      gk_json_num(o, "period_nm", P[b]);
      gk_json_num(o, "duty", D[a]);
      if (rc == 1) cJSON_AddStringToObject(o, "reason", d->pol == GK_TM ? "no guided TM mode" : "no guided TE mode");
      else {
        gk_json_num(o, "wavelength_nm", wl);
        gk_json_num(o, "neff", ne);
        gk_json_num(o, "kappa", rc == 2 ? 0 : kap);
        gk_json_num(o, "zeta_re", creal(z));
        gk_json_num(o, "zeta_im", cimag(z));
      }
      if (isfinite(gth)) {
        gk_json_num(o, "threshold_gain", gth);
        if (has_ase) cJSON_AddBoolToObject(o, "below_ase", gth < g_ase);
        if (has_ase && gth < g_ase) nbelow++;
        if (gth < best) { best = gth; bp = P[b]; bd = D[a]; bw = wl; }
        cli_printf(&r.b, " %9.4g", gth);
      } else {
        cJSON_AddNullToObject(o, "threshold_gain");
        if (rc == 2) cJSON_AddStringToObject(o, "reason", "no Fourier component of this order (no coupling)");
        else if (rc == 0) cJSON_AddStringToObject(o, "reason", "kappa L outside (1e-6, 50] or no mode found");
        cli_printf(&r.b, " %9s", "-");
      }
      cJSON_AddItemToArray(cells, o);
      gk_csv_add_row(&r.csv, (double[]){P[b], D[a], wl, ne, rc == 2 ? 0 : kap, creal(z), cimag(z), gth});
    }
    cli_printf(&r.b, "\n");
  }
  if (isfinite(best)) {
    cJSON *o = cJSON_AddObjectToObject(r.j, "lowest");
    gk_json_num(o, "period_nm", bp);
    gk_json_num(o, "duty", bd);
    gk_json_num(o, "wavelength_nm", bw);
    gk_json_num(o, "threshold_gain", best);
    cli_printf(&r.b, "lowest threshold %.4g cm^-1 at period %.2f nm, duty %.3f (lasing near %.2f nm)\n", best, bp, bd, bw);
  } else {
    cli_printf(&r.b, "no cell has a threshold\n");
    status = CLI_FAILED;
  }
  if (has_ase)
    cli_printf(&r.b, "ASE threshold modal gain %.4g cm^-1: %d of %zu cells lase below it (DFB threshold < ASE)\n", g_ase,
               nbelow, ncell);
  if (c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 860, 600, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    gk_panel_labels(p, "grating period (nm)", "duty cycle", "DFB threshold modal gain g_{th} (cm^-1)");
    int prc = gk_panel_image(p, P, np, D, nd, G, "g_{th} (cm^-1)");
    if (prc == GK_OK && has_ase) {
      /* mark the cells below the ASE threshold */
      double *xs = malloc(ncell * sizeof *xs), *ys = malloc(ncell * sizeof *ys);
      size_t k = 0;
      if (xs && ys)
        for (size_t a = 0; a < nd; a++)
          for (size_t b = 0; b < np; b++)
            if (G[a * np + b] < g_ase) { xs[k] = P[b]; ys[k++] = D[a]; }
      if (k) gk_panel_add(p, xs, ys, NULL, k, GK_STYLE_POINTS, 1, "g_{th} below the ASE threshold");
      free(xs);
      free(ys);
    }
    if (isfinite(best)) gk_panel_add(p, &bp, &bd, NULL, 1, GK_STYLE_POINTS, 3, "lowest threshold");
    int src = cli_save_figure(c, f);
    if (src) {
      cli_result_free(&r);
      free(P); free(D); free(G);
      return src;
    }
  }
  free(P); free(D); free(G);
  return cli_result_finish(c, &r, status);
}

/* Threshold gain of the lowest mode versus grating length, L/10 .. 3 L
 * (kappa fixed), capped at kappa L = 50: the figure of a single grating. */
static int plot_length(cli_common *c, const dfb_out *d)
{
  enum { M = 60 };
  double xs[M], ys[M], kappa = d->kappa, kg = d->kg, len = d->len;
  size_t np = 0;
  for (int i = 0; i < M; i++) {
    double Li = len * 0.1 * pow(30.0, (double)i / (M - 1));
    if (hypot(kappa, kg) * Li > 50) break;
    gk_dfb_mode mm[1];
    size_t nn = 0;
    gk_error e3;
    gk_error_clear(&e3);
    int prc0 = d->gen ? gk_dfb_threshold_facets((d->stack ? d->kap_signed : kappa) * Li, kg * Li, d->r1, d->r2,
                                                d->shift * M_PI / 180, 15, fmax(15, 2 * hypot(kappa, kg) * Li + 12),
                                                mm, 1, &nn, &e3)
                      : gk_dfb_threshold(kappa * Li, kg * Li, 10, fmax(15, 2 * hypot(kappa, kg) * Li + 12), mm, 1,
                                         &nn, &e3);
    if (prc0 != GK_OK || !nn) continue;
    xs[np] = Li * 1e4;
    ys[np++] = 2 * mm[0].alpha_L / Li;
  }
  gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_labels(p, "grating length L (um)", "threshold modal gain g_{th} (cm^-1)",
                  "DFB threshold of the lowest mode (coupled-wave)");
  gk_panel_log(p, 1, 1);
  gk_panel_add(p, xs, ys, NULL, np, GK_STYLE_LINE, -1, "lowest mode");
  double px = len * 1e4, py = 2 * d->m[0].alpha_L / len;
  gk_panel_add(p, &px, &py, NULL, 1, GK_STYLE_POINTS, -1, "this grating");
  return cli_save_figure(c, f);
}

/* What the stack gave: n_eff, confinement, kappa, period, zeta. */
static void emit_stack(cli_result *r, const dfb_out *d)
{
  const char *pol = d->pol == GK_TM ? "TM" : "TE";
  cJSON_AddStringToObject(r->j, "stack", d->stack);
  cJSON_AddStringToObject(r->j, "grating_layer", d->glayer);
  gk_json_num(r->j, "wavelength_nm", d->wl);
  gk_json_num(r->j, "neff", d->neff);
  gk_json_num(r->j, "confinement_grating", d->gam);
  gk_json_num(r->j, "period_nm", d->period);
  cli_printf(&r->b, "  stack %s, grating in '%s' (duty %g, fill index %g, order %g) at %g nm:\n", d->stack, d->glayer,
             d->duty, d->nfill, d->order, d->wl);
  cJSON_AddStringToObject(r->j, "pol", pol);
  if (d->depth > 0) {
    gk_json_num(r->j, "grating_depth_nm", d->depth);
    cli_printf(&r->b, "  grating region: the top %g nm of '%s' (a sub-layer; the rest of the layer unetched)\n",
               d->depth, d->glayer);
  }
  cli_printf(&r->b, "  %s0 n_eff %.6f, confinement in the grating %s %.4f -> kappa %.6g cm^-1, period %.2f nm\n", pol,
             d->neff, d->depth > 0 ? "region" : "layer", d->gam, d->kappa, d->period);
  if (d->kg != 0)
    cli_printf(&r->b, "  gain coupling from the grating layer's k: kappa_gain %.6g cm^-1 (%s teeth)\n", d->kg,
               d->kg > 0 ? "gain in the" : "absorbing");
  if (d->order == 2) {
    gk_json_num(r->j, "zeta_re", creal(d->zeta));
    gk_json_num(r->j, "zeta_im", cimag(d->zeta));
    cJSON_AddBoolToObject(r->j, "radiation_included", d->rad);
    cli_printf(&r->b, "  second order: radiation coupling zeta %.6g %+.6g i cm^-1 (first Fourier component; "
                      "Kazarinov & Henry 1985)%s\n", creal(d->zeta), cimag(d->zeta),
               d->rad ? "" : " -- NOT included (--no-radiation)");
    if (d->rad) {
      double g0 = gk_dfb_lowest_threshold(d->kap_signed, d->kg, 0, d->len, NULL);
      if (isfinite(g0)) {
        gk_json_num(r->j, "threshold_gain_no_radiation", g0);
        cli_printf(&r->b, "  lowest threshold without radiation %.6g cm^-1 (index coupling only)\n", g0);
      }
    }
  }
}

int dfb_emit(cli_common *c, const dfb_out *d)
{
  double kL = d->kappa * d->len, kgL = d->kg * d->len, len = d->len, neff = d->neff;
  cli_result r;
  cli_result_init(&r, "dfb");
  gk_json_num(r.j, "kappa", d->kappa);
  gk_json_num(r.j, "kappa_gain", d->kg);
  gk_json_num(r.j, "length", len);
  gk_json_num(r.j, "kappa_l", kL);
  double lb = NAN;
  cli_printf(&r.b, d->gen ? "DFB grating with facets/phase shift, coupled-wave threshold (Kogelnik & Shank 1972; section "
                            "transfer matrices)\n"
                          : "Uniform DFB grating, coupled-wave threshold (Kogelnik & Shank 1972), no facet reflections\n");
  if (d->stack) emit_stack(&r, d);
  cli_printf(&r.b, "  kappa L = %.6g (index) %+.6g i (gain), L = %.6g um\n", kL, kgL, len * 1e4);
  if (d->gen) {
    cJSON *fj = cJSON_AddArrayToObject(r.j, "facet_reflectance");
    cJSON *pj = cJSON_AddArrayToObject(r.j, "facet_phase_deg");
    for (int i = 0; i < 2; i++) {
      cJSON_AddItemToArray(fj, cJSON_CreateNumber(d->has_fac ? d->facets[i] : 0));
      cJSON_AddItemToArray(pj, cJSON_CreateNumber(d->has_fph ? d->fphase[i] : 0));
    }
    gk_json_num(r.j, "phase_shift_deg", d->shift);
    cli_printf(&r.b, "  facets: power reflectance %g (phase %g deg) left, %g (phase %g deg) right; grating phase "
                     "shift %g deg at the centre\n", d->has_fac ? d->facets[0] : 0, d->has_fph ? d->fphase[0] : 0,
               d->has_fac ? d->facets[1] : 0, d->has_fph ? d->fphase[1] : 0, d->shift);
  }
  if (d->has_n) {
    lb = gk_dfb_bragg_nm(neff, d->period, (int)d->order);
    double hw = gk_dfb_stopband_halfwidth_nm(lb, d->kappa, neff);
    gk_json_num(r.j, "bragg_wavelength_nm", lb);
    gk_json_num(r.j, "stopband_halfwidth_nm", hw);
    cli_print_value(&r.b, "lambda_B", lb, NAN, "nm (2 n_eff Lambda / order)");
    cli_print_value(&r.b, "stop band", 2 * hw, NAN, "nm full width (lambda^2 kappa / (pi n_eff), n_g = n_eff)");
  }
  if (!d->n) {
    cli_printf(&r.b, "  no mode found with alpha L <= %g, |delta L| <= %g\n", d->amax, d->dmax);
    cJSON_AddStringToObject(r.j, "reason", "no mode found in the search window");
    return cli_result_finish(c, &r, CLI_FAILED);
  }
  cli_printf(&r.b, "  %-4s %12s %12s %16s %16s%s\n", "mode", "alpha L", "delta L", "g_th (cm^-1)", "lambda (nm)",
             d->tmm ? "   TMM alpha L, delta L" : "");
  cJSON *arr = cJSON_AddArrayToObject(r.j, "modes");
  static const char *hdr[] = {"alpha L", "delta L", "g_th (cm^-1)"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  int status = CLI_OK;
  for (size_t i = 0; i < d->n; i++) {
    const gk_dfb_mode *m = &d->m[i];
    double gth = 2 * m->alpha_L / len;   /* modal power gain */
    /* delta = beta - beta_B; lambda = lambda_B (1 - delta / beta_B) */
    double lam = d->has_n ? lb - m->delta_L / len * lb * lb * 1e-7 / (2 * M_PI * neff) : NAN;
    cJSON *o = cJSON_CreateObject();
    gk_json_num(o, "alpha_l", m->alpha_L);
    gk_json_num(o, "delta_l", m->delta_L);
    gk_json_num(o, "threshold_gain", gth);
    if (d->has_n) gk_json_num(o, "wavelength_nm", lam);
    cli_printf(&r.b, "  %-4zu %12.6f %12.6f %16.6g", i, m->alpha_L, m->delta_L, gth);
    if (d->has_n) cli_printf(&r.b, " %16.4f", lam);
    else cli_printf(&r.b, " %16s", "-");
    if (d->tmm && d->tm_ok[i]) {
      gk_json_num(o, "tmm_alpha_l", d->tm[i].alpha_L);
      gk_json_num(o, "tmm_delta_l", d->tm[i].delta_L);
      cli_printf(&r.b, "   %.6f, %.6f", d->tm[i].alpha_L, d->tm[i].delta_L);
    } else if (d->tmm) {
      cJSON_AddNullToObject(o, "tmm_alpha_l");
      cJSON_AddStringToObject(o, "tmm_reason", d->tm_msg[i]);
      cli_printf(&r.b, "   not determined (%s)", d->tm_msg[i]);
      status = CLI_FAILED;
    }
    cli_printf(&r.b, "\n");
    cJSON_AddItemToArray(arr, o);
    gk_csv_add_row(&r.csv, (double[]){m->alpha_L, m->delta_L, gth});
  }
  cli_printf(&r.b, "  g_th = 2 alpha is the modal power gain at threshold%s\n",
             d->rad   ? "; radiation splits the band-edge pair (one edge radiates, one barely)"
             : d->gen ? "; facets and phase shifts break the +-delta pairs"
                      : "; index coupling gives pairs +-delta");
  if (c->plot) {
    int prc = plot_length(c, d);
    if (prc) { cli_result_free(&r); return prc; }
  }
  return cli_result_finish(c, &r, status);
}
