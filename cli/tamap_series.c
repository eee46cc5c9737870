/* gainkit tamap sigma and gain — fluence series: the absorption
 * cross-section from the saturation of the single-exciton signal, and gain
 * thresholds per wavelength from maps at increasing pump (gainkit/tamap.h);
 * output in emit_tamap.c. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/constants.h"
#include "tamap_cli.h"

/* ---- sigma ------------------------------------------------------------ */

static struct { double hnu, win[2], band[2]; const char *fluence; } SG = {0, {NAN, NAN}, {NAN, NAN}, NULL};

int tamap_cmd_sigma(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap sigma"};
  cli_qopt *q = tamap_q_sigma; const size_t nq = TAMAP_NQ_SIGMA;   /* the table below */
  int first;
  if (tamap_start(&c, argc, argv, q, nq, &SG, sizeof SG, &first) < 0) return CLI_USAGE;
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
    gk_tamap_prepare_options po;
    rc = tamap_prep_options(&tamap_mo, &po);
    if (!rc) {
      gk_error e;
      gk_notes notes = {0};
      gk_error_clear(&e);
      cli_set_fieldmap(tamap_fields);
      int lrc = gk_tamap_series_signal((const char *const *)(argv + first), nf, &po, win[0], win[1], bw[0], bw[1], fy,
                                       &flipped, &notes, &e);
      cli_notes_warn(&notes, "--delay-unit");
      gk_notes_free(&notes);
      if (lrc) rc = cli_error(&e);
    }
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
  tamap_sigma_view v = {path, argv + first, maps, fx, fy, n, win, band, flipped, hnu, y_unit, &f};
  rc = emit_tamap_sigma(&c, &v);
  if (maps) { free(fx); free(fy); }
  gk_columns_free(&col);
  return rc;
}

cli_qopt tamap_q_sigma[] = {
  CLI_OPT_QTY("photon-energy", "E", "eV", QO_POS, &SG.hnu, NULL, "pump photon energy, required"),
  CLI_OPT_STRQ("fluence", "F1,F2,..", "J/cm2", &SG.fluence, NULL,
               "pump fluence of each map, in the order of the maps (units as 5uJ/cm2)"),
  CLI_OPT_RANGE("window", "s", SG.win, NULL, "delays averaged in every map (e.g. 200ps:1ns), required with maps"),
  CLI_OPT_RANGE("band", "nm", SG.band, "all", "wavelengths averaged"),
  MAP_QOPTS,
};

/* ---- gain --------------------------------------------------------------- */

static struct {
  const char *ground, *nmean, *fluence;
  double win[2], delay, sigma, hnu, thick, probe, degen;
} GN = {NULL, NULL, NULL, {NAN, NAN}, NAN, 0, 0, 0, NAN, 2};

int tamap_cmd_gain(int argc, char **argv)
{
  cli_common c = {.cmd = "tamap gain"};
  cli_qopt *q = tamap_q_gain; const size_t nq = TAMAP_NQ_GAIN;   /* the table below */
  int first;
  if (tamap_start(&c, argc, argv, q, nq, &GN, sizeof GN, &first) < 0) return CLI_USAGE;
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
  gk_tamap_prepare_options po;
  gk_tamap_prepared maps[GK_TAMAP_MAX_GAIN_SETS];
  const gk_tamap *mp[GK_TAMAP_MAX_GAIN_SETS];
  size_t loaded = 0;
  int rc = tamap_prep_options(&tamap_mo, &po);
  for (size_t d = 0; !rc && d < nsets; d++, loaded++) {
    rc = tamap_load(argv[first + (int)d], &po, &maps[d]);
    mp[d] = &maps[d].map;
  }
  if (rc && loaded) loaded--;
  gk_tamap_gain_result r;
  memset(&r, 0, sizeof r);
  if (!rc) {
    double lo = isfinite(delay) ? delay : win[0], hi = isfinite(delay) ? delay : win[1];
    /* one delay: the nearest sample of the first map, which every map must have */
    if (isfinite(delay)) {
      if (gk_tamap_common_delay(mp, nsets, delay, &lo, &e) != GK_OK) rc = cli_error(&e);
      hi = lo;
    }
    if (!rc && gk_tamap_gain(mp, nsets, nmean, g.x, g.y, g.n, lo, hi, thick, &r, &e) != GK_OK) {
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", ground);
      rc = cli_error(&e);
    }
    win[0] = lo;
    win[1] = hi;
  }
  /* the Poisson gain-curve fit at one wavelength (gainkit ta's) */
  gk_ta_gain_curve gc = {0};
  size_t ip = (size_t)-1;
  gk_error ge;
  gk_error_clear(&ge);
  int gc_ok = !rc && gfit && gk_tamap_gain_curve(&r, nmean, probe, degen, &ip, &gc, &ge) == GK_OK && ip != (size_t)-1;
  if (!rc) {
    tamap_gain_view v = {argv + first, nsets, nmean, nm_s != NULL, win, thick, gfit, &r, ip, &gc, gc_ok, ge.msg};
    rc = emit_tamap_gain(&c, &v);
  }
  for (size_t d = 0; d < loaded; d++) gk_tamap_prepared_free(&maps[d]);
  gk_columns_free(&g);
  gk_ta_gain_curve_free(&gc);
  gk_tamap_gain_free(&r);
  return rc;
}

cli_qopt tamap_q_gain[] = {
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
