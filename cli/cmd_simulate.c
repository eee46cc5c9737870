/* gainkit simulate — synthetic VPI/VSL data from the time-domain model of a
 * stripe-pumped film (gainkit/simulate.h, docs/simulate.md). The CSVs it
 * writes are the matrices `gainkit vpi`, `gainkit threshold --spectra` and
 * `gainkit vsl --matrix` read, with the configuration in '#' lines. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gainkit/simulate.h"
#include "sim_mpi.h"

enum { OPT_VPI = CLI_OPT_FIRST_FREE, OPT_VPI_RANGE, OPT_VSL, OPT_VSL_RANGE, OPT_TR };

static const char HELP[] =
    "Usage: gainkit simulate CONFIG.yaml [--vpi F1,F2,... | --vpi-range F1:F2:N]\n"
    "                        [--vsl L1,L2,... | --vsl-range L1:L2:N] [--time-resolved]\n"
    "                        [-o OUT.csv] [--format text|json] [--plot OUT]\n"
    "\n"
    "Time-domain, spectrally resolved simulation of a stripe-pumped film: rate\n"
    "equations of the emitters coupled to forward/backward guided photon fluxes\n"
    "(docs/simulate.md). Without a sweep flag the sweep in CONFIG is run; without\n"
    "one there, a single run at the configured fluence and stripe length.\n"
    "\n"
    "Options:\n"
    "  --vpi F1,F2,...      pump fluences (uJ/cm2; '0.5mJ/cm2' works)\n"
    "  --vpi-range F1:F2:N  N fluences spaced geometrically from F1 to F2 (uJ/cm2)\n"
    "  --vsl L1,L2,...      stripe lengths (cm; '2mm' works)\n"
    "  --vsl-range L1:L2:N  N stripe lengths spaced geometrically (cm)\n"
    "  --time-resolved      single run: write the edge spectrum versus time\n"
    "\n"
    "Outputs (-o .csv): a sweep writes the matrix of time-integrated edge spectra\n"
    "(first row fluences in mJ/cm2 or stripe lengths in cm, first column wavelength\n"
    "in nm, photons/nm), read directly by `gainkit vpi`, `gainkit threshold\n"
    "--spectra` and `gainkit vsl --matrix`; '#' lines record the configuration\n"
    "(stripe_length_cm, ...). A single run writes the spectrum, or with\n"
    "--time-resolved the spectrum-versus-time matrix (columns t in ns).\n"
    "\n"
    "`mpirun -np K gainkit simulate ...` spreads the sweep points over K ranks;\n"
    "rank 0 writes the same output as a serial run.\n"
    "\n"
    "Examples:\n"
    "  gainkit simulate examples/sim-500ps.yaml --vpi-range 0.05mJ/cm2:2.5mJ/cm2:8 \\\n"
    "      -o vpi-series.csv --plot vpi-series.png\n"
    "  gainkit simulate examples/sim-500ps.yaml --vpi 0.73mJ/cm2 --time-resolved --plot t.png\n"
    "\n" CLI_COMMON_HELP;

/* Configuration lines for the CSV: `key: value` so that readers find them
 * with gk_meta_get (stripe_length_cm is what vpi/vsl look for). */
/* How a spectral input was given, for the '#' lines. */
static void band_comment(gk_csv *t, const char *key, const gk_sim_band *b)
{
  if (b->ntab)
    gk_csv_add_comment(t, "%s: table of %zu points %.10g-%.10g nm, scale %.6g", key, b->ntab, b->tab_lambda[0],
                       b->tab_lambda[b->ntab - 1], b->peak);
  else
    gk_csv_add_comment(t, "%s: peak %.6g center %.10g fwhm %.10g", key, b->peak, b->center, b->fwhm);
}

