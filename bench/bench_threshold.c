/* bench_threshold: time of the threshold methods on a 16-point series (the
 * size of a lab pump series) and of the per-spectrum processing on a
 * 2048-pixel spectrum (a typical CCD). A whole `gainkit threshold` run on
 * tens of spectra should be dominated by reading the file. */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "gainkit/spectra.h"
#include "gainkit/threshold.h"

#define N 16
#define NPIX 2048

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
  double p[N], y[N], w[N];
  for (int i = 0; i < N; i++) {
    p[i] = 5.0 * pow(40.0, i / (N - 1.0));
    double d = log10(p[i] / 37.3);
    y[i] = pow(10.0, 3 + 1.0 * fmin(d, 0) + 4.0 * fmax(d, 0) + 0.02 * sin(7.3 * i));
    w[i] = 4 + 21 / (1 + exp(d / 0.08)) + 0.2 * sin(5.1 * i);
  }
  gk_error e;
  const int reps = 500;
  gk_threshold_kink k;
  gk_threshold_lines l;
  gk_threshold_fwhm f;
  double t0 = now();
  for (int r = 0; r < reps; r++) gk_threshold_kink_fit(p, y, N, &k, &e);
  double tk = (now() - t0) / reps;
  t0 = now();
  for (int r = 0; r < reps; r++) gk_threshold_lines_fit(p, y, N, &l, &e);
  double tl = (now() - t0) / reps;
  t0 = now();
  for (int r = 0; r < reps; r++) gk_threshold_fwhm_fit(p, w, N, &f, &e);
  double tf = (now() - t0) / reps;
  printf("kink  (16 points, search + gk_fit):        %8.1f us  threshold %.3f\n", tk * 1e6, k.value);
  printf("lines (16 points, all splits):             %8.1f us  threshold %.3f\n", tl * 1e6, l.value);
  printf("fwhm  (16 points, %2d-start logistic fit):  %8.1f us  threshold %.3f\n", N - 2, tf * 1e6,
         f.value);

  static double lam[NPIX], s[NPIX];
  for (int i = 0; i < NPIX; i++) {
    lam[i] = 450.0 + 0.1 * i;
    s[i] = 100 + 1e4 * exp(-0.5 * pow((lam[i] - 535.2) / 2.0, 2));
  }
  gk_spectrum_options o = {.baseline = {GK_BASELINE_FIRST_N, 50, 0}};
  gk_spectrum_stats st;
  const int sreps = 20000;
  t0 = now();
  for (int r = 0; r < sreps; r++) gk_spectrum_analyse(lam, s, NPIX, &o, &st, &e);
  double ts = (now() - t0) / sreps;
  printf("spectrum (%d pixels, baseline+peak+integral+FWHM): %6.2f us  FWHM %.4f nm\n", NPIX,
         ts * 1e6, st.fwhm_nm);
  return 0;
}
