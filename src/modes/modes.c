/* Guided modes of planar multilayers: transfer-matrix dispersion relation,
 * argument-principle root search, confinement and field profiles. */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <gsl/gsl_integration.h>

#include "gainkit/modes.h"
#include "core/core_internal.h"
#include "fit/croot.h"

typedef double complex cplx;

/* ---- waveguide ----------------------------------------------------------- */
int gk_guide_init(gk_guide *g, size_t nl, const double *n, const double *k, const double *d,
                  double wl, gk_error *err)
{
  memset(g, 0, sizeof *g);
  if (nl < 2) return gk_error_set(err, GK_EUSAGE, NULL, 0, "a waveguide needs at least 2 layers");
  if (!(wl > 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "wavelength must be positive");
  if (!(wl >= GK_MODES_WL_MIN_NM && wl <= GK_MODES_WL_MAX_NM))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "wavelength %g nm is outside the supported range %g-%g nm",
                        wl, GK_MODES_WL_MIN_NM, GK_MODES_WL_MAX_NM);
  double optical = 0;
  for (size_t i = 0; i < nl; i++) {
    double a = hypot(n[i], k ? k[i] : 0.0);
    if (!(a >= GK_MODES_INDEX_MIN && a <= GK_MODES_INDEX_MAX))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "layer %zu: |n + ik| = %g is outside the supported range %g-%g",
                          i + 1, a, GK_MODES_INDEX_MIN, GK_MODES_INDEX_MAX);
    if (i == 0 || i + 1 == nl) continue;
    if (!(d[i] >= 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "layer %zu: thickness must not be negative", i + 1);
    if (d[i] != 0 && !(d[i] >= GK_MODES_THICK_MIN_NM && d[i] <= GK_MODES_THICK_MAX_NM))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "layer %zu: thickness %g nm is outside the supported range %g-%g nm",
                          i + 1, d[i], GK_MODES_THICK_MIN_NM, GK_MODES_THICK_MAX_NM);
    optical += a * d[i];
  }
  if (optical > GK_MODES_MAX_OPTICAL * wl)
    return gk_error_set(err, GK_ELIMIT, NULL, 0,
                        "the stack is %.4g wavelengths thick optically (sum of |n| x thickness / wavelength); "
                        "the mode solver is limited to %g (about %g guided modes)",
                        optical / wl, GK_MODES_MAX_OPTICAL, 2 * GK_MODES_MAX_OPTICAL);
  g->index = malloc(nl * sizeof *g->index);
  g->thickness_nm = malloc(nl * sizeof *g->thickness_nm);
  if (!g->index || !g->thickness_nm) {
    gk_guide_free(g);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  g->nlayers = nl;
  g->wavelength_nm = wl;
  for (size_t i = 0; i < nl; i++) {
    g->index[i] = n[i] + I * (k ? k[i] : 0.0);
    g->thickness_nm[i] = (i == 0 || i + 1 == nl) ? 0.0 : d[i];
    if (i > 0 && i + 1 < nl && !(d[i] >= 0)) {
      gk_guide_free(g);
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "layer %zu: thickness must not be negative", i + 1);
    }
  }
  return GK_OK;
}

int gk_guide_from_stack(gk_guide *g, const gk_stack *s, double wl, gk_error *err)
{
  size_t nl = s->nlayers;
  double *buf = malloc(3 * nl * sizeof *buf);
  if (!buf) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  double *n = buf, *k = buf + nl, *d = buf + 2 * nl;
  int rc = gk_stack_index(s, wl, n, k, err);
  if (rc == GK_OK) {
    for (size_t i = 0; i < nl; i++) d[i] = s->layers[i].thickness_nm;
    rc = gk_guide_init(g, nl, n, k, d, wl, err);
  }
  free(buf);
  return rc;
}

void gk_guide_free(gk_guide *g)
{
  if (!g) return;
  free(g->index);
  free(g->thickness_nm);
  memset(g, 0, sizeof *g);
}

/* ---- dispersion function --------------------------------------------------
 * State (psi, phi) with phi = psi'/p is continuous at every interface. Across
 * a layer of thickness d:
 *   psi(d) = cos(kd) psi + p sin(kd)/k phi,  phi(d) = -k sin(kd)/p psi + cos(kd) phi
 * with k^2 = k0^2 (eps - neff^2). Only even functions of k appear, so the
 * layer's own square-root branch never matters; only cover and substrate need
 * a branch choice (Re gamma > 0, decaying). */
typedef struct layer_mat { cplx c, s_k, ks; } layer_mat;   /* cos, sin/k, k sin */

static inline layer_mat layer_matrix(cplx kap2, double d)
{
  layer_mat m;
  cplx kap = csqrt(kap2), t = kap * d;
  m.c = ccos(t);
  if (cabs(t) < 1e-4) {
    cplx t2 = t * t;
    m.s_k = d * (1.0 - t2 / 6.0 + t2 * t2 / 120.0);
  } else {
    m.s_k = csin(t) / kap;
  }
  m.ks = kap2 * m.s_k;
  return m;
}

static inline cplx pfac(const gk_guide *g, gk_pol pol, size_t j, cplx *eps)
{
  (void)g;
  return pol == GK_TM ? eps[j] : 1.0;
}

typedef struct dctx {
  const gk_guide *g;
  gk_pol pol;
  double k0;            /* 1/nm */
  cplx eps[64];         /* small stacks on the stack, larger ones allocated */
  cplx *E;
  long nev;
  double sheet_c, sheet_s;   /* +1 proper (decaying), -1 improper (leaky) sheet */
} dctx;

static int dctx_init(dctx *c, const gk_guide *g, gk_pol pol)
{
  c->g = g;
  c->pol = pol;
  c->k0 = 2 * M_PI / g->wavelength_nm;
  c->nev = 0;
  c->sheet_c = c->sheet_s = 1;
  c->E = g->nlayers <= 64 ? c->eps : malloc(g->nlayers * sizeof *c->E);
  if (!c->E) return GK_ENOMEM;
  for (size_t i = 0; i < g->nlayers; i++) c->E[i] = g->index[i] * g->index[i];
  return GK_OK;
}

static void dctx_free(dctx *c)
{
  if (c->E && c->E != c->eps) free(c->E);
}

/* F and dF/dn_eff together (forward-mode differentiation of the transfer
 * matrices): cheaper and more accurate than a difference quotient, and
 * needed at every contour sample (F'/F) and Newton step. With q = kappa^2:
 * dc/dq = -(d/2) s_k, d s_k/dq = (d c - s_k)/(2q), d(q s_k)/dq = s_k + q ds_k/dq;
 * the middle one cancels for small kappa d and is taken from the series of
 * sin(t)/t there. */
