/* Leaky and Bragg-reflection modes (see gainkit/leaky.h). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_integration.h>

#include "gainkit/leaky.h"

typedef double complex cplx;

/* Hooks in modes.c: the same contour search on chosen cladding sheets. */
int gk_modes__box_zeros(const gk_guide *g, gk_pol pol, int sheet_c, int sheet_s, double x0, double x1,
                        double y0, double y1, double complex **z, size_t *nz, int *failed, long *nev);
int gk_modes__newton(const gk_guide *g, gk_pol pol, int sheet_c, int sheet_s, double complex *z);
double complex gk_modes__dispersion_sheet(const gk_guide *g, gk_pol pol, int sheet_c, int sheet_s,
                                          double complex neff);

/* Zeros too close to the real axis for the contour search. The boxes start
 * at Im n_eff = 1e-13 (the real axis itself cannot be a contour edge: a
 * zero numerically on it spoils the winding number), so a mode confined by
 * a long DBR, whose leakage Im n_eff falls to 1e-13 or below (it decreases
 * geometrically with the number of periods, and can go below double
 * precision), lies outside every box or on its edge. Near the real axis
 * F(x) ~ F'(z0) (x - z0), so such a zero shows as a deep local minimum of
 * |F| on the real axis of the same sheet; each minimum on a fine grid
 * (spacing far below the mode spacing) starts a Newton iteration, and a
 * zero it reaches with Im <= y_top that the boxes did not find is added
 * (this also recovers a zero the boxes lost when a first contour met it and
 * the box was moved). An Im part below the Newton resolution (1e-13 |z|)
 * is rounding, possibly negative: it is set to 0 (no loss resolved, the
 * same convention as the leakage part). */
static size_t strip_zeros(const gk_guide *g, gk_pol pol, int sc, int ss, double x0, double x1, double y_top,
                          const cplx *have, size_t nhave, cplx **out, long *nev)
{
  enum { NS = 4000 };
  double *lf = malloc((NS + 1) * sizeof *lf);
  size_t n = 0, cap = 0;
  *out = NULL;
  if (!lf) return 0;
  for (int i = 0; i <= NS; i++) {
    cplx f = gk_modes__dispersion_sheet(g, pol, sc, ss, x0 + (x1 - x0) * i / NS);
    lf[i] = (isfinite(creal(f)) && isfinite(cimag(f)) && cabs(f) > 0) ? log(cabs(f)) : INFINITY;
  }
  *nev += NS + 1;
  for (int i = 1; i < NS; i++) {
    if (!(lf[i] < lf[i - 1] && lf[i] <= lf[i + 1]) || !isfinite(lf[i])) continue;
    cplx z = x0 + (x1 - x0) * i / NS;
    if (gk_modes__newton(g, pol, sc, ss, &z) != 0) continue;
    if (!(creal(z) > x0 && creal(z) < x1) || !(fabs(cimag(z)) <= y_top)) continue;
    if (cimag(z) < -1e-13 * cabs(z)) continue;   /* a zero below the axis: not a leaky mode */
    if (fabs(cimag(z)) <= 1e-13 * cabs(z)) z = creal(z);   /* below the Newton resolution */
    int dup = 0;
    for (size_t k = 0; k < nhave && !dup; k++) dup = cabs(have[k] - z) <= 1e-9 * cabs(z);
    for (size_t k = 0; k < n && !dup; k++) dup = cabs((*out)[k] - z) <= 1e-9 * cabs(z);
    if (dup) continue;
    if (n == cap) {
      size_t c = cap ? 2 * cap : 4;
      cplx *nz = realloc(*out, c * sizeof *nz);
      if (!nz) break;
      *out = nz;
      cap = c;
    }
    (*out)[n++] = z;
  }
  free(lf);
  return n;
}

/* ---- periodic section ------------------------------------------------------- */
static int same_layer(const gk_guide *g, size_t a, size_t b)
{
  return g->index[a] == g->index[b] && fabs(g->thickness_nm[a] - g->thickness_nm[b]) <= 1e-12 * g->thickness_nm[a];
}

size_t gk_guide_periodic(const gk_guide *g, size_t *first, size_t *cell)
{
  size_t best = 0, bf = 0, bc = 0, n = g->nlayers;
  if (n < 3) return 0;
  for (size_t c = 1; c <= 8; c++)
    for (size_t s = 1; s + c < n; s++) {
      size_t len = 0;   /* interior layers j >= s with layer j == layer j + c */
      while (s + len + c + 1 < n && same_layer(g, s + len, s + len + c)) len++;
      size_t periods = (len + c) / c;
      if (periods >= 3 && periods > best) {
        /* a cell of identical layers is a shorter cell: keep the first found */
        best = periods;
        bf = s;
        bc = c;
      }
    }
  if (best) { *first = bf; *cell = bc; }
  return best;
}

