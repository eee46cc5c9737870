/* What a simulation reports and the fit data's axis (src/simulate/report.c):
 * the summary of a Gaussian spectrum against its closed-form peak, FWHM
 * (2 sqrt(2 ln 2) sigma) and area (sigma sqrt(2 pi)); no FWHM for a spectrum of
 * zeros; the axis from the column unit (lengths, fluences, none, a wrong one). */
#include <math.h>
#include <string.h>

#include "gainkit/simulate.h"
#include "gk_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int main(void)
{
  enum { N = 2001 };
  static double lam[N], sp[N];
  double sig = 4;
  for (int i = 0; i < N; i++) {
    lam[i] = 500 + 0.05 * i;
    sp[i] = 7 * exp(-0.5 * (lam[i] - 530) * (lam[i] - 530) / (sig * sig));
  }
  gk_sim_result r = {0};
  r.nbins = N;
  r.lambda = lam;
  r.spectrum = sp;
  gk_sim_summary s = gk_sim_result_summary(&r);
  CHECK_CLOSE(s.peak_nm, 530, 1e-9);
  CHECK_CLOSE(s.peak, 7, 1e-12);
  CHECK_CLOSE(s.fwhm, 2 * sqrt(2 * log(2)) * sig, 1e-3);
  CHECK_CLOSE(s.total, 7 * sig * sqrt(2 * M_PI), 1e-6);
  for (int i = 0; i < N; i++) sp[i] = 0;
  s = gk_sim_result_summary(&r);
  CHECK(isnan(s.fwhm) && s.peak == 0);

  double col[3] = {1, 2, 3}, ax[3];
  gk_matrix m = {0};
  m.ncol = 3;
  m.col = col;
  gk_error e;
  gk_error_clear(&e);
  int vsl = -1;
  CHECK_INT(gk_sim_fit_axis(&m, "d.csv", &vsl, ax, &e), GK_OK); /* no unit: mJ/cm2 */
  CHECK(vsl == 0);
  CHECK_CLOSE(ax[2], 3e-3, 1e-15);
  strcpy(m.col_unit_in, "mm");
  CHECK_INT(gk_sim_fit_axis(&m, "d.csv", &vsl, ax, &e), GK_OK);
  CHECK(vsl == 1);
  CHECK_CLOSE(ax[1], 0.2, 1e-15);
  strcpy(m.col_unit_in, "uJ/cm2");
  CHECK_INT(gk_sim_fit_axis(&m, "d.csv", &vsl, ax, &e), GK_OK);
  CHECK(vsl == 0);
  CHECK_CLOSE(ax[0], 1e-6, 1e-18);
  strcpy(m.col_unit_in, "ns");
  CHECK_INT(gk_sim_fit_axis(&m, "d.csv", &vsl, ax, &e), GK_EINPUT);
  CHECK(!strcmp(e.file, "d.csv") && e.line == 1 && strstr(e.msg, "'ns'"));
  return gk_test_summary();
}