static cplx dispd(dctx *c, cplx ne, cplx *dF, double *lscale)
{
  const gk_guide *g = c->g;
  size_t n = g->nlayers;
  cplx *E = c->E, b2 = ne * ne;
  double k0 = c->k0, k02 = k0 * k0;
  c->nev++;
  cplx gc = c->sheet_c * k0 * csqrt(b2 - E[0]), gs = c->sheet_s * k0 * csqrt(b2 - E[n - 1]);
  cplx dgc = k02 * ne / gc, dgs = k02 * ne / gs;
  cplx p0 = pfac(g, c->pol, 0, E);
  cplx psi = 1.0, phi = gc / p0, dpsi = 0.0, dphi = dgc / p0;
  double ls = 0;
  cplx dq = -2.0 * k02 * ne;
  for (size_t j = 1; j + 1 < n; j++) {
    double d = g->thickness_nm[j];
    cplx q = k02 * (E[j] - b2);
    layer_mat m = layer_matrix(q, d);
    cplx t2 = q * d * d, dsk;
    if (cabs(t2) < 2.5e-3) {
      double d3 = d * d * d;
      dsk = d3 * (-1.0 / 6 + t2 / 60.0 - t2 * t2 / 1680.0 + t2 * t2 * t2 / 90720.0);
    } else {
      dsk = (d * m.c - m.s_k) / (2.0 * q);
    }
    cplx dc = -0.5 * d * m.s_k * dq, dsk_n = dsk * dq, dks = (m.s_k + q * dsk) * dq;
    cplx p = pfac(g, c->pol, j, E);
    cplx psi2 = m.c * psi + p * m.s_k * phi;
    cplx phi2 = -m.ks / p * psi + m.c * phi;
    cplx dpsi2 = dc * psi + m.c * dpsi + p * (dsk_n * phi + m.s_k * dphi);
    cplx dphi2 = -(dks * psi + m.ks * dpsi) / p + dc * phi + m.c * dphi;
    psi = psi2; phi = phi2; dpsi = dpsi2; dphi = dphi2;
    /* Evanescent layers grow the state exponentially; rescale it and keep
     * the log of the factor, so that |F| stays continuous for the contour
     * walk (which compares log|F| between samples) and nothing overflows. */
    double a = cabs(psi) + cabs(phi);
    if (a > 1e100 || a < 1e-100) { psi /= a; phi /= a; dpsi /= a; dphi /= a; ls += log(a); }
  }
  *lscale = ls;
  cplx ps = pfac(g, c->pol, n - 1, E);
  *dF = dphi + (dgs * psi + gs * dpsi) / ps;
  return phi + gs / ps * psi;
}

double complex gk_modes_dispersion(const gk_guide *g, gk_pol pol, double complex neff)
{
  dctx c;
  if (dctx_init(&c, g, pol) != GK_OK) return NAN;
  cplx df;
  double ls;
  cplx f = dispd(&c, neff, &df, &ls);
  dctx_free(&c);
  return f * exp(ls);
}

/* ---- argument principle ----------------------------------------------------
 * For a box, the winding number of F along its boundary counts the zeros
 * inside (F has no poles: cos, sin/k, k sin are entire and the cladding
 * square roots are analytic right of their branch points, which lie left of
 * the box). The first moment (1/2 pi i) \oint z dlog F gives the mean of the
 * zeros, used to start Newton when the box holds one zero. Boundary segments
 * are refined until the phase changes by less than pi/4 and |F| by less than
 * a factor e^2 per segment, so a zero close to the boundary cannot hide a
 * 2 pi wrap between two samples. */
typedef struct pt { cplx z, f, dl; double ls; } pt;   /* F e^ls; dl = F'/F */
typedef struct walk { double phase; cplx m1; int bad; } walk;

#define SEG_MAXDEPTH 40
#define GK_MODES_MAX_IM 1.0
#define SEG_DPHASE (M_PI / 4)

static pt sample(dctx *c, cplx z)
{
  pt p;
  p.z = z;
  cplx df;
  p.f = dispd(c, z, &df, &p.ls);
  p.dl = df / p.f;
  return p;
}

/* A segment is accepted when the phase and modulus of F change little AND
 * the change agrees with the trapezoidal integral of F'/F from its ends.
 * The second test is what stops aliasing: far from the real axis F can
 * turn through many multiples of 2 pi between two samples, which the
 * endpoint values alone cannot reveal, but F'/F does. */
static void seg(dctx *c, pt a, pt b, int depth, walk *w)
{
  double dph = carg(b.f * conj(a.f));
  double dmag = log(cabs(b.f)) - log(cabs(a.f)) + (b.ls - a.ls);
  cplx pred = 0.5 * (a.dl + b.dl) * (b.z - a.z);
  if (fabs(dph) < SEG_DPHASE && fabs(dmag) < 2.0 && cabs(pred - (dmag + I * dph)) < 0.2) {
    w->phase += dph;
    w->m1 += 0.5 * (a.z + b.z) * (dmag + I * dph);
    return;
  }
  pt m = sample(c, 0.5 * (a.z + b.z));
  if (depth >= SEG_MAXDEPTH || !(cabs(m.f) > 0) || !isfinite(creal(m.f)) || !isfinite(cimag(m.f))) {
    /* A zero on (or numerically at) the boundary: the count would be a
     * guess, so the caller moves the boundary. */
    w->bad = 1;
    return;
  }
  seg(c, a, m, depth + 1, w);
  seg(c, m, b, depth + 1, w);
}

/* Winding number of F around [x0,x1]x[y0,y1]; -1 if a zero sits on it. */
static int box_count(dctx *c, double x0, double x1, double y0, double y1, cplx *mean)
{
  const int per = 8;
  cplx corner[5] = {x0 + I * y0, x1 + I * y0, x1 + I * y1, x0 + I * y1, x0 + I * y0};
  walk w = {0, 0, 0};
  pt first = sample(c, corner[0]), a = first;
  for (int e = 0; e < 4; e++) {
    for (int i = 1; i <= per; i++) {
      pt b = (e == 3 && i == per) ? first : sample(c, corner[e] + (corner[e + 1] - corner[e]) * ((double)i / per));
      seg(c, a, b, 0, &w);
      if (w.bad) return -1;
      a = b;
    }
  }
  double wn = w.phase / (2 * M_PI);
  int n = (int)lround(wn);
  if (fabs(wn - n) > 0.1 || n < 0) return -1;
  if (mean && n > 0) *mean = w.m1 / (2 * M_PI * I * n);
  return n;
}

/* F and F' for the shared complex root iteration (src/fit/croot.h). */
static cplx newton_f(cplx z, cplx *df, void *ctx)
{
  double ls;
  return dispd(ctx, z, df, &ls);
}

/* Newton's method from *z (0: converged; -1: failed, *z the last iterate
 * after the iteration limit, unchanged after a non-finite step). */
static int newton(dctx *c, cplx *z)
{
  return gk_croot(newton_f, c, 0, 1e-14, 60, z) == GK_OK ? 0 : -1;
}

typedef struct roots { cplx *z; size_t n, cap; int failed; int top_only; } roots;

static void roots_add(roots *r, cplx z)
{
  for (size_t i = 0; i < r->n; i++)
    if (cabs(r->z[i] - z) <= 1e-9 * cabs(z)) return;   /* same zero reached twice */
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 8;
    cplx *nz = realloc(r->z, cap * sizeof *nz);
    if (!nz) { r->failed = 1; return; }
    r->z = nz;
    r->cap = cap;
  }
  r->z[r->n++] = z;
}

/* Find the `count` zeros in the box (count and mean already known).
 * split_dir alternates when a split fails to separate zeros. */
