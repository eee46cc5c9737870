/* gainkit ta — gain threshold, gain spectra and gain lifetime from
 * transient absorption (ground-state spectrum + Delta OD matrices). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/ta.h"
#include "gainkit/constants.h"

enum { OPT_GROUND = CLI_OPT_FIRST_FREE, OPT_DELTA, OPT_LONG, OPT_PROBE, OPT_WINDOW, OPT_DELAY, OPT_DELAYS,
       OPT_SIGMA, OPT_PHOTON, OPT_PUMP_WL, OPT_NMEAN, OPT_GFIT, OPT_DEGEN, OPT_FREE_DEGEN,
       OPT_NE, OPT_FIX_NE, OPT_NE_POISSON, OPT_ALPHA0 };

#define MAX_DELTA 64

struct pump_opts {
  double sigma;              /* cm^2, NaN if none */
  double *photon; size_t nphoton;
  double pump_ev;            /* NaN if none */
  double *nmean; size_t nnmean;
};

/* <N> per column from the options and the pump unit of the first file
 * (hl: the line that names that unit). */
/* A fitted gain-curve parameter on a bound of the fit (src/ta/ta.c): the
 * JSON object says so ("at_bound", "bound", determined false). Objects
 * inside the bounds keep {value, stderr}. */
static void ta_bound(cJSON *o, const char *name, double v, double lo, double hi, int free)
{
  const char *side = free ? cli_bound_side(v, lo, hi) : NULL;
  if (!o || !side) return;
  char why[96], num[32];
  snprintf(why, sizeof why, "at its %s bound (%s %s %s)", side, name, side[0] == 'l' ? ">=" : "<=",
           cli_fmt_num(num, sizeof num, side[0] == 'l' ? lo : hi, CLI_SIG));
  cJSON_AddBoolToObject(o, "determined", 0);
  cJSON_AddStringToObject(o, "reason", why);
  cJSON_AddStringToObject(o, "at_bound", side);
  cJSON_AddNumberToObject(o, "bound", side[0] == 'l' ? lo : hi);
}

static int pump_axis(const gk_matrix *m, long hl, const struct pump_opts *p, double *n_out)
{
  gk_error e;
  gk_error_clear(&e);
  if (p->nmean) {
    if (p->nnmean != m->ncol)
      return cli_usage("ta", "--n-mean: %zu values for %zu pump columns in %s", p->nnmean, m->ncol, m->path);
    memcpy(n_out, p->nmean, m->ncol * sizeof *n_out);
    return 0;
  }
  gk_unit_info u = {0};
  int has_unit = *m->col_unit_in && gk_unit_describe(m->col_unit_in, &u, NULL) == GK_OK;
  if (isnan(p->sigma)) {
    if (p->photon) return cli_usage("ta", "--photon-fluence needs --cross-section");
    if (has_unit && strcmp(u.dimension, "dimensionless") != 0) {
      gk_error_set(&e, GK_EINPUT, m->path, hl,
                   "pump columns are in '%s'; give --cross-section (and --pump-wavelength for "
                   "an energy fluence) or --n-mean", m->col_unit_in);
      return cli_error(&e);
    }
    memcpy(n_out, m->col, m->ncol * sizeof *n_out);
    return 0;
  }
  for (size_t j = 0; j < m->ncol; j++) {
    double jp;
    if (p->photon) {
      if (p->nphoton != m->ncol)
        return cli_usage("ta", "--photon-fluence: %zu values for %zu pump columns", p->nphoton, m->ncol);
      jp = p->photon[j];
    } else if (has_unit && !strcmp(u.dimension, "fluence")) {
      if (isnan(p->pump_ev))
        return cli_usage("ta", "pump columns of %s are an energy fluence (%s): give --pump-wavelength",
                         m->path, m->col_unit_in);
      jp = gk_ta_photon_fluence(m->col[j] * u.factor, p->pump_ev);
    } else {
      double f = 1;
      if (has_unit && gk_unit_factor(m->col_unit_in, "cm^-2", &f, NULL) != GK_OK) {
        gk_error_set(&e, GK_EINPUT, m->path, hl,
                     "pump unit '%s' is neither an energy nor a photon fluence", m->col_unit_in);
        return cli_error(&e);
      }
      jp = m->col[j] * f;
    }
    n_out[j] = gk_ta_n_mean(p->sigma, jp);
  }
  return 0;
}

