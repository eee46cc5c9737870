/* Spectrum processing (gainkit/spectra.h) against closed forms: Gaussian and
 * Lorentzian widths and areas, exact parabolas, and the leading-order error
 * of the three-point parabolic peak derived in docs/threshold.md. */
#include "gk_test.h"
#include "gainkit/spectra.h"

#define SQRT3 1.7320508075688772
#define PI 3.14159265358979323846

static double gauss(double x, double mu, double s) { return exp(-0.5 * (x - mu) * (x - mu) / (s * s)); }
static double lorentz(double x, double mu, double g) { double u = (x - mu) / g; return 1.0 / (1.0 + u * u); }

/* Uniform grid lambda[i] = x0 + i h. */
static void grid(double *l, size_t n, double x0, double h)
{
  for (size_t i = 0; i < n; i++) l[i] = x0 + (double)i * h;
}

/* Three-point parabolic vertex of a symmetric peak with curvature ratio
 * f''''/f'' (Taylor about the true peak): the estimate is off by
 * -d (h^2 - 4 d^2) f''''/(12 f'') where d = (sample - peak) — the leading
 * term; the bound over |d| <= h/2 is at d = h/sqrt(12). Gaussian:
 * f''''/f'' = -3/sigma^2 -> error d(h^2-4d^2)/(4 sigma^2), bound
 * h^3/(12 sqrt3 sigma^2). Lorentzian: f''''/f'' = -12/gamma^2 -> error
 * d(h^2-4d^2)/gamma^2, bound h^3/(3 sqrt3 gamma^2). */
static void test_peak_gaussian_offgrid(void)
{
  enum { N = 241 };
  double l[N], y[N];
  const double h = 0.5, sigma = 5.0;
  grid(l, N, 500.0, h);
  double bound = h * h * h / (12.0 * SQRT3 * sigma * sigma);
  double worst = 0.0;
  for (int k = -10; k <= 10; k++) {
    double d = 0.5 * h * k / 10.0;     /* sample nearest the peak minus the peak */
    double mu = 560.0 - d;
    for (size_t i = 0; i < N; i++) y[i] = 3.0 * gauss(l[i], mu, sigma);
    size_t im;
    double pk, pv;
    gk_spectra_peak(l, y, 0, N - 1, &im, &pk, &pv);
    double e = pk - mu, predicted = d * (h * h - 4 * d * d) / (4 * sigma * sigma);
    if (fabs(e) > worst) worst = fabs(e);
    /* next term is O(h^5/sigma^4): 1e-3 relative to the bound here */
    CHECK_ABS(e, predicted, 2e-3 * bound);
    CHECK_CLOSE(pv, 3.0, 1e-5);
  }
  CHECK(worst <= bound * 1.002);
  CHECK(worst >= bound * 0.95); /* the sweep includes d near h/sqrt(12) */
  printf("  gaussian h=%g sigma=%g: worst peak error %.3g nm, bound %.3g nm\n", h, sigma, worst,
         bound);
}

static void test_peak_lorentzian_offgrid(void)
{
  enum { N = 401 };
  double l[N], y[N];
  const double h = 0.25, gamma = 2.0;
  grid(l, N, 500.0, h);
  double bound = h * h * h / (3.0 * SQRT3 * gamma * gamma);
  double d = h / sqrt(12.0), mu = 550.0 - d;
  for (size_t i = 0; i < N; i++) y[i] = lorentz(l[i], mu, gamma);
  size_t im;
  double pk, pv;
  gk_spectra_peak(l, y, 0, N - 1, &im, &pk, &pv);
  CHECK_CLOSE(fabs(pk - mu), bound, 0.02); /* next order: (h/gamma)^2 ~ 1.6% */
}

static void test_peak_parabola_nonuniform(void)
{
  double l[] = {600.0, 600.7, 601.1, 602.9, 603.2};
  double y[5];
  for (int i = 0; i < 5; i++) y[i] = 10.0 - 2.0 * (l[i] - 601.4) * (l[i] - 601.4);
  size_t im;
  double pk, pv;
  gk_spectra_peak(l, y, 0, 4, &im, &pk, &pv);
  CHECK_INT(im, 2);
  CHECK_CLOSE(pk, 601.4, 1e-13);
  CHECK_CLOSE(pv, 10.0, 1e-13);
  /* maximum on the window edge: the sample itself, no extrapolation */
  gk_spectra_peak(l, y, 2, 4, &im, &pk, &pv);
  CHECK_INT(im, 2);
  CHECK_CLOSE(pk, 601.1, 1e-15);
}