static void solve_box(dctx *c, double x0, double x1, double y0, double y1, int count, cplx mean,
                      int depth, int stuck, roots *r)
{
  if (count <= 0) return;
  if (count == 1) {
    cplx z = mean;
    if (newton(c, &z) == 0 && creal(z) >= x0 && creal(z) <= x1 && cimag(z) >= y0 && cimag(z) <= y1) {
      roots_add(r, z);
      return;
    }
  }
  if (depth > 80 || ((x1 - x0) < 1e-13 * fabs(x1) && (y1 - y0) < 1e-13 * fabs(x1))) {
    /* Box too small to split: a multiple zero (degenerate modes). Keep it
     * once and flag the search as unconverged. */
    cplx z = mean;
    newton(c, &z);
    roots_add(r, z);
    r->failed = 1;
    return;
  }
  /* Where to split. Modes of one polarisation differ in Re n_eff, so split
   * vertically: through the mean of the zeros (zeros on both sides unless
   * the mean estimate is poor), else, after a split that separated nothing,
   * through the middle. Only when Re splits keep failing (zeros sharing
   * Re n_eff) split horizontally — never through the middle of a box
   * symmetric about the real axis, where lossless guides have their zeros.
   * A split line that meets a zero is nudged. */
  int horizontal = stuck >= 8 || (x1 - x0) < 1e-13 * fabs(x1);
  double frac = 0.5 + ((stuck & 1) ? 0.0619 : -0.0437);
  static const double nudge[] = {0, 0.0137, -0.0291, 0.0733, -0.1171, 0.23};
  for (size_t t = 0; t < sizeof nudge / sizeof *nudge; t++) {
    int ca, cb;
    cplx ma = 0, mb = 0;
    if (!horizontal) {
      double s = x0 + frac * (x1 - x0);
      if (count >= 2 && !(stuck & 1) && creal(mean) > x0 + 0.02 * (x1 - x0) && creal(mean) < x1 - 0.02 * (x1 - x0))
        s = creal(mean);
      s += nudge[t] * (x1 - x0);
      ca = box_count(c, s, x1, y0, y1, &ma);          /* right part first: larger n_eff */
      if (ca < 0 || ca > count) continue;
      cb = count - ca;
      if (r->top_only && ca > 0) {
        solve_box(c, s, x1, y0, y1, ca, ma, depth + 1, ca == count ? stuck + 1 : 0, r);
        if (r->n) return;
        /* the zero on the right was not found: fall back to the left */
      }
      if (cb > 0 && box_count(c, x0, s, y0, y1, &mb) != cb) continue;
      if (!r->top_only || ca == 0) {
        solve_box(c, s, x1, y0, y1, ca, ma, depth + 1, ca == count ? stuck + 1 : 0, r);
        if (r->top_only && r->n) return;
      }
      solve_box(c, x0, s, y0, y1, cb, mb, depth + 1, cb == count ? stuck + 1 : 0, r);
    } else {
      double s = y0 + (frac + nudge[t]) * (y1 - y0);
      ca = box_count(c, x0, x1, s, y1, &ma);
      if (ca < 0 || ca > count) continue;
      cb = count - ca;
      if (cb > 0 && box_count(c, x0, x1, y0, s, &mb) != cb) continue;
      solve_box(c, x0, x1, s, y1, ca, ma, depth + 1, ca == count ? stuck + 1 : 0, r);
      solve_box(c, x0, x1, y0, s, cb, mb, depth + 1, cb == count ? stuck + 1 : 0, r);
    }
    return;
  }
  r->failed = 1;
}

/* Search box: Re n_eff from just right of the cladding branch points to
 * above the largest index (or surface-plasmon index when a layer is a
 * metal); Im n_eff within a bound set by the largest Im(eps). */
static void search_box(dctx *c, double *x0, double *x1, double *y0, double *y1, int *metal)
{
  const gk_guide *g = c->g;
  size_t n = g->nlayers;
  double lo = fmax(creal(csqrt(c->E[0])), creal(csqrt(c->E[n - 1])));
  double hi = lo, maxim = 0;
  *metal = 0;
  for (size_t j = 0; j < n; j++) {
    cplx e = c->E[j];
    maxim = fmax(maxim, fabs(cimag(e)));
    if (creal(e) > 0) hi = fmax(hi, creal(csqrt(e)));
    else *metal = 1;
  }
  double plas = 0;
  if (*metal && c->pol == GK_TM) {
    /* Plasmon-like TM modes lie above the bulk indices: the single-interface
     * surface plasmon sqrt(em ed/(em+ed)), and for a film (metal, or
     * dielectric gap between metals) of thickness d the quasi-static
     * coupled-plasmon limit tanh(k0 neff d/2) = -ed/em (or its inverse),
     * i.e. neff ~ 2 atanh(r)/(k0 d). Twice that is a safe ceiling. */
    double dmin = INFINITY;
    for (size_t j = 1; j + 1 < n; j++)
      if (g->thickness_nm[j] > 0) dmin = fmin(dmin, g->thickness_nm[j]);
    for (size_t j = 0; j < n; j++) {
      if (creal(c->E[j]) >= 0) continue;
      for (size_t i = 0; i < n; i++) {
        if (creal(c->E[i]) <= 0) continue;
        cplx sp = csqrt(c->E[i] * c->E[j] / (c->E[i] + c->E[j]));
        if (isfinite(creal(sp))) hi = fmax(hi, creal(sp));
        cplx r = c->E[i] / c->E[j];
        if (cabs(r) > 1) r = 1 / r;
        double q = 4 * cabs(catanh(r)) / (c->k0 * dmin);
        if (isfinite(q)) plas = fmax(plas, q);
      }
    }
  }
  /* Near the plasma resonance (em ~ -ed) the ceiling diverges; cap it. */
  hi = fmax(hi, fmin(plas, 40 * hi));
  *x0 = lo * (1 + 1e-9) + 1e-12;
  *x1 = hi * 1.02 + 0.02;
  /* TE: multiplying the wave equation by conj(E_y) and integrating gives
   * Im(neff^2) = sum_j Gamma_j Im(eps_j) exactly, so |Im neff| <=
   * max|Im eps|/(2 Re neff). TM has no such identity; plasmons can be
   * lossier, so allow three times more. */
  double ib = maxim / (2 * lo) * (1 + 1e-6) + 1e-6;
  if (c->pol == GK_TM) ib *= 3;

  /* Lossless guides have their zeros on the real axis; keeping the box
   * edges a fair distance away makes the phase along them smooth, so that
   * closely spaced high-order modes cannot slip between samples. */
  ib = fmax(ib, 0.3 * (*x1 - *x0));
  /* A mode with Im n_eff > 1 loses its power within lambda/(4 pi) of
   * propagation (> 2e5 cm^-1 at 540 nm): not a guided mode in any useful
   * sense, and tall boxes are where the contour walk spends its time. */
  ib = fmin(ib, fmax(GK_MODES_MAX_IM, 0.2 * *x1));
  *y0 = -ib;
  *y1 = ib;
}

static int cmp_re_desc(const void *a, const void *b)
{
  double x = creal(*(const cplx *)a), y = creal(*(const cplx *)b);
  return (x < y) - (x > y);
}

/* Zeros of the dispersion function for one polarisation, sorted by
 * decreasing Re(n_eff). top_only: only the fundamental (largest Re). */
static int find_pol(const gk_guide *g, gk_pol pol, int top_only, roots *r, long *nev)
{
  dctx c;
  if (dctx_init(&c, g, pol) != GK_OK) return GK_ENOMEM;
  double x0, x1, y0, y1;
  int metal;
  search_box(&c, &x0, &x1, &y0, &y1, &metal);
  r->top_only = top_only;
  /* With metals the short-range plasmon of a thin film can lie far above
   * every bulk index: extend the box to the right while zeros keep turning
   * up there. */
  double right = x1;
  if (metal && pol == GK_TM) {
    for (int ext = 0; ext < 6; ext++) {
      double nx = right + (right - x0);
      cplx m;
      int cnt = box_count(&c, right, nx, y0, y1, &m);
      if (cnt == 0) break;
      right = nx;
    }
  }
  cplx mean = 0;
  int cnt = -1;
  for (int t = 0; t < 4 && cnt < 0; t++) {
    /* A zero exactly on the outer box edge: move the edges a little. */
    double sh = t * 1.7e-3;
    cnt = box_count(&c, x0, right * (1 + sh), y0 * (1 + sh), y1 * (1 + sh), &mean);
    if (cnt >= 0) { right *= 1 + sh; y0 *= 1 + sh; y1 *= 1 + sh; }
  }
  if (cnt < 0) r->failed = 1;
  else solve_box(&c, x0, right, y0, y1, cnt, mean, 0, 0, r);
  if (r->n > 1) qsort(r->z, r->n, sizeof *r->z, cmp_re_desc);
  if (top_only && r->n > 1) r->n = 1;
  *nev += c.nev;
  dctx_free(&c);
  return GK_OK;
}