double gk_guide_cell_half_trace(const gk_guide *g, size_t first, size_t cell, gk_pol pol, double neff)
{
  double k0 = 2 * M_PI / g->wavelength_nm;
  /* (psi, phi) transfer matrix, real indices */
  cplx a = 1, b = 0, c = 0, d = 1;
  for (size_t j = first; j < first + cell && j + 1 < g->nlayers; j++) {
    double n = creal(g->index[j]);
    double eps = n * n, p = pol == GK_TM ? eps : 1;
    cplx kap = k0 * csqrt(eps - neff * neff), t = kap * g->thickness_nm[j];
    cplx cs = ccos(t), sk = cabs(t) < 1e-8 ? g->thickness_nm[j] : csin(t) / kap, ks = kap * kap * sk;
    cplx m11 = cs, m12 = p * sk, m21 = -ks / p, m22 = cs;
    cplx na = m11 * a + m12 * c, nb = m11 * b + m12 * d, nc = m21 * a + m22 * c, nd = m21 * b + m22 * d;
    a = na; b = nb; c = nc; d = nd;
  }
  return creal(0.5 * (a + d));
}

/* ---- fields on a sheet ------------------------------------------------------- */
typedef struct lfield {
  const gk_guide *g;
  gk_pol pol;
  cplx ne, gc, gs, *psi, *phi, *kap, *eps;
  double k0;
} lfield;

static int lfield_init(lfield *f, const gk_guide *g, gk_pol pol, cplx ne, int sc, int ss)
{
  size_t n = g->nlayers;
  f->g = g;
  f->pol = pol;
  f->ne = ne;
  f->k0 = 2 * M_PI / g->wavelength_nm;
  f->psi = malloc(4 * n * sizeof *f->psi);
  if (!f->psi) return GK_ENOMEM;
  f->phi = f->psi + n;
  f->kap = f->psi + 2 * n;
  f->eps = f->psi + 3 * n;
  for (size_t j = 0; j < n; j++) {
    f->eps[j] = g->index[j] * g->index[j];
    f->kap[j] = f->k0 * csqrt(f->eps[j] - ne * ne);
  }
  f->gc = sc * f->k0 * csqrt(ne * ne - f->eps[0]);
  f->gs = ss * f->k0 * csqrt(ne * ne - f->eps[n - 1]);
  cplx psi = 1, phi = f->gc / (pol == GK_TM ? f->eps[0] : 1.0);
  f->psi[0] = psi;
  f->phi[0] = phi;
  for (size_t j = 1; j < n; j++) {
    f->psi[j] = psi;
    f->phi[j] = phi;
    if (j + 1 == n) break;
    cplx k = f->kap[j], t = k * g->thickness_nm[j], p = pol == GK_TM ? f->eps[j] : 1.0;
    cplx cs = ccos(t), sk = cabs(t) < 1e-8 ? g->thickness_nm[j] : csin(t) / k;
    cplx psi2 = cs * psi + p * sk * phi;
    phi = -k * k * sk / p * psi + cs * phi;
    psi = psi2;
  }
  return GK_OK;
}

/* |E|^2 (unnormalised) at t inside layer j (t from its top; < 0 in the cover) */
static double lfield_at(const lfield *f, size_t j, double t)
{
  size_t n = f->g->nlayers;
  cplx psi, phi, p = f->pol == GK_TM ? f->eps[j] : 1.0;
  if (j == 0) {
    psi = cexp(f->gc * t);
    phi = f->gc / p * psi;
  } else if (j + 1 == n) {
    psi = f->psi[j] * cexp(-f->gs * t);
    phi = -f->gs / p * psi;
  } else {
    cplx k = f->kap[j], tt = k * t;
    cplx cs = ccos(tt), sk = cabs(tt) < 1e-8 ? t : csin(tt) / k;
    psi = cs * f->psi[j] + p * sk * f->phi[j];
    phi = -k * k * sk / p * f->psi[j] + cs * f->phi[j];
  }
  if (f->pol == GK_TE) return creal(psi * conj(psi));
  cplx ex = f->k0 * f->ne * psi / p;
  return creal(ex * conj(ex)) + creal(phi * conj(phi));
}

struct lctx { const lfield *f; size_t j; };
static double lfield_fn(double t, void *p)
{
  const struct lctx *c = p;
  return lfield_at(c->f, c->j, t);
}

