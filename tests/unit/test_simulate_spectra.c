/* Spectral inputs of the simulator: tabulated bands against closed-form
 * integrals and against the Gaussian bands they sample, the
 * Füchtbauer–Ladenburg normalisation checked through its integral form,
 * config files with {file: ...} tables, and Γ from a stack against the
 * symmetric-slab TE0 confinement solved here with GSL root finding. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <unistd.h>

#include "gk_test.h"
#include "gainkit/simulate.h"

#define C_CM_S 2.99792458e10

static void test_integral(void)
{
  double l[] = {500, 510, 520}, v[] = {0, 1, 0};
  gk_sim_band t = {.peak = 2, .ntab = 3, .tab_lambda = l, .tab_value = v};
  /* triangle of height 2 and base 20: area 20 */
  CHECK_CLOSE(gk_sim_band_integral(&t, -INFINITY, INFINITY), 20, 1e-14);
  /* 505..512: trapezoids (0.5+1)/2*5 + (1+0.8)/2*2 = 5.55, times peak 2 */
  CHECK_CLOSE(gk_sim_band_integral(&t, 505, 512), 11.1, 1e-14);
  CHECK_CLOSE(gk_sim_band_eval(&t, 515), 1.0, 1e-14);
  CHECK(gk_sim_band_eval(&t, 499.9) == 0 && gk_sim_band_eval(&t, 520.1) == 0);
  CHECK(gk_sim_band_integral(&t, 530, 540) == 0);
  gk_sim_band g = {.peak = 3, .center = 580, .fwhm = 40};
  CHECK_CLOSE(gk_sim_band_integral(&g, -INFINITY, INFINITY), 3 * 40 * sqrt(M_PI / (4 * log(2))), 1e-13);
  /* half of a Gaussian lies on each side of its centre */
  CHECK_CLOSE(gk_sim_band_integral(&g, -INFINITY, 580), 1.5 * 40 * sqrt(M_PI / (4 * log(2))), 1e-13);
}

static double sig_over_l4(double lam_nm, void *p)
{
  double l = lam_nm * 1e-7;
  return gk_sim_sigma_e(p, lam_nm) / (l * l * l * l) * 1e-7;  /* dλ in cm */
}

/* Füchtbauer–Ladenburg in integral form: ∫σ_e(λ)/λ⁴ dλ = 1/(8π n² c τ_rad)
 * whatever the lineshape, when E is the normalised photon-number spectrum.
 * Integrated numerically (GSL QAG), independent of the normalisation code. */
static void test_fuchtbauer_ladenburg(void)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  double want = 1 / (8 * M_PI * c.index * c.index * C_CM_S * (c.lifetime / c.radiative_fraction));
  gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
  gsl_function f = {sig_over_l4, &c};
  double got, abserr;
  gsl_integration_qag(&f, 380, 780, 0, 1e-10, 1000, GSL_INTEG_GAUSS61, w, &got, &abserr);
  CHECK_CLOSE(got, want, 1e-8);
  /* a tabulated, asymmetric spectrum (piecewise linear: integrate per piece) */
  double l[] = {540, 560, 575, 600, 640}, v[] = {0, 0.3, 1, 0.4, 0};
  c.emission = (gk_sim_band){.peak = 1, .ntab = 5, .tab_lambda = l, .tab_value = v};
  double sum = 0;
  for (int i = 0; i < 4; i++) {
    gsl_integration_qag(&f, l[i], l[i + 1], 0, 1e-11, 1000, GSL_INTEG_GAUSS61, w, &got, &abserr);
    sum += got;
  }
  CHECK_CLOSE(sum, want, 1e-8);
  /* peak value by hand: λ⁴ · (1/area) / (8π n² c τ_rad), area 40.75 nm */
  double area = 0.5 * (0.3 * 20) + 0.5 * 1.3 * 15 + 0.5 * 1.4 * 25 + 0.5 * 0.4 * 40;
  CHECK_CLOSE(gk_sim_sigma_e(&c, 575), pow(575e-7, 4) / (area * 1e-7) * want, 1e-12);
  gsl_integration_workspace_free(w);
}

/* Tables sampling the Gaussian bands finely give the Gaussian run; a flat
 * α_bg(λ) table gives the scalar background loss. Above threshold (1 mJ/cm²),
 * where interpolation errors are amplified most. */
