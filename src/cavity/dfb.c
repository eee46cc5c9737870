/* DFB coupled-wave threshold (Kogelnik & Shank 1972) and a transfer-matrix
 * check (see gainkit/cavity.h). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>

#include "gainkit/cavity.h"
#include "core/core_internal.h"
#include "fit/croot.h"

typedef double complex cplx;

struct ks { cplx kL, zL; };

/* G/cosh(gamma L) = gL - (aL' - i dL') tanh(gL): even in gL, so the square
 * root's branch does not matter. With the radiation coupling zeta of a
 * second-order grating (gk_dfb_threshold_rad): aL' - i dL' = aL - zL - i dL
 * and kappa L -> kL - i zL. */
static cplx ks_G(cplx kL, cplx zL, double aL, double dL)
{
  cplx s = aL - zL - I * dL;
  kL -= I * zL;
  cplx u = csqrt(kL * kL + s * s);
  if (cabs(u) < 1e-12) return 1.0 - s;   /* limit u -> 0: u cosh u - s sinh u ~ u (1 - s) */
  return u - s * ctanh(u);
}

/* The characteristic function of a threshold problem: F(alpha L, delta L)
 * (solved as two reals) and |F| for the grid scan; tol scales the
 * residual test. */
typedef struct {
  cplx (*F)(double aL, double dL, void *p);
  double (*mag)(void *p, double aL, double dL);
  void *p;
  double tol;
} thr_fn;

/* Refine a zero of F from the scan by the shared two-variable root
 * finder (src/fit/croot.h, GSL's hybrids); 0 when converged. */
static int refine(const thr_fn *fn, double *aL, double *dL)
{
  return gk_croot_xy(fn->F, fn->p, aL, dL, 1e-14, 1e-13, 1e-11 * fn->tol, 200) == GK_OK ? 0 : -1;
}

static cplx ks_F(double aL, double dL, void *p)
{
  const struct ks *k = p;
  return ks_G(k->kL, k->zL, aL, dL);
}

static double ks_mag(void *p, double aL, double dL)
{
  const struct ks *k = p;
  cplx G = ks_G(k->kL, k->zL, aL, dL);
  return isfinite(cabs(G)) ? cabs(G) : INFINITY;
}

static int cmp_mode(const void *a, const void *b)
{
  const gk_dfb_mode *x = a, *y = b;
  if (fabs(x->alpha_L - y->alpha_L) > 1e-9 * fabs(x->alpha_L)) return (x->alpha_L > y->alpha_L) - (x->alpha_L < y->alpha_L);
  return (x->delta_L < y->delta_L) - (x->delta_L > y->delta_L);
}

/* Thresholds of fn in alpha L in (0, amax], |delta L| <= dmax: local
 * minima of |F| on a grid (alpha L logarithmic from 1e-4 amax, delta L
 * every 0.05) refined by GSL's hybrid root finder, duplicates removed,
 * sorted by alpha L. */
