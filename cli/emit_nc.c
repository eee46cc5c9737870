/* Output of `gainkit nc` (cli/emit_nc.h). */
#include <math.h>
#include <stdio.h>

#include "emit_nc.h"

static void model_json(cJSON *j, const gk_nc_gain_model *m)
{
  gk_json_num(j, "ge", m->ge);
  gk_json_num(j, "gh", m->gh);
  gk_json_num(j, m->ne_poisson ? "ne_mean" : "ne", m->ne);
  cJSON_AddStringToObject(j, "transition", gk_nc_transition_name(m->transition));
}

int nc_emit_threshold(cli_common *c, const gk_nc_gain_model *m, double n_th)
{
  cli_result r;
  cli_result_init(&r, "nc threshold");
  gk_json_num(r.j, "n_th", n_th);
  cJSON_AddStringToObject(r.j, "statistics", m->stat == GK_NC_UNIFORM ? "uniform" : "poisson");
  model_json(r.j, m);
  if (m->stat == GK_NC_UNIFORM && m->transition == GK_NC_1S && !m->ne_poisson)
    gk_json_num(r.j, "n_th_eq5", gk_nc_threshold_uniform(m->ge, m->gh, m->ne));
  cli_printf(&r.b, "Gain threshold of the %s transition (%s statistics)\n", gk_nc_transition_name(m->transition),
             m->stat == GK_NC_UNIFORM ? "uniform" : "Poisson");
  cli_printf(&r.b, "  degeneracies g_e = %g, g_h = %g; extra electrons %s %g\n", m->ge, m->gh,
             m->ne_poisson ? "<n_e> (Poisson) =" : "n_e =", m->ne);
  cli_print_value(&r.b, "<N_th>", n_th, NAN, "excitons per NC");
  return cli_result_finish(c, &r, CLI_OK);
}

int nc_emit_gain_curve(cli_common *c, const gk_nc_gain_model *m, const double *x, const double *gu, const double *gp,
                       size_t n, double tu, double tp)
{
  const char *tn = gk_nc_transition_name(m->transition);
  cli_result r;
  cli_result_init(&r, "nc gain-curve");
  r.has_csv = 1;
  static const char *hdr[] = {"N (excitons per NC)", "gain_uniform (-alpha/alpha0)", "gain_poisson (-alpha/alpha0)"};
  gk_csv_init(&r.csv, 3, hdr);
  for (size_t i = 0; i < n; i++) gk_csv_add_row(&r.csv, (double[]){x[i], gu[i], gp[i]});
  model_json(r.j, m);
  gk_json_num(r.j, "n_th_uniform", tu);
  gk_json_num(r.j, "n_th_poisson", tp);
  gk_json_array(r.j, "n", x, n);
  gk_json_array(r.j, "gain_uniform", gu, n);
  gk_json_array(r.j, "gain_poisson", gp, n);
  gk_csv_add_comment(&r.csv, "normalised gain -alpha/alpha0 of the %s transition; g_e=%g g_h=%g %s=%g", tn, m->ge,
                     m->gh, m->ne_poisson ? "ne_mean" : "ne", m->ne);
  cli_printf(&r.b, "Normalised gain -alpha/alpha0 of the %s transition (g_e = %g, g_h = %g, %s = %g)\n", tn, m->ge,
             m->gh, m->ne_poisson ? "<n_{e}>" : "n_{e}", m->ne);
  cli_printf(&r.b, "  threshold <N_th>: uniform %.4f, Poisson %.4f\n\n", tu, tp);
  cli_printf(&r.b, "  %10s  %12s  %12s\n", "<N>", "uniform", "Poisson");
  size_t stride = n > 21 ? (n - 1) / 20 : 1;
  for (size_t i = 0; i < n; i += stride) cli_printf(&r.b, "  %10.4g  %12.5f  %12.5f\n", x[i], gu[i], gp[i]);
  int rc = 0;
  if (c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    char title[160];
    snprintf(title, sizeof title, "%s gain, g_{e} = %g, g_{h} = %g, %s = %g", tn, m->ge, m->gh,
             m->ne_poisson ? "<n_e>" : "n_e", m->ne);
    gk_panel_labels(p, "average excitons per NC <N>", "normalised gain -α/α_{0}", title);
    gk_panel_add(p, x, gu, NULL, n, GK_STYLE_DASHED, -1, "uniform (Eq. 5)");
    gk_panel_add(p, x, gp, NULL, n, GK_STYLE_LINE, -1, "Poisson");
    gk_panel_hline(p, 0, -1, NULL);
    gk_panel_vline(p, tp, -1, "Poisson threshold");
    rc = cli_save_figure(c, f);
  }
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(c, &r, CLI_OK);
}

