/* gainkit nc — nanocrystal gain statistics, Auger lifetimes, pump and
 * current thresholds, quantum confinement (docs/physics.md §4, Ahn et al., Chem. Rev. 2023; Qin et al., Nano Lett. 2021). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/nc.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

static int no_plot(const cli_common *c) { return cli_no_plot(c, "gain-curve has one"); }

/* The common start of a subcommand: parse its table (no positional
 * arguments), refuse --plot unless it draws a figure, require the options
 * of `req` (NULL-terminated). -1 after the message (exit 2). */
static int sub_parse(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, int plots,
                     const char *const *req)
{
  int first;
  if (cli_qopt_parse(c, argc, argv, q, nq, &first) < 0) return -1;
  if (first < argc) return cli_usage(c->cmd, "unexpected argument '%s'", argv[first]), -1;
  if (!plots && no_plot(c) < 0) return -1;
  for (; req && *req; req++)
    if (cli_qopt_require(c, q, nq, *req) < 0) return -1;
  return 0;
}

/* ---- gain model options shared by threshold and gain-curve -------------- */
struct model_opts {
  double ge, gh, ne, ne_mean;
  const char *stat, *transition, *material;
};

/* Option state: file-scope statics (the tables are reachable by --help
 * before run); each subcommand's run starts with CLI_RESET. */
static struct model_opts MO;
#define MODEL_QOPTS(m)                                                                                           \
  CLI_OPT_GROUP("Model options"),                                                                                \
  CLI_OPT_NUM("ge", "G", QO_POS, &(m).ge, "2; PbS/PbSe 8", "band-edge electron degeneracy g_e"),                 \
  CLI_OPT_NUM("gh", "G", QO_POS, &(m).gh, "2; PbS/PbSe 8", "band-edge hole degeneracy g_h"),                     \
  CLI_OPT_NUM("ne", "N", QO_NONNEG, &(m).ne, "0", "extra electrons per NC, fixed"),                              \
  CLI_OPT_NUM("ne-mean", "M", QO_NONNEG, &(m).ne_mean, NULL,                                                     \
              "extra electrons per NC, Poisson with mean M (photochemical charging); excludes --ne"),            \
  CLI_OPT_STRING("statistics", "uniform|poisson", &(m).stat, "poisson",                                          \
                 "occupancy of the NCs (uniform is Eq. 5: g_h (g_e - n_e)/(g_e + g_h))"),                        \
  CLI_OPT_STRING("transition", "1S|1P|1D", &(m).transition, "1S",                                                \
                 "shell (degeneracy g(2L+1), lower shells fill first)"),                                         \
  CLI_OPT_STRING("material", "NAME", &(m).material, NULL, "take g_e, g_h from the material table (see nc auger)")

static int parse_transition(const char *s)
{
  if (!s || !strcasecmp(s, "1S")) return GK_NC_1S;
  if (!strcasecmp(s, "1P")) return GK_NC_1P;
  if (!strcasecmp(s, "1D")) return GK_NC_1D;
  return -1;
}
static const char *transition_name(int t) { return t == GK_NC_1P ? "1P" : t == GK_NC_1D ? "1D" : "1S"; }

static const gk_nc_material *material_opt(const char *name)
{
  if (!name) return NULL;
  const gk_nc_material *m = gk_nc_material_find(name);
  if (!m) {
    char list[256] = "";
    for (size_t i = 0; i < gk_nc_material_count(); i++) {
      strncat(list, gk_nc_material_at(i)->name, sizeof list - strlen(list) - 1);
      if (i + 1 < gk_nc_material_count()) strncat(list, ", ", sizeof list - strlen(list) - 1);
    }
    cli_qopt_fail("material", "unknown material '%s' (known: %s)", name, list);
  }
  return m;
}

/* Build the library model from the options; -1 after printing an error. */
static int model_from_opts(cli_qopt *q, size_t nq, const struct model_opts *o, gk_nc_gain_model *m)
{
  memset(m, 0, sizeof *m);
  m->ge = m->gh = 2;
  if (o->material) {
    const gk_nc_material *mat = material_opt(o->material);
    if (!mat) return -1;
    m->ge = mat->ge;
    m->gh = mat->gh;
  }
  if (cli_qopt_find(q, nq, "ge")->seen) m->ge = o->ge;
  if (cli_qopt_find(q, nq, "gh")->seen) m->gh = o->gh;
  int ne = cli_qopt_find(q, nq, "ne")->seen, nem = cli_qopt_find(q, nq, "ne-mean")->seen;
  if (ne && nem) return cli_qopt_fail("ne-mean", "give either --ne (fixed) or --ne-mean (Poisson), not both");
  m->ne = nem ? o->ne_mean : ne ? o->ne : 0;
  m->ne_poisson = nem;
  m->stat = GK_NC_POISSON;
  if (o->stat) {
    if (!strcasecmp(o->stat, "uniform")) m->stat = GK_NC_UNIFORM;
    else if (strcasecmp(o->stat, "poisson"))
      return cli_qopt_fail("statistics", "'%s' is not uniform or poisson", o->stat);
  }
  m->transition = parse_transition(o->transition);
  if (m->transition < 0) return cli_qopt_fail("transition", "'%s' is not 1S, 1P or 1D", o->transition);
  return 0;
}