static void add_config(gk_csv *t, const char *path, const gk_sim_file *f, const gk_sim_config *c)
{
  gk_csv_add_comment(t, "gainkit simulate %s", path);
  gk_csv_add_comment(t, "stripe_length_cm: %.10g", c->stripe_length);
  gk_csv_add_comment(t, "stripe_width_cm: %.10g", c->stripe_width);
  gk_csv_add_comment(t, "thickness_cm: %.10g", c->thickness);
  gk_csv_add_comment(t, "index: %.10g", c->index);
  gk_csv_add_comment(t, "confinement: %.10g", c->confinement);
  if (f->confinement_from[0])
    gk_csv_add_comment(t, "confinement_from: %s (TE0, active layer, %.6g nm)", f->confinement_from,
                       f->confinement_nm);
  gk_csv_add_comment(t, "coupling: %.10g", c->coupling);
  gk_csv_add_comment(t, "background_loss_cm-1: %.10g", c->background_loss);
  if (c->background.peak > 0) band_comment(t, "background_loss_lambda_cm-1", &c->background);
  gk_csv_add_comment(t, "pump_wavelength_nm: %.10g", c->pump_wavelength);
  gk_csv_add_comment(t, "pump_fwhm_s: %.10g", c->pump_fwhm);
  gk_csv_add_comment(t, "pump_fluence_J_cm-2: %.10g", c->pump_fluence);
  gk_csv_add_comment(t, "pump_cross_section_cm2: %.10g", c->pump_cross_section);
  gk_csv_add_comment(t, "density_cm-3: %.10g", c->density);
  gk_csv_add_comment(t, "lifetime_s: %.10g", c->lifetime);
  gk_csv_add_comment(t, "radiative_fraction: %.10g", c->radiative_fraction);
  band_comment(t, "emission_nm", &c->emission);
  if (c->fl_sigma_e) gk_csv_add_comment(t, "sigma_e: fuchtbauer-ladenburg");
  else band_comment(t, "sigma_e_cm2", &c->sigma_e);
  band_comment(t, "sigma_a_cm2", &c->sigma_a);
  band_comment(t, "sigma_esa_cm2", &c->sigma_esa);
  if (c->second_fraction > 0)
    gk_csv_add_comment(t, "second_state: fraction %.10g lifetime_s %.10g radiative_fraction %.10g",
                       c->second_fraction, c->second_lifetime, c->second_radiative_fraction);
  gk_csv_add_comment(t, "grid: %zu cells, %zu bins %.10g-%.10g nm, %zu time bins, accuracy %.10g",
                     c->ncells, c->nbins, c->lambda_min, c->lambda_max, c->ntimes, c->accuracy);
  gk_csv_add_comment(t, "units: spectra in photons/nm (time-integrated) or photons/s/nm (time-resolved)");
}

/* Matrix CSV: header = corner + one cell per column value. */
static int matrix_csv(gk_csv *t, const char *corner, const double *cols, size_t ncol, double scale,
                      const double *lam, size_t nl, const double *const *colv, size_t stride)
{
  char **hdr = calloc(ncol + 1, sizeof *hdr);
  if (!hdr) return -1;
  hdr[0] = strdup(corner);
  for (size_t k = 0; k < ncol; k++) {
    char b[64];
    snprintf(b, sizeof b, "%.8g", cols[k] * scale);
    hdr[k + 1] = strdup(b);
  }
  int st = gk_csv_init(t, ncol + 1, (const char *const *)hdr);
  for (size_t k = 0; k <= ncol; k++) free(hdr[k]);
  free(hdr);
  if (st) return -1;
  double *row = malloc((ncol + 1) * sizeof *row);
  if (!row) return -1;
  for (size_t j = 0; j < nl && !st; j++) {
    row[0] = lam[j];
    for (size_t k = 0; k < ncol; k++) row[k + 1] = colv[stride ? 0 : k][stride ? k * stride + j : j];
    st = gk_csv_add_row(t, row);
  }
  free(row);
  return st ? -1 : 0;
}

static void json_budget(cJSON *o, const gk_sim_budget *b)
{
  cJSON *j = cJSON_AddObjectToObject(o, "budget_photons");
  gk_json_num(j, "absorbed", b->absorbed);
  gk_json_num(j, "spontaneous_guided", b->decay_guided);
  gk_json_num(j, "spontaneous_other_and_nonradiative", b->decay_other);
  gk_json_num(j, "stimulated_net", b->stimulated_net);
  gk_json_num(j, "out_edge", b->out_edge);
  gk_json_num(j, "out_far_end", b->out_far);
  gk_json_num(j, "loss_esa", b->loss_esa);
  gk_json_num(j, "loss_background", b->loss_bg);
  gk_json_num(j, "left_excited", b->left);
}