static void sample(const gk_sim_band *b, double *l, double *v, size_t n, gk_sim_band *out)
{
  for (size_t i = 0; i < n; i++) {
    l[i] = 400 + 400.0 * (double)i / (double)(n - 1);
    v[i] = gk_sim_band_eval(&(gk_sim_band){.peak = 1, .center = b->center, .fwhm = b->fwhm}, l[i]);
  }
  *out = (gk_sim_band){.peak = b->peak, .ntab = n, .tab_lambda = l, .tab_value = v};
}

static double maxdiff(const gk_sim_result *a, const gk_sim_result *b)
{
  double d = 0, m = 0;
  for (size_t j = 0; j < a->nbins; j++) {
    d = fmax(d, fabs(a->spectrum[j] - b->spectrum[j]));
    m = fmax(m, a->spectrum[j]);
  }
  return d / m;
}

static void test_tables_match_bands(void)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.ncells = 30;
  c.nbins = 24;
  c.ntimes = 20;
  c.pump_fluence = 1e-3;
  c.background = (gk_sim_band){.peak = 4, .center = 620, .fwhm = 30};
  enum { N = 20001 };  /* 0.02 nm spacing: interpolation error ~1e-7 of the peak */
  static double l[4][N], v[4][N];
  gk_sim_result ref, tab, flat, scal;
  CHECK(gk_sim_run(&c, &ref, NULL, NULL) == GK_OK);
  gk_sim_config t = c;
  sample(&c.emission, l[0], v[0], N, &t.emission);
  sample(&c.sigma_a, l[1], v[1], N, &t.sigma_a);
  sample(&c.background, l[2], v[2], N, &t.background);
  CHECK(gk_sim_run(&t, &tab, NULL, NULL) == GK_OK);
  double d = maxdiff(&ref, &tab);
  CHECK_MSG(d < 1e-5, "tables vs Gaussian bands: %.3g of the peak", d);
  /* flat 3 cm^-1 table over the window == background_loss 3 */
  double fl[] = {300, 900}, fv[] = {1, 1};
  gk_sim_config a = c, b = c;
  a.background = (gk_sim_band){.peak = 3, .ntab = 2, .tab_lambda = fl, .tab_value = fv};
  a.background_loss = 0;
  b.background = (gk_sim_band){0};
  b.background_loss = 3;
  CHECK(gk_sim_run(&a, &flat, NULL, NULL) == GK_OK);
  CHECK(gk_sim_run(&b, &scal, NULL, NULL) == GK_OK);
  CHECK(maxdiff(&flat, &scal) < 1e-13);
  /* and the wavelength-dependent loss does act: more loss, less output */
  CHECK(flat.budget.out_edge < ref.budget.out_edge || flat.budget.loss_bg > 0);
  gk_sim_result_free(&ref);
  gk_sim_result_free(&tab);
  gk_sim_result_free(&flat);
  gk_sim_result_free(&scal);
}

/* TE0 of a symmetric slab (core n1, thickness d, cladding n2): κ tan(κd/2) = γ,
 * Γ = (d/2 + sin(κd)/(2κ)) / (d/2 + sin(κd)/(2κ) + cos²(κd/2)/γ). */
typedef struct slab { double n1, n2, d, k0; } slab;
static double slab_f(double neff, void *p)
{
  const slab *s = p;
  double ka = s->k0 * sqrt(s->n1 * s->n1 - neff * neff), ga = s->k0 * sqrt(neff * neff - s->n2 * s->n2);
  return ka * sin(ka * s->d / 2) - ga * cos(ka * s->d / 2);
}

static double slab_gamma(double n1, double n2, double d_nm, double lam_nm)
{
  slab s = {n1, n2, d_nm, 2 * M_PI / lam_nm};
  gsl_function f = {slab_f, &s};
  gsl_root_fsolver *r = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
  /* TE0: the root with κd/2 in (0, π/2) */
  double lo = sqrt(fmax(n2 * n2, n1 * n1 - pow(M_PI / (s.k0 * d_nm), 2))) + 1e-12, hi = n1 - 1e-12;
  gsl_root_fsolver_set(r, &f, lo, hi);
  for (int i = 0; i < 200; i++) {
    gsl_root_fsolver_iterate(r);
    if (gsl_root_test_interval(gsl_root_fsolver_x_lower(r), gsl_root_fsolver_x_upper(r), 1e-15, 0) == GSL_SUCCESS) break;
  }
  double ne = gsl_root_fsolver_root(r);
  gsl_root_fsolver_free(r);
  double ka = s.k0 * sqrt(n1 * n1 - ne * ne), ga = s.k0 * sqrt(ne * ne - n2 * n2), d = d_nm;
  double core = d / 2 + sin(ka * d) / (2 * ka), clad = pow(cos(ka * d / 2), 2) / ga;
  return core / (core + clad);
}