static void model_json(cJSON *j, const gk_nc_gain_model *m)
{
  gk_json_num(j, "ge", m->ge);
  gk_json_num(j, "gh", m->gh);
  gk_json_num(j, m->ne_poisson ? "ne_mean" : "ne", m->ne);
  cJSON_AddStringToObject(j, "transition", transition_name(m->transition));
}

static int threshold_of(const gk_nc_gain_model *m, int stat, double *n)
{
  gk_nc_gain_model mm = *m;
  mm.stat = stat;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_threshold(&mm, n, &e) != GK_OK) return cli_error(&e);
  return 0;
}

static cli_qopt q_threshold[] = {MODEL_QOPTS(MO)};
static int cmd_threshold(int argc, char **argv)
{
  cli_common c = {.cmd = "nc threshold"};
  CLI_RESET(MO);
  cli_qopt *q = q_threshold;
  const size_t nq = NQ(q_threshold);
  if (sub_parse(&c, argc, argv, q_threshold, NQ(q_threshold), 0, NULL) < 0) return CLI_USAGE;
  gk_nc_gain_model m;
  if (model_from_opts(q, nq, &MO, &m) < 0) return CLI_USAGE;
  double n_th;
  int rc = threshold_of(&m, m.stat, &n_th);
  if (rc) return rc;
  cli_result r;
  cli_result_init(&r, "nc threshold");
  gk_json_num(r.j, "n_th", n_th);
  cJSON_AddStringToObject(r.j, "statistics", m.stat == GK_NC_UNIFORM ? "uniform" : "poisson");
  model_json(r.j, &m);
  if (m.stat == GK_NC_UNIFORM && m.transition == GK_NC_1S && !m.ne_poisson)
    gk_json_num(r.j, "n_th_eq5", gk_nc_threshold_uniform(m.ge, m.gh, m.ne));
  cli_printf(&r.b, "Gain threshold of the %s transition (%s statistics)\n", transition_name(m.transition),
             m.stat == GK_NC_UNIFORM ? "uniform" : "Poisson");
  cli_printf(&r.b, "  degeneracies g_e = %g, g_h = %g; extra electrons %s %g\n", m.ge, m.gh,
             m.ne_poisson ? "<n_e> (Poisson) =" : "n_e =", m.ne);
  cli_print_value(&r.b, "<N_th>", n_th, NAN, "excitons per NC");
  return cli_result_finish(&c, &r, CLI_OK);
}