/* A width or wavelength with two decimals; "-" where it is undefined (no
 * light: a spectrum of zeros has no FWHM), never "nan". */
static const char *fixed2(char *buf, size_t n, double v)
{
  if (isfinite(v)) snprintf(buf, n, "%.2f", v);
  else snprintf(buf, n, "-");
  return buf;
}

typedef struct summary { double peak_nm, peak, fwhm, total; } summary;

static summary summarize(const gk_sim_result *r)
{
  summary s = {NAN, 0, NAN, 0};
  size_t m = 0;
  for (size_t j = 0; j < r->nbins; j++) {
    if (r->spectrum[j] > r->spectrum[m]) m = j;
    s.total += r->spectrum[j] * (r->nbins > 1 ? r->lambda[1] - r->lambda[0] : 1);
  }
  s.peak_nm = r->lambda[m];
  s.peak = r->spectrum[m];
  /* FWHM of the integrated spectrum: same interpolation as the library's
   * per-time FWHM, applied through a one-bin "time-resolved" view. */
  double h = 0.5 * s.peak, lo = NAN, hi = NAN;
  for (size_t j = m; j > 0; j--)
    if (r->spectrum[j - 1] <= h) {
      lo = r->lambda[j - 1] + (h - r->spectrum[j - 1]) / (r->spectrum[j] - r->spectrum[j - 1]) * (r->lambda[j] - r->lambda[j - 1]);
      break;
    }
  for (size_t j = m; j + 1 < r->nbins; j++)
    if (r->spectrum[j + 1] <= h) {
      hi = r->lambda[j] + (r->spectrum[j] - h) / (r->spectrum[j] - r->spectrum[j + 1]) * (r->lambda[j + 1] - r->lambda[j]);
      break;
    }
  s.fwhm = hi - lo;
  return s;
}

static int plot_sweep(const char *path, const gk_sim_result *rs, const double *v, size_t n, int vpi, gk_error *e)
{
  gk_figure *f = gk_figure_new(2, 1, 1300, 450, "gainkit simulate");
  if (!f) return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_labels(p, "wavelength (nm)", "edge spectrum (photons/nm)", "time-integrated spectra");
  gk_panel_log(p, 0, 1);
  /* name each spectrum by its fluence or length (outside: the spectra fill
   * the panel); past the palette's 8 colours a legend would be ambiguous */
  int legend = n <= GK_NCOLOURS;
  gk_panel_legend(p, legend ? GK_LEGEND_OUTSIDE_RIGHT : GK_LEGEND_NONE);
  double *pk = malloc(n * sizeof *pk), *xv = malloc(n * sizeof *xv);
  for (size_t k = 0; k < n && pk && xv; k++) {
    char lab[48];
    if (vpi) snprintf(lab, sizeof lab, "%.3g mJ/cm^2", v[k] * 1e3);
    else snprintf(lab, sizeof lab, "%.3g cm", v[k]);
    gk_panel_add(p, rs[k].lambda, rs[k].spectrum, NULL, rs[k].nbins, GK_STYLE_LINE, (int)(k % GK_NCOLOURS),
                 legend ? lab : NULL);
    pk[k] = summarize(&rs[k]).peak;
    xv[k] = vpi ? v[k] * 1e3 : v[k];
  }
  gk_panel *q = gk_figure_panel(f, 1);
  gk_panel_labels(q, vpi ? "pump fluence (mJ/cm^2)" : "stripe length (cm)", "peak (photons/nm)", "peak versus sweep");
  gk_panel_log(q, 1, 1);
  if (pk && xv) gk_panel_add(q, xv, pk, NULL, n, GK_STYLE_LINEPOINTS, GK_BLUE, NULL);
  free(pk);
  free(xv);
  int st = gk_figure_save(f, path, e);
  gk_figure_free(f);
  return st;
}

