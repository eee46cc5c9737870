/* gainkit tamap — transient-absorption maps dA(lambda, t): SVD, chirp,
 * global and target analysis (DAS/SAS), absorption cross-section from a
 * fluence series. The physics is in src/tamap (gainkit/tamap.h). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/constants.h"
#include "gainkit/ta.h"
#include "gainkit/tamap.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* ---- map options shared by the subcommands ------------------------------ */

typedef struct mapopt {
  const char *delay_unit, *signal_unit, *layout;
  double background;      /* s; NaN = none */
  double chirp_order;     /* -1 = none */
  double exclude;         /* s; 0 = none */
} mapopt;

/* Option state: file scope (--help reads the tables before any run); every
 * subcommand starts with CLI_RESET of what it uses. */
static mapopt MO = {NULL, NULL, NULL, NAN, -1, 0};

#define MAP_QOPTS_READ                                                                                 \
  CLI_OPT_GROUP("Map options"),                                                                        \
  CLI_OPT_STRING("layout", "auto|rows|columns", &MO.layout, "auto",                                    \
                 "delays in the first row (rows: one row per wavelength) or in the first column; "     \
                 "auto: the axis with t <= 0"),                                                        \
  CLI_OPT_STRING("delay-unit", "U", &MO.delay_unit, NULL,                                              \
                 "unit of the delays when the corner cell does not name it (\"wavelength (nm) \\ "     \
                 "delay (ps)\"); no default: a bare delay in the file is never assumed to be ps"),     \
  CLI_OPT_STRING("signal-unit", "OD|mOD", &MO.signal_unit, "OD", "unit of dA"),                        \
  CLI_OPT_QTY("background", "T", "s", QO_ANY, &MO.background, NULL,                                    \
              "subtract per wavelength the mean of the delays before T (pre-time-zero background), "   \
              "e.g. -0.5ps")
#define MAP_QOPTS                                                                                      \
  MAP_QOPTS_READ,                                                                                      \
  CLI_OPT_NUM("chirp", "ORDER", QO_NONNEG, &MO.chirp_order, "none",                                    \
              "fit t0(lambda), a polynomial of ORDER (0..4) in (lambda - lambda_mid)/100 nm, to the "  \
              "half-rise of every trace and shift the traces onto it (linear interpolation)"),         \
  CLI_OPT_QTY("exclude", "W", "s", QO_NONNEG, &MO.exclude, "0",                                        \
              "leave out |t - t0(lambda)| <= W (coherent artefact); t0(lambda) from --chirp, else a "  \
              "quadratic fitted to the half-rise onsets")

static int map_load(const char *path, const mapopt *mo, gk_tamap *m, gk_tamap_chirp *ch, int *has_chirp,
                    unsigned char **base_use)
{
  if (base_use) *base_use = NULL;
  gk_error e;
  gk_error_clear(&e);
  gk_tamap_read_options ro = {0};
  ro.delay_unit = mo->delay_unit;
  ro.signal_unit = mo->signal_unit;
  if (!mo->layout || strcmp(mo->layout, "auto") == 0) ro.layout = GK_TAMAP_AUTO;
  else if (strcmp(mo->layout, "rows") == 0) ro.layout = GK_TAMAP_DELAY_ROW;
  else if (strcmp(mo->layout, "columns") == 0) ro.layout = GK_TAMAP_DELAY_COLUMN;
  else return CLI_QFAIL("layout", "'%s' is not auto, rows or columns", mo->layout);
  if (mo->signal_unit && strcasecmp(mo->signal_unit, "OD") != 0 && strcasecmp(mo->signal_unit, "mOD") != 0)
    return CLI_QFAIL("signal-unit", "'%s' is not OD or mOD", mo->signal_unit);
  if (mo->delay_unit) {
    double f;
    if (gk_unit_factor(mo->delay_unit, "s", &f, &e) != GK_OK)
      return CLI_QFAIL("delay-unit", "'%s' is not a unit of time", mo->delay_unit);
  }
  if (gk_tamap_read(path, &ro, m, &e) != GK_OK) return cli_error(&e);
  *has_chirp = 0;
  if (isfinite(mo->background)) {
    size_t nb;
    if (gk_tamap_background(m, mo->background, &nb, &e) != GK_OK) {
      gk_tamap_free(m);
      return CLI_QFAIL("background", "%s: no delay before %g ps", path, mo->background * 1e12);
    }
  }
  if (mo->chirp_order >= 0) {
    if (mo->chirp_order > GK_TAMAP_MAX_ORDER || mo->chirp_order != floor(mo->chirp_order)) {
      gk_tamap_free(m);
      return CLI_QFAIL("chirp", "the order must be an integer 0..%d", GK_TAMAP_MAX_ORDER);
    }
    if (gk_tamap_chirp_fit(m, (int)mo->chirp_order, ch, &e) != GK_OK) {
      gk_tamap_free(m);
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
      return cli_error(&e);
    }
    *has_chirp = 1;
  }
  if (base_use) {
    /* the mask before the artefact window, for a second pass placed on the
     * fitted time zero; with --chirp the traces are shifted after this */
    size_t nn = m->nw * m->nt;
    *base_use = malloc(nn);
    if (*base_use) {
      if (m->use) memcpy(*base_use, m->use, nn);
      else memset(*base_use, 1, nn);
    }
  }
  if (mo->exclude > 0) {
    /* the window follows time zero: the chirp curve, else a quadratic
     * fitted to the half-rise onsets for this purpose only */
    gk_tamap_chirp cw;
    int own = !*has_chirp && gk_tamap_chirp_fit(m, 2, &cw, NULL) == GK_OK;
    gk_tamap_exclude(m, *has_chirp ? ch : own ? &cw : NULL, mo->exclude);
  }
  if (*has_chirp && gk_tamap_chirp_apply(m, ch, &e) != GK_OK) {
    gk_tamap_free(m);
    return cli_error(&e);
  }
  return 0;
}

static void json_chirp(cJSON *j, const gk_tamap_chirp *ch)
{
  cJSON *c = cJSON_AddObjectToObject(j, "chirp");
  gk_json_num(c, "order", ch->order);
  gk_json_num(c, "wl_ref", ch->wl_ref);
  gk_json_array(c, "coef", ch->c, (size_t)ch->order + 1);
  gk_json_array(c, "coef_se", ch->se, (size_t)ch->order + 1);
  gk_json_num(c, "rms", ch->rms);
  gk_json_num(c, "wavelengths_used", (double)ch->npoints);
  gk_json_num(c, "wavelengths_rejected", (double)ch->nrejected);
}

static void text_chirp(cli_buf *b, const gk_tamap_chirp *ch)
{
  cli_printf(b, "Chirp t0(lambda) = sum c_k x^k, x = (lambda - %.1f nm)/100 nm (%zu wavelengths, %zu rejected)\n",
             ch->wl_ref, ch->npoints, ch->nrejected);
  for (int k = 0; k <= ch->order; k++) {
    char nm[16];
    snprintf(nm, sizeof nm, "c%d", k);
    cli_print_value(b, nm, ch->c[k] * 1e12, ch->se[k] * 1e12, "ps");
  }
  cli_print_value(b, "rms", ch->rms * 1e12, NAN, "ps (onsets about the curve)");
}

/* sign(z) log10(1 + |z|/z0): a colour scale that shows both the strong
 * early bleach and the weak late signal. */
static double *symlog(const gk_tamap *m, const double *z, double *z0)
{
  double big = 0;
  size_t n = m->nw * m->nt;
  for (size_t i = 0; i < n; i++)
    if (isfinite(z[i])) big = fmax(big, fabs(z[i]));
  *z0 = big > 0 ? big / 300 : 1;
  double *o = malloc(n * sizeof *o);
  if (!o) return NULL;
  for (size_t i = 0; i < n; i++)
    o[i] = isfinite(z[i]) ? copysign(log10(1 + fabs(z[i]) / *z0), z[i]) : NAN;
  return o;
}

/* image panel of a map: x = delay (ps; rows with t <= 0 need a linear axis), y = wavelength */
static void map_panel(gk_panel *p, const gk_tamap *m, const double *z, const char *title)
{
  double z0;
  double *s = symlog(m, z, &z0);
  double *tp = malloc(m->nt * sizeof *tp), *zt = malloc(m->nw * m->nt * sizeof *zt);
  if (!s || !tp || !zt) { free(s); free(tp); free(zt); return; }
  for (size_t j = 0; j < m->nt; j++) tp[j] = m->t[j] * 1e12;
  for (size_t i = 0; i < m->nw * m->nt; i++) zt[i] = s[i];
  char zl[96];
  snprintf(zl, sizeof zl, "dA, symlog (%.2g mOD)", z0 * 1e3);
  /* a delay axis spanning decades reads best on the sample index; keep
   * physical delays but limit to the measured range */
  gk_panel_image(p, tp, m->nt, m->wl, m->nw, zt, zl);
  gk_panel_labels(p, "delay t (ps)", "wavelength (nm)", title);
  free(s);
  free(tp);
  free(zt);
}

/* The start of a subcommand on one map FILE: parse, exactly one argument,
 * the map read with the map options (MO). */
