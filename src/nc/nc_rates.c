/* Nanocrystal Auger lifetimes, pump and current thresholds, confinement.
 * [Ahn et al., Chem. Rev. 2023, Eq. 1-2, 4, 6, 8-9, §2.3.1, §2.3.3] */
#include <math.h>
#include <strings.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_bessel.h>

#include "gainkit/nc.h"
#include "gainkit/constants.h"
#include "core/core_internal.h"

#define EV GK_Q_E

/* chi: V-scaling constants of biexciton Auger lifetimes, tau_A,XX = chi V.
 * ~1 ps nm^-3 is "universal" for II-VI and IV-VI QDs, ~0.06 ps nm^-3 for
 * lead-halide perovskite NCs [Ahn et al., Chem. Rev. 2023, §2.3.1 and Fig. 4, §4.3]. Degeneracies:
 * 2-fold band edges for CdSe and perovskites, 8-fold for PbS/PbSe [Ahn et al., Chem. Rev. 2023, §3.2.2]. */
static const gk_nc_material materials[] = {
  {"cdse", "CdSe", 1.0, 2, 2, "Klimov review [Ahn et al., Chem. Rev. 2023] §2.3.1, Fig. 4 (V-scaling)"},
  {"cds", "CdS", 1.0, 2, 2, "Klimov review [Ahn et al., Chem. Rev. 2023] §2.3.1 (universal chi for II-VI)"},
  {"cdte", "CdTe", 1.0, 2, 2, "Klimov review [Ahn et al., Chem. Rev. 2023] §2.3.1 (universal chi for II-VI)"},
  {"pbs", "PbS", 1.0, 8, 8, "Klimov review [Ahn et al., Chem. Rev. 2023] §2.3.1, Fig. 4; g = 8 from §3.2.2"},
  {"pbse", "PbSe", 1.0, 8, 8, "Klimov review [Ahn et al., Chem. Rev. 2023] §2.3.1; g = 8 from §3.2.2"},
  {"cspbbr3", "CsPbBr3", 0.06, 2, 2, "Klimov review [Ahn et al., Chem. Rev. 2023] §2.3.1 and §4.3 (perovskite chi)"},
  {"cspbi3", "CsPbI3", 0.06, 2, 2, "Klimov review [Ahn et al., Chem. Rev. 2023] §2.3.1 and §4.3 (perovskite chi)"},
};

size_t gk_nc_material_count(void) { return sizeof materials / sizeof materials[0]; }
const gk_nc_material *gk_nc_material_at(size_t i)
{
  return i < gk_nc_material_count() ? &materials[i] : NULL;
}
const gk_nc_material *gk_nc_material_find(const char *name)
{
  for (size_t i = 0; name && i < gk_nc_material_count(); i++)
    if (strcasecmp(name, materials[i].name) == 0) return &materials[i];
  return NULL;
}

double gk_nc_volume_nm3(double radius_cm)
{
  double r = radius_cm * 1e7;
  return 4.0 / 3.0 * M_PI * r * r * r;
}

double gk_nc_auger_xx(double chi_ps_nm3, double volume_nm3) { return chi_ps_nm3 * volume_nm3 * 1e-12; }

double gk_nc_auger_scaled(double tau_axx, double ne, double nh)
{
  double rate = ne * nh * (ne + nh - 2) / (8.0 * tau_axx);
  return rate > 0 ? 1.0 / rate : INFINITY;
}

double gk_nc_tau_xx(double tau_a, double tau_rxx) { return tau_a * tau_rxx / (tau_a + tau_rxx); }
double gk_nc_tau_a_from_xx(double tau_xx, double tau_rxx)
{
  return tau_xx < tau_rxx ? tau_xx * tau_rxx / (tau_rxx - tau_xx) : INFINITY;
}

double gk_nc_g_half(double tau_x, double tau_xx)
{
  return (1.0 + sqrt(1.0 + 12.0 * tau_xx / tau_x)) / (2.0 * tau_xx);
}