static void plot(const char *path, const gk_ta_set *s, const gk_ta_result *r, const double *tps,
                 int *rc)
{
  gk_error e;
  gk_error_clear(&e);
  gk_figure *f = gk_figure_new(2, 2, 1200, 900, "transient absorption gain");
  gk_panel *pa = gk_figure_panel(f, 0), *pb = gk_figure_panel(f, 1), *pc = gk_figure_panel(f, 2),
           *pd = gk_figure_panel(f, 3);
  gk_panel_labels(pa, "wavelength (nm)", "α_{0} + Δα (OD)", "(a) pumped absorption");
  gk_panel_labels(pb, "wavelength (nm)", "-(α_{0} + Δα) (OD)", "(b) gain spectra (colours as in a)");
  /* The pumped spectra fill panel (a) from edge to edge: any inside legend
   * hides curves. One legend outside (a) serves (a) and (b), which share
   * series and colours. */
  gk_panel_legend(pa, GK_LEGEND_OUTSIDE_RIGHT);
  gk_panel_legend(pb, GK_LEGEND_NONE);
  gk_panel_labels(pc, "<N>", "-Δα/α_{0}", "(c) normalised bleach at the probe");
  const size_t nw = s->nwl, np = s->npump, d0 = r->delay_index;
  double *v = malloc(nw * sizeof *v), *g = malloc(nw * sizeof *g);
  gk_panel_add(pa, s->wl, s->alpha0, NULL, nw, GK_STYLE_DASHED, GK_BLACK, "α_{0}");
  size_t step = np > 6 ? (np + 5) / 6 : 1;
  for (size_t j = 0; j < np; j += step) {
    char lab[48];
    snprintf(lab, sizeof lab, "<N> = %.3g", s->n_mean[j]);
    for (size_t i = 0; i < nw; i++) {
      v[i] = s->alpha0[i] + s->dod[(d0 * nw + i) * np + j];
      g[i] = r->gain[i * np + j];
    }
    gk_panel_add(pa, s->wl, v, NULL, nw, GK_STYLE_LINE, GK_AUTO, lab);
    gk_panel_add(pb, s->wl, g, NULL, nw, GK_STYLE_LINE, GK_AUTO, lab);
  }
  gk_panel_hline(pa, 0, GK_GREY, NULL);
  gk_panel_vline(pa, r->probe_nm, GK_GREY, "probe");
  gk_panel_add(pc, s->n_mean, r->normalized, NULL, np, GK_STYLE_POINTS, GK_BLUE, "data");
  if (r->fit_curve) gk_panel_add(pc, s->n_mean, r->fit_curve, NULL, np, GK_STYLE_LINE, GK_VERMILLION, "Poisson gain curve");
  gk_panel_hline(pc, 1, GK_GREY, NULL);
  if (r->threshold_found) {
    char lab[64];
    snprintf(lab, sizeof lab, "N_{th} = %.3f", r->threshold);
    gk_panel_vline(pc, r->threshold, GK_GREEN, lab);
  }
  if (s->ndelay > 1) {
    gk_panel_labels(pd, "delay (ps)", "α_{0} + Δα at probe (OD)", "(d) decay at the probe (as in a)");
    gk_panel_legend(pd, GK_LEGEND_NONE);
    double *w = malloc(s->ndelay * sizeof *w);
    for (size_t j = 0; j < np; j += step) {
      char lab[48];
      snprintf(lab, sizeof lab, "<N> = %.3g", s->n_mean[j]);
      for (size_t d = 0; d < s->ndelay; d++) w[d] = r->pumped_t[d * np + j];
      gk_panel_add(pd, tps, w, NULL, s->ndelay, GK_STYLE_LINEPOINTS, GK_AUTO, lab);
    }
    gk_panel_hline(pd, 0, GK_GREY, NULL);
    free(w);
  } else {
    gk_panel_labels(pd, "<N>", "gain bandwidth (nm)", "(d) gain bandwidth");
    gk_panel_add(pd, s->n_mean, r->bandwidth, NULL, np, GK_STYLE_LINEPOINTS, GK_BLUE, NULL);
  }
  if (gk_figure_save(f, path, &e) != GK_OK) *rc = cli_error(&e);
  gk_figure_free(f);
  free(v);
  free(g);
}

