/* gainkit trpl — PL decays at several fluences fitted globally with the
 * ABC recombination model (gainkit/trpl.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/carriers.h"
#include "gainkit/trpl.h"
#include "gainkit/units.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "trpl"};
  const char *n0_s = NULL, *fl_s = NULL, *tunit = NULL;
  double absorb = 0, thick = 0, hnu = 0, k1 = 0, k2 = 0, k3 = 0;
  cli_qopt q[] = {{"n0", NULL, QO_STRING, NULL, &n0_s, 0},
                  {"fluence", NULL, QO_STRING, NULL, &fl_s, 0},
                  {"absorptance", NULL, QO_FRACTION, &absorb, NULL, 0},
                  {"thickness", "cm", QO_POS, &thick, NULL, 0},
                  {"photon-energy", "eV", QO_POS, &hnu, NULL, 0},
                  {"time-unit", NULL, QO_STRING, NULL, &tunit, 0},
                  {"k1", "1/s", QO_NONNEG, &k1, NULL, 0},
                  {"k2", "cm3/s", QO_NONNEG, &k2, NULL, 0},
                  {"k3", "cm6/s", QO_NONNEG, &k3, NULL, 0},
                  {"fix-k1", NULL, QO_FLAG, NULL, NULL, 0},
                  {"fix-k3", NULL, QO_FLAG, NULL, NULL, 0},
                  {"shared-scale", NULL, QO_FLAG, NULL, NULL, 0}};
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (first >= argc) return cli_usage(c.cmd, "give a FILE of PL decays");
  if (first + 1 < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first + 1]);
  if ((n0_s != NULL) == (fl_s != NULL)) return cli_usage(c.cmd, "give either --n0 or --fluence (with --absorptance, --thickness, --photon-energy)");
  if (fl_s) {
    static const char *const req[] = {"absorptance", "thickness", "photon-energy"};
    for (size_t i = 0; i < NQ(req); i++)
      if (cli_qopt_require(&c, q, NQ(q), req[i]) < 0) return CLI_USAGE;
  }
  int fix1 = cli_qopt_find(q, NQ(q), "fix-k1")->seen, fix3 = cli_qopt_find(q, NQ(q), "fix-k3")->seen;
  if (fix1 && !cli_qopt_find(q, NQ(q), "k1")->seen) return CLI_QFAIL("fix-k1", "needs --k1 (the value to hold)");
  if (fix3 && !cli_qopt_find(q, NQ(q), "k3")->seen) k3 = 0;   /* --fix-k3 alone: no Auger */
  double *lst;
  size_t nl;
  if (cli_list(n0_s ? "--n0" : "--fluence", n0_s ? n0_s : fl_s, n0_s ? "cm^-3" : "J/cm2", &lst, &nl) < 0)
    return CLI_USAGE;
  for (size_t i = 0; i < nl; i++)
    if (!(lst[i] > 0)) { free(lst); return CLI_QFAIL(n0_s ? "n0" : "fluence", "values must be > 0"); }
  if (nl > GK_TRPL_MAX_DECAYS) { free(lst); return CLI_QFAIL(n0_s ? "n0" : "fluence", "at most %d decays", GK_TRPL_MAX_DECAYS); }
  double n0[GK_TRPL_MAX_DECAYS];
  for (size_t i = 0; i < nl; i++) n0[i] = n0_s ? lst[i] : gk_pulse_density(lst[i], absorb, hnu, thick);
  free(lst);
  const char *path = argv[first];
  gk_error e;
  gk_error_clear(&e);
  gk_table tb;
  gk_read_options ro = {0};
  ro.min_rows = 4;
  if (gk_table_read(path, &ro, &tb, &e) != GK_OK) return cli_error(&e);
  if (tb.ncols - 1 != nl) {
    gk_error_set(&e, GK_EINPUT, path, tb.has_header ? tb.header_line : tb.line[0],
                 "%zu PL columns but %zu %s given", tb.ncols - 1, nl, n0_s ? "densities" : "fluences");
    gk_table_free(&tb);
    return cli_error(&e);
  }
  char name[64], unit[64] = "";
  if (tb.has_header) gk_header_split(tb.raw[0], name, sizeof name, unit, sizeof unit);
  if (tunit) snprintf(unit, sizeof unit, "%s", tunit);
  double tf;
  if (!unit[0]) {
    gk_error_set(&e, GK_EINPUT, path, tb.has_header ? tb.header_line : tb.line[0],
                 "no time unit: name it in the header (\"t (ns)\") or give --time-unit");
    gk_table_free(&tb);
    return cli_error(&e);
  }
  if (gk_unit_factor(unit, "s", &tf, &e) != GK_OK) {
    gk_error_set(&e, GK_EINPUT, path, tb.header_line, "time unit '%s' is not a time", unit);
    gk_table_free(&tb);
    return cli_error(&e);
  }
  size_t n = tb.nrows, nd = nl;
  double *t = malloc(n * sizeof *t), *pl = malloc(n * nd * sizeof *pl);
  if (!t || !pl) { free(t); free(pl); gk_table_free(&tb); return CLI_FAILED; }
  for (size_t r = 0; r < n; r++) {
    t[r] = tb.v[r * tb.ncols] * tf;
    if (!(t[r] >= 0) || (r && !(t[r] > t[r - 1]))) {
      gk_error_set(&e, GK_EINPUT, path, tb.line[r], "times must be >= 0 (the decay starts at t = 0) and increasing");
      free(t); free(pl); gk_table_free(&tb);
      return cli_error(&e);
    }
    for (size_t d = 0; d < nd; d++) pl[d * n + r] = tb.v[r * tb.ncols + 1 + d];
  }
  gk_trpl_data dd = {n, t, nd, pl, n0};
  gk_trpl_options o;
  gk_trpl_options_default(&o);
  o.k1 = k1;
  o.k2 = k2;
  o.k3 = k3;
  o.fix_k1 = fix1;
  o.fix_k3 = fix3;
  o.shared_scale = cli_qopt_find(q, NQ(q), "shared-scale")->seen;
  gk_trpl_result r;
  if (gk_trpl_fit(&dd, &o, &r, &e) != GK_OK) {
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
    free(t); free(pl); gk_table_free(&tb);
    return cli_error(&e);
  }
  gk_abc abc = {r.k1, r.k2, r.k3};
  double qmax, nmax;
  gk_plqy_max(&abc, &qmax, &nmax);
  cli_result res;
  cli_result_init(&res, "trpl");
  cJSON_AddStringToObject(res.j, "file", path);
  /* a rate whose standard error is not finite or not smaller than the
   * rate is not determined by these decays: null, "not determined", exit 1 */
  const double kv[3] = {r.k1, r.k2, r.k3}, ks[3] = {r.k1_se, r.k2_se, r.k3_se};
  const int kf[3] = {fix1, 0, fix3};
  static const char *const kn[3] = {"k1", "k2", "k3"};
  static const char *const ku[3] = {"s^-1", "cm^3 s^-1", "cm^6 s^-1"};
  int det[3], undetermined = 0;
  for (int i = 0; i < 3; i++) {
    det[i] = kf[i] || (isfinite(ks[i]) && ks[i] > 0 && ks[i] < kv[i]);
    undetermined += !det[i];
    if (det[i]) gk_json_value_se(res.j, kn[i], kv[i], kf[i] ? 0 : ks[i]);
    else cJSON_AddNullToObject(res.j, kn[i]);
  }
  gk_json_array(res.j, "n0", n0, nd);
  double qy[GK_TRPL_MAX_DECAYS];
  for (size_t d = 0; d < nd; d++) qy[d] = gk_plqy(&abc, n0[d]);
  if (!undetermined) {
    gk_json_array(res.j, "plqy_at_n0", qy, nd);
    gk_json_num(res.j, "plqy_max", qmax);
    gk_json_num(res.j, "n_at_plqy_max", nmax);
  }
  gk_json_num(res.j, "chi2_red", r.chi2_red);
  cJSON_AddBoolToObject(res.j, "converged", r.converged);
  cli_printf(&res.b, "Global ABC fit of %zu PL decays: dN/dt = -k1 N - k2 N^2 - k3 N^3, PL ~ k2 N^2\n", nd);
  cli_printf(&res.b, "  (residuals on log PL; PL scale %s)\n", o.shared_scale ? "shared by all decays" : "free per decay");
  for (int i = 0; i < 3; i++) {
    char u[48];
    snprintf(u, sizeof u, "%s%s", ku[i], kf[i] ? " (fixed)" : "");
    if (det[i]) cli_print_value(&res.b, kn[i], kv[i], kf[i] ? NAN : ks[i], u);
    else if (isfinite(ks[i]) && i != 1)
      cli_printf(&res.b, "  %-12s not determined (%s +- %s %s; fix it with --%s/--fix-%s)\n", kn[i],
                 cli_fmt_num((char[32]){0}, 32, kv[i], 2), cli_fmt_num((char[32]){0}, 32, ks[i], 2), ku[i], kn[i], kn[i]);
    else cli_printf(&res.b, "  %-12s not determined by these decays\n", kn[i]);
  }
  if (!undetermined) {
    cli_print_value(&res.b, "PLQY max", qmax, NAN, "");
    cli_print_value(&res.b, "at N", nmax, NAN, "cm^-3 (sqrt(k1/k3))");
  }
  if (!undetermined) cli_printf(&res.b, "  decay  N0 (cm^-3)    PLQY(N0)\n");
  for (size_t d = 0; d < nd && !undetermined; d++) {
    cli_printf(&res.b, "  %-5zu", d + 1);
    cli_cell(&res.b, 12, n0[d]);
    cli_cell(&res.b, 12, qy[d]);
    cli_printf(&res.b, "\n");
  }
  if (!r.converged) cli_printf(&res.b, "  NOT CONVERGED: %s\n", r.reason);
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
      for (size_t d = 0; d < nd; d++) { row[1 + d] = pl[d * n + i]; row[1 + nd + d] = r.fit[d * n + i]; }
      gk_csv_add_row(&res.csv, row);
    }
  }
  free(hdr);
  free(hb);
  int rc = 0;
  if (c.plot) {
    gk_figure *f = gk_figure_new(2, 1, 1400, 600, cli_basename(path));
    gk_panel *p = gk_figure_panel(f, 0), *p2 = gk_figure_panel(f, 1);
    gk_panel_labels(p, "time t (ns)", "PL (a.u.)", "(a) decays and global ABC fit");
    gk_panel_log(p, 0, 1);
    double *tn = malloc(n * sizeof *tn);
    for (size_t i = 0; i < n && tn; i++) tn[i] = t[i] * 1e9;
    for (size_t d = 0; d < nd && tn; d++) {
      char lb[48];
      snprintf(lb, sizeof lb, "N_{0} = %.2g cm^-3", n0[d]);
      gk_panel_add(p, tn, pl + d * n, NULL, n, GK_STYLE_POINTS, (int)d, lb);
    }
    for (size_t d = 0; d < nd && tn; d++) gk_panel_add(p, tn, r.fit + d * n, NULL, n, GK_STYLE_LINE, GK_BLACK, NULL);
    free(tn);
    enum { M = 200 };
    double xs[M], ys[M];
    double lo = n0[0], hi = n0[0];
    for (size_t d = 0; d < nd; d++) { lo = fmin(lo, n0[d]); hi = fmax(hi, n0[d]); }
    lo /= 100;
    hi *= 10;
    for (int i = 0; i < M; i++) {
      xs[i] = lo * pow(hi / lo, (double)i / (M - 1));
      ys[i] = gk_plqy(&abc, xs[i]);
    }
    gk_panel_labels(p2, "carrier density N (cm^-3)", "PLQY", "(b) PLQY(N) = k2 N/(k1 + k2 N + k3 N^2)");
    gk_panel_log(p2, 1, 0);
    gk_panel_add(p2, xs, ys, NULL, M, GK_STYLE_LINE, -1, NULL);
    gk_panel_add(p2, n0, qy, NULL, nd, GK_STYLE_POINTS, GK_VERMILLION, "N_{0} of the decays");
    rc = cli_save_figure(&c, f);
  }
  int status = r.converged && !undetermined ? CLI_OK : CLI_FAILED;
  gk_trpl_result_free(&r);
  free(t);
  free(pl);
  gk_table_free(&tb);
  if (rc) { cli_result_free(&res); return rc; }
  return cli_result_finish(&c, &res, status);
}