static void put(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static void test_config_files(void)
{
  char dir[] = "/tmp/gk-simspec-XXXXXX", p[4][1200];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(p[0], sizeof p[0], "%s/pl.csv", dir);
  snprintf(p[1], sizeof p[1], "%s/sa.csv", dir);
  snprintf(p[2], sizeof p[2], "%s/slab.yaml", dir);
  snprintf(p[3], sizeof p[3], "%s/sim.yaml", dir);
  /* unsorted, with a slightly negative wing (clamped for the PL spectrum) */
  put(p[0], "wavelength (nm),counts\n600,0.5\n560,-0.01\n580,1\n620,0\n");
  put(p[1], "wavelength (nm),sigma\n500,2\n540,1\n580,0\n");
  put(p[2], "wavelength_nm: 580\nlayers:\n  - {name: clad, n: 1.5}\n"
            "  - {name: core, n: 2.0, thickness_nm: 200, active: true}\n  - {name: sub, n: 1.5}\n");
  put(p[3], "film:\n  confinement_from: slab.yaml\n  background_loss: {file: sa.csv, scale: 0.5 cm^-1}\n"
            "emitter:\n  emission: {file: pl.csv}\n  ground_absorption: {file: sa.csv, scale: 1e-16 cm2}\n"
            "grid:\n  bins: 8\n  cells: 5\n  time_bins: 4\n");
  gk_sim_file f;
  gk_error e;
  gk_error_clear(&e);
  int st = gk_sim_config_read(p[3], &f, &e);
  if (st == GK_OK) {
    /* reading does not solve modes: Γ is pending (NaN) until chained */
    CHECK(isnan(f.cfg.confinement));
    st = gk_sim_file_confinement(&f, &e);
  }
  CHECK_MSG(st == GK_OK, "%s:%ld: %s", e.file, e.line, e.msg);
  if (st == GK_OK) {
    CHECK_INT(f.cfg.emission.ntab, 4);
    CHECK_CLOSE(f.cfg.emission.tab_lambda[0], 560, 1e-14);
    CHECK(f.cfg.emission.tab_value[0] == 0);  /* clamped */
    CHECK_CLOSE(gk_sim_band_eval(&f.cfg.sigma_a, 520), 1.5e-16, 1e-12);
    CHECK_CLOSE(gk_sim_band_eval(&f.cfg.background, 560), 0.25, 1e-12);
    CHECK_CLOSE(f.confinement_nm, 580, 1e-14);  /* PL maximum */
    double want = slab_gamma(2.0, 1.5, 200, 580);
    CHECK_CLOSE(f.cfg.confinement, want, 1e-6);
    gk_sim_result r;
    CHECK(gk_sim_run(&f.cfg, &r, NULL, NULL) == GK_OK);
    gk_sim_result_free(&r);
    gk_sim_file_free(&f);
  }
  /* a negative cross-section is an error at its line in the data file */
  put(p[1], "wavelength (nm),sigma\n500,2\n540,-1\n580,0\n");
  gk_error_clear(&e);
  CHECK(gk_sim_config_read(p[3], &f, &e) == GK_EINPUT);
  CHECK_MSG(strstr(e.file, "sa.csv") && e.line == 3, "%s:%ld: %s", e.file, e.line, e.msg);
  /* a missing file is reported at the config line naming it */
  remove(p[1]);
  gk_error_clear(&e);
  CHECK(gk_sim_config_read(p[3], &f, &e) == GK_EINPUT);
  CHECK_MSG(strstr(e.file, "sim.yaml") && e.line == 3 && strstr(e.msg, "sa.csv"), "%s:%ld: %s", e.file, e.line, e.msg);
  for (int i = 0; i < 4; i++) remove(p[i]);
  rmdir(dir);
}

int main(void)
{
  RUN(test_integral);
  RUN(test_fuchtbauer_ladenburg);
  RUN(test_tables_match_bands);
  RUN(test_config_files);
  return gk_test_summary();
}