/* ---- options (declarative: --help is generated from this table) ---- */
static gk_ta_options O;
static struct pump_opts PO;
static const char *ground, *delta[MAX_DELTA], *longf, *alpha0_s;
static size_t ndelta, ndl;
static double *delays, want_delay, pump_wl, win[2], degen, ne;
static int fixne;

static int add_delta(cli_qopt *q, const char *arg)
{
  if (ndelta == MAX_DELTA) return cli_qopt_fail(q->name, "at most %d files", MAX_DELTA);
  delta[ndelta++] = arg;
  return 0;
}

static cli_qopt opts[] = {
  CLI_OPT_GROUP("Input"),
  CLI_OPT_STRING("ground", "A0.csv", &ground, NULL, "wavelength, ground-state absorbance (OD); required"),
  CLI_OPT_CALLBACK("delta", "DA.csv", add_delta, NULL,
                   "Delta OD matrix of one delay: first row <N> (or pump fluence), first column "
                   "wavelength (delay from '# delay: 4 ps' or --delays); repeat for several delays"),
  CLI_OPT_STRING("long", "FILE", &longf, NULL, "read the set from one long-format table instead of --delta"),
  CLI_OPT_LIST("delays", "LIST", "s", &delays, &ndl, NULL, "delays of the --delta files, in order (2,4,8 or 2ps,4ps,8ps)"),
  CLI_OPT_GROUP("Probe and delay"),
  CLI_OPT_QTY("probe", "NM", "nm", QO_POS, &O.probe_nm,
              "the band-edge bleach maximum",
              "probe wavelength (by default the largest mean -Delta alpha/alpha0 over all pumps and "
              "delays); the threshold with the probe moved by 2 nm is reported too"),
  CLI_OPT_RANGE("window", "nm", win, NULL, "average alpha0 and Delta alpha over a window instead"),
  CLI_OPT_QTY("delay", "T", "s", QO_ANY, &want_delay, "the first", "analyse the delay nearest T"),
  CLI_OPT_GROUP("Pump axis"),
  CLI_OPT_QTY("cross-section", "S", "cm2", QO_POS, &PO.sigma, NULL, "absorption cross-section: <N> = S * photon fluence"),
  CLI_OPT_QTY("pump-wavelength", "NM", "nm", QO_POS, &pump_wl, NULL,
              "pump wavelength, for pump columns in energy fluence (uJ/cm2)"),
  CLI_OPT_LIST("photon-fluence", "LIST", "cm^-2", &PO.photon, &PO.nphoton, NULL, "photon fluences of the pump columns"),
  CLI_OPT_LIST("n-mean", "LIST", NULL, &PO.nmean, &PO.nnmean, NULL, "<N> of the pump columns (overrides the first row)"),
  CLI_OPT_GROUP("Poisson gain-curve fit"),
  CLI_OPT_FLAG("gain-fit", &O.gain_fit, "fit the Poisson gain curve 1 - a(<N>; g, n_e) (nc model)"),
  CLI_OPT_NUM("degeneracy", "G", QO_ANY, &degen, "2", "band-edge degeneracy g_e = g_h (0.5 to 50; start if free)"),
  CLI_OPT_FLAG("free-degeneracy", &O.fit_degeneracy, "fit g as well"),
  CLI_OPT_NUM("charging", "NE", QO_ANY, &ne, "0", "extra electrons per NC (0 to 50; a start unless --fixed-charging)"),
  CLI_OPT_FLAG("fixed-charging", &fixne, "hold n_e at --charging"),
  CLI_OPT_FLAG("ne-poisson", &O.ne_poisson, "n_e Poisson-distributed with mean --charging"),
  CLI_OPT_CHOICE("alpha0", "own|neutral", &alpha0_s, "own",
                 "what --ground and Delta alpha refer to: own = the sample's own pump-off absorption (a "
                 "charged sample already bleached by its n_e): fit 1 - a(<N>)/a(0); neutral = the neutral "
                 "film: fit 1 - a(<N>)"),
};

