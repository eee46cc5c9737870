/* Output of `gainkit simulate` (cli/emit_simulate.h): the CSV matrices with
 * their configuration lines, JSON, text, figures; the fit's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_simulate.h"

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

/* A named number: one `key: value` line, one JSON member. */
typedef struct { const char *key; double v; } named_num;

static void num_comments(gk_csv *t, const named_num *kv, size_t n)
{
  for (size_t i = 0; i < n; i++) gk_csv_add_comment(t, "%s: %.10g", kv[i].key, kv[i].v);
}

static void add_config(gk_csv *t, const char *path, const gk_sim_file *f, const gk_sim_config *c)
{
  gk_csv_add_comment(t, "gainkit simulate %s", path);
  const named_num geom[] = {{"stripe_length_cm", c->stripe_length}, {"stripe_width_cm", c->stripe_width},
                            {"thickness_cm", c->thickness},         {"index", c->index},
                            {"confinement", c->confinement}};
  num_comments(t, geom, sizeof geom / sizeof *geom);
  if (f->confinement_from[0])
    gk_csv_add_comment(t, "confinement_from: %s (TE0, active layer, %.6g nm)", f->confinement_from,
                       f->confinement_nm);
  const named_num loss[] = {{"coupling", c->coupling}, {"background_loss_cm-1", c->background_loss}};
  num_comments(t, loss, sizeof loss / sizeof *loss);
  if (c->background.peak > 0) band_comment(t, "background_loss_lambda_cm-1", &c->background);
  const named_num pump[] = {{"pump_wavelength_nm", c->pump_wavelength},
                            {"pump_fwhm_s", c->pump_fwhm},
                            {"pump_fluence_J_cm-2", c->pump_fluence},
                            {"pump_cross_section_cm2", c->pump_cross_section},
                            {"density_cm-3", c->density},
                            {"lifetime_s", c->lifetime},
                            {"radiative_fraction", c->radiative_fraction}};
  num_comments(t, pump, sizeof pump / sizeof *pump);
  band_comment(t, "emission_nm", &c->emission);
  if (c->fl_sigma_e) gk_csv_add_comment(t, "sigma_e: fuchtbauer-ladenburg");
  else band_comment(t, "sigma_e_cm2", &c->sigma_e);
  band_comment(t, "sigma_a_cm2", &c->sigma_a);
  band_comment(t, "sigma_esa_cm2", &c->sigma_esa);
  if (c->second_fraction > 0)
    gk_csv_add_comment(t, "second_state: fraction %.10g lifetime_s %.10g radiative_fraction %.10g",
                       c->second_fraction, c->second_lifetime, c->second_radiative_fraction);
  if (c->kinetics == GK_SIM_BULK) {
    gk_csv_add_comment(t, "carriers: bulk k1 %.10g s^-1 k2 %.10g cm^3/s k3 %.10g cm^6/s pump_absorption %.10g cm^-1",
                       c->k1, c->k2, c->k3, c->pump_absorption);
    gk_csv_add_comment(t, "gain: %s n_th %.10g cm^-3 n_s %.10g cm^-3",
                       c->gain_law == GK_SIM_GAIN_SATURATING ? "saturating" : "linear", c->gain_nth, c->gain_ns);
    band_comment(t, "gain_sigma_cm2", &c->gain_sigma);
  }
  if (c->npol == 2)
    gk_csv_add_comment(t, "modes: te+tm confinement_tm %.10g coupling_tm %.10g mode_loss_cm-1 %.10g %.10g",
                       c->confinement_tm, c->coupling_tm, c->mode_loss[0], c->mode_loss[1]);
  else if (c->mode_loss[0] > 0)
    gk_csv_add_comment(t, "mode_loss_te_cm-1: %.10g", c->mode_loss[0]);
  if (c->pump_profile == GK_SIM_GAUSS || gk_sim_channels(c) > 1)
    gk_csv_add_comment(t, "pump_profile: %s, %zu lateral strips",
                       c->pump_profile == GK_SIM_GAUSS ? "gaussian (FWHM = stripe width)" : "top-hat",
                       gk_sim_channels(c));
  if (c->pump_along.ntab)
    gk_csv_add_comment(t, "pump_along: table of %zu points %.10g-%.10g cm", c->pump_along.ntab,
                       c->pump_along.tab_lambda[0], c->pump_along.tab_lambda[c->pump_along.ntab - 1]);
  if (c->unpumped_length > 0)
    gk_csv_add_comment(t, "unpumped_length_cm: %.10g (simulated %.10g)", c->unpumped_length,
                       (double)gk_sim_unpumped_cells(c) * c->stripe_length / (double)c->ncells);
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

static void json_budget(cJSON *o, const gk_sim_budget *b, int stk)
{
  cJSON *j = cJSON_AddObjectToObject(o, "budget_photons");
  const named_num kv[] = {{"absorbed", b->absorbed},
                          {"spontaneous_guided", b->decay_guided},
                          {"spontaneous_other_and_nonradiative", b->decay_other},
                          {"stimulated_net", b->stimulated_net},
                          {"out_edge", b->out_edge},
                          {"out_far_end", b->out_far},
                          {"loss_esa", b->loss_esa},
                          {"loss_background", b->loss_bg},
                          {"left_excited", b->left}};
  for (size_t i = 0; i < sizeof kv / sizeof *kv; i++) gk_json_num(j, kv[i].key, kv[i].v);
  if (!stk) return;
  /* pump.depth: stack: the pump's own balance, incident = reflected +
   * absorbed above the film + absorbed + passed below the film */
  const named_num pk[] = {{"pump_incident", b->pump_incident},
                          {"pump_reflected", b->pump_reflected},
                          {"pump_absorbed_above_film", b->pump_above},
                          {"pump_passed_below_film", b->pump_below}};
  for (size_t i = 0; i < sizeof pk / sizeof *pk; i++) gk_json_num(j, pk[i].key, pk[i].v);
  cJSON_AddNumberToObject(j, "pump_transfer_matrix_solves", (double)b->pump_solves);
}

/* Per-slice populations of a depth-resolved run (cm^-3, slice 0 at the
 * pumped face): JSON object and text lines. */
static void json_slices(cJSON *o, const gk_sim_config *c, const gk_sim_result *r)
{
  if (r->nslices < 2 || !r->slice_n1_max) return;
  size_t nz = r->nslices;
  int bulk = c->kinetics == GK_SIM_BULK;
  cJSON *j = cJSON_AddObjectToObject(o, "slice_populations");
  cJSON_AddStringToObject(j, "unit", "cm^-3");
  cJSON_AddStringToObject(j, "n1", bulk ? "carrier density N" : "emitting state N1");
  cJSON_AddStringToObject(j, "where", "mean over the pumped cells of the central lateral strip; slice 0 at the "
                                      "pumped face");
  gk_json_array(j, "n1_max", r->slice_n1_max, nz);
  gk_json_array(j, "n1_at_pump_peak", r->slice_n1_at_peak, nz);
  gk_json_array(j, "n2_max", r->slice_n2_max, nz);
  gk_json_array(j, "n2_at_pump_peak", r->slice_n2_at_peak, nz);
  if (!isfinite(r->slice_n1_at_peak[0]))
    cJSON_AddStringToObject(j, "at_pump_peak_reason", "the time window does not contain the pump peak t = 0");
  if (!bulk) {
    double fr[GK_SIM_MAX_SLICES];
    for (size_t z = 0; z < nz; z++) fr[z] = (r->slice_n1_at_peak[z] + r->slice_n2_at_peak[z]) / c->density;
    gk_json_array(j, "excited_fraction_at_pump_peak", fr, nz);
  }
}

static void text_slices(cli_buf *b, const gk_sim_config *c, const gk_sim_result *r)
{
  if (r->nslices < 2 || !r->slice_n1_max) return;
  int bulk = c->kinetics == GK_SIM_BULK;
  cli_printf(b, "slices:       %s per slice (cm^-3; pumped face first; mean of the central strip's pumped cells)\n",
             bulk ? "N" : "N1");
  cli_printf(b, "  %5s  %12s  %14s%s\n", "slice", "max", "at pump peak", bulk ? "" : "  excited fraction at peak");
  for (size_t z = 0; z < r->nslices; z++) {
    char m[32], p[32];
    cli_printf(b, "  %5zu  %12s  %14s", z, cli_fmt_num(m, sizeof m, r->slice_n1_max[z], CLI_SIG),
               isfinite(r->slice_n1_at_peak[z]) ? cli_fmt_num(p, sizeof p, r->slice_n1_at_peak[z], CLI_SIG) : "-");
    if (!bulk && isfinite(r->slice_n1_at_peak[z]))
      cli_printf(b, "  %.4f", (r->slice_n1_at_peak[z] + r->slice_n2_at_peak[z]) / c->density);
    cli_printf(b, "\n");
  }
}

/* TE and TM spectra of a two-mode run. */
static void json_pol(cJSON *o, const gk_sim_result *r)
{
  if (r->npol != 2) return;
  gk_json_array(o, "spectrum_te_photons_per_nm", r->spectrum_pol, r->nbins);
  gk_json_array(o, "spectrum_tm_photons_per_nm", r->spectrum_pol + r->nbins, r->nbins);
}

/* A width or wavelength with two decimals; "-" where it is undefined (no
 * light: a spectrum of zeros has no FWHM), never "nan". */
static const char *fixed2(char *buf, size_t n, double v)
{
  if (isfinite(v)) snprintf(buf, n, "%.2f", v);
  else snprintf(buf, n, "-");
  return buf;
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
    pk[k] = gk_sim_result_summary(&rs[k]).peak;
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
    gk_panel_add(q, tn, in, NULL, nt, GK_STYLE_LINE, GK_BLUE, r->npol == 2 ? "edge output (TE+TM)" : "edge output");
    if (r->npol == 2) {
      /* TM on its own scale: it is orders of magnitude weaker above threshold */
      double *tmn = malloc(nt * sizeof *tmn), tmax = 0;
      for (size_t k = 0; k < nt; k++) tmax = fmax(tmax, r->intensity_pol[nt + k]);
      if (tmn) {
        for (size_t k = 0; k < nt; k++) tmn[k] = tmax > 0 ? r->intensity_pol[nt + k] / tmax : 0;
        gk_panel_add(q, tn, tmn, NULL, nt, GK_STYLE_DOTTED, GK_VERMILLION, "TM output (own scale)");
        free(tmn);
      }
    }
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

/* --fit-to: the measured VPI matrix, the fit, the best-fit simulated set. */
int sim_emit_fit(const cli_common *com, const char *path, const gk_sim_file *cf, const char *data,
                 const gk_sim_fit_result *frp, const gk_sim_result *rs, const double *fl, size_t nf, size_t nl,
                 size_t np, int vsl, double scale, double fit_min)
{
  const gk_sim_fit_result fr = *frp;
  char buf[512];
  cJSON *j = cJSON_CreateObject();
  cli_buf b = {0};
  cJSON_AddStringToObject(j, "command", "simulate --fit-to");
  cJSON_AddStringToObject(j, "config", path);
  cJSON_AddStringToObject(j, "data", data);
  cJSON_AddStringToObject(j, "sweep", vsl ? "stripe_length" : "fluence");
  cli_printf(&b, "config:       %s\ndata:         %s (%zu wavelengths x %zu %s, %zu points used: above %g of the "
             "maximum)\n", path, data, nl, nf, vsl ? "stripe lengths" : "fluences", fr.n_used, fit_min);
  cli_printf(&b, "fit:          %s after %zu iterations, %zu sweeps; chi2_red %s (relative weights)\n",
             fr.converged ? "converged" : "NOT CONVERGED", fr.n_iter, fr.n_sweeps,
             cli_fmt_num(buf, sizeof buf, fr.chi2_red, CLI_SIG));
  if (!fr.converged) cli_printf(&b, "              %s\n", fr.reason);
  cJSON *ps = cJSON_AddObjectToObject(j, "parameters");
  int det = 1;
  for (size_t k = 0; k < np; k++) {
    int d = fr.cov_ok && cli_determined(fr.value[k], fr.se[k]);
    det &= d;
    const char *why = fr.cov_ok ? "standard error larger than the value" : "singular covariance";
    cJSON *o = cli_json_value(ps, fr.name[k], fr.value[k], fr.se[k], d, d ? NULL : why);
    if (o) {
      cJSON_AddStringToObject(o, "unit", fr.unit[k]);
      gk_json_num(o, "start", fr.start[k]);
    }
    char lab[64];
    snprintf(lab, sizeof lab, "%s", fr.name[k]);
    if (d) cli_print_value(&b, lab, fr.value[k], fr.se[k], fr.unit[k]);
    else cli_print_undetermined(&b, lab, fr.value[k], fr.se[k], fr.unit[k], why);
  }
  cJSON_AddBoolToObject(j, "converged", fr.converged);
  cJSON_AddBoolToObject(j, "determined", det);
  gk_json_num(j, "chi2_red", fr.chi2_red);
  cJSON_AddNumberToObject(j, "points_used", (double)fr.n_used);
  cJSON_AddNumberToObject(j, "iterations", (double)fr.n_iter);
  cJSON_AddNumberToObject(j, "sweeps", (double)fr.n_sweeps);
  gk_csv csv = {0};
  const double **cols = malloc(nf * sizeof *cols);
  int csvok = 0;
  if (cols) {
    for (size_t k = 0; k < nf; k++) cols[k] = rs[k].spectrum;
    csvok = !matrix_csv(&csv, vsl ? "wavelength (nm) \\ L (cm)" : "wavelength (nm) \\ fluence (mJ/cm2)", fl, nf,
                        vsl ? 1 : 1e3, rs[0].lambda, rs[0].nbins, cols, 0);
  }
  free(cols);
  if (csvok) {
    add_config(&csv, path, cf, &fr.best);
    gk_csv_add_comment(&csv, "best fit to %s (scale %.10g)", data, scale);
  }
  int rc = CLI_OK;
  if (com->plot) {
    gk_error pe;
    gk_error_clear(&pe);
    if (plot_sweep(com->plot, rs, fl, nf, !vsl, &pe)) rc = cli_error(&pe);
  }
  if (!det) cli_warn("simulate --fit-to: a parameter is not determined by the data");
  if (rc == CLI_OK) rc = cli_emit(com, j, b.s, csvok ? &csv : NULL, fr.converged && det ? CLI_OK : CLI_FAILED);
  cJSON_Delete(j);
  cli_buf_free(&b);
  gk_csv_free(&csv);
  return rc;
}


int sim_emit_run(const cli_common *comp, const char *path, const gk_sim_file *cfp, const gk_sim_config *cp,
                 const gk_sim_result *rs, const double *sw, size_t nsw, int kind, int pol, int tr, double mem)
{
  const cli_common com = *comp;
  const gk_sim_file cf = *cfp;
  const gk_sim_config c = *cp;
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
  gk_json_num(j, "memory_bytes", mem);
  cJSON_AddStringToObject(j, "kinetics", c.kinetics == GK_SIM_BULK ? "bulk" : "emitters");
  cJSON_AddStringToObject(j, "modes", c.npol == 2 ? "te+tm" : "te");
  cli_printf(&b, "config:       %s\npump:         %g nm, FWHM %g ns\nstripe:       L = %g cm, b = %g um\n",
             path, c.pump_wavelength, c.pump_fwhm * 1e9, c.stripe_length, c.stripe_width * 1e4);
  cli_printf(&b, "memory:       %.3g MB per run (%zu cells x %zu bins x %d mode%s x %zu strip%s)\n", mem / 1e6,
             c.ncells + gk_sim_unpumped_cells(&c), c.nbins, c.npol == 2 ? 2 : 1, c.npol == 2 ? "s" : "",
             gk_sim_channels(&c), gk_sim_channels(&c) > 1 ? "s" : "");
  if (c.npol == 2 && pol >= 0) cli_printf(&b, "CSV spectra:  %s only\n", pol ? "TM" : "TE");
  if (sw) {
    cJSON_AddStringToObject(j, "sweep", vpi ? "fluence" : "stripe_length");
    cJSON *pts = cJSON_AddArrayToObject(j, "points");
    cli_printf(&b, "  %15s  %10s  %14s  %10s  %14s  %6s\n", vpi ? "fluence (mJ/cm2)" : "L (cm)", "peak (nm)",
               "peak (ph/nm)", "FWHM (nm)", "edge (ph)", "steps");
    const double **cols = malloc(nsw * sizeof *cols);
    for (size_t k = 0; k < nsw; k++) {
      gk_sim_summary s = gk_sim_result_summary(&rs[k]);
      cJSON *o = cJSON_CreateObject();
      cJSON_AddItemToArray(pts, o);
      gk_json_num(o, vpi ? "fluence_J_cm-2" : "stripe_length_cm", sw[k]);
      gk_json_num(o, "peak_nm", s.peak_nm);
      gk_json_num(o, "peak_photons_per_nm", s.peak);
      gk_json_num(o, "fwhm_nm", s.fwhm);
      gk_json_num(o, "edge_photons", rs[k].budget.out_edge);
      cJSON_AddNumberToObject(o, "steps", (double)rs[k].steps);
      gk_json_array(o, "spectrum_photons_per_nm", rs[k].spectrum, rs[k].nbins);
      json_pol(o, &rs[k]);
      json_budget(o, &rs[k].budget, c.pump_stack_layers > 0);
      cli_cell(&b, 15, vpi ? sw[k] * 1e3 : sw[k]);
      char f1[32], f2[32];
      cli_printf(&b, "  %10s", fixed2(f1, sizeof f1, s.peak_nm));
      cli_cell(&b, 14, s.peak);
      cli_printf(&b, "  %10s", fixed2(f2, sizeof f2, s.fwhm));
      cli_cell(&b, 14, rs[k].budget.out_edge);
      cli_printf(&b, "  %6zu\n", rs[k].steps);
      if (cols) cols[k] = pol >= 0 ? rs[k].spectrum_pol + (size_t)pol * rs[k].nbins : rs[k].spectrum;
    }
    if (cols)
      csvok = !matrix_csv(&csv, vpi ? "wavelength (nm) \\ fluence (mJ/cm2)" : "wavelength (nm) \\ L (cm)", sw,
                          nsw, vpi ? 1e3 : 1, rs[0].lambda, rs[0].nbins, cols, 0);
    free(cols);
  } else {
    const gk_sim_result *r = &rs[0];
    gk_sim_summary s = gk_sim_result_summary(r);
    gk_json_num(j, "fluence_J_cm-2", c.pump_fluence);
    gk_json_num(j, "peak_nm", s.peak_nm);
    gk_json_num(j, "fwhm_nm", s.fwhm);
    gk_json_array(j, "spectrum_photons_per_nm", r->spectrum, r->nbins);
    json_pol(j, r);
    if (r->npol == 2) {
      gk_json_array(j, "edge_te_photons_per_s", r->intensity_pol, r->ntimes);
      gk_json_array(j, "edge_tm_photons_per_s", r->intensity_pol + r->ntimes, r->ntimes);
    }
    json_budget(j, &r->budget, c.pump_stack_layers > 0);
    if (r->nslices > 1 && r->absorbed_slice)  /* slice 0 at the pumped face */
      gk_json_array(j, "absorbed_per_slice_photons", r->absorbed_slice, r->nslices);
    json_slices(j, &c, r);
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
    if (r->nslices > 1 && r->absorbed_slice && r->budget.absorbed > 0)
      cli_printf(&b, "depth:        %zu slices, absorbed %.3g of the photons in the first, %.3g in the last\n",
                 r->nslices, r->absorbed_slice[0] / r->budget.absorbed,
                 r->absorbed_slice[r->nslices - 1] / r->budget.absorbed);
    if (c.pump_stack_layers > 0 && r->budget.pump_incident > 0)
      cli_printf(&b, "pump stack:   of the incident photons %.4g reflected, %.4g absorbed above the film, %.4g in "
                 "it, %.4g passed below (%zu transfer-matrix solves; the film's alpha at the pump %.4g cm^-1%s)\n",
                 r->budget.pump_reflected / r->budget.pump_incident, r->budget.pump_above / r->budget.pump_incident,
                 r->budget.absorbed / r->budget.pump_incident, r->budget.pump_below / r->budget.pump_incident,
                 r->budget.pump_solves,
                 c.kinetics == GK_SIM_BULK ? c.pump_absorption : c.pump_cross_section * c.density,
                 c.kinetics == GK_SIM_BULK ? "" : " unbleached");
    text_slices(&b, &c, r);
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
      const double *sp = pol >= 0 ? r->spectrum_pol + (size_t)pol * r->nbins : r->spectrum;
      for (size_t k = 0; csvok && k < r->nbins; k++) csvok = gk_csv_add_row(&csv, (double[]){r->lambda[k], sp[k]}) == GK_OK;
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
  return rc;
}