/* Linear interpolation of the half-maximum crossing errs by at most
 * (h^2/8) |f''/f'| at the crossing per side: Gaussian (2 ln2 - 1)/(sigma
 * sqrt(2 ln2)) = 0.328/sigma -> FWHM error <= 0.082 h^2/sigma; Lorentzian
 * (f'' = A/(2 gamma^2), f' = A/(2 gamma)) -> h^2/(4 gamma). The tolerance
 * adds 20% for f'' varying across the interval. */
static void test_fwhm_gaussian_lorentzian(void)
{
  enum { N = 801 };
  double l[N], y[N];
  const double h = 0.5;
  grid(l, N, 400.0, h);
  gk_error e;
  gk_spectrum_stats st;
  gk_spectrum_options o = {0};
  const double sigmas[] = {2.0, 5.0, 10.6};
  double worst_rel = 0.0;
  for (int s = 0; s < 3; s++) {
    for (int k = 0; k < 5; k++) {
      double mu = 600.0 + 0.1 * k * h + 0.013;
      for (size_t i = 0; i < N; i++) y[i] = 100.0 * gauss(l[i], mu, sigmas[s]);
      CHECK_INT(gk_spectrum_analyse(l, y, N, &o, &st, &e), GK_OK);
      double exact = 2.0 * sqrt(2.0 * log(2.0)) * sigmas[s];
      double tol = 1.2 * 0.082 * h * h / sigmas[s];
      CHECK_ABS(st.fwhm_nm, exact, tol);
      CHECK_INT(st.fwhm_flags, 0);
      if (fabs(st.fwhm_nm - exact) / tol > worst_rel) worst_rel = fabs(st.fwhm_nm - exact) / tol;
    }
  }
  const double gammas[] = {1.5, 4.0};
  for (int s = 0; s < 2; s++) {
    double mu = 601.37;
    for (size_t i = 0; i < N; i++) y[i] = 7.0 * lorentz(l[i], mu, gammas[s]);
    CHECK_INT(gk_spectrum_analyse(l, y, N, &o, &st, &e), GK_OK);
    CHECK_ABS(st.fwhm_nm, 2.0 * gammas[s], 1.2 * h * h / (4.0 * gammas[s]));
    CHECK_ABS(st.peak_nm, mu, h * h * h / (3.0 * SQRT3 * gammas[s] * gammas[s]) * 1.05);
  }
  printf("  gaussian FWHM: worst error %.2f of the stated bound\n", worst_rel);
}

/* Trapezoid on a non-uniform grid versus the analytic Gaussian area; the
 * composite-trapezoid bound (b - a) h_max^2 max|f''| / 12 is the tolerance. */
static void test_trapz(void)
{
  enum { N = 400 };
  double l[N], y[N];
  const double sigma = 4.0, A = 2.5, mu = 580.0;
  /* a smooth, non-uniform grid from mu - 8 sigma to mu + 8 sigma */
  double a = mu - 8 * sigma, b = mu + 8 * sigma, hmax = 0.0;
  for (size_t i = 0; i < N; i++) {
    double t = (double)i / (N - 1);
    l[i] = a + (b - a) * (t + 0.04 * sin(2 * PI * 3 * t));
  }
  for (size_t i = 0; i + 1 < N; i++) if (l[i + 1] - l[i] > hmax) hmax = l[i + 1] - l[i];
  for (size_t i = 0; i < N; i++) y[i] = A * gauss(l[i], mu, sigma);
  double area = A * sigma * sqrt(2 * PI) * erf(8.0 / sqrt(2.0));
  double bound = (b - a) * hmax * hmax * (A / (sigma * sigma)) / 12.0;
  double s = gk_spectra_trapz(l, y, 0, N - 1);
  CHECK_ABS(s, area, bound);
  printf("  trapezoid: area %.10g vs analytic %.10g (bound %.2g)\n", s, area, bound);
  /* a straight line is integrated exactly on any grid */
  for (size_t i = 0; i < N; i++) y[i] = 3.0 - 0.01 * l[i];
  double exact = 3.0 * (l[N - 1] - l[0]) - 0.005 * (l[N - 1] * l[N - 1] - l[0] * l[0]);
  CHECK_CLOSE(gk_spectra_trapz(l, y, 0, N - 1), exact, 1e-12);
}

