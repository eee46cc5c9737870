/* Resonator calculators (see gainkit/cavity.h). */
#include <math.h>

#include "gainkit/constants.h"
#include "gainkit/cavity.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define GK_C_NM_PER_S (GK_C_CM_S * 1e7) /* speed of light in nm/s */

double gk_cavity_q(double lambda_nm, double fwhm_nm)
{
  return lambda_nm > 0 && fwhm_nm > 0 ? lambda_nm / fwhm_nm : NAN;
}

double gk_cavity_photon_lifetime_s(double lambda_nm, double q)
{
  return lambda_nm > 0 && q > 0 ? q * lambda_nm / (2 * M_PI * GK_C_NM_PER_S) : NAN;
}

double gk_cavity_fsr_fp_nm(double lambda_nm, double ng, double length_nm)
{
  return lambda_nm > 0 && ng > 0 && length_nm > 0 ? lambda_nm * lambda_nm / (2 * ng * length_nm) : NAN;
}

double gk_cavity_fsr_wgm_nm(double lambda_nm, double ng, double radius_nm)
{
  return lambda_nm > 0 && ng > 0 && radius_nm > 0 ? lambda_nm * lambda_nm / (2 * M_PI * radius_nm * ng) : NAN;
}

double gk_cavity_deconvolve_lorentz_nm(double wm, double wi, int gauss)
{
  if (!(wm > 0) || !(wi >= 0)) return NAN;
  if (!gauss) return wm > wi ? wm - wi : NAN;
  /* w_V = a w_L + sqrt(b w_L^2 + w_G^2): (w_V - a w_L)^2 = b w_L^2 + w_G^2
   * -> (a^2 - b) w_L^2 - 2 a w_V w_L + w_V^2 - w_G^2 = 0, the root with
   * w_L <= w_V / a (w_V - a w_L >= 0) */
  if (!(wm > wi)) return NAN;
  double a = 0.5346, b = 0.2166, A = a * a - b, B = -2 * a * wm, C = wm * wm - wi * wi;
  double disc = B * B - 4 * A * C;
  if (disc < 0) return NAN;
  double r1 = (-B - sqrt(disc)) / (2 * A);
  return r1 >= 0 ? r1 : NAN;
}

double gk_cavity_jth_ratio(double Va, double pa, double qa, double ta, double Vb, double pb, double qb, double tb)
{
  if (!(Va > 0 && pa > 0 && qa > 0 && ta > 0 && Vb > 0 && pb > 0 && qb > 0 && tb > 0)) return NAN;
  return (Vb / (pb * qb * tb)) / (Va / (pa * qa * ta));
}