static int plot_single(const char *path, const gk_sim_result *r, gk_error *e)
{
  gk_figure *f = gk_figure_new(2, 1, 1100, 450, "gainkit simulate");
  if (!f) return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  size_t nt = r->ntimes;
  double *tn = malloc(nt * sizeof *tn), *in = malloc(nt * sizeof *in), *pn = malloc(nt * sizeof *pn);
  double imax = 0, pmax = 0;
  for (size_t k = 0; k < nt; k++) {
    if (r->intensity[k] > imax) imax = r->intensity[k];
    if (r->pump[k] > pmax) pmax = r->pump[k];
  }
  for (size_t k = 0; k < nt && tn && in && pn; k++) {
    tn[k] = r->t[k] * 1e9;
    in[k] = imax > 0 ? r->intensity[k] / imax : 0;
    pn[k] = pmax > 0 ? r->pump[k] / pmax : 0;
  }
  /* the time axes zoomed to where pump and output are (above 0.1 % of
   * their peaks; --full-range: everything computed) */
  double t0 = NAN, t1 = NAN, a, b;
  if (tn && in && pn) {
    if (gk_plot_signal_window(tn, in, nt, 1e-3, &a, &b)) t0 = a, t1 = b;
    if (isfinite(t0) && gk_plot_signal_window(tn, pn, nt, 1e-3, &a, &b)) t0 = fmin(t0, a), t1 = fmax(t1, b);
  }
  gk_panel *p = gk_figure_panel(f, 0);
  if (r->spectrum_t && tn) {
    gk_panel_labels(p, "wavelength (nm)", "time (ns)", "edge spectrum versus time");
    gk_panel_image(p, r->lambda, r->nbins, tn, nt, r->spectrum_t, "photons/s/nm (log)");
    /* a 1 ns burst on a map that spans decades: a log colour scale over
     * four decades below the peak shows its rise and tail */
    gk_panel_zlog(p, 4);
    if (isfinite(t0)) gk_panel_yrange(p, t0, t1);
  } else {
    gk_panel_labels(p, "wavelength (nm)", "edge spectrum (photons/nm)", "time-integrated spectrum");
    gk_panel_add(p, r->lambda, r->spectrum, NULL, r->nbins, GK_STYLE_LINE, GK_BLUE, NULL);
  }
  gk_panel *q = gk_figure_panel(f, 1);
  gk_panel_labels(q, "time (ns)", "normalised / FWHM (100 nm)", "pump, output and FWHM");
  if (isfinite(t0)) gk_panel_xrange(q, t0, t1);
  if (tn && in && pn) {
    double *fw = malloc(nt * sizeof *fw);
    gk_panel_add(q, tn, pn, NULL, nt, GK_STYLE_DASHED, GK_GREY, "pump");
    gk_panel_add(q, tn, in, NULL, nt, GK_STYLE_LINE, GK_BLUE, "edge output");
    if (fw) {
      /* the width of an output that is not there means nothing: shown
       * where the output is above 0.1 % of its peak */
      for (size_t k = 0; k < nt; k++) fw[k] = in[k] > 1e-3 ? r->fwhm[k] / 100 : NAN;
      gk_panel_add(q, tn, fw, NULL, nt, GK_STYLE_LINE, GK_ORANGE, "FWHM/100 nm");
      free(fw);
    }
  }
  free(tn);
  free(in);
  free(pn);
  int st = gk_figure_save(f, path, e);
  gk_figure_free(f);
  return st;
}