/* ---- fields ----------------------------------------------------------------- */
/* Per-layer field description: at the top of layer j the state is
 * (psi_j, phi_j); inside psi = A e^{ikt} + B e^{-ikt}. */
typedef struct fieldset {
  size_t n;
  cplx *psi, *phi, *kap, *eps;
  cplx gc, gs, neff;
  double k0;
  gk_pol pol;
} fieldset;

static void fieldset_free(fieldset *f)
{
  free(f->psi);
  memset(f, 0, sizeof *f);
}

static int fieldset_init(fieldset *f, const gk_guide *g, gk_pol pol, cplx ne)
{
  size_t n = g->nlayers;
  memset(f, 0, sizeof *f);
  f->psi = malloc(4 * n * sizeof *f->psi);
  if (!f->psi) return GK_ENOMEM;
  f->phi = f->psi + n;
  f->kap = f->psi + 2 * n;
  f->eps = f->psi + 3 * n;
  f->n = n;
  f->pol = pol;
  f->neff = ne;
  f->k0 = 2 * M_PI / g->wavelength_nm;
  cplx b2 = ne * ne;
  for (size_t j = 0; j < n; j++) {
    f->eps[j] = g->index[j] * g->index[j];
    f->kap[j] = f->k0 * csqrt(f->eps[j] - b2);
  }
  f->gc = f->k0 * csqrt(b2 - f->eps[0]);
  f->gs = f->k0 * csqrt(b2 - f->eps[n - 1]);
  cplx psi = 1.0, phi = f->gc / (pol == GK_TM ? f->eps[0] : 1.0);
  for (size_t j = 1; j < n; j++) {
    f->psi[j] = psi;
    f->phi[j] = phi;
    if (j + 1 == n) break;
    layer_mat m = layer_matrix(f->kap[j] * f->kap[j], g->thickness_nm[j]);
    cplx p = pol == GK_TM ? f->eps[j] : 1.0;
    cplx psi2 = m.c * psi + p * m.s_k * phi;
    phi = -m.ks / p * psi + m.c * phi;
    psi = psi2;
  }
  f->psi[0] = 1.0;
  f->phi[0] = f->gc / (pol == GK_TM ? f->eps[0] : 1.0);
  return GK_OK;
}

/* |E|^2 (unnormalised) at depth t inside layer j (t measured from its top;
 * negative in the cover). */
static double field_at(const fieldset *f, size_t j, double t)
{
  cplx psi, phi, p = f->pol == GK_TM ? f->eps[j] : 1.0;
  if (j == 0) {
    psi = cexp(f->gc * t);
    phi = f->gc / p * psi;
  } else if (j + 1 == f->n) {
    psi = f->psi[j] * cexp(-f->gs * t);
    phi = -f->gs / p * psi;
  } else {
    cplx k = f->kap[j];
    layer_mat m = layer_matrix(k * k, t);
    psi = m.c * f->psi[j] + p * m.s_k * f->phi[j];
    phi = -m.ks / p * f->psi[j] + m.c * f->phi[j];
  }
  if (f->pol == GK_TE) return creal(psi * conj(psi));
  cplx ex = f->k0 * f->neff * psi / p;  /* E_x ∝ beta H_y/eps, E_z ∝ i H_y'/eps = i phi */
  return creal(ex * conj(ex)) + creal(phi * conj(phi));
}

/* \int_0^d e^{s t} dt */
static cplx int_exp(cplx s, double d)
{
  cplx sd = s * d;
  if (cabs(sd) < 1e-3) return d * (1.0 + sd / 2.0 + sd * sd / 6.0 + sd * sd * sd / 24.0);
  return (cexp(sd) - 1.0) / s;
}

/* \int_0^d |a e^{ikt} + b e^{-ikt}|^2 dt */
static double int_pair(cplx a, cplx b, cplx k, double d)
{
  return creal(a * conj(a)) * creal(int_exp(-2 * cimag(k), d)) + creal(b * conj(b)) * creal(int_exp(2 * cimag(k), d)) +
         2 * creal(a * conj(b) * int_exp(2 * I * creal(k), d));
}

struct glctx { const fieldset *f; size_t j; };
static double gl_integrand(double t, void *p)
{
  const struct glctx *c = p;
  return field_at(c->f, c->j, t);
}

/* Integral of |E|^2 over layer j: closed form from the exponential
 * decomposition; where k d is tiny that decomposition cancels, and the
 * field is a low-order polynomial, integrated exactly by Gauss-Legendre. */
static double layer_integral(const fieldset *f, const gk_guide *g, size_t j)
{
  cplx p = f->pol == GK_TM ? f->eps[j] : 1.0;
  if (j == 0 || j + 1 == f->n) {
    cplx gm = j == 0 ? f->gc : f->gs, psi0 = f->psi[j];
    double w = creal(psi0 * conj(psi0)) / (2 * creal(gm));
    if (f->pol == GK_TE) return w;
    cplx ex = f->k0 * f->neff / p, ez = gm / p;
    return w * (creal(ex * conj(ex)) + creal(ez * conj(ez)));
  }
  double d = g->thickness_nm[j];
  cplx k = f->kap[j];
  if (cabs(k) * d < 1e-2) {
    /* 16-point rule: exact to double precision for the low-degree
     * polynomial the field is here. */
    gsl_integration_glfixed_table *t = gsl_integration_glfixed_table_alloc(16);
    if (!t) return NAN;
    struct glctx c = {f, j};
    gsl_function F = {gl_integrand, &c};
    double v = gsl_integration_glfixed(&F, 0, d, t);
    gsl_integration_glfixed_table_free(t);
    return v;
  }
  cplx a = 0.5 * (f->psi[j] + p * f->phi[j] / (I * k));
  cplx b = 0.5 * (f->psi[j] - p * f->phi[j] / (I * k));
  if (f->pol == GK_TE) return int_pair(a, b, k, d);
  cplx ex = f->k0 * f->neff / p;
  cplx za = I * k / p * a, zb = -I * k / p * b;   /* phi = (1/p) psi' */
  return creal(ex * conj(ex)) * int_pair(a, b, k, d) + int_pair(za, zb, k, d);
}

static int confinement(const gk_guide *g, gk_pol pol, cplx ne, double *gam, double *total)
{
  fieldset f;
  if (fieldset_init(&f, g, pol, ne) != GK_OK) return GK_ENOMEM;
  double s = 0;
  for (size_t j = 0; j < g->nlayers; j++) s += gam[j] = layer_integral(&f, g, j);
  for (size_t j = 0; j < g->nlayers; j++) gam[j] /= s;
  if (total) *total = s;
  fieldset_free(&f);
  return GK_OK;
}