static int one_map(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, const char **path, gk_tamap *m,
                   gk_tamap_chirp *ch, int *hc)
{
  int first;
  if (cli_qopt_parse(c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  if (first >= argc) return cli_usage(c->cmd, "give a map FILE");
  if (first + 1 < argc) return cli_usage(c->cmd, "unexpected argument '%s'", argv[first + 1]);
  *path = argv[first];
  return map_load(*path, &MO, m, ch, hc, NULL);
}

/* ---- svd ------------------------------------------------------------- */

static long nvec = 4;
static cli_qopt q_svd[] = {
  CLI_OPT_INT("vectors", "K", &nvec, 1, 20, "4", "singular vectors reported (1 to 20)"),
  MAP_QOPTS,
};

static int cmd_svd(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap svd"};
  CLI_RESET(MO), CLI_RESET(nvec);
  const char *path;
  gk_tamap m;
  gk_tamap_chirp ch;
  int hc, rc = one_map(&c, argc, argv, q_svd, NQ(q_svd), &path, &m, &ch, &hc);
  if (rc) return rc;
  gk_error e = {0};
  gk_tamap_svd s;
  if (gk_tamap_svd_run(&m, (size_t)nvec, &s, &e) != GK_OK) {
    gk_tamap_free(&m);
    return cli_error(&e);
  }
  size_t ns = s.nw < s.nt ? s.nw : s.nt;
  cli_result r;
  cli_result_init(&r, "tamap svd");
  cJSON_AddStringToObject(r.j, "file", path);
  gk_json_num(r.j, "wavelengths", (double)m.nw);
  gk_json_num(r.j, "delays_used", (double)s.nt);
  gk_json_array(r.j, "singular_values", s.s, ns);
  gk_json_num(r.j, "rank", (double)s.rank);
  gk_json_num(r.j, "threshold", s.noise);
  if (hc) json_chirp(r.j, &ch);
  cJSON *u = cJSON_AddArrayToObject(r.j, "spectral_vectors"), *v = cJSON_AddArrayToObject(r.j, "kinetic_vectors");
  double *col = malloc((m.nw > s.nt ? m.nw : s.nt) * sizeof *col);
  for (size_t k = 0; k < s.k && col; k++) {
    for (size_t i = 0; i < m.nw; i++) col[i] = s.u[i * s.k + k];
    cJSON_AddItemToArray(u, cJSON_CreateDoubleArray(col, (int)m.nw));
    for (size_t j = 0; j < s.nt; j++) col[j] = s.v[j * s.k + k];
    cJSON_AddItemToArray(v, cJSON_CreateDoubleArray(col, (int)s.nt));
  }
  gk_json_array(r.j, "wavelength", m.wl, m.nw);
  gk_json_array(r.j, "delay", s.t, s.nt);
  cli_printf(&r.b, "SVD of %s: %zu wavelengths x %zu delays (OD)\n", cli_basename(path), m.nw, s.nt);
  if (hc) text_chirp(&r.b, &ch);
  cli_printf(&r.b, "  rank         %zu (singular values above %s, the Gavish-Donoho threshold)\n", s.rank,
             cli_fmt_num((char[32]){0}, 32, s.noise, CLI_SIG));
  cli_printf(&r.b, "  #   singular value\n");
  for (size_t k = 0; k < ns && k < 10; k++) {
    cli_printf(&r.b, "  %zu", k + 1);
    cli_cell(&r.b, 16, s.s[k]);
    cli_printf(&r.b, "%s\n", k < s.rank ? "  *" : "");
  }
  /* CSV: spectral vectors */
  const char *hdr[21];
  char hb[21][32];
  hdr[0] = "wavelength (nm)";
  for (size_t k = 0; k < s.k; k++) { snprintf(hb[k], sizeof hb[k], "u%zu", k + 1); hdr[k + 1] = hb[k]; }
  gk_csv_init(&r.csv, s.k + 1, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < m.nw; i++) {
    double row[21];
    row[0] = m.wl[i];
    for (size_t k = 0; k < s.k; k++) row[k + 1] = s.u[i * s.k + k];
    gk_csv_add_row(&r.csv, row);
  }
  rc = 0;
  if (c.plot && col) {
    gk_figure *f = gk_figure_new(3, 1, 1500, 500, cli_basename(path));
    gk_panel *p0 = gk_figure_panel(f, 0), *p1 = gk_figure_panel(f, 1), *p2 = gk_figure_panel(f, 2);
    double idx[64], sv[64];
    size_t nsh = ns < 30 ? ns : 30;
    for (size_t k = 0; k < nsh; k++) { idx[k] = (double)(k + 1); sv[k] = s.s[k]; }
    gk_panel_labels(p0, "index", "singular value", "(a) singular values");
    gk_panel_log(p0, 0, 1);
    gk_panel_add(p0, idx, sv, NULL, nsh, GK_STYLE_LINEPOINTS, -1, NULL);
    gk_panel_hline(p0, s.noise, GK_GREY, "threshold");
    gk_panel_labels(p1, "wavelength (nm)", "u_{k}", "(b) spectral vectors");
    gk_panel_labels(p2, "delay t (ps)", "v_{k}", "(c) kinetic vectors");
    double *tp = malloc(s.nt * sizeof *tp);
    for (size_t k = 0; k < s.k && k < 4 && tp; k++) {
      char lb[16];
      snprintf(lb, sizeof lb, "%zu", k + 1);
      for (size_t i = 0; i < m.nw; i++) col[i] = s.u[i * s.k + k];
      gk_panel_add(p1, m.wl, col, NULL, m.nw, GK_STYLE_LINE, (int)k, lb);
      for (size_t j = 0; j < s.nt; j++) { col[j] = s.v[j * s.k + k]; tp[j] = s.t[j] * 1e12; }
      gk_panel_add(p2, tp, col, NULL, s.nt, GK_STYLE_LINE, (int)k, lb);
    }
    free(tp);
    rc = cli_save_figure(&c, f);
  }
  free(col);
  gk_tamap_svd_free(&s);
  gk_tamap_free(&m);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, CLI_OK);
}

/* ---- chirp ------------------------------------------------------------ */

static long order = 2;
static cli_qopt q_chirp[] = {
  CLI_OPT_INT("order", "N", &order, 0, GK_TAMAP_MAX_ORDER, "2", "polynomial order"),
  MAP_QOPTS_READ,
};

static int cmd_chirp(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap chirp"};
  CLI_RESET(MO), CLI_RESET(order);
  const char *path;
  gk_tamap m;
  gk_tamap_chirp ch;
  int hc, rc = one_map(&c, argc, argv, q_chirp, NQ(q_chirp), &path, &m, &ch, &hc);
  if (rc) return rc;
  gk_error e = {0};
  if (gk_tamap_chirp_fit(&m, (int)order, &ch, &e) != GK_OK) {
    gk_tamap_free(&m);
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
    return cli_error(&e);
  }
  double *on = malloc(m.nw * sizeof *on);
  if (!on) { gk_tamap_free(&m); return CLI_FAILED; }
  gk_tamap_onsets(&m, 5.0, on, &e);
  cli_result r;
  cli_result_init(&r, "tamap chirp");
  cJSON_AddStringToObject(r.j, "file", path);
  json_chirp(r.j, &ch);
  text_chirp(&r.b, &ch);
  static const char *hdr[] = {"wavelength (nm)", "onset (ps)", "t0 fit (ps)"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < m.nw; i++)
    gk_csv_add_row(&r.csv, (double[]){m.wl[i], on[i] * 1e12, gk_tamap_chirp_eval(&ch, m.wl[i]) * 1e12});
  if (c.plot) {
    gk_figure *f = gk_figure_new(1, 1, 900, 650, cli_basename(path));
    gk_panel *p = gk_figure_panel(f, 0);
    /* the map near time zero, wavelength on x */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < m.nw; i++) {
      double t0 = gk_tamap_chirp_eval(&ch, m.wl[i]);
      lo = fmin(lo, t0);
      hi = fmax(hi, t0);
    }
    size_t j0 = 0, j1 = m.nt;
    while (j0 < m.nt && m.t[j0] < lo - 1e-12) j0++;
    while (j1 > j0 + 2 && m.t[j1 - 1] > hi + 2e-12) j1--;
    size_t nt = j1 - j0;
    double *tp = malloc(nt * sizeof *tp), *z = malloc(nt * m.nw * sizeof *z), *cx = malloc(m.nw * sizeof *cx),
           *cy = malloc(m.nw * sizeof *cy), *oy = malloc(m.nw * sizeof *oy);
    if (tp && z && cx && cy && oy) {
      for (size_t j = 0; j < nt; j++) tp[j] = m.t[j0 + j] * 1e12;
      for (size_t j = 0; j < nt; j++)
        for (size_t i = 0; i < m.nw; i++) z[j * m.nw + i] = m.z[i * m.nt + j0 + j] * 1e3;
      gk_panel_image(p, m.wl, m.nw, tp, nt, z, "dA (mOD)");
      for (size_t i = 0; i < m.nw; i++) {
        cx[i] = m.wl[i];
        cy[i] = gk_tamap_chirp_eval(&ch, m.wl[i]) * 1e12;
        oy[i] = on[i] * 1e12;
      }
      gk_panel_add(p, cx, oy, NULL, m.nw, GK_STYLE_POINTS, GK_ORANGE, "half-rise onsets");
      gk_panel_add(p, cx, cy, NULL, m.nw, GK_STYLE_LINE, GK_BLACK, "t_{0}(λ) fit");
      gk_panel_labels(p, "wavelength (nm)", "delay t (ps)", "chirp: time zero versus wavelength");
    }
    free(tp); free(z); free(cx); free(cy); free(oy);
    rc = cli_save_figure(&c, f);
  }
  free(on);
  gk_tamap_free(&m);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, CLI_OK);
}

/* ---- fit -------------------------------------------------------------- */

/* A fitted value, or "not determined" when it is free and its standard
 * error is not finite (singular covariance) or, for a positive quantity
 * (positive != 0), not smaller than the value. */
static int not_determined(double v, double se, int positive)
{
  return !isfinite(se) || !(se > 0) || (positive && !(se < fabs(v)));
}

static void pval(cli_buf *b, const char *name, double v, double se, int fixed, int positive, const char *unit,
                 int *undetermined)
{
  if (fixed) {
    char u[64];
    snprintf(u, sizeof u, "%s (fixed)", unit);
    cli_print_value(b, name, v, NAN, u);
    return;
  }
  if (not_determined(v, se, positive)) {
    cli_printf(b, "  %-12s not determined by the data\n", name);
    (*undetermined)++;
    return;
  }
  cli_print_value(b, name, v, se, unit);
}

static struct {
  const char *scheme, *init, *tau, *t0, *irf, *tunit;
  double das, seq, fwhm, disp;
} FIT = {.fwhm = 100e-15};
static cli_qopt q_fit[] = {
  CLI_OPT_GROUP("Model (exactly one)"),
  CLI_OPT_NUM("das", "N", QO_POS, &FIT.das, NULL, "N parallel decays (decay-associated spectra)"),
  CLI_OPT_NUM("sequential", "N", QO_POS, &FIT.seq, NULL, "A -> B -> ... (evolution-associated spectra)"),
  CLI_OPT_STRQ("tau", "T1,T2,...", "s", &FIT.tau, "1, 10, 100 ps ...", "starting lifetimes for --das/--sequential"),
  CLI_OPT_STRING("scheme", "TEXT|FILE.yaml", &FIT.scheme, NULL,
                 "target model \"XX->X:40ps, X->0:3ns, H->X:0.4ps\": FROM->TO:RATE, RATE a rate (0.025/ps, "
                 "2.5e10) or a lifetime (40ps); '!' after it fixes it; 0 or GS is the ground state; branching = "
                 "two transitions. Or the same as a YAML file (docs/tamap.md): transitions: - {from: XX, to: X, "
                 "lifetime: 40ps[, fixed: true]} (or rate: 2.5e10), initial: {XX: 1, X: 0.3} or a list of such "
                 "mappings, one per map"),
  CLI_OPT_STRING("init", "A=1,XX=0.3", &FIT.init, "1 in the first species",
                 "initial populations of the scheme; one set per map separated by '/' (\"H=1,XX=0.1/H=1,XX=0.6\")"),
  CLI_OPT_GROUP("Instrument response and time zero"),
  CLI_OPT_QTY("irf-fwhm", "T", "s", QO_NONNEG, &FIT.fwhm, "100 fs", "Gaussian IRF FWHM, start value (0: no IRF)"),
  CLI_OPT_FLAG("fix-irf", NULL, "hold the FWHM"),
  CLI_OPT_FLAG("irf-per-set", NULL, "one FWHM per map"),
  CLI_OPT_STRING("irf", "FILE", &FIT.irf, NULL,
                 "measured IRF instead (time, response; its centroid is t0), convolved with every decay"),
  CLI_OPT_STRING("time-unit", "U", &FIT.tunit, NULL, "time unit of the --irf file when its header has none"),
  CLI_OPT_STRQ("t0", "T[,T2...]", "s", &FIT.t0, "0", "time zero start, one or one per map"),
  CLI_OPT_FLAG("fix-t0", NULL, "hold time zero"),
  CLI_OPT_NUM("dispersion", "N", QO_NONNEG, &FIT.disp, "0",
              "fit a wavelength-dependent IRF shift, polynomial of order N (1..3)"),
  CLI_OPT_GROUP("Fit"),
  CLI_OPT_FLAG("nnls", NULL, "non-negative spectra (Lawson-Hanson) per map and wavelength"),
  CLI_OPT_FLAG("profile", NULL,
               "profile-likelihood 68 % intervals of the rates (each held in turn, the rest refitted, until chi2 "
               "rises by chi2/dof); a rate whose interval reaches 0 is reported as a limit (lifetime >= ...)"),
  MAP_QOPTS,
};