static int positive(double v, const char *opt, const char *what, gk_error *err)
{
  if (v > 0 && isfinite(v)) return GK_OK;
  return gk_error_option(err, opt, "%s must be positive (got %g)", what, v);
}

int gk_nc_pump_thresholds(double sigma_abs, double photon_ev, double tau_x, double tau_xx,
                          double n_th, gk_nc_pump *out, gk_error *err)
{
  gk_gsl_init_();
  int rc;
  if ((rc = positive(sigma_abs, "sigma_abs", "absorption cross-section", err)) ||
      (rc = positive(photon_ev, "photon_energy", "photon energy", err)) ||
      (rc = positive(tau_x, "tau_x", "exciton lifetime", err)) ||
      (rc = positive(tau_xx, "tau_xx", "biexciton lifetime", err)))
    return rc;
  if (!(n_th >= 0) || !isfinite(n_th))
    return gk_error_option(err, "n_th", "threshold occupancy must be >= 0 (got %g)", n_th);
  double hv_over_sigma = photon_ev * EV / sigma_abs;   /* J/cm^2 per excitation */
  out->g_th = 1.0 / sqrt(tau_x * tau_xx);
  out->g_half = gk_nc_g_half(tau_x, tau_xx);
  out->w_th = hv_over_sigma * n_th;
  out->i_th = hv_over_sigma * out->g_th;
  out->i_half = hv_over_sigma * out->g_half;
  return GK_OK;
}

int gk_nc_current_thresholds(double radius_cm, double fill, double tau_x, double tau_xx,
                             gk_nc_current *out, gk_error *err)
{
  gk_gsl_init_();
  int rc;
  if ((rc = positive(radius_cm, "radius", "radius", err)) ||
      (rc = positive(tau_x, "tau_x", "exciton lifetime", err)) ||
      (rc = positive(tau_xx, "tau_xx", "biexciton lifetime", err)))
    return rc;
  if (!(fill > 0 && fill <= 1))
    return gk_error_option(err, "fill", "areal filling factor must be in (0, 1] (got %g)", fill);
  /* Current focusing: sigma_e = sigma_g/f_a, g_exc = sigma_e j/e [Ahn et al., Chem. Rev. 2023, §5.2]. */
  out->sigma_g = M_PI * radius_cm * radius_cm;
  out->j_th = EV * fill / (out->sigma_g * sqrt(tau_x * tau_xx));
  out->j_half = EV * fill * gk_nc_g_half(tau_x, tau_xx) / out->sigma_g;
  return GK_OK;
}

double gk_nc_bessel_zero(int L, int n)
{
  /* j_L(x) = sqrt(pi/2x) J_{L+1/2}(x): same zeros. */
  return gsl_sf_bessel_zero_Jnu(L + 0.5, n);
}

int gk_nc_confinement_calc(double radius_cm, double me, double mh, double eg0,
                           gk_nc_confinement *out, gk_error *err)
{
  int rc;
  if ((rc = positive(radius_cm, "radius", "radius", err)) ||
      (rc = positive(me, "me", "electron effective mass", err)) ||
      (rc = positive(mh, "mh", "hole effective mass", err)))
    return rc;
  if (!(eg0 >= 0) || !isfinite(eg0))
    return gk_error_option(err, "eg0", "bulk band gap must be >= 0 eV (got %g)", eg0);
  double r = radius_cm * 1e-2;  /* m */
  double hbar = GK_HBAR, m0 = GK_M0;
  double scale = hbar * hbar / (2.0 * m0 * r * r) / EV;   /* eV for phi = 1, m = m0 */
  for (int L = 0; L < 3; L++) {
    out->phi[L] = gk_nc_bessel_zero(L, 1);
    out->e_e[L] = scale * out->phi[L] * out->phi[L] / me;
    out->e_h[L] = scale * out->phi[L] * out->phi[L] / mh;
  }
  out->e_conf = out->e_e[0] + out->e_h[0];
  out->e_g = eg0 + out->e_conf;
  return GK_OK;
}