static void test_baseline(void)
{
  double y[] = {1.0, 2.0, 3.0, 10.0, 4.0};
  double v;
  gk_error e;
  gk_error_clear(&e);
  gk_baseline b = {GK_BASELINE_FIRST_N, 3, 0};
  CHECK_INT(gk_spectra_baseline(y, 5, &b, &v, &e), GK_OK);
  CHECK_CLOSE(v, 2.0, 1e-15);
  b.n = 5;
  CHECK_INT(gk_spectra_baseline(y, 5, &b, &v, &e), GK_OK);
  CHECK_CLOSE(v, 4.0, 1e-15);
  b.n = 6;
  CHECK_INT(gk_spectra_baseline(y, 5, &b, &v, &e), GK_EUSAGE);
  CHECK_STR(e.option, "baseline");
  b.n = 0;
  CHECK_INT(gk_spectra_baseline(y, 5, &b, &v, &e), GK_EUSAGE);
  b = (gk_baseline){GK_BASELINE_VALUE, 0, -1.5};
  CHECK_INT(gk_spectra_baseline(y, 5, &b, &v, &e), GK_OK);
  CHECK_CLOSE(v, -1.5, 0);
  b = (gk_baseline){GK_BASELINE_NONE, 0, 0};
  CHECK_INT(gk_spectra_baseline(y, 5, &b, &v, &e), GK_OK);
  CHECK(v == 0.0);
}

/* A constant dark offset removed by the first-N baseline gives the same
 * peak, integral and width as the clean spectrum. */
static void test_baseline_in_analysis(void)
{
  enum { N = 300 };
  double l[N], y[N], yo[N];
  grid(l, N, 500.0, 0.4);
  for (size_t i = 0; i < N; i++) {
    y[i] = 50.0 * gauss(l[i], 560.3, 3.0);
    yo[i] = y[i] + 123.0;
  }
  gk_error e;
  gk_spectrum_stats a, b;
  gk_spectrum_options o = {0};
  CHECK_INT(gk_spectrum_analyse(l, y, N, &o, &a, &e), GK_OK);
  o.baseline = (gk_baseline){GK_BASELINE_FIRST_N, 20, 0};
  CHECK_INT(gk_spectrum_analyse(l, yo, N, &o, &b, &e), GK_OK);
  CHECK_CLOSE(b.baseline, 123.0, 1e-12);
  CHECK_CLOSE(b.peak_nm, a.peak_nm, 1e-12);
  CHECK_CLOSE(b.peak, a.peak, 1e-10);
  CHECK_CLOSE(b.fwhm_nm, a.fwhm_nm, 1e-10);
  CHECK_CLOSE(b.integrated, a.integrated, 1e-9);
  /* without the baseline the offset halves nothing: the width is wrong */
  o.baseline.kind = GK_BASELINE_NONE;
  CHECK_INT(gk_spectrum_analyse(l, yo, N, &o, &b, &e), GK_OK);
  CHECK(b.fwhm_flags != 0 || fabs(b.fwhm_nm - a.fwhm_nm) > 1.0);
}

static void test_window(void)
{
  double l[] = {500, 501, 502, 503, 504, 505, 506};
  size_t i0, i1;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_spectra_window(l, 7, 501, 504, &i0, &i1, &e), GK_OK);
  CHECK_INT(i0, 1);
  CHECK_INT(i1, 4);  /* both ends inclusive */
  CHECK_INT(gk_spectra_window(l, 7, 400, 900, &i0, &i1, &e), GK_OK);
  CHECK_INT(i0, 0);
  CHECK_INT(i1, 6);
  CHECK_INT(gk_spectra_window(l, 7, 501.5, 503.5, &i0, &i1, &e), GK_EUSAGE);  /* 2 samples */
  CHECK_STR(e.option, "window");
  CHECK_INT(gk_spectra_window(l, 7, 600, 700, &i0, &i1, &e), GK_EUSAGE);      /* outside */
  CHECK_INT(gk_spectra_window(l, 7, 504, 501, &i0, &i1, &e), GK_EUSAGE);      /* reversed */
}

/* The window restricts peak, integral and width; a crossing cut off by the
 * window is flagged and the width is NaN. */
