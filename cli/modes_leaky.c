/* gainkit modes --leaky: leaky and Bragg-reflection modes of a stack (the
 * option lives in cmd_modes.c; this file does the work). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/leaky.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int cli_modes_leaky(const cli_common *c, const gk_stack *s, double wl, int pols, const char *profile);

/* |E|^2 profiles of the leaky modes (peak 1 inside the stack) from 100 nm
 * of cover to lambda/4 into the substrate (a radiating half-space grows
 * away from the stack, so it is shown only near the interface): CSV and/or
 * a figure over the shaded layers. Modes drawn: every Bragg mode and the
 * three of lowest loss. */
static int leaky_profiles(const cli_common *c, const gk_stack *s, const gk_guide *g, const gk_leaky_modes *m,
                          const char *profile)
{
  size_t nl = g->nlayers, np = 2001;
  double D = 0;
  for (size_t j = 1; j + 1 < nl; j++) D += g->thickness_nm[j];
  double x0 = -100, x1 = D + 0.25 * g->wavelength_nm;
  double *x = malloc(np * sizeof *x), *E = malloc((m->n ? m->n : 1) * np * sizeof *E);
  int *show = calloc(m->n ? m->n : 1, sizeof *show);
  int rc = CLI_OK;
  if (!x || !E || !show) { free(x); free(E); free(show); return cli_usage(c->cmd, "out of memory"); }
  for (size_t i = 0; i < np; i++) x[i] = x0 + (x1 - x0) * (double)i / (double)(np - 1);
  for (size_t k = 0; k < m->n && rc == CLI_OK; k++) {
    gk_error e;
    gk_error_clear(&e);
    double *Ek = E + k * np, mx = 0;
    if (gk_leaky_field(g, &m->mode[k], x, np, Ek, &e) != GK_OK) { rc = cli_error(&e); break; }
    for (size_t i = 0; i < np; i++) if (x[i] >= 0 && x[i] <= D) mx = fmax(mx, Ek[i]);
    for (size_t i = 0; i < np; i++) Ek[i] = mx > 0 && isfinite(Ek[i]) ? Ek[i] / mx : NAN;
  }
  /* which modes to draw: Bragg modes, then the lowest-loss ones up to 3 more */
  for (size_t k = 0; k < m->n; k++) show[k] = m->mode[k].bragg;
  for (int extra = 0; extra < 3; extra++) {
    size_t best = m->n;
    for (size_t k = 0; k < m->n; k++)
      if (!show[k] && (best == m->n || m->mode[k].loss_cm < m->mode[best].loss_cm)) best = k;
    if (best < m->n) show[best] = 1;
  }
  if (rc == CLI_OK && profile) {
    size_t nc = 3 + m->n;
    char **hdr = calloc(nc, sizeof *hdr);
    double *row = malloc(nc * sizeof *row);
    gk_csv t = {0};
    if (!hdr || !row) rc = cli_usage(c->cmd, "out of memory");
    else {
      hdr[0] = strdup("x (nm)");
      hdr[1] = strdup("n");
      hdr[2] = strdup("k");
      for (size_t k = 0; k < m->n; k++) {
        char h[64];
        snprintf(h, sizeof h, "%s leaky %zu |E|^2", m->mode[k].pol == GK_TE ? "TE" : "TM", k);
        hdr[3 + k] = strdup(h);
      }
      gk_csv_init(&t, nc, (const char *const *)hdr);
      gk_csv_add_comment(&t, "leaky-mode profiles of %s at %g nm; |E|^2 normalised to a peak of 1 inside the stack "
                             "(TE: |E_y|^2, TM: |E_x|^2+|E_z|^2); x = 0 at the top of layer 2; columns in the order of "
                             "the mode table", s->file, g->wavelength_nm);
      for (size_t i = 0; i < np; i++) {
        double top = 0;
        size_t j = 0;
        if (x[i] >= 0) {
          j = 1;
          while (j + 1 < nl && x[i] >= top + g->thickness_nm[j]) top += g->thickness_nm[j++];
        }
        row[0] = x[i];
        row[1] = creal(g->index[j]);
        row[2] = cimag(g->index[j]);
        for (size_t k = 0; k < m->n; k++) row[3 + k] = E[k * np + i];
        gk_csv_add_row(&t, row);
      }
      gk_error e;
      gk_error_clear(&e);
      if (cli_csv_write(&t, profile, &e) != GK_OK) rc = cli_error(&e);
    }
    gk_csv_free(&t);
    for (size_t i = 0; hdr && i < nc; i++) free(hdr[i]);
    free(hdr);
    free(row);
  }
  if (rc == CLI_OK && c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 1000, 600, "Leaky and Bragg-reflection mode profiles");
    gk_panel *p = gk_figure_panel(f, 0);
    gk_panel_labels(p, "depth x (nm)", "|E|^2 (peak 1 in the stack)", cli_basename(s->file));
    double top = x0;
    for (size_t j = 0; j < nl; j++) {
      double bot = (j == 0) ? 0 : (j + 1 == nl ? x1 : top + g->thickness_nm[j]);
      char lab[96];
      snprintf(lab, sizeof lab, "%s (n=%.3g)", s->layers[j].name, creal(g->index[j]));
      /* repeated (DBR) layers share the colour of their first occurrence;
       * only layers wider than 8 % of the plot are labelled */
      size_t col = j;
      for (size_t q = 0; q < j; q++)
        if (!strcmp(s->layers[q].name, s->layers[j].name)) { col = q; break; }
      int first = col == j, wide = bot - top > 0.08 * (x1 - x0);
      gk_panel_band(p, top, bot, (int)(col % GK_NCOLOURS), first && wide ? lab : NULL);
      top = bot;
    }
    for (size_t k = 0; k < m->n; k++) {
      if (!show[k]) continue;
      char lab[96];
      snprintf(lab, sizeof lab, "%s %s n_{eff}=%.4f, %.3g cm^-1", m->mode[k].pol == GK_TE ? "TE" : "TM",
               m->mode[k].bragg ? "Bragg" : "leaky", creal(m->mode[k].neff), m->mode[k].loss_cm);
      gk_panel_add(p, x, E + k * np, NULL, np, m->mode[k].pol == GK_TE ? GK_STYLE_LINE : GK_STYLE_DASHED, GK_AUTO, lab);
    }
    gk_panel_xrange(p, x0, x1);
    gk_panel_legend(p, GK_LEGEND_OUTSIDE_RIGHT);
    rc = cli_save_figure(c, f);
  }
  free(x);
  free(E);
  free(show);
  return rc;
}

