/* cli/emit_trpl.c — output of `gainkit trpl`: text, JSON, CSV and the
 * figures of the global decay fit and of the degree of charging. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_trpl.h"
#include "qopt.h"
#include "gainkit/carriers.h"

int trpl_emit_charging(cli_common *c, const char *path, const double *tail, const gk_trpl_table *tb,
                       const gk_trpl_charging *chp)
{
  const size_t n = tb->n;
  const double *t = tb->t, *pn = tb->pl, *pc = tb->pl + n;
  const gk_trpl_charging ch = *chp;
  cli_result res;
  cli_result_init(&res, "trpl");
  cJSON_AddStringToObject(res.j, "file", path);
  cJSON_AddStringToObject(res.j, "analysis", "charging");
  double tw[2] = {tail[0], tail[1]};
  gk_json_array(res.j, "tail_window_s", tw, 2);
  gk_json_num(res.j, "zero_delay_s", ch.t0);
  gk_json_value_se(res.j, "scale", ch.scale, ch.scale_se);
  gk_json_value_se(res.j, "q0", ch.q0, ch.q0_se);
  cli_printf(&res.b, "Degree of charging from PL dynamics (Ahn et al., Chem. Rev. 2023, Fig. 13b):\n"
                     "  neutral PL scaled onto the charged sample's tail (%g .. %g ns, %zu points)\n",
             tail[0] * 1e9, tail[1] * 1e9, ch.ntail);
  cli_print_value(&res.b, "scale", ch.scale, ch.scale_se, "");
  cli_print_value(&res.b, "q(0)", ch.q0, ch.q0_se, "(uncharged fraction at zero delay)");
  int status = CLI_OK;
  if (isfinite(ch.ne)) {
    gk_json_value_se(res.j, "n_e", ch.ne, ch.ne_se);
    cli_print_value(&res.b, "<n_e>", ch.ne, ch.ne_se, "= -ln q(0) (Poisson-distributed electrons)");
  } else {
    cJSON_AddNullToObject(res.j, "n_e");
    cJSON_AddStringToObject(res.j, "n_e_note", "q(0) >= 1: no charged dots seen");
    cli_printf(&res.b, "  %-12s not determined: q(0) >= 1 (no charged dots seen)\n", "<n_e>");
    status = CLI_FAILED;
  }
  static const char *hdr[] = {"time (s)", "PL neutral", "PL charged", "scaled neutral"};
  gk_csv_init(&res.csv, 4, hdr);
  res.has_csv = 1;
  for (size_t r = 0; r < n; r++) gk_csv_add_row(&res.csv, (double[]){t[r], pn[r], pc[r], ch.scale * pn[r]});
  int rc = 0;
  if (c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 800, 560, cli_basename(path));
    gk_panel *p = gk_figure_panel(f, 0);
    gk_panel_labels(p, "time t (ns)", "PL (a.u.)", "neutral PL scaled onto the charged sample's tail");
    gk_panel_log(p, 0, 1);
    double *tn = malloc(n * sizeof *tn), *sn = malloc(n * sizeof *sn);
    if (tn && sn) {
      for (size_t r = 0; r < n; r++) { tn[r] = t[r] * 1e9; sn[r] = ch.scale * pn[r]; }
      gk_panel_add(p, tn, pc, NULL, n, GK_STYLE_POINTS, 0, "charged");
      gk_panel_add(p, tn, pn, NULL, n, GK_STYLE_POINTS, 1, "neutral");
      gk_panel_add(p, tn, sn, NULL, n, GK_STYLE_LINE, GK_BLACK, "neutral, scaled");
    }
    free(tn);
    free(sn);
    rc = cli_save_figure(c, f);
  }
  if (rc) { cli_result_free(&res); return rc; }
  return cli_result_finish(c, &res, status);
}

int trpl_emit_fit(cli_common *c, const char *path, const char *irf_s, const gk_trpl_table *tb, const double *n0,
                  const gk_trpl_options *o, const gk_trpl_result *r, const double *taus, double npeak, int have_tau)
{
  const size_t n = tb->n, nd = tb->ndecay;
  const double *t = tb->t, *pl = tb->pl;
  const gk_trpl_model model = o->model;
  gk_abc abc = {r->k1, r->k2, r->k3};
  double qmax = NAN, nmax = NAN;
  if (model == GK_TRPL_ABC) gk_plqy_max(&abc, &qmax, &nmax);
  cli_result res;
  cli_result_init(&res, "trpl");
  cJSON_AddStringToObject(res.j, "file", path);
  cJSON_AddStringToObject(res.j, "model", model == GK_TRPL_ABC ? "abc" : "trap");
  /* a rate whose standard error is not finite or not smaller than the
   * rate is not determined by these decays: null, "not determined", exit 1;
   * with --profile also when the profile does not close within x1e4 */
  int det[GK_TRPL_NPAR] = {0}, undetermined = 0;
  for (int i = 0; i < GK_TRPL_NPAR; i++) {
    if (!r->used[i]) continue;
    det[i] = r->fixed[i] || (isfinite(r->se[i]) && r->se[i] > 0 && r->se[i] < r->val[i] &&
                            (!r->profiled || (isfinite(r->prof_lo[i]) && isfinite(r->prof_hi[i]))));
    undetermined += !det[i];
    if (det[i]) {
      cJSON *v = gk_json_value_se(res.j, gk_trpl_param_name(i), r->val[i], r->fixed[i] ? 0 : r->se[i]);
      if (r->profiled && !r->fixed[i]) {
        double iv[2] = {r->prof_lo[i], r->prof_hi[i]};
        gk_json_array(v, "profile_interval", iv, 2);
      }
    } else if (!r->fixed[i] && cli_bound_side(r->val[i], 0, INFINITY)) {
      /* a rate on its bound 0 (src/carriers/trpl.c: every rate >= 0) */
      cli_json_bounded(res.j, gk_trpl_param_name(i), gk_trpl_param_name(i), r->val[i], r->se[i], 0, INFINITY, 0, NULL);
    } else {
      cJSON_AddNullToObject(res.j, gk_trpl_param_name(i));
    }
  }
  if (o->irf != GK_TRPL_IRF_NONE) {
    cJSON *ij = cJSON_AddObjectToObject(res.j, "irf");
    cJSON_AddStringToObject(ij, "kind", o->irf == GK_TRPL_IRF_GAUSS ? "gaussian" : "measured");
    if (irf_s) cJSON_AddStringToObject(ij, "file", irf_s);
    gk_json_value_se(ij, "t0", r->t0, o->fix_t0 ? 0 : r->t0_se);
    if (o->irf == GK_TRPL_IRF_GAUSS) gk_json_value_se(ij, "fwhm", r->fwhm, o->fix_fwhm ? 0 : r->fwhm_se);
  }
  gk_json_array(res.j, "n0", n0, nd);
  double qy[GK_TRPL_MAX_DECAYS];
  for (size_t d = 0; d < nd; d++)
    qy[d] = model == GK_TRPL_ABC ? gk_plqy(&abc, n0[d]) : r->k2 * n0[d] / (r->k2 * n0[d] + r->kt * r->nt);
  if (!undetermined) {
    gk_json_array(res.j, "plqy_at_n0", qy, nd);
    if (model == GK_TRPL_ABC) {
      gk_json_num(res.j, "plqy_max", qmax);
      gk_json_num(res.j, "n_at_plqy_max", nmax);
    }
  }
  if (have_tau) {
    cJSON *lj = cJSON_AddObjectToObject(res.j, "lifetimes");
    gk_json_array(lj, "tau_1e", taus, nd);
    gk_json_num(lj, "n_at_longest", npeak);
    if (!isfinite(npeak))
      cJSON_AddStringToObject(lj, "reason", "the longest lifetime is at the lowest or highest N0 (no turnover)");
  }
  gk_json_num(res.j, "chi2_red", r->chi2_red);
  cJSON_AddBoolToObject(res.j, "converged", r->converged);
  if (model == GK_TRPL_ABC)
    cli_printf(&res.b, "Global ABC fit of %zu PL decays: dN/dt = -k1 N - k2 N^2 - k3 N^3, PL ~ k2 N^2\n", nd);
  else
    cli_printf(&res.b, "Global trap-assisted fit of %zu PL decays (Stranks et al. 2014):\n"
                       "  dn_e/dt = -k2 n_e n_h - kT n_e (NT - n_t), dn_t/dt = kT n_e (NT - n_t) - kD n_t n_h,\n"
                       "  n_h = n_e + n_t, PL ~ k2 n_e n_h\n", nd);
  cli_printf(&res.b, "  (residuals on log PL; PL scale %s", o->shared_scale ? "shared by all decays" : "free per decay");
  if (o->irf == GK_TRPL_IRF_GAUSS) cli_printf(&res.b, "; Gaussian IRF convolved");
  if (o->irf == GK_TRPL_IRF_MEASURED) cli_printf(&res.b, "; measured IRF %s convolved", irf_s);
  cli_printf(&res.b, ")\n");
  for (int i = 0; i < GK_TRPL_NPAR; i++) {
    if (!r->used[i]) continue;
    const char *nm = gk_trpl_param_name(i), *un = gk_trpl_param_unit(i);
    char u[48], opt[8];
    snprintf(u, sizeof u, "%s%s", un, r->fixed[i] ? " (fixed)" : "");
    snprintf(opt, sizeof opt, "%s", nm);
    for (char *p = opt; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    if (det[i]) cli_print_value(&res.b, nm, r->val[i], r->fixed[i] ? NAN : r->se[i], u);
    else if (!r->fixed[i] && cli_bound_side(r->val[i], 0, INFINITY)) cli_print_bounded(&res.b, nm, r->val[i], NAN, un, 0, INFINITY);
    else if (isfinite(r->se[i]) && i != 1)
      cli_printf(&res.b, "  %-12s not determined (%s +- %s %s; fix it with --%s/--fix-%s)\n", nm,
                 cli_fmt_num((char[32]){0}, 32, r->val[i], 2), cli_fmt_num((char[32]){0}, 32, r->se[i], 2), un, opt, opt);
    else cli_printf(&res.b, "  %-12s not determined by these decays\n", nm);
    if (r->profiled && !r->fixed[i])
      cli_printf(&res.b, "  %-12s profile-likelihood 68%% interval [%s, %s] %s\n", "",
                 isfinite(r->prof_lo[i]) ? cli_fmt_num((char[32]){0}, 32, r->prof_lo[i], 3) : "not bounded",
                 isfinite(r->prof_hi[i]) ? cli_fmt_num((char[32]){0}, 32, r->prof_hi[i], 3) : "not bounded", un);
  }
  if (o->irf != GK_TRPL_IRF_NONE) {
    cli_print_value(&res.b, "IRF t0", r->t0 * 1e9, o->fix_t0 ? NAN : r->t0_se * 1e9, o->fix_t0 ? "ns (fixed)" : "ns");
    if (o->irf == GK_TRPL_IRF_GAUSS)
      cli_print_value(&res.b, "IRF fwhm", r->fwhm * 1e12, o->fix_fwhm ? NAN : r->fwhm_se * 1e12, o->fix_fwhm ? "ps (fixed)" : "ps");
  }
  if (!undetermined && model == GK_TRPL_ABC) {
    cli_print_value(&res.b, "PLQY max", qmax, NAN, "");
    cli_print_value(&res.b, "at N", nmax, NAN, "cm^-3 (sqrt(k1/k3))");
  }
  if (!undetermined)
    cli_printf(&res.b, "  decay  N0 (cm^-3)    %s%s\n", model == GK_TRPL_ABC ? "PLQY(N0)" : "PLQY(t=0)",
               have_tau ? "    tau_1/e (ns)" : "");
  for (size_t d = 0; d < nd && !undetermined; d++) {
    cli_printf(&res.b, "  %-5zu", d + 1);
    cli_cell(&res.b, 12, n0[d]);
    cli_cell(&res.b, 12, qy[d]);
    if (have_tau) cli_cell(&res.b, 12, taus[d] * 1e9);
    cli_printf(&res.b, "\n");
  }
  if (have_tau && nd >= 3) {
    if (isfinite(npeak))
      cli_print_value(&res.b, "N at longest tau", npeak, NAN, "cm^-3 (trap density estimate, Tatarinov et al. 2023)");
    else
      cli_printf(&res.b, "  %-12s not determined (the longest 1/e lifetime is at the lowest or highest N0)\n",
                 "N at longest tau");
  }
  if (!r->converged) cli_printf(&res.b, "  NOT CONVERGED: %s\n", r->reason);
  const char **hdr = calloc(1 + 2 * nd, sizeof *hdr);
  char (*hb)[48] = calloc(1 + 2 * nd, sizeof *hb);
  if (hdr && hb) {
    hdr[0] = "t (s)";
    for (size_t d = 0; d < nd; d++) {
      snprintf(hb[1 + d], 48, "PL %.3g", n0[d]);
      snprintf(hb[1 + nd + d], 48, "fit %.3g", n0[d]);
      hdr[1 + d] = hb[1 + d];
      hdr[1 + nd + d] = hb[1 + nd + d];
    }
    gk_csv_init(&res.csv, 1 + 2 * nd, hdr);
    res.has_csv = 1;
    double row[1 + 2 * GK_TRPL_MAX_DECAYS];
    for (size_t i = 0; i < n; i++) {
      row[0] = t[i];
      for (size_t d = 0; d < nd; d++) { row[1 + d] = pl[d * n + i]; row[1 + nd + d] = r->fit[d * n + i]; }
      gk_csv_add_row(&res.csv, row);
    }
  }
  free(hdr);
  free(hb);
  int rc = 0;
  if (c->plot) {
    gk_figure *f = gk_figure_new(2, 1, 1400, 600, cli_basename(path));
    gk_panel *p = gk_figure_panel(f, 0), *p2 = gk_figure_panel(f, 1);
    gk_panel_labels(p, "time t (ns)", "PL (a.u.)", model == GK_TRPL_ABC ? "(a) decays and global ABC fit" : "(a) decays and global trap-assisted fit");
    gk_panel_log(p, 0, 1);
    double *tn = malloc(n * sizeof *tn);
    for (size_t i = 0; i < n && tn; i++) tn[i] = t[i] * 1e9;
    for (size_t d = 0; d < nd && tn; d++) {
      char lb[48];
      snprintf(lb, sizeof lb, "N_{0} = %.2g cm^-3", n0[d]);
      gk_panel_add(p, tn, pl + d * n, NULL, n, GK_STYLE_POINTS, (int)d, lb);
    }
    for (size_t d = 0; d < nd && tn; d++) gk_panel_add(p, tn, r->fit + d * n, NULL, n, GK_STYLE_LINE, GK_BLACK, NULL);
    free(tn);
    enum { M = 200 };
    double xs[M], ys[M];
    double lo = n0[0], hi = n0[0];
    for (size_t d = 0; d < nd; d++) { lo = fmin(lo, n0[d]); hi = fmax(hi, n0[d]); }
    lo /= 100;
    hi *= 10;
    for (int i = 0; i < M; i++) {
      xs[i] = lo * pow(hi / lo, (double)i / (M - 1));
      ys[i] = model == GK_TRPL_ABC ? gk_plqy(&abc, xs[i]) : r->k2 * xs[i] / (r->k2 * xs[i] + r->kt * r->nt);
      if (!isfinite(ys[i])) ys[i] = NAN;
    }
    gk_panel_labels(p2, "carrier density N (cm^-3)", "PLQY",
                    model == GK_TRPL_ABC ? "(b) PLQY(N) = k2 N/(k1 + k2 N + k3 N^2)"
                                         : "(b) PLQY at t = 0: k2 N/(k2 N + kT NT)");
    gk_panel_log(p2, 1, 0);
    gk_panel_add(p2, xs, ys, NULL, M, GK_STYLE_LINE, -1, NULL);
    gk_panel_add(p2, n0, qy, NULL, nd, GK_STYLE_POINTS, GK_VERMILLION, "N_{0} of the decays");
    rc = cli_save_figure(c, f);
  }
  int status = r->converged && !undetermined ? CLI_OK : CLI_FAILED;
  if (rc) { cli_result_free(&res); return rc; }
  return cli_result_finish(c, &res, status);
}