static int run_parsed(cli_common *cp, gk_ta_options *op, struct pump_opts *pp);

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "ta"};
  gk_ta_options_default(&O);
  PO = (struct pump_opts){.sigma = NAN, .pump_ev = NAN};
  ground = longf = alpha0_s = NULL;
  ndelta = ndl = 0;
  delays = NULL;
  want_delay = pump_wl = NAN;
  win[0] = win[1] = NAN;
  degen = 2;
  ne = 0;
  fixne = 0;
  int rc = CLI_USAGE, first;
  gk_ta_options o;
  struct pump_opts po;
  if (cli_qopt_parse(&c, argc, argv, opts, CLI_NOPTS(opts), &first) < 0) goto parsed;
  o = O;
  o.win_lo = win[0];
  o.win_hi = win[1];
  if (!(degen >= GK_TA_DEGENERACY_MIN && degen <= GK_TA_DEGENERACY_MAX)) { cli_qopt_fail("degeneracy", "must be 0.5 to 50"); goto parsed; }
  if (!(ne >= 0 && ne <= 50)) { cli_qopt_fail("charging", "must be 0 to 50"); goto parsed; }
  o.degeneracy = degen;
  o.ne = ne;
  if (fixne) o.fit_ne = 0;
  o.alpha0_ref = alpha0_s && !strcmp(alpha0_s, "neutral") ? GK_TA_ALPHA0_NEUTRAL : GK_TA_ALPHA0_OWN;
  if (isfinite(pump_wl)) PO.pump_ev = GK_HC_EV_NM / pump_wl;
  if (first < argc) { cli_usage(c.cmd, "unexpected argument '%s'", argv[first]); goto parsed; }
  if (longf && ndelta) { cli_usage(c.cmd, "--long: give either --long FILE or --delta files, not both"); goto parsed; }
  if (longf && delays) { cli_usage(c.cmd, "--long: the delays come from its delay column; drop --delays"); goto parsed; }
  if (!ground || !(ndelta || longf)) { cli_usage(c.cmd, "need --ground FILE and --delta FILE (or --long FILE)"); goto parsed; }
  if (!isnan(o.probe_nm) && !isnan(o.win_lo)) { cli_usage(c.cmd, "--probe and --window exclude each other"); goto parsed; }
  if (PO.nmean && !isnan(PO.sigma)) { cli_usage(c.cmd, "--n-mean and --cross-section exclude each other"); goto parsed; }
  if (delays && ndl != ndelta) { cli_usage(c.cmd, "--delays: %zu values for %zu --delta files", ndl, ndelta); goto parsed; }
  po = PO;
  rc = run_parsed(&c, &o, &po);
parsed:
  free(delays);
  free(PO.photon);
  free(PO.nmean);
  delays = NULL;
  PO.photon = PO.nmean = NULL;
  return rc;
}