static int cmd_fit(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap fit"};
  CLI_RESET(MO), CLI_RESET(FIT);
  cli_qopt *q = q_fit;
  const size_t nq = NQ(q_fit);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  const mapopt mo = MO;
  const char *scheme = FIT.scheme, *init = FIT.init, *tau_s = FIT.tau, *t0_s = FIT.t0, *irf_s = FIT.irf,
             *tunit = FIT.tunit;
  const double das = FIT.das, seq = FIT.seq, fwhm = FIT.fwhm, disp = FIT.disp;
  size_t nsets = (size_t)(argc - first);
  if (nsets < 1) return cli_usage(c.cmd, "give one or more map FILEs");
  if (nsets > GK_TAMAP_MAX_SETS) return cli_usage(c.cmd, "at most %d maps in one fit", GK_TAMAP_MAX_SETS);
  int nmodel = (scheme != NULL) + (das > 0) + (seq > 0);
  if (nmodel != 1) return cli_usage(c.cmd, "give exactly one of --scheme, --das N, --sequential N");
  if (init && !scheme) return CLI_QFAIL("init", "goes with --scheme");
  if (disp != floor(disp) || disp > 3) return CLI_QFAIL("dispersion", "must be an integer 0..3");
  gk_error e;
  gk_error_clear(&e);
  gk_tamap_scheme s;
  double c0_sets[GK_TAMAP_MAX_SETS * GK_TAMAP_MAX_COMP] = {0}, c0_pack[GK_TAMAP_MAX_SETS * GK_TAMAP_MAX_COMP];
  int per_set_init = 0;
  size_t sl = scheme ? strlen(scheme) : 0;
  int scheme_yaml = sl > 5 && (strcmp(scheme + sl - 5, ".yaml") == 0 || strcmp(scheme + sl - 4, ".yml") == 0);
  if (scheme_yaml) {
    /* a YAML file: transitions, initial populations (one set or one per map) */
    if (tau_s) return CLI_QFAIL("tau", "goes with --das or --sequential (rates are in --scheme)");
    if (init) return CLI_QFAIL("init", "the populations of a YAML scheme are its 'initial' key");
    size_t ns = 0;
    if (gk_tamap_scheme_read(scheme, &s, c0_sets, GK_TAMAP_MAX_SETS, &ns, &e) != GK_OK) return cli_error(&e);
    if (ns) {
      if (ns != nsets) {
        gk_error_set(&e, GK_EINPUT, scheme, 0, "%zu population sets in 'initial' for %zu maps", ns, nsets);
        return cli_error(&e);
      }
      per_set_init = 1;
    }
  } else if (scheme) {
    if (tau_s) return CLI_QFAIL("tau", "goes with --das or --sequential (rates are in --scheme)");
    /* --init A=1,XX=0.1/A=1,XX=0.6: one set of populations per map */
    char ib[1024];
    snprintf(ib, sizeof ib, "%s", init ? init : "");
    char *slash = strchr(ib, '/');
    if (slash) *slash = '\0';
    if (gk_tamap_scheme_parse(scheme, init ? ib : NULL, &s, &e) != GK_OK) return CLI_QFAIL("scheme", "%s", e.msg);
    if (slash) {
      size_t k = 0;
      char *save = NULL;
      snprintf(ib, sizeof ib, "%s", init);
      for (char *tok = strtok_r(ib, "/", &save); tok; tok = strtok_r(NULL, "/", &save), k++) {
        gk_tamap_scheme tmp;
        if (k >= nsets) return CLI_QFAIL("init", "more population sets than maps (%zu)", nsets);
        if (gk_tamap_scheme_parse(scheme, tok, &tmp, &e) != GK_OK) return CLI_QFAIL("init", "%s", e.msg);
        memcpy(c0_sets + k * GK_TAMAP_MAX_COMP, tmp.c0, sizeof tmp.c0);
      }
      if (k != nsets) return CLI_QFAIL("init", "%zu population sets for %zu maps", k, nsets);
      per_set_init = 1;
    }
  } else {
    double nc = das > 0 ? das : seq;
    if (nc != floor(nc) || nc > GK_TAMAP_MAX_COMP)
      return CLI_QFAIL(das > 0 ? "das" : "sequential", "must be an integer 1..%d", GK_TAMAP_MAX_COMP);
    double tau[GK_TAMAP_MAX_COMP];
    if (tau_s) {
      double *tv;
      size_t nt;
      if (cli_list("--tau", tau_s, "s", &tv, &nt) < 0) return CLI_USAGE;
      if (nt != (size_t)nc) { free(tv); return CLI_QFAIL("tau", "give %d lifetimes (got %zu)", (int)nc, nt); }
      for (size_t k = 0; k < nt; k++) {
        if (!(tv[k] > 0)) { free(tv); return CLI_QFAIL("tau", "lifetimes must be > 0"); }
        tau[k] = tv[k];
      }
      free(tv);
    } else {
      for (int k = 0; k < (int)nc; k++) tau[k] = 1e-12 * pow(10.0, k);   /* 1, 10, 100 ps ... */
    }
    if (das > 0) gk_tamap_scheme_parallel(&s, (int)nc, tau);
    else gk_tamap_scheme_sequential(&s, (int)nc, tau);
  }
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  gk_kin_prepared irfp;
  memset(&irfp, 0, sizeof irfp);
  if (irf_s) {
    if (cli_qopt_find(q, nq, "irf-fwhm")->seen) return CLI_QFAIL("irf", "give either --irf FILE (measured) or --irf-fwhm");
    if (cli_qopt_find(q, nq, "fix-irf")->seen || cli_qopt_find(q, nq, "irf-per-set")->seen)
      return CLI_QFAIL("irf", "a measured IRF has no width to fit (--fix-irf, --irf-per-set go with --irf-fwhm)");
    o.irf.kind = GK_KIN_IRF_MEASURED;   /* read below, after the option checks */
  } else if (tunit) {
    return CLI_QFAIL("time-unit", "goes with --irf (the unit of its time column when the header names none)");
  } else if (fwhm > 0) o.irf.fwhm = fwhm;
  else o.irf.kind = GK_KIN_IRF_NONE;
  o.fwhm_fixed = cli_qopt_find(q, nq, "fix-irf")->seen;
  o.irf_per_set = cli_qopt_find(q, nq, "irf-per-set")->seen;
  o.t0_fixed = cli_qopt_find(q, nq, "fix-t0")->seen;
  o.nnls = cli_qopt_find(q, nq, "nnls")->seen;
  o.disp_order = (int)disp;
  if (per_set_init) {
    for (size_t d = 0; d < nsets; d++)
      for (int a = 0; a < s.ncomp; a++) c0_pack[d * (size_t)s.ncomp + (size_t)a] = c0_sets[d * GK_TAMAP_MAX_COMP + (size_t)a];
    o.c0_sets = c0_pack;
  }
  if (t0_s) {
    double *tv;
    size_t nt;
    if (cli_list("--t0", t0_s, "s", &tv, &nt) < 0) return CLI_USAGE;
    if (nt != 1 && nt != nsets) { free(tv); return CLI_QFAIL("t0", "give one time zero or one per map (%zu)", nsets); }
    for (size_t d = 0; d < nsets; d++) o.t0[d] = tv[nt == 1 ? 0 : d];
    free(tv);
  }
  if (o.irf.kind == GK_KIN_IRF_NONE && !o.t0_fixed)
    return CLI_QFAIL("irf-fwhm", "0 (no IRF) needs --fix-t0: without an instrument response time zero is not determined");
  if (irf_s) {
    /* the library's IRF reader (gainkit kinetics and trpl use it too) */
    if (gk_kin_irf_read(irf_s, tunit, &irfp, &e) != GK_OK) {
      gk_kin_prepared_free(&irfp);
      if (strstr(e.msg, "no time unit")) strncat(e.msg, " (--time-unit)", sizeof e.msg - strlen(e.msg) - 1);
      return cli_error(&e);
    }
    o.irf.t = irfp.t;
    o.irf.y = irfp.y;
    o.irf.n = irfp.d.n;
  }
  gk_tamap maps[GK_TAMAP_MAX_SETS];
  gk_tamap_chirp ch[GK_TAMAP_MAX_SETS];
  int hc[GK_TAMAP_MAX_SETS];
  const gk_tamap *mp[GK_TAMAP_MAX_SETS];
  unsigned char *base[GK_TAMAP_MAX_SETS] = {0};
  size_t loaded = 0;
  int rc = 0;
  for (size_t d = 0; d < nsets; d++) {
    rc = map_load(argv[first + (int)d], &mo, &maps[d], &ch[d], &hc[d], &base[d]);
    if (rc) break;
    mp[d] = &maps[d];
    loaded++;
  }
  if (rc) {
    for (size_t d = 0; d < loaded; d++) { gk_tamap_free(&maps[d]); free(base[d]); }
    gk_kin_prepared_free(&irfp);
    return rc;
  }
  gk_tamap_global_result res;
  gk_progress pr = cli_progress("global fit");
  rc = gk_tamap_global_fit(mp, nsets, &s, &o, &res, &e);
  int refit = 0;
  /* Further passes: the artefact window was placed on time zero from the
   * half-rise onsets (biased where the spectrum evolves within the IRF);
   * place it on the fitted t0 (+ dispersion) and fit again from there,
   * until the window stops moving (at most 2 more passes). Maps shifted by
   * --chirp keep their window. */
  for (int pass = 0; rc == GK_OK && mo.exclude > 0 && pass < 2 && !cli_interrupted(); pass++) {
    size_t changed = 0;
    for (size_t d = 0; d < nsets; d++) {
      if (!base[d] || hc[d]) continue;
      gk_tamap_chirp cw = {0};
      cw.order = o.disp_order;
      cw.wl_ref = res.disp_ref;
      cw.c[0] = res.t0[d];
      for (int k = 1; k <= cw.order; k++) cw.c[k] = res.disp[k];
      size_t nn = maps[d].nw * maps[d].nt;
      unsigned char *old = malloc(nn);
      if (!old) continue;
      memcpy(old, maps[d].use, nn);
      memcpy(maps[d].use, base[d], nn);
      gk_tamap_exclude(&maps[d], &cw, mo.exclude);
      for (size_t i = 0; i < nn; i++) changed += old[i] != maps[d].use[i];
      free(old);
      o.t0[d] = res.t0[d];
    }
    if (!changed) break;
    for (int k = 0; k < s.ntrans; k++) s.tr[k].k = res.k[k];
    if (o.irf.kind == GK_KIN_IRF_GAUSS) o.irf.fwhm = res.fwhm[0];
    for (int k = 1; k <= o.disp_order; k++) o.disp[k] = res.disp[k];
    o.disp_ref = res.disp_ref;
    gk_tamap_global_result r2;
    gk_error e2;
    gk_error_clear(&e2);
    if (gk_tamap_global_fit(mp, nsets, &s, &o, &r2, &e2) != GK_OK) break;
    gk_tamap_global_result_free(&res);
    res = r2;
    refit++;
  }
  if (rc == GK_OK && res.converged && cli_qopt_find(q, nq, "profile")->seen && !cli_interrupted()) {
    /* profile intervals of the rates: one more fit from the optimum (after
     * the artefact-window passes), then each rate held in turn */
    for (int k = 0; k < s.ntrans; k++) s.tr[k].k = res.k[k];
    for (size_t d = 0; d < nsets; d++) o.t0[d] = res.t0[d];
    if (o.irf.kind == GK_KIN_IRF_GAUSS) o.irf.fwhm = res.fwhm[0];
    for (int k = 1; k <= o.disp_order; k++) o.disp[k] = res.disp[k];
    o.disp_ref = res.disp_ref;
    o.profile = 1;
    gk_tamap_global_result r2;
    gk_error e2;
    gk_error_clear(&e2);
    if (gk_tamap_global_fit(mp, nsets, &s, &o, &r2, &e2) == GK_OK) {
      gk_tamap_global_result_free(&res);
      res = r2;
    } else {
      rc = GK_EDOM;
      e = e2;
    }
  }
  cli_progress_done(&pr);
  for (size_t d = 0; d < nsets; d++) free(base[d]);
  gk_kin_prepared_free(&irfp);
  o.irf.t = o.irf.y = NULL;
  if (rc != GK_OK) {
    for (size_t d = 0; d < nsets; d++) gk_tamap_free(&maps[d]);
    if (e.code == GK_EDOM || e.code == GK_ENOCONV) {
      /* the model failed everywhere: a computation that did not succeed */
      return cli_error(&e);
    }
    return cli_error(&e);
  }
  int n = s.ncomp;
  cli_result r;
  cli_result_init(&r, "tamap fit");
  cJSON *files = cJSON_AddArrayToObject(r.j, "files");
  for (size_t d = 0; d < nsets; d++) cJSON_AddItemToArray(files, cJSON_CreateString(argv[first + (int)d]));
  cJSON_AddStringToObject(r.j, "model", scheme ? "target" : das > 0 ? "parallel" : "sequential");
  gk_json_num(r.j, "artefact_window_passes", refit);
  cJSON *tr = cJSON_AddArrayToObject(r.j, "transitions");
  cli_printf(&r.b, "%s analysis of %zu map%s (%zu points, variable projection%s)\n",
             scheme ? "Target" : das > 0 ? "Global (parallel, DAS)" : "Global (sequential, EADS)", nsets,
             nsets > 1 ? "s" : "", res.npoints, o.nnls ? ", non-negative amplitudes" : "");
  for (size_t d = 0; d < nsets; d++)
    if (hc[d]) text_chirp(&r.b, &ch[d]);
  if (refit)
    cli_printf(&r.b, "  (artefact window of +-%.3g ps placed on the fitted time zero: %d more pass%s)\n", mo.exclude * 1e12,
               refit, refit > 1 ? "es" : "");
  cli_printf(&r.b, "  transition          rate (1/ps)              lifetime 1/k (ps)\n");
  int undetermined = 0;
  for (int k = 0; k < s.ntrans; k++) {
    const gk_tamap_trans *t = &s.tr[k];
    char lab[80], v1[64], v2[64];
    /* a rate whose standard error is not finite or exceeds the rate itself
     * is not determined by the data: no number is printed for it */
    int det = t->fixed || (isfinite(res.k_se[k]) && res.k_se[k] > 0 && res.k_se[k] < res.k[k]);
    /* with --profile: determined when the profile interval closes on both
     * sides away from 0 (a one-sided interval gives a limit, not a value) */
    int prof = res.profiled && !t->fixed;
    if (prof) det = res.k_lo[k] > 0 && isfinite(res.k_hi[k]);
    snprintf(lab, sizeof lab, "%s -> %s", s.name[t->from], t->to >= 0 ? s.name[t->to] : "0");
    cJSON *it = cJSON_CreateObject();
    cJSON_AddStringToObject(it, "from", s.name[t->from]);
    cJSON_AddStringToObject(it, "to", t->to >= 0 ? s.name[t->to] : "0");
    if (det) {
      cli_fmt_value(v1, sizeof v1, res.k[k] * 1e-12, t->fixed ? NAN : res.k_se[k] * 1e-12, NULL);
      cli_fmt_value(v2, sizeof v2, 1e12 / res.k[k], t->fixed ? NAN : res.k_se[k] / (res.k[k] * res.k[k]) * 1e12, NULL);
      cli_printf(&r.b, "  %-18s  %-23s  %s%s\n", lab, v1, v2, t->fixed ? "  (fixed)" : "");
      gk_json_value_se(it, "k", res.k[k], t->fixed ? 0 : res.k_se[k]);
      if (prof) {
        double iv[2] = {res.k_lo[k], res.k_hi[k]};
        gk_json_array(it, "k_profile", iv, 2);
        cli_printf(&r.b, "  %-18s  68%% profile interval %s .. %s 1/ps (lifetime %s .. %s ps)\n", "",
                   cli_fmt_num((char[32]){0}, 32, res.k_lo[k] * 1e-12, 4), cli_fmt_num((char[32]){0}, 32, res.k_hi[k] * 1e-12, 4),
                   cli_fmt_num((char[32]){0}, 32, 1e12 / res.k_hi[k], 4), cli_fmt_num((char[32]){0}, 32, 1e12 / res.k_lo[k], 4));
      }
    } else if (prof && isfinite(res.k_hi[k])) {
      /* open below: an upper limit of the rate, a lower limit of the lifetime */
      undetermined++;
      cli_printf(&r.b, "  %-18s  not determined: rate <= %s 1/ps, lifetime >= %s ps (68%% profile limit%s)\n", lab,
                 cli_fmt_num((char[32]){0}, 32, res.k_hi[k] * 1e-12, 3), cli_fmt_num((char[32]){0}, 32, 1e12 / res.k_hi[k], 3),
                 res.k[k] == 0 ? "; at bound (k >= 0): best fit at 0, no decay within the delays" : "");
      cJSON_AddNullToObject(it, "k");
      double iv[2] = {0, res.k_hi[k]};
      gk_json_array(it, "k_profile", iv, 2);
      cJSON_AddStringToObject(it, "k_note", "not determined: the profile interval reaches 0 (an upper limit only)");
    } else if (prof && res.k_lo[k] > 0) {
      undetermined++;
      cli_printf(&r.b, "  %-18s  not determined: rate >= %s 1/ps, lifetime <= %s ps (68%% profile limit; not bounded above)\n",
                 lab, cli_fmt_num((char[32]){0}, 32, res.k_lo[k] * 1e-12, 3), cli_fmt_num((char[32]){0}, 32, 1e12 / res.k_lo[k], 3));
      cJSON_AddNullToObject(it, "k");
      double iv[2] = {res.k_lo[k], NAN};
      gk_json_array(it, "k_profile", iv, 2);
      cJSON_AddStringToObject(it, "k_note", "not determined: the profile interval is not bounded above (a lower limit only)");
    } else {
      undetermined++;
      if (res.k[k] == 0)
        cli_printf(&r.b, "  %-18s  at bound (k >= 0): best fit at 0, no decay within the delays (--profile gives a limit)\n", lab);
      else if (isfinite(res.k_se[k]) && res.k_se[k] > 0)
        cli_printf(&r.b, "  %-18s  not determined (1-sigma interval of the rate reaches 0: %s +- %s 1/ps)\n", lab,
                   cli_fmt_num((char[32]){0}, 32, res.k[k] * 1e-12, 2),
                   cli_fmt_num((char[32]){0}, 32, res.k_se[k] * 1e-12, 2));
      else
        cli_printf(&r.b, "  %-18s  not determined (the data carry no information on it)\n", lab);
      cJSON_AddNullToObject(it, "k");
      cJSON_AddStringToObject(it, "k_note", "not determined by the data");
    }
    /* the rate on its bound k >= 0 (the fit's, src/tamap/global.c) */
    if (!t->fixed && cli_bound_side(res.k[k], 0, INFINITY)) {
      cJSON_AddStringToObject(it, "at_bound", "lower");
      cJSON_AddNumberToObject(it, "bound", 0);
    }
    cJSON_AddBoolToObject(it, "fixed", t->fixed);
    cJSON_AddItemToArray(tr, it);
  }
  cli_printf(&r.b, "  decay modes (DAS lifetimes):\n");
  double taum[GK_TAMAP_MAX_COMP], taum_se[GK_TAMAP_MAX_COMP];
  for (int j = 0; j < n; j++) {
    taum[j] = 1 / res.lam[j];
    taum_se[j] = res.lam_se[j] / (res.lam[j] * res.lam[j]);
    char nm[16];
    snprintf(nm, sizeof nm, "tau%d", j + 1);
    if (undetermined) cli_printf(&r.b, "  %-12s not determined\n", nm);
    else cli_print_value(&r.b, nm, taum[j] * 1e12, taum_se[j] * 1e12, "ps");
  }
  if (!undetermined) {
    gk_json_array(r.j, "das_tau", taum, (size_t)n);
    gk_json_array(r.j, "das_tau_se", taum_se, (size_t)n);
  } else {
    cJSON_AddNullToObject(r.j, "das_tau");
    cJSON_AddStringToObject(r.j, "das_tau_note", "not determined: some rates are not determined by the data");
  }
  cJSON *sets = cJSON_AddArrayToObject(r.j, "sets");
  /* The rise spans about t0 +- FWHM. When the artefact window +-W covers
   * that (a fitted FWHM <= 2W), t0, the FWHM and the dispersion rest on the
   * tails of the rise only: measured on the bundled maps, FWHM 67 +- 3 fs
   * against the true 120 fs and t0 off by 29 fs with se of 1 fs. They are
   * then reported as not determined (the rates are not affected). */
  int rise_cut = 0;
  if (o.irf.kind == GK_KIN_IRF_GAUSS && mo.exclude > 0 && !o.fwhm_fixed)
    for (size_t d = 0; d < (o.irf_per_set ? nsets : 1); d++) rise_cut |= res.fwhm[d] <= 2 * mo.exclude;
  if (rise_cut) {
    char w[32];
    snprintf(w, sizeof w, "%g", mo.exclude * 1e15);
    cli_printf(&r.b, "  t0, IRF fwhm%s not determined: the artefact window +-%s fs removes the rise (fitted FWHM <= 2 W);\n"
                     "    hold them (--irf-fwhm T --fix-irf, --t0 T --fix-t0) or narrow --exclude\n",
               o.disp_order > 0 ? " and dispersion" : "", w);
    cJSON_AddStringToObject(r.j, "irf_note", "t0, IRF FWHM and dispersion not determined: the artefact window removes the rise");
  }
  for (size_t d = 0; d < nsets; d++) {
    char nm[32];
    snprintf(nm, sizeof nm, "t0[%zu]", d + 1);
    if (!rise_cut) pval(&r.b, nm, res.t0[d] * 1e12, res.t0_se[d] * 1e12, o.t0_fixed, 0, "ps", &undetermined);
    if (o.irf.kind == GK_KIN_IRF_GAUSS && (d == 0 || o.irf_per_set) && !rise_cut) {
      snprintf(nm, sizeof nm, o.irf_per_set ? "fwhm[%zu]" : "IRF fwhm", d + 1);
      pval(&r.b, nm, res.fwhm[d] * 1e15, res.fwhm_se[d] * 1e15, o.fwhm_fixed, 1, "fs", &undetermined);
    }
    cJSON *sj = cJSON_CreateObject();
    cJSON_AddStringToObject(sj, "file", argv[first + (int)d]);
    if (!rise_cut && (o.t0_fixed || isfinite(res.t0_se[d]))) gk_json_value_se(sj, "t0", res.t0[d], o.t0_fixed ? 0 : res.t0_se[d]);
    else cJSON_AddNullToObject(sj, "t0");
    if (o.irf.kind == GK_KIN_IRF_GAUSS) {
      if (!rise_cut && (o.fwhm_fixed || (isfinite(res.fwhm_se[d]) && res.fwhm_se[d] < res.fwhm[d])))
        gk_json_value_se(sj, "irf_fwhm", res.fwhm[d], o.fwhm_fixed ? 0 : res.fwhm_se[d]);
      else cJSON_AddNullToObject(sj, "irf_fwhm");
    }
    if (hc[d]) json_chirp(sj, &ch[d]);
    gk_json_array(sj, "wavelength", maps[d].wl, maps[d].nw);
    cJSON *sa = cJSON_AddArrayToObject(sj, "sas"), *da = cJSON_AddArrayToObject(sj, "das");
    double *col = malloc(maps[d].nw * sizeof *col);
    for (int a = 0; a < n && col; a++) {
      for (size_t i = 0; i < maps[d].nw; i++) col[i] = res.sas[d][i * (size_t)n + a];
      cJSON_AddItemToArray(sa, cJSON_CreateDoubleArray(col, (int)maps[d].nw));
      for (size_t i = 0; i < maps[d].nw; i++) col[i] = res.das[d][i * (size_t)n + a];
      cJSON_AddItemToArray(da, cJSON_CreateDoubleArray(col, (int)maps[d].nw));
    }
    free(col);
    cJSON_AddItemToArray(sets, sj);
  }
  if (o.disp_order > 0 && rise_cut) {
    cJSON_AddNullToObject(r.j, "dispersion");
  } else if (o.disp_order > 0) {
    cli_printf(&r.b, "  IRF shift t0(lambda) - t0 = sum d_k x^k, x = (lambda - %.1f nm)/100 nm\n", res.disp_ref);
    for (int k = 1; k <= o.disp_order; k++) {
      char nm[16];
      snprintf(nm, sizeof nm, "d%d", k);
      pval(&r.b, nm, res.disp[k] * 1e12, res.disp_se[k] * 1e12, o.disp_fixed, 0, "ps", &undetermined);
    }
    gk_json_array(r.j, "dispersion", res.disp + 1, (size_t)o.disp_order);
    gk_json_array(r.j, "dispersion_se", res.disp_se + 1, (size_t)o.disp_order);
    gk_json_num(r.j, "dispersion_ref", res.disp_ref);
  }
  cli_print_value(&r.b, "rms", res.rms * 1e3, NAN, "mOD (residual)");
  gk_json_num(r.j, "rms", res.rms);
  gk_json_num(r.j, "points", (double)res.npoints);
  cJSON_AddBoolToObject(r.j, "converged", res.converged);
  if (!res.converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", res.reason);
  if (undetermined)
    cli_printf(&r.b, "  %d parameter%s not determined by the data: simplify the model or fix %s (exit 1)\n",
               undetermined, undetermined > 1 ? "s" : "", undetermined > 1 ? "them" : "it");
  cJSON_AddNumberToObject(r.j, "undetermined", undetermined);
  cli_printf(&r.b, "  spectra: -o FILE.csv (SAS and DAS per wavelength), --plot\n");
  /* CSV: set, wavelength, SAS..., SAS se..., DAS... */
  size_t ncol = 2 + 3 * (size_t)n;
  const char **hdr = calloc(ncol, sizeof *hdr);
  char (*hb)[48] = calloc(ncol, sizeof *hb);
  if (hdr && hb) {
    hdr[0] = "set";
    hdr[1] = "wavelength (nm)";
    for (int a = 0; a < n; a++) {
      snprintf(hb[2 + a], 48, "SAS %s (OD)", s.name[a]);
      snprintf(hb[2 + n + a], 48, "SAS %s se (OD)", s.name[a]);
      snprintf(hb[2 + 2 * n + a], 48, "DAS %.4g ps (OD)", taum[a] * 1e12);
    }
    for (size_t k = 2; k < ncol; k++) hdr[k] = hb[k];
    gk_csv_init(&r.csv, ncol, hdr);
    r.has_csv = 1;
    double *row = malloc(ncol * sizeof *row);
    for (size_t d = 0; d < nsets && row; d++)
      for (size_t i = 0; i < maps[d].nw; i++) {
        row[0] = (double)(d + 1);
        row[1] = maps[d].wl[i];
        for (int a = 0; a < n; a++) {
          row[2 + a] = res.sas[d][i * (size_t)n + a];
          row[2 + n + a] = res.sas_se[d][i * (size_t)n + a];
          row[2 + 2 * n + a] = res.das[d][i * (size_t)n + a];
        }
        gk_csv_add_row(&r.csv, row);
      }
    free(row);
  }
  free(hdr);
  free(hb);
  rc = 0;
  if (c.plot) {
    const gk_tamap *m = &maps[0];
    gk_figure *f = gk_figure_new(2, 3, 1400, 1500, cli_basename(argv[first]));
    map_panel(gk_figure_panel(f, 0), m, m->z, "(a) data");
    double *res_z = malloc(m->nw * m->nt * sizeof *res_z);
    if (res_z) {
      for (size_t i = 0; i < m->nw * m->nt; i++)
        res_z[i] = isfinite(res.fit[0][i]) ? m->z[i] - res.fit[0][i] : NAN;
      gk_panel *pr2 = gk_figure_panel(f, 1);
      double *tp = malloc(m->nt * sizeof *tp), *zz = malloc(m->nw * m->nt * sizeof *zz);
      if (tp && zz) {
        for (size_t j = 0; j < m->nt; j++) tp[j] = m->t[j] * 1e12;
        for (size_t i = 0; i < m->nw * m->nt; i++) zz[i] = res_z[i] * 1e3;
        gk_panel_image(pr2, tp, m->nt, m->wl, m->nw, zz, "residual (mOD)");
        gk_panel_labels(pr2, "delay t (ps)", "wavelength (nm)", "(b) residual");
      }
      free(tp);
      free(zz);
      free(res_z);
    }
    gk_panel *ps = gk_figure_panel(f, 2), *pd = gk_figure_panel(f, 3);
    gk_panel_labels(ps, "wavelength (nm)", "SAS (mOD)", scheme ? "(c) species-associated spectra" : "(c) spectra of the compartments");
    gk_panel_labels(pd, "wavelength (nm)", "DAS (mOD)", "(d) decay-associated spectra");
    double *col = malloc(m->nw * sizeof *col);
    for (int a = 0; a < n && col; a++) {
      char lb[64];
      for (size_t i = 0; i < m->nw; i++) col[i] = res.sas[0][i * (size_t)n + a] * 1e3;
      gk_panel_add(ps, m->wl, col, NULL, m->nw, GK_STYLE_LINE, a, s.name[a]);
      for (size_t i = 0; i < m->nw; i++) col[i] = res.das[0][i * (size_t)n + a] * 1e3;
      snprintf(lb, sizeof lb, "%.3g ps", taum[a] * 1e12);
      gk_panel_add(pd, m->wl, col, NULL, m->nw, GK_STYLE_LINE, a, lb);
    }
    gk_panel_hline(ps, 0, GK_GREY, NULL);
    gk_panel_hline(pd, 0, GK_GREY, NULL);
    /* selected kinetics and spectra with the fit */
    gk_panel *pk = gk_figure_panel(f, 4), *pp = gk_figure_panel(f, 5);
    gk_panel_labels(pk, "delay t (ps)", "dA (mOD)", "(e) kinetics at the extrema of the first spectrum");
    gk_panel_labels(pp, "wavelength (nm)", "dA (mOD)", "(f) spectra at selected delays");
    double *tp = malloc(m->nt * sizeof *tp), *zk = malloc(m->nt * sizeof *zk), *fk = malloc(m->nt * sizeof *fk);
    double *zs = malloc(m->nw * sizeof *zs), *fs = malloc(m->nw * sizeof *fs);
    if (tp && zk && fk && zs && fs && col) {
      size_t imin = 0, imax = 0;
      for (size_t i = 0; i < m->nw; i++) {
        if (res.das[0][i * (size_t)n] < res.das[0][imin * (size_t)n]) imin = i;
        if (res.das[0][i * (size_t)n] > res.das[0][imax * (size_t)n]) imax = i;
      }
      size_t pick[2] = {imin, imax};
      for (int w = 0; w < 2; w++) {
        size_t i = pick[w];
        char lb[48];
        for (size_t j = 0; j < m->nt; j++) {
          tp[j] = m->t[j] * 1e12;
          zk[j] = m->z[i * m->nt + j] * 1e3;
          fk[j] = res.fit[0][i * m->nt + j] * 1e3;
        }
        snprintf(lb, sizeof lb, "%.1f nm", m->wl[i]);
        gk_panel_add(pk, tp, zk, NULL, m->nt, GK_STYLE_POINTS, w, lb);
        gk_panel_add(pk, tp, fk, NULL, m->nt, GK_STYLE_LINE, GK_BLACK, NULL);
      }
      double want[4] = {0.5e-12, 5e-12, 50e-12, 500e-12};
      for (int w = 0; w < 4; w++) {
        size_t j = 0;
        while (j + 1 < m->nt && m->t[j] < want[w]) j++;
        if (m->t[j] < want[w] * 0.5) continue;
        char lb[48];
        for (size_t i = 0; i < m->nw; i++) {
          zs[i] = m->z[i * m->nt + j] * 1e3;
          fs[i] = res.fit[0][i * m->nt + j] * 1e3;
        }
        snprintf(lb, sizeof lb, "%.3g ps", m->t[j] * 1e12);
        gk_panel_add(pp, m->wl, zs, NULL, m->nw, GK_STYLE_POINTS, w, lb);
        gk_panel_add(pp, m->wl, fs, NULL, m->nw, GK_STYLE_LINE, GK_BLACK, NULL);
      }
    }
    free(tp); free(zk); free(fk); free(zs); free(fs); free(col);
    rc = cli_save_figure(&c, f);
  }
  int status = res.converged && !undetermined ? CLI_OK : CLI_FAILED;
  gk_tamap_global_result_free(&res);
  for (size_t d = 0; d < nsets; d++) gk_tamap_free(&maps[d]);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, status);
}

