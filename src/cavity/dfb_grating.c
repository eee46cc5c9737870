/* A DFB grating in a layer of a stack (gainkit/dfb.h): coupling from the
 * guided mode, self-consistent Bragg wavelength, lowest threshold, map. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/dfb.h"

int gk_dfb_grating_prepare(const gk_stack *s, const char *layer_name, gk_dfb_grating *g, double *wavelength_nm,
                           gk_error *err)
{
  int j = gk_stack_find(s, layer_name ? layer_name : "");
  if (!(*wavelength_nm > 0)) *wavelength_nm = s->wavelength_nm;
  if (j <= 0 || (size_t)j + 1 >= s->nlayers)
    return gk_error_option(err, "grating_layer", "%s has no interior layer '%s'", s->file,
                           layer_name ? layer_name : "");
  g->layer = (size_t)j;
  if (g->depth_nm > 0 && !(g->depth_nm < s->layers[j].thickness_nm))
    return gk_error_option(err, "depth", "%g nm is not below the thickness of '%s' (%g nm); leave `depth` out for a "
                           "grating through the whole layer", g->depth_nm, layer_name, s->layers[j].thickness_nm);
  if (!(*wavelength_nm > 0))
    return gk_error_option(err, "wavelength", "no wavelength: give `wavelength` or wavelength_nm in %s", s->file);
  return GK_OK;
}

/* The guide of the stack at wl with the top depth_nm of layer j as a
 * sub-layer of its own (the grating region stays index j). */
static int split_guide(const gk_stack *s, size_t j, double depth, double wl, gk_guide *g, gk_error *e)
{
  gk_guide g0;
  if (gk_guide_from_stack(&g0, s, wl, e) != GK_OK) return -1;
  if (!(depth > 0 && depth < g0.thickness_nm[j])) {
    *g = g0;
    return 0;
  }
  size_t nl = g0.nlayers + 1;
  double *nr = malloc(3 * nl * sizeof *nr);
  if (!nr) {
    gk_guide_free(&g0);
    gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
    return -1;
  }
  double *ki = nr + nl, *t = nr + 2 * nl;
  for (size_t i = 0, o = 0; i < g0.nlayers; i++, o++) {
    nr[o] = creal(g0.index[i]);
    ki[o] = cimag(g0.index[i]);
    t[o] = g0.thickness_nm[i];
    if (i == j) {
      t[o] = depth;
      o++;
      nr[o] = nr[o - 1];
      ki[o] = ki[o - 1];
      t[o] = g0.thickness_nm[i] - depth;
    }
  }
  int rc = gk_guide_init(g, nl, nr, ki, t, wl, e);
  free(nr);
  gk_guide_free(&g0);
  return rc != GK_OK ? -1 : 0;
}

int gk_dfb_grating_coupling(const gk_stack *s, const gk_dfb_grating *gr, double wl, gk_dfb_coupling *c, gk_error *e)
{
  gk_guide g;
  gk_modes m = {0};
  size_t j = gr->layer;
  if (split_guide(s, j, gr->depth_nm, wl, &g, e)) return e && e->code ? e->code : GK_EINTERNAL;
  double complex ehi = g.index[j] * g.index[j];
  double elo = gr->n_fill * gr->n_fill, duty = gr->duty;
  int order = gr->order, rc = GK_OK;
  g.index[j] = csqrt(duty * ehi + (1 - duty) * elo);
  c->wavelength_nm = wl;
  if ((rc = gk_modes_find(&g, gr->pol == GK_TM ? GK_MODES_TM : GK_MODES_TE, &m, e)) != GK_OK) {
  } else if (m.n == 0) {
    c->status = GK_DFB_NO_MODE;
  } else {
    double em = gk_dfb_rect_eps_m(creal(ehi), elo, duty, order);
    double em_im = gk_dfb_rect_eps_m(cimag(ehi), 0, duty, order), ki = 0;
    c->neff = creal(m.mode[0].neff);
    c->confinement = m.mode[0].confinement[j];
    c->zeta = 0;
    c->kappa_gain = 0;
    c->status = GK_DFB_COUPLED;
    if (!(fabs(em) > 1e-9 * fabs(creal(ehi) - elo))) c->status = GK_DFB_NO_COMPONENT;
    else if ((rc = gk_dfb_kappa(&g, &m.mode[0], j, em, &c->kappa, e)) != GK_OK) {
    } else if (em_im != 0 && (rc = gk_dfb_kappa(&g, &m.mode[0], j, em_im, &ki, e)) != GK_OK) {
    } else if (order == 2 && gr->pol == GK_TE) {
      rc = gk_dfb_radiation(&g, &m.mode[0], j, gk_dfb_rect_eps_m(creal(ehi), elo, duty, 1), &c->zeta, e);
    }
    /* gainkit's fields are e^{-i omega t}, Kogelnik-Shank's e^{+i omega t}: their
     * kappa is the conjugate, so gain teeth (Im eps < 0) give kappa_gain > 0
     * (the conjugation is checked against a transfer matrix of a complex
     * grating in tests/unit/test_dfb.c) */
    if (rc == GK_OK && c->status == GK_DFB_COUPLED) c->kappa_gain = -ki;
  }
  gk_modes_free(&m);
  gk_guide_free(&g);
  return rc;
}