static int run_parsed(cli_common *cp, gk_ta_options *op, struct pump_opts *pp)
{
  cli_common c = *cp;
  gk_ta_options o = *op;
  struct pump_opts po = *pp;
  int rc = CLI_USAGE;
  gk_error e;
  gk_error_clear(&e);
  gk_matrix m[MAX_DELTA];
  gk_long lg = {0};
  size_t nread = 0;
  gk_columns g = {0};
  int have_g = 0;
  double *a0 = NULL, *nm = NULL, *dod = NULL, *dl = NULL, *tps = NULL;
  cJSON *j = NULL;
  cli_buf b = {0};
  gk_csv csv = {0};
  gk_ta_result r;
  memset(&r, 0, sizeof r);
  gk_columns_options co = {.xkind = GK_XKIND_WAVELENGTH, .allow_unsorted = 1, .reject_duplicate_x = 1};
  if (gk_columns_read(ground, &co, &g, &e) != GK_OK) { rc = cli_error(&e); goto out; }
  have_g = 1;
  gk_matrix_options mo = {.require_increasing_rows = 1};
  if (longf && gk_long_read(longf, NULL, &lg, &e) != GK_OK) { rc = cli_error(&e); goto out; }
  for (; nread < ndelta; nread++) {
    if (gk_matrix_read(delta[nread], &mo, &m[nread], &e) != GK_OK) { rc = cli_error(&e); goto out; }
    const gk_matrix *a = &m[0], *x = &m[nread];
    int same = x->nrow == a->nrow && x->ncol == a->ncol;
    for (size_t i = 0; same && i < a->nrow; i++) same = x->row[i] == a->row[i];
    for (size_t k = 0; same && k < a->ncol; k++) same = x->col[k] == a->col[k];
    if (!same) {
      gk_error_set(&e, GK_EINPUT, x->path, 0, "wavelengths and pump columns must match %s", a->path);
      rc = cli_error(&e);
      goto out;
    }
  }
  /* from here on both inputs are the same: one matrix per delay */
  const gk_matrix *M = longf ? lg.m : m;
  const size_t nw = M[0].nrow, np = M[0].ncol, nd = longf ? lg.ndelay : ndelta;
  a0 = malloc(nw * sizeof *a0);
  nm = malloc(np * sizeof *nm);
  dod = malloc(nd * nw * np * sizeof *dod);
  dl = malloc(nd * sizeof *dl);
  tps = malloc(nd * sizeof *tps);
  if (gk_ta_resample(g.x, g.y, g.n, M[0].row, nw, a0, &e) != GK_OK) {
    snprintf(e.file, sizeof e.file, "%s", M[0].path);
    rc = cli_error(&e);
    goto out;
  }
  if ((rc = pump_axis(&M[0], longf ? lg.header_line : M[0].line[0] - 1, &po, nm))) goto out;
  for (size_t d = 0; d < nd; d++) {
    memcpy(dod + d * nw * np, M[d].z, nw * np * sizeof *dod);
    if (longf) {
      dl[d] = lg.delay[d];
      tps[d] = dl[d] * 1e12;
      continue;
    }
    const char *meta = gk_meta_get(&m[d].meta, "delay");
    dl[d] = NAN;
    if (delays) dl[d] = delays[d];
    else if (meta && gk_parse_quantity(meta, "s", &dl[d], &e) != GK_OK) {
      gk_error_set(&e, GK_EINPUT, m[d].path, 0, "metadata 'delay: %s' is not a time", meta);
      rc = cli_error(&e);
      goto out;
    }
    if (nd > 1 && isnan(dl[d])) {
      gk_error_set(&e, GK_EINPUT, m[d].path, 0, "no delay: add '# delay: 4 ps' or give --delays");
      rc = cli_error(&e);
      goto out;
    }
    tps[d] = dl[d] * 1e12;
  }
  if (!isnan(want_delay)) {
    size_t best = 0;
    for (size_t d = 0; d < nd; d++)
      if (fabs(dl[d] - want_delay) < fabs(dl[best] - want_delay)) best = d;
    if (isnan(dl[best])) { rc = cli_usage(c.cmd, "--delay: the data carry no delays"); goto out; }
    o.delay_index = best;
  }
  gk_ta_set s = {nw, np, nd, M[0].row, a0, nm, nd > 1 ? dl : NULL, dod};
  if (gk_ta_analyze(&s, &o, &r, &e) != GK_OK) {
    if (!e.option[0] && !e.file[0]) snprintf(e.file, sizeof e.file, "%s", M[0].path);
    rc = cli_error(&e);
    goto out;
  }

  j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "ta");
  gk_json_num(j, "probe_nm", r.probe_nm);
  if (r.window) {
    cJSON *w = cJSON_AddArrayToObject(j, "window_nm");
    cJSON_AddItemToArray(w, cJSON_CreateNumber(r.win_lo));
    cJSON_AddItemToArray(w, cJSON_CreateNumber(r.win_hi));
  }
  gk_json_num(j, "delay_s", dl[r.delay_index]);
  gk_json_array(j, "n_mean", nm, np);
  gk_json_array(j, "normalized", r.normalized, np);
  gk_json_array(j, "pumped", r.pumped, np);
  gk_json_num(j, "alpha0_probe", r.alpha0_probe);
  cJSON_AddStringToObject(j, "probe_choice", r.window ? "window" : r.probe_auto ? "band-edge bleach maximum" : "given");
  cJSON_AddStringToObject(j, "alpha0_reference", o.alpha0_ref == GK_TA_ALPHA0_OWN ? "own" : "neutral");
  cli_json_value(j, "threshold", r.threshold, r.threshold_se, r.threshold_found,
                 r.threshold_found ? NULL : "-Delta alpha/alpha0 does not cross 1");
  if (!r.window) {
    cJSON *sa = cJSON_AddArrayToObject(j, "probe_sensitivity");
    for (int k = 0; k < 2; k++) {
      if (isnan(r.sens_nm[k])) continue;
      cJSON *o1 = cJSON_CreateObject();
      gk_json_num(o1, "probe_nm", r.sens_nm[k]);
      gk_json_num(o1, "threshold", r.sens_threshold[k]);
      cJSON_AddItemToArray(sa, o1);
    }
  }
  gk_json_num(j, "gain_bandwidth_nm", r.gain_bandwidth_nm);
  gk_json_array(j, "bandwidth_nm", r.bandwidth, np);
  int status = CLI_OK;
  cli_printf(&b, "ta: %zu wavelengths (%g-%g nm), %zu pump levels, %zu delay%s\n", nw, M[0].row[0],
             M[0].row[nw - 1], np, nd, nd > 1 ? "s" : "");
  if (r.window) cli_printf(&b, "  probe window %g-%g nm", r.win_lo, r.win_hi);
  else cli_printf(&b, "  probe %.4g nm%s", r.probe_nm, r.probe_auto ? " (automatic: band-edge bleach maximum)" : "");
  if (!isnan(dl[r.delay_index])) cli_printf(&b, " at %g ps", dl[r.delay_index] * 1e12);
  cli_printf(&b, ", alpha0 = %.4g OD\n  %10s  %14s  %14s  %14s\n", r.alpha0_probe, "<N>",
             "a0+da (OD)", "-da/a0", "bandwidth (nm)");
  for (size_t k = 0; k < np; k++) {
    cli_cell(&b, 10, nm[k]);
    cli_cell(&b, 14, r.pumped[k]);
    cli_cell(&b, 14, r.normalized[k]);
    cli_cell(&b, 14, r.bandwidth[k]);
    cli_printf(&b, "\n");
  }
  if (r.threshold_found) {
    cli_print_value(&b, "N_th", r.threshold, r.threshold_se, "excitons per NC (-da/a0 = 1, interpolated)");
    if (!cli_determined(r.threshold, r.threshold_se)) status = CLI_FAILED;
  } else {
    cli_printf(&b, "  N_th: -da/a0 does not cross 1 in the data\n");
    cli_warn("no gain threshold: -Delta alpha/alpha0 does not cross 1");
  }
  if (!r.window && (isfinite(r.sens_nm[0]) || isfinite(r.sens_nm[1]))) {
    cli_printf(&b, "  %-12s N_th with the probe moved:", "sensitivity");
    for (int k = 0; k < 2; k++) {
      if (isnan(r.sens_nm[k])) continue;
      char v[64];
      if (isfinite(r.sens_threshold[k])) cli_fmt_num(v, sizeof v, r.sens_threshold[k], CLI_SIG);
      else snprintf(v, sizeof v, "no crossing");
      cli_printf(&b, "%s %s at %.4g nm", k && isfinite(r.sens_nm[0]) ? ";" : "", v, r.sens_nm[k]);
    }
    cli_printf(&b, "\n");
  }
  cli_print_value(&b, "bandwidth", r.gain_bandwidth_nm, NAN, "nm (at the highest <N>)");
  if (r.fit_done) {
    cJSON *f = cJSON_AddObjectToObject(j, "gain_fit");
    gk_json_value_se(f, "threshold", r.fit_threshold, r.fit_threshold_se);
    ta_bound(gk_json_value_se(f, "degeneracy", r.g, r.g_se), "g", r.g, GK_TA_DEGENERACY_MIN, GK_TA_DEGENERACY_MAX,
             o.fit_degeneracy);
    ta_bound(gk_json_value_se(f, "charging", r.ne, r.ne_se), "n_e", r.ne, 0, GK_TA_CHARGING_MAX, o.fit_ne);
    gk_json_num(f, "chi2_red", r.fit_chi2_red);
    cJSON_AddBoolToObject(f, "converged", r.fit_converged);
    cJSON_AddBoolToObject(j, "converged", r.fit_converged);
    cJSON_AddStringToObject(f, "alpha0_reference", o.alpha0_ref == GK_TA_ALPHA0_OWN ? "own" : "neutral");
    cli_printf(&b, "Poisson gain-curve fit, %s (%s):\n",
               o.alpha0_ref == GK_TA_ALPHA0_OWN ? "1 - a(<N>)/a(0), alpha0 = the sample's own pump-off absorption"
                                                : "1 - a(<N>), alpha0 = the neutral film's absorption",
               r.fit_reason);
    cli_print_value(&b, "N_th", r.fit_threshold, r.fit_threshold_se, "excitons per NC");
    if (o.fit_degeneracy)
      cli_print_bounded(&b, "g", r.g, r.g_se, "(degeneracy)", GK_TA_DEGENERACY_MIN, GK_TA_DEGENERACY_MAX);
    else
      cli_print_value(&b, "g", r.g, NAN, "(degeneracy, fixed)");
    if (o.fit_ne && cli_bound_side(r.ne, 0, GK_TA_CHARGING_MAX))
      cli_print_bounded(&b, "n_e", r.ne, r.ne_se, "(extra electrons per NC)", 0, GK_TA_CHARGING_MAX);
    else
      cli_print_location(&b, "n_e", r.ne, r.ne_se, o.fit_ne ? "(extra electrons per NC)" : "(fixed)");
    if (!r.fit_converged) status = CLI_FAILED;
  }
  if (nd > 1) {
    gk_json_array(j, "delays_s", dl, nd);
    cJSON *tt = cJSON_AddArrayToObject(j, "threshold_by_delay");
    for (size_t d = 0; d < nd; d++) {
      cJSON *o1 = cJSON_CreateObject();
      cJSON_AddItemToArray(tt, o1);
      gk_json_num(o1, "delay_s", dl[d]);
      gk_json_num(o1, "value", r.threshold_t[d]);
      gk_json_num(o1, "stderr", r.threshold_t_se[d]);
    }
    gk_json_array(j, "gain_lifetime_s", r.gain_lifetime, np);
    cli_printf(&b, "gain lifetime at the probe (delay at which a0+da returns to >= 0):\n");
    for (size_t k = 0; k < np; k++) {
      if (isnan(r.gain_lifetime[k])) continue;
      cli_printf(&b, "  <N> = %-8.4g %s%.4g ps\n", nm[k], r.lifetime_censored[k] ? ">= " : "",
                 r.gain_lifetime[k] * 1e12);
    }
  }
  static const char *const hdr[] = {"<N>", "alpha0+dalpha (OD)", "-dalpha/alpha0", "bandwidth (nm)"};
  gk_csv_init(&csv, 4, hdr);
  for (size_t k = 0; k < np; k++) {
    double row[4] = {nm[k], r.pumped[k], r.normalized[k], r.bandwidth[k]};
    gk_csv_add_row(&csv, row);
  }
  gk_csv_add_comment(&csv, "probe_nm: %g", r.probe_nm);
  gk_csv_add_comment(&csv, "threshold: %.8g +- %.4g", r.threshold, r.threshold_se);
  if (c.plot) {
    rc = CLI_OK;
    plot(c.plot, &s, &r, tps, &rc);
    if (rc) goto out;
  }
  rc = cli_emit(&c, j, b.s, &csv, status);