/* ---- sigma ------------------------------------------------------------ */

/* The signal of each map of a fluence series: the mean dA over a late
 * delay window (and a wavelength band), sign-flipped when the maps show a
 * bleach (all means < 0). Mixed signs mean the window does not hold the
 * single-exciton bleach of every map: refused rather than fitted. */
static int sigma_from_maps(char **files, size_t nf, const mapopt *mo, const double *win,
                           const double *band, double *y, int *flipped)
{
  gk_error e;
  gk_error_clear(&e);
  int npos = 0, nneg = 0;
  for (size_t k = 0; k < nf; k++) {
    gk_tamap m;
    gk_tamap_chirp ch;
    int hc;
    int rc = map_load(files[k], mo, &m, &ch, &hc, NULL);
    if (rc) return rc;
    size_t cnt = gk_tamap_window_mean(&m, win[0], win[1], band[0], band[1], &y[k]);
    if (!cnt) {
      gk_error_set(&e, GK_EINPUT, m.path, m.data_line, "no point in the delay window %g..%g ps (within the --band wavelengths)",
                   win[0] * 1e12, win[1] * 1e12);
      gk_tamap_free(&m);
      return cli_error(&e);
    }
    gk_tamap_free(&m);
    if (y[k] > 0) npos++;
    else if (y[k] < 0) nneg++;
  }
  if (npos && nneg) {
    gk_error_set(&e, GK_EINPUT, files[0], 0,
                 "the window means change sign across the maps (%d > 0, %d < 0): choose --window/--band where every "
                 "map shows the same (bleach) signal",
                 npos, nneg);
    return cli_error(&e);
  }
  *flipped = nneg > 0;
  if (*flipped)
    for (size_t k = 0; k < nf; k++) y[k] = -y[k];
  return 0;
}