/* integral of |E|^2 over layer j; 0 for a radiating half-space */
static double lfield_layer(const lfield *f, size_t j, gsl_integration_glfixed_table *tab)
{
  size_t n = f->g->nlayers;
  if (j == 0 || j + 1 == n) {
    cplx gm = j == 0 ? f->gc : f->gs, p = f->pol == GK_TM ? f->eps[j] : 1.0;
    if (!(creal(gm) > 0)) return 0;
    double w = creal(f->psi[j] * conj(f->psi[j])) / (2 * creal(gm));
    if (f->pol == GK_TE) return w;
    cplx ex = f->k0 * f->ne / p, ez = gm / p;
    return w * (creal(ex * conj(ex)) + creal(ez * conj(ez)));
  }
  double d = f->g->thickness_nm[j];
  /* panels of at most a quarter of the local wavelength/decay length */
  size_t np = 1 + (size_t)(cabs(f->kap[j]) * d / 1.5);
  if (np > 4096) np = 4096;
  struct lctx c = {f, j};
  gsl_function F = {lfield_fn, &c};
  double s = 0;
  for (size_t i = 0; i < np; i++) s += gsl_integration_glfixed(&F, d * i / np, d * (i + 1) / np, tab);
  return s;
}

/* ---- search ------------------------------------------------------------------ */
void gk_leaky_modes_free(gk_leaky_modes *m)
{
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) free(m->mode[i].confinement);
  free(m->mode);
  memset(m, 0, sizeof *m);
}

static int cmp_mode(const void *a, const void *b)
{
  const gk_leaky_mode *x = a, *y = b;
  if (x->pol != y->pol) return (int)x->pol - (int)y->pol;
  double p = creal(x->neff), q = creal(y->neff);
  return (p < q) - (p > q);
}

/* Im(n_eff) of the same stack with every Im(eps) scaled to zero. */
static double leak_part(const gk_guide *g, gk_pol pol, int sc, int ss, cplx ne, int *ok)
{
  size_t n = g->nlayers;
  gk_guide h = *g;
  h.index = malloc(n * sizeof *h.index);
  *ok = 0;
  if (!h.index) return NAN;
  cplx z = ne;
  int steps = 16, good = 1;
  for (int s = steps - 1; s >= 0 && good; s--) {
    double t = (double)s / steps;
    for (size_t j = 0; j < n; j++) {
      cplx e = g->index[j] * g->index[j];
      h.index[j] = csqrt(creal(e) + I * t * cimag(e));
    }
    good = gk_modes__newton(&h, pol, sc, ss, &z) == 0;
  }
  free(h.index);
  if (!good) return NAN;
  *ok = 1;
  /* Newton stops at |dz| <= 1e-14 |z|: an Im part below that is rounding
   * (it can come out slightly negative), i.e. no leakage resolved */
  return fabs(cimag(z)) <= 1e-13 * cabs(z) ? 0.0 : cimag(z);
}