static void test_window_in_analysis(void)
{
  enum { N = 401 };
  double l[N], y[N];
  grid(l, N, 500.0, 0.25);
  /* two lines: a weak one at 530 nm and the main one at 570 nm */
  for (size_t i = 0; i < N; i++) y[i] = 0.3 * gauss(l[i], 530.0, 2.0) + gauss(l[i], 570.0, 2.0);
  gk_error e;
  gk_spectrum_stats st;
  gk_spectrum_options o = {0};
  o.use_window = 1;
  o.window_lo = 520;
  o.window_hi = 540;
  CHECK_INT(gk_spectrum_analyse(l, y, N, &o, &st, &e), GK_OK);
  CHECK_ABS(st.peak_nm, 530.0, 1e-3);
  CHECK_INT(st.fwhm_flags, 0);
  CHECK_CLOSE(st.integrated, 0.3 * 2.0 * sqrt(2 * PI), 1e-4);
  /* window ending 1 nm past the main peak: right crossing outside */
  o.window_lo = 560;
  o.window_hi = 571;
  CHECK_INT(gk_spectrum_analyse(l, y, N, &o, &st, &e), GK_OK);
  CHECK_INT(st.fwhm_flags, GK_FWHM_RIGHT_OUTSIDE);
  CHECK(isnan(st.fwhm_nm));
  CHECK(isnan(st.half_hi_nm));
  CHECK_ABS(st.half_lo_nm, 570.0 - sqrt(2 * log(2.0)) * 2.0, 0.01);
  o.window_lo = 569;
  o.window_hi = 580;
  CHECK_INT(gk_spectrum_analyse(l, y, N, &o, &st, &e), GK_OK);
  CHECK_INT(st.fwhm_flags, GK_FWHM_LEFT_OUTSIDE);
  CHECK(isnan(st.fwhm_nm));
  /* a window without a maximum inside (monotonic flank): peak on the edge */
  o.window_lo = 560;
  o.window_hi = 565;
  CHECK_INT(gk_spectrum_analyse(l, y, N, &o, &st, &e), GK_OK);
  CHECK_INT(st.i_max, st.i1);
  CHECK_INT(st.fwhm_flags & GK_FWHM_RIGHT_OUTSIDE, GK_FWHM_RIGHT_OUTSIDE);
}

static void test_bad_input(void)
{
  double l[] = {500, 502, 501, 503}, y[] = {1, 2, 3, 4};
  gk_error e;
  gk_spectrum_stats st;
  gk_spectrum_options o = {0};
  CHECK_INT(gk_spectrum_analyse(l, y, 4, &o, &st, &e), GK_EINPUT);
  CHECK_INT(gk_spectrum_analyse(l, y, 2, &o, &st, &e), GK_EINPUT);
  /* all-negative signal after the baseline: no width, both flags */
  double l2[] = {500, 501, 502, 503}, y2[] = {-1, -2, -1, -3};
  CHECK_INT(gk_spectrum_analyse(l2, y2, 4, &o, &st, &e), GK_OK);
  CHECK_INT(st.fwhm_flags, GK_FWHM_LEFT_OUTSIDE | GK_FWHM_RIGHT_OUTSIDE);
  CHECK(isnan(st.fwhm_nm));
}

/* Deterministic normal noise (Box–Muller on a fixed LCG) so the test
 * needs no generator library. */
static double noise(unsigned long *st)
{
  *st = *st * 6364136223846793005UL + 1442695040888963407UL;
  double u1 = ((double)(*st >> 11) + 0.5) / 9007199254740992.0;
  *st = *st * 6364136223846793005UL + 1442695040888963407UL;
  double u2 = ((double)(*st >> 11) + 0.5) / 9007199254740992.0;
  return sqrt(-2 * log(u1)) * cos(2 * PI * u2);
}

/* Issue 14: a 23 nm band with noise was read as a 0.78 nm line from raw
 * samples. A Gaussian of FWHM 23 nm on a 0.5 nm grid with 8 % noise: the
 * raw-sample FWHM is wrong in many of 50 replicas; the automatic
 * Savitzky–Golay width recovers 23 nm within 1.5 nm in every one and the
 * peak wavelength within 1 nm. Quadratic smoothing is exact on a parabola
 * (checked on a noiseless one). */