out:
  gk_ta_result_free(&r);
  for (size_t d = 0; d < nread; d++) gk_matrix_free(&m[d]);
  gk_long_free(&lg);
  if (have_g) gk_columns_free(&g);
  cJSON_Delete(j);
  cli_buf_free(&b);
  gk_csv_free(&csv);
  free(a0);
  free(nm);
  free(dod);
  free(dl);
  free(tps);
  return rc;
}

const struct cli_command cli_cmd_ta = {
  .name = "ta",
  .summary = "gain threshold, gain spectra and gain lifetime from transient absorption",
  .order = 400,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "--ground A0.csv (--delta DA.csv [--delta DA2.csv ...] | --long LONG.csv)\n"
           "                  [--probe NM | --window NM1:NM2] [--delay T] [--delays LIST]\n"
           "                  [--cross-section S [--pump-wavelength NM | --photon-fluence LIST] | --n-mean LIST]\n"
           "                  [--gain-fit [--degeneracy G] [--free-degeneracy] [--charging NE] [--fixed-charging]]",
  .about =
    "A0.csv: wavelength, ground-state absorbance (OD). DA.csv: Delta OD matrix, first row\n"
    "<N> (or pump fluence), first column wavelength; one file per delay (delay from\n"
    "'# delay: 4 ps' or --delays). Reports alpha0 + Delta alpha and -Delta alpha/alpha0 at\n"
    "the probe versus <N>, the gain threshold where -Delta alpha/alpha0 crosses 1\n"
    "(interpolated, with an uncertainty from the neighbouring points), gain spectra\n"
    "-(alpha0 + Delta alpha) > 0 and bandwidth, and with several delays the gain\n"
    "lifetime at the probe. LONG.csv: the whole set as one table with a header naming\n"
    "the columns wavelength, delay (with a time unit, e.g. 'delay (ps)'), pump (<N>,\n"
    "n_mean or a fluence with its unit) and dod (OD or mOD), one row per triple, any\n"
    "order; every wavelength x delay x pump must be present exactly once. See docs/ta.md.",
  .epilog =
    "JSON: {\"command\":\"ta\",\"probe_nm\",\"n_mean\":[],\"normalized\":[],\n"
    "\"threshold\":{\"value\",\"stderr\"},\"gain_bandwidth_nm\", ...}.\n\n"
    "Examples:\n"
    "  gainkit ta --ground examples/ta/ground.csv --delta examples/ta/delta_04ps.csv \\\n"
    "      --probe 537nm --gain-fit --plot ta.png\n"
    "  gainkit ta --ground examples/ta/ground.csv --long examples/ta-long.csv --probe 537nm",
  .run = run,
};