static struct { double range[2], pts; } GC = {.pts = 201};
static cli_qopt q_gain_curve[] = {
  MODEL_QOPTS(MO),
  CLI_OPT_GROUP("Curve options"),
  CLI_OPT_RANGE("range", NULL, GC.range, "0 to twice the states up to the shell", "<N> range of the curve"),
  CLI_OPT_NUM("points", "N", QO_POS, &GC.pts, "201", "points of the curve (2 to 1e6)"),
};
static int cmd_gain_curve(int argc, char **argv)
{
  cli_common c = {.cmd = "nc gain-curve"};
  CLI_RESET(MO), CLI_RESET(GC);
  cli_qopt *q = q_gain_curve;
  const size_t nq = NQ(q_gain_curve);
  double *range = GC.range;
  if (sub_parse(&c, argc, argv, q, nq, 1, NULL) < 0) return CLI_USAGE;
  double pts = GC.pts;
  gk_nc_gain_model m;
  if (model_from_opts(q, nq, &MO, &m) < 0) return CLI_USAGE;
  if (!cli_qopt_find(q, nq, "range")->seen) {
    /* Far enough to see both curves saturate: twice the states up to the
     * chosen shell. */
    range[0] = 0;
    range[1] = 2 * (m.ge > m.gh ? m.ge : m.gh) * (m.transition + 1) * (m.transition + 1);
  }
  if (range[0] < 0) return CLI_QFAIL("range", "<N> cannot be negative");
  if (pts < 2 || pts > 1e6 || pts != floor(pts)) return CLI_QFAIL("points", "must be an integer from 2 to 1e6");
  size_t n = (size_t)pts;
  double *x = malloc(3 * n * sizeof *x);
  if (!x) return cli_usage(c.cmd, "out of memory");
  double *gu = x + n, *gp = x + 2 * n;
  gk_nc_gain_model mu = m, mp = m;
  mu.stat = GK_NC_UNIFORM;
  mp.stat = GK_NC_POISSON;
  cli_result r;
  cli_result_init(&r, "nc gain-curve");
  r.has_csv = 1;
  static const char *hdr[] = {"N (excitons per NC)", "gain_uniform (-alpha/alpha0)", "gain_poisson (-alpha/alpha0)"};
  gk_csv_init(&r.csv, 3, hdr);
  for (size_t i = 0; i < n; i++) {
    x[i] = range[0] + (range[1] - range[0]) * (double)i / (double)(n - 1);
    gu[i] = -gk_nc_absorption(&mu, x[i]);
    gp[i] = -gk_nc_absorption(&mp, x[i]);
    gk_csv_add_row(&r.csv, (double[]){x[i], gu[i], gp[i]});
  }
  double tu, tp;
  int rc = threshold_of(&m, GK_NC_UNIFORM, &tu);
  if (!rc) rc = threshold_of(&m, GK_NC_POISSON, &tp);
  if (rc) { free(x); cli_result_free(&r); return rc; }
  model_json(r.j, &m);
  gk_json_num(r.j, "n_th_uniform", tu);
  gk_json_num(r.j, "n_th_poisson", tp);
  gk_json_array(r.j, "n", x, n);
  gk_json_array(r.j, "gain_uniform", gu, n);
  gk_json_array(r.j, "gain_poisson", gp, n);
  gk_csv_add_comment(&r.csv, "normalised gain -alpha/alpha0 of the %s transition; g_e=%g g_h=%g %s=%g",
                     transition_name(m.transition), m.ge, m.gh, m.ne_poisson ? "ne_mean" : "ne", m.ne);
  cli_printf(&r.b, "Normalised gain -alpha/alpha0 of the %s transition (g_e = %g, g_h = %g, %s = %g)\n",
             transition_name(m.transition), m.ge, m.gh, m.ne_poisson ? "<n_{e}>" : "n_{e}", m.ne);
  cli_printf(&r.b, "  threshold <N_th>: uniform %.4f, Poisson %.4f\n\n", tu, tp);
  cli_printf(&r.b, "  %10s  %12s  %12s\n", "<N>", "uniform", "Poisson");
  size_t stride = n > 21 ? (n - 1) / 20 : 1;
  for (size_t i = 0; i < n; i += stride)
    cli_printf(&r.b, "  %10.4g  %12.5f  %12.5f\n", x[i], gu[i], gp[i]);
  if (c.plot) {
    gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    char title[160];
    snprintf(title, sizeof title, "%s gain, g_{e} = %g, g_{h} = %g, %s = %g", transition_name(m.transition), m.ge,
             m.gh, m.ne_poisson ? "<n_e>" : "n_e", m.ne);
    gk_panel_labels(p, "average excitons per NC <N>", "normalised gain -α/α_{0}", title);
    gk_panel_add(p, x, gu, NULL, n, GK_STYLE_DASHED, -1, "uniform (Eq. 5)");
    gk_panel_add(p, x, gp, NULL, n, GK_STYLE_LINE, -1, "Poisson");
    gk_panel_hline(p, 0, -1, NULL);
    gk_panel_vline(p, tp, -1, "Poisson threshold");
    rc = cli_save_figure(&c, f);
  }
  free(x);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, CLI_OK);
}

/* Radius or volume, in cm and nm^3; -1 after an error, 0 if neither given. */
static int size_opts(cli_qopt *q, size_t nq, double radius, double volume, double *r_cm, double *v_nm3)
{
  int hr = cli_qopt_find(q, nq, "radius")->seen, hv = cli_qopt_find(q, nq, "volume")->seen;
  if (hr && hv) return cli_qopt_fail("volume", "give either --radius or --volume, not both");
  *r_cm = hr ? radius : NAN;
  *v_nm3 = hr ? gk_nc_volume_nm3(radius) : hv ? volume * 1e21 : NAN;
  return hr || hv;
}