int gk_mode_field(const gk_guide *g, const gk_mode *m, const double *x, size_t nx, double *E2,
                  double *layer_power, gk_error *err)
{
  gk_gsl_init_();
  fieldset f;
  if (fieldset_init(&f, g, m->pol, m->neff) != GK_OK) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  double total = 0;
  for (size_t j = 0; j < g->nlayers; j++) {
    double v = layer_integral(&f, g, j);
    if (layer_power) layer_power[j] = v;
    total += v;
  }
  if (layer_power)
    for (size_t j = 0; j < g->nlayers; j++) layer_power[j] /= total;
  for (size_t i = 0; i < nx; i++) {
    /* Find the layer holding x (interfaces belong to the lower layer). */
    double top = 0;
    size_t j = 0;
    if (x[i] >= 0) {
      j = 1;
      while (j + 1 < g->nlayers && x[i] >= top + g->thickness_nm[j]) top += g->thickness_nm[j++];
    }
    E2[i] = field_at(&f, j, x[i] - top) / total;
  }
  fieldset_free(&f);
  return GK_OK;
}

/* ---- public search ---------------------------------------------------------- */
double gk_modes_loss_cm(double complex neff, double wl_nm)
{
  return 4 * M_PI * cimag(neff) / (wl_nm * 1e-7);
}

void gk_modes_free(gk_modes *m)
{
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) free(m->mode[i].confinement);
  free(m->mode);
  memset(m, 0, sizeof *m);
}

static int modes_collect(const gk_guide *g, int pols, int top_only, gk_modes *out, gk_error *err)
{
  memset(out, 0, sizeof *out);
  out->nlayers = g->nlayers;
  out->converged = 1;
  for (int pol = GK_TE; pol <= GK_TM; pol++) {
    if (!(pols & (pol == GK_TE ? GK_MODES_TE : GK_MODES_TM))) continue;
    roots r = {0};
    int rc = find_pol(g, (gk_pol)pol, top_only, &r, &out->evaluations);
    if (rc != GK_OK) { free(r.z); gk_modes_free(out); return gk_error_set(err, rc, NULL, 0, "out of memory"); }
    if (r.failed) out->converged = 0;
    gk_mode *nm = realloc(out->mode, (out->n + r.n + 1) * sizeof *nm);
    if (!nm) { free(r.z); gk_modes_free(out); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
    out->mode = nm;
    for (size_t i = 0; i < r.n; i++) {
      gk_mode *m = &out->mode[out->n];
      m->pol = (gk_pol)pol;
      m->order = (int)i;
      /* On a lossless guide Newton lands on the real axis up to rounding;
       * report that as exactly lossless rather than as -1e-40 loss. */
      m->neff = r.z[i];
      if (fabs(cimag(m->neff)) < 4 * DBL_EPSILON * fabs(creal(m->neff))) m->neff = creal(m->neff);
      m->loss_cm = gk_modes_loss_cm(r.z[i], g->wavelength_nm);
      m->confinement = malloc(g->nlayers * sizeof *m->confinement);
      if (!m->confinement || confinement(g, m->pol, m->neff, m->confinement, NULL) != GK_OK) {
        free(m->confinement);
        free(r.z);
        gk_modes_free(out);
        return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
      }
      out->n++;
    }
    free(r.z);
  }
  return GK_OK;
}

int gk_modes_find(const gk_guide *g, int pols, gk_modes *out, gk_error *err)
{
  gk_gsl_init_();
  return modes_collect(g, pols, 0, out, err);
}

/* ---- helpers ------------------------------------------------------------------ */
double gk_modes_dfb_period_nm(int m, double wl, double neff) { return m * wl / (2 * neff); }

double gk_modes_critical_angle_deg(double n_clad, double n_wg)
{
  double s = n_clad / n_wg;
  return (s >= 0 && s <= 1) ? asin(s) * 180 / M_PI : NAN;
}

double gk_modes_modal_angle_deg(double neff, double n_wg) { return gk_modes_critical_angle_deg(neff, n_wg); }

#include <gsl/gsl_errno.h>
#include "fit/solve1d.h"

struct cut { gk_guide g; gk_pol pol; size_t layer; double ncl; };
static double cut_f(double d, void *p)
{
  struct cut *c = p;
  c->g.thickness_nm[c->layer] = d;
  return creal(gk_modes_dispersion(&c->g, c->pol, c->ncl));
}

int gk_modes_cutoff_nm(const gk_guide *g0, gk_pol pol, size_t layer, int order, double max_nm, double *d_nm,
                       gk_error *err)
{
  size_t n = g0->nlayers;
  if (layer < 1 || layer + 1 >= n) return gk_error_set(err, GK_EUSAGE, NULL, 0, "cutoff: layer %zu is not a finite layer", layer + 1);
  /* At cutoff n_eff equals the larger cladding index, where that cladding's
   * gamma vanishes; with real indices F is then real, and its zeros in the
   * thickness are the cutoffs, one per mode order. */
  struct cut c = {.pol = pol, .layer = layer};
  double *re = malloc(2 * n * sizeof *re);
  if (!re) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t i = 0; i < n; i++) { re[i] = creal(g0->index[i]); re[n + i] = g0->thickness_nm[i]; }
  int rc = gk_guide_init(&c.g, n, re, NULL, re + n, g0->wavelength_nm, err);
  free(re);
  if (rc != GK_OK) return rc;
  c.ncl = fmax(creal(c.g.index[0]), creal(c.g.index[n - 1]));
  double nl = creal(c.g.index[layer]);
  double h = g0->wavelength_nm / (40 * nl);
  /* a step count, not d += h: with h tiny against max_nm, d + h == d */
  double nstep = ceil(max_nm / h) + 1;
  if (!(h > 0) || !(nstep <= GK_MODES_MAX_SCAN)) {
    gk_guide_free(&c.g);
    return gk_error_set(err, GK_ELIMIT, NULL, 0, "cutoff: scanning %g nm in steps of %g nm is more than %d steps",
                        max_nm, h, GK_MODES_MAX_SCAN);
  }
  int found = -1;
  double prev = cut_f(0, &c);
  if (fabs(prev) < 1e-12) { found = 0; *d_nm = 0; }
  for (long si = 1; found < order && si <= (long)nstep; si++) {
    double d = si * h;
    double cur = cut_f(d, &c);
    if ((prev < 0) != (cur < 0) && prev != 0) {
      double root = d;
      gk_root_brent(cut_f, &c, d - h, d, 0, 1e-14, 200, &root);
      found++;
      *d_nm = root;
    }
    prev = cur;
  }
  gk_guide_free(&c.g);
  if (found < order) return gk_error_set(err, GK_ENOCONV, NULL, 0, "cutoff of order %d not found below %g nm", order, max_nm);
  return GK_OK;
}