static void test_smoothed_fwhm(void)
{
  enum { NS = 241 };
  double l[NS], y[NS], out[NS];
  grid(l, NS, 470, 0.5);
  double sig = 23.0 / (2 * sqrt(2 * log(2.0)));
  unsigned long st = 14;
  int raw_bad = 0;
  double dmax = 0, rmax = 0, pmax = 0;
  for (int rep = 0; rep < 50; rep++) {
    for (size_t i = 0; i < NS; i++) y[i] = 1000 * gauss(l[i], 531.3, sig) + 80 * noise(&st);
    gk_spectrum_options o = {.smooth = 0};
    gk_spectrum_stats a, b;
    gk_error e;
    CHECK_INT(gk_spectrum_analyse(l, y, NS, &o, &a, &e), GK_OK);
    raw_bad += !(fabs(a.fwhm_nm - 23.0) < 2.3);
    rmax = fmax(rmax, fabs(a.fwhm_nm - 23.0));
    o.smooth = -1;
    CHECK_INT(gk_spectrum_analyse(l, y, NS, &o, &b, &e), GK_OK);
    dmax = fmax(dmax, fabs(b.fwhm_nm - 23.0));
    pmax = fmax(pmax, fabs(b.peak_nm - 531.3));
    CHECK_MSG(fabs(b.fwhm_nm - 23.0) < 2.3, "rep %d: smoothed FWHM %g (raw %g)", rep, b.fwhm_nm, a.fwhm_nm);
    /* the top of a Gaussian is flat: at 2.5 % residual noise after the
     * smooth the vertex wanders by ~sigma*sqrt(0.05) = 2.2 nm */
    CHECK_MSG(fabs(b.peak_nm - 531.3) < 5.0, "rep %d: peak %g", rep, b.peak_nm);
    CHECK(b.smooth_half >= 5);
  }
  printf("  FWHM 23 nm, 8 %% noise: raw samples off by up to %.2f nm (> 10 %% in %d of 50), "
         "smoothed by up to %.2f nm; peak within %.2f nm\n", rmax, raw_bad, dmax, pmax);
  CHECK(raw_bad > 5);
  /* an undersampled line (FWHM 2.6 samples, a 24-bin simulation) is not
   * smoothed: the automatic width leaves it raw, FWHM as from the samples */
  {
    double l2[40], y2[40];
    grid(l2, 40, 540, 5.0);
    for (size_t i = 0; i < 40; i++) y2[i] = 1e6 * gauss(l2[i], 583, 13.0 / (2 * sqrt(2 * log(2.0))));
    gk_spectrum_options o = {.smooth = 0};
    gk_spectrum_stats a, b;
    gk_error e;
    CHECK_INT(gk_spectrum_analyse(l2, y2, 40, &o, &a, &e), GK_OK);
    o.smooth = -1;
    CHECK_INT(gk_spectrum_analyse(l2, y2, 40, &o, &b, &e), GK_OK);
    CHECK_INT(b.smooth_half, 0);
    CHECK_ABS(b.fwhm_nm, a.fwhm_nm, 0);
  }
  /* exact on a parabola, also on a non-uniform grid */
  for (size_t i = 0; i < NS; i++) {
    l[i] = 470 + 0.5 * (double)i + 0.2 * sin((double)i);
    y[i] = 3 - 0.01 * (l[i] - 520) * (l[i] - 520);
  }
  gk_spectra_smooth(l, y, 0, NS - 1, 7, out);
  for (size_t i = 0; i < NS; i++) CHECK_ABS(out[i], y[i], 1e-9 * (1 + fabs(y[i])));
}

/* Automatic baseline: a band in the middle with a constant offset of 100:
 * the lower edge mean, within 4 standard errors of the noise mean. */
static void test_auto_baseline(void)
{
  enum { NS = 241 };
  double l[NS], y[NS];
  grid(l, NS, 470, 0.5);
  unsigned long st = 7;
  for (size_t i = 0; i < NS; i++) y[i] = 100 + 1000 * gauss(l[i], 531, 10) + 5 * noise(&st);
  gk_baseline b = {.kind = GK_BASELINE_AUTO};
  double v;
  gk_error e;
  CHECK_INT(gk_spectra_baseline(y, NS, &b, &v, &e), GK_OK);
  size_t k = NS / 20;
  CHECK_MSG(fabs(v - 100) < 4 * 5 / sqrt((double)k), "baseline %g", v);
}

int main(void)
{
  RUN(test_peak_gaussian_offgrid);
  RUN(test_peak_lorentzian_offgrid);
  RUN(test_peak_parabola_nonuniform);
  RUN(test_fwhm_gaussian_lorentzian);
  RUN(test_trapz);
  RUN(test_baseline);
  RUN(test_baseline_in_analysis);
  RUN(test_window);
  RUN(test_window_in_analysis);
  RUN(test_bad_input);
  RUN(test_smoothed_fwhm);
  RUN(test_auto_baseline);
  return gk_test_summary();
}