static struct { double hnu, win[2], band[2]; const char *fluence; } SG = {0, {NAN, NAN}, {NAN, NAN}, NULL};
static cli_qopt q_sigma[] = {
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &SG.hnu, NULL, "pump photon energy, required"),
  CLI_OPT_STRQ("fluence", "F1,F2,..", "J/cm2", &SG.fluence, NULL,
               "pump fluence of each map, in the order of the maps (units as 5uJ/cm2)"),
  CLI_OPT_RANGE("window", "s", SG.win, NULL, "delays averaged in every map (e.g. 200ps:1ns), required with maps"),
  CLI_OPT_RANGE("band", "nm", SG.band, "all", "wavelengths averaged"),
  MAP_QOPTS,
};

static int cmd_sigma(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap sigma"};
  CLI_RESET(MO), CLI_RESET(SG);
  cli_qopt *q = q_sigma;
  const size_t nq = NQ(q_sigma);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  const mapopt mo = MO;
  const double hnu = SG.hnu, *win = SG.win, *band = SG.band;
  const char *fl_s = SG.fluence;
  if (first >= argc) return cli_usage(c.cmd, "give a FILE of fluence and signal, or maps with --fluence");
  if (cli_qopt_require(&c, q, nq, "photon-energy") < 0) return CLI_USAGE;
  size_t nf = (size_t)(argc - first);
  int maps = fl_s != NULL;
  if (!maps) {
    if (nf > 1) return cli_usage(c.cmd, "unexpected argument '%s' (several maps need --fluence)", argv[first + 1]);
    static const char *mapo[] = {"window", "band", "delay-unit", "signal-unit", "layout", "background", "chirp", "exclude"};
    for (size_t i = 0; i < sizeof mapo / sizeof *mapo; i++)
      if (cli_qopt_find(q, nq, mapo[i])->seen) return CLI_QFAIL(mapo[i], "goes with maps and --fluence");
  } else if (!isfinite(win[0])) {
    return cli_usage(c.cmd, "maps need --window T1:T2, the delays of the single-exciton signal (e.g. 200ps:1ns)");
  }
  const char *path = argv[first];
  gk_columns col = {0};
  double *fx = NULL, *fy = NULL;
  size_t n = 0;
  int flipped = 0, rc = 0;
  const char *y_unit = "(file units)";
  if (maps) {
    size_t nl;
    if (cli_list("--fluence", fl_s, "J/cm2", &fx, &nl) < 0) return CLI_USAGE;
    if (nl != nf) { free(fx); return CLI_QFAIL("fluence", "%zu values for %zu maps", nl, nf); }
    if (nf < 3) { free(fx); return cli_usage(c.cmd, "the saturation fit needs >= 3 maps (got %zu)", nf); }
    fy = malloc(nf * sizeof *fy);
    if (!fy) { free(fx); return cli_usage(c.cmd, "out of memory"); }
    /* no --band: every wavelength */
    double bw[2] = {isfinite(band[0]) ? band[0] : 0, isfinite(band[1]) ? band[1] : DBL_MAX};
    rc = sigma_from_maps(argv + first, nf, &mo, win, bw, fy, &flipped);
    if (rc) { free(fx); free(fy); return rc; }
    n = nf;
    y_unit = "OD";
  } else {
    gk_columns_options co = {0};
    co.min_points = 3;
    co.allow_unsorted = 1;
    co.reject_duplicate_x = 1;
    co.require_positive_x = 1;
    rc = cli_read_xy(path, &co, "J/cm2", &col);
    if (rc) return rc;
    fx = col.x;
    fy = col.y;
    n = col.n;
    if (col.y_unit[0]) y_unit = col.y_unit;
  }
  gk_error e;
  gk_error_clear(&e);
  gk_tamap_sigma_fit f;
  if (gk_tamap_sigma_run(fx, fy, n, hnu, &f, &e) != GK_OK) {
    if (!e.file[0] && !maps) snprintf(e.file, sizeof e.file, "%s", path);
    if (maps) { free(fx); free(fy); }
    gk_columns_free(&col);
    return cli_error(&e);
  }
  double hv = hnu * GK_Q_E;
  cli_result r;
  cli_result_init(&r, "tamap sigma");
  if (maps) {
    cJSON *fa = cJSON_AddArrayToObject(r.j, "files");
    for (size_t k = 0; k < nf; k++) cJSON_AddItemToArray(fa, cJSON_CreateString(argv[first + (int)k]));
    gk_json_array(r.j, "delay_window_s", win, 2);
    if (isfinite(band[1])) gk_json_array(r.j, "band_nm", band, 2);
    cJSON_AddBoolToObject(r.j, "signal_is_minus_dA", flipped);
  } else {
    cJSON_AddStringToObject(r.j, "file", path);
  }
  /* sigma is determined only where the series reaches below saturation:
   * when every fluence already saturates, the covariance is singular and
   * sigma is only bounded from below (pval's rule, as for the rates) */
  int undet_sigma = not_determined(f.sigma, f.sigma_se, 1) || f.saturated, undet = undet_sigma;
  if (undet_sigma) {
    cJSON_AddNullToObject(r.j, "sigma");
    cJSON_AddNullToObject(r.j, "fluence_n1");
    cJSON_AddStringToObject(r.j, "sigma_not_determined",
                            f.saturated ? "the lowest fluence already reaches >= 95 % of S_inf: the rise is not sampled, sigma has only a lower bound" : "no standard error: the signal does not rise below saturation over these fluences");
  } else {
    gk_json_value_se(r.j, "sigma", f.sigma, f.sigma_se);
    gk_json_num(r.j, "fluence_n1", hv / f.sigma);
  }
  gk_json_value_se(r.j, "s_inf", f.s_inf, f.s_inf_se);
  gk_json_num(r.j, "chi2_red", f.chi2_red);
  cJSON_AddBoolToObject(r.j, "converged", f.converged);
  cli_printf(&r.b, "Saturation S = S_inf (1 - exp(-<N>)), <N> = sigma F/(h nu), h nu = %.3g eV, %zu fluences\n", hnu, n);
  if (maps) {
    cli_printf(&r.b, "  signal: %sdA averaged over %g .. %g ps", flipped ? "-" : "", win[0] * 1e12, win[1] * 1e12);
    if (isfinite(band[1])) cli_printf(&r.b, " and %g .. %g nm", band[0], band[1]);
    else cli_printf(&r.b, ", all wavelengths");
    cli_printf(&r.b, ", one value per map\n");
  }
  if (f.saturated) cli_printf(&r.b, "  %-12s not determined (the lowest fluence already reaches >= 95 %% of S_inf: only a lower bound)\n", "sigma");
  else pval(&r.b, "sigma", f.sigma, f.sigma_se, 0, 1, "cm^2", &undet);
  cli_print_value(&r.b, "S_inf", f.s_inf, f.s_inf_se, y_unit);
  if (undet_sigma) cli_printf(&r.b, "  %-12s not determined (no rise below saturation over these fluences: add lower ones)\n", "F(<N>=1)");
  else cli_print_value(&r.b, "F(<N>=1)", hv / f.sigma * 1e6, NAN, "uJ/cm2");
  if (!f.converged) cli_printf(&r.b, "  NOT CONVERGED: %s\n", f.reason);
  static const char *hdr[] = {"fluence (J/cm2)", "<N>", "signal", "fit"};
  gk_csv_init(&r.csv, 4, hdr);
  r.has_csv = 1;
  for (size_t i = 0; i < n; i++) {
    double nn = f.sigma * fx[i] / hv;
    gk_csv_add_row(&r.csv, (double[]){fx[i], nn, fy[i], f.s_inf * -expm1(-nn)});
  }
  rc = 0;
  if (c.plot) {
    enum { M = 200 };
    double xs[M], ys[M], lo = INFINITY, hi = 0, *nx = malloc(n * sizeof *nx);
    for (size_t i = 0; i < n; i++) { lo = fmin(lo, fx[i]); hi = fmax(hi, fx[i]); }
    for (int i = 0; i < M; i++) {
      double F = lo * pow(hi / lo, (double)i / (M - 1));
      xs[i] = f.sigma * F / hv;
      ys[i] = f.s_inf * -expm1(-xs[i]);
    }
    for (size_t i = 0; i < n && nx; i++) nx[i] = f.sigma * fx[i] / hv;
    gk_figure *fig = gk_figure_new(1, 1, 800, 560, cli_basename(path));
    gk_panel *p = gk_figure_panel(fig, 0);
    gk_panel_labels(p, "mean excitons per dot <N> = σ F/(hν)", "signal", "single-exciton signal versus <N>");
    gk_panel_log(p, 1, 0);
    if (nx) gk_panel_add(p, nx, fy, NULL, n, GK_STYLE_POINTS, -1, "data");
    gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, GK_BLACK, "S_{∞}(1 - e^{-<N>})");
    free(nx);
    rc = cli_save_figure(&c, fig);
  }
  int status = f.converged && !undet ? CLI_OK : CLI_FAILED;
  if (maps) { free(fx); free(fy); }
  gk_columns_free(&col);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, status);
}