static struct {
  double radius, volume, chi, tau_rx, tau_rxx, tau_xx, ne, max_n;
  const char *material;
} AU = {.max_n = 4};
static cli_qopt q_auger[] = {
  CLI_OPT_QTY("radius", "R", "cm", QO_POS, &AU.radius, NULL, "NC radius; or --volume"),
  CLI_OPT_QTY("volume", "V", "cm3", QO_POS, &AU.volume, NULL, "NC volume"),
  CLI_OPT_QTY("chi", "X", "ps/nm3", QO_POS, &AU.chi, "the material's", "Auger volume scaling tau_A,XX = chi V"),
  /* no table default: the provenance records --material only when given (test_provenance) */
  CLI_OPT_STRING("material", "NAME", &AU.material, NULL,
                 "cdse, cds, cdte, pbs, pbse, cspbbr3 or cspbi3 (cdse when not given: chi 1 ps nm^-3; "
                 "perovskites 0.06)"),
  CLI_OPT_QTY("tau-rx", "T", "s", QO_POS, &AU.tau_rx, NULL,
              "radiative exciton lifetime (tau_r,XX = tau_r,X/4): adds tau_XX and q_XX"),
  CLI_OPT_QTY("tau-rxx", "T", "s", QO_POS, &AU.tau_rxx, NULL, "radiative biexciton lifetime, instead of --tau-rx"),
  CLI_OPT_QTY("tau-xx", "T", "s", QO_POS, &AU.tau_xx, NULL, "measured biexciton lifetime: tau_A from it instead"),
  CLI_OPT_NUM("ne", "N", QO_NONNEG, &AU.ne, "0", "extra electrons (charging) for Eq. 6"),
  CLI_OPT_NUM("max-n", "N", QO_POS, &AU.max_n, "4", "largest multiexciton order listed (2 to 100)"),
};
static int cmd_auger(int argc, char **argv)
{
  cli_common c = {.cmd = "nc auger"};
  CLI_RESET(AU);
  cli_qopt *q = q_auger;
  const size_t nq = NQ(q_auger);
  if (sub_parse(&c, argc, argv, q_auger, NQ(q_auger), 0, NULL) < 0) return CLI_USAGE;
  double radius = AU.radius, volume = AU.volume, chi = AU.chi, tau_rx = AU.tau_rx, tau_rxx = AU.tau_rxx;
  double tau_xx = AU.tau_xx, ne = AU.ne, max_n = AU.max_n;
  const char *material = AU.material;
  const gk_nc_material *mat = material_opt(material ? material : "cdse");
  if (!mat) return CLI_USAGE;
  if (!cli_qopt_find(q, nq, "chi")->seen) chi = mat->chi;
  double r_cm = NAN, v = NAN;
  int have_size = size_opts(q, nq, radius, volume, &r_cm, &v);
  if (have_size < 0) return CLI_USAGE;
  int has_rx = cli_qopt_find(q, nq, "tau-rx")->seen, has_rxx = cli_qopt_find(q, nq, "tau-rxx")->seen;
  int has_xx = cli_qopt_find(q, nq, "tau-xx")->seen;
  if (has_rx && has_rxx) return CLI_QFAIL("tau-rxx", "give either --tau-rx or --tau-rxx, not both");
  if (max_n != floor(max_n) || max_n < 2 || max_n > 100) return CLI_QFAIL("max-n", "must be an integer from 2 to 100");
  double t_rxx = has_rxx ? tau_rxx : has_rx ? tau_rx / 4 : NAN;   /* tau_r,XX = tau_r,X/4 [Ahn et al., Chem. Rev. 2023] */
  double tau_a;
  if (has_xx) {
    if (isnan(t_rxx)) return cli_usage(c.cmd, "--tau-xx needs --tau-rx or --tau-rxx to separate Auger from radiative decay");
    if (!(tau_xx < t_rxx))
      return CLI_QFAIL("tau-xx", "must be shorter than the radiative biexciton lifetime (%g s)", t_rxx);
    tau_a = gk_nc_tau_a_from_xx(tau_xx, t_rxx);
  } else {
    if (!have_size) return cli_usage(c.cmd, "give --radius or --volume (or --tau-xx with --tau-rx)");
    tau_a = gk_nc_auger_xx(chi, v);
  }
  cli_result r;
  cli_result_init(&r, "nc auger");
  gk_json_num(r.j, "tau_a_xx", tau_a);
  cli_printf(&r.b, "Biexciton Auger lifetime%s\n", has_xx ? " (from the measured tau_XX)" : " (V-scaling tau = chi V)");
  if (have_size) {
    gk_json_num(r.j, "radius", r_cm);
    gk_json_num(r.j, "volume_nm3", v);
    if (!isnan(r_cm)) cli_print_value(&r.b, "R", r_cm * 1e7, NAN, "nm");
    cli_print_value(&r.b, "V", v, NAN, "nm^3");
  }
  if (has_xx && have_size) {
    gk_json_num(r.j, "chi", tau_a * 1e12 / v);
    cli_print_value(&r.b, "chi", tau_a * 1e12 / v, NAN, "ps nm^-3 (implied)");
  } else if (!has_xx) {
    gk_json_num(r.j, "chi", chi);
    cJSON_AddStringToObject(r.j, "material", mat->label);
    cJSON_AddStringToObject(r.j, "chi_source", cli_qopt_find(q, nq, "chi")->seen ? "--chi" : mat->source);
    cli_print_value(&r.b, "chi", chi, NAN, "ps nm^-3");
  }
  cli_print_value(&r.b, "tau_A,XX", tau_a * 1e12, NAN, "ps");
  if (!isnan(t_rxx)) {
    double txx = has_xx ? tau_xx : gk_nc_tau_xx(tau_a, t_rxx);
    gk_json_num(r.j, "tau_r_xx", t_rxx);
    gk_json_num(r.j, "tau_xx", txx);
    gk_json_num(r.j, "q_xx", txx / t_rxx);
    cli_print_value(&r.b, "tau_r,XX", t_rxx * 1e9, NAN, "ns");
    cli_print_value(&r.b, "tau_XX", txx * 1e9, NAN, "ns");
    cli_print_value(&r.b, "q_XX", 100 * txx / t_rxx, NAN, "% biexciton emission yield");
  }
  /* Statistical scaling, Eq. 6, calibrated on the biexciton. */
  cJSON *arr = cJSON_AddArrayToObject(r.j, "multiexcitons");
  cli_printf(&r.b, "\n  Multiexciton Auger lifetimes, statistical scaling [Ahn et al., Chem. Rev. 2023, Eq. 6] (n_e = %g):\n", ne);
  cli_printf(&r.b, "  %4s  %6s  %6s  %14s\n", "N", "N_e", "N_h", "tau_A (ps)");
  for (int n = 1; n <= (int)max_n; n++) {
    double t = gk_nc_auger_scaled(tau_a, n + ne, n);
    cJSON *o = cJSON_CreateObject();
    gk_json_num(o, "n", n);
    gk_json_num(o, "n_e", n + ne);
    gk_json_num(o, "n_h", n);
    gk_json_num(o, "tau_a", t);   /* null where Eq. 6 gives no Auger decay */
    cJSON_AddItemToArray(arr, o);
    /* no Auger decay (a single exciton): say so, never "inf" */
    if (isfinite(t)) cli_printf(&r.b, "  %4d  %6g  %6d  %14.4g\n", n, n + ne, n, t * 1e12);
    else cli_printf(&r.b, "  %4d  %6g  %6d  %14s\n", n, n + ne, n, "no Auger");
  }
  return cli_result_finish(&c, &r, CLI_OK);
}