int cli_modes_leaky(const cli_common *c, const gk_stack *s, double wl, int pols, const char *profile)
{
  gk_guide g;
  gk_error e;
  gk_error_clear(&e);
  if (gk_guide_from_stack(&g, s, wl, &e) != GK_OK) return cli_error(&e);
  size_t nl = g.nlayers;
  /* modes down to n_eff = 0.05 (Bragg modes can lie below 1) with loss up
   * to 2e4 cm^-1 (Im n_eff = 2e4 lambda / 4 pi) */
  double im_max = 2e4 * wl * 1e-7 / (4 * M_PI);
  gk_leaky_modes m;
  if (gk_modes_find_leaky(&g, pols, 0.05, im_max, &m, &e) != GK_OK) { gk_guide_free(&g); return cli_error(&e); }
  size_t core = 1;
  for (size_t j = 1; j + 1 < nl; j++) if (creal(g.index[j]) > creal(g.index[core])) core = j;
  if (s->active > 0) core = (size_t)s->active;
  double ncore = creal(g.index[core]), nsub = creal(g.index[nl - 1]);
  double thc = gk_modes_critical_angle_deg(nsub, ncore);

  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "modes leaky");
  gk_json_num(j, "wavelength_nm", wl);
  cJSON_AddStringToObject(j, "stack", s->file);
  cJSON_AddStringToObject(j, "core_layer", s->layers[core].name);
  gk_json_num(j, "critical_angle_deg", thc);
  if (m.dbr_periods) {
    cJSON *d = cJSON_AddObjectToObject(j, "periodic_section");
    cJSON_AddNumberToObject(d, "first_layer", (double)m.dbr_first + 1);
    cJSON_AddNumberToObject(d, "layers_per_period", (double)m.dbr_cell);
    cJSON_AddNumberToObject(d, "periods", (double)m.dbr_periods);
  }
  cJSON *arr = cJSON_AddArrayToObject(j, "modes");
  cli_buf b = {0};
  cli_printf(&b, "Leaky modes of %s at %g nm (%zu layers), Re n_eff in [0.05, %g), loss <= 2e4 cm^-1\n", s->file, wl, nl,
             fmax(creal(g.index[0]), nsub));
  if (m.dbr_periods)
    cli_printf(&b, "periodic section: layers %zu-%zu, %zu periods of %zu layers\n", m.dbr_first + 1,
               m.dbr_first + m.dbr_cell * m.dbr_periods, m.dbr_periods, m.dbr_cell);
  cli_printf(&b, "core %s (n %.4g): TIR critical angle %.2f deg at the substrate\n", s->layers[core].name, ncore, thc);
  cli_printf(&b, "  %-4s %-26s %12s %12s %12s %8s %8s %8s %9s  %s\n", "pol", "n_eff", "loss", "leakage", "absorption",
             "Γ core", "Γg core", "θ (deg)", "radiates", "kind");
  for (size_t i = 0; i < m.n; i++) {
    const gk_leaky_mode *md = &m.mode[i];
    double th = gk_modes_modal_angle_deg(creal(md->neff), ncore);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "pol", md->pol == GK_TE ? "TE" : "TM");
    cJSON *z = cJSON_AddObjectToObject(o, "neff");
    gk_json_num(z, "re", creal(md->neff));
    gk_json_num(z, "im", cimag(md->neff));
    gk_json_num(o, "loss_cm", md->loss_cm);
    if (isfinite(md->leak_cm)) {
      gk_json_num(o, "leakage_cm", md->leak_cm);
      gk_json_num(o, "absorption_cm", md->absorption_cm);
    } else {
      cJSON_AddNullToObject(o, "leakage_cm");
      cJSON_AddNullToObject(o, "absorption_cm");
      cJSON_AddStringToObject(o, "leakage_reason", "the continuation to the lossless stack did not converge");
    }
    cJSON_AddBoolToObject(o, "radiates_cover", md->radiates_cover);
    cJSON_AddBoolToObject(o, "radiates_substrate", md->radiates_substrate);
    cJSON_AddBoolToObject(o, "bragg", md->bragg);
    if (isfinite(md->half_trace)) gk_json_num(o, "dbr_half_trace", md->half_trace);
    if (isfinite(th)) gk_json_num(o, "modal_angle_deg", th);
    else cJSON_AddNullToObject(o, "modal_angle_deg");
    gk_json_array(o, "confinement", md->confinement, nl);
    /* TE modal gain = (n_core / Re n_eff) Gamma g: the gain-weighted
     * confinement (what papers quote as Gamma when modal gain = Gamma G) */
    if (md->pol == GK_TE) gk_json_num(o, "gain_confinement_core", md->confinement[core] * ncore / creal(md->neff));
    else cJSON_AddNullToObject(o, "gain_confinement_core");
    cJSON_AddItemToArray(arr, o);
    char ne[48], lk[24], ab[24];
    snprintf(ne, sizeof ne, "%.8f%+.3ei", creal(md->neff), cimag(md->neff));
    if (isfinite(md->leak_cm)) {
      snprintf(lk, sizeof lk, "%.4g", md->leak_cm);
      snprintf(ab, sizeof ab, "%.4g", md->absorption_cm);
    } else {
      snprintf(lk, sizeof lk, "n.d.");
      snprintf(ab, sizeof ab, "n.d.");
    }
    char gg[16];
    if (md->pol == GK_TE) snprintf(gg, sizeof gg, "%.4f", md->confinement[core] * ncore / creal(md->neff));
    else snprintf(gg, sizeof gg, "-");
    cli_printf(&b, "  %-4s %-26s %12.4g %12s %12s %8.4f %8s %8.2f %9s  %s\n", md->pol == GK_TE ? "TE" : "TM", ne,
               md->loss_cm, lk, ab, md->confinement[core], gg, th,
               md->radiates_cover && md->radiates_substrate ? "both" : md->radiates_cover ? "cover" : "substrate",
               md->bragg ? "Bragg (in the stop band)" : "leaky");
  }
  cli_printf(&b, "loss = 4 pi Im(n_eff)/lambda (cm^-1); leakage: the same mode with every Im(eps) set to 0;\n"
                 "absorption = loss - leakage. θ = asin(n_eff/n_core) (modal, Bragg-reflection angle).\n"
                 "Γ over the layers and non-radiating half-spaces (the radiating field grows away);\n"
                 "Γg = (n_core/Re n_eff) Γ, the TE modal-gain factor (modal gain = Γg x material gain).\n");
  if (!m.converged) cli_printf(&b, "warning: the root search did not converge everywhere; modes may be missing\n");
  static const char *hdr[] = {"pol (0=TE 1=TM)", "neff_re", "neff_im", "loss (cm^-1)", "leakage (cm^-1)",
                              "absorption (cm^-1)", "bragg", "confinement core"};
  gk_csv t;
  gk_csv_init(&t, 8, hdr);
  for (size_t i = 0; i < m.n; i++) {
    const gk_leaky_mode *md = &m.mode[i];
    gk_csv_add_row(&t, (double[]){md->pol, creal(md->neff), cimag(md->neff), md->loss_cm, md->leak_cm,
                                  md->absorption_cm, md->bragg, md->confinement[core]});
  }
  int rc = CLI_OK;
  if (profile || c->plot) rc = leaky_profiles(c, s, &g, &m, profile);
  if (rc == CLI_OK) rc = cli_emit(c, j, b.s, &t, m.converged ? CLI_OK : CLI_FAILED);
  gk_csv_free(&t);
  cli_buf_free(&b);
  cJSON_Delete(j);
  gk_leaky_modes_free(&m);
  gk_guide_free(&g);
  return rc;
}
