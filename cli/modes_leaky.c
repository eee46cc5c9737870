/* gainkit modes --leaky: leaky and Bragg-reflection modes of a stack (the
 * option lives in cmd_modes.c; this file does the work). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gainkit/leaky.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int cli_modes_leaky(const cli_common *c, const gk_stack *s, double wl, int pols);

int cli_modes_leaky(const cli_common *c, const gk_stack *s, double wl, int pols)
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
  cli_printf(&b, "  %-4s %-26s %12s %12s %12s %8s %8s %9s  %s\n", "pol", "n_eff", "loss", "leakage", "absorption",
             "Γ core", "θ (deg)", "radiates", "kind");
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
    cli_printf(&b, "  %-4s %-26s %12.4g %12s %12s %8.4f %8.2f %9s  %s\n", md->pol == GK_TE ? "TE" : "TM", ne,
               md->loss_cm, lk, ab, md->confinement[core], th,
               md->radiates_cover && md->radiates_substrate ? "both" : md->radiates_cover ? "cover" : "substrate",
               md->bragg ? "Bragg (in the stop band)" : "leaky");
  }
  cli_printf(&b, "loss = 4 pi Im(n_eff)/lambda (cm^-1); leakage: the same mode with every Im(eps) set to 0;\n"
                 "absorption = loss - leakage. θ = asin(n_eff/n_core) (modal, Bragg-reflection angle).\n"
                 "Γ over the layers and non-radiating half-spaces (the radiating field grows away).\n");
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
  int rc = cli_emit(c, j, b.s, &t, m.converged ? CLI_OK : CLI_FAILED);
  gk_csv_free(&t);
  cli_buf_free(&b);
  cJSON_Delete(j);
  gk_leaky_modes_free(&m);
  gk_guide_free(&g);
  return rc;
}