static struct { double sigma, ev, tx, txx, nth; } PU = {.nth = 1};
static cli_qopt q_pump[] = {
  CLI_OPT_QTY("sigma-abs", "S", "cm2", QO_POS, &PU.sigma, NULL, "absorption cross-section per NC, required"),
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &PU.ev, NULL, "pump photon energy, required"),
  CLI_OPT_QTY("tau-x", "T", "s", QO_POS, &PU.tx, NULL, "single-exciton lifetime, required"),
  CLI_OPT_QTY("tau-xx", "T", "s", QO_POS, &PU.txx, NULL, "biexciton lifetime, required"),
  CLI_OPT_NUM("n-th", "N", QO_NONNEG, &PU.nth, "1", "threshold occupancy <N_th> for w_th"),
};
static int cmd_pump(int argc, char **argv)
{
  cli_common c = {.cmd = "nc pump"};
  CLI_RESET(PU);
  static const char *const req[] = {"sigma-abs", "photon-energy", "tau-x", "tau-xx", NULL};
  if (sub_parse(&c, argc, argv, q_pump, NQ(q_pump), 0, req) < 0) return CLI_USAGE;
  double sigma = PU.sigma, ev = PU.ev, tx = PU.tx, txx = PU.txx, nth = PU.nth;
  gk_nc_pump p;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_pump_thresholds(sigma, ev, tx, txx, nth, &p, &e) != GK_OK) return cli_error(&e);
  cli_result r;
  cli_result_init(&r, "nc pump");
  gk_json_num(r.j, "w_th", p.w_th);
  gk_json_num(r.j, "i_th", p.i_th);
  gk_json_num(r.j, "i_half", p.i_half);
  gk_json_num(r.j, "g_th", p.g_th);
  gk_json_num(r.j, "g_half", p.g_half);
  gk_json_num(r.j, "n_th", nth);
  cli_printf(&r.b, "Optical pump thresholds (sigma_abs = %g cm^2, h nu = %g eV, <N_th> = %g)\n", sigma, ev, nth);
  cli_print_value(&r.b, "w_th", p.w_th, NAN, "J/cm^2 (short pulse)");
  cli_print_value(&r.b, "I_th", p.i_th, NAN, "W/cm^2 (cw gain threshold)");
  cli_print_value(&r.b, "I_1/2", p.i_half, NAN, "W/cm^2 (half-saturated gain, lasing proxy)");
  return cli_result_finish(&c, &r, CLI_OK);
}