static int simulate(int argc, char **argv, const sim_mpi *mpi)
{
  cli_common com = {.cmd = "simulate"};
  static const struct option lo[] = {{"vpi", required_argument, NULL, OPT_VPI},
                                     {"vpi-range", required_argument, NULL, OPT_VPI_RANGE},
                                     {"vsl", required_argument, NULL, OPT_VSL},
                                     {"vsl-range", required_argument, NULL, OPT_VSL_RANGE},
                                     {"time-resolved", no_argument, NULL, OPT_TR},
                                     CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
  double *sw = NULL;
  size_t nsw = 0;
  int kind = -1, tr = 0, opt;
  const char *swopt = NULL;
  while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, lo, "simulate")) != -1) {
    int rc = 0;
    if (opt == '?') { free(sw); return CLI_USAGE; }
    if (opt >= OPT_VPI && opt <= OPT_VSL_RANGE) {
      if (sw) { free(sw); return cli_usage("simulate", "give one sweep (--vpi, --vpi-range, --vsl or --vsl-range)"); }
      int vpi = opt == OPT_VPI || opt == OPT_VPI_RANGE;
      const char *base = vpi ? "J/cm2" : "cm";
      kind = vpi ? GK_SIM_SWEEP_FLUENCE : GK_SIM_SWEEP_LENGTH;
      swopt = opt == OPT_VPI ? "--vpi" : opt == OPT_VPI_RANGE ? "--vpi-range" : opt == OPT_VSL ? "--vsl" : "--vsl-range";
      if (opt == OPT_VPI || opt == OPT_VSL) {
        rc = cli_list(swopt, optarg, base, &sw, &nsw);
        for (size_t i = 0; !rc && i < nsw; i++)
          if (!(sw[i] > 0)) {
            fprintf(stderr, "gainkit: %s: values must be positive\n", swopt);
            rc = -1;
          }
      } else {
        gk_error e;
        gk_error_clear(&e);
        /* bare numbers in the option's unit (uJ/cm2 for fluences), as --help says */
        const cli_dim *d = cli_dim_find(swopt, base);
        double f = 1;
        if (gk_sim_parse_range(optarg, d ? d->unit : base, &sw, &nsw, &e) ||
            (d && gk_unit_factor(d->unit, base, &f, &e))) {
          fprintf(stderr, "gainkit: %s: %s\n", swopt, e.msg);
          rc = -1;
        }
        for (size_t i = 0; !rc && i < nsw; i++) {
          if (d && (i == 0 || i + 1 == nsw)) cli_dim_check(d, optarg, sw[i]);
          sw[i] *= f;
        }
        /* into base the way suffixed values go (the bare endpoints get the
         * option's unit written after them), so that "50:2500:3" and
         * "0.05mJ/cm2:2.5mJ/cm2:3" give the same doubles bit for bit */
        char *c1 = strchr(optarg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!rc && d && f != 1 && c2 && strlen(optarg) < 200) {
          char a[256], b[256], txt[600];
          double dummy;
          gk_error eb;
          snprintf(a, sizeof a, "%.*s", (int)(c1 - optarg), optarg);
          snprintf(b, sizeof b, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
          gk_error_clear(&eb);
          int ba = gk_parse_number(a, &dummy, &eb) == GK_OK;
          gk_error_clear(&eb);
          int bb = gk_parse_number(b, &dummy, &eb) == GK_OK;
          snprintf(txt, sizeof txt, "%s%s:%s%s%s", a, ba ? d->unit : "", b, bb ? d->unit : "", c2);
          double *swb = NULL;
          size_t nb = 0;
          gk_error_clear(&eb);
          if (gk_sim_parse_range(txt, base, &swb, &nb, &eb) == GK_OK && nb == nsw) memcpy(sw, swb, nsw * sizeof *sw);
          free(swb);
        }
      }
    } else if (opt == OPT_TR) {
      tr = 1;
    } else {
      rc = cli_common_option(&com, opt, optarg);
      if (rc == 0) rc = -1;
      else if (rc == 1) rc = 0;
    }
    if (rc) { free(sw); return CLI_USAGE; }
  }
  if (optind + 1 != argc) { free(sw); return cli_usage("simulate", "expected one CONFIG.yaml"); }
  if (cli_common_check(&com)) { free(sw); return CLI_USAGE; }
  const char *path = argv[optind];
  gk_sim_file cf;
  gk_error e;
  gk_error_clear(&e);
  if (gk_sim_config_read(path, &cf, &e)) { free(sw); return cli_error(&e); }
  if (gk_sim_file_confinement(&cf, &e)) { gk_sim_file_free(&cf); free(sw); return cli_error(&e); }
  if (!sw && cf.sweep) {
    sw = cf.sweep;
    nsw = cf.nsweep;
    kind = (int)cf.sweep_kind;
    cf.sweep = NULL;
  }
  /* cf stays alive until the end: c's spectral tables point into it */
  gk_sim_config c = cf.cfg;
  if (tr && sw && nsw > 1) {
    free(sw);
    gk_sim_file_free(&cf);
    return cli_usage("simulate", "--time-resolved needs a single run (give one value, e.g. --vpi 0.7mJ/cm2)");
  }
  if (sw && nsw == 1) {
    if (kind == GK_SIM_SWEEP_FLUENCE) c.pump_fluence = sw[0];
    else c.stripe_length = sw[0];
    if (tr) { free(sw); sw = NULL; nsw = 0; }
  }
  c.time_resolved = tr;
  size_t nres = sw ? nsw : 1;
  gk_sim_result *rs = calloc(nres, sizeof *rs);
  if (!rs) { free(sw); gk_sim_file_free(&cf); return CLI_FAILED; }
  gk_progress prog = cli_progress("simulate");
  /* A single run is not split: ranks other than 0 have nothing to do. */
  int st = sw ? sim_mpi_sweep(mpi, &c, (gk_sim_sweep_kind)kind, sw, nsw, rs, &prog, &e)
              : mpi->rank == 0 ? gk_sim_run(&c, &rs[0], &prog, &e) : GK_OK;
  cli_progress_done(&prog);
  if (st || mpi->rank != 0 || cli_interrupted()) {
    free(sw);
    free(rs);
    gk_sim_file_free(&cf);
    return st ? cli_error(&e) : cli_interrupted() ? CLI_FAILED : CLI_OK;
  }

  int vpi = kind != GK_SIM_SWEEP_LENGTH;
  cJSON *j = cJSON_CreateObject();
  cli_buf b = {0};
  gk_csv csv = {0};
  int csvok = 0;
  cJSON_AddStringToObject(j, "command", "simulate");
  cJSON_AddStringToObject(j, "config", path);
  gk_json_num(j, "stripe_length_cm", c.stripe_length);
  gk_json_num(j, "pump_fwhm_s", c.pump_fwhm);
  gk_json_array(j, "wavelength_nm", rs[0].lambda, rs[0].nbins);
  cli_printf(&b, "config:       %s\npump:         %g nm, FWHM %g ns\nstripe:       L = %g cm, b = %g um\n",
             path, c.pump_wavelength, c.pump_fwhm * 1e9, c.stripe_length, c.stripe_width * 1e4);
  if (sw) {
    cJSON_AddStringToObject(j, "sweep", vpi ? "fluence" : "stripe_length");
    cJSON *pts = cJSON_AddArrayToObject(j, "points");
    cli_printf(&b, "  %15s  %10s  %14s  %10s  %14s  %6s\n", vpi ? "fluence (mJ/cm2)" : "L (cm)", "peak (nm)",
               "peak (ph/nm)", "FWHM (nm)", "edge (ph)", "steps");
    const double **cols = malloc(nsw * sizeof *cols);
    for (size_t k = 0; k < nsw; k++) {
      summary s = summarize(&rs[k]);
      cJSON *o = cJSON_CreateObject();
      cJSON_AddItemToArray(pts, o);
      gk_json_num(o, vpi ? "fluence_J_cm-2" : "stripe_length_cm", sw[k]);
      gk_json_num(o, "peak_nm", s.peak_nm);
      gk_json_num(o, "peak_photons_per_nm", s.peak);
      gk_json_num(o, "fwhm_nm", s.fwhm);
      gk_json_num(o, "edge_photons", rs[k].budget.out_edge);
      cJSON_AddNumberToObject(o, "steps", (double)rs[k].steps);
      gk_json_array(o, "spectrum_photons_per_nm", rs[k].spectrum, rs[k].nbins);
      json_budget(o, &rs[k].budget);
      cli_cell(&b, 15, vpi ? sw[k] * 1e3 : sw[k]);
      char f1[32], f2[32];
      cli_printf(&b, "  %10s", fixed2(f1, sizeof f1, s.peak_nm));
      cli_cell(&b, 14, s.peak);
      cli_printf(&b, "  %10s", fixed2(f2, sizeof f2, s.fwhm));
      cli_cell(&b, 14, rs[k].budget.out_edge);
      cli_printf(&b, "  %6zu\n", rs[k].steps);
      if (cols) cols[k] = rs[k].spectrum;
    }
    if (cols)
      csvok = !matrix_csv(&csv, vpi ? "wavelength (nm) \\ fluence (mJ/cm2)" : "wavelength (nm) \\ L (cm)", sw,
                          nsw, vpi ? 1e3 : 1, rs[0].lambda, rs[0].nbins, cols, 0);
    free(cols);
  } else {
    const gk_sim_result *r = &rs[0];
    summary s = summarize(r);
    gk_json_num(j, "fluence_J_cm-2", c.pump_fluence);
    gk_json_num(j, "peak_nm", s.peak_nm);
    gk_json_num(j, "fwhm_nm", s.fwhm);
    gk_json_array(j, "spectrum_photons_per_nm", r->spectrum, r->nbins);
    json_budget(j, &r->budget);
    double *tn = malloc(r->ntimes * sizeof *tn);
    for (size_t k = 0; tn && k < r->ntimes; k++) tn[k] = r->t[k] * 1e9;
    if (tn) gk_json_array(j, "t_ns", tn, r->ntimes);
    gk_json_array(j, "pump_photons_cm-2_s-1", r->pump, r->ntimes);
    gk_json_array(j, "edge_photons_per_s", r->intensity, r->ntimes);
    gk_json_array(j, "fwhm_t_nm", r->fwhm, r->ntimes);
    char pk[32], oe[32], ab[32], pn[32], fw[32];
    cli_printf(&b, "fluence:      %g mJ/cm2\npeak:         %s nm, %s photons/nm\nFWHM:         %s nm\n"
               "edge output:  %s photons (absorbed %s)\nsteps:        %zu\n",
               c.pump_fluence * 1e3, fixed2(pn, sizeof pn, s.peak_nm), cli_fmt_num(pk, sizeof pk, s.peak, CLI_SIG),
               fixed2(fw, sizeof fw, s.fwhm),
               cli_fmt_num(oe, sizeof oe, r->budget.out_edge, CLI_SIG),
               cli_fmt_num(ab, sizeof ab, r->budget.absorbed, CLI_SIG), r->steps);
    cli_printf(&b, "  %10s  %15s  %14s  %10s\n", "t (ns)", "pump (ph/cm2/s)", "edge (ph/s)", "FWHM (nm)");
    size_t every = r->ntimes > 20 ? r->ntimes / 20 : 1;
    for (size_t k = 0; k < r->ntimes; k += every) {
      cli_cell(&b, 10, r->t[k] * 1e9);
      cli_cell(&b, 15, r->pump[k]);
      cli_cell(&b, 14, r->intensity[k]);
      char f1[32];
      cli_printf(&b, "  %10s\n", fixed2(f1, sizeof f1, r->fwhm[k]));
    }
    if (tr && tn) {
      csvok = !matrix_csv(&csv, "wavelength (nm) \\ t (ns)", tn, r->ntimes, 1, r->lambda, r->nbins,
                          (const double *const[]){r->spectrum_t}, r->nbins);
    } else {
      const char *h[] = {"wavelength (nm)", "spectrum (photons/nm)"};
      csvok = gk_csv_init(&csv, 2, h) == GK_OK;
      for (size_t k = 0; csvok && k < r->nbins; k++) csvok = gk_csv_add_row(&csv, (double[]){r->lambda[k], r->spectrum[k]}) == GK_OK;
    }
    free(tn);
  }
  if (csvok) add_config(&csv, path, &cf, &c);
  int rc = CLI_OK;
  if (com.plot) {
    gk_error pe;
    gk_error_clear(&pe);
    int ps = sw ? plot_sweep(com.plot, rs, sw, nsw, vpi, &pe) : plot_single(com.plot, &rs[0], &pe);
    if (ps) rc = cli_error(&pe);
  }
  if (rc == CLI_OK) rc = cli_emit(&com, j, b.s, csvok ? &csv : NULL, CLI_OK);
  cJSON_Delete(j);
  cli_buf_free(&b);
  gk_csv_free(&csv);
  for (size_t k = 0; k < nres; k++) gk_sim_result_free(&rs[k]);
  free(rs);
  free(sw);
  gk_sim_file_free(&cf);
  return rc;
}

/* MPI starts here and only here (and only under mpirun), so no other
 * command pays its start-up cost. */
static int run(int argc, char **argv)
{
  sim_mpi mpi;
  sim_mpi_init(&mpi);
  return sim_mpi_finish(&mpi, simulate(argc, argv, &mpi));
}

const struct cli_command cli_cmd_simulate = {
  .name = "simulate",
  .summary = "time-domain simulation of a stripe-pumped film (synthetic VPI/VSL data)",
  .order = 60,
  .help = HELP,
  .run = run,
};