static int thr_search(const thr_fn *fn, double amax, double dmax, gk_dfb_mode *out, size_t max, size_t *n,
                      gk_error *err)
{
  gk_gsl_init_();  /* the one GSL-handler policy: src/core/gsl.c */
  /* grid of |G| local minima as starts; spacing well below the mode
   * spacing in delta L (~ pi) and the alpha L scale */
  /* alpha L on a logarithmic grid from 1e-4 amax: strongly coupled gratings
   * have band-edge thresholds ~ pi^2/(kappa L)^3 */
  int na = 240, nd = 2 * (int)ceil(dmax / 0.05);
  double *v = malloc((size_t)(na + 1) * (nd + 1) * sizeof *v);
  gk_dfb_mode *found = NULL;
  size_t nf = 0, cap = 0;
  if (!v) { return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
#define V(i, j) v[(size_t)(i) * (nd + 1) + (j)]
#define AL(i) (amax * pow(10.0, -4.0 * (1.0 - (double)(i) / na)))
  for (int i = 0; i <= na; i++)
    for (int j = 0; j <= nd; j++) {
      V(i, j) = fn->mag(fn->p, AL(i), -dmax + 2 * dmax * j / nd);
    }
  for (int i = 0; i <= na; i++)
    for (int j = 0; j <= nd; j++) {
      int lm = 1;
      for (int a = -1; a <= 1 && lm; a++)
        for (int b = -1; b <= 1; b++) {
          if (!a && !b) continue;
          int ii = i + a, jj = j + b;
          if (ii < 0 || jj < 0 || ii > na || jj > nd) continue;
          if (V(ii, jj) < V(i, j)) { lm = 0; break; }
        }
      if (!lm) continue;
      double aL = AL(i), dL = -dmax + 2 * dmax * j / nd;
      if (refine(fn, &aL, &dL) != 0) continue;
      if (!(aL > 0 && aL <= amax && fabs(dL) <= dmax)) continue;
      int dup = 0;
      for (size_t q = 0; q < nf; q++)
        dup |= fabs(found[q].alpha_L - aL) < 1e-8 && fabs(found[q].delta_L - dL) < 1e-8;
      if (dup) continue;
      if (nf == cap) {
        size_t c = cap ? 2 * cap : 16;
        gk_dfb_mode *nm = realloc(found, c * sizeof *nm);
        if (!nm) { free(found); free(v); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
        found = nm;
        cap = c;
      }
      found[nf].alpha_L = aL;
      found[nf].delta_L = dL;
      nf++;
    }
#undef V
#undef AL
  free(v);
  if (nf > 1) qsort(found, nf, sizeof *found, cmp_mode);
  for (size_t q = 0; q < nf && q < max; q++) out[q] = found[q];
  *n = nf < max ? nf : max;
  free(found);
  return GK_OK;
}

int gk_dfb_threshold(double kre, double kim, double amax, double dmax, gk_dfb_mode *out, size_t max, size_t *n,
                     gk_error *err)
{
  return gk_dfb_threshold_rad(kre, kim, 0, amax, dmax, out, max, n, err);
}

int gk_dfb_threshold_rad(double kre, double kim, double complex zL, double amax, double dmax, gk_dfb_mode *out,
                         size_t max, size_t *n, gk_error *err)
{
  *n = 0;
  if (!isfinite(kre) || !isfinite(kim) || !(kre != 0 || kim != 0))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB threshold: kappa L must be finite and non-zero");
  if (!isfinite(creal(zL)) || !isfinite(cimag(zL)) || creal(zL) < 0)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB threshold: the radiation coupling zeta L must be finite with Re >= 0");
  if (!(amax > 0) || !(dmax > 0) || !max)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB threshold: alpha_max, delta_max and max must be positive");
  struct ks k = {kre + I * kim, zL};
  thr_fn fn = {ks_F, ks_mag, &k, 1 + cabs(k.kL) + cabs(k.zL)};
  return thr_search(&fn, amax, dmax, out, max, n, err);
}

/* ---- facets and a phase shift -------------------------------------------------
 * The coupled-wave equations d/dz (R, S) = M (R, S), M = [[s, -i k],
 * [i k*, -s]] with s = alpha - i delta and, for index coupling, k = kappa
 * e^{i Omega} (Omega the grating phase), have the section transfer matrix
 * exp(M l) = cosh(gamma l) + M sinh(gamma l)/gamma, gamma^2 = s^2 + k k*
 * (for complex kappa, k* is replaced by the coefficient of the
 * S <- R coupling, kappa e^{-i Omega}). Two sections of length L/2, the second
 * with the grating phase Omega; R(-L/2) = r1 S(-L/2) and S(L/2) = r2 R(L/2). */
struct fp { cplx kL, r1, r2; double om; };

static void sec(cplx kf, cplx kb, cplx s, double l, cplx T[2][2])
{
  cplx g = csqrt(s * s + kf * kb);
  cplx ch = ccosh(g * l), sh = cabs(g) < 1e-12 ? l : csinh(g * l) / g;
  T[0][0] = ch + s * sh;
  T[0][1] = -I * kf * sh;
  T[1][0] = I * kb * sh;
  T[1][1] = ch - s * sh;
}

/* S(L/2) - r2 R(L/2) from (R, S)(-L/2) = (r1, 1), divided by |R| + |S|
 * at the end (the same zeros, bounded magnitude). */
static cplx fp_F(const struct fp *q, double aL, double dL)
{
  cplx s = aL - I * dL, A[2][2], B[2][2];
  sec(q->kL, q->kL, s, 0.5, A);
  cplx e = cexp(I * q->om);
  sec(q->kL * e, q->kL / e, s, 0.5, B);
  cplx R0 = q->r1, S0 = 1;
  cplx R1 = A[0][0] * R0 + A[0][1] * S0, S1 = A[1][0] * R0 + A[1][1] * S0;
  cplx R2 = B[0][0] * R1 + B[0][1] * S1, S2 = B[1][0] * R1 + B[1][1] * S1;
  return (S2 - q->r2 * R2) / (cabs(R2) + cabs(S2));
}

static cplx fp_Fxy(double aL, double dL, void *p) { return fp_F(p, aL, dL); }

static double fp_mag(void *p, double aL, double dL)
{
  cplx G = fp_F(p, aL, dL);
  return isfinite(cabs(G)) ? cabs(G) : INFINITY;
}

int gk_dfb_threshold_facets(double kre, double kim, double complex r1, double complex r2, double shift_rad,
                            double amax, double dmax, gk_dfb_mode *out, size_t max, size_t *n, gk_error *err)
{
  *n = 0;
  if (!isfinite(kre) || !isfinite(kim) || !(kre != 0 || kim != 0))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB threshold: kappa L must be finite and non-zero");
  if (!(cabs(r1) < 1) || !(cabs(r2) < 1))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB threshold: facet reflections r1, r2 need |r| < 1");
  if (!isfinite(shift_rad))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB threshold: the phase shift must be finite");
  if (!(amax > 0) || !(dmax > 0) || !max)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB threshold: alpha_max, delta_max and max must be positive");
  struct fp q = {kre + I * kim, r1, r2, shift_rad};
  thr_fn fn = {fp_Fxy, fp_mag, &q, 1};
  return thr_search(&fn, amax, dmax, out, max, n, err);
}

/* M22 of the forward/backward amplitude transfer matrix of the layered
 * grating, as a function of the complex mean propagation constant Kc. */
static cplx tmm_m22(double n0, double dn, double Lam, long N, cplx Kc)
{
  double na = n0 + 0.5 * dn, nb = n0 - 0.5 * dn;
  cplx ka = Kc * na / n0, kb = Kc * nb / n0;
  /* Interface from medium i to j, amplitudes (A, B) of e^{+-ikz} at the
   * interface, continuity of E and n E (normal incidence):
   * (A_j, B_j) = (1/t)[[1, r],[r, 1]] (A_i, B_i), r = (n_j-n_i)/(n_i+n_j),
   * t = 2 n_j/(n_i+n_j). */
  double r_0a = (na - n0) / (n0 + na), t_0a = 2 * na / (n0 + na);
  double r_ab = (nb - na) / (na + nb), t_ab = 2 * nb / (na + nb);
  double r_ba = (na - nb) / (na + nb), t_ba = 2 * na / (na + nb);
  double r_b0 = (n0 - nb) / (nb + n0), t_b0 = 2 * n0 / (nb + n0);
  cplx M[2][2] = {{1, 0}, {0, 1}};
#define MUL(X, a, b, c, d)                                                   \
  do {                                                                       \
    cplx m00 = (a) * X[0][0] + (b) * X[1][0], m01 = (a) * X[0][1] + (b) * X[1][1]; \
    cplx m10 = (c) * X[0][0] + (d) * X[1][0], m11 = (c) * X[0][1] + (d) * X[1][1]; \
    X[0][0] = m00; X[0][1] = m01; X[1][0] = m10; X[1][1] = m11;             \
  } while (0)
  double h = 0.5 * Lam;
  cplx pa = cexp(I * ka * h), pb = cexp(I * kb * h);
  /* one period from inside a: propagate a, interface a->b, propagate b, interface b->a */
  cplx P[2][2] = {{1, 0}, {0, 1}};
  MUL(P, pa, 0, 0, 1 / pa);
  MUL(P, 1 / t_ab, r_ab / t_ab, r_ab / t_ab, 1 / t_ab);
  MUL(P, pb, 0, 0, 1 / pb);
  cplx Q[2][2] = {{P[0][0], P[0][1]}, {P[1][0], P[1][1]}};
  MUL(Q, 1 / t_ba, r_ba / t_ba, r_ba / t_ba, 1 / t_ba);   /* full period a|b|a-interface */
  MUL(M, 1 / t_0a, r_0a / t_0a, r_0a / t_0a, 1 / t_0a);
  /* N-1 full periods then the last without the closing b->a interface */
  for (long p = 0; p + 1 < N; p++) MUL(M, Q[0][0], Q[0][1], Q[1][0], Q[1][1]);
  MUL(M, P[0][0], P[0][1], P[1][0], P[1][1]);
  MUL(M, 1 / t_b0, r_b0 / t_b0, r_b0 / t_b0, 1 / t_b0);
#undef MUL
  return M[1][1];
}

/* M22 as the function of the shared secant iteration (src/fit/croot.h). */
struct tmm { double n0, dn, Lam; long N; };
static cplx tmm_f(cplx Kc, cplx *df, void *ctx)
{
  (void)df;   /* called with NULL: the secant method */
  const struct tmm *q = ctx;
  return tmm_m22(q->n0, q->dn, q->Lam, q->N, Kc);
}

int gk_dfb_threshold_tmm(double n0, double dn, double wl, long N, gk_dfb_mode *mode, gk_error *err)
{
  if (!(n0 > 0) || !(dn > 0 && dn < n0) || !(wl > 0) || N < 1)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB transfer matrix: need n_avg > dn > 0, wavelength > 0, periods >= 1");
  double Lam = wl / (2 * n0), L = N * Lam, b0 = M_PI / Lam;
  /* exp(+i K z) forward; gain alpha -> Im K = -alpha */
  cplx z = b0 + mode->delta_L / L - I * mode->alpha_L / L;
  struct tmm q = {n0, dn, Lam, N};
  /* secant from z and z + 1e-6 / L */
  if (gk_croot(tmm_f, &q, 1e-6 / L, 1e-14, 100, &z) != GK_OK)
    return gk_error_set(err, GK_ENOCONV, NULL, 0, "DFB transfer matrix: the secant iteration did not converge");
  mode->alpha_L = -cimag(z) * L;
  mode->delta_L = (creal(z) - b0) * L;
  return GK_OK;
}

/* TM: the magnetic field H = H_y of the mode, propagated layer by layer
 * (H'' = -q^2 H, q = k0 sqrt(eps_j - n_eff^2); H and H'/eps continuous),
 * from H = e^{gamma_c x} in the cover. Coupled-mode theory (forward and
 * backward modes coupled by the permittivity's Fourier component eps_m,
 * E_b* . E_a = e_x^2 - e_z^2 because the longitudinal field changes sign
 * with the direction), normalised to the mode power
 * P = (beta / 2 omega eps0) Int |H|^2 / eps:
 *   kappa = (1 / 2 beta) Int_j eps_m (beta^2 |H|^2 - |H'|^2) / eps_j^2 dx
 *           / Int |H|^2 / eps dx.
 * Lossy layers enter through Re eps (first order in the loss).
 * The integrals use the two exponential tails analytically and Simpson's
 * rule inside the layers. */
typedef struct { double complex u, d; } uv_tm;

static uv_tm prop_tm(uv_tm a, double complex q, double t)
{
  double complex c, s;
  if (cabs(q * t) < 1e-7) { c = 1 - 0.5 * q * q * t * t; s = t; }
  else { c = ccos(q * t); s = csin(q * t) / q; }
  uv_tm b = {c * a.u + s * a.d, -q * q * s * a.u + c * a.d};
  return b;
}

static int kappa_tm(const gk_guide *g, const gk_mode *m, size_t layer, double eps_m, double *kappa_cm)
{
  size_t nl = g->nlayers;
  double k0 = 2 * M_PI / g->wavelength_nm;   /* nm^-1 */
  double complex ne = m->neff;
  double beta = k0 * creal(ne);
  double complex e0 = g->index[0] * g->index[0], en = g->index[nl - 1] * g->index[nl - 1];
  double complex gc = k0 * csqrt(ne * ne - e0), gs = k0 * csqrt(ne * ne - en);
  if (creal(gc) <= 0 || creal(gs) <= 0) return -1;   /* not a guided mode */
  uv_tm h = {1, gc};   /* H, H' just below the cover interface, cover side */
  double norm = 1 / (2 * creal(gc)) / creal(e0), num = 0;
  double complex eprev = e0;
  for (size_t j = 1; j + 1 < nl; j++) {
    double complex ej = g->index[j] * g->index[j], q = k0 * csqrt(ej - ne * ne);
    h.d *= ej / eprev;   /* H'/eps continuous */
    double d = g->thickness_nm[j];
    int n = 400;
    double sh = 0, sd = 0;
    for (int i = 0; i <= n; i++) {
      uv_tm v = prop_tm(h, q, d * i / n);
      double w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
      sh += w * creal(v.u * conj(v.u));
      sd += w * creal(v.d * conj(v.d));
    }
    sh *= d / (3.0 * n);
    sd *= d / (3.0 * n);
    double er = creal(ej);
    norm += sh / er;
    if (j == layer) num = (beta * beta * sh - sd) / (er * er);
    h = prop_tm(h, q, d);
    eprev = ej;
  }
  norm += creal(h.u * conj(h.u)) / (2 * creal(gs)) / creal(en);
  *kappa_cm = eps_m * num / (2 * beta * norm) * 1e7;
  return isfinite(*kappa_cm) ? 0 : -1;
}

int gk_dfb_kappa(const gk_guide *g, const gk_mode *m, size_t layer, double eps_m, double *kappa_cm, gk_error *err)
{
  if (layer >= g->nlayers) return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB kappa: layer %zu out of range", layer);
  if (m->pol == GK_TM) {
    if (layer == 0 || layer + 1 >= g->nlayers)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB kappa: TM needs the grating in an interior layer (got %zu)", layer);
    if (kappa_tm(g, m, layer, eps_m, kappa_cm) != 0)
      return gk_error_set(err, GK_EDOM, NULL, 0, "DFB kappa: the TM mode (n_eff %g%+gi) is not guided", creal(m->neff),
                          cimag(m->neff));
    return GK_OK;
  }
  double k0 = 2 * M_PI / (g->wavelength_nm * 1e-7);   /* cm^-1 */
  *kappa_cm = k0 * eps_m * m->confinement[layer] / (2 * creal(m->neff));
  return GK_OK;
}

double gk_dfb_rect_eps_m(double eps_hi, double eps_lo, double duty, int order)
{
  return (eps_hi - eps_lo) * sin(M_PI * order * duty) / (M_PI * order);
}

double gk_dfb_bragg_nm(double neff, double period_nm, int order) { return 2 * neff * period_nm / order; }

double gk_dfb_stopband_halfwidth_nm(double lambda_nm, double kappa_cm, double ng)
{
  return lambda_nm * lambda_nm * 1e-7 * fabs(kappa_cm) / (2 * M_PI * ng);
}

/* ---- second-order radiation (surface emission) -------------------------------
 * Coupled-mode theory with the first Fourier component of a second-order
 * grating (Kazarinov & Henry, IEEE J. Quantum Electron. 1985; Streifer et
 * al., IEEE J. Quantum Electron. 1975): eps_{+-1} scatters R
 * and S into a field E_r(x) propagating normal to the guide, the solution of
 *   E_r'' + k0^2 eps(x) E_r = -k0^2 eps_1(x) E0(x) (R + S)
 * with outgoing waves in cover and substrate, and scatters E_r back into R
 * and S. Both waves then obey -zeta (R + S) terms, in the Kogelnik-Shank
 * convention R' = (alpha - i delta) R - i kappa S - zeta (R + S), with
 *   zeta = i k0^4 / (2 beta) Int Int eps_1 E0(x) G(x,x') eps_1 E0(x') dx dx'
 * (E0 normalised to Int E0^2 = 1; G the normal-incidence Green's function
 * of the unperturbed stack, G'' + k0^2 eps G = -delta). Re zeta > 0 is the
 * radiation (power lost per unit length, field amplitude 2 Re zeta at the
 * radiating band edge of an infinite grating); one band edge does not
 * radiate. Computed here in gainkit's e^{-i omega t} convention (outgoing
 * e^{+i k |x|}) and returned conjugated, in the K-S convention. */
typedef struct { cplx u, d; } uv;   /* value and x-derivative */

/* propagate (u, u') over thickness t (may be negative) in a layer where
 * u'' = -q^2 u */
static uv prop(uv a, cplx q, double t)
{
  cplx c, s;   /* cos(q t), sin(q t)/q */
  if (cabs(q * t) < 1e-7) { c = 1 - 0.5 * q * q * t * t; s = t; }
  else { c = ccos(q * t); s = csin(q * t) / q; }
  uv b = {c * a.u + s * a.d, -q * q * s * a.u + c * a.d};
  return b;
}

static cplx layer_sq_integral(uv a, cplx q, double d)
{
  /* Int_0^d u^2 for u = A cos(q s) + B sin(q s)/q, A = a.u, B = a.d (Simpson, 2000 panels:
   * relative error ~1e-13 for |q d| < 10) */
  int n = 2000;
  cplx sum = 0;
  for (int i = 0; i <= n; i++) {
    uv v = prop(a, q, d * i / n);
    double w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
    sum += w * v.u * v.u;
  }
  return sum * d / (3.0 * n);
}

int gk_dfb_radiation(const gk_guide *g, const gk_mode *m, size_t layer, double eps1, double complex *zeta_cm,
                     gk_error *err)
{
  if (m->pol != GK_TE) return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB radiation: only TE modes are supported");
  if (layer == 0 || layer + 1 >= g->nlayers)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "DFB radiation: layer %zu is not an interior layer", layer);
  size_t nl = g->nlayers;
  double k0 = 2 * M_PI / g->wavelength_nm;   /* nm^-1 */
  cplx ne = m->neff, beta = k0 * ne;
  cplx *eps = malloc(nl * sizeof *eps);
  if (!eps) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t j = 0; j < nl; j++) eps[j] = g->index[j] * g->index[j];
  /* guided TE field: E = exp(gc x) in the cover (x < 0), x downwards */
  cplx gc = k0 * csqrt(ne * ne - eps[0]);
  if (creal(gc) < 0) gc = -gc;
  uv e = {1, gc};
  cplx norm = 1 / (2 * gc);
  uv eg = e;   /* at the top of the grating layer */
  for (size_t j = 1; j + 1 < nl; j++) {
    cplx q = k0 * csqrt(eps[j] - ne * ne);
    if (j == layer) eg = e;
    norm += layer_sq_integral(e, q, g->thickness_nm[j]);
    e = prop(e, q, g->thickness_nm[j]);
  }
  cplx gs = k0 * csqrt(ne * ne - eps[nl - 1]);
  if (creal(gs) < 0) gs = -gs;
  norm += e.u * e.u / (2 * gs);
  /* normal-incidence solutions: u_top outgoing upwards (e^{-i kc x}),
   * u_bot outgoing downwards (e^{+i ks x}), e^{-i omega t} */
  cplx kc = k0 * csqrt(eps[0]), ks = k0 * csqrt(eps[nl - 1]);
  uv ut = {1, -I * kc};
  for (size_t j = 1; j < layer; j++) ut = prop(ut, k0 * csqrt(eps[j]), g->thickness_nm[j]);
  uv ub = {1, I * ks};
  for (size_t j = nl - 2; j > layer; j--) ub = prop(ub, k0 * csqrt(eps[j]), -g->thickness_nm[j]);
  cplx qg = k0 * csqrt(eps[layer]), qm = k0 * csqrt(eps[layer] - ne * ne);
  double d = g->thickness_nm[layer];
  uv ubt = prop(ub, qg, -d);   /* u_bot at the top of the grating layer */
  cplx W = ut.u * ubt.d - ut.d * ubt.u;
  /* I = -(2 eps1^2 / W) Int E0 u_bot C, C(x) = Int_top^x E0 u_top (trapezoid; 4000 panels) */
  int n = 4000;
  cplx C = 0, acc = 0, prev_f = 0, prev_h = 0;
  for (int i = 0; i <= n; i++) {
    double s = d * i / n;
    cplx E0 = prop(eg, qm, s).u, u1 = prop(ut, qg, s).u, u2 = prop(ubt, qg, s).u;
    cplx f = E0 * u1;
    if (i) C += 0.5 * (f + prev_f) * (d / n);
    cplx h = E0 * u2 * C;
    if (i) acc += 0.5 * (h + prev_h) * (d / n);
    prev_f = f;
    prev_h = h;
  }
  free(eps);
  cplx Iint = -2 * eps1 * eps1 * acc / W / norm;
  cplx zeta = -I * k0 * k0 * k0 * k0 * Iint / (2 * beta);   /* nm^-1, e^{-i omega t} */
  *zeta_cm = conj(zeta) * 1e7;
  if (!isfinite(creal(*zeta_cm)) || !isfinite(cimag(*zeta_cm)))
    return gk_error_set(err, GK_EDOM, NULL, 0, "DFB radiation: the radiation coupling is not finite");
  return GK_OK;
}