int nc_emit_auger(cli_common *c, const nc_auger_view *a)
{
  const gk_nc_auger_in *in = a->in;
  const gk_nc_auger_out *o = a->out;
  double tau_a = o->tau_a, v = in->volume_nm3, t_rxx = in->tau_rxx, ne = in->ne;
  cli_result r;
  cli_result_init(&r, "nc auger");
  gk_json_num(r.j, "tau_a_xx", tau_a);
  cli_printf(&r.b, "Biexciton Auger lifetime%s\n", a->has_xx ? " (from the measured tau_XX)" : " (V-scaling tau = chi V)");
  if (a->have_size) {
    gk_json_num(r.j, "radius", a->r_cm);
    gk_json_num(r.j, "volume_nm3", v);
    if (!isnan(a->r_cm)) cli_print_value(&r.b, "R", a->r_cm * 1e7, NAN, "nm");
    cli_print_value(&r.b, "V", v, NAN, "nm^3");
  }
  if (a->has_xx && a->have_size) {
    gk_json_num(r.j, "chi", o->chi_implied);
    cli_print_value(&r.b, "chi", o->chi_implied, NAN, "ps nm^-3 (implied)");
  } else if (!a->has_xx) {
    gk_json_num(r.j, "chi", in->chi);
    cJSON_AddStringToObject(r.j, "material", a->mat->label);
    cJSON_AddStringToObject(r.j, "chi_source", a->chi_given ? "--chi" : a->mat->source);
    cli_print_value(&r.b, "chi", in->chi, NAN, "ps nm^-3");
  }
  cli_print_value(&r.b, "tau_A,XX", tau_a * 1e12, NAN, "ps");
  if (!isnan(t_rxx)) {
    gk_json_num(r.j, "tau_r_xx", t_rxx);
    gk_json_num(r.j, "tau_xx", o->tau_xx);
    gk_json_num(r.j, "q_xx", o->q_xx);
    cli_print_value(&r.b, "tau_r,XX", t_rxx * 1e9, NAN, "ns");
    cli_print_value(&r.b, "tau_XX", o->tau_xx * 1e9, NAN, "ns");
    cli_print_value(&r.b, "q_XX", 100 * o->tau_xx / t_rxx, NAN, "% biexciton emission yield");
  }
  cJSON *arr = cJSON_AddArrayToObject(r.j, "multiexcitons");
  cli_printf(&r.b, "\n  Multiexciton Auger lifetimes, statistical scaling [Ahn et al., Chem. Rev. 2023, Eq. 6] (n_e = %g):\n", ne);
  cli_printf(&r.b, "  %4s  %6s  %6s  %14s\n", "N", "N_e", "N_h", "tau_A (ps)");
  for (int n = 1; n <= in->max_n; n++) {
    double t = o->tau_n[n - 1];
    cJSON *oj = cJSON_CreateObject();
    gk_json_num(oj, "n", n);
    gk_json_num(oj, "n_e", n + ne);
    gk_json_num(oj, "n_h", n);
    gk_json_num(oj, "tau_a", t);   /* null where Eq. 6 gives no Auger decay */
    cJSON_AddItemToArray(arr, oj);
    /* no Auger decay (a single exciton): say so, never "inf" */
    if (isfinite(t)) cli_printf(&r.b, "  %4d  %6g  %6d  %14.4g\n", n, n + ne, n, t * 1e12);
    else cli_printf(&r.b, "  %4d  %6g  %6d  %14s\n", n, n + ne, n, "no Auger");
  }
  return cli_result_finish(c, &r, CLI_OK);
}

int nc_emit_pump(cli_common *c, const gk_nc_pump *p, double sigma, double ev, double nth)
{
  cli_result r;
  cli_result_init(&r, "nc pump");
  gk_json_num(r.j, "w_th", p->w_th);
  gk_json_num(r.j, "i_th", p->i_th);
  gk_json_num(r.j, "i_half", p->i_half);
  gk_json_num(r.j, "g_th", p->g_th);
  gk_json_num(r.j, "g_half", p->g_half);
  gk_json_num(r.j, "n_th", nth);
  cli_printf(&r.b, "Optical pump thresholds (sigma_abs = %g cm^2, h nu = %g eV, <N_th> = %g)\n", sigma, ev, nth);
  cli_print_value(&r.b, "w_th", p->w_th, NAN, "J/cm^2 (short pulse)");
  cli_print_value(&r.b, "I_th", p->i_th, NAN, "W/cm^2 (cw gain threshold)");
  cli_print_value(&r.b, "I_1/2", p->i_half, NAN, "W/cm^2 (half-saturated gain, lasing proxy)");
  return cli_result_finish(c, &r, CLI_OK);
}