const struct cli_command cli_cmd_trpl = {
  .name = "trpl",
  .summary = "PL decays at several fluences: global ABC fit (k1, k2, k3, PLQY(N))",
  .order = 62,
  .help =
    "Usage: gainkit trpl FILE (--n0 N1,N2,... | --fluence F1,F2,... --absorptance A\n"
    "                    --thickness d --photon-energy E) [options]\n\n"
    "Time-resolved PL at several excitation densities, fitted globally with\n"
    "  dN/dt = -k1 N - k2 N^2 - k3 N^3,  N(0) = N0,  PL ~ k2 N^2\n"
    "(Goldberg et al., Adv. Mater. 2024, Eq. 1-3; Tatarinov et al., Adv. Opt. Mater. 2023,\n"
    "Fig. 3). N0 is known in absolute units, so the decay shapes fix k1, k2 and k3; the PL\n"
    "scale (collection) is free per decay unless --shared-scale. Residuals are taken on log PL\n"
    "(the decays span decades). Reports PLQY(N) = k2 N/(k1 + k2 N + k3 N^2) and its maximum.\n"
    "Excitation is taken as short against the decay: t = 0 is the end of the pulse (the\n"
    "peak of the PL); points before it must be cut.\n\n"
    "FILE: first column time (unit in the header, \"t (ns)\", or --time-unit), then one PL\n"
    "column per decay, in the order of --n0/--fluence.\n\n"
    "Options:\n"
    "  --n0 LIST            initial densities (cm^-3), one per PL column\n"
    "  --fluence LIST       pump fluences (J/cm2; uJ/cm2 suffix accepted), with\n"
    "  --absorptance A      fraction of the pump absorbed (0..1]\n"
    "  --thickness d        film thickness (cm; 150nm accepted)\n"
    "  --photon-energy E    pump photon energy (eV): N0 = F A/(h nu d)\n"
    "  --time-unit U        unit of the time column when the header names none\n"
    "  --k1 --k2 --k3       starting values (s^-1, cm^3/s, cm^6/s; default automatic)\n"
    "  --fix-k1             hold k1 at --k1 (e.g. from a low-fluence mono-exponential tail)\n"
    "  --fix-k3             hold k3 at --k3 (0 when --k3 is not given: no Auger term)\n"
    "  --shared-scale       one PL scale for all decays (absolute intensities comparable)\n\n"
    "Examples:\n"
    "  gainkit trpl examples/tamap/trpl.csv --n0 1e17,5e17,2e18,8e18 --plot trpl.svg\n"
    "  gainkit trpl examples/tamap/trpl.csv --fluence 0.621uJ/cm2,3.10uJ/cm2,12.4uJ/cm2,49.7uJ/cm2 --absorptance 0.8 --thickness 100nm --photon-energy 3.1eV\n\n"
    CLI_COMMON_HELP,
  .run = run,
};
