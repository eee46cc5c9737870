/* Gain models, gain curves and Auger lifetimes from user choices
 * (gainkit/nc.h, "preparation from options"). */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "gainkit/nc.h"

gk_nc_model_options gk_nc_model_options_default(void)
{
  return (gk_nc_model_options){.ge = NAN, .gh = NAN, .ne = NAN, .ne_mean = NAN};
}

const gk_nc_material *gk_nc_material_lookup(const char *name, gk_error *err)
{
  const gk_nc_material *m = gk_nc_material_find(name);
  if (!m) {
    char list[256] = "";
    for (size_t i = 0; i < gk_nc_material_count(); i++) {
      strncat(list, gk_nc_material_at(i)->name, sizeof list - strlen(list) - 1);
      if (i + 1 < gk_nc_material_count()) strncat(list, ", ", sizeof list - strlen(list) - 1);
    }
    gk_error_option(err, "material", "unknown material '%s' (known: %s)", name, list);
  }
  return m;
}

const char *gk_nc_transition_name(int t) { return t == GK_NC_1P ? "1P" : t == GK_NC_1D ? "1D" : "1S"; }

int gk_nc_model_resolve(const gk_nc_model_options *o, gk_nc_gain_model *m, gk_error *err)
{
  memset(m, 0, sizeof *m);
  m->ge = m->gh = 2;
  if (o->material) {
    const gk_nc_material *mat = gk_nc_material_lookup(o->material, err);
    if (!mat) return GK_EUSAGE;
    m->ge = mat->ge;
    m->gh = mat->gh;
  }
  if (!isnan(o->ge)) m->ge = o->ge;
  if (!isnan(o->gh)) m->gh = o->gh;
  int ne = !isnan(o->ne), nem = !isnan(o->ne_mean);
  if (ne && nem) return gk_error_option(err, "ne_mean", "give either `ne` (fixed) or `ne_mean` (Poisson), not both");
  m->ne = nem ? o->ne_mean : ne ? o->ne : 0;
  m->ne_poisson = nem;
  m->stat = GK_NC_POISSON;
  if (o->statistics) {
    if (!strcasecmp(o->statistics, "uniform")) m->stat = GK_NC_UNIFORM;
    else if (strcasecmp(o->statistics, "poisson"))
      return gk_error_option(err, "statistics", "'%s' is not uniform or poisson", o->statistics);
  }
  const char *t = o->transition;
  m->transition = !t || !strcasecmp(t, "1S") ? GK_NC_1S : !strcasecmp(t, "1P") ? GK_NC_1P
                : !strcasecmp(t, "1D")       ? GK_NC_1D : -1;
  if (m->transition < 0) return gk_error_option(err, "transition", "'%s' is not 1S, 1P or 1D", t);
  return GK_OK;
}

void gk_nc_gain_curve(const gk_nc_gain_model *m, double lo, double hi, size_t n, double *x, double *gu, double *gp)
{
  gk_nc_gain_model mu = *m, mp = *m;
  mu.stat = GK_NC_UNIFORM;
  mp.stat = GK_NC_POISSON;
  for (size_t i = 0; i < n; i++) {
    x[i] = lo + (hi - lo) * (double)i / (double)(n - 1);
    gu[i] = -gk_nc_absorption(&mu, x[i]);
    gp[i] = -gk_nc_absorption(&mp, x[i]);
  }
}

double gk_nc_gain_curve_max(const gk_nc_gain_model *m)
{
  return 2 * (m->ge > m->gh ? m->ge : m->gh) * (m->transition + 1) * (m->transition + 1);
}

int gk_nc_auger_calc(const gk_nc_auger_in *in, gk_nc_auger_out *out, gk_error *err)
{
  if (!(in->max_n >= 2 && in->max_n <= 100)) return gk_error_option(err, "max_n", "must be an integer from 2 to 100");
  out->tau_xx = out->q_xx = out->chi_implied = NAN;
  if (!isnan(in->tau_xx)) {
    if (isnan(in->tau_rxx))
      return gk_error_option(err, "tau_xx", "needs tau_rxx to separate Auger from radiative decay");
    if (!(in->tau_xx < in->tau_rxx))
      return gk_error_option(err, "tau_xx", "must be shorter than the radiative biexciton lifetime (%g s)", in->tau_rxx);
    out->tau_a = gk_nc_tau_a_from_xx(in->tau_xx, in->tau_rxx);
    if (!isnan(in->volume_nm3)) out->chi_implied = out->tau_a * 1e12 / in->volume_nm3;
  } else {
    if (isnan(in->volume_nm3)) return gk_error_option(err, "volume_nm3", "neither a volume nor a measured tau_xx");
    out->tau_a = gk_nc_auger_xx(in->chi, in->volume_nm3);
  }
  if (!isnan(in->tau_rxx)) {
    out->tau_xx = !isnan(in->tau_xx) ? in->tau_xx : gk_nc_tau_xx(out->tau_a, in->tau_rxx);
    out->q_xx = out->tau_xx / in->tau_rxx;
  }
  /* Statistical scaling, Eq. 6, calibrated on the biexciton. */
  for (int n = 1; n <= in->max_n; n++) out->tau_n[n - 1] = gk_nc_auger_scaled(out->tau_a, n + in->ne, n);
  return GK_OK;
}