int nc_emit_current(cli_common *c, const gk_nc_current *cur, double radius, double fill)
{
  cli_result r;
  cli_result_init(&r, "nc current");
  gk_json_num(r.j, "j_th", cur->j_th);
  gk_json_num(r.j, "j_half", cur->j_half);
  gk_json_num(r.j, "sigma_g", cur->sigma_g);
  cli_printf(&r.b, "Current-density thresholds [Ahn et al., Chem. Rev. 2023, Eq. 8-9] (R = %g nm, f_a = %g)\n", radius * 1e7, fill);
  cli_print_value(&r.b, "sigma_g", cur->sigma_g, NAN, "cm^2");
  cli_print_value(&r.b, "j_th", cur->j_th, NAN, "A/cm^2 (gain threshold)");
  cli_print_value(&r.b, "j_1/2", cur->j_half, NAN, "A/cm^2 (half-saturated gain)");
  return cli_result_finish(c, &r, CLI_OK);
}

int nc_emit_confinement(cli_common *c, const gk_nc_confinement *k, double radius, double me, double mh)
{
  static const char *lv[] = {"1S", "1P", "1D"};
  cli_result r;
  cli_result_init(&r, "nc confinement");
  cJSON *phi = cJSON_AddObjectToObject(r.j, "phi"), *ee = cJSON_AddObjectToObject(r.j, "electron"),
        *eh = cJSON_AddObjectToObject(r.j, "hole");
  cli_printf(&r.b, "Quantum confinement, infinite spherical well [Ahn et al., Chem. Rev. 2023, Eq. 1-2] (R = %g nm, m_e = %g, m_h = %g)\n",
             radius * 1e7, me, mh);
  cli_printf(&r.b, "  %-5s %10s %14s %14s\n", "state", "phi", "E_e (eV)", "E_h (eV)");
  for (int i = 0; i < 3; i++) {
    gk_json_num(phi, lv[i], k->phi[i]);
    gk_json_num(ee, lv[i], k->e_e[i]);
    gk_json_num(eh, lv[i], k->e_h[i]);
    cli_printf(&r.b, "  %-5s %10.5f %14.5f %14.5f\n", lv[i], k->phi[i], k->e_e[i], k->e_h[i]);
  }
  gk_json_num(r.j, "e_conf", k->e_conf);
  gk_json_num(r.j, "e_g", k->e_g);
  cli_print_value(&r.b, "dE_conf", k->e_conf, NAN, "eV");
  cli_print_value(&r.b, "E_g", k->e_g, NAN, "eV");
  return cli_result_finish(c, &r, CLI_OK);
}

int nc_emit_emission(cli_common *c, int has_n, double nx, double ratio, int rc, double n, double f)
{
  cli_result r;
  cli_result_init(&r, "nc emission");
  int status = CLI_OK;
  cli_printf(&r.b, "1P/1S emission, 1S (2-fold) then 1P (6-fold) filled in order\n"
                   "(Ahn et al., Chem. Rev. 2023, section 6.1.6): I_1P/I_1S = (N - 2)^2/12, f_1P = (N - 2)/6\n");
  if (has_n) {
    double R = gk_nc_emission_ratio_1p1s(nx), fo = gk_nc_occupancy_1p(nx);
    gk_json_num(r.j, "excitons", nx);
    gk_json_num(r.j, "ratio_1p_1s", R);
    gk_json_num(r.j, "occupancy_1p", fo);
    cli_print_value(&r.b, "N", nx, NAN, "excitons per NC");
    cli_print_value(&r.b, "I_1P/I_1S", R, NAN, nx <= 2 ? "(1P empty at N <= 2)" : nx >= 8 ? "(1P full at N >= 8)" : "");
    cli_print_value(&r.b, "f_1P", fo, NAN, "(1P occupancy)");
  } else {
    gk_json_num(r.j, "ratio_1p_1s", ratio);
    const char *why = ratio == 0 ? "a ratio of 0 means N <= 2 (1P empty): N not determined"
                                 : "a ratio of 3 or more means N >= 8 (1P full): N not determined";
    cli_json_value(r.j, "excitons", n, NAN, rc == GK_OK, rc == GK_OK ? NULL : why);
    cli_json_value(r.j, "occupancy_1p", f, NAN, rc == GK_OK, rc == GK_OK ? NULL : why);
    cli_print_value(&r.b, "I_1P/I_1S", ratio, NAN, "");
    if (rc == GK_OK) {
      cli_print_value(&r.b, "N", n, NAN, "excitons per NC (2 + sqrt(12 R))");
      cli_print_value(&r.b, "f_1P", f, NAN, "(1P occupancy, sqrt(R/3))");
    } else {
      cli_printf(&r.b, "  %-12s not determined (%s)\n", "N", why);
      status = CLI_FAILED;
    }
  }
  return cli_result_finish(c, &r, status);
}