static struct { double radius, fill, tx, txx; } CU;
static cli_qopt q_current[] = {
  CLI_OPT_QTY("radius", "R", "cm", QO_POS, &CU.radius, NULL, "NC radius, required"),
  CLI_OPT_NUM("fill", "F", QO_FRACTION, &CU.fill, NULL, "areal filling factor, 0 < F <= 1, required"),
  CLI_OPT_QTY("tau-x", "T", "s", QO_POS, &CU.tx, NULL, "single-exciton lifetime, required"),
  CLI_OPT_QTY("tau-xx", "T", "s", QO_POS, &CU.txx, NULL, "biexciton lifetime, required"),
};
static int cmd_current(int argc, char **argv)
{
  cli_common c = {.cmd = "nc current"};
  CLI_RESET(CU);
  static const char *const req[] = {"radius", "fill", "tau-x", "tau-xx", NULL};
  if (sub_parse(&c, argc, argv, q_current, NQ(q_current), 0, req) < 0) return CLI_USAGE;
  double radius = CU.radius, fill = CU.fill, tx = CU.tx, txx = CU.txx;
  gk_nc_current cur;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_current_thresholds(radius, fill, tx, txx, &cur, &e) != GK_OK) return cli_error(&e);
  cli_result r;
  cli_result_init(&r, "nc current");
  gk_json_num(r.j, "j_th", cur.j_th);
  gk_json_num(r.j, "j_half", cur.j_half);
  gk_json_num(r.j, "sigma_g", cur.sigma_g);
  cli_printf(&r.b, "Current-density thresholds [Ahn et al., Chem. Rev. 2023, Eq. 8-9] (R = %g nm, f_a = %g)\n", radius * 1e7, fill);
  cli_print_value(&r.b, "sigma_g", cur.sigma_g, NAN, "cm^2");
  cli_print_value(&r.b, "j_th", cur.j_th, NAN, "A/cm^2 (gain threshold)");
  cli_print_value(&r.b, "j_1/2", cur.j_half, NAN, "A/cm^2 (half-saturated gain)");
  return cli_result_finish(&c, &r, CLI_OK);
}