/* ---- sweeps -------------------------------------------------------------------- */
int gk_modes_sweep(const gk_stack *s, int layer, const double *thick, size_t nthick, const double *wl,
                   size_t nwl, double wl0, double G, gk_sweep_point *out, int *converged,
                   const gk_progress *progress, gk_error *err)
{
  gk_gsl_init_();
  size_t nt = layer >= 0 ? nthick : 1, nw = nwl ? nwl : 1, np = nt * nw;
  if (layer >= 0 && (layer < 1 || (size_t)layer + 1 >= s->nlayers))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "only a finite layer (not the cover or substrate) can be swept");
  if (layer >= 0 && !nthick) return gk_error_set(err, GK_EUSAGE, NULL, 0, "no thickness values");
  int act = s->active;
  /* Materials are evaluated per wavelength, before the parallel part, so
   * that any error is reported for the first bad wavelength. */
  double *nre = malloc(2 * nw * s->nlayers * sizeof *nre);
  if (!nre) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t w = 0; w < nw; w++) {
    double lam = nwl ? wl[w] : wl0;
    int rc = gk_stack_index(s, lam, nre + 2 * w * s->nlayers, nre + (2 * w + 1) * s->nlayers, err);
    if (rc != GK_OK) { free(nre); return rc; }
  }
  int ok = 1, oom = 0;
  size_t done = 0;
  int cancel = 0;
  gk_error bad;
  gk_error_clear(&bad);
  size_t bad_i = 0;
  #pragma omp parallel for schedule(dynamic, 4) reduction(&&:ok) reduction(||:oom)
  for (size_t i = 0; i < np; i++) {
    size_t ti = i / nw, wi = i % nw;
    gk_sweep_point *P = &out[i];
    memset(P, 0, sizeof *P);
    int stop;
#pragma omp atomic read
    stop = cancel;
    if (stop) continue;   /* cancelled: the remaining points are skipped */
    P->wavelength_nm = nwl ? wl[wi] : wl0;
    P->thickness_nm = layer >= 0 ? thick[ti] : NAN;
    double d[256], *dd = s->nlayers <= 256 ? d : malloc(s->nlayers * sizeof *dd);
    if (!dd) { oom = 1; continue; }
    for (size_t j = 0; j < s->nlayers; j++) dd[j] = s->layers[j].thickness_nm;
    if (layer >= 0) dd[layer] = thick[ti];
    gk_guide g;
    gk_error e;
    gk_error_clear(&e);
    if (gk_guide_init(&g, s->nlayers, nre + 2 * wi * s->nlayers, nre + (2 * wi + 1) * s->nlayers, dd, P->wavelength_nm, &e) != GK_OK) {
      /* a point outside the range limits: the first such error is reported */
#pragma omp critical(gk_modes_sweep_err)
      if (!bad.code || i < bad_i) bad = e, bad_i = i;
      if (dd != d) free(dd);
      continue;
    }
    gk_modes m;
    if (modes_collect(&g, GK_MODES_BOTH, 1, &m, &e) != GK_OK) oom = 1;
    else {
      if (!m.converged) ok = 0;
      for (size_t k = 0; k < m.n; k++) {
        int p = m.mode[k].pol;
        P->found[p] = 1;
        P->neff[p] = m.mode[k].neff;
        P->loss_cm[p] = m.mode[k].loss_cm;
        P->gamma_active[p] = act >= 0 ? m.mode[k].confinement[act] : NAN;
        P->net_gain[p] = act >= 0 ? P->gamma_active[p] * G - P->loss_cm[p] : NAN;
      }
      for (int p = 0; p < 2; p++)
        if (!P->found[p]) P->neff[p] = P->gamma_active[p] = P->loss_cm[p] = P->net_gain[p] = NAN;
      gk_modes_free(&m);
    }
    gk_guide_free(&g);
    if (dd != d) free(dd);
    if (progress && progress->update) {
      #pragma omp critical(gk_modes_progress)
      {
        done++;
        if (!cancel && gk_progress_update(progress, done, np)) {
#pragma omp atomic write
          cancel = 1;
        }
      }
    }
  }
  free(nre);
  if (cancel) return gk_error_set(err, GK_ECANCELLED, NULL, 0, "mode sweep cancelled");
  if (bad.code) {
    if (err) *err = bad;
    return bad.code;
  }
  if (oom) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  if (converged) *converged = ok;
  return GK_OK;
}

/* ---- sweeps with continuation ------------------------------------------------
 * A chain is the sequence of points along which one parameter varies (the
 * thickness at one wavelength; a wavelength-only sweep is one chain over
 * the wavelengths). Checkpoints split a chain every check_every points (and
 * at its last point); at each checkpoint the fundamental modes come from the
 * full argument-principle search, as gk_modes_sweep computes them. Between
 * two checkpoints each point starts Newton's method from the previous
 * point's n_eff (linearly extrapolated from the two before it), which
 * converges in 2-4 dispersion evaluations instead of the search's ~300.
 * The continuation is carried on to the next checkpoint and compared with
 * the full search there: a mode that hopped to another branch (a crossing,
 * a too large step) or lost its guided root disagrees, and the whole
 * segment is then recomputed point by point with the full search. A point
 * whose Newton iteration fails, or where the previous point had no mode
 * (below cutoff), uses the full search too. Segments are independent, so
 * they run in parallel with the same results for any number of threads. */
typedef struct chainpt {
  size_t idx;      /* index into out[] */
  size_t ti, wi;
  double par;      /* the varying parameter (nm) */
} chainpt;

static int sweep_guide(const gk_stack *s, int layer, const double *thick, const double *nre, const chainpt *c,
                       double lam, gk_guide *g, gk_error *e)
{
  double d[256], *dd = s->nlayers <= 256 ? d : malloc(s->nlayers * sizeof *dd);
  if (!dd) return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t j = 0; j < s->nlayers; j++) dd[j] = s->layers[j].thickness_nm;
  if (layer >= 0) dd[layer] = thick[c->ti];
  int rc = gk_guide_init(g, s->nlayers, nre + 2 * c->wi * s->nlayers, nre + (2 * c->wi + 1) * s->nlayers, dd, lam, e);
  if (dd != d) free(dd);
  return rc;
}

/* P's entries of polarisation p for the zero z (found) or none. */
static int fill_pol(const gk_guide *g, int p, int found, cplx z, int act, double G, gk_sweep_point *P)
{
  if (!found) {
    P->found[p] = 0;
    P->neff[p] = P->gamma_active[p] = P->loss_cm[p] = P->net_gain[p] = NAN;
    return GK_OK;
  }
  /* as modes_collect: a lossless guide's zero is reported as real */
  if (fabs(cimag(z)) < 4 * DBL_EPSILON * fabs(creal(z))) z = creal(z);
  P->found[p] = 1;
  P->neff[p] = z;
  P->loss_cm[p] = gk_modes_loss_cm(z, g->wavelength_nm);
  P->gamma_active[p] = NAN;
  if (act >= 0) {
    double gam[64], *gm = g->nlayers <= 64 ? gam : malloc(g->nlayers * sizeof *gm);
    if (!gm || confinement(g, (gk_pol)p, z, gm, NULL) != GK_OK) {
      if (gm != gam) free(gm);
      return GK_ENOMEM;
    }
    P->gamma_active[p] = gm[act];
    if (gm != gam) free(gm);
  }
  P->net_gain[p] = act >= 0 ? P->gamma_active[p] * G - P->loss_cm[p] : NAN;
  return GK_OK;
}

/* The full search at one point, both polarisations. */
static int full_point(const gk_guide *g, int act, double G, gk_sweep_point *P, int *ok, gk_error *e)
{
  gk_modes m;
  if (modes_collect(g, GK_MODES_BOTH, 1, &m, e) != GK_OK) return GK_ENOMEM;
  if (!m.converged) *ok = 0;
  int found[2] = {0, 0}, rc = GK_OK;
  cplx z[2] = {0, 0};
  for (size_t k = 0; k < m.n; k++) {
    found[m.mode[k].pol] = 1;
    z[m.mode[k].pol] = m.mode[k].neff;
  }
  gk_modes_free(&m);
  for (int p = 0; p < 2 && rc == GK_OK; p++) rc = fill_pol(g, p, found[p], z[p], act, G, P);
  return rc;
}

/* Newton's method from z on the guided (decaying) sheets. */
static int newton_from(const gk_guide *g, gk_pol pol, cplx *z, long *nev)
{
  dctx c;
  if (dctx_init(&c, g, pol) != GK_OK) return -1;
  int rc = newton(&c, z);
  *nev += c.nev;
  dctx_free(&c);
  return rc;
}