int gk_modes_find_leaky(const gk_guide *g, int pols, double neff_min, double im_max, gk_leaky_modes *out,
                        gk_error *err)
{
  memset(out, 0, sizeof *out);
  out->nlayers = g->nlayers;
  out->converged = 1;
  if (!(neff_min > 0) || !(im_max > 0))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "leaky search: neff_min and im_max must be positive");
  size_t n = g->nlayers;
  cplx ec = g->index[0] * g->index[0], es = g->index[n - 1] * g->index[n - 1];
  /* branch points of dielectric claddings (a metal cladding stays proper) */
  double bc = creal(ec) > 0 ? creal(csqrt(ec)) : 0, bs = creal(es) > 0 ? creal(csqrt(es)) : 0;
  double top = fmax(bc, bs);
  if (!(top > neff_min)) return GK_OK;
  out->dbr_periods = gk_guide_periodic(g, &out->dbr_first, &out->dbr_cell);
  double cuts[4] = {neff_min, fmin(bc, bs), top};
  int ncut = 3;
  if (!(cuts[1] > neff_min)) { cuts[1] = top; ncut = 2; }
  if (cuts[1] >= top) ncut = 2, cuts[1] = top;
  size_t cap = 0;
  gsl_integration_glfixed_table *tab = gsl_integration_glfixed_table_alloc(16);
  if (!tab) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (int pol = 0; pol < 2; pol++) {
    if (!(pols & (pol == 0 ? GK_MODES_TE : GK_MODES_TM))) continue;
    for (int b = 0; b + 1 < ncut; b++) {
      double x0 = cuts[b], x1 = cuts[b + 1];
      /* keep the box off the branch points themselves */
      double pad = 1e-7 * x1;
      int sc = (bc > 0 && x1 <= bc * (1 + 1e-12)) ? -1 : 1;
      int ss = (bs > 0 && x1 <= bs * (1 + 1e-12)) ? -1 : 1;
      if (sc > 0 && ss > 0) continue;
      cplx *z = NULL;
      size_t nz = 0;
      int failed = 0;
      if (gk_modes__box_zeros(g, (gk_pol)pol, sc, ss, x0, x1 - pad, 1e-13, im_max, &z, &nz, &failed,
                              &out->evaluations) != GK_OK) {
        gsl_integration_glfixed_table_free(tab);
        return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
      }
      if (failed) out->converged = 0;
      {
        cplx *zs = NULL;
        size_t ns = strip_zeros(g, (gk_pol)pol, sc, ss, x0, x1 - pad, im_max, z, nz, &zs, &out->evaluations);
        if (ns) {
          cplx *zz = realloc(z, (nz + ns) * sizeof *zz);
          if (!zz) { free(z); free(zs); gsl_integration_glfixed_table_free(tab);
                     return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
          z = zz;
          for (size_t i = 0; i < ns; i++) z[nz++] = zs[i];
        }
        free(zs);
      }
      for (size_t i = 0; i < nz; i++) {
        if (out->n == cap) {
          size_t nc = cap ? 2 * cap : 8;
          gk_leaky_mode *nm = realloc(out->mode, nc * sizeof *nm);
          if (!nm) { free(z); gsl_integration_glfixed_table_free(tab); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
          out->mode = nm;
          cap = nc;
        }
        gk_leaky_mode *m = &out->mode[out->n];
        memset(m, 0, sizeof *m);
        m->pol = (gk_pol)pol;
        m->neff = z[i];
        m->loss_cm = gk_modes_loss_cm(z[i], g->wavelength_nm);
        m->radiates_cover = sc < 0;
        m->radiates_substrate = ss < 0;
        int ok;
        double li = leak_part(g, (gk_pol)pol, sc, ss, z[i], &ok);
        m->leak_cm = ok ? gk_modes_loss_cm(I * li, g->wavelength_nm) : NAN;
        m->absorption_cm = ok ? m->loss_cm - m->leak_cm : NAN;
        m->half_trace = NAN;
        if (out->dbr_periods) {
          m->half_trace = gk_guide_cell_half_trace(g, out->dbr_first, out->dbr_cell, (gk_pol)pol, creal(z[i]));
          double nmin = INFINITY;
          for (size_t j = out->dbr_first; j < out->dbr_first + out->dbr_cell; j++) nmin = fmin(nmin, creal(g->index[j]));
          m->bragg = fabs(m->half_trace) > 1 && creal(z[i]) < nmin;
        }
        m->confinement = calloc(n, sizeof *m->confinement);
        lfield f;
        if (!m->confinement || lfield_init(&f, g, (gk_pol)pol, z[i], sc, ss) != GK_OK) {
          free(m->confinement);
          free(z);
          gsl_integration_glfixed_table_free(tab);
          return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
        }
        double tot = 0;
        for (size_t j = 0; j < n; j++) tot += m->confinement[j] = lfield_layer(&f, j, tab);
        for (size_t j = 0; j < n; j++) m->confinement[j] /= tot;
        free(f.psi);
        out->n++;
      }
      free(z);
    }
  }
  gsl_integration_glfixed_table_free(tab);
  if (out->n > 1) qsort(out->mode, out->n, sizeof *out->mode, cmp_mode);
  return GK_OK;
}

int gk_leaky_field(const gk_guide *g, const gk_leaky_mode *m, const double *x, size_t nx, double *E2, gk_error *err)
{
  size_t n = g->nlayers;
  lfield f;
  if (lfield_init(&f, g, m->pol, m->neff, m->radiates_cover ? -1 : 1, m->radiates_substrate ? -1 : 1) != GK_OK)
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  gsl_integration_glfixed_table *tab = gsl_integration_glfixed_table_alloc(16);
  if (!tab) { free(f.psi); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
  double tot = 0;
  for (size_t j = 0; j < n; j++) tot += lfield_layer(&f, j, tab);
  gsl_integration_glfixed_table_free(tab);
  for (size_t i = 0; i < nx; i++) {
    double t = x[i], top = 0;
    size_t j = 0;
    if (t >= 0) {
      j = 1;
      while (j + 1 < n && t >= top + g->thickness_nm[j]) top += g->thickness_nm[j++];
    }
    E2[i] = lfield_at(&f, j, t - top) / tot;
  }
  free(f.psi);
  return GK_OK;
}