/* ---- gain --------------------------------------------------------------- */

static struct {
  const char *ground, *nmean, *fluence;
  double win[2], delay, sigma, hnu, thick, probe, degen;
} GN = {NULL, NULL, NULL, {NAN, NAN}, NAN, 0, 0, 0, NAN, 2};
static cli_qopt q_gain[] = {
  CLI_OPT_STRING("ground", "A0.csv", &GN.ground, NULL,
                 "wavelength (nm), ground-state absorbance A0 (OD), interpolated; required"),
  CLI_OPT_GROUP("Pump levels (one of)"),
  CLI_OPT_STRING("n-mean", "LIST", &GN.nmean, NULL, "<N> of the maps, in their order"),
  CLI_OPT_STRQ("fluence", "LIST", "J/cm2", &GN.fluence, NULL,
               "pump fluence of the maps, in their order, with --cross-section and --photon-energy: "
               "<N> = S F/(h nu)"),
  CLI_OPT_QTY("cross-section", "S", "cm2", QO_POS, &GN.sigma, NULL, "absorption cross-section per NC"),
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &GN.hnu, NULL, "pump photon energy"),
  CLI_OPT_GROUP("Delays (one of)"),
  CLI_OPT_QTY("delay", "T", "s", QO_ANY, &GN.delay, NULL, "analyse one delay (nearest sample; every map must have it)"),
  CLI_OPT_RANGE("window", "s", GN.win, NULL, "dA averaged over these delays (with units: 2ps:4ps)"),
  CLI_OPT_GROUP("Gain"),
  CLI_OPT_QTY("thickness", "d", "cm", QO_POS, &GN.thick, NULL, "film thickness: material gain -(A0 + dA) ln10/d"),
  CLI_OPT_FLAG("gain-fit", NULL,
               "Poisson gain-curve fit of -dA/A0 versus <N> (as gainkit ta --gain-fit, n_e = 0): the band-edge "
               "degeneracy g and the model's <N_th>"),
  CLI_OPT_QTY("probe", "NM", "nm", QO_POS, &GN.probe, "the wavelength of the lowest threshold",
              "wavelength of the --gain-fit"),
  CLI_OPT_NUM("degeneracy", "G", QO_POS, &GN.degen, "2", "start of g in --gain-fit"),
  MAP_QOPTS,
};