/* The check that makes a zero z the fundamental mode: inside the region
 * the full search covers (find_pol's box) the argument principle finds no
 * zero with a larger real part (right of Re z + 1e-6 (x1 - x0)). Costs
 * about as much as a quarter of a full search; run_segment uses it where
 * the continuation is not smooth. Returns 1 when z is the fundamental. */
static int right_clear(const gk_guide *g, gk_pol pol, cplx z, long *nev)
{
  dctx c;
  if (dctx_init(&c, g, pol) != GK_OK) return 0;
  double x0, x1, y0, y1;
  int metal;
  search_box(&c, &x0, &x1, &y0, &y1, &metal);
  double right = x1;
  if (metal && pol == GK_TM)
    for (int ext = 0; ext < 6; ext++) {
      double nx = right + (right - x0);
      cplx m;
      if (box_count(&c, right, nx, y0, y1, &m) == 0) break;
      right = nx;
    }
  double zr = creal(z), zi = cimag(z);
  int cnt = -1;
  if (zr > x0 && zr < right && zi > y0 && zi < y1)
    for (int t = 0; t < 3 && cnt < 0; t++) {
      double xl = zr + (1e-6 + 1.3e-3 * t) * (x1 - x0);
      cnt = xl < right ? box_count(&c, xl, right, y0, y1, NULL) : 0;
    }
  *nev += c.nev;
  dctx_free(&c);
  return cnt == 0;
}

typedef struct segstat { size_t full, newton, certified; long nev; } segstat;

/* Continue from checkpoint a (already solved in out[]) through the points
 * of the chain up to checkpoint b; the points strictly between are written,
 * b is only compared. Returns 1 when the continuation agrees with out[b]. */
static int run_segment(const gk_stack *s, int layer, const double *thick, const double *nre, const chainpt *ch,
                       size_t a, size_t b, int act, double G, gk_sweep_point *out, int *ok, int *oom, segstat *st)
{
  int have[2];
  cplx z1[2], z2[2];
  double p1[2], p2[2];
  int n2[2] = {0, 0};
  for (int p = 0; p < 2; p++) {
    have[p] = out[ch[a].idx].found[p];
    z1[p] = out[ch[a].idx].neff[p];
    p1[p] = ch[a].par;
  }
  int agree = 1;
  for (size_t k = a + 1; k <= b; k++) {
    gk_guide g;
    gk_error e;
    gk_error_clear(&e);
    double lam = out[ch[k].idx].wavelength_nm;
    if (sweep_guide(s, layer, thick, nre, &ch[k], lam, &g, &e) != GK_OK) { *oom = 1; return 0; }
    gk_sweep_point Q = out[ch[k].idx], *P = k < b ? &out[ch[k].idx] : &Q;
    int need_full = 0;
    cplx zn[2];
    size_t nl = g.nlayers;
    double floor_re = fmax(creal(csqrt(g.index[0] * g.index[0])), creal(csqrt(g.index[nl - 1] * g.index[nl - 1])));
    floor_re = floor_re * (1 + 1e-9) + 1e-12;
    for (int p = 0; p < 2; p++) {
      if (!have[p]) { need_full = 1; continue; }
      cplx z0 = z1[p];
      int smooth = 0;
      if (n2[p] && p1[p] != p2[p]) z0 += (z1[p] - z2[p]) * ((ch[k].par - p1[p]) / (p1[p] - p2[p]));
      zn[p] = z0;
      /* a zero below the cladding index is not one the full search would
       * report (no guided root there): search instead */
      if (newton_from(&g, (gk_pol)p, &zn[p], &st->nev) != 0 || !(creal(zn[p]) > floor_re)) {
        need_full = 1;
        continue;
      }
      /* Smooth: the predictor was a linear extrapolation from two points,
       * the step moved n_eff by under 2 % of the cladding index, and Newton's
       * correction is under a quarter of the predicted change (it shrinks
       * as the step squared; landing on another mode would need that mode
       * within half a step's change of the prediction). Otherwise the zero
       * must pass the argument-principle check to count as the fundamental. */
      if (n2[p]) {
        double dpred = cabs(z0 - z1[p]), corr = cabs(zn[p] - z0);
        smooth = dpred <= 0.02 * floor_re && corr <= 0.25 * dpred + 1e-12 * cabs(z0);
      }
      if (!smooth) {
        st->certified++;
        if (!right_clear(&g, (gk_pol)p, zn[p], &st->nev)) need_full = 1;
      }
    }
    int rc = GK_OK;
    if (need_full) {
      st->full++;
      rc = full_point(&g, act, G, P, ok, &e);
    } else {
      st->newton += k < b;
      for (int p = 0; p < 2 && rc == GK_OK; p++) rc = fill_pol(&g, p, 1, zn[p], act, G, P);
    }
    gk_guide_free(&g);
    if (rc != GK_OK) { *oom = 1; return 0; }
    for (int p = 0; p < 2; p++) {
      if (P->found[p]) {
        z2[p] = z1[p];
        p2[p] = p1[p];
        n2[p] = have[p];
        z1[p] = P->neff[p];
        p1[p] = ch[k].par;
        have[p] = 1;
      } else {
        have[p] = 0;
        n2[p] = 0;
      }
    }
    if (k == b) {
      const gk_sweep_point *F = &out[ch[b].idx];
      for (int p = 0; p < 2; p++) {
        if (F->found[p] != Q.found[p]) agree = 0;
        else if (F->found[p] && !(cabs(F->neff[p] - Q.neff[p]) <= 1e-9 * cabs(F->neff[p]))) agree = 0;
      }
    }
  }
  return agree;
}

int gk_modes_sweep_ex(const gk_stack *s, int layer, const double *thick, size_t nthick, const double *wl,
                      size_t nwl, double wl0, double G, gk_sweep_point *out, int *converged,
                      gk_modes_sweep_opts *opts, const gk_progress *progress, gk_error *err)
{
  if (!opts || !opts->continuation)
    return gk_modes_sweep(s, layer, thick, nthick, wl, nwl, wl0, G, out, converged, progress, err);
  gk_gsl_init_();
  opts->full_solves = opts->newton_solves = opts->redone_segments = opts->certified = 0;
  size_t nt = layer >= 0 ? nthick : 1, nw = nwl ? nwl : 1, np = nt * nw;
  if (layer >= 0 && (layer < 1 || (size_t)layer + 1 >= s->nlayers))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "only a finite layer (not the cover or substrate) can be swept");
  if (layer >= 0 && !nthick) return gk_error_set(err, GK_EUSAGE, NULL, 0, "no thickness values");
  size_t K = opts->check_every ? opts->check_every : 32;
  int act = s->active;
  double *nre = malloc(2 * nw * s->nlayers * sizeof *nre);
  /* chains: one per wavelength along the thickness, or one along the
   * wavelengths when the thickness is fixed */
  int by_wl = nt == 1;
  size_t nchain = by_wl ? 1 : nw, len = by_wl ? nw : nt;
  chainpt *ch = malloc(np * sizeof *ch);
  /* checkpoints per chain: 0, K, 2K, ..., len-1 */
  size_t ncp = (len - 1) / K + 1 + ((len - 1) % K != 0), nseg = ncp - 1;
  size_t *cp = malloc(ncp * sizeof *cp);
  int *bad = calloc(nchain * (nseg ? nseg : 1), sizeof *bad);
  if (!nre || !ch || !cp || !bad) {
    free(nre); free(ch); free(cp); free(bad);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t w = 0; w < nw; w++) {
    double lam = nwl ? wl[w] : wl0;
    int rc = gk_stack_index(s, lam, nre + 2 * w * s->nlayers, nre + (2 * w + 1) * s->nlayers, err);
    if (rc != GK_OK) { free(nre); free(ch); free(cp); free(bad); return rc; }
  }
  for (size_t c = 0; c < nchain; c++)
    for (size_t k = 0; k < len; k++) {
      size_t ti = by_wl ? 0 : k, wi = by_wl ? k : c;
      chainpt *q = &ch[c * len + k];
      q->idx = ti * nw + wi;
      q->ti = ti;
      q->wi = wi;
      q->par = by_wl ? (nwl ? wl[wi] : wl0) : thick[ti];
    }
  for (size_t k = 0; k < ncp; k++) cp[k] = k * K < len ? k * K : len - 1;
  /* every point's guide is checked first (range limits), serially, so that
   * the first bad point is the one reported, as gk_modes_sweep does */
  for (size_t i = 0; i < np; i++) {
    chainpt q = {i, layer >= 0 ? i / nw : 0, i % nw, 0};
    gk_guide g;
    gk_sweep_point *P = &out[i];
    memset(P, 0, sizeof *P);
    P->wavelength_nm = nwl ? wl[q.wi] : wl0;
    P->thickness_nm = layer >= 0 ? thick[q.ti] : NAN;
    int rc = sweep_guide(s, layer, thick, nre, &q, P->wavelength_nm, &g, err);
    if (rc != GK_OK) { free(nre); free(ch); free(cp); free(bad); return rc; }
    gk_guide_free(&g);
  }
  int ok = 1, oom = 0, cancel = 0;
  size_t done = 0, nfull = 0, nnewton = 0, nredo = 0, ncert = 0;
  /* 1: the full search at every checkpoint */
