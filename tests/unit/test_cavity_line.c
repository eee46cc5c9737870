/* gk_cavity_line_window / gk_cavity_line_analyze: the window's points and
 * field-named errors; Q of a noiseless Lorentzian against lambda/FWHM,
 * with a Lorentzian instrument subtracted. */
#include <math.h>
#include <string.h>

#include "gainkit/cavity.h"
#include "gk_test.h"

enum { N = 201 };

static void lorentzian(double *wl, double *y, double c, double w)
{
  for (int i = 0; i < N; i++) {
    wl[i] = c - 1 + 0.01 * i;
    double u = (wl[i] - c) / (w / 2);
    y[i] = 0.05 + 1 / (1 + u * u);
  }
}

static void test_window(void)
{
  double wl[N], y[N];
  lorentzian(wl, y, 530, 0.1);
  size_t a, n;
  gk_error e;
  CHECK_INT(gk_cavity_line_window(wl, N, NAN, NAN, "x.csv", &a, &n, &e), GK_OK);
  CHECK_INT(a, 0);
  CHECK_INT(n, N);
  CHECK_INT(gk_cavity_line_window(wl, N, 529.5, 530.5, "x.csv", &a, &n, &e), GK_OK);
  CHECK_CLOSE(wl[a], 529.5, 1e-9);
  CHECK_INT(n, 101);
  CHECK_INT(gk_cavity_line_window(wl, N, 600, 601, "x.csv", &a, &n, &e), GK_EUSAGE);
  CHECK_STR(e.option, "window");
  CHECK(strstr(e.msg, "holds 0 points of x.csv") != NULL);
  CHECK_INT(gk_cavity_line_window(wl, 5, NAN, NAN, "x.csv", &a, &n, &e), GK_EUSAGE);
  CHECK_STR(e.option, "");
  CHECK(strstr(e.msg, "x.csv: 5 points") != NULL);
}

static void test_q(void)
{
  double wl[N], y[N];
  lorentzian(wl, y, 530, 0.1);
  gk_cavity_line_options o = {0};
  gk_cavity_line L;
  gk_error e;
  CHECK_INT(gk_cavity_line_analyze(wl, y, N, &o, &L, &e), GK_OK);
  CHECK(L.determined);
  CHECK_CLOSE(L.q, 530 / 0.1, 1e-4);
  CHECK_CLOSE(L.photon_lifetime_s, 5300 * 530e-9 / (2 * 3.14159265358979323846 * 2.99792458e8), 1e-4);
  gk_cavity_line_free(&L);
  /* a Lorentzian instrument of 0.04 nm: the cavity's width is 0.06 nm */
  o.instrument_width = 0.04;
  CHECK_INT(gk_cavity_line_analyze(wl, y, N, &o, &L, &e), GK_OK);
  CHECK_CLOSE(L.linewidth_nm, 0.06, 1e-4);
  CHECK_CLOSE(L.q, 530 / 0.06, 1e-4);
  gk_cavity_line_free(&L);
  /* an instrument wider than the line: not determined, Q NaN */
  o.instrument_width = 0.2;
  CHECK_INT(gk_cavity_line_analyze(wl, y, N, &o, &L, &e), GK_OK);
  CHECK(!L.determined && isnan(L.q) && isnan(L.photon_lifetime_s));
  gk_cavity_line_free(&L);
}

int main(void)
{
  RUN(test_window);
  RUN(test_q);
  return gk_test_summary();
}