static int cmd_gain(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap gain"};
  CLI_RESET(MO), CLI_RESET(GN);
  cli_qopt *q = q_gain;
  const size_t nq = NQ(q_gain);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, nq, &first) < 0) return CLI_USAGE;
  const mapopt mo = MO;
  const char *ground = GN.ground, *nm_s = GN.nmean, *fl_s = GN.fluence;
  double *win = GN.win;
  const double delay = GN.delay, sigma = GN.sigma, hnu = GN.hnu, thick = GN.thick, probe = GN.probe,
               degen = GN.degen;
  int gfit = cli_qopt_find(q, nq, "gain-fit")->seen;
  if (!gfit && (cli_qopt_find(q, nq, "probe")->seen || cli_qopt_find(q, nq, "degeneracy")->seen))
    return CLI_QFAIL(cli_qopt_find(q, nq, "probe")->seen ? "probe" : "degeneracy", "goes with --gain-fit");
  size_t nsets = (size_t)(argc - first);
  if (nsets < 2) return cli_usage(c.cmd, "give two or more map FILEs (one per pump level, increasing)");
  if (nsets > GK_TAMAP_MAX_GAIN_SETS) return cli_usage(c.cmd, "at most %d maps", GK_TAMAP_MAX_GAIN_SETS);
  if (cli_qopt_require(&c, q, nq, "ground") < 0) return CLI_USAGE;
  if ((nm_s != NULL) == (fl_s != NULL)) return cli_usage(c.cmd, "give either --n-mean or --fluence (with --cross-section, --photon-energy)");
  if (fl_s && (cli_qopt_require(&c, q, nq, "cross-section") < 0 || cli_qopt_require(&c, q, nq, "photon-energy") < 0))
    return CLI_USAGE;
  if (isfinite(delay) == isfinite(win[0])) return cli_usage(c.cmd, "give either --delay T or --window T1:T2");
  double *lst;
  size_t nl;
  if (cli_list(nm_s ? "--n-mean" : "--fluence", nm_s ? nm_s : fl_s, nm_s ? "" : "J/cm2", &lst, &nl) < 0) return CLI_USAGE;
  if (nl != nsets) { free(lst); return CLI_QFAIL(nm_s ? "n-mean" : "fluence", "%zu values for %zu maps", nl, nsets); }
  double nmean[GK_TAMAP_MAX_GAIN_SETS];
  for (size_t k = 0; k < nsets; k++) {
    nmean[k] = nm_s ? lst[k] : sigma * lst[k] / (hnu * GK_Q_E);
    if (!(nmean[k] >= 0) || (k && !(nmean[k] > nmean[k - 1]))) {
      free(lst);
      return CLI_QFAIL(nm_s ? "n-mean" : "fluence", "must be >= 0 and increase, in the order of the maps");
    }
  }
  free(lst);
  gk_error e;
  gk_error_clear(&e);
  gk_columns g = {0};
  gk_columns_options co = {.xkind = GK_XKIND_WAVELENGTH, .allow_unsorted = 1, .reject_duplicate_x = 1};
  if (gk_columns_read(ground, &co, &g, &e) != GK_OK) return cli_error(&e);
  gk_tamap maps[GK_TAMAP_MAX_GAIN_SETS];
  const gk_tamap *mp[GK_TAMAP_MAX_GAIN_SETS];
  size_t loaded = 0;
  int rc = 0;
  for (size_t d = 0; d < nsets; d++, loaded++) {
    gk_tamap_chirp ch;
    int hc;
    rc = map_load(argv[first + (int)d], &mo, &maps[d], &ch, &hc, NULL);
    if (rc) break;
    mp[d] = &maps[d];
  }
  gk_tamap_gain_result r;
  memset(&r, 0, sizeof r);
  if (!rc) {
    double lo = isfinite(delay) ? delay : win[0], hi = isfinite(delay) ? delay : win[1];
    if (isfinite(delay)) {
      /* one delay: the nearest sample of the first map */
      size_t jb = 0;
      for (size_t j = 1; j < maps[0].nt; j++)
        if (fabs(maps[0].t[j] - delay) < fabs(maps[0].t[jb] - delay)) jb = j;
      lo = hi = maps[0].t[jb];
      for (size_t d = 1; d < nsets; d++) {
        size_t jj = 0;
        for (size_t j = 1; j < maps[d].nt; j++)
          if (fabs(maps[d].t[j] - lo) < fabs(maps[d].t[jj] - lo)) jj = j;
        if (fabs(maps[d].t[jj] - lo) > 1e-6 * fabs(lo) + 1e-18) {
          gk_error_set(&e, GK_EINPUT, maps[d].path, maps[d].data_line,
                       "no delay at %g ps (the first map's nearest to --delay); use --window", lo * 1e12);
          rc = cli_error(&e);
        }
      }
    }
    if (!rc && gk_tamap_gain(mp, nsets, nmean, g.x, g.y, g.n, lo, hi, thick, &r, &e) != GK_OK) {
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", ground);
      rc = cli_error(&e);
    }
    if (!rc) {
      win[0] = lo;
      win[1] = hi;
    }
  }
  if (rc) {
    for (size_t d = 0; d < loaded; d++) gk_tamap_free(&maps[d]);
    gk_columns_free(&g);
    gk_tamap_gain_free(&r);
    return rc;
  }
  cli_result res;
  cli_result_init(&res, "tamap gain");
  size_t nw = r.nw;
  gk_json_array(res.j, "n_mean", nmean, nsets);
  double wj[2] = {win[0], win[1]};
  gk_json_array(res.j, "delay_window_s", wj, 2);
  size_t ncross = 0;
  for (size_t i = 0; i < nw; i++) ncross += isfinite(r.nth[i]);
  cli_printf(&res.b, "Gain thresholds on %zu maps: -dA/A0 = 1 crossed along <N> per wavelength\n", nsets);
  if (win[0] == win[1]) cli_printf(&res.b, "  delay %g ps", win[0] * 1e12);
  else cli_printf(&res.b, "  dA averaged over %g .. %g ps", win[0] * 1e12, win[1] * 1e12);
  cli_printf(&res.b, "; <N> = %s\n", nm_s ? "as given" : "sigma F/(h nu)");
  if (r.best != (size_t)-1) {
    cJSON *b = cJSON_AddObjectToObject(res.j, "lowest_threshold");
    gk_json_num(b, "wavelength_nm", r.wl[r.best]);
    gk_json_value_se(b, "n_th", r.nth[r.best], r.nth_se[r.best]);
    cli_print_value(&res.b, "lowest <N_th>", r.nth[r.best], r.nth_se[r.best], "");
    cli_printf(&res.b, "  %-12s %.2f nm\n", "at", r.wl[r.best]);
    cli_printf(&res.b, "  gain (-dA/A0 > 1) reached at %zu of %zu wavelengths\n", ncross, nw);
  } else {
    cJSON_AddNullToObject(res.j, "lowest_threshold");
    cJSON_AddStringToObject(res.j, "reason", "-dA/A0 reaches 1 at no wavelength: no gain at these pump levels");
    cli_printf(&res.b, "  lowest <N_th> not determined: -dA/A0 reaches 1 at no wavelength (no gain at these pump levels)\n");
  }
  if (thick > 0) {
    /* peak material gain at the highest pump */
    size_t ib = 0;
    for (size_t i = 1; i < nw; i++)
      if (r.gain[i * nsets + nsets - 1] > r.gain[ib * nsets + nsets - 1]) ib = i;
    double gmax = r.gain[ib * nsets + nsets - 1];
    cJSON *gj = cJSON_AddObjectToObject(res.j, "material_gain_at_highest_pump");
    gk_json_num(gj, "peak_cm-1", gmax);
    gk_json_num(gj, "wavelength_nm", r.wl[ib]);
    if (gmax > 0) cli_printf(&res.b, "  material gain at <N> = %g: peak %.4g cm^-1 at %.2f nm (-(A0 + dA) ln10/d)\n",
                             nmean[nsets - 1], gmax, r.wl[ib]);
    else cli_printf(&res.b, "  material gain at <N> = %g: none (A0 + dA > 0 everywhere)\n", nmean[nsets - 1]);
  }
  /* the Poisson gain-curve fit at one wavelength (gainkit ta's fit,
   * gk_ta_gain_curve_fit): -dA/A0 along <N> against 1 - a(<N>)/a(0) of a
   * g-fold degenerate band edge with Poisson occupancy (n_e = 0) */
  gk_ta_gain_curve gc = {0};
  int gc_ok = 0;
  size_t ip = (size_t)-1;
  if (gfit) {
    double amax = 0;
    for (size_t i = 0; i < nw; i++) amax = fmax(amax, r.a0[i]);
    if (isfinite(probe)) {
      for (size_t i = 0; i < nw; i++)
        if (ip == (size_t)-1 || fabs(r.wl[i] - probe) < fabs(r.wl[ip] - probe)) ip = i;
    } else if (r.best != (size_t)-1) {
      ip = r.best;
    } else {
      /* no crossing: the largest -dA/A0 at the highest pump */
      for (size_t i = 0; i < nw; i++)
        if (r.a0[i] > GK_TAMAP_GAIN_MIN_A0 * amax &&
            (ip == (size_t)-1 || -r.da[i * nsets + nsets - 1] / r.a0[i] > -r.da[ip * nsets + nsets - 1] / r.a0[ip]))
          ip = i;
    }
    if (ip != (size_t)-1 && !(r.a0[ip] > GK_TAMAP_GAIN_MIN_A0 * amax)) ip = (size_t)-1;
    cJSON *gj = cJSON_AddObjectToObject(res.j, "gain_curve_fit");
    if (ip == (size_t)-1) {
      cJSON_AddNullToObject(gj, "g");
      cJSON_AddStringToObject(gj, "reason", "no wavelength with A0 above 2 % of its maximum at the probe");
      cli_printf(&res.b, "  Poisson gain-curve fit: not done (A0 below 2 %% of its maximum at the probe)\n");
    } else {
      double y[GK_TAMAP_MAX_GAIN_SETS];
      for (size_t k = 0; k < nsets; k++) y[k] = -r.da[ip * nsets + k] / r.a0[ip];
      gk_ta_options to;
      gk_ta_options_default(&to);
      to.degeneracy = degen;
      to.fit_degeneracy = 1;
      to.fit_ne = 0;
      to.ne = 0;
      gk_error ge;
      gk_error_clear(&ge);
      gk_json_num(gj, "wavelength_nm", r.wl[ip]);
      if (gk_ta_gain_curve_fit(nmean, y, nsets, &to, &gc, &ge) == GK_OK) {
        gc_ok = 1;
        gk_json_value_se(gj, "g", gc.g, gc.g_se);
        if (isfinite(gc.threshold)) gk_json_value_se(gj, "n_th", gc.threshold, gc.threshold_se);
        else {
          cJSON_AddNullToObject(gj, "n_th");
          cJSON_AddStringToObject(gj, "n_th_note", "the fitted curve never reaches -dA/A0 = 1");
        }
        gk_json_num(gj, "chi2_red", gc.chi2_red);
        cJSON_AddBoolToObject(gj, "converged", gc.converged);
        cli_printf(&res.b, "  Poisson gain-curve fit at %.2f nm: -dA/A0 = 1 - a(<N>)/a(0), g-fold band edge, n_e = 0\n",
                   r.wl[ip]);
        cli_print_value(&res.b, "g", gc.g, gc.g_se, "(degeneracy)");
        if (isfinite(gc.threshold)) cli_print_value(&res.b, "<N_th> fit", gc.threshold, gc.threshold_se, "(model crossing)");
        else cli_printf(&res.b, "  %-12s not determined: the fitted curve never reaches 1\n", "<N_th> fit");
        if (!gc.converged) cli_printf(&res.b, "  gain-curve fit NOT CONVERGED: %s\n", gc.reason);
      } else {
        cJSON_AddNullToObject(gj, "g");
        cJSON_AddStringToObject(gj, "reason", ge.msg);
        cli_printf(&res.b, "  Poisson gain-curve fit failed: %s\n", ge.msg);
      }
    }
  }
  cJSON *arr = cJSON_AddArrayToObject(res.j, "thresholds");
  for (size_t i = 0; i < nw; i++) {
    if (!isfinite(r.nth[i])) continue;
    cJSON *o = cJSON_CreateObject();
    gk_json_num(o, "wavelength_nm", r.wl[i]);
    gk_json_num(o, "n_th", r.nth[i]);
    gk_json_num(o, "se", r.nth_se[i]);
    cJSON_AddItemToArray(arr, o);
  }
  /* CSV: wavelength, A0, threshold, se (empty cells where none), -dA/A0 per map, gain per map */
  size_t ncol = 4 + nsets + (thick > 0 ? nsets : 0);
  const char **hdr = calloc(ncol, sizeof *hdr);
  char (*hb)[48] = calloc(ncol, sizeof *hb);
  double *row = calloc(ncol, sizeof *row);
  if (hdr && hb && row) {
    hdr[0] = "wavelength (nm)";
    hdr[1] = "A0 (OD)";
    hdr[2] = "<N_th>";
    hdr[3] = "<N_th> se";
    for (size_t k = 0; k < nsets; k++) {
      snprintf(hb[4 + k], 48, "-dA/A0 <N>=%.4g", nmean[k]);
      hdr[4 + k] = hb[4 + k];
      if (thick > 0) {
        snprintf(hb[4 + nsets + k], 48, "gain (cm^-1) <N>=%.4g", nmean[k]);
        hdr[4 + nsets + k] = hb[4 + nsets + k];
      }
    }
    gk_csv_init(&res.csv, ncol, hdr);
    res.has_csv = 1;
    for (size_t i = 0; i < nw; i++) {
      row[0] = r.wl[i];
      row[1] = r.a0[i];
      row[2] = r.nth[i];
      row[3] = r.nth_se[i];
      for (size_t k = 0; k < nsets; k++) {
        row[4 + k] = r.a0[i] > 0 ? -r.da[i * nsets + k] / r.a0[i] : NAN;
        if (thick > 0) row[4 + nsets + k] = r.gain[i * nsets + k];
      }
      gk_csv_add_row(&res.csv, row);
    }
  }
  free(hdr);
  free(hb);
  free(row);
  if (c.plot) {
    gk_figure *f = gk_figure_new(2, 1, 1400, 600, cli_basename(argv[first]));
    gk_panel *p = gk_figure_panel(f, 0), *p2 = gk_figure_panel(f, 1);
    gk_panel_labels(p, "wavelength (nm)", "-ΔA/A0", "(a) normalised bleach per pump level (gain above 1)");
    double *yy = malloc(nw * sizeof *yy);
    for (size_t k = 0; k < nsets && yy; k++) {
      char lb[48];
      snprintf(lb, sizeof lb, "<N> = %.3g", nmean[k]);
      for (size_t i = 0; i < nw; i++) yy[i] = r.a0[i] > GK_TAMAP_GAIN_MIN_A0 * r.a0[r.best == (size_t)-1 ? 0 : r.best] ? -r.da[i * nsets + k] / r.a0[i] : NAN;
      gk_panel_add(p, r.wl, yy, NULL, nw, GK_STYLE_LINE, (int)k, lb);
    }
    free(yy);
    if (gc_ok) {
      /* the gain curve at the fit's wavelength instead of the threshold map */
      double y[GK_TAMAP_MAX_GAIN_SETS];
      for (size_t k = 0; k < nsets; k++) y[k] = -r.da[ip * nsets + k] / r.a0[ip];
      char tl[96];
      snprintf(tl, sizeof tl, "(b) Poisson gain curve at %.1f nm (g = %.3g)", r.wl[ip], gc.g);
      gk_panel_labels(p2, "<N>", "-ΔA/A0", tl);
      gk_panel_add(p2, nmean, y, NULL, nsets, GK_STYLE_POINTS, -1, "data");
      gk_panel_add(p2, nmean, gc.curve, NULL, nsets, GK_STYLE_LINE, GK_BLACK, "fit");
      gk_panel_hline(p2, 1, GK_GREY, "gain");
    } else {
      gk_panel_labels(p2, "wavelength (nm)", "<N_th>", "(b) gain threshold per wavelength");
      gk_panel_add(p2, r.wl, r.nth, NULL, nw, GK_STYLE_POINTS, -1, NULL);
    }
    rc = cli_save_figure(&c, f);
  }
  for (size_t d = 0; d < nsets; d++) gk_tamap_free(&maps[d]);
  gk_columns_free(&g);
  int status = r.best != (size_t)-1 && (!gfit || (gc_ok && gc.converged)) ? CLI_OK : CLI_FAILED;
  gk_ta_gain_curve_free(&gc);
  gk_tamap_gain_free(&r);
  if (rc) { cli_result_free(&res); return rc; }
  return cli_result_finish(&c, &res, status);
}