#pragma omp parallel for schedule(dynamic, 1) reduction(&&:ok) reduction(||:oom) reduction(+:nfull)
  for (size_t w = 0; w < nchain * ncp; w++) {
    int stop;
#pragma omp atomic read
    stop = cancel;
    if (stop) continue;
    const chainpt *q = &ch[(w / ncp) * len + cp[w % ncp]];
    gk_guide g;
    gk_error e;
    gk_error_clear(&e);
    if (sweep_guide(s, layer, thick, nre, q, out[q->idx].wavelength_nm, &g, &e) != GK_OK) { oom = 1; continue; }
    if (full_point(&g, act, G, &out[q->idx], &ok, &e) != GK_OK) oom = 1;
    nfull++;
    gk_guide_free(&g);
  }
  /* 2: continuation between checkpoints, compared at the next one */
#pragma omp parallel for schedule(dynamic, 1) reduction(&&:ok) reduction(||:oom) reduction(+:nfull, nnewton, ncert)
  for (size_t w = 0; w < nchain * nseg; w++) {
    int stop;
#pragma omp atomic read
    stop = cancel;
    if (stop) continue;
    size_t c = w / nseg, k = w % nseg;
    segstat st = {0, 0, 0, 0};
    bad[w] = !run_segment(s, layer, thick, nre, ch + c * len, cp[k], cp[k + 1], act, G, out, &ok, &oom, &st);
    nfull += st.full;
    nnewton += st.newton;
    ncert += st.certified;
    if (progress && progress->update) {
#pragma omp critical(gk_modes_progress)
      {
        done += cp[k + 1] - cp[k];
        if (!cancel && gk_progress_update(progress, done, np)) {
#pragma omp atomic write
          cancel = 1;
        }
      }
    }
  }
  /* 3: segments whose continuation disagreed: the full search at each point */
#pragma omp parallel for schedule(dynamic, 1) reduction(&&:ok) reduction(||:oom) reduction(+:nfull, nredo)
  for (size_t w = 0; w < nchain * nseg; w++) {
    if (!bad[w] || cancel) continue;
    size_t c = w / nseg, k = w % nseg;
    nredo++;
    for (size_t j = cp[k] + 1; j < cp[k + 1]; j++) {
      const chainpt *q = &ch[c * len + j];
      gk_guide g;
      gk_error e;
      gk_error_clear(&e);
      if (sweep_guide(s, layer, thick, nre, q, out[q->idx].wavelength_nm, &g, &e) != GK_OK) { oom = 1; break; }
      if (full_point(&g, act, G, &out[q->idx], &ok, &e) != GK_OK) oom = 1;
      nfull++;
      gk_guide_free(&g);
    }
  }
  free(nre);
  free(ch);
  free(cp);
  free(bad);
  opts->full_solves = nfull;
  opts->newton_solves = nnewton;
  opts->redone_segments = nredo;
  opts->certified = ncert;
  if (cancel) return gk_error_set(err, GK_ECANCELLED, NULL, 0, "mode sweep cancelled");
  if (oom) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  if (converged) *converged = ok;
  return GK_OK;
}

/* ---- leaky-mode hook (used by leaky.c) -------------------------------------
 * Zeros of the dispersion function in the box [x0,x1]x[y0,y1] with the cover
 * and substrate square roots on the given sheets (+1 proper, -1 improper),
 * by the same argument-principle search and Newton refinement as above.
 * The caller keeps the box clear of the branch cuts. */
int gk_modes__box_zeros(const gk_guide *g, gk_pol pol, int sheet_c, int sheet_s, double x0, double x1,
                        double y0, double y1, double complex **z, size_t *nz, int *failed, long *nev)
{
  dctx c;
  if (dctx_init(&c, g, pol) != GK_OK) return GK_ENOMEM;
  c.sheet_c = sheet_c;
  c.sheet_s = sheet_s;
  roots r = {NULL, 0, 0, 0, 0};
  cplx mean = 0;
  int cnt = -1;
  for (int t = 0; t < 4 && cnt < 0; t++) {
    double sh = t * 1.3e-3;
    double w = x1 - x0, h = y1 - y0;
    cnt = box_count(&c, x0 + sh * w, x1 - sh * w, y0 + sh * h, y1 - sh * h, &mean);
    if (cnt >= 0) { x0 += sh * w; x1 -= sh * w; y0 += sh * h; y1 -= sh * h; }
  }
  if (cnt < 0) r.failed = 1;
  else solve_box(&c, x0, x1, y0, y1, cnt, mean, 0, 0, &r);
  if (r.n > 1) qsort(r.z, r.n, sizeof *r.z, cmp_re_desc);
  *z = r.z;
  *nz = r.n;
  *failed = r.failed;
  *nev += c.nev;
  dctx_free(&c);
  return GK_OK;
}

/* Newton refinement of one zero on the given sheets (continuation helper). */
int gk_modes__newton(const gk_guide *g, gk_pol pol, int sheet_c, int sheet_s, double complex *z)
{
  dctx c;
  if (dctx_init(&c, g, pol) != GK_OK) return GK_ENOMEM;
  c.sheet_c = sheet_c;
  c.sheet_s = sheet_s;
  int rc = newton(&c, z);
  dctx_free(&c);
  return rc;
}

/* F on the given sheets, unscaled. */
double complex gk_modes__dispersion_sheet(const gk_guide *g, gk_pol pol, int sheet_c, int sheet_s,
                                          double complex neff)
{
  dctx c;
  if (dctx_init(&c, g, pol) != GK_OK) return NAN;
  c.sheet_c = sheet_c;
  c.sheet_s = sheet_s;
  cplx df;
  double ls;
  cplx f = dispd(&c, neff, &df, &ls);
  dctx_free(&c);
  return f * exp(ls);
}