int gk_dfb_grating_bragg(const gk_stack *s, const gk_dfb_grating *g, double period, double wl0, gk_dfb_coupling *c,
                         gk_error *e)
{
  double w = wl0;
  for (int it = 0; it < 30; it++) {
    int rc = gk_dfb_grating_coupling(s, g, w, c, e);
    if (rc != GK_OK) return rc;
    if (c->status == GK_DFB_NO_MODE) {
      c->wavelength_nm = NAN;
      return GK_OK;
    }
    double wn = 2 * c->neff * period / g->order;
    if (fabs(wn - w) < 1e-9 * w) { w = wn; break; }
    w = wn;
  }
  return gk_dfb_grating_coupling(s, g, w, c, e);
}

double gk_dfb_lowest_threshold(double kappa, double kgain, double complex zeta, double len, double *delta_L)
{
  gk_dfb_mode mm[1];
  size_t nn = 0;
  gk_error e;
  gk_error_clear(&e);
  double kL = kappa * len;
  if (fabs(kL) > 50 || fabs(kL) < 1e-6) return NAN;
  double dmax = fmax(15, 2 * fabs(kL) + 2 * cabs(zeta) * len + 12);
  if (gk_dfb_threshold_rad(kL, kgain * len, zeta * len, 10 + 3 * creal(zeta) * len, dmax, mm, 1, &nn, &e) != GK_OK ||
      !nn)
    return NAN;
  if (delta_L) *delta_L = mm[0].delta_L;
  return 2 * mm[0].alpha_L / len;
}

int gk_dfb_map(const gk_stack *s, const gk_dfb_grating *g0, const double pr[2], size_t np, const double dr[2],
               size_t nd, double wl0, double len, gk_dfb_map_cell *cells, gk_error *e)
{
  gk_dfb_grating g = *g0;
  for (size_t a = 0; a < nd; a++) {
    g.duty = nd > 1 ? dr[0] + (dr[1] - dr[0]) * (double)a / (double)(nd - 1) : dr[0];
    for (size_t b = 0; b < np; b++) {
      gk_dfb_map_cell *x = &cells[a * np + b];
      x->period_nm = np > 1 ? pr[0] + (pr[1] - pr[0]) * (double)b / (double)(np - 1) : pr[0];
      x->duty = g.duty;
      x->c = (gk_dfb_coupling){.wavelength_nm = NAN, .kappa = NAN, .neff = NAN, .confinement = NAN};
      int rc = gk_dfb_grating_bragg(s, &g, x->period_nm, wl0, &x->c, e);
      if (rc != GK_OK) return rc;
      x->threshold_gain = x->c.status == GK_DFB_COUPLED
                            ? gk_dfb_lowest_threshold(x->c.kappa, x->c.kappa_gain, x->c.zeta, len, NULL) : NAN;
    }
  }
  return GK_OK;
}