#define TAMAP_INTRO                                                                                 \
  "Transient-absorption maps dA(lambda, t) as the global/target analysis literature treats them\n" \
  "(van Stokkum et al., Biochim. Biophys. Acta 2004): chirp, SVD, decay- and species-associated\n" \
  "spectra from a linear kinetic scheme with a Gaussian IRF convolved analytically, spectra\n"     \
  "eliminated by variable projection. A map file: the first row and column are the axes (delays\n" \
  "in ps/fs/ns with the unit in the corner cell or --delay-unit, wavelengths in nm).\n\n"
#define EX "Example:\n  gainkit tamap "
static const struct cli_subcommand subs[] = {
  {.name = "svd", .args = "FILE [options]", .run = cmd_svd, .opts = q_svd, .nopts = NQ(q_svd),
   .about = "Singular values and vectors of the map; the rank is the number of singular values above the\n"
            "Gavish-Donoho threshold for white noise (IEEE Trans. Inf. Theory 2014).\n",
   .epilog = EX "svd examples/tamap/map_low.csv --signal-unit mOD --background -0.5ps\n"},
  {.name = "chirp", .args = "FILE [--order N] [options]", .run = cmd_chirp, .opts = q_chirp, .nopts = NQ(q_chirp),
   .about = "Time zero versus wavelength (group-velocity dispersion of the probe): the half-rise of every\n"
            "trace, fitted by a polynomial with 3-sigma outlier rejection.\n",
   .epilog = EX "chirp examples/tamap/map_low.csv --background -0.5ps --order 2\n"},
  {.name = "fit", .args = "FILE... (--das N | --sequential N | --scheme TEXT) [options]", .run = cmd_fit,
   .opts = q_fit, .nopts = NQ(q_fit),
   .about = "Global (DAS) or target (SAS) analysis of one or more maps (fluences): rates shared, time zero\n"
            "(and with --irf-per-set the IRF width) and spectra per map.\n",
   .epilog = "Outputs rates with standard errors (from the Jacobian of the projected problem), the lifetimes of\n"
             "the decay modes, t0 and IRF per map; -o x.csv holds SAS, SAS se and DAS.\n"
             "Examples:\n"
             "  gainkit tamap fit examples/tamap/map_low.csv --signal-unit mOD --background -0.5ps --exclude 0.1ps --dispersion 2 --das 3 --tau 0.5ps,40ps,3ns --t0 0.2ps\n"
             "  gainkit tamap fit examples/tamap/map_low.csv examples/tamap/map_high.csv --signal-unit mOD --background -0.5ps --exclude 0.1ps --dispersion 2 --scheme \"H->X:1ps, XX->X:20ps, X->0:1ns\" --init H=1,XX=0.1/H=1,XX=0.6 --t0 0.2ps\n"},
  {.name = "sigma", .args = "FILE|MAP... --photon-energy E [--fluence F1,.. --window T1:T2]", .run = cmd_sigma,
   .opts = q_sigma, .nopts = NQ(q_sigma),
   .about = "Absorption cross-section from the saturation of the single-exciton signal with fluence,\n"
            "S = S_inf (1 - exp(-sigma F/(h nu))) (Poisson statistics; Ahn et al., Chem. Rev. 2023, Fig. 26b;\n"
            "Qin et al., Nano Lett. 2021). FILE columns: fluence (J/cm2 unless the header names a unit,\n"
            "\"fluence (uJ/cm2)\") and the signal (any unit). Or from the maps of a fluence series themselves:\n"
            "MAP1 MAP2 ... (>= 3, one per fluence) with --fluence and --window; the signal of each map is its\n"
            "dA averaged over the delay window (late delays: the single-exciton bleach) and the --band\n"
            "wavelengths, with the sign flipped for a bleach (dA < 0); window means of both signs are refused.\n",
   .epilog = EX "sigma examples/tamap/sigma.csv --photon-energy 3.1eV\n"},
  {.name = "gain", .args = "FILE1 FILE2... --ground A0.csv (--n-mean LIST | --fluence LIST ...) (--delay T | --window T1:T2)",
   .run = cmd_gain, .opts = q_gain, .nopts = NQ(q_gain),
   .about = "Gain thresholds from maps at increasing pump: per wavelength, the <N> at which the normalised\n"
            "bleach -dA/A0 first crosses 1 (A0 + dA = 0, transparency; Qin et al., Nano Lett. 2021, Fig. 3c),\n"
            "linear interpolation between pump levels with an error from the neighbours (as gainkit ta);\n"
            "wavelengths with A0 < 2 % of its maximum are skipped. Maps must share wavelengths.\n",
   .epilog = "Exit 1 (and null) when -dA/A0 reaches 1 at no wavelength.\n" EX
             "gain examples/tamap/gain_n1.csv examples/tamap/gain_n2.csv examples/tamap/gain_n3.csv examples/tamap/gain_n4.csv examples/tamap/gain_n5.csv examples/tamap/gain_n6.csv examples/tamap/gain_n7.csv examples/tamap/gain_n8.csv --ground examples/tamap/gain_a0.csv --n-mean 0.5,0.8,1.0,1.1,1.2,1.4,2.0,2.7 --window 2ps:4ps --thickness 100nm\n"},
  {.name = NULL},
};

extern const struct cli_command cli_cmd_tamap;
static int run(int argc, char **argv) { return cli_dispatch(&cli_cmd_tamap, argc, argv); }

const struct cli_command cli_cmd_tamap = {
  .name = "tamap",
  .summary = "transient-absorption maps: chirp, SVD, global/target analysis (DAS/SAS), cross-section",
  .order = 56,
  .run = run,
  .subs = subs,
  .intro = TAMAP_INTRO,
};
