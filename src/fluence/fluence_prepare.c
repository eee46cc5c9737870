/* Fluence inputs prepared from measurements (gainkit/fluence.h, "preparation
 * from measurements"): beam-profile radii, the active layer's absorption, the
 * correlated-radius errors, the mode-weighted carrier density. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gainkit/fluence.h"
#include "gainkit/modes.h"

int gk_beam_fit(const double *x, const double *y, size_t n, int knife, gk_beam *b, gk_error *err)
{
  b->knife = knife;
  int rc = knife ? gk_knife_edge_fit(x, y, n, &b->k, err) : gk_line_profile_fit(x, y, n, &b->p, err);
  if (rc) return rc;
  b->w = knife ? b->k.w : b->p.w;
  b->se_w = knife ? b->k.se_w : b->p.se_w;
  if (!(knife ? b->k.converged : b->p.converged)) {
    gk_beam_free(b);
    return gk_error_set(err, GK_ENOCONV, NULL, 0,
                        "the beam-profile fit did not converge: the scan does not determine the radius");
  }
  return GK_OK;
}

double gk_beam_model(const gk_beam *b, double x)
{
  return b->knife ? gk_knife_model(&b->k, x)
                  : b->p.bg + b->p.amp * exp(-2 * (x - b->p.x0) * (x - b->p.x0) / (b->p.w * b->p.w));
}

void gk_beam_free(gk_beam *b)
{
  if (b->knife) gk_knife_free(&b->k);
  else gk_profile_free(&b->p);
}

int gk_fluence_absorb_active(const gk_stack *s, double wl, int from_sub, gk_absorb *ab, double *absorbed, gk_error *e)
{
  if (s->active < 0) return gk_error_set(e, GK_EINPUT, s->file, 0, "the stack has no layer marked active: true");
  int rc = gk_absorb_stack(s, wl, from_sub, ab, e);
  if (rc != GK_OK) {
    if (e && !e->file[0]) snprintf(e->file, sizeof e->file, "%s", s->file);
    return rc;
  }
  *absorbed = ab->A[s->active];
  if (!(*absorbed > 0)) {
    gk_absorb_free(ab);
    return gk_error_set(e, GK_EINPUT, s->file, s->layers[s->active].line,
                        "the active layer '%s' does not absorb at %g nm (k = 0): no carriers",
                        s->layers[s->active].name, wl);
  }
  return GK_OK;
}

void gk_fluence_correlated_radius(const gk_fluence_in *in, gk_fluence_out *o)
{
  double rE = o->se_energy / o->energy, rw = in->se_a / in->a;
  double rF = sqrt(rE * rE + 4 * rw * rw);
  o->se_area = o->area * 2 * rw;
  o->se_f_avg = o->f_avg * rF, o->se_f_peak = o->f_peak * rF;
  if (!isnan(o->i_peak)) o->se_i_peak = o->i_peak * rF;
  if (!isnan(o->f_abs_peak)) {
    double ra = in->absorbed > 0 && in->se_absorbed > 0 ? in->se_absorbed / in->absorbed : 0;
    o->se_f_abs_peak = o->f_abs_peak * sqrt(rF * rF + ra * ra);
  }
}

int gk_depth_mode_from_stack(gk_depth_profile *dp, const gk_stack *s, double wl, int tm, double *gam, int *found,
                             gk_error *e)
{
  gk_guide g;
  gk_modes m = {0};
  *found = 2;
  int rc = gk_guide_from_stack(&g, s, wl, e);
  if (rc != GK_OK) return rc;
  *found = 0;
  if ((rc = gk_modes_find(&g, tm ? GK_MODES_TM : GK_MODES_TE, &m, e)) == GK_OK && m.n > 0) {
    double *E2 = malloc(dp->n * sizeof *E2);
    *found = 2;
    if (E2 && (rc = gk_mode_field(&g, &m.mode[0], dp->z_nm, dp->n, E2, NULL, e)) == GK_OK) {
      gk_depth_mode_weighted(dp, E2);
      *gam = m.mode[0].confinement[s->active];
      *found = 1;
    }
    free(E2);
  }
  gk_modes_free(&m);
  gk_guide_free(&g);
  return rc;
}