static struct { double nx, ratio; } EM;
static cli_qopt q_emission[] = {
  CLI_OPT_NUM("excitons", "N", QO_NONNEG, &EM.nx, NULL, "excitons per NC: gives the ratio and the 1P occupancy"),
  CLI_OPT_NUM("ratio", "R", QO_NONNEG, &EM.ratio, NULL,
              "measured I_1P/I_1S: gives N = 2 + sqrt(12 R) (R = 0 or >= 3: not determined)"),
};
static int cmd_emission(int argc, char **argv)
{
  cli_common c = {.cmd = "nc emission"};
  CLI_RESET(EM);
  cli_qopt *q = q_emission;
  const size_t nq = NQ(q_emission);
  if (sub_parse(&c, argc, argv, q_emission, NQ(q_emission), 0, NULL) < 0) return CLI_USAGE;
  double nx = EM.nx, ratio = EM.ratio;
  int has_n = cli_qopt_find(q, nq, "excitons")->seen, has_r = cli_qopt_find(q, nq, "ratio")->seen;
  if (has_n == has_r) return cli_usage(c.cmd, "give either --excitons N or --ratio R");
  cli_result r;
  cli_result_init(&r, "nc emission");
  int status = CLI_OK;
  cli_printf(&r.b, "1P/1S emission, 1S (2-fold) then 1P (6-fold) filled in order\n"
                   "(Ahn et al., Chem. Rev. 2023, section 6.1.6): I_1P/I_1S = (N - 2)^2/12, f_1P = (N - 2)/6\n");
  if (has_n) {
    double R = gk_nc_emission_ratio_1p1s(nx), f = gk_nc_occupancy_1p(nx);
    gk_json_num(r.j, "excitons", nx);
    gk_json_num(r.j, "ratio_1p_1s", R);
    gk_json_num(r.j, "occupancy_1p", f);
    cli_print_value(&r.b, "N", nx, NAN, "excitons per NC");
    cli_print_value(&r.b, "I_1P/I_1S", R, NAN, nx <= 2 ? "(1P empty at N <= 2)" : nx >= 8 ? "(1P full at N >= 8)" : "");
    cli_print_value(&r.b, "f_1P", f, NAN, "(1P occupancy)");
  } else {
    double n, f;
    gk_error e;
    gk_error_clear(&e);
    int rc = gk_nc_excitons_from_ratio(ratio, &n, &f, &e);
    if (rc != GK_OK && rc != GK_EDOM) {
      cli_result_free(&r);
      return cli_error(&e);
    }
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
  return cli_result_finish(&c, &r, status);
}

static struct { double radius, me, mh, eg0; } CO;
static cli_qopt q_confinement[] = {
  CLI_OPT_QTY("radius", "R", "cm", QO_POS, &CO.radius, NULL, "NC radius, required"),
  CLI_OPT_NUM("me", "M", QO_POS, &CO.me, NULL, "electron effective mass, in free-electron masses, required"),
  CLI_OPT_NUM("mh", "M", QO_POS, &CO.mh, NULL, "hole effective mass, in free-electron masses, required"),
  CLI_OPT_QTY("eg0", "E", "eV", QO_NONNEG, &CO.eg0, NULL, "bulk band gap, required"),
};
static int cmd_confinement(int argc, char **argv)
{
  cli_common c = {.cmd = "nc confinement"};
  CLI_RESET(CO);
  static const char *const req[] = {"radius", "me", "mh", "eg0", NULL};
  if (sub_parse(&c, argc, argv, q_confinement, NQ(q_confinement), 0, req) < 0) return CLI_USAGE;
  double radius = CO.radius, me = CO.me, mh = CO.mh, eg0 = CO.eg0;
  gk_nc_confinement k;
  gk_error e;
  gk_error_clear(&e);
  if (gk_nc_confinement_calc(radius, me, mh, eg0, &k, &e) != GK_OK) return cli_error(&e);
  static const char *lv[] = {"1S", "1P", "1D"};
  cli_result r;
  cli_result_init(&r, "nc confinement");
  cJSON *phi = cJSON_AddObjectToObject(r.j, "phi"), *ee = cJSON_AddObjectToObject(r.j, "electron"),
        *eh = cJSON_AddObjectToObject(r.j, "hole");
  cli_printf(&r.b, "Quantum confinement, infinite spherical well [Ahn et al., Chem. Rev. 2023, Eq. 1-2] (R = %g nm, m_e = %g, m_h = %g)\n",
             radius * 1e7, me, mh);
  cli_printf(&r.b, "  %-5s %10s %14s %14s\n", "state", "phi", "E_e (eV)", "E_h (eV)");
  for (int i = 0; i < 3; i++) {
    gk_json_num(phi, lv[i], k.phi[i]);
    gk_json_num(ee, lv[i], k.e_e[i]);
    gk_json_num(eh, lv[i], k.e_h[i]);
    cli_printf(&r.b, "  %-5s %10.5f %14.5f %14.5f\n", lv[i], k.phi[i], k.e_e[i], k.e_h[i]);
  }
  gk_json_num(r.j, "e_conf", k.e_conf);
  gk_json_num(r.j, "e_g", k.e_g);
  cli_print_value(&r.b, "dE_conf", k.e_conf, NAN, "eV");
  cli_print_value(&r.b, "E_g", k.e_g, NAN, "eV");
  return cli_result_finish(&c, &r, CLI_OK);
}

#define NC_INTRO                                                                  \
  "Nanocrystal (quantum dot) optical gain from band-edge statistics (Klimov,\n"   \
  "Chem. Rev. 2023; Qin et al., Nano Lett. 2021; docs/physics.md section 4).\n"        \
  "Values accept unit suffixes (2.5nm, 20ns, 65ps, 3eV, 3e-15cm2); bare numbers\n" \
  "are in the unit shown (nm, ns, ps: the units papers quote; never silently cm\n"  \
  "or s), and a value outside the plausible range gets a warning.\n\n"
/* One subcommand each: name, usage, (no hand-written help), run, its
 * option table, what it computes (about) and JSON keys + examples
 * (epilog); `gainkit nc SUB --help` and `gainkit nc --help` are generated. */
#define SUB(NAME, ARGS, RUN, Q, ABOUT, EPILOG) {NAME, ARGS, NULL, RUN, Q, NQ(Q), ABOUT, EPILOG}
static const struct cli_subcommand subs[] = {
  SUB("threshold", "[--ge G --gh G] [--ne N | --ne-mean M] [options]", cmd_threshold, q_threshold,
      "Gain threshold <N_th> (average excitons per NC).",
      "JSON: {\"n_th\": ...}.  Example (neutral 2-fold, Poisson -> 1.1462):\n"
      "  gainkit nc threshold --ge 2 --gh 2"),
  SUB("gain-curve", "[model options] [--range N1:N2] [--points N] [-o F.csv] [--plot F.svg]", cmd_gain_curve,
      q_gain_curve, "Normalised gain -alpha/alpha0 versus <N>, uniform and Poisson.",
      "JSON: {\"n\", \"gain_uniform\", \"gain_poisson\", \"n_th_uniform\", \"n_th_poisson\"}; -o curve.csv, --plot gain.svg\n"
      "Example:\n"
      "  gainkit nc gain-curve --ne 1 --plot gain.svg"),
  SUB("auger", "(--radius R | --volume V | --tau-xx T) [options]", cmd_auger, q_auger,
      "Biexciton Auger lifetime tau_A,XX = chi V (V-scaling) and the multiexciton lifetimes by\n"
      "statistical scaling (Ahn et al., Chem. Rev. 2023, Eq. 6).",
      "Examples:\n"
      "  gainkit nc auger --radius 2.5nm --tau-rx 20ns\n"
      "  gainkit nc auger --tau-xx 1.3ns --tau-rxx 3ns      (tau_A 2.3 ns, q_XX 43 %)"),
  SUB("pump", "--sigma-abs S --photon-energy E --tau-x T --tau-xx T [--n-th N]", cmd_pump, q_pump,
      "Optical pump thresholds.",
      "JSON: {\"w_th\" J/cm2 (short pulse), \"i_th\" W/cm2 (cw gain threshold), \"i_half\" W/cm2\n"
      "(half-saturated gain)}.\n"
      "Example:\n"
      "  gainkit nc pump --sigma-abs 3e-15 --photon-energy 3eV --tau-x 20ns --tau-xx 65ps"),
  SUB("current", "--radius R --fill F --tau-x T --tau-xx T", cmd_current, q_current,
      "Electrical thresholds (Ahn et al., Chem. Rev. 2023, Eq. 8-9).",
      "JSON: {\"j_th\", \"j_half\"} in A/cm2, \"sigma_g\" in cm2.\n"
      "Example:\n"
      "  gainkit nc current --radius 2.5nm --fill 0.5 --tau-x 20ns --tau-xx 65ps"),
  SUB("confinement", "--radius R --me M --mh M --eg0 E", cmd_confinement, q_confinement,
      "1S/1P/1D electron and hole energies and band gap, infinite spherical well (Ahn et al.,\n"
      "Chem. Rev. 2023, Eq. 1-2).",
      "Example:\n"
      "  gainkit nc confinement --radius 2nm --me 0.13 --mh 0.45 --eg0 1.74"),
  SUB("emission", "--excitons N | --ratio R", cmd_emission, q_emission,
      "1P/1S emission ratio (N - 2)^2/12 and 1P occupancy (N - 2)/6 of a NC holding N excitons,\n"
      "1S (2-fold) then 1P (6-fold) filled in order (Ahn et al., Chem. Rev. 2023, section 6.1.6),\n"
      "or N and the occupancy from a measured ratio.",
      "Examples:\n"
      "  gainkit nc emission --excitons 5.46       (ratio 1: 1P and 1S equal)\n"
      "  gainkit nc emission --ratio 0.75"),
  {NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL},
};

extern const struct cli_command cli_cmd_nc;
static int run(int argc, char **argv) { return cli_dispatch(&cli_cmd_nc, argc, argv); }

const struct cli_command cli_cmd_nc = {
  .name = "nc",
  .summary = "nanocrystal gain: thresholds, gain curve, Auger, pump/current thresholds, confinement, 1P/1S emission",
  .order = 60,
  .run = run,
  .subs = subs,
  .intro = NC_INTRO,
};
